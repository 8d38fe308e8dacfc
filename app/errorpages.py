"""Error pages in the visitor's language; a broken form token gets a helpful page, not a bare 400.

Two kinds of page. The ordinary ones (400, 403, 404, 405, 413, 429) use the site frame with its
menu. The ones for a server fault (500) and a database outage (503) must work when the database
is what failed: they are rendered from a standalone template that needs neither the database,
the logged-in user nor the settings, in the language the browser asks for (cookie, then
Accept-Language). A database outage (lock timeout, killed connection, read-only folder) answers
503 with Retry-After. Callers that speak JSON (Accept: application/json, `*.json` URLs) get
JSON errors with the same message.
"""

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc

from app.extensions import db
from app.i18n import LANGUAGE_COOKIE, LANGUAGES
from app.storage import StorageError

log = logging.getLogger(__name__)

# The errors that mean "the database is not answering" rather than "this code is wrong".
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                 sa_exc.DisconnectionError)

# The last resort, when even the standalone page cannot be rendered.
BARE_500 = ("Terjadi kesalahan di server. Data yang sudah tersimpan tetap aman. "
            "Coba lagi beberapa saat lagi.")


def wants_json():
    """Scripts (autosave, preview, job status) ask for JSON; so do the `*.json` URLs."""
    return (request.path.endswith(".json")
            or request.accept_mimetypes.best == "application/json")


def _page(status, title, message):
    if wants_json():
        return jsonify(ok=False, status=status, message=message), status
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def is_database_outage(error):
    """The error, or the one it wraps (an error page that failed in turn), is the database."""
    original = getattr(error, "original_exception", None)
    for candidate in (error, original):
        if isinstance(candidate, DATABASE_DOWN):
            return True
        if isinstance(candidate, sa_exc.DBAPIError) and candidate.connection_invalidated:
            return True
    return False


def _visitor_language():
    """The language from the browser alone: the user's own choice needs the database."""
    choice = request.cookies.get(LANGUAGE_COOKIE)
    if choice in LANGUAGES:
        return choice
    return (request.accept_languages.best_match(LANGUAGES, default=None)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def _forget_the_transaction():
    """Roll back what the request began, without letting a dead connection fail the page."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it on the next checkout
        log.debug("rollback after a failed request failed too", exc_info=True)


def _standalone(status, title_and_message, headers=None):
    """A page (or JSON) from static text only: no database, no user, no settings."""
    _forget_the_transaction()
    headers = dict(headers or {})
    try:
        with force_locale(_visitor_language()):
            title, message = title_and_message()
            if wants_json():
                return jsonify(ok=False, status=status, message=message), status, headers
            # Straight from the environment: render_template's context processors would load
            # the user (Flask-Login) and the settings, both from the database.
            template = current_app.jinja_env.get_template("errors/standalone.html")
            body = template.render(status=status, title=title, message=message,
                                   language=_visitor_language(), request=request)
    except Exception:  # never fail twice: the bare text below needs nothing at all
        log.exception("the error page for %s could not be rendered", status)
        return BARE_500, status, {**headers, "Content-Type": "text/plain; charset=utf-8"}
    return body, status, headers


def _outage_text():
    return _("Sedang ada gangguan"), _(
        "Sedang ada gangguan, coba lagi sebentar lagi. Yang terakhir Anda kirim belum "
        "tersimpan; data yang sudah tersimpan sebelumnya tetap aman.")


def _server_error_text():
    return _("Terjadi kesalahan"), _(
        "Maaf, terjadi kesalahan di server. Data yang sudah tersimpan tetap aman. "
        "Coba lagi beberapa saat lagi.")


def database_outage_response(error):
    log.error("database unavailable during %s %s: %s", request.method, request.path,
              getattr(error, "original_exception", None) or error)
    retry_after = str(current_app.config["OUTAGE_RETRY_AFTER_SECONDS"])
    return _standalone(503, _outage_text, {"Retry-After": retry_after})


def register_error_pages(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, _("Formulir kedaluwarsa"), _(
            "Token keamanan formulir tidak berlaku lagi (mungkin halaman dibuka terlalu lama "
            "atau Anda sudah keluar). Kembali, muat ulang halaman, lalu coba lagi."))

    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("Permintaan tidak valid"),
                     _("Permintaan tidak dapat diproses. Muat ulang halaman lalu coba lagi."))

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, _("Akses ditolak"), _("Anda tidak berhak membuka halaman ini."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Halaman tidak ditemukan"),
                     _("Halaman yang Anda cari tidak ada atau sudah dipindahkan."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _page(405, _("Cara akses tidak diizinkan"),
                     _("Halaman ini tidak dapat dibuka dengan cara tersebut."))

    @app.errorhandler(413)
    def too_large(error):
        limit_mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        return _page(413, _("Kiriman terlalu besar"), _(
            "Berkas atau isian yang dikirim terlalu besar (batas seluruh kiriman: %(mb).1f MB). "
            "Perkecil berkasnya, lalu kembali dan coba lagi.", mb=limit_mb))

    @app.errorhandler(429)
    def too_many_requests(error):
        return _page(429, _("Terlalu banyak permintaan"), _(
            "Anda mengirim terlalu banyak permintaan dalam waktu singkat (batas: %(limit)s). "
            "Tunggu sebentar, lalu coba lagi.", limit=getattr(error, "description", "")))

    @app.errorhandler(StorageError)
    def storage_refused(error):
        # The disk refused an upload: nothing of the request may stay half-saved.
        log.error("storage refused a write during %s %s: %s", request.method, request.path,
                  error.__cause__ or error)
        _forget_the_transaction()
        return _page(error.status, _("Berkas tidak tersimpan"), error.message)

    for error_class in DATABASE_DOWN:  # the database did not answer a view or a hook
        app.register_error_handler(error_class, database_outage_response)

    @app.errorhandler(500)
    def server_error(error):
        # Also reached when another error page failed (e.g. a 404 page that needed the user
        # while the database was down): that outage still deserves its 503.
        if is_database_outage(error):
            return database_outage_response(error)
        return _standalone(500, _server_error_text)
