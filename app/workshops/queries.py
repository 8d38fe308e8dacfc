"""Reads for the workshop pages and the JP of attended sessions.

Every page loads what it shows in a fixed number of queries whatever the data (agencies of a
session's audience by selectinload, a learner's registrations in one query).
"""

from functools import cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import defer, joinedload, load_only, selectinload

from app import batched_reads
from app.auth.models import Agency
from app.courses.models import course_owner
from app.courses.outline_cache import cached_for_content, read_detached
from app.database import utcnow
from app.extensions import db
from app.timeutil import year_bounds_utc
from app.workshops.models import (
    CANCELLED,
    REGISTERED,
    WAITLISTED,
    RegistrationState,
    SessionRegistration,
    SessionState,
    WorkshopSession,
    session_agency,
)


def _with_audience(query):
    return query.options(selectinload(WorkshopSession.agencies))


# Lists of sessions show their title, time and state; the description is read on the session's
# own page.
WITHOUT_DESCRIPTION = (defer(WorkshopSession.description_source),
                       defer(WorkshopSession.description_html))


def upcoming_sessions(now=None, limit=None):
    """Sessions not yet over, soonest first (cancelled ones too: people registered for them
    need to see that)."""
    query = _with_audience(select(WorkshopSession)
                           .where(WorkshopSession.ends_at >= (now or utcnow()))
                           .order_by(WorkshopSession.starts_at, WorkshopSession.id))
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def registrations_by_session(user, session_ids):
    """{session id: the user's registration} among these sessions, one query."""
    if not user.is_authenticated or not session_ids:
        return {}
    rows = db.session.scalars(select(SessionRegistration).where(
        SessionRegistration.user_id == user.id,
        SessionRegistration.session_id.in_(session_ids)))
    return {r.session_id: r for r in rows}


def audience_condition(agency_ids):
    """SQL: the session is open to everyone, or to one of these agencies."""
    if isinstance(agency_ids, (list, set, tuple)) and not agency_ids:
        agency_ids = [-1]  # no agency: only sessions open to all
    chosen = select(session_agency.c.session_id).where(
        session_agency.c.agency_id.in_(agency_ids))
    return or_(WorkshopSession.audience == "all", WorkshopSession.id.in_(chosen))


def agency_chain(agency_id):
    """SQL: the ids of an agency and of the OPD above it (a unit counts for its OPD; agencies
    are two levels deep). `agency_id`: a value or a bind parameter; NULL matches none."""
    parent = select(Agency.parent_id).where(Agency.id == agency_id).scalar_subquery()
    return select(Agency.id).where(or_(Agency.id == agency_id, Agency.id == parent))


def agency_chain_of(user):
    """SQL: the user's agency and the OPD above it, without loading either: the dashboard
    asks on every visit."""
    if user.agency_id is None:
        return []
    return agency_chain(user.agency_id)


DASHBOARD_SUGGESTIONS = 3


# The sessions open to an agency are kept per content version, a few more than the dashboard
# shows so that those the person already holds a place in can be left out without a query.
SUGGESTION_POOL = 20
CACHED_AGENCIES = 512


@cache
def _open_sessions_statement():
    """Built once with bind parameters: the sessions open to an agency (and everyone)."""
    deadline = func.coalesce(WorkshopSession.registration_deadline, WorkshopSession.starts_at)
    return (select(WorkshopSession).options(*WITHOUT_DESCRIPTION)
            .where(WorkshopSession.status == "scheduled", deadline > bindparam("now"),
                   audience_condition(agency_chain(bindparam("agency_id"))))
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
            .limit(bindparam("limit")))


def _open_sessions(agency_id, now, limit):
    return read_detached(lambda session: session.scalars(_open_sessions_statement(), {
        "agency_id": agency_id, "now": now, "limit": limit}).all())


def open_sessions_for(user, now=None, registered_ids=None):
    """Scheduled sessions open to this user (everyone's, or their agency's or OPD's) that they
    may still register for and have not, soonest first: the dashboard's suggestions.

    The agency's first SUGGESTION_POOL are kept (read-only snapshots: their seat counts go
    stale, the dashboard does not show them) until the content version changes or the first
    registration among them closes; `registered_ids`, the ids of sessions the person holds a
    place in (the dashboard has them), spares the one query that would read them."""
    now = now or utcnow()
    pool = cached_for_content(
        "open_sessions", user.agency_id,
        lambda: _open_sessions(user.agency_id, now, SUGGESTION_POOL), CACHED_AGENCIES,
        valid_until=lambda sessions: min((s.registration_closes_at for s in sessions),
                                         default=None))
    if registered_ids is None:
        registered_ids = set(db.session.scalars(_held_places_statement(), {"user_id": user.id}))
    open_to_them = [s for s in pool
                    if s.id not in registered_ids and s.registration_closes_at > now]
    if len(open_to_them) < DASHBOARD_SUGGESTIONS and len(pool) == SUGGESTION_POOL:
        # Registered for nearly all the kept ones: read further (rare).
        open_to_them = [s for s in _open_sessions(user.agency_id, now,
                                                  len(registered_ids) + SUGGESTION_POOL)
                        if s.id not in registered_ids]
    return open_to_them[:DASHBOARD_SUGGESTIONS]


def _places_held():
    """WHERE: the registrations (not cancelled) of one person (bind `user_id`)."""
    return (SessionRegistration.user_id == bindparam("user_id"),
            SessionRegistration.status != CANCELLED)


@cache
def _held_places_statement():
    return select(SessionRegistration.session_id).where(*_places_held())


@cache
def _registrations_statement():
    return (select(SessionRegistration)
            .join(SessionRegistration.session)
            .options(joinedload(SessionRegistration.session).options(*WITHOUT_DESCRIPTION))
            .where(*_places_held())
            .order_by(WorkshopSession.starts_at.desc(), WorkshopSession.id))


def registrations_of(user):
    """The user's registrations (not cancelled) with their sessions, latest session first
    (one statement, built once)."""
    return db.session.scalars(_registrations_statement(), {"user_id": user.id}).all()


class SessionRow(SessionState):
    """What the dashboard shows of a session: its id, title, times and status."""

    __slots__ = ("ends_at", "id", "starts_at", "status", "title")

    def __init__(self, id, title, starts_at, ends_at, status):
        self.id, self.title, self.status = id, title, status
        self.starts_at, self.ends_at = starts_at, ends_at


class PlaceRow(RegistrationState):
    """A learner's registration as the dashboard shows it, with its SessionRow."""

    __slots__ = ("attended_at", "session", "session_id", "status")

    def __init__(self, session, status, attended_at):
        self.session, self.session_id = session, session.id
        self.status, self.attended_at = status, attended_at


@cache
def _places_statement():
    return (select(WorkshopSession.id, WorkshopSession.title, WorkshopSession.starts_at,
                   WorkshopSession.ends_at, WorkshopSession.status,
                   SessionRegistration.status.label("place_status"),
                   SessionRegistration.attended_at)
            .join(SessionRegistration, SessionRegistration.session_id == WorkshopSession.id)
            # No ORDER BY: the dashboard reads it with others (app/batched_reads.py).
            .where(*_places_held(), WorkshopSession.ends_at >= bindparam("since")))


def places_read(user, since):
    """The read places_since makes, as (statement, parameters) for app/batched_reads.py."""
    return _places_statement(), {"user_id": user.id, "since": since}


def places_since(user, since):
    """The learner's registrations (not cancelled) for sessions ending after `since`, soonest
    first, as PlaceRow: the dashboard reads them on every visit (rows, not entities)."""
    rows = sorted(batched_reads.rows(*places_read(user, since)),
                  key=lambda row: (row.starts_at, row.id))
    return [PlaceRow(SessionRow(row.id, row.title, row.starts_at, row.ends_at, row.status),
                     row.place_status, row.attended_at) for row in rows]


def feed_sessions(user, since):
    """Sessions for a learner's calendar feed: those they hold a seat in, ending after
    `since` (cancelled sessions included, so calendars drop them)."""
    return db.session.scalars(
        select(WorkshopSession)
        .join(SessionRegistration, SessionRegistration.session_id == WorkshopSession.id)
        .where(SessionRegistration.user_id == user.id,
               SessionRegistration.status == REGISTERED, WorkshopSession.ends_at >= since)
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)).all()


def managed_sessions(user):
    """The sessions a trainer manages (organized, or of a course they teach); admins: all."""
    query = (select(WorkshopSession).options(joinedload(WorkshopSession.course))
             .order_by(WorkshopSession.starts_at.desc(), WorkshopSession.id.desc()))
    if not user.is_admin:
        taught = select(course_owner.c.course_id).where(course_owner.c.user_id == user.id)
        query = query.where(or_(WorkshopSession.organizer_id == user.id,
                                WorkshopSession.course_id.in_(taught)))
    return db.session.scalars(query).all()


def participants(session):
    """(registered by name, waiting in queue order), users loaded, one query."""
    rows = db.session.scalars(
        select(SessionRegistration)
        .options(joinedload(SessionRegistration.user))
        .where(SessionRegistration.session_id == session.id,
               SessionRegistration.status.in_((REGISTERED, WAITLISTED)))
        .order_by(SessionRegistration.queued_at, SessionRegistration.id)).all()
    registered = sorted((r for r in rows if r.is_registered),
                        key=lambda r: (r.user.name.casefold(), r.id))
    return registered, [r for r in rows if r.is_waiting]


# What the course page's panel shows of a session (the seats are not among them).
COURSE_PANEL_COLUMNS = (WorkshopSession.id, WorkshopSession.title, WorkshopSession.kind,
                        WorkshopSession.starts_at, WorkshopSession.ends_at, WorkshopSession.jp)


@cache
def _course_sessions_statement():
    """Built once: read with each course's outline."""
    return (select(WorkshopSession)
            .options(load_only(*COURSE_PANEL_COLUMNS))
            .where(WorkshopSession.course_id == bindparam("course_id"),
                   WorkshopSession.status == "scheduled",
                   WorkshopSession.ends_at >= bindparam("now"))
            .order_by(WorkshopSession.starts_at))


def course_sessions_part(session, course):
    """A part of the course's cached outline (app/courses/outline_cache.py): its scheduled
    sessions that had not ended when the outline was read, with the columns the course page
    shows. An outline is kept until the content version changes, which every ORM change to a
    session does (scheduling, editing, cancelling); registrations change only the seat count,
    with a Core UPDATE, and leave it. Sessions that end meanwhile are left out by
    `upcoming_course_sessions`."""
    return session.scalars(_course_sessions_statement(),
                           {"course_id": course.id, "now": utcnow()}).all()


def upcoming_course_sessions(outline):
    """The outline's sessions that have not ended yet (none without an outline)."""
    if outline is None:
        return []
    now = utcnow()
    return [s for s in outline.parts.get("sessions", ()) if s.ends_at >= now]


# --- JP of attended sessions ---------------------------------------------------------------------

def _attended_in(year):
    """Conditions: attendance recorded, session started in the (WITA) calendar year."""
    start, end = year_bounds_utc(year)
    return (SessionRegistration.attended_at.is_not(None),
            WorkshopSession.starts_at >= start, WorkshopSession.starts_at < end)


def attended_jp_of(user_id, year):
    """Scalar subquery: one user's JP from attended sessions in the year (0 if none)."""
    return (select(func.coalesce(func.sum(WorkshopSession.jp), 0))
            .join(SessionRegistration, SessionRegistration.session_id == WorkshopSession.id)
            .where(SessionRegistration.user_id == user_id, *_attended_in(year))
            .scalar_subquery())
