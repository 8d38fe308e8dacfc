"""Self-registered accounts an admin has not verified count in no compliance report; once
verified they count like everyone else. Numbers from conftest.py plus one newcomer."""

from datetime import date

from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from tests.conftest import csrf_token
from tests.reports.conftest import DISKOMINFO, YEAR, credit, enrol, page_text, utc
from tests.reports.parsing import export_via_job, html_table

SQUATTER = "199304042019031011"
SHOWN = "19930404 201903 1 011"


def opd_rows(admin):
    page = page_text(admin.get(f"/admin/laporan/opd?year={YEAR}"))
    return page, {row[0]: row[1:] for row in html_table(page, f"tabel-ringkasan-opd-{YEAR}")}


def ledger_nips(admin):
    page = page_text(admin.get(f"/admin/laporan/jp?year={YEAR}"))
    return page, [row[0] for row in html_table(page, f"tabel-jp-{YEAR}")[1:]]


def newcomer(world, create_user):
    """Someone registered in Diskominfo through /daftar (unverified), with 20 JP this year."""
    user = create_user(nip=SQUATTER, name="Rahmat Pendatang",
                       agency=world.agencies["diskominfo"])
    user.verified_at = None  # what /daftar stores
    enrol(user, world.courses["spbe"], utc(2026, 2, 1), utc(2026, 2, 1), utc(2026, 3, 1))
    enrol(user, world.courses["tte"], utc(2026, 3, 2), utc(2026, 3, 2), utc(2026, 3, 20))
    credit(user, date(2026, 4, 1), 2, "Webinar")
    db.session.commit()
    return user


def test_unverified_account_is_left_out_of_opd_summary_and_ledger(admin, world, create_user):
    _before_page, before = opd_rows(admin)
    newcomer(world, create_user)
    page, after = opd_rows(admin)
    # Diskominfo still has its 2 ASN, 1 at target: the newcomer's 22 JP make nobody compliant.
    assert after == before
    assert after[DISKOMINFO] == ["2", "1", "1", "50,0", "11,5"]
    assert after["Semua OPD"][0] == "7"
    assert "1 akun yang mendaftar sendiri menunggu verifikasi dan belum dihitung" in page
    ledger_page, nips = ledger_nips(admin)
    assert SHOWN not in nips
    assert "1 akun yang mendaftar sendiri menunggu verifikasi" in ledger_page
    csv = page_text(admin.get(f"/admin/laporan/jp?year={YEAR}&format=csv"))
    assert SQUATTER not in csv and "Rahmat Pendatang" not in csv
    history = page_text(export_via_job(admin, f"/admin/laporan/riwayat.csv?year={YEAR}"))
    assert SQUATTER not in history


def test_after_verification_the_account_counts(admin, world, create_user):
    user = newcomer(world, create_user)
    token = csrf_token(page_text(admin.get("/admin/")))
    response = admin.post("/admin/verifikasi", data={"akun": str(user.id), "aksi": "verifikasi",
                                                     "csrf_token": token})
    assert response.status_code == 302
    page, rows = opd_rows(admin)
    # 3 ASN now, 2 at target; 12 + 11 + 22 = 45 JP over 3 ASN = 15,0 on average.
    assert rows[DISKOMINFO] == ["3", "2", "1", "66,7", "15,0"]
    assert rows["Semua OPD"][0] == "8"
    assert "menunggu verifikasi dan belum dihitung" not in page
    assert SHOWN in ledger_nips(admin)[1]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.verify"))
    assert event.object_id == str(user.id) and event.details == {"nip": SQUATTER}


def test_report_pages_do_not_grow_with_unverified_accounts(admin, world, create_user, queries):
    newcomer(world, create_user)
    with queries() as one:
        admin.get(f"/admin/laporan/opd?year={YEAR}")
    for serial in range(5):
        extra = create_user(nip=f"19940404201903102{serial}")
        extra.verified_at = None
    db.session.commit()
    with queries() as six:
        admin.get(f"/admin/laporan/opd?year={YEAR}")
    assert six() == one()
