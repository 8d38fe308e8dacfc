"""Programmes as files: `programmes/<slug>.md`, YAML front matter and a Markdown description,
read, checked and imported like courses (`flask content check/import/export`), and written
back by the export so both ways round-trip.

    ---
    title: Literasi Digital ASN 2027
    provider: BKPSDM Kota Palu
    summary: Tiga kursus dan satu webinar untuk semua ASN.
    steps:
      - SPBE-101          # a course, by its code, in order
      - KAM-201
      - sesi: webinar     # any webinar (or `klasikal` workshop) attended
      - sesi: 12          # session number 12 (its address: /agenda/12) attended
    opd: [DISKOMINFO]     # optional: only these OPD (their units included)
    jabatan: [pelaksana]  # optional: only these jabatan kinds
    mandatory: true
    due: 2027-06-30
    status: published
    ---
    Why this programme, and for whom.
"""

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import JABATAN_TYPES, Agency
from app.content.exporter import document
from app.content.frontmatter import FieldReader, Problem, read_text, split_front_matter
from app.content.loader import Change, ImportProblem, import_each
from app.content.markdown import render_markdown
from app.courses.models import Course
from app.extensions import db
from app.programmes.models import PROGRAMME_STATUSES, Programme, ProgrammeStep
from app.workshops.models import SESSION_KINDS, WorkshopSession

FOLDER = "programmes"
KEYS = {"title", "provider", "summary", "steps", "opd", "jabatan", "mandatory", "due", "status"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
SESSION_KEY = "sesi"


@dataclass
class ProgrammeSpec:
    slug: str
    path: Path
    fields: dict
    steps: list  # ("course", code) or ("session", kind)
    agencies: list  # codes
    jabatan: list
    description: str


def _list_of_text(reader, key):
    value = reader.document.meta.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        reader.problem(key, _("'%(key)s' harus berupa daftar teks, mis. [A, B]", key=key))
        return []
    return [item.strip() for item in value]


STEPS_HINT = _l("tulis kode kursus, 'sesi: webinar' / 'sesi: klasikal' (sesi apa saja dari "
                "jenis itu), atau 'sesi: <nomor sesi>'")


def read_steps(value, known_codes, known_sessions):
    """(targets, problems) of a programme's steps as written: a course code, {sesi: webinar}
    or {sesi: klasikal} for any session of that kind, or {sesi: 12} for session number 12
    (as in its address /agenda/12). Targets: ("course", code), ("kind", kind), ("session",
    id). The file reader and the browser form both read steps here."""
    if not isinstance(value, list) or not value:
        return [], [_("'steps' wajib berisi sekurang-kurangnya satu langkah: %(hint)s",
                      hint=STEPS_HINT)]
    steps, problems = [], []
    for item in value:
        target = item.get(SESSION_KEY) if isinstance(item, dict) and set(item) == {
            SESSION_KEY} else None
        if isinstance(item, str) and item.strip() in known_codes:
            steps.append(("course", item.strip()))
        elif isinstance(item, str):
            problems.append(_("kursus berkode '%(code)s' tidak ada", code=item))
        elif isinstance(target, str) and target in SESSION_KINDS:
            steps.append(("kind", target))
        elif isinstance(target, int) and not isinstance(target, bool):
            if target in known_sessions:
                steps.append(("session", target))
            else:
                problems.append(_("sesi nomor %(number)s tidak ada", number=target))
        else:
            problems.append(_("langkah tidak dikenal: %(step)s (%(hint)s)", step=item,
                              hint=STEPS_HINT))
    for kind, label in (("course", _("kursus")), ("session", _("sesi"))):
        chosen = [target for step_kind, target in steps if step_kind == kind]
        if len(chosen) != len(set(chosen)):
            problems.append(_("%(what)s yang sama muncul dua kali dalam langkah program",
                              what=label))
    return steps, problems


def _steps(reader, known_codes, known_sessions):
    steps, problems = read_steps(reader.document.meta.get("steps"), known_codes,
                                 known_sessions)
    for message in problems:
        reader.problem("steps", message)
    return steps


def _due(reader):
    value = reader.document.meta.get("due")
    if value is None:
        return None
    if not isinstance(value, date):
        reader.problem("due", _("'due' harus tanggal TTTT-BB-HH, mis. 2027-06-30"))
        return None
    return value


def read_programme(path, known_codes, known_agencies, known_sessions=frozenset()):
    """(ProgrammeSpec or None, problems) for one file."""
    problems = []
    path = Path(path)
    if not SLUG.match(path.stem):
        problems.append(Problem(str(path), 1, _(
            "nama berkas harus huruf kecil, angka dan tanda hubung, mis. literasi-digital.md")))
        return None, problems
    text = read_text(path, problems, limit="description")
    document_ = split_front_matter(path, text, problems) if text is not None else None
    if document_ is None:
        return None, problems
    reader = FieldReader(document_, problems, KEYS)
    fields = {
        "title": reader.text("title", 200),
        "provider": reader.text("provider", 200),
        "summary": reader.text("summary", 300, required=False),
        "mandatory": reader.boolean("mandatory", False),
        "due_on": _due(reader),
        "status": reader.choice("status", PROGRAMME_STATUSES, default="published"),
    }
    steps = _steps(reader, known_codes, known_sessions)
    agencies = _list_of_text(reader, "opd")
    for code in agencies:
        if code not in known_agencies:
            reader.problem("opd", _("OPD berkode '%(code)s' tidak ada", code=code))
    jabatan = _list_of_text(reader, "jabatan")
    for kind in jabatan:
        if kind not in JABATAN_TYPES:
            reader.problem("jabatan", _("jenis jabatan '%(kind)s' tidak dikenal (pilihan: "
                                        "%(choices)s)", kind=kind,
                                        choices=", ".join(JABATAN_TYPES)))
    if fields["mandatory"] and fields["due_on"] is None:
        reader.problem("mandatory", _("program wajib perlu tanggal 'due'"))
    if problems:
        return None, problems
    return ProgrammeSpec(path.stem, path, fields, steps, agencies, jabatan,
                         document_.body), problems


def check_programmes(root, extra_codes=()):
    """Every programmes/*.md under root: (specs, problems). Course codes are those in the
    database plus `extra_codes` (courses being imported in the same run)."""
    root = Path(root)
    codes = set(db.session.scalars(select(Course.code))) | set(extra_codes)
    agencies = set(db.session.scalars(select(Agency.code)))
    sessions = set(db.session.scalars(select(WorkshopSession.id)))
    specs, problems = [], []
    for path in sorted(root.glob("*.md")) if root.is_dir() else []:
        spec, found = read_programme(path, codes, agencies, sessions)
        problems += found
        if spec is not None:
            specs.append(spec)
    return specs, problems


def apply_spec(programme, spec):
    """Set the programme from its file; the names of what changed."""
    changed = []
    values = dict(spec.fields, description_source=spec.description,
                  jabatan_json=_jabatan_json(spec.jabatan))
    for name, value in values.items():
        if getattr(programme, name) != value:
            setattr(programme, name, value)
            changed.append(name)
    if "description_source" in changed or programme.description_html is None:
        programme.description_html = render_markdown(spec.description, heading_base=2)
    agencies = db.session.scalars(select(Agency).where(Agency.code.in_(spec.agencies))).all() \
        if spec.agencies else []
    if sorted(a.code for a in programme.agencies) != sorted(spec.agencies):
        programme.agencies = list(agencies)
        changed.append("opd")
    if step_targets(programme) != spec.steps:
        replace_steps(programme, spec.steps)
        changed.append("steps")
    return changed


def _jabatan_json(kinds):
    return json.dumps(sorted(kinds))


def step_targets(programme):
    """The steps as written (read_steps' targets): courses by code, sessions by number."""
    return [("course", step.course.code) if step.course_id else step.target
            for step in programme.steps]


def replace_steps(programme, targets):
    """Set the programme's steps to these read_steps targets, in order."""
    courses = {course.code: course for course in db.session.scalars(select(Course).where(
        Course.code.in_([code for kind, code in targets if kind == "course"])))}
    programme.steps.clear()
    db.session.flush()  # the old positions go before the new ones take them
    for position, (kind, target) in enumerate(targets, start=1):
        programme.steps.append(ProgrammeStep(
            position=position, course=courses[target] if kind == "course" else None,
            session_kind=target if kind == "kind" else None,
            session_id=target if kind == "session" else None))


def written_steps(programme):
    """The steps as a file (and the browser form) writes them."""
    return [code if kind == "course" else {SESSION_KEY: code}
            for kind, code in step_targets(programme)]


def import_programme(spec):
    programme = db.session.scalar(select(Programme).where(Programme.slug == spec.slug))
    created = programme is None
    if created:
        programme = Programme(slug=spec.slug, description_html="")
        db.session.add(programme)
    changed = apply_spec(programme, spec)
    try:
        db.session.flush()
    except IntegrityError as error:  # a database rule the file check could not see
        raise ImportProblem(Problem(str(spec.path), 1, str(error)[:200])) from error
    outcome = "created" if created else "updated" if changed else "unchanged"
    return Change("programme", spec.slug, outcome, [] if created else changed)


def import_programmes(root, extra_codes=()):
    specs, problems = check_programmes(root, extra_codes)
    return import_each(specs, problems, import_programme)


def programme_document(programme):
    """The file for a programme, as UTF-8 bytes (import → export → import round-trips)."""
    meta = {"title": programme.title, "provider": programme.provider}
    if programme.summary:
        meta["summary"] = programme.summary
    meta["steps"] = written_steps(programme)
    if programme.agencies:
        meta["opd"] = [agency.code for agency in programme.agencies]
    if programme.jabatan_types:
        meta["jabatan"] = programme.jabatan_types
    meta["mandatory"] = programme.mandatory
    if programme.due_on:
        meta["due"] = programme.due_on
    meta["status"] = programme.status
    return document(meta, programme.description_source)


def export_programmes(root):
    """Write every programme to root/programmes/<slug>.md; the paths written."""
    folder = Path(root) / FOLDER
    written = []
    for programme in db.session.scalars(select(Programme).order_by(Programme.slug)):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{programme.slug}.md"
        path.write_bytes(programme_document(programme))
        written.append(path)
    return written
