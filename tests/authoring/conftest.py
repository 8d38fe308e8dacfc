"""Fixtures shared by the trainer's report tests (the learners page and the gradebook): a
course with two quizzes and five learners at different stages, and its trainer."""

from tests.authoring.test_learners import cohort, quizzes, trainer  # noqa: F401
