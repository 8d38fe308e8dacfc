"""Quizzes as files: quizzes/<course-slug>/<quiz-slug>.gift, optional YAML front matter + GIFT.

Checked whole before anything is written; a quiz with any problem is not imported at all, so a
learner never sees half a quiz. Re-importing changes nothing unless the file changed; questions
keep their identity (GIFT [id:…] or name), and questions or quizzes with attempts are retired,
never deleted. Attempts keep their own snapshot, so an edit never changes a started attempt.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError

from app.content import gift
from app.content.frontmatter import FieldReader, Problem, read_text, split_front_matter
from app.content.loader import (
    SLUG,
    Change,
    ImportProblem,
    PartChange,
    assign_changes,
    import_each,
    part_change,
    record_change,
)
from app.content.markdown import render_authored
from app.content.paths import link_message
from app.courses.models import Course, Module
from app.database import utcnow
from app.extensions import db
from app.quizzes.models import (
    ANSWER_VISIBILITY,
    AT_START,
    GRADING_METHODS,
    QUIZ_KINDS,
    REVIEW_POLICIES,
    TEXT_FORMATS,
    AnswerOption,
    Attempt,
    AttemptQuestion,
    Question,
    Quiz,
)

QUIZ_SUFFIXES = (".gift", ".txt")
QUIZ_KEYS = {"title", "kind", "after", "pass_mark", "time_limit", "max_attempts", "grading",
             "draw", "shuffle_answers", "review", "show_answers", "format"}
MODULE_PREFIX = re.compile(r"^\d{2}-")
# Changed settings and question fields by the names of the quiz file (see loader.assign_changes).
QUIZ_FIELD_NAMES = {"time_limit_minutes": "time_limit", "grading_method": "grading",
                    "draw_count": "draw", "review_policy": "review", "after_module_id": "after",
                    "gift_source": "gift", "default_format": "format", "retired_at": None}
QUESTION_FIELD_NAMES = {"text_source": "text", "text_html": "text", "text_format": "format",
                        "general_feedback_source": "general_feedback",
                        "general_feedback_format": "general_feedback",
                        "general_feedback_html": "general_feedback", "tags_json": "tags",
                        "gift_id": "id", "retired_at": None}


@dataclass
class QuizSpec:
    course_slug: str
    slug: str
    path: Path
    settings: dict
    after: str | None
    questions: list = field(default_factory=list)
    gift_source: str = ""
    warnings: list = field(default_factory=list)  # likely mistakes (gift.GiftResult)


def is_quiz_file(path):
    return Path(path).suffix.lower() in QUIZ_SUFFIXES


def _default_title(slug):
    return slug.replace("-", " ").capitalize()


def _read_settings(document, problems, slug):
    reader = FieldReader(document, problems, QUIZ_KEYS)
    kind = reader.choice("kind", QUIZ_KINDS, default="graded")
    # Pretests and practice never block anyone, so they need no pass mark by default.
    default_pass = 70 if kind in ("graded", "posttest") else 0
    after = reader.text("after", 100, required=False, default=None)
    return {
        "title": reader.text("title", 200, required=False, default=_default_title(slug)),
        "kind": kind,
        "pass_mark": reader.whole_number("pass_mark", 0, 100, default=default_pass),
        "time_limit_minutes": reader.whole_number("time_limit", 0, 600, default=0),
        "max_attempts": reader.whole_number("max_attempts", 0, 100, default=0),
        "grading_method": reader.choice("grading", GRADING_METHODS, default="highest"),
        "draw_count": reader.whole_number("draw", 0, 1000, default=0),
        "shuffle_answers": reader.boolean("shuffle_answers", default=True),
        "review_policy": reader.choice("review", REVIEW_POLICIES, default="feedback"),
        # Practice counts for nothing: its whole point is the feedback, at once.
        "show_answers": reader.choice(
            "show_answers", ANSWER_VISIBILITY,
            default="always" if kind == "practice" else "after_last_attempt"),
        # The format of questions written without a marker: Moodle's own by default, so a
        # Moodle export reads as it does in Moodle (docs/authoring.md, "Text formats").
        "default_format": reader.choice("format", TEXT_FORMATS, default="moodle"),
    }, after


def _course_in_database(course_slug):
    """The imported course, or None; checking files must work before `flask db upgrade` too."""
    try:
        return db.session.scalar(select(Course).where(Course.slug == course_slug))
    except DBAPIError:
        db.session.rollback()
        return None


def _course_module_slugs(course_slug):
    """Module slugs of a course: from the database, else from its folder under courses/."""
    course = _course_in_database(course_slug)
    if course is not None:
        return {m.slug for m in course.modules if m.retired_at is None}
    folder = Path(current_app.config["COURSES_DIR"]) / course_slug
    if (folder / "course.md").is_file():
        return {MODULE_PREFIX.sub("", p.stem) for p in folder.glob("[0-9][0-9]-*.md")}
    return None


def is_placed(path):
    """Inside a quizzes folder, one course folder down (quizzes/<course>/<quiz>.gift): where
    an import looks. Anywhere else a file can still be checked (a Moodle export, say)."""
    path = Path(path).resolve()
    quizzes = Path(current_app.config["QUIZZES_DIR"]).resolve()
    return path.parent.parent == quizzes or path.parent.parent.name == "quizzes"


def _check_placement(path, document, settings, after, questions, problems, warnings):
    course_slug = Path(path).parent.name
    modules = _course_module_slugs(course_slug)
    if modules is None and not is_placed(path):
        warnings.append(Problem(str(path), 1, _(
            "berkas ini tidak berada di quizzes/<slug-kursus>/, jadi hanya sintaksnya yang "
            "diperiksa; untuk diimpor, simpan sebagai quizzes/<slug-kursus>/<slug-kuis>.gift")))
    elif modules is None:
        problems.append(Problem(str(path), 1, _(
            "kursus '%(slug)s' (nama folder kuis) tidak ditemukan", slug=course_slug)))
    elif after == AT_START:
        if settings["kind"] != "pretest":
            problems.append(Problem(str(path), document.line_of("after"), _(
                "'after: %(start)s' (sebelum modul pertama) hanya untuk kind: pretest; "
                "kuis lain tanpa 'after' tampil setelah modul terakhir", start=AT_START)))
    elif after and MODULE_PREFIX.sub("", after) not in modules:
        problems.append(Problem(str(path), document.line_of("after"), _(
            "modul '%(after)s' tidak ada di kursus %(course)s (pilihan: %(choices)s)",
            after=after, course=course_slug, choices=", ".join(sorted(modules)))))
    gradable = [q for q in questions if q.type != "description"]
    if not gradable:
        problems.append(Problem(str(path), document.body_line, _(
            "kuis tidak berisi satu pun pertanyaan")))
    elif settings["draw_count"] > len(gradable):
        problems.append(Problem(str(path), document.line_of("draw"), _(
            "'draw' %(draw)d lebih besar dari jumlah pertanyaan (%(n)d)",
            draw=settings["draw_count"], n=len(gradable))))


def _name_problem(path):
    return Problem(str(path), 1, _(
        "nama berkas kuis '%(name)s' harus slug: huruf kecil, angka, tanda hubung",
        name=path.name))


def read_quiz(path):
    """Read and check one quiz file. Returns (QuizSpec or None, problems).

    A file outside quizzes/<course>/ (a Moodle export being checked before it is placed) is
    checked for its GIFT: its name and folder only draw warnings there."""
    path = Path(path)
    problems, warnings = [], []
    slug = path.stem
    if not SLUG.match(slug) or len(slug) > 100:
        (problems if is_placed(path) else warnings).append(_name_problem(path))
    text = read_text(path, problems, limit="gift")
    document = split_front_matter(path, text, problems, required=False) if text else None
    if document is None:
        if text is not None and not problems:
            problems.append(Problem(str(path), 1, _("berkas kuis kosong")))
        return None, problems
    settings, after = _read_settings(document, problems, slug)
    result = gift.parse_gift(document.body, str(path), first_line=document.body_line,
                             default_format=settings["default_format"])
    problems.extend(result.problems)
    _check_placement(path, document, settings, after, result.questions, problems, warnings)
    if problems:
        return None, problems
    return QuizSpec(course_slug=path.parent.name, slug=slug, path=path, settings=settings,
                    after=MODULE_PREFIX.sub("", after) if after and after != AT_START else None,
                    questions=result.questions, gift_source=document.body,
                    warnings=warnings + result.warnings), problems


def _quiz_folders(root):
    """The course folders of a folder of quizzes; a linked one is not one (it is refused)."""
    return [p for p in sorted(root.iterdir())
            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]


def find_quiz_files(root):
    """(files, links): a quiz file itself, the quiz files of one course folder, or of every
    course folder; and the symbolic links met on the way (quiz files or folders), which are
    refused, never followed (see app.content.paths)."""
    root = Path(root)
    if root.is_file():
        return [root], []
    files, links = [], []
    for folder in [root, *_quiz_folders(root)]:
        for path in sorted(folder.iterdir()):
            if path.is_symlink() and (path.is_dir() or is_quiz_file(path)):
                links.append(path)
            elif path.is_file() and is_quiz_file(path):
                files.append(path)
    return files, links


def check_quizzes(root):
    root = Path(root)
    if not root.exists():
        return [], [Problem(str(root), 1, _("folder atau berkas tidak ditemukan"))]
    files, links = find_quiz_files(root)
    specs, problems = [], [Problem(str(link), 1, link_message()) for link in links]
    for path in files:
        spec, quiz_problems = read_quiz(path)
        problems.extend(quiz_problems)
        if spec is not None:
            specs.append(spec)
    return specs, problems


def quiz_to_dict(spec):
    """The parsed quiz as `flask content check --json` prints it."""
    settings = dict(spec.settings, after=spec.after)
    return {"settings": settings, "questions": [gift.question_to_dict(q) for q in spec.questions]}


# --- importing ------------------------------------------------------------------------------

def _option_rows(question):
    """(text, match_text, fraction, feedback, tolerance, text format, feedback format) per
    answer, as stored: each part's own format, else the question's."""
    fmt = question.text_format
    if question.type == "matching":
        return [(pair.left, pair.right, 0.0, "", None, gift.part_format(pair.left_format,
                                                                          question), fmt)
                for pair in question.pairs]
    return [(a.text, None, a.fraction, a.feedback, a.tolerance,
             gift.part_format(a.format, question), gift.part_format(a.feedback_format, question))
            for a in question.answers]


def _text_for_format(text, fmt):
    # Moodle's blank '_____' would read as Markdown emphasis; escaped it stays underscores.
    return text.replace(gift.BLANK, r"\_" * len(gift.BLANK)) if fmt == "markdown" else text


def _question_values(parsed, position):
    fmt = parsed.text_format
    feedback_format = gift.part_format(parsed.general_feedback_format, parsed)
    return {
        "position": position, "type": parsed.type, "name": parsed.name[:255],
        "gift_id": parsed.id, "text_source": parsed.text, "text_format": fmt,
        "text_html": render_authored(_text_for_format(parsed.text, fmt), fmt),
        "single": parsed.single,
        "general_feedback_source": parsed.general_feedback,
        "general_feedback_format": feedback_format,
        "general_feedback_html": render_authored(parsed.general_feedback, feedback_format),
        "category": parsed.category, "tags_json": json.dumps(parsed.tags, ensure_ascii=False),
        "retired_at": None,
    }


def _sync_options(question, parsed):
    """Replace the options when they changed (attempts read their own snapshots)."""
    wanted = _option_rows(parsed)
    current = [(o.text_source, o.match_text, o.fraction, o.feedback_source, o.tolerance,
                o.text_format, o.feedback_format) for o in question.options]
    if wanted == current:
        return False
    question.options = [
        AnswerOption(position=i, text_source=text, match_text=match, fraction=fraction,
                     feedback_source=feedback, tolerance=tolerance, text_format=text_format,
                     feedback_format=feedback_format,
                     text_html=render_authored(text, text_format, inline=True),
                     feedback_html=render_authored(feedback, feedback_format, inline=True))
        for i, (text, match, fraction, feedback, tolerance, text_format, feedback_format)
        in enumerate(wanted, start=1)]
    return True


def _matcher(existing):
    """Find the stored question a parsed one continues: by GIFT id, else by name."""
    by_id = {q.gift_id: q for q in existing if q.gift_id}
    by_name = {}
    for question in existing:
        by_name.setdefault(question.name, []).append(question)

    def match(parsed):
        found = by_id.get(parsed.id) if parsed.id else None
        if found is None and not parsed.id:
            candidates = [q for q in by_name.get(parsed.name[:255], []) if not q.gift_id]
            found = candidates[0] if candidates else None
        if found is not None:
            by_id.pop(found.gift_id, None)
            if found in by_name.get(found.name, []):
                by_name[found.name].remove(found)
        return found

    return match


def _has_attempts(question):
    return db.session.scalar(select(exists().where(AttemptQuestion.question_id == question.id)))


def _sync_questions(quiz, parsed_questions):
    """Questions updated in place by GIFT id or name; those gone from the text are retired
    (answered) or deleted. Returns the PartChanges (empty: nothing changed)."""
    parts = []
    match = _matcher(list(quiz.questions))
    kept = set()
    for position, parsed in enumerate(parsed_questions, start=1):
        question, part = _sync_question(quiz, match(parsed), parsed, position)
        parts.append(part)
        kept.add(id(question))
    for question in [q for q in quiz.questions if id(q) not in kept]:
        action = _retire_or_delete(quiz.questions, question)
        parts.append(PartChange("question", action, question.name) if action else None)
    return [part for part in parts if part is not None]


def _sync_question(quiz, question, parsed, position):
    """Create or update one question: (question, PartChange or None when nothing changed)."""
    values = _question_values(parsed, position)
    if question is None:
        question = Question(quiz=quiz)
        quiz.questions.append(question)
        assign_changes(question, values)
        _sync_options(question, parsed)
        return question, PartChange("question", "added", parsed.name)
    was_retired = question.retired_at is not None
    fields = assign_changes(question, values, QUESTION_FIELD_NAMES)
    if _sync_options(question, parsed):
        fields.append("answers")
    return question, part_change("question", parsed.name, was_retired, fields)


def _retire_or_delete(collection, item):
    """'retired' for an item learners have answered, 'deleted' for one removed, None for one
    already retired."""
    if item.id is not None and _has_attempts(item):
        if item.retired_at is None:
            item.retired_at = utcnow()
            return "retired"
        return None
    collection.remove(item)
    return "deleted"


def import_quiz(spec):
    """Create or update one quiz. Returns its Change."""
    if not SLUG.match(spec.slug) or len(spec.slug) > 100:  # a warning when only checked
        raise ImportProblem(_name_problem(spec.path))
    course = db.session.scalar(select(Course).where(Course.slug == spec.course_slug))
    if course is None:
        raise ImportProblem(Problem(str(spec.path), 1, _(
            "kursus '%(slug)s' belum diimpor: impor folder courses/ terlebih dahulu",
            slug=spec.course_slug)))
    after = None
    if spec.after:
        after = db.session.scalar(select(Module).where(Module.course_id == course.id,
                                                       Module.slug == spec.after))
    values = dict(spec.settings, after_module_id=after.id if after else None, retired_at=None,
                  gift_source=spec.gift_source)
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id,
                                                Quiz.slug == spec.slug))
    change = Change("quiz", f"{spec.course_slug}/{spec.slug}", "created")
    if quiz is None:
        quiz = Quiz(course_id=course.id, slug=spec.slug)
        db.session.add(quiz)
        assign_changes(quiz, values)
        change.parts = _sync_questions(quiz, spec.questions)
    else:
        change.restored = quiz.retired_at is not None
        change.fields = assign_changes(quiz, values, QUIZ_FIELD_NAMES)
        change.parts = _sync_questions(quiz, spec.questions)
        changed = change.restored or change.fields or change.parts
        change.outcome = "updated" if changed else "unchanged"
    db.session.flush()
    return change


def _retire_missing_quizzes(root, specs, report):
    """Quizzes whose file is gone from a scanned course folder: retired, or deleted if unused."""
    root = Path(root)
    if root.is_file():
        return
    children = list(root.iterdir())
    # A folder with quiz files, or with nothing in it any more, is one course's quiz folder.
    is_course_folder = any(is_quiz_file(p) for p in children) or not any(
        p.is_dir() for p in children)
    # A linked folder was refused, not read: its quizzes stay as they are.
    folders = [root] if is_course_folder else _quiz_folders(root)
    present = {(s.course_slug, s.slug) for s in specs}
    broken = {(Path(p.path).parent.name, Path(p.path).stem) for p in report.problems}
    for folder in folders:
        course = db.session.scalar(select(Course).where(Course.slug == folder.name))
        if course is None:
            continue
        quizzes = db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)).all()
        for quiz in quizzes:
            key = (folder.name, quiz.slug)
            if key in present or key in broken:
                continue
            used = db.session.scalar(select(exists().where(Attempt.quiz_id == quiz.id)))
            if used and quiz.retired_at is None:
                quiz.retired_at = utcnow()
                record_change(report, Change("quiz", "/".join(key), "retired"))
            elif not used:
                db.session.delete(quiz)
                record_change(report, Change("quiz", "/".join(key), "deleted"))
    db.session.flush()


def import_quizzes(root):
    """Check and import every quiz under root; a quiz with problems is skipped whole."""
    specs, problems = check_quizzes(root)
    report = import_each(specs, problems, import_quiz)
    if Path(root).exists():
        _retire_missing_quizzes(root, specs, report)
    return report
