"""Report pages and their CSV/XLSX downloads; manual JP credits; the learner's own ledger.

Every /admin/laporan route is for admins only (admin_required on each, checked for every
route by tests/reports/test_access.py). /jp-saya and the evidence download are for any
logged-in user, and show only what is theirs.
"""

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
from sqlalchemy import select

from app.auth.access import admin_required
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import Course, JpCredit
from app.extensions import db
from app.reports import charts, credit_services, export_jobs, exports, queries, tables
from app.reports.forms import (
    HistoryFilterForm,
    JpCreditForm,
    LedgerFilterForm,
    YearForm,
    clean,
)
from app.timeutil import current_year
from app.web import one_or_404

bp = Blueprint("reports", __name__, template_folder="templates")


@bp.app_template_global("report_url_with")
def url_with(**changes):
    """This page's address with some query values changed (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {key: value for key, value in args.items() if value not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# Globals (not a context processor): the table macros are imported without context.
bp.add_app_template_global(tables.screen_cell, "report_cell")


def download_links():
    return {fmt: url_with(format=fmt, page=None) for fmt in exports.FORMATS}


def read_filters(form):
    """Validate a filter form read from the query string; bad values fall back to defaults."""
    form.validate()
    year = clean(form.year, current_year())
    form.year.data = year  # the form shows the year the page is about
    return year, clean(form.format, None)


def no_opd_label():
    return _("Tanpa OPD")


# --- admin: index and JP ledger ---------------------------------------------------------------

@bp.route("/admin/laporan")
@admin_required
def index():
    form = YearForm(request.args)
    year, _fmt = read_filters(form)
    return render_template("reports/index.html", form=form, year=year)


@bp.route("/admin/laporan/jp")
@admin_required
def jp_ledger():
    form = LedgerFilterForm(request.args)
    form.set_opd_choices(queries.top_level_opds(), no_opd_label())
    year, fmt = read_filters(form)
    filters = queries.LedgerFilters(year, form.opd_value(), clean(form.type, None),
                                    bool(clean(form.below, False)))
    if fmt:
        totals = queries.ledger_totals(filters)
        if totals.asn > export_jobs.inline_limit():
            return _export_as_job("ledger", export_jobs.ledger_filters_params(filters), fmt,
                                  totals.asn)
        return exports.download(
            tables.ledger_table(year, queries.ledger_rows(filters), totals), fmt)
    page = queries.ledger_page(filters, clean(form.page, 1), per_page=queries.PER_PAGE)
    return render_template(
        "reports/ledger.html", form=form, year=year, page=page,
        table=tables.ledger_table(year, page.rows, page.totals), downloads=download_links(),
        unverified=queries.unverified_count(),
        links={"name": lambda row: url_for(".history", nip=row.nip, year=year)})


# --- admin: OPD summary -----------------------------------------------------------------------

def opd_chart(year, summary):
    shown = [row for row in summary.rows if row.asn]
    return charts.bar_chart(
        "grafik-opd",
        _("Persentase ASN yang mencapai target JP per OPD, tahun %(year)d", year=year),
        _("Diagram batang mendatar, satu batang per OPD yang memiliki ASN (%(n)d OPD), "
          "skala 0 sampai 100 persen. Angka lengkap ada pada tabel di bawahnya.", n=len(shown)),
        [(row.name, [row.share]) for row in shown],
        charts.series(_("Mencapai target (%)")), max_value=100, unit="%")


@bp.route("/admin/laporan/opd")
@admin_required
def opd_summary():
    form = YearForm(request.args)
    year, fmt = read_filters(form)
    summary = queries.opd_summary(year, no_opd_label())
    table = tables.opd_table(year, summary)
    if fmt:
        return exports.download(table, fmt)
    return render_template("reports/opd.html", form=form, year=year, table=table,
                           chart=opd_chart(year, summary), downloads=download_links(),
                           unverified=queries.unverified_count(),
                           links={"name": lambda row: _ledger_link(row, year)})


def _ledger_link(row, year):
    if isinstance(row, dict):
        return None
    return url_for(".jp_ledger", year=year, opd=row.opd_id or queries.NO_OPD)


# --- admin: course funnels --------------------------------------------------------------------

def funnel_series():
    return charts.series(_("Terdaftar"), _("Mulai belajar"), _("Selesai"), _("Bersertifikat"))


def _funnel_values(row):
    return [row.enrolled, row.started, row.completed, row.certified]


@bp.route("/admin/laporan/kursus")
@admin_required
def course_funnel():
    form = YearForm(request.args)
    year, fmt = read_filters(form)
    rows, total = queries.funnel_by_course(year, _("Semua kursus"))
    table = tables.funnel_table(year, rows, total)
    if fmt:
        return exports.download(table, fmt)
    chart = charts.bar_chart(
        "grafik-kursus", _("Corong per kursus, pendaftaran tahun %(year)d", year=year),
        _("Diagram batang mendatar: untuk tiap kursus empat batang (terdaftar, mulai belajar, "
          "selesai, bersertifikat). Angka lengkap ada pada tabel di bawahnya."),
        [(row.code, _funnel_values(row)) for row in rows], funnel_series())
    return render_template(
        "reports/funnel.html", form=form, year=year, table=table, chart=chart,
        downloads=download_links(),
        links={"label": lambda row: (url_for(".course_funnel_by_opd", slug=row.slug, year=year)
                                     if getattr(row, "slug", None) else None)})


@bp.route("/admin/laporan/kursus/<slug>")
@admin_required
def course_funnel_by_opd(slug):
    course = one_or_404(select(Course).where(Course.slug == slug))
    form = YearForm(request.args)
    year, fmt = read_filters(form)
    rows, total = queries.funnel_by_opd(course, year, no_opd_label(), _("Semua OPD"))
    table = tables.funnel_opd_table(year, course, rows, total)
    if fmt:
        return exports.download(table, fmt)
    labels = [_("Terdaftar"), _("Mulai belajar"), _("Selesai"), _("Bersertifikat")]
    chart = charts.bar_chart(
        "grafik-corong", _("Corong %(code)s, pendaftaran tahun %(year)d", code=course.code,
                           year=year),
        _("Diagram batang mendatar dari terdaftar sampai bersertifikat untuk seluruh OPD. "
          "Angka per OPD ada pada tabel di bawahnya."),
        list(zip(labels, ([v] for v in _funnel_values(total)), strict=True)),
        charts.series(_("Jumlah ASN")))
    return render_template("reports/funnel_course.html", form=form, year=year, course=course,
                           table=table, chart=chart, downloads=download_links())


# --- admin: training history ------------------------------------------------------------------

@bp.route("/admin/laporan/riwayat")
@admin_required
def history():
    form = HistoryFilterForm(request.args)
    form.validate()
    year, fmt = clean(form.year, None), clean(form.format, None)
    nip = clean(form.nip, None)
    user = queries.find_user_by_nip(nip) if nip else None
    if user is None:
        return render_template("reports/history.html", form=form, year=year, user=None,
                               nip=nip, table=None)
    rows = list(queries.training_history(year, user.id))
    name = f"riwayat-{user.nip}" + (f"-{year}" if year else "")
    if fmt:
        return exports.download(tables.history_table(name, name, rows, with_person=True), fmt)
    caption = (_("Riwayat pelatihan tahun %(year)d", year=year) if year
               else _("Riwayat pelatihan semua tahun"))
    return render_template(
        "reports/history.html", form=form, year=year, user=user, nip=nip,
        table=tables.history_table(name, caption, rows),
        credits=[row for row in rows if row.kind == queries.CREDIT_KIND],
        ledger=queries.user_jp(user, year) if year else None,
        downloads=download_links(), action_form=ActionForm())


@bp.route("/admin/laporan/riwayat.csv")
@admin_required
def history_all_csv():
    """Every ASN's training history for one year, for HR systems: always a background job
    (a city's year is tens of thousands of rows), offered on the job's page when ready."""
    form = YearForm(request.args)
    year, _fmt = read_filters(form)
    return _export_as_job("history", {"year": year}, "csv")


def _export_as_job(report, params, fmt, total=0):
    job = export_jobs.start_export(report, params, fmt, current_user, total=total)
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id))


# --- admin: manual JP credits -----------------------------------------------------------------

@bp.route("/admin/laporan/jp/kredit", methods=["GET", "POST"])
@admin_required
def credit_form():
    form = JpCreditForm()
    if request.method == "GET" and request.args.get("nip"):
        form.nip.data = request.args.get("nip", "")[:40]
    if not form.validate_on_submit():
        return render_template("reports/credit_form.html", form=form)
    try:
        credit = credit_services.add_jp_credit(
            form.user, earned_on=form.earned_on.data, jp=form.jp.data, title=form.title.data,
            provider=form.provider.data, note=form.note.data, evidence=form.evidence_data,
            actor=current_user)
    except credit_services.CreditError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("reports/credit_form.html", form=form)
    db.session.commit()
    flash(_("%(jp)d JP untuk %(name)s tersimpan.", jp=credit.jp, name=form.user.name),
          "success")
    return redirect(url_for(".history", nip=form.user.nip, year=credit.earned_on.year))


@bp.route("/admin/laporan/jp/kredit/<int:credit_id>/hapus", methods=["POST"])
@admin_required
def credit_delete(credit_id):
    credit = one_or_404(select(JpCredit).where(JpCredit.id == credit_id))
    action_or_400()
    nip, year, title = credit.user.nip, credit.earned_on.year, credit.title
    folder = credit_services.remove_jp_credit(credit, actor=current_user)
    db.session.commit()
    credit_services.discard_evidence(folder)
    flash(_("Kredit JP \u201c%(title)s\u201d dihapus.", title=title), "success")
    return redirect(url_for(".history", nip=nip, year=year))


@bp.route("/jp-saya/bukti/<int:credit_id>")
@login_required
def credit_evidence(credit_id):
    """The evidence of a credit: for admins and for the learner it belongs to, nobody else."""
    credit = one_or_404(select(JpCredit).where(JpCredit.id == credit_id))
    if credit.user_id != current_user.id and not current_user.is_admin:
        abort(404)  # not 403: others do not learn which credits exist
    path = credit_services.evidence_path(credit)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=credit.evidence_mime, etag=credit.evidence_sha256,
                         as_attachment=credit.evidence_mime == "application/pdf",
                         download_name=credit.evidence_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    # Served with the type checked at upload; the sandbox stops any script inside the file.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- learner: their own ledger ----------------------------------------------------------------

@bp.route("/jp-saya")
@login_required
def my_ledger():
    form = YearForm(request.args)
    year, fmt = read_filters(form)
    rows = list(queries.training_history(year, current_user.id))
    name = f"riwayat-{current_user.nip}-{year}"
    if fmt:
        return exports.download(tables.history_table(name, name, rows, with_person=True), fmt)
    ledger = queries.user_jp(current_user, year)
    return render_template(
        "reports/my_ledger.html", form=form, year=year, ledger=ledger,
        table=tables.history_table(name, _("Riwayat pembelajaran tahun %(year)d", year=year),
                                   rows),
        downloads=download_links(),
        links={"title": lambda row: (url_for(".credit_evidence", credit_id=row.credit_id)
                                     if getattr(row, "has_evidence", False) else None)})
