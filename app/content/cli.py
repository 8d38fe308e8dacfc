"""`flask content check|import|export`: authored courses and quizzes in and out of the database."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import inspect

from app.content import exporter, loader, quiz_loader
from app.content.import_lock import content_import_turn
from app.content.import_record import record_import
from app.extensions import db
from app.programmes import files as programme_files
from app.templating import wita_datetime

content_cli = AppGroup(
    "content", help="Periksa, impor dan ekspor kursus (courses/) dan kuis (quizzes/).")


def _print_problems(problems):
    for problem in problems:
        click.echo(str(problem), err=True)


def _print_warnings(warnings):
    for warning in warnings:
        click.echo(_("peringatan: %(warning)s", warning=warning), err=True)


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


def _is_export_root(path):
    """A folder written by `flask content export`: courses/ and quizzes/ side by side."""
    return (Path(path) / exporter.COURSES_FOLDER).is_dir()


def _programmes_target(path):
    """The programmes folder for PATH: the bundled one by default, PATH/programmes in an
    export, PATH itself when it holds programme files only; None when there is none."""
    if path is None:
        folder = Path(current_app.config["PROGRAMMES_DIR"])
    elif _is_export_root(path):
        folder = Path(path) / programme_files.FOLDER
    elif Path(path).name == programme_files.FOLDER:
        folder = Path(path)
    else:
        return None
    return folder if folder.is_dir() else None


def _course_codes(specs):
    return {spec.fields["code"] for spec in specs if spec.fields.get("code")}


def _targets(path):
    """(courses path or None, quizzes path or None) for PATH, default both bundled folders."""
    if path is None:
        return current_app.config["COURSES_DIR"], current_app.config["QUIZZES_DIR"]
    if _is_export_root(path):
        quizzes = Path(path) / exporter.QUIZZES_FOLDER
        return Path(path) / exporter.COURSES_FOLDER, quizzes if quizzes.is_dir() else None
    return (None, path) if _holds_quizzes(path) else (path, None)


@content_cli.command("check")
@click.argument("path", type=click.Path(), required=False)
@click.option("--json", "as_json", is_flag=True,
              help="Cetak kuis hasil pembacaan sebagai JSON (untuk berkas .gift).")
def check_command(path, as_json):
    """Periksa PATH (kursus, folder kursus, berkas .gift atau folder kuis) tanpa mengimpor."""
    if not inspect(db.engine).has_table("course"):
        # Prerequisites and programme steps are checked against the courses already stored.
        click.echo("Basis data belum disiapkan: jalankan `flask db upgrade` (atau `make db`) "
                   "lebih dahulu.", err=True)
        sys.exit(2)
    programmes_path = _programmes_target(path)
    courses_path, quizzes_path = _targets(path) if programmes_path is None or path is None \
        or _is_export_root(path) else (None, None)
    problems, summary, specs = [], [], []
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
    if programmes_path is not None:
        programme_specs, programme_problems = programme_files.check_programmes(
            programmes_path, _course_codes(specs))
        problems += programme_problems
        summary.append(f"{len(programme_specs)} program")
    warnings = [warning for spec in quiz_specs for warning in spec.warnings]
    _print_problems(problems)
    _print_warnings(warnings)
    if as_json:
        payload = [quiz_loader.quiz_to_dict(spec) for spec in quiz_specs]
        single = Path(path or "").is_file() and len(payload) == 1
        click.echo(json.dumps(payload[0] if single else payload, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{' dan '.join(summary)} lolos pemeriksaan, {len(problems)} masalah"
                   + (f", {len(warnings)} peringatan." if warnings else "."))
    sys.exit(1 if problems else 0)


# --- the change list an import prints -----------------------------------------------------

def _kind_label(kind):
    return {"course": _("kursus"), "quiz": _("kuis"), "programme": _("program")}[kind]


def _outcome_label(outcome):
    return {"created": _("baru"), "updated": _("diperbarui"), "unchanged": _("tidak berubah"),
            "retired": _("dipensiunkan"), "deleted": _("dihapus")}[outcome]


def _part_label(kind, action):
    return {
        ("module", "added"): _("modul baru"),
        ("module", "changed"): _("modul berubah"),
        ("module", "restored"): _("modul dipulihkan"),
        ("module", "retired"): _("modul dipensiunkan (ada progres peserta)"),
        ("module", "deleted"): _("modul dihapus"),
        ("media", "added"): _("berkas media baru"),
        ("media", "changed"): _("berkas media berubah"),
        ("question", "added"): _("soal baru"),
        ("question", "changed"): _("soal berubah"),
        ("question", "restored"): _("soal dipulihkan"),
        ("question", "retired"): _("soal dipensiunkan (sudah dijawab peserta)"),
        ("question", "deleted"): _("soal dihapus"),
    }[kind, action]


def _counts(parts):
    """'5 modul, 1 berkas media' for what a new course or quiz brings."""
    labels = {"module": _("modul"), "media": _("berkas media"), "question": _("soal")}
    kinds = [part.kind for part in parts]
    return ", ".join(f"{kinds.count(kind)} {label}" for kind, label in labels.items()
                     if kind in kinds)


def _part_lines(parts):
    """One line per kind of change, e.g. 'modul berubah: pengantar (title, body); penutup'."""
    groups = {}
    for part in parts:
        fields = f" ({', '.join(part.fields)})" if part.fields else ""
        groups.setdefault((part.kind, part.action), []).append(part.name + fields)
    return [f"  {_part_label(*key)}: {'; '.join(items)}" for key, items in groups.items()]


def _change_lines(change):
    head = f"{_kind_label(change.kind)} {change.name}: {_outcome_label(change.outcome)}"
    if change.outcome == "created":
        counts = _counts(change.parts)
        return [f"{head} ({counts})" if counts else head]
    lines = [head]
    if change.restored:
        lines.append("  " + _("dipulihkan: berkasnya ada lagi"))
    if change.fields:
        lines.append("  " + _("berubah: %(fields)s", fields=", ".join(change.fields)))
    lines += _part_lines(change.parts)
    if change.edited_in_browser_at is not None:
        lines.append("  " + _(
            "PERINGATAN: kursus ini disunting di peramban pada %(time)s; impor dari berkas "
            "menimpa suntingan tersebut.", time=wita_datetime(change.edited_in_browser_at)))
    return lines


def change_lines(reports):
    """What the import changes (or would change), course by course and quiz by quiz."""
    return [line for _kind, report in reports for change in report.changes
            for line in _change_lines(change)]


def summary_lines(reports):
    """One line per kind and outcome, e.g. 'kursus baru: DUK-201, KAM-201'."""
    lines = []
    for kind, report in reports:
        for outcome in ("created", "updated", "unchanged", "retired", "deleted"):
            names = getattr(report, outcome)
            if names:
                lines.append(f"{_kind_label(kind)} {_outcome_label(outcome)}: {', '.join(names)}")
    return lines


# --- import and export ----------------------------------------------------------------------

def import_content(courses_path, quizzes_path, dry_run, programmes_path=None):
    """Import courses, then quizzes: committed after each, or (dry run) all rolled back.

    In a dry run one outer savepoint holds everything: the courses the quizzes are placed in
    exist for the quiz check, and on SQLite it keeps the first inner savepoint's release from
    committing, which it would do as the outermost transaction.
    """
    reports = []
    outer = db.session.begin_nested() if dry_run else None
    try:
        if courses_path is not None:
            reports.append(("course", loader.import_courses(courses_path,
                                                             publish_files=not dry_run)))
            _commit_unless(dry_run)
        if quizzes_path is not None:
            reports.append(("quiz", quiz_loader.import_quizzes(quizzes_path)))
            _commit_unless(dry_run)
        if programmes_path is not None:  # after the courses their steps name
            reports.append(("programme", programme_files.import_programmes(programmes_path)))
            _commit_unless(dry_run)
    finally:
        if outer is not None:
            outer.rollback()
            db.session.rollback()
    return reports


def _commit_unless(dry_run):
    if not dry_run:
        db.session.commit()


@content_cli.command("import")
@click.argument("path", type=click.Path(), required=False)
@click.option("--dry-run", is_flag=True,
              help="Tampilkan apa yang akan berubah tanpa menyimpan apa pun.")
@click.option("--startup", is_flag=True,
              help="Untuk make run/serve: masalah dicetak dan dicatat untuk admin, tetapi "
                   "status keluar tetap 0 agar server tetap berjalan.")
def import_command(path, dry_run, startup):
    """Impor PATH (bawaan: courses/ lalu quizzes/). Aman dijalankan berulang kali.

    PATH boleh folder hasil `flask content export` (berisi courses/ dan quizzes/). Dengan
    masalah, yang valid tetap diimpor dan status keluar 1 (0 dengan --startup).
    """
    programmes_path = _programmes_target(path)
    courses_path, quizzes_path = _targets(path)
    if path is None and not Path(quizzes_path).exists():
        quizzes_path = None
    if path is not None and not _is_export_root(path) and programmes_path is not None:
        courses_path = quizzes_path = None  # PATH is a programmes folder
    source = "start-up" if startup else "flask content import"
    try:
        with content_import_turn(_say_waiting):
            reports = import_content(courses_path, quizzes_path, dry_run, programmes_path)
    except Exception as error:
        if not startup:
            raise
        _startup_import_failed(error, source)  # the server starts without the import
        return
    problems = [p for _kind, report in reports for p in report.problems]
    if not dry_run:
        record_import(reports, problems, source)
        db.session.commit()
    _print_import(reports, problems, dry_run)
    if problems:
        click.echo(_("%(n)d masalah: yang bermasalah tidak diimpor.", n=len(problems)), err=True)
        if not startup:
            sys.exit(1)


def _say_waiting():
    click.echo(_("Impor konten lain sedang berjalan; menunggu sampai selesai..."), err=True)


def _print_import(reports, problems, dry_run):
    _print_problems(problems)
    if dry_run:
        click.echo(_("Uji coba: tidak ada yang disimpan ke basis data atau folder unggahan."))
    for line in change_lines(reports):
        click.echo(line, err=not dry_run)
    if not dry_run:
        for line in summary_lines(reports):
            click.echo(line)


def _startup_import_failed(error, source):
    """An import that could not run at all (a bug, the database refusing) must not keep the
    LMS down: say so, record it for the admins when the database allows, and go on."""
    current_app.logger.exception("content import at start-up failed")
    click.echo(_("Impor konten gagal (%(error)s); server tetap dijalankan dengan isi yang "
                 "sudah ada.", error=type(error).__name__), err=True)
    db.session.rollback()
    try:
        record_import([], [], source, failure=str(error)[:500])
        db.session.commit()
    except Exception:  # the database itself is what failed
        db.session.rollback()


@content_cli.command("export")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--course", "code", metavar="KODE",
              help="Hanya kursus berkode ini, mis. SPBE-101 (bawaan: semua kursus).")
def export_command(path, code):
    """Tulis kursus dari basis data ke PATH/courses/ dan PATH/quizzes/ dalam format impor."""
    try:
        written = exporter.export_all(path, code)
    except exporter.ExportError as error:
        click.echo(error.message, err=True)
        sys.exit(1)
    programmes = programme_files.export_programmes(path) if code is None else []
    for file in programmes:
        click.echo(str(file))
    for file in written:
        click.echo(str(file))
    courses = len({file.relative_to(path).parts[1] for file in written})
    click.echo(_("%(courses)d kursus diekspor ke %(path)s: %(files)d berkas.",
                 courses=courses, path=path, files=len(written)))
