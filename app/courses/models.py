"""Courses, their modules, enrolments and per-module progress."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.institutions import models as institution_models  # noqa: F401  (relationships)

COMPETENCY_TYPES = {
    "teknis": _l("Teknis"),
    "manajerial": _l("Manajerial"),
    "sosial_kultural": _l("Sosial Kultural"),
}
LEARNING_MODES = {
    "e-learning": _l("E-learning"),
    "blended": _l("Blended"),
    "klasikal": _l("Klasikal"),
    "webinar": _l("Webinar"),
}
COURSE_STATUSES = {
    "draft": _l("Draf"),
    "published": _l("Terbit"),
    "archived": _l("Diarsipkan"),
}
CERTIFICATE_POLICIES = {"manual": _l("Diterbitkan admin"), "auto": _l("Otomatis saat selesai")}


def sql_in(column, values):
    """SQL for a CHECK constraint: column IN ('a', 'b', ...)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


course_owner = db.Table(
    "course_owner",
    db.Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


# Courses a learner must have completed (in any year) before enrolling in another one: a row
# says course_id requires required_course_id. app/courses/prerequisites.py keeps the graph
# free of cycles; the database refuses a course requiring itself.
course_prerequisite = db.Table(
    "course_prerequisite",
    db.Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    db.Column("required_course_id", ForeignKey("course.id", ondelete="CASCADE"),
              primary_key=True, index=True),
    CheckConstraint("course_id <> required_course_id", name="not_self"),
)


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("jp > 0", name="jp_positive"),
        CheckConstraint(sql_in("competency", COMPETENCY_TYPES), name="competency"),
        CheckConstraint(sql_in("mode", LEARNING_MODES), name="mode"),
        CheckConstraint(sql_in("status", COURSE_STATUSES), name="status"),
        CheckConstraint(sql_in("certificate_policy", CERTIFICATE_POLICIES), name="certificate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    jp: Mapped[int] = mapped_column(Integer)
    competency: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(200))
    # The institution the provider names (app/institutions/links.py keeps the two in step).
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    institution = relationship("Institution")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    certificate_policy: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set by every edit in the browser and cleared by a file import, so an import can warn
    # that it overwrites work that exists only in the database.
    browser_edited_at: Mapped[object | None] = mapped_column(UTCDateTime)

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    # Trainers who teach this course: they grade its essays and follow its learners.
    owners = relationship("User", secondary=course_owner)
    # Courses to complete before enrolling in this one, by code.
    prerequisites: Mapped[list["Course"]] = relationship(
        secondary=course_prerequisite,
        primaryjoin=lambda: Course.id == course_prerequisite.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisite.c.required_course_id,
        order_by=lambda: Course.code)

    @property
    def is_published(self):
        return self.status == "published"

    @property
    def competency_label(self):
        return COMPETENCY_TYPES.get(self.competency, self.competency)

    @property
    def mode_label(self):
        return LEARNING_MODES.get(self.mode, self.mode)

    def __repr__(self):
        return f"<Course {self.code}>"


class Module(db.Model):
    __tablename__ = "module"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # A module learners have progress on is never deleted, only retired: hidden from reading
    # and from progress, but its history stays.
    retired_at: Mapped[object | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="modules")

    @property
    def is_retired(self):
        return self.retired_at is not None

    def __repr__(self):
        return f"<Module {self.slug}>"


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    enrolled_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # JP are credited in the (WITA) calendar year of this timestamp.
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime, index=True)

    course: Mapped[Course] = relationship()
    user = relationship("User")

    @property
    def is_completed(self):
        return self.completed_at is not None

    def mark_started(self, when):
        if self.started_at is None:
            self.started_at = when

    def mark_completed(self, when):
        """Completion is a historical fact: the first completion time is kept."""
        if self.completed_at is None:
            self.completed_at = when


class PrerequisiteWaiver(db.Model):
    """An admin lets one learner enrol in a course without its prerequisites (audited)."""

    __tablename__ = "prerequisite_waiver"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    waived_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500))

    course: Mapped[Course] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    waived_by = relationship("User", foreign_keys=[waived_by_id])


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("module.id", ondelete="RESTRICT"), index=True
    )
    completed_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship()


class JpCredit(db.Model):
    """JP an admin credits by hand for learning outside Kompeten (a webinar, a classroom
    training), with a note and optionally the evidence (a certificate scan) as a file."""

    __tablename__ = "jp_credit"
    __table_args__ = (CheckConstraint("jp > 0 AND jp <= 200", name="jp_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # JP count in the (WITA) calendar year of this date, like a course's completion date.
    earned_on: Mapped[object] = mapped_column(Date, index=True)
    jp: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_name: Mapped[str | None] = mapped_column(String(100))
    evidence_mime: Mapped[str | None] = mapped_column(String(32))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class JpYearTotal(db.Model):
    """Yearly JP per person, pre-aggregated for the reports and the dashboard: one person's JP
    of one WITA calendar year, by source. The detailed rows (completed enrolments, manual
    credits, attended sessions) stay the record; app/reports/jp_totals.py keeps this equal to
    their sum. A person with no JP in a year has no row (read as 0)."""

    __tablename__ = "jp_year_total"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    course_jp: Mapped[int] = mapped_column(Integer, default=0)
    credit_jp: Mapped[int] = mapped_column(Integer, default=0)
    session_jp: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)


FILE_KINDS = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


class CourseFile(db.Model):
    """An image or PDF that belongs to a course, referred to from Markdown as media/<name>.

    Uploaded in the browser or imported from the course folder's media/; the bytes live in
    instance/uploads/<course id>/<name>, this row records what they are.
    """

    __tablename__ = "course_file"
    __table_args__ = (
        UniqueConstraint("course_id", "name"),
        CheckConstraint(sql_in("mime", sorted(FILE_KINDS)), name="mime"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100))
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()

    @property
    def is_image(self):
        return self.mime.startswith("image/")
