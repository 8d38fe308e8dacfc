"""The trainers' editor: courses, modules, files and quizzes, written in the browser."""

import random
from io import BytesIO
from types import SimpleNamespace

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.services import find_user_by_login
from app.authoring import question_forms, services
from app.authoring.access import editable_course_or_404, editable_quiz_or_404, require_author
from app.authoring.forms import (
    CourseForm,
    ModuleForm,
    OwnerForm,
    PreviewForm,
    QuizForm,
    StatusForm,
    UploadForm,
)
from app.content.exporter import archive_name, course_archive
from app.content.markdown import render_markdown
from app.content.media import course_files, media_url
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import COURSE_STATUSES, CourseFile, Module
from app.extensions import db
from app.forms import whole_number_arg
from app.hooks import Hook
from app.quizzes.models import Question
from app.quizzes.services import build_snapshot
from app.storage import StorageError
from app.web import one_or_404

bp = Blueprint("authoring", __name__, template_folder="templates", url_prefix="/pengajar")

# Panels other packages add to the workshop's front page (the discussions' unanswered
# questions): functions (user) -> safe HTML or None.
WORKBENCH_SECTIONS = Hook()
register_workbench_section = WORKBENCH_SECTIONS.register


@bp.before_request
@login_required
def _authors_only():
    """Every editor page: log in first, then be a trainer or an admin."""
    require_author()


def _to_course(course, anchor=None):
    return redirect(url_for(".course", slug=course.slug, _anchor=anchor))


def _fail(error, course, anchor=None):
    db.session.rollback()
    flash(error.message, "error")
    return _to_course(course, anchor)



# --- courses -----------------------------------------------------------------------------------

@bp.route("/")
def index():
    sections = [html for html in (section(current_user) for section in WORKBENCH_SECTIONS)
                if html]
    return render_template("authoring/index.html",
                           courses=services.courses_for_editor(current_user),
                           sections=sections)


@bp.route("/kursus/baru", methods=["GET", "POST"])
def new_course():
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(form.data, current_user)
        except services.AuthoringError as error:  # prerequisites changed meanwhile
            db.session.rollback()
            form.requires.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Kursus %(code)s dibuat sebagai draf. Tambahkan modulnya.",
                    code=course.code), "success")
            return _to_course(course)
    return render_template("authoring/course_form.html", form=form, course=None)


@bp.route("/kursus/<slug>")
def course(slug):
    course = editable_course_or_404(slug)
    return render_template(
        "authoring/course.html", course=course, modules=course.modules,
        quizzes=services.quizzes_of(course), files=course_files(course.id),
        status_form=StatusForm(status=course.status), upload_form=UploadForm(),
        owner_form=OwnerForm(), action_form=ActionForm(), snippet=services.markdown_snippet)


@bp.route("/kursus/<slug>/ubah", methods=["GET", "POST"])
def edit_course(slug):
    course = editable_course_or_404(slug)
    form = CourseForm(obj=course, course=course,
                      data={"description": course.description_source,
                            "requires": [c.id for c in course.prerequisites]}
                      if request.method == "GET" else None)
    problems = []
    if form.validate_on_submit():
        try:
            services.update_course(course, form.data, current_user)
        except services.ContentProblems as error:
            db.session.rollback()
            problems = error.problems
        except services.AuthoringError as error:  # prerequisites changed meanwhile
            db.session.rollback()
            form.requires.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Perubahan kursus disimpan."), "success")
            return _to_course(course)
    return render_template("authoring/course_form.html", form=form, course=course,
                           problems=problems)


@bp.route("/kursus/<slug>/status", methods=["POST"])
def course_status(slug):
    course = editable_course_or_404(slug)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_course_status(course, form.status.data, current_user)
    except services.AuthoringError as error:
        return _fail(error, course)
    db.session.commit()
    flash(_("Status kursus kini: %(status)s.", status=COURSE_STATUSES[course.status]),
          "success")
    return _to_course(course)


@bp.route("/kursus/<slug>/pratinjau", methods=["POST"])
def preview(slug):
    """Live preview for the editor's JavaScript: the HTML a learner would get."""
    course = editable_course_or_404(slug)
    form = PreviewForm()
    if not form.validate_on_submit():
        return jsonify(ok=False, message=_("Pratinjau gagal: muat ulang halaman.")), 400
    heading_base = 2 if request.args.get("bagian") == "deskripsi" else 1
    return jsonify(ok=True, html=render_markdown(form.source.data or "", heading_base,
                                                 media_url(course.slug)))


@bp.route("/kursus/<slug>/unduh")
def download(slug):
    """The course and its quizzes as files (courses/ and quizzes/ format) in one zip."""
    course = editable_course_or_404(slug)
    return send_file(BytesIO(course_archive(course)), mimetype="application/zip",
                     as_attachment=True, download_name=archive_name(course))


# --- modules -----------------------------------------------------------------------------------

def _module_or_404(course, module_id):
    return one_or_404(select(Module).where(Module.id == module_id,
                                           Module.course_id == course.id))


def _module_page(course, form, module=None, preview_html=None, problems=()):
    return render_template("authoring/module_form.html", course=course, module=module,
                           form=form, preview_html=preview_html, problems=problems,
                           files=course_files(course.id), snippet=services.markdown_snippet)


def _save_module(course, form, module):
    """Preview or save; returns a response. Problems keep the author's text on the page."""
    if request.form.get("aksi") == "pratinjau":
        return _module_page(course, form, module, render_markdown(
            form.body.data or "", media_url=media_url(course.slug)))
    if not form.validate_on_submit():
        return _module_page(course, form, module)
    try:
        if module is None:
            module = services.create_module(course, form.data, current_user)
        else:
            services.update_module(module, form.data, current_user)
    except services.ContentProblems as error:
        db.session.rollback()
        return _module_page(course, form, module, problems=error.problems)
    except services.AuthoringError as error:
        db.session.rollback()
        form.slug.errors.append(error.message)
        return _module_page(course, form, module)
    db.session.commit()
    flash(_("Modul \u201c%(title)s\u201d disimpan.", title=module.title), "success")
    return redirect(url_for(".edit_module", slug=course.slug, module_id=module.id))


@bp.route("/kursus/<slug>/modul/baru", methods=["GET", "POST"])
def new_module(slug):
    course = editable_course_or_404(slug)
    form = ModuleForm()
    if request.method == "GET":
        form.minutes.data = 30
        return _module_page(course, form)
    return _save_module(course, form, None)


@bp.route("/kursus/<slug>/modul/<int:module_id>", methods=["GET", "POST"])
def edit_module(slug, module_id):
    course = editable_course_or_404(slug)
    module = _module_or_404(course, module_id)
    if request.method == "GET":
        form = ModuleForm(obj=module, data={"body": module.body_source})
        return _module_page(course, form, module)
    return _save_module(course, ModuleForm(), module)


@bp.route("/kursus/<slug>/modul/<int:module_id>/pindah", methods=["POST"])
def move_module(slug, module_id):
    course = editable_course_or_404(slug)
    module = _module_or_404(course, module_id)
    action_or_400()
    direction = request.form.get("arah")
    if direction not in ("up", "down") or module.retired_at is not None:
        abort(400)
    services.move_module(module, direction, current_user)
    db.session.commit()
    return _to_course(course, "modul")


@bp.route("/kursus/<slug>/modul/<int:module_id>/hapus", methods=["POST"])
def remove_module(slug, module_id):
    course = editable_course_or_404(slug)
    module = _module_or_404(course, module_id)
    action_or_400()
    outcome = services.remove_module(module, current_user)
    db.session.commit()
    if outcome == "retired":
        flash(_("Modul \u201c%(title)s\u201d sudah dibaca peserta, jadi dipensiunkan (tidak "
                "tampil lagi) dan riwayat belajarnya tetap tersimpan.", title=module.title),
              "info")
    else:
        flash(_("Modul \u201c%(title)s\u201d dihapus.", title=module.title), "success")
    return _to_course(course, "modul")


@bp.route("/kursus/<slug>/modul/<int:module_id>/pulihkan", methods=["POST"])
def restore_module(slug, module_id):
    course = editable_course_or_404(slug)
    module = _module_or_404(course, module_id)
    action_or_400()
    services.restore_module(module, current_user)
    db.session.commit()
    flash(_("Modul \u201c%(title)s\u201d tampil lagi, di urutan terakhir.", title=module.title),
          "success")
    return _to_course(course, "modul")


# --- files -------------------------------------------------------------------------------------

@bp.route("/kursus/<slug>/berkas", methods=["POST"])
def upload(slug):
    course = editable_course_or_404(slug)
    form = UploadForm()
    back = whole_number_arg(request.form, "kembali_modul")
    target = (url_for(".edit_module", slug=slug, module_id=back) if back
              else url_for(".course", slug=slug, _anchor="berkas"))
    if not form.validate_on_submit():
        for error in form.file.errors or [_("Unggahan gagal: muat ulang halaman.")]:
            flash(error, "error")
        return redirect(target)
    data = form.file.data.read()
    try:
        row = services.upload_file(course, form.file.data.filename, data, current_user)
    except (services.AuthoringError, StorageError) as error:  # StorageError: a full disk
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    db.session.commit()
    flash(_("Berkas %(name)s tersimpan. Tempel %(snippet)s di modul untuk memakainya.",
            name=row.name, snippet=services.markdown_snippet(row)), "success")
    return redirect(target)


@bp.route("/kursus/<slug>/berkas/<int:file_id>/hapus", methods=["POST"])
def delete_file(slug, file_id):
    course = editable_course_or_404(slug)
    course_file = one_or_404(select(CourseFile).where(CourseFile.id == file_id,
                                                      CourseFile.course_id == course.id))
    action_or_400()
    try:
        services.delete_file(course, course_file, current_user)
    except services.AuthoringError as error:
        return _fail(error, course, "berkas")
    db.session.commit()
    flash(_("Berkas %(name)s dihapus.", name=course_file.name), "success")
    return _to_course(course, "berkas")


# --- quizzes -----------------------------------------------------------------------------------

def _quiz_form(course, quiz=None):
    modules = services.active_modules(course)
    if request.method == "POST":
        return QuizForm(modules=modules, quiz=quiz)
    if quiz is None:
        return QuizForm(modules=modules, data={
            "kind": "graded", "pass_mark": 70, "time_limit": 0, "max_attempts": 0,
            "grading": "highest", "draw": 0, "shuffle_answers": True, "review": "feedback",
            "show_answers": "after_last_attempt", "text_format": "markdown"})
    return QuizForm(modules=modules, quiz=quiz, data={
        "title": quiz.title, "kind": quiz.kind, "after": services.placement_slug(quiz) or "",
        "pass_mark": quiz.pass_mark,
        "time_limit": quiz.time_limit_minutes, "max_attempts": quiz.max_attempts,
        "grading": quiz.grading_method, "draw": quiz.draw_count,
        "shuffle_answers": quiz.shuffle_answers, "review": quiz.review_policy,
        "show_answers": quiz.show_answers, "text_format": quiz.default_format,
        "gift": quiz.gift_source})


def _quiz_page(course, form, quiz=None, problems=(), checked=None, warnings=()):
    return render_template("authoring/quiz_form.html", course=course, quiz=quiz, form=form,
                           problems=problems, checked=checked, warnings=warnings,
                           questions=question_forms.quiz_questions(quiz) if quiz else [],
                           question_kinds=question_forms.KINDS)


def _check_or_save_quiz(course, form, quiz):
    if not form.validate_on_submit():
        return _quiz_page(course, form, quiz)
    settings, after = form.settings(), form.after.data or None
    try:
        if request.form.get("aksi") == "periksa":
            parsed = services.check_quiz(course, form.gift.data, settings, after)
            return _quiz_page(course, form, quiz, checked=parsed.questions,
                              warnings=parsed.warnings)
        slug = quiz.slug if quiz is not None else form.slug.data
        quiz = services.save_quiz(course, quiz, slug, settings, form.gift.data, after,
                                  current_user)
    except services.ContentProblems as error:
        db.session.rollback()
        return _quiz_page(course, form, quiz, problems=error.problems)
    except services.AuthoringError as error:
        db.session.rollback()
        if form.slug is not None:  # a new quiz: the error is about its address
            form.slug.errors.append(error.message)
        else:
            flash(error.message, "error")
        return _quiz_page(course, form, quiz)
    db.session.commit()
    flash(_("Kuis \u201c%(title)s\u201d disimpan.", title=quiz.title), "success")
    # Read again for its warnings (a few ms even for a bank of hundreds of questions): the
    # save itself only reports problems.
    for warning in services.check_quiz(course, form.gift.data, settings, after).warnings:
        flash(_("Periksa baris %(line)d: %(message)s", line=warning.line,
                message=warning.message), "info")
    return redirect(url_for(".edit_quiz", slug=course.slug, quiz_slug=quiz.slug))


@bp.route("/kursus/<slug>/kuis/baru", methods=["GET", "POST"])
def new_quiz(slug):
    course = editable_course_or_404(slug)
    form = _quiz_form(course)
    if request.method == "GET":
        return _quiz_page(course, form)
    return _check_or_save_quiz(course, form, None)


@bp.route("/kursus/<slug>/kuis/<quiz_slug>", methods=["GET", "POST"])
def edit_quiz(slug, quiz_slug):
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    form = _quiz_form(course, quiz)
    if request.method == "GET":
        return _quiz_page(course, form, quiz)
    return _check_or_save_quiz(course, form, quiz)


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/pratinjau")
def preview_quiz(slug, quiz_slug):
    """The quiz as a learner would see it, built from snapshots: no attempt is created."""
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    rng = random.Random()
    # Questions and their options in two queries, not one query per question.
    questions = db.session.scalars(
        select(Question).where(Question.quiz_id == quiz.id, Question.retired_at.is_(None))
        .options(selectinload(Question.options)).order_by(Question.position)).all()
    slots = [SimpleNamespace(id=f"p{q.id}", response=None,
                             snapshot=build_snapshot(q, quiz.shuffle_answers, rng))
             for q in questions]
    return render_template("authoring/quiz_preview.html", course=course, quiz=quiz,
                           slots=slots)


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/hapus", methods=["POST"])
def remove_quiz(slug, quiz_slug):
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    action_or_400()
    outcome = services.remove_quiz(quiz, current_user)
    db.session.commit()
    if outcome == "retired":
        flash(_("Kuis \u201c%(title)s\u201d sudah dikerjakan peserta, jadi dipensiunkan; "
                "nilainya tetap tersimpan.", title=quiz.title), "info")
    else:
        flash(_("Kuis \u201c%(title)s\u201d dihapus.", title=quiz.title), "success")
    return _to_course(course, "kuis")


# --- owners (admins only) ----------------------------------------------------------------------

def _admin_only():
    if not current_user.is_admin:
        abort(403)


@bp.route("/kursus/<slug>/pengajar", methods=["POST"])
def add_owner(slug):
    _admin_only()  # by role first: whether the course exists is no trainer's business here
    course = editable_course_or_404(slug)
    form = OwnerForm()
    if not form.validate_on_submit():
        for error in form.nip.errors or [_("Permintaan tidak sah: muat ulang halaman.")]:
            flash(error, "error")
        return _to_course(course, "pengajar")
    user = find_user_by_login(form.nip.data)
    if user is None:
        flash(_("Belum ada akun dengan NIP %(nip)s.", nip=form.nip.data), "error")
        return _to_course(course, "pengajar")
    services.add_owner(course, user, current_user)
    db.session.commit()
    flash(_("%(name)s kini pengajar kursus ini.", name=user.name), "success")
    return _to_course(course, "pengajar")


@bp.route("/kursus/<slug>/pengajar/<int:user_id>/hapus", methods=["POST"])
def remove_owner(slug, user_id):
    _admin_only()  # by role first: whether the course exists is no trainer's business here
    course = editable_course_or_404(slug)
    action_or_400()
    user = next((u for u in course.owners if u.id == user_id), None)
    if user is None:
        abort(404)
    services.remove_owner(course, user, current_user)
    db.session.commit()
    flash(_("%(name)s bukan lagi pengajar kursus ini.", name=user.name), "success")
    return _to_course(course, "pengajar")
