"""Writing courses in the browser: the same model the file importer fills, kept safe for learners.

Services flush and never commit (the view owns the transaction). Markdown is rendered and
sanitized here, once, by app.content.markdown — the only place authored HTML is made. Nothing a
learner has touched is ever deleted: a module with progress or a question/quiz with attempts is
retired instead, and attempts grade from their own snapshots, so edits never move old results.
"""

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.audit import record_event
from app.content import gift, quiz_loader
from app.content.exporter import normalized_body
from app.content.frontmatter import Problem
from app.content.loader import SLUG
from app.content.markdown import render_markdown
from app.content.media import (
    course_files,
    extension_for,
    inspect_bytes,
    media_ref_problems,
    media_url,
    safe_file_name,
    store_course_file,
    stored_path,
)
from app.courses.models import Course, Module, ModuleProgress
from app.courses.prerequisites import PrerequisiteError, set_prerequisites
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.notifications import events
from app.quizzes.models import AT_START, Attempt, Quiz


class AuthoringError(LmsError):
    """An edit a rule refuses (publishing an empty course, deleting a file in use, ...)."""


class ContentProblems(AuthoringError):
    """Authored text with problems, each naming its line (GIFT, media references)."""

    def __init__(self, problems):
        super().__init__(_("Ada %(n)d masalah; tidak ada yang disimpan.", n=len(problems)))
        self.problems = problems


def slugify(text, max_length=100):
    """'Tanda Tangan Elektronik (TTE)' -> 'tanda-tangan-elektronik-tte'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "modul"


def touch(course):
    """Mark a browser edit, so a later file import warns before overwriting it."""
    course.browser_edited_at = utcnow()


# --- courses -----------------------------------------------------------------------------------

def _course_values(fields, slug):
    # Stored as a file import would read it back, so an export round-trips byte for byte.
    description = normalized_body(fields.get("description"))
    return {
        "title": fields["title"], "summary": fields.get("summary") or "",
        "description_source": description,
        # The description sits under the course page's h2, so its `##` sections become h3.
        "description_html": render_markdown(description, heading_base=2,
                                            media_url=media_url(slug)),
        "jp": fields["jp"], "competency": fields["competency"], "mode": fields["mode"],
        "provider": fields["provider"], "certificate_policy": fields["certificate_policy"],
    }


def create_course(fields, author):
    """A new draft course; a trainer who creates it becomes its first owner."""
    code = fields["code"]
    course = Course(code=code, slug=code.lower(), status="draft",
                    **_course_values(fields, code.lower()))
    if author.is_trainer:
        course.owners.append(author)
    touch(course)
    db.session.add(course)
    db.session.flush()
    _set_requires(course, fields.get("requires"))
    record_event(author, "course.create", "course", course.id, code=code)
    return course


def update_course(course, fields, editor):
    """Change a course's data; `requires` (course ids), when given, replaces its prerequisites."""
    _check_media_refs(course, fields.get("description") or "")
    for name, value in _course_values(fields, course.slug).items():
        setattr(course, name, value)
    touch(course)
    db.session.flush()
    _set_requires(course, fields.get("requires"))


def _set_requires(course, course_ids):
    """The prerequisites chosen in the form, checked again (the form checked them first)."""
    if course_ids is None:
        return
    required = db.session.scalars(select(Course).where(Course.id.in_(course_ids))).all()
    try:
        set_prerequisites(course, required)
    except PrerequisiteError as error:
        raise AuthoringError(error.message) from None


def set_course_status(course, status, editor):
    """Draft, published or archived. Only a course with something to read can be published."""
    if status == course.status:
        return
    if status == "published" and not active_modules(course):
        raise AuthoringError(_("Kursus belum punya modul: tambahkan modul sebelum menerbitkan."))
    previous, course.status = course.status, status
    touch(course)
    db.session.flush()
    record_event(editor, "course.status", "course", course.id, before=previous, after=status)
    if status == "published" and previous == "draft":  # new, not back from the archive
        events.course_published(course)


def active_modules(course):
    return [m for m in course.modules if m.retired_at is None]


# --- modules -----------------------------------------------------------------------------------

def _unique_module_slug(course, wanted, module=None):
    taken = {m.slug for m in course.modules if m is not module}
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}"[:100] in taken:
        number += 1
    return f"{wanted}-{number}"[:100]


def _check_media_refs(course, body):
    files = {f.name: f for f in course_files(course.id)}
    problems = media_ref_problems(body, files)
    if problems:
        raise ContentProblems(problems)


def _module_values(course, fields):
    body = normalized_body(fields["body"])
    return {"title": fields["title"], "minutes": fields["minutes"], "body_source": body,
            "body_html": render_markdown(body, media_url=media_url(course.slug))}


def create_module(course, fields, editor):
    """Add a module at the end of the course."""
    _check_media_refs(course, fields["body"])
    slug = fields.get("slug") or _unique_module_slug(course, slugify(fields["title"]))
    _refuse_taken_slug(course, slug)
    position = max((m.position for m in course.modules), default=0) + 1
    module = Module(slug=slug, position=position, **_module_values(course, fields))
    course.modules.append(module)
    touch(course)
    db.session.flush()
    return module


def update_module(module, fields, editor):
    """Change a module in place: its id (and so learners' progress) stays the same."""
    course = module.course
    _check_media_refs(course, fields["body"])
    slug = fields.get("slug") or module.slug
    if slug != module.slug:
        _refuse_taken_slug(course, slug, module)
        module.slug = slug
    for name, value in _module_values(course, fields).items():
        setattr(module, name, value)
    touch(course)
    db.session.flush()


def _refuse_taken_slug(course, slug, module=None):
    if not SLUG.match(slug):
        raise AuthoringError(_("Alamat modul hanya boleh huruf kecil, angka dan tanda hubung."))
    if any(m.slug == slug and m is not module for m in course.modules):
        raise AuthoringError(_("Alamat '%(slug)s' sudah dipakai modul lain di kursus ini.",
                               slug=slug))


def move_module(module, direction, editor):
    """Swap the module with its active neighbour above ('up') or below ('down')."""
    modules = active_modules(module.course)
    index = modules.index(module)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(modules):
        return False
    neighbour = modules[other]
    module.position, neighbour.position = neighbour.position, module.position
    touch(module.course)
    db.session.flush()
    module.course.modules.sort(key=lambda m: m.position)
    return True


def has_progress(module):
    return db.session.scalar(select(exists().where(ModuleProgress.module_id == module.id)))


def remove_module(module, editor):
    """Delete an untouched module; retire one learners have progress on. Returns the verb."""
    course = module.course
    if has_progress(module):
        module.retired_at = utcnow()
        outcome = "retired"
    else:
        course.modules.remove(module)
        outcome = "deleted"
    touch(course)
    db.session.flush()
    record_event(editor, f"module.{outcome}", "course", course.id, module=module.slug)
    return outcome


def restore_module(module, editor):
    if module.retired_at is None:
        return
    module.retired_at = None
    module.position = max(m.position for m in module.course.modules) + 1
    touch(module.course)
    db.session.flush()


# --- files -------------------------------------------------------------------------------------

def upload_file(course, original_name, data, editor):
    """Check an uploaded image/PDF by content and size, then store it under a safe name."""
    mime, message = inspect_bytes(data)
    if message:
        raise AuthoringError(_("Berkas %(name)s ditolak: %(reason)s", name=original_name,
                               reason=message))
    name = safe_file_name(original_name)
    stem = name.rsplit(".", 1)[0] if name else slugify(original_name or "berkas")
    # The extension follows the content, whatever the uploaded name said.
    name = f"{stem}.{extension_for(mime, name or '')}"
    row, _changed = store_course_file(course, name, data, mime, user=editor)
    touch(course)
    record_event(editor, "course.file_upload", "course", course.id, name=name, size=len(data))
    return row


def file_users(course, course_file):
    """Titles of the modules (and the description) that refer to this file."""
    pattern = re.compile(r"\]\(\s*<?media/" + re.escape(course_file.name) + r"[\s)>]")
    users = [m.title for m in active_modules(course) if pattern.search(m.body_source)]
    if pattern.search(course.description_source):
        users.insert(0, _("deskripsi kursus"))
    return users


def delete_file(course, course_file, editor):
    """A file still shown in a module cannot go: learners would meet a broken image."""
    users = file_users(course, course_file)
    if users:
        raise AuthoringError(_("Berkas %(name)s masih dipakai di: %(where)s. Hapus rujukannya "
                               "dulu.", name=course_file.name, where=", ".join(users)))
    path = stored_path(course_file)
    db.session.delete(course_file)
    touch(course)
    db.session.flush()
    path.unlink(missing_ok=True)


def markdown_snippet(course_file):
    """What to paste into a module to show or link the file."""
    if course_file.is_image:
        return f"![{_('Keterangan gambar')}](media/{course_file.name})"
    return f"[{course_file.name}](media/{course_file.name})"


# --- quizzes -----------------------------------------------------------------------------------

def _parse_quiz(course, gift_text, settings, after_slug):
    """Parse GIFT text and check it belongs in this course: the gift.GiftResult (questions
    and warnings), or ContentProblems."""
    parsed = gift.parse_gift(gift_text or "", "GIFT",
                             default_format=settings.get("default_format", "moodle"))
    problems = list(parsed.problems)
    gradable = [q for q in parsed.questions if q.type != "description"]
    if not parsed.questions and not problems:
        problems.append(Problem("GIFT", 1, _("kuis tidak berisi satu pun pertanyaan")))
    elif settings["draw_count"] > len(gradable):
        problems.append(Problem("GIFT", 1, _(
            "jumlah soal yang diambil (%(draw)d) lebih besar dari jumlah pertanyaan (%(n)d)",
            draw=settings["draw_count"], n=len(gradable))))
    if after_slug and after_slug != AT_START \
            and after_slug not in {m.slug for m in active_modules(course)}:
        problems.append(Problem("GIFT", 1, _("modul '%(slug)s' tidak ada", slug=after_slug)))
    if problems:
        raise ContentProblems(problems)
    return parsed


def check_quiz(course, gift_text, settings, after_slug):
    """What the text parses into (questions, and warnings: likely mistakes such as {Ture}
    that do not stop it being saved), or ContentProblems; nothing is saved."""
    return _parse_quiz(course, gift_text, settings, after_slug)


QUIZ_SETTINGS = ("title", "kind", "pass_mark", "time_limit_minutes", "max_attempts",
                 "grading_method", "draw_count", "shuffle_answers", "review_policy",
                 "show_answers", "default_format")


def quiz_settings(quiz):
    """A quiz's settings as save_quiz takes them (QuizForm.settings() gives the same keys)."""
    return {name: getattr(quiz, name) for name in QUIZ_SETTINGS}


def placement_slug(quiz):
    """Where the quiz stands, as the editor names it: a module's slug, AT_START for a pretest
    opening the course, or None for a final quiz."""
    if quiz.after_module is not None and not quiz.after_module.is_retired:
        return quiz.after_module.slug
    return AT_START if quiz.opens_course else None


def _after_module_id(course, after_slug):
    if not after_slug or after_slug == AT_START:  # a pretest opening the course has no module
        return None
    return next(m.id for m in active_modules(course) if m.slug == after_slug)


def save_quiz(course, quiz, slug, settings, gift_text, after_slug, editor):
    """Create or update a quiz from its settings and GIFT text; questions keep identity by
    GIFT id or name, those with answers are retired rather than deleted."""
    questions = _parse_quiz(course, gift_text, settings, after_slug).questions
    if quiz is None:
        if db.session.scalar(select(Quiz.id).where(Quiz.course_id == course.id,
                                                   Quiz.slug == slug)):
            raise AuthoringError(_("Alamat kuis '%(slug)s' sudah dipakai di kursus ini.",
                                   slug=slug))
        quiz = Quiz(course_id=course.id, slug=slug)
        db.session.add(quiz)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.after_module_id = _after_module_id(course, after_slug)
    quiz.gift_source = normalized_body(gift_text)
    quiz.retired_at = None
    quiz_loader._sync_questions(quiz, questions)
    touch(course)
    db.session.flush()
    return quiz


def remove_quiz(quiz, editor):
    """Delete a quiz nobody attempted; retire one with attempts (their results stay)."""
    attempted = db.session.scalar(select(exists().where(Attempt.quiz_id == quiz.id)))
    if attempted:
        quiz.retired_at = utcnow()
        outcome = "retired"
    else:
        db.session.delete(quiz)
        outcome = "deleted"
    touch(quiz.course)
    db.session.flush()
    record_event(editor, f"quiz.{outcome}", "course", quiz.course_id, quiz=quiz.slug)
    return outcome


def quizzes_of(course):
    """The course's quizzes, retired last, with their questions (counted on the page)."""
    return db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)
                              .options(selectinload(Quiz.questions))
                              .order_by(Quiz.retired_at.is_not(None), Quiz.slug)).all()


# --- owners ------------------------------------------------------------------------------------

def add_owner(course, user, by):
    """Make the user a trainer of this course (and a trainer at all, if they were not)."""
    user.is_trainer = True
    if user not in course.owners:
        course.owners.append(user)
        record_event(by, "course.owner_add", "course", course.id, nip=user.nip)
    db.session.flush()


def remove_owner(course, user, by):
    if user in course.owners:
        course.owners.remove(user)
        record_event(by, "course.owner_remove", "course", course.id, nip=user.nip)
    db.session.flush()


def courses_for_editor(user):
    """The courses a user may edit: all for an admin, owned ones for a trainer."""
    query = select(Course).order_by(Course.status != "draft", func.lower(Course.title))
    if not user.is_admin:
        query = query.where(Course.owners.any(id=user.id))
    return db.session.scalars(query).all()

