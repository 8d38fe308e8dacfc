"""Periodic jobs: each runs as an ordinary job (visible in /admin/tugas, started by the
system), can be turned off by its setting, and is scheduled in WITA."""

import sqlite3
from datetime import datetime, timedelta

import pytest

from app.database import utcnow
from app.extensions import db
from app.jobs import periodic, queue, runner
from app.jobs.models import SUCCEEDED, Job
from app.operations import nightly_backup
from app.quizzes import services as quiz_services
from app.settings import set_setting
from tests.quizzes import attempts_helpers as h

TIMED = """
::T1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{=Palu ~Donggala ~Poso}

::T2 Naskah dinas::Aplikasi umum untuk naskah dinas elektronik bernama ...{=SRIKANDI}
"""


def _run(name):
    job = periodic.start_periodic(name)
    db.session.refresh(job)
    return job


def test_the_periodic_jobs_are_registered_with_their_schedules(app):
    assert set(periodic.PERIODIC) == {"nightly_backup", "close_overdue_attempts",
                                      "expire_results", "mail_retry", "mail_digest",
                                      "workshop_reminders", "jp_reminders",
                                      "prune_notifications"}
    # Huey's scheduler asks every minute with a naive UTC timestamp; 02:00 WITA is 18:00 UTC.
    task = queue.huey._registry._registry["app.jobs.periodic.periodic_jobs"]
    assert task.validate_datetime(None, datetime(2026, 12, 5, 18, 0))
    assert set(periodic._due(datetime(2026, 12, 5, 18, 0))) == {"nightly_backup",
                                                                "close_overdue_attempts"}
    assert set(periodic._due(datetime(2026, 12, 5, 18, 30))) == {"close_overdue_attempts",
                                                                 "expire_results"}
    assert periodic._due(datetime(2026, 12, 5, 18, 7)) == []
    assert not task.validate_datetime(None, datetime(2026, 12, 5, 18, 7))
    set_setting("backup.hour", 23)
    db.session.commit()
    assert "nightly_backup" in periodic._due(datetime(2026, 12, 5, 15, 0))  # 23:00 WITA


def test_the_nightly_backup_copies_a_consistent_database_and_keeps_the_newest(app, create_user):
    if db.engine.url.get_backend_name() != "sqlite":
        job = _run("nightly_backup")
        assert job.state == SUCCEEDED and job.summary["skipped"] == "postgresql"
        return
    create_user(name="Pegawai Tercadang")
    folder = nightly_backup.backups_folder()
    folder.mkdir(parents=True)
    for day in range(1, 4):  # three older backups; keep 2 in all
        (folder / f"kompeten-2026110{day}-020000.db").write_bytes(b"lama")
    set_setting("backup.keep", 2)
    db.session.commit()
    job = _run("nightly_backup")
    assert job.state == SUCCEEDED and job.created_by_id is None
    kept = sorted(path.name for path in folder.glob("kompeten-*.db"))
    assert kept == ["kompeten-20261103-020000.db", job.summary["file"]]
    copy = sqlite3.connect(folder / job.summary["file"])
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [row[0] for row in copy.execute("SELECT name FROM user")]
    finally:
        copy.close()
    assert "Pegawai Tercadang" in names
    assert oct((folder / job.summary["file"]).stat().st_mode & 0o777) == "0o640"


def test_a_periodic_job_turned_off_does_not_run(app):
    set_setting("backup.nightly", False)
    db.session.commit()
    assert periodic.start_periodic("nightly_backup") is None
    assert db.session.query(Job).count() == 0


@pytest.fixture
def timed(courses, tmp_path):
    return h.add_quiz(tmp_path, "berwaktu", TIMED, time_limit=10, shuffle_answers="false")


def test_overdue_attempts_are_closed_and_graded_with_what_was_saved(app, create_user, timed):
    late, in_time = create_user(name="Lupa Kirim"), create_user(name="Masih Mengerjakan")
    for user in (late, in_time):
        h.enrol(user)
    long_ago = utcnow() - timedelta(minutes=30)
    overdue = quiz_services.start_attempt(late, timed, now=long_ago)
    db.session.commit()
    slot = {s.snapshot["name"]: s for s in overdue.slots}
    quiz_services.save_responses(overdue, {slot["T2 Naskah dinas"].id: {"text": "SRIKANDI"}},
                                 now=long_ago + timedelta(minutes=2))
    current = quiz_services.start_attempt(in_time, timed)
    db.session.commit()
    overdue_id, current_id = overdue.id, current.id

    job = _run("close_overdue_attempts")
    assert job.state == SUCCEEDED and job.summary["closed"] == 1
    closed, still_open = h.attempt(overdue_id), h.attempt(current_id)
    assert closed.state == "submitted" and closed.submitted_at == closed.deadline_at
    assert closed.score == 50.0  # the saved answer counted, the unanswered one did not
    assert still_open.state == "in_progress"


def test_expired_results_are_deleted_and_old_job_records_pruned(app, client, create_user, login):
    admin = create_user(roles=("admin",))
    now = utcnow()
    old = Job(kind="certificates.issue", state=SUCCEEDED, created_by_id=admin.id,
              created_at=now - timedelta(days=100), finished_at=now - timedelta(days=100))
    export = Job(kind="certificates.issue", state=SUCCEEDED, created_by_id=admin.id,
                 finished_at=now - timedelta(days=8), result_name="riwayat.csv",
                 result_expires_at=now - timedelta(days=1))
    db.session.add_all([old, export])
    db.session.commit()
    folder = runner.results_root() / str(export.id)
    folder.mkdir(parents=True)
    (folder / "riwayat.csv").write_text("nip,nama\n")
    export.result_path = f"{export.id}/riwayat.csv"
    db.session.commit()
    export_id, old_id = export.id, old.id

    job = _run("expire_results")
    assert job.summary == {"expired_files": 1, "pruned_jobs": 1}
    assert db.session.get(Job, old_id) is None and not folder.exists()
    login(admin.nip)
    page = client.get(f"/admin/tugas/{export_id}/unduh", follow_redirects=True)
    assert "tidak tersedia lagi" in page.get_data(as_text=True)


def test_the_job_list_shows_each_periodic_job_and_its_last_run(app, client, create_user, login):
    login(create_user(roles=("admin",)).nip)
    set_setting("quizzes.close_overdue", False)
    db.session.commit()
    job = _run("expire_results")
    page = client.get("/admin/tugas/").get_data(as_text=True)
    assert "Cadangan malam" in page and "setiap hari pukul 02.00 WITA" in page
    assert "Tutup percobaan kuis yang lewat waktu" in page and "Dimatikan" in page
    assert f"/admin/tugas/{job.id}" in page and "Sistem (terjadwal)" in page


def test_run_periodic_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run-periodic", "expire_results"])
    assert result.exit_code == 0 and "Selesai" in result.output
    unknown = app.test_cli_runner().invoke(args=["jobs", "run-periodic", "tidak-ada"])
    assert unknown.exit_code == 1 and "nightly_backup" in unknown.output
