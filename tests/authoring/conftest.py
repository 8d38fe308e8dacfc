"""Fixtures shared by the trainer's tests: for the reports (the learners page and the
gradebook) a course with two quizzes and five learners at different stages, and its trainer;
for the quiz editor a published course written in the browser by a signed-in trainer."""

import pytest

from app.courses.models import Course
from app.extensions import db
from tests.authoring.helpers import TRAINER_NIP, add_module, make_course, publish
from tests.authoring.test_learners import cohort, quizzes, trainer  # noqa: F401
from tests.conftest import PASSWORD, seed_once, submit


@pytest.fixture
def course_extras():
    """More steps of the course's seed, (client, course) -> None, each a function of its own
    name; a test module overrides this to have its course made with more (a quiz, say)."""
    return ()


@pytest.fixture
def course(app, client, create_user, login, course_extras):
    """The course, written through the editor's forms by its trainer on a client of the seed's
    own: a kept seed (tests/conftest.py seed_once). The test's client logs in every time."""
    def seed():
        create_user(nip=TRAINER_NIP, roles=("trainer",))
        author = app.test_client()
        response = submit(author, "/masuk", {"identifier": TRAINER_NIP, "password": PASSWORD})
        assert response.status_code == 200
        course = make_course(author)
        add_module(author, course, "Pengantar TTE")
        publish(author, course)
        for step in course_extras:
            step(author, course)
        return course.id

    name = "+".join(("authoring.course", *(step.__name__ for step in course_extras)))
    course_id = seed_once(name, seed)
    login(TRAINER_NIP)
    return db.session.get(Course, course_id)
