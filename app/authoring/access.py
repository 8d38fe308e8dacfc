"""Loading what an editor works on: every lookup checks the current user may edit the course."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.courses.access import can_edit_course
from app.courses.models import Course
from app.quizzes.models import Quiz
from app.web import one_or_404


def require_author():
    """Only trainers and admins reach the workshop at all."""
    if not (current_user.is_trainer or current_user.is_admin):
        abort(403)


def editable_course_or_404(slug):
    """The course by slug, if the current user may edit it; 404 if not, exactly as for a
    course that does not exist, so another trainer's draft (its slug, its being there at
    all) is not theirs to learn."""
    require_author()
    course = one_or_404(select(Course).where(Course.slug == slug))
    if not can_edit_course(current_user, course):
        abort(404)
    return course


def editable_quiz_or_404(course, quiz_slug):
    """A quiz of the course (retired ones too: their results stay readable)."""
    return one_or_404(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == quiz_slug))
