"""Redis goes away under a running app and comes back: logins (with their throttle) and the
public /verify page keep working with per-process limits, one warning is logged per outage,
/healthz says "degraded", and the shared limits resume by themselves when Redis answers.

Redis is reached through a small TCP relay this test opens and closes, so "down" is a closed
port on a live app, not a different configuration."""

import logging
import os
import socket
import threading
import time
import uuid

import pytest

from app import create_app
from app.auth import throttle
from app.extensions import db as db_extension
from app.jobs import queue
from tests.conftest import PASSWORD, csrf_token, submit

REDIS = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_address():
    host_port = REDIS.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    return host, int(port), REDIS.rsplit("/", 1)[1]


def _redis_up():
    host, port, _db = _redis_address()
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason=f"Redis not reachable at {REDIS} "
                                "(set LMS_TEST_REDIS_URL)")


class Relay:
    """127.0.0.1:<port> -> Redis, which can be switched off (connections refused and cut)
    and on again on the same port."""

    def __init__(self):
        self.target = _redis_address()[:2]
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.server, self.pairs = None, []

    def up(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(16)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def down(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port
        # listening until that accept() returned.
        try:
            self.server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.close()
        for sock in self.pairs:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.pairs = []

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.pairs += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass


@pytest.fixture
def relay():
    relay = Relay()
    relay.up()
    yield relay
    relay.down()


@pytest.fixture
def redis_app(app, relay, monkeypatch):
    """An app like the test's (same database and folders) whose Flask-Limiter limits and
    login throttle live in Redis, through the relay."""
    _host, _port, db = _redis_address()
    url = f"redis://127.0.0.1:{relay.port}/{db}"
    overrides = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "SECRET_KEY", "COURSES_DIR")}
    overrides.update(RATELIMIT_STORAGE_URI=url, REDIS_URL=url,
                     RATELIMIT_KEY_PREFIX=f"outage-{uuid.uuid4().hex[:8]}",
                     RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5,
                                                "socket_timeout": 0.5})
    monkeypatch.setattr(throttle.FallbackLimiter, "RECHECK_SECONDS", 0.2)
    redis_app = create_app("config.TestConfig", overrides)
    yield redis_app
    with redis_app.app_context():
        db_extension.session.remove()
        db_extension.engine.dispose()
    queue.configure_queue(app)  # the test's own app again for what follows


def _login(app, nip, password=PASSWORD):
    return _login_client(app.test_client(), nip, password)


def _login_client(client, nip, password=PASSWORD):
    return submit(client, "/masuk", {"identifier": nip, "password": password},
                  follow_redirects=False)


def test_logins_and_verify_survive_redis_going_away_and_coming_back(
        redis_app, relay, create_user, caplog):
    user = create_user()
    assert _login(redis_app, user.nip).status_code == 302  # Redis up: the normal path
    shared = redis_app.extensions[throttle.EXTENSION_KEY]
    verifier = redis_app.test_client()
    assert verifier.get("/verify").headers["X-RateLimit-Remaining"]  # counted in Redis
    assert shared.down_since is None

    relay.down()
    with caplog.at_level(logging.WARNING, logger="app.auth.throttle"):
        for _ in range(3):
            assert _login(redis_app, user.nip).status_code == 302  # right password: in
        wrong = _login(redis_app, user.nip, password="salah-sekali")
        assert wrong.status_code == 200 and "salah" in wrong.get_data(as_text=True).lower()
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not per request
    assert shared.down_since is not None
    client = redis_app.test_client()
    for _ in range(3):  # Flask-Limiter counts in memory meanwhile: no 500
        assert client.get("/verify").status_code == 200
    learner = redis_app.test_client()  # a workshop check-in passes its per-learner limit
    assert _login_client(learner, user.nip).status_code == 302
    token = csrf_token(learner.get("/dasbor").get_data(as_text=True))
    checkin = learner.post("/agenda/999999/presensi", data={"code": "ABCDEF",
                                                             "csrf_token": token})
    assert checkin.status_code == 404 and checkin.headers["X-RateLimit-Remaining"]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"

    relay.up()
    time.sleep(0.3)
    with caplog.at_level(logging.WARNING, logger="app.auth.throttle"):
        assert _login(redis_app, user.nip).status_code == 302
    assert shared.down_since is None  # shared limits resumed by themselves
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_the_login_throttle_still_stops_a_guesser_while_redis_is_down(redis_app, relay,
                                                                     create_user):
    user = create_user()
    relay.down()
    limit = redis_app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        _login(redis_app, user.nip, password="tebakan")
    refused = _login(redis_app, user.nip)  # even the right password waits now
    assert refused.status_code == 429 and refused.headers["Retry-After"]
