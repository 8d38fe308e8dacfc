"""Exporting courses and quizzes back to files: export -> import into an empty database -> export
gives the same bytes and the same rows, for a course written in the browser and for the bundled
ones; `flask content export`; the course archive (zip) for download."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.content import quiz_loader
from app.content.exporter import (
    ExportError,
    course_archive,
    course_tree,
    document,
    export_all,
    export_course,
    quiz_settings,
)
from app.content.frontmatter import split_front_matter
from app.content.gift import parse_gift
from app.content.loader import import_courses
from app.content.markdown import render_markdown
from app.content.media import media_url, store_course_file, stored_path, uploads_root
from app.content.quiz_loader import import_quizzes
from app.courses.models import Course, CourseFile, Module
from app.database import utcnow
from app.extensions import db
from app.quizzes.models import QUESTION_TYPES, Quiz
from tests.conftest import ROOT, _empty_all_tables
from tests.content.test_media import tiny_png

BUNDLED_QUIZZES = ROOT / "quizzes"
# A small but real PDF: filetype (and any reader) recognises it by its header.
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
TITLE = 'Tanda Tangan Elektronik – TTE: "Dasar" #1'
DESCRIPTION = """## Tentang pelatihan ini

Pelatihan ini mengenalkan **tanda tangan elektronik** (TTE) bagi ASN Pemkot Palu: dasar hukum,
sertifikat elektronik dari BSrE, dan praktik penandatanganan naskah dinas.

Unduh [Panduan TTE (PDF)](media/panduan.pdf) sebelum mulai.
"""
MODULES = [  # slug, title, minutes, body, retired
    ("pengantar", "Pengantar: apa itu TTE?", 30,
     "## Apa itu TTE?\n\nTTE adalah tanda tangan yang terdiri atas informasi elektronik.\n\n"
     "![Diagram alur TTE](media/diagram.png)\n", False),
    ("sertifikat-elektronik", "'Sertifikat' & BSrE", 45,
     "## Sertifikat elektronik\n\n| Istilah | Arti |\n|---|---|\n| BSrE | Balai Sertifikasi "
     "Elektronik |\n\nLihat [panduan](media/panduan.pdf), hlm. 3.\n", False),
    ("lama", "Modul lama", 20, "## Lama\n\nIsi yang sudah tidak dipakai.\n", True),
    ("penutup", "- Penutup #akhir", 15, "## Penutup\n\nSelamat, Anda siap memakai TTE.\n", False),
]
# Every GIFT question type, with a category, id, tags, format marker, escapes and feedback.
EVERY_TYPE_GIFT = r"""$CATEGORY: tte/dasar

// [id:tte-1]
// [tag:tte]
::Pengantar::[markdown]Bagian ini menguji pemahaman **TTE**\: tanda tangan elektronik.

::Esai TTE::Jelaskan manfaat TTE bagi OPD Anda.{####Sebutkan efisiensi dan keabsahan.}

::Benar salah::TTE tersertifikasi memiliki kekuatan hukum yang sah.{T#Keliru\: lihat UU ITE.#Tepat.}

::Penyelenggara::Siapa penyelenggara sertifikat elektronik bagi instansi pemerintah?{
=BSrE (Balai Sertifikasi Elektronik)#Tepat.
~Kominfo#Kurang tepat.
~BSSN saja#Hampir.
####BSrE berada di bawah BSSN.
}

::Syarat::Pilih syarat TTE yang sah.{
~%50%Data pembuatan terkait hanya kepada penanda tangan
~%50%Perubahan setelah penandatanganan dapat diketahui
~%-100%Cukup gambar tanda tangan yang dipindai
}

::Singkatan::Singkatan dari Balai Sertifikasi Elektronik adalah?{
=BSrE
=bsre#Huruf kecil diterima.
=%50%BSE
}

::Masa berlaku::Berapa tahun masa berlaku sertifikat elektronik?{#
=2:0
=%50%1..3#Mendekati.
~#Bukan itu.
}

::Pasangkan::Pasangkan istilah dengan artinya.{
=TTE -> tanda tangan elektronik
=BSrE -> penyelenggara sertifikat
=PSrE -> penyelenggara sertifikasi elektronik
}

::Kata hilang::Dokumen ber-TTE disebut dokumen {=elektronik ~cetak ~salinan} yang sah.
"""
PRACTICE_GIFT = """::Latihan 1::Sertifikat elektronik boleh dipinjamkan kepada staf.{F}

::Latihan 2::Siapa penerbit sertifikat elektronik ASN?{=BSrE ~Bank ~Kantor pos}
"""


# --- building a course the way the browser editor does -------------------------------------

def _add_module(course, position, slug, title, minutes, body, retired):
    body = body.rstrip()  # the editor saves text without trailing space, as the importer reads it
    course.modules.append(Module(
        position=position, slug=slug, title=title, minutes=minutes, body_source=body,
        body_html=render_markdown(body, media_url=media_url(course.slug)),
        retired_at=utcnow() if retired else None))


def _quiz(course, slug, text, **settings):
    """A quiz saved from its GIFT text, as the browser's quiz editor saves it."""
    parsed = parse_gift(text)
    assert parsed.problems == []
    quiz = Quiz(course=course, slug=slug, gift_source=text.rstrip(), **settings)
    db.session.add(quiz)
    quiz_loader._sync_questions(quiz, parsed.questions)
    return quiz


def build_authored_course():
    course = Course(code="TTE-201", slug="tte-201", title=TITLE, jp=8, competency="teknis",
                    mode="blended", provider="- BKPSDM: Kota Palu",
                    summary="Kursus 'singkat' tentang \"TTE\": dasar & praktik.",
                    status="published", certificate_policy="auto",
                    description_source=DESCRIPTION.rstrip(),
                    description_html=render_markdown(DESCRIPTION, heading_base=2,
                                                     media_url=media_url("tte-201")))
    db.session.add(course)
    db.session.flush()
    store_course_file(course, "diagram.png", tiny_png(), "image/png")
    store_course_file(course, "panduan.pdf", PDF, "application/pdf")
    for position, fields in enumerate(MODULES, start=1):
        _add_module(course, position, *fields)
    db.session.flush()
    _quiz(course, "kuis-akhir", EVERY_TYPE_GIFT, title="Kuis Akhir: TTE #1", kind="posttest",
          pass_mark=80, time_limit_minutes=20, max_attempts=2, grading_method="average",
          draw_count=0, shuffle_answers=False, review_policy="full")
    after = next(m for m in course.modules if m.slug == "sertifikat-elektronik")
    practice = _quiz(course, "latihan", PRACTICE_GIFT, title="Latihan – sertifikat",
                     kind="practice", pass_mark=0, after_module=after, draw_count=1)
    practice.gift_source = ""  # imported before migration 0004 kept the text
    retired = _quiz(course, "kuis-lama", PRACTICE_GIFT, title="Kuis lama")
    retired.retired_at = utcnow()
    course.browser_edited_at = utcnow()
    db.session.commit()
    return course


@pytest.fixture
def out(tmp_path):
    """The export folder (tmp_path itself also holds the instance folder with the uploads)."""
    return tmp_path / "ekspor"


# --- comparing ------------------------------------------------------------------------------

def _columns(row, skip=()):
    skip = {"id", "created_at", "updated_at", *skip}
    return {column.key: getattr(row, column.key) for column in row.__table__.columns
            if column.key not in skip}


def _quiz_state(quiz):
    state = _columns(quiz, skip={"course_id", "after_module_id"})
    state["after"] = quiz.after_module.slug if quiz.after_module else None
    state["questions"] = [
        dict(_columns(question, skip={"quiz_id"}),
             options=[_columns(option, skip={"question_id"}) for option in question.options])
        for question in quiz.questions]
    return state


def content_state(code):
    """Everything an export carries, field by field, without ids and times. Module positions
    are left to the order: an export renumbers the modules it keeps 1, 2, 3, ..."""
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.code == code))
    quizzes = db.session.scalars(select(Quiz).where(Quiz.course_id == course.id,
                                                    Quiz.retired_at.is_(None))
                                 .order_by(Quiz.slug)).all()
    files = db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id)
                               .order_by(CourseFile.name)).all()
    return {
        # The provider travels as its name; the institution row's id is the database's own.
        "course": _columns(course, skip={"browser_edited_at", "institution_id"}),
        "modules": [_columns(m, skip={"course_id", "position"}) for m in course.modules
                    if m.retired_at is None],
        "files": [(f.name, f.mime, f.size, f.sha256) for f in files],
        "quizzes": [_quiz_state(quiz) for quiz in quizzes],
    }


def read_tree(root):
    root = Path(root)
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def read_tree_after(written, root):
    """The export's files, checking that what export_all returned is exactly what is there."""
    tree = read_tree(root)
    assert sorted(path.relative_to(root).as_posix() for path in written) == sorted(tree)
    return tree


def empty_database():
    """Every table emptied and the stored files removed, as on a new server."""
    _empty_all_tables()
    shutil.rmtree(uploads_root(), ignore_errors=True)


def import_export(root):
    """Import an export folder the way `flask content import` does: courses, then quizzes."""
    reports = [import_courses(Path(root) / "courses")]
    db.session.commit()
    reports.append(import_quizzes(Path(root) / "quizzes"))
    db.session.commit()
    for report in reports:
        assert report.ok, report.problems


def front_matter(data):
    problems = []
    parsed = split_front_matter("x.md", data.decode("utf-8"), problems, required=False)
    assert problems == []
    return parsed


# --- a course written in the browser --------------------------------------------------------

def test_authored_course_round_trips_byte_for_byte_and_field_by_field(app, tmp_path):
    build_authored_course()
    before = content_state("TTE-201")
    first = read_tree_after(export_all(tmp_path / "satu"), tmp_path / "satu")

    empty_database()
    import_export(tmp_path / "satu")
    after = content_state("TTE-201")
    export_all(tmp_path / "dua")

    assert read_tree(tmp_path / "dua") == first
    # The practice quiz had no GIFT text: the export wrote it from the stored questions.
    written = front_matter(first["quizzes/tte-201/latihan.gift"]).body
    assert [q["gift_source"] for q in after["quizzes"]] == [
        EVERY_TYPE_GIFT.rstrip(), written]
    for state in (before, after):
        for quiz in state["quizzes"]:
            quiz.pop("gift_source")
    assert after == before
    course = db.session.scalar(select(Course).where(Course.code == "TTE-201"))
    assert course.browser_edited_at is None
    assert [m.position for m in course.modules] == [1, 2, 3]


def test_authored_course_files_read_as_written(app, tmp_path):
    build_authored_course()
    root = tmp_path / "ekspor"
    tree = read_tree_after(export_all(root), root)

    assert sorted(tree) == [
        "courses/tte-201/01-pengantar.md",
        "courses/tte-201/02-sertifikat-elektronik.md",
        "courses/tte-201/03-penutup.md",  # the retired module is left out, the rest renumbered
        "courses/tte-201/course.md",
        "courses/tte-201/media/diagram.png",
        "courses/tte-201/media/panduan.pdf",
        "quizzes/tte-201/kuis-akhir.gift",  # the retired quiz is left out
        "quizzes/tte-201/latihan.gift",
    ]
    assert tree["courses/tte-201/media/diagram.png"] == tiny_png()
    assert tree["courses/tte-201/media/panduan.pdf"] == PDF
    course = front_matter(tree["courses/tte-201/course.md"])
    assert course.meta == {
        "code": "TTE-201", "title": TITLE, "jp": 8, "competency": "teknis", "mode": "blended",
        "provider": "- BKPSDM: Kota Palu",
        "summary": "Kursus 'singkat' tentang \"TTE\": dasar & praktik.", "status": "published",
        "certificate": "auto"}
    assert course.body == DESCRIPTION.rstrip()
    module = front_matter(tree["courses/tte-201/03-penutup.md"])
    assert module.meta == {"title": "- Penutup #akhir", "minutes": 15}
    assert tree["courses/tte-201/01-pengantar.md"].decode().startswith(
        "---\ntitle: 'Pengantar: apa itu TTE?'\nminutes: 30\n---\n\n## Apa itu TTE?\n")
    final = front_matter(tree["quizzes/tte-201/kuis-akhir.gift"])
    assert final.meta == {
        "title": "Kuis Akhir: TTE #1", "kind": "posttest", "pass_mark": 80, "time_limit": 20,
        "max_attempts": 2, "grading": "average", "draw": 0, "shuffle_answers": False,
        "review": "full", "show_answers": "after_last_attempt", "format": "moodle"}
    assert final.body == EVERY_TYPE_GIFT.rstrip()
    assert {q.type for q in parse_gift(final.body).questions} == set(QUESTION_TYPES)
    practice = front_matter(tree["quizzes/tte-201/latihan.gift"])
    assert practice.meta["after"] == "sertifikat-elektronik"
    assert list(practice.meta) == ["title", "kind", "after", "pass_mark", "time_limit",
                                   "max_attempts", "grading", "draw", "shuffle_answers",
                                   "review", "show_answers", "format"]
    assert parse_gift(practice.body).questions == parse_gift(PRACTICE_GIFT).questions


def test_quiz_after_a_retired_module_is_exported_as_a_final_quiz(app):
    course = build_authored_course()
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "latihan"))
    quiz.after_module = next(m for m in course.modules if m.slug == "lama")
    assert "after" not in quiz_settings(quiz)


@pytest.mark.parametrize("title", [
    TITLE, "key: value", "'kutip tunggal'", '"kutip ganda"', "# bukan komentar",
    "- bukan daftar", "yes", "null", "1.0", "2026-01-31", "@mulai", "%persen", "*bintang",
    "& jangkar", "!tag", "[daftar]", "{peta}", "a | b > c", "ibu kota: Palu, Sulawesi Tengah",
    "baris satu\n---\nbaris dua", "tab\tdi tengah", "emoji 😀 dan 中文", "\u2028pemisah",
    "Tanda Tangan Elektronik – TTE"])
def test_front_matter_reads_back_the_same_value(title):
    data = document({"title": title, "minutes": 30, "shuffle_answers": False}, "Isi.")
    parsed = front_matter(data)
    assert parsed.meta == {"title": title.strip(), "minutes": 30, "shuffle_answers": False}
    assert parsed.body == "Isi."
    assert data.decode().count("\n---\n") == 1  # only the closing line reads '---'


@pytest.mark.parametrize(("body", "written"), [
    ("Isi.", "Isi."),
    ("\n\n  \nIsi.\r\nBaris dua.  \n\n", "Isi.\nBaris dua."),
    ("", None),
])
def test_bodies_are_written_as_the_importer_reads_them(body, written):
    data = document({"title": "Modul"}, body).decode()
    if written is None:
        assert data == "---\ntitle: Modul\n---\n"
    else:
        assert data == f"---\ntitle: Modul\n---\n\n{written}\n"
    assert front_matter(data.encode()).body == (written or "")


def test_export_removes_stale_files_the_import_would_read(app, out):
    course = build_authored_course()
    export_all(out)
    stale = [out / "courses/tte-201/04-dihapus.md",
             out / "courses/tte-201/media/lama.png",
             out / "quizzes/tte-201/moodle.txt"]
    for path in stale:
        path.write_bytes(b"lama")
    keep = out / "courses/tte-201/CATATAN.txt"
    keep.write_text("bukan berkas impor", encoding="utf-8")
    db.session.delete(next(m for m in course.modules if m.slug == "penutup"))
    db.session.commit()

    export_course(course, out)

    assert not any(path.exists() for path in stale)
    assert not (out / "courses/tte-201/03-penutup.md").exists()
    assert keep.exists()


def test_missing_stored_file_is_an_export_error(app, out):
    course = build_authored_course()
    row = db.session.scalar(select(CourseFile).where(CourseFile.name == "panduan.pdf"))
    stored_path(row).unlink()
    with pytest.raises(ExportError, match=r"panduan\.pdf"):
        export_course(course, out)


# --- the bundled courses --------------------------------------------------------------------

def test_bundled_courses_round_trip(courses, tmp_path):
    assert import_quizzes(BUNDLED_QUIZZES).ok
    db.session.commit()
    codes = ["DUK-201", "KAM-201", "SPBE-101"]
    before = {code: content_state(code) for code in codes}
    first = read_tree_after(export_all(tmp_path / "satu"), tmp_path / "satu")

    empty_database()
    import_export(tmp_path / "satu")
    export_all(tmp_path / "dua")

    assert read_tree(tmp_path / "dua") == first
    assert {code: content_state(code) for code in codes} == before


def test_bundled_texts_are_exported_as_written(courses, out):
    """The Markdown and GIFT bodies come back as the author wrote them (comments included)."""
    assert import_quizzes(BUNDLED_QUIZZES).ok
    db.session.commit()
    tree = read_tree_after(export_all(out), out)
    sources = {**read_tree(ROOT / "courses"), **read_tree(BUNDLED_QUIZZES)}
    exported = {path.split("/", 1)[1]: data for path, data in tree.items()}
    texts = [name for name in sources if name.endswith((".md", ".gift"))
             and name != "README.md"]
    assert sorted(exported) == sorted(texts)
    for name in texts:
        assert front_matter(exported[name]).body == front_matter(sources[name]).body, name


# --- flask content export -------------------------------------------------------------------

def test_cli_export_then_import_into_an_empty_database(run, app, tmp_path):
    build_authored_course()
    target = tmp_path / "ekspor"

    result = run("export", target)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:-1] == [str(target / path) for path in sorted(read_tree(target))]
    assert lines[-1] == f"1 kursus diekspor ke {target}: 8 berkas."
    empty_database()
    courses_result = run("import", target / "courses")
    assert courses_result.exit_code == 0, courses_result.output
    assert courses_result.stdout.splitlines() == ["kursus baru: TTE-201"]
    quizzes_result = run("import", target / "quizzes")
    assert quizzes_result.exit_code == 0, quizzes_result.output
    assert quizzes_result.stdout.splitlines() == [
        "kuis baru: tte-201/kuis-akhir, tte-201/latihan"]
    # The export folder itself imports both at once, and nothing is left to change.
    again = run("import", target)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == ["kursus tidak berubah: TTE-201",
                                         "kuis tidak berubah: tte-201/kuis-akhir, tte-201/latihan"]
    assert run("export", tmp_path / "lagi").exit_code == 0
    assert read_tree(tmp_path / "lagi") == read_tree(target)


def test_cli_export_one_course(run, courses, out):
    result = run("export", "--course", "kam-201", out)
    assert result.exit_code == 0, result.output
    assert {path.split("/")[1] for path in read_tree(out)} == {"kam-201"}
    assert result.stdout.splitlines()[-1] == f"1 kursus diekspor ke {out}: 6 berkas."


def test_cli_export_unknown_course_exits_1(run, courses, tmp_path):
    result = run("export", "--course", "XYZ-999", tmp_path / "ekspor")
    assert result.exit_code == 1
    assert result.stderr.strip() == "kursus berkode 'XYZ-999' tidak ditemukan"
    assert result.stdout == ""
    assert not (tmp_path / "ekspor").exists()


# --- the archive for download ---------------------------------------------------------------

def test_course_archive_is_deterministic_and_holds_the_folder_export(app, tmp_path):
    course = build_authored_course()
    first = course_archive(course)
    db.session.expire_all()
    assert course_archive(course) == first

    root = tmp_path / "ekspor"
    export_course(course, root)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {name: archive.read(name) for name in names} == read_tree(root)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert course_tree(course) == read_tree(root)


def test_yaml_dump_of_front_matter_is_safe_yaml(app, out):
    """The front matter is plain YAML any tool reads (no Python tags)."""
    build_authored_course()
    export_all(out)
    for path in out.rglob("*.md"):
        header = path.read_text(encoding="utf-8").split("---\n")[1]
        assert isinstance(yaml.safe_load(header), dict)
