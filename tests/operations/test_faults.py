"""Faults injected into a running app, as an operator meets them: the database busy beyond its
timeout (SQLite) or its connections killed mid-request (PostgreSQL), the error page itself
unable to reach the database, a full disk and a read-only instance folder during an upload.
Each answers clearly (503 with Retry-After in the visitor's language, JSON for scripts, an
Indonesian message naming the disk problem) and leaves no partial write behind.
Redis going away and coming back is tests/operations/test_redis_outage.py."""

import io
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.auth import login as auth_login
from app.auth.user_cache import forget_users
from app.courses.models import CourseFile, Enrollment
from app.extensions import db
from tests.authoring.helpers import TRAINER_NIP, make_course
from tests.conftest import POSTGRES_URL, csrf_token, submit
from tests.operations.mounts import small_tmpfs
from tests.quizzes import attempts_helpers as attempts

OUTAGE_ID = "Sedang ada gangguan, coba lagi sebentar lagi."
OUTAGE_EN = "Something is wrong on our side; please try again in a moment."


def _login(client, nip):
    response = submit(client, "/masuk", {"identifier": nip, "password": "rahasia-palu-2026"},
                      follow_redirects=False)
    assert response.status_code == 302
    return client


def _enrol(client, slug="spbe-101"):
    token = csrf_token(client.get(f"/kursus/{slug}").get_data(as_text=True))
    return client.post(f"/kursus/{slug}/daftar", data={"csrf_token": token})


def _enrolments():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Enrollment))


def _assert_outage_page(response, text=OUTAGE_ID):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert response.headers["Retry-After"] == "30"
    assert text in body and "Internal Server Error" not in body
    assert response.mimetype == "text/html"


def _assert_outage_json(response):
    assert response.status_code == 503 and response.is_json
    assert response.get_json()["ok"] is False
    assert response.get_json()["message"].startswith(OUTAGE_ID)


@pytest.fixture
def faulty(app):
    """The test's app answering errors as in production: an unhandled error reaches the 500
    page instead of being raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    app.config["PROPAGATE_EXCEPTIONS"] = None


# --- SQLite: another writer holds the lock beyond the busy timeout ---------------------------

@pytest.fixture
def busy_app(app, monkeypatch):
    """An app on the test's SQLite file that waits only 100 ms for the write lock."""
    if POSTGRES_URL:
        pytest.skip("SQLite's write lock; PostgreSQL's faults are tested below")
    busy = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": app.instance_path, "SECRET_KEY": app.config["SECRET_KEY"],
        "COURSES_DIR": app.config["COURSES_DIR"], "SQLITE_BUSY_TIMEOUT_MS": 100,
        "PROPAGATE_EXCEPTIONS": False})
    yield busy
    with busy.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def write_lock_held(database_url):
    """Another process's writer, holding SQLite's write lock until the block ends."""
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_sqlite_busy_beyond_the_timeout_answers_503_once_and_saves_nothing(
        busy_app, create_user, courses, tmp_path):
    user = create_user()
    learner = _login(busy_app.test_client(), user.nip)
    english = _login(busy_app.test_client(), user.nip)
    english.set_cookie("lang", "en")
    # An open quiz attempt in another course, for the autosave below.
    quiz = attempts.add_quiz(tmp_path, "sibuk", "::S1::Ibu kota Sulteng?{=Palu~Poso}",
                             course="tte-101")
    attempts.enrol(user, "tte-101")
    attempt_id = attempts.start(learner, quiz, "tte-101")
    [slot] = attempts.slots(attempt_id)
    answers = attempts.form_payload(attempts.page(learner, f"/percobaan/{attempt_id}"),
                                    **{f"s{slot.id}": attempts.key_of(slot, "Palu")})
    token = csrf_token(learner.get("/kursus/spbe-101").get_data(as_text=True))
    english_token = csrf_token(english.get("/kursus/spbe-101").get_data(as_text=True))
    lock_waits = []  # each BEGIN IMMEDIATE waits for the write lock up to the busy timeout

    def note_lock_wait(conn, cursor, statement, *_args):
        if statement.startswith("BEGIN IMMEDIATE"):
            lock_waits.append(statement)

    with busy_app.app_context():
        event.listen(db.engine, "before_cursor_execute", note_lock_wait)

    with write_lock_held(busy_app.config["SQLALCHEMY_DATABASE_URI"]):
        refused = learner.post("/kursus/spbe-101/daftar", data={"csrf_token": token})
        _assert_outage_page(refused)
        # One wait for the lock, not a second one while the error page loads the user.
        assert len(lock_waits) == 1
        _assert_outage_page(english.post("/kursus/spbe-101/daftar",
                                         data={"csrf_token": english_token}), OUTAGE_EN)
        # The autosave reads without the lock (app/database_setup.py): an attempt that is not
        # there is "not found" at once; a real one waits at its write, then gets the outage.
        assert learner.post("/percobaan/999999/autosimpan", data={"csrf_token": token},
                            headers={"Accept": "application/json"}).status_code == 404
        _assert_outage_json(learner.post(f"/percobaan/{attempt_id}/autosimpan", data=answers,
                                         headers={"Accept": "application/json"}))
        assert learner.get("/kursus/spbe-101").status_code == 200  # readers never wait

    assert attempts.responses(attempt_id) == {"S1": None}  # the answer was not half-saved

    assert _enrolments() == 1  # nothing half-saved (the one is the quiz's course, tte-101)
    assert learner.post("/kursus/spbe-101/daftar", data={"csrf_token": token}).status_code == 302
    assert _enrolments() == 2  # and the same form works once the lock is gone


# --- the error page must not need the database --------------------------------------------

def test_a_database_failure_while_loading_the_user_gives_the_outage_page(
        faulty, client, create_user, login, monkeypatch):
    user = create_user()
    login(user.nip)

    def database_gone(token):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("SELECT user", {}, Exception("server closed the connection"))

    monkeypatch.setattr(faulty.login_manager, "_user_callback", database_gone)
    monkeypatch.setattr(auth_login, "load_user", database_gone)
    for url in ("/dasbor", "/tidak-ada-halaman-ini"):  # a view, and a 404 page needing the user
        _assert_outage_page(client.get(url))
    _assert_outage_json(client.get("/verify/ABCDEF.json"))


def test_a_bug_gives_a_500_page_that_needs_neither_database_nor_user(faulty, client,
                                                                     monkeypatch):
    from app.courses import views as course_views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setitem(faulty.view_functions, "courses.catalogue", broken)
    response = client.get("/", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "Sorry, an error occurred on the server." in body
    assert "Internal Server Error" not in body
    assert course_views  # the module whose view was replaced


# --- PostgreSQL: the connection is killed in the middle of a request ----------------------

@pytest.fixture
def kill_after_first_write(app):
    """Terminate the request's PostgreSQL connection right after its first write (or the
    first statement of the kinds set), as pg_terminate_backend or a restarted server would."""
    if not POSTGRES_URL:
        pytest.skip("killed connections are a PostgreSQL fault (LMS_TEST_DATABASE_URL)")
    armed = {"on": False, "killed": 0, "kinds": ("INSERT", "UPDATE")}

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if armed["on"] and statement.lstrip()[:6].upper() in armed["kinds"]:
            armed["on"] = False
            pid = conn.connection.dbapi_connection.info.backend_pid
            url = make_url(POSTGRES_URL).set(drivername="postgresql")
            with psycopg.connect(url.render_as_string(hide_password=False),
                                 autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            armed["killed"] += 1

    event.listen(db.engine, "after_cursor_execute", after_execute)
    yield armed
    event.remove(db.engine, "after_cursor_execute", after_execute)


def test_a_postgres_connection_killed_mid_request_answers_503_and_saves_nothing(
        faulty, client, create_user, login, courses, kill_after_first_write):
    user = create_user()
    login(user.nip)
    token = csrf_token(client.get("/kursus/spbe-101").get_data(as_text=True))
    kill_after_first_write["on"] = True
    _assert_outage_page(client.post("/kursus/spbe-101/daftar", data={"csrf_token": token}))
    assert kill_after_first_write["killed"] == 1
    assert _enrolments() == 0  # the transaction died with its connection
    assert client.get("/kursus/spbe-101").status_code == 200  # the pool has a new connection
    token = csrf_token(client.get("/dasbor").get_data(as_text=True))
    forget_users()  # a worker without a copy of the user reads it first (app/auth/user_cache.py)
    kill_after_first_write.update(on=True, kinds=("SELECT",))  # right after loading the user
    _assert_outage_json(client.post("/percobaan/1/autosimpan", data={"csrf_token": token},
                                    headers={"Accept": "application/json"}))


# --- the instance folder's disk: full, or read-only ---------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs to hold the instance folder (mounting needs root)."""
    with small_tmpfs(tmp_path / "disk", why="a small tmpfs to fill") as mount:
        yield mount


@pytest.fixture
def read_only_disk(tmp_path):
    """A tmpfs big enough for the whole SQLite schema (1 MB no longer is), made read-only by
    the test once the database is in it."""
    with small_tmpfs(tmp_path / "disk", options="size=8m",
                     why="a tmpfs to make read-only") as mount:
        yield mount


@pytest.fixture
def trainer_course(client, create_user, login):
    create_user(nip=TRAINER_NIP, roles=("trainer",))
    login(TRAINER_NIP)
    return make_course(client)


def _upload_pdf(client, size):
    token = csrf_token(client.get("/pengajar/kursus/tte-101").get_data(as_text=True))
    data = b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"
    form = {"csrf_token": token, "file": (io.BytesIO(data), "panduan.pdf")}
    return client.post("/pengajar/kursus/tte-101/berkas", data=form,
                       content_type="multipart/form-data", follow_redirects=True)


def _leftovers(folder):
    return [path for path in Path(folder).rglob("*") if path.is_file()]


def test_a_full_disk_refuses_an_upload_clearly_and_keeps_no_partial_file(
        app, client, trainer_course, small_disk):
    app.instance_path = str(small_disk / "instance")
    app.config["DISK_LOW_MB"] = 0.5
    page = _upload_pdf(client, 2 * 1024 * 1024).get_data(as_text=True)
    assert "Penyimpanan server penuh: berkas tidak dapat disimpan" in page
    assert _leftovers(small_disk) == []  # the partial *.tmp is gone: the disk is free again
    assert db.session.scalar(select(func.count()).select_from(CourseFile)) == 0
    health = client.get("/healthz").get_json()
    assert health["checks"]["disk"] == "ok"  # nothing left behind to keep it full
    assert health["disk_free_mb"] > 0.9
    page = _upload_pdf(client, 100 * 1024).get_data(as_text=True)
    assert "Berkas panduan.pdf tersimpan." in page  # room again: the same upload works


def test_healthz_reports_a_disk_running_low(app, client, small_disk):
    app.instance_path = str(small_disk)
    app.config["DISK_LOW_MB"] = 2  # the whole tmpfs is 1 MB
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["checks"]["disk"] == "low"
    assert body["disk_free_mb"] <= 1


def test_a_read_only_instance_folder_refuses_an_upload_clearly(app, client, trainer_course,
                                                                small_disk):
    app.instance_path = str(small_disk / "instance")
    (small_disk / "instance").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    page = _upload_pdf(client, 1024).get_data(as_text=True)
    assert "Folder penyimpanan server tidak dapat ditulisi (hanya-baca" in page
    assert db.session.scalar(select(func.count()).select_from(CourseFile)) == 0
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["checks"]["disk"] == "read-only"


def test_a_read_only_instance_folder_under_sqlite_answers_503_not_a_bare_500(
        app, read_only_disk, create_user):
    """The SQLite database lives in the instance folder; a read-only mount refuses writes."""
    if POSTGRES_URL:
        pytest.skip("the SQLite file in a read-only folder")
    database = f"sqlite:///{read_only_disk / 'kompeten.db'}"
    readonly = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database, "INSTANCE_PATH": str(read_only_disk),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": app.config["COURSES_DIR"],
        "PROPAGATE_EXCEPTIONS": False})
    with readonly.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    client = readonly.test_client()
    page = client.get("/masuk")
    token = csrf_token(page.get_data(as_text=True))
    with readonly.app_context():  # no open file, or the mount is "busy"
        db.session.remove()
        db.engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_disk)], check=True)
    try:
        refused = client.post("/masuk", data={"identifier": "198609262015051001",
                                               "password": "salah", "csrf_token": token})
        _assert_outage_page(refused)
        health = client.get("/healthz")
        assert health.get_json()["checks"]["disk"] == "read-only"
    finally:
        with readonly.app_context():
            db.session.remove()
            db.engine.dispose()
