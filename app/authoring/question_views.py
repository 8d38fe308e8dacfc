"""Questions of a quiz through forms (question_forms.py): add one of a kind, edit one by its
number. Saving writes GIFT into the quiz and saves it as the GIFT box does."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authoring import question_forms as forms
from app.authoring import services
from app.authoring.access import editable_course_or_404, editable_quiz_or_404
from app.authoring.views import bp
from app.courses.forms import action_or_400
from app.extensions import db


def _page(course, quiz, form, number=None, problems=()):
    return render_template("authoring/question_form.html", course=course, quiz=quiz,
                           form=form, number=number, problems=problems,
                           kinds=forms.KINDS, row_fields=forms.ROW_FIELDS)


def _submit(course, quiz, form, original=None, number=None):
    """Check the form, write the GIFT, save the quiz; the page again on any problem. A form
    sent back unchanged leaves the author's text exactly as written (18..22 stays a range)."""
    action_or_400()
    if request.form.get("aksi") == "tambah-baris":
        form.add_rows(2)
        return _page(course, quiz, form, number)
    text_format = original.text_format if original is not None else quiz.default_format
    question, problems = forms.to_question(form, text_format)
    if not problems:
        block, problem = forms.write_block(question, quiz.default_format)
        problems = [problem] if problem else []
    if problems:
        return _page(course, quiz, form, number, problems)
    if original is not None and _same(question, original):
        flash(_("Soal \u201c%(name)s\u201d tidak berubah.", name=question.name), "info")
        return redirect(url_for(".edit_quiz", slug=course.slug, quiz_slug=quiz.slug))
    source = forms.splice(quiz.gift_source, original.line if original else None, block)
    try:
        services.save_quiz(course, quiz, quiz.slug, services.quiz_settings(quiz), source,
                           services.placement_slug(quiz), current_user)
    except services.AuthoringError as error:
        db.session.rollback()
        messages = [p.message for p in getattr(error, "problems", ())] or [error.message]
        return _page(course, quiz, form, number, messages)
    db.session.commit()
    flash(_("Soal \u201c%(name)s\u201d disimpan.", name=question.name), "success")
    return redirect(url_for(".edit_quiz", slug=course.slug, quiz_slug=quiz.slug))


def _same(question, original):
    """The form says what the text says (the category comes from the text's position)."""
    question.category = original.category
    return question == original


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/soal/baru", methods=["GET", "POST"])
def new_question(slug, quiz_slug):
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    kind = request.args.get("jenis", "")
    if kind not in forms.KINDS:  # which kind? (the quiz page links each one too)
        return render_template("authoring/question_kinds.html", course=course, quiz=quiz,
                               kinds=forms.KINDS)
    if request.method == "GET":
        return _page(course, quiz, forms.blank_form(kind))
    return _submit(course, quiz, forms.read_form(kind, request.form))


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/soal/<int:number>", methods=["GET", "POST"])
def edit_question(slug, quiz_slug, number):
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    questions = forms.quiz_questions(quiz)
    if not 1 <= number <= len(questions):
        abort(404)
    question = questions[number - 1]
    if forms.has_part_formats(question):
        # The form writes every part in the question's format; these would lose theirs.
        flash(_("Soal \u201c%(name)s\u201d memakai format sendiri pada sebagian jawaban atau "
                "umpan baliknya; ubah lewat teks GIFT agar format itu tetap.",
                name=question.name), "info")
        return redirect(url_for(".edit_quiz", slug=course.slug, quiz_slug=quiz.slug))
    if request.method == "GET":
        return _page(course, quiz, forms.from_question(question), number)
    form = forms.read_form(forms.kind_of(question), request.form)
    form.gift_id, form.tags = question.id, list(question.tags)  # its identity stays
    return _submit(course, quiz, form, question, number)
