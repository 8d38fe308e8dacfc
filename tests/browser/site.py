"""The site the browser tests look at: bundled content, an admin, a trainer and learners.

Built once per test package through the services (fast); the journeys themselves then go
through the browser. `Site` names everyone and everything the tests need to find again.
"""

from dataclasses import dataclass

from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Agency
from app.authoring.services import add_owner
from app.certificates.services import issue_certificate
from app.content.loader import import_courses
from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course, Module
from app.extensions import db
from app.quizzes import services as quiz_services
from app.quizzes.grading import correct_response
from app.quizzes.models import Attempt, Quiz
from tests.conftest import BUNDLED_COURSES, PASSWORD, ROOT

BUNDLED_QUIZZES = ROOT / "quizzes"
JOURNEY_COURSE = "duk-201"  # five modules, one graded final quiz, certificate issued by hand
FINAL_QUIZ = "kuis-akhir"


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    password: str = PASSWORD


ADMIN = Person("197808172003121001", "Hasanuddin Admin")
TRAINER = Person("198102142006041002", "Rahmat Pengajar")
GRADUATE = Person("199104052015032001", "Siti Rahmawati")  # finished DUK-201, has a certificate
NO_JS_LEARNER = Person("199207182019031002", "Budi Santoso")
KEYBOARD_LEARNER = Person("199309222020122001", "Citra Lestari")
EDIT_READER = Person("199411302021011003", "Dedi Kurniawan")
WAITING = Person("199512122022031001", "Eko Prasetyo")  # finished KAM-201, no certificate yet
# Registers through the form in the main journey (NIP typed with spaces, as people do).
NEW_LEARNER = Person("198609262015051001", "Andi Lamadjido")
NEW_LEARNER_TYPED_NIP = "19860926 201505 1 001"


@dataclass(frozen=True)
class Site:
    certificate_code: str
    open_attempt_id: int  # the graduate's attempt in progress (KAM-201): the quiz page
    passed_attempt_id: int  # the graduate's submitted attempt (DUK-201): the result page


def course(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def active_modules(course_obj):
    return db.session.scalars(select(Module).where(
        Module.course_id == course_obj.id, Module.retired_at.is_(None)
    ).order_by(Module.position)).all()


def final_quiz(course_obj):
    return db.session.scalar(select(Quiz).where(Quiz.course_id == course_obj.id,
                                                Quiz.slug == FINAL_QUIZ))


def attempt_slots(attempt_id):
    """[(slot id, snapshot)] in the order the attempt page shows them."""
    attempt = db.session.get(Attempt, attempt_id)
    return [(slot.id, slot.snapshot) for slot in sorted(attempt.slots, key=lambda s: s.position)]


def right_answers(attempt_id):
    """{slot id: the fully right response} for every question of the attempt."""
    return {slot_id: correct_response(snapshot) for slot_id, snapshot in attempt_slots(attempt_id)}


def _user(person, roles=("learner",), agency_code="DISKOMINFO"):
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    return auth_services.create_user(nip=person.nip, name=person.name, password=person.password,
                                     roles=roles, agency=agency, jabatan_type="fungsional",
                                     golongan="III/a")


def _finish_course(user, slug):
    """Every module read and the final quiz passed: the completed enrolment."""
    course_obj = course(slug)
    course_services.enroll_learner(user, course_obj)
    for module in active_modules(course_obj):
        course_services.complete_module(user, module)
    attempt = quiz_services.start_attempt(user, final_quiz(course_obj))
    quiz_services.submit_attempt(attempt, right_answers(attempt.id))
    enrollment = course_services.get_enrollment(user, course_obj)
    assert enrollment.is_completed, f"{user.name} did not complete {slug}"
    return enrollment


def _open_attempt(user):
    kam = course("kam-201")
    course_services.enroll_learner(user, kam)
    return quiz_services.start_attempt(user, final_quiz(kam))


def seed_site():
    """Fill an empty database; returns the Site. Commits."""
    auth_services.seed_agencies()
    for report in (import_courses(BUNDLED_COURSES), import_quizzes(BUNDLED_QUIZZES)):
        assert report.ok, report.problems
    db.session.commit()  # read the content back as pages do, not the importer's objects
    admin = _user(ADMIN, roles=("learner", "admin"), agency_code="BKPSDM")
    add_owner(course(JOURNEY_COURSE), _user(TRAINER, roles=("learner", "trainer")), by=admin)
    _user(NO_JS_LEARNER)  # enrols through the pages, with JavaScript off
    for person in (KEYBOARD_LEARNER, EDIT_READER):
        course_services.enroll_learner(_user(person), course(JOURNEY_COURSE))
    graduate = _user(GRADUATE)
    finished = _finish_course(graduate, JOURNEY_COURSE)
    passed = quiz_services.attempts_of(graduate, final_quiz(course(JOURNEY_COURSE)))[0]
    certificate = issue_certificate(finished, admin)
    _finish_course(_user(WAITING, agency_code="DISDUKCAPIL"), "kam-201")
    attempt = _open_attempt(graduate)
    db.session.commit()
    return Site(certificate_code=certificate.verification_code, open_attempt_id=attempt.id,
                passed_attempt_id=passed.id)
