"""The job runner in immediate mode: a job runs after the commit that started it, reports
progress, retries with backoff on a system failure, fails at once on a domain error, and an
admin sees and retries it on /admin/tugas."""

import pytest

from app.extensions import db
from app.jobs import queue, runner, services
from app.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job
from tests.conftest import submit

CALLS = []


def _count_to_three(context):
    for step in range(1, 4):
        CALLS.append(step)
        context.summary["last"] = step
        context.progress(step, total=3)


def _always_breaks(context):
    CALLS.append("x")
    raise OSError("disk full")


def _refuses(context):
    raise runner.JobError("Penanda tangan belum diisi.")


@pytest.fixture(autouse=True)
def kinds():
    CALLS.clear()
    runner.register_job_kind("test.count", _count_to_three, lambda params: "Hitung",
                             max_attempts=3)
    runner.register_job_kind("test.break", _always_breaks, lambda params: "Rusak",
                             max_attempts=2)
    runner.register_job_kind("test.refuse", _refuses, lambda params: "Tolak")
    yield
    for name in ("test.count", "test.break", "test.refuse"):
        runner.JOB_KINDS.pop(name)


def test_a_job_runs_only_after_the_commit_that_started_it(app, create_user):
    admin = create_user(roles=("admin",))
    job = services.start_job("test.count", {}, admin)
    assert CALLS == []  # not before the commit
    db.session.commit()
    assert CALLS == [1, 2, 3]
    db.session.refresh(job)
    assert (job.state, job.progress_done, job.progress_total) == (SUCCEEDED, 3, 3)
    assert job.summary == {"last": 3} and job.attempts == 1 and job.finished_at


def test_a_savepoint_inside_the_transaction_does_not_send_the_job_early(app, create_user):
    """Services take savepoints (start_attempt, issue_certificate); SQLAlchemy reports their
    release as a commit, but the job's row is not committed yet: it runs at the real commit,
    also when a later savepoint is rolled back."""
    admin = create_user(roles=("admin",))
    services.start_job("test.count", {}, admin)
    with db.session.begin_nested():
        admin.name = "Admin Kota Palu"
    try:
        with db.session.begin_nested():
            admin.name = "Dibatalkan"
            raise ValueError("undone")
    except ValueError:
        pass
    assert CALLS == []
    db.session.commit()
    assert CALLS == [1, 2, 3]


def test_a_rolled_back_job_never_runs(app, create_user):
    services.start_job("test.count", {}, create_user())
    db.session.rollback()
    db.session.commit()
    assert CALLS == [] and db.session.query(Job).count() == 0


def test_a_system_failure_is_retried_with_backoff_then_fails_visibly(app, create_user):
    job = services.start_job("test.break", {}, create_user(roles=("admin",)))
    db.session.commit()  # first attempt runs now; huey keeps the retry in its schedule
    db.session.refresh(job)
    assert job.state == QUEUED and job.attempts == 1 and job.retry_at is not None
    assert "Dicoba lagi otomatis" in job.error
    with pytest.raises(runner.RetryLater):
        pass_through_retry(job.id)  # second and last attempt
    db.session.refresh(job)
    assert job.state == FAILED and job.attempts == 2 and CALLS == ["x", "x"]
    assert "Gagal setelah 2 percobaan" in job.error


def pass_through_retry(job_id):
    """Run a job as the consumer would; re-raise RetryLater only when it asks for one."""
    runner.run_job(job_id)
    raise runner.RetryLater(0)


def test_backoff_doubles(app):
    base = app.config["JOB_RETRY_SECONDS"]
    assert [runner.retry_delay(n) for n in (1, 2, 3)] == [base, 2 * base, 4 * base]


def test_a_domain_refusal_fails_at_once_with_its_message(app, create_user):
    job = services.start_job("test.refuse", {}, create_user())
    db.session.commit()
    db.session.refresh(job)
    assert job.state == FAILED and job.attempts == 1
    assert job.error == "Penanda tangan belum diisi."


def test_a_job_is_claimed_once(app, create_user):
    job = services.start_job("test.count", {}, create_user())
    db.session.commit()
    runner.run_job(job.id)  # a second message for the same job: nothing happens
    assert CALLS == [1, 2, 3]


def test_a_subject_gets_one_job_at_a_time(app, create_user):
    user = create_user()
    job = Job(kind="test.count", subject_key="course:1", state=RUNNING, created_by_id=user.id)
    db.session.add(job)
    db.session.commit()
    assert services.start_job("test.count", {}, user, subject_key="course:1").id == job.id


def test_a_stale_running_job_is_sent_again_and_finishes(app, create_user):
    from datetime import timedelta

    from app.database import utcnow

    user = create_user()
    old = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 5)
    job = Job(kind="test.count", state=RUNNING, created_by_id=user.id, attempts=1,
              heartbeat_at=old, created_at=old)
    fresh = Job(kind="test.count", state=RUNNING, created_by_id=user.id, attempts=1,
                heartbeat_at=utcnow())
    db.session.add_all([job, fresh])
    db.session.commit()
    assert runner.requeue_lost_jobs() == [job.id]
    db.session.refresh(job)
    db.session.refresh(fresh)
    assert job.state == SUCCEEDED and job.attempts == 2
    assert fresh.state == RUNNING


def test_admin_lists_and_retries_a_failed_job(app, client, create_user, login):
    admin = create_user(roles=("admin",))
    job = services.start_job("test.refuse", {}, admin)
    db.session.commit()
    login(admin.nip)
    page = client.get("/admin/tugas/").get_data(as_text=True)
    assert "Tolak" in page and "Gagal" in page and "Penanda tangan belum diisi." in page
    assert admin.name in page
    shown = client.get(f"/admin/tugas/{job.id}").get_data(as_text=True)
    assert "http-equiv=\"refresh\"" not in shown  # finished: no more refreshing
    runner.register_job_kind("test.refuse", _count_to_three, lambda params: "Tolak")
    response = submit(client, f"/admin/tugas/{job.id}", {}, post_url=f"/admin/tugas/{job.id}/ulang")
    assert "Tugas dijalankan lagi." in response.get_data(as_text=True)
    db.session.refresh(job)
    assert job.state == SUCCEEDED and job.error is None


def test_a_running_job_page_refreshes_itself_and_reports_json(app, client, create_user, login):
    admin = create_user(roles=("admin",))
    job = Job(kind="test.count", state=RUNNING, created_by_id=admin.id, progress_done=137,
              progress_total=500)
    db.session.add(job)
    db.session.commit()
    login(admin.nip)
    page = client.get(f"/admin/tugas/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "137 dari 500" in page
    data = client.get(f"/admin/tugas/{job.id}/status.json").get_json()
    assert data["done"] == 137 and data["total"] == 500 and data["finished"] is False


def test_other_people_cannot_see_a_job(app, client, create_user, login):
    admin = create_user(roles=("admin",))
    job = services.start_job("test.count", {}, admin)
    db.session.commit()
    login(create_user(roles=("trainer",)).nip)
    assert client.get(f"/admin/tugas/{job.id}").status_code == 403
    assert client.get(f"/admin/tugas/{job.id}/status.json").status_code == 403
    assert client.get("/admin/tugas/").status_code == 403


def test_healthz_reports_the_queue(app, client):
    assert client.get("/healthz").get_json()["jobs"] == {"consumer": "immediate"}
    assert queue.huey.immediate
