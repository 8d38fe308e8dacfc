"""`flask content import|check`: bring authored courses and quizzes into the database."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content import loader, quiz_loader
from app.extensions import db

content_cli = AppGroup("content", help="Impor dan periksa kursus (courses/) dan kuis (quizzes/).")


def _print_problems(problems):
    for problem in problems:
        click.echo(str(problem), err=True)


def _holds_quizzes(path):
    """A quiz file, a course's quiz folder, or a folder of those (not a courses folder)."""
    path = Path(path)
    if path.is_file():
        return quiz_loader.is_quiz_file(path)
    if not path.is_dir() or (path / loader.COURSE_FILE).exists():
        return False
    children = list(path.iterdir())
    if any(quiz_loader.is_quiz_file(p) for p in children):
        return True
    return any(quiz_loader.is_quiz_file(p) for d in children if d.is_dir() for p in d.iterdir())


def _targets(path):
    """(courses path or None, quizzes path or None) for PATH, default both bundled folders."""
    if path is None:
        return current_app.config["COURSES_DIR"], current_app.config["QUIZZES_DIR"]
    return (None, path) if _holds_quizzes(path) else (path, None)


@content_cli.command("check")
@click.argument("path", type=click.Path(), required=False)
@click.option("--json", "as_json", is_flag=True,
              help="Cetak kuis hasil pembacaan sebagai JSON (untuk berkas .gift).")
def check_command(path, as_json):
    """Periksa PATH (kursus, folder kursus, berkas .gift atau folder kuis) tanpa mengimpor."""
    courses_path, quizzes_path = _targets(path)
    problems, summary = [], []
    if courses_path is not None:
        specs, course_problems = loader.check_courses(courses_path)
        problems += course_problems
        modules = sum(len(spec.modules) for spec in specs)
        summary.append(f"{len(specs)} kursus ({modules} modul)")
    quiz_specs = []
    if quizzes_path is not None and (path is not None or Path(quizzes_path).exists()):
        quiz_specs, quiz_problems = quiz_loader.check_quizzes(quizzes_path)
        problems += quiz_problems
        questions = sum(len(spec.questions) for spec in quiz_specs)
        summary.append(f"{len(quiz_specs)} kuis ({questions} soal)")
    _print_problems(problems)
    if as_json:
        payload = [quiz_loader.quiz_to_dict(spec) for spec in quiz_specs]
        single = Path(path or "").is_file() and len(payload) == 1
        click.echo(json.dumps(payload[0] if single else payload, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{' dan '.join(summary)} lolos pemeriksaan, {len(problems)} masalah.")
    sys.exit(1 if problems else 0)


@content_cli.command("import")
@click.argument("path", type=click.Path(), required=False)
def import_command(path):
    """Impor PATH (bawaan: courses/ lalu quizzes/). Aman dijalankan berulang kali."""
    courses_path, quizzes_path = _targets(path)
    reports = []
    if courses_path is not None:
        reports.append(("kursus", loader.import_courses(courses_path)))
        db.session.commit()
    if quizzes_path is not None and (path is not None or Path(quizzes_path).exists()):
        reports.append(("kuis", quiz_loader.import_quizzes(quizzes_path)))
        db.session.commit()
    problems = [p for _, report in reports for p in report.problems]
    _print_problems(problems)
    for kind, report in reports:
        for label, names in (("baru", report.created), ("diperbarui", report.updated),
                             ("tidak berubah", report.unchanged)):
            if names:
                click.echo(f"{kind} {label}: {', '.join(names)}")
    if problems:
        click.echo(f"{len(problems)} masalah: yang bermasalah tidak diimpor.", err=True)
        sys.exit(1)
