"""One certificate of a bulk job is one transaction: the certificate, its audit event and the
job's progress commit together or not at all (on SQLite too, where releasing an outermost
savepoint is already a commit), and racing job steps still get consecutive numbers."""

from datetime import UTC, datetime

import pytest

from app.certificates import services
from app.certificates.jobs import start_issuing
from app.courses.models import Enrollment
from app.extensions import db
from app.jobs.models import QUEUED, Job
from tests.certificates import issuing_helpers as h

THREADS = 4


@pytest.fixture
def waiting(courses, create_user):
    spbe = h.course("spbe-101")
    return lambda: h.enrol(create_user(), spbe)


def test_a_step_that_fails_after_its_insert_leaves_no_certificate(app, waiting, monkeypatch):
    waiting()

    def audit_fails(*args, **kwargs):
        raise OSError("audit log unavailable")

    monkeypatch.setattr(services, "record_event", audit_fails)
    job = start_issuing("course", h.course("spbe-101"), None, None)
    db.session.commit()  # immediate mode: the first attempt runs now and fails
    job = db.session.get(Job, job.id)
    assert job.state == QUEUED and job.attempts == 1 and job.progress_done == 0
    assert h.all_certificates() == []  # no certificate without its audit event and progress


def test_racing_job_steps_get_distinct_consecutive_numbers(app, waiting):
    enrolment_ids = [waiting().id for _ in range(THREADS)]
    when = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    db.session.commit()

    def issue_one(index, barrier):
        enrollment = db.session.get(Enrollment, enrolment_ids[index])
        assert enrollment.user.name and enrollment.course.title
        barrier.wait()
        certificate = services.issue_certificate(enrollment, None, now=when,
                                                 short_transactions=True)
        db.session.commit()
        return certificate.sequence

    assert sorted(h.run_together(app, issue_one, THREADS)) == list(range(1, THREADS + 1))
    rows = h.all_certificates()
    assert sorted(c.enrollment_id for c in rows) == sorted(enrolment_ids)
    assert len(h.events("certificate.issue")) == THREADS
