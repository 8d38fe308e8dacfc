"""Only a confirmed address receives resets and notifications: a person's own new address waits
for the link mailed to it (real SMTP, the `mailbox` fixture); one an admin, the CLI or the
roster import sets counts as confirmed."""

import re

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.admin.people_import import apply_import, check_people_csv
from app.audit import AuditEvent
from app.auth import emails
from app.auth.models import User
from app.extensions import db
from tests.auth.helpers import flashes, registration_data, text, user_by_nip
from tests.conftest import PASSWORD, PNS_NIP, submit
from tests.mailbox import html_part, text_part

LINK = re.compile(r"http://127\.0\.0\.1:5000(/akun/email/konfirmasi/[A-Za-z0-9_.\-]+)")
PROFILE = {"name": "Siti Rahmawati", "phone": "", "jabatan_type": "fungsional",
           "jabatan_title": ""}
ADMIN_NIP, OTHER_NIP = "197503121998032004", "199105052019031007"


@pytest.fixture
def siti(create_user):
    """A learner whose address an admin set: confirmed."""
    return create_user(nip=PNS_NIP, name="Siti Rahmawati", email="siti@palukota.go.id",
                       jabatan_type="fungsional")


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def confirm_path(message):
    match = LINK.search(text_part(message))
    assert match, text_part(message)
    return match.group(1)


def set_own_email(client, address):
    return submit(client, "/akun", dict(PROFILE, email=address))


def log_in(app, identifier, password=PASSWORD):
    client = app.test_client()
    submit(client, "/masuk", {"identifier": identifier, "password": password})
    return client


def logged_in_as(client):
    page = client.get("/beranda")
    return page.status_code == 200


# --- changing one's own address ---------------------------------------------------------------

def test_a_new_address_waits_while_the_confirmed_one_stays_in_use(app, client, mailbox, siti,
                                                                  login):
    login(PNS_NIP)
    saved = set_own_email(client, "Siti.Baru@PaluKota.go.id")
    assert "Tautan konfirmasi dikirim ke siti.baru@palukota.go.id" in " ".join(
        flashes(text(saved)))
    siti = reload(siti)
    assert (siti.email, siti.pending_email) == ("siti@palukota.go.id", "siti.baru@palukota.go.id")
    assert siti.mail_address == "siti@palukota.go.id" and siti.email_confirmed_at is not None

    [message] = mailbox.wait_for(1)
    assert message["To"] == "siti.baru@palukota.go.id"  # the new address, not the old one
    assert message["Subject"] == "Konfirmasi alamat email Anda di Kompeten"
    assert message["Content-Language"] == "id"
    assert "berlaku 48 jam" in text_part(message)
    path = confirm_path(message)
    assert f'href="http://127.0.0.1:5000{path}"' in html_part(message)

    page = text(client.get("/akun"))
    assert "Menunggu konfirmasi" in page and "siti.baru@palukota.go.id" in page
    assert "Kirim ulang tautan konfirmasi" in page
    # Until it is confirmed, login and resets go by the confirmed address.
    assert logged_in_as(log_in(app, "siti@palukota.go.id"))
    assert not logged_in_as(log_in(app, "siti.baru@palukota.go.id"))

    confirmed = app.test_client().get(path)  # another browser, not logged in: the link is proof
    assert confirmed.status_code == 200
    assert "siti.baru@palukota.go.id sudah dikonfirmasi" in text(confirmed)
    siti = reload(siti)
    assert (siti.email, siti.pending_email) == ("siti.baru@palukota.go.id", None)
    assert siti.mail_address == "siti.baru@palukota.go.id"
    assert logged_in_as(log_in(app, "siti.baru@palukota.go.id"))
    assert not logged_in_as(log_in(app, "siti@palukota.go.id"))
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "account.email_confirmed"))
    assert event.details == {"email": "siti.baru@palukota.go.id", "before": "siti@palukota.go.id"}
    assert "Terkonfirmasi" in text(client.get("/akun"))

    again = app.test_client().get(path)  # twice changes nothing
    assert again.status_code == 200 and reload(siti).mail_address == "siti.baru@palukota.go.id"


def test_a_reset_asked_while_an_address_waits_goes_to_the_confirmed_one(app, client, mailbox,
                                                                        siti, login):
    login(PNS_NIP)
    set_own_email(client, "penyerang@contoh.id")
    submit(app.test_client(), "/lupa-kata-sandi", {"identifier": PNS_NIP})
    assert [m["To"] for m in mailbox.wait_for(2)] == ["penyerang@contoh.id",
                                                       "siti@palukota.go.id"]
    submit(app.test_client(), "/lupa-kata-sandi", {"identifier": "penyerang@contoh.id"})
    assert len(mailbox.wait_for(3, seconds=0.3)) == 2  # a pending address is nobody's login


def test_typing_the_same_address_again_changes_nothing_and_sends_nothing(client, mailbox, siti,
                                                                       login):
    login(PNS_NIP)
    set_own_email(client, "baru@palukota.go.id")
    mailbox.wait_for(1)
    assert "Tidak ada yang berubah." in text(set_own_email(client, "baru@palukota.go.id"))
    assert "Tidak ada yang berubah." in text(set_own_email(client, "siti@palukota.go.id"))
    assert len(mailbox.wait_for(2, seconds=0.3)) == 1
    assert reload(siti).pending_email == "baru@palukota.go.id"


def test_removing_the_address_removes_it_all(client, mailbox, siti, login):
    login(PNS_NIP)
    set_own_email(client, "baru@palukota.go.id")
    set_own_email(client, "")
    siti = reload(siti)
    assert (siti.email, siti.pending_email, siti.email_confirmed_at) == (None, None, None)


def test_a_link_for_an_address_given_up_since_is_refused(app, client, mailbox, siti, login):
    login(PNS_NIP)
    set_own_email(client, "pertama@palukota.go.id")
    first = confirm_path(mailbox.wait_for(1)[0])
    set_own_email(client, "kedua@palukota.go.id")
    second = confirm_path(mailbox.wait_for(2)[1])
    refused = app.test_client().get(first)
    assert refused.status_code == 404
    assert "alamat email akun sudah diubah" in text(refused)
    assert app.test_client().get(second).status_code == 200
    assert reload(siti).email == "kedua@palukota.go.id"


def test_an_address_taken_by_another_account_meanwhile_is_not_confirmed(app, client, mailbox,
                                                                        siti, login,
                                                                        create_user):
    login(PNS_NIP)
    set_own_email(client, "rebutan@palukota.go.id")
    path = confirm_path(mailbox.wait_for(1)[0])
    create_user(nip=OTHER_NIP, email="rebutan@palukota.go.id")  # an admin gave it to another
    refused = app.test_client().get(path)
    assert refused.status_code == 409
    assert "rebutan@palukota.go.id sudah dipakai akun lain" in text(refused)
    assert reload(siti).email == "siti@palukota.go.id"


def test_the_link_expires_after_48_hours(app, client, mailbox, siti, login, monkeypatch):
    login(PNS_NIP)
    set_own_email(client, "baru@palukota.go.id")
    path = confirm_path(mailbox.wait_for(1)[0])
    now = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 49 * 3600)
    assert app.test_client().get(path).status_code == 404
    assert reload(siti).pending_email == "baru@palukota.go.id"


def test_hostile_confirmation_links_get_a_clear_page(app, client, siti):
    sign = URLSafeTimedSerializer("test-secret-key", salt=emails.CONFIRM_SALT).dumps
    for bad in ("x", "A" * 10_000, "abc%00def", sign({"u": siti.id}), sign({"u": True, "e": "a"}),
                sign({"u": 999_999, "e": "siti@palukota.go.id"}), sign("siti@palukota.go.id"),
                URLSafeTimedSerializer("test-secret-key", salt=emails.RESET_SALT).dumps(
                    {"u": siti.id, "e": "x@contoh.id"}),
                sign({"u": siti.id, "e": "penyerang@contoh.id"})):
        page = client.get(f"/akun/email/konfirmasi/{bad}")
        assert page.status_code == 404, bad[:40]
        assert "tidak berlaku" in text(page)
    assert reload(siti).email == "siti@palukota.go.id"


def test_resending_goes_to_the_waiting_address_and_is_limited(client, mailbox, siti, login):
    login(PNS_NIP)
    set_own_email(client, "baru@palukota.go.id")
    answers = [submit(client, "/akun", {}, post_url="/akun/email/kirim-ulang",
                      follow_redirects=False).status_code for _ in range(6)]
    assert answers == [302] * 5 + [429]
    assert [m["To"] for m in mailbox.wait_for(6)] == ["baru@palukota.go.id"] * 6


def test_resending_with_nothing_waiting_says_so(client, mailbox, siti, login):
    login(PNS_NIP)
    nothing = submit(client, "/akun", {}, post_url="/akun/email/kirim-ulang")
    assert "Tidak ada alamat email yang menunggu konfirmasi." in " ".join(flashes(text(nothing)))
    assert mailbox.wait_for(1, seconds=0.3) == []


def test_resend_needs_a_login_and_a_csrf_token(client, siti, login):
    anonymous = submit(client, "/masuk", {}, post_url="/akun/email/kirim-ulang",
                       follow_redirects=False)
    assert anonymous.headers["Location"].startswith("/masuk")
    login(PNS_NIP)
    assert client.post("/akun/email/kirim-ulang").status_code == 400


def test_the_profile_shows_each_state(client, mailbox, create_user, login):
    user = create_user(nip=PNS_NIP, email="siti@palukota.go.id")
    user.email_confirmed_at = None
    db.session.commit()
    login(PNS_NIP)
    page = text(client.get("/akun"))
    assert "Belum dikonfirmasi" in page and "Kirim ulang tautan konfirmasi" in page
    user.email = None
    db.session.commit()
    page = text(client.get("/akun"))
    assert "dikonfirmasi" not in page and "Kirim ulang" not in page


# --- email off on the server ------------------------------------------------------------------

def test_with_email_off_the_address_is_stored_unconfirmed(client, siti, login):
    login(PNS_NIP)
    saved = text(set_own_email(client, "baru@palukota.go.id"))
    assert "Profil disimpan." in saved and "Tautan konfirmasi" not in saved
    siti = reload(siti)
    assert (siti.email, siti.pending_email, siti.email_confirmed_at) == (
        "baru@palukota.go.id", None, None)
    page = text(client.get("/akun"))
    assert "Belum dikonfirmasi" in page and "belum dapat dikonfirmasi" in page
    assert "Kirim ulang tautan konfirmasi" not in page


# --- registration -----------------------------------------------------------------------------

def test_a_registration_address_is_unconfirmed_until_its_link_is_opened(app, client, mailbox,
                                                                        agencies):
    page = submit(client, "/daftar", registration_data(email="Siti.R@PaluKota.go.id"))
    assert "Kami mengirim tautan konfirmasi ke siti.r@palukota.go.id" in " ".join(
        flashes(text(page)))
    user = user_by_nip(PNS_NIP)
    assert (user.email, user.pending_email, user.email_confirmed_at) == (
        "siti.r@palukota.go.id", None, None)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "siti.r@palukota.go.id"
    # Unconfirmed, it gets no reset link.
    submit(app.test_client(), "/lupa-kata-sandi", {"identifier": PNS_NIP})
    assert len(mailbox.wait_for(2, seconds=0.3)) == 1

    assert app.test_client().get(confirm_path(message)).status_code == 200
    assert user_by_nip(PNS_NIP).mail_address == "siti.r@palukota.go.id"
    submit(app.test_client(), "/lupa-kata-sandi", {"identifier": PNS_NIP})
    assert mailbox.wait_for(2)[1]["Subject"] == "Atur ulang kata sandi Kompeten"


def test_registration_without_email_on_sends_nothing(client, agencies):
    page = text(submit(client, "/daftar", registration_data()))
    assert "tautan konfirmasi" not in page
    user = user_by_nip(PNS_NIP)
    assert user.email == "siti.rahmawati@palukota.go.id" and user.email_confirmed_at is None


# --- addresses set by an admin, the CLI or the roster ------------------------------------------

def test_addresses_set_by_an_admin_are_confirmed(app, client, mailbox, agencies, create_user,
                                                 login):
    create_user(nip=ADMIN_NIP, roles=("admin", "learner"))
    login(ADMIN_NIP)
    form = {"name": "Rudi", "email": "Rudi@PaluKota.go.id", "agency_id": "0",
            "jabatan_type": "pelaksana", "jabatan_title": "", "golongan": "", "roles": ["learner"]}
    submit(client, "/admin/pengguna/baru", dict(form, nip=OTHER_NIP))
    rudi = user_by_nip(OTHER_NIP)
    assert rudi.mail_address == "rudi@palukota.go.id"

    rudi.pending_email, rudi.email_confirmed_at = "rudi.pribadi@contoh.id", None
    db.session.commit()
    submit(client, f"/admin/pengguna/{rudi.id}", form)  # saved unchanged: the state stays
    assert (reload(rudi).pending_email, reload(rudi).email_confirmed_at) == (
        "rudi.pribadi@contoh.id", None)
    submit(client, f"/admin/pengguna/{rudi.id}", dict(form, email="rudi.baru@palukota.go.id"))
    rudi = reload(rudi)
    assert rudi.mail_address == "rudi.baru@palukota.go.id" and rudi.pending_email is None
    submit(client, f"/admin/pengguna/{rudi.id}", dict(form, email=""))
    rudi = reload(rudi)
    assert (rudi.email, rudi.email_confirmed_at, rudi.pending_email) == (None, None, None)
    assert mailbox.wait_for(1, seconds=0.3) == []  # an admin's address needs no link


def test_the_cli_and_the_first_admin_set_confirmed_addresses(app, create_user):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--nip", OTHER_NIP, "--name", "Rudi", "--email",
              "rudi@palukota.go.id"], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_by_nip(OTHER_NIP).mail_address == "rudi@palukota.go.id"
    assert create_user(email="andi@palukota.go.id").mail_address == "andi@palukota.go.id"
    assert create_user().email_confirmed_at is None


def test_the_roster_import_confirms_new_and_changed_addresses(app, create_user, agencies):
    admin = create_user(nip=ADMIN_NIP, roles=("admin",))
    waiting = create_user(nip=OTHER_NIP, email="lama@palukota.go.id")
    waiting.pending_email = "pribadi@contoh.id"
    unconfirmed = create_user(nip="198703152010012002", email="tetap@palukota.go.id")
    unconfirmed.email_confirmed_at = None
    db.session.commit()
    roster = ("nip;nama;email;kode_opd;jenis_jabatan;jabatan;golongan;jenis_asn;peran\n"
              f"{PNS_NIP};Siti;siti@palukota.go.id;BKPSDM;pelaksana;Staf;III/a;PNS;peserta\n"
              f"{OTHER_NIP};Rudi;rudi@palukota.go.id;BKPSDM;pelaksana;Staf;III/a;PNS;peserta\n"
              "198703152010012002;Dewi;tetap@palukota.go.id;BKPSDM;pelaksana;Staf;III/a;PNS;"
              "peserta\n").encode()
    check = check_people_csv(roster, admin)
    assert check.ok, check.problems
    apply_import(check, admin)
    db.session.commit()
    assert user_by_nip(PNS_NIP).mail_address == "siti@palukota.go.id"
    rudi = user_by_nip(OTHER_NIP)
    assert (rudi.mail_address, rudi.pending_email) == ("rudi@palukota.go.id", None)
    # The same address as before keeps its state (the roster did not set it).
    assert user_by_nip("198703152010012002").email_confirmed_at is None


def test_releasing_a_nip_clears_the_address_and_its_confirmation(client, agencies, create_user,
                                                                 login):
    from app.admin.services import release_nip

    admin = create_user(nip=ADMIN_NIP, roles=("admin",))
    rudi = create_user(nip=OTHER_NIP, email="rudi@palukota.go.id")
    release_nip(rudi, admin, "salah orang")
    db.session.commit()
    rudi = reload(rudi)
    assert (rudi.email, rudi.email_confirmed_at, rudi.pending_email) == (None, None, None)
