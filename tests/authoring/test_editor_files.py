"""Images and PDFs uploaded into a course: checked by content and size, served inertly."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.media import stored_path
from app.courses.models import CourseFile
from app.extensions import db
from tests.authoring.helpers import TRAINER_NIP, add_module, make_course, publish
from tests.conftest import csrf_token, submit
from tests.content.test_media import tiny_png

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def course(client, create_user, login):
    create_user(nip=TRAINER_NIP, roles=("trainer",))
    login(TRAINER_NIP)
    return make_course(client)


def upload(client, data, name, back_to_module=None):
    token = csrf_token(client.get("/pengajar/kursus/tte-101").get_data(as_text=True))
    form = {"csrf_token": token, "file": (io.BytesIO(data), name)}
    if back_to_module:
        form["kembali_modul"] = str(back_to_module)
    return client.post("/pengajar/kursus/tte-101/berkas", data=form,
                       content_type="multipart/form-data", follow_redirects=True)


def file_count():
    return db.session.scalar(select(func.count()).select_from(CourseFile))


def test_an_image_is_stored_and_shown_in_a_module(app, client, course):
    page = upload(client, tiny_png(), "Diagram Alur TTE.PNG").get_data(as_text=True)
    assert "Berkas diagram-alur-tte.png tersimpan." in page
    row = db.session.scalar(select(CourseFile))
    assert (row.name, row.mime, row.size) == ("diagram-alur-tte.png", "image/png",
                                               len(tiny_png()))
    assert stored_path(row).read_bytes() == tiny_png()
    assert stored_path(row).is_relative_to(Path(app.instance_path) / "uploads")
    add_module(client, course, "Alur", body="![Alur TTE](media/diagram-alur-tte.png)")
    assert ('<img alt="Alur TTE" src="/media/tte-101/diagram-alur-tte.png">'
            in course.modules[0].body_html)
    with client.get("/media/tte-101/diagram-alur-tte.png") as response:
        assert response.status_code == 200
        assert response.data == tiny_png()
        assert response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_pdf_is_offered_as_a_download_never_rendered_inline(client, course):
    upload(client, PDF, "panduan.pdf")
    add_module(client, course, "Panduan", body="Baca [panduan](media/panduan.pdf).")
    assert 'href="/media/tte-101/panduan.pdf"' in course.modules[0].body_html
    with client.get("/media/tte-101/panduan.pdf") as response:
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<html><script>alert(1)</script></html>", "foto.png",
     "isi berkas bukan gambar PNG, JPEG, GIF, WebP atau dokumen PDF (terdeteksi: tidak dikenal)"),
    (b"MZ\x90\x00" + b"\x00" * 200, "panduan.pdf", "isi berkas bukan gambar PNG"),
    (b"", "kosong.png", "Berkas kosong.png ditolak: berkas kosong"),
])
def test_wrong_type_or_empty_files_are_refused_with_a_reason(client, course, data, name,
                                                            message):
    page = upload(client, data, name).get_data(as_text=True)
    assert message in page
    assert file_count() == 0


def test_an_image_uploaded_under_a_pdf_name_takes_its_real_extension(client, course):
    upload(client, tiny_png(), "laporan.pdf")
    assert db.session.scalar(select(CourseFile.name)) == "laporan.png"


def test_an_oversize_file_is_refused_by_the_setting(app, client, course):
    app.config["UPLOAD_MAX_KB"] = 1
    page = upload(client, tiny_png() + b"\x00" * 4096, "besar.png").get_data(as_text=True)
    assert "berkas terlalu besar: 4 KB, maksimal 1 KB" in page
    assert file_count() == 0


def test_a_request_beyond_the_hard_cap_gets_a_clear_page(app, client, course):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, b"\x89PNG" + b"\x00" * 20_000, "raksasa.png")
    assert response.status_code == 413
    assert "terlalu besar" in response.get_data(as_text=True)


def test_a_module_naming_a_missing_file_shows_the_line_and_keeps_the_text(client, course):
    body = "Paragraf.\n\n![Skema](media/tidak-ada.png)\n"
    page = add_module(client, course, "Skema", body=body).get_data(as_text=True)
    assert "baris 3: gambar &#39;media/tidak-ada.png&#39; tidak ada di folder media/" in page
    assert "![Skema](media/tidak-ada.png)" in page
    assert course.modules == []


def test_a_file_in_use_cannot_be_deleted(client, course):
    upload(client, tiny_png(), "skema.png")
    add_module(client, course, "Skema", body="![Skema](media/skema.png)")
    row = db.session.scalar(select(CourseFile))
    token = csrf_token(client.get("/pengajar/kursus/tte-101").get_data(as_text=True))
    url = f"/pengajar/kursus/tte-101/berkas/{row.id}/hapus"
    page = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Berkas skema.png masih dipakai di: Skema." in page.get_data(as_text=True)
    assert file_count() == 1
    module = course.modules[0]
    submit(client, f"/pengajar/kursus/tte-101/modul/{module.id}",
           {"title": "Skema", "slug": "", "minutes": "5", "body": "Tanpa gambar.",
            "aksi": "simpan"})
    page = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Berkas skema.png dihapus." in page.get_data(as_text=True)
    assert file_count() == 0
    assert not stored_path(row).exists()


def test_files_of_a_draft_are_not_served_to_learners(client, course, create_user, login):
    upload(client, tiny_png(), "skema.png")
    client.post("/keluar", data={"csrf_token": csrf_token(client.get("/").get_data(
        as_text=True))})
    assert client.get("/media/tte-101/skema.png").status_code == 404
    login(TRAINER_NIP)
    add_module(client, course, "Skema", body="![Skema](media/skema.png)")
    publish(client, course)
    client.post("/keluar", data={"csrf_token": csrf_token(client.get("/").get_data(
        as_text=True))})
    with client.get("/media/tte-101/skema.png") as response:
        assert response.status_code == 200
