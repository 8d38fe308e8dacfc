"""Certificates: an immutable record of a completed course or an attended workshop/webinar
session, with a stored PDF.

Everything the certificate says is a snapshot taken at issue time, so later profile or course
edits never change an issued certificate. A revoked certificate stays on record; re-issuing
creates a new certificate with a new number.
"""

import json
import secrets

from flask_babel import lazy_gettext as _l
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

from app.certificates.document import COURSE_KIND, PROGRAMME_KIND, SESSION_KIND
from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.programmes import models as programme_models  # noqa: F401  (named by relationships)
from app.workshops import models as workshop_models  # noqa: F401  (named by relationships)

# The reason the public verification page gives for a revocation, chosen by the admin from this
# short list. The admin's own free-text note (revoked_reason) stays internal: it may name a
# person, an investigation or a mistake nobody should read on a public page.
PUBLIC_REVOCATION_REASONS = {
    "kesalahan_data": _l("Kesalahan data"),
    "diterbitkan_ganda": _l("Diterbitkan ganda"),
    "pelanggaran_ketentuan": _l("Pelanggaran ketentuan pelatihan"),
    "permintaan_pemegang": _l("Permintaan pemegang"),
    "lainnya": _l("Lainnya"),
}
# Shown for a revocation without a public reason (none recorded before migration 0009).
NEUTRAL_REVOCATION_REASON = "lainnya"

ONE_SUBJECT = (
    "(enrollment_id IS NOT NULL AND course_id IS NOT NULL AND registration_id IS NULL "
    "AND session_id IS NULL AND programme_id IS NULL) OR "
    "(enrollment_id IS NULL AND course_id IS NULL AND registration_id IS NOT NULL "
    "AND session_id IS NOT NULL AND programme_id IS NULL) OR "
    "(enrollment_id IS NULL AND course_id IS NULL AND registration_id IS NULL "
    "AND session_id IS NULL AND programme_id IS NOT NULL)")

# Entries per Bitstring Status List credential (app/certificates/status_list.py): the spec's
# minimum, 16 KB, so a verifier fetching the list learns nothing about which entry it checks.
STATUS_LIST_SIZE = 131_072


def new_identity_salt():
    """The salt of a certificate's hashed NIP in its Open Badge (app/certificates/badges.py)."""
    return secrets.token_hex(16)


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
        CheckConstraint("revoked_public_reason IS NULL OR revoked_at IS NOT NULL",
                        name="public_reason_only_when_revoked"),
        # A certificate is for a course (enrolment), a session (registration) or a programme
        # (every step done), never two of them.
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        # At most one valid certificate per learner and course, and per learner and session.
        Index("uq_certificate_one_valid", "user_id", "course_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
        Index("uq_certificate_one_valid_session", "user_id", "session_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
        Index("uq_certificate_one_valid_programme", "user_id", "programme_id", unique=True,
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
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True)

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
    # The partner that provided the training, named beside the issuer ("" when the issuer's
    # own institution provided it).
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signer_nip: Mapped[str] = mapped_column(String(18), default="")
    completed_on: Mapped[object] = mapped_column(Date)
    # First day of a session held over several days (None for courses and one-day sessions).
    started_on: Mapped[object | None] = mapped_column(Date)
    issued_on: Mapped[object] = mapped_column(Date)
    # A programme certificate's steps as done, JSON [{"code", "title", "jp", "done_on"}]: its
    # JP are their sum, and the JP ledger keeps counting the courses and sessions themselves.
    components_json: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)  # internal note, never public
    revoked_public_reason: Mapped[str | None] = mapped_column(String(32))  # a PUBLIC_... key
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # Open Badges (app/certificates/badges.py): the certificate's bit in the revocation status
    # lists (list status_index // STATUS_LIST_SIZE + 1), drawn at issue among the free ones
    # (status_list.new_status_index), and the salt of the holder's hashed NIP.
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    identity_salt: Mapped[str] = mapped_column(String(32), default=new_identity_salt)

    # The PDF as issued: the same bytes at every download. Deferred: lists never load it.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    holder = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    enrollment = relationship("Enrollment")
    registration = relationship("SessionRegistration")
    session = relationship("WorkshopSession")
    programme = relationship("Programme")

    @property
    def is_valid(self):
        return self.revoked_at is None

    @property
    def is_for_session(self):
        return self.registration_id is not None

    @property
    def is_for_programme(self):
        return self.programme_id is not None

    @property
    def kind(self):
        """What the certificate attests (document.py): a course, a session attended, or a
        programme's every step."""
        if self.is_for_programme:
            return PROGRAMME_KIND
        return SESSION_KIND if self.is_for_session else COURSE_KIND

    @property
    def components(self):
        """A programme certificate's steps as issued (empty for the others)."""
        return json.loads(self.components_json) if self.components_json else []

    @property
    def status_list_number(self):
        """The revocation status list (1, 2, ...) holding this certificate's bit."""
        return self.status_index // STATUS_LIST_SIZE + 1

    @property
    def status_list_position(self):
        """This certificate's bit within its status list (statusListIndex)."""
        return self.status_index % STATUS_LIST_SIZE

    @property
    def masked_nip(self):
        """NIP shown publicly: only the last three digits (the serial). The first eight are the
        birth date and the next seven the appointment date and sex (UU 27/2022 personal data),
        so all of them are hidden; the grouping shows it is an 18-digit NIP."""
        return mask_nip(self.holder_nip)

    @property
    def public_revocation_reason(self):
        """The key of the public reason of a revoked certificate (None while valid)."""
        if self.revoked_at is None:
            return None
        if self.revoked_public_reason in PUBLIC_REVOCATION_REASONS:
            return self.revoked_public_reason
        return NEUTRAL_REVOCATION_REASON

    @property
    def public_revocation_label(self):
        reason = self.public_revocation_reason
        return PUBLIC_REVOCATION_REASONS[reason] if reason else None

    def revoke(self, reason, by, when, public_reason=NEUTRAL_REVOCATION_REASON):
        """A model guard: revoking twice is refused; the record itself stays."""
        if self.revoked_at is not None:
            raise ValueError("certificate already revoked")
        if public_reason not in PUBLIC_REVOCATION_REASONS:
            raise ValueError(f"unknown public revocation reason {public_reason!r}")
        self.revoked_at = when
        self.revoked_reason = reason
        self.revoked_public_reason = public_reason
        self.revoked_by_id = by.id if by is not None else None


def mask_nip(nip):
    """The one public form of a NIP: "******** ****** * 001" (only the serial shows)."""
    nip = nip or ""
    if len(nip) != 18:
        return "*" * len(nip)
    return f"******** ****** * {nip[15:]}"
