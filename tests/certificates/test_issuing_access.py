"""Who may open each certificate route (built from the URL map), the certificate settings page,
and the learner's side: "Sertifikat saya", the dashboard and course page, the PDF download."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.certificates import services
from app.certificates.models import Certificate
from app.database import utcnow
from app.extensions import db
from app.settings import Setting, set_setting
from tests.certificates import issuing_helpers as h
from tests.conftest import csrf_token, seed_objects, seeds_first, seen_statements, submit
from tests.workshops.helpers import attend, make_session

TRAINER_NIP = "198003152006042003"

# Every certificate route, by who may use it. A new route makes this test fail until it is
# placed here (and so thought about).
PUBLIC = {"certificates.lookup", "certificates.verify", "certificates.verify_json"}
LEARNER = {"certificates.mine", "certificates.download"}
ADMIN = {"certificates.admin_courses", "certificates.admin_course", "certificates.revoke",
         "certificates.reissue", "certificates.settings", "certificates.admin_session",
         "certificates.original_pdf", "certificates.reissue_all"}

SETTINGS = {
    "institution_name": "Pemerintah Kota Palu",
    "issuer_unit": "BKPSDM Kota Palu",
    "number_template": "SERT/{seq:03d}/{roman_month}/{year}",
    "signer_name": "Ir. Hidayat Lamakarate, M.Si.",
    "signer_title": "Sekretaris Daerah Kota Palu",
    "signer_nip": "19750312 199803 2 004",
    "place": "Palu",
    "base_url": "https://kompeten.palukota.go.id",
}


@pytest.fixture
def admin(create_user):
    return seed_objects("issuing_access.admin", lambda: create_user(
        nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM"))


@pytest.fixture
def admin_client(app, admin, request):
    seeds_first(request, "world")
    return h.login_as(app, h.ADMIN_NIP)


@pytest.fixture
def world(courses, create_user, admin):
    """Andi holds a certificate; Budi completed and waits; Citra has a revoked one. Kept
    (tests/conftest.py seed_objects): the two PDFs are rendered once per worker."""
    return seed_objects("issuing_access.world", lambda: _make_world(create_user, admin))


def _make_world(create_user, admin):
    spbe = h.course("spbe-101")
    andi = create_user(name="Andi Pemegang")
    budi = create_user(name="Budi Menunggu")
    citra = create_user(name="Citra Dicabut")
    held = h.issue(h.enrol(andi, spbe), admin)
    budi_enrolment = h.enrol(budi, spbe)
    revoked = h.issue(h.enrol(citra, spbe), admin)
    revoked.revoke("Salah cetak", admin, utcnow())
    db.session.commit()
    workshop = make_session(starts_in=timedelta(days=-2))
    attend(workshop, budi)
    return {"andi": andi, "budi": budi, "citra": citra, "held": held, "revoked": revoked,
            "budi_enrolment": budi_enrolment, "session": workshop}


def _routes(app, world):
    """(endpoint, path, methods) for every certificate route, filled with real values."""
    values = {"code": world["held"].verification_code, "certificate_id": world["held"].id,
              "slug": "spbe-101", "session_id": world["session"].id}
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("certificates."):
            path = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
            routes.append((rule.endpoint, path, rule.methods - {"HEAD", "OPTIONS"}))
    assert {endpoint for endpoint, _path, _methods in routes} == PUBLIC | LEARNER | ADMIN
    assert all(path.startswith("/admin/") == (endpoint in ADMIN)
               for endpoint, path, _methods in routes)
    return routes


def _state():
    """What a forbidden request must not change."""
    db.session.expire_all()
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    return ([(c.id, c.number, c.revoked_at, c.revoked_reason) for c in certificates],
            db.session.scalar(select(func.count()).select_from(Setting)))


def _post_data(endpoint):
    """Form data that would really do something if the route accepted it."""
    return {"certificates.admin_course": {"aksi": "semua"},
            "certificates.revoke": {"reason": "Dicabut oleh yang tidak berhak",
                                    "public_reason": "lainnya"},
            "certificates.settings": dict(SETTINGS, signer_name="Penyusup")}.get(endpoint, {})


def test_anonymous_visitors_may_only_verify(app, client, world):
    token = csrf_token(h.html(client, "/masuk"))  # a real anonymous session's token
    before = _state()
    for endpoint, path, methods in _routes(app, world):
        if "GET" in methods:
            response = client.get(path)
            if endpoint in PUBLIC:
                assert response.status_code == 200, path
            else:
                assert response.status_code == 302, path
                assert response.headers["Location"].startswith("/masuk?next="), path
        if "POST" in methods:
            response = client.post(path, data=dict(_post_data(endpoint), csrf_token=token))
            if endpoint in PUBLIC:  # the lookup by number and NIP: public, and writes nothing
                assert response.status_code in (200, 302, 404), path
                continue
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/masuk?next="), path
    assert client.get(f"/verify/{world['held'].verification_code}.json").json["valid"] is True
    assert _state() == before


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_learners_and_trainers_get_403_on_every_admin_route(app, create_user, world, role):
    if role == "learner":
        client = h.login_as(app, world["budi"].nip)  # completed, waiting: would love one
    else:
        trainer = create_user(nip=TRAINER_NIP, roles=("trainer",), name="Pengajar SPBE")
        spbe = h.course("spbe-101")
        spbe.owners.append(trainer)  # even the course's own trainer
        db.session.commit()
        client = h.login_as(app, TRAINER_NIP)
    token = h.token_from(client)
    before = _state()
    checked = set()
    for endpoint, path, methods in _routes(app, world):
        if endpoint not in ADMIN:
            continue
        if "GET" in methods:
            response = client.get(path)
            assert response.status_code == 403, (path, response.status_code)
            assert "Akses ditolak" in response.get_data(as_text=True)
        if "POST" in methods:
            response = client.post(path, data=dict(_post_data(endpoint), csrf_token=token))
            assert response.status_code == 403, (path, response.status_code)
        checked.add(endpoint)
    assert checked == ADMIN
    # A trainer or learner has no way to revoke, re-issue or issue through the others either.
    for path in (f"/admin/sertifikat/terbitan/{world['revoked'].id}/terbitkan-ulang",
                 f"/admin/sertifikat/terbitan/{world['revoked'].id}/cabut"):
        assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert _state() == before
    assert "/admin/sertifikat" not in h.html(client, "/beranda")  # no admin menu either


def test_learner_cannot_issue_a_certificate_to_themselves(app, world):
    budi, enrolment = world["budi"], world["budi_enrolment"]
    client = h.login_as(app, budi.nip)
    token = h.token_from(client)
    for aksi in ("pilihan", "semua"):
        response = client.post("/admin/sertifikat/spbe-101", data={
            "csrf_token": token, "aksi": aksi, "enrollment": str(enrolment.id)})
        assert response.status_code == 403
    assert h.certificates_of(budi) == []
    assert "Belum ada sertifikat." in h.html(client, "/sertifikat")


def test_learners_download_only_their_own_certificates(app, create_user, world):
    held = world["held"]
    path = f"/sertifikat/{held.id}/unduh"
    assert h.login_as(app, world["andi"].nip).get(path).status_code == 200
    assert h.login_as(app, world["budi"].nip).get(path).status_code == 404
    create_user(nip=TRAINER_NIP, roles=("trainer",))
    assert h.login_as(app, TRAINER_NIP).get(path).status_code == 404
    assert h.login_as(app, world["andi"].nip).get("/sertifikat/999999/unduh").status_code \
        == 404


def test_admins_may_use_every_route(app, admin_client, world):
    checked = set()
    for endpoint, path, methods in _routes(app, world):
        if "GET" in methods:
            response = admin_client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            checked.add(endpoint)
    assert checked == PUBLIC | LEARNER | (ADMIN - {"certificates.reissue"})  # POST only
    assert admin_client.get(f"/sertifikat/{world['held'].id}/unduh").data == \
        h.stored_row(world["held"].id)["pdf"]

    token = h.token_from(admin_client)
    issued = admin_client.post("/admin/sertifikat/spbe-101", data={
        "csrf_token": token, "aksi": "pilihan", "enrollment": str(world["budi_enrolment"].id)})
    assert issued.status_code == 302
    reissued = admin_client.post(
        f"/admin/sertifikat/terbitan/{world['revoked'].id}/terbitkan-ulang",
        data={"csrf_token": token})
    assert reissued.status_code == 302
    revoked = admin_client.post(f"/admin/sertifikat/terbitan/{world['held'].id}/cabut",
                                data={"csrf_token": token, "reason": "Uji coba",
                                      "public_reason": "lainnya"})
    assert revoked.status_code == 302
    saved = admin_client.post("/admin/pengaturan/sertifikat",
                              data=dict(SETTINGS, csrf_token=token))
    assert saved.status_code == 302
    # Budi got one, Citra a new one, Andi's was revoked, the settings were saved.
    assert [(c.holder_name, c.is_valid) for c in h.all_certificates()] == [
        ("Andi Pemegang", False), ("Citra Dicabut", False), ("Budi Menunggu", True),
        ("Citra Dicabut", True)]
    assert h.current_setting("certificate.signer_name") == SETTINGS["signer_name"]


# --- certificate settings page ---------------------------------------------------------------

SETTINGS_URL = "/admin/pengaturan/sertifikat"


def test_settings_page_shows_and_saves_the_values(admin, admin_client, courses, create_user):
    page = h.html(admin_client, SETTINGS_URL)
    assert 'value="800/{seq:04d}/BKPSDM/{roman_month}/{year}"' in page
    assert 'value="Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si."' in page

    data = dict(SETTINGS, signer_name="  Ir. Hidayat Lamakarate, M.Si.  ")
    done = submit(admin_client, SETTINGS_URL, data)
    page = done.get_data(as_text=True)
    assert h.flashes(page) == [
        "Pengaturan sertifikat disimpan. Sertifikat yang sudah terbit tidak berubah."]
    expected = {
        "institution_name": "Pemerintah Kota Palu",
        "certificate.issuer_unit": "BKPSDM Kota Palu",
        "certificate.number_template": "SERT/{seq:03d}/{roman_month}/{year}",
        "certificate.signer_name": "Ir. Hidayat Lamakarate, M.Si.",
        "certificate.signer_title": "Sekretaris Daerah Kota Palu",
        "certificate.signer_nip": "197503121998032004",  # the NIP stored without spaces
        "certificate.place": "Palu",
        "base_url": "https://kompeten.palukota.go.id",
    }
    assert {key: h.current_setting(key) for key in expected} == expected
    assert 'value="197503121998032004"' in page  # shown again as saved

    # The next certificate is made from them.
    certificate = h.issue(h.enrol(create_user(), h.course()), admin)
    assert certificate.number == f"SERT/001/{h.ROMAN[certificate.issued_on.month - 1]}/" \
                                 f"{certificate.issued_on.year}"
    assert (certificate.signer_name, certificate.signer_nip, certificate.issuer_unit) == (
        "Ir. Hidayat Lamakarate, M.Si.", "197503121998032004", "BKPSDM Kota Palu")
    # The QR code and share address now point at the new base address.
    assert services.verify_url(certificate.verification_code) == \
        f"https://kompeten.palukota.go.id/verify/{certificate.verification_code}"


def _saved_nothing():
    return db.session.scalar(select(func.count()).select_from(Setting)) == 0


@pytest.mark.parametrize(("template", "message"), [
    ("{foo}", "Templat nomor harus memuat {seq}, misalnya {seq:04d}."),
    ("no seq", "Templat nomor harus memuat {seq}, misalnya {seq:04d}."),
    ("{seq:04d}/{tahun}", "Templat nomor tidak dapat dipakai: 'tahun'"),
    ("{seq:04d}/{year", "Templat nomor tidak dapat dipakai"),
    ("{seq:04d}/{roman_month:d}/{year}", "Templat nomor tidak dapat dipakai"),
    # Found by these tests: used to raise TypeError, a server error instead of a message.
    ("{seq[0]}/{year}", "Templat nomor tidak dapat dipakai"),
    # A number that does not change with the sequence repeats from the second certificate.
    ("800/{{seq}}/{year}", "Templat nomor harus memuat {seq}, misalnya {seq:04d}."),
    # The sequence restarts every January: without the year, 0001 of next year would repeat
    # 0001 of this year and no certificate could be issued any more.
    ("SERT/{seq:04d}/BKPSDM", "Templat nomor harus memuat {year}"),
    ("SERT/{seq:04d}/{month}", "Templat nomor harus memuat {year}"),
    # Longer than the number column: a database error on PostgreSQL instead of a message.
    ("{seq:0200d}/{year}", "Nomor yang dihasilkan terlalu panjang (maksimal 100 karakter)."),
])
def test_a_bad_number_template_is_refused_on_its_field(admin_client, template, message):
    response = submit(admin_client, SETTINGS_URL,
                      dict(SETTINGS, number_template=template, signer_name="Nama Baru"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [error] = h.field_errors(page, "number_template")
    assert error.startswith(message), error
    assert h.flashes(page) == []
    assert _saved_nothing()
    assert h.current_setting("certificate.signer_name") == \
        "Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si."


@pytest.mark.parametrize(("nip", "message"), [
    ("12345", "NIP harus 18 digit, yang dimasukkan 5 digit"),
    ("197503121998032000", "nomor urut (3 digit terakhir) tidak boleh 000"),
    ("19750312199803300X", "NIP hanya boleh berisi angka"),
    ("197513121998032004", "tanggal lahir 19751312 tidak valid"),
])
def test_a_bad_signer_nip_is_refused_with_the_nip_rule(admin_client, nip, message):
    page = submit(admin_client, SETTINGS_URL, dict(SETTINGS, signer_nip=nip)).get_data(
        as_text=True)
    [error] = h.field_errors(page, "signer_nip")
    assert error.startswith(message), error
    assert _saved_nothing()


@pytest.mark.parametrize(("base_url", "message"), [
    ("ftp://kompeten.palukota.go.id", "Alamat harus diawali http:// atau https://"),
    ("kompeten.palukota.go.id", "Alamat tidak valid; contoh: https://kompeten.palukota.go.id"),
    ("javascript:alert(1)", "Alamat tidak valid; contoh: https://kompeten.palukota.go.id"),
])
def test_a_base_url_that_is_not_http_is_refused(admin_client, base_url, message):
    page = submit(admin_client, SETTINGS_URL, dict(SETTINGS, base_url=base_url)).get_data(
        as_text=True)
    assert message in h.field_errors(page, "base_url")
    assert _saved_nothing()
    assert h.current_setting("base_url") == "http://127.0.0.1:5000"


def test_required_settings_cannot_be_emptied(admin_client):
    page = submit(admin_client, SETTINGS_URL,
                  dict(SETTINGS, signer_name="   ", place="")).get_data(as_text=True)
    assert h.field_errors(page, "signer_name") == ["Wajib diisi."]
    assert h.field_errors(page, "place") == ["Wajib diisi."]
    assert _saved_nothing()


# --- the learner's side ----------------------------------------------------------------------

def test_learner_sees_the_certificate_on_their_pages_and_downloads_the_stored_pdf(
        app, courses, create_user, admin):
    learner = create_user(name="Andi Lamadjido")
    enrollment = h.enrol(learner, h.course("spbe-101"))
    client = h.login_as(app, learner.nip)

    # Before the admin issues: nothing to download, the wait is explained.
    assert "Belum ada sertifikat." in h.html(client, "/sertifikat")
    dashboard = h.html(client, "/beranda")
    assert "1 kursus selesai menunggu sertifikat dari admin." in dashboard
    assert "Unduh sertifikat" not in h.html(client, "/kursus/spbe-101")

    certificate = h.issue(enrollment, admin)
    download = f"/sertifikat/{certificate.id}/unduh"
    share = f"/verify/{certificate.verification_code}"

    mine = h.html(client, "/sertifikat")
    card = re.search(r'<li class="card">(.*?)</li>', mine, re.S).group(1)
    assert "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik" in card
    assert f"Nomor {certificate.number} · 12 JP" in card
    assert f'href="{download}"' in card and "Unduh PDF" in card
    # The share link is the public address the QR code also points to.
    assert f'<a href="http://127.0.0.1:5000{share}">http://127.0.0.1:5000{share}</a>' in card

    dashboard = h.html(client, "/beranda")
    assert f'href="{download}"' in dashboard
    assert "menunggu sertifikat dari admin" not in dashboard
    course_page = h.html(client, "/kursus/spbe-101")
    assert f"Nomor {certificate.number}, diterbitkan" in course_page
    assert f'href="{download}"' in course_page

    stored = h.stored_row(certificate.id)["pdf"]
    first, second = client.get(download), client.get(download)
    for response in (first, second):
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="sertifikat-{certificate.verification_code}.pdf"')
        assert "private" in response.headers["Cache-Control"]
    assert first.data == second.data == stored
    assert stored.startswith(b"%PDF")
    # The share link opens the public page for this certificate.
    assert "SAH" in h.html(app.test_client(), share)


def test_the_share_link_is_the_public_verification_address(app, courses, create_user, admin):
    """The link a learner copies for the personnel office is the one printed in the QR code
    (the base address in the settings), not whatever host the learner's request came through."""
    set_setting("base_url", "https://kompeten.palukota.go.id/")
    db.session.commit()
    learner = create_user()
    certificate = h.issue(h.enrol(learner, h.course()), admin)
    public = f"https://kompeten.palukota.go.id/verify/{certificate.verification_code}"
    assert services.verify_url(certificate.verification_code) == public

    mine = h.html(h.login_as(app, learner.nip), "/sertifikat")
    assert f'<a href="{public}">{public}</a>' in mine
    assert "http://localhost/verify" not in mine


def test_the_course_page_reads_the_certificate_with_the_progress(app, courses, create_user,
                                                                admin):
    """A learner's course page reads the certificate in the same statement as the progress
    (app/batched_reads.py), never in one of its own; only a completed enrolment shows one; a
    visitor's page does not look for one."""
    learner = create_user()
    learning = h.login_as(app, learner.nip)
    h.enrol(learner, h.course("kam-201"), completed_at=None)
    enrollment = h.enrol(learner, h.course("spbe-101"))
    certificate = h.issue(enrollment, admin)

    def certificate_reads(client, path):
        with seen_statements() as seen:
            page = h.html(client, path)
        reads = [s for s in seen if "FROM certificate" in s]
        assert all("FROM enrollment" in s for s in reads), reads  # never a statement of its own
        return page, reads

    page, reads = certificate_reads(learning, "/kursus/kam-201")
    assert len(reads) == 1 and "Unduh sertifikat" not in page
    page, reads = certificate_reads(app.test_client(), "/kursus/spbe-101")
    assert reads == [] and certificate.number not in page
    page, reads = certificate_reads(learning, "/kursus/spbe-101")
    assert len(reads) == 1 and f"Nomor {certificate.number}, diterbitkan" in page
