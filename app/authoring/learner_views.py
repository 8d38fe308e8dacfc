"""Trainers follow their learners: per-course progress and per-quiz item analysis."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import SelectField
from wtforms.validators import AnyOf, NumberRange, Optional

from app.authoring import learners as reports
from app.authoring.access import editable_course_or_404, editable_quiz_or_404
from app.authoring.gradebook import course_gradebook, gradebook_download
from app.authoring.views import bp
from app.forms import KompetenForm, WholeNumberField, select_choices
from app.reports import exports
from app.reports.export_jobs import inline_limit
from app.templating import number


class LearnerFilterForm(KompetenForm):
    """Read from the query string: bad values are ignored (a GET filter needs no CSRF)."""

    class Meta:
        csrf = False

    opd = SelectField(_l("OPD"), validators=[Optional()])
    halaman = WholeNumberField(_l("Halaman"), validators=[Optional(), NumberRange(min=1)])

    def set_agencies(self, agencies):
        self.opd.choices = select_choices(
            [("", _l("Semua OPD"))] + [(str(agency_id), name) for agency_id, name in agencies])

    def agency_id(self):
        """The chosen OPD, or None for all (also when it is not one of the choices: Optional()
        clears that error for a blank value, so "\r" would pass it)."""
        chosen = self.opd.data or ""
        valid = {choice.value for choice in self.opd.choices if choice.value}
        return int(chosen) if chosen in valid and not self.opd.errors else None

    def page_number(self):
        return self.halaman.data if self.halaman.data and not self.halaman.errors else 1


def _filtered(slug, form_class):
    """The course (if the user may see its reports) and its filter form, read and checked."""
    course = editable_course_or_404(slug)
    form = form_class(request.args)
    form.set_agencies(reports.agencies_with_learners(course))
    form.validate()
    return course, form


@bp.route("/kursus/<slug>/peserta")
@login_required
def learners(slug):
    course, form = _filtered(slug, LearnerFilterForm)
    report = reports.course_learners(course, form.agency_id(), form.page_number())
    return render_template("authoring/learners.html", course=course, form=form, report=report,
                           agency_id=form.agency_id(), status_labels=reports.status_labels())


class GradebookFilterForm(LearnerFilterForm):
    format = SelectField(_l("Format unduhan"), validators=[Optional(), AnyOf(exports.FORMATS)],
                         choices=select_choices((fmt, fmt) for fmt in exports.FORMATS),
                         validate_choice=False)

    def download_format(self):
        return self.format.data if self.format.data and not self.format.errors else None


@bp.route("/kursus/<slug>/nilai")
@login_required
def gradebook(slug):
    """Learners × quizzes; ?format=csv|csv-plain|xlsx downloads every learner of the filter."""
    course, form = _filtered(slug, GradebookFilterForm)
    agency_id = form.agency_id()
    fmt = form.download_format()
    if fmt:
        table, total = gradebook_download(course, agency_id)
        if fmt != "xlsx" or total <= inline_limit():
            return exports.download(table, fmt)
        # Building a big workbook would hold this worker for seconds; the CSV streams.
        flash(_("Berkas XLSX dibuat langsung untuk paling banyak %(max)s peserta (saringan ini: "
                "%(n)s). Unduh CSV, atau saring per OPD.", max=number(inline_limit()),
                n=number(total)), "error")
        return redirect(url_for(".gradebook", slug=course.slug, opd=agency_id))
    book = course_gradebook(course, agency_id, form.page_number())
    downloads = {fmt: url_for(".gradebook", slug=course.slug, opd=agency_id, format=fmt)
                 for fmt in exports.FORMATS}
    return render_template("authoring/gradebook.html", course=course, form=form, book=book,
                           agency_id=agency_id, downloads=downloads)


@bp.route("/kursus/<slug>/kuis/<quiz_slug>/analisis")
@login_required
def item_analysis(slug, quiz_slug):
    course = editable_course_or_404(slug)
    quiz = editable_quiz_or_404(course, quiz_slug)
    return render_template("authoring/item_analysis.html", course=course, quiz=quiz,
                           analysis=reports.item_analysis(quiz),
                           weak_limit=reports.WEAK_SHARE_CORRECT)
