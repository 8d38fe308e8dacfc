"""Exports too big to make inside a request run as background jobs (the limit is lowered
here instead of creating 5,000 people): the file the job offers holds exactly what the direct
download holds, and the download link refuses once the file has expired."""

from datetime import timedelta
from pathlib import Path

import pytest

from app.database import utcnow
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import expire_job_results
from app.reports import tables
from tests.reports.conftest import YEAR, page_text
from tests.reports.parsing import (
    assert_same_table,
    csv_table,
    export_via_job,
    html_table,
    xlsx_table,
)

LEDGER = f"/admin/laporan/jp?year={YEAR}"


@pytest.fixture
def small_limit(app):
    app.config["EXPORT_INLINE_MAX_ROWS"] = 3  # the ledger has 7 ASN rows


def test_a_small_ledger_still_downloads_at_once(app, admin):
    response = admin.get(f"{LEDGER}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert db.session.query(Job).count() == 0


def test_a_big_ledger_export_is_a_job_with_the_same_rows(app, admin, small_limit):
    shown = html_table(page_text(admin.get(LEDGER)), f"tabel-jp-{YEAR}")
    in_csv = export_via_job(admin, f"{LEDGER}&format=csv")
    in_xlsx = export_via_job(admin, f"{LEDGER}&format=xlsx")
    assert_same_table(shown, csv_table(in_csv.data), xlsx_table(in_xlsx.data),
                      tables.LEDGER_COLUMNS)
    assert f"jp-{YEAR}.csv" in in_csv.headers["Content-Disposition"]
    assert f"jp-{YEAR}.xlsx" in in_xlsx.headers["Content-Disposition"]
    jobs = db.session.query(Job).order_by(Job.id).all()
    assert [(job.kind, job.progress_total) for job in jobs] == [("reports.export", 7)] * 2
    page = page_text(admin.get(f"/admin/tugas/{jobs[0].id}"))
    assert f"Ekspor perolehan JP ASN {YEAR} (CSV)" in page
    assert "7 dari 7 baris ditulis" in page and "Tersedia sampai" in page


def test_the_filters_travel_with_the_job(app, admin, small_limit):
    app.config["EXPORT_INLINE_MAX_ROWS"] = 0
    url = f"{LEDGER}&type=pppk&below=y"
    direct_rows = html_table(page_text(admin.get(url)), f"tabel-jp-{YEAR}")
    rows = csv_table(export_via_job(admin, f"{url}&format=csv").data)
    assert [row[0] for row in direct_rows[1:-1]] == [r[0] for r in rows[1:-1]]


def test_an_expired_export_is_gone_and_says_so(app, admin, small_limit):
    export_via_job(admin, f"{LEDGER}&format=csv")
    [job] = db.session.query(Job).all()
    job.result_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert expire_job_results() == 1
    page = admin.get(f"/admin/tugas/{job.id}/unduh", follow_redirects=True)
    assert "tidak tersedia lagi" in page.get_data(as_text=True)
    assert not list((Path(app.instance_path) / "job-results").glob(f"{job.id}/*.csv"))


def test_a_learner_cannot_fetch_an_export(app, admin, small_limit, world):
    from tests.reports.conftest import ANDI, logged_in

    export_via_job(admin, f"{LEDGER}&format=csv")
    [job] = db.session.query(Job).all()
    learner = logged_in(app, ANDI)
    assert learner.get(f"/admin/tugas/{job.id}/unduh").status_code == 403
