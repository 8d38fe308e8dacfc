"""The two account emails, a password reset link and an address confirmation link, and the
signed tokens inside them.

Neither link needs a table of tokens. Each is signed with SECRET_KEY under its own salt (a
confirmation token is no reset token) and carries its time of signing, so it expires by itself.
A reset token also carries a fingerprint of what a reset changes (the password hash and the
session version) and of where it was sent: once the password is reset, the user logs out
everywhere or an admin changes the address, the fingerprint no longer matches and the link is
dead. A confirmation token names the address it was sent to, so it confirms only that one.

Mail goes through the notifications outbox (app/notifications/mail.py): written in the
caller's transaction, in the recipient's language, and sent by a job after the commit.
"""

import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.notifications.mail import language_of, queue_mail
from app.web import external_url

RESET_SALT = "kompeten-password-reset"
CONFIRM_SALT = "kompeten-email-confirm"
# Far longer than any token made here: a longer one is refused before it is decoded.
TOKEN_MAX_LENGTH = 600


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _read(salt, token, max_age):
    """The payload of a token made here and younger than max_age seconds, or None."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError, UnicodeError):  # expired is a BadSignature
        return None


# --- password reset ---------------------------------------------------------------------------

def reset_minutes():
    return current_app.config["PASSWORD_RESET_MINUTES"]


def password_fingerprint(user):
    """Changes whenever the password, the session version or the mail address changes."""
    material = f"{user.password_hash}|{user.session_version}|{user.mail_address}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def reset_token(user):
    return _serializer(RESET_SALT).dumps({"u": user.id, "f": password_fingerprint(user)})


def read_reset_token(token):
    """(user id, fingerprint) from a reset link that is still in time, or None."""
    payload = _read(RESET_SALT, token, reset_minutes() * 60)
    if not isinstance(payload, dict):
        return None
    user_id, fingerprint = payload.get("u"), payload.get("f")
    if type(user_id) is not int or not isinstance(fingerprint, str):
        return None
    return user_id, fingerprint


def send_password_reset(user):
    """Queue the reset link to the user's confirmed address; False when email is off."""
    with force_locale(language_of(user)):
        return queue_mail(
            user, user.mail_address, "password_reset",
            _("Atur ulang kata sandi Kompeten"),
            [_("Ada permintaan untuk mengatur ulang kata sandi akun Kompeten Anda."),
             _("Tautan di bawah berlaku %(minutes)d menit dan hanya dapat dipakai sekali. "
               "Setelah kata sandi diganti, semua sesi Anda di perangkat lain diakhiri.",
               minutes=reset_minutes()),
             _("Jika Anda tidak memintanya, abaikan email ini: kata sandi Anda tidak berubah.")],
            link=external_url("auth.reset_password", token=reset_token(user)),
            link_text=_("Atur ulang kata sandi"))


# --- address confirmation ---------------------------------------------------------------------

def confirm_hours():
    return current_app.config["EMAIL_CONFIRM_HOURS"]


def confirm_token(user, address):
    return _serializer(CONFIRM_SALT).dumps({"u": user.id, "e": address})


def read_confirm_token(token):
    """(user id, address) from a confirmation link that is still in time, or None."""
    payload = _read(CONFIRM_SALT, token, confirm_hours() * 3600)
    if not isinstance(payload, dict):
        return None
    user_id, address = payload.get("u"), payload.get("e")
    if type(user_id) is not int or not isinstance(address, str):
        return None
    return user_id, address


def send_email_confirmation(user, address):
    """Queue a confirmation link to `address` (not yet confirmed, so not user.mail_address);
    False when email is off."""
    with force_locale(language_of(user)):
        return queue_mail(
            user, address, "email_confirm",
            _("Konfirmasi alamat email Anda di Kompeten"),
            [_("Alamat email ini dimasukkan untuk akun Kompeten atas nama %(name)s.",
               name=user.name),
             _("Buka tautan di bawah untuk mengonfirmasinya. Tautan berlaku %(hours)d jam. "
               "Hanya alamat yang sudah dikonfirmasi yang menerima pemberitahuan dan tautan "
               "atur ulang kata sandi.", hours=confirm_hours()),
             _("Jika Anda tidak merasa memasukkan alamat ini, abaikan email ini.")],
            link=external_url("auth.confirm_email", token=confirm_token(user, address)),
            link_text=_("Konfirmasi email"))
