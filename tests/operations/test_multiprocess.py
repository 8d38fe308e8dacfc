"""Several server processes at once, as in production: real gunicorn, real HTTP.

- With LMS_REDIS_URL a rate limit holds across workers (one count, not one per worker).
- Two app servers on one PostgreSQL serve a learner consistently: a write on one is read
  on the other.
These start gunicorn as a subprocess; they take a few seconds each.
"""

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("LMS_TEST_DATABASE_URL")
PASSWORD = "rahasia-palu-2026"
NIP = "198609262015051001"


def _redis_up():
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path, database_url, **extra):
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path / "instance"),
               LMS_DATABASE_URL=database_url, LMS_SECRET_KEY="multiprocess-test-key-" + "0" * 32,
               LMS_ACCESS_LOG="/dev/null", FLASK_APP="app:create_app()", **extra)
    env.pop("LMS_TEST_DATABASE_URL", None)
    return env


def flask(env, *args):
    result = subprocess.run([str(FLASK), *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


class Server:
    """gunicorn serving Kompeten on a free port until stopped."""

    def __init__(self, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Optimized workers, as `make serve` starts them: these tests also show that nothing
        # in the app needs its docstrings or asserts.
        env = dict(env, LMS_BIND=f"127.0.0.1:{self.port}", LMS_WORKERS=str(workers),
                   PYTHONOPTIMIZE="2")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "app:create_app()"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(15)


class Browser:
    """A cookie-keeping HTTP client that reads CSRF tokens like the browser would."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url):
        try:
            with self.opener.open(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, url, form_page, data):
        _, page = self.get(form_page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(dict(data, csrf_token=token)).encode()
        try:
            with self.opener.open(url, body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.mark.skipif(not _redis_up(), reason=f"Redis not reachable at {REDIS_URL} "
                    "(set LMS_TEST_REDIS_URL)")
def test_a_rate_limit_holds_across_two_workers_with_redis(tmp_path):
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'k.db'}", LMS_REDIS_URL=REDIS_URL,
                      LMS_RATELIMIT_PREFIX=f"test-{uuid.uuid4().hex}",
                      LMS_VERIFY_RATE_LIMIT="5 per minute")
    flask(env, "db", "upgrade")
    server = Server(env, workers=2)
    try:
        statuses = []
        for _ in range(12):  # a new connection each time: both workers take requests
            statuses.append(Browser().get(server.url + "/verify/ABCD-EFGH-JKMN")[0])
    finally:
        server.stop()
    assert statuses.count(429) == 7, statuses
    assert all(status != 500 for status in statuses)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set LMS_TEST_DATABASE_URL "
                    "(the test uses its own database next to it)")
def test_two_app_servers_on_one_postgresql_serve_a_learner_consistently(tmp_path):
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"kompeten_scaleout_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin_url.render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False)
    env = environment(tmp_path, database_url)
    try:
        flask(env, "db", "upgrade")
        flask(env, "content", "import")
        subprocess.run([str(FLASK), "users", "create", "--nip", NIP, "--name", "Budi Santoso"],
                       cwd=ROOT, env=env, input=f"{PASSWORD}\n{PASSWORD}\n", text=True,
                       capture_output=True, timeout=60, check=True)
        first, second = Server(env, workers=1), Server(env, workers=1)
        try:
            browser = Browser()
            browser.post(first.url + "/masuk", first.url + "/masuk",
                         {"identifier": NIP, "password": PASSWORD})
            # Enrol through the first server...
            status, _ = browser.post(first.url + "/kursus/spbe-101/daftar",
                                     first.url + "/kursus/spbe-101", {})
            assert status == 200
            # ...the second one knows: same session cookie, same enrolment.
            status, dashboard = browser.get(second.url + "/beranda")
            assert status == 200
            assert "/kursus/spbe-101" in dashboard
            _, course_page = browser.get(second.url + "/kursus/spbe-101")
            assert "0 dari 5 modul dibaca" in course_page
            # A write on the second is read on the first.
            status, _ = browser.post(second.url + "/kursus/spbe-101/modul/"
                                     + _first_module(course_page) + "/selesai",
                                     second.url + "/kursus/spbe-101", {})
            assert status == 200
            _, again = browser.get(first.url + "/kursus/spbe-101")
            assert "1 dari 5 modul dibaca" in again
        finally:
            first.stop()
            second.stop()
    finally:
        with psycopg.connect(admin_url.render_as_string(hide_password=False),
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _first_module(course_page):
    return re.search(r'/kursus/spbe-101/modul/([a-z0-9-]+)"', course_page).group(1)


def test_two_instances_on_one_machine_keep_their_own_control_socket(tmp_path):
    """gunicorn 27's control socket defaults to one path per user: a second instance would take
    over the first's. Each Kompeten keeps its own in its instance folder, or none at all."""
    servers, sockets = [], []
    # One migrated database, copied for each instance: the schema is not what is tested here.
    migrated = tmp_path / "migrated.db"
    flask(environment(tmp_path, f"sqlite:///{migrated}"), "db", "upgrade")
    try:
        for name in ("produksi", "staging"):
            folder = tmp_path / name
            env = environment(folder, f"sqlite:///{folder / 'k.db'}")
            (folder / "instance").mkdir(parents=True)
            shutil.copy(migrated, folder / "k.db")
            servers.append(Server(env, workers=1))
            sockets.append(folder / "instance" / "gunicorn.ctl")
        assert all(path.is_socket() for path in sockets)
        env = dict(environment(tmp_path / "tanpa", f"sqlite:///{tmp_path / 'tanpa.db'}"),
                   LMS_CONTROL_SOCKET="off")
        (tmp_path / "tanpa" / "instance").mkdir(parents=True)
        shutil.copy(migrated, tmp_path / "tanpa.db")
        servers.append(Server(env, workers=1))
        assert list((tmp_path / "tanpa" / "instance").glob("*.ctl")) == []
    finally:
        for server in servers:
            server.stop()
