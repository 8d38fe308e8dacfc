"""`flask content check|import` through Flask's CLI runner."""

import re
import shutil

from sqlalchemy import func, select

from app.courses.models import Course, Module
from app.extensions import db
from tests.conftest import BUNDLED_COURSES
from tests.content.helpers import course_text, module_text, write

# The bundled courses in import order: a course after the ones it requires (MPD-301 after
# SPBE-101), otherwise by folder name.
IMPORT_ORDER = "DUK-201, KAM-201, LPD-201, SPBE-101, MPD-301, SDI-201, TTE-101"
BUNDLED_CODES = sorted(IMPORT_ORDER.split(", "))

PROBLEM_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>\S.*)$")


def course_codes():
    return db.session.scalars(select(Course.code).order_by(Course.code)).all()


def problem_lines(stderr):
    lines = [line for line in stderr.splitlines() if PROBLEM_LINE.match(line)]
    return [PROBLEM_LINE.match(line).groupdict() for line in lines]


def break_courses(root):
    """Two broken courses in a copy of the bundled courses: spbe-101 and kam-201 (and so
    mpd-301, which requires SPBE-101, is held back as well)."""
    course = root / "spbe-101" / "course.md"
    course.write_text(course.read_text(encoding="utf-8").replace("jp: 12", "jp: dua belas"),
                      encoding="utf-8")
    module = root / "kam-201" / "03-uu-pdp.md"
    module.write_text(module.read_text(encoding="utf-8").replace("minutes: 60\n", ""),
                      encoding="utf-8")
    return course, module


def test_check_bundled_courses_passes_and_counts(run):
    result = run("check", BUNDLED_COURSES)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "7 kursus (35 modul) lolos pemeriksaan, 0 masalah."
    assert result.stderr == ""
    assert course_codes() == []  # check never writes


def test_check_without_path_uses_the_configured_folder(run):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert ("7 kursus (35 modul) dan 14 kuis (136 soal) dan 1 program lolos pemeriksaan, "
            "0 masalah.") in result.stdout


def test_check_one_course_folder(run):
    result = run("check", BUNDLED_COURSES / "duk-201")
    assert result.exit_code == 0, result.output
    assert "1 kursus (5 modul) lolos pemeriksaan, 0 masalah." in result.stdout


def test_check_broken_copy_prints_path_line_problems(run, course_dir):
    course, module = break_courses(course_dir)
    result = run("check", course_dir)

    assert result.exit_code == 1
    assert problem_lines(result.stderr) == [
        {"path": str(module), "line": "1", "message": "'minutes' wajib diisi"},
        {"path": str(course), "line": "4",
         "message": "'jp' harus bilangan bulat, bukan 'dua belas'"},
        {"path": str(course_dir / "mpd-301" / "course.md"), "line": "11",
         "message": "kursus prasyarat SPBE-101 tidak ditemukan, baik di folder ini maupun di "
                    "basis data"},
    ]
    assert "4 kursus (20 modul) lolos pemeriksaan, 3 masalah." in result.stdout
    assert course_codes() == []


def test_check_missing_path(run, tmp_path):
    missing = tmp_path / "tidak-ada"
    result = run("check", missing)
    assert result.exit_code == 1
    assert f"{missing}:1: folder atau berkas tidak ditemukan" in result.stderr
    assert "0 kursus (0 modul) lolos pemeriksaan, 1 masalah." in result.stdout


def test_check_a_file_instead_of_a_folder(run):
    path = BUNDLED_COURSES / "spbe-101" / "course.md"
    result = run("check", path)
    assert result.exit_code == 1
    assert problem_lines(result.stderr)[0]["path"] == str(path)
    assert "Traceback" not in result.output


def test_import_twice_second_run_is_unchanged(run):
    first = run("import", BUNDLED_COURSES)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [f"kursus baru: {IMPORT_ORDER}"]
    assert course_codes() == BUNDLED_CODES
    modules = db.session.scalar(select(func.count()).select_from(Module))
    assert modules == 35

    second = run("import", BUNDLED_COURSES)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [f"kursus tidak berubah: {IMPORT_ORDER}"]
    assert "baru" not in second.output and "diperbarui" not in second.output
    assert db.session.scalar(select(func.count()).select_from(Module)) == modules


def test_import_without_path_uses_the_configured_folder(run):
    result = run("import")
    assert result.exit_code == 0, result.output
    assert course_codes() == BUNDLED_CODES


def test_import_reports_updated_courses(run, course_dir):
    assert run("import", course_dir).exit_code == 0
    path = course_dir / "duk-201" / "course.md"
    path.write_text(path.read_text(encoding="utf-8").replace("jp: 10", "jp: 11"),
                    encoding="utf-8")
    result = run("import", course_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["kursus diperbarui: DUK-201",
                                          "kursus tidak berubah: KAM-201, LPD-201, SPBE-101, "
                                          "MPD-301, SDI-201, TTE-101"]
    assert db.session.scalar(select(Course.jp).where(Course.code == "DUK-201")) == 11


def test_import_with_a_broken_course_exits_1_but_imports_the_good_ones(run, course_dir):
    course, module = break_courses(course_dir)
    result = run("import", course_dir)

    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["kursus baru: DUK-201, LPD-201, SDI-201, TTE-101"]
    assert [(p["path"], p["line"]) for p in problem_lines(result.stderr)] == [
        (str(module), "1"), (str(course), "4"), (str(course_dir / "mpd-301" / "course.md"), "11")]
    assert "3 masalah: yang bermasalah tidak diimpor." in result.stderr
    # Committed: visible from a fresh session, and the broken ones are absent.
    db.session.remove()
    assert course_codes() == ["DUK-201", "LPD-201", "SDI-201", "TTE-101"]


def test_import_one_broken_folder_among_new_ones(run, tmp_path):
    root = tmp_path / "kursus"
    shutil.copytree(BUNDLED_COURSES / "kam-201", root / "kam-201")
    write(root / "uji-101" / "course.md", course_text("UJI-101").replace("jp: 12", "jp: 0"))
    write(root / "uji-101" / "01-pengantar.md", module_text())
    result = run("import", root)

    assert result.exit_code == 1
    assert f"{root / 'uji-101' / 'course.md'}:4: 'jp' harus antara 1 dan 200, bukan 0" in (
        result.stderr)
    assert "kursus baru: KAM-201" in result.stdout
    assert course_codes() == ["KAM-201"]


def test_import_missing_path_exits_1(run, tmp_path):
    missing = tmp_path / "tidak-ada"
    result = run("import", missing)
    assert result.exit_code == 1
    assert f"{missing}:1: folder atau berkas tidak ditemukan" in result.stderr
    assert course_codes() == []


def test_programmes_are_checked_imported_and_exported_with_the_courses(run, tmp_path):
    """`flask content check/import/export` handle programmes/ like courses: the bundled
    programme names its courses by code, so it is checked against them and imported after."""
    assert run("import").exit_code == 0
    from sqlalchemy import select

    from app.extensions import db
    from app.programmes.models import Programme

    assert db.session.scalar(select(Programme.slug)) == "literasi-digital-asn-2027"
    target = tmp_path / "ekspor"
    result = run("export", str(target))
    assert result.exit_code == 0, result.output
    written = target / "programmes" / "literasi-digital-asn-2027.md"
    assert written.is_file()
    assert run("check", str(target)).exit_code == 0
    assert run("check", str(target / "programmes")).exit_code == 0
    again = run("import", str(target))
    assert again.exit_code == 0, again.output
    assert "program" in again.stdout


def test_check_on_a_database_not_set_up_says_what_to_do(tmp_path):
    from app import create_app

    fresh = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'kosong.db'}",
        "INSTANCE_PATH": str(tmp_path)})
    result = fresh.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 2
    assert "jalankan `flask db upgrade`" in result.output
    assert "Traceback" not in result.output
