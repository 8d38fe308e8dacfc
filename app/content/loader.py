"""Course-as-code: read courses/<slug>/ folders, report problems as path:line, import idempotently.

A course folder holds course.md (front matter + description) and NN-slug.md module files.
A course with any problem is not imported at all; the other courses still are.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.content.frontmatter import FieldReader, Problem, read_text, split_front_matter
from app.content.markdown import render_markdown
from app.content.media import (
    check_image_refs,
    course_files,
    media_url,
    publish_media,
    read_media,
)
from app.content.paths import link_message, links_below, read_inside
from app.courses import prerequisites
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
               "certificate", "requires"}
MAX_REQUIRES = 20  # prerequisites of one course
CODE_LENGTH = 32  # Course.code
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
    requires: list = field(default_factory=list)  # codes of the courses to complete first
    requires_line: int = 1  # the course.md line of `requires`, for problems found later

    @property
    def code(self):
        return self.fields["code"]

    def requires_problem(self, message):
        return Problem(str(self.path / COURSE_FILE), self.requires_line, message)


@dataclass
class PartChange:
    """A module, media file or question that an import adds, changes, restores, retires or
    deletes; fields name what changed, as the files call it (title, body, answers, ...)."""

    kind: str  # module | media | question
    action: str  # added | changed | restored | retired | deleted
    name: str  # module slug, file name or question name
    fields: list = field(default_factory=list)


@dataclass
class Change:
    """What an import does (or, in a dry run, would do) to one course or quiz."""

    kind: str  # course | quiz
    name: str  # course code, or course-slug/quiz-slug
    outcome: str  # created | updated | unchanged | retired | deleted
    fields: list = field(default_factory=list)  # changed course fields or quiz settings
    parts: list = field(default_factory=list)  # PartChange
    restored: bool = False  # a retired quiz whose file is back
    # When the course was last edited in the browser: the import overwrites those edits.
    edited_in_browser_at: object = None


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # Change, in import order

    @property
    def ok(self):
        return not self.problems


# --- reading and checking ------------------------------------------------------------------

def _read_course_file(folder, problems, media):
    path = folder / COURSE_FILE
    text = read_text(path, problems, limit="description")
    document = split_front_matter(path, text, problems) if text is not None else None
    if document is None:
        return None, "", ([], 1)
    reader = FieldReader(document, problems, COURSE_KEYS)
    fields = {
        "code": reader.text("code", CODE_LENGTH),
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
    requires = _read_requires(reader, document.meta.get("requires"))
    check_image_refs(document, media, problems)
    return fields, document.body, (requires, document.line_of("requires"))


def _read_requires(reader, value):
    """`requires: [SPBE-101, ...]` (or one code): the codes in their order, each once."""
    if value is None:
        return []
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        reader.problem("requires", _("'requires' harus daftar kode kursus, mis. "
                                     "[SPBE-101, KAM-201]"))
        return []
    codes = list(dict.fromkeys(code.strip() for code in codes))
    if len(codes) > MAX_REQUIRES:
        reader.problem("requires", _("'requires' terlalu panjang: %(n)d kursus, maksimal "
                                     "%(max)d", n=len(codes), max=MAX_REQUIRES))
        return []
    for code in codes:
        if len(code) > CODE_LENGTH or not CODE.match(code):
            reader.problem("requires", _(
                "kode prasyarat '%(code)s' hanya boleh huruf besar, angka dan tanda hubung, "
                "mis. SPBE-101", code=code[:40]))
    return codes


def _read_module_file(path, position, slug, problems, media):
    text = read_text(path, problems, limit="module")
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
    # Nothing is read from a folder holding a link: one could make any server file course media.
    links = links_below(folder)
    if links:
        return None, problems + [Problem(str(link), 1, link_message()) for link in links]
    if not (folder / COURSE_FILE).is_file():
        problems.append(Problem(str(folder / COURSE_FILE), 1, _("berkas course.md tidak ada")))
        return None, problems
    media = read_media(folder, problems)
    fields, description, (requires, requires_line) = _read_course_file(folder, problems, media)
    modules = _read_modules(folder, problems, media)
    if not modules and not any(p.path != str(folder / COURSE_FILE) for p in problems):
        problems.append(Problem(str(folder), 1, _(
            "kursus tidak punya modul: tambahkan berkas seperti 01-pengantar.md")))
    if problems:
        return None, problems
    return CourseSpec(slug=folder.name, path=folder, fields=fields, description=description,
                      modules=modules, media=media, requires=requires,
                      requires_line=requires_line), problems


def find_course_folders(root):
    """A course folder itself, or every course folder directly inside root (links included:
    check_courses refuses them)."""
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
        if folder != root and folder.is_symlink():
            problems.append(Problem(str(folder), 1, link_message()))
            continue
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
    return check_requires(specs, problems), problems


def check_requires(specs, problems):
    """Leave out (with a problem) each course whose `requires` names itself, a course that is
    neither in these files nor in the database, or makes a cycle with what the files and the
    database require (the files win for the courses they hold). Reads the database only when
    some course requires another: two queries."""
    if not any(spec.requires for spec in specs):
        return specs
    in_files = {spec.code for spec in specs}
    wanted = {code for spec in specs for code in spec.requires} - in_files
    known = in_files | set(prerequisites.courses_by_code(wanted))
    graph = prerequisites.code_graph()
    graph.update((spec.code, set(spec.requires)) for spec in specs)
    kept = []
    for spec in specs:
        problem = _requires_problem(spec, known, graph)
        if problem is None:
            kept.append(spec)
        else:
            problems.append(problem)
    return kept


def _requires_problem(spec, known, graph):
    if spec.code in spec.requires:
        return spec.requires_problem(_("'requires' memuat kode kursus ini sendiri (%(code)s)",
                                       code=spec.code))
    unknown = [code for code in spec.requires if code not in known]
    if unknown:
        return spec.requires_problem(_(
            "kursus prasyarat %(codes)s tidak ditemukan, baik di folder ini maupun di basis "
            "data", codes=", ".join(unknown)))
    path = prerequisites.find_cycle(graph, spec.code)
    if path:
        return spec.requires_problem(_("prasyarat membentuk lingkaran: %(path)s",
                                       path=prerequisites.cycle_text(path)))
    return None


def dependency_order(specs):
    """The specs with the courses they require from the same files first (otherwise in their
    own order), so each required course exists by the time a course names it."""
    by_code = {spec.code: spec for spec in specs}
    ordered, seen = [], set()

    def visit(spec):
        if spec.code in seen:
            return
        seen.add(spec.code)
        for code in spec.requires:
            if code in by_code:
                visit(by_code[code])
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered


# --- importing ------------------------------------------------------------------------------

# Changed attributes are reported by the names authors know from the files; a rendered *_html
# changes with its source. None: not reported (a return from retirement is its own action).
COURSE_FIELD_NAMES = {"certificate_policy": "certificate", "description_source": "description",
                      "description_html": "description"}
MODULE_FIELD_NAMES = {"body_source": "body", "body_html": "body", "retired_at": None}


def assign_changes(obj, values, names=None):
    """Set attributes that differ; returns the changed ones, named through `names`."""
    names = names or {}
    changed = []
    for attribute, value in values.items():
        if getattr(obj, attribute) == value:
            continue
        setattr(obj, attribute, value)
        name = names.get(attribute, attribute)
        if name is not None and name not in changed:
            changed.append(name)
    return changed


def assign_changed(obj, values):
    """Set attributes that differ; True when anything changed (so a re-import changes nothing)."""
    return bool(assign_changes(obj, values))


def part_change(kind, name, was_retired, fields):
    """The PartChange of an existing module or question, or None when nothing changed."""
    if was_retired:
        return PartChange(kind, "restored", name, fields)
    return PartChange(kind, "changed", name, fields) if fields else None


def _module_has_progress(module):
    return db.session.scalar(select(exists().where(ModuleProgress.module_id == module.id)))


def _remove_module(course, module):
    """A module gone from the files: retired when learners have progress on it, else deleted."""
    if not _module_has_progress(module):
        course.modules.remove(module)
        return PartChange("module", "deleted", module.slug)
    if module.retired_at is None:
        module.retired_at = utcnow()
        return PartChange("module", "retired", module.slug)
    return None


def _sync_modules(course, specs):
    """Update modules in place by slug, so progress keeps pointing at them; retire or delete
    modules that are gone from the files. Returns the PartChanges."""
    parts = []
    by_slug = {module.slug: module for module in course.modules}
    for spec in specs:
        values = {"position": spec.position, "title": spec.title, "minutes": spec.minutes,
                  "body_source": spec.body,
                  "body_html": render_markdown(spec.body, media_url=media_url(course.slug)),
                  "retired_at": None}
        module = by_slug.pop(spec.slug, None)
        if module is None:
            course.modules.append(Module(slug=spec.slug, **values))
            parts.append(PartChange("module", "added", spec.slug))
        else:
            was_retired = module.retired_at is not None
            fields = assign_changes(module, values, MODULE_FIELD_NAMES)
            parts.append(part_change("module", spec.slug, was_retired, fields))
    parts += [_remove_module(course, module) for module in by_slug.values()]
    return [part for part in parts if part is not None]


def _media_changes(course, media):
    """The course folder's files that are new or differ from the stored ones (by content)."""
    stored = {row.name: row.sha256 for row in course_files(course.id)} if course.id else {}
    parts = []
    for name, source in media.items():
        if source is None:
            continue
        digest = hashlib.sha256(read_inside(source)).hexdigest()
        if name not in stored:
            parts.append(PartChange("media", "added", name))
        elif stored[name] != digest:
            parts.append(PartChange("media", "changed", name))
    return parts


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
    """Create or update one course from its spec. Returns its Change."""
    course, problem = _course_for(spec)
    if problem is not None:
        raise ImportProblem(problem)
    # The description sits under the course page's h2, so its `##` sections become h3.
    description_html = render_markdown(spec.description, heading_base=2,
                                       media_url=media_url(spec.slug))
    values = dict(spec.fields, slug=spec.slug, description_source=spec.description,
                  description_html=description_html)
    change = Change("course", spec.fields["code"], "created")
    if course is None:
        course = Course(**values)
        db.session.add(course)
        change.parts = _sync_modules(course, spec.modules) + _media_changes(course, spec.media)
        db.session.flush()
        _sync_requires(course, spec)
        return change
    change.edited_in_browser_at = course.browser_edited_at
    # The files are now what the course is: nothing is left that only the browser knows.
    course.browser_edited_at = None
    change.fields = assign_changes(course, values, COURSE_FIELD_NAMES)
    change.parts = _sync_modules(course, spec.modules) + _media_changes(course, spec.media)
    db.session.flush()
    if _sync_requires(course, spec):
        change.fields.append("requires")
    change.outcome = "updated" if change.fields or change.parts else "unchanged"
    return change


def _sync_requires(course, spec):
    """Make the course require what its file says; True when that changed. A required course
    that did not make it into the database (its own folder had problems) is a problem here."""
    found = prerequisites.courses_by_code(spec.requires)
    missing = [code for code in spec.requires if code not in found]
    if missing:
        raise ImportProblem(spec.requires_problem(_(
            "kursus prasyarat %(codes)s tidak ada di basis data (tidak ikut terimpor)",
            codes=", ".join(missing))))
    try:
        return prerequisites.set_prerequisites(course, [found[code] for code in spec.requires])
    except prerequisites.PrerequisiteError as error:
        raise ImportProblem(spec.requires_problem(error.message)) from None


class ImportProblem(Exception):
    """An import step found a problem only the database could show (a slug taken, ...)."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def import_each(specs, problems, import_one, after_each=None):
    """Import checked specs one by one, each in its own savepoint: one that fails is rolled
    back alone and reported, the others are kept. import_one returns the spec's Change.
    Returns the ImportReport."""
    report = ImportReport(problems=list(problems))
    for spec in specs:
        try:
            with db.session.begin_nested():
                change = import_one(spec)
        except ImportProblem as error:
            report.problems.append(error.problem)
            continue
        if after_each is not None:
            after_each(spec)
        record_change(report, change)
    return report


def record_change(report, change):
    getattr(report, change.outcome).append(change.name)
    report.changes.append(change)


def import_courses(root, publish_files=True):
    """Check and import every course under root; a course with problems is skipped whole.

    publish_files=False leaves the media files unwritten, for a dry run that rolls the
    database back afterwards.
    """
    specs, problems = check_courses(root)
    return import_each(dependency_order(specs), problems, import_course,
                       after_each=_publish_media if publish_files else None)


def _publish_media(spec):
    course = db.session.scalar(select(Course).where(Course.code == spec.fields["code"]))
    publish_media(course, spec.media)
