"""Prerequisites: courses a learner must have completed (in any year) before enrolling in another.

They gate enrolment, and only enrolment: every other way into a course (resume, module pages,
quiz start, module download) already requires an enrolment, so a learner enrolled before a
prerequisite was added keeps learning, and nobody reaches a module or a quiz without passing
here. A course's editors and admins are never held back (they try their courses out), and an
admin may waive a course's prerequisites for one learner (audited).

The graph of requirements has no cycles: `find_cycle` is the one rule, used by the browser form,
the file importer and `set_prerequisites`. Writes flush and never commit.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, load_only

from app.audit import record_event
from app.courses.access import can_edit_course
from app.courses.models import Course, Enrollment, PrerequisiteWaiver, course_prerequisite
from app.courses.outline_cache import register_outline_part
from app.errors import LmsError
from app.extensions import db

REQUIRED_COLUMNS = (Course.id, Course.code, Course.slug, Course.title, Course.status)
REQUIRED_COURSE = load_only(*REQUIRED_COLUMNS)


class PrerequisitesMissing(LmsError):
    """The learner has not completed the courses this one requires."""

    def __init__(self, course, missing):
        super().__init__(_(
            "Anda belum dapat mendaftar ke %(title)s. Selesaikan dulu kursus prasyaratnya: "
            "%(courses)s.", title=course.title, courses=course_list(missing)))
        self.missing = missing


class PrerequisiteError(LmsError):
    """A set of prerequisites a rule refuses (the course itself, a cycle)."""


class WaiverError(LmsError):
    """A waiver that cannot be given or taken back."""


def course_list(courses):
    """'SPBE-101 “Dasar SPBE”, KAM-201 “Keamanan Informasi”' for messages."""
    return ", ".join(f"{c.code} \u201c{c.title}\u201d" for c in courses)


# --- the rule: no course requires itself, directly or through others -------------------------

def find_cycle(graph, start):
    """A path start → … → start through graph (key -> keys it requires), or None. Sorted
    order, so a message names the same path every time."""
    parents = {}
    stack = [start]
    while stack:
        node = stack.pop()
        for following in sorted(graph.get(node, ()), reverse=True):
            if following == start:
                back = [node]
                while back[-1] != start:
                    back.append(parents[back[-1]])
                return back[::-1] + [start]
            if following not in parents:
                parents[following] = node
                stack.append(following)
    return None


def cycle_text(path):
    return " \u2192 ".join(path)


def code_graph():
    """Every stored requirement as {course code: {required codes}}: one query."""
    required = aliased(Course)
    rows = db.session.execute(
        select(Course.code, required.code)
        .join(course_prerequisite, course_prerequisite.c.course_id == Course.id)
        .join(required, required.id == course_prerequisite.c.required_course_id))
    graph = {}
    for code, required_code in rows:
        graph.setdefault(code, set()).add(required_code)
    return graph


def prerequisite_problem(course, required):
    """Why `course` cannot require these courses (itself, or a cycle through the stored
    requirements), or None."""
    if any(other.code == course.code for other in required):
        return _("Kursus tidak dapat menjadi prasyarat bagi dirinya sendiri.")
    if not required:
        return None
    graph = code_graph()
    graph[course.code] = {other.code for other in required}
    path = find_cycle(graph, course.code)
    if path:
        return _("Prasyarat ini membuat lingkaran: %(path)s. Kursus tidak boleh (lewat kursus "
                 "lain) menjadi prasyarat bagi dirinya sendiri.", path=cycle_text(path))
    return None


def set_prerequisites(course, required):
    """Make `required` (courses) what `course` requires; PrerequisiteError when a rule refuses.
    Returns True when it changed: setting the same courses again changes nothing."""
    problem = prerequisite_problem(course, required)
    if problem:
        raise PrerequisiteError(problem)
    wanted = sorted({other.id: other for other in required}.values(), key=lambda c: c.code)
    if [c.id for c in course.prerequisites] == [c.id for c in wanted]:
        return False
    course.prerequisites = wanted
    db.session.flush()
    return True


def courses_by_code(codes):
    """{code: Course} for the codes that exist."""
    if not codes:
        return {}
    return {course.code: course for course in db.session.scalars(
        select(Course).where(Course.code.in_(list(codes))))}


# --- who may enrol ---------------------------------------------------------------------------

def missing_prerequisites(user, course):
    """The required courses a logged-in user has not completed (an enrolment with a completion
    time, in any year), by code; [] when an admin waived them for this user, and for the
    course's editors and admins. One query (a trainer: two)."""
    if can_edit_course(user, course):
        return []
    completed = (select(Enrollment.id)
                 .where(Enrollment.user_id == user.id, Enrollment.course_id == Course.id,
                        Enrollment.completed_at.is_not(None))
                 .exists())
    waived = (select(PrerequisiteWaiver.id)
              .where(PrerequisiteWaiver.user_id == user.id,
                     PrerequisiteWaiver.course_id == course.id)
              .exists())
    return db.session.scalars(
        select(Course).options(REQUIRED_COURSE)
        .join(course_prerequisite, course_prerequisite.c.required_course_id == Course.id)
        .where(course_prerequisite.c.course_id == course.id, ~completed, ~waived)
        .order_by(Course.code)).all()


def check_prerequisites(user, course):
    """Refuse (PrerequisitesMissing) while the user misses a course this one requires."""
    missing = missing_prerequisites(user, course)
    if missing:
        raise PrerequisitesMissing(course, missing)


# --- the course page's list, cached with the course outline -----------------------------------

@dataclass(frozen=True)
class RequiredCourse:
    id: int
    code: str
    slug: str
    title: str
    is_published: bool


def load_required(session, course):
    """What the course requires, as read-only snapshots for the cached outline."""
    rows = session.scalars(
        select(Course).options(REQUIRED_COURSE)
        .join(course_prerequisite, course_prerequisite.c.required_course_id == Course.id)
        .where(course_prerequisite.c.course_id == course.id)
        .order_by(Course.code)).all()
    return tuple(RequiredCourse(c.id, c.code, c.slug, c.title, c.is_published) for c in rows)


# A change to the requirements changes the Course's collection, so it is a Course change and
# bumps the content version like any other; a required course's new title does too.
register_outline_part("prerequisites", load_required)


# --- waivers ---------------------------------------------------------------------------------

def get_waiver(user, course):
    return db.session.scalar(select(PrerequisiteWaiver).where(
        PrerequisiteWaiver.user_id == user.id, PrerequisiteWaiver.course_id == course.id))


def waive_prerequisites(user, course, admin, reason):
    """Let one learner enrol in a course without its prerequisites, with the admin's reason
    (audited). A second waiver for the same learner and course is refused, also when two
    admins give it at the same moment (the unique constraint decides)."""
    if not course.prerequisites:
        raise WaiverError(_("Kursus %(code)s tidak punya prasyarat.", code=course.code))
    already = _("Prasyarat %(code)s sudah dibebaskan untuk %(name)s.", code=course.code,
                name=user.name)
    if get_waiver(user, course) is not None:
        raise WaiverError(already)
    waiver = PrerequisiteWaiver(user_id=user.id, course_id=course.id, waived_by_id=admin.id,
                                reason=reason)
    try:
        with db.session.begin_nested():
            db.session.add(waiver)
    except IntegrityError:
        raise WaiverError(already) from None
    record_event(admin, "course.prerequisite_waive", "user", user.id, nip=user.nip,
                 course=course.code, reason=reason)
    db.session.flush()
    return waiver


def remove_waiver(user, course, admin):
    """Take a waiver back (audited): the learner's enrolment, if any, stays."""
    waiver = get_waiver(user, course)
    if waiver is None:
        raise WaiverError(_("Tidak ada pembebasan prasyarat %(code)s untuk %(name)s.",
                            code=course.code, name=user.name))
    db.session.delete(waiver)
    record_event(admin, "course.prerequisite_unwaive", "user", user.id, nip=user.nip,
                 course=course.code, reason=waiver.reason)
    db.session.flush()


def waivers_of(user):
    """A person's waivers with their courses and who gave them, newest first: one query."""
    return db.session.scalars(
        select(PrerequisiteWaiver)
        .options(joinedload(PrerequisiteWaiver.course).load_only(*REQUIRED_COLUMNS),
                 joinedload(PrerequisiteWaiver.waived_by))
        .where(PrerequisiteWaiver.user_id == user.id)
        .order_by(PrerequisiteWaiver.waived_at.desc())).all()


def courses_with_prerequisites():
    """Every course that requires another, by code (a waiver's choices)."""
    return db.session.scalars(
        select(Course).options(REQUIRED_COURSE)
        .where(Course.id.in_(select(course_prerequisite.c.course_id)))
        .order_by(Course.code)).all()
