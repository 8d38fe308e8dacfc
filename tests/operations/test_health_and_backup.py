"""/healthz for load balancers, and `flask db-backup` restoring to the same data."""

import os
import sqlite3

import pytest
from sqlalchemy import select

from app import create_app
from app.auth.models import User
from app.extensions import db

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"] == {"database": "ok", "disk": "ok"}
    assert response.headers["Cache-Control"] == "private, no-store"


def test_healthz_names_redis_degraded_but_stays_in_rotation(app, client):
    """Every worker still serves without Redis (limits count per process): a 503 would make
    the load balancer take all of them out at once."""
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def _redis_available():
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_available(),
                    reason=f"Redis not reachable at {REDIS_URL} (set LMS_TEST_REDIS_URL)")
def test_healthz_checks_redis_when_configured(app, client):
    app.config["REDIS_URL"] = REDIS_URL
    body = client.get("/healthz").get_json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "disk": "ok"}


def test_backup_of_a_live_sqlite_database_restores_the_data(tmp_path, create_user):
    live = tmp_path / "live.db"
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}", "INSTANCE_PATH": str(tmp_path / "i")})
    with app.app_context():
        db.create_all()
        from app.auth.services import create_user as make_user
        make_user(nip="198609262015051001", name="Budi Santoso", password="rahasia-palu-2026")
        db.session.commit()
        # A second connection holds a read transaction open while the backup runs.
        reader = sqlite3.connect(live)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM user").fetchone()
        result = app.test_cli_runner().invoke(args=["db-backup", str(tmp_path / "b" / "c.db")])
        reader.close()
        assert result.exit_code == 0, result.output
        assert "Cadangan tersimpan" in result.output
        db.engine.dispose()
    restored = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b' / 'c.db'}",
        "INSTANCE_PATH": str(tmp_path / "i")})
    with restored.app_context():
        names = db.session.scalars(select(User.name)).all()
        db.engine.dispose()
    assert names == ["Budi Santoso"]
    assert not (tmp_path / "b" / "c.db.partial").exists()


def test_backup_refuses_an_in_memory_database(tmp_path):
    app = create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                           "INSTANCE_PATH": str(tmp_path)})
    result = app.test_cli_runner().invoke(args=["db-backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0
    assert "Basis data SQLite di memori tidak dapat dicadangkan." in result.output
    assert not (tmp_path / "x.db").exists()


def test_backup_points_postgresql_to_pg_dump(app, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("runs with LMS_TEST_DATABASE_URL set to PostgreSQL")
    result = app.test_cli_runner().invoke(args=["db-backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_ping_is_a_constant_through_the_whole_stack(client):
    response = client.get("/ping")
    assert (response.status_code, response.data) == (200, b"pong")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_ping_and_healthz_never_load_a_signed_in_user(client, create_user, login, queries):
    """The benchmark's baseline and the proxy's probe come with the browser's cookies; they
    must not cost a user query (or add `Vary: Cookie`)."""
    user = create_user()
    login(user.nip)
    assert client.get("/beranda").status_code == 200  # the cookie holds a signed-in user
    with queries() as ping:
        response = client.get("/ping")
    assert (response.status_code, ping()) == (200, 0)
    assert "Cookie" not in response.headers.get("Vary", "")
    with queries() as health:
        client.get("/healthz")
    with queries() as health_again:
        client.get("/healthz")
    assert health_again() == health() <= 2  # its own database check, not the user
