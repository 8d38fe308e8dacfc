"""The course and module pages' outline (a course with its active modules), cached per process.

Every course and module page needs the course row and its active modules in order; they change
only when someone edits the course. Instead of two or three queries per page, each worker
keeps the outline it last read, tagged with the content version: a random token stored as the
setting "content.version" and replaced, in the same transaction, by every ORM change to a
course, module, quiz or the other models packages register (sessions, programmes,
announcements, agencies: the `before_flush` listener below; Core updates of them call
`note_content_changed`). Settings are read once per request anyway (app/settings.py), so
checking the version costs no query, and a change committed through any worker or `flask
content import` is seen by every other worker on its next request.

The cached objects are detached from any session: read-only snapshots with all their columns
loaded. Pages that change a course or module load their own attached copies.

A worker keeps at most MAX_OUTLINES outlines (some 100 KB each with their module bodies); past
that, the one read longest ago goes (docs/operations.md, what a worker keeps in memory).
"""

import threading
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.courses.models import Course, Module
from app.database import utcnow
from app.extensions import db
from app.keeping import keep_newest
from app.settings import Setting, get_setting

CONTENT_VERSION_KEY = "content.version"
MAX_OUTLINES = 64

_outlines = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Outline:
    version: str | None
    course: Course
    modules: list  # active modules in order, bodies loaded
    parts: dict  # name -> what that part's loader read (OUTLINE_PARTS)

    def module(self, slug):
        return next((m for m in self.modules if m.slug == slug), None)


def course_outline(slug):
    """The outline of the course with this slug (None if there is none), from the cache when
    the content version has not changed since it was read."""
    # No version yet (a database no content change has touched since this code was deployed)
    # is a version too: the first change replaces it.
    version = get_setting(CONTENT_VERSION_KEY)
    cached = _outlines.get(slug)
    if cached is not None and cached.version == version:
        return cached
    outline = _read_outline(slug, version)
    if outline is not None:
        with _lock:
            keep_newest(_outlines, slug, outline, MAX_OUTLINES)
    return outline


def _read_outline(slug, version):
    def read(session):
        course = session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            return None
        modules = session.scalars(
            select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None))
            .order_by(Module.position)).all()
        parts = {name: load(session, course) for name, load in OUTLINE_PARTS.items()}
        return Outline(version=version, course=course, modules=list(modules), parts=parts)
    return read_detached(read)


def read_detached(load):
    """What `load(session)` returns, its ORM objects detached: read-only snapshots to keep
    across requests. The session is one of its own on the request's connection (same
    transaction), so the snapshots never share identity with objects the request itself
    loads and changes; `load` must load every attribute its readers will use."""
    with Session(bind=db.session.connection(), expire_on_commit=False) as session:
        value = load(session)
        session.expunge_all()
    return value


def cached_for_content(name, key, render, max_entries, keep=lambda value: True,
                       valid_until=lambda value: None):
    """What `render()` returns, kept in this app's `name` cache under `key` until the content
    version changes (page parts and lists that depend on the content only). A value for which
    `keep(value)` is false is returned but not kept. `valid_until(value)`: a UTC time from
    which the value is stale even if the content did not change (the first of its items to
    end), or None. At most `max_entries` are kept; when full, the one read longest ago goes."""
    version = get_setting(CONTENT_VERSION_KEY)
    cache = current_app.extensions.setdefault(name, {})
    kept = cache.get(key)
    if kept is not None and kept[0] == version and (kept[2] is None or utcnow() < kept[2]):
        return kept[1]
    value = render()
    if keep(value):
        keep_newest(cache, key, (version, value, valid_until(value)), max_entries)
    return value


def forget_outlines():
    """Drop this process's cached outlines: for tests, which empty the database (and so the
    version) between cases; in service the version makes this unnecessary."""
    with _lock:
        _outlines.clear()


# Models whose changes alter an outline; packages that add a part add their models.
_content_models = {Course, Module}
# Parts other packages add to an outline (quizzes: the quizzes placed after each module):
# name -> load(session, course), returning read-only data.
OUTLINE_PARTS = {}


def register_outline_part(name, load, *models):
    OUTLINE_PARTS[name] = load
    register_content_models(*models)


def register_content_models(*models, new_rows_count=True):
    """Models whose ORM changes replace the content version (lists cached with
    `cached_for_content` read them). `new_rows_count=False`: only edits and deletions do (a
    new agency is in no kept list yet: the lists are kept per agency of the people asking)."""
    (_content_models if new_rows_count else _edited_models).update(models)


# Models whose edits and deletions, not their new rows, alter what is kept.
_edited_models = set()


@event.listens_for(Session, "before_flush")
def _bump_content_version(session, _flush_context, _instances):
    # `dirty` also lists objects assigned their own values; only net changes count.
    edited = (*session.deleted, *(obj for obj in session.dirty if session.is_modified(obj)))
    content_models = tuple(_content_models)
    edited_models = (*content_models, *_edited_models)
    if (any(isinstance(obj, content_models) for obj in session.new)
            or any(isinstance(obj, edited_models) for obj in edited)):
        note_content_changed(session)


def note_content_changed(session):
    """Replace the content version in this session's transaction: for a change made by a Core
    statement, which the listener above does not see."""
    with session.no_autoflush:
        row = session.get(Setting, CONTENT_VERSION_KEY)
        token = f'"{uuid.uuid4().hex}"'  # settings hold JSON
        if row is None:
            session.add(Setting(key=CONTENT_VERSION_KEY, value=token))
        else:
            row.value = token
