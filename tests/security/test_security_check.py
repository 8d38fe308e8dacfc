"""`flask security check`: one line per check, exit 1 on any FAIL."""

import pytest

from app.database import utcnow
from app.extensions import db
from app.operations import security_check
from app.settings import set_setting
from tests.conftest import PNS_NIP, PPPK_NIP

STRONG_KEY = "k" * 16 + "0123456789abcdef0123456789"


@pytest.fixture
def production_like(app, monkeypatch, tmp_path):
    """The test app configured as a careful one-worker production install would be."""
    app.config.update(TESTING=False, SECRET_KEY=STRONG_KEY, HTTPS=True,
                      SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True,
                      ARGON2_TIME_COST=3, ARGON2_MEMORY_COST=65536, ARGON2_PARALLELISM=4)
    monkeypatch.setenv("LMS_WORKERS", "1")
    set_setting("registration", "closed")
    db.session.commit()
    return app


@pytest.fixture
def settled_admin(create_user, agencies):
    admin = create_user(nip=PNS_NIP, roles=("admin", "learner"))
    admin.last_login_at = utcnow()
    db.session.commit()
    return admin


def run(app):
    result = app.test_cli_runner().invoke(args=["security", "check"])
    return result.exit_code, result.output


def lines_with(output, level):
    return [line[5:] for line in output.splitlines() if line.startswith(f"{level:<4} ")]


def test_careful_install_passes(production_like, settled_admin, monkeypatch):
    # The test database is SQLite in memory or a file without WAL, or PostgreSQL: either is
    # fine for this report as long as nothing FAILs.
    code, output = run(production_like)
    assert code == 0, output
    assert lines_with(output, "FAIL") == []
    assert "debug mati" in lines_with(output, "OK")
    assert "perlindungan CSRF aktif" in lines_with(output, "OK")
    assert "cookie Secure, HttpOnly; HSTS aktif" in lines_with(output, "OK")
    assert "1 admin, semua sudah memakai kata sandi sendiri" in lines_with(output, "OK")
    assert output.rstrip().splitlines()[-1].startswith("Ringkasan:")


@pytest.mark.parametrize("change, expected", [
    ({"DEBUG": True}, "mode debug/testing menyala"),
    ({"TESTING": True}, "mode debug/testing menyala"),
    ({"SECRET_KEY": "test-secret-key"}, "kunci rahasia pendek/bawaan"),
    ({"SECRET_KEY": "x" * 20}, "kunci rahasia pendek/bawaan"),
    ({"WTF_CSRF_ENABLED": False}, "perlindungan CSRF mati"),
    ({"SESSION_COOKIE_SECURE": False}, "LMS_HTTPS=1 tetapi cookie"),
    ({"ADMIN_PASSWORD": "bismillah"}, "LMS_ADMIN_PASSWORD lemah atau umum"),
    ({"MAX_CONTENT_LENGTH": None}, "MAX_CONTENT_LENGTH tidak diset"),
])
def test_each_unsafe_setting_fails(production_like, settled_admin, change, expected):
    production_like.config.update(change)
    code, output = run(production_like)
    assert code == 1
    assert any(line.startswith(expected) for line in lines_with(output, "FAIL")), output


def test_plain_http_only_warns(production_like, settled_admin):
    production_like.config.update(HTTPS=False, SESSION_COOKIE_SECURE=False,
                                  REMEMBER_COOKIE_SECURE=False)
    code, output = run(production_like)
    assert code == 0
    assert any(line.startswith("cookie tidak Secure (LMS_HTTPS=0)")
               for line in lines_with(output, "WARN"))


def test_missing_or_unsettled_admin_warns(production_like, create_user, agencies):
    code, output = run(production_like)
    assert code == 0 and any("belum ada akun admin" in w for w in lines_with(output, "WARN"))
    create_user(nip=PNS_NIP, roles=("admin", "learner"))  # never logged in
    code, output = run(production_like)
    assert any(PNS_NIP in w for w in lines_with(output, "WARN"))


def test_memory_rate_limits_with_several_workers_warn(production_like, settled_admin,
                                                      monkeypatch):
    monkeypatch.setenv("LMS_WORKERS", "5")
    code, output = run(production_like)
    assert code == 0
    assert any("5 worker" in line for line in lines_with(output, "WARN"))


def test_self_registration_is_reported(production_like, settled_admin, create_user):
    set_setting("registration", "open-with-verification")
    create_user(nip=PPPK_NIP).verified_at = None
    db.session.commit()
    info = lines_with(run(production_like)[1], "INFO")
    assert any("pendaftaran mandiri terbuka dengan verifikasi" in line
               and "1 akun menunggu verifikasi" in line for line in info), info


def test_closed_registration_is_ok(production_like, settled_admin):
    assert "pendaftaran mandiri ditutup" in lines_with(run(production_like)[1], "OK")


def test_unknown_registration_value_warns_and_keeps_daftar_closed(production_like,
                                                                 settled_admin):
    set_setting("registration", "open")  # a typo, or the old boolean's spirit
    db.session.commit()
    warnings = lines_with(run(production_like)[1], "WARN")
    assert any("'open'" in line and "pendaftaran ditutup" in line for line in warnings), warnings
    assert production_like.test_client().get("/daftar").status_code == 404


def test_sqlite_without_wal_warns(production_like, monkeypatch):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("journal_mode is a SQLite setting")
    monkeypatch.setattr(db.session, "execute", _journal_mode("delete", db.session.execute))
    finding = security_check.check_database(production_like.config)
    assert finding.level == "WARN" and "journal_mode=delete" in finding.message


def _journal_mode(mode, execute):
    class Result:
        def scalar(self):
            return mode

    def fake(statement, *args, **kwargs):
        if "journal_mode" in str(statement):
            return Result()
        return execute(statement, *args, **kwargs)

    return fake


def test_weak_hashing_cost_warns(production_like):
    production_like.config["ARGON2_MEMORY_COST"] = 1024
    finding = security_check.check_password_hashing(production_like.config)
    assert finding.level == "WARN" and "ARGON2_MEMORY_COST" in finding.message


@pytest.mark.parametrize("base_url, level, expected", [
    ("http://127.0.0.1:5000", "WARN", "alamat dasar masih http://127.0.0.1:5000"),
    ("http://localhost:8000", "WARN", "alamat dasar masih"),
    ("http://kompeten.palukota.go.id", "WARN", "LMS_HTTPS=1 tetapi alamat dasar memakai http://"),
    ("https://kompeten.palukota.go.id", "OK", "alamat dasar https://kompeten.palukota.go.id"),
    ("kompeten.palukota.go.id", "FAIL", "alamat dasar (LMS_BASE_URL) tidak valid"),
])
def test_the_base_url_is_checked(production_like, base_url, level, expected):
    set_setting("base_url", base_url)
    db.session.commit()
    finding = security_check.check_base_url(production_like.config)
    assert finding.level == level and finding.message.startswith(expected), finding
