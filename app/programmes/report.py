"""The admin report of one programme: per OPD, how many people it is for are done, on track,
behind or overdue. Four queries whatever the number of people (the audience with its OPD,
the completed step courses, the attended step sessions, who follows the programme);
the counting is done here, per person, the way a learner's own page counts.

- done: every step done;
- overdue: not done and the due date (WITA) has passed;
- on track: not done, not overdue, and as many steps done as the time elapsed between the
  programme's publication and its due date asks for, evenly (with no due date: one step done,
  or following the programme);
- behind: the rest.
"""

import math
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app.auth.models import Agency, User
from app.courses.models import Enrollment
from app.extensions import db
from app.programmes.models import ProgrammeEnrollment
from app.programmes.reminders import in_audience
from app.reports.tables import NUMBER, Column, Table
from app.timeutil import palu_date
from app.workshops.models import SessionRegistration, WorkshopSession

DONE, ON_TRACK, BEHIND, OVERDUE = "done", "on_track", "behind", "overdue"
COLUMNS = (
    Column("name", _l("OPD")),
    Column("people", _l("Sasaran"), NUMBER),
    Column(DONE, _l("Selesai"), NUMBER),
    Column(ON_TRACK, _l("Sesuai jadwal"), NUMBER),
    Column(BEHIND, _l("Tertinggal"), NUMBER),
    Column(OVERDUE, _l("Melewati tenggat"), NUMBER),
)


@dataclass
class OpdRow:
    name: str
    people: int = 0
    done: int = 0
    on_track: int = 0
    behind: int = 0
    overdue: int = 0

    def add(self, state):
        self.people += 1
        setattr(self, state, getattr(self, state) + 1)


def _audience(programme, no_opd):
    """[(user id, OPD name)]: a unit's people count for the OPD above it."""
    unit, parent = aliased(Agency), aliased(Agency)
    rows = db.session.execute(
        select(User.id, unit.name, parent.name).select_from(User)
        .outerjoin(unit, unit.id == User.agency_id)
        .outerjoin(parent, parent.id == unit.parent_id)
        .where(in_audience(programme))).all()
    return [(user_id, parent_name or unit_name or no_opd)
            for user_id, unit_name, parent_name in rows]


def _done_by_person(programme):
    """{user id: the step targets (ProgrammeStep.target) they have done}."""
    course_ids = [step.course_id for step in programme.steps if step.course_id]
    kinds = [step.session_kind for step in programme.steps if step.session_kind]
    session_ids = [step.session_id for step in programme.steps if step.session_id]
    done = {}
    if course_ids:
        for user_id, course_id in db.session.execute(select(
                Enrollment.user_id, Enrollment.course_id).where(
                Enrollment.course_id.in_(course_ids), Enrollment.completed_at.is_not(None))):
            done.setdefault(user_id, set()).add(("course", course_id))
    if kinds or session_ids:
        for user_id, session_id, kind in db.session.execute(
                select(SessionRegistration.user_id, WorkshopSession.id, WorkshopSession.kind)
                .join(WorkshopSession, WorkshopSession.id == SessionRegistration.session_id)
                .where(and_(or_(WorkshopSession.kind.in_(kinds),
                                WorkshopSession.id.in_(session_ids)),
                            SessionRegistration.attended_at.is_not(None)))):
            done.setdefault(user_id, set()).update({("kind", kind), ("session", session_id)})
    return done


def expected_steps(programme, today):
    """Steps one should have done by today to finish evenly by the due date."""
    total = len(programme.steps)
    if programme.due_on is None:
        return 1
    start = palu_date(programme.created_at)
    span = max((programme.due_on - start).days, 1)
    elapsed = min(max((today - start).days, 0), span)
    return min(total, math.floor(total * elapsed / span))


def state_of(programme, done_count, following, today):
    total = len(programme.steps)
    if done_count >= total:
        return DONE
    if programme.due_on is not None and today > programme.due_on:
        return OVERDUE
    if programme.due_on is None:
        return ON_TRACK if done_count or following else BEHIND
    return ON_TRACK if done_count >= expected_steps(programme, today) else BEHIND


def programme_rows(programme, no_opd, today: date):
    """(rows per OPD sorted by name, the total row)."""
    targets = {step.target for step in programme.steps}
    done = _done_by_person(programme)
    following = set(db.session.scalars(select(ProgrammeEnrollment.user_id).where(
        ProgrammeEnrollment.programme_id == programme.id)))
    by_opd, total = {}, OpdRow(str(_l("Semua OPD")))
    for user_id, opd in _audience(programme, no_opd):
        count = len(done.get(user_id, set()) & targets)
        state = state_of(programme, count, user_id in following, today)
        by_opd.setdefault(opd, OpdRow(opd)).add(state)
        total.add(state)
    return sorted(by_opd.values(), key=lambda row: row.name), total


def programme_table(programme, rows, total):
    footer = {column.key: getattr(total, column.key) for column in COLUMNS}
    return Table(f"program-{programme.slug}",
                 str(_l("Program %(title)s per OPD", title=programme.title)),
                 COLUMNS, rows, footer=footer, row_header="name")
