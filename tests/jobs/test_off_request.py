"""Heavy work never runs inside a web request: with a real (not immediate) queue and no
consumer running, the admin's bulk issue and a learner's completion of an 'auto' course only
record a job; nothing is rendered until the job runs."""

import pytest

from app.certificates import services
from app.extensions import db
from app.jobs import queue, runner
from app.jobs.models import QUEUED, SUCCEEDED, Job
from tests.certificates import issuing_helpers as h
from tests.conftest import submit


@pytest.fixture
def queued(app):
    """The queue as in production (a SQLite file in the test's instance folder), no consumer;
    immediate mode is back for the next test."""
    app.config["JOBS_IMMEDIATE"] = False
    queue.configure_queue(app)
    yield queue.huey
    app.config["JOBS_IMMEDIATE"] = True
    queue.configure_queue(app)


@pytest.fixture
def no_rendering(monkeypatch):
    def refuse(document):
        raise AssertionError("a PDF was rendered inside the request")

    monkeypatch.setattr(services, "_render", refuse)
    return monkeypatch


def test_bulk_issue_only_queues_a_job_and_the_page_shows_it_waiting(
        app, courses, create_user, queued, no_rendering):
    spbe = h.course()
    for n in range(3):
        h.enrol(create_user(name=f"Peserta {n}"), spbe)
    create_user(nip=h.ADMIN_NIP, roles=("admin",))
    client = h.login_as(app, h.ADMIN_NIP)
    page = submit(client, "/admin/sertifikat/spbe-101", {"aksi": "semua"}).get_data(as_text=True)
    assert "Menunggu" in page and "0 dari 3 diterbitkan" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert h.all_certificates() == [] and queued.pending_count() == 1
    # The issuing page shows the job in progress when the admin comes back.
    again = h.html(client, "/admin/sertifikat/spbe-101")
    assert "Penerbitan sedang berjalan di latar: 0 dari 3 diterbitkan." in again
    # A second click does not start a second job.
    submit(client, "/admin/sertifikat/spbe-101", {"aksi": "semua"})
    assert db.session.query(Job).count() == 1

    no_rendering.undo()
    [job] = db.session.query(Job).all()
    runner.run_job(job.id)  # what the consumer does with the message
    db.session.refresh(job)
    assert job.state == SUCCEEDED
    assert [c.sequence for c in h.all_certificates()] == [1, 2, 3]
    done = h.html(client, f"/admin/tugas/{job.id}")
    assert "3 dari 3 diterbitkan" in done and "http-equiv" not in done


def test_completing_an_auto_course_renders_nothing_in_the_learners_request(
        app, courses, create_user, queued, no_rendering):
    course = h.course("kam-201")
    course.certificate_policy = "auto"
    db.session.commit()
    learner = create_user(name="Andi Otomatis")
    client = h.login_as(app, learner.nip)
    h.post_button(client, "/kursus/kam-201", "/kursus/kam-201/daftar")
    for module in h.modules(course):
        url = f"/kursus/kam-201/modul/{module.slug}"
        assert h.post_button(client, url, f"{url}/selesai").status_code == 302
    assert h.all_certificates() == []
    [job] = db.session.query(Job).all()
    assert job.state == QUEUED and job.kind == "certificates.auto" and job.created_by_id is None

    no_rendering.undo()
    runner.run_job(job.id)
    [certificate] = h.all_certificates()
    assert certificate.user_id == learner.id and certificate.issued_by_id is None


def test_a_queue_that_cannot_take_the_message_loses_nothing(
        app, courses, create_user, queued, monkeypatch):
    """Redis down at the moment of the click: the admin still gets the job page; the job is
    sent by the consumer's sweep later."""
    spbe = h.course()
    h.enrol(create_user(name="Peserta"), spbe)
    create_user(nip=h.ADMIN_NIP, roles=("admin",))
    client = h.login_as(app, h.ADMIN_NIP)

    def broken(*args, **kwargs):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(queue.huey.storage, "enqueue", broken)
    response = submit(client, "/admin/sertifikat/spbe-101", {"aksi": "semua"})
    assert response.status_code == 200 and "0 dari 1 diterbitkan" in response.get_data(True)
    [job] = db.session.query(Job).all()
    assert job.state == QUEUED and queued.pending_count() == 0
    monkeypatch.undo()
    app.config["JOB_STALE_SECONDS"] = 0
    assert runner.requeue_lost_jobs() == [job.id]
    assert queued.pending_count() == 1


def test_the_job_list_costs_the_same_queries_for_many_jobs(app, client, create_user, login,
                                                          queries):
    admin = create_user(roles=("admin",))
    login(admin.nip)

    def add_jobs(n):
        db.session.add_all(Job(kind="certificates.issue", created_by_id=admin.id,
                               params_json='{"label": "SPBE-101"}') for _ in range(n))
        db.session.commit()

    def count():
        with queries() as n:
            assert client.get("/admin/tugas/").status_code == 200
        return n()

    add_jobs(3)
    few = count()
    add_jobs(30)
    assert count() == few
