"""Email: an outbox table written in the transaction of what caused a mail, and a job that
turns waiting notifications into mails and sends the outbox over SMTP, with retries.

Email is off until LMS_SMTP_HOST is set (the admin home says so). A send that fails is tried
again later (1, 5, 15, 60, 180 minutes) and finally marked failed; it never fails the action
that caused it, which committed long before. Every mail is written in its recipient's
interface language, as plain text with a light HTML twin (no remote images), and every
notification mail carries a signed one-click link that turns its kind of email off."""

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select, update

from app.auth.models import User
from app.database import utcnow
from app.extensions import db
from app.i18n import current_language
from app.notifications.kinds import KINDS, notification_text
from app.notifications.models import (
    MAIL_DIGEST,
    MAIL_DONE,
    MAIL_QUEUED,
    OUTBOX_FAILED,
    OUTBOX_QUEUED,
    OUTBOX_SENT,
    Notification,
    OutboxMail,
)
from app.notifications.services import link_to, mail_enabled
from app.settings import get_setting
from app.web import absolute_url

log = logging.getLogger(__name__)

SEND_JOB = "mail.send"
DIGEST_JOB = "mail.digest"
RETRY_MINUTES = (1, 5, 15, 60, 180)
BATCH = 200
ALL_KINDS = "*"  # an unsubscribe link in a digest: every kind of email
_SENDING_KEY = "kompeten_mail_job_started"


# --- links ------------------------------------------------------------------------------------

def _unsubscribe_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kompeten-unsubscribe")


def unsubscribe_token(user_id, kind):
    return _unsubscribe_serializer().dumps([user_id, kind])


def read_unsubscribe_token(token):
    """(user id, kind) from a link in an email, or None when it was not made here."""
    try:
        user_id, kind = _unsubscribe_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (kind not in KINDS and kind != ALL_KINDS):
        return None
    return user_id, kind


def unsubscribe_url(user_id, kind):
    return absolute_url(link_to("notifications.unsubscribe", token=unsubscribe_token(user_id,
                                                                                     kind)))


# --- composing ----------------------------------------------------------------------------------

def language_of(user):
    return user.language if user is not None and user.language in ("id", "en") else "id"


def compose(user, to_address, purpose, subject, lines, link=None, link_text=None,
            unsubscribe=None):
    """An OutboxMail in the recipient's language (call inside force_locale)."""
    context = {"user": user, "lines": lines, "link": link, "link_text": link_text,
               "unsubscribe": unsubscribe, "institution": get_setting("institution_name"),
               "settings_url": absolute_url(_settings_path()), "subject": subject}
    return {
        "user_id": user.id if user is not None else None, "to_address": to_address,
        "subject": subject[:300], "purpose": purpose, "unsubscribe_url": unsubscribe,
        "text_body": render_template("notifications/mail.txt", **context),
        "html_body": render_template("notifications/mail.html", **context),
        "state": OUTBOX_QUEUED, "created_at": utcnow(), "next_try_at": utcnow(),
        "language": current_language(),
    }


def _settings_path():
    return link_to("notifications.preferences")


def queue_mail(user, to_address, purpose, subject, lines, link=None, link_text=None):
    """Put one mail (a password reset, an address confirmation) in the outbox; it is sent
    after the caller commits. Call inside force_locale(language_of(user))."""
    if not mail_enabled():
        return False
    db.session.execute(insert(OutboxMail),
                       [compose(user, to_address, purpose, subject, lines, link, link_text)])
    send_soon()
    return True


def _notification_mail(notification, user):
    text = notification_text(notification)
    link = absolute_url(notification.link) if notification.link else None
    subject = f"{text[:120]}{'…' if len(text) > 120 else ''}"
    return compose(user, user.email, notification.kind, subject, [text], link,
                   _("Buka di Kompeten"), unsubscribe_url(user.id, notification.kind))


def _digest_mail(user, notifications):
    lines = [notification_text(n) for n in notifications[:50]]
    if len(notifications) > 50:
        lines.append(_("… dan %(count)d lainnya.", count=len(notifications) - 50))
    subject = _("Ringkasan harian: %(count)d pemberitahuan", count=len(notifications))
    return compose(user, user.email, "digest", subject, lines,
                   absolute_url(link_to("notifications.index")), _("Lihat semua pemberitahuan"),
                   unsubscribe_url(user.id, ALL_KINDS))


def compose_waiting():
    """Turn notifications waiting for email into outbox mails, in batches. Returns how many."""
    made = 0
    while True:
        rows = db.session.execute(
            select(Notification, User).join(User, User.id == Notification.user_id)
            .where(Notification.mail_state == MAIL_QUEUED)
            .order_by(Notification.id).limit(BATCH)).all()
        if not rows:
            return made
        mails = []
        for notification, user in rows:
            if not _claim(Notification, notification.id, Notification.mail_state == MAIL_QUEUED,
                          mail_state=MAIL_DONE):
                continue  # another sender took it
            if user.mail_address:
                with force_locale(language_of(user)):
                    mails.append(_notification_mail(notification, user))
        if mails:
            db.session.execute(insert(OutboxMail), mails)
        db.session.commit()
        made += len(mails)


def compose_digests():
    """One mail per person with everything kept for their daily digest."""
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.mail_state == MAIL_DIGEST)
        .order_by(Notification.user_id, Notification.created_at)).all()
    by_user = {}
    for notification, user in rows:
        if not _claim(Notification, notification.id, Notification.mail_state == MAIL_DIGEST,
                      mail_state=MAIL_DONE):
            continue
        by_user.setdefault(user.id, (user, []))[1].append(notification)
    mails = []
    for user, notifications in by_user.values():
        if user.mail_address:
            with force_locale(language_of(user)):
                mails.append(_digest_mail(user, notifications))
    if mails:
        db.session.execute(insert(OutboxMail), mails)
    db.session.commit()
    return len(mails)


def _claim(model, row_id, condition, **values):
    """A conditional UPDATE of one row: True for the one sender that changed it, so two
    senders at once (a periodic run beside a request's) never mail anything twice."""
    return db.session.execute(update(model).where(model.id == row_id, condition).values(**values)
                              .execution_options(synchronize_session=False)).rowcount == 1


# --- sending --------------------------------------------------------------------------------

def send_soon():
    """Start the sending job once per transaction (deduplicated: one waiting or running job
    sends everything); it runs after the caller commits."""
    session = db.session()
    if session.info.get(_SENDING_KEY) or not mail_enabled():
        return
    from app.jobs.services import start_job

    start_job(SEND_JOB, {}, None, subject_key=SEND_JOB)
    session.info[_SENDING_KEY] = True


def _forget_started(session):
    session.info.pop(_SENDING_KEY, None)


def _sender_address():
    config = current_app.config
    address = config.get("MAIL_FROM") or f"kompeten@{config['SMTP_HOST']}"
    return formataddr((get_setting("institution_name") or "Kompeten", address))


def build_message(mail):
    message = EmailMessage()
    message["From"] = _sender_address()
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=(current_app.config.get("MAIL_FROM") or
                                               "kompeten.local").rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text_body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
    # After the parts: making the message multipart moves every Content-* header into them.
    message["Content-Language"] = mail.language
    return message


def _connect():
    config = current_app.config
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    mode = (config.get("SMTP_TLS") or "starttls").lower()
    if mode == "ssl":
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if mode == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        connection.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return connection


def _due_mails(now):
    return db.session.scalars(
        select(OutboxMail).where(OutboxMail.state == OUTBOX_QUEUED,
                                 OutboxMail.next_try_at <= now)
        .order_by(OutboxMail.id).limit(BATCH)).all()


def _failed(mail, error, now):
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:1000]
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        mail.state = OUTBOX_FAILED
    else:
        wait = RETRY_MINUTES[min(mail.attempts, len(RETRY_MINUTES)) - 1]
        mail.next_try_at = now + timedelta(minutes=wait)


def send_due(now=None):
    """Send every outbox mail that is due; returns (sent, failed attempts)."""
    sent = failures = 0
    while True:
        now = now or utcnow()
        mails = _due_mails(now)
        if not mails:
            return sent, failures
        try:
            connection = _connect()
        except (OSError, smtplib.SMTPException) as error:
            log.warning("SMTP server unreachable (%s); %d mails wait for the next try",
                        error, len(mails))
            for mail in mails:
                _failed(mail, error, now)
            db.session.commit()
            return sent, failures + len(mails)
        with connection:
            for mail in mails:
                # Leased for ten minutes: a sender that dies mid-send leaves it to be retried.
                if not _claim(OutboxMail, mail.id, (OutboxMail.state == OUTBOX_QUEUED) &
                              (OutboxMail.next_try_at <= now),
                              next_try_at=now + timedelta(minutes=10)):
                    continue
                try:
                    connection.send_message(build_message(mail))
                except (OSError, smtplib.SMTPException) as error:
                    _failed(mail, error, now)
                    failures += 1
                else:
                    mail.state, mail.sent_at, mail.attempts = OUTBOX_SENT, utcnow(), \
                        mail.attempts + 1
                    sent += 1
                db.session.commit()
        now = None


def has_due_mail():
    """Whether a retry run has anything to do (its schedule asks, so an idle outbox adds no
    job record every five minutes)."""
    return db.session.scalar(select(OutboxMail.id).where(
        OutboxMail.state == OUTBOX_QUEUED, OutboxMail.next_try_at <= utcnow()).limit(1)) \
        is not None


def failed_count():
    from sqlalchemy import func

    return db.session.scalar(select(func.count(OutboxMail.id))
                             .where(OutboxMail.state == OUTBOX_FAILED))


def retry_failed():
    """Queue every failed mail again (an admin fixed the SMTP settings)."""
    done = db.session.execute(update(OutboxMail).where(OutboxMail.state == OUTBOX_FAILED)
                              .values(state=OUTBOX_QUEUED, attempts=0, next_try_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if done:
        send_soon()
    return done


# --- jobs ---------------------------------------------------------------------------------------

def run_send_job(context):
    composed = compose_waiting()
    sent, failures = send_due()
    context.summary.update(composed=composed, sent=sent, failures=failures)
    context.progress(1, 1)


def run_digest_job(context):
    context.summary["digests"] = compose_digests()
    sent, failures = send_due()
    context.summary.update(sent=sent, failures=failures)
    context.progress(1, 1)


def send_summary(job):
    summary = job.summary
    return [str(_("%(sent)d email terkirim, %(failed)d percobaan gagal (dicoba lagi nanti).",
                  sent=summary.get("sent", 0), failed=summary.get("failures", 0)))]


def register_mail(app):
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.jobs.periodic import Periodic, register_periodic
    from app.jobs.runner import register_job_kind

    register_job_kind(SEND_JOB, run_send_job, lambda params: _l("Kirim email"),
                      summary_lines=send_summary)
    register_job_kind(DIGEST_JOB, run_digest_job, lambda params: _l("Ringkasan email harian"),
                      summary_lines=send_summary)
    register_periodic(Periodic(
        name="mail_retry", kind=SEND_JOB, label=_l("Kirim ulang email yang tertunda"),
        schedule=lambda local: local.minute % 5 == 0 and has_due_mail(),
        schedule_text=lambda: _l("setiap 5 menit"), enabled_setting="mail.enabled"))
    register_periodic(Periodic(
        name="mail_digest", kind=DIGEST_JOB, label=_l("Ringkasan email harian"),
        schedule=lambda local: local.minute == 0 and local.hour == app.config["DIGEST_HOUR"],
        schedule_text=lambda: _l("setiap hari pukul %(hour)02d.00 WITA",
                                 hour=app.config["DIGEST_HOUR"]),
        enabled_setting="mail.enabled"))
    for name in ("after_commit", "after_rollback"):
        if not event.contains(Session, name, _forget_started):
            event.listen(Session, name, _forget_started)
