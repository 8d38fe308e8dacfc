"""The JP ledger: the numbers worked out by hand in conftest.py, its filters and its pages."""

import pytest

from app.courses.services import jp_earned
from app.reports import queries
from tests.reports.conftest import (
    ANDI,
    BUDI,
    CITRA,
    DEWI,
    EKO,
    HADI,
    OTHER_LEARNER,
    YEAR,
    page_text,
)
from tests.reports.parsing import html_table

LEDGER_2026 = [
    # NIP, name, OPD, type, JP courses, JP credited, JP sessions, total, target, status
    [CITRA, "Citra Lestari", "Dinas Kependudukan dan Pencatatan Sipil", "PPPK", "20", "4", "0",
     "24", "24", "Mencapai target"],
    [DEWI, "Dewi Anggraini", "Dinas Kependudukan dan Pencatatan Sipil", "PPPK", "12", "0", "0",
     "12", "24", "Di bawah target"],
    [HADI, "Hadi Wijaya", "Dinas Kependudukan dan Pencatatan Sipil", "PNS", "0", "20", "0", "20",
     "20", "Mencapai target"],
    [ANDI, "Andi Pratama", "Dinas Komunikasi dan Informatika", "PNS", "20", "3", "0", "23",
     "20", "Mencapai target"],
    [BUDI, "Budi Santoso", "Dinas Komunikasi dan Informatika", "PNS", "0", "0", "0", "0",
     "20", "Di bawah target"],
    [EKO, "Eko Saputra", "\u2013", "PNS", "0", "0", "0", "0", "20", "Di bawah target"],
    [OTHER_LEARNER, "Lina Marlina", "\u2013", "PNS", "0", "0", "0", "0", "20",
     "Di bawah target"],
]


def ledger(admin, query="", year=YEAR):
    page = page_text(admin.get(f"/admin/laporan/jp?year={year}&{query}"))
    rows = html_table(page, f"tabel-jp-{year}")
    body = [[row[0].replace(" ", "")] + row[1:] for row in rows[1:-1]]
    return page, body, rows[-1]


def test_ledger_numbers_for_the_year(admin):
    page, body, totals = ledger(admin)
    assert body == LEDGER_2026
    assert totals == ["\u2013", "Jumlah: 7 ASN", "\u2013", "\u2013", "52", "27", "0", "79",
                      "\u2013", "3 mencapai target"]
    assert "<dt>Di bawah target</dt><dd>4</dd>" in page


def test_inactive_learners_and_admins_are_not_asn(admin):
    _page, body, _totals = ledger(admin)
    names = {row[1] for row in body}
    assert "Fajar Nugroho" not in names  # inactive
    assert "Gita Admin" not in names  # admin without the learner role


def test_completions_and_credits_count_in_their_wita_year(admin):
    """Budi's KAM (23:59 WITA on 31 Dec) and credit (31 Dec) count in 2025; Citra's TTE
    (00:00 WITA on 1 Jan) counts in 2026."""
    _page, body, totals = ledger(admin, year=2025)
    by_name = {row[1]: row for row in body}
    assert by_name["Budi Santoso"][4:9] == ["12", "4", "0", "16", "20"]
    assert by_name["Citra Lestari"][4:8] == ["0", "0", "0", "0"]
    assert totals[4:8] == ["12", "4", "0", "16"]


@pytest.mark.parametrize(("query", "names"), [
    ("opd={diskominfo}", ["Andi Pratama", "Budi Santoso"]),  # Budi is in a unit of a unit
    ("opd=tanpa", ["Eko Saputra", "Lina Marlina"]),
    ("type=pppk", ["Citra Lestari", "Dewi Anggraini"]),
    ("below=y", ["Dewi Anggraini", "Budi Santoso", "Eko Saputra", "Lina Marlina"]),
    ("opd={disdukcapil}&type=pppk&below=y", ["Dewi Anggraini"]),
    ("opd={disdukcapil}&type=pns", ["Hadi Wijaya"]),
])
def test_filters(admin, world, query, names):
    query = query.format(diskominfo=world.agencies["diskominfo"].id,
                         disdukcapil=world.agencies["disdukcapil"].id)
    _page, body, totals = ledger(admin, query)
    assert [row[1] for row in body] == names
    assert totals[1] == f"Jumlah: {len(names)} ASN"


def test_filter_choices_are_top_level_opds(admin, world):
    page = page_text(admin.get("/admin/laporan/jp"))
    assert f'<option value="{world.agencies["diskominfo"].id}">' in page
    assert "Seksi Persandian" not in page  # units are counted under their OPD
    assert '<option value="tanpa">Tanpa OPD</option>' in page


def test_pages_split_the_rows_and_keep_the_totals(admin, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 3)
    _page, first, totals = ledger(admin, "page=1")
    page, second, totals_2 = ledger(admin, "page=2")
    _page, third, _totals = ledger(admin, "page=3")
    assert first + second + third == LEDGER_2026
    assert [len(first), len(second), len(third)] == [3, 3, 1]
    assert totals == totals_2
    assert "Halaman 2 dari 3" in page
    assert 'rel="prev"' in page and 'rel="next"' in page


def test_a_page_past_the_end_shows_the_last_page(admin, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 3)
    page, rows, _totals = ledger(admin, "page=99")
    assert [row[1] for row in rows] == ["Lina Marlina"]
    assert "Halaman 3 dari 3" in page


def test_ledger_totals_agree_with_the_dashboard_number(app, world):
    """The learner dashboard's JP (courses.services.jp_earned) is the ledger's total."""
    rows = {row.nip: row for row in queries.ledger_rows(queries.LedgerFilters(YEAR))}
    for user in world.users.values():
        if user.nip in rows:
            assert jp_earned(user, YEAR) == rows[user.nip].total, user.name


def test_names_link_to_the_training_history(admin):
    page, _body, _totals = ledger(admin)
    assert f'href="/admin/laporan/riwayat?nip={ANDI}&amp;year={YEAR}">Andi Pratama</a>' in page
