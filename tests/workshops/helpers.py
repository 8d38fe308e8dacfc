"""Plain helpers for the workshop tests (and for shared route tests that need a session)."""

from datetime import timedelta

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.workshops.models import SessionRegistration, WorkshopSession


def make_session(organizer=None, *, starts_in=timedelta(days=7), hours=3, capacity=20, jp=4,
                 kind="klasikal", title="Workshop SRIKANDI untuk operator OPD", **fields):
    """A session stored directly (so it may lie in the past or be running now), committed."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    values = {"description_source": "Praktik **SRIKANDI**.",
              "description_html": "<p>Praktik <strong>SRIKANDI</strong>.</p>",
              "provider": "BKPSDM Kota Palu", "competency": "teknis",
              "place": "Aula BKPSDM Kota Palu" if kind == "klasikal" else "",
              "meeting_url": "https://zoom.example.go.id/j/123" if kind == "webinar" else "",
              "audience": "all", "status": "scheduled", "revision": 0, "seats_taken": 0}
    values.update(fields)
    session = WorkshopSession(title=title, kind=kind, starts_at=start,
                              ends_at=start + timedelta(hours=hours), capacity=capacity, jp=jp,
                              organizer_id=organizer.id if organizer is not None else None,
                              **values)
    db.session.add(session)
    db.session.commit()
    return session


def attend(session, user, method="trainer", when=None):
    """A registration holding a seat with attendance recorded (stored directly)."""
    registration = SessionRegistration(session_id=session.id, user_id=user.id,
                                       status="registered")
    registration.mark_attended(when or session.starts_at, method, None)
    db.session.add(registration)
    db.session.flush()
    db.session.execute(WorkshopSession.__table__.update()
                       .where(WorkshopSession.id == session.id)
                       .values(seats_taken=WorkshopSession.seats_taken + 1))
    db.session.commit()
    return registration


def registration(session, user):
    db.session.expire_all()
    return db.session.scalar(select(SessionRegistration).where(
        SessionRegistration.session_id == session.id, SessionRegistration.user_id == user.id))


def reload(session):
    db.session.expire_all()
    return db.session.get(WorkshopSession, session.id)


def start_now(session, minutes_ago=10):
    """Move a session so it started `minutes_ago` minutes ago (same length), committed."""
    shift = session.starts_at - (utcnow() - timedelta(minutes=minutes_ago))
    session.starts_at -= shift
    session.ends_at -= shift
    db.session.commit()
    return session
