"""Who manages a session: admins every session; a trainer the sessions they organize and the
sessions of courses they teach."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.authoring.access import require_author
from app.courses.access import can_edit_course
from app.web import one_or_404
from app.workshops.models import WorkshopSession


def can_manage_session(user, session):
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    if not user.is_trainer:
        return False
    if session.organizer_id == user.id:
        return True
    return session.course is not None and can_edit_course(user, session.course)


def session_or_404(session_id):
    return one_or_404(select(WorkshopSession).where(WorkshopSession.id == session_id))


def managed_session_or_404(session_id):
    """The session, if the current user may manage it (403 if not, 404 if no such)."""
    require_author()
    session = session_or_404(session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    return session
