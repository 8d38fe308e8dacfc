"""Keeping jp_year_total current: the JP of a person's year is summed again from the detailed
rows whenever one of them changes, in the same transaction (app/derived.py).

What changes a year's JP: an enrolment completed (or its row removed), a manual credit added,
edited or removed, attendance recorded or withdrawn, and, for everyone concerned, a course's or
a session's JP (or a session's start, which decides its year). Sums are made in Python per
person, so the WITA year of a timestamp is computed the same way on both databases.
`flask reports rebuild-jp` (and migration 0015) rebuild the whole table."""

from collections import defaultdict

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, insert, inspect, select

from app.courses.models import Course, Enrollment, JpCredit, JpYearTotal
from app.derived import Derived, register
from app.extensions import db
from app.timeutil import palu_date
from app.workshops.models import SessionRegistration, WorkshopSession

CHUNK = 500  # people per statement (bounded IN lists on both databases)
USER, COURSE, SESSION = "user", "course", "session"
COURSE_JP, CREDIT_JP, SESSION_JP = 0, 1, 2

WATCHED = {
    Enrollment: ("completed_at", "course_id", "user_id"),
    JpCredit: ("earned_on", "jp", "user_id"),
    SessionRegistration: ("attended_at", "session_id", "user_id"),
    Course: ("jp",),
    WorkshopSession: ("jp", "starts_at"),
}


def _owners(obj):
    """Every user the row belongs or belonged to (a row moved to someone else counts twice)."""
    history = inspect(obj).attrs.user_id.history
    return {*history.deleted, *history.unchanged, *history.added} or {obj.user_id}


def _touched(obj):
    if isinstance(obj, Course):
        return [(COURSE, obj.id)]
    if isinstance(obj, WorkshopSession):
        return [(SESSION, obj.id)]
    # A new enrolment or registration counts nothing yet, but telling it from one whose JP
    # was just withdrawn needs the old value, which an expired object no longer holds: a
    # recount of one person (three indexed reads) is cheaper than loading it.
    return [(USER, user_id) for user_id in _owners(obj)]


def _people_of(connection, keys):
    people = {key for kind, key in keys if kind == USER}
    courses = [key for kind, key in keys if kind == COURSE]
    sessions = [key for kind, key in keys if kind == SESSION]
    if courses:
        people.update(connection.scalars(
            select(Enrollment.user_id).where(Enrollment.course_id.in_(courses),
                                             Enrollment.completed_at.is_not(None))))
    if sessions:
        people.update(connection.scalars(
            select(SessionRegistration.user_id).where(
                SessionRegistration.session_id.in_(sessions),
                SessionRegistration.attended_at.is_not(None))))
    return sorted(people)


def yearly_sums(connection, user_ids=None):
    """(user_id, year) -> [course JP, credit JP, session JP] from the detailed rows, for the
    given people (None: everyone)."""
    def only(column):
        return (column.in_(user_ids),) if user_ids is not None else ()

    sums = defaultdict(lambda: [0, 0, 0])
    for user_id, completed_at, jp in connection.execute(
            select(Enrollment.user_id, Enrollment.completed_at, Course.jp)
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.completed_at.is_not(None), *only(Enrollment.user_id))):
        sums[user_id, palu_date(completed_at).year][COURSE_JP] += jp
    for user_id, earned_on, jp in connection.execute(
            select(JpCredit.user_id, JpCredit.earned_on, JpCredit.jp)
            .where(*only(JpCredit.user_id))):
        sums[user_id, earned_on.year][CREDIT_JP] += jp
    for user_id, starts_at, jp in connection.execute(
            select(SessionRegistration.user_id, WorkshopSession.starts_at, WorkshopSession.jp)
            .join(WorkshopSession, WorkshopSession.id == SessionRegistration.session_id)
            .where(SessionRegistration.attended_at.is_not(None),
                   *only(SessionRegistration.user_id))):
        sums[user_id, palu_date(starts_at).year][SESSION_JP] += jp
    return sums


def _insert(connection, sums):
    rows = [{"user_id": user_id, "year": year, "course_jp": jp[COURSE_JP],
             "credit_jp": jp[CREDIT_JP], "session_jp": jp[SESSION_JP], "total": sum(jp)}
            for (user_id, year), jp in sorted(sums.items())]
    for start in range(0, len(rows), CHUNK * 10):
        connection.execute(insert(JpYearTotal), rows[start:start + CHUNK * 10])
    return len(rows)


def recount(connection, user_ids):
    """Sum these people's years again from the detailed rows."""
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start:start + CHUNK]
        connection.execute(delete(JpYearTotal).where(JpYearTotal.user_id.in_(chunk)))
        _insert(connection, yearly_sums(connection, chunk))


def rebuild(connection):
    """The whole table again. Returns the number of rows."""
    connection.execute(delete(JpYearTotal))
    return _insert(connection, yearly_sums(connection))


def _write(connection, keys):
    recount(connection, _people_of(connection, keys))


JP_TOTALS = register(Derived("jp_totals_pending", WATCHED, _touched, _write))


@click.group("reports", help="Laporan JP.")
def reports_cli():
    pass


@reports_cli.command("rebuild-jp", help="Hitung ulang rekap JP tahunan setiap ASN dari "
                                        "data rinci (penyelesaian kursus, kredit, kehadiran).")
@with_appcontext
def rebuild_command():
    count = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Rekap JP tahunan dihitung ulang: {count} baris.")
