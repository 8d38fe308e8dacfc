"""Account services: registration, authentication, passwords, first admin, agency seeding.

Services flush and never commit: the view or CLI command that calls them owns the transaction.
"""

import hashlib
import secrets
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, null, select

from app.audit import record_event
from app.auth.models import GOLONGAN_BY_TYPE, Agency, User
from app.auth.nip import parse_nip
from app.auth.passwords import (
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.settings import delete_setting, get_setting, set_setting

MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"

# OPD of Pemerintah Kota Palu (DOMAIN.md). The last group is "typical, verify": admins can edit.
PALU_AGENCIES = (
    ("SETDA", "Sekretariat Daerah"),
    ("SETWAN", "Sekretariat DPRD"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DINKES", "Dinas Kesehatan"),
    ("DISPORA", "Dinas Pemuda dan Olahraga"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Anak"),
    ("DPRP", "Dinas Penataan Ruang dan Permukiman"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DINSOS", "Dinas Sosial"),
    ("DISHUB", "Dinas Perhubungan"),
    ("BAPENDA", "Badan Pendapatan Daerah"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("DISKOP", "Dinas Koperasi dan UMKM"),
    ("DISNAKER", "Dinas Tenaga Kerja"),
    ("INSPEKTORAT", "Inspektorat Daerah"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik"),
    ("DIKBUD", "Dinas Pendidikan dan Kebudayaan"),
    ("DPU", "Dinas Pekerjaan Umum"),
    ("KEC-PALUBARAT", "Kecamatan Palu Barat"),
    ("KEC-PALUTIMUR", "Kecamatan Palu Timur"),
    ("KEC-PALUSELATAN", "Kecamatan Palu Selatan"),
    ("KEC-PALUUTARA", "Kecamatan Palu Utara"),
    ("KEC-TATANGA", "Kecamatan Tatanga"),
    ("KEC-ULUJADI", "Kecamatan Ulujadi"),
    ("KEC-MANTIKULORE", "Kecamatan Mantikulore"),
    ("KEC-TAWAELI", "Kecamatan Tawaeli"),
)

SETUP_TOKEN_SETTING = "setup_token_sha256"


class AccountError(LmsError):
    """An account rule said no (duplicate NIP, weak password, ...)."""


def seed_agencies():
    """Create the Palu OPD that do not exist yet; returns how many were added."""
    existing = set(db.session.scalars(select(Agency.code)))
    added = [Agency(code=code, name=name) for code, name in PALU_AGENCIES if code not in existing]
    db.session.add_all(added)
    db.session.flush()
    return len(added)


def find_user_by_login(identifier):
    """A user by NIP (spaces allowed) or by e-mail address, or None."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return db.session.scalar(select(User).where(User.email == identifier.lower()))
    nip = "".join(ch for ch in identifier if ch.isdigit())
    if len(nip) != 18:
        return None
    return db.session.scalar(select(User).where(User.nip == nip))


def login_name(identifier):
    """One name per account for the login throttle: the NIP when the NIP or e-mail belongs to
    an account (so failures by NIP and by e-mail add up), else what was typed."""
    user = find_user_by_login(identifier)
    return user.nip if user is not None else (identifier or "").strip().lower()


@cache
def common_passwords():
    """The shipped list of common passwords, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def password_problem(password, nip=None):
    """Why a new password is not acceptable, or None when it is."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH)
    if nip and "".join(ch for ch in password if ch.isdigit()) == nip:
        return _("Kata sandi tidak boleh sama dengan NIP.")
    if password.strip().lower() in common_passwords():
        return _("Kata sandi ini terlalu umum dan mudah ditebak. Pilih kata sandi lain, "
                 "misalnya gabungan beberapa kata yang hanya Anda ketahui.")
    return None


def nip_taken(nip):
    return db.session.scalar(select(func.count()).select_from(User).where(User.nip == nip)) > 0


def email_taken(email, except_user=None):
    query = select(User.id).where(User.email == email.lower())
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None


def create_user(*, nip, name, password, roles=("learner",), email=None, agency=None,
                jabatan_type=None, jabatan_title=None, golongan=None, self_registered=False):
    """Create an account. Employment type (PNS/PPPK) is read from the NIP itself.

    An account someone made for themselves (self_registered) starts unverified: nothing but
    their word says the NIP is theirs. Every other way in (admin, CSV, CLI, first admin) is
    verified at creation."""
    info = parse_nip(nip)
    # Check the address in the form it is stored in (a stray space must not slip past).
    email = (email or "").strip().lower() or None
    if nip_taken(info.nip):
        raise AccountError(_("NIP %(nip)s sudah terdaftar.", nip=info.nip))
    if email and email_taken(email):
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=email))
    problem = password_problem(password, info.nip)
    if problem:
        raise AccountError(problem)
    if golongan and golongan not in GOLONGAN_BY_TYPE[info.employment_type]:
        raise AccountError(
            _("Golongan %(golongan)s tidak berlaku untuk %(type)s.",
              golongan=golongan, type=info.employment_type.upper())
        )
    user = User(
        nip=info.nip,
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        agency=agency,
        jabatan_type=jabatan_type or None,
        jabatan_title=(jabatan_title or "").strip() or None,
        golongan=golongan or None,
        employment_type=info.employment_type,
    )
    if self_registered:
        # SQL NULL, not None: the ORM leaves a None out of the INSERT and the column default
        # (verified now) would fill it in.
        user.verified_at = null()
    user.set_roles(set(roles))
    db.session.add(user)
    db.session.flush()
    return user


def register_user(**fields):
    """Self-registration at /daftar: a learner account that waits for an admin's
    verification (audited, so the queue shows who came when)."""
    user = create_user(roles=("learner",), self_registered=True, **fields)
    record_event(user, "auth.register", "user", user.id, nip=user.nip)
    db.session.flush()
    return user


def authenticate(identifier, password):
    """The active user with this NIP/e-mail and password, or None. Upgrades old hashes."""
    user = find_user_by_login(identifier)
    if user is None:
        dummy_verify(password or "")
        return None
    if not verify_password(user.password_hash, password or ""):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user):
    user.last_login_at = utcnow()
    record_event(user, "auth.login", "user", user.id, nip=user.nip)
    db.session.flush()


def record_failed_login(identifier, user=None, reason="password"):
    """Audit a refused login: what was typed as the login name (never the password)."""
    if user is None:
        user = find_user_by_login(identifier)
    record_event(None, "auth.login_failed", "user", user.id if user else None,
                 identifier=(identifier or "")[:100], reason=reason)
    db.session.flush()


def change_password(user, current_password, new_password):
    if not verify_password(user.password_hash, current_password or ""):
        raise AccountError(_("Kata sandi saat ini salah."))
    problem = password_problem(new_password, user.nip)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.end_all_sessions()
    record_event(user, "auth.password_change", "user", user.id, nip=user.nip)
    db.session.flush()


# --- first admin -----------------------------------------------------------------------------

def admin_exists():
    return db.session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


def _token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_token():
    """A new one-time setup token; only its hash is stored, so a database dump cannot use it."""
    token = secrets.token_urlsafe(32)
    set_setting(SETUP_TOKEN_SETTING, _token_digest(token))
    return token


def setup_token_valid(token):
    stored = get_setting(SETUP_TOKEN_SETTING)
    if not stored or admin_exists():
        return False
    return secrets.compare_digest(stored, _token_digest(token or ""))


def create_first_admin(token, **fields):
    """Create the first admin through the setup link; the link dies with it."""
    if not setup_token_valid(token):
        raise AccountError(_("Tautan penyiapan tidak berlaku lagi."))
    user = create_user(roles=("admin", "learner"), **fields)
    delete_setting(SETUP_TOKEN_SETTING)
    return user


def bootstrap_first_admin(nip=None, password=None, name=None):
    """At start-up with no admin: create one from LMS_ADMIN_NIP/PASSWORD or issue a setup token.

    Returns ("exists", None), ("created", user) or ("token", token).
    """
    if admin_exists():
        delete_setting(SETUP_TOKEN_SETTING)
        return "exists", None
    if nip and password:
        user = find_user_by_login(nip)
        if user is None:
            user = create_user(nip=nip, name=name or "Administrator", password=password,
                               roles=("admin", "learner"))
        else:
            user.is_admin = True
            db.session.flush()
        return "created", user
    return "token", issue_setup_token()


# What a person may change about themselves; NIP, OPD, golongan and employment type come from
# the roster (admins and the people import) and are shown read-only on the profile page.
SELF_EDITABLE = ("name", "email", "phone", "jabatan_type", "jabatan_title")


def update_own_profile(user, **values):
    """Save a person's own profile fields (audited with before and after; flushes)."""
    values["email"] = (values.get("email") or "").strip().lower() or None
    values["phone"] = (values.get("phone") or "").strip() or None
    if values["email"] and email_taken(values["email"], except_user=user):
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=values["email"]))
    changes = {}
    for field in SELF_EDITABLE:
        before, after = getattr(user, field), values.get(field)
        if before != after:
            setattr(user, field, after)
            changes[field] = {"before": before, "after": after}
    if changes:
        db.session.flush()
        record_event(user, "account.profile", "user", user.id, changes=changes)
    return changes
