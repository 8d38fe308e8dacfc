"""Course discussions: who takes part, threads and replies, editing within the window, answers,
pins and locks, reports and hiding, and the reads the pages make.

Who takes part (`standing_in`): learners enrolled in the course, its trainers and the admins.
Trainers of the course and admins also moderate: they mark answers, pin, lock, hide posts with
a reason and see the reports. Each rule that can say no has one "why not" function (edit,
reply, report, hide), used by the page to offer the action and by the service to refuse it.

Services flush and never commit. Notifications are noted with notify_later (written when the
view commits); every moderation step is audited."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.admin.services import Page
from app.audit import record_event
from app.auth.models import User
from app.content.markdown import render_post
from app.content.media import extension_for, inspect_bytes, safe_file_name, uploads_root
from app.courses.models import Course, Enrollment, course_owner
from app.database import utcnow
from app.discussion.models import (
    DISCUSSION_FULL_TEXT,
    IMAGE_TYPES,
    DiscussionImage,
    DiscussionPost,
    DiscussionReport,
    DiscussionSearch,
    DiscussionThread,
)
from app.errors import LmsError
from app.extensions import db
from app.notifications import events
from app.reports.tables import NUMBER, Column
from app.search.services import ranked_ids
from app.search.text import query_stems, snippet
from app.settings import get_setting
from app.storage import write_private

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 25
REPORTS_PER_PAGE = 20
SEARCH_LIMIT = 30
MAX_IMAGES = 4
UPLOAD_FOLDER = "discussion"


class DiscussionError(LmsError):
    pass


# --- who takes part ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """A person's place in one course's discussion."""

    enrolled: bool
    moderator: bool  # a trainer of the course, or an admin

    @property
    def takes_part(self):
        return self.enrolled or self.moderator


NOBODY = Standing(False, False)


def standing_in(user, course):
    """One query (none for an admin): enrolled in the course, and a trainer who owns it."""
    if not user.is_authenticated:
        return NOBODY
    if user.is_admin:
        return Standing(False, True)
    enrolled, owner = db.session.execute(select(
        exists().where(Enrollment.user_id == user.id, Enrollment.course_id == course.id),
        exists().where(course_owner.c.course_id == course.id,
                       course_owner.c.user_id == user.id))).one()
    return Standing(bool(enrolled), bool(owner) and user.is_trainer)


def trainer_ids(course):
    """The course's trainers (owners who still have the trainer role)."""
    return db.session.scalars(
        select(course_owner.c.user_id).join(User, User.id == course_owner.c.user_id)
        .where(course_owner.c.course_id == course.id, User.is_trainer.is_(True))).all()


# --- the rules ----------------------------------------------------------------------------------

def edit_minutes():
    return int(get_setting("discussion.edit_minutes") or 0)


def edit_deadline(post):
    return post.created_at + timedelta(minutes=edit_minutes())


def edit_problem(post, thread, user, now=None):
    """Why this person may not edit this post now, or None."""
    if post.author_id is None or post.author_id != user.id:
        return _("Hanya penulisnya yang dapat mengubah tulisan ini.")
    if post.is_hidden:
        return _("Tulisan yang disembunyikan moderator tidak dapat diubah.")
    if thread.is_locked:
        return _("Utas ini dikunci pengajar: tulisannya tidak dapat diubah lagi.")
    if (now or utcnow()) > edit_deadline(post):
        return _("Batas waktu mengubah sudah lewat: tulisan hanya dapat diubah %(n)d menit "
                 "setelah dikirim.", n=edit_minutes())
    return None


def reply_problem(thread):
    """Why nobody may reply to this thread, or None (the opening post must be loaded)."""
    if thread.is_locked:
        return _("Utas ini dikunci pengajar: tidak dapat dibalas lagi.")
    if thread.opening is not None and thread.opening.is_hidden:
        return _("Pertanyaan ini disembunyikan moderator: tidak dapat dibalas.")
    return None


def report_problem(post, user):
    """Why this person may not report this post, or None."""
    if post.author_id is not None and post.author_id == user.id:
        return _("Tulisan Anda sendiri tidak dapat dilaporkan.")
    if post.is_hidden:
        return _("Tulisan ini sudah disembunyikan moderator.")
    return None


# --- pictures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Picture:
    """An uploaded picture that passed the checks, not stored yet."""

    name: str
    mime: str
    data: bytes


def check_pictures(uploads):
    """[(file name, bytes)] -> [Picture], with the same checks as course media (content, not
    name; size; pixels), images only. Raises DiscussionError naming every refused file."""
    uploads = [(name, data) for name, data in uploads if name or data]
    if len(uploads) > MAX_IMAGES:
        raise DiscussionError(_("Paling banyak %(n)d gambar per tulisan; Anda memilih %(got)d.",
                                n=MAX_IMAGES, got=len(uploads)))
    pictures, problems = [], []
    for original, data in uploads:
        shown = original or _("tanpa nama")
        mime, message = inspect_bytes(data)
        if message is None and mime not in IMAGE_TYPES:
            message = _("hanya gambar PNG, JPEG, GIF atau WebP yang dapat dilampirkan")
        if message:
            problems.append(_("Gambar %(name)s ditolak: %(reason)s.", name=shown,
                              reason=message))
            continue
        name = safe_file_name(original)
        stem = name.rsplit(".", 1)[0] if name else "gambar"
        pictures.append(Picture(f"{stem}.{extension_for(mime, name or '')}", mime, data))
    if problems:
        raise DiscussionError(" ".join(problems))
    return pictures


def picture_path(image, post_id=None):
    return (Path(uploads_root()) / UPLOAD_FOLDER / str(post_id or image.post_id)
            / image.stored_name)


def _store_pictures(post, pictures):
    """Rows first (their ids name the files), then the bytes: a rolled-back request leaves at
    most an orphan file, never a row without its file."""
    images = [DiscussionImage(post_id=post.id, name=picture.name, mime=picture.mime,
                              size=len(picture.data),
                              sha256=hashlib.sha256(picture.data).hexdigest())
              for picture in pictures]
    db.session.add_all(images)
    db.session.flush()
    for image, picture in zip(images, pictures, strict=True):
        write_private(picture_path(image, post.id), picture.data,
                      root=uploads_root())  # 0640, atomic; StorageError on a full disk


# --- writing ------------------------------------------------------------------------------------

def _new_post(thread, author, body, pictures, opening, now):
    post = DiscussionPost(thread_id=thread.id, author_id=author.id, is_opening=opening,
                          body_source=body, body_html=render_post(body), created_at=now)
    db.session.add(post)
    db.session.flush()
    if pictures:
        _store_pictures(post, pictures)
    return post


def start_thread(course, author, standing, title, body, module=None, pictures=(), now=None):
    """A new thread with its opening post. A learner's is a question: the course's trainers
    are told, and it waits for an answer on their workshop page."""
    now = now or utcnow()
    thread = DiscussionThread(course_id=course.id, module_id=module.id if module else None,
                              author_id=author.id, title=title,
                              is_question=not standing.moderator, created_at=now,
                              last_activity_at=now)
    db.session.add(thread)
    db.session.flush()
    post = _new_post(thread, author, body, pictures, True, now)
    if thread.is_question:
        events.discussion_question([i for i in trainer_ids(course) if i != author.id],
                                   course, thread, post)
    return thread


def reply_to(thread, course, author, standing, body, pictures=(), now=None):
    """A reply. A trainer's (or admin's) reply answers a question for the workshop page's
    count; the asker of a question is told of every reply but their own."""
    problem = reply_problem(thread)
    if problem:
        raise DiscussionError(problem)
    now = now or utcnow()
    post = _new_post(thread, author, body, pictures, False, now)
    thread.last_activity_at = now
    if standing.moderator and thread.is_question and thread.answered_at is None:
        thread.answered_at = now
    if thread.is_question and thread.author_id not in (None, author.id):
        events.discussion_answered(thread.author_id, course, thread, post, "reply")
    db.session.flush()
    return post


def edit_post(post, thread, user, body, title=None, now=None):
    """The author's own words again, within the edit window; shown as edited from then on.
    The opening post also carries the thread's title."""
    now = now or utcnow()
    problem = edit_problem(post, thread, user, now)
    if problem:
        raise DiscussionError(problem)
    changed = body != post.body_source or (post.is_opening and title and title != thread.title)
    if not changed:
        return False
    post.body_source, post.body_html = body, render_post(body)
    post.edited_at = now
    if post.is_opening and title:
        thread.title = title
    db.session.flush()
    return True


# --- moderating ---------------------------------------------------------------------------------

def mark_answer(post, thread, course, by, mark=True, now=None):
    """Mark a reply as the thread's answer (shown first), replacing any earlier one, or take
    the mark away. Returns whether anything changed. A partial unique index keeps one answer
    per thread even when two trainers mark at the same moment (the later one fails and is
    asked to try again)."""
    if mark and post.is_opening:
        raise DiscussionError(_("Pertanyaan pembuka tidak dapat menjadi jawabannya sendiri: "
                                "tandai salah satu balasan."))
    if mark and post.is_hidden:
        raise DiscussionError(_("Tulisan yang disembunyikan tidak dapat menjadi jawaban."))
    if post.is_answer == mark:
        return False
    now = now or utcnow()
    if mark:
        db.session.execute(update(DiscussionPost).where(
            DiscussionPost.thread_id == thread.id, DiscussionPost.is_answer.is_(True))
            .values(is_answer=False).execution_options(synchronize_session="fetch"))
        post.is_answer = True
        if thread.answered_at is None:
            thread.answered_at = now
        record_event(by, "discussion.answer", "discussion_post", post.id, thread=thread.id,
                     course=course.code)
        if thread.is_question and thread.author_id not in (None, post.author_id):
            events.discussion_answered(thread.author_id, course, thread, post, "answer")
    else:
        post.is_answer = False
        record_event(by, "discussion.answer_removed", "discussion_post", post.id,
                     thread=thread.id, course=course.code)
    db.session.flush()
    return True


def set_pinned(thread, course, by, pinned, now=None):
    if thread.is_pinned == pinned:
        return False
    thread.pinned_at = (now or utcnow()) if pinned else None
    record_event(by, "discussion.pin" if pinned else "discussion.unpin", "discussion_thread",
                 thread.id, course=course.code, title=thread.title)
    db.session.flush()
    return True


def set_locked(thread, course, by, locked, now=None):
    """A locked thread takes no replies and no edits; it stays readable."""
    if thread.is_locked == locked:
        return False
    thread.locked_at = (now or utcnow()) if locked else None
    record_event(by, "discussion.lock" if locked else "discussion.unlock", "discussion_thread",
                 thread.id, course=course.code, title=thread.title)
    db.session.flush()
    return True


def report_post(post, thread, course, reporter, reason, now=None):
    """Report a post to the moderators. Reporting it again after a dismissal reopens the
    report; an open one cannot be sent twice."""
    problem = report_problem(post, reporter)
    if problem:
        raise DiscussionError(problem)
    now = now or utcnow()
    report = db.session.scalar(select(DiscussionReport).where(
        DiscussionReport.post_id == post.id, DiscussionReport.reporter_id == reporter.id))
    if report is not None and report.resolved_at is None:
        raise DiscussionError(_("Anda sudah melaporkan tulisan ini; moderator akan "
                                "memeriksanya."))
    if report is None:
        report = DiscussionReport(post_id=post.id, reporter_id=reporter.id)
        db.session.add(report)
    report.reason, report.created_at = reason, now
    report.resolved_at = report.resolved_by_id = report.outcome = None
    try:
        with db.session.begin_nested():  # the same report sent twice at once
            db.session.flush()
    except IntegrityError:
        raise DiscussionError(_("Anda sudah melaporkan tulisan ini; moderator akan "
                                "memeriksanya.")) from None
    record_event(reporter, "discussion.report", "discussion_post", post.id, thread=thread.id,
                 course=course.code, reason=reason)
    return report


def _resolve_reports(post, by, outcome, now):
    return db.session.execute(
        update(DiscussionReport)
        .where(DiscussionReport.post_id == post.id, DiscussionReport.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=by.id, outcome=outcome)
        .execution_options(synchronize_session=False)).rowcount


def hide_problem(post):
    return _("Tulisan ini sudah disembunyikan.") if post.is_hidden else None


def hide_post(post, thread, course, by, reason, now=None):
    """Hide a post with a reason: readers see that it was hidden, its author is told why, its
    open reports are settled, it leaves the search index, and it stops being the answer. A
    hidden opening post hides the whole thread from learners."""
    problem = hide_problem(post)
    if problem:
        raise DiscussionError(problem)
    now = now or utcnow()
    post.hidden_at, post.hidden_by_id, post.hidden_reason = now, by.id, reason
    post.is_answer = False
    settled = _resolve_reports(post, by, "hidden", now)
    record_event(by, "discussion.hide", "discussion_post", post.id, thread=thread.id,
                 course=course.code, reason=reason, reports=settled)
    if post.author_id is not None and post.author_id != by.id:
        events.discussion_post_hidden(post.author_id, course, thread, post)
    db.session.flush()
    return post


def unhide_post(post, thread, course, by):
    if not post.is_hidden:
        raise DiscussionError(_("Tulisan ini tidak disembunyikan."))
    post.hidden_at = post.hidden_by_id = post.hidden_reason = None
    record_event(by, "discussion.unhide", "discussion_post", post.id, thread=thread.id,
                 course=course.code)
    db.session.flush()
    return post


def dismiss_reports(post, thread, course, by, now=None):
    """The moderator finds nothing wrong: the open reports are settled, the post stays."""
    settled = _resolve_reports(post, by, "dismissed", now or utcnow())
    if not settled:
        raise DiscussionError(_("Tidak ada laporan terbuka untuk tulisan ini."))
    record_event(by, "discussion.reports_dismissed", "discussion_post", post.id,
                 thread=thread.id, course=course.code, reports=settled)
    db.session.flush()
    return settled


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThreadRow:
    thread: DiscussionThread
    opening: DiscussionPost
    replies: int  # visible replies


def _paged(total, page, per_page):
    pages = max(1, -(-total // per_page))
    return min(max(1, page), pages), pages


def _thread_conditions(course, standing, module_id=None, unanswered=False, opening=None):
    opening = opening or DiscussionPost
    conditions = [DiscussionThread.course_id == course.id]
    if not standing.moderator or unanswered:
        conditions.append(opening.hidden_at.is_(None))
    if module_id is not None:
        conditions.append(DiscussionThread.module_id == module_id)
    if unanswered:
        conditions += [DiscussionThread.is_question.is_(True),
                       DiscussionThread.answered_at.is_(None),
                       DiscussionThread.locked_at.is_(None)]
    return conditions


def thread_page(course, standing, page=1, module_id=None, unanswered=False):
    """One page of the course's threads: pinned first, then by latest activity, each with its
    opening post, author, module and number of visible replies. Two queries (the count and
    the page), whatever the number of threads and replies."""
    opening = aliased(DiscussionPost)
    joined = and_(opening.thread_id == DiscussionThread.id, opening.is_opening.is_(True))
    conditions = _thread_conditions(course, standing, module_id, unanswered, opening)
    total = db.session.scalar(select(func.count(DiscussionThread.id))
                              .join(opening, joined).where(*conditions))
    page, pages = _paged(total, page, THREADS_PER_PAGE)
    replies = (select(func.count(DiscussionPost.id))
               .where(DiscussionPost.thread_id == DiscussionThread.id,
                      DiscussionPost.is_opening.is_(False), DiscussionPost.hidden_at.is_(None))
               .correlate(DiscussionThread).scalar_subquery())
    rows = db.session.execute(
        select(DiscussionThread, opening, replies).join(opening, joined).where(*conditions)
        .options(joinedload(DiscussionThread.author), joinedload(DiscussionThread.module))
        .order_by(DiscussionThread.pinned_at.is_(None), DiscussionThread.pinned_at.desc(),
                  DiscussionThread.last_activity_at.desc(), DiscussionThread.id.desc())
        .limit(THREADS_PER_PAGE).offset((page - 1) * THREADS_PER_PAGE)).all()
    return Page([ThreadRow(*row) for row in rows], total, page, pages)


def thread_in(course, thread_id):
    """A thread of this course with its opening post, author and module, or None."""
    return db.session.scalar(
        select(DiscussionThread)
        .options(joinedload(DiscussionThread.opening), joinedload(DiscussionThread.author),
                 joinedload(DiscussionThread.module))
        .where(DiscussionThread.id == thread_id, DiscussionThread.course_id == course.id))


def post_in(thread, post_id):
    """A post of this thread (with its thread loaded), or None."""
    return db.session.scalar(select(DiscussionPost).options(
        joinedload(DiscussionPost.author)).where(DiscussionPost.id == post_id,
                                                 DiscussionPost.thread_id == thread.id))


# The page order: the question, then the answer, then the other replies as they came.
POST_ORDER = (DiscussionPost.is_opening.desc(), DiscussionPost.is_answer.desc(),
              DiscussionPost.created_at, DiscussionPost.id)


def post_page(thread, page=1):
    """One page of a thread's posts in POST_ORDER with their authors and pictures: three
    queries (count, posts, pictures), whatever the number of replies."""
    total = db.session.scalar(select(func.count(DiscussionPost.id))
                              .where(DiscussionPost.thread_id == thread.id))
    page, pages = _paged(total, page, POSTS_PER_PAGE)
    posts = db.session.scalars(
        select(DiscussionPost).options(joinedload(DiscussionPost.author),
                                       selectinload(DiscussionPost.images))
        .where(DiscussionPost.thread_id == thread.id).order_by(*POST_ORDER)
        .limit(POSTS_PER_PAGE).offset((page - 1) * POSTS_PER_PAGE)).all()
    return Page(posts, total, page, pages)


def page_of_post(thread, post_id):
    """The page of the thread on which this post is shown (1 when it is not there)."""
    numbered = (select(DiscussionPost.id, func.row_number().over(order_by=POST_ORDER)
                       .label("number"))
                .where(DiscussionPost.thread_id == thread.id).subquery())
    number = db.session.scalar(select(numbered.c.number).where(numbered.c.id == post_id))
    return (number - 1) // POSTS_PER_PAGE + 1 if number else 1


def moderator_ids(course):
    """Who writes with the trainer's mark: the course's trainers (admins are marked by role)."""
    return set(trainer_ids(course))


@dataclass(frozen=True)
class ReportedPost:
    post: DiscussionPost
    reports: list  # the open DiscussionReports, oldest first


def report_page(course, page=1):
    """Posts of the course with open reports, the longest-waiting first, each with its open
    reports and reporters: three queries whatever their number."""
    open_report = and_(DiscussionReport.post_id == DiscussionPost.id,
                       DiscussionReport.resolved_at.is_(None))
    of_course = and_(DiscussionThread.id == DiscussionPost.thread_id,
                     DiscussionThread.course_id == course.id)
    total = db.session.scalar(
        select(func.count(func.distinct(DiscussionPost.id)))
        .join(DiscussionReport, open_report).join(DiscussionThread, of_course))
    page, pages = _paged(total, page, REPORTS_PER_PAGE)
    first = func.min(DiscussionReport.created_at)
    posts = db.session.scalars(
        select(DiscussionPost)
        .options(joinedload(DiscussionPost.author), joinedload(DiscussionPost.thread))
        .join(DiscussionReport, open_report).join(DiscussionThread, of_course)
        .group_by(DiscussionPost.id).order_by(first, DiscussionPost.id)
        .limit(REPORTS_PER_PAGE).offset((page - 1) * REPORTS_PER_PAGE)).unique().all()
    reports = {}
    if posts:
        for report in db.session.scalars(
                select(DiscussionReport).options(joinedload(DiscussionReport.reporter))
                .where(DiscussionReport.post_id.in_([post.id for post in posts]),
                       DiscussionReport.resolved_at.is_(None))
                .order_by(DiscussionReport.created_at, DiscussionReport.id)):
            reports.setdefault(report.post_id, []).append(report)
    return Page([ReportedPost(post, reports.get(post.id, [])) for post in posts], total, page,
                pages)


@dataclass(frozen=True)
class Waiting:
    course: Course
    unanswered: int
    reports: int


def waiting_for(user):
    """For the trainers' workshop page: per course this person moderates (every course for an
    admin), the questions still waiting for an answer and the posts with open reports; only
    courses with something waiting. One query, whatever the number of courses and posts."""
    opening = aliased(DiscussionPost)
    unanswered = (
        select(func.count(DiscussionThread.id))
        .join(opening, and_(opening.thread_id == DiscussionThread.id,
                            opening.is_opening.is_(True)))
        .where(DiscussionThread.course_id == Course.id, DiscussionThread.is_question.is_(True),
               DiscussionThread.answered_at.is_(None), DiscussionThread.locked_at.is_(None),
               opening.hidden_at.is_(None))
        .correlate(Course).scalar_subquery())
    reported = (
        select(func.count(func.distinct(DiscussionReport.post_id)))
        .join(DiscussionPost, DiscussionPost.id == DiscussionReport.post_id)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(DiscussionThread.course_id == Course.id, DiscussionReport.resolved_at.is_(None))
        .correlate(Course).scalar_subquery())
    query = select(Course, unanswered, reported).order_by(Course.code)
    if not user.is_admin:
        query = query.where(Course.id.in_(select(course_owner.c.course_id).where(
            course_owner.c.user_id == user.id)))
    return [Waiting(course, waiting, reports)
            for course, waiting, reports in db.session.execute(query) if waiting or reports]


# --- search -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    thread_id: int
    post_id: int
    title: str
    snippet: object  # Markup


def search_posts(course, query, limit=SEARCH_LIMIT):
    """The course discussion's best matches for a query (already checked by the form): one
    statement, through the same stems and ranking as the content search (app/search)."""
    words = query_stems(query)
    if not words:
        return []
    ranked = ranked_ids(DISCUSSION_FULL_TEXT, words, limit,
                        DiscussionSearch.course_id == course.id).subquery()
    rows = db.session.scalars(
        select(DiscussionSearch).join(ranked, ranked.c.id == DiscussionSearch.id)
        .order_by(ranked.c.rank, DiscussionSearch.id)).all()
    return [Hit(row.thread_id, row.post_id, row.title, snippet(row.body, words))
            for row in rows]


# --- export and data ---------------------------------------------------------------------------

def course_posts(course):
    """Every post of the course's discussion, thread by thread (oldest first), in page order,
    with author, thread and module: for the export. One query."""
    return db.session.scalars(
        select(DiscussionPost)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .options(joinedload(DiscussionPost.author),
                 joinedload(DiscussionPost.thread).joinedload(DiscussionThread.module))
        .where(DiscussionThread.course_id == course.id)
        .order_by(DiscussionThread.created_at, DiscussionThread.id, *POST_ORDER))


def posts_of(user):
    """Everything this person wrote in any course's discussion, oldest first (for a personal
    data export)."""
    return db.session.scalars(
        select(DiscussionPost).options(joinedload(DiscussionPost.thread)
                                       .joinedload(DiscussionThread.course))
        .where(DiscussionPost.author_id == user.id)
        .order_by(DiscussionPost.created_at, DiscussionPost.id)).all()


def stored_counts():
    """How much discussion data is kept (for the admins' overview of stored data)."""
    return {
        "threads": db.session.scalar(select(func.count(DiscussionThread.id))),
        "posts": db.session.scalar(select(func.count(DiscussionPost.id))),
        "hidden": db.session.scalar(select(func.count(DiscussionPost.id))
                                    .where(DiscussionPost.hidden_at.is_not(None))),
        "images": db.session.scalar(select(func.count(DiscussionImage.id))),
        "image_bytes": db.session.scalar(select(func.coalesce(func.sum(DiscussionImage.size),
                                                              0))),
        "reports": db.session.scalar(select(func.count(DiscussionReport.id))),
    }


def rate_limit():
    return current_app.config["DISCUSSION_POST_RATE_LIMIT"]


def _posts_per_learner(course_id, user_ids):
    """{user id: posts they wrote in this course's discussion that are not hidden}."""
    return dict(db.session.execute(
        select(DiscussionPost.author_id, func.count(DiscussionPost.id))
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(DiscussionThread.course_id == course_id, DiscussionPost.author_id.in_(user_ids),
               DiscussionPost.hidden_at.is_(None))
        .group_by(DiscussionPost.author_id)).all())


def gradebook_posts_column():
    """The gradebook's (and its CSV/XLSX download's) column of each learner's posts."""
    return Column("discussion_posts", _("Tulisan di diskusi"), NUMBER), _posts_per_learner
