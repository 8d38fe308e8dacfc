"""A report's query count must not grow with the data: measure, add people, OPD, enrolments,
credits and certificates, measure again (like tests/courses/test_query_counts.py)."""

from datetime import date

import pytest

from app.auth.models import Agency
from app.extensions import db
from tests.reports.conftest import ANDI, YEAR, certify, credit, enrol, logged_in, utc

PAGES = {
    "index": "/admin/laporan",
    "ledger": f"/admin/laporan/jp?year={YEAR}",
    "ledger_filtered": f"/admin/laporan/jp?year={YEAR}&type=pns&below=y&page=2",
    "ledger_csv": f"/admin/laporan/jp?year={YEAR}&format=csv",
    "ledger_xlsx": f"/admin/laporan/jp?year={YEAR}&format=xlsx",
    "opd": f"/admin/laporan/opd?year={YEAR}",
    "opd_xlsx": f"/admin/laporan/opd?year={YEAR}&format=xlsx",
    "funnel": f"/admin/laporan/kursus?year={YEAR}",
    "funnel_opd": f"/admin/laporan/kursus/spbe-101?year={YEAR}",
    "history": f"/admin/laporan/riwayat?nip={ANDI}&year={YEAR}",
    "history_all_years": f"/admin/laporan/riwayat?nip={ANDI}",
    "history_all_csv": f"/admin/laporan/riwayat.csv?year={YEAR}",
    "my_ledger": f"/jp-saya?year={YEAR}",
    "dashboard": "/beranda",
}


def grow(world, create_user, start, count=8):
    """Another OPD with a unit, `count` more ASN in it with completions, certificates and
    credits, and more for the learner whose own pages are measured."""
    opd = Agency(code=f"OPD-{start}", name=f"Badan Uji {start}")
    db.session.add(opd)
    db.session.flush()
    unit = Agency(code=f"UNIT-{start}", name=f"Bidang Uji {start}", parent_id=opd.id)
    db.session.add(unit)
    db.session.commit()
    courses = world.courses
    for serial in range(start, start + count):
        user = create_user(nip=f"199001012015011{serial:03d}", name=f"Pegawai Uji {serial}",
                           agency=unit if serial % 2 else opd)
        done = enrol(user, courses["spbe"], utc(2026, 2, 1), utc(2026, 2, 2), utc(2026, 3, 1))
        enrol(user, courses["tte"], utc(2026, 4, 1), utc(2026, 4, 2))
        certify(done, f"800/{serial:04d}/BKPSDM/III/2026")
        credit(user, date(2026, 5, serial % 28 + 1), 2, f"Webinar {serial}")
    andi = world.users["andi"]
    credit(andi, date(2026, 6, start % 28 + 1), 1, f"Seminar {start}")
    credit(andi, date(2025, 6, start % 28 + 1), 1, f"Seminar lama {start}")
    db.session.commit()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_report_query_count_does_not_grow_with_data(app, world, create_user, queries, page):
    client = logged_in(app, ANDI) if page in ("my_ledger", "dashboard") else logged_in(
        app, world.users["gita"].nip)
    url = PAGES[page]

    def measure():
        if page == "dashboard":
            client.get(url)  # its lists kept per content version: measure the steady cost
        db.session.expire_all()
        with queries() as count, client.get(url) as response:
            # The everyone's-history export answers with its job's page (302); the job runs
            # at once in the tests, and its queries are counted too.
            assert response.status_code in (200, 302), response.status_code
            response.get_data()  # streamed downloads run their queries while sent
        return count()

    grow(world, create_user, start=200)
    before = measure()
    grow(world, create_user, start=300, count=16)
    after = measure()
    assert after == before, f"{page}: {before} queries, then {after} with more data"
    assert before <= 12, f"{page} takes {before} queries"
