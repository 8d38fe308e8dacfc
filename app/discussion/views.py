"""A course's discussion under /kursus/<slug>/diskusi: the thread list (with search and
filters), a thread with its replies, writing, editing, reporting, and the moderators' actions
and report list. Every page works without JavaScript.

Every route first finds the course and the visitor's standing in it (services.standing_in):
a draft is not found for anyone but its trainers and admins, and someone who does not take
part (not enrolled, not its trainer, not an admin) gets a 403 page that says how to join."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.throttle import spend
from app.content.media import SAFE_NAME
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import Course, Module
from app.courses.outline_cache import cached_for_content
from app.database import utcnow
from app.discussion import services
from app.discussion.export import discussion_table
from app.discussion.forms import (
    UNANSWERED,
    ChoiceForm,
    EditForm,
    HideForm,
    ReplyForm,
    ReportForm,
    ThreadFilterForm,
    ThreadForm,
    chosen_pictures,
    module_choices,
)
from app.discussion.models import DiscussionImage, DiscussionPost
from app.extensions import db
from app.forms import id_arg, whole_number_arg
from app.i18n import current_language
from app.reports.exports import csv_response
from app.web import one_or_404

bp = Blueprint("discussion", __name__, template_folder="templates",
               url_prefix="/kursus/<slug>/diskusi")

RATE_SCOPE = "discussion-post"
MAX_COURSE_SECTIONS = 200  # (course, language) pairs of the course page's discussion panel


@bp.before_request
@login_required
def _logged_in_only():
    """Every discussion page: log in first (then the course decides)."""


def _course_or_refuse(slug):
    """(course, standing) for a visitor who takes part; 404 for a draft they may not see,
    403 with a way in for everyone else."""
    course = one_or_404(select(Course).where(Course.slug == slug))
    standing = services.standing_in(current_user, course)
    if not course.is_published and not standing.moderator:
        abort(404)
    if not standing.takes_part:
        abort(make_response(render_template("discussion/not_participant.html", course=course,
                                            action_form=ActionForm()), 403))
    return course, standing


def _moderating(slug):
    course, standing = _course_or_refuse(slug)
    if not standing.moderator:
        abort(403)
    return course, standing


def _thread_or_404(course, thread_id):
    thread = services.thread_in(course, thread_id)
    if thread is None:
        abort(404)
    return thread


def _post_or_404(thread, post_id):
    post = services.post_in(thread, post_id)
    if post is None:
        abort(404)
    return post


def _page_number():
    return max(whole_number_arg(request.args, "halaman", 1) or 1, 1)


def _to_thread(course, thread, post=None):
    if post is None:
        return redirect(url_for(".thread", slug=course.slug, thread_id=thread.id))
    return redirect(url_for(".thread", slug=course.slug, thread_id=thread.id, tulisan=post.id,
                            _anchor=f"tulisan-{post.id}"))


def _refused(message, course, thread=None):
    db.session.rollback()
    flash(message, "error")
    if thread is None:
        return redirect(url_for(".index", slug=course.slug))
    return _to_thread(course, thread)


def _slow_down():
    """Seconds to wait when this person has written too much lately, else None (and counted)."""
    return spend(RATE_SCOPE, current_user.id, services.rate_limit())


def _slow_down_message(wait):
    minutes = max(1, -(-wait // 60))
    return _("Anda menulis terlalu banyak dalam waktu singkat. Tunggu %(n)d menit, lalu kirim "
             "lagi: tulisan Anda masih ada di bawah.", n=minutes)


# --- the list ---------------------------------------------------------------------------------

def _module_of(course, module_slug):
    if not module_slug:
        return None
    return db.session.scalar(select(Module).where(
        Module.course_id == course.id, Module.slug == module_slug, Module.retired_at.is_(None)))


@bp.route("")
def index(slug):
    course, standing = _course_or_refuse(slug)
    form = ThreadFilterForm(request.args)
    valid = form.validate()
    query = (form.q.data or "") if valid else ""
    module = _module_of(course, form.modul.data) if valid else None
    unanswered = valid and form.status.data == UNANSWERED
    hits = services.search_posts(course, query) if query else None
    page = None if query else services.thread_page(
        course, standing, _page_number(), module.id if module else None, unanswered)
    filters = {key: value for key, value in (("modul", module.slug if module else None),
                                             ("status", UNANSWERED if unanswered else None))
               if value}
    return render_template("discussion/index.html", course=course, standing=standing,
                           form=form, query=query, hits=hits, page=page, module=module,
                           unanswered=unanswered, filters=filters,
                           search_limit=services.SEARCH_LIMIT)


# --- a new thread -------------------------------------------------------------------------------

@bp.route("/baru", methods=["GET", "POST"])
def new_thread(slug):
    course, standing = _course_or_refuse(slug)
    modules = db.session.scalars(select(Module).where(
        Module.course_id == course.id, Module.retired_at.is_(None))
        .order_by(Module.position)).all()
    form = ThreadForm()
    form.module.choices = module_choices(modules)
    if request.method == "GET":
        wanted = request.args.get("modul", "")
        form.module.data = wanted if any(m.slug == wanted for m in modules) else ""
    status = 200
    if form.validate_on_submit():
        module = next((m for m in modules if m.slug == form.module.data), None)
        try:
            pictures = services.check_pictures(chosen_pictures(form.pictures))
        except services.DiscussionError as error:
            form.pictures.errors = [*form.pictures.errors, error.message]
        else:
            wait = _slow_down()
            if wait:
                form.body.errors = [*form.body.errors, _slow_down_message(wait)]
                status = 429
            else:
                thread = services.start_thread(course, current_user, standing,
                                               form.title.data, form.body.data, module,
                                               pictures)
                db.session.commit()
                flash(_("Pertanyaan Anda terkirim. Pengajar kursus diberi tahu.")
                      if thread.is_question else _("Utas baru dibuat."), "success")
                return redirect(url_for(".thread", slug=slug, thread_id=thread.id))
    return render_template("discussion/new_thread.html", course=course, form=form), status


# --- a thread -----------------------------------------------------------------------------------

def _thread_page(course, standing, thread, reply_form=None, status=200):
    hidden_from_me = thread.opening.is_hidden and not standing.moderator
    page = trainers = None
    if not hidden_from_me:
        page_number = whole_number_arg(request.args, "halaman")
        wanted = id_arg(request.args, "tulisan")
        if page_number is None and wanted:
            page_number = services.page_of_post(thread, wanted)
        page = services.post_page(thread, max(page_number or 1, 1))
        trainers = services.moderator_ids(course)
    return render_template(
        "discussion/thread.html", course=course, standing=standing, thread=thread,
        page=page, trainers=trainers, now=utcnow(), hidden_from_me=hidden_from_me,
        reply_form=reply_form or ReplyForm(), reply_problem=services.reply_problem(thread),
        action_form=ActionForm(), edit_problem=services.edit_problem,
        deadline_of=services.edit_deadline, report_problem=services.report_problem), status


@bp.route("/<int:thread_id>")
def thread(slug, thread_id):
    course, standing = _course_or_refuse(slug)
    return _thread_page(course, standing, _thread_or_404(course, thread_id))


@bp.route("/<int:thread_id>/balas", methods=["POST"])
def reply(slug, thread_id):
    course, standing = _course_or_refuse(slug)
    thread = _thread_or_404(course, thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _thread_page(course, standing, thread, form)
    problem = services.reply_problem(thread)
    if problem:
        return _refused(problem, course, thread)
    try:
        pictures = services.check_pictures(chosen_pictures(form.pictures))
    except services.DiscussionError as error:
        form.pictures.errors = [*form.pictures.errors, error.message]
        return _thread_page(course, standing, thread, form)
    wait = _slow_down()
    if wait:
        form.body.errors = [*form.body.errors, _slow_down_message(wait)]
        return _thread_page(course, standing, thread, form, 429)
    post = services.reply_to(thread, course, current_user, standing, form.body.data, pictures)
    db.session.commit()
    flash(_("Balasan Anda terkirim."), "success")
    return _to_thread(course, thread, post)


@bp.route("/<int:thread_id>/tulisan/<int:post_id>/ubah", methods=["GET", "POST"])
def edit_post(slug, thread_id, post_id):
    course, _standing = _course_or_refuse(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    if post.author_id is None or post.author_id != current_user.id:
        abort(403)
    problem = services.edit_problem(post, thread, current_user)
    if problem:
        return _refused(problem, course, thread)
    form = EditForm(data=None if request.method == "POST" else {
        "title": thread.title, "body": post.body_source})
    if not post.is_opening:
        del form.title
    if form.validate_on_submit():
        title = form.title.data if post.is_opening else None
        try:
            changed = services.edit_post(post, thread, current_user, form.body.data, title)
        except services.DiscussionError as error:  # the window closed while typing
            return _refused(error.message, course, thread)
        db.session.commit()
        flash(_("Tulisan diubah.") if changed else _("Tidak ada yang berubah."),
              "success" if changed else "info")
        return _to_thread(course, thread, post)
    return render_template("discussion/edit.html", course=course, thread=thread, post=post,
                           form=form, deadline=services.edit_deadline(post))


@bp.route("/<int:thread_id>/tulisan/<int:post_id>/lapor", methods=["GET", "POST"])
def report_post(slug, thread_id, post_id):
    course, _standing = _course_or_refuse(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    problem = services.report_problem(post, current_user)
    if problem:
        return _refused(problem, course, thread)
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        wait = _slow_down()
        if wait:
            form.reason.errors = [*form.reason.errors, _slow_down_message(wait)]
            status = 429
        else:
            try:
                services.report_post(post, thread, course, current_user, form.reason.data)
            except services.DiscussionError as error:
                return _refused(error.message, course, thread)
            db.session.commit()
            flash(_("Terima kasih. Laporan Anda diteruskan kepada pengajar kursus."), "success")
            return _to_thread(course, thread, post)
    return render_template("discussion/report.html", course=course, thread=thread, post=post,
                           form=form), status


# --- moderating ---------------------------------------------------------------------------------

@bp.route("/<int:thread_id>/tulisan/<int:post_id>/sembunyikan", methods=["GET", "POST"])
def hide_post(slug, thread_id, post_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    problem = services.hide_problem(post)
    if problem:
        return _refused(problem, course, thread)
    form = HideForm()
    if form.validate_on_submit():
        services.hide_post(post, thread, course, current_user, form.reason.data)
        db.session.commit()
        flash(_("Tulisan disembunyikan; penulisnya diberi tahu alasannya."), "success")
        return _back_to(course, thread, post)
    return render_template("discussion/hide.html", course=course, thread=thread, post=post,
                           form=form, back=_back_target())


def _back_target():
    return "laporan" if request.values.get("kembali") == "laporan" else ""


def _back_to(course, thread, post):
    if _back_target():
        return redirect(url_for(".reports", slug=course.slug))
    return _to_thread(course, thread, post)


@bp.route("/<int:thread_id>/tulisan/<int:post_id>/tampilkan", methods=["POST"])
def unhide_post(slug, thread_id, post_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    action_or_400()
    try:
        services.unhide_post(post, thread, course, current_user)
    except services.DiscussionError as error:
        return _refused(error.message, course, thread)
    db.session.commit()
    flash(_("Tulisan ditampilkan lagi."), "success")
    return _to_thread(course, thread, post)


@bp.route("/<int:thread_id>/tulisan/<int:post_id>/abaikan-laporan", methods=["POST"])
def dismiss_reports(slug, thread_id, post_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    action_or_400()
    try:
        services.dismiss_reports(post, thread, course, current_user)
    except services.DiscussionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".reports", slug=slug))
    db.session.commit()
    flash(_("Laporan diabaikan; tulisannya tetap tampil."), "success")
    return redirect(url_for(".reports", slug=slug))


def _choice_or_400():
    form = ChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    return form.wanted


@bp.route("/<int:thread_id>/tulisan/<int:post_id>/jawaban", methods=["POST"])
def mark_answer(slug, thread_id, post_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    post = _post_or_404(thread, post_id)
    wanted = _choice_or_400()
    try:
        services.mark_answer(post, thread, course, current_user, wanted)
        db.session.commit()
    except services.DiscussionError as error:
        return _refused(error.message, course, thread)
    except IntegrityError:  # another trainer marked an answer at the same moment
        return _refused(_("Jawaban utas ini baru saja diubah orang lain. Periksa, lalu coba "
                          "lagi."), course, thread)
    flash(_("Balasan ditandai sebagai jawaban dan tampil paling atas.") if wanted
          else _("Tanda jawaban dilepas."), "success")
    return _to_thread(course, thread, post)


@bp.route("/<int:thread_id>/sematkan", methods=["POST"])
def pin(slug, thread_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    wanted = _choice_or_400()
    services.set_pinned(thread, course, current_user, wanted)
    db.session.commit()
    flash(_("Utas disematkan di atas daftar.") if wanted else _("Sematan utas dilepas."),
          "success")
    return _to_thread(course, thread)


@bp.route("/<int:thread_id>/kunci", methods=["POST"])
def lock(slug, thread_id):
    course, _standing = _moderating(slug)
    thread = _thread_or_404(course, thread_id)
    wanted = _choice_or_400()
    services.set_locked(thread, course, current_user, wanted)
    db.session.commit()
    flash(_("Utas dikunci: tidak dapat dibalas lagi.") if wanted
          else _("Utas dibuka lagi untuk balasan."), "success")
    return _to_thread(course, thread)


@bp.route("/laporan")
def reports(slug):
    course, standing = _moderating(slug)
    page = services.report_page(course, _page_number())
    return render_template("discussion/reports.html", course=course, standing=standing,
                           page=page, action_form=ActionForm())


@bp.route("/unduh.csv")
def export(slug):
    """Every post of the course's discussion, hidden ones included, for its trainers and the
    admins (the course's learner data)."""
    course, _standing = _moderating(slug)
    return csv_response(discussion_table(course, services.course_posts(course)))


# --- pictures -----------------------------------------------------------------------------------

@bp.route("/media/<int:image_id>/<name>")
def media(slug, image_id, name):
    """A post's picture, for those who take part; a hidden post's only for its author and the
    moderators. Never cached by a shared cache; nosniff and a sandbox as for course media."""
    course, standing = _course_or_refuse(slug)
    if not SAFE_NAME.match(name):
        abort(404)
    image = one_or_404(select(DiscussionImage).join(DiscussionPost).where(
        DiscussionImage.id == image_id, DiscussionImage.name == name,
        DiscussionPost.thread.has(course_id=course.id)))
    post = image.post
    if post.is_hidden and not standing.moderator and post.author_id != current_user.id:
        abort(404)
    path = services.picture_path(image)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=image.mime, etag=image.sha256, download_name=name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- on other pages -----------------------------------------------------------------------------

def course_section(user, course, modules, _progress):
    """The course page: a way into its discussion, for anyone logged in (the discussion says
    how to join to someone who does not take part). No query."""
    if not user.is_authenticated:
        return None
    # The same for every reader: rendered once per content version and language.
    key = (course.slug, current_language(), request.script_root)
    return cached_for_content(
        "discussion_course_section", key, lambda: Markup(render_template(
            "discussion/_course_section.html", course=course)), MAX_COURSE_SECTIONS)


def module_section(course, module):
    """Each module page: "Tanya tentang modul ini" and the threads about the module (the same
    for every reader: cached with the page, app/courses/module_parts.py)."""
    return Markup(render_template("discussion/_module_section.html", course=course,
                                  module=module))


def workbench_section(user):
    """The trainers' workshop page: unanswered questions and reported posts per course."""
    waiting = services.waiting_for(user)
    if not waiting:
        return None
    return Markup(render_template("discussion/_workbench.html", waiting=waiting))
