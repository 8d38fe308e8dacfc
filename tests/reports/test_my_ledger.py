"""The learner's own ledger (/jp-saya): the same numbers the admins see, and nobody else's."""

import re

import pytest

from app.timeutil import current_year
from tests.reports.conftest import ANDI, BUDI, CITRA, DEWI, YEAR, logged_in, page_text
from tests.reports.parsing import csv_table, html_table


def summary(page):
    """(total, target, from courses, from credits) as the learner's page shows them."""
    total, target = re.search(r"<strong>(\d+)</strong> / (\d+) JP", page).groups()
    courses = re.search(r"<dt>Dari kursus Kompeten</dt><dd>(\d+) JP", page).group(1)
    credits = re.search(r"<dt>Dari pembelajaran lain \(kredit admin\)</dt><dd>(\d+) JP",
                        page).group(1)
    return int(total), int(target), int(courses), int(credits)


def admin_ledger_row(admin, nip, year=YEAR):
    rows = html_table(page_text(admin.get(f"/admin/laporan/jp?year={year}")),
                      f"tabel-jp-{year}")
    row = next(r for r in rows if r[0].replace(" ", "") == nip)
    return int(row[7]), int(row[8]), int(row[4]), int(row[5])


@pytest.mark.parametrize("nip", [ANDI, BUDI, CITRA, DEWI])
def test_learner_sees_the_numbers_the_admin_sees(app, admin, nip):
    page = page_text(logged_in(app, nip).get(f"/jp-saya?year={YEAR}"))
    assert summary(page) == admin_ledger_row(admin, nip)


def test_learner_page_lists_courses_and_credits_with_notes(app, world):
    page = page_text(logged_in(app, ANDI).get(f"/jp-saya?year={YEAR}"))
    rows = html_table(page, f"tabel-riwayat-{ANDI}-{YEAR}")[1:]
    assert [(r[2], r[7]) for r in rows] == [("Kursus SPBE-101", "12"), ("Kursus TTE-101", "8"),
                                            ("Webinar Keamanan Siber", "3")]
    assert rows[2][9] == "Sertifikat BSSN"
    assert "Target tahun 2026 sudah tercapai." in page


def test_pppk_target_and_what_is_missing(app, world):
    page = page_text(logged_in(app, DEWI).get(f"/jp-saya?year={YEAR}"))
    assert summary(page) == (12, 24, 12, 0)
    assert "Kurang 12 JP lagi untuk mencapai target tahun 2026." in page


def test_another_year(app, world):
    page = page_text(logged_in(app, BUDI).get("/jp-saya?year=2025"))
    assert summary(page) == (16, 20, 12, 4)


def test_the_current_year_by_default(app, world):
    page = page_text(logged_in(app, ANDI).get("/jp-saya"))
    assert f"JP saya tahun {current_year()}" in page


def test_a_bad_year_gets_a_message_and_the_current_year(app, world):
    page = page_text(logged_in(app, ANDI).get("/jp-saya?year=abc"))
    assert "Bukan bilangan bulat yang valid." in page
    assert f"JP saya tahun {current_year()}" in page
    page = page_text(logged_in(app, ANDI).get("/jp-saya?year=99999"))
    assert "Tahun harus angka antara 2000 dan tahun depan." in page


def test_own_history_download_holds_only_own_rows(app, world):
    client = logged_in(app, CITRA)
    rows = csv_table(client.get(f"/jp-saya?year={YEAR}&format=csv").data)
    assert {row[0].replace(" ", "") for row in rows[1:]} == {CITRA}
    assert sum(int(row[10]) for row in rows[1:]) == 24


def test_another_persons_nip_in_the_address_changes_nothing(app, world):
    """The page is always the logged-in learner's: no parameter names somebody else."""
    page = page_text(logged_in(app, DEWI).get(f"/jp-saya?year={YEAR}&nip={ANDI}"))
    assert "Webinar Keamanan Siber" not in page
    assert summary(page) == (12, 24, 12, 0)


def test_anonymous_visitors_are_sent_to_log_in(app, world):
    response = app.test_client().get("/jp-saya")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_dashboard_links_to_the_own_ledger(app, world):
    page = page_text(logged_in(app, ANDI).get("/beranda"))
    assert '<a href="/jp-saya">' in page
