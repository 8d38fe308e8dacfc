"""Certificates: an immutable record of a completed course or an attended workshop/webinar
session, with a stored PDF.

Everything the certificate says is a snapshot taken at issue time, so later profile or course
edits never change an issued certificate. A revoked certificate stays on record; re-issuing
creates a new certificate with a new number.
"""

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.workshops import models as workshop_models  # noqa: F401  (named by relationships)


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # Numbers come from a yearly sequence; two issues racing for one number collide here.
        UniqueConstraint("year", "sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("jp > 0", name="jp_positive"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoked_reason IS NULL) OR "
            "(revoked_at IS NOT NULL AND revoked_reason IS NOT NULL)",
            name="revocation_complete"),
        # A certificate is for a course (enrolment) or for a session (registration), never both.
        CheckConstraint(
            "(enrollment_id IS NOT NULL AND course_id IS NOT NULL AND registration_id IS NULL "
            "AND session_id IS NULL) OR (enrollment_id IS NULL AND course_id IS NULL AND "
            "registration_id IS NOT NULL AND session_id IS NOT NULL)", name="one_subject"),
        # At most one valid certificate per learner and course, and per learner and session.
        Index("uq_certificate_one_valid", "user_id", "course_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
        Index("uq_certificate_one_valid_session", "user_id", "session_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollment.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"),
                                                  index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_registration.id", ondelete="RESTRICT"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_session.id", ondelete="RESTRICT"), index=True)

    # Snapshot at issue time.
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_nip: Mapped[str] = mapped_column(String(18))
    holder_rank: Mapped[str] = mapped_column(String(100), default="")
    holder_position: Mapped[str] = mapped_column(String(200), default="")
    holder_agency: Mapped[str] = mapped_column(String(200), default="")
    course_title: Mapped[str] = mapped_column(String(200))
    course_code: Mapped[str] = mapped_column(String(32))
    jp: Mapped[int] = mapped_column(Integer)
    competency: Mapped[str] = mapped_column(String(32))
    institution_name: Mapped[str] = mapped_column(String(200))
    issuer_unit: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signer_nip: Mapped[str] = mapped_column(String(18), default="")
    completed_on: Mapped[object] = mapped_column(Date)
    # First day of a session held over several days (None for courses and one-day sessions).
    started_on: Mapped[object | None] = mapped_column(Date)
    issued_on: Mapped[object] = mapped_column(Date)
    issued_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # The PDF as issued: the same bytes at every download. Deferred: lists never load it.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    holder = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    enrollment = relationship("Enrollment")
    registration = relationship("SessionRegistration")
    session = relationship("WorkshopSession")

    @property
    def is_valid(self):
        return self.revoked_at is None

    @property
    def is_for_session(self):
        return self.registration_id is not None

    @property
    def masked_nip(self):
        """NIP shown publicly: first 8 and last 3 digits, the rest hidden."""
        nip = self.holder_nip or ""
        if len(nip) != 18:
            return "*" * len(nip)
        return f"{nip[:8]} ****** * {nip[15:]}"

    def revoke(self, reason, by, when):
        """A model guard: revoking twice is refused; the record itself stays."""
        if self.revoked_at is not None:
            raise ValueError("certificate already revoked")
        self.revoked_at = when
        self.revoked_reason = reason
        self.revoked_by_id = by.id if by is not None else None
