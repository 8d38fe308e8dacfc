"""Who may change a course: admins every course, trainers the courses they own."""

from sqlalchemy import exists, select

from app.courses.models import course_owner
from app.extensions import db


def can_edit_course(user, course):
    """Admins edit all courses; a trainer edits a course they own or were added to."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    if not user.is_trainer or course.id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        course_owner.c.course_id == course.id, course_owner.c.user_id == user.id))))
