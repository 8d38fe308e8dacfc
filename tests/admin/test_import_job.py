"""A people import over the inline limit (lowered here) runs as a background job after its
preview: every person is created once, in batches; running the job again creates nothing more;
the one-time password list goes only to the admin who started it, for a day."""

from pathlib import Path

import pytest

from app.admin import import_job
from app.auth.passwords import verify_password
from app.extensions import db
from app.jobs import runner
from app.jobs.models import SUCCEEDED, Job
from tests.admin.test_people_import import (
    ADMIN_NIP,
    confirm,
    csv_bytes,
    logged_in,
    many_rows,
    read_passwords,
    upload,
    user_by_nip,
    user_count,
    valid_nip,
)


def downloaded(client, url):
    response = client.get(url)
    response.get_data()
    response.close()  # a sent file is closed once read
    return response


@pytest.fixture
def admin(create_user, agencies):
    return create_user(nip=ADMIN_NIP, name="Admin BKPSDM", roles=("admin", "learner"))


@pytest.fixture
def small_limit(app, monkeypatch):
    app.config["IMPORT_INLINE_MAX_ROWS"] = 5
    monkeypatch.setattr(import_job, "IMPORT_BATCH_ROWS", 4)  # 12 rows: three batches


def test_a_big_import_is_a_job_that_creates_everyone_once(app, admin, small_limit):
    client = logged_in(app, ADMIN_NIP)
    before = user_count()
    page = upload(client, csv_bytes(many_rows(12)))
    started = confirm(client, page)
    assert started.status_code == 302 and started.headers["Location"].startswith("/admin/tugas/")
    [job] = db.session.query(Job).all()
    assert job.state == SUCCEEDED and job.kind == "users.import"
    assert user_count() == before + 12
    assert not list((Path(app.instance_path) / "job-inputs").glob("*.csv"))  # input deleted

    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "12 dari 12 baris diproses" in job_page and "12 akun baru, 0 diperbarui." in job_page
    passwords = read_passwords(downloaded(client, f"/admin/tugas/{job.id}/unduh"))
    assert len(passwords) == 12
    name, password = passwords[valid_nip(7)]
    assert name == "Pegawai 7" and user_by_nip(valid_nip(7)).must_change_password
    assert verify_password(user_by_nip(valid_nip(7)).password_hash, password)
    assert job.result_expires_at is not None

    # The same job run again (a duplicate message after a crash): nothing more is created.
    job.state = "queued"
    db.session.commit()
    import_job.input_path(job.id).write_bytes(csv_bytes(many_rows(12)))
    runner.run_job(job.id)
    assert user_count() == before + 12


def test_a_run_that_stopped_half_way_finishes_the_rest(app, admin, small_limit, monkeypatch):
    """The consumer died after the first batch: the next run creates the rest, and the
    password list has every new person's password that works."""
    client = logged_in(app, ADMIN_NIP)
    before = user_count()
    real_write = import_job._write_batch
    calls = []

    def die_after_first(batch, partial, summary):
        if calls:
            raise RuntimeError("consumer killed")
        calls.append(1)
        real_write(batch, partial, summary)

    monkeypatch.setattr(import_job, "_write_batch", die_after_first)
    confirm(client, upload(client, csv_bytes(many_rows(12))))
    [job] = db.session.query(Job).all()
    db.session.refresh(job)
    assert job.state == "queued" and user_count() == before + 4  # one batch committed

    monkeypatch.setattr(import_job, "_write_batch", real_write)
    runner.run_job(job.id)
    db.session.refresh(job)
    assert job.state == SUCCEEDED and user_count() == before + 12
    passwords = read_passwords(downloaded(client, f"/admin/tugas/{job.id}/unduh"))
    assert len(passwords) == 12
    for index in (0, 11):
        assert verify_password(user_by_nip(valid_nip(index)).password_hash,
                               passwords[valid_nip(index)][1])


def test_the_password_list_is_only_for_the_admin_who_started(app, admin, create_user,
                                                             small_limit):
    create_user(nip="198001012005011010", roles=("admin",))
    client = logged_in(app, ADMIN_NIP)
    confirm(client, upload(client, csv_bytes(many_rows(6))))
    [job] = db.session.query(Job).all()
    other = logged_in(app, "198001012005011010")
    assert other.get(f"/admin/tugas/{job.id}/unduh").status_code == 404
    response = downloaded(client, f"/admin/tugas/{job.id}/unduh")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]


def test_a_small_import_stays_immediate(app, admin):
    client = logged_in(app, ADMIN_NIP)
    response = confirm(client, upload(client, csv_bytes(many_rows(3))))
    assert response.status_code == 200 and len(read_passwords(response)) == 3
    assert db.session.query(Job).count() == 0


def test_cli_import_of_a_big_file_is_a_job_and_writes_the_password_list(app, agencies,
                                                                       tmp_path, small_limit):
    import csv
    import io
    import stat

    path, out = tmp_path / "asn.csv", tmp_path / "kata-sandi.csv"
    path.write_bytes(csv_bytes(many_rows(9)))
    before = user_count()
    result = app.test_cli_runner().invoke(args=["users", "import", str(path),
                                                "--passwords-out", str(out)])
    assert result.exit_code == 0, result.output
    assert "9 baris diimpor di latar" in result.output and "9 baru, 0 diperbarui" in result.output
    assert user_count() == before + 9
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes()[3:].decode()), delimiter=";"))
    assert len(rows) == 10 and all(row[2] not in result.output for row in rows[1:])
    [job] = db.session.query(Job).all()
    assert job.result_path is None  # the list left the job's folder for --passwords-out
    assert not any((Path(app.instance_path) / "job-results" / str(job.id)).glob("*.csv"))
