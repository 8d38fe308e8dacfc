"""Manual JP credits: the admin form, its refusals, deletion, and who may see the evidence."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.courses.models import JpCredit
from app.extensions import db
from app.reports.credit_services import evidence_folder
from app.timeutil import now_in_palu
from tests.conftest import csrf_token
from tests.content.test_media import tiny_png
from tests.reports.conftest import ANDI, BUDI, EKO, OTHER_LEARNER, logged_in, page_text

FORM = "/admin/laporan/jp/kredit"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def valid_fields(**changes):
    fields = {"nip": EKO, "earned_on": "2026-03-12", "jp": "6",
              "title": "Webinar Tata Kelola Data", "provider": "Kemenkominfo",
              "note": "Sertifikat peserta no. 123"}
    fields.update(changes)
    return fields


def post_credit(client, fields, evidence=None):
    token = csrf_token(page_text(client.get(FORM)))
    data = dict(fields, csrf_token=token)
    if evidence is not None:
        name, content = evidence
        data["evidence"] = (io.BytesIO(content), name)
    return client.post(FORM, data=data, content_type="multipart/form-data")


def credit_count():
    return db.session.scalar(select(func.count(JpCredit.id)))


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def uploads_of(app):
    root = evidence_folder(0).parent
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_admin_credits_jp_with_evidence(app, admin, world):
    before = credit_count()
    response = post_credit(admin, valid_fields(), evidence=("Sertifikat Webinar.PDF", PDF))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/laporan/riwayat?nip={EKO}&year=2026"
    credit = db.session.scalar(select(JpCredit).order_by(JpCredit.id.desc()))
    assert credit_count() == before + 1
    assert (credit.jp, credit.earned_on, credit.title, credit.provider, credit.note) == (
        6, date(2026, 3, 12), "Webinar Tata Kelola Data", "Kemenkominfo",
        "Sertifikat peserta no. 123")
    assert (credit.evidence_name, credit.evidence_mime) == ("sertifikat-webinar.pdf",
                                                            "application/pdf")
    assert (evidence_folder(credit.id) / "sertifikat-webinar.pdf").read_bytes() == PDF
    assert credit.created_by_id == world.users["gita"].id
    assert audit_actions()[-1] == "jp_credit.add"
    page = page_text(admin.get(response.headers["Location"]))
    assert "6 JP untuk Eko Saputra tersimpan." in page
    assert "Webinar Tata Kelola Data" in page


def test_credit_counts_in_the_ledger_and_on_the_dashboard(app, admin, world):
    today = now_in_palu().date()
    post_credit(admin, valid_fields(jp="20", earned_on=today.isoformat()))
    ledger = page_text(admin.get(f"/admin/laporan/jp?year={today.year}&opd=tanpa"))
    assert ('<td class="num">20</td>  <td class="num">0</td>  <td class="num">20</td>  '
            '<td class="num">20</td>  <td>Mencapai target</td>'
            in ledger)
    dashboard = page_text(logged_in(app, EKO).get("/beranda"))
    assert "<strong>20</strong> / 20 JP" in dashboard
    assert 'href="/jp-saya"' in dashboard


def test_an_image_is_stored_with_the_extension_its_content_calls_for(app, admin, world):
    post_credit(admin, valid_fields(), evidence=("foto bukti.jpg", tiny_png()))
    credit = db.session.scalar(select(JpCredit).order_by(JpCredit.id.desc()))
    assert (credit.evidence_name, credit.evidence_mime) == ("foto-bukti.png", "image/png")


TOMORROW = (now_in_palu().date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(("changes", "evidence", "message"), [
    ({"nip": "12345"}, None, "NIP tidak valid: NIP harus 18 digit, yang dimasukkan 5 digit"),
    ({"nip": "198613322015051001"}, None, "NIP tidak valid: tanggal lahir 19861332 tidak valid"),
    ({"nip": "199912312020121999"}, None, "Tidak ada akun dengan NIP 199912312020121999."),
    ({"nip": ""}, None, "NIP wajib diisi."),
    ({"earned_on": TOMORROW}, None, "Tanggal tidak boleh di masa depan"),
    ({"earned_on": "12/03/2026"}, None, "Bukan tanggal yang valid."),
    ({"earned_on": ""}, None, "Tanggal wajib diisi."),
    ({"jp": "0"}, None, "JP harus antara 1 dan 200."),
    ({"jp": "201"}, None, "JP harus antara 1 dan 200."),
    ({"jp": "dua"}, None, "Bukan bilangan bulat yang valid."),
    ({"title": "   "}, None, "Nama pembelajaran wajib diisi."),
    ({}, ("bukti.pdf", b"MZ\x90\x00 not a pdf at all"), "Bukti ditolak: isi berkas bukan gambar"),
    ({}, ("bukti.html", b"<html><script>alert(1)</script></html>"), "Bukti ditolak"),
    ({}, ("kosong.pdf", b""), "Bukti ditolak: berkas kosong"),
])
def test_bad_input_is_named_and_nothing_is_saved(app, admin, world, changes, evidence,
                                                 message):
    before, actions, files = credit_count(), audit_actions(), uploads_of(app)
    page = page_text(post_credit(admin, valid_fields(**changes), evidence=evidence))
    assert message in page
    assert "Periksa kembali isian yang ditandai" in page
    assert 'aria-invalid="true"' in page
    assert credit_count() == before
    assert audit_actions() == actions
    assert uploads_of(app) == files


def test_no_file_chosen_means_no_evidence(app, admin, world):
    """A browser sends an empty file part without a name when nothing was chosen."""
    response = post_credit(admin, valid_fields(), evidence=("", b""))
    assert response.status_code == 302
    credit = db.session.scalar(select(JpCredit).order_by(JpCredit.id.desc()))
    assert credit.evidence_name is None


def test_too_large_evidence_is_refused(app, admin, world):
    from app.settings import set_setting

    set_setting("upload.max_kb", 1)
    db.session.commit()
    page = page_text(post_credit(admin, valid_fields(), evidence=("besar.pdf", PDF * 40)))
    assert "Bukti ditolak: berkas terlalu besar" in page
    assert credit_count() == 4


def test_a_credit_form_prefills_the_nip_from_the_history_page(admin):
    page = page_text(admin.get(f"{FORM}?nip={ANDI}"))
    assert f'value="{ANDI}"' in page


def _credit_with_evidence(admin, nip=EKO):
    post_credit(admin, valid_fields(nip=nip), evidence=("bukti.pdf", PDF))
    return db.session.scalar(select(JpCredit).order_by(JpCredit.id.desc()))


def test_deleting_a_wrong_credit(app, admin, world):
    credit = _credit_with_evidence(admin)
    folder = evidence_folder(credit.id)
    assert folder.is_dir()
    history = f"/admin/laporan/riwayat?nip={EKO}&year=2026"
    token = csrf_token(page_text(admin.get(history)))
    response = admin.post(f"{FORM}/{credit.id}/hapus", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == history
    assert db.session.get(JpCredit, credit.id) is None
    assert not folder.exists()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "jp_credit.delete"
    assert event.details["title"] == "Webinar Tata Kelola Data"
    assert event.details["jp"] == 6
    assert "Kredit JP \u201cWebinar Tata Kelola Data\u201d dihapus." in page_text(
        admin.get(history))


def test_deleting_needs_the_form_token(admin, world):
    credit = _credit_with_evidence(admin)
    assert admin.post(f"{FORM}/{credit.id}/hapus").status_code == 400
    assert db.session.get(JpCredit, credit.id) is not None


def test_deleting_an_unknown_credit_is_404(admin):
    token = csrf_token(page_text(admin.get(FORM)))
    assert admin.post(f"{FORM}/9999/hapus", data={"csrf_token": token}).status_code == 404


def test_evidence_is_for_admins_and_its_owner_only(app, admin, world):
    credit = _credit_with_evidence(admin)
    url = f"/jp-saya/bukti/{credit.id}"
    with admin.get(url) as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
    with logged_in(app, EKO).get(url) as response:
        assert response.data == PDF
    assert logged_in(app, OTHER_LEARNER).get(url).status_code == 404
    assert logged_in(app, BUDI).get(url).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/masuk" in anonymous.headers["Location"]


def test_owner_finds_the_evidence_on_their_own_page(app, admin, world):
    credit = _credit_with_evidence(admin)
    page = page_text(logged_in(app, EKO).get("/jp-saya?year=2026"))
    assert f'href="/jp-saya/bukti/{credit.id}">Webinar Tata Kelola Data</a>' in page


def test_a_credit_without_evidence_has_no_download(app, admin, world):
    post_credit(admin, valid_fields())
    credit = db.session.scalar(select(JpCredit).order_by(JpCredit.id.desc()))
    assert admin.get(f"/jp-saya/bukti/{credit.id}").status_code == 404
