"""`flask users create` and `flask agencies seed`, for scripts and first set-up."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import services
from app.auth.models import ROLES, Agency
from app.auth.nip import InvalidNip
from app.extensions import db

_CONCURRENT_CHANGE = ("Impor dibatalkan: data berubah bersamaan (mis. NIP atau email yang sama "
                      "baru saja didaftarkan). Tidak ada yang disimpan; jalankan lagi.")

users_cli = AppGroup("users", help="Kelola akun dari baris perintah.")
agencies_cli = AppGroup("agencies", help="Kelola daftar OPD.")


def _read_password():
    """From a prompt on a terminal (typed twice), or the first line of stdin in a script."""
    if sys.stdin.isatty():
        return click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--nip", required=True, help="NIP 18 digit (spasi boleh).")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), default=("learner",),
              show_default=True, help="Peran; boleh diulang.")
@click.option("--email", default=None)
@click.option("--agency", "agency_code", default=None, help="Kode OPD, mis. BKPSDM.")
def create_user_command(nip, name, roles, email, agency_code):
    """Buat akun. Kata sandi dibaca dari prompt atau dari stdin."""
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.upper()))
        if agency is None:
            raise click.UsageError(f"OPD dengan kode {agency_code} tidak ada.")
    password = _read_password()
    try:
        user = services.create_user(nip=nip, name=name, password=password, roles=set(roles),
                                    email=email, agency=agency)
    except (InvalidNip, services.AccountError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Akun {user.nip_display} ({', '.join(sorted(user.roles))}) dibuat.")


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Periksa dan hitung saja; tidak ada yang disimpan.")
@click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Berkas CSV baru (izin 0600) untuk kata sandi sementara akun baru; "
                   "wajib bila ada akun baru.")
def import_users_command(file, dry_run, passwords_out):
    """Impor ASN dari berkas CSV: semua baris atau tidak sama sekali."""
    # Imported here: the import lives with the admin pages, which depend on auth, not back.
    from app.admin import people_import

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
    try:
        passwords = people_import.apply_import(check, actor=None)
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(_CONCURRENT_CHANGE) from None
    _commit_with_passwords(people_import, passwords, passwords_out)
    click.echo(f"Impor selesai: {preview.new} baru, {preview.updated} diperbarui.")
    if passwords:
        click.echo(f"Kata sandi sementara {len(passwords)} akun baru ditulis ke {passwords_out} "
                   "(hanya dapat dibaca pemiliknya). Serahkan lalu hapus berkas itu.")


def _refuse_unsafe_passwords_out(new_count, path):
    """New accounts need somewhere private for their passwords, and never an existing file."""
    if new_count and path is None:
        raise click.UsageError(
            f"{new_count} akun baru akan dibuat: sebutkan --passwords-out BERKAS untuk daftar "
            "kata sandi sementaranya. Tidak ada yang disimpan.")
    if new_count and path.exists():
        raise click.UsageError(f"{path} sudah ada; pilih nama berkas baru. Tidak ada yang "
                               "disimpan.")


def _commit_with_passwords(people_import, passwords, path):
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


@agencies_cli.command("seed")
def seed_agencies_command():
    """Tambahkan OPD Kota Palu yang belum ada."""
    added = services.seed_agencies()
    db.session.commit()
    click.echo(f"{added} OPD ditambahkan.")
