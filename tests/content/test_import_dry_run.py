"""`flask content import --dry-run`: the change list an import would apply, with nothing written
(no row, no uploaded file); the real import prints the same list and applies exactly that."""

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.content.cli import import_content
from app.content.loader import Change, PartChange
from app.content.media import uploads_root
from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course, Module
from app.extensions import db
from app.quizzes.models import Question, Quiz
from app.quizzes.services import start_attempt
from app.templating import wita_datetime
from tests.conftest import ROOT
from tests.content.helpers import module_text, write
from tests.content.test_media import tiny_png

# 06.05 UTC is 14.05 in Palu (WITA, UTC+8).
EDITED_AT = datetime(2026, 3, 2, 6, 5, tzinfo=UTC)
NEW_TITLE = "SPBE: Dasar-Dasar #1"
RETIRED_QUESTION = "K8 Aplikasi dan fungsinya"


# --- the scene: bundled content in the database, edited files next to it -------------------

@pytest.fixture
def sources(tmp_path, course_dir):
    """tmp_path holds courses/ and quizzes/ side by side, like an export folder."""
    shutil.copytree(ROOT / "quizzes", tmp_path / "quizzes")
    return tmp_path


@pytest.fixture
def imported(courses, sources, create_user):
    """Bundled courses and quizzes imported; a learner with progress on evaluasi-spbe and an
    attempt at the posttest; SPBE-101 last edited in the browser."""
    assert import_quizzes(sources / "quizzes").ok
    learner = create_user()
    spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course_services.enroll_learner(learner, spbe)
    course_services.complete_module(learner, module_of(spbe, "evaluasi-spbe"))
    start_attempt(learner, quiz_named("posttest"))
    spbe.browser_edited_at = EDITED_AT
    db.session.commit()
    return sources


def module_of(course, slug):
    return next(module for module in course.modules if module.slug == slug)


def quiz_named(slug):
    return db.session.scalar(select(Quiz).join(Course).where(Course.code == "SPBE-101",
                                                            Quiz.slug == slug))


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def drop_block(path, marker):
    """Remove the GIFT block (blank-line separated) holding marker."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    kept = [block for block in blocks if marker not in block]
    assert len(kept) == len(blocks) - 1
    path.write_text("\n\n".join(kept), encoding="utf-8")


@pytest.fixture
def edited(imported):
    """Edits of every kind, all in SPBE-101 and its quizzes."""
    course = imported / "courses" / "spbe-101"
    replace(course / "course.md", "title: Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik",
            f"title: '{NEW_TITLE}'")
    write(course / "06-penutup.md",
          module_text("Penutup", 10) + "\n![Diagram](media/diagram.png)\n")
    write(course / "media" / "diagram.png", tiny_png())
    (course / "04-evaluasi-spbe.md").unlink()  # has progress: retired
    (course / "05-aplikasi-umum-dan-layanan.md").unlink()  # no progress: deleted
    final = imported / "quizzes" / "spbe-101" / "kuis-akhir.gift"
    replace(final, "time_limit: 30", "time_limit: 45")
    replace(final, "Indeks SPBE sebesar 3,60", "Indeks SPBE sebesar 3,70")
    drop_block(final, "::Layanan administrasi pemerintahan::")
    final.write_text(final.read_text(encoding="utf-8").rstrip()
                     + "\n\n::Soal baru::SPBE diatur oleh Perpres 95/2018.{T}\n", encoding="utf-8")
    posttest = imported / "quizzes" / "spbe-101" / "posttest.gift"
    text = posttest.read_text(encoding="utf-8")
    posttest.write_text(text[:text.index(f"::{RETIRED_QUESTION}::")], encoding="utf-8")
    return imported


def all_rows():
    """Every row of every table, all columns, in primary-key order."""
    db.session.expire_all()
    return {table.name: [tuple(row) for row in db.session.execute(
        select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables}


def uploaded_files():
    root = uploads_root()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


WARNING = ("  PERINGATAN: kursus ini disunting di peramban pada {time}; impor dari berkas menimpa "
           "suntingan tersebut.")


def expected_change_lines():
    return [
        "kursus DUK-201: tidak berubah",
        "kursus KAM-201: tidak berubah",
        "kursus LPD-201: tidak berubah",
        "kursus SPBE-101: diperbarui",
        "  berubah: title",
        "  modul baru: penutup",
        "  modul dipensiunkan (ada progres peserta): evaluasi-spbe",
        "  modul dihapus: aplikasi-umum-dan-layanan",
        "  berkas media baru: diagram.png",
        WARNING.format(time=wita_datetime(EDITED_AT)),
        "kursus MPD-301: tidak berubah",
        "kursus SDI-201: tidak berubah",
        "kursus TTE-101: tidak berubah",
        "kuis duk-201/kuis-akhir: tidak berubah",
        "kuis duk-201/latihan-ikd: tidak berubah",
        "kuis kam-201/kuis-akhir: tidak berubah",
        "kuis lpd-201/kuis-akhir: tidak berubah",
        "kuis lpd-201/posttest: tidak berubah",
        "kuis lpd-201/pretest: tidak berubah",
        "kuis mpd-301/kuis-akhir: tidak berubah",
        "kuis sdi-201/kuis-akhir: tidak berubah",
        "kuis spbe-101/kuis-akhir: diperbarui",
        "  berubah: time_limit, gift",
        "  soal berubah: Predikat Indeks SPBE (text); Sertifikat elektronik pejabat (position)",
        "  soal baru: Soal baru",
        "  soal dihapus: Layanan administrasi pemerintahan",
        "kuis spbe-101/posttest: diperbarui",
        "  berubah: gift",
        f"  soal dipensiunkan (sudah dijawab peserta): {RETIRED_QUESTION}",
        "kuis spbe-101/pretest: tidak berubah",
        "kuis tte-101/kuis-akhir: tidak berubah",
        "kuis tte-101/posttest: tidak berubah",
        "kuis tte-101/pretest: tidak berubah",
    ]


# --- dry run --------------------------------------------------------------------------------

def test_dry_run_prints_the_changes_and_writes_nothing(run, edited):
    before, files_before = all_rows(), uploaded_files()

    result = run("import", "--dry-run", edited)

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "Uji coba: tidak ada yang disimpan ke basis data atau folder unggahan.",
        *expected_change_lines()]
    assert all_rows() == before
    assert uploaded_files() == files_before == []


def test_browser_edit_warning_is_in_wita(run, edited):
    result = run("import", "--dry-run", edited)
    (warning,) = [line for line in result.stdout.splitlines() if "PERINGATAN" in line]
    assert "2 Mar 2026 14.05 WITA" in warning


def test_dry_run_report_is_structured(app, edited):
    reports = dict(import_content(edited / "courses", edited / "quizzes", dry_run=True))

    spbe = next(c for c in reports["course"].changes if c.name == "SPBE-101")
    assert spbe == Change(
        "course", "SPBE-101", "updated", fields=["title"], parts=[
            PartChange("module", "added", "penutup"),
            PartChange("module", "retired", "evaluasi-spbe"),
            PartChange("module", "deleted", "aplikasi-umum-dan-layanan"),
            PartChange("media", "added", "diagram.png")],
        edited_in_browser_at=EDITED_AT)
    final = next(c for c in reports["quiz"].changes if c.name == "spbe-101/kuis-akhir")
    assert final.fields == ["time_limit", "gift"]
    assert final.parts == [
        PartChange("question", "changed", "Predikat Indeks SPBE", ["text"]),
        PartChange("question", "changed", "Sertifikat elektronik pejabat", ["position"]),
        PartChange("question", "added", "Soal baru"),
        PartChange("question", "deleted", "Layanan administrasi pemerintahan")]
    assert reports["course"].updated == ["SPBE-101"]
    # Rolled back: the database still holds the old title.
    assert db.session.scalar(select(Course.title).where(Course.code == "SPBE-101")) != NEW_TITLE


def test_dry_run_of_unchanged_files_reports_nothing_to_change(run, imported):
    result = run("import", "--dry-run", imported)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]
    assert all(line.endswith(": tidak berubah") or "PERINGATAN" in line for line in lines), lines


def test_dry_run_with_a_broken_course_reports_it_and_exits_1(run, edited):
    replace(edited / "courses" / "kam-201" / "course.md", "jp: ", "jp: x")
    before = all_rows()

    result = run("import", "--dry-run", edited)

    assert result.exit_code == 1
    assert "'jp' harus bilangan bulat" in result.stderr
    assert "kursus KAM-201" not in result.stdout
    assert "kursus SPBE-101: diperbarui" in result.stdout
    assert all_rows() == before


# --- the real import afterwards -------------------------------------------------------------

def test_real_import_prints_the_same_changes_and_applies_them(run, edited):
    dry = run("import", "--dry-run", edited)

    result = run("import", edited)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == dry.stdout.splitlines()[1:] == expected_change_lines()
    assert result.stdout.splitlines() == [
        "kursus diperbarui: SPBE-101",
        "kursus tidak berubah: DUK-201, KAM-201, LPD-201, MPD-301, SDI-201, TTE-101",
        "kuis diperbarui: spbe-101/kuis-akhir, spbe-101/posttest",
        "kuis tidak berubah: duk-201/kuis-akhir, duk-201/latihan-ikd, kam-201/kuis-akhir, "
        "lpd-201/kuis-akhir, lpd-201/posttest, lpd-201/pretest, mpd-301/kuis-akhir, "
        "sdi-201/kuis-akhir, spbe-101/pretest, tte-101/kuis-akhir, tte-101/posttest, "
        "tte-101/pretest"]
    spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    assert spbe.title == NEW_TITLE
    assert spbe.browser_edited_at is None
    assert [(m.slug, m.retired_at is not None) for m in spbe.modules] == [
        ("kebijakan-spbe-nasional", False), ("arsitektur-dan-peta-rencana", False),
        ("tata-kelola-dan-manajemen", False), ("evaluasi-spbe", True), ("penutup", False)]
    assert uploaded_files() == [f"{spbe.id}/diagram.png"]
    final = quiz_named("kuis-akhir")
    assert final.time_limit_minutes == 45
    names = [q.name for q in final.questions]
    assert "Layanan administrasi pemerintahan" not in names and names[-1] == "Soal baru"
    assert "3,70" in next(q for q in final.questions if q.name == "Predikat Indeks SPBE"
                          ).text_source
    retired = db.session.scalar(select(Question).where(Question.name == RETIRED_QUESTION))
    assert retired.retired_at is not None

    again = run("import", "--dry-run", edited)
    assert [line for line in again.stdout.splitlines()[1:]
            if not line.endswith(": tidak berubah")] == []


def test_module_edits_name_the_changed_fields(app, imported):
    course = imported / "courses" / "kam-201"
    replace(course / "01-phishing-dan-rekayasa-sosial.md", "minutes: ", "minutes: 1")
    (course / "02-manajemen-keamanan-dan-risiko-spbe.md").rename(
        course / "06-manajemen-keamanan-dan-risiko-spbe.md")

    reports = dict(import_content(imported / "courses", None, dry_run=True))

    kam = next(c for c in reports["course"].changes if c.name == "KAM-201")
    assert kam.parts == [
        PartChange("module", "changed", "phishing-dan-rekayasa-sosial", ["minutes"]),
        PartChange("module", "changed", "manajemen-keamanan-dan-risiko-spbe", ["position"])]
    assert kam.edited_in_browser_at is None
    assert db.session.scalar(select(Module.position).where(
        Module.slug == "manajemen-keamanan-dan-risiko-spbe")) == 2
