"""Symbolic links in authored content are refused, never followed.

A `media/leak.pdf` link to another learner's JP evidence was imported and served publicly. Every
link below a course folder (a media file, the media folder, a module, course.md, the course
folder itself inside courses/) and every linked quiz file or quiz folder is reported as
`path:1: message` and nothing of that course or quiz is imported; the other courses still are.
"""

import os

import pytest
from sqlalchemy import func, select

from app.content.loader import check_courses, import_courses
from app.content.media import uploads_root
from app.content.paths import UnsafeFile, read_inside
from app.content.quiz_loader import check_quizzes, import_quizzes
from app.courses.models import Course, CourseFile, Module
from app.extensions import db
from app.quizzes.models import Quiz
from tests.content.helpers import course_text, module_text, write
from tests.content.test_media import tiny_png

LINK = ("tautan simbolik (symlink) tidak diterima: salin berkas atau folder aslinya ke dalam "
        "folder kursus")
SECRET_PDF = b"%PDF-1.4\n% bukti JP peserta lain: NIP 198609262015051001\n%%EOF\n"
QUIZ = "---\ntitle: Kuis\n---\n::Q1::Ibu kota Sulawesi Tengah?{=Palu ~Poso}\n"


@pytest.fixture
def secret(tmp_path):
    """Files outside every course folder, as another learner's evidence would be."""
    folder = tmp_path / "instance" / "uploads" / "jp-credits" / "7"
    write(folder / "bukti.pdf", SECRET_PDF)
    write(folder / "diagram.png", tiny_png())
    write(folder / "modul.md", module_text("Bocoran", 10))
    write(folder / "kuis.gift", QUIZ)
    return folder


def course_with_image(builder, slug="uji-101"):
    return builder.make(slug, modules={
        "01-pengantar.md": module_text() + "\n![Diagram](media/diagram.png)\n"
                                           "[Bukti](media/leak.pdf)\n"})


def assert_refused(root, link, imported=()):
    """check_courses names the link as path:1: message; import brings nothing of that course."""
    specs, problems = check_courses(root)
    assert f"{link}:1: {LINK}" in [str(p) for p in problems], problems
    report = import_courses(root)
    db.session.commit()
    assert sorted(report.created) == sorted(imported)
    codes = db.session.scalars(select(Course.code)).all()
    assert sorted(codes) == sorted(imported)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0
    # The evidence itself lives under uploads/jp-credits/; no copy of it is a course file.
    stored = [p for p in uploads_root().rglob("*") if p.is_file() and not p.is_symlink()
              and "jp-credits" not in p.parts]
    assert not any(p.read_bytes() == SECRET_PDF for p in stored)
    return specs, problems


def test_a_linked_media_file_is_refused_and_not_published(app, client, builder, secret):
    folder = course_with_image(builder)
    write(folder / "media" / "diagram.png", tiny_png())
    os.symlink(secret / "bukti.pdf", folder / "media" / "leak.pdf")
    assert_refused(builder.root, folder / "media" / "leak.pdf")
    assert client.get("/media/uji-101/leak.pdf").status_code == 404


def test_a_linked_media_folder_is_refused(app, builder, secret):
    folder = builder.make("uji-101", modules={
        "01-pengantar.md": module_text() + "\n![Diagram](media/diagram.png)\n"})
    os.symlink(secret, folder / "media")
    assert_refused(builder.root, folder / "media")


def test_a_linked_module_file_is_refused(app, builder, secret):
    folder = builder.make("uji-101")
    os.symlink(secret / "modul.md", folder / "03-bocoran.md")
    assert_refused(builder.root, folder / "03-bocoran.md")
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_a_linked_course_file_is_refused(app, builder, secret, tmp_path):
    write(tmp_path / "lain" / "course.md", course_text("UJI-101"))
    folder = builder.make("uji-101", course=False)
    os.symlink(tmp_path / "lain" / "course.md", folder / "course.md")
    assert_refused(builder.root, folder / "course.md")


def test_a_linked_course_folder_is_refused_and_the_others_imported(app, builder, tmp_path):
    builder.make("asli-101")
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "tamu-101" / "course.md", course_text("TAMU-101"))
    write(elsewhere / "tamu-101" / "01-pengantar.md", module_text())
    os.symlink(elsewhere / "tamu-101", builder.root / "tamu-101")
    assert_refused(builder.root, builder.root / "tamu-101", imported=["ASLI-101"])


def test_a_link_deep_inside_is_refused_even_if_unused(app, builder, secret):
    folder = builder.make("uji-101")
    (folder / "lampiran").mkdir()
    os.symlink(secret, folder / "lampiran" / "data")
    assert_refused(builder.root, folder / "lampiran" / "data")


def test_a_link_added_later_stops_the_update_whole(app, builder, secret):
    """An imported course whose folder gains a link (and an edit) stays as it was."""
    folder = builder.make("uji-101")
    assert import_courses(builder.root).ok
    db.session.commit()
    (folder / "01-pengantar.md").write_text(module_text("Judul baru", 30), encoding="utf-8")
    os.symlink(secret / "bukti.pdf", folder / "media-bukti.pdf")
    report = import_courses(builder.root)
    db.session.commit()
    assert not report.ok and report.updated == []
    titles = db.session.scalars(select(Module.title).order_by(Module.position)).all()
    assert titles == ["Pengantar", "Penutup"]


@pytest.mark.parametrize("target", ["media/../../x.png", "media/../course.md",
                                    "media/%2e%2e/leak.pdf", "/etc/passwd", "media//etc/x.png"])
def test_an_image_path_escaping_media_is_a_problem(app, builder, target):
    folder = builder.make("uji-101", modules={
        "01-pengantar.md": module_text() + f"\n![x]({target})\n"})
    write(folder / "media" / "diagram.png", tiny_png())
    specs, problems = check_courses(builder.root)
    assert specs == [] and any(target in p.message for p in problems), problems


# --- quizzes ------------------------------------------------------------------------------------

@pytest.fixture
def course_imported(app, builder):
    builder.make("uji-101")
    assert import_courses(builder.root).ok
    db.session.commit()


def quiz_slugs():
    return sorted(db.session.scalars(select(Quiz.slug)).all())


def test_a_linked_gift_file_is_refused_and_the_others_imported(course_imported, tmp_path,
                                                              secret):
    folder = tmp_path / "quizzes" / "uji-101"
    write(folder / "asli.gift", QUIZ)
    os.symlink(secret / "kuis.gift", folder / "bocor.gift")
    _specs, problems = check_quizzes(tmp_path / "quizzes")
    assert [str(p) for p in problems] == [f"{folder / 'bocor.gift'}:1: {LINK}"]
    report = import_quizzes(tmp_path / "quizzes")
    db.session.commit()
    assert report.created == ["uji-101/asli"] and quiz_slugs() == ["asli"]


def test_a_linked_gift_file_given_by_name_is_refused(course_imported, tmp_path, secret):
    link = tmp_path / "quizzes" / "uji-101" / "bocor.gift"
    link.parent.mkdir(parents=True)
    os.symlink(secret / "kuis.gift", link)
    specs, problems = check_quizzes(link)
    assert specs == [] and [str(p) for p in problems] == [f"{link}:1: {LINK}"]


def test_a_linked_quiz_folder_is_refused_and_its_quizzes_are_kept(course_imported, tmp_path,
                                                                 secret):
    quizzes = tmp_path / "quizzes"
    write(quizzes / "uji-101" / "asli.gift", QUIZ)
    assert import_quizzes(quizzes).ok
    db.session.commit()
    # The real folder is replaced by a link to somewhere else: refused, and the imported quiz
    # is neither retired nor deleted for being "gone".
    (quizzes / "uji-101" / "asli.gift").unlink()
    (quizzes / "uji-101").rmdir()
    os.symlink(secret, quizzes / "uji-101")
    report = import_quizzes(quizzes)
    db.session.commit()
    assert [str(p) for p in report.problems] == [f"{quizzes / 'uji-101'}:1: {LINK}"]
    assert report.deleted == [] and report.retired == [] and quiz_slugs() == ["asli"]


# --- the command line ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["check"], ["import", "--dry-run"], ["import"]])
def test_cli_reports_the_link_and_imports_nothing(app, run, builder, secret, command):
    folder = course_with_image(builder)
    write(folder / "media" / "diagram.png", tiny_png())
    os.symlink(secret / "bukti.pdf", folder / "media" / "leak.pdf")
    result = run(*command, builder.root)
    assert result.exit_code == 1
    assert f"{folder / 'media' / 'leak.pdf'}:1: {LINK}" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


# --- the reader itself --------------------------------------------------------------------------

def test_read_inside_never_follows_a_link(tmp_path, secret, app):
    """Even a link slipped in after the folder was checked is refused when read."""
    folder = tmp_path / "kursus"
    folder.mkdir()
    os.symlink(secret / "bukti.pdf", folder / "leak.pdf")
    with app.test_request_context(), pytest.raises(UnsafeFile, match="symlink"):
        read_inside(folder / "leak.pdf", folder)


def test_read_inside_refuses_a_pipe_without_hanging(tmp_path, app):
    os.mkfifo(tmp_path / "pipa.png")
    with app.test_request_context(), pytest.raises(UnsafeFile, match="bukan berkas biasa"):
        read_inside(tmp_path / "pipa.png")


def test_read_inside_refuses_a_path_outside_its_folder(tmp_path, secret, app):
    inner = tmp_path / "kursus"
    inner.mkdir()
    with app.test_request_context(), pytest.raises(UnsafeFile, match="di luar folder"):
        read_inside(inner / ".." / "instance" / "uploads" / "jp-credits" / "7" / "bukti.pdf",
                    inner)
