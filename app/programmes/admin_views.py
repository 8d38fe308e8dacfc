"""/admin/laporan/program: each programme's standing per OPD, as a page and as CSV/XLSX drawn
from the same table."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.access import admin_required
from app.extensions import db
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


@bp.route("/<slug>")
def report(slug):
    programme = db.session.scalar(select(Programme).options(*PROGRAMME_OPTIONS).where(
        Programme.slug == slug))
    if programme is None:
        abort(404)
    rows, total = programme_rows(programme, _("Tanpa OPD"), today())
    table = programme_table(programme, rows, total)
    fmt = request.args.get("format")
    if fmt in exports.FORMATS:
        return exports.download(table, fmt)
    downloads = {fmt: url_for(".report", slug=slug, format=fmt) for fmt in exports.FORMATS}
    return render_template("programmes/report.html", programme=programme, table=table,
                           downloads=downloads, total=total)
