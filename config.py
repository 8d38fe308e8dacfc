"""Configuration classes. Every setting can come from an ``LMS_*`` environment variable."""

import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_PATH", BASE_DIR / "instance"))


def env_bool(name, default):
    """Read a boolean environment variable: 1/true/yes/on mean True."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:  # at import time: one line and exit status 2, as app/startup_checks.py
        print(f"Kompeten tidak dapat dijalankan: {name} harus bilangan bulat, bukan "
              f"'{value}'.", file=sys.stderr)
        raise SystemExit(2) from None


def registration_default():
    """LMS_REGISTRATION ("open-with-verification" or "closed"); the older boolean
    LMS_SELF_REGISTRATION still works: 0/false/no/off means closed."""
    value = os.environ.get("LMS_REGISTRATION")
    if value:
        return value.strip().lower()
    return "open-with-verification" if env_bool("LMS_SELF_REGISTRATION", True) else "closed"


def load_secret_key(instance_dir=INSTANCE_DIR):
    """LMS_SECRET_KEY, or a key generated once into instance/secret_key and reused after."""
    from_env = os.environ.get("LMS_SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_dir) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def engine_options(url):
    """Connection pool per worker process. PostgreSQL: every gunicorn worker holds up to
    pool_size + max_overflow connections, so workers x that must stay under max_connections
    (docs/operations.md). SQLite needs no pool tuning."""
    # Compiled statements kept per worker: SQLAlchemy's LRU grows to 1.5 x this before it
    # prunes back, some 70 KB a statement. 100 keeps every statement of the learner pages (the
    # bench's page scenarios use 36) within ~10 MiB; SQLAlchemy's default of 500 would let a
    # worker that also serves trainers and admins grow by ~50 MiB (docs/operations.md).
    statements = {"query_cache_size": env_int("LMS_DB_STATEMENT_CACHE", 100)}
    if not url.startswith("postgresql"):
        return statements
    # No pre-ping by default: it costs a round trip on every request (measured: one extra
    # statement per page). After a database restart each worker's first query fails once and
    # the pool is rebuilt; LMS_DB_PRE_PING=1 trades that for the round trip (e.g. behind a
    # firewall that silently drops idle connections).
    return {**statements, "pool_pre_ping": env_bool("LMS_DB_PRE_PING", False),
            "pool_size": env_int("LMS_DB_POOL_SIZE", 5),
            "max_overflow": env_int("LMS_DB_MAX_OVERFLOW", 5),
            "pool_recycle": env_int("LMS_DB_POOL_RECYCLE", 1800)}


def default_database_url():
    return f"sqlite:///{INSTANCE_DIR / 'kompeten.db'}"


class Config:
    INSTANCE_PATH = str(INSTANCE_DIR)
    # Check the settings before starting (app/startup_checks.py): a wrong one stops every
    # entry point (run.py, gunicorn, `flask ...`) with one line per problem and exit status 2.
    STARTUP_CHECKS = env_bool("LMS_STARTUP_CHECKS", True)
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    COURSES_DIR = os.environ.get("LMS_COURSES_DIR", str(BASE_DIR / "courses"))
    QUIZZES_DIR = os.environ.get("LMS_QUIZZES_DIR", str(BASE_DIR / "quizzes"))
    PROGRAMMES_DIR = os.environ.get("LMS_PROGRAMMES_DIR", str(BASE_DIR / "programmes"))

    # Largest image or PDF a course may carry (uploaded, or in a course folder's media/);
    # the default for the "upload.max_kb" setting admins can change.
    UPLOAD_MAX_KB = env_int("LMS_UPLOAD_MAX_KB", 5120)
    # Largest image (width x height) accepted as course media or JP evidence: a small file can
    # claim a huge picture (a decompression bomb) that would unpack to gigabytes when shown.
    MAX_IMAGE_PIXELS = env_int("LMS_MAX_IMAGE_PIXELS", 40_000_000)
    # Hard cap on any request body, far above the upload setting: a larger body is cut off
    # by Werkzeug before it is read into memory.
    MAX_CONTENT_LENGTH = env_int("LMS_MAX_REQUEST_MB", 32) * 1024 * 1024
    # Course text is read whole into memory and rendered; a runaway file (50 MB of Markdown)
    # would take gigabytes and minutes. Larger files are refused by `flask content check`,
    # the import and the browser editor, with the limit named.
    MODULE_MAX_KB = env_int("LMS_MODULE_MAX_KB", 1024)  # one module's Markdown
    DESCRIPTION_MAX_KB = env_int("LMS_DESCRIPTION_MAX_KB", 256)  # a course's description
    GIFT_MAX_KB = env_int("LMS_GIFT_MAX_KB", 2048)  # one quiz's GIFT file

    # How long a SQLite writer waits for another's write lock before giving up (then the
    # request answers 503 "try again"); far above a normal write's few milliseconds.
    SQLITE_BUSY_TIMEOUT_MS = env_int("LMS_SQLITE_BUSY_TIMEOUT_MS", 5000)
    # FULL: every commit is on the disk before the request answers (an issued certificate
    # survives a power cut). NORMAL (with WAL) keeps the file consistent but may lose the last
    # commits at a power cut, for ~15x cheaper commits; OFF is for throwaway databases only.
    SQLITE_SYNCHRONOUS = os.environ.get("LMS_SQLITE_SYNCHRONOUS", "FULL")
    # Item analysis calls a question "Soal lemah" only from this many graded answers: one
    # learner's bad day says nothing about the question. The "item_analysis.min_attempts"
    # setting.
    ITEM_ANALYSIS_MIN_ATTEMPTS = env_int("LMS_ITEM_ANALYSIS_MIN_ATTEMPTS", 5)
    # How long a worker may use its copy of a logged-in user (app/auth/user_cache.py) when no
    # users stamp told it of a change: what SQL by hand, or another app server without this
    # one's instance folder, may take to be seen. 0: read the user on every request.
    USER_CACHE_SECONDS = env_int("LMS_USER_CACHE_SECONDS", 10)
    # The database not answering (lock timeout, lost connection): the 503 page asks browsers
    # and scripts to try again after this many seconds.
    OUTAGE_RETRY_AFTER_SECONDS = env_int("LMS_OUTAGE_RETRY_AFTER_SECONDS", 30)
    # /healthz says "degraded" when the instance folder's disk has less free space than this.
    DISK_LOW_MB = env_int("LMS_DISK_LOW_MB", 500)

    # Who may create an account at /daftar: "open-with-verification" (anyone with a valid NIP;
    # the account learns but earns no certificate and counts in no report until an admin
    # verifies it) or "closed" (admins create every account). The "registration" setting.
    REGISTRATION = registration_default()
    # Yearly competency-development target in JP, per employment type (DOMAIN.md).
    # Admins can override both at runtime through the settings table.
    JP_TARGET_PNS = env_int("LMS_JP_TARGET_PNS", 20)
    JP_TARGET_PPPK = env_int("LMS_JP_TARGET_PPPK", 20)
    # One JP (jam pelajaran) of ASN training is 45 minutes.
    JP_MINUTES = env_int("LMS_JP_MINUTES", 45)
    # Seconds a timed quiz still accepts answers after its time is up (slow links).
    QUIZ_GRACE_SECONDS = env_int("LMS_QUIZ_GRACE_SECONDS", 60)
    # Workshops and webinars: learners check in with the session's code from this many minutes
    # before the start until this many after the end; the meeting link shows from this early.
    WORKSHOP_CHECKIN_BEFORE_MINUTES = env_int("LMS_WORKSHOP_CHECKIN_BEFORE_MINUTES", 15)
    WORKSHOP_CHECKIN_AFTER_MINUTES = env_int("LMS_WORKSHOP_CHECKIN_AFTER_MINUTES", 30)
    WORKSHOP_LINK_BEFORE_MINUTES = env_int("LMS_WORKSHOP_LINK_BEFORE_MINUTES", 30)
    INSTITUTION_NAME = os.environ.get("LMS_INSTITUTION_NAME", "Pemerintah Kota Palu")

    # Text responses (pages, CSS, JS, JSON, SVG) over 500 bytes are sent compressed, brotli or
    # gzip as the browser accepts; files sent as streams (PDFs, images, exports) never are.
    # LMS_COMPRESS=0 when the proxy in front already compresses (docs/performance.md).
    COMPRESS_REGISTER = env_bool("LMS_COMPRESS", True)
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5  # smaller than gzip -6 on our pages, as fast
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml"]
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("LMS_HTTPS", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_bool("LMS_HTTPS", False)
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * env_int("LMS_REMEMBER_DAYS", 14)
    # Served over HTTPS (at the proxy): Secure cookies above, and HSTS on every response.
    HTTPS = env_bool("LMS_HTTPS", False)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    # (nginx on the same machine: 1). 0: no proxy, those headers are ignored (app/proxy.py).
    PROXY_COUNT = env_int("LMS_PROXY_COUNT", 0)
    # Failed logins allowed within the window (moving window, counted in the rate-limit
    # storage, so in Redis across workers when configured): per account from one client
    # address, per client address over all accounts, and per account from everywhere. The last
    # is high so that someone who knows a NIP cannot keep its owner out (app/auth/throttle.py).
    LOGIN_FAILURES_PER_ACCOUNT = env_int("LMS_LOGIN_FAILURES_PER_ACCOUNT", 5)
    LOGIN_FAILURES_PER_IP = env_int("LMS_LOGIN_FAILURES_PER_IP", 20)
    LOGIN_FAILURES_PER_ACCOUNT_TOTAL = env_int("LMS_LOGIN_FAILURES_PER_ACCOUNT_TOTAL", 100)
    LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LMS_LOGIN_THROTTLE_MINUTES", 15) * 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: slow readers are normal

    # Argon2id cost (argon2-cffi's RFC 9106 "low memory" profile by default).
    ARGON2_TIME_COST = env_int("LMS_ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("LMS_ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = env_int("LMS_ARGON2_PARALLELISM", 4)

    # Shared state between workers (rate limits) lives in Redis when configured.
    REDIS_URL = os.environ.get("LMS_REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: limits (and the login throttle, app/auth/throttle.py) count per process in
    # memory until it answers again; short timeouts so a dead Redis costs no request a second.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = ({"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
                                 if REDIS_URL else {})
    # Keys in a shared Redis are prefixed, so two installations (or a test) never mix counts.
    RATELIMIT_KEY_PREFIX = os.environ.get("LMS_RATELIMIT_PREFIX", "kompeten")
    VERIFY_RATE_LIMIT = os.environ.get("LMS_VERIFY_RATE_LIMIT", "30 per minute")
    # Attendance codes tried per learner (a mistyped code or two is normal, guessing is not).
    CHECKIN_RATE_LIMIT = os.environ.get("LMS_CHECKIN_RATE_LIMIT", "10 per 10 minutes")

    # Course discussions (docs/discussion.md): an author may edit a post for this many minutes
    # after writing it (the "discussion.edit_minutes" setting admins can change); new threads,
    # replies and reports per person (Flask-Limiter's syntax, counted in the rate-limit
    # storage: Redis when configured).
    DISCUSSION_EDIT_MINUTES = env_int("LMS_DISCUSSION_EDIT_MINUTES", 30)
    DISCUSSION_POST_RATE_LIMIT = os.environ.get("LMS_DISCUSSION_POST_RATE_LIMIT",
                                                "5 per minute; 40 per hour")

    # Background jobs (app/jobs, docs/operations.md): Huey's queue is a SQLite file in
    # instance/ (jobs.db), or Redis when LMS_REDIS_URL is set (shared by several app servers).
    # Immediate mode runs each job inside the process that starts it (tests only).
    JOBS_IMMEDIATE = env_bool("LMS_JOBS_IMMEDIATE", False)
    JOBS_QUEUE_NAME = os.environ.get("LMS_JOBS_QUEUE", "kompeten")
    JOB_WORKERS = env_int("LMS_JOB_WORKERS", 2)  # threads in one consumer process
    JOB_HEARTBEAT_SECONDS = env_int("LMS_JOB_HEARTBEAT_SECONDS", 10)
    # A running job whose heartbeat is older than this is taken as lost (its consumer died)
    # and run again; every job step beats far more often (one certificate: well under 1 s).
    JOB_STALE_SECONDS = env_int("LMS_JOB_STALE_SECONDS", 120)
    JOB_RETRY_SECONDS = env_int("LMS_JOB_RETRY_SECONDS", 30)  # then 60, 120, 240 ...
    JOB_RESULT_DAYS = env_int("LMS_JOB_RESULT_DAYS", 7)  # exports offered for download
    # A report export with more rows than this is written by a job, not inside the request.
    EXPORT_INLINE_MAX_ROWS = env_int("LMS_EXPORT_INLINE_MAX_ROWS", 5000)
    # A people import (browser, after its preview, or `flask users import`) of more rows than
    # this is written by a job, in batches, not inside the request.
    IMPORT_INLINE_MAX_ROWS = env_int("LMS_IMPORT_INLINE_MAX_ROWS", 1000)
    # Periodic jobs (app/jobs/periodic.py), each can be turned off: a consistent copy of the
    # SQLite database into instance/backups/ every night at this hour (WITA), keeping the
    # newest few; closing quiz attempts whose time ran out; deleting expired job results and
    # job records older than the history.
    BACKUP_NIGHTLY = env_bool("LMS_BACKUP_NIGHTLY", True)
    BACKUP_HOUR = env_int("LMS_BACKUP_HOUR", 2)
    BACKUP_KEEP = env_int("LMS_BACKUP_KEEP", 7)
    CLOSE_OVERDUE_ATTEMPTS = env_bool("LMS_CLOSE_OVERDUE_ATTEMPTS", True)
    EXPIRE_JOB_RESULTS = env_bool("LMS_EXPIRE_JOB_RESULTS", True)
    JOB_HISTORY_DAYS = env_int("LMS_JOB_HISTORY_DAYS", 90)

    # Certificates: where the QR code points, and the defaults for the certificate settings.
    BASE_URL = os.environ.get("LMS_BASE_URL", "http://127.0.0.1:5000")
    CERTIFICATE_NUMBER_TEMPLATE = os.environ.get(
        "LMS_CERTIFICATE_NUMBER_TEMPLATE", "800/{seq:04d}/BKPSDM/{roman_month}/{year}")
    CERTIFICATE_ISSUER_UNIT = os.environ.get(
        "LMS_CERTIFICATE_ISSUER_UNIT",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah")
    CERTIFICATE_SIGNER_NAME = os.environ.get("LMS_CERTIFICATE_SIGNER_NAME", "")
    CERTIFICATE_SIGNER_TITLE = os.environ.get("LMS_CERTIFICATE_SIGNER_TITLE",
                                              "Kepala BKPSDM Kota Palu")
    CERTIFICATE_SIGNER_NIP = os.environ.get("LMS_CERTIFICATE_SIGNER_NIP", "")
    CERTIFICATE_PLACE = os.environ.get("LMS_CERTIFICATE_PLACE", "Palu")

    # Email (app/notifications/mail.py): off until LMS_SMTP_HOST is set. Mail waits in the
    # outbox table and the job queue sends it, retrying; a failed send never fails what caused
    # it. LMS_SMTP_TLS: "starttls" (default), "ssl" (implicit TLS, port 465) or "off".
    SMTP_HOST = os.environ.get("LMS_SMTP_HOST", "")
    SMTP_PORT = env_int("LMS_SMTP_PORT", 587)
    SMTP_USER = os.environ.get("LMS_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("LMS_SMTP_PASSWORD", "")
    SMTP_TLS = os.environ.get("LMS_SMTP_TLS", "starttls")
    SMTP_TIMEOUT = env_int("LMS_SMTP_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("LMS_MAIL_FROM", "")
    MAIL_MAX_ATTEMPTS = env_int("LMS_MAIL_MAX_ATTEMPTS", 6)
    # Notifications are kept this many days, then deleted by a periodic job.
    NOTIFICATION_KEEP_DAYS = env_int("LMS_NOTIFICATION_KEEP_DAYS", 180)
    # Workshop reminders, JP reminders and deleting old notifications (periodic jobs).
    NOTIFICATION_REMINDERS = env_bool("LMS_NOTIFICATION_REMINDERS", True)
    # The daily digest goes out at this hour (WITA).
    DIGEST_HOUR = env_int("LMS_DIGEST_HOUR", 6)
    # JP reminders to those below pace: "off", "monthly" or "quarterly" (first day, 08:00
    # WITA); an admin changes it on the notifications settings page.
    JP_REMINDER_SCHEDULE = os.environ.get("LMS_JP_REMINDER_SCHEDULE", "quarterly")
    # Self-service password reset links live this long, and may be asked for this often.
    PASSWORD_RESET_MINUTES = env_int("LMS_PASSWORD_RESET_MINUTES", 30)
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("LMS_PASSWORD_RESET_RATE_LIMIT",
                                               "5 per hour")
    EMAIL_CONFIRM_HOURS = env_int("LMS_EMAIL_CONFIRM_HOURS", 48)

    ADMIN_NIP = os.environ.get("LMS_ADMIN_NIP")
    ADMIN_PASSWORD = os.environ.get("LMS_ADMIN_PASSWORD")
    # `flask demo seed` (docs/demo.md, `LMS_DEMO=1 make run`) adds accounts whose password is
    # published: never on a production server. One served over HTTPS (LMS_HTTPS=1, as
    # docs/operations.md sets production up) refuses it unless LMS_DEMO_ALLOWED=1 says it is
    # a public demonstration site.
    DEMO_ALLOWED = env_bool("LMS_DEMO_ALLOWED", not env_bool("LMS_HTTPS", False))

    @staticmethod
    def secret_key():
        return load_secret_key()


class TestConfig(Config):
    TESTING = True
    STARTUP_CHECKS = False  # tests build hundreds of apps; tests/operations checks the checks
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS = {}
    CERTIFICATE_SIGNER_NAME = "Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si."
    CERTIFICATE_SIGNER_NIP = "197503121998032004"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # A test database is thrown away: its commits need not wait for the disk (a commit with
    # FULL took ~250 µs on the CI machine against ~17 µs; the suite's time hardly moved).
    SQLITE_SYNCHRONOUS = "OFF"
    # Cheap hashing keeps the suite fast; the scheme stays argon2id.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    REGISTRATION = "open-with-verification"
    JOBS_IMMEDIATE = True  # jobs run inside the test; tests/jobs also drive a real consumer
    JOB_RETRY_SECONDS = 1
    ADMIN_NIP = None
    ADMIN_PASSWORD = None
