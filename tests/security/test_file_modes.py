"""Stored files are not world-readable: course files, JP evidence, course exports and database
copies are written 0640 in 0750 folders whatever the umask (here the loosest, 000), and upload
folders made before this rule (0755) are tightened on the next write."""

import os
import stat
from datetime import date

import pytest
from sqlalchemy import select

from app.authoring import services as authoring
from app.content.exporter import export_all
from app.content.loader import import_courses
from app.content.media import stored_path, uploads_root
from app.courses.models import Course, CourseFile
from app.extensions import db
from app.operations.backup import sqlite_backup
from app.reports.credit_services import add_jp_credit, evidence_path
from tests.content.helpers import CourseBuilder, module_text, write
from tests.content.test_media import tiny_png

PDF = b"%PDF-1.4\n% bukti\n%%EOF\n"
COURSE = {"code": "MODE-101", "title": "Hak akses", "summary": "", "description": "Isi.",
          "jp": 2, "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
          "certificate_policy": "manual"}


@pytest.fixture(autouse=True)
def loose_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private_file(path):
    assert mode(path) & 0o777 <= 0o640 and not mode(path) & 0o007, (path, oct(mode(path)))
    assert mode(path) == 0o640, oct(mode(path))


def assert_private_folders(path, root):
    for folder in [root, *[p for p in path.parents if root in p.parents]]:
        assert mode(folder) == 0o750, (folder, oct(mode(folder)))


def test_an_uploaded_course_file_is_private(app, create_user):
    trainer = create_user(roles=("trainer",))
    course = authoring.create_course(COURSE, trainer)
    row = authoring.upload_file(course, "skema.png", tiny_png(), trainer)
    db.session.commit()
    path = stored_path(row)
    assert path.read_bytes() == tiny_png()
    assert_private_file(path)
    assert_private_folders(path, uploads_root())


def test_imported_media_is_private(app, tmp_path):
    builder = CourseBuilder(tmp_path / "src")
    folder = builder.make("mode-101", modules={
        "01-pengantar.md": module_text() + "\n![Skema](media/skema.png)\n"})
    write(folder / "media" / "skema.png", tiny_png())
    assert import_courses(builder.root).ok
    db.session.commit()
    row = db.session.scalar(select(CourseFile))
    assert_private_file(stored_path(row))
    assert_private_folders(stored_path(row), uploads_root())


def test_jp_evidence_is_private_and_old_open_folders_are_closed(app, create_user):
    uploads_root().mkdir(parents=True, exist_ok=True)
    os.chmod(uploads_root(), 0o755)  # as made before this rule
    learner = create_user()
    credit = add_jp_credit(learner, earned_on=date(2026, 5, 6), jp=2, title="Seminar",
                           evidence=("bukti.pdf", PDF))
    db.session.commit()
    path = evidence_path(credit)
    assert path.read_bytes() == PDF
    assert_private_file(path)
    assert_private_folders(path, uploads_root())


def test_a_course_export_is_private(app, create_user, tmp_path):
    trainer = create_user(roles=("trainer",))
    course = authoring.create_course(COURSE, trainer)
    authoring.create_module(course, {"title": "Satu", "minutes": 5, "body": "Isi."}, trainer)
    authoring.upload_file(course, "skema.png", tiny_png(), trainer)
    db.session.commit()
    written = export_all(tmp_path / "ekspor")
    assert len(written) >= 3
    for path in written:
        assert_private_file(path)
        assert_private_folders(path, tmp_path / "ekspor" / path.relative_to(
            tmp_path / "ekspor").parts[0])
    assert db.session.scalar(select(Course.code)) == "MODE-101"


def test_a_database_copy_is_private(tmp_path):
    import sqlite3
    source = tmp_path / "kompeten.db"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE t (x)")
    sqlite_backup(source, tmp_path / "cadangan" / "kompeten.db")
    assert_private_file(tmp_path / "cadangan" / "kompeten.db")
