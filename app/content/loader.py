"""Course-as-code: read courses/<slug>/ folders, report problems as path:line, import idempotently.

A course folder holds course.md (front matter + description) and NN-slug.md module files.
A course with any problem is not imported at all; the other courses still are.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.content.frontmatter import FieldReader, Problem, read_text, split_front_matter
from app.content.markdown import render_markdown
from app.content.media import check_image_refs, media_url, publish_media, read_media
from app.courses.models import (
    CERTIFICATE_POLICIES,
    COMPETENCY_TYPES,
    COURSE_STATUSES,
    LEARNING_MODES,
    Course,
    Module,
    ModuleProgress,
)
from app.database import utcnow
from app.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
MODULE_FILE = re.compile(r"^(\d{2})-(.+)\.md$")
COURSE_FILE = "course.md"
COURSE_KEYS = {"code", "title", "jp", "competency", "mode", "provider", "summary", "status",
               "certificate"}
MODULE_KEYS = {"title", "minutes"}


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: str
    minutes: int
    body: str


@dataclass
class CourseSpec:
    slug: str
    path: Path
    fields: dict
    description: str
    modules: list = field(default_factory=list)
    media: dict = field(default_factory=dict)  # image name -> file, under media/


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


# --- reading and checking ------------------------------------------------------------------

def _read_course_file(folder, problems, media):
    path = folder / COURSE_FILE
    text = read_text(path, problems)
    document = split_front_matter(path, text, problems) if text is not None else None
    if document is None:
        return None, ""
    reader = FieldReader(document, problems, COURSE_KEYS)
    fields = {
        "code": reader.text("code", 32),
        "title": reader.text("title", 200),
        "jp": reader.whole_number("jp", 1, 200),
        "competency": reader.choice("competency", COMPETENCY_TYPES),
        "mode": reader.choice("mode", LEARNING_MODES),
        "provider": reader.text("provider", 200),
        "summary": reader.text("summary", 300, required=False),
        "status": reader.choice("status", COURSE_STATUSES, default="published"),
        "certificate_policy": reader.choice("certificate", CERTIFICATE_POLICIES,
                                            default="manual"),
    }
    if fields["code"] and not CODE.match(fields["code"]):
        reader.problem("code", _("kode '%(code)s' hanya boleh huruf besar, angka dan tanda "
                                 "hubung, mis. SPBE-101", code=fields["code"]))
    check_image_refs(document, media, problems)
    return fields, document.body


def _read_module_file(path, position, slug, problems, media):
    text = read_text(path, problems)
    document = split_front_matter(path, text, problems) if text is not None else None
    if document is None:
        return None
    reader = FieldReader(document, problems, MODULE_KEYS)
    title = reader.text("title", 200)
    minutes = reader.whole_number("minutes", 1, 600)
    if not document.body.strip():
        problems.append(Problem(str(path), document.body_line, _("isi modul kosong")))
    check_image_refs(document, media, problems)
    return ModuleSpec(slug=slug, position=position, title=title, minutes=minutes,
                      body=document.body)


def _read_modules(folder, problems, media):
    modules, positions, slugs = [], {}, {}
    for path in sorted(folder.glob("*.md")):
        if path.name == COURSE_FILE:
            continue
        match = MODULE_FILE.match(path.name)
        if not match or not SLUG.match(match.group(2)):
            problems.append(Problem(str(path), 1, _(
                "nama berkas modul harus 'NN-slug.md' (dua digit, huruf kecil, angka, tanda "
                "hubung), mis. 01-kebijakan-spbe.md")))
            continue
        position, slug = int(match.group(1)), match.group(2)
        if position in positions:
            problems.append(Problem(str(path), 1, _(
                "nomor urut %(n)02d sudah dipakai oleh %(other)s",
                n=position, other=positions[position])))
            continue
        if slug in slugs:
            problems.append(Problem(str(path), 1, _(
                "slug modul '%(slug)s' sudah dipakai oleh %(other)s", slug=slug,
                other=slugs[slug])))
            continue
        positions[position], slugs[slug] = path.name, path.name
        module = _read_module_file(path, position, slug, problems, media)
        if module is not None:
            modules.append(module)
    return modules


def read_course(folder):
    """Read and check one course folder. Returns (CourseSpec or None, problems)."""
    folder = Path(folder)
    problems = []
    if not SLUG.match(folder.name) or len(folder.name) > 100:
        problems.append(Problem(str(folder), 1, _(
            "nama folder kursus '%(name)s' harus slug: huruf kecil, angka, tanda hubung",
            name=folder.name)))
    if not (folder / COURSE_FILE).is_file():
        problems.append(Problem(str(folder / COURSE_FILE), 1, _("berkas course.md tidak ada")))
        return None, problems
    media = read_media(folder, problems)
    fields, description = _read_course_file(folder, problems, media)
    modules = _read_modules(folder, problems, media)
    if not modules and not any(p.path != str(folder / COURSE_FILE) for p in problems):
        problems.append(Problem(str(folder), 1, _(
            "kursus tidak punya modul: tambahkan berkas seperti 01-pengantar.md")))
    if problems:
        return None, problems
    return CourseSpec(slug=folder.name, path=folder, fields=fields, description=description,
                      modules=modules, media=media), problems


def find_course_folders(root):
    """A course folder itself, or every course folder directly inside root."""
    root = Path(root)
    if (root / COURSE_FILE).is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_courses(root):
    """Read every course under root. Returns (specs, problems) with duplicates across courses."""
    root = Path(root)
    specs, problems = [], []
    if not root.exists():
        return [], [Problem(str(root), 1, _("folder atau berkas tidak ditemukan"))]
    if not root.is_dir():
        return [], [Problem(str(root), 1, _(
            "bukan folder: berikan folder kursus atau folder berisi kursus"))]
    by_code = {}
    for folder in find_course_folders(root):
        spec, course_problems = read_course(folder)
        problems.extend(course_problems)
        if spec is not None:
            by_code.setdefault(spec.fields["code"], []).append(spec)
    # Two folders with one code: neither is imported, or whichever sorts first would take over
    # (and re-slug) the course the other one stands for.
    for code, same_code in by_code.items():
        if len(same_code) == 1:
            specs.append(same_code[0])
            continue
        for spec in same_code:
            others = ", ".join(str(other.path) for other in same_code if other is not spec)
            problems.append(Problem(str(spec.path / COURSE_FILE), 1, _(
                "kode %(code)s juga dipakai oleh %(other)s", code=code, other=others)))
    return specs, problems


# --- importing ------------------------------------------------------------------------------

def assign_changed(obj, values):
    """Set attributes that differ; True when anything changed (so a re-import changes nothing)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _module_has_progress(module):
    return db.session.scalar(select(exists().where(ModuleProgress.module_id == module.id)))


def _sync_modules(course, specs):
    """Update modules in place by slug, so progress keeps pointing at them; retire or delete
    modules that are gone from the files."""
    changed = False
    by_slug = {module.slug: module for module in course.modules}
    for spec in specs:
        values = {"position": spec.position, "title": spec.title, "minutes": spec.minutes,
                  "body_source": spec.body,
                  "body_html": render_markdown(spec.body, media_url=media_url(course.slug)),
                  "retired_at": None}
        module = by_slug.pop(spec.slug, None)
        if module is None:
            course.modules.append(Module(slug=spec.slug, **values))
            changed = True
        else:
            changed |= assign_changed(module, values)
    for module in by_slug.values():
        if _module_has_progress(module):
            if module.retired_at is None:
                module.retired_at = utcnow()
                changed = True
        else:
            course.modules.remove(module)
            changed = True
    return changed


def _course_for(spec):
    """The course this folder updates: matched by code; a slug taken by another code is an error."""
    course = db.session.scalar(select(Course).where(Course.code == spec.fields["code"]))
    other = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if other is not None and other is not course:
        return None, Problem(str(spec.path / COURSE_FILE), 1, _(
            "folder '%(slug)s' sudah dipakai kursus berkode %(code)s di basis data",
            slug=spec.slug, code=other.code))
    return course, None


def import_course(spec):
    """Create or update one course from its spec. Returns 'created', 'updated' or 'unchanged'."""
    course, problem = _course_for(spec)
    if problem is not None:
        raise ImportProblem(problem)
    # The description sits under the course page's h2, so its `##` sections become h3.
    description_html = render_markdown(spec.description, heading_base=2,
                                       media_url=media_url(spec.slug))
    values = dict(spec.fields, slug=spec.slug, description_source=spec.description,
                  description_html=description_html)
    if course is None:
        course = Course(**values)
        db.session.add(course)
        _sync_modules(course, spec.modules)
        db.session.flush()
        return "created"
    changed = assign_changed(course, values)
    changed |= _sync_modules(course, spec.modules)
    db.session.flush()
    return "updated" if changed else "unchanged"


class ImportProblem(Exception):
    """An import step found a problem only the database could show (a slug taken, ...)."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def import_each(specs, problems, import_one, name_of, after_each=None):
    """Import checked specs one by one, each in its own savepoint: one that fails is rolled
    back alone and reported, the others are kept. Returns the ImportReport."""
    report = ImportReport(problems=list(problems))
    for spec in specs:
        try:
            with db.session.begin_nested():
                outcome = import_one(spec)
        except ImportProblem as error:
            report.problems.append(error.problem)
            continue
        if after_each is not None:
            after_each(spec)
        getattr(report, outcome).append(name_of(spec))
    return report


def import_courses(root):
    """Check and import every course under root; a course with problems is skipped whole."""
    specs, problems = check_courses(root)
    return import_each(specs, problems, import_course, lambda spec: spec.fields["code"],
                       after_each=_publish_media)


def _publish_media(spec):
    course = db.session.scalar(select(Course).where(Course.code == spec.fields["code"]))
    publish_media(course, spec.media)
