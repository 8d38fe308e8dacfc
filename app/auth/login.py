"""Flask-Login wiring: sessions and remember-me cookies that hold, and only for their owner.

Both the session and the remember-me cookie carry ``id:session_version:binding``. The session
version ends every login of an account at once (logout, password change). The binding is an
HMAC of the session identifier (client address after ProxyFix + user agent) the login was made
from: a remember-me cookie copied to another browser or address is refused, even when sent
together with a session cookie of the thief's own (docs/security.md, "Sessions").
"""

import hashlib
import hmac
from functools import cache

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_loaded_from_cookie
from flask_login.config import COOKIE_NAME
from sqlalchemy import bindparam, select

from app.audit import record_event
from app.auth.models import User
from app.auth.user_cache import load_user_by_id
from app.extensions import db
from app.keeping import keep_newest
from app.sessions import kept_per_key

BINDING_LENGTH = 24  # hex characters of the HMAC kept in the cookie: 96 bits


# Both are asked on every logged-in request (session protection, the login token's
# binding): kept per worker by (address, user agent), at most this many clients.
MAX_KEPT_CLIENTS = 1024
_KEPT_CLIENTS = "kompeten_client_identity"
_LONGEST_KEPT_AGENT = 512  # longer user agents are hashed each time, not kept


def session_identifier():
    """The client as far as the server can tell: its address (the real one behind a trusted
    proxy, never a header the client sets) and its user agent."""
    return _client_identity()[0]


def client_binding():
    """An HMAC of the session identifier: unforgeable, and says nothing about the address."""
    return _client_identity()[1]


def _client_identity():
    """(session identifier, binding) of this request's client."""
    agent = request.headers.get("User-Agent", "")
    key = (request.remote_addr, agent)
    kept = kept_per_key(current_app, _KEPT_CLIENTS)  # the binding is keyed by the secret
    identity = kept.get(key)
    if identity is None:
        identifier = hashlib.sha512(f"{key[0]}|{agent}".encode()).hexdigest()
        secret = current_app.config["SECRET_KEY"].encode()
        binding = hmac.new(secret, identifier.encode(), hashlib.sha256).hexdigest()
        identity = (identifier, binding[:BINDING_LENGTH])
        if len(agent) <= _LONGEST_KEPT_AGENT:
            keep_newest(kept, key, identity, MAX_KEPT_CLIENTS)
    return identity


def login_token(user):
    """What the session and the remember-me cookie store for a user logged in here and now."""
    return f"{user.id}:{user.session_version}:{client_binding()}"


@cache
def _user_statement():
    """Every request loads its user: one statement built once (with its SQLAlchemy cache key)
    instead of the one `session.get` builds each time."""
    return select(User).where(User.id == bindparam("id"))


def _read_user(user_id):
    return db.session.execute(_user_statement(), {"id": user_id}).scalar_one_or_none()


def load_user(token):
    user_id, version, binding = _parse_token(token)
    if user_id is None:
        return None
    user = load_user_by_id(user_id, _read_user)
    if user is None or not user.is_active or user.session_version != version:
        return None
    if not hmac.compare_digest(binding, client_binding()):
        _refuse_foreign_login(user)
        return None
    return user


def _parse_token(token):
    parts = (token or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None, None, None
    return int(parts[0]), int(parts[1]), parts[2]


def _refuse_foreign_login(user):
    """A valid login made in another browser or from another address: someone copied the
    cookie. Drop it from this browser and audit it (before the view runs, see below)."""
    session.pop("_user_id", None)
    session["_remember"] = "clear"
    g.refused_login_user_id = user.id


def _bind_restored_session(sender, user, **extra):
    """Flask-Login does not store the session identifier when it restores a login from the
    remember-me cookie, so strong protection would end that session on the very next request
    and delete the cookie ("ingat saya" after a browser restart). Bind it here; load_user has
    already checked that the cookie belongs to this client."""
    session["_id"] = session_identifier()


def audit_refused_login():
    """Load the user before the view when a remember-me cookie came along, so a refused
    foreign cookie is audited and committed on its own, outside the view's transaction."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if request.endpoint == "static" or cookie not in request.cookies:
        return
    current_user._get_current_object()
    refused = g.pop("refused_login_user_id", None)
    if refused is not None:
        record_event(None, "auth.login_cookie_refused", "user", refused,
                     user_agent=request.headers.get("User-Agent", "")[:200])
        db.session.commit()


def configure_login(app, login_manager):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    # "strong": a session cookie presented from another IP address or browser (user agent) is
    # dropped, and so is the remember-me cookie; a copied cookie is useless elsewhere. The
    # price: a phone that changes network mid-session must log in again (docs/security.md).
    login_manager.session_protection = "strong"
    # Flask-Login's own identifier trusts X-Forwarded-For, which any client can send.
    login_manager._session_identifier_generator = session_identifier
    login_manager.id_attribute = "login_token"
    login_manager.user_loader(load_user)
    user_loaded_from_cookie.connect(_bind_restored_session)
    app.before_request(audit_refused_login)
