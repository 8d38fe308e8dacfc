"""A course's gradebook for its trainers and admins: one row per enrolled learner and, for each
active quiz, the grade by that quiz's own grading method (highest, last, first or average of
the graded attempts), the attempts used and where the learner stands.

The page, the CSV and the XLSX are drawn from one report Table (app/reports/tables.py), so
they cannot disagree. A page costs a fixed number of statements whatever the course's size
(the count, one page of learners, the quizzes, their attempts); a download reads the learners
in batches of BATCH, one attempts statement per batch, and the CSV is streamed.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import contains_eager

from app.auth.models import User
from app.authoring.learners import (
    PAGE_SIZE,
    _attempts_by_learner_and_quiz,
    _enrollments_of,
    active_quizzes,
    page_count,
    quiz_cell,
    status_labels,
)
from app.courses.models import Enrollment
from app.extensions import db
from app.hooks import Hook
from app.quizzes.models import GRADING_METHODS
from app.reports.tables import DATE, DECIMAL, NIP, NUMBER, Column, Table
from app.timeutil import palu_date

BATCH = 500  # learners per statement in a download


@dataclass
class Gradebook:
    table: Table
    quizzes: list
    total: int  # learners matching the filter
    page: int
    pages: int


def _quiz_columns(quiz):
    method = GRADING_METHODS.get(quiz.grading_method, quiz.grading_method)
    attempts = (_("%(title)s: percobaan (maks. %(n)d)", title=quiz.title, n=quiz.max_attempts)
                if quiz.max_attempts else _("%(title)s: percobaan", title=quiz.title))
    standing = (_("%(title)s: status (lulus %(mark)d%%)", title=quiz.title, mark=quiz.pass_mark)
                if quiz.has_pass_mark else _("%(title)s: status", title=quiz.title))
    return (Column(f"q{quiz.id}_grade", _("%(title)s: nilai (%(method)s)", title=quiz.title,
                                          method=method), DECIMAL),
            Column(f"q{quiz.id}_attempts", attempts, NUMBER),
            Column(f"q{quiz.id}_status", standing))


# Columns other packages add after the quizzes (discussion: posts per learner): functions
# () -> (Column, values(course id, user ids) -> {user id: value}), one query per batch of rows.
GRADEBOOK_COLUMNS = Hook()
register_gradebook_column = GRADEBOOK_COLUMNS.register


def _extras():
    return [extra() for extra in GRADEBOOK_COLUMNS]


def columns(quizzes, extras=()):
    return (Column("nip", _("NIP"), NIP), Column("name", _("Nama")), Column("opd", _("OPD")),
            *(column for quiz in quizzes for column in _quiz_columns(quiz)),
            *(column for column, _values in extras),
            Column("completed_on", _("Kursus selesai"), DATE))


def _row(enrollment, quizzes, attempts, labels):
    user = enrollment.user
    row = {"nip": user.nip, "name": user.name,
           "opd": user.agency.name if user.agency else "",
           "completed_on": palu_date(enrollment.completed_at)}
    for quiz in quizzes:
        tried = attempts.get((user.id, quiz.id), [])
        cell = quiz_cell(quiz, tried)
        row[f"q{quiz.id}_grade"] = None if cell.grade is None else round(cell.grade, 1)
        row[f"q{quiz.id}_attempts"] = len(tried)
        row[f"q{quiz.id}_status"] = labels[cell.status]
    return row


def learner_count(course, agency_id):
    return db.session.scalar(_enrollments_of(course, agency_id, func.count(Enrollment.id)))


def _enrollments(course, agency_id, offset, limit):
    """Enrolments with their user and OPD, by name, one slice."""
    return db.session.scalars(
        _enrollments_of(course, agency_id, Enrollment)
        .options(contains_eager(Enrollment.user).joinedload(User.agency))
        .order_by(User.name, User.id).offset(offset).limit(limit)).all()


def _rows(enrollments, quizzes, labels, extras=(), forget=False):
    """The rows of these enrolments; forget=True then drops the batch's objects from the
    session, so a download of a big course does not keep every learner in memory."""
    user_ids = [e.user_id for e in enrollments]
    attempts = _attempts_by_learner_and_quiz(user_ids, quizzes)
    rows = [_row(enrollment, quizzes, attempts, labels) for enrollment in enrollments]
    for column, values in extras:
        found = values(enrollments[0].course_id, user_ids) if enrollments else {}
        for enrollment, row in zip(enrollments, rows, strict=True):
            row[column.key] = found.get(enrollment.user_id, 0)
    if forget:
        me = current_user._get_current_object()
        for obj in [*enrollments, *(e.user for e in enrollments),
                    *(a for tried in attempts.values() for a in tried)]:
            if obj is not me and obj in db.session:
                db.session.expunge(obj)
    return rows


def _name(course):
    return f"nilai-{course.slug}"


def _caption(course, page=None, pages=None):
    if page is None:
        return _("Buku nilai %(code)s", code=course.code)
    return _("Buku nilai %(code)s, halaman %(page)d dari %(pages)d", code=course.code,
             page=page, pages=pages)


def course_gradebook(course, agency_id=None, page=1):
    """One page of the gradebook; a page past the end shows the last one."""
    total = learner_count(course, agency_id)
    pages = page_count(total)
    page = min(max(page, 1), pages)
    quizzes, extras = active_quizzes(course), _extras()
    rows = _rows(_enrollments(course, agency_id, (page - 1) * PAGE_SIZE, PAGE_SIZE), quizzes,
                 status_labels(), extras)
    table = Table(_name(course), _caption(course, page, pages), columns(quizzes, extras), rows,
                  row_header="name")
    return Gradebook(table, quizzes, total, page, pages)


def gradebook_download(course, agency_id=None):
    """(the whole gradebook as a Table whose rows are read as they are written, row count)."""
    total = learner_count(course, agency_id)
    quizzes, extras = active_quizzes(course), _extras()
    labels = status_labels()

    def rows():
        for offset in range(0, total, BATCH):
            yield from _rows(_enrollments(course, agency_id, offset, BATCH), quizzes, labels,
                             extras, forget=True)

    return Table(_name(course), _caption(course), columns(quizzes, extras), rows(),
                 row_header="name"), total
