"""A people import of more than LMS_IMPORT_INLINE_MAX_ROWS rows (after its preview) runs as a
background job: batches of IMPORT_BATCH_ROWS rows, each its own short transaction, so the
database is never held for the whole file.

Idempotent: each run checks the file again against the accounts as they are now, so rows a
crashed run already wrote are "unchanged" and nothing is created twice. The one-time passwords
of new accounts are appended to a private file (0600) before their batch commits; the finished
list keeps the last password per NIP (a password written for a batch that never committed is
replaced when that row is created on the next run). The list is offered for one day, to the
admin who started the import only.
"""

import os
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _

from app.admin import people_import
from app.audit import record_event
from app.auth.models import User
from app.extensions import db
from app.jobs.runner import JobError, register_job_kind
from app.jobs.services import start_job
from app.templating import number

KIND = "users.import"
IMPORT_BATCH_ROWS = 200
PASSWORDS_NAME = "kata-sandi-sementara.csv"
PASSWORDS_DAYS = 1  # one-time passwords are not kept around for a week


def inline_limit():
    return current_app.config["IMPORT_INLINE_MAX_ROWS"]


def _inputs_dir():
    path = Path(current_app.instance_path) / "job-inputs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def input_path(job_id):
    return _inputs_dir() / f"{job_id}.csv"


def start_import(data, filename, rows, actor):
    """Record the job and keep the file where the consumer (another process) finds it;
    flushes, the job starts when the caller commits."""
    job = start_job(KIND, {"filename": filename or "", "rows": rows}, actor, total=rows)
    people_import.write_private_file(input_path(job.id), data)
    return job


def run_import(context):
    path = input_path(context.job.id)
    if not path.is_file():
        raise JobError(_("Berkas impor tidak ditemukan lagi; unggah dan pratinjau lagi."))
    actor = db.session.get(User, context.job.created_by_id) if context.job.created_by_id else None
    check = people_import.check_people_csv(path.read_bytes(), actor)
    if not check.ok:
        raise JobError(_("Data berubah sejak pratinjau dan berkas kini bermasalah (%(n)d "
                         "masalah). Tidak ada baris lagi yang disimpan; unggah lagi untuk "
                         "melihatnya.", n=len(check.problems)))
    pending = [row for row in check.rows if row.status != people_import.UNCHANGED]
    total = len(check.rows)
    summary = context.summary
    for key in ("created", "updated"):
        summary.setdefault(key, 0)
    partial = context.result_folder() / f".{PASSWORDS_NAME}.partial"
    done = total - len(pending)
    for start in range(0, len(pending), IMPORT_BATCH_ROWS):
        batch = pending[start:start + IMPORT_BATCH_ROWS]
        _write_batch(batch, partial, summary)
        done += len(batch)
        context.progress(done, total)  # commits the batch
    record_event(actor, "users.import", "user", None, created=summary["created"],
                 updated=summary["updated"], unchanged=total - summary["created"]
                 - summary["updated"], job=context.job.id)
    context.progress(total, total)
    _offer_passwords(context, partial)
    path.unlink(missing_ok=True)


def _write_batch(batch, partial, summary):
    new = [row for row in batch if row.status == people_import.NEW]
    passwords = people_import.insert_new_users(new)
    people_import.update_users([row for row in batch if row.status == people_import.UPDATED])
    db.session.flush()
    if passwords:
        # On disk before the commit: an account never exists without its password listed.
        _append_private(partial, "".join(f"{p.nip}\t{p.name}\t{p.password}\n"
                                         for p in passwords))
    summary["created"] += len(new)
    summary["updated"] += len(batch) - len(new)


def _append_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _offer_passwords(context, partial):
    if not partial.is_file():
        return
    latest = {}
    for line in partial.read_text(encoding="utf-8").splitlines():
        nip, name, password = line.split("\t")
        latest[nip] = people_import.OneTimePassword(nip, name, password)
    final = partial.with_name(PASSWORDS_NAME)
    final.unlink(missing_ok=True)
    people_import.write_private_file(final, people_import.passwords_csv(list(latest.values())))
    partial.unlink()
    context.offer_result(final, PASSWORDS_NAME, days=PASSWORDS_DAYS)


def import_label(params):
    return _("Impor ASN dari %(file)s (%(n)s baris)", file=params.get("filename") or "CSV",
             n=number(params.get("rows", 0)))


def import_progress(job):
    return _("%(done)s dari %(total)s baris diproses", done=number(job.progress_done),
             total=number(job.progress_total))


def import_summary(job):
    summary, lines = job.summary, []
    if "created" in summary:
        lines.append(_("%(created)s akun baru, %(updated)s diperbarui.",
                       created=number(summary["created"]), updated=number(summary["updated"])))
    if job.has_result_file():
        lines.append(_("Unduh daftar kata sandi sementara akun baru di bawah (hanya untuk admin "
                       "yang memulai impor ini, tersedia satu hari). Serahkan, lalu hapus "
                       "berkasnya."))
    return lines


def register_import_job():
    register_job_kind(KIND, run_import, import_label, progress_text=import_progress,
                      summary_lines=import_summary, private_result=True,
                      back_link=lambda params: (url_for("admin.import_people"),
                                                _("Kembali ke impor ASN")))
