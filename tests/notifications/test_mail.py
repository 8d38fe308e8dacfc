"""Email through a real SMTP server started by the tests: what arrives, in which language,
with which links, and what happens when the server is away."""

import re

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.notifications import mail, services
from app.notifications.models import OutboxMail
from tests.mailbox import html_part, text_part


def _with_email(create_user, address, language=None, **fields):
    user = create_user(email=address, **fields)
    user.email_confirmed_at = utcnow()
    user.language = language
    db.session.commit()
    return user


def _notify_certificate(user):
    services.notify([user.id], "certificate_issued", {"title": "SPBE Dasar",
                                                       "number": "800/0001/BKPSDM/XII/2026"},
                    link="/sertifikat/saya")
    db.session.commit()


def test_certificate_mail_arrives_with_headers_links_and_unsubscribe(mailbox, create_user):
    learner = _with_email(create_user, "rina@palukota.go.id", name="Rina Lestari")
    _notify_certificate(learner)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "rina@palukota.go.id"
    assert "kompeten@bkpsdm.palukota.go.id" in message["From"]
    assert "SPBE Dasar" in message["Subject"]
    assert message["Content-Language"] == "id"
    assert message["Auto-Submitted"] == "auto-generated"
    text = text_part(message)
    assert "Yth. Rina Lestari," in text
    assert "http://127.0.0.1:5000/sertifikat/saya" in text
    html = html_part(message)
    assert "<img" not in html and "src=" not in html  # no remote images, nothing fetched
    unsubscribe = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert unsubscribe in text and message["List-Unsubscribe-Post"] == \
        "List-Unsubscribe=One-Click"


def test_one_click_unsubscribe_turns_that_kind_off(mailbox, client, create_user):
    learner = _with_email(create_user, "rina@palukota.go.id")
    _notify_certificate(learner)
    [message] = mailbox.wait_for(1)
    path = re.search(r"<http://127\.0\.0\.1:5000([^>]+)>", message["List-Unsubscribe"]).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Sertifikat diterbitkan" in page.get_data(as_text=True)
    assert services.preferences_of(learner)["certificate_issued"] == "app"
    mailbox.clear()
    _notify_certificate(learner)
    assert mailbox.wait_for(1, seconds=0.5) == []
    db.session.refresh(learner)
    assert learner.unread_notifications == 2  # still in the app


def test_mail_clients_one_click_post_needs_no_csrf(mailbox, client, create_user):
    learner = _with_email(create_user, "rina@palukota.go.id")
    token = mail.unsubscribe_token(learner.id, "certificate_issued")
    reply = client.post(f"/berhenti-email/{token}", data={"List-Unsubscribe": "One-Click"})
    assert reply.status_code == 200
    assert services.preferences_of(learner)["certificate_issued"] == "app"


def test_forged_or_foreign_unsubscribe_links_do_nothing(client, create_user):
    learner = create_user()
    for token in ("x", "A" * 10_000, mail.unsubscribe_token(learner.id, "no_such_kind"),
                  mail.unsubscribe_token(learner.id, "certificate_issued")[:-2] + "zz",
                  mail.unsubscribe_token(999_999, "certificate_issued")):
        assert client.get(f"/berhenti-email/{token}").status_code == 404


def test_mail_is_in_the_recipients_language(mailbox, create_user):
    learner = _with_email(create_user, "ana@palukota.go.id", language="en", name="Ana")
    _notify_certificate(learner)
    [message] = mailbox.wait_for(1)
    assert message["Content-Language"] == "en"
    assert "Dear Ana," in text_part(message)


def test_in_app_kinds_send_no_mail_and_unconfirmed_addresses_get_none(mailbox, create_user):
    confirmed = _with_email(create_user, "a@palukota.go.id")
    unconfirmed = create_user(email="b@palukota.go.id")
    unconfirmed.email_confirmed_at = None
    db.session.commit()
    services.notify([confirmed.id], "workshop_link", {"title": "Webinar"})  # in-app default
    services.notify([unconfirmed.id], "certificate_issued", {"title": "X", "number": "1"})
    db.session.commit()
    assert mailbox.wait_for(1, seconds=0.5) == []


def test_daily_digest_collects_everything_in_one_mail(mailbox, create_user):
    learner = _with_email(create_user, "rina@palukota.go.id")
    learner.email_digest = True
    db.session.commit()
    _notify_certificate(learner)
    services.notify([learner.id], "attempt_graded", {"quiz": "Kuis SPBE", "score": "80%"})
    db.session.commit()
    assert mailbox.wait_for(1, seconds=0.5) == []
    from app.jobs.periodic import start_periodic

    start_periodic("mail_digest")
    [message] = mailbox.wait_for(1)
    assert "2" in message["Subject"]
    text = text_part(message)
    assert "SPBE Dasar" in text and "Kuis SPBE" in text


def test_smtp_down_never_fails_the_action_and_the_mail_waits(app, create_user):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_TLS="off")  # nothing listens
    learner = _with_email(create_user, "rina@palukota.go.id")
    _notify_certificate(learner)  # commits, runs the job: must not raise
    waiting = db.session.scalar(select(OutboxMail))
    assert waiting.state == "queued" and waiting.attempts == 1
    assert waiting.next_try_at > utcnow() and "Error" in waiting.last_error
    db.session.refresh(learner)
    assert learner.unread_notifications == 1


def test_retry_sends_once_the_server_is_back(app, mailbox, create_user):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1
    learner = _with_email(create_user, "rina@palukota.go.id")
    _notify_certificate(learner)
    app.config["SMTP_PORT"] = port
    mail_row = db.session.scalar(select(OutboxMail))
    sent, failures = mail.send_due(now=mail_row.next_try_at)
    db.session.refresh(mail_row)
    assert (sent, failures) == (1, 0) and mail_row.state == "sent"
    assert len(mailbox.wait_for(1)) == 1
    assert mail.send_due(now=mail_row.next_try_at) == (0, 0)  # never twice


def test_a_mail_that_keeps_failing_is_given_up_and_counted(app, create_user):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_TLS="off", MAIL_MAX_ATTEMPTS=2)
    learner = _with_email(create_user, "rina@palukota.go.id")
    _notify_certificate(learner)
    row = db.session.scalar(select(OutboxMail))
    mail.send_due(now=row.next_try_at)
    db.session.refresh(row)
    assert row.state == "failed" and mail.failed_count() == 1
    assert mail.retry_failed() == 1


def test_without_smtp_settings_email_is_off(app, create_user):
    assert not app.config["SMTP_HOST"]
    learner = _with_email(create_user, "rina@palukota.go.id")
    _notify_certificate(learner)
    assert db.session.scalar(select(OutboxMail)) is None
