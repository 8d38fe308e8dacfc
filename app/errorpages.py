"""Error pages in Bahasa Indonesia; a broken form token gets a helpful page, not a bare 400."""

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.extensions import db


def _page(status, title, message):
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _page(500, _("Terjadi kesalahan"), _(
            "Maaf, terjadi kesalahan di server. Data yang sudah tersimpan tetap aman. "
            "Coba lagi beberapa saat lagi."))
