"""Flask-Login wiring: the cookie carries id:session_version, so old cookies stop working."""

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.extensions import db


def load_user(user_id):
    user_id, _, version = (user_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def configure_login(login_manager):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    # "strong": a session cookie presented from another IP address or browser (user agent) is
    # dropped, and so is the remember-me cookie; a copied cookie is useless elsewhere. The
    # price: a phone that changes network mid-session must log in again (docs/security.md).
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
