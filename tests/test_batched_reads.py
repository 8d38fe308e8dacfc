"""A page's small reads as one statement (app/batched_reads.py): the course page reads the
learner's progress, quiz attempts and certificate together, and each read answers exactly as it
would on its own."""

from datetime import date, datetime

import pytest
from sqlalchemy import bindparam, select

from app import batched_reads
from app.auth.models import User
from app.courses.models import Course, Enrollment
from app.extensions import db
from app.quizzes.models import Attempt
from tests.certificates import issuing_helpers as certificate_helpers
from tests.conftest import count_queries, seen_statements
from tests.quizzes import attempts_helpers as h
from tests.quizzes.test_attempts_completion import numbered, take

URL = "/kursus/spbe-101"


# Built once, as the services build theirs: a read is its statement object and parameters.
ENROLMENTS = (select(Enrollment.id, Enrollment.enrolled_at, Enrollment.completed_at)
              .where(Enrollment.user_id == bindparam("user_id")))
ATTEMPTS = (select(Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.needs_grading,
                   Attempt.score)
            .where(Attempt.user_id == bindparam("user_id")))
COURSE_CODES = select(Course.code, Course.jp).where(Course.id == bindparam("course_id"))


@pytest.fixture
def learner_with_attempts(app, courses, create_user, tmp_path):
    """A learner with two submitted attempts of one quiz, the second better, enrolled: the
    quiz counts the last attempt, so a page showing 100 % read them in order."""
    quiz = h.add_quiz(tmp_path, "posttest", numbered("Q", 3), kind="posttest",
                      title="Posttest Uji", pass_mark=70, max_attempts=3, grading="last",
                      shuffle_answers="false")
    user, client = h.learner(app, create_user, nip="199001012015011501")
    take(client, quiz, right=1)
    take(client, quiz, right=3)
    return user, client, quiz


def test_prefetched_reads_answer_as_each_statement_alone(app, learner_with_attempts):
    user, _client, _quiz = learner_with_attempts
    course = h.course_of()
    reads = [(ENROLMENTS, {"user_id": user.id}), (ATTEMPTS, {"user_id": user.id}),
             (COURSE_CODES, {"course_id": course.id})]
    with app.test_request_context():
        alone = [db.session.connection().execute(s, p).all() for s, p in reads]
        with seen_statements() as seen:
            batched_reads.prefetch(reads)
            together = [batched_reads.rows(s, p) for s, p in reads]
        assert len(seen) == 1
        # Same rows, same Python types (dates, datetimes, booleans, floats, strings).
        assert [sorted(map(tuple, r)) for r in together] == [sorted(map(tuple, r)) for r in alone]
        enrolled_at = together[0][0].enrolled_at
        assert isinstance(enrolled_at, datetime)
        assert {type(row.needs_grading) for row in together[1]} == {bool}
        assert {type(row.score) for row in together[1]} == {float}
        assert together[2][0].code == course.code and together[2][0].jp == course.jp
        assert len(together[1]) == 2
        # Each prefetched answer is given once: asked again, the read runs itself.
        with seen_statements() as seen:
            assert batched_reads.rows(*reads[1]) == alone[1]
        assert len(seen) == 1


def test_a_read_with_other_parameters_is_never_answered_from_the_prefetch(
        app, learner_with_attempts, create_user):
    user, _client, _quiz = learner_with_attempts
    other_id = create_user(nip="199001012015011502").id
    course_id = h.course_of().id
    with app.test_request_context():
        batched_reads.prefetch([(ATTEMPTS, {"user_id": user.id}),
                                (COURSE_CODES, {"course_id": course_id})])
        with seen_statements() as seen:
            assert batched_reads.rows(ATTEMPTS, {"user_id": other_id}) == []
        assert len(seen) == 1  # ran on its own: another user's attempts are not this one's


def test_reads_that_cannot_be_combined_are_refused(app, courses):
    with app.test_request_context():
        with pytest.raises(ValueError, match="user_id"):
            batched_reads.prefetch([(ENROLMENTS, {"user_id": 1}),
                                    (ATTEMPTS, {"user_id": 2})])
        ordered = COURSE_CODES.order_by(Course.code)
        with pytest.raises(ValueError, match="ORDER BY"):
            batched_reads.prefetch([(ordered, {"course_id": 1}), (ENROLMENTS, {"user_id": 1})])
        # One read (or none) is not worth a UNION: nothing is run or kept.
        with seen_statements() as seen:
            batched_reads.prefetch([None, (ENROLMENTS, {"user_id": 1})])
        assert seen == []


def test_prefetched_rows_stay_in_their_request(app, learner_with_attempts):
    user, _client, _quiz = learner_with_attempts
    reads = [(ENROLMENTS, {"user_id": user.id}), (ATTEMPTS, {"user_id": user.id})]
    with app.test_request_context():
        batched_reads.prefetch(reads)
    with app.test_request_context(), seen_statements() as seen:
        batched_reads.rows(*reads[0])
    assert len(seen) == 1


def test_the_course_page_reads_the_learner_in_one_statement(app, learner_with_attempts):
    """Progress, attempts and certificate: one statement after the user's own read; the page
    shows what each read says (the last attempt counts, so their order matters)."""
    user, client, _quiz = learner_with_attempts
    h.complete_all_modules(user)
    certificate = certificate_helpers.issue(h.enrollment_of(user))
    h.page(client, URL)  # the course's outline and panels, kept per content version
    with count_queries() as count, seen_statements() as seen:
        page = h.page(client, URL)
    assert count() == 2, seen
    assert "FROM user" in seen[0] or '"user"' in seen[0]
    assert all(table in seen[1] for table in ("FROM enrollment", "FROM attempt",
                                              "FROM certificate"))
    assert "Nilai: 100,0% (percobaan terakhir)" in page  # the second attempt, read in order
    assert "sisa kesempatan 1" in page
    assert f"Nomor {certificate.number}, diterbitkan" in page
    assert "Selesai pada " in page and "JP tercatat untuk tahun tersebut" in page


def test_a_visitor_course_page_reads_nothing_of_a_learner(app, courses, tmp_path):
    h.add_quiz(tmp_path, "posttest", numbered("Q", 2), kind="posttest")
    with seen_statements() as seen:
        page = h.page(app.test_client(), URL)
    assert "Posttest" in page or "Kuis posttest" in page
    assert not any(table in statement for statement in seen
                   for table in ("FROM enrollment", "FROM attempt", "FROM certificate"))


def test_batched_reads_keep_types_of_dates(app, courses, create_user):
    """A DATE column read in the second branch of the union comes back as a date."""
    user = create_user(nip="199001012015011503")
    certificate_helpers.issue(certificate_helpers.enrol(user, certificate_helpers.course()))
    from app.certificates.services import certificate_summary_read

    read = certificate_summary_read(db.session.get(User, user.id), certificate_helpers.course())
    with app.test_request_context():
        batched_reads.prefetch([(ENROLMENTS, {"user_id": user.id}), read])
        (summary,) = batched_reads.rows(*read)
    assert type(summary.issued_on) is date


def _hold_place(session, user):
    from app.workshops.models import SessionRegistration

    db.session.add(SessionRegistration(session_id=session.id, user_id=user.id,
                                       status="registered"))
    db.session.commit()


def test_the_dashboard_reads_the_learner_in_one_statement(app, learner_with_attempts):
    """Enrolments, modules read, the year's JP, workshop places and certificates: one
    statement after the user's own read; the page shows what each says, places soonest first."""
    from datetime import timedelta

    from tests.workshops.helpers import make_session

    user, client, _quiz = learner_with_attempts
    h.complete_all_modules(user)
    certificate = certificate_helpers.issue(h.enrollment_of(user))
    later = make_session(title="Sesi Kedua Nanti", starts_in=timedelta(days=9))
    sooner = make_session(title="Sesi Pertama Segera", starts_in=timedelta(days=2))
    for session in (later, sooner):
        _hold_place(session, user)
    h.page(client, "/beranda")  # the cards and lists kept per content version
    with count_queries() as count, seen_statements() as seen:
        page = h.page(client, "/beranda")
    assert count() == 2, seen
    assert all(table in seen[1] for table in ("FROM enrollment", "FROM module_progress",
                                              "jp_year_total", "FROM workshop_session",
                                              "FROM certificate"))
    assert page.index("Sesi Pertama Segera") < page.index("Sesi Kedua Nanti")
    assert certificate.course_title in page
    jp = h.course_of().jp  # the completed course's JP is this year's whole JP
    assert f'<p class="big-number"><strong>{jp}</strong> / 20 JP</p>' in page


def test_read_together_runs_only_what_was_not_prefetched(app, learner_with_attempts):
    user, _client, _quiz = learner_with_attempts
    course_id = h.course_of().id
    reads = [(ENROLMENTS, {"user_id": user.id}), (ATTEMPTS, {"user_id": user.id}),
             (COURSE_CODES, {"course_id": course_id})]
    with app.test_request_context():
        alone = [db.session.connection().execute(s, p).all() for s, p in reads]
        batched_reads.prefetch(reads[:2])
        with seen_statements() as seen:
            together = batched_reads.read_together(reads)
        assert len(seen) == 1 and "UNION" not in seen[0]  # only the third, on its own
        assert [sorted(map(tuple, r)) for r in together] == [sorted(map(tuple, r)) for r in alone]
    with seen_statements() as seen:  # outside a request: one statement, nothing kept
        assert len(batched_reads.read_together(reads)) == 3
    assert len(seen) == 1 and "UNION ALL" in seen[0]
