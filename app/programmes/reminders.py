"""Learners overdue on a mandatory programme are reminded with the JP reminders (same admin
schedule, app/notifications/reminders.py): one statement per overdue programme, however many
people it is for."""

from sqlalchemy import and_, exists, or_, select

from app.auth.models import Agency, User
from app.courses.models import Enrollment
from app.database import utcnow
from app.extensions import db
from app.notifications.services import link_to, notify
from app.programmes.models import Programme, programme_agency
from app.programmes.services import PROGRAMME_OPTIONS
from app.timeutil import palu_date
from app.workshops.models import SessionRegistration, WorkshopSession


def in_audience(programme):
    """SQL on User: the programme is for this person."""
    conditions = [User.is_learner.is_(True), User.active.is_(True),
                  User.verified_at.is_not(None)]
    if programme.agencies:
        chosen = select(programme_agency.c.agency_id).where(
            programme_agency.c.programme_id == programme.id)
        units = select(Agency.id).where(Agency.parent_id.in_(chosen))
        conditions.append(or_(User.agency_id.in_(chosen), User.agency_id.in_(units)))
    if programme.jabatan_types:
        conditions.append(User.jabatan_type.in_(programme.jabatan_types))
    return and_(*conditions)


def step_missing(step):
    """SQL on User: this step is still to do."""
    if step.course_id:
        return ~exists().where(Enrollment.user_id == User.id,
                               Enrollment.course_id == step.course_id,
                               Enrollment.completed_at.is_not(None))
    if step.session_id:
        return ~exists().where(SessionRegistration.user_id == User.id,
                               SessionRegistration.session_id == step.session_id,
                               SessionRegistration.attended_at.is_not(None))
    return ~exists(select(SessionRegistration.id)
                   .join(WorkshopSession, WorkshopSession.id == SessionRegistration.session_id)
                   .where(SessionRegistration.user_id == User.id,
                          WorkshopSession.kind == step.session_kind,
                          SessionRegistration.attended_at.is_not(None)))


def overdue_learners(programme):
    """SELECT of the ids of people in the audience with a step still to do."""
    return select(User.id).where(in_audience(programme),
                                 or_(*[step_missing(step) for step in programme.steps]))


def remind_overdue(now=None):
    """Notify everyone overdue on a mandatory, published programme. Returns how many."""
    now = now or utcnow()
    overdue = db.session.scalars(select(Programme).options(*PROGRAMME_OPTIONS).where(
        Programme.status == "published", Programme.mandatory.is_(True),
        Programme.due_on < palu_date(now))).unique().all()
    sent = 0
    for programme in overdue:  # the overdue programmes: a handful, one statement each
        if programme.steps:
            sent += notify(overdue_learners(programme), "programme_overdue",
                           {"title": programme.title, "due": programme.due_on.isoformat()},
                           link=link_to("programmes.show", slug=programme.slug), now=now)
    return sent
