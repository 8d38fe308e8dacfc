"""The signed CSRF token of each session, signed once per worker instead of on every page.

Flask-WTF keeps a random token in the session and puts a signed form of it in every page
(`generate_csrf()`: JSON, zlib, a timestamp and an HMAC, ~30 µs, on every page since the
header's logout and preference forms carry it). With `WTF_CSRF_TIME_LIMIT = None` (config.py:
the token lives as long as the session) the signature's timestamp is never checked, so any
signed form of the session's token is as good as a fresh one: the first one made for a session
is kept per worker and given to that session's later requests (Flask-WTF reads it from
`g.csrf_token` before signing anew). What is validated, and how, does not change.

Nothing new is revealed: the signed form already carried the same encoded token on every page,
only its timestamp changed. Kept: at most MAX_TOKENS per worker (about 250 bytes each), keyed by
the session's random token, so a logout (a new session) gets a new one. With a time limit set,
nothing is kept.
"""

from flask import current_app, g, request, session

from app.keeping import keep_newest
from app.sessions import kept_per_key

MAX_TOKENS = 2000
FIELD = "csrf_token"  # Flask-WTF's session key and `g` attribute (WTF_CSRF_FIELD_NAME)
_KEPT = "kompeten_signed_csrf_tokens"


def _kept_tokens():
    return kept_per_key(current_app, _KEPT)  # signed with the secret key


def give_kept_token():
    """Before the view: this session's signed token, when this worker has signed one. (A
    request without a session cookie has no token, and its session is not touched: reading it
    would add `Vary: Cookie` to answers that are the same for everyone.)"""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    raw = session.get(FIELD)
    if raw is not None:
        signed = _kept_tokens().get(raw)
        if signed is not None:
            setattr(g, FIELD, signed)


def keep_signed_token(response):
    """After the view: keep the token a page had signed for this session."""
    signed = g.get(FIELD)
    raw = session.get(FIELD) if signed is not None else None
    if raw is not None:
        kept = _kept_tokens()
        if raw not in kept:
            keep_newest(kept, raw, signed, MAX_TOKENS)
    return response


def register_csrf_tokens(app):
    config = app.config
    if (config.get("WTF_CSRF_TIME_LIMIT", 3600) is None
            and config.get("WTF_CSRF_FIELD_NAME", FIELD) == FIELD):
        app.before_request(give_kept_token)
        app.after_request(keep_signed_token)
