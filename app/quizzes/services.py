"""Attempts: start, save, submit (exactly once), close at the deadline, grade, review.

Services flush and never commit; views own the transaction. Submitting claims the attempt with
a conditional UPDATE (state in_progress -> submitted), so of two racing submits exactly one
grades and the other finds it already done.
"""

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import batched_reads
from app.admin.menu import AdminCount
from app.audit import record_event
from app.courses import services as course_services
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.notifications import events
from app.quizzes import grading
from app.quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Question, Quiz
from app.settings import get_setting

# Lists of quizzes (course and module pages) never need the author's GIFT text.
QUIZ_LISTING = defer(Quiz.gift_source)


class QuizError(LmsError):
    """A quiz rule said no (closed, no attempts left, not enrolled, ...)."""


class NoAttemptsLeft(QuizError):
    pass


class AttemptClosed(QuizError):
    pass


class TamperedResponse(QuizError):
    """A response names an option, slot or attempt that is not part of this attempt."""


# --- snapshots ---------------------------------------------------------------------------------

TRUE_FALSE_LABELS = {"true": "Benar", "false": "Salah"}


class AnswerKeys:
    """Fresh keys for the options of one question of one attempt.

    Every value a learner's browser sees during an attempt (radio and checkbox values, matching
    fields and choices, element ids built from them) is one of these: drawn from the attempt's
    random source (the system's CSPRNG in production), unique within the question and stored in
    the snapshot, so nothing on the page follows database ids, the author's order or which
    answer is right. Grading and review read the keys back from the snapshot.
    """

    def __init__(self, rng):
        self._rng = rng
        self._given = set()

    def new(self):
        while True:
            key = f"k{self._rng.getrandbits(64):016x}"
            if key not in self._given:
                self._given.add(key)
                return key


def _option(option, key):
    return {"key": key, "text": option.text_source, "text_html": option.text_html,
            "fraction": option.fraction, "feedback_html": option.feedback_html,
            "tolerance": option.tolerance}


def _matching_parts(question, rng, keys):
    rights = []
    for option in question.options:
        if option.match_text not in rights:
            rights.append(option.match_text)
    right_keys = {text: keys.new() for text in rights}
    choices = [{"key": right_keys[text], "text": text} for text in rights]
    rng.shuffle(choices)  # the right-hand list is always shuffled, as in Moodle
    subquestions = [{"key": keys.new(), "text_html": o.text_html,
                     "answer": right_keys[o.match_text]}
                    for o in question.options if o.text_source.strip()]
    return subquestions, choices


def build_snapshot(question, shuffle, rng):
    """Everything needed to show, grade and review this question, frozen at attempt start."""
    # True/false is one choice of two: the importer leaves `single` unset (None) for it, and
    # responses and grading read None as "several answers", which dropped every T/F answer.
    single = True if question.type == "truefalse" else question.single
    snapshot = {"question_id": question.id, "type": question.type, "name": question.name,
                "single": single, "text_html": question.text_html,
                "general_feedback_html": question.general_feedback_html, "options": []}
    keys = AnswerKeys(rng)
    if question.type == "matching":
        snapshot["subquestions"], snapshot["choices"] = _matching_parts(question, rng, keys)
        return snapshot
    options = [_option(o, keys.new()) for o in question.options]
    if question.type == "truefalse":
        for option in options:
            option["text_html"] = TRUE_FALSE_LABELS.get(option["text"], option["text_html"])
    # True/false too: with "Benar" always first, "always the first one" would score whatever
    # share of a quiz's statements are true, instead of chance.
    if question.type in ("multichoice", "truefalse") and shuffle:
        rng.shuffle(options)
    snapshot["options"] = options
    return snapshot


def _draw_questions(quiz, rng):
    questions = [q for q in quiz.questions if q.retired_at is None]
    if not quiz.draw_count:
        return questions
    gradable = [q for q in questions if q.is_gradable]
    chosen = {q.id for q in rng.sample(gradable, quiz.draw_count)}
    drawn = [q for q in gradable if q.id in chosen]
    rng.shuffle(drawn)
    return drawn


# --- reading -----------------------------------------------------------------------------------

def load_quiz_with_questions(quiz_id):
    return db.session.scalar(
        select(Quiz).where(Quiz.id == quiz_id)
        .options(selectinload(Quiz.questions).selectinload(Question.options)))


def attempts_of(user, quiz):
    return db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
        .order_by(Attempt.number)).all()


def open_attempt(user, quiz):
    return db.session.scalar(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.state == "in_progress"))


def submitted_attempt_count(user, quiz):
    return db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.state == "submitted"))


def answers_open(quiz, submitted_count):
    """May this learner's reviews show the answer key and the feedback on their answers?

    Only once it can no longer help an attempt: the trainer chose "always", the last attempt
    has been submitted (an attempt still open does not count as used), or the quiz is closed
    (retired, or its course archived). With unlimited attempts that means: when it closes.
    """
    if quiz.show_answers == "always" or quiz.is_retired or quiz.course.status == "archived":
        return True
    return bool(quiz.max_attempts) and submitted_count >= quiz.max_attempts


def grace_seconds():
    return int(get_setting("quiz_grace_seconds") or 0)


@dataclass
class QuizStanding:
    """A learner's standing in one quiz: grade by the quiz's method, attempts, pass."""

    quiz: Quiz
    attempts: list
    grade: float | None
    passed: bool

    @property
    def attempts_left(self):
        if not self.quiz.max_attempts:
            return None  # unlimited
        return max(0, self.quiz.max_attempts - len(self.attempts))

    @property
    def pending(self):
        return any(a.state == "submitted" and a.needs_grading for a in self.attempts)

    @property
    def open_attempt(self):
        return next((a for a in self.attempts if a.is_open), None)


def standing(quiz, attempts):
    scores = [a.score for a in attempts if a.is_graded]
    grade = grading.combine_attempts(quiz.grading_method, scores)
    return QuizStanding(quiz=quiz, attempts=attempts, grade=grade,
                        passed=grade is not None and grade >= quiz.pass_mark)


def standings_for_course(user, course):
    """Every active quiz of a course with this learner's standing, in one query."""
    query = (select(Quiz).options(QUIZ_LISTING)
             .where(Quiz.course_id == course.id, Quiz.retired_at.is_(None)))
    if user is None or not user.is_authenticated:
        return [standing(q, []) for q in db.session.scalars(query.order_by(Quiz.id))]
    rows = db.session.execute(
        query.add_columns(Attempt)
        .outerjoin(Attempt, and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == user.id))
        .order_by(Quiz.id, Attempt.number)).all()
    quizzes, by_quiz = {}, {}
    for quiz, attempt in rows:
        quizzes[quiz.id] = quiz
        attempts = by_quiz.setdefault(quiz.id, [])
        if attempt is not None:
            attempts.append(attempt)
    return [standing(quiz, by_quiz[quiz_id]) for quiz_id, quiz in quizzes.items()]


class AttemptRow(AttemptStatus):
    """The columns of an attempt a standing reads (the course page reads them for every quiz of
    the course on every visit: loading Attempt entities was half its quiz panel)."""

    __slots__ = ("needs_grading", "score", "state")

    def __init__(self, state, needs_grading, score):
        self.state, self.needs_grading, self.score = state, needs_grading, score


@cache
def _attempts_statement():
    """Built once: the course page asks on every visit."""
    # No ORDER BY: the course page reads it together with others (app/batched_reads.py);
    # standings_of puts the attempts in order.
    return (select(Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.needs_grading,
                   Attempt.score)
            .where(Attempt.user_id == bindparam("user_id"),
                   Attempt.quiz_id.in_(bindparam("quiz_ids", expanding=True))))


def attempts_read(user, quizzes):
    """The read standings_of makes, as (statement, parameters) for app/batched_reads.py; None
    for a visitor or no quizzes."""
    if not quizzes or user is None or not user.is_authenticated:
        return None
    return _attempts_statement(), {"user_id": user.id, "quiz_ids": [quiz.id for quiz in quizzes]}


def standings_of(user, quizzes):
    """This learner's standing in each of these quizzes (snapshots from the course outline,
    in order): one query for the learner's attempts (as AttemptRow), none for a visitor or no
    quizzes."""
    by_quiz = {quiz.id: [] for quiz in quizzes}
    read = attempts_read(user, quizzes)
    if read is not None:
        # Columns on the session's connection, like course_progress: the course page asks on
        # every visit, and the ORM's execution layer was a fifth of this read.
        for quiz_id, _number, state, needs_grading, score in sorted(
                batched_reads.rows(*read), key=lambda row: (row.quiz_id, row.number)):
            by_quiz[quiz_id].append(AttemptRow(state, needs_grading, score))
    return [standing(quiz, by_quiz[quiz.id]) for quiz in quizzes]


def has_submitted(user, quiz):
    return db.session.scalar(select(Attempt.id).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id,
        Attempt.submitted_at.is_not(None)).limit(1)) is not None


def quizzes_passed(user, course):
    """Completion rule: every graded and posttest quiz of the course is passed."""
    return all(s.passed for s in standings_for_course(user, course) if s.quiz.blocks_completion)


# --- starting ----------------------------------------------------------------------------------

def _enrollment_to_take(user, quiz):
    """The learner's enrolment in the quiz's open course; refused otherwise."""
    if quiz.is_retired or not quiz.course.is_published:
        raise QuizError(_("Kuis ini tidak dibuka."))
    enrollment = course_services.get_enrollment(user, quiz.course)
    if enrollment is None:
        raise QuizError(_("Daftar ke kursus ini terlebih dahulu."))
    return enrollment


def start_attempt(user, quiz, now=None):
    """The open attempt, or a new one with its questions drawn, ordered and frozen."""
    enrollment = _enrollment_to_take(user, quiz)
    existing = open_attempt(user, quiz)
    if existing is not None:
        if close_if_expired(existing, now):
            return start_attempt(user, quiz, now)
        return existing
    now = now or utcnow()
    used = db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id))
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise NoAttemptsLeft(_("Kesempatan mengerjakan kuis ini sudah habis (%(n)d kali).",
                               n=quiz.max_attempts))
    attempt = Attempt(user_id=user.id, quiz_id=quiz.id, number=used + 1,
                      max_attempts=quiz.max_attempts, started_at=now)
    if quiz.time_limit_minutes:
        attempt.ends_at = now + timedelta(minutes=quiz.time_limit_minutes)
        attempt.deadline_at = attempt.ends_at + timedelta(seconds=grace_seconds())
    rng = random.SystemRandom()
    quiz = load_quiz_with_questions(quiz.id)
    attempt.slots = [
        AttemptQuestion(question_id=q.id, position=i, question_type=q.type,
                        snapshot_json=json.dumps(build_snapshot(q, quiz.shuffle_answers, rng),
                                                 ensure_ascii=False))
        for i, q in enumerate(_draw_questions(quiz, rng), start=1)]
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request started one at the same moment: the database kept only one.
        db.session.expire_all()
        existing = open_attempt(user, quiz)
        if existing is None:
            raise NoAttemptsLeft(_("Kesempatan mengerjakan kuis ini sudah habis.")) from None
        return existing
    course_services.note_module_opened(enrollment, now)
    db.session.flush()
    return attempt


# --- responses ---------------------------------------------------------------------------------

def _valid_keys(snapshot):
    return {o["key"] for o in snapshot.get("options", [])}


def clean_response(snapshot, raw):
    """Check a response against its own question; anything foreign is tampering."""
    kind = snapshot["type"]
    if kind in ("multichoice", "truefalse") and snapshot.get("single") is not False:
        choice = raw.get("choice")
        if choice and choice not in _valid_keys(snapshot):
            raise TamperedResponse(_("Jawaban yang dikirim bukan pilihan untuk soal ini."))
        return {"choice": choice} if choice else None
    if kind == "multichoice":
        choices = [c for c in raw.get("choices", []) if c]
        if not set(choices) <= _valid_keys(snapshot):
            raise TamperedResponse(_("Jawaban yang dikirim bukan pilihan untuk soal ini."))
        return {"choices": sorted(set(choices))} if choices else None
    if kind == "matching":
        subs = {s["key"] for s in snapshot["subquestions"]}
        rights = {c["key"] for c in snapshot["choices"]}
        pairs = {k: v for k, v in raw.get("pairs", {}).items() if v}
        if not set(pairs) <= subs or not set(pairs.values()) <= rights:
            raise TamperedResponse(_("Pasangan yang dikirim bukan bagian dari soal ini."))
        return {"pairs": pairs} if pairs else None
    if kind in ("shortanswer", "numerical", "essay"):
        text = (raw.get("text") or "").replace("\x00", "")[:20000]
        return {"text": text} if text.strip() else None
    return None


def _already_sent():
    return AttemptClosed(_("Percobaan ini sudah dikirim; jawaban tidak dapat diubah lagi."))


def _check_open(attempt, now):
    if not attempt.is_open:
        raise _already_sent()
    if attempt.deadline_at is not None and now > attempt.deadline_at:
        raise AttemptClosed(_("Waktu mengerjakan sudah habis; jawaban terakhir yang tersimpan "
                              "sudah dinilai."))


def _clean_all(attempt, raw_by_slot):
    """Every response checked against its own slot before anything is written."""
    slots = {slot.id: slot for slot in attempt.slots}
    cleaned = {}
    for slot_id, raw in raw_by_slot.items():
        slot = slots.get(slot_id)
        if slot is None:
            raise TamperedResponse(_("Soal yang dikirim bukan bagian dari percobaan ini."))
        cleaned[slot] = clean_response(slot.snapshot, raw)
    return cleaned


def _changed_slots(attempt, cleaned, flagged_ids):
    """[(slot, response_json, flagged)] for the slots whose stored answer or mark differs from
    what was sent; flagged_ids None leaves every mark as it is."""
    changes = []
    for slot in attempt.slots:
        response_json = slot.response_json
        if slot in cleaned:
            response = cleaned[slot]
            response_json = json.dumps(response, ensure_ascii=False) \
                if response is not None else None
        flagged = slot.flagged if flagged_ids is None else slot.id in flagged_ids
        if response_json != slot.response_json or flagged != slot.flagged:
            changes.append((slot, response_json, flagged))
    return changes


def _lock_open(attempt, now):
    """Write to the attempt row only while it is still open, as one conditional UPDATE.

    It is the transaction's first write, so a racing submit either finished before it (and
    this matches nothing) or waits for this transaction: no answer lands after grading.
    """
    result = db.session.execute(_open_attempt_update(), {"attempt": attempt.id, "now": now})
    return result.rowcount == 1


@cache
def _open_attempt_update():
    """Built once: every autosave runs it (building it was a third of its cost)."""
    table = Attempt.__table__
    return (update(table).where(table.c.id == bindparam("attempt"),
                                table.c.state == "in_progress")
            .values(saved_at=bindparam("now")))


def save_responses(attempt, raw_by_slot, now=None, flagged_ids=None):
    """Store responses for some slots of an open attempt (raw_by_slot: {slot_id: raw dict})
    and, when flagged_ids is given, mark exactly those slots ("Tandai soal"). Flushes once.

    The attempt row's write opens the write transaction (on SQLite, the database's one write
    lock): what follows it is only the changed slots, so the lock is held briefly."""
    now = now or utcnow()
    _check_open(attempt, now)
    cleaned = _clean_all(attempt, raw_by_slot)
    if not _lock_open(attempt, now):
        db.session.refresh(attempt)
        _check_open(attempt, now)
    # What the UPDATE wrote, without reading it back.
    set_committed_value(attempt, "saved_at", now)
    _store(attempt, cleaned, flagged_ids)
    db.session.flush()


def _store(attempt, cleaned, flagged_ids=None):
    # Only a change is assigned: an assignment marks the row for the flush to compare column
    # by column, which for every slot of every autosave was a sixth of its time.
    for slot, response_json, flagged in _changed_slots(attempt, cleaned, flagged_ids):
        if slot.response_json != response_json:
            slot.response_json = response_json
        if slot.flagged != flagged:
            slot.flagged = flagged


# --- autosave: the same rules on plain rows ----------------------------------------------------
# quiz.js saves every few answers, for every learner of a class at once: the ORM's loading of
# the attempt and all its slots, and its flush, were most of each save (docs/performance.md).

class SlotToSave:
    """The columns of one question an autosave reads and may write."""

    __slots__ = ("_snapshot", "flagged", "id", "response_json", "snapshot_json")

    def __init__(self, slot_id, snapshot_json, response_json, flagged):
        self.id, self.snapshot_json = slot_id, snapshot_json
        self.response_json, self.flagged = response_json, flagged
        self._snapshot = None

    @property
    def snapshot(self):
        if self._snapshot is None:
            self._snapshot = json.loads(self.snapshot_json)
        return self._snapshot


@dataclass
class AttemptToSave:
    id: int
    state: str
    deadline_at: object
    slots: list

    is_open = AttemptStatus.is_open


@cache
def _attempt_to_save_statement():
    return (select(Attempt.id, Attempt.state, Attempt.deadline_at,
                   AttemptQuestion.id.label("slot_id"), AttemptQuestion.snapshot_json,
                   AttemptQuestion.response_json, AttemptQuestion.flagged)
            .outerjoin(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .where(Attempt.id == bindparam("id"), Attempt.user_id == bindparam("user_id"))
            .order_by(AttemptQuestion.position))


def attempt_to_save(attempt_id, user_id):
    """The user's attempt with its questions as plain rows (one statement), or None."""
    rows = db.session.execute(_attempt_to_save_statement(),
                              {"id": attempt_id, "user_id": user_id}).all()
    if not rows:
        return None
    slots = [SlotToSave(row.slot_id, row.snapshot_json, row.response_json, row.flagged)
             for row in rows if row.slot_id is not None]
    return AttemptToSave(rows[0].id, rows[0].state, rows[0].deadline_at, slots)


@cache
def _slot_update_statement():
    table = AttemptQuestion.__table__
    return (update(table).where(table.c.id == bindparam("slot"))
            .values(response_json=bindparam("response"), flagged=bindparam("mark")))


def autosave_responses(attempt, raw_by_slot, flagged_ids, now=None):
    """`save_responses` for an `attempt_to_save`: the same checks, the same conditional UPDATE
    first, then one UPDATE for the changed slots. Returns the time saved."""
    now = now or utcnow()
    _check_open(attempt, now)
    cleaned = _clean_all(attempt, raw_by_slot)
    if not _lock_open(attempt, now):
        raise _already_sent()  # a submit (or the deadline's grading) claimed it meanwhile
    changes = [{"slot": slot.id, "response": response_json, "mark": flagged}
               for slot, response_json, flagged in _changed_slots(attempt, cleaned, flagged_ids)]
    if changes:
        db.session.execute(_slot_update_statement(), changes)
    return now


# --- grading and submitting --------------------------------------------------------------------

def _grade_slots(attempt):
    for slot in attempt.slots:
        snapshot = slot.snapshot
        if snapshot["type"] in grading.MANUAL_TYPES:
            continue  # a trainer grades essays
        slot.score = grading.grade_question(snapshot, slot.response)


def refresh_attempt_result(attempt):
    """Score, pass and pending flag from the slots' scores."""
    percent, pending = grading.attempt_percent(
        [(slot.snapshot["type"], slot.score) for slot in attempt.slots])
    attempt.score = percent
    attempt.needs_grading = pending
    attempt.passed = None if pending else percent >= attempt.quiz.pass_mark


def _claim_for_grading(attempt, when):
    """Move in_progress -> submitted in one conditional UPDATE; True for the one winner."""
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="submitted", submitted_at=when)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _finish(attempt, when, cleaned=None):
    """Claim, store the last responses (if any), grade. False if someone else claimed it."""
    if not _claim_for_grading(attempt, when):
        db.session.refresh(attempt)
        return False
    db.session.refresh(attempt, ["state", "submitted_at"])
    if cleaned:
        _store(attempt, cleaned)
    _grade_slots(attempt)
    refresh_attempt_result(attempt)
    db.session.flush()
    if attempt.needs_grading:
        events.essays_waiting(attempt)
    else:
        events.attempt_graded(attempt)
        course_services.refresh_completion(attempt.user, attempt.quiz.course, when)
    return True


def is_answered(response):
    """Whether a response says anything (an empty text, no choice, no pair: unanswered)."""
    def given(value):
        if isinstance(value, dict):
            return any(given(item) for item in value.values())
        if isinstance(value, list | tuple):
            return any(given(item) for item in value)
        return bool(str(value).strip()) if value is not None else False
    return given(response or {})


def submit_attempt(attempt, raw_by_slot=None, now=None):
    """Save the last responses and grade. Returns True if this call graded the attempt,
    False if it was already submitted (a second tab, a double click, a replayed form)."""
    now = now or utcnow()
    if not attempt.is_open:
        return False
    if attempt.deadline_at is not None and now > attempt.deadline_at:
        return _finish(attempt, attempt.deadline_at)  # graded with what was saved in time
    # Checked first (tampering writes nothing), stored only by the request that claims it.
    return _finish(attempt, now, _clean_all(attempt, raw_by_slot or {}))


def close_if_expired(attempt, now=None):
    """Past the deadline an open attempt is closed and graded with what was saved."""
    now = now or utcnow()
    if attempt.is_open and attempt.deadline_at is not None and now > attempt.deadline_at:
        return _finish(attempt, attempt.deadline_at)
    return False


# --- essays --------------------------------------------------------------------------------------

def _percent(score):
    return None if score is None else round(score * 100, 2)


def grade_essay(slot, score_percent, comment, grader, now=None):
    """A trainer's grade for one essay answer; the attempt's result follows. Grading again
    is allowed (a mistake, a second look) and audited with the grade before and after and who
    changed it; the first grade is audited too."""
    attempt = slot.attempt
    if attempt.state != "submitted" or slot.snapshot["type"] != "essay":
        raise QuizError(_("Jawaban ini tidak menunggu penilaian."))
    now = now or utcnow()
    before = {"score": _percent(slot.score), "comment": slot.grader_comment,
              "grader_id": slot.graded_by_id}
    # The form gives a Decimal: as a float it adds up with the other slots' scores.
    slot.score = grading.clamp(float(score_percent) / 100)
    slot.grader_comment = (comment or "").strip() or None
    slot.graded_by_id = grader.id
    slot.graded_at = now
    regrade = before["score"] is not None
    record_event(grader, "quiz.essay_regraded" if regrade else "quiz.essay_graded",
                 "attempt_question", slot.id, attempt_id=attempt.id, learner_id=attempt.user_id,
                 quiz_id=attempt.quiz_id, score_before=before["score"],
                 score_after=_percent(slot.score),
                 comment_changed=before["comment"] != slot.grader_comment,
                 previous_grader_id=before["grader_id"] if regrade else None)
    refresh_attempt_result(attempt)
    db.session.flush()
    if not attempt.needs_grading:
        events.attempt_graded(attempt)
        course_services.refresh_completion(attempt.user, attempt.quiz.course, now)


def quizzes_after_modules(session, course):
    """The course's active quizzes by place: module id -> the quizzes after that module, and
    None -> the quizzes after the last one (a part of the cached course outline,
    app/courses/outline_cache.py; the module pages' course index shows them in place)."""
    by_module = {}
    for quiz in session.scalars(select(Quiz).options(QUIZ_LISTING).where(
            Quiz.course_id == course.id, Quiz.retired_at.is_(None)).order_by(Quiz.id)):
        by_module.setdefault(quiz.after_module_id, []).append(quiz)
    return by_module


def essays_waiting_count():
    """The admin home's count: essays submitted and not graded yet, in every course."""
    waiting = db.session.scalar(
        select(func.count()).select_from(AttemptQuestion).join(AttemptQuestion.attempt)
        .where(Attempt.state == "submitted", Attempt.needs_grading.is_(True),
               AttemptQuestion.score.is_(None), AttemptQuestion.question_type == "essay"))
    return AdminCount(_("Esai menunggu penilaian"), waiting, url_for("quizzes.pending_essays"))
