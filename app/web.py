"""Small helpers shared by views: safe redirects and 404-or-object lookups."""

from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for

from app.extensions import db


def is_safe_next(target):
    """Only same-site paths are followed after login: no scheme, no host, no '//' tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_next(default_endpoint, **values):
    target = request.values.get("next")
    return redirect(target if is_safe_next(target) else url_for(default_endpoint, **values))


def one_or_404(statement):
    """Run a select and return its single object, or answer 404."""
    obj = db.session.scalars(statement).first()
    if obj is None:
        abort(404)
    return obj
