"""A hand-edited address never ends in an error page: a clear message, or the default."""

import pytest

from app.timeutil import current_year
from tests.reports.conftest import ANDI, page_text
from tests.reports.parsing import export_via_job

PAGES = ("/admin/laporan", "/admin/laporan/jp", "/admin/laporan/opd", "/admin/laporan/kursus",
         "/admin/laporan/kursus/spbe-101", f"/admin/laporan/riwayat?nip={ANDI}&",
         "/jp-saya")

BAD = [
    ("year=abc", "Bukan bilangan bulat yang valid."),
    ("year=99999", "Tahun harus angka antara 2000 dan tahun depan."),
    ("year=1999", "Tahun harus angka antara 2000 dan tahun depan."),
    ("year=-5", "Tahun harus angka antara 2000 dan tahun depan."),
    ("format=pdf", "Format unduhan harus csv, csv-plain atau xlsx."),
    ("year=2026.5", "Bukan bilangan bulat yang valid."),
]


def url(page, query):
    return f"{page}{query}" if page.endswith("&") else f"{page}?{query}"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("query", "message"), BAD)
def test_bad_year_or_format_gets_a_message(admin, page, query, message):
    text = page_text(admin.get(url(page, query)))
    assert message in text
    assert 'aria-invalid="true"' in text or 'class="errors"' in text


@pytest.mark.parametrize(("query", "message"), [
    ("page=-1", "Halaman harus angka 1 atau lebih."),
    ("page=abc", "Bukan bilangan bulat yang valid."),
    ("page=0", "Halaman harus angka 1 atau lebih."),
    ("opd=x", "Pilihan tidak valid."),
    ("opd=999999", "Pilihan tidak valid."),
    ("type=honorer", "Pilihan tidak valid."),
])
def test_bad_ledger_filters_get_a_message_and_the_default(admin, query, message):
    text = page_text(admin.get(f"/admin/laporan/jp?year=2026&{query}"))
    assert message in text
    assert "Jumlah: 7 ASN" in text  # the default (no filter, first page) is shown


def test_a_bad_year_shows_the_current_year(admin):
    text = page_text(admin.get("/admin/laporan/opd?year=abc"))
    assert f"Ringkasan per OPD tahun {current_year()}" in text


def test_a_bad_format_shows_the_page_instead_of_a_download(admin):
    response = admin.get("/admin/laporan/opd?year=2026&format=pdf")
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("query", ["year=abc", "year=99999", "format=pdf", "nip=abc",
                                   "year=2026&nip=%00"])
def test_everyone_history_export_ignores_bad_input(admin, query):
    response = export_via_job(admin, f"/admin/laporan/riwayat.csv?{query}")
    assert response.mimetype == "text/csv"


@pytest.mark.parametrize("nip", ["abc", "%00", "1" * 60, "198613322015051001"])
def test_bad_nip_on_the_history_page(admin, nip):
    assert admin.get(f"/admin/laporan/riwayat?nip={nip}").status_code == 200


def test_evidence_and_delete_ids_must_be_numbers(admin):
    assert admin.get("/jp-saya/bukti/abc").status_code == 404
    assert admin.get("/jp-saya/bukti/-1").status_code == 404
