"""Self-registration cannot claim someone else's NIP (issue 15).

Driven like browsers with CSRF on: a newcomer registers at /daftar and learns, an admin works
the verification queue on the admin home, refuses a squatter or hands a NIP to its real owner.
"""

import re

import pytest
from sqlalchemy import func, select

from app.admin.people_import import apply_import, check_people_csv
from app.audit import AuditEvent
from app.auth.models import User
from app.certificates.models import Certificate
from app.certificates.services import CertificateError, issue_certificate
from app.courses.models import Course, Enrollment, Module
from app.extensions import db
from app.settings import get_setting
from tests.auth.helpers import (
    REG_PASSWORD,
    field_errors,
    flashes,
    registration_data,
    text,
    user_by_nip,
)
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, csrf_token, submit
from tests.quizzes import attempts_helpers as h

ADMIN_NIP = "197503121998032004"
OWNER_NAME = "Siti Rahmawati"
NIP_TAKEN = ("NIP ini sudah terdaftar. Jika ini NIP Anda dan Anda belum pernah membuat akun, "
             "minta kata sandi sementara kepada admin BKPSDM; jika sudah punya akun, silakan "
             "masuk.")
WAITING_NOTICE = "Akun Anda menunggu verifikasi oleh BKPSDM."
FINAL_QUIZ = "::Hitung::Berapa hasil 2 + 3?{#5:0}\n"


@pytest.fixture
def admin(app, create_user, agencies):
    create_user(nip=ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")
    return h.login_as(app.test_client(), ADMIN_NIP)


def register(client, **overrides):
    return submit(client, "/daftar", registration_data(**overrides))


def newcomer(app, **overrides):
    """Someone who registers at /daftar on their own browser (stays logged in)."""
    client = app.test_client()
    response = register(client, **overrides)
    assert response.request.path == "/beranda", flashes(text(response))
    return client


def unverified(create_user, **fields):
    """An account as /daftar leaves it, made without the page (for volume)."""
    user = create_user(**fields)
    user.verified_at = None
    db.session.commit()
    return user


def post_queue(admin, ids, action="verifikasi", **extra):
    token = csrf_token(text(admin.get("/admin/")))
    return admin.post("/admin/verifikasi", data={"akun": [str(i) for i in ids], "aksi": action,
                                                 "csrf_token": token, **extra},
                      follow_redirects=True)


def events(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# --- registering ---------------------------------------------------------------------------------

def test_nip_on_the_roster_cannot_be_registered_and_the_page_says_ask_the_admin(client, agencies,
                                                                                 create_user):
    admin = create_user(nip=ADMIN_NIP, roles=("admin",))
    roster = ("nip;nama;email;kode_opd;jenis_jabatan;jabatan;golongan;jenis_asn;peran\n"
              f"{PNS_NIP};{OWNER_NAME};;BKPSDM;pelaksana;Staf;III/a;PNS;peserta\n").encode()
    apply_import(check_people_csv(roster, admin), admin)
    db.session.commit()
    before = user_by_nip(PNS_NIP)
    assert before.is_verified  # the roster is trusted

    page = text(register(client, nip="19860926 201505 1 001", name="Orang Lain",
                         email="lain@palukota.go.id"))
    assert field_errors(page, "nip") == [NIP_TAKEN]
    owner = user_by_nip(PNS_NIP)
    assert (owner.id, owner.name, owner.email) == (before.id, OWNER_NAME, None)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_a_squatted_nip_answers_exactly_like_a_roster_nip(app, client, agencies, create_user):
    """The page reveals no more than before: taken is taken, whoever holds it."""
    create_user(nip=PPPK_NIP)
    newcomer(app)  # PNS_NIP, unverified
    roster = field_errors(text(register(client, nip=PPPK_NIP, golongan="IX")), "nip")
    squatted = field_errors(text(register(client, email="x@palukota.go.id")), "nip")
    assert roster == squatted == [NIP_TAKEN]


@pytest.mark.parametrize(("nip", "golongan", "words"), [
    ("19860926 201505 3 001", "III/a", ["digit ke-15 (jenis kelamin) NIP PNS", "bukan 3"]),
    ("20001231 202421 9 001", "IX", ["digit ke-15 (jenis kelamin) NIP PPPK", "bukan 9"]),
])
def test_sex_digit_other_than_1_or_2_is_refused_naming_the_rule(client, agencies, nip, golongan,
                                                                 words):
    page = text(register(client, nip=nip, golongan=golongan))
    errors = field_errors(page, "nip")
    assert len(errors) == 1 and all(word in errors[0] for word in words), errors
    assert "1 (laki-laki) atau 2 (perempuan)" in errors[0]
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registered_account_starts_unverified_and_is_told_so(app, agencies):
    client = app.test_client()
    page = text(register(client))
    assert "Admin BKPSDM akan memverifikasi NIP Anda." in " ".join(flashes(page))
    assert WAITING_NOTICE in page and "NIP 19860926 201505 1 001 memang milik Anda" in page
    user = user_by_nip(PNS_NIP)
    assert user.verified_at is None and user.verified_by_id is None
    [event] = events("auth.register")
    assert (event.actor_id, event.details) == (user.id, {"nip": PNS_NIP})


@pytest.mark.parametrize("way", ["admin", "cli", "setup"])
def test_accounts_made_by_admins_cli_and_setup_are_verified_at_creation(app, admin, way):
    if way == "admin":
        submit(admin, "/admin/pengguna/baru", {"nip": PPPK_NIP, "name": "Rudi", "agency_id": "0",
                                                "roles": "learner"})
        assert user_by_nip(PPPK_NIP).verified_by_id == user_by_nip(ADMIN_NIP).id
    elif way == "cli":
        result = app.test_cli_runner().invoke(args=["users", "create", "--nip", PPPK_NIP,
                                                    "--name", "Rudi"], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    else:
        from app.auth.services import create_first_admin, issue_setup_token
        db.session.execute(User.__table__.update().values(is_admin=False, is_learner=True))
        create_first_admin(issue_setup_token(), nip=PPPK_NIP, name="Rudi", password=PASSWORD)
        db.session.commit()
    assert user_by_nip(PPPK_NIP).is_verified


# --- learning while unverified -------------------------------------------------------------------

def _enrol_and_read_everything(client, slug="spbe-101"):
    token = csrf_token(text(client.get(f"/kursus/{slug}")))
    assert client.post(f"/kursus/{slug}/daftar", data={"csrf_token": token}).status_code == 302
    for module_slug in db.session.scalars(select(Module.slug).join(Course).where(
            Course.slug == slug).order_by(Module.position)):
        url = f"/kursus/{slug}/modul/{module_slug}"
        token = csrf_token(text(client.get(url)))
        assert client.post(f"{url}/selesai", data={"csrf_token": token}).status_code == 302


def _pass_final_quiz(client, quiz):
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    html = h.page(client, url)
    typed = [name for name, value in h.read_form(html).fields
             if value == "" and name not in h.read_form(html).choices]
    assert len(typed) == 1, h.read_form(html).fields  # the one number input
    client.post(url, data=h.form_payload(html, aksi="kirim", **{typed[0]: "5"}))
    assert "Lulus." in h.page(client, f"{url}/hasil")


def _enrollment(nip, slug="spbe-101"):
    db.session.expire_all()
    return db.session.scalar(select(Enrollment).join(User).join(Course).where(
        User.nip == nip, Course.slug == slug))


def _issue_all(admin, slug="spbe-101"):
    url = f"/admin/sertifikat/{slug}"
    token = csrf_token(text(admin.get(url)))
    return text(admin.post(url, data={"aksi": "semua", "csrf_token": token},
                           follow_redirects=True))


def test_unverified_learner_learns_and_passes_but_gets_no_certificate_until_verified(
        app, courses, admin, tmp_path):
    quiz = h.add_quiz(tmp_path, "kuis-akhir", FINAL_QUIZ, pass_mark=70, max_attempts=0)
    learner = newcomer(app)
    _enrol_and_read_everything(learner)
    _pass_final_quiz(learner, quiz)
    enrollment = _enrollment(PNS_NIP)
    assert enrollment.completed_at is not None  # learning counts for the learner

    with pytest.raises(CertificateError, match="belum diverifikasi admin"):
        issue_certificate(enrollment, user_by_nip(ADMIN_NIP))
    db.session.rollback()
    issuing = text(admin.get("/admin/sertifikat/spbe-101"))
    assert OWNER_NAME in issuing and "belum diverifikasi" in issuing
    page = _issue_all(admin)  # the issuing job's page
    assert "1 peserta dilewati: akunnya mendaftar sendiri dan belum diverifikasi admin." in page
    assert "0 dari 1 diterbitkan" in page
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0

    post_queue(admin, [user_by_nip(PNS_NIP).id])
    assert WAITING_NOTICE not in text(learner.get("/beranda"))
    page = _issue_all(admin)
    assert "1 dari 1 diterbitkan" in page
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.holder_nip, certificate.holder_name) == (PNS_NIP, OWNER_NAME)


def test_auto_certificate_policy_does_not_issue_to_an_unverified_learner(app, courses, admin):
    db.session.scalar(select(Course).where(Course.slug == "spbe-101")).certificate_policy = "auto"
    db.session.commit()
    learner = newcomer(app)
    _enrol_and_read_everything(learner)
    assert _enrollment(PNS_NIP).completed_at is not None
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    # It waits on the admin's list like any refused auto-issue.
    assert OWNER_NAME in text(admin.get("/admin/sertifikat/spbe-101"))


# --- the queue on the admin home -----------------------------------------------------------------

def test_admin_home_lists_the_queue_and_bulk_verifies_with_csrf(app, admin, create_user):
    newcomer(app)
    others = [unverified(create_user, name=f"Pendaftar {n}") for n in range(2)]
    create_user(name="Sudah Terverifikasi")
    home = text(admin.get("/admin/"))
    assert "Akun menunggu verifikasi (3)" in home
    assert OWNER_NAME in home and "Pendaftar 0" in home and "Pendaftar 1" in home
    assert "Sudah Terverifikasi" not in home
    squatter = user_by_nip(PNS_NIP)

    forged = admin.post("/admin/verifikasi", data={"akun": [str(squatter.id)],
                                                  "aksi": "verifikasi"})
    assert forged.status_code == 400
    assert user_by_nip(PNS_NIP).verified_at is None

    page = text(post_queue(admin, [squatter.id, others[0].id]))
    assert "2 akun diverifikasi." in flashes(page)
    assert "Akun menunggu verifikasi (1)" in page and "Pendaftar 1" in page
    verified = user_by_nip(PNS_NIP)
    assert verified.verified_by_id == user_by_nip(ADMIN_NIP).id
    assert sorted(e.details["nip"] for e in events("user.verify")) == sorted(
        [PNS_NIP, others[0].nip])

    again = text(post_queue(admin, [squatter.id, 999999]))
    assert any("Tidak ada akun yang berubah" in f for f in flashes(again))
    assert len(events("user.verify")) == 2
    assert "Pilih minimal satu akun." in flashes(text(post_queue(admin, [])))
    # An id no INTEGER column holds (PostgreSQL answered it with an error, found by fuzzing).
    for action in ("verifikasi", "tolak"):
        page = text(post_queue(admin, [2**31, 10**11], action=action))
        assert "Pilih minimal satu akun." in flashes(page)


def test_rejecting_deactivates_and_frees_the_nip_for_its_owner(app, admin):
    squatter_browser = newcomer(app, name="Penyerobot", email="penyerobot@contoh.id")
    squatter = user_by_nip(PNS_NIP)
    page = text(post_queue(admin, [squatter.id], action="tolak"))
    assert "1 akun ditolak: dinonaktifkan dan NIP-nya dilepas." in flashes(page)
    assert "Akun menunggu verifikasi (0)" in page
    db.session.expire_all()
    rejected = db.session.get(User, squatter.id)
    assert not rejected.active and rejected.nip_released and rejected.email is None
    assert h.page(squatter_browser, "/beranda", status=302)  # its session ended
    [event] = events("user.nip_release")
    assert event.details == {"nip": PNS_NIP, "email": "penyerobot@contoh.id",
                             "name": "Penyerobot", "reason": "rejected"}
    # The real owner can now register (and waits for verification like anyone).
    newcomer(app, email="penyerobot@contoh.id")
    assert user_by_nip(PNS_NIP).id != squatter.id


def test_admin_home_query_count_does_not_grow_with_the_queue(admin, create_user, queries):
    for _ in range(3):
        unverified(create_user)
    with queries() as small:
        assert admin.get("/admin/").status_code == 200
    for _ in range(6):
        unverified(create_user)
    with queries() as large:
        page = text(admin.get("/admin/"))
    assert "Akun menunggu verifikasi (9)" in page
    assert large() == small()


def test_queue_is_paged(admin, create_user):
    for _ in range(51):
        unverified(create_user)
    first = text(admin.get("/admin/"))
    assert first.count('name="akun"') == 50 and "Halaman 1 dari 2" in first
    assert text(admin.get("/admin/?halaman=2")).count('name="akun"') == 1


# --- handing a NIP to its owner ------------------------------------------------------------------

HANDOVER = {"name": "Siti Rahmawati, S.Kom.", "email": "siti@palukota.go.id", "agency_id": "0",
            "jabatan_type": "fungsional", "jabatan_title": "Pranata Komputer",
            "golongan": "III/b", "confirm": "y"}


def test_handover_gives_the_owner_a_fresh_account_and_leaves_the_squatters_records(
        app, courses, admin):
    squatter_browser = newcomer(app, name="Penyerobot", email="siti@palukota.go.id")
    _enrol_and_read_everything(squatter_browser, "duk-201")
    squatter = user_by_nip(PNS_NIP)
    url = f"/admin/pengguna/{squatter.id}/serahkan-nip"
    assert url in text(admin.get("/admin/"))

    refused = text(submit(admin, url, dict(HANDOVER, confirm="")))
    assert field_errors(refused, "confirm") == [
        "Centang untuk menyatakan bahwa identitas pemilik NIP sudah dipastikan."]
    assert user_by_nip(PNS_NIP).id == squatter.id

    page = text(submit(admin, url, HANDOVER))
    password = re.search(r"<code>([^<]+)</code>", page).group(1)
    assert "NIP 19860926 201505 1 001 sudah dilepas dari akun Penyerobot" in page

    owner = user_by_nip(PNS_NIP)
    assert owner.id != squatter.id and owner.name == "Siti Rahmawati, S.Kom."
    assert owner.is_verified and owner.must_change_password and owner.email == "siti@palukota.go.id"
    db.session.expire_all()
    old = db.session.get(User, squatter.id)
    assert not old.active and old.nip_released and old.email is None
    # The squatter's learning stays with the squatter: nothing is credited to the owner.
    assert _enrollment(PNS_NIP, "duk-201") is None
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.user_id == squatter.id)) == 1
    # The squatter is out everywhere; the owner gets in with the temporary password.
    assert h.page(squatter_browser, "/beranda", status=302)
    owner_browser = app.test_client()
    response = submit(owner_browser, "/masuk", {"identifier": PNS_NIP, "password": password})
    assert response.request.path == "/akun/kata-sandi"
    [release] = events("user.nip_release")
    [handover] = events("user.nip_handover")
    assert release.details["reason"] == "handover" and release.object_id == str(squatter.id)
    assert handover.details == {"nip": PNS_NIP, "from_user": squatter.id}
    assert handover.object_id == str(owner.id)
    # Twice is refused, with the reason on the page.
    again = text(admin.get(url))
    assert "NIP akun ini sudah dilepas." in again and 'name="confirm"' not in again


def test_handover_is_refused_while_the_holder_has_a_valid_certificate(app, courses, admin):
    learner = newcomer(app, name="Penyerobot")
    _enrol_and_read_everything(learner, "duk-201")
    holder = user_by_nip(PNS_NIP)
    post_queue(admin, [holder.id])  # verified by mistake, then certified
    issue_certificate(_enrollment(PNS_NIP, "duk-201"), None)
    db.session.commit()
    url = f"/admin/pengguna/{holder.id}/serahkan-nip"
    page = text(admin.get(url))
    assert "memegang 1 sertifikat berlaku" in page and 'name="confirm"' not in page
    # A post made anyway (an old tab) is refused by the service, nothing changes.
    token = csrf_token(text(admin.get("/admin/")))
    refused = text(admin.post(url, data=dict(HANDOVER, csrf_token=token)))
    assert any("memegang 1 sertifikat berlaku" in f for f in flashes(refused))
    assert user_by_nip(PNS_NIP).id == holder.id and not events("user.nip_release")


def test_admin_accounts_cannot_be_handed_over(admin):
    own = user_by_nip(ADMIN_NIP)
    page = text(admin.get(f"/admin/pengguna/{own.id}/serahkan-nip"))
    assert "NIP akun admin tidak dapat dilepas" in page


# --- the setting ---------------------------------------------------------------------------------

def test_closed_registration_is_404_and_offers_no_link(app, admin, client):
    settings = text(admin.get("/admin/pengaturan"))
    assert "Terbuka, dengan verifikasi admin" in settings
    form = {"jp_target_pns": "20", "jp_target_pppk": "20", "jp_minutes": "45",
            "registration": "closed", "upload_max_kb": "5120", "quiz_grace_seconds": "60",
            "workshop_checkin_before": "15", "workshop_checkin_after": "30",
            "workshop_link_before": "30", "item_analysis_min_attempts": "5",
            "discussion_edit_minutes": "30"}
    assert "Pengaturan disimpan." in flashes(text(submit(admin, "/admin/pengaturan", form)))
    assert get_setting("registration") == "closed"
    assert client.get("/daftar").status_code == 404
    assert "/daftar" not in text(client.get("/masuk"))
    tampered = text(submit(admin, "/admin/pengaturan", dict(form, registration="open")))
    assert field_errors(tampered, "registration") == ["Pilihan tidak valid."]


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "open-with-verification"),
    ({"LMS_SELF_REGISTRATION": "0"}, "closed"),
    ({"LMS_SELF_REGISTRATION": "1"}, "open-with-verification"),
    ({"LMS_REGISTRATION": "closed", "LMS_SELF_REGISTRATION": "1"}, "closed"),
    ({"LMS_REGISTRATION": " Open-With-Verification "}, "open-with-verification"),
])
def test_old_environment_variable_still_works(monkeypatch, env, expected):
    from config import registration_default
    monkeypatch.delenv("LMS_REGISTRATION", raising=False)
    monkeypatch.delenv("LMS_SELF_REGISTRATION", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert registration_default() == expected


def test_registered_user_logs_in_again_still_unverified(app, agencies, login):
    register(app.test_client())
    page = text(login(PNS_NIP, REG_PASSWORD))
    assert WAITING_NOTICE in page
