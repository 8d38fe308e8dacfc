"""Taking quizzes: overview, start, answer (autosave + no-JS save), submit once, review;
and the trainers' page for grading essays."""

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import Course
from app.courses.outline_cache import cached_for_content, course_outline
from app.database_setup import takes_write_lock_late
from app.extensions import db
from app.forms import whole_numbers
from app.i18n import current_language
from app.quizzes import services
from app.quizzes.forms import EssayGradeForm
from app.quizzes.models import Attempt, AttemptQuestion, Quiz
from app.quizzes.review import review_items
from app.templating import number, wita_datetime
from app.web import one_or_404

bp = Blueprint("quizzes", __name__, template_folder="templates")

SLOT_FIELD = re.compile(r"^s(\d+)(?:-|$)")


def _quiz_or_404(slug, quiz_slug):
    quiz = one_or_404(
        select(Quiz).join(Course).where(Course.slug == slug, Quiz.slug == quiz_slug,
                                        Quiz.retired_at.is_(None))
        .options(joinedload(Quiz.course)))
    if not quiz.course.is_published:
        abort(404)
    return quiz


def _own_attempt_or_404(attempt_id):
    """An attempt of the current user only: anyone else's is simply not found."""
    attempt = one_or_404(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == current_user.id)
        .options(selectinload(Attempt.slots), joinedload(Attempt.quiz).joinedload(Quiz.course)))
    return attempt


def responses_from_form(attempt, form):
    """{slot_id: raw response} for every slot; a field naming a foreign slot is tampering."""
    slot_ids = {slot.id for slot in attempt.slots}
    for name in form:
        match = SLOT_FIELD.match(name)
        if match and int(match.group(1)) not in slot_ids:
            raise services.TamperedResponse(
                _("Soal yang dikirim bukan bagian dari percobaan ini."))
    raw = {}
    for slot in attempt.slots:
        snapshot, name = slot.snapshot, f"s{slot.id}"
        kind = snapshot["type"]
        if kind == "description":
            continue
        if kind == "multichoice" and snapshot.get("single") is False:
            raw[slot.id] = {"choices": form.getlist(name)}
        elif kind in ("multichoice", "truefalse"):
            raw[slot.id] = {"choice": form.get(name)}
        elif kind == "matching":
            raw[slot.id] = {"pairs": {sub["key"]: form.get(f"{name}-{sub['key']}")
                                      for sub in snapshot["subquestions"]}}
        else:
            raw[slot.id] = {"text": form.get(name, "")}
    return raw


@bp.route("/kursus/<slug>/kuis/<quiz_slug>")
def overview(slug, quiz_slug):
    quiz = _quiz_or_404(slug, quiz_slug)
    attempts = services.attempts_of(current_user, quiz) if current_user.is_authenticated else []
    # An attempt whose time ran out while the learner was away is graded now, not shown open.
    if any(services.close_if_expired(a) for a in attempts if a.is_open):
        db.session.commit()
    question_count = quiz.draw_count or sum(
        1 for q in quiz.questions if q.retired_at is None and q.is_gradable)
    return render_template("quizzes/overview.html", quiz=quiz, course=quiz.course,
                           standing=services.standing(quiz, attempts),
                           question_count=question_count, action_form=ActionForm())


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/mulai", methods=["POST"])
@login_required
def start(slug, quiz_slug):
    quiz = _quiz_or_404(slug, quiz_slug)
    action_or_400()
    try:
        attempt = services.start_attempt(current_user, quiz)
    except services.QuizError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".overview", slug=slug, quiz_slug=quiz_slug))
    db.session.commit()
    return redirect(url_for(".take", attempt_id=attempt.id))


@bp.route("/percobaan/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def take(attempt_id):
    attempt = _own_attempt_or_404(attempt_id)
    if services.close_if_expired(attempt):
        db.session.commit()
        flash(_("Waktu habis. Jawaban yang tersimpan sudah dinilai."), "info")
    if not attempt.is_open:
        return redirect(url_for(".result", attempt_id=attempt.id))
    if request.method == "POST":
        return _save_or_submit(attempt)
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz,
                           course=attempt.quiz.course, slots=attempt.slots)


def _submitted_message(graded_now, timed_out):
    """What the result page says first: whether the clock sent the answers, and whether the
    score is final or waits for a trainer's essay grading."""
    if timed_out:
        return (_("Waktu habis: jawaban yang sudah Anda isi dikirim otomatis dan sudah dinilai.")
                if graded_now else
                _("Waktu habis: jawaban yang sudah Anda isi dikirim otomatis. Esai menunggu "
                  "penilaian pengajar."))
    return (_("Jawaban Anda sudah dikirim dan dinilai.") if graded_now else
            _("Jawaban Anda sudah dikirim. Esai menunggu penilaian pengajar."))


def _save_or_submit(attempt):
    try:
        raw = responses_from_form(attempt, request.form)
        if request.form.get("aksi") == "kirim":
            graded_now = services.submit_attempt(attempt, raw)
            db.session.commit()
            flash(_submitted_message(graded_now, request.form.get("waktu_habis") == "1"),
                  "info" if request.form.get("waktu_habis") == "1" else "success")
            return redirect(url_for(".result", attempt_id=attempt.id))
        services.save_responses(attempt, raw, flagged_ids=flagged_slot_ids(request.form))
    except services.TamperedResponse as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz,
                               course=attempt.quiz.course, slots=attempt.slots), 400
    except services.AttemptClosed as error:
        db.session.rollback()
        services.close_if_expired(attempt)
        db.session.commit()
        flash(error.message, "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    db.session.commit()
    if request.form.get("aksi") == "periksa":  # the summary step before sending
        return redirect(url_for(".check_before_submit", attempt_id=attempt.id))
    flash(_("Jawaban tersimpan pukul %(time)s.", time=wita_datetime(attempt.saved_at)),
          "success")
    return redirect(url_for(".take", attempt_id=attempt.id))


def flagged_slot_ids(form):
    """The slots ticked "Tandai soal ini" (ids as sent; foreign ones are ignored later)."""
    return whole_numbers(form.getlist("tandai"))


@bp.route("/percobaan/<int:attempt_id>/periksa")
@login_required
def check_before_submit(attempt_id):
    """The summary step: which questions are unanswered or marked, before sending for good."""
    attempt = _own_attempt_or_404(attempt_id)
    if services.close_if_expired(attempt):
        db.session.commit()
    if not attempt.is_open:
        return redirect(url_for(".result", attempt_id=attempt.id))
    numbered = [(number, slot) for number, slot in enumerate(attempt.slots, 1)
                if slot.snapshot["type"] != "description"]
    return render_template(
        "quizzes/check.html", attempt=attempt, quiz=attempt.quiz, course=attempt.quiz.course,
        total=len(numbered), action_form=ActionForm(),
        unanswered=[(n, s) for n, s in numbered if not services.is_answered(s.response)],
        flagged=[(n, s) for n, s in numbered if s.flagged])


@bp.route("/percobaan/<int:attempt_id>/kirim", methods=["POST"])
@login_required
def submit_saved(attempt_id):
    """Send the saved answers (from the summary step): nothing in this form changes them."""
    attempt = _own_attempt_or_404(attempt_id)
    action_or_400()
    graded_now = services.submit_attempt(attempt, {})
    db.session.commit()
    flash(_submitted_message(graded_now, False), "success")
    return redirect(url_for(".result", attempt_id=attempt.id))


@bp.route("/percobaan/<int:attempt_id>/autosimpan", methods=["POST"])
@login_required
@takes_write_lock_late
def autosave(attempt_id):
    """Called by quiz.js as answers change; the same rules as the no-JS save. Its first write is
    `autosave_responses`' conditional UPDATE of the attempt (still open?), so its reads need no
    write lock: on SQLite two workers' autosaves overlap except for the writes themselves."""
    attempt = services.attempt_to_save(attempt_id, current_user.id)
    if attempt is None:
        abort(404)
    try:
        saved_at = services.autosave_responses(
            attempt, responses_from_form(attempt, request.form), flagged_slot_ids(request.form))
    except services.TamperedResponse as error:
        db.session.rollback()
        return jsonify(ok=False, message=error.message), 400
    except services.AttemptClosed as error:
        db.session.rollback()
        # The whole attempt, to grade it now if its time ran out while the learner worked.
        services.close_if_expired(_own_attempt_or_404(attempt_id))
        db.session.commit()
        return jsonify(ok=False, message=error.message,
                       redirect=url_for(".result", attempt_id=attempt_id)), 409
    # Written before the commit, which expires the user (the language would read it again).
    message = _("Tersimpan %(time)s", time=wita_datetime(saved_at))
    db.session.commit()
    return jsonify(ok=True, message=message)


@bp.route("/percobaan/<int:attempt_id>/hasil")
@login_required
def result(attempt_id):
    attempt = _own_attempt_or_404(attempt_id)
    if services.close_if_expired(attempt):
        db.session.commit()
    if attempt.is_open:
        return redirect(url_for(".take", attempt_id=attempt.id))
    quiz = attempt.quiz
    answers_open = services.answers_open(
        quiz, services.submitted_attempt_count(current_user, quiz))
    return render_template("quizzes/result.html", attempt=attempt, quiz=quiz, course=quiz.course,
                           answers_open=answers_open,
                           items=review_items(attempt, quiz.review_policy, answers_open))


# --- grading essays ------------------------------------------------------------------------

def _gradable_courses_filter(query):
    """Admins grade every course; a trainer grades the courses they teach."""
    if current_user.is_admin:
        return query
    return query.where(Course.owners.any(id=current_user.id))


def _require_grader():
    if not (current_user.is_admin or current_user.is_trainer):
        abort(403)


@bp.route("/penilaian")
@login_required
def pending_essays():
    _require_grader()
    query = (select(AttemptQuestion)
             .join(AttemptQuestion.attempt).join(Attempt.quiz).join(Quiz.course)
             .where(Attempt.state == "submitted", Attempt.needs_grading.is_(True),
                    AttemptQuestion.score.is_(None),
                    AttemptQuestion.question_type == "essay")
             .options(joinedload(AttemptQuestion.attempt).joinedload(Attempt.user),
                      joinedload(AttemptQuestion.attempt).joinedload(Attempt.quiz)
                      .joinedload(Quiz.course))
             .order_by(Attempt.submitted_at))
    slots = db.session.scalars(_gradable_courses_filter(query)).all()
    return render_template("quizzes/pending.html", slots=slots, graded=_recently_graded())


RECENTLY_GRADED = 50


def _recently_graded():
    """The latest graded essays, so a grade can be looked at and changed again."""
    query = (select(AttemptQuestion)
             .join(AttemptQuestion.attempt).join(Attempt.quiz).join(Quiz.course)
             .where(AttemptQuestion.question_type == "essay",
                    AttemptQuestion.score.is_not(None))
             .options(joinedload(AttemptQuestion.attempt).joinedload(Attempt.user),
                      joinedload(AttemptQuestion.attempt).joinedload(Attempt.quiz)
                      .joinedload(Quiz.course))
             .order_by(AttemptQuestion.graded_at.desc(), AttemptQuestion.id.desc())
             .limit(RECENTLY_GRADED))
    return db.session.scalars(_gradable_courses_filter(query)).all()


@bp.route("/penilaian/<int:slot_id>", methods=["GET", "POST"])
@login_required
def grade(slot_id):
    _require_grader()
    query = (select(AttemptQuestion).join(AttemptQuestion.attempt).join(Attempt.quiz)
             .join(Quiz.course).where(AttemptQuestion.id == slot_id))
    slot = one_or_404(_gradable_courses_filter(query))
    if slot.snapshot["type"] != "essay" or slot.attempt.state != "submitted":
        abort(404)
    graded = slot.score is not None
    form = EssayGradeForm(data={"score": round(slot.score * 100, 2),
                                "comment": slot.grader_comment} if graded else None)
    if form.validate_on_submit():
        before = slot.score
        services.grade_essay(slot, form.score.data, form.comment.data, current_user)
        db.session.commit()
        if before is None:
            flash(_("Nilai esai disimpan."), "success")
        else:
            flash(_("Nilai esai diubah dari %(before)s menjadi %(after)s; perubahan dicatat di "
                    "log audit.", before=number(before * 100, 2),
                    after=number(slot.score * 100, 2)), "success")
        return redirect(url_for(".pending_essays"))
    grader = db.session.get(User, slot.graded_by_id) if slot.graded_by_id else None
    return render_template("quizzes/grade.html", slot=slot, form=form, grader=grader,
                           snapshot=slot.snapshot, response=slot.response)


# --- sections on course and module pages ----------------------------------------------------

# The course page's quizzes panel is the same for everyone but for each quiz's standing line
# and the gain: a mark stands for each, filled per request (same scheme as the module list's
# ticks, app/courses/course_parts.py). Control characters page text has no use for.
STATUS_MARK = "\x1fq{quiz_id}\x1f"
GAIN_MARK = "\x1fg\x1f"
_PANEL_MARKS = re.compile("\x1f(?:q(\\d+)|g)\x1f")
MAX_COURSE_PANELS = 200  # (course, language, signed in or not)


def _course_quizzes(course):
    """The course's active quizzes from the cached outline, the opening pretest first."""
    placed = course_outline(course.slug).parts["quizzes_after"]
    return sorted((quiz for quizzes in placed.values() for quiz in quizzes),
                  key=lambda quiz: (not quiz.opens_course, quiz.id))


def course_quiz_read(user, course, _modules):
    """The attempts the quizzes panel reads, read with the course page's progress."""
    return services.attempts_read(user, _course_quizzes(course))


def course_quiz_section(user, course, modules, _progress):
    """The quizzes panel of a course page: standing per quiz and the pretest/posttest gain.
    The quizzes come from the cached outline, the panel around the standings is rendered once
    per content version; only the learner's attempts are read (one statement)."""
    quizzes = _course_quizzes(course)
    if not quizzes:
        return None
    signed_in = user is not None and user.is_authenticated
    key = (course.id, current_language(), signed_in, request.script_root)
    panel = cached_for_content("quiz_course_panel", key,
                               lambda: _render_course_panel(course, quizzes, modules, signed_in),
                               MAX_COURSE_PANELS)
    if not signed_in:
        return Markup(panel)
    return _fill_standings(panel, services.standings_of(user, quizzes))


def _render_course_panel(course, quizzes, modules, signed_in):
    template = current_app.jinja_env.get_template("quizzes/_course_section.html")
    rendered = template.make_module({
        "course": course, "quizzes": quizzes, "signed_in": signed_in,
        "module_titles": {m.id: m.title for m in modules},
        "status_mark": lambda quiz_id: Markup(STATUS_MARK.format(quiz_id=quiz_id)),
        "gain_mark": Markup(GAIN_MARK)})
    return str(rendered.panel)


def _fill_standings(panel, standings):
    """The cached panel with this learner's standing in each quiz and their gain."""
    macros = current_app.jinja_env.get_template("quizzes/_standing.html").module
    by_quiz = {s.quiz.id: s for s in standings}
    gain = _pretest_gain(standings)

    def fill(match):
        if match.group(1) is None:
            return "" if gain is None else str(macros.gain_line(gain))
        # A mark's form typed into a quiz title names no quiz of the panel: it becomes nothing.
        standing = by_quiz.get(int(match.group(1)))
        return "" if standing is None else str(macros.status(standing))

    return Markup(_PANEL_MARKS.sub(fill, panel))


def _pretest_gain(standings):
    """Posttest grade minus pretest grade, when the course has both and both are graded."""
    by_kind = {s.quiz.kind: s for s in standings}
    if "pretest" not in by_kind or "posttest" not in by_kind:
        return None
    pre, post = by_kind["pretest"].grade, by_kind["posttest"].grade
    if pre is None or post is None:
        return None
    return round(post - pre, 2)


def opening_pretest(user, course):
    """A start step: the course's opening pretest while the learner has not submitted it
    (from the cached outline; one query for the learner's attempts, only when there is one)."""
    pretests = [quiz for quiz in course_outline(course.slug).parts["quizzes_after"].get(None, [])
                if quiz.opens_course]
    for quiz in pretests:
        if not services.has_submitted(user, quiz):
            return url_for("quizzes.overview", slug=course.slug, quiz_slug=quiz.slug)
    return None


def module_quiz_section(course, module):
    quizzes = course_outline(course.slug).parts["quizzes_after"].get(module.id)
    if not quizzes:
        return None
    return Markup(render_template("quizzes/_module_section.html", course=course,
                                  quizzes=quizzes))


PERSON_ATTEMPTS = 20  # the latest; the trainer's learner list has the rest per course


def person_attempt_section(user):
    """A person's admin page: their latest quiz attempts (one query)."""
    attempts = db.session.scalars(
        select(Attempt).options(joinedload(Attempt.quiz).joinedload(Quiz.course))
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at.desc()).limit(PERSON_ATTEMPTS)).all()
    return Markup(render_template("quizzes/_person_section.html", attempts=attempts))
