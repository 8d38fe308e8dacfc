"""Behind a reverse proxy every client is itself: with LMS_PROXY_COUNT hops trusted, login
throttling, the /verify limit, the audit log and the session identifier all see the client's
own address; without it a client-set X-Forwarded-For changes nothing. (The same against a
real nginx: tests/security/test_nginx.py.)"""

from pathlib import Path

import flask
import pytest
from sqlalchemy import select

from app import create_app
from app.audit import AuditEvent
from app.extensions import db
from app.operations import security_check
from app.proxy import NOTE_FILE, read_note
from tests.auth.helpers import field_errors, text
from tests.conftest import (
    BUNDLED_COURSES,
    PASSWORD,
    PNS_NIP,
    PPPK_NIP,
    _empty_all_tables,
    csrf_token,
)

PROXY = "127.0.0.1"
ANI, BAYU = "203.0.113.10", "198.51.100.20"
WRONG = "salah-sekali-99"


@pytest.fixture
def proxied_app(database_url, tmp_path):
    """conftest's `app` behind one trusted proxy, with small limits."""
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES),
        "PROXY_COUNT": 1, "LOGIN_FAILURES_PER_IP": 3, "VERIFY_RATE_LIMIT": "3 per minute",
    })
    with app.app_context():
        db.create_all()
        _empty_all_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def accounts(create_user, agencies):
    return create_user(nip=PNS_NIP, name="Siti Rahmawati"), create_user(nip=PPPK_NIP)


@pytest.fixture
def proxied_accounts(proxied_app):
    from app.auth import services

    services.seed_agencies()
    users = [services.create_user(nip=nip, name=name, password=PASSWORD, roles=("learner",))
             for nip, name in ((PNS_NIP, "Siti Rahmawati"), (PPPK_NIP, "Budi Santoso"))]
    db.session.commit()
    return users


def through_proxy(client_address, proto="http", host="kompeten.palukota.go.id"):
    """What nginx sends on for a client: the proxy's own address, the X-Forwarded-* headers."""
    return {"environ_base": {"REMOTE_ADDR": PROXY},
            "headers": {"X-Forwarded-For": client_address, "X-Forwarded-Proto": proto,
                        "X-Forwarded-Host": host}}


def attempt(client, identifier, password, **request):
    page = client.get("/masuk", **request)
    data = {"identifier": identifier, "password": password,
            "csrf_token": csrf_token(text(page))}
    return client.post("/masuk", data=data, **request)


def audited(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# --- LMS_PROXY_COUNT=1 ------------------------------------------------------------------------

def test_behind_the_proxy_failed_logins_count_per_client(proxied_app, proxied_accounts):
    """Before: every request came from 127.0.0.1, so 20 wrong logins by anyone locked out
    every login in the city."""
    client = proxied_app.test_client()
    for nip in (PNS_NIP, PPPK_NIP, "199001012015011999"):
        assert attempt(client, nip, WRONG, **through_proxy(ANI)).status_code == 200
    refused = attempt(client, PPPK_NIP, PASSWORD, **through_proxy(ANI))
    assert refused.status_code == 429
    assert "dari jaringan ini" in " ".join(field_errors(text(refused), "password"))
    welcome = attempt(proxied_app.test_client(), PPPK_NIP, PASSWORD, **through_proxy(BAYU))
    assert welcome.status_code == 302


def test_behind_the_proxy_the_audit_log_shows_each_clients_address(proxied_app,
                                                                   proxied_accounts):
    attempt(proxied_app.test_client(), PNS_NIP, WRONG, **through_proxy(ANI))
    attempt(proxied_app.test_client(), PPPK_NIP, PASSWORD, **through_proxy(BAYU))
    assert [(e.action, e.address) for e in audited("auth.login_failed")] == \
        [("auth.login_failed", ANI)]
    assert [e.address for e in audited("auth.login")] == [BAYU]


def test_only_the_last_hop_is_trusted(proxied_app, proxied_accounts):
    """A client that sends its own X-Forwarded-For gets it passed on by nginx in front of the
    address nginx saw: with one trusted hop only that last entry counts."""
    client = proxied_app.test_client()
    forged = through_proxy(f"{BAYU}, {ANI}")
    attempt(client, PNS_NIP, WRONG, **forged)
    assert [e.address for e in audited("auth.login_failed")] == [ANI]


def test_behind_the_proxy_the_verify_limit_is_per_client(proxied_app):
    client = proxied_app.test_client()
    statuses = [client.get("/verify", **through_proxy(ANI)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/verify", **through_proxy(BAYU)).status_code == 200


def seen_by_the_app(app, **request):
    """The client address, scheme, host and an absolute url_for as a view would see them."""
    seen = {}

    def look(sender, **extra):
        seen["values"] = (flask.request.remote_addr, flask.request.scheme, flask.request.host,
                          flask.url_for("courses.catalogue", _external=True))

    with flask.request_started.connected_to(look, app):
        app.test_client().get("/ping", **request)
    return seen["values"]


def test_behind_the_proxy_scheme_and_host_reach_the_app(proxied_app):
    assert seen_by_the_app(proxied_app, **through_proxy(ANI, "https", "lms.example")) == \
        (ANI, "https", "lms.example", "https://lms.example/")


def test_behind_the_proxy_a_session_follows_the_client_not_the_proxy(proxied_app,
                                                                    proxied_accounts):
    client = proxied_app.test_client()
    assert attempt(client, PNS_NIP, PASSWORD, **through_proxy(ANI)).status_code == 302
    assert client.get("/beranda", **through_proxy(ANI)).status_code == 200
    # The same cookies from another client behind the same proxy: another identifier.
    assert client.get("/beranda", **through_proxy(BAYU)).status_code == 302


# --- LMS_PROXY_COUNT=0 (the default) ----------------------------------------------------------

def test_without_a_proxy_a_client_set_forwarded_for_changes_nothing(app, client, accounts):
    app.config["LOGIN_FAILURES_PER_IP"] = 3
    for number, nip in enumerate((PNS_NIP, PPPK_NIP, "199001012015011999")):
        response = attempt(client, nip, WRONG, environ_base={"REMOTE_ADDR": ANI},
                           headers={"X-Forwarded-For": f"10.0.0.{number}"})
        assert response.status_code == 200
    refused = attempt(client, PPPK_NIP, PASSWORD, environ_base={"REMOTE_ADDR": ANI},
                      headers={"X-Forwarded-For": "10.0.0.99"})
    assert refused.status_code == 429
    assert {e.address for e in audited("auth.login_failed")} == {ANI}


def test_without_a_proxy_forwarded_proto_and_host_are_ignored(app):
    assert seen_by_the_app(app, **through_proxy(ANI, "https", "evil.example")) == \
        (PROXY, "http", "localhost", "http://localhost/")


# --- what `flask security check` learns from requests -----------------------------------------

def finding(app):
    return security_check.check_proxy(app.config)


def test_no_request_yet_is_only_information(app):
    assert read_note() is None
    assert finding(app).level == "INFO"


def test_loopback_requests_without_a_proxy_warn(app, client):
    client.get("/healthz", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert read_note()["peer"] == "loopback"
    result = finding(app)
    assert result.level == "WARN" and "LMS_PROXY_COUNT=1" in result.message


def test_forwarded_requests_without_a_proxy_count_warn(app, client):
    """A proxy on another machine (a private address) the app was not told about."""
    client.get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.2"},
               headers={"X-Forwarded-For": ANI})
    result = finding(app)
    assert result.level == "WARN" and "LMS_PROXY_COUNT=0" in result.message


def test_a_proxy_that_forwards_nothing_warns(proxied_app):
    proxied_app.test_client().get("/healthz", environ_base={"REMOTE_ADDR": PROXY})
    result = finding(proxied_app)
    assert result.level == "WARN" and "tanpa X-Forwarded-For" in result.message


def test_a_working_proxy_is_ok(proxied_app):
    proxied_app.test_client().get("/healthz", **through_proxy(ANI))
    assert finding(proxied_app).level == "OK"


def test_direct_clients_without_a_proxy_are_ok(app, client):
    client.get("/healthz", environ_base={"REMOTE_ADDR": ANI})
    assert finding(app).level == "OK"


def test_the_note_is_written_at_most_every_few_minutes(app, client):
    client.get("/healthz", environ_base={"REMOTE_ADDR": ANI})
    note_file = Path(app.instance_path) / NOTE_FILE
    first = note_file.read_text()
    client.get("/healthz", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert note_file.read_text() == first
