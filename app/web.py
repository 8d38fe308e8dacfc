"""Small helpers shared by views: safe redirects, 404-or-object lookups, rate limit texts."""

from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from limits import parse_many
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.forms import LARGEST_ID
from app.settings import get_setting

# Answers that are the same for everyone: static files, /ping (the benchmark's baseline) and
# /healthz (the proxy's probe). They never load the user (a query) and never save the session
# (no Set-Cookie, no `Vary: Cookie`, which would keep browsers and caches from reusing them).
SAME_FOR_EVERYONE = frozenset({"static", "operations.ping", "operations.healthz"})


def is_safe_next(target):
    """Only same-site paths are followed after login: no scheme, no host, no '//' tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def absolute_url(path):
    """An address for use outside this page (offline file, calendar, QR code, e-mail): the
    configured base URL (the "base_url" setting, LMS_BASE_URL) and the path. Never the
    request's Host header, which the client chooses: a forged Host must not reach a
    downloaded file, a certificate or a calendar entry."""
    return f"{(get_setting('base_url') or '').rstrip('/')}{path}"


def external_url(endpoint, **values):
    """url_for(endpoint, _external=True), but on the configured base URL (absolute_url)."""
    return absolute_url(url_for(endpoint, **values))


def redirect_next(default_endpoint, **values):
    target = request.values.get("next")
    return redirect(target if is_safe_next(target) else url_for(default_endpoint, **values))


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: digits 0-9 only (Werkzeug's own also takes "１００") and no
    larger than an INTEGER column holds, so a 400-digit id is a 404, not a database error."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def register_converters(app):
    app.url_map.converters["int"] = IdConverter


def one_or_404(statement, params=None):
    """Run a select (with its bind parameters, if any) and return its single object, or
    answer 404."""
    obj = db.session.scalars(statement, params).first()
    if obj is None:
        abort(404)
    return obj


def limit_text(limit):
    """A Flask-Limiter limit ("30 per minute; 500 per day") in words for the 429 page (the
    library's own text is English)."""
    units = {"second": _("detik"), "minute": _("menit"), "hour": _("jam"), "day": _("hari"),
             "month": _("bulan"), "year": _("tahun")}
    parts = []
    for item in parse_many(limit):
        unit = units.get(item.GRANULARITY.name, item.GRANULARITY.name)
        per = unit if item.multiples == 1 else f"{item.multiples} {unit}"
        parts.append(_("%(amount)d permintaan per %(per)s", amount=item.amount, per=per))
    return ", ".join(parts)
