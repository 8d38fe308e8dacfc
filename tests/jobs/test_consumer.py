"""The queue against real consumer processes (`flask jobs worker`), on the test's database
(SQLite or PostgreSQL) and queue (the SQLite file in the test's instance folder, or Redis):
a consumer killed with SIGKILL in the middle of a bulk job, two consumers at once, retries
with backoff, a consumer stopped with SIGTERM, Redis, and what /healthz says about them.

Immediate mode (tests/jobs/test_runner.py) covers the rest; these are the behaviours that
depend on a separate process being there, dying, or being two."""

import io
import os
import signal
import subprocess
import sys
import time
import uuid

import pypdf
import pytest
from huey.storage import RedisStorage
from sqlalchemy import select, text

from app.certificates import services
from app.certificates.jobs import start_issuing
from app.certificates.models import Certificate
from app.extensions import db
from app.jobs import queue
from app.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job
from config import TestConfig
from tests.certificates import issuing_helpers as h
from tests.conftest import ROOT, submit

# The consumers' timings, short enough for a test (production: 10 s, 120 s, 30 s).
TIMINGS = {"JOB_HEARTBEAT_SECONDS": 1, "JOB_STALE_SECONDS": 3, "JOB_RETRY_SECONDS": 1}
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def live_queue(app):
    """This process puts messages on the real queue (not immediate) that the consumers
    read, with their timings; immediate mode is back for the next test."""
    app.config.update(JOBS_IMMEDIATE=False, **TIMINGS)
    queue.configure_queue(app)
    yield queue.huey
    app.config["JOBS_IMMEDIATE"] = True
    queue.configure_queue(app)


@pytest.fixture
def consumers(app, database_url, live_queue, tmp_path):
    """Factory: consumers.start(*options) runs `flask jobs worker` on the test's database and
    queue and returns once its heartbeat is in the queue; every one is killed at teardown."""
    started = []

    class Consumers:
        @staticmethod
        def start(*options):
            log = open(tmp_path / f"consumer-{len(started) + 1}.log", "wb")
            process = subprocess.Popen(
                # No periodic jobs: one falling due mid-test would add jobs nobody asked for.
                [sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "worker",
                 "--no-periodic", *options],
                cwd=ROOT, env=_consumer_env(app, database_url), stdout=log,
                stderr=subprocess.STDOUT)
            started.append((process, log))
            _wait_until(lambda: _beating(process), 30,
                        lambda: f"consumer never beat:\n{Consumers.log()}")
            return process

        @staticmethod
        def log():
            return "\n".join((tmp_path / f"consumer-{n}.log").read_text(errors="replace")[-3000:]
                             for n in range(1, len(started) + 1))

    yield Consumers
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()


def _consumer_env(app, database_url):
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update({
        "LMS_DATABASE_URL": database_url,
        "LMS_INSTANCE_PATH": app.instance_path,
        "LMS_SECRET_KEY": app.config["SECRET_KEY"].ljust(32, "0"),  # start-up checks: 32+
        "LMS_COURSES_DIR": app.config["COURSES_DIR"],
        "LMS_JOBS_IMMEDIATE": "0",
        "LMS_JOBS_QUEUE": app.config["JOBS_QUEUE_NAME"],
        "LMS_CERTIFICATE_SIGNER_NAME": TestConfig.CERTIFICATE_SIGNER_NAME,
        "LMS_CERTIFICATE_SIGNER_NIP": TestConfig.CERTIFICATE_SIGNER_NIP,
        **{f"LMS_{key}": str(value) for key, value in TIMINGS.items()},
    })
    if app.config.get("REDIS_URL"):
        env["LMS_REDIS_URL"] = app.config["REDIS_URL"]
    return env


def _beating(process):
    if process.poll() is not None:
        raise AssertionError(f"consumer exited with {process.returncode}")
    beat = queue.last_heartbeat()
    return beat is not None and beat["worker"].endswith(f":{process.pid}")


def _wait_until(condition, seconds, message="timed out", poll=0.05):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(poll)


def job_now(job_id):
    """The job as committed now (this test's own transaction ended, so it holds no lock)."""
    db.session.rollback()
    return db.session.get(Job, job_id)


def wait_for_end(job_id, consumers, seconds=90):
    _wait_until(lambda: job_now(job_id).state in (SUCCEEDED, FAILED), seconds,
                lambda: f"job {job_id} did not end: {job_now(job_id).state}\n{consumers.log()}")
    return job_now(job_id)


@pytest.fixture
def admin(create_user):
    return create_user(nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")


def waiting_learners(create_user, slug, count, prefix):
    """`count` learners who completed the course and wait for its certificate."""
    course = h.course(slug)
    return [h.enrol(create_user(name=f"{prefix} {n:02d}"), course) for n in range(count)]


def start_bulk(slug, admin, max_attempts=None):
    job = start_issuing("course", h.course(slug), None, admin)
    if max_attempts is not None:
        job.max_attempts = max_attempts
    db.session.commit()  # the message goes on the queue with this commit
    return job.id


def assert_issued_once_each(enrollments):
    """One valid certificate per enrolment, numbers 1..n in a row, every stored PDF whole and
    carrying its own number."""
    db.session.rollback()
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.sequence)).all()
    assert sorted(c.enrollment_id for c in certificates) == sorted(e.id for e in enrollments)
    assert all(c.is_valid for c in certificates)
    assert [c.sequence for c in certificates] == list(range(1, len(enrollments) + 1))
    assert len({c.number for c in certificates}) == len(certificates)
    for certificate in certificates:
        page = pypdf.PdfReader(io.BytesIO(certificate.pdf)).pages[0]
        assert certificate.number in " ".join(page.extract_text().split())
    issue_events = h.events("certificate.issue")
    assert sorted(int(e.object_id) for e in issue_events) == sorted(c.id for c in certificates)
    return certificates


# --- a consumer killed in the middle of a job -------------------------------------------------

def test_a_consumer_killed_mid_job_leaves_no_duplicate_gap_or_half_pdf(
        app, courses, create_user, admin, consumers):
    waiting = waiting_learners(create_user, "spbe-101", 40, "Peserta")
    first = consumers.start()
    job_id = start_bulk("spbe-101", admin)
    _wait_until(lambda: job_now(job_id).progress_done >= 5, 60,
                lambda: f"no progress\n{consumers.log()}", poll=0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed = job_now(job_id)
    assert killed.state == RUNNING and 5 <= killed.progress_done < 40, killed.progress_done

    consumers.start()  # its sweep finds the heartbeat stale and runs the job again
    job = wait_for_end(job_id, consumers)
    assert job.state == SUCCEEDED and job.attempts == 2, job.error
    assert (job.progress_done, job.summary["issued"]) == (40, 40)
    assert_issued_once_each(waiting)
    assert services.eligible_enrollments(h.course()) == []


# --- two consumers at once --------------------------------------------------------------------

def test_two_consumers_and_a_manual_issue_share_one_number_sequence(
        app, courses, create_user, admin, consumers):
    spbe = waiting_learners(create_user, "spbe-101", 12, "SPBE")
    kam = waiting_learners(create_user, "kam-201", 12, "KAM")
    by_hand = waiting_learners(create_user, "duk-201", 6, "DUK")
    first, second = consumers.start("--workers", "1"), consumers.start("--workers", "1")
    jobs = [start_bulk("spbe-101", admin), start_bulk("kam-201", admin)]
    for enrollment in by_hand:  # a third issuer, in this process, while both jobs run
        services.issue_certificate(enrollment, admin, short_transactions=True)
        db.session.commit()
    ended = [wait_for_end(job_id, consumers) for job_id in jobs]
    assert [job.state for job in ended] == [SUCCEEDED, SUCCEEDED]
    assert [job.summary["issued"] for job in ended] == [12, 12], [j.summary for j in ended]
    assert {job.worker.rsplit(":", 1)[1] for job in ended} == {str(first.pid), str(second.pid)}
    assert_issued_once_each(spbe + kam + by_hand)


# --- a system failure -------------------------------------------------------------------------

def test_a_system_failure_is_retried_with_backoff_then_fails_visibly_and_can_be_retried(
        app, courses, create_user, admin, consumers):
    """The consumer meets a database without the audit table (as after a migration that was
    not applied): each attempt fails after inserting its first certificate and leaves
    nothing; retried after 1 s, then 2 s, then reported; an admin's retry finishes it."""
    waiting = waiting_learners(create_user, "spbe-101", 2, "Peserta")
    consumers.start()
    db.session.execute(text("ALTER TABLE audit_event RENAME TO audit_event_away"))
    db.session.commit()
    try:
        job_id = start_bulk("spbe-101", admin, max_attempts=3)
        seen = {}  # attempts -> when this test first saw them

        def failed():
            job = job_now(job_id)
            seen.setdefault(job.attempts, time.monotonic())
            return job.state == FAILED

        _wait_until(failed, 30, lambda: f"never failed\n{consumers.log()}", poll=0.02)
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_event_away RENAME TO audit_event"))
        db.session.commit()
    job = job_now(job_id)
    assert job.attempts == 3 and "Gagal setelah 3 percobaan" in job.error
    assert "Kesalahan sistem" in job.error
    first_retry, second_retry = seen[2] - seen[1], seen[3] - seen[2]
    assert 0.9 <= first_retry < 5 and 1.9 <= second_retry < 6, (first_retry, second_retry)
    assert h.all_certificates() == []

    client = h.login_as(app, admin.nip)
    page = h.html(client, f"/admin/tugas/{job_id}")
    assert "Gagal" in page and "Gagal setelah 3 percobaan" in page
    submit(client, f"/admin/tugas/{job_id}", {}, post_url=f"/admin/tugas/{job_id}/ulang")
    job = wait_for_end(job_id, consumers)
    assert job.state == SUCCEEDED and job.error is None
    assert_issued_once_each(waiting)


# --- SIGTERM ----------------------------------------------------------------------------------

def test_sigterm_gives_the_running_job_back_and_the_next_consumer_finishes_it(
        app, courses, create_user, admin, consumers):
    waiting = waiting_learners(create_user, "spbe-101", 20, "Peserta")
    first = consumers.start()
    job_id = start_bulk("spbe-101", admin)
    _wait_until(lambda: job_now(job_id).progress_done >= 3, 60,
                lambda: f"no progress\n{consumers.log()}", poll=0.01)
    first.send_signal(signal.SIGTERM)
    assert first.wait(15) == 0
    given_back = job_now(job_id)
    assert given_back.state == QUEUED and given_back.worker is None
    assert given_back.progress_done < 20
    assert queue.queue_length() == 1  # back in the queue at once, not after a sweep

    consumers.start()
    job = wait_for_end(job_id, consumers, seconds=60)
    assert job.state == SUCCEEDED and job.attempts == 2
    assert_issued_once_each(waiting)


# --- Redis ------------------------------------------------------------------------------------

def _redis_problem(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is not reachable ({error})"
    return None


@pytest.fixture
def redis_queue(app):
    """The queue in Redis under a name of this test's own, emptied afterwards."""
    problem = _redis_problem(REDIS_URL)
    if problem:
        pytest.skip(problem)
    name = f"kompeten-test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME=name)
    yield
    RedisStorage(name, url=REDIS_URL).flush_all()


def test_a_bulk_job_runs_on_a_consumer_reading_redis(
        app, courses, create_user, admin, redis_queue, consumers):
    waiting = waiting_learners(create_user, "spbe-101", 5, "Peserta")
    consumers.start()
    assert "Redis" in type(queue.huey.storage).__name__
    job = wait_for_end(start_bulk("spbe-101", admin), consumers)
    assert job.state == SUCCEEDED
    assert_issued_once_each(waiting)
    assert not queue.queue_file(app).exists()  # nothing went through the SQLite queue


# --- /healthz ---------------------------------------------------------------------------------

def test_healthz_follows_the_consumer_and_the_queue(app, client, create_user, admin, courses,
                                                   consumers):
    assert client.get("/healthz").get_json()["jobs"] == {"consumer": "missing",
                                                         "queue_length": 0}
    process = consumers.start()
    jobs = client.get("/healthz").get_json()["jobs"]
    assert jobs["consumer"] == "ok" and jobs["worker"].endswith(f":{process.pid}")
    process.send_signal(signal.SIGKILL)
    process.wait(10)

    waiting_learners(create_user, "spbe-101", 1, "Peserta")
    start_bulk("spbe-101", admin)  # nobody reads it now
    _wait_until(lambda: client.get("/healthz").get_json()["jobs"]["consumer"] == "stale", 10)
    response = client.get("/healthz")
    assert response.status_code == 200  # a dead consumer does not take the web worker out
    assert response.get_json()["jobs"]["queue_length"] == 1
