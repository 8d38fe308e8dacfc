"""The signed session cookie, checked once per worker instead of on every request.

Flask opens the session of every request by verifying the cookie's HMAC, base64- and
zlib-decoding it and parsing its tagged JSON, after building a new signing serializer: about a
tenth of a logged-in page's time (docs/performance.md, 7 December). A learner's cookie stays
the same from one page to the next (it changes only when the session does: login, a flash,
a new CSRF token), so each worker keeps what the cookies it verified held, keyed by the cookie's
exact text, and gives a request whose cookie it has seen a fresh session with the same values.

What a request gets is unchanged: the values of its own cookie, verified with the current keys
(`SECRET_KEY` and `SECRET_KEY_FALLBACKS`, as Flask; what is kept is emptied when they change,
`kept_per_key`), refused once older than the cookie's maximum age exactly as itsdangerous refuses
it. Only sessions whose values are all immutable (text, numbers, booleans, None) are kept: a
session carrying flash messages (a list Flask appends to) is decoded each time, and each
request's session is its own dict, so nothing one request changes reaches another. At most
MAX_SESSIONS per worker (about 1 KB each; past that, the oldest goes).
"""

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from app.headers import add_vary
from app.keeping import keep_newest

MAX_SESSIONS = 1000
_KEPT = "kompeten_verified_sessions"
_SERIALIZER = "kompeten_session_serializer"
_IMMUTABLE = (str, int, float, bool, type(None))


def kept_per_key(app, name):
    """A dict kept on the app for what was derived from its secret keys (verified cookies,
    signed tokens, login bindings): a new dict whenever the keys change."""
    keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
    kept = app.extensions.get(name)
    if kept is None or kept[0] != keys:
        kept = app.extensions[name] = (keys, {})
    return kept[1]


class KeptSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app, session, response):
        if session.accessed:
            # `Vary: Cookie` added as text; Flask would add it through `response.vary` (a parse
            # and a rewrite of the header), which it skips for a session not marked accessed.
            add_vary(response, "Cookie")
            session.accessed = False
        super().save_session(app, session, response)

    def get_signing_serializer(self, app):
        # One serializer per app and keys (Flask builds one per request and per save).
        kept = kept_per_key(app, _SERIALIZER)
        if "serializer" not in kept:
            kept["serializer"] = super().get_signing_serializer(app)
        return kept["serializer"]

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        sessions = kept_per_key(app, _KEPT)
        entry = sessions.get(value)
        if entry is not None and time.time() - entry[1] <= max_age:
            return self.session_class(entry[0])
        try:
            data, signed_at = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # includes an expired signature
            return self.session_class()
        if all(type(item) in _IMMUTABLE for item in data.values()):
            keep_newest(sessions, value, (dict(data), signed_at.timestamp()), MAX_SESSIONS)
        return self.session_class(data)
