"""Account services: registration, authentication, passwords (and their reset by e-mail),
own profile and e-mail confirmation, first admin, agency seeding.

Services flush and never commit: the view or CLI command that calls them owns the transaction.
"""

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, null, select, update

from app.audit import record_event
from app.auth import emails, throttle
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
from app.notifications.mail import mail_enabled
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
    verified at creation, and so is its e-mail address: one a person typed in themselves waits
    for its confirmation link (register_user)."""
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
        email_confirmed_at=utcnow() if email and not self_registered else None,
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
    verification (audited, so the queue shows who came when). A typed e-mail address is
    stored unconfirmed and, with email on, sent its confirmation link."""
    user = create_user(roles=("learner",), self_registered=True, **fields)
    record_event(user, "auth.register", "user", user.id, nip=user.nip)
    db.session.flush()
    if user.email:
        emails.send_email_confirmation(user, user.email)
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
    """Whether a real admin exists. A demo admin (docs/demo.md) has a published password and
    goes with `flask demo remove`: it never stands in for the first admin."""
    return db.session.scalar(select(User.id).where(
        User.is_admin.is_(True), User.is_demo.is_(False)).limit(1)) is not None


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


@dataclass(frozen=True)
class ProfileSaved:
    """What update_own_profile changed, and where a confirmation link went (or None)."""

    changes: dict
    confirmation_to: str | None = None


def update_own_profile(user, **values):
    """Save a person's own profile fields (audited with before and after; flushes). A new
    e-mail address waits for its confirmation link (change_own_email)."""
    email = (values.get("email") or "").strip().lower() or None
    values["phone"] = (values.get("phone") or "").strip() or None
    if email and email_taken(email, except_user=user):
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=email))
    changes = {}
    for field in SELF_EDITABLE:
        if field == "email":
            continue
        before, after = getattr(user, field), values.get(field)
        if before != after:
            setattr(user, field, after)
            changes[field] = {"before": before, "after": after}
    email_changes, confirmation_to = change_own_email(user, email)
    changes.update(email_changes)
    if changes:
        db.session.flush()
        record_event(user, "account.profile", "user", user.id, changes=changes)
    return ProfileSaved(changes, confirmation_to)


# --- e-mail addresses: confirmed, pending, unconfirmed ----------------------------------------

EMAIL_STATE_FIELDS = ("email", "pending_email")


def unconfirmed_address(user):
    """The address waiting for its confirmation link: a new one beside a confirmed one
    (pending_email), or the stored one when it was never confirmed; None when none waits."""
    if user.pending_email:
        return user.pending_email
    return user.email if user.email and user.email_confirmed_at is None else None


def change_own_email(user, email):
    """A person sets, changes or removes their own address; returns (changes, the address a
    confirmation link was sent to or None). With email on, a confirmed address stays in use
    (and keeps receiving mail) until the new one is confirmed: a typo cannot cut anyone off,
    and nobody can point someone else's resets at their own mailbox. Without a confirmed
    address, or with email off, the new one is stored in `email`, unconfirmed. Typing the
    stored or the pending address again changes nothing."""
    if email == user.email or (email is not None and email == user.pending_email):
        return {}, None
    before = {field: getattr(user, field) for field in EMAIL_STATE_FIELDS}
    if email is None:
        user.email = user.pending_email = user.email_confirmed_at = None
    elif mail_enabled() and user.mail_address:
        user.pending_email = email
    else:
        user.email, user.pending_email, user.email_confirmed_at = email, None, None
    sent = email is not None and emails.send_email_confirmation(user, email)
    changes = {field: {"before": before[field], "after": getattr(user, field)}
               for field in EMAIL_STATE_FIELDS if before[field] != getattr(user, field)}
    return changes, email if sent else None


def resend_confirmation(user):
    """Send the waiting address its confirmation link again; returns that address."""
    address = unconfirmed_address(user)
    if address is None:
        raise AccountError(_("Tidak ada alamat email yang menunggu konfirmasi."))
    if not emails.send_email_confirmation(user, address):
        raise AccountError(_("Email belum diaktifkan di server ini, jadi tautan konfirmasi "
                             "belum dapat dikirim."))
    return address


def set_email_by_admin(user, email):
    """An address set by an admin or the roster counts as confirmed (they vouch for it);
    removing it clears the confirmation. Any address the person was waiting to confirm is
    dropped. Setting the stored address again changes nothing."""
    if email == user.email:
        return
    user.email = email
    user.email_confirmed_at = utcnow() if email else None
    user.pending_email = None


class InvalidLink(AccountError):
    """A reset or confirmation link that is forged, expired, used, or no longer fits."""


def confirm_email(token):
    """Confirm the address a link was sent to; returns the user. Confirming twice changes
    nothing. A link whose address is no longer the one waiting (changed since, or removed)
    is refused, and so is one whose address another account took meanwhile."""
    found = emails.read_confirm_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or not user.active:
        raise InvalidLink(_("Tautan konfirmasi ini tidak berlaku atau sudah kedaluwarsa."))
    address = found[1]
    if user.email == address and user.email_confirmed_at is not None:
        return user
    if address not in (user.email, user.pending_email):
        raise InvalidLink(_("Tautan konfirmasi ini tidak berlaku lagi: alamat email akun "
                            "sudah diubah sejak tautan dikirim."))
    if email_taken(address, except_user=user):
        raise AccountError(_("Email %(email)s sudah dipakai akun lain, jadi tidak dapat "
                             "dikonfirmasi untuk akun ini.", email=address))
    before = user.email
    user.email, user.pending_email, user.email_confirmed_at = address, None, utcnow()
    db.session.flush()
    record_event(user, "account.email_confirmed", "user", user.id, email=address,
                 before=before)
    return user


# --- password reset by e-mail -----------------------------------------------------------------

def request_password_reset(identifier):
    """Mail a reset link to the account named by NIP or e-mail, when it is active, has a
    confirmed address and has not asked too often lately. Returns what happened, for the
    audit only: the page answers the same whatever it is, so nobody learns from it whether
    an account exists or has an address."""
    user = find_user_by_login(identifier)
    if not throttle.allow_reset_request(user.nip if user is not None else identifier):
        outcome = "throttled"
    elif user is None:
        outcome = "unknown"
    elif not user.active:
        outcome = "inactive"
    elif not user.mail_address:
        outcome = "no_confirmed_email"
    else:
        outcome = "sent" if emails.send_password_reset(user) else "mail_off"
    record_event(None, "auth.password_reset_request", "user", user.id if user else None,
                 identifier_sha256=throttle.account_key(identifier)[:16], outcome=outcome)
    db.session.flush()
    return outcome


def user_for_reset_token(token):
    """The active user a reset link is for while it still works (in time, unused), or None."""
    found = emails.read_reset_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or not user.active or not user.mail_address:
        return None
    if not secrets.compare_digest(emails.password_fingerprint(user), found[1]):
        return None
    return user


def reset_password(token, new_password):
    """Set a new password through a reset link; returns the user. Every session of the user
    ends, a temporary password stops being one, and the link is used up.

    Two posts of one link at once: both read the same fingerprint, but the UPDATE is
    conditional on the password hash and session version it was made from, so only the first
    changes anything; the second finds the link used."""
    user = user_for_reset_token(token)
    if user is None:
        raise InvalidLink(_("Tautan atur ulang kata sandi ini tidak berlaku, sudah dipakai, "
                            "atau sudah kedaluwarsa."))
    problem = password_problem(new_password, user.nip)
    if problem:
        raise AccountError(problem)
    done = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash,
               User.session_version == user.session_version)
        .values(password_hash=hash_password(new_password), must_change_password=False,
                session_version=user.session_version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise InvalidLink(_("Tautan atur ulang kata sandi ini sudah dipakai."))
    db.session.expire(user)
    record_event(user, "auth.password_reset", "user", user.id, nip=user.nip)
    db.session.flush()
    return user
