"""The per-OPD summary and the course funnels: numbers from conftest.py, charts, labels."""

import re

from app.auth.models import Agency
from app.extensions import db
from tests.reports.conftest import YEAR, page_text
from tests.reports.parsing import html_table

DASH = "\u2013"


def opd_page(admin, year=YEAR):
    page = page_text(admin.get(f"/admin/laporan/opd?year={year}"))
    return page, html_table(page, f"tabel-ringkasan-opd-{year}")


def test_opd_summary_numbers(admin):
    _page, rows = opd_page(admin)
    assert rows[1:] == [
        # OPD, ASN, at/above target, below, share %, average JP
        ["Dinas Kependudukan dan Pencatatan Sipil", "3", "2", "1", "66,7", "18,7"],
        ["Dinas Komunikasi dan Informatika", "2", "1", "1", "50,0", "11,5"],
        ["Tanpa OPD", "2", "0", "2", "0,0", "0,0"],
        ["Semua OPD", "7", "3", "4", "42,9", "11,3"],
    ]


def test_opd_without_asn_still_has_a_row(admin, world):
    db.session.add(Agency(code="BPBD", name="Badan Penanggulangan Bencana Daerah"))
    db.session.commit()
    _page, rows = opd_page(admin)
    assert ["Badan Penanggulangan Bencana Daerah", "0", "0", "0", DASH, DASH] in rows


def test_opd_rows_link_to_the_filtered_ledger(admin, world):
    page, _rows = opd_page(admin)
    opd_id = world.agencies["diskominfo"].id
    assert f'href="/admin/laporan/jp?year={YEAR}&amp;opd={opd_id}"' in page
    assert f'href="/admin/laporan/jp?year={YEAR}&amp;opd=tanpa"' in page


def svg_of(page, chart_id):
    match = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>',
                      page, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def test_opd_chart_is_inline_svg_with_title_description_and_bars(admin):
    page, _rows = opd_page(admin)
    svg = svg_of(page, "grafik-opd")
    assert 'role="img"' in svg
    assert '<title id="grafik-opd-title">Persentase ASN yang mencapai target JP per OPD' in svg
    assert '<desc id="grafik-opd-desc">' in svg
    assert svg.count("<rect") == 3  # one bar per OPD with ASN
    assert ">66,7%</text>" in svg
    assert "style=" not in svg  # the CSP blocks inline styles; colours are attributes
    assert "<script" not in page.lower()


def test_data_in_chart_labels_is_escaped(admin, world):
    world.agencies["disdukcapil"].name = 'Dinas <script>alert("x")</script> & Co'
    db.session.commit()
    page, rows = opd_page(admin)
    svg = svg_of(page, "grafik-opd")
    assert "<script>" not in page
    assert "Dinas &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in svg
    # The table says it as text (where it sorts depends on the database's collation).
    assert 'Dinas <script>alert("x")</script> & Co' in [row[0] for row in rows]


def funnel_rows(admin, url, element_id):
    page = page_text(admin.get(url))
    return page, html_table(page, element_id)[1:]


def test_course_funnel_numbers(admin):
    """Enrolments made in 2026 by ASN: Fajar (inactive), Gita (admin) and Citra's TTE
    (enrolled in 2025) are out; Dewi's revoked certificate is not counted."""
    _page, rows = funnel_rows(admin, f"/admin/laporan/kursus?year={YEAR}",
                              f"tabel-corong-kursus-{YEAR}")
    assert rows == [
        # course, enrolled, started, completed, certified, completion %
        ["KAM-201 · Kursus KAM-201", "0", "0", "0", "0", DASH],
        ["SPBE-101 · Kursus SPBE-101", "4", "4", "3", "2", "75,0"],
        ["TTE-101 · Kursus TTE-101", "2", "1", "1", "1", "50,0"],
        ["Semua kursus", "6", "5", "4", "3", "66,7"],
    ]


def test_course_funnel_of_the_year_before(admin):
    _page, rows = funnel_rows(admin, "/admin/laporan/kursus?year=2025",
                              "tabel-corong-kursus-2025")
    assert rows == [
        ["KAM-201 · Kursus KAM-201", "1", "1", "1", "0", "100,0"],
        ["SPBE-101 · Kursus SPBE-101", "0", "0", "0", "0", DASH],
        ["TTE-101 · Kursus TTE-101", "1", "1", "1", "0", "100,0"],
        ["Semua kursus", "2", "2", "2", "0", "100,0"],
    ]


def test_draft_courses_without_enrolments_are_left_out(admin):
    page, _rows = funnel_rows(admin, f"/admin/laporan/kursus?year={YEAR}",
                              f"tabel-corong-kursus-{YEAR}")
    assert "DRAFT-001" not in page


def test_course_funnel_chart(admin):
    page, _rows = funnel_rows(admin, f"/admin/laporan/kursus?year={YEAR}",
                              f"tabel-corong-kursus-{YEAR}")
    svg = svg_of(page, "grafik-kursus")
    assert svg.count("<rect") == 4 + 3 * 4  # legend + four bars per course
    assert "<title" in svg and "<desc" in svg
    assert f'href="/admin/laporan/kursus/spbe-101?year={YEAR}"' in page


def test_funnel_of_one_course_per_opd(admin):
    page, rows = funnel_rows(admin, f"/admin/laporan/kursus/spbe-101?year={YEAR}",
                             f"tabel-corong-spbe-101-{YEAR}")
    assert rows == [
        ["Dinas Kependudukan dan Pencatatan Sipil", "2", "2", "2", "1", "100,0"],
        ["Dinas Komunikasi dan Informatika", "2", "2", "1", "1", "50,0"],
        ["Semua OPD", "4", "4", "3", "2", "75,0"],
    ]
    svg = svg_of(page, "grafik-corong")
    assert svg.count("<rect") == 4


def test_funnel_of_an_unknown_course_is_404(admin):
    assert admin.get("/admin/laporan/kursus/tidak-ada").status_code == 404
