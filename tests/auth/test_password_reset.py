""""Lupa kata sandi": a reset link by email, through a real SMTP server (the `mailbox` fixture),
read back and followed like a person would, and poked at like an attacker would."""

import re

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth import emails, services
from app.database import utcnow
from app.extensions import db
from tests.auth.helpers import flashes, is_logged_in, text
from tests.conftest import PASSWORD, csrf_token, run_together, submit
from tests.mailbox import html_part, text_part

FORGOT = "/lupa-kata-sandi"
NEW = "kata-sandi-baru-2026"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/atur-ulang-kata-sandi/[A-Za-z0-9_.\-]+)")
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')

SITI_NIP, RUDI_NIP, ANDI_NIP, DEWI_NIP = ("198609262015051001", "199105052019031007",
                                          "198703152010012002", "200012312024211001")


@pytest.fixture
def siti(create_user):
    """An active account with a confirmed address (set by an admin: confirmed at once)."""
    return create_user(nip=SITI_NIP, name="Siti Rahmawati", email="siti@palukota.go.id")


def ask(client, identifier):
    return submit(client, FORGOT, {"identifier": identifier})


def reset_path(message):
    match = LINK.search(text_part(message))
    assert match, text_part(message)
    return match.group(1)


def same_for_everyone(response):
    """The page as anyone could compare it: the per-request CSRF token taken out."""
    return response.status_code, CSRF_VALUE.sub(r'\1"', text(response))


def reset_events():
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.password_reset_request").order_by(AuditEvent.id)).all()


# --- asking -----------------------------------------------------------------------------------

def test_the_login_page_leads_to_the_forgot_page(client, mailbox):
    assert 'href="/lupa-kata-sandi"' in text(client.get("/masuk"))
    page = text(client.get(FORGOT))
    assert "Lupa kata sandi" in page and 'name="identifier"' in page


def test_the_answer_is_the_same_whether_or_not_the_account_can_get_a_mail(
        app, client, mailbox, siti, create_user):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "100 per hour"
    unconfirmed = create_user(nip=RUDI_NIP, email="rudi@palukota.go.id")
    unconfirmed.email_confirmed_at = None
    create_user(nip=ANDI_NIP)  # no address at all
    inactive = create_user(nip=DEWI_NIP, email="dewi@palukota.go.id")
    inactive.active = False
    db.session.commit()
    answers = {identifier: same_for_everyone(ask(client, identifier)) for identifier in (
        SITI_NIP, "SITI@palukota.go.id", "rudi@palukota.go.id", RUDI_NIP, ANDI_NIP, DEWI_NIP,
        "dewi@palukota.go.id", "19990101 202001 1 001", "tidak.ada@palukota.go.id", "12345")}
    assert len(set(answers.values())) == 1, "the page must not tell accounts apart"
    status, page = answers[SITI_NIP]
    assert status == 200
    assert "Jika akun dengan NIP atau email itu punya alamat email yang sudah dikonfirmasi" in page
    assert "30 menit" in page and "admin BKPSDM" in page
    assert SITI_NIP not in page and "siti@" not in page.lower()
    # Only the confirmed, active address got mail: by NIP and by address, nobody else.
    assert [m["To"] for m in mailbox.wait_for(2)] == ["siti@palukota.go.id"] * 2
    assert mailbox.wait_for(3, seconds=0.3)[2:] == []
    outcomes = [event.details["outcome"] for event in reset_events()]
    assert outcomes == ["sent", "sent", "no_confirmed_email", "no_confirmed_email",
                        "no_confirmed_email", "inactive", "inactive", "unknown", "unknown",
                        "unknown"]


def test_requests_are_audited_without_what_was_typed(client, mailbox, siti):
    ask(client, "siti@palukota.go.id")
    ask(client, "orang.lain@palukota.go.id")
    known, unknown = reset_events()
    assert known.object_id == str(siti.id) and unknown.object_id is None
    for event in (known, unknown):
        assert event.actor_id is None and event.address == "127.0.0.1"
        assert len(event.details["identifier_sha256"]) == 16
        assert "palukota" not in event.details_json and SITI_NIP not in event.details_json


def test_a_blank_identifier_is_named_and_nothing_is_sent(client, mailbox, siti):
    page = text(ask(client, "  "))
    assert "Wajib diisi." in page
    assert mailbox.wait_for(1, seconds=0.3) == [] and reset_events() == []


def test_with_email_off_the_page_says_to_ask_the_admin(client, siti):
    page = text(client.get(FORGOT))
    assert "belum tersedia di server ini" in page and "admin BKPSDM" in page
    assert 'name="identifier"' not in page


# --- the mail ---------------------------------------------------------------------------------

def test_the_mail_has_headers_and_one_link_in_both_parts(client, mailbox, siti):
    ask(client, SITI_NIP)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "siti@palukota.go.id"
    assert "kompeten@bkpsdm.palukota.go.id" in message["From"]
    assert message["Subject"] == "Atur ulang kata sandi Kompeten"
    assert message["Content-Language"] == "id"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None  # not a notification: nothing to turn off
    body = text_part(message)
    assert "Yth. Siti Rahmawati," in body and "berlaku 30 menit" in body
    assert "Jika Anda tidak memintanya, abaikan email ini" in body
    path = reset_path(message)
    assert f'href="http://127.0.0.1:5000{path}"' in html_part(message)
    assert PASSWORD not in body


def test_the_mail_is_in_the_owners_language(client, mailbox, siti):
    siti.language = "en"
    db.session.commit()
    ask(client, SITI_NIP)
    [message] = mailbox.wait_for(1)
    assert message["Content-Language"] == "en"
    assert '<html lang="en">' in html_part(message)
    reset_path(message)  # the link is there whatever the wording


def test_the_link_is_built_on_the_base_url_never_the_host_header(client, mailbox, siti):
    token = csrf_token(text(client.get(FORGOT, headers={"Host": "evil.example"})))
    client.post(FORGOT, data={"identifier": SITI_NIP, "csrf_token": token},
                headers={"Host": "evil.example"})
    [message] = mailbox.wait_for(1)
    assert "evil.example" not in text_part(message) + html_part(message)
    reset_path(message)


# --- the link ---------------------------------------------------------------------------------

def test_the_link_sets_a_new_password_once_and_ends_every_other_session(
        app, client, mailbox, siti, login):
    elsewhere = app.test_client()
    submit(elsewhere, "/masuk", {"identifier": SITI_NIP, "password": PASSWORD})
    assert is_logged_in(elsewhere)
    siti.must_change_password = True
    db.session.commit()
    ask(client, "siti@palukota.go.id")
    path = reset_path(mailbox.wait_for(1)[0])

    form = client.get(path)
    assert form.status_code == 200 and "Buat kata sandi baru" in text(form)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in form.headers["Cache-Control"]
    done = submit(client, path, {"password": NEW, "password_confirm": NEW})
    assert done.request.path == "/masuk"
    assert "semua sesi akun ini telah diakhiri" in " ".join(flashes(text(done)))

    assert not is_logged_in(elsewhere)
    db.session.expire_all()
    assert not siti.must_change_password
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "auth.password_reset")).object_id == str(siti.id)
    assert "NIP/email atau kata sandi salah." in text(login(SITI_NIP))  # the old one is gone
    assert is_logged_in(app.test_client()) is False
    fresh = app.test_client()
    submit(fresh, "/masuk", {"identifier": SITI_NIP, "password": NEW})
    assert is_logged_in(fresh)

    used = app.test_client().get(path)
    assert used.status_code == 404
    assert "Minta tautan baru" in text(used) and 'href="/lupa-kata-sandi"' in text(used)


def test_the_new_password_follows_the_usual_rules(client, mailbox, siti):
    ask(client, SITI_NIP)
    path = reset_path(mailbox.wait_for(1)[0])
    for password, confirm, message in (
            ("pendek", "pendek", "Kata sandi minimal 8 karakter."),
            (SITI_NIP, SITI_NIP, "Kata sandi tidak boleh sama dengan NIP."),
            ("password123", "password123", "terlalu umum"),
            (NEW, NEW + "x", "Kedua kata sandi tidak sama.")):
        page = submit(client, path, {"password": password, "password_confirm": confirm})
        assert page.status_code == 200 and message in text(page)
    assert client.get(path).status_code == 200  # a refused password does not use the link up


def test_the_link_expires_after_thirty_minutes(client, mailbox, siti, monkeypatch):
    ask(client, SITI_NIP)
    path = reset_path(mailbox.wait_for(1)[0])
    now = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 29 * 60)
    assert client.get(path).status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 31 * 60)
    expired = client.get(path)
    assert expired.status_code == 404 and "Minta tautan baru" in text(expired)


def test_a_newer_link_and_a_changed_password_end_the_old_link(app, client, mailbox, siti,
                                                               login):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "100 per hour"
    ask(client, SITI_NIP)
    first = reset_path(mailbox.wait_for(1)[0])
    ask(client, SITI_NIP)
    second = reset_path(mailbox.wait_for(2)[1])
    submit(client, second, {"password": NEW, "password_confirm": NEW})
    assert client.get(first).status_code == 404  # one reset ends every link sent before it

    ask(client, SITI_NIP)
    third = reset_path(mailbox.wait_for(3)[2])
    login(SITI_NIP, NEW)
    submit(client, "/akun/kata-sandi", {"current_password": NEW, "password": NEW + "!",
                                        "password_confirm": NEW + "!"})
    assert client.get(third).status_code == 404


def test_a_link_for_an_address_no_longer_confirmed_or_a_deactivated_account_is_dead(
        client, mailbox, siti):
    ask(client, SITI_NIP)
    path = reset_path(mailbox.wait_for(1)[0])
    siti.email = "baru@palukota.go.id"  # an admin changed the address since
    db.session.commit()
    assert client.get(path).status_code == 404
    siti.email = "siti@palukota.go.id"
    db.session.commit()
    assert client.get(path).status_code == 200
    siti.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def _forged(payload, salt=emails.RESET_SALT, key="test-secret-key"):
    return URLSafeTimedSerializer(key, salt=salt).dumps(payload)


def test_hostile_tokens_get_a_clear_page_never_an_error(app, client, siti):
    fingerprint = emails.password_fingerprint(siti)
    real = _forged({"u": siti.id, "f": fingerprint})
    hostile = [
        "x", "A" * 10_000, "abc%00def", "%00", real[:-3] + "abc", real + "x",
        _forged({"u": siti.id, "f": fingerprint}, key="another-secret"),
        _forged({"u": siti.id, "f": fingerprint}, salt=emails.CONFIRM_SALT),
        _forged({"u": 999_999, "f": fingerprint}), _forged({"u": str(siti.id), "f": fingerprint}),
        _forged({"u": siti.id, "f": "0" * 32}), _forged([siti.id, fingerprint]),
        _forged({"u": siti.id}), _forged(None), _forged({"u": True, "f": fingerprint}),
    ]
    token = csrf_token(text(client.get("/masuk")))
    for bad in hostile:
        page = client.get(f"/atur-ulang-kata-sandi/{bad}")
        assert page.status_code == 404, bad[:40]
        assert "Tautan tidak berlaku" in text(page)
        posted = client.post(f"/atur-ulang-kata-sandi/{bad}",
                             data={"password": NEW, "password_confirm": NEW, "csrf_token": token})
        assert posted.status_code == 404, bad[:40]
    db.session.expire_all()
    assert services.authenticate(SITI_NIP, PASSWORD) is not None  # nothing changed
    assert client.get(f"/atur-ulang-kata-sandi/{real}").status_code == 200  # the real one


def test_two_posts_of_one_link_at_once_change_the_password_once(app, siti):
    with app.test_request_context():
        token = emails.reset_token(siti)

    def use(index, barrier):
        barrier.wait()
        try:
            services.reset_password(token, f"{NEW}-{index}")
        except services.InvalidLink:
            db.session.rollback()
            return False
        db.session.commit()
        return True

    assert sorted(run_together(app, use, 2)) == [False, True]
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.password_reset")).all()) == 1


# --- limits -----------------------------------------------------------------------------------

def test_one_address_is_limited_over_all_accounts(client, mailbox, siti):
    for n in range(5):
        assert ask(client, f"orang{n}@palukota.go.id").status_code == 200
    refused = ask(client, SITI_NIP)
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in text(refused) and "5 permintaan per jam" in text(refused)
    assert mailbox.wait_for(1, seconds=0.3) == []
    assert client.get(FORGOT).status_code == 200  # the page itself still opens


def test_one_account_is_limited_from_every_address_with_the_same_answer(app, mailbox, siti):
    answers = []
    for n in range(7):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        # By NIP and by address alike: both name the one account.
        answers.append(same_for_everyone(ask(client, SITI_NIP if n % 2 else "siti@palukota.go.id")))
    assert len(set(answers)) == 1 and answers[0][0] == 200
    assert len(mailbox.wait_for(6, seconds=0.5)) == 5
    assert [event.details["outcome"] for event in reset_events()][-2:] == ["throttled"] * 2


def test_the_account_limit_holds_per_account_not_per_person_asking(app, mailbox, siti,
                                                                   create_user):
    create_user(nip=RUDI_NIP, email="rudi@palukota.go.id")
    for n in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{n + 1}"
        ask(client, SITI_NIP)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.99"
    ask(client, RUDI_NIP)
    assert [m["To"] for m in mailbox.wait_for(6)][-1] == "rudi@palukota.go.id"


def test_a_user_already_confirmed_long_ago_still_gets_the_link(client, mailbox, siti):
    siti.email_confirmed_at = utcnow().replace(year=2020)
    db.session.commit()
    ask(client, SITI_NIP)
    assert len(mailbox.wait_for(1)) == 1
