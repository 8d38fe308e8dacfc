"""SQLite with several workers: a write request takes the write lock when it begins, so two
read-then-write requests run one after the other instead of failing or losing an update."""

import threading
import time

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.database_setup import begins_immediate
from app.extensions import db


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL uses row locks and MVCC")


def bump_session_version(app, method, user_id, hold_seconds, started):
    """A request that reads a counter, works a little, then writes counter + 1."""
    with app.test_request_context("/", method=method):
        version = db.session.scalar(select(User.session_version).where(User.id == user_id))
        started.set()
        time.sleep(hold_seconds)
        db.session.get(User, user_id).session_version = version + 1
        db.session.commit()
        db.session.remove()


def race(app, method, user_id):
    errors = []
    first_started, second_started = threading.Event(), threading.Event()

    def run(hold, started):
        try:
            bump_session_version(app, method, user_id, hold, started)
        except Exception as error:  # reported below
            errors.append(error)

    first = threading.Thread(target=run, args=(0.4, first_started))
    second = threading.Thread(target=run, args=(0.0, second_started))
    first.start()
    assert first_started.wait(5)
    second.start()
    for thread in (first, second):
        thread.join(20)
    db.session.expire_all()
    return db.session.get(User, user_id).session_version, errors


def test_write_requests_wait_for_each_other(app, sqlite_only, create_user):
    user = create_user()
    version, errors = race(app, "POST", user.id)
    assert errors == []
    assert version == 3  # 1 + both increments: nothing lost


def test_without_immediate_an_update_would_be_lost(app, sqlite_only, create_user):
    """The control: the same two increments from reading (GET) code paths lose one."""
    user = create_user()
    version, errors = race(app, "GET", user.id)
    assert errors == [] and version == 2


def test_only_unsafe_methods_begin_immediate(app):
    for method, expected in (("GET", False), ("HEAD", False), ("POST", True),
                             ("DELETE", True)):
        with app.test_request_context("/", method=method):
            assert begins_immediate() is expected
    assert begins_immediate() is False  # CLI and background work


def test_a_view_may_take_the_write_lock_late(app):
    """The quiz autosave's reads need no write lock (its first write re-checks them); every
    other write view takes it when its transaction begins."""
    with app.test_request_context("/percobaan/7/autosimpan", method="POST"):
        assert begins_immediate() is False
    with app.test_request_context("/percobaan/7", method="POST"):  # the no-JS save
        assert begins_immediate() is True
    with app.test_request_context("/percobaan/7/autosimpan", method="GET"):
        assert begins_immediate() is False


def _synchronous_level(database_url, tmp_path, **settings):
    from sqlalchemy import text

    from tests.conftest import configured_app

    with configured_app(database_url, tmp_path, **settings):
        return db.session.scalar(text("PRAGMA synchronous"))


def test_commits_wait_for_the_disk_unless_told_otherwise(sqlite_only, database_url, tmp_path):
    """Production's default is FULL (2): an issued certificate is on the disk before the page
    says so. The test configuration throws its databases away and uses OFF (0)."""
    from config import Config

    assert Config.SQLITE_SYNCHRONOUS == "FULL"
    assert _synchronous_level(database_url, tmp_path / "a", SQLITE_SYNCHRONOUS="FULL") == 2
    assert _synchronous_level(database_url, tmp_path / "b", SQLITE_SYNCHRONOUS="normal") == 1
    assert _synchronous_level(database_url, tmp_path / "c") == 0


def test_an_unknown_synchronous_level_is_named_before_start(tmp_path):
    from app.startup_checks import settings_problems

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.db'}",
                "INSTANCE_PATH": str(tmp_path / "instance"), "SQLITE_SYNCHRONOUS": "cepat"}
    [problem] = settings_problems(settings)
    assert problem.startswith("LMS_SQLITE_SYNCHRONOUS: `cepat` bukan pilihan; tulis salah satu "
                              "dari OFF, NORMAL, FULL, EXTRA")
    settings["SQLITE_SYNCHRONOUS"] = "normal"
    assert settings_problems(settings) == []
