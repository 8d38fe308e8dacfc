"""Programmes, their ordered steps, and who follows them."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency
from app.database import UTCDateTime, utcnow
from app.extensions import db

PROGRAMME_STATUSES = {"draft": _l("Draf"), "published": _l("Terbit"),
                      "archived": _l("Diarsipkan")}

programme_agency = db.Table(
    "programme_agency",
    db.Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    db.Column("agency_id", ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
)


class Programme(db.Model):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(200))
    # The institution the provider names (app/institutions/links.py keeps the two in step).
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    institution = relationship("Institution")
    status: Mapped[str] = mapped_column(String(16), default="published")
    # Mandatory for its audience by due_on (WITA date), or simply offered.
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[object | None] = mapped_column(Date)
    # Jabatan kinds it is for (JSON list of JABATAN_TYPES keys); empty: every jabatan.
    jabatan_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # None chosen: every OPD.
    agencies: Mapped[list[Agency]] = relationship(secondary=programme_agency,
                                                  order_by=Agency.code)
    steps: Mapped[list["ProgrammeStep"]] = relationship(
        back_populates="programme", order_by="ProgrammeStep.position",
        cascade="all, delete-orphan")

    @property
    def jabatan_types(self):
        return json.loads(self.jabatan_json or "[]")

    @jabatan_types.setter
    def jabatan_types(self, values):
        self.jabatan_json = json.dumps(sorted(values))


class ProgrammeStep(db.Model):
    """One step: a course completed, any workshop session of a kind (klasikal or webinar)
    attended, or one particular session attended."""

    __tablename__ = "programme_step"
    __table_args__ = (
        UniqueConstraint("programme_id", "position"),
        CheckConstraint(
            "(CASE WHEN course_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN session_kind IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN session_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"),
                                                  index=True)
    session_kind: Mapped[str | None] = mapped_column(String(16))
    # Sessions are never deleted (only cancelled), so a step keeps its session.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_session.id", ondelete="RESTRICT"), index=True)

    programme: Mapped[Programme] = relationship(back_populates="steps")
    course = relationship("Course")
    session = relationship("WorkshopSession")

    @property
    def target(self):
        """What the step asks for, as the key progress is matched on: ("course", id),
        ("kind", "webinar") or ("session", id)."""
        if self.course_id:
            return ("course", self.course_id)
        if self.session_id:
            return ("session", self.session_id)
        return ("kind", self.session_kind)


class ProgrammeEnrollment(db.Model):
    __tablename__ = "programme_enrollment"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              index=True)
    enrolled_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
