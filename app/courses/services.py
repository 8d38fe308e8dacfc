"""Enrolment, module completion, progress and yearly JP.

Writes flush and never commit. Reads for pages use a fixed number of queries whatever the data.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import defer, joinedload, load_only

from app import batched_reads
from app.courses.cards import CourseCard, course_cards
from app.courses.models import Course, Enrollment, JpCredit, JpYearTotal, Module, ModuleProgress
from app.courses.prerequisites import check_prerequisites
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.hooks import Hook
from app.institutions.models import Institution
from app.timeutil import year_bounds_utc


class CourseNotOpen(LmsError):
    """The course is not published, so nobody can enrol or read it as a learner."""


class NotEnrolled(LmsError):
    pass


class EnrollmentState(NamedTuple):
    """What the course and module pages read of an enrolment: a row, not a loaded entity
    (they read it on every view, and never change it through this)."""

    started_at: datetime | None
    completed_at: datetime | None

    @property
    def is_completed(self):
        return self.completed_at is not None


@dataclass
class CourseProgress:
    """Where one learner stands in one course."""

    enrollment: Enrollment | EnrollmentState
    total: int
    done: int
    next_module: Module | None  # first active module not yet done, in order
    done_ids: frozenset = frozenset()

    @property
    def is_complete(self):
        return self.enrollment.is_completed

    @property
    def all_read(self):
        return self.done >= self.total

    @property
    def percent(self):
        """The course, not just its modules: 100 only once the course is complete. Every
        module read but the course not complete (a quiz still to pass): what is left counts
        as one more step, so 5 of 5 modules shows 83 %, not a full green bar."""
        if self.is_complete:
            return 100
        if not self.total:
            return 0
        steps = self.total + (1 if self.all_read else 0)
        return round(100 * self.done / steps)


# Outlines and progress need a module's place and title, never its (long) body.
MODULE_OUTLINE = load_only(Module.id, Module.course_id, Module.position, Module.slug,
                           Module.title, Module.minutes, Module.retired_at)


def active_modules_query(course_id):
    """The course's active modules in order, without their bodies."""
    return (select(Module)
            .options(MODULE_OUTLINE)
            .where(Module.course_id == course_id, Module.retired_at.is_(None))
            .order_by(Module.position))


def _progress(enrollment, modules, done):
    """CourseProgress from the course's active modules (in order) and the done module ids."""
    return CourseProgress(
        enrollment=enrollment,
        total=len(modules),
        done=sum(1 for m in modules if m.id in done),
        next_module=next((m for m in modules if m.id not in done), None),
        done_ids=frozenset(done),
    )


def get_enrollment(user, course):
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )


def enroll_learner(user, course):
    """Enrol a learner in a published course whose prerequisites they have completed (or an
    admin waived); enrolling twice returns the first enrolment, also when prerequisites were
    added in between: they gate enrolment, never a course already started."""
    if not course.is_published:
        raise CourseNotOpen(_("Kursus ini belum dibuka untuk pendaftaran."))
    enrollment = get_enrollment(user, course)
    if enrollment is not None:
        return enrollment
    check_prerequisites(user, course)
    enrollment = Enrollment(user_id=user.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def completed_module_ids(user, course):
    return set(db.session.scalars(
        select(ModuleProgress.module_id)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user.id, Module.course_id == course.id)
    ))


# Other packages add what a course needs beyond reading every module (quizzes: passing the
# graded ones): functions (user, course) -> bool.
COMPLETION_RULES = Hook()
register_completion_rule = COMPLETION_RULES.register
# Where a learner who has read nothing yet starts, before module 1 (quizzes: an opening
# pretest not taken yet): functions (user, course) -> an address or None.
START_STEPS = Hook()
register_start_step = START_STEPS.register
# Called with the enrolment right after it completes (certificates: issue automatically).
COMPLETION_LISTENERS = Hook()
register_completion_listener = COMPLETION_LISTENERS.register
# JP earned outside courses and manual credits (workshops: attended sessions): functions
# (user id, year) -> a scalar subquery of that JP, added into jp_earned's one query.
JP_SOURCES = Hook()
register_jp_source = JP_SOURCES.register


def all_modules_done(user, course, done=None):
    done = completed_module_ids(user, course) if done is None else done
    active_ids = set(db.session.scalars(select(Module.id).where(
        Module.course_id == course.id, Module.retired_at.is_(None))))
    return active_ids <= done


def refresh_completion(user, course, when=None):
    """Complete the enrolment once every module is done and every completion rule holds."""
    enrollment = get_enrollment(user, course)
    if enrollment is None or enrollment.is_completed:
        return enrollment
    if all_modules_done(user, course) and all(rule(user, course) for rule in COMPLETION_RULES):
        enrollment.mark_completed(when or utcnow())
        db.session.flush()
        for listener in COMPLETION_LISTENERS:
            listener(enrollment)
    return enrollment


def complete_module(user, module):
    """Mark a module done; the enrolment completes when nothing else is missing.

    Returns the enrolment. Marking a module done twice changes nothing.
    """
    course = module.course
    enrollment = get_enrollment(user, course)
    if enrollment is None:
        raise NotEnrolled(_("Daftar ke kursus ini terlebih dahulu."))
    if module.is_retired:
        raise CourseNotOpen(_("Modul ini sudah tidak digunakan lagi."))
    now = utcnow()
    if module.id not in completed_module_ids(user, course):
        db.session.add(ModuleProgress(user_id=user.id, module_id=module.id, completed_at=now))
    enrollment.mark_started(now)
    db.session.flush()
    return refresh_completion(user, course, now)


def note_module_opened(enrollment, when=None):
    """Record that the learner started the course (first module opened)."""
    enrollment.mark_started(when or utcnow())


@cache
def _progress_statement():
    """Built once: SQLAlchemy then also keeps its cache key, which building the statement on
    every course and module page recomputed (a tenth of a module page's time). Columns, not
    the Enrollment entity, run on the session's connection: the ORM's loading was a third of
    this read's time."""
    return (select(Enrollment.started_at, Enrollment.completed_at, ModuleProgress.module_id)
            .outerjoin(ModuleProgress, and_(
                ModuleProgress.user_id == Enrollment.user_id,
                ModuleProgress.module_id.in_(bindparam("module_ids", expanding=True))))
            .where(Enrollment.user_id == bindparam("user_id"),
                   Enrollment.course_id == bindparam("course_id")))


def progress_read(user, course, modules):
    """The read course_progress makes, as (statement, parameters) for app/batched_reads.py;
    None for a visitor."""
    if user is None or not user.is_authenticated:
        return None
    return _progress_statement(), {"user_id": user.id, "course_id": course.id,
                                   "module_ids": [m.id for m in modules]}


def course_progress(user, course, modules):
    """Progress of one learner in one course, given the course's active modules in order.

    One query (read on every course and module page): the enrolment, outer-joined with the
    learner's progress rows of those modules. Its `enrollment` is an EnrollmentState; a view
    that changes the enrolment loads it (get_enrollment).
    """
    read = progress_read(user, course, modules)
    if read is None:
        return None
    rows = batched_reads.rows(*read)
    if not rows:
        return None
    first = rows[0]
    state = EnrollmentState(first.started_at, first.completed_at)
    done = {row.module_id for row in rows if row.module_id is not None}
    return _progress(state, modules, done)


class LearnerEnrollment(NamedTuple):
    """An enrolment as the lists of a learner's courses show it: its dates and its course's
    card (app/courses/cards.py), not loaded entities."""

    course: CourseCard
    enrolled_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @property
    def course_id(self):
        return self.course.id

    @property
    def is_completed(self):
        return self.completed_at is not None


@cache
def _enrolments_statement():
    return select(Enrollment.course_id, Enrollment.enrolled_at, Enrollment.started_at,
                  Enrollment.completed_at).where(Enrollment.user_id == bindparam("user_id"))


@cache
def _read_modules_statement():
    return select(ModuleProgress.module_id).where(ModuleProgress.user_id == bindparam("user_id"))


def progress_reads(user, year):
    """The reads of progress_and_jp, as (statement, parameters) for app/batched_reads.py: a
    learner's enrolments, the modules they have read and (when a year is given) their JP of
    that year. The dashboard sends them with its panels' reads as one statement."""
    reads = [(_enrolments_statement(), {"user_id": user.id}),
             (_read_modules_statement(), {"user_id": user.id})]
    if year is not None:
        reads.append((_jp_of_year_statement(), {"user_id": user.id, "year": year}))
    return reads


def progress_for_user(user):
    """Every enrolment of a learner (latest first) with its progress: one query whatever the
    count, the courses and their modules from the kept cards."""
    return progress_and_jp(user, None)[0]


def progress_and_jp(user, year):
    """progress_for_user(user) and jp_of_year(user, year) in the same one query (the
    dashboard's); a year of None reads no JP (0)."""
    enrollments, read, *year_total = batched_reads.read_together(progress_reads(user, year))
    done = {row.module_id for row in read}
    totals = year_total[0] if year_total else []  # no row: no JP recorded for the year
    jp = int(totals[0].total or 0) if totals else 0
    enrollments.sort(key=lambda row: row.enrolled_at, reverse=True)
    cards = course_cards([row.course_id for row in enrollments])
    progress = [_progress(LearnerEnrollment(cards[row.course_id], row.enrolled_at,
                                            row.started_at, row.completed_at),
                          cards[row.course_id].modules, done)
                for row in enrollments if row.course_id in cards]
    return progress, jp


@cache
def _jp_of_year_statement():
    return select(JpYearTotal.total).where(JpYearTotal.user_id == bindparam("user_id"),
                                           JpYearTotal.year == bindparam("year"))


def jp_of_year(user, year):
    """A person's JP of a WITA calendar year, from the yearly totals that
    app/reports/jp_totals.py keeps equal to jp_earned(): one primary-key read."""
    return int(db.session.scalar(_jp_of_year_statement(),
                                 {"user_id": user.id, "year": year}) or 0)


def jp_earned(user, year):
    """JP of a WITA calendar year: courses completed in it, JP an admin credited by hand (dated
    in it) and the registered JP sources (attended sessions). One query, like the report
    ledger's numbers (app/reports/queries.py)."""
    start, end = year_bounds_utc(year)
    from_courses = (select(func.coalesce(func.sum(Course.jp), 0))
                    .join(Enrollment, Enrollment.course_id == Course.id)
                    .where(Enrollment.user_id == user.id,
                           Enrollment.completed_at >= start, Enrollment.completed_at < end)
                    .scalar_subquery())
    # Credit dates are already WITA calendar dates.
    credited = (select(func.coalesce(func.sum(JpCredit.jp), 0))
                .where(JpCredit.user_id == user.id,
                       JpCredit.earned_on >= date(year, 1, 1),
                       JpCredit.earned_on < date(year + 1, 1, 1))
                .scalar_subquery())
    total = from_courses + credited
    for source in JP_SOURCES:
        total = total + source(user.id, year)
    return int(db.session.scalar(select(total)) or 0)


def catalogue_providers():
    """(slug, name) of the institutions with a published course: the catalogue's filter."""
    return db.session.execute(
        select(Institution.slug, Institution.name).where(Institution.id.in_(
            select(Course.institution_id).where(Course.status == "published")))
        .order_by(Institution.name)).all()


def published_courses(search=None, competency=None, provider=None):
    """The catalogue: published courses with their active module count and total minutes."""
    stats = (select(Module.course_id,
                    func.count(Module.id).label("module_count"),
                    func.coalesce(func.sum(Module.minutes), 0).label("minutes"))
             .where(Module.retired_at.is_(None))
             .group_by(Module.course_id)
             .subquery())
    query = (select(Course, func.coalesce(stats.c.module_count, 0), stats.c.minutes)
             .options(defer(Course.description_source), defer(Course.description_html),
                      joinedload(Course.institution))
             .outerjoin(stats, and_(stats.c.course_id == Course.id))
             .where(Course.status == "published")
             .order_by(Course.code))
    if competency:
        query = query.where(Course.competency == competency)
    if provider:  # an institution's slug
        query = query.join(Institution, Institution.id == Course.institution_id).where(
            Institution.slug == provider)
    if search:
        term = search.strip()
        query = query.where(Course.title.icontains(term, autoescape=True)
                            | Course.code.icontains(term, autoescape=True)
                            | Course.summary.icontains(term, autoescape=True))
    return db.session.execute(query).all()
