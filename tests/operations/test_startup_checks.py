"""Settings are checked before Kompeten starts: each problem is one Indonesian line naming the
setting and the fix, the exit status is 2, and there is no traceback — from `flask`, run.py
and gunicorn alike."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.startup_checks import settings_problems
from tests.conftest import POSTGRES_URL, ROOT
from tests.operations.mounts import small_tmpfs

FLASK = [sys.executable, "-m", "flask", "--app", "app:create_app"]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def settings(tmp_path):
    """Good settings: a SQLite file in a writable folder, nothing else set."""
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"), "BASE_URL": "https://kompeten.example",
            "REDIS_URL": None}


def test_good_settings_have_no_problems(settings, monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    assert settings_problems(settings) == []
    assert Path(settings["INSTANCE_PATH"]).is_dir()  # made, as the secret key will need it


@pytest.mark.parametrize("url, expected", [
    ("postgres://kompeten@db/kompeten",
     "LMS_DATABASE_URL: `postgres://` → pakai `postgresql+psycopg://`"),
    ("postgresql://kompeten@db/kompeten",
     "LMS_DATABASE_URL: `postgresql://` → pakai `postgresql+psycopg://`"),
    ("ini bukan alamat", "LMS_DATABASE_URL: alamat basis data tidak dapat dibaca."),
    ("mysql+pymysql://x@y/z", "LMS_DATABASE_URL: basis data `mysql+pymysql` tidak didukung"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/kompeten",
     "LMS_DATABASE_URL: PostgreSQL di 127.0.0.1:1 tidak dapat dihubungi (connection failed"),
    ("sqlite:////tidak/ada/sama/sekali/k.db",
     "LMS_DATABASE_URL: folder /tidak/ada/sama/sekali tidak ada; buat dulu"),
])
def test_database_url_problems_name_the_fix(settings, url, expected):
    settings["SQLALCHEMY_DATABASE_URI"] = url
    problems = settings_problems(settings)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set LMS_TEST_DATABASE_URL")
def test_a_missing_postgres_database_says_create_it(settings):
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL).set(database="kompeten_tidak_ada")
    settings["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
    [problem] = settings_problems(settings)
    assert "basis data `kompeten_tidak_ada` belum ada" in problem and "createdb" in problem


def test_base_url_redis_url_and_secret_key(settings, monkeypatch):
    settings.update(BASE_URL="kompeten.palukota.go.id", REDIS_URL="http://127.0.0.1:6379")
    monkeypatch.setenv("LMS_SECRET_KEY", "rahasia")
    problems = settings_problems(settings)
    assert [p.split(":", 1)[0] for p in problems] == [
        "LMS_SECRET_KEY", "LMS_BASE_URL", "LMS_REDIS_URL"]
    assert "terlalu pendek (7 karakter)" in problems[0]
    settings.update(BASE_URL="http://127.0.0.1:5000", REDIS_URL="redis://127.0.0.1:6379/0")
    monkeypatch.setenv("LMS_SECRET_KEY", "x" * 64)
    assert settings_problems(settings) == []
    settings["REDIS_URL"] = "redis://127.0.0.1:abc/0"
    assert settings_problems(settings)[0].startswith("LMS_REDIS_URL: `redis://127.0.0.1:abc/0`")


def test_an_instance_path_that_cannot_be_a_folder(settings, tmp_path):
    blocker = tmp_path / "berkas"
    blocker.write_text("bukan folder")
    settings["INSTANCE_PATH"] = str(blocker / "instance")  # fails for root too
    [problem] = settings_problems(settings)
    assert problem.startswith(f"LMS_INSTANCE_PATH: folder {blocker / 'instance'} tidak ada dan "
                              "tidak dapat dibuat")


@pytest.fixture
def read_only_folder(tmp_path):
    with small_tmpfs(tmp_path / "ro", "size=1m,ro", why="a read-only tmpfs") as folder:
        yield folder


def test_a_read_only_folder_is_named_as_such(settings, read_only_folder):
    settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{read_only_folder / 'k.db'}",
                    INSTANCE_PATH=str(read_only_folder))
    problems = settings_problems(settings)
    assert [p.split(":", 1)[0] for p in problems] == ["LMS_INSTANCE_PATH", "LMS_DATABASE_URL"]
    assert all("hanya-baca (read-only)" in p for p in problems)
    assert "SQLite menulis berkas basis data" in problems[1]


# --- the entry points -------------------------------------------------------------------------

def _environment(tmp_path, **settings):
    env = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    return dict(env, LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_ACCESS_LOG="/dev/null",
                LMS_RUN_CONSUMER="0", **settings)


def _run(command, env):
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def _assert_refused(result, *lines):
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "Kompeten tidak dapat dijalankan; periksa pengaturan berikut:" in result.stderr
    for line in lines:
        assert line in result.stderr, result.stderr


@pytest.mark.parametrize("entry", ["flask db upgrade", "run.py", "gunicorn"])
def test_every_entry_point_stops_with_status_2_and_no_traceback(tmp_path, entry):
    env = _environment(tmp_path, LMS_DATABASE_URL="postgres://kompeten@db/kompeten",
                       LMS_BASE_URL="kompeten.palukota.go.id", LMS_BIND="127.0.0.1:0")
    command = {"flask db upgrade": [*FLASK, "db", "upgrade"],
               "run.py": [sys.executable, "run.py"],
               "gunicorn": [str(GUNICORN), "-c", "gunicorn.conf.py", "app:create_app()"]}[entry]
    _assert_refused(_run(command, env),
                    "- LMS_DATABASE_URL: `postgres://` → pakai `postgresql+psycopg://`",
                    "- LMS_BASE_URL: `kompeten.palukota.go.id` bukan alamat situs")


def test_a_number_setting_that_is_not_a_number(tmp_path):
    result = _run([*FLASK, "db", "upgrade"], _environment(tmp_path, LMS_MAX_REQUEST_MB="dua"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "LMS_MAX_REQUEST_MB harus bilangan bulat, bukan 'dua'." in result.stderr


def test_good_settings_start_even_on_a_new_machine(tmp_path):
    """The default SQLite file lives in an instance folder that does not exist yet."""
    result = _run([*FLASK, "db", "upgrade"], _environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "secret_key").is_file()
