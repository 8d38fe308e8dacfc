"""Settings checked before Kompeten starts (`make run`, `make serve`, every `flask` command).

A wrong setting used to surface as 36-153 lines of traceback from deep inside SQLAlchemy or
the secret-key file. Instead each problem is one Indonesian line naming the setting, what is
wrong and the fix; then the process exits with status 2 (a usage error, as for a wrong
command-line flag), without a traceback. The checks are cheap: URL forms, one connection to
PostgreSQL with a short timeout, and a probe file in the folders that must be writable.
"""

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EXIT_STATUS = 2
SUPPORTED_DATABASES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
POSTGRES_EXAMPLE = "postgresql+psycopg://kompeten:sandi@127.0.0.1:5432/kompeten"
MIN_SECRET_KEY = 32
CONNECT_TIMEOUT_SECONDS = 3


def _unwritable_reason(folder):
    """None when a file can be created in folder, else why not (in Indonesian)."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "sistem berkasnya hanya-baca (read-only)"
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".kompeten-cek-"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None


def _account():
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def _folder_problem(setting, folder, purpose, create=True):
    folder = Path(folder)
    if not folder.exists() and not create:
        return (f"{setting}: folder {folder} tidak ada; buat dulu, mis. `mkdir -p {folder}`, "
                f"dan berikan kepada akun {_account()}.")
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return (f"{setting}: folder {folder} tidak ada dan tidak dapat dibuat "
                    f"({error.strerror}); buat foldernya, mis. `mkdir -p {folder}`, dan "
                    f"berikan kepada akun {_account()}.")
    if not folder.is_dir():
        return f"{setting}: {folder} bukan folder; {purpose} perlu sebuah folder."
    reason = _unwritable_reason(folder)
    if reason:
        return (f"{setting}: folder {folder} tidak dapat ditulisi oleh akun {_account()} "
                f"({reason}); {purpose}. Perbaiki dengan `chown -R {_account()} {folder}` "
                f"atau pasang ulang foldernya dengan izin tulis.")
    return None


def _database_problems(url_text):
    setting = "LMS_DATABASE_URL"
    try:
        url = make_url(url_text)
    except ArgumentError:
        return [f"{setting}: alamat basis data tidak dapat dibaca. Contoh yang benar: "
                f"`sqlite:////srv/kompeten/instance/kompeten.db` atau `{POSTGRES_EXAMPLE}`."]
    driver = url.drivername
    if driver in ("postgres", "postgresql", "postgresql+psycopg2"):
        scheme = driver + "://"
        return [f"{setting}: `{scheme}` → pakai `postgresql+psycopg://` (driver psycopg 3 yang "
                f"terpasang), mis. `{POSTGRES_EXAMPLE}`."]
    if driver not in SUPPORTED_DATABASES:
        return [f"{setting}: basis data `{driver}` tidak didukung; pakai SQLite "
                f"(`sqlite:///…`) atau PostgreSQL (`{POSTGRES_EXAMPLE}`)."]
    if driver.startswith("sqlite"):
        return _sqlite_problems(setting, url.database)
    return _postgres_problems(setting, url)


def _sqlite_problems(setting, database):
    if not database or database == ":memory:" or database.startswith("file:"):
        return []
    path = Path(database)
    problem = _folder_problem(setting, path.parent,
                              "SQLite menulis berkas basis data dan berkas -wal/-shm di sana",
                              create=False)
    if problem:
        return [problem]
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return [f"{setting}: berkas {path} tidak dapat dibaca-tulis oleh akun {_account()}; "
                f"perbaiki dengan `chown {_account()} {path}`."]
    return []


def _postgres_problems(setting, url):
    import psycopg

    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
    except psycopg.Error as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0].strip()
        if "does not exist" in str(error) and url.database:
            return [f"{setting}: basis data `{url.database}` belum ada di PostgreSQL {where}; "
                    f"buat dulu, mis. `createdb -h {url.host or 'localhost'} "
                    f"{url.database}` ({detail})."]
        return [f"{setting}: PostgreSQL di {where} tidak dapat dihubungi ({detail}); pastikan "
                f"servernya berjalan dan alamat, pengguna serta sandinya benar."]
    return []


def _secret_key_problem(secret_key):
    if secret_key and len(secret_key) < MIN_SECRET_KEY:
        return (f"LMS_SECRET_KEY: terlalu pendek ({len(secret_key)} karakter); pakai minimal "
                f"{MIN_SECRET_KEY} karakter acak, mis. dari "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`, atau kosongkan "
                "agar kunci dibuat sekali di folder instance.")
    return None


def _base_url_problem(base_url):
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or " " in base_url:
        return (f"LMS_BASE_URL: `{base_url}` bukan alamat situs; tulis seperti "
                "`https://kompeten.palukota.go.id` (http atau https, nama host, tanpa ? atau #).")
    return None


def _redis_url_problem(redis_url):
    if not redis_url:
        return None
    parts = urlsplit(redis_url)
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("redis", "rediss", "unix") \
            or (parts.scheme != "unix" and not parts.hostname):
        return (f"LMS_REDIS_URL: `{redis_url}` bukan alamat Redis; tulis seperti "
                "`redis://127.0.0.1:6379/0` (atau rediss:// dengan TLS, unix:///jalur/soket), "
                "atau kosongkan bila tanpa Redis.")
    return None


def _sqlite_synchronous_problem(level):
    from app.database_setup import SQLITE_SYNCHRONOUS_LEVELS

    if str(level).upper() in SQLITE_SYNCHRONOUS_LEVELS:
        return None
    return (f"LMS_SQLITE_SYNCHRONOUS: `{level}` bukan pilihan; tulis salah satu dari "
            f"{', '.join(SQLITE_SYNCHRONOUS_LEVELS)} (bawaan FULL: setiap simpanan sudah di disk "
            "sebelum halaman menjawab).")


def settings_problems(config):
    """One Indonesian line per problem in the settings a Flask config holds; [] when fine."""
    # The instance folder first: it is made when missing, and the default SQLite file is in it.
    problems = [_folder_problem(
        "LMS_INSTANCE_PATH", config["INSTANCE_PATH"],
        "Kompeten menyimpan kunci rahasia, unggahan, ekspor dan cadangan di sana")]
    problems += _database_problems(config["SQLALCHEMY_DATABASE_URI"])
    problems.append(_secret_key_problem(os.environ.get("LMS_SECRET_KEY")))
    problems.append(_base_url_problem(config.get("BASE_URL")))
    problems.append(_redis_url_problem(config.get("REDIS_URL")))
    problems.append(_sqlite_synchronous_problem(config.get("SQLITE_SYNCHRONOUS", "FULL")))
    return [problem for problem in problems if problem]


def exit_on_problems(problems, stream=None):
    """Print the problems and stop the process with status 2 (no traceback)."""
    if not problems:
        return
    stream = stream or sys.stderr
    print("Kompeten tidak dapat dijalankan; periksa pengaturan berikut:", file=stream)
    for problem in problems:
        print(f"- {problem}", file=stream)
    stream.flush()
    raise SystemExit(EXIT_STATUS)


def check_before_start(config_object="config.Config"):
    """For a process that starts Kompeten without building the app first (gunicorn's master,
    before its workers): check the settings of config_object, exit 2 on problems."""
    from werkzeug.utils import import_string

    config = import_string(config_object)
    settings = {name: getattr(config, name) for name in dir(config) if name.isupper()}
    if settings.get("STARTUP_CHECKS"):
        exit_on_problems(settings_problems(settings))
