"""`flask users import FILE`: the CSV import of the admin pages, from the shell.

Registered into the `flask users` group by register_admin(), so auth never depends on admin.
"""

import sys
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError

from app.admin import import_job, people_import
from app.extensions import db
from app.jobs.runner import remove_result_file, results_root, wait_for_job

_CONCURRENT_CHANGE = ("Impor dibatalkan: data berubah bersamaan (mis. NIP atau email yang sama "
                      "baru saja didaftarkan). Tidak ada yang disimpan; jalankan lagi.")

@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Periksa dan hitung saja; tidak ada yang disimpan.")
@click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Berkas CSV baru (izin 0600) untuk kata sandi sementara akun baru; "
                   "wajib bila ada akun baru.")
@click.option("--wait", is_flag=True,
              help="Berkas besar (tugas latar): tunggu sampai selesai. Selalu ditunggu bila ada "
                   "akun baru, agar kata sandinya tertulis ke --passwords-out.")
def import_users_command(file, dry_run, passwords_out, wait):
    """Impor ASN dari berkas CSV: semua baris atau tidak sama sekali."""
    with file.open("rb") as handle:
        data = handle.read(people_import.MAX_BYTES + 1)
    check = people_import.check_people_csv(data)
    for warning in check.warnings:
        click.echo(f"peringatan: {warning}", err=True)
    for problem in check.problems:
        click.echo(str(problem), err=True)
    if not check.ok:
        click.echo(f"{len(check.problems)} masalah; tidak ada yang disimpan.", err=True)
        sys.exit(1)
    preview = people_import.preview_import(check)
    click.echo(f"{preview.new} baru, {preview.updated} diperbarui, "
               f"{preview.unchanged} tidak berubah.")
    if dry_run:
        click.echo("Uji coba (--dry-run): tidak ada yang disimpan.")
        return
    _refuse_unsafe_passwords_out(preview.new, passwords_out)
    if len(check.rows) > import_job.inline_limit():
        _import_as_job(data, file, len(check.rows), passwords_out, wait or preview.new > 0)
        return
    try:
        passwords = people_import.apply_import(check, actor=None)
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(_CONCURRENT_CHANGE) from None
    _commit_with_passwords(passwords, passwords_out)
    click.echo(f"Impor selesai: {preview.new} baru, {preview.updated} diperbarui.")
    if passwords:
        click.echo(f"Kata sandi sementara {len(passwords)} akun baru ditulis ke {passwords_out} "
                   "(hanya dapat dibaca pemiliknya). Serahkan lalu hapus berkas itu.")


def _import_as_job(data, file, rows, passwords_out, wait):
    """A big file: the same batched background job as the admin pages' import."""
    job = import_job.start_import(data, file.name, rows, None)
    db.session.commit()
    click.echo(f"Tugas #{job.id}: {rows} baris diimpor di latar (per {import_job.IMPORT_BATCH_ROWS}"
               f" baris). Pantau di /admin/tugas/{job.id}.")
    if not wait:
        return
    job = wait_for_job(job.id)
    if job.state != "succeeded":
        raise click.ClickException(job.error or "Impor gagal.")
    summary = job.summary
    click.echo(f"Impor selesai: {summary.get('created', 0)} baru, "
               f"{summary.get('updated', 0)} diperbarui.")
    if job.result_path:
        # The password list leaves the job's folder for the file the operator named.
        source = results_root() / job.result_path
        people_import.write_private_file(passwords_out, source.read_bytes())
        job.result_path = None
        db.session.commit()
        remove_result_file(job)
        click.echo(f"Kata sandi sementara {summary.get('created', 0)} akun baru ditulis ke "
                   f"{passwords_out} (hanya dapat dibaca pemiliknya). Serahkan lalu hapus "
                   "berkas itu.")


def _refuse_unsafe_passwords_out(new_count, path):
    """New accounts need somewhere private for their passwords, and never an existing file."""
    if new_count and path is None:
        raise click.UsageError(
            f"{new_count} akun baru akan dibuat: sebutkan --passwords-out BERKAS untuk daftar "
            "kata sandi sementaranya. Tidak ada yang disimpan.")
    if new_count and path.exists():
        raise click.UsageError(f"{path} sudah ada; pilih nama berkas baru. Tidak ada yang "
                               "disimpan.")


def _commit_with_passwords(passwords, path):
    """Write the password list, then commit: a failure of either leaves neither behind."""
    try:
        if passwords:
            people_import.write_private_file(path, people_import.passwords_csv(passwords))
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"{path} tidak dapat ditulis ({error.strerror}); tidak ada "
                                   "yang disimpan.") from None
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if passwords:
            path.unlink(missing_ok=True)
        if isinstance(error, IntegrityError):
            raise click.ClickException(_CONCURRENT_CHANGE) from None
        raise
