"""`flask courses add-trainer|remove-trainer`: who teaches a course (grades its essays)."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.services import find_user_by_login
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
    user.is_trainer = True
    if user not in course.owners:
        course.owners.append(user)
    db.session.commit()
    click.echo(f"{user.name} kini pengajar {course.code}.")


@courses_cli.command("remove-trainer")
@click.argument("code")
@click.argument("nip")
def remove_trainer_command(code, nip):
    """Lepaskan akun NIP dari daftar pengajar kursus CODE."""
    course, user = _course_and_trainer(code, nip)
    if user in course.owners:
        course.owners.remove(user)
    db.session.commit()
    click.echo(f"{user.name} bukan lagi pengajar {course.code}.")
