"""Training history per NIP (page and files) and the yearly export of every ASN for HR."""

from app.auth.nip import format_nip
from tests.reports.conftest import ANDI, BUDI, CITRA, DEWI, FAJAR, GITA, HADI, YEAR, page_text
from tests.reports.parsing import csv_table, export_via_job, html_table

DASH = "\u2013"


def history(admin, nip, year=None):
    url = f"/admin/laporan/riwayat?nip={nip}" + (f"&year={year}" if year else "")
    page = page_text(admin.get(url))
    element_id = f"tabel-riwayat-{nip}" + (f"-{year}" if year else "")
    return page, html_table(page, element_id)[1:]


def test_history_of_one_nip_for_a_year(admin):
    page, rows = history(admin, ANDI, YEAR)
    assert rows == [
        ["Kursus Kompeten", "SPBE-101", "Kursus SPBE-101", "BKPSDM Kota Palu", "1 Februari 2026",
         "1 Februari 2026", "10 Maret 2026", "12", "800/0001/BKPSDM/III/2026", DASH],
        ["Kursus Kompeten", "TTE-101", "Kursus TTE-101", "BKPSDM Kota Palu", "1 April 2026",
         "2 April 2026", "20 April 2026", "8", "800/0002/BKPSDM/IV/2026", DASH],
        ["Pembelajaran lain (kredit JP)", DASH, "Webinar Keamanan Siber", "Penyelenggara luar",
         DASH, DASH, "5 Mei 2026", "3", DASH, "Sertifikat BSSN"],
    ]
    assert "<dt>Jumlah JP</dt><dd>23 / 20</dd>" in page


def test_a_revoked_certificate_number_is_not_shown(admin):
    _page, rows = history(admin, DEWI, YEAR)
    assert len(rows) == 1
    assert rows[0][8] == DASH
    assert "800/0004" not in _page


def test_history_of_all_years_uses_wita_dates(admin):
    """Citra's TTE was completed at 00:00 WITA on 1 Jan 2026 (16:00 UTC on 31 Dec)."""
    _page, rows = history(admin, CITRA)
    assert [(row[2], row[6]) for row in rows] == [
        ("Kursus TTE-101", "1 Januari 2026"),
        ("Kursus SPBE-101", "15 Februari 2026"),
        ("Pelatihan Klasikal Pelayanan Publik", "17 Agustus 2026"),
    ]
    _page, rows = history(admin, BUDI)
    assert [(row[2], row[6]) for row in rows] == [
        ("Kursus KAM-201", "31 Desember 2025"),  # 23:59 WITA; SPBE is not finished
        ("Bimtek Arsip Digital", "31 Desember 2025"),
    ]


def test_nip_may_be_typed_with_spaces(admin):
    page = page_text(admin.get("/admin/laporan/riwayat?nip=19860926+201505+1+001&year=2026"))
    assert "Andi Pratama" in page


def test_an_invalid_nip_is_named_not_an_error_page(admin):
    page = page_text(admin.get("/admin/laporan/riwayat?nip=12345"))
    assert "NIP harus 18 digit, yang dimasukkan 5 digit" in page


def test_an_unknown_nip_says_so(admin):
    page = page_text(admin.get("/admin/laporan/riwayat?nip=199912312020121999"))
    assert "Tidak ada akun dengan NIP 199912312020121999." in page


def test_an_inactive_account_still_has_its_history(admin):
    _page, rows = history(admin, FAJAR, YEAR)
    assert [row[1] for row in rows] == ["SPBE-101"]


def test_history_file_for_hr_carries_nip_and_name(admin):
    response = admin.get(f"/admin/laporan/riwayat?nip={ANDI}&year={YEAR}&format=csv")
    rows = csv_table(response.data)
    assert rows[0][:4] == ["NIP", "Nama", "OPD", "Jenis"]
    assert rows[1][:3] == [format_nip(ANDI), "Andi Pratama", "Dinas Komunikasi dan Informatika"]
    assert rows[1][7:13] == ["2026-02-01", "2026-02-01", "2026-03-10", "12",
                             "800/0001/BKPSDM/III/2026", ""]
    assert f'filename="riwayat-{ANDI}-{YEAR}.csv"' in response.headers["Content-Disposition"]


def test_everyone_history_for_a_year_is_streamed_by_nip(admin):
    response = export_via_job(admin, f"/admin/laporan/riwayat.csv?year={YEAR}")
    rows = csv_table(response.data)
    assert rows[0] == ["NIP", "Nama", "OPD", "Jenis", "Kode", "Judul", "Penyelenggara",
                       "Tanggal daftar", "Tanggal mulai", "Tanggal selesai", "JP",
                       "Nomor sertifikat", "Catatan"]
    nips = [row[0].replace(" ", "") for row in rows[1:]]  # spaced text for Excel
    assert nips == sorted(nips)
    assert set(nips) == {ANDI, CITRA, DEWI, HADI}  # Budi's rows are in 2025
    assert FAJAR not in nips and GITA not in nips  # not ASN
    assert sum(int(row[10]) for row in rows[1:]) == 79  # the ledger's total for the year
    assert f"filename=riwayat-pelatihan-{YEAR}.csv" in response.headers["Content-Disposition"]


def test_everyone_history_with_a_bad_year_falls_back_to_this_year(admin):
    from app.timeutil import current_year

    response = export_via_job(admin, "/admin/laporan/riwayat.csv?year=abc")
    expected = f"riwayat-pelatihan-{current_year()}.csv"
    assert expected in response.headers["Content-Disposition"]
