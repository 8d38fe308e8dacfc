"""Static files under fingerprinted names, so a browser keeps them for a year and never asks again.

`url_for('static', filename='css/kompeten.css')` gives `/static/css/kompeten.<hash>.css`, the
hash taken from the file's bytes once per process. That name is served with
`Cache-Control: public, max-age=31536000, immutable`: when the file changes, its name changes.
The plain name (and a name with an outdated hash, from a page cached before a deploy) still
serves the current file, with a short cache. Templates keep calling url_for as before.

The static folder holds a few small text files (one stylesheet, two scripts), so each is kept
in memory and answered as an ordinary response: Flask-Compress compresses it like a page.
"""

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, current_app, request
from werkzeug.security import safe_join

from app.sessions import KeptSessionInterface
from app.web import SAME_FOR_EVERYONE

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_MAX_AGE = 300  # seconds: the plain, unversioned name
DIGEST_LENGTH = 10
VERSIONED_NAME = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    data: bytes
    digest: str
    mimetype: str

    def versioned(self, filename):
        stem, dot, ext = filename.rpartition(".")
        return f"{stem}.{self.digest}.{ext}" if dot and stem else filename


class AssetCache:
    """The static folder's files by name, read and hashed once (every time in debug mode)."""

    def __init__(self, folder):
        self.folder = folder
        self.assets = {}

    def get(self, filename):
        """The Asset for a file of the static folder, or None when there is no such file."""
        if filename in self.assets and not current_app.debug:
            return self.assets[filename]
        path = safe_join(self.folder, filename)
        if path is None or not Path(path).is_file():
            return None
        data = Path(path).read_bytes()
        asset = Asset(data=data, digest=hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH],
                      mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        self.assets[filename] = asset
        return asset


def _cache():
    return current_app.extensions["kompeten_assets"]


def fingerprint_static_urls(endpoint, values):
    """url_defaults hook: url_for('static', filename=...) names the fingerprinted file."""
    if endpoint != "static" or "filename" not in values:
        return
    asset = _cache().get(values["filename"])
    if asset is not None:
        values["filename"] = asset.versioned(values["filename"])


def _resolve(filename):
    """(asset, immutable) for a requested name, plain or fingerprinted; (None, False) if none."""
    asset = _cache().get(filename)
    if asset is not None:
        return asset, False
    match = VERSIONED_NAME.match(filename)
    if match is None:
        return None, False
    asset = _cache().get(match["stem"] + match["ext"])
    return asset, asset is not None and asset.digest == match["digest"]


def serve_static(filename):
    asset, immutable = _resolve(filename)
    if asset is None:
        abort(404)
    response = Response(asset.data, mimetype=asset.mimetype)
    response.set_etag(asset.digest)
    if immutable:
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.cache_control.public = True
        response.cache_control.max_age = SHORT_MAX_AGE
    return response.make_conditional(request)


class SessionlessStaticInterface(KeptSessionInterface):
    """The signed-cookie session (app/sessions.py), left out of answers that are the same for
    everyone (static files, /ping, /healthz): no Set-Cookie and no `Vary: Cookie` (Flask-Login reads
    the session after every request), which would make a browser ask for a cached stylesheet
    again each time the session cookie changes."""

    def save_session(self, app, session, response):
        if request.endpoint not in SAME_FOR_EVERYONE:
            super().save_session(app, session, response)


def register_assets(app):
    app.extensions["kompeten_assets"] = AssetCache(app.static_folder)
    app.session_interface = SessionlessStaticInterface()
    app.url_defaults(fingerprint_static_urls)
    app.view_functions["static"] = serve_static


def static_text(filename):
    """A static file's text (the offline module file inlines the stylesheet)."""
    return _cache().get(filename).data.decode("utf-8")
