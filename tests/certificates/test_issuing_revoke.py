"""Revoking (a public reason from the list and an internal note, both required, recorded,
once) and re-issuing (a new certificate with a new
number) through the admin pages, CSRF on, with the audit trail each leaves."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from app.auth.models import User
from app.certificates import services
from app.database import utcnow
from app.extensions import db
from tests.certificates import issuing_helpers as h
from tests.conftest import csrf_token, seed_objects, seeds_first, submit


@pytest.fixture
def admin(create_user):
    return seed_objects("issuing_revoke.admin", lambda: create_user(
        nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM"))


@pytest.fixture
def admin_client(app, admin, request):
    seeds_first(request, "certificate")
    return h.login_as(app, h.ADMIN_NIP)


@pytest.fixture
def learner(courses, create_user):
    return seed_objects("issuing_revoke.learner", lambda: create_user(name="Andi Lamadjido"))


@pytest.fixture
def certificate(learner, admin):
    """Kept (tests/conftest.py seed_objects): its PDF is rendered once per worker."""
    return seed_objects("issuing_revoke.certificate", lambda: h.issue(
        h.enrol(learner, h.course("spbe-101")), admin))


def _revoke_url(certificate_id):
    return f"/admin/sertifikat/terbitan/{certificate_id}/cabut"


def _reissue_url(certificate_id):
    return f"/admin/sertifikat/terbitan/{certificate_id}/terbitkan-ulang"


PUBLIC_CHOICES = [("", "— pilih alasan —"), ("kesalahan_data", "Kesalahan data"),
                  ("diterbitkan_ganda", "Diterbitkan ganda"),
                  ("pelanggaran_ketentuan", "Pelanggaran ketentuan pelatihan"),
                  ("permintaan_pemegang", "Permintaan pemegang"), ("lainnya", "Lainnya")]


def test_revoke_form_offers_the_public_reasons_and_an_internal_note(admin_client, certificate):
    form = h.html(admin_client, _revoke_url(certificate.id))
    select = re.search(r'<select[^>]*name="public_reason"[^>]*>(.*?)</select>', form, re.S)
    assert select, "no select for the public reason"
    assert [(value, unescape(label)) for value, label in re.findall(
        r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1))] == PUBLIC_CHOICES
    assert "Alasan yang ditampilkan publik" in form
    assert "Catatan internal" in form and "Tidak pernah ditampilkan publik" in form


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_revoking_needs_a_reason(admin_client, certificate, reason):
    url = _revoke_url(certificate.id)
    form = h.html(admin_client, url)
    assert f"Cabut sertifikat {certificate.number}" in form
    assert "Andi Lamadjido · Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik" in form

    response = submit(admin_client, url, {"reason": reason, "public_reason": "kesalahan_data"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert h.field_errors(page, "reason") == ["Alasan pencabutan wajib diisi."]
    assert 'aria-invalid="true"' in page and "Periksa kembali isian" in page
    [stored] = h.all_certificates()
    assert stored.is_valid and stored.revoked_reason is None
    assert h.events("certificate.revoke") == []


@pytest.mark.parametrize("public_reason", ["", "alasan-karangan", "<b>x</b>"])
def test_revoking_needs_a_public_reason_from_the_list(admin_client, certificate, public_reason):
    url = _revoke_url(certificate.id)
    response = submit(admin_client, url, {"reason": "Catatan", "public_reason": public_reason})
    assert response.status_code == 200
    errors = h.field_errors(response.get_data(as_text=True), "public_reason")
    assert len(errors) == 1
    if public_reason == "":
        assert errors == ["Pilih alasan yang ditampilkan publik."]
    [stored] = h.all_certificates()
    assert stored.is_valid and stored.revoked_public_reason is None
    assert h.events("certificate.revoke") == []


def test_service_refuses_an_unknown_public_reason(admin, certificate):
    with pytest.raises(services.CertificateError) as refused:
        services.revoke_certificate(certificate, "Catatan", admin, public_reason="rahasia")
    assert refused.value.message == "Pilih alasan yang ditampilkan publik dari daftar."
    assert certificate.is_valid


def test_revoke_is_recorded_shown_and_refused_the_second_time(
        app, admin, admin_client, learner, certificate):
    url = _revoke_url(certificate.id)
    before = utcnow()
    response = submit(admin_client, url, {"reason": "  NIP pada sertifikat salah  ",
                                          "public_reason": "kesalahan_data"},
                      follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/sertifikat/spbe-101"
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    assert h.flashes(page) == [f"Sertifikat {certificate.number} dicabut."]
    assert "Terbitkan ulang" in page and "dicabut " in page
    # Revoked: the learner is waiting for a certificate again.
    assert h.ENROLLMENT_BOX.findall(page) == [str(certificate.enrollment_id)]

    [revoked] = h.all_certificates()
    assert revoked.number == certificate.number
    assert revoked.revoked_reason == "NIP pada sertifikat salah"
    assert revoked.revoked_public_reason == "kesalahan_data"
    assert revoked.revoked_by_id == admin.id
    assert before <= revoked.revoked_at <= utcnow()
    [event] = h.events("certificate.revoke")
    assert event.actor_id == admin.id and event.object_id == str(certificate.id)
    # The audit log keeps both: what the public sees and the admin's note.
    assert event.details == {"number": certificate.number,
                             "reason": "NIP pada sertifikat salah",
                             "public_reason": "kesalahan_data"}

    verify = h.html(app.test_client(), f"/verify/{certificate.verification_code}")
    assert "DICABUT" in verify and "Alasan: Kesalahan data" in verify
    assert "NIP pada sertifikat salah" not in verify
    # The issuing page (admins) shows the note; the holder sees the public reason.
    assert "Catatan internal: NIP pada sertifikat salah" in h.html(
        admin_client, "/admin/sertifikat/spbe-101")
    mine = h.html(h.login_as(app, learner.nip), "/sertifikat")
    assert "Kesalahan data" in mine and "NIP pada sertifikat salah" not in mine
    assert f"/sertifikat/{certificate.id}/unduh" not in mine  # no download of a revoked one

    # A second revoke changes nothing and says why.
    again = submit(admin_client, url, {"reason": "Alasan lain", "public_reason": "lainnya"})
    assert h.flashes(again.get_data(as_text=True), "error") == ["Sertifikat ini sudah dicabut."]
    [still] = h.all_certificates()
    assert (still.revoked_at, still.revoked_reason) == (revoked.revoked_at,
                                                        "NIP pada sertifikat salah")
    assert len(h.events("certificate.revoke")) == 1


def test_service_refuses_a_second_revoke(admin, certificate):
    services.revoke_certificate(certificate, "Salah nama", admin)
    db.session.commit()
    with pytest.raises(services.CertificateError) as refused:
        services.revoke_certificate(certificate, "Lagi", admin)
    assert refused.value.message == "Sertifikat ini sudah dicabut."
    with pytest.raises(ValueError):
        certificate.revoke("Lagi", admin, utcnow())
    db.session.rollback()
    assert h.all_certificates()[0].revoked_reason == "Salah nama"


def test_reissue_makes_a_new_certificate_with_a_new_number(
        app, admin, admin_client, learner, certificate):
    old_number, old_id = certificate.number, certificate.id
    old_pdf = h.stored_row(old_id)["pdf"]
    submit(admin_client, _revoke_url(old_id), {"reason": "Nama salah ketik",
                                               "public_reason": "kesalahan_data"})
    # The reason for revoking: the name was wrong. It is corrected before re-issuing.
    user = db.session.get(User, learner.id)
    user.name = "Andi Lamadjido, S.Kom."
    db.session.commit()

    response = h.post_button(admin_client, "/admin/sertifikat/spbe-101", _reissue_url(old_id))
    assert response.status_code == 302
    page = h.html(admin_client, response.headers["Location"])
    old, new = h.all_certificates()
    assert h.flashes(page) == [f"Sertifikat baru {new.number} diterbitkan."]

    assert new.id != old_id and new.number != old_number
    assert new.sequence == certificate.sequence + 1
    assert new.number == h.expected_number(new.sequence, new.issued_on)
    assert new.verification_code != old.verification_code
    assert (new.enrollment_id, new.user_id, new.course_id) == (
        old.enrollment_id, old.user_id, old.course_id)
    assert new.is_valid and new.issued_by_id == admin.id
    assert new.holder_name == "Andi Lamadjido, S.Kom."
    assert h.stored_row(new.id)["pdf"] != old_pdf
    # The old certificate keeps its number, its name and its PDF, and stays revoked.
    assert (old.number, old.holder_name, old.is_valid) == (
        old_number, "Andi Lamadjido", False)
    assert h.stored_row(old_id)["pdf"] == old_pdf
    assert h.ENROLLMENT_BOX.findall(page) == []

    issues = h.events("certificate.issue")
    assert [e.details["number"] for e in issues] == [old_number, new.number]
    assert issues[-1].actor_id == admin.id and issues[-1].object_id == str(new.id)
    [reissue] = h.events("certificate.reissue")
    assert reissue.actor_id == admin.id and reissue.object_id == str(new.id)
    assert reissue.details == {"number": new.number, "replaces": old_number}

    public = app.test_client()
    assert "DICABUT" in h.html(public, f"/verify/{old.verification_code}")
    assert "SAH" in h.html(public, f"/verify/{new.verification_code}")


def test_reissue_of_a_valid_certificate_is_refused(admin_client, certificate):
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    assert _reissue_url(certificate.id) not in page  # no such button for a valid one
    response = admin_client.post(_reissue_url(certificate.id),
                                 data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert h.flashes(response.get_data(as_text=True), "error") == [
        "Cabut sertifikat ini terlebih dahulu sebelum menerbitkan ulang."]
    assert [c.id for c in h.all_certificates()] == [certificate.id]
    assert h.events("certificate.reissue") == []


def test_reissuing_the_same_revoked_certificate_twice_gives_one_new_certificate(
        admin, admin_client, certificate):
    services.revoke_certificate(certificate, "Salah cetak", admin)
    db.session.commit()
    first = h.post_button(admin_client, "/admin/sertifikat/spbe-101",
                          _reissue_url(certificate.id))
    assert first.status_code == 302
    # The old page (still showing the button) is pressed again.
    second = admin_client.post(_reissue_url(certificate.id),
                               data={"csrf_token": h.token_from(admin_client)},
                               follow_redirects=True)
    assert h.flashes(second.get_data(as_text=True), "error") == [
        "Andi Lamadjido sudah memiliki sertifikat yang berlaku untuk kursus ini."]
    certificates = h.all_certificates()
    assert [c.is_valid for c in certificates] == [False, True]
    assert len(h.events("certificate.reissue")) == 1


def test_reissue_needs_the_form_token_and_a_known_certificate(admin, admin_client,
                                                              certificate):
    services.revoke_certificate(certificate, "Salah cetak", admin)
    db.session.commit()
    refused = admin_client.post(_reissue_url(certificate.id), data={})
    assert refused.status_code == 400
    assert len(h.all_certificates()) == 1
    token = h.token_from(admin_client)
    assert admin_client.post(_reissue_url(999999), data={"csrf_token": token}).status_code \
        == 404
    assert admin_client.get(_revoke_url(999999)).status_code == 404
    assert len(h.all_certificates()) == 1


def test_service_reissue_uses_the_time_it_is_given(admin, certificate):
    services.revoke_certificate(certificate, "Salah cetak", admin,
                                now=datetime(2040, 12, 1, tzinfo=UTC))
    new = services.reissue_certificate(certificate, admin,
                                           now=datetime(2040, 12, 31, 16, 30, tzinfo=UTC))
    db.session.commit()
    # 1 Jan 2041 00.30 in Palu: the first certificate of 2041.
    assert new.number == "800/0001/BKPSDM/I/2041"
    assert new.issued_at == datetime(2040, 12, 31, 16, 30, tzinfo=UTC)
    assert certificate.revoked_at == datetime(2040, 12, 1, tzinfo=UTC)
    assert new.issued_at - certificate.revoked_at == timedelta(days=30, hours=16, minutes=30)
