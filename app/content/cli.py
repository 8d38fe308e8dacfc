"""`flask content import|check`: bring authored course folders into the database."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.content import loader
from app.extensions import db

content_cli = AppGroup("content", help="Impor dan periksa kursus dari berkas (courses/).")


def _print_problems(problems):
    for problem in problems:
        click.echo(str(problem), err=True)


@content_cli.command("check")
@click.argument("path", type=click.Path(), required=False)
def check_command(path):
    """Periksa PATH (folder kursus atau folder berisi kursus) tanpa mengimpor apa pun."""
    path = path or current_app.config["COURSES_DIR"]
    specs, problems = loader.check_courses(path)
    _print_problems(problems)
    modules = sum(len(spec.modules) for spec in specs)
    click.echo(f"{len(specs)} kursus ({modules} modul) lolos pemeriksaan, "
               f"{len(problems)} masalah.")
    sys.exit(1 if problems else 0)


@content_cli.command("import")
@click.argument("path", type=click.Path(), required=False)
def import_command(path):
    """Impor kursus dari PATH (bawaan: folder courses/). Aman dijalankan berulang kali."""
    path = path or current_app.config["COURSES_DIR"]
    report = loader.import_courses(path)
    db.session.commit()
    _print_problems(report.problems)
    for label, codes in (("baru", report.created), ("diperbarui", report.updated),
                         ("tidak berubah", report.unchanged)):
        if codes:
            click.echo(f"{label}: {', '.join(codes)}")
    if not report.ok:
        click.echo(f"{len(report.problems)} masalah: kursus yang bermasalah tidak diimpor.",
                   err=True)
        sys.exit(1)
