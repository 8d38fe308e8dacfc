"""Who a programme is for, how far a person is, and enrolling in one.

Progress is read, not stored: a course step is done when the person completed the course (in
any year), a session step when they attended that session (or any session of that kind). So a
programme follows its courses without a hook of its own, and a course finished before the
programme existed counts. A person's page of programmes costs a fixed number of queries: the
programmes with their steps, the completed courses, the attended sessions, the enrolments."""

import json
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import defer, selectinload

from app.courses.models import Course, Enrollment
from app.courses.outline_cache import cached_for_content, read_detached
from app.courses.services import enroll_learner
from app.database import utcnow
from app.extensions import db
from app.programmes.models import (
    Programme,
    ProgrammeEnrollment,
    ProgrammeStep,
    programme_agency,
)
from app.timeutil import palu_date
from app.workshops.models import SessionRegistration, WorkshopSession
from app.workshops.queries import agency_chain, agency_chain_of

PROGRAMME_OPTIONS = (selectinload(Programme.steps).joinedload(ProgrammeStep.course),
                     selectinload(Programme.steps).joinedload(ProgrammeStep.session),
                     selectinload(Programme.agencies))


@dataclass
class StepState:
    step: ProgrammeStep
    done: bool


@dataclass
class Standing:
    """A person's place in a programme."""

    programme: Programme
    steps: list  # StepState, in order
    enrolled: bool

    @property
    def done_count(self):
        return sum(state.done for state in self.steps)

    @property
    def total(self):
        return len(self.steps)

    @property
    def is_done(self):
        return self.done_count == self.total

    @property
    def next_step(self):
        return next((state.step for state in self.steps if not state.done), None)

    def is_overdue(self, today):
        due = self.programme.due_on
        return due is not None and not self.is_done and today > due


def audience_condition(user):
    """SQL: the programme is for this person (everyone, their OPD chain, their jabatan)."""
    return _for_audience(agency_chain_of(user), _jabatan_kind(user))


def _jabatan_kind(user):
    """The person's jabatan as programmes store it in jabatan_json, or None."""
    return json.dumps(user.jabatan_type) if user.jabatan_type else None


def _for_audience(agency_ids, kind):
    """`kind`: the person's jabatan as stored in jabatan_json (a value or a bind parameter),
    or None for a person without one."""
    for_opd = or_(~exists().where(programme_agency.c.programme_id == Programme.id),
                  exists().where(programme_agency.c.programme_id == Programme.id,
                                 programme_agency.c.agency_id.in_(agency_ids)))
    for_jabatan = Programme.jabatan_json == "[]"
    if kind is not None:
        for_jabatan = or_(for_jabatan, Programme.jabatan_json.contains(kind))
    return and_(for_opd, for_jabatan)


@cache
def _programmes_statement(audience, with_jabatan):
    """Built once per shape with bind parameters: the dashboard asks on every visit."""
    # Lists (the dashboard, /program, the catalogue) show the title and summary, never the
    # description; of each step, what programmes/_step.html shows. Kept per audience
    # (programmes_for), so only these columns are held.
    steps = selectinload(Programme.steps)
    query = (select(Programme).options(
        steps.joinedload(ProgrammeStep.course).load_only(
            Course.id, Course.slug, Course.title, Course.jp, Course.status),
        steps.joinedload(ProgrammeStep.session).load_only(
            WorkshopSession.id, WorkshopSession.title, WorkshopSession.starts_at,
            WorkshopSession.jp),
        selectinload(Programme.agencies),
        defer(Programme.description_source), defer(Programme.description_html))
             .where(Programme.status == "published")
             .order_by(Programme.mandatory.desc(), Programme.due_on, Programme.title))
    if audience:
        query = query.where(_for_audience(agency_chain(bindparam("agency_id")),
                                          bindparam("kind") if with_jabatan else None))
    return query


# One list per (agency, jabatan) and one for visitors: far fewer than the people asking.
CACHED_AUDIENCES = 512


def programmes_for(user):
    """Published programmes for this person (every one for a visitor): mandatory first
    (soonest due), then by title. Read-only snapshots with their steps, kept per audience
    until the content version changes (a programme, course, session or agency edited), so no
    query on most dashboard visits."""
    audience = user is not None and user.is_authenticated
    kind = _jabatan_kind(user) if audience else None
    statement = _programmes_statement(audience, kind is not None)
    params = {"agency_id": user.agency_id, "kind": kind} if audience else {}

    def read():
        return read_detached(lambda session: session.scalars(statement, params).unique().all())
    key = (user.agency_id, kind) if audience else "visitor"
    return cached_for_content("audience_programmes", key, read, CACHED_AUDIENCES)


def in_published_programme(session, course):
    """Whether a published programme has this course as a step (an outline part: read once
    per content version)."""
    return session.scalar(select(exists().where(
        ProgrammeStep.course_id == course.id, ProgrammeStep.programme_id == Programme.id,
        Programme.status == "published")))


def programmes_with_course(user, course):
    """Published programmes for this person that have the course as a step."""
    return db.session.scalars(
        select(Programme).options(*PROGRAMME_OPTIONS)
        .where(Programme.status == "published", audience_condition(user),
               exists().where(ProgrammeStep.programme_id == Programme.id,
                              ProgrammeStep.course_id == course.id))
        .order_by(Programme.mandatory.desc(), Programme.due_on, Programme.title)).unique().all()


def published_programme_or_none(slug):
    return db.session.scalar(select(Programme).options(*PROGRAMME_OPTIONS).where(
        Programme.slug == slug, Programme.status == "published"))


def done_targets(user):
    """Every step target this person has done (ProgrammeStep.target): the courses completed,
    and the sessions attended with their kinds. Two queries."""
    done = {("course", course_id) for course_id in db.session.scalars(
        select(Enrollment.course_id).where(Enrollment.user_id == user.id,
                                           Enrollment.completed_at.is_not(None)))}
    for session_id, kind in db.session.execute(
            select(WorkshopSession.id, WorkshopSession.kind)
            .join(SessionRegistration, SessionRegistration.session_id == WorkshopSession.id)
            .where(SessionRegistration.user_id == user.id,
                   SessionRegistration.attended_at.is_not(None))):
        done |= {("session", session_id), ("kind", kind)}
    return done


def _enrolled_programme_ids(user):
    return set(db.session.scalars(select(ProgrammeEnrollment.programme_id).where(
        ProgrammeEnrollment.user_id == user.id)))


def standings(user, programmes):
    """[Standing] for these programmes: three queries whatever their number."""
    if not programmes:
        return []
    done, enrolled = done_targets(user), _enrolled_programme_ids(user)
    return [Standing(programme, [StepState(step, step.target in done)
                                 for step in programme.steps], programme.id in enrolled)
            for programme in programmes]


def is_for(user, programme):
    return db.session.scalar(select(Programme.id).where(
        Programme.id == programme.id, audience_condition(user))) is not None


def enroll_in_programme(user, programme):
    """Follow a programme, and enrol in its first course not yet completed (when that course
    is open). Enrolling twice changes nothing. Returns the course enrolled in, or None."""
    if db.session.scalar(select(ProgrammeEnrollment.id).where(
            ProgrammeEnrollment.user_id == user.id,
            ProgrammeEnrollment.programme_id == programme.id)) is None:
        db.session.add(ProgrammeEnrollment(user_id=user.id, programme_id=programme.id))
    [standing] = standings(user, [programme])
    step = next((state.step for state in standing.steps
                 if not state.done and state.step.course_id), None)
    if step is None or step.course.status != "published":
        db.session.flush()
        return None
    enroll_learner(user, step.course)  # refuses what the course refuses (prerequisites)
    db.session.flush()
    return step.course


def today():
    """Today in Palu (WITA): due dates are WITA dates."""
    return palu_date(utcnow())

