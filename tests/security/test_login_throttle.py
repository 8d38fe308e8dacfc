"""Login throttling: failed logins counted per account and address, per address and per
account from everywhere, shared through Redis."""

import json
import os
import re
import time
import uuid

import pytest
from sqlalchemy import select

from app import create_app
from app.audit import AuditEvent
from app.extensions import db
from tests.auth.helpers import field_errors, text
from tests.conftest import BUNDLED_COURSES, PASSWORD, PNS_NIP, PPPK_NIP, csrf_token

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WAIT_MESSAGE = re.compile(r"Terlalu banyak percobaan masuk yang gagal untuk akun ini\. "
                          r"Coba lagi dalam (\d+) menit\.")


@pytest.fixture
def siti(create_user, agencies):
    return create_user(nip=PNS_NIP, name="Siti Rahmawati", email="siti@palukota.go.id")


@pytest.fixture
def budi(create_user, agencies):
    return create_user(nip=PPPK_NIP, name="Budi Santoso")


def attempt(client, identifier, password, ip="10.0.0.1"):
    """One login from a browser at the given address (page, token, post)."""
    environ = {"REMOTE_ADDR": ip}
    page = client.get("/masuk", environ_base=environ)
    data = {"identifier": identifier, "password": password,
            "csrf_token": csrf_token(text(page))}
    return client.post("/masuk", data=data, environ_base=environ)


def fail_times(client, identifier, count, ip="10.0.0.1"):
    for _ in range(count):
        response = attempt(client, identifier, "salah-sekali-99", ip)
        assert response.status_code == 200
        assert field_errors(text(response), "password") == ["NIP/email atau kata sandi salah."]


def wait_minutes(response):
    match = WAIT_MESSAGE.search(" ".join(field_errors(text(response), "password")))
    assert match, field_errors(text(response), "password")
    return int(match.group(1))


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_sixth_attempt_is_refused_even_with_the_right_password(client, siti):
    fail_times(client, PNS_NIP, 5)
    response = attempt(client, PNS_NIP, PASSWORD)
    assert response.status_code == 429
    assert 14 <= wait_minutes(response) <= 15
    assert 0 < int(response.headers["Retry-After"]) <= 900
    assert client.get("/beranda").status_code == 302  # not logged in


def test_refusal_is_audited_without_the_password(client, siti):
    fail_times(client, PNS_NIP, 5)
    attempt(client, PNS_NIP, PASSWORD)
    [event] = events("auth.login_throttled")
    details = json.loads(event.details_json)
    assert details["scope"] == "account" and details["identifier"] == PNS_NIP
    assert PASSWORD not in event.details_json
    assert len(events("auth.login_failed")) == 5


def test_nip_and_email_count_as_one_account(client, siti):
    fail_times(client, "SITI@palukota.go.id", 3)
    fail_times(client, "19860926 201505 1 001", 2)
    assert attempt(client, "siti@palukota.go.id", PASSWORD).status_code == 429


def test_another_account_from_another_ip_is_not_affected(app, client, siti, budi):
    fail_times(client, PNS_NIP, 5)
    other = app.test_client()
    response = attempt(other, PPPK_NIP, PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302 and response.headers["Location"].endswith("/beranda")


def test_per_ip_limit_spans_accounts(app, client, siti, budi):
    app.config["LOGIN_FAILURES_PER_IP"] = 4
    fail_times(client, PNS_NIP, 2)
    fail_times(client, "199001012015011999", 2)  # no such account: still counts for the IP
    response = attempt(client, PPPK_NIP, PASSWORD)
    assert response.status_code == 429
    assert "dari jaringan ini" in " ".join(field_errors(text(response), "password"))
    # The same account from another address is still welcome.
    assert attempt(app.test_client(), PPPK_NIP, PASSWORD, ip="10.0.0.9").status_code == 302


def test_success_resets_the_account_count(app, client, siti):
    fail_times(client, PNS_NIP, 4)
    assert attempt(client, PNS_NIP, PASSWORD).status_code == 302
    another_browser = app.test_client()
    fail_times(another_browser, PNS_NIP, 4)  # four more are allowed again
    assert attempt(another_browser, PNS_NIP, PASSWORD).status_code == 302


def test_login_works_again_after_the_window(app, client, siti):
    app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] = 1
    fail_times(client, PNS_NIP, 5)
    response = attempt(client, PNS_NIP, PASSWORD)
    assert response.status_code == 429 and wait_minutes(response) == 1
    time.sleep(1.1)
    assert attempt(client, PNS_NIP, PASSWORD).status_code == 302


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis not reachable at {REDIS_URL} (set LMS_TEST_REDIS_URL)")
    finally:
        client.close()


def _redis_app(database_url, tmp_path, name, prefix):
    return create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / name),
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(BUNDLED_COURSES),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    })


def test_two_app_instances_share_the_count_through_redis(app, siti, database_url, tmp_path):
    """Two workers (two apps) on one Redis: failures on either add up."""
    _redis_or_skip()
    prefix = f"kompeten-test-{uuid.uuid4().hex}"  # a fresh count, never mixed with a run before
    first = _redis_app(database_url, tmp_path, "first", prefix)
    second = _redis_app(database_url, tmp_path, "second", prefix)
    with first.app_context():
        fail_times(first.test_client(), PNS_NIP, 3)
    with second.app_context():
        fail_times(second.test_client(), PNS_NIP, 2)
        assert attempt(second.test_client(), PNS_NIP, PASSWORD).status_code == 429
    with first.app_context():
        assert attempt(first.test_client(), PNS_NIP, PASSWORD).status_code == 429
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


# --- someone who knows a NIP cannot keep its owner out ----------------------------------------

def test_the_owner_logs_in_from_their_address_while_an_attacker_hammers_from_another(app, siti):
    """Counting failures per account alone let anyone lock any account with 5 tries every 15
    minutes. The small limit counts one account from one address."""
    attacker = app.test_client()
    fail_times(attacker, PNS_NIP, 5, ip="10.66.6.6")
    for _ in range(10):  # the attacker keeps trying: refused, and the owner unaffected
        assert attempt(attacker, PNS_NIP, "salah-lagi-99", ip="10.66.6.6").status_code == 429
    owner = app.test_client()
    response = attempt(owner, PNS_NIP, PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/beranda")
    # ... and the attacker is still refused, even with the right password.
    assert attempt(attacker, PNS_NIP, PASSWORD, ip="10.66.6.6").status_code == 429


def test_many_addresses_hit_the_per_account_ceiling(app, siti):
    """A guesser spread over many addresses is stopped by a much higher per-account ceiling
    (LMS_LOGIN_FAILURES_PER_ACCOUNT_TOTAL, 100 by default)."""
    app.config["LOGIN_FAILURES_PER_ACCOUNT_TOTAL"] = 12
    for number in range(3):
        fail_times(app.test_client(), PNS_NIP, 4, ip=f"10.66.0.{number}")
    response = attempt(app.test_client(), PNS_NIP, PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429 and 14 <= wait_minutes(response) <= 15


def test_the_ceiling_defaults_far_above_the_per_address_limit(app):
    assert app.config["LOGIN_FAILURES_PER_ACCOUNT_TOTAL"] == 100
    assert app.config["LOGIN_FAILURES_PER_ACCOUNT"] == 5


def test_a_success_forgives_only_the_owners_address(app, siti):
    fail_times(app.test_client(), PNS_NIP, 5, ip="10.66.6.6")
    assert attempt(app.test_client(), PNS_NIP, PASSWORD, ip="10.0.0.1").status_code == 302
    assert attempt(app.test_client(), PNS_NIP, PASSWORD, ip="10.66.6.6").status_code == 429
