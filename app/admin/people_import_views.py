"""Bulk import of ASN from CSV: upload, preview with every problem, confirm, download passwords.

The routes sit on the admin blueprint, so its before_request lets admins only in. Between the
preview and the confirmation the uploaded file waits under instance/imports/, readable by the
server only, named by the admin's id and a random token; it is deleted once imported or
cancelled, and after a day at the latest.
"""

import re
import secrets
import time
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.admin import import_job, people_import
from app.admin.menu import register_admin_page
from app.admin.people_import_forms import PeopleImportTokenForm, PeopleImportUploadForm
from app.admin.views import bp
from app.auth.models import JABATAN_TYPES, ROLE_LABELS
from app.extensions import db
from app.timeutil import now_in_palu

STALE_UPLOAD_SECONDS = 24 * 60 * 60
# A file full of mistakes can hold 100,000 problems; the page lists this many (the CLI all).
PROBLEMS_SHOWN = 1000

register_admin_page("admin.import_people", _l("Impor ASN dari CSV"),
                    _l("tambah dan perbarui banyak pegawai sekaligus"))


# --- the uploaded file between preview and confirmation ---------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")  # secrets.token_urlsafe(24)


def _uploads_dir():
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _upload_path(token):
    # The admin's id is part of the name: a token only works for the admin who uploaded.
    return _uploads_dir() / f"{current_user.id}-{token}.csv"


def _purge_stale_uploads():
    """Forgotten previews hold personal data: delete those older than a day."""
    cutoff = time.time() - STALE_UPLOAD_SECONDS
    for path in _uploads_dir().glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _keep_upload(data):
    _purge_stale_uploads()
    token = secrets.token_urlsafe(24)
    people_import.write_private_file(_upload_path(token), data)
    return token


def _stored_upload(token):
    path = _upload_path(token)
    return path.read_bytes() if path.is_file() else None


def _discard_upload(token):
    _upload_path(token).unlink(missing_ok=True)


# --- pages ------------------------------------------------------------------------------------

def _preview_page(check, filename, token=None):
    return render_template(
        "admin/import_preview.html", preview=people_import.preview_import(check),
        filename=filename, token_form=PeopleImportTokenForm(token=token) if token else None,
        upload_form=PeopleImportUploadForm(), problems_shown=PROBLEMS_SHOWN,
        jabatan_labels=JABATAN_TYPES, role_labels=ROLE_LABELS)


def _csv_download(data, filename):
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        # The one-time password list must not linger in a browser or proxy cache.
        "Cache-Control": "no-store",
    })


@bp.route("/pengguna/impor", methods=["GET", "POST"])
def import_people():
    form = PeopleImportUploadForm()
    if not form.validate_on_submit():
        return render_template("admin/import_upload.html", form=form)
    upload = form.file.data
    with upload.stream:  # a large upload is spooled to a temporary file: close it now
        data = upload.stream.read(people_import.MAX_BYTES + 1)
    check = people_import.check_people_csv(data, current_user)
    token = _keep_upload(data) if check.ok else None
    return _preview_page(check, upload.filename, token)


@bp.route("/pengguna/impor/konfirmasi", methods=["POST"])
def confirm_people_import():
    form = PeopleImportTokenForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    data = _stored_upload(token)
    if data is None:
        flash(_("Pratinjau ini sudah tidak berlaku (sudah diimpor, dibatalkan, atau lebih dari "
                "sehari). Unggah berkasnya lagi."), "error")
        return redirect(url_for("admin.import_people"))
    # Checked again: people or agencies may have changed since the preview.
    check = people_import.check_people_csv(data, current_user)
    if not check.ok:
        _discard_upload(token)
        flash(_("Data berubah sejak pratinjau dan berkas kini bermasalah. Tidak ada yang "
                "disimpan."), "error")
        return _preview_page(check, filename="")
    if len(check.rows) > import_job.inline_limit():
        job = import_job.start_import(data, "", len(check.rows), current_user)
        db.session.commit()
        _discard_upload(token)
        return redirect(url_for("jobs.show", job_id=job.id))
    counts = people_import.preview_import(check)  # before writing: "new" is still new
    try:
        passwords = people_import.apply_import(check, current_user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("Impor dibatalkan karena data berubah bersamaan (mis. NIP atau email yang sama "
                "baru saja didaftarkan). Tidak ada yang disimpan; coba konfirmasi lagi."), "error")
        return redirect(url_for("admin.import_people"))
    _discard_upload(token)
    passwords_token = None
    if passwords:
        # Kept (0600, this admin only) for the summary page's link, a day at most: the same
        # purge as the previews (_purge_stale_uploads).
        passwords_token = _keep_upload(people_import.passwords_csv(passwords))
    return render_template("admin/import_done.html", counts=counts,
                           passwords_token=passwords_token, password_count=len(passwords))


@bp.route("/pengguna/impor/kata-sandi/<token>")
def imported_passwords(token):
    """The temporary passwords of an import, for the admin who ran it."""
    if not TOKEN.fullmatch(token):
        abort(404)
    data = _stored_upload(token)
    if data is None:
        flash(_("Berkas kata sandi sementara sudah tidak tersedia (dihapus setelah sehari)."),
              "error")
        return redirect(url_for("admin.import_people"))
    stamp = now_in_palu().strftime("%Y%m%d-%H%M")
    return _csv_download(data, f"kata-sandi-sementara-{stamp}.csv")


@bp.route("/pengguna/impor/batal", methods=["POST"])
def cancel_people_import():
    form = PeopleImportTokenForm()
    if not form.validate_on_submit():
        abort(400)
    _discard_upload(form.token.data)
    flash(_("Impor dibatalkan. Tidak ada yang disimpan."), "info")
    return redirect(url_for("admin.import_people"))


@bp.route("/pengguna/impor/contoh.csv")
def people_import_template():
    return _csv_download(people_import.template_csv(), "contoh-impor-asn.csv")
