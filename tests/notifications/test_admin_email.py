"""/admin/email and the admin home's word on email: what an admin sees and can do."""

from sqlalchemy import select

from app.audit import AuditEvent
from app.database import utcnow
from app.extensions import db
from app.settings import get_setting
from tests.conftest import csrf_token, submit
from tests.mailbox import text_part


def _admin(create_user, login, email=None):
    admin = create_user(roles=("admin",), email=email)
    if email:
        admin.email_confirmed_at = utcnow()
        db.session.commit()
    login(admin.nip)
    return admin


def test_admin_home_says_when_email_is_off(client, create_user, login):
    _admin(create_user, login)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Email mati" in page
    assert "LMS_SMTP_HOST" in client.get("/admin/email/").get_data(as_text=True)


def test_email_on_shows_the_outbox_and_sends_a_test_mail(client, mailbox, create_user, login):
    _admin(create_user, login, email="admin@bkpsdm.palukota.go.id")
    assert "Email mati" not in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/email/").get_data(as_text=True)
    assert "127.0.0.1" in page and "Kirim email uji" in page
    client.post("/admin/email/uji", data={"csrf_token": csrf_token(page)})
    [message] = mailbox.wait_for(1)
    assert message["To"] == "admin@bkpsdm.palukota.go.id"
    assert "pengaturan SMTP" in text_part(message)


def test_failed_mails_are_counted_on_the_admin_home_and_sent_again(app, client, create_user,
                                                                    login):
    from app.notifications.models import OutboxMail

    _admin(create_user, login)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_TLS="off")
    db.session.add(OutboxMail(to_address="x@palukota.go.id", subject="S", text_body="T",
                              purpose="test", state="failed", attempts=6, language="id"))
    db.session.commit()
    home = client.get("/admin/").get_data(as_text=True)
    assert "email gagal terkirim" in home
    page = client.get("/admin/email/").get_data(as_text=True)
    reply = client.post("/admin/email/kirim-ulang", data={"csrf_token": csrf_token(page)},
                        follow_redirects=True)
    assert "1 email dikirim ulang" in reply.get_data(as_text=True)


def test_jp_reminder_schedule_is_saved_and_audited(client, create_user, login):
    _admin(create_user, login)
    reply = submit(client, "/admin/email/", {"jp_reminder_schedule": "monthly"})
    assert "Pengaturan disimpan" in reply.get_data(as_text=True)
    assert get_setting("jp_reminder.schedule") == "monthly"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.change"))
    bad = submit(client, "/admin/email/", {"jp_reminder_schedule": "hourly"})
    assert bad.status_code == 200 and get_setting("jp_reminder.schedule") == "monthly"


def test_learners_and_trainers_cannot_open_it(client, create_user, login):
    learner = create_user()
    login(learner.nip)
    assert client.get("/admin/email/").status_code in (302, 403)
