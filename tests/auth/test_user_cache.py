"""The worker's copies of logged-in users (app/auth/user_cache.py): free while nothing changed,
dropped by every worker at the first commit that changes a user, never kept without a stamp.

"Another worker" is a second app on the same database and instance folder, as gunicorn's
workers are; the browser is the same (its cookies are copied to that app's test client)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text, update

from app import create_app
from app.auth import user_cache
from app.auth.models import Agency, User
from app.auth.user_cache import USERS_STAMP
from app.extensions import db
from tests.conftest import PASSWORD, ROOT, csrf_token, seen_statements

DASHBOARD = "/beranda"


def user_reads(statements):
    return [s for s in statements if 'FROM "user"' in s or "FROM user" in s]


def stamp(app):
    path = Path(app.instance_path) / USERS_STAMP.name
    return path.read_bytes() if path.exists() else None


@pytest.fixture
def other_worker(app):
    other = create_app("config.TestConfig", {
        key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "COURSES_DIR")
    } | {"INSTANCE_PATH": app.instance_path})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def same_browser(client, other_app):
    """A test client of the other app holding this client's cookies."""
    other = other_app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def test_a_logged_in_page_reads_its_user_only_after_a_change(app, client, create_user, login):
    learner = create_user(name="Andi Lama")
    login(learner.nip)
    client.get(DASHBOARD)
    with seen_statements() as statements:
        page = client.get(DASHBOARD).get_data(as_text=True)
    assert "Halo, Andi Lama." in page
    assert user_reads(statements) == []
    learner.name = "Andi Baru"
    db.session.commit()
    with seen_statements() as statements:
        page = client.get(DASHBOARD).get_data(as_text=True)
    assert "Halo, Andi Baru." in page
    assert len(user_reads(statements)) == 1


def test_an_account_deactivated_on_one_worker_is_refused_on_the_other(
        app, client, create_user, login, other_worker):
    learner = create_user()
    login(learner.nip)
    elsewhere = same_browser(client, other_worker)
    assert elsewhere.get(DASHBOARD).status_code == 200  # the other worker keeps a copy now
    assert elsewhere.get(DASHBOARD).status_code == 200
    learner.active = False
    db.session.commit()
    refused = elsewhere.get(DASHBOARD)
    assert refused.status_code == 302 and "/masuk" in refused.headers["Location"]


def test_logging_out_everywhere_ends_the_session_on_every_worker(
        app, client, create_user, login, other_worker):
    """A password change raises the session version: the other worker's copy has the old one."""
    learner = create_user()
    login(learner.nip)
    elsewhere = same_browser(client, other_worker)
    assert elsewhere.get(DASHBOARD).status_code == 200
    page = client.get("/akun/kata-sandi")
    reply = client.post("/akun/kata-sandi", data={
        "current_password": PASSWORD, "password": "Kata-Sandi-Baru-2026",
        "password_confirm": "Kata-Sandi-Baru-2026",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, learner.id).session_version == 2
    assert elsewhere.get(DASHBOARD).status_code == 302


def test_a_role_removed_on_one_worker_is_refused_on_the_other(
        app, client, create_user, login, other_worker):
    admin = create_user(roles=("learner", "admin"))
    login(admin.nip)
    elsewhere = same_browser(client, other_worker)
    assert elsewhere.get("/admin/").status_code == 200
    admin.is_admin = False
    db.session.commit()
    assert elsewhere.get("/admin/").status_code == 403


def test_an_update_statement_on_users_replaces_the_stamp(app, client, create_user, login):
    """The unread counter and bulk imports write with UPDATE statements, not the flush."""
    learner = create_user()
    login(learner.nip)
    client.get(DASHBOARD)
    before = stamp(app)
    db.session.execute(update(User).where(User.id == learner.id).values(unread_notifications=7))
    db.session.commit()
    assert stamp(app) not in (None, before)
    assert '<span class="bell-count">7</span>' in client.get(DASHBOARD).get_data(as_text=True)


def test_deleting_an_agency_users_point_at_replaces_the_stamp(app, client, create_user, login):
    """ON DELETE SET NULL changes user rows in the database, unseen by the flush."""
    agency = Agency(code="OPD-X", name="Dinas Uji")
    db.session.add(agency)
    db.session.commit()
    learner = create_user()
    learner.agency_id = agency.id
    db.session.commit()
    login(learner.nip)
    client.get(DASHBOARD)
    before = stamp(app)
    db.session.delete(agency)
    db.session.commit()
    assert stamp(app) not in (None, before)


def test_a_rolled_back_change_keeps_the_stamp(app, client, create_user, login):
    learner = create_user()
    login(learner.nip)
    client.get(DASHBOARD)
    before = stamp(app)
    learner.name = "Tidak Jadi"
    db.session.flush()
    db.session.rollback()
    assert stamp(app) == before
    assert "Tidak Jadi" not in client.get(DASHBOARD).get_data(as_text=True)


def test_a_change_made_outside_the_app_is_seen_within_the_recheck_time(
        app, client, create_user, login, monkeypatch):
    """SQL by hand writes no stamp: the copy is read again once it is USER_CACHE_SECONDS old."""
    learner = create_user(name="Andi Lama")
    login(learner.nip)
    client.get(DASHBOARD)
    db.session.execute(text('UPDATE "user" SET name = \'Andi Luar\' WHERE id = :id'),
                       {"id": learner.id})
    db.session.commit()
    assert "Halo, Andi Lama." in client.get(DASHBOARD).get_data(as_text=True)
    later = time.monotonic() + app.config["USER_CACHE_SECONDS"] + 1
    monkeypatch.setattr(user_cache.time, "monotonic", lambda: later)
    assert "Halo, Andi Luar." in client.get(DASHBOARD).get_data(as_text=True)


def test_a_preference_saved_through_the_cached_user_is_stored_and_seen_everywhere(
        app, client, create_user, login, other_worker):
    learner = create_user()
    login(learner.nip)
    elsewhere = same_browser(client, other_worker)
    elsewhere.get(DASHBOARD)
    page = client.get(DASHBOARD).get_data(as_text=True)
    client.post("/preferensi/bahasa", data={"language": "en", "csrf_token": csrf_token(page)})
    db.session.expire_all()
    assert db.session.get(User, learner.id).language == "en"
    assert '<html lang="en"' in elsewhere.get(DASHBOARD).get_data(as_text=True)
    assert '<html lang="en"' in client.get(DASHBOARD).get_data(as_text=True)


def test_without_a_stamp_every_request_reads_its_user(app, client, create_user, login,
                                                      monkeypatch):
    """An instance folder that cannot be written: nothing is kept, as before the cache."""
    learner = create_user()
    monkeypatch.setattr(USERS_STAMP, "write", lambda: b"")
    USERS_STAMP.remove()
    login(learner.nip)
    for _ in range(2):
        with seen_statements() as statements:
            assert client.get(DASHBOARD).status_code == 200
        assert len(user_reads(statements)) == 1
    assert stamp(app) is None


def test_the_cache_can_be_turned_off(app, client, create_user, login, monkeypatch):
    """LMS_USER_CACHE_SECONDS=0, e.g. for app servers that share a database but not an
    instance folder and must see a deactivation at once."""
    read = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.USER_CACHE_SECONDS)"],
        cwd=ROOT, env={**os.environ, "LMS_USER_CACHE_SECONDS": "0"}, capture_output=True,
        text=True, check=True)
    assert read.stdout.strip() == "0"
    monkeypatch.setitem(app.config, "USER_CACHE_SECONDS", 0)
    learner = create_user()
    login(learner.nip)
    for _ in range(2):
        with seen_statements() as statements:
            assert client.get(DASHBOARD).status_code == 200
        assert len(user_reads(statements)) == 1
    assert user_cache._KEPT not in app.extensions


def test_a_stamp_that_cannot_be_replaced_is_removed(app, client, create_user, login,
                                                   monkeypatch):
    """Other workers would keep their copies until the recheck; without a stamp they keep
    nothing."""
    learner = create_user()
    login(learner.nip)
    client.get(DASHBOARD)
    assert stamp(app) is not None
    monkeypatch.setattr(USERS_STAMP, "write", lambda: b"")
    learner.active = False
    db.session.commit()
    assert stamp(app) is None
    assert client.get(DASHBOARD).status_code == 302


def test_copies_are_bounded(app, create_user, monkeypatch):
    monkeypatch.setattr(user_cache, "MAX_USERS", 2)
    browsers = []
    for _ in range(3):  # each login writes the user (last login), so all log in first
        learner = create_user()
        browser = app.test_client()
        page = browser.get("/masuk").get_data(as_text=True)
        browser.post("/masuk", data={"identifier": learner.nip, "password": PASSWORD,
                                     "csrf_token": csrf_token(page)})
        browsers.append((browser, learner.id))
    for number, (browser, _user_id) in enumerate(browsers):
        assert browser.get(DASHBOARD).status_code == 200, number
        kept = app.extensions[user_cache._KEPT][1]
        assert len(kept) == min(number + 1, 2)
    assert sorted(kept) == sorted(user_id for _browser, user_id in browsers[1:])
