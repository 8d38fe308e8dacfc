"""Images in a course folder's media/: checked by content, published, served safely."""

import struct
import zlib

import pytest
from sqlalchemy import select

from app.content.loader import check_courses, import_courses
from app.courses.models import Course
from app.extensions import db
from tests.content.helpers import module_text, write

MODULE_WITH_IMAGE = module_text("Pengantar", 30) + "\n![Diagram arsitektur](media/diagram.png)\n"
IMAGE_LINE = MODULE_WITH_IMAGE.split("\n").index("![Diagram arsitektur](media/diagram.png)") + 1


def tiny_png():
    """A real 1x1 PNG, built by hand so the test needs no image library."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def make_course(builder, image_bytes=None, module=MODULE_WITH_IMAGE, name="diagram.png"):
    folder = builder.make("uji-101", modules={"01-pengantar.md": module})
    if image_bytes is not None:
        write(folder / "media" / name, image_bytes)
    return folder


def test_image_is_published_and_served(app, client, builder):
    folder = make_course(builder, tiny_png())
    report = import_courses(folder.parent)
    db.session.commit()
    assert report.ok, report.problems
    course = db.session.scalar(select(Course).where(Course.code == "UJI-101"))
    assert '<img alt="Diagram arsitektur" src="/media/uji-101/diagram.png">' in (
        course.modules[0].body_html)
    with client.get("/media/uji-101/diagram.png") as response:
        assert response.status_code == 200
        assert response.data == tiny_png()
        assert response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_image_of_an_unpublished_course_is_not_served(app, client, builder):
    import_courses(make_course(builder, tiny_png()).parent)
    db.session.commit()
    db.session.scalar(select(Course)).status = "draft"
    db.session.commit()
    assert client.get("/media/uji-101/diagram.png").status_code == 404


@pytest.mark.parametrize("name", ["..%2Fcourse.md", "diagram.svg", "DIAGRAM.png", "tidak-ada.png"])
def test_odd_media_names_are_404(app, client, builder, name):
    import_courses(make_course(builder, tiny_png()).parent)
    db.session.commit()
    assert client.get(f"/media/uji-101/{name}").status_code == 404


@pytest.mark.parametrize(("image", "name", "expected"), [
    (b"<html><script>alert(1)</script></html>", "diagram.png",
     "isi berkas bukan gambar PNG, JPEG, GIF, WebP atau dokumen PDF"),
    (b"%PDF-1.4 bukan gambar", "diagram.png",
     "isi berkas application/pdf tidak cocok dengan nama 'diagram.png': gunakan ekstensi .pdf"),
    (None, None, "gambar 'media/diagram.png' tidak ada di folder media/"),
])
def test_bad_images_are_problems_and_nothing_is_imported(app, builder, image, name, expected):
    folder = make_course(builder, image, name=name or "diagram.png")
    specs, problems = check_courses(folder.parent)
    assert specs == []
    assert any(expected in str(problem) for problem in problems), problems
    assert import_courses(folder.parent).created == []


def test_too_big_image_is_refused(app, builder):
    app.config["UPLOAD_MAX_KB"] = 1
    folder = make_course(builder, tiny_png() + b"\x00" * 2048)
    _, problems = check_courses(folder.parent)
    assert [p.message for p in problems] == ["berkas terlalu besar: 2 KB, maksimal 1 KB"]


@pytest.mark.parametrize(("src", "expected"), [
    ("https://contoh.go.id/a.png", "gambar dari situs lain tidak dimuat"),
    ("//contoh.go.id/a.png", "gambar dari situs lain tidak dimuat"),
    ("gambar/a.png", "harus berada di folder media/"),
])
def test_image_references_outside_media_name_the_line(app, builder, src, expected):
    module = module_text("Pengantar", 30) + f"\n![x]({src})\n"
    folder = make_course(builder, module=module)
    _, problems = check_courses(folder.parent)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path.endswith("01-pengantar.md")
    assert problem.line == IMAGE_LINE
    assert expected in problem.message
