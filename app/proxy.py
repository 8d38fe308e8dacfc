"""Behind a reverse proxy: the client's own address, scheme and host, and a cheap note of what
requests look like so `flask security check` can tell a misconfigured proxy.

With `LMS_PROXY_COUNT` = n > 0, Werkzeug's ProxyFix trusts the last n entries of
X-Forwarded-For / -Proto / -Host (one per proxy hop). Everything that needs the client's
address (login throttling, Flask-Limiter, the audit log, the session identifier) reads
`request.remote_addr`, which is then the client's. With 0 (the default, no proxy) those headers
are ignored: a client cannot choose its own address by sending one.
"""

import ipaddress
import json
import os
import time
from pathlib import Path

from flask import current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

NOTE_FILE = "request_note.json"
NOTE_EVERY_SECONDS = 300  # per worker: at most one small file write every five minutes
_EXTENSION_KEY = "request_note"


def register_proxy(app):
    hops = int(app.config.get("PROXY_COUNT") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions[_EXTENSION_KEY] = {"written_at": None}
    app.before_request(note_request)


def address_kind(address):
    """'loopback', 'private' or 'public' (anything unparsable counts as public)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "public"
    if ip.is_loopback:
        return "loopback"
    return "private" if ip.is_private else "public"


def note_request():
    """Remember, every few minutes, where requests come from and whether a proxy forwarded
    them: the CLI cannot see requests. A monotonic-clock comparison on every other request."""
    state = current_app.extensions[_EXTENSION_KEY]
    now = time.monotonic()
    if state["written_at"] is not None and now - state["written_at"] < NOTE_EVERY_SECONDS:
        return
    state["written_at"] = now
    # The peer that really connected: ProxyFix keeps the original REMOTE_ADDR aside.
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    peer = original.get("REMOTE_ADDR", request.remote_addr)
    note = {"at": time.time(), "peer": address_kind(peer),
            "forwarded": "X-Forwarded-For" in request.headers,
            "proxy_count": int(current_app.config.get("PROXY_COUNT") or 0)}
    write_note(note)


def _note_path():
    return Path(current_app.instance_path) / NOTE_FILE


def write_note(note):
    path = _note_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(note))
        os.replace(temporary, path)  # atomic: a reader never sees half a file
    except OSError:  # a read-only instance folder must never fail a request
        current_app.logger.warning("cannot write %s", path)


def read_note():
    """The last note a worker wrote, or None when no request has been served yet."""
    try:
        return json.loads(_note_path().read_text())
    except (OSError, ValueError):
        return None
