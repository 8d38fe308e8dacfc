"""Fixtures shared by the trainer's tests: for the reports (the learners page and the
gradebook) a course with two quizzes and five learners at different stages, and its trainer;
for the quiz editor a published course written in the browser by a signed-in trainer."""

import pytest

from tests.authoring.helpers import TRAINER_NIP, add_module, make_course, publish
from tests.authoring.test_learners import cohort, quizzes, trainer  # noqa: F401


@pytest.fixture
def course(client, create_user, login):
    create_user(nip=TRAINER_NIP, roles=("trainer",))
    login(TRAINER_NIP)
    course = make_course(client)
    add_module(client, course, "Pengantar TTE")
    publish(client, course)
    return course
