"""Courses and quizzes from the database, written back as the files `flask content import` reads.

The export is a fixed point of the import: importing an export and exporting again gives the same
bytes. So a course written in the browser can go into git and be reviewed like any other, and a
course folder can be moved between servers.
"""

import io
import zipfile
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from app.content import gift
from app.content.loader import COURSE_FILE
from app.content.media import MEDIA_FOLDER, course_files, stored_path
from app.content.quiz_loader import is_quiz_file
from app.courses.models import Course
from app.errors import LmsError
from app.extensions import db
from app.quizzes.models import Quiz
from app.storage import write_private

COURSES_FOLDER = "courses"
QUIZZES_FOLDER = "quizzes"
MAX_MODULES = 99  # module files are numbered with two digits, 01..99
# Every zip entry gets the same time, so two archives of one course are byte-identical.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
LINE_BREAKS = "\n\r\x85\u2028\u2029"


class ExportError(LmsError):
    """A course that cannot be exported (unknown code, a stored file gone missing, ...)."""


# --- documents ------------------------------------------------------------------------------

@cache
def _front_matter_dumper():
    """safe_dump, except that text with a line break is written double-quoted on one line: in
    YAML's other styles a line of the value could read '---' and end the front matter early.
    PyYAML is loaded on first use: keeps web workers light (docs/operations.md)."""
    import yaml

    class FrontMatterDumper(yaml.SafeDumper):
        pass

    FrontMatterDumper.add_representer(str, _represent_text)
    return FrontMatterDumper


def _represent_text(dumper, value):
    style = '"' if any(char in value for char in LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def front_matter_yaml(meta):
    """The YAML between the '---' lines: keys in the given order, unicode kept, one line each."""
    import yaml

    return yaml.dump(meta, Dumper=_front_matter_dumper(), sort_keys=False, allow_unicode=True,
                     width=10**6)


def normalized_body(text):
    """The body as split_front_matter() gives it back: LF line endings, no leading blank lines,
    no trailing white space. Writing it so makes a second export byte-identical to the first."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return "\n".join(lines[first:]).rstrip()


def document(meta, body):
    """A file with YAML front matter and a body, as UTF-8 bytes."""
    # The reader strips text values, so the export writes them stripped already.
    meta = {key: value.strip() if isinstance(value, str) else value
            for key, value in meta.items()}
    text = f"---\n{front_matter_yaml(meta)}---\n"
    body = normalized_body(body)
    if body:
        text += f"\n{body}\n"
    return text.encode("utf-8")


def course_document(course):
    meta = {"code": course.code, "title": course.title, "jp": course.jp,
            "competency": course.competency, "mode": course.mode, "provider": course.provider,
            "summary": course.summary or "", "status": course.status,
            "certificate": course.certificate_policy}
    # Only when there are some, so a course without prerequisites exports as it always did.
    if course.prerequisites:
        meta["requires"] = [required.code for required in course.prerequisites]
    return document(meta, course.description_source)


def module_document(module):
    return document({"title": module.title, "minutes": module.minutes}, module.body_source)


def quiz_settings(quiz):
    """Every setting written out, so a changed default never changes an exported quiz."""
    meta = {"title": quiz.title, "kind": quiz.kind}
    after = quiz.after_module
    if after is not None and after.retired_at is None:
        meta["after"] = after.slug
    meta.update(pass_mark=quiz.pass_mark, time_limit=quiz.time_limit_minutes,
                max_attempts=quiz.max_attempts, grading=quiz.grading_method,
                draw=quiz.draw_count, shuffle_answers=quiz.shuffle_answers,
                review=quiz.review_policy, show_answers=quiz.show_answers,
                format=quiz.default_format)
    return meta


def quiz_document(quiz):
    return document(quiz_settings(quiz), quiz_gift_text(quiz))


def quiz_gift_text(quiz):
    """The GIFT text as written; quizzes imported before it was kept get it rebuilt from their
    stored questions."""
    if normalized_body(quiz.gift_source):
        return quiz.gift_source
    questions = [stored_question(q) for q in quiz.questions if q.retired_at is None]
    try:
        return gift.write_gift(questions, quiz.default_format)
    except ValueError as error:
        raise ExportError(_("kuis %(quiz)s tidak dapat ditulis sebagai GIFT: %(reason)s",
                            quiz=quiz.slug, reason=str(error))) from error


def stored_question(question):
    """A stored question (with its options) as the gift.Question it was parsed from."""
    answers, pairs = [], []

    def own(fmt):  # a part in its question's format has no format of its own
        return None if fmt == question.text_format else fmt

    for option in question.options:
        if question.type == "matching":
            pairs.append(gift.Pair(option.text_source, option.match_text or "",
                                   own(option.text_format)))
        else:
            answers.append(gift.Answer(option.text_source, option.fraction,
                                       option.feedback_source, option.tolerance,
                                       own(option.text_format), own(option.feedback_format)))
    return gift.Question(
        type=question.type, name=question.name, text=question.text_source,
        text_format=question.text_format, single=question.single, answers=answers,
        pairs=pairs, general_feedback=question.general_feedback_source,
        general_feedback_format=own(question.general_feedback_format), tags=question.tags,
        id=question.gift_id, category=question.category)


# --- the files of one course ----------------------------------------------------------------

def active_modules(course):
    modules = [m for m in course.modules if m.retired_at is None]
    if len(modules) > MAX_MODULES:
        raise ExportError(_("kursus %(code)s punya %(n)d modul; berkas modul hanya bisa "
                            "bernomor 01 sampai 99", code=course.code, n=len(modules)))
    return sorted(modules, key=lambda module: module.position)


def active_quizzes(course):
    return db.session.scalars(select(Quiz).where(Quiz.course_id == course.id,
                                                 Quiz.retired_at.is_(None))
                              .order_by(Quiz.slug)).all()


def stored_bytes(course, row):
    path = stored_path(row)
    if not path.is_file():
        raise ExportError(_("berkas media %(name)s kursus %(code)s tidak ada di %(path)s",
                            name=row.name, code=course.code, path=str(path)))
    return path.read_bytes()


def course_tree(course):
    """Every file of the course's export: {path relative to the export root: bytes}, sorted."""
    folder = f"{COURSES_FOLDER}/{course.slug}"
    files = {f"{folder}/{COURSE_FILE}": course_document(course)}
    for number, module in enumerate(active_modules(course), start=1):
        files[f"{folder}/{number:02d}-{module.slug}.md"] = module_document(module)
    for row in course_files(course.id):
        files[f"{folder}/{MEDIA_FOLDER}/{row.name}"] = stored_bytes(course, row)
    for quiz in active_quizzes(course):
        files[f"{QUIZZES_FOLDER}/{course.slug}/{quiz.slug}.gift"] = quiz_document(quiz)
    return dict(sorted(files.items()))


# --- writing --------------------------------------------------------------------------------

def _importable_files(root, slug):
    """The files under the course's two folders that an import would read."""
    course_dir, quiz_dir = root / COURSES_FOLDER / slug, root / QUIZZES_FOLDER / slug
    found = [*course_dir.glob("*.md"), *(course_dir / MEDIA_FOLDER).glob("*"),
             *(p for p in quiz_dir.glob("*") if is_quiz_file(p))]
    return [path for path in found if path.is_file()]


def export_course(course, root):
    """Write the course under root/courses/<slug>/ and its quizzes under root/quizzes/<slug>/.

    Files there that an import would read but the export no longer holds (a deleted module, an
    old numbering, a quiz saved as .txt) are removed, so the folders import as exactly this
    course. Returns the written paths.
    """
    root = Path(root)
    tree = course_tree(course)
    for path in _importable_files(root, course.slug):
        if path.relative_to(root).as_posix() not in tree:
            path.unlink()
    # Both folders always exist, so `flask content import` finds them even with no quiz.
    for folder in (COURSES_FOLDER, QUIZZES_FOLDER):
        (root / folder).mkdir(parents=True, exist_ok=True)
    written = []
    for relative, data in tree.items():
        path = root / relative
        # Drafts and their files are not public: 0640 files in 0750 folders below courses/
        # and quizzes/ (the folder the operator named keeps its own mode).
        write_private(path, data, root=root / path.relative_to(root).parts[0])
        written.append(path)
    return written


def courses_to_export(code=None):
    """Every course by code, or the one with this code (ExportError when there is none)."""
    query = select(Course).order_by(Course.code)
    if code is not None:
        query = query.where(Course.code == code.strip().upper())
    courses = db.session.scalars(query).all()
    if code is not None and not courses:
        raise ExportError(_("kursus berkode '%(code)s' tidak ditemukan", code=code))
    return courses


def export_all(root, code=None):
    """Export every course (or only the one with this code) under root; the written paths."""
    courses = courses_to_export(code)
    for folder in (COURSES_FOLDER, QUIZZES_FOLDER):
        (Path(root) / folder).mkdir(parents=True, exist_ok=True)
    return [path for course in courses for path in export_course(course, root)]


def course_archive(course):
    """The course's export as zip bytes (entries courses/<slug>/... and quizzes/<slug>/...).

    Sorted entries with fixed times and attributes: two archives of an unchanged course are
    byte-identical, so a download can be compared with the last one.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in course_tree(course).items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, on every platform, so the bytes do not vary
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


def archive_name(course):
    """The download's file name, e.g. spbe-101.zip."""
    return f"{course.slug}.zip"
