"""What lists of a learner's courses show of each course (the dashboard, a person's admin
page): its code, title, JP and active modules' titles in order, kept per process.

The dashboard reads every enrolled course's modules to show progress and the next module.
They change only when someone edits a course, so each worker keeps a small card per course,
tagged with the content version (app/courses/outline_cache.py), and fills the missing or stale
ones in one query. A card is a few hundred bytes (no module bodies); at most MAX_CARDS are
kept, the oldest read going first (docs/operations.md, what a worker keeps in memory).
"""

from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select

from app.courses.models import Course, Module
from app.courses.outline_cache import CONTENT_VERSION_KEY
from app.extensions import db
from app.keeping import keep_newest
from app.settings import get_setting

MAX_CARDS = 2048


class ModuleCard(NamedTuple):
    id: int
    slug: str
    title: str


class CourseCard(NamedTuple):
    id: int
    code: str
    slug: str
    title: str
    jp: int
    status: str
    modules: tuple  # ModuleCard of the active modules, in order

    @property
    def is_published(self):
        return self.status == "published"


def course_cards(course_ids):
    """{course id: CourseCard} for these courses (those that exist): no query when every card
    is current, else one for all the missing ones."""
    version = get_setting(CONTENT_VERSION_KEY)
    kept = current_app.extensions.setdefault("course_cards", {})
    found, missing = {}, []
    for course_id in course_ids:
        entry = kept.get(course_id)
        if entry is not None and entry[0] == version:
            found[course_id] = entry[1]
        else:
            missing.append(course_id)
    if missing:
        read = _read_cards(missing)
        for course_id, card in read.items():
            keep_newest(kept, course_id, (version, card), MAX_CARDS)
        found.update(read)
    return found


@cache
def _cards_statement():
    return (select(Course.id, Course.code, Course.slug, Course.title, Course.jp, Course.status,
                   Module.id.label("module_id"), Module.slug.label("module_slug"),
                   Module.title.label("module_title"))
            .outerjoin(Module, (Module.course_id == Course.id) & Module.retired_at.is_(None))
            .where(Course.id.in_(bindparam("ids", expanding=True)))
            .order_by(Course.id, Module.position))


def _read_cards(course_ids):
    rows = db.session.connection().execute(_cards_statement(), {"ids": list(course_ids)})
    courses, modules = {}, {}
    for row in rows:
        if row.id not in courses:
            courses[row.id] = row
            modules[row.id] = []
        if row.module_id is not None:
            modules[row.id].append(ModuleCard(row.module_id, row.module_slug, row.module_title))
    return {course_id: CourseCard(row.id, row.code, row.slug, row.title, row.jp, row.status,
                                  tuple(modules[course_id]))
            for course_id, row in courses.items()}
