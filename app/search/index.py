"""Keeping the search index current.

Whatever changes a course, a module or a workshop (the browser editor, `flask content import`,
retiring a module, publishing, cancelling a session) goes through the ORM session, so
app/derived.py notes what changed and, just before the transaction commits, rewrites those rows
of the index in the same transaction. A rollback takes the index changes back with the content.

Only published courses, their active modules and sessions that are not cancelled are indexed,
so a search shows nothing a learner could not open. `flask search reindex` rebuilds it all."""

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, insert, select

from app.courses.models import Course, Module
from app.derived import Derived, register
from app.extensions import db
from app.hooks import Hook
from app.search.models import COURSE, MODULE, WORKSHOP, SearchDocument
from app.search.text import plain_text, sections, stems
from app.workshops.models import WorkshopSession

# The attributes whose change alters what a search finds (or whether it finds it at all).
WATCHED = {
    Course: ("code", "title", "summary", "description_html", "status", "slug"),
    Module: ("title", "body_html", "retired_at", "position", "slug", "course_id"),
    WorkshopSession: ("title", "description_html", "status", "provider", "place"),
}


def _row(kind, title, body, position=0, anchor="", course_id=None, module_id=None,
         session_id=None):
    # Every row names every column: an executemany takes its columns from the first row.
    return {"kind": kind, "title": title[:500], "body": body, "position": position,
            "anchor": anchor[:200], "title_stems": stems(title), "stems": stems(body),
            "course_id": course_id, "module_id": module_id, "session_id": session_id}


def course_rows(course, modules):
    """The index rows of a published course: its description, then each module's sections."""
    rows = [_row(COURSE, f"{course.code} {course.title}",
                 f"{course.summary} {plain_text(course.description_html)}", course_id=course.id)]
    for module in modules:
        for position, (anchor, heading, text) in enumerate(sections(module.body_html)):
            title = f"{module.title} › {heading}" if heading else module.title
            rows.append(_row(MODULE, title, text, position, anchor, course_id=course.id,
                             module_id=module.id))
    return rows


def session_rows(session):
    return [_row(WORKSHOP, session.title,
                 f"{session.provider} {session.place} {plain_text(session.description_html)}",
                 session_id=session.id)]


def reindex_course(connection, course_id):
    connection.execute(delete(SearchDocument).where(SearchDocument.course_id == course_id))
    # Only the columns the index uses: less to read, and migration 0014 (which calls this)
    # keeps working after later migrations add columns to these tables.
    course = connection.execute(
        select(Course.id, Course.code, Course.title, Course.summary, Course.description_html,
               Course.status).where(Course.id == course_id)).first()
    if course is None or course.status != "published":
        return 0
    modules = connection.execute(
        select(Module.id, Module.title, Module.body_html)
        .where(Module.course_id == course_id, Module.retired_at.is_(None))
        .order_by(Module.position)).all()
    return _insert(connection, course_rows(course, modules))


def reindex_session(connection, session_id):
    connection.execute(delete(SearchDocument).where(SearchDocument.session_id == session_id))
    session = connection.execute(
        select(WorkshopSession.id, WorkshopSession.title, WorkshopSession.provider,
               WorkshopSession.place, WorkshopSession.description_html, WorkshopSession.status)
        .where(WorkshopSession.id == session_id)).first()
    if session is None or session.status == "cancelled":
        return 0
    return _insert(connection, session_rows(session))


def _insert(connection, rows):
    if rows:
        connection.execute(insert(SearchDocument), rows)
    return len(rows)


def rebuild(connection):
    """Every row again, from the content tables. Returns the number of rows."""
    connection.execute(delete(SearchDocument))
    total = 0
    for (course_id,) in connection.execute(select(Course.id).where(Course.status == "published")):
        total += reindex_course(connection, course_id)
    for (session_id,) in connection.execute(
            select(WorkshopSession.id).where(WorkshopSession.status != "cancelled")):
        total += reindex_session(connection, session_id)
    return total


# --- kept current by app/derived.py ---------------------------------------------------------

def _touched(obj):
    """What to reindex when an object of a watched model changes: a module's whole course."""
    if isinstance(obj, WorkshopSession):
        return [(WORKSHOP, obj.id)]
    return [(COURSE, obj.id if isinstance(obj, Course) else obj.course_id)]


def _write(connection, keys):
    for kind, key in keys:
        if kind == COURSE:
            reindex_course(connection, key)
        else:
            reindex_session(connection, key)


SEARCH_INDEX = register(Derived("search_pending", WATCHED, _touched, _write))
# Other indexes on the same engine rebuilt by `flask search reindex` (the course discussions'):
# functions (connection) -> number of rows.
OTHER_INDEXES = Hook()
register_index_rebuild = OTHER_INDEXES.register


@click.group("search", help="Indeks pencarian isi kursus dan workshop.")
def search_cli():
    pass


@search_cli.command("reindex", help="Bangun ulang seluruh indeks pencarian.")
@with_appcontext
def reindex_command():
    count = rebuild(db.session.connection())
    others = sum(rebuild_other(db.session.connection()) for rebuild_other in OTHER_INDEXES)
    db.session.commit()
    click.echo(f"Indeks pencarian dibangun ulang: {count} bagian materi, {others} tulisan "
               "diskusi.")
