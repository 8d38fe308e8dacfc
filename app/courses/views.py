"""Catalogue, course overview, enrolment, module reading and the learner dashboard."""

from flask import (
    Blueprint,
    abort,
    flash,
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

from app import batched_reads
from app.content.media import SAFE_NAME, stored_path
from app.courses import prerequisites, services
from app.courses.access import can_edit_course
from app.courses.course_parts import course_parts, module_list
from app.courses.forms import ActionForm, CatalogueFilterForm
from app.courses.models import Course, CourseFile, Module
from app.courses.module_parts import fill_ticks, module_parts
from app.courses.offline import offline_response
from app.courses.outline_cache import cached_for_content, course_outline
from app.errors import LmsError
from app.extensions import db
from app.hooks import Hook
from app.i18n import current_language
from app.search import services as search_services
from app.settings import jp_target_for
from app.timeutil import current_year
from app.web import one_or_404

bp = Blueprint("courses", __name__, template_folder="templates")

# Extra panels other packages add to the course and dashboard pages (quizzes and
# certificates register theirs); each returns safe HTML or None. Course page panels get
# (user, course, active modules, the learner's CourseProgress or None). The module page's panels
# depend on the content only and are cached with it (module_parts.register_module_section).
COURSE_SECTIONS = Hook()
register_course_section = COURSE_SECTIONS.register
# Functions (user, course, active modules) -> (statement, parameters) or None: the read a
# course page panel will make, run with the learner's progress as one statement
# (app/batched_reads.py) instead of a statement of its own.
COURSE_READS = Hook()
register_course_read = COURSE_READS.register
DASHBOARD_SECTIONS = Hook()
register_dashboard_section = DASHBOARD_SECTIONS.register
# Functions (user) -> (statement, parameters) or None: the read a dashboard panel will make,
# run with the learner's progress as one statement (app/batched_reads.py).
DASHBOARD_READS = Hook()
register_dashboard_read = DASHBOARD_READS.register
# Functions (user) -> Markup or None, shown above the catalogue's courses (programmes).
CATALOGUE_SECTIONS = Hook()
register_catalogue_section = CATALOGUE_SECTIONS.register
# Functions (user) -> Markup or None, shown at the top of the dashboard (announcements).
DASHBOARD_NOTICES = Hook()
register_dashboard_notice = DASHBOARD_NOTICES.register


def _sections(registry, *args):
    return [html for html in (section(*args) for section in registry) if html]


def _visible_course_or_404(slug):
    """Learners only ever see published courses; a course's editors also see its drafts."""
    return _visible_or_404(one_or_404(select(Course).where(Course.slug == slug)))


def _visible_or_404(course):
    if not course.is_published and not can_edit_course(current_user, course):
        abort(404)
    return course


def _active_modules(course):
    return db.session.scalars(services.active_modules_query(course.id)).all()


CATALOGUE_HITS = 5


@bp.route("/")
def catalogue():
    # Without a search, the listing depends on the content and the filter only: kept per
    # content version, language and filter value, for every visitor.
    if request.args.get("q", "") == "" and set(request.args) <= set(FILTERS):
        key = (request.args.get("kompetensi", ""), request.args.get("penyelenggara", ""),
               current_language(), request.script_root)
        # An invalid filter is shown with its errors, rendered once, and not kept.
        _valid, listing = cached_for_content("catalogue_listing", key, _listing,
                                             LISTING_ENTRIES, keep=lambda found: found[0])
    else:
        _valid, listing = _listing()
    return render_template("courses/catalogue.html", listing=listing,
                           sections=_sections(CATALOGUE_SECTIONS, current_user))


FILTERS = ("q", "kompetensi", "penyelenggara")
# Each key is a valid filter (competency types × providers × 2 languages): a few dozen.
LISTING_ENTRIES = 64


def _listing():
    """(whether the filter is valid, the filter form and the courses it selects as HTML)."""
    form = CatalogueFilterForm(request.args)
    form.set_provider_choices(services.catalogue_providers())
    valid = form.validate()
    query = (form.q.data or "").strip() if valid else ""
    rows = services.published_courses(
        search=query or None,
        competency=form.kompetensi.data if valid else None,
        provider=form.penyelenggara.data if valid else None,
    )
    # The same box also searches what the modules and workshops say (app/search).
    inside = search_services.search(query, limit=CATALOGUE_HITS) if query else []
    return valid, Markup(render_template("courses/_catalogue_listing.html", form=form,
                                         rows=rows, query=query, inside=inside))


def _visible_outline_or_404(slug):
    """The cached outline of a course the user may see (read-only snapshots)."""
    outline = course_outline(slug)
    if outline is None:
        abort(404)
    _visible_or_404(outline.course)
    return outline


@bp.route("/kursus/<slug>")
def course_detail(slug):
    outline = _visible_outline_or_404(slug)
    course, modules = outline.course, outline.modules
    batched_reads.prefetch([services.progress_read(current_user, course, modules),
                            *(read(current_user, course, modules) for read in COURSE_READS)])
    progress = services.course_progress(current_user, course, modules)
    required = outline.parts.get("prerequisites", ())
    parts = course_parts(outline, enrolled=progress is not None,
                         may_download=progress is not None
                         or can_edit_course(current_user, course))
    return render_template("courses/course.html", course=course, parts=parts,
                           module_list=module_list(parts, progress.done_ids if progress else ()),
                           progress=progress,
                           missing=_missing_for_page(course, required, progress),
                           # Only the enrol button has a form, shown to a signed-in visitor
                           # not enrolled yet (course.html): nobody else needs one built.
                           action_form=ActionForm() if progress is None
                           and current_user.is_authenticated else None,
                           sections=_sections(COURSE_SECTIONS, current_user, course, modules,
                                             progress))


def _missing_for_page(course, required, progress):
    """The prerequisites the visitor still misses, to say so instead of the enrol button:
    asked only of a logged-in visitor who is not enrolled in a course that has some."""
    if not required or progress is not None or not current_user.is_authenticated:
        return []
    return prerequisites.missing_prerequisites(current_user, course)


@bp.route("/kursus/<slug>/daftar", methods=["POST"])
@login_required
def enroll(slug):
    course = _visible_course_or_404(slug)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.enroll_learner(current_user, course)
    except LmsError as error:  # not open, or prerequisites missing
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".course_detail", slug=slug))
    db.session.commit()
    flash(_("Anda terdaftar di %(title)s. Selamat belajar!", title=course.title), "success")
    return redirect(url_for(".resume", slug=slug))


@bp.route("/kursus/<slug>/lanjutkan")
@login_required
def resume(slug):
    """Open the first module the learner has not finished yet (before the first one, what
    a start step asks for: an opening pretest not taken yet)."""
    course = _visible_course_or_404(slug)
    modules = _active_modules(course)
    progress = services.course_progress(current_user, course, modules)
    if progress is None:
        flash(_("Daftar ke kursus ini terlebih dahulu."), "info")
        return redirect(url_for(".course_detail", slug=slug))
    if progress.next_module is None:
        # Every module is read: what is left (quizzes) is on the course page.
        return redirect(url_for(".course_detail", slug=slug))
    if not progress.done:
        start = next(filter(None, (step(current_user, course)
                                   for step in services.START_STEPS)), None)
        if start:
            return redirect(start)
    target = progress.next_module
    return redirect(url_for(".module_page", slug=slug, module_slug=target.slug))


def _course_and_module_or_404(slug, module_slug):
    """A visible course and one of its active modules, found in one query."""
    row = db.session.execute(
        select(Course, Module).join(Module, Module.course_id == Course.id)
        .where(Course.slug == slug, Module.slug == module_slug, Module.retired_at.is_(None))
    ).first()
    if row is None:
        abort(404)
    return _visible_or_404(row.Course), row.Module


@bp.route("/kursus/<slug>/modul/<module_slug>")
@login_required
def module_page(slug, module_slug):
    outline = _visible_outline_or_404(slug)
    course, modules = outline.course, outline.modules
    module = outline.module(module_slug)
    if module is None:
        abort(404)
    progress = services.course_progress(current_user, course, modules)
    if progress is None and not can_edit_course(current_user, course):
        flash(_("Daftar ke kursus ini terlebih dahulu untuk membaca modulnya."), "info")
        return redirect(url_for(".course_detail", slug=slug))
    if progress is not None and progress.enrollment.started_at is None:
        services.note_module_opened(services.get_enrollment(current_user, course))
        db.session.commit()
    parts = module_parts(outline, module, preview=progress is None)
    done_ids = progress.done_ids if progress is not None else ()
    return render_template(
        "courses/module.html", course=course, module=module, progress=progress,
        is_done=module.id in done_ids, parts=parts,
        layout=fill_ticks(parts["layout"], parts["tick"], done_ids))


@bp.route("/kursus/<slug>/unduh")
@login_required
def download_modules(slug):
    """Every module of the course in one HTML file, to read without a connection. Who may
    read the module pages may download them: enrolled learners and the course's editors."""
    course = _visible_course_or_404(slug)
    if (services.get_enrollment(current_user, course) is None
            and not can_edit_course(current_user, course)):
        flash(_("Daftar ke kursus ini terlebih dahulu untuk mengunduh modulnya."), "info")
        return redirect(url_for(".course_detail", slug=slug))
    return offline_response(course)


@bp.route("/kursus/<slug>/modul/<module_slug>/selesai", methods=["POST"])
@login_required
def complete_module(slug, module_slug):
    course, module = _course_and_module_or_404(slug, module_slug)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    was_completed = False
    try:
        enrollment = services.get_enrollment(current_user, course)
        was_completed = enrollment is not None and enrollment.is_completed
        enrollment = services.complete_module(current_user, module)
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".course_detail", slug=slug))
    db.session.commit()
    if enrollment.is_completed and not was_completed:
        flash(_("Selamat! Anda menyelesaikan %(title)s dan memperoleh %(jp)d JP.",
                title=course.title, jp=course.jp), "success")
        return redirect(url_for(".course_detail", slug=slug))
    if not enrollment.is_completed and services.all_modules_done(current_user, course):
        flash(_("Semua modul selesai. Lulus kuis kursus ini untuk menyelesaikannya."), "info")
        return redirect(url_for(".course_detail", slug=slug, _anchor="kuis"))
    flash(_("Modul \u201c%(title)s\u201d ditandai selesai.", title=module.title), "success")
    following = next((m for m in _active_modules(course) if m.position > module.position), None)
    if following is None:
        return redirect(url_for(".resume", slug=slug))
    return redirect(url_for(".module_page", slug=slug, module_slug=following.slug))


@bp.route("/media/<slug>/<name>")
def course_media(slug, name):
    """An image or PDF of a visible course (uploaded, or imported from its media/ folder)."""
    course = _visible_course_or_404(slug)
    if not SAFE_NAME.match(name):
        abort(404)
    course_file = one_or_404(select(CourseFile).where(CourseFile.course_id == course.id,
                                                      CourseFile.name == name))
    path = stored_path(course_file)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=course_file.mime, max_age=3600, etag=course_file.sha256,
                         as_attachment=not course_file.is_image, download_name=name)
    # The type recorded at upload (checked by content) is what is sent; nosniff (on every
    # response) stops a browser reading it as HTML, and the sandbox stops any script in it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/beranda")
@login_required
def dashboard():
    year = current_year()
    batched_reads.prefetch([*services.progress_reads(current_user, year),
                            *(read(current_user) for read in DASHBOARD_READS)])
    progress, jp = services.progress_and_jp(current_user, year)
    in_progress = [p for p in progress if not p.enrollment.is_completed]
    completed = [p for p in progress if p.enrollment.is_completed]
    target = jp_target_for(current_user.employment_type)
    return render_template(
        "courses/dashboard.html", year=year, in_progress=in_progress, completed=completed,
        jp=jp, target=target, jp_percent=min(100, round(100 * jp / target)) if target else 100,
        next_step=in_progress[0] if in_progress else None,
        sections=_sections(DASHBOARD_SECTIONS, current_user, progress),
        notices=_sections(DASHBOARD_NOTICES, current_user),
    )


PERSON_JP_YEARS = 3  # this year and the two before


def person_learning_section(user):
    """A person's admin page: their enrolments and their JP in the last years."""
    enrollments = services.progress_for_user(user)
    this_year = current_year()
    jp_by_year = [(year, services.jp_of_year(user, year))
                  for year in range(this_year, this_year - PERSON_JP_YEARS, -1)]
    return Markup(render_template("courses/_person_section.html", user=user,
                                  enrollments=enrollments, jp_by_year=jp_by_year))
