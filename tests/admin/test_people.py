"""Admins manage people: search, create, edit roles, deactivate, temporary passwords."""

import re

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import Agency, User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, submit

ADMIN_NIP = "197503121998032004"
PERSON_NIP = "198703152010012002"
PPPK_NIP = "200012312024211001"
PERSON_FORM = {"nip": "1987 0315 2010 01 2 002", "name": "Siti Rahmawati", "email": "",
               "agency_id": "0", "jabatan_type": "pelaksana", "jabatan_title": "Pengadministrasi",
               "golongan": "III/a", "roles": ["learner"]}


@pytest.fixture
def admin(create_user, login, agencies):
    user = create_user(nip=ADMIN_NIP, roles=("admin", "learner"), name="Admin BKPSDM")
    login(ADMIN_NIP)
    return user


def text(response):
    return response.get_data(as_text=True)


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def shown_password(page):
    match = re.search(r'<p class="big-number"><code>([^<]+)</code></p>', page)
    assert match, page
    return match.group(1)


def log_in_fresh(app, nip, password):
    client = app.test_client()
    token = csrf_token(text(client.get("/masuk")))
    response = client.post("/masuk", data={"identifier": nip, "password": password,
                                           "csrf_token": token})
    return client, response


def test_people_are_found_by_nip_name_agency_role_and_state(client, admin, create_user):
    dinkes = db.session.scalar(select(Agency).where(Agency.code == "DINKES"))
    create_user(nip=PERSON_NIP, name="Siti Rahmawati", agency=dinkes)
    create_user(nip=PPPK_NIP, name="Andi Lamaruddin", roles=("trainer",))
    found = text(client.get("/admin/pengguna?q=rahma"))
    assert "1 pengguna ditemukan." in found and "Siti Rahmawati" in found
    by_nip = text(client.get("/admin/pengguna?q=2010 01 2"))
    assert "Siti Rahmawati" in by_nip and "Andi" not in by_nip
    by_agency = text(client.get(f"/admin/pengguna?opd={dinkes.id}"))
    assert "1 pengguna ditemukan." in by_agency
    trainers = text(client.get("/admin/pengguna?peran=trainer"))
    assert "Andi Lamaruddin" in trainers and "Siti" not in trainers
    for query in ("opd=abc", "peran=raja", "status=x", "halaman=-5", "halaman=99999", "q=%00"):
        assert client.get(f"/admin/pengguna?{query}").status_code == 200


def test_admin_creates_a_person_who_must_change_the_password(app, client, admin):
    page = text(submit(client, "/admin/pengguna/baru", PERSON_FORM))
    password = shown_password(page)
    user = db.session.scalar(select(User).where(User.nip == PERSON_NIP))
    assert user.must_change_password and user.golongan == "III/a"
    assert password not in user.password_hash
    assert events("user.create")[0].details["nip"] == PERSON_NIP
    person, response = log_in_fresh(app, PERSON_NIP, password)
    assert response.headers["Location"].endswith("/akun/kata-sandi")
    # Until a new password is chosen, every page leads back to the form.
    assert person.get("/beranda").headers["Location"].endswith("/akun/kata-sandi")
    changed = submit(person, "/akun/kata-sandi", {"current_password": password,
                                                  "password": "sandi-baru-palu-7",
                                                  "password_confirm": "sandi-baru-palu-7"})
    assert "Kata sandi sudah diganti." in text(changed)
    assert person.get("/beranda").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password


@pytest.mark.parametrize(("fields", "message"), [
    ({"nip": "12345"}, "NIP harus 18 digit"),
    ({"nip": ADMIN_NIP}, "sudah terdaftar"),
    ({"name": ""}, "Wajib diisi."),
    ({"email": "bukan-email"}, "Alamat email tidak valid."),
    ({"golongan": "IX"}, "Golongan IX bukan golongan PNS."),
    ({"roles": []}, "Pilih paling sedikit satu peran."),
    ({"roles": ["raja"]}, "bukan pilihan yang valid"),
])
def test_bad_person_input_names_the_field(client, admin, fields, message):
    page = text(submit(client, "/admin/pengguna/baru", dict(PERSON_FORM, **fields)))
    assert message in page
    assert db.session.scalar(select(User).where(User.nip == PERSON_NIP)) is None


def test_role_changes_are_audited_and_an_admin_cannot_drop_their_own(client, admin,
                                                                      create_user):
    person = create_user(nip=PERSON_NIP, name="Siti Rahmawati")
    url = f"/admin/pengguna/{person.id}"
    form = dict(PERSON_FORM, roles=["learner", "trainer"])
    form.pop("nip")
    assert "Data Siti Rahmawati disimpan." in text(submit(client, url, form))
    db.session.refresh(person)
    assert person.roles == {"learner", "trainer"}
    change = events("user.roles")[0]
    assert (change.details["before"], change.details["after"]) == (["learner"],
                                                                   ["learner", "trainer"])
    own = text(submit(client, f"/admin/pengguna/{admin.id}",
                      dict(form, name="Admin BKPSDM", roles=["learner"])))
    assert "Anda tidak dapat mencabut peran admin Anda sendiri." in own
    db.session.refresh(admin)
    assert admin.is_admin


def test_a_deactivated_person_cannot_log_in_and_keeps_their_history(app, client, admin,
                                                                    create_user, courses):
    from app.courses import services as course_services
    from app.courses.models import Course
    person = create_user(nip=PERSON_NIP)
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course_services.enroll_learner(person, course)
    db.session.commit()
    their_client, _ = log_in_fresh(app, PERSON_NIP, PASSWORD)
    assert their_client.get("/beranda").status_code == 200
    url = f"/admin/pengguna/{person.id}"
    page = text(submit(client, url, {}, post_url=f"{url}/status"))
    assert "dinonaktifkan" in page
    # Their open session ends at once, and they cannot log in again.
    assert their_client.get("/beranda").status_code == 302
    _, refused = log_in_fresh(app, PERSON_NIP, PASSWORD)
    assert "Akun ini dinonaktifkan." in text(refused)
    assert events("auth.login_failed")[-1].details["reason"] == "inactive"
    db.session.refresh(person)
    assert person.active is False
    assert len(events("user.deactivate")) == 1
    from app.courses.models import Enrollment
    assert db.session.scalar(select(Enrollment).where(Enrollment.user_id == person.id))
    page = text(submit(client, url, {"aktif": "1"}, post_url=f"{url}/status"))
    assert "diaktifkan kembali" in page
    _, again = log_in_fresh(app, PERSON_NIP, PASSWORD)
    assert again.status_code == 302


def test_an_admin_cannot_deactivate_themselves(client, admin):
    url = f"/admin/pengguna/{admin.id}"
    page = text(submit(client, url, {}, post_url=f"{url}/status"))
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in page


def test_temporary_password_is_shown_once_audited_and_ends_sessions(app, client, admin,
                                                                     create_user):
    person = create_user(nip=PERSON_NIP)
    their_client, _ = log_in_fresh(app, PERSON_NIP, PASSWORD)
    url = f"/admin/pengguna/{person.id}"
    password = shown_password(text(submit(client, url, {}, post_url=f"{url}/kata-sandi")))
    assert len(password) == 12
    assert their_client.get("/beranda").status_code == 302  # the old session is over
    _, old = log_in_fresh(app, PERSON_NIP, PASSWORD)
    assert "NIP/email atau kata sandi salah." in text(old)
    _, new = log_in_fresh(app, PERSON_NIP, password)
    assert new.headers["Location"].endswith("/akun/kata-sandi")
    reset = events("user.password_reset")[0]
    assert reset.actor_id == admin.id and reset.details == {"nip": PERSON_NIP}
    assert password not in reset.details_json
    assert password not in text(client.get(url))


def test_logins_are_audited_without_passwords(app, client, admin, create_user):
    create_user(nip=PERSON_NIP)
    log_in_fresh(app, PERSON_NIP, "salah-sekali-123")
    log_in_fresh(app, "199912312020121001", "apa-saja-123")
    log_in_fresh(app, PERSON_NIP, PASSWORD)
    failed = events("auth.login_failed")
    assert [e.details["identifier"] for e in failed] == [PERSON_NIP, "199912312020121001"]
    assert all("salah-sekali" not in e.details_json for e in failed)
    assert len([e for e in events("auth.login") if e.details["nip"] == PERSON_NIP]) == 1
    page = text(client.get("/admin/audit?aksi=auth.login_failed"))
    assert "2 catatan." in page
