"""`flask courses add-trainer|remove-trainer`: who teaches a course (grades its essays)."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.services import find_user_by_login
from app.authoring.services import add_owner, remove_owner
from app.courses.models import Course
from app.extensions import db

courses_cli = AppGroup("courses", help="Kelola pengajar kursus.")


def _course_and_trainer(code, nip):
    course = db.session.scalar(select(Course).where(Course.code == code.upper()))
    if course is None:
        raise click.ClickException(f"Kursus berkode {code} tidak ada.")
    user = find_user_by_login(nip)
    if user is None:
        raise click.ClickException(f"Akun dengan NIP {nip} tidak ada.")
    return course, user


@courses_cli.command("add-trainer")
@click.argument("code")
@click.argument("nip")
def add_trainer_command(code, nip):
    """Jadikan akun NIP pengajar kursus CODE (peran pengajar ditambahkan bila belum)."""
    course, user = _course_and_trainer(code, nip)
    add_owner(course, user, by=None)
    db.session.commit()
    click.echo(f"{user.name} kini pengajar {course.code}.")


@courses_cli.command("remove-trainer")
@click.argument("code")
@click.argument("nip")
def remove_trainer_command(code, nip):
    """Lepaskan akun NIP dari daftar pengajar kursus CODE."""
    course, user = _course_and_trainer(code, nip)
    remove_owner(course, user, by=None)
    db.session.commit()
    click.echo(f"{user.name} bukan lagi pengajar {course.code}.")
