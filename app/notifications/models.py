"""Notifications, each person's choice per kind, the mail outbox and announcements."""

import json

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.database import UTCDateTime, utcnow
from app.extensions import db

# What a person chose for a kind: in the app only, in the app and by email, or not at all.
APP, EMAIL, OFF = "app", "email", "off"
CHANNELS = (APP, EMAIL, OFF)

# Where a notification's email stands: none wanted, waiting for the next send (or the daily
# digest), or turned into an outbox mail.
MAIL_QUEUED, MAIL_DIGEST, MAIL_DONE = "queued", "digest", "done"


class Notification(db.Model):
    """One thing that happened, for one person. Its words are made from `kind` and `params`
    when shown, so they follow the reader's language (app/notifications/kinds.py)."""

    __tablename__ = "notification"
    __table_args__ = (
        # The notifications page (newest first) and the unread recount.
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_mail_state", "mail_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    # A path inside the app ("/sertifikat/…"), without the prefix it is served under.
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[object | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str | None] = mapped_column(String(8))

    @property
    def params(self):
        return json.loads(self.params_json or "{}")

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationPreference(db.Model):
    """A person's choice for one kind; no row means the kind's default."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        CheckConstraint("channel IN ('app', 'email', 'off')", name="channel_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))


OUTBOX_QUEUED, OUTBOX_SENT, OUTBOX_FAILED = "queued", "sent", "failed"


class OutboxMail(db.Model):
    """An email waiting to be sent, or sent, or given up on: written in the transaction of
    what caused it, sent later by the job queue (app/notifications/mail.py)."""

    __tablename__ = "outbox_mail"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sent', 'failed')", name="state_known"),
        Index("ix_outbox_mail_state_next", "state", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # The one-click "stop these emails" address (List-Unsubscribe), when there is one.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # What it is about: a notification kind, "digest", "password_reset", "email_confirm".
    purpose: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="id")  # Content-Language
    state: Mapped[str] = mapped_column(String(8), default=OUTBOX_QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    next_try_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[object | None] = mapped_column(UTCDateTime)


announcement_agency = db.Table(
    "announcement_agency",
    db.Column("announcement_id", ForeignKey("announcement.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("agency_id", ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
)


class Announcement(db.Model):
    """A message from BKPSDM to everyone or to chosen OPD, shown on their dashboards until
    it ends, and sent as a notification (and email, per preference) when published."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Shown on dashboards until then (UTC); withdrawn ones end at once.
    ends_at: Mapped[object] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[object | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
    # None of them: everyone.
    agencies: Mapped[list[Agency]] = relationship(secondary=announcement_agency,
                                                  order_by=Agency.name)

    @property
    def for_everyone(self):
        return not self.agencies
