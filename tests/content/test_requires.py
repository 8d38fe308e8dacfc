"""`requires:` in course.md: prerequisites by course code, checked (unknown, itself, a cycle)
as path:line problems by `flask content check` and the import, written back by the export."""

from pathlib import Path

import pytest
from sqlalchemy import select

from app.content.exporter import course_document, export_all
from app.content.loader import check_courses, import_courses
from app.courses.models import Course
from app.extensions import db
from tests.conftest import _empty_all_tables
from tests.content.helpers import COURSE_LINES, CourseBuilder, course_text


def requiring(code, requires):
    """course.md of `code` with a `requires:` line (the last front-matter line)."""
    return course_text(code).replace("\n---\n", f"\nrequires: {requires}\n---\n", 1)


REQUIRES_LINE = max(COURSE_LINES.values()) + 1


def prerequisite_codes(code):
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.code == code))
    return [required.code for required in course.prerequisites]


def imported(root):
    report = import_courses(root)
    db.session.commit()
    return report


def messages(problems):
    return [str(problem) for problem in problems]


def test_a_course_requires_another_from_the_same_folder(app, builder):
    # "a-lanjut" sorts before "b-dasar": the import takes the required course first anyway.
    builder.make("a-lanjut", course=requiring("LANJUT-201", "[DASAR-101]"))
    builder.make("b-dasar", code="DASAR-101")

    report = imported(builder.root)

    assert report.ok, messages(report.problems)
    assert report.created == ["DASAR-101", "LANJUT-201"]
    assert prerequisite_codes("LANJUT-201") == ["DASAR-101"]
    assert imported(builder.root).unchanged == ["DASAR-101", "LANJUT-201"]


def test_a_course_requires_one_already_in_the_database(app, builder, tmp_path):
    builder.make("dasar-101", code="DASAR-101")
    assert imported(builder.root).ok
    elsewhere = CourseBuilder(tmp_path / "lain")
    elsewhere.make("lanjut-201", course=requiring("LANJUT-201", "DASAR-101"))  # one code

    report = imported(elsewhere.root)

    assert report.ok, messages(report.problems)
    assert prerequisite_codes("LANJUT-201") == ["DASAR-101"]


def test_changing_and_dropping_requires_updates_the_course(app, builder):
    builder.make("dasar-101", code="DASAR-101")
    builder.make("dasar-102", code="DASAR-102")
    folder = builder.make("lanjut-201", course=requiring("LANJUT-201", "[DASAR-101]"))
    assert imported(builder.root).ok

    (folder / "course.md").write_text(requiring("LANJUT-201", "[DASAR-102, DASAR-101]"),
                                      encoding="utf-8")
    report = imported(builder.root)
    assert report.updated == ["LANJUT-201"]
    assert report.changes[-1].fields == ["requires"]
    assert prerequisite_codes("LANJUT-201") == ["DASAR-101", "DASAR-102"]

    (folder / "course.md").write_text(course_text("LANJUT-201"), encoding="utf-8")
    assert imported(builder.root).updated == ["LANJUT-201"]
    assert prerequisite_codes("LANJUT-201") == []


@pytest.mark.parametrize(("requires", "message"), [
    ("[TIDAK-ADA-101]", "kursus prasyarat TIDAK-ADA-101 tidak ditemukan, baik di folder ini "
                        "maupun di basis data"),
    ("[LANJUT-201]", "'requires' memuat kode kursus ini sendiri (LANJUT-201)"),
    ("[spbe-101]", "kode prasyarat 'spbe-101' hanya boleh huruf besar, angka dan tanda hubung, "
                   "mis. SPBE-101"),
    ("{kode: SPBE-101}", "'requires' harus daftar kode kursus, mis. [SPBE-101, KAM-201]"),
    ("[12, 13]", "'requires' harus daftar kode kursus, mis. [SPBE-101, KAM-201]"),
    (f"[{'A' * 40}]", f"kode prasyarat '{'A' * 40}' hanya boleh huruf besar, angka dan tanda "
                      "hubung, mis. SPBE-101"),
    ("[" + ", ".join(f"K-{n}" for n in range(21)) + "]",
     "'requires' terlalu panjang: 21 kursus, maksimal 20"),
])
def test_a_bad_requires_is_a_path_line_problem_and_nothing_is_imported(app, builder, requires,
                                                                        message):
    folder = builder.make("lanjut-201", course=requiring("LANJUT-201", requires))
    builder.make("dasar-101", code="DASAR-101")

    report = imported(builder.root)

    assert messages(report.problems) == [f"{folder / 'course.md'}:{REQUIRES_LINE}: {message}"]
    assert report.created == ["DASAR-101"]
    assert db.session.scalar(select(Course).where(Course.code == "LANJUT-201")) is None


def test_a_cycle_in_the_files_is_reported_on_each_course_of_it(app, builder):
    first = builder.make("satu-101", course=requiring("SATU-101", "[DUA-101]"))
    second = builder.make("dua-101", course=requiring("DUA-101", "[SATU-101]"))
    builder.make("tiga-101", code="TIGA-101")

    specs, problems = check_courses(builder.root)

    assert [spec.code for spec in specs] == ["TIGA-101"]
    assert sorted(messages(problems)) == sorted([
        f"{first / 'course.md'}:{REQUIRES_LINE}: prasyarat membentuk lingkaran: "
        "SATU-101 → DUA-101 → SATU-101",
        f"{second / 'course.md'}:{REQUIRES_LINE}: prasyarat membentuk lingkaran: "
        "DUA-101 → SATU-101 → DUA-101",
    ])


def test_a_cycle_through_the_database_is_a_problem(app, builder, tmp_path):
    builder.make("dasar-101", code="DASAR-101")
    builder.make("lanjut-201", course=requiring("LANJUT-201", "[DASAR-101]"))
    assert imported(builder.root).ok
    # Only DASAR-101's folder now, saying it requires LANJUT-201 (which requires it).
    elsewhere = CourseBuilder(tmp_path / "lain")
    folder = elsewhere.make("dasar-101", course=requiring("DASAR-101", "[LANJUT-201]"))

    report = imported(elsewhere.root)

    assert messages(report.problems) == [
        f"{folder / 'course.md'}:{REQUIRES_LINE}: prasyarat membentuk lingkaran: "
        "DASAR-101 → LANJUT-201 → DASAR-101"]
    assert prerequisite_codes("DASAR-101") == []


def test_a_required_course_whose_folder_has_problems_is_a_problem_too(app, builder):
    broken = course_text("DASAR-101").replace("jp: 12", "jp: dua belas")
    builder.make("dasar-101", course=broken)
    lanjut = builder.make("lanjut-201", course=requiring("LANJUT-201", "[DASAR-101]"))

    report = imported(builder.root)

    assert f"{lanjut / 'course.md'}:{REQUIRES_LINE}: kursus prasyarat DASAR-101 tidak " \
           "ditemukan, baik di folder ini maupun di basis data" in messages(report.problems)
    assert report.created == []


def test_flask_content_check_reports_the_same_problems(run, builder):
    folder = builder.make("lanjut-201", course=requiring("LANJUT-201", "[TIDAK-ADA-101]"))

    result = run("check", builder.root)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'course.md'}:{REQUIRES_LINE}: kursus prasyarat TIDAK-ADA-101 tidak "
        "ditemukan, baik di folder ini maupun di basis data"]


def test_check_knows_the_courses_already_in_the_database(run, builder, tmp_path):
    builder.make("dasar-101", code="DASAR-101")
    assert imported(builder.root).ok
    elsewhere = CourseBuilder(tmp_path / "lain")
    elsewhere.make("lanjut-201", course=requiring("LANJUT-201", "[DASAR-101]"))

    result = run("check", elsewhere.root)

    assert result.exit_code == 0, result.output


def test_export_writes_requires_and_round_trips(app, builder, tmp_path):
    builder.make("dasar-101", code="DASAR-101")
    builder.make("dasar-102", code="DASAR-102")
    builder.make("lanjut-201", course=requiring("LANJUT-201", "[DASAR-102, DASAR-101]"))
    assert imported(builder.root).ok
    lanjut = db.session.scalar(select(Course).where(Course.code == "LANJUT-201"))
    assert "requires:\n- DASAR-101\n- DASAR-102\n" in course_document(lanjut).decode()
    dasar = db.session.scalar(select(Course).where(Course.code == "DASAR-101"))
    assert "requires" not in course_document(dasar).decode()

    export_all(tmp_path / "satu")
    _empty_all_tables()
    assert imported(tmp_path / "satu" / "courses").ok
    assert prerequisite_codes("LANJUT-201") == ["DASAR-101", "DASAR-102"]
    export_all(tmp_path / "dua")

    assert read(tmp_path / "dua") == read(tmp_path / "satu")


def read(root):
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(Path(root).rglob("*.md"))}


def test_a_dry_run_imports_required_courses_first_and_keeps_nothing(run, builder):
    builder.make("a-lanjut", course=requiring("LANJUT-201", "[DASAR-101]"))
    builder.make("b-dasar", code="DASAR-101")

    result = run("import", "--dry-run", builder.root)

    assert result.exit_code == 0, result.output
    assert "kursus LANJUT-201: baru (2 modul)" in result.stdout
    assert db.session.scalar(select(Course.id)) is None
