"""Attendance: the check-in window the settings set, the check-in code, the trainer's list,
and when the meeting link shows. Writes flush and never commit; every way is audited."""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _

from app.audit import record_event
from app.database import utcnow
from app.extensions import db
from app.hooks import Hook
from app.settings import get_setting
from app.templating import wita_datetime
from app.workshops.services import WorkshopError, registration_of

# No 0/O, 1/I/L: a code read off a projector or a whiteboard is typed back without guessing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6

# Other packages may forbid taking attendance away (certificates: a learner whose certificate
# for the session is valid): functions (registration ids) -> the ids that are locked.
ATTENDANCE_LOCKS = Hook()
register_attendance_lock = ATTENDANCE_LOCKS.register
# Called with (session, ids of the people just marked present) after attendance is recorded
# (programmes: a session step done may finish a programme).
ATTENDANCE_LISTENERS = Hook()
register_attendance_listener = ATTENDANCE_LISTENERS.register


# --- time windows ---------------------------------------------------------------------------------

def _minutes(key):
    return timedelta(minutes=int(get_setting(key) or 0))


def checkin_window(session):
    """[opens, closes] of check-in with the code (the admin settings set the margins)."""
    return (session.starts_at - _minutes("workshop.checkin_before_minutes"),
            session.ends_at + _minutes("workshop.checkin_after_minutes"))


def is_checkin_open(session, now=None):
    opens, closes = checkin_window(session)
    return not session.is_cancelled and opens <= (now or utcnow()) <= closes


def link_shows_from(session):
    return session.starts_at - _minutes("workshop.link_before_minutes")


def can_see_link(session, registration, now=None):
    """Registered learners see the meeting link from shortly before the start to the end."""
    now = now or utcnow()
    return (registration is not None and registration.is_registered
            and not session.is_cancelled and session.meeting_url != ""
            and link_shows_from(session) <= now <= session.ends_at)


def _window_text(session):
    opens, closes = checkin_window(session)
    return {"start": wita_datetime(opens), "end": wita_datetime(closes)}


# --- attendance and codes -------------------------------------------------------------------------

def normalize_code(raw):
    """What people type from a screen: any case, spaces or dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch in CODE_ALPHABET)


def reveal_code(session, actor, now=None, replace=False):
    """The check-in code for the trainer to show, only while check-in is open: the current
    one (made on first use), or with replace a new one (the old one stops working: it leaked,
    or someone outside the room has it)."""
    if session.is_cancelled:
        raise WorkshopError(_("Sesi ini dibatalkan."))
    if not is_checkin_open(session, now):
        raise WorkshopError(_("Kode presensi hanya dapat ditampilkan pada %(start)s sampai "
                              "%(end)s.", **_window_text(session)))
    if session.checkin_code and not replace:
        return session.checkin_code
    replaced = bool(session.checkin_code)
    session.checkin_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.session.flush()
    record_event(actor, "workshop.code_replaced" if replaced else "workshop.code",
                 "workshop_session", session.id)
    return session.checkin_code


def _tell_listeners(session, user_ids):
    if user_ids:
        for listener in ATTENDANCE_LISTENERS:
            listener(session, user_ids)


def check_in(session, user, code, now=None):
    """A registered learner records their own attendance with the code, during the window.
    Returns False when their attendance was already recorded."""
    now = now or utcnow()
    registration = registration_of(user, session)
    if registration is None or not registration.is_registered:
        raise WorkshopError(_("Hanya peserta terdaftar yang dapat melakukan presensi."))
    if registration.has_attended:
        return False
    if not is_checkin_open(session, now):
        raise WorkshopError(_("Presensi dengan kode hanya dapat dilakukan pada %(start)s "
                              "sampai %(end)s.", **_window_text(session)))
    typed = normalize_code(code)
    if not session.checkin_code or not hmac.compare_digest(typed, session.checkin_code):
        raise WorkshopError(_("Kode presensi salah. Periksa kode yang ditampilkan pengajar."))
    registration.mark_attended(now, "code", user)
    db.session.flush()
    record_event(user, "workshop.check_in", "workshop_registration", registration.id,
                 session_id=session.id, nip=user.nip)
    _tell_listeners(session, [user.id])
    return True


@dataclass
class AttendanceChange:
    marked: list = field(default_factory=list)
    unmarked: list = field(default_factory=list)
    locked: list = field(default_factory=list)  # attendance kept: a valid certificate exists


def _locked_ids(registrations):
    ids = [r.id for r in registrations if r.has_attended]
    if not ids:
        return set()
    return set().union(*(lock(ids) for lock in ATTENDANCE_LOCKS))


def record_attendance(session, participants, attended_ids, actor, now=None):
    """The trainer's list: the ticked participants attended, the others did not.

    `participants` are the session's registered learners as shown on the trainer's page."""
    now = now or utcnow()
    if session.is_cancelled:
        raise WorkshopError(_("Sesi ini dibatalkan."))
    opens, _closes = checkin_window(session)
    if now < opens:
        raise WorkshopError(_("Kehadiran baru dapat dicatat mulai %(time)s.",
                              time=wita_datetime(opens)))
    change, locked = AttendanceChange(), _locked_ids(participants)
    for registration in participants:
        ticked = registration.id in attended_ids
        if ticked and not registration.has_attended:
            registration.mark_attended(now, "trainer", actor)
            change.marked.append(registration)
        elif not ticked and registration.has_attended:
            if registration.id in locked:
                change.locked.append(registration)
                continue
            registration.clear_attendance()
            change.unmarked.append(registration)
    db.session.flush()
    if change.marked or change.unmarked:
        record_event(actor, "workshop.attendance", "workshop_session", session.id,
                     marked=[r.user.nip for r in change.marked],
                     unmarked=[r.user.nip for r in change.unmarked])
    _tell_listeners(session, [r.user_id for r in change.marked])
    return change
