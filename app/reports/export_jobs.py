"""Big report exports as background jobs: the everyone's-history CSV always, and any other
export with more rows than LMS_EXPORT_INLINE_MAX_ROWS (the JP ledger of a city). The file is
written under the job's result folder and offered on the job's page until it expires.

The other reports (OPD summary, course funnels) have one row per OPD or course, a few hundred
at most, and are always downloaded at once.
"""

import os

from flask import current_app, url_for
from flask_babel import gettext as _

from app.jobs.runner import JobError, register_job_kind
from app.jobs.services import start_job
from app.reports import exports, queries, tables

KIND = "reports.export"
PROGRESS_EVERY = 1000  # rows between two progress reports


def inline_limit():
    return current_app.config["EXPORT_INLINE_MAX_ROWS"]


def ledger_filters_params(filters):
    return {"year": filters.year, "opd": filters.opd, "type": filters.employment_type,
            "below": filters.below_target}


def start_export(report, params, fmt, user, total=0):
    """Record the export job (flushes; it starts when the caller commits)."""
    return start_job(KIND, {"report": report, "format": fmt, **params}, user, total=total)


def _ledger_table(params):
    filters = queries.LedgerFilters(params["year"], params["opd"], params["type"],
                                    params["below"])
    totals = queries.ledger_totals(filters)
    return tables.ledger_table(params["year"], queries.ledger_rows(filters), totals), totals.asn


def _history_table(params):
    year = params["year"]
    table = tables.history_table(f"riwayat-pelatihan-{year}", "",
                                 queries.training_history(year), with_person=True)
    return table, 0


REPORTS = {"ledger": _ledger_table, "history": _history_table}


def _counted(rows, context, total):
    """Pass the rows through, reporting progress every PROGRESS_EVERY rows."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            context.report(done, total)


def run_export(context):
    """Write the file from scratch on every run (a crash leaves at most a temporary file,
    replaced by the next run): idempotent."""
    params = context.params
    if params.get("report") not in REPORTS or params.get("format") not in exports.FORMATS:
        raise JobError(_("Ekspor ini tidak dikenal."))
    table, total = REPORTS[params["report"]](params)
    table.rows = _counted(table.rows, context, total)
    folder = context.result_folder()
    final = folder / f"{table.name}.{exports.EXTENSIONS[params['format']]}"
    partial = folder / f".{final.name}.partial"
    with open(partial, "wb") as handle:
        if params["format"] != "xlsx":
            for line in exports.csv_lines(table, plain=params["format"] == exports.PLAIN_CSV):
                handle.write(line.encode("utf-8"))
        else:
            exports.write_xlsx(table, handle)
    os.chmod(partial, 0o640)
    partial.replace(final)
    context.offer_result(final, final.name)
    context.progress(total or context.job.progress_done, total or None)


def export_label(params):
    names = {"ledger": _("Ekspor perolehan JP ASN %(year)s", year=params.get("year")),
             "history": _("Ekspor riwayat pelatihan semua ASN %(year)s",
                          year=params.get("year"))}
    name = names.get(params.get("report"), _("Ekspor laporan"))
    return f"{name} ({str(params.get('format', '')).upper()})"


def export_progress(job):
    if job.progress_total:
        return _("%(done)d dari %(total)d baris ditulis", done=job.progress_done,
                 total=job.progress_total)
    return _("%(done)d baris ditulis", done=job.progress_done)


def export_back_link(params):
    endpoint = {"ledger": "reports.jp_ledger", "history": "reports.index"}.get(
        params.get("report"))
    if endpoint is None:
        return None
    return url_for(endpoint, year=params.get("year")), _("Kembali ke laporan")


def register_export_jobs():
    register_job_kind(KIND, run_export, export_label, progress_text=export_progress,
                      back_link=export_back_link)
