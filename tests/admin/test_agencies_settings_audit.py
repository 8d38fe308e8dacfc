"""OPD and their units, the general settings page, and the audit log's filters."""

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent, record_event
from app.auth.models import Agency
from app.extensions import db
from app.settings import get_setting
from tests.conftest import csrf_token, submit

ADMIN_NIP = "197503121998032004"
SETTINGS_FORM = {"jp_target_pns": "24", "jp_target_pppk": "20", "jp_minutes": "45",
                 "registration": "open-with-verification", "upload_max_kb": "4096",
                 "quiz_grace_seconds": "60",
                 "workshop_checkin_before": "15", "workshop_checkin_after": "30",
                 "workshop_link_before": "30", "item_analysis_min_attempts": "5",
                 "discussion_edit_minutes": "30"}


@pytest.fixture
def admin(create_user, login, agencies):
    user = create_user(nip=ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")
    login(ADMIN_NIP)
    return user


def text(response):
    return response.get_data(as_text=True)


def agency(code):
    return db.session.scalar(select(Agency).where(Agency.code == code))


# --- agencies ------------------------------------------------------------------------------------

def test_the_palu_list_is_there_and_units_sit_under_their_opd(client, admin):
    page = text(client.get("/admin/opd"))
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 33
    dinkes = agency("DINKES")
    saved = text(submit(client, "/admin/opd/baru", {"code": "pkm-talise", "name":
                                                   "Puskesmas Talise",
                                                   "parent_id": str(dinkes.id)}))
    assert "OPD Puskesmas Talise disimpan." in saved
    unit = agency("PKM-TALISE")
    assert unit.parent_id == dinkes.id
    listing = text(client.get("/admin/opd"))
    assert listing.index("Dinas Kesehatan") < listing.index("Puskesmas Talise")


def test_agency_codes_are_unique_and_units_are_one_level(client, admin):
    page = text(submit(client, "/admin/opd/baru", {"code": "dinkes", "name": "Lain",
                                                  "parent_id": "0"}))
    assert "Kode DINKES sudah dipakai OPD lain." in page
    dinkes = agency("DINKES")
    submit(client, "/admin/opd/baru", {"code": "PKM-1", "name": "Puskesmas 1",
                                      "parent_id": str(dinkes.id)})
    disdukcapil = agency("DISDUKCAPIL")
    page = text(submit(client, f"/admin/opd/{dinkes.id}",
                       {"code": "DINKES", "name": "Dinas Kesehatan",
                        "parent_id": str(disdukcapil.id)}))
    assert "OPD yang punya unit tidak dapat menjadi unit OPD lain." in page


def test_an_agency_with_people_cannot_be_deleted(client, admin, create_user):
    dinkes = agency("DINKES")
    create_user(agency=dinkes)
    token = csrf_token(text(client.get("/admin/opd")))
    page = text(client.post(f"/admin/opd/{dinkes.id}/hapus", data={"csrf_token": token},
                            follow_redirects=True))
    assert "masih punya pegawai" in page
    empty = agency("BPBD")
    page = text(client.post(f"/admin/opd/{empty.id}/hapus", data={"csrf_token": token},
                            follow_redirects=True))
    assert f"OPD {empty.name} dihapus." in page
    assert client.get("/admin/opd/999999").status_code == 404


# --- settings ------------------------------------------------------------------------------------

def test_settings_are_saved_used_and_audited(client, admin):
    page = text(submit(client, "/admin/pengaturan", dict(SETTINGS_FORM,
                                                         registration="closed")))
    assert "Pengaturan disimpan." in page
    assert get_setting("jp_target.pns") == 24
    assert get_setting("registration") == "closed"
    change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.change"))
    assert change.details["changes"]["jp_target.pns"] == {"before": 20, "after": 24}
    assert change.details["changes"]["registration"] == {"before": "open-with-verification",
                                                         "after": "closed"}
    # Self-registration off: the page is gone and the menu no longer offers it.
    client.post("/keluar", data={"csrf_token": csrf_token(text(client.get("/")))})
    assert client.get("/daftar").status_code == 404
    assert 'href="/daftar"' not in text(client.get("/"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("jp_target_pns", "-1", "Antara 0 dan 500."),
    ("jp_minutes", "lima", "Bukan bilangan bulat yang valid."),
    ("upload_max_kb", "5", "Antara 100 dan 30000 KB."),
])
def test_bad_settings_are_named_and_nothing_changes(client, admin, field, value, message):
    page = text(submit(client, "/admin/pengaturan", dict(SETTINGS_FORM, **{field: value})))
    assert message in page
    assert get_setting("jp_target.pns") == 20


def test_the_audit_log_shows_changes_as_before_and_after_never_python_reprs(client, admin):
    submit(client, "/admin/pengaturan", dict(SETTINGS_FORM, registration="closed"))
    record_event(admin, "user.roles", "user", 9, before=["learner"], after=["learner", "admin"],
                 verified=True, note=None)
    db.session.commit()
    page = text(client.get("/admin/audit"))
    assert "<td>Mengubah pengaturan</td>" in page
    assert "jp_target.pns: 20 → 24" in page
    assert "registration: open-with-verification → closed" in page
    assert "before: learner" in page and "after: learner, admin" in page
    assert "verified: Ya" in page and "note: —" in page
    details = page.split('class="details"')[1:]
    assert not any(mark in cell for cell in details for mark in ("{'", "['", "None", "True"))


def test_certificate_settings_changes_are_audited_too(client, admin):
    page = text(client.get("/admin/pengaturan/sertifikat"))
    token = csrf_token(page)
    fields = {"institution_name": "Pemerintah Kota Palu", "issuer_unit": "BKPSDM",
              "number_template": "800/{seq:04d}/BKPSDM/{year}",
              "signer_name": "Dr. Nurhayati", "signer_title": "Kepala BKPSDM Kota Palu",
              "signer_nip": "", "place": "Palu", "base_url": "https://kompeten.palukota.go.id"}
    client.post("/admin/pengaturan/sertifikat", data=dict(fields, csrf_token=token))
    change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.change"))
    assert change.details["changes"]["certificate.signer_name"]["after"] == "Dr. Nurhayati"


# --- audit log -----------------------------------------------------------------------------------

def test_audit_log_filters_by_action_actor_and_date(client, admin, create_user):
    other = create_user(roles=("admin",))
    record_event(admin, "user.password_reset", "user", 7, nip="x")
    record_event(other, "certificate.revoke", "certificate", 3, reason="salah nama")
    db.session.commit()
    everything = text(client.get("/admin/audit"))
    assert "<td>Mencabut sertifikat</td>" in everything and "reason: salah nama" in everything
    # The filter offers labels; its values stay the codes.
    assert '<option value="certificate.revoke">Mencabut sertifikat</option>' in everything
    only_resets = text(client.get("/admin/audit?aksi=user.password_reset"))
    assert "1 catatan." in only_resets
    by_actor = text(client.get(f"/admin/audit?nip={other.nip}"))
    assert "<td>Mencabut sertifikat</td>" in by_actor
    assert "<td>Membuat kata sandi sementara</td>" not in by_actor
    future = text(client.get("/admin/audit?dari=2099-01-01"))
    assert "0 catatan." in future
    bad = client.get("/admin/audit?nip=123&dari=kemarin&aksi=apa&halaman=x")
    assert bad.status_code == 200
    assert "NIP harus 18 digit" in text(bad)


def test_audit_page_query_count_does_not_grow(client, admin, create_user, queries):
    def count():
        with queries() as n:
            client.get("/admin/audit")
        return n()
    for _ in range(3):
        record_event(create_user(), "user.update", "user", 1)
    db.session.commit()
    few = count()
    for _ in range(12):
        record_event(create_user(), "user.update", "user", 1)
    db.session.commit()
    assert count() == few


def test_every_action_the_code_records_has_an_indonesian_label(app):
    """Found in the source: each record_event(actor, "<action>", ...) constant (the f-string
    ones, module.* and quiz.*, have their outcomes labelled by hand in app/audit.py)."""
    import ast
    from pathlib import Path

    from app.audit import action_label

    actions = set()
    for path in (Path(__file__).resolve().parents[2] / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "id", getattr(name, "attr", None))
            if isinstance(node, ast.Call) and name == "record_event" and len(node.args) > 1:
                actions |= {c.value for c in ast.walk(node.args[1])
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)
                            and not c.value.endswith(".")}
    assert len(actions) > 30
    assert [action for action in sorted(actions) if action_label(action) == action] == []
