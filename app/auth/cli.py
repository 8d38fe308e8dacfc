"""`flask users create` and `flask agencies seed`, for scripts and first set-up."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services
from app.auth.models import ROLES, Agency
from app.auth.nip import InvalidNip
from app.extensions import db

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


@agencies_cli.command("seed")
def seed_agencies_command():
    """Tambahkan OPD Kota Palu yang belum ada."""
    added = services.seed_agencies()
    db.session.commit()
    click.echo(f"{added} OPD ditambahkan.")
