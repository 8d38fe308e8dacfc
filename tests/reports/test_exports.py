"""Every report table downloads as CSV and XLSX with exactly the numbers on the page."""

import io
import re

import pytest
from openpyxl import load_workbook

from app.reports import tables
from app.reports.exports import xlsx_bytes
from app.reports.tables import Column, Table
from tests.reports.conftest import ANDI, CITRA, YEAR, page_text
from tests.reports.parsing import (
    assert_same_table,
    csv_table,
    html_caption,
    html_table,
    xlsx_table,
)

FUNNEL = (Column("label", "Kursus"),) + tables.FUNNEL_COLUMNS
FUNNEL_OPD = (Column("label", "OPD"),) + tables.FUNNEL_COLUMNS

# page address, table id on the page, columns as the page shows them
REPORTS = {
    "ledger": (f"/admin/laporan/jp?year={YEAR}", f"tabel-jp-{YEAR}", tables.LEDGER_COLUMNS),
    "ledger_filtered": (f"/admin/laporan/jp?year={YEAR}&type=pppk&below=y",
                        f"tabel-jp-{YEAR}", tables.LEDGER_COLUMNS),
    "ledger_last_year": ("/admin/laporan/jp?year=2025", "tabel-jp-2025", tables.LEDGER_COLUMNS),
    "opd": (f"/admin/laporan/opd?year={YEAR}", f"tabel-ringkasan-opd-{YEAR}",
            tables.OPD_COLUMNS),
    "funnel": (f"/admin/laporan/kursus?year={YEAR}", f"tabel-corong-kursus-{YEAR}", FUNNEL),
    "funnel_opd": (f"/admin/laporan/kursus/spbe-101?year={YEAR}",
                   f"tabel-corong-spbe-101-{YEAR}", FUNNEL_OPD),
    "history": (f"/admin/laporan/riwayat?nip={ANDI}&year={YEAR}",
                f"tabel-riwayat-{ANDI}-{YEAR}", tables.HISTORY_COLUMNS),
    "history_all_years": (f"/admin/laporan/riwayat?nip={CITRA}", f"tabel-riwayat-{CITRA}",
                          tables.HISTORY_COLUMNS),
}


def download(client, url, fmt):
    response = client.get(f"{url}&format={fmt}")
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_page_csv_and_xlsx_hold_the_same_numbers(report, admin):
    url, element_id, columns = REPORTS[report]
    shown = html_table(page_text(admin.get(url)), element_id)
    in_csv = csv_table(download(admin, url, "csv").data)
    in_xlsx = xlsx_table(download(admin, url, "xlsx").data)
    assert len(shown) > 2, "the comparison needs rows"
    assert_same_table(shown, in_csv, in_xlsx, columns)


def test_the_learners_own_history_downloads_the_same_rows(app, world):
    from tests.reports.conftest import logged_in

    client = logged_in(app, ANDI)
    url = f"/jp-saya?year={YEAR}"
    shown = html_table(page_text(client.get(url)), f"tabel-riwayat-{ANDI}-{YEAR}")
    in_csv = csv_table(download(client, url, "csv").data)
    in_xlsx = xlsx_table(download(client, url, "xlsx").data)
    assert_same_table(shown, in_csv, in_xlsx, tables.HISTORY_COLUMNS)
    assert {row[0].replace(" ", "") for row in in_csv[1:]} == {ANDI}, "only the learner's own"


def test_downloads_are_named_attachments_excel_can_open(admin):
    csv_response = admin.get(f"/admin/laporan/opd?year={YEAR}&format=csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (csv_response.headers["Content-Disposition"]
            == f'attachment; filename="ringkasan-opd-{YEAR}.csv"')
    first_line = csv_response.data.decode("utf-8-sig").splitlines()[0]
    assert first_line.split(";")[0] == "OPD", "semicolon-separated"
    xlsx_response = admin.get(f"/admin/laporan/opd?year={YEAR}&format=xlsx")
    assert xlsx_response.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx_response.data[:2] == b"PK"  # a zip, as every XLSX is
    assert "ringkasan-opd-2026.xlsx" in xlsx_response.headers["Content-Disposition"]


def test_ledger_download_holds_every_page(admin, monkeypatch):
    """The page shows a slice; the download holds the whole filtered table, in page order."""
    from app.reports import queries

    monkeypatch.setattr(queries, "PER_PAGE", 3)
    url = f"/admin/laporan/jp?year={YEAR}"
    rows = []
    for page in (1, 2, 3):
        shown = html_table(page_text(admin.get(f"{url}&page={page}")), f"tabel-jp-{YEAR}")
        rows.extend(shown[1:-1])  # without header and totals
    in_csv = csv_table(download(admin, url, "csv").data)
    assert [r[0] for r in rows] == [r[0] for r in in_csv[1:-1]]
    assert len(rows) == 7


def test_caption_names_the_table(admin):
    page = page_text(admin.get(f"/admin/laporan/opd?year={YEAR}"))
    assert html_caption(page, f"tabel-ringkasan-opd-{YEAR}") == "Ringkasan per OPD tahun 2026"
    assert '<th scope="col">Jumlah ASN</th>' in page
    assert '<th scope="row">' in page


def test_text_that_looks_like_a_formula_stays_text(app):
    """CSV injection: a title starting with '=' is never run by a spreadsheet."""
    row = {"title": "=HYPERLINK(\"http://contoh.invalid\")", "jp": 3}
    table = Table("uji", "Uji", (Column("title", "Judul"), Column("jp", "JP", tables.NUMBER)),
                  [row])
    from app.reports.exports import csv_lines

    with app.test_request_context():
        lines = list(csv_lines(table))
        data = xlsx_bytes(table)
    assert lines[1].startswith("\"'=HYPERLINK(")
    workbook = load_workbook(io.BytesIO(data))
    cell = workbook.active["A2"]
    assert (cell.value, cell.data_type) == (row["title"], "s")  # text, not a formula
    workbook.close()


def test_the_default_csv_opens_in_indonesian_excel_and_the_plain_one_suits_scripts(admin):
    """Excel with Indonesian settings: BOM, ';', NIP as spaced text (never 1,98609E+17),
    decimal comma. Scripts: no BOM, ',', bare NIP digits, decimal point, ISO dates."""
    from tests.reports.parsing import plain_csv_table

    url = f"/admin/laporan/jp?year={YEAR}"
    excel = download(admin, url, "csv").data
    assert excel.startswith("\ufeff".encode())
    excel_rows = csv_table(excel)
    nips = [row[0] for row in excel_rows[1:-1]]
    assert nips and all(re.fullmatch(r"\d{8} \d{6} \d \d{3}", nip) for nip in nips), nips
    plain_rows = plain_csv_table(download(admin, url, "csv-plain").data)
    assert [row[0] for row in plain_rows[1:-1]] == [nip.replace(" ", "") for nip in nips]
    assert plain_rows[0] == excel_rows[0]  # the same columns, the same order
    summary = f"/admin/laporan/opd?year={YEAR}"
    decimals = [row for row in plain_csv_table(download(admin, summary, "csv-plain").data)[1:]]
    assert any("." in cell for row in decimals for cell in row[1:]), decimals
    assert not any("," in cell for row in decimals for cell in row[1:] if cell[:1].isdigit())
