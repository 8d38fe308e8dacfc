"""`flask security check`: the running configuration's security report (like Moodle's).

Each check prints one line, OK / INFO / WARN / FAIL and what it found; the command exits 1
when any check FAILs, so a deployment script can stop on it.
"""

import multiprocessing
import os
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.auth.models import User
from app.auth.services import password_problem
from app.extensions import db
from app.proxy import address_kind, read_note
from app.settings import REGISTRATION_CLOSED, REGISTRATION_OPEN, get_setting

OK, INFO, WARN, FAIL = "OK", "INFO", "WARN", "FAIL"
MIN_SECRET_KEY_LENGTH = 32
# Keys copied from tutorials, examples and our own tests: long enough is not enough.
KNOWN_SECRET_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test",
                     "test-secret-key", "secret-key", "your-secret-key", "kompeten"}
# argon2-cffi's RFC 9106 low-memory profile, the recommended floor (docs/security.md).
RECOMMENDED_ARGON2 = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536}
# A single upload above this is surely a typo in the setting (thin links, small PDFs).
SANE_UPLOAD_MAX_KB = 50 * 1024

security_cli = AppGroup("security", help="Pemeriksaan keamanan konfigurasi.")


@dataclass(frozen=True)
class Finding:
    level: str
    message: str

    def line(self):
        return f"{self.level:<4} {self.message}"


def check_debug(config):
    if config.get("DEBUG") or config.get("TESTING"):
        return Finding(FAIL, _("mode debug/testing menyala (DEBUG/TESTING): matikan di server"))
    return Finding(OK, _("debug mati"))


def check_secret_key(config):
    key = str(config.get("SECRET_KEY") or "")
    if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in KNOWN_SECRET_KEYS:
        return Finding(FAIL, _("kunci rahasia pendek/bawaan: pakai minimal %(n)d karakter acak "
                               "(hapus LMS_SECRET_KEY agar dibuat otomatis)",
                               n=MIN_SECRET_KEY_LENGTH))
    return Finding(OK, _("kunci rahasia kuat (%(n)d karakter)", n=len(key)))


def check_cookies(config):
    secure = config.get("SESSION_COOKIE_SECURE") and config.get("REMEMBER_COOKIE_SECURE")
    if not config.get("HTTPS"):
        return Finding(WARN, _("cookie tidak Secure (LMS_HTTPS=0): sajikan lewat HTTPS di proxy "
                               "lalu set LMS_HTTPS=1"))
    if not secure:
        return Finding(FAIL, _("LMS_HTTPS=1 tetapi cookie sesi/ingat saya tidak Secure"))
    return Finding(OK, _("cookie Secure, HttpOnly; HSTS aktif"))


def check_cookie_flags(config):
    httponly = config.get("SESSION_COOKIE_HTTPONLY") and config.get("REMEMBER_COOKIE_HTTPONLY")
    if not httponly or config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        return Finding(FAIL, _("cookie sesi tanpa HttpOnly atau SameSite=Lax/Strict"))
    return Finding(OK, _("cookie HttpOnly, SameSite=%(mode)s",
                         mode=config["SESSION_COOKIE_SAMESITE"]))


def check_csrf(config):
    if not config.get("WTF_CSRF_ENABLED", True):
        return Finding(FAIL, _("perlindungan CSRF mati (WTF_CSRF_ENABLED)"))
    return Finding(OK, _("perlindungan CSRF aktif"))


def check_database(config):
    url = db.engine.url
    try:
        if url.get_backend_name() == "sqlite":
            mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
            if str(mode).lower() != "wal":
                return Finding(WARN, _("SQLite tidak dalam mode WAL (journal_mode=%(mode)s): "
                                       "penulisan bersamaan akan saling menunggu", mode=mode))
            return Finding(OK, _("SQLite dalam mode WAL"))
        db.session.execute(text("SELECT 1"))
        return Finding(OK, _("%(backend)s terjangkau", backend=url.get_backend_name()))
    except Exception as error:  # a report lists the failure, it does not crash
        return Finding(FAIL, _("basis data tidak terjangkau: %(error)s",
                               error=type(error).__name__))
    finally:
        db.session.rollback()


def check_admin_password_env(config):
    password = config.get("ADMIN_PASSWORD")
    if not password:
        return Finding(OK, _("LMS_ADMIN_PASSWORD tidak diset"))
    if password_problem(password, config.get("ADMIN_NIP")):
        return Finding(FAIL, _("LMS_ADMIN_PASSWORD lemah atau umum: ganti kata sandi admin "
                               "dan hapus variabel ini"))
    return Finding(INFO, _("LMS_ADMIN_PASSWORD masih diset: hapus setelah admin pertama dibuat"))


def check_admins(config):
    admins = db.session.scalars(select(User).where(User.is_admin.is_(True))).all()
    if not admins:
        return Finding(WARN, _("belum ada akun admin (lihat tautan penyiapan di log server)"))
    unsettled = [admin.nip for admin in admins
                 if admin.must_change_password or admin.last_login_at is None]
    if unsettled:
        return Finding(WARN, _("admin dengan kata sandi sementara atau belum pernah masuk: "
                               "%(nips)s", nips=", ".join(unsettled)))
    return Finding(OK, _("%(n)d admin, semua sudah memakai kata sandi sendiri", n=len(admins)))


def check_upload_limits(config):
    max_request = config.get("MAX_CONTENT_LENGTH")
    max_kb = get_setting("upload.max_kb")
    if not max_request:
        return Finding(FAIL, _("MAX_CONTENT_LENGTH tidak diset: kiriman sebesar apa pun dibaca"))
    if not isinstance(max_kb, int) or not 0 < max_kb <= SANE_UPLOAD_MAX_KB:
        return Finding(WARN, _("batas unggah (upload.max_kb=%(kb)s) tidak wajar", kb=max_kb))
    if max_kb * 1024 > max_request:
        return Finding(WARN, _("batas unggah %(kb)d KB melebihi batas kiriman "
                               "(LMS_MAX_REQUEST_MB)", kb=max_kb))
    return Finding(OK, _("batas unggah %(kb)d KB, batas kiriman %(mb)d MB",
                         kb=max_kb, mb=max_request // (1024 * 1024)))


def worker_count():
    """As gunicorn.conf.py computes it."""
    return int(os.environ.get("LMS_WORKERS") or multiprocessing.cpu_count() * 2 + 1)


def check_rate_limit_storage(config):
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory"):
        workers = worker_count()
        if workers > 1:
            return Finding(WARN, _("batas percobaan masuk dihitung per worker (memori) dengan "
                                   "%(n)d worker: set LMS_REDIS_URL", n=workers))
        return Finding(OK, _("batas percobaan disimpan di memori (satu worker)"))
    return Finding(OK, _("batas percobaan disimpan bersama di %(scheme)s",
                         scheme=uri.split(":", 1)[0]))


def check_password_hashing(config):
    weaker = [key for key, floor in RECOMMENDED_ARGON2.items() if config.get(key, 0) < floor]
    if weaker:
        return Finding(WARN, _("biaya Argon2id di bawah anjuran RFC 9106: %(keys)s",
                               keys=", ".join(weaker)))
    return Finding(OK, _("Argon2id t=%(t)d, m=%(m)d KiB, p=%(p)d",
                         t=config["ARGON2_TIME_COST"], m=config["ARGON2_MEMORY_COST"],
                         p=config["ARGON2_PARALLELISM"]))


def check_self_registration(config):
    mode = get_setting("registration")
    if mode == REGISTRATION_CLOSED:
        return Finding(OK, _("pendaftaran mandiri ditutup"))
    if mode != REGISTRATION_OPEN:
        return Finding(WARN, _("pengaturan registration bernilai %(value)s yang tidak dikenal: "
                               "pendaftaran ditutup; pakai open-with-verification atau closed",
                               value=repr(mode)))
    waiting = db.session.scalar(select(func.count()).select_from(User).where(
        User.verified_at.is_(None), User.active.is_(True)))
    return Finding(INFO, _("pendaftaran mandiri terbuka dengan verifikasi: akun baru belum "
                           "mendapat sertifikat dan tidak dihitung di laporan sampai admin "
                           "memverifikasinya; %(n)d akun menunggu verifikasi", n=waiting))


def check_proxy(config):
    """What the last requests looked like (app/proxy.py notes it every few minutes)."""
    hops = int(config.get("PROXY_COUNT") or 0)
    note = read_note()
    if note is None:
        return Finding(INFO, _("belum ada permintaan yang tercatat: jalankan lagi setelah "
                               "server melayani pengunjung"))
    if hops == 0 and note.get("peer") == "loopback":
        return Finding(WARN, _("permintaan datang dari alamat loopback tanpa proxy terpercaya: "
                               "di belakang nginx set LMS_PROXY_COUNT=1, kalau tidak semua "
                               "pengguna berbagi satu alamat (batas masuk, log audit)"))
    if hops == 0 and note.get("forwarded"):
        return Finding(WARN, _("permintaan membawa X-Forwarded-For tetapi LMS_PROXY_COUNT=0: "
                               "bila ada proxy di depan, set LMS_PROXY_COUNT ke jumlah proxy"))
    if hops > 0 and not note.get("forwarded"):
        return Finding(WARN, _("LMS_PROXY_COUNT=%(n)d tetapi permintaan tiba tanpa "
                               "X-Forwarded-For: periksa proxy_set_header di nginx, atau set "
                               "LMS_PROXY_COUNT=0 bila tidak ada proxy", n=hops))
    if hops > 0:
        return Finding(OK, _("alamat klien dari proxy (%(n)d hop terpercaya)", n=hops))
    return Finding(OK, _("tanpa proxy: alamat klien langsung dari koneksi"))


def check_base_url(config):
    base = urlsplit(get_setting("base_url") or "")
    if base.scheme not in ("http", "https") or not base.hostname:
        return Finding(FAIL, _("alamat dasar (LMS_BASE_URL) tidak valid: tautan dan kode QR "
                               "sertifikat memakainya"))
    if address_kind(base.hostname) == "loopback" or base.hostname == "localhost":
        return Finding(WARN, _("alamat dasar masih %(url)s: set LMS_BASE_URL ke alamat publik "
                               "(kode QR sertifikat, berkas unduh modul, kalender)",
                               url=base.geturl()))
    if config.get("HTTPS") and base.scheme != "https":
        return Finding(WARN, _("LMS_HTTPS=1 tetapi alamat dasar memakai http://"))
    return Finding(OK, _("alamat dasar %(url)s", url=base.geturl()))


def check_demo_accounts(config):
    """Demo accounts (docs/demo.md) have a published password: fine on a trial or a public
    demonstration site, a hole on a production one."""
    count = db.session.scalar(select(func.count()).select_from(User).where(
        User.is_demo.is_(True), User.active.is_(True)))
    if not count:
        return Finding(OK, _("tidak ada akun demo"))
    if config.get("HTTPS") and not config.get("DEMO_ALLOWED"):
        return Finding(FAIL, _("%(n)d akun demo dengan kata sandi yang diketahui umum di server "
                               "produksi: jalankan `flask demo remove`", n=count))
    return Finding(WARN, _("%(n)d akun demo dengan kata sandi yang diketahui umum: hapus dengan "
                           "`flask demo remove` sebelum dipakai sungguhan", n=count))


CHECKS = (check_debug, check_secret_key, check_cookies, check_cookie_flags, check_csrf,
          check_database, check_admin_password_env, check_admins, check_demo_accounts,
          check_upload_limits, check_rate_limit_storage, check_password_hashing,
          check_self_registration, check_proxy, check_base_url)


def run_guarded(check, config):
    """A check that cannot even run (no tables yet, database down) is a FAIL, not a crash."""
    try:
        return check(config)
    except Exception as error:  # the report goes on with the other checks
        db.session.rollback()
        name = check.__name__.removeprefix("check_")
        return Finding(FAIL, _("pemeriksaan %(name)s gagal: %(error)s (sudah `flask db "
                               "upgrade`?)", name=name, error=type(error).__name__))


def run_checks(config):
    return [run_guarded(check, config) for check in CHECKS]


@security_cli.command("check")
def check_command():
    """Periksa konfigurasi yang berjalan; keluar dengan kode 1 bila ada FAIL."""
    findings = run_checks(current_app.config)
    for finding in findings:
        click.echo(finding.line())
    counts = {level: sum(f.level == level for f in findings) for level in (OK, INFO, WARN, FAIL)}
    click.echo(_("Ringkasan: %(ok)d OK, %(info)d INFO, %(warn)d WARN, %(fail)d FAIL",
                 ok=counts[OK], info=counts[INFO], warn=counts[WARN], fail=counts[FAIL]))
    sys.exit(1 if counts[FAIL] else 0)
