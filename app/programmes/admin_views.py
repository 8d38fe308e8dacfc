"""/admin/laporan/program: each programme's standing per OPD, as a page and as CSV/XLSX drawn
from the same table."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import admin_required
from app.certificates.models import Certificate
from app.certificates.services import CertificateError
from app.courses.forms import ActionForm
from app.extensions import db
from app.jobs.services import latest_job
from app.programmes import certificates
from app.programmes.models import Programme
from app.programmes.report import programme_rows, programme_table
from app.programmes.services import PROGRAMME_OPTIONS, today
from app.reports import exports

bp = Blueprint("programme_reports", __name__, template_folder="templates",
               url_prefix="/admin/laporan/program")


@bp.before_request
@admin_required
def _admins_only():
    """Every route here: log in first, then be an admin."""


@bp.route("/")
def index():
    programmes = db.session.scalars(select(Programme).order_by(
        Programme.status, Programme.mandatory.desc(), Programme.title)).all()
    return render_template("programmes/report_index.html", programmes=programmes)


def _programme_or_404(slug):
    programme = db.session.scalar(select(Programme).options(*PROGRAMME_OPTIONS).where(
        Programme.slug == slug))
    if programme is None:
        abort(404)
    return programme


@bp.route("/<slug>")
def report(slug):
    programme = _programme_or_404(slug)
    rows, total = programme_rows(programme, _("Tanpa OPD"), today())
    table = programme_table(programme, rows, total)
    fmt = request.args.get("format")
    if fmt in exports.FORMATS:
        return exports.download(table, fmt)
    downloads = {fmt: url_for(".report", slug=slug, format=fmt) for fmt in exports.FORMATS}
    return render_template("programmes/report.html", programme=programme, table=table,
                           downloads=downloads, total=total)


@bp.route("/<slug>/sertifikat", methods=["GET", "POST"], endpoint="certificates")
def certificates_page(slug):
    """Programme certificates: who waits (every step done, no valid certificate), issuing to
    all of them as a job, and what was issued (revoke, re-issue)."""
    programme = _programme_or_404(slug)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            job = certificates.start_issuing(programme, current_user)
        except CertificateError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(request.path)
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id))
    issued = db.session.scalars(select(Certificate).where(
        Certificate.programme_id == programme.id).order_by(Certificate.issued_at.desc())).all()
    return render_template("programmes/certificates.html", programme=programme, form=form,
                           waiting=certificates.waiting_count(programme), issued=issued,
                           job=latest_job(certificates.issuing_key(programme)))
