"""Helpers for the course-as-code tests: course/module texts, folder builder, table snapshots."""

from pathlib import Path

from sqlalchemy import select

from app.courses.models import Course, Enrollment, Module, ModuleProgress
from app.extensions import db

# Line numbers of each key in COURSE_TEXT (line 1 is the opening '---').
COURSE_LINES = {"code": 2, "title": 3, "jp": 4, "competency": 5, "mode": 6, "provider": 7,
                "summary": 8}
COURSE_TEXT = """---
code: {code}
title: Kursus Uji Coba
jp: 12
competency: teknis
mode: e-learning
provider: BKPSDM Kota Palu
summary: Kursus kecil untuk pengujian pemuat.
---

## Tentang kursus

Deskripsi kursus uji.
"""
MODULE_TEXT = """---
title: {title}
minutes: {minutes}
---

## {title}

Isi modul {title}.
"""


def course_text(code="UJI-101"):
    return COURSE_TEXT.format(code=code)


def module_text(title="Pengantar", minutes=30):
    return MODULE_TEXT.format(title=title, minutes=minutes)


class CourseBuilder:
    """make(slug, code=..., modules={name: text}) writes <root>/<slug>/ and returns the folder."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def make(self, slug="uji-101", code=None, course=None, modules=None):
        folder = self.root / slug
        folder.mkdir(parents=True, exist_ok=True)
        if course is not False:
            text = course if course is not None else course_text(code or slug.upper())
            write(folder / "course.md", text)
        if modules is None:
            modules = {"01-pengantar.md": module_text("Pengantar", 30),
                       "02-penutup.md": module_text("Penutup", 20)}
        for name, text in modules.items():
            write(folder / name, text)
        return folder


def write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def table_snapshot():
    """Every row of the content tables, all columns (updated_at included), in id order."""
    db.session.expire_all()
    snapshot = {}
    for model in (Course, Module, Enrollment, ModuleProgress):
        table = model.__table__
        rows = db.session.execute(select(table).order_by(table.c.id)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def module_file(course_folder, slug):
    """The NN-slug.md file of a module in a course folder."""
    (path,) = Path(course_folder).glob(f"[0-9][0-9]-{slug}.md")
    return path
