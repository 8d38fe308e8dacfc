"""Scheduling sessions and registering with a waiting list (attendance: attendance.py).

Writes flush and never commit. Seats move only through conditional UPDATEs of the session row
(`... WHERE seats_taken < capacity`), so two requests racing for the last seat cannot both
get it: on PostgreSQL the second UPDATE waits for the first to commit and then finds the row
full; on SQLite write requests run one at a time (BEGIN IMMEDIATE). A registration's status
changes the same way (`... WHERE status = <what was read>`), so a cancel racing a promotion from
the waiting list never loses or doubles a seat.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit import record_event
from app.content.markdown import render_markdown
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.notifications import events
from app.workshops.models import (
    CANCELLED,
    REGISTERED,
    WAITLISTED,
    SessionRegistration,
    WorkshopSession,
)

MAX_DAYS = 14
MAX_CAPACITY = 10_000
MIN_JP, MAX_JP = 1, 200


class WorkshopError(LmsError):
    """A session rule said no (registration closed, wrong code, session full of history...)."""


class ScheduleProblems(WorkshopError):
    """Scheduling values that break rules; `problems` holds (field name, message) pairs."""

    def __init__(self, problems):
        super().__init__(problems[0][1])
        self.problems = problems


# --- scheduling -----------------------------------------------------------------------------------

def _time_problems(values, session, now):
    starts, ends = values["starts_at"], values["ends_at"]
    deadline = values.get("registration_deadline")
    problems = []
    if (session is None or starts != session.starts_at) and starts < now:
        problems.append(("starts_at", _("Waktu mulai tidak boleh di masa lalu.")))
    if ends <= starts:
        problems.append(("ends_at", _("Waktu selesai harus sesudah waktu mulai.")))
    elif ends - starts > timedelta(days=MAX_DAYS):
        problems.append(("ends_at", _("Satu sesi paling lama %(n)d hari.", n=MAX_DAYS)))
    if deadline is not None and deadline > starts:
        problems.append(("registration_deadline",
                         _("Batas pendaftaran harus sebelum waktu mulai.")))
    elif (deadline is not None and deadline < now
          and (session is None or deadline != session.registration_deadline)):
        problems.append(("registration_deadline",
                         _("Batas pendaftaran tidak boleh di masa lalu.")))
    return problems


def _size_problems(values, session):
    problems = []
    capacity = values["capacity"]
    if not 1 <= capacity <= MAX_CAPACITY:
        problems.append(("capacity", _("Kapasitas harus antara 1 dan %(n)d peserta.",
                                       n=MAX_CAPACITY)))
    elif session is not None and capacity < session.seats_taken:
        problems.append(("capacity", _("Kapasitas tidak boleh kurang dari %(n)d peserta yang "
                                       "sudah terdaftar.", n=session.seats_taken)))
    if not MIN_JP <= values["jp"] <= MAX_JP:
        problems.append(("jp", _("JP harus antara %(low)d dan %(high)d.", low=MIN_JP,
                                 high=MAX_JP)))
    return problems


def _place_problems(values):
    problems = []
    if values["kind"] == "webinar" and not values.get("meeting_url"):
        problems.append(("meeting_url", _("Isi tautan rapat untuk webinar.")))
    if values["kind"] == "klasikal" and not values.get("place"):
        problems.append(("place", _("Isi tempat pelaksanaan workshop.")))
    if values["audience"] == "opd" and not values.get("agencies"):
        problems.append(("agencies", _("Pilih minimal satu OPD peserta.")))
    return problems


def schedule_problems(values, session=None, now=None):
    """(field, message) for every scheduling rule the values break; [] when all hold.

    The form shows these under its fields; the services refuse the same values, so a caller
    that skips the form (a CLI, a test) meets the same rules."""
    now = now or utcnow()
    return (_time_problems(values, session, now) + _size_problems(values, session)
            + _place_problems(values))


def _check_schedule(values, session, now):
    problems = schedule_problems(values, session, now)
    if problems:
        raise ScheduleProblems(problems)


def _columns(values):
    description = values.get("description") or ""
    course = values.get("course")
    return {
        "title": values["title"], "description_source": description,
        # The description sits under the session page's h2, so its `##` become h3.
        "description_html": render_markdown(description, heading_base=2),
        "kind": values["kind"], "provider": values["provider"],
        "competency": values.get("competency") or "teknis",
        "starts_at": values["starts_at"], "ends_at": values["ends_at"],
        "place": values.get("place") or "", "meeting_url": values.get("meeting_url") or "",
        "jp": values["jp"], "course_id": course.id if course is not None else None,
        "registration_deadline": values.get("registration_deadline"),
        "audience": values["audience"],
    }


def _audit_fields(session):
    return {"title": session.title, "starts_at": session.starts_at.isoformat(),
            "capacity": session.capacity, "jp": session.jp}


def create_session(values, organizer, now=None):
    """Schedule a session; its organizer manages it (with the linked course's trainers)."""
    _check_schedule(values, None, now)
    session = WorkshopSession(organizer_id=organizer.id, capacity=values["capacity"],
                              seats_taken=0, status="scheduled", revision=0,
                              **_columns(values))
    session.agencies = list(values.get("agencies") or ()) if values["audience"] == "opd" else []
    db.session.add(session)
    db.session.flush()
    record_event(organizer, "workshop.create", "workshop_session", session.id,
                 **_audit_fields(session))
    return session


def update_session(session, values, editor, now=None):
    """Change a session; a larger capacity moves the waiting list up at once."""
    now = now or utcnow()
    if session.is_cancelled:
        raise WorkshopError(_("Sesi yang dibatalkan tidak dapat diubah."))
    _check_schedule(values, session, now)
    _set_capacity(session, values["capacity"])
    link_before = session.meeting_url
    for name, value in _columns(values).items():
        setattr(session, name, value)
    session.agencies = list(values.get("agencies") or ()) if values["audience"] == "opd" else []
    session.revision = (session.revision or 0) + 1
    db.session.flush()
    record_event(editor, "workshop.update", "workshop_session", session.id,
                 **_audit_fields(session))
    if session.meeting_url and session.meeting_url != link_before:
        events.workshop_link_available(session, select(SessionRegistration.user_id).where(
            SessionRegistration.session_id == session.id,
            SessionRegistration.status == REGISTERED))
    return promote_waiting(session, now)


def cancel_session(session, actor):
    """Call a session off; it stays on record (and in calendars, as cancelled)."""
    if session.is_cancelled:
        raise WorkshopError(_("Sesi ini sudah dibatalkan."))
    attended = db.session.scalar(select(SessionRegistration.id).where(
        SessionRegistration.session_id == session.id,
        SessionRegistration.attended_at.is_not(None)).limit(1))
    if attended is not None:
        raise WorkshopError(_("Sesi yang kehadirannya sudah dicatat tidak dapat dibatalkan."))
    session.status = "cancelled"
    session.revision = (session.revision or 0) + 1
    db.session.flush()
    record_event(actor, "workshop.cancel", "workshop_session", session.id, title=session.title)


# --- seats ----------------------------------------------------------------------------------------

def _seat_update(session, *conditions, **values):
    result = db.session.execute(
        update(WorkshopSession).where(WorkshopSession.id == session.id, *conditions)
        .values(**values).execution_options(synchronize_session=False))
    db.session.expire(session, ["seats_taken", "capacity"])
    return result.rowcount == 1


def _claim_seat(session):
    """Take one seat if one is free (True); the database decides, not what was read."""
    return _seat_update(session, WorkshopSession.seats_taken < WorkshopSession.capacity,
                        seats_taken=WorkshopSession.seats_taken + 1)


def _release_seat(session):
    _seat_update(session, WorkshopSession.seats_taken > 0,
                 seats_taken=WorkshopSession.seats_taken - 1)


def _set_capacity(session, capacity):
    if not _seat_update(session, WorkshopSession.seats_taken <= capacity, capacity=capacity):
        raise ScheduleProblems([("capacity", _(
            "Kapasitas tidak boleh kurang dari %(n)d peserta yang sudah terdaftar.",
            n=session.seats_taken))])


def _move(registration, expected, **values):
    """Change a registration only if its status is still `expected` (True if it was)."""
    result = db.session.execute(
        update(SessionRegistration)
        .where(SessionRegistration.id == registration.id,
               SessionRegistration.status == expected,
               SessionRegistration.attended_at.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(registration)
    return result.rowcount == 1


def _first_waiting(session):
    return db.session.scalars(
        select(SessionRegistration)
        .where(SessionRegistration.session_id == session.id,
               SessionRegistration.status == WAITLISTED)
        .order_by(SessionRegistration.queued_at, SessionRegistration.id).limit(1)).first()


def _seat_first_waiting(session, promoted):
    """Give a seat already claimed to the first learner waiting; False if nobody waits."""
    while (waiting := _first_waiting(session)) is not None:
        if _move(waiting, WAITLISTED, status=REGISTERED):
            promoted.append(waiting)
            events.workshop_promoted(waiting)
            record_event(None, "workshop.promote", "workshop_registration", waiting.id,
                         session_id=session.id, user_id=waiting.user_id)
            return True
    return False


def promote_waiting(session, now=None):
    """Fill free seats from the waiting list, first come first served. Returns who moved up.

    The seat is claimed before the next in line is read: on PostgreSQL that claim waits for
    any other transaction promoting in the same session, so both never pick the same person.
    """
    promoted = []
    if session.is_cancelled:
        return promoted
    while _claim_seat(session):
        if not _seat_first_waiting(session, promoted):
            _release_seat(session)
            break
    return promoted


# --- registering ----------------------------------------------------------------------------------

def agency_chain_ids(user):
    """The ids of the user's agency and every agency above it (a unit counts for its OPD)."""
    ids, agency = set(), user.agency
    while agency is not None and agency.id not in ids:
        ids.add(agency.id)
        agency = agency.parent
    return ids


def in_audience(user, session):
    if session.audience == "all":
        return True
    return bool(agency_chain_ids(user) & {agency.id for agency in session.agencies})


def registration_problem(session, user, now=None):
    """Why this user cannot register now (a message), or None when they can."""
    now = now or utcnow()
    if session.is_cancelled:
        return _("Sesi ini dibatalkan.")
    if not user.is_learner:
        return _("Hanya peserta (ASN) yang dapat mendaftar ke sesi.")
    if now >= session.registration_closes_at:
        return _("Pendaftaran sesi ini sudah ditutup.")
    if not in_audience(user, session):
        return _("Sesi ini khusus untuk ASN dari: %(opd)s.",
                 opd=", ".join(agency.name for agency in session.agencies))
    return None


def registration_of(user, session):
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(SessionRegistration).where(
        SessionRegistration.session_id == session.id, SessionRegistration.user_id == user.id))


def _new_registration(session, user, status, now):
    """Insert the learner's row; a second tab that inserted it first wins (None here)."""
    registration = SessionRegistration(session_id=session.id, user_id=user.id, status=status,
                                       created_at=now, queued_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        return None
    return registration


def register_learner(session, user, now=None):
    """A seat if one is free, else a place at the end of the waiting list. Registering again
    while registered or waiting changes nothing; after a cancellation it queues anew."""
    now = now or utcnow()
    problem = registration_problem(session, user, now)
    if problem:
        raise WorkshopError(problem)
    registration = registration_of(user, session)
    if registration is not None and registration.status != CANCELLED:
        return registration
    seated = _claim_seat(session)
    status = REGISTERED if seated else WAITLISTED
    if registration is None:
        placed = _new_registration(session, user, status, now)
    else:
        placed = registration if _move(registration, CANCELLED, status=status, queued_at=now,
                                       cancelled_at=None) else None
    if placed is None:  # another request of this learner got there first
        if seated:
            _release_seat(session)
        return registration_of(user, session)
    events.workshop_registered(placed, waiting=not seated)
    return placed


def cancel_registration(registration, now=None):
    """Give the place up before the session starts; a freed seat goes to the first waiting.
    Returns the registrations promoted from the waiting list."""
    now = now or utcnow()
    session = registration.session
    if registration.has_attended:
        raise WorkshopError(_("Kehadiran Anda sudah tercatat; pendaftaran tidak dapat "
                              "dibatalkan."))
    if now >= session.starts_at and not session.is_cancelled:
        raise WorkshopError(_("Pendaftaran tidak dapat dibatalkan setelah sesi dimulai."))
    for _attempt in range(3):
        previous = registration.status
        if previous == CANCELLED:
            return []
        if _move(registration, previous, status=CANCELLED, cancelled_at=now):
            if previous != REGISTERED:
                return []
            _release_seat(session)
            return promote_waiting(session, now)
    raise WorkshopError(_("Pendaftaran Anda sedang berubah; coba lagi."))
