"""Scheduled sessions (workshops and webinars), registrations with a waiting list, and the
secret-token calendar feeds.

Capacity is the database's to hold: `seats_taken` only moves through conditional UPDATEs
(services.py) and a CHECK keeps it between 0 and `capacity`, so the last seat cannot be taken
twice however many requests race for it.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency
from app.courses.models import COMPETENCY_TYPES, sql_in
from app.database import UTCDateTime, utcnow
from app.extensions import db

SESSION_KINDS = {"klasikal": _l("Workshop/klasikal (tatap muka)"),
                 "webinar": _l("Webinar/virtual (daring)")}
SESSION_STATUSES = {"scheduled": _l("Terjadwal"), "cancelled": _l("Dibatalkan")}
AUDIENCES = {"all": _l("Semua ASN"), "opd": _l("OPD tertentu")}
REGISTERED, WAITLISTED, CANCELLED = "registered", "waitlisted", "cancelled"
REGISTRATION_STATUSES = {REGISTERED: _l("Terdaftar"), WAITLISTED: _l("Daftar tunggu"),
                         CANCELLED: _l("Dibatalkan")}
ATTENDANCE_METHODS = {"trainer": _l("dicatat pengajar"), "code": _l("kode presensi")}

session_agency = db.Table(
    "workshop_session_agency",
    db.Column("session_id", ForeignKey("workshop_session.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("agency_id", ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
)


class SessionState:
    """What a session's status says, for the entity and for plain rows of it (`status`)."""

    __slots__ = ()

    @property
    def is_cancelled(self):
        return self.status == "cancelled"


class RegistrationState:
    """What a registration says of the learner, for the entity and for plain rows of it
    (`status` and `attended_at`)."""

    __slots__ = ()

    @property
    def is_registered(self):
        return self.status == REGISTERED

    @property
    def is_waiting(self):
        return self.status == WAITLISTED

    @property
    def has_attended(self):
        return self.attended_at is not None

    @property
    def status_label(self):
        return REGISTRATION_STATUSES.get(self.status, self.status)


class WorkshopSession(SessionState, db.Model):
    """A workshop (klasikal) or webinar at a set time, with a capacity and the JP it awards."""

    __tablename__ = "workshop_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_in_capacity"),
        CheckConstraint("jp > 0 AND jp <= 200", name="jp_range"),
        CheckConstraint("registration_deadline IS NULL OR registration_deadline <= starts_at",
                        name="deadline_before_start"),
        CheckConstraint(sql_in("kind", SESSION_KINDS), name="kind"),
        CheckConstraint(sql_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(sql_in("audience", AUDIENCES), name="audience"),
        CheckConstraint(sql_in("competency", COMPETENCY_TYPES), name="competency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(200))
    # The institution the provider names (app/institutions/links.py keeps the two in step).
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    institution = relationship("Institution")
    competency: Mapped[str] = mapped_column(String(32), default="teknis")
    starts_at: Mapped[object] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[object] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    # Registered (not waiting) participants; changed only by conditional UPDATEs.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    jp: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"),
                                                  index=True)
    registration_deadline: Mapped[object | None] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(String(8), default="all")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # The short code learners type to check themselves in; set when the trainer reveals it.
    checkin_code: Mapped[str | None] = mapped_column(String(12))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                     index=True)
    # Bumped by every change: calendar apps update an event when its SEQUENCE grows.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course = relationship("Course")
    organizer = relationship("User")
    agencies: Mapped[list[Agency]] = relationship(secondary=session_agency,
                                                  order_by=Agency.name)

    @property
    def kind_label(self):
        return SESSION_KINDS.get(self.kind, self.kind)

    @property
    def is_online(self):
        return self.kind == "webinar"

    @property
    def seats_left(self):
        return max(0, self.capacity - self.seats_taken)

    @property
    def registration_closes_at(self):
        return self.registration_deadline or self.starts_at

    @property
    def competency_label(self):
        return COMPETENCY_TYPES.get(self.competency, self.competency)

    @property
    def is_open_for_registration(self):
        return self.status == "scheduled" and utcnow() < self.registration_closes_at

    def __repr__(self):
        return f"<WorkshopSession {self.id} {self.title!r}>"


class SessionRegistration(RegistrationState, db.Model):
    """One learner's place in a session: registered (holding a seat), waiting, or cancelled.

    One row per learner and session for life: cancelling and registering again reuse it, so
    the attendance and certificate history of a person stays in one place.
    """

    __tablename__ = "workshop_registration"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(sql_in("status", REGISTRATION_STATUSES), name="status"),
        CheckConstraint(f"attended_at IS NULL OR status = '{REGISTERED}'",
                        name="attended_holds_seat"),
        CheckConstraint("(attended_at IS NULL) = (attendance_method IS NULL)",
                        name="attendance_complete"),
        CheckConstraint("attendance_method IS NULL OR "
                        + sql_in("attendance_method", ATTENDANCE_METHODS),
                        name="attendance_method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_session.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # Place in the waiting list: the time of the latest (re-)registration.
    queued_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # JP count in the (WITA) calendar year of the session's start.
    attended_at: Mapped[object | None] = mapped_column(UTCDateTime)
    attendance_method: Mapped[str | None] = mapped_column(String(16))
    attendance_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))

    session: Mapped[WorkshopSession] = relationship()
    user = relationship("User", foreign_keys=[user_id])

    @property
    def attendance_label(self):
        return ATTENDANCE_METHODS.get(self.attendance_method, "")

    def mark_attended(self, when, method, by):
        """A model guard: only a learner holding a seat can have attended."""
        if self.status != REGISTERED:
            raise ValueError("only registered participants can attend")
        if self.attended_at is None:
            self.attended_at = when
            self.attendance_method = method
            self.attendance_by_id = by.id if by is not None else None

    def clear_attendance(self):
        self.attended_at = None
        self.attendance_method = None
        self.attendance_by_id = None


class CalendarFeed(db.Model):
    """A learner's secret calendar address: their sessions as one .ics feed. Regenerating
    replaces the token, so an address shared by mistake stops working."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
