"""The trainers' editor driven like a browser: forms with CSRF, bad input, what learners see."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.courses import services as course_services
from app.courses.models import Course, Module, ModuleProgress
from app.extensions import db
from tests.authoring.helpers import (
    COURSE_FORM,
    LEARNER_NIP,
    TRAINER_NIP,
    add_module,
    add_quiz,
    make_course,
    publish,
)
from tests.conftest import csrf_token, submit


@pytest.fixture
def trainer(create_user, login):
    user = create_user(nip=TRAINER_NIP, roles=("trainer",))
    login(TRAINER_NIP)
    return user


def text(response):
    return response.get_data(as_text=True)


def module_by_slug(course, slug):
    return db.session.scalar(select(Module).where(Module.course_id == course.id,
                                                  Module.slug == slug))


def post_action(client, page_url, action_url, **fields):
    """Press a one-button form (move, remove, restore) found on page_url."""
    token = csrf_token(text(client.get(page_url)))
    return client.post(action_url, data=dict(fields, csrf_token=token), follow_redirects=True)


# --- creating and publishing ---------------------------------------------------------------------

def test_trainer_creates_a_draft_course_and_becomes_its_owner(client, trainer):
    course = make_course(client, code="tte-101")  # typed in lower case: stored upper
    assert (course.code, course.slug, course.status) == ("TTE-101", "tte-101", "draft")
    assert course.owners == [trainer]
    assert '<h3 id="h-tujuan">Tujuan</h3>' in course.description_html
    assert course.browser_edited_at is not None
    overview = text(client.get("/pengajar/"))
    assert "TTE-101 · Tanda Tangan Elektronik: Dasar" in overview
    assert "Draf" in overview


@pytest.mark.parametrize(("field", "value", "message"), [
    ("code", "TTE 101", "Kode hanya boleh huruf besar, angka dan tanda hubung"),
    ("code", "", "Isi kode kursus."),
    ("title", "   ", "Isi judul kursus."),
    ("jp", "0", "JP harus antara 1 dan 200."),
    ("jp", "dua", "Bukan bilangan bulat yang valid."),
    ("competency", "sihir", "Pilihan tidak valid."),
    ("provider", "", "Isi penyelenggara"),
])
def test_bad_course_input_names_the_field(client, trainer, field, value, message):
    response = submit(client, "/pengajar/kursus/baru", dict(COURSE_FORM, **{field: value}))
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    # What was typed stays in the form.
    assert "Peserta memahami TTE." in page


def test_a_taken_code_is_refused(client, trainer, courses):
    page = text(submit(client, "/pengajar/kursus/baru", dict(COURSE_FORM, code="spbe-101")))
    assert "Kode SPBE-101 sudah dipakai kursus lain." in page


def test_learners_see_only_published_courses(client, trainer, create_user, login):
    course = make_course(client)
    refused = text(publish(client, course))
    assert "Kursus belum punya modul" in refused
    assert course.status == "draft"
    add_module(client, course, "Pengantar TTE")
    assert "Status kursus kini: Terbit." in text(publish(client, course))
    create_user(nip=LEARNER_NIP)
    client.post("/keluar", data={"csrf_token": csrf_token(text(client.get("/")))})
    login(LEARNER_NIP)
    assert "Tanda Tangan Elektronik: Dasar" in text(client.get("/"))
    assert client.get("/kursus/tte-101").status_code == 200
    db.session.get(Course, course.id).status = "archived"
    db.session.commit()
    assert "Tanda Tangan Elektronik: Dasar" not in text(client.get("/"))
    assert client.get("/kursus/tte-101").status_code == 404
    assert client.get("/kursus/tte-101/modul/pengantar-tte").status_code == 404


def test_editing_a_course_keeps_its_code(client, trainer):
    course = make_course(client)
    response = submit(client, "/pengajar/kursus/tte-101/ubah",
                      dict(COURSE_FORM, code="LAIN-1", title="TTE bagi ASN", jp="6"))
    assert "Perubahan kursus disimpan." in text(response)
    db.session.refresh(course)
    assert (course.code, course.title, course.jp) == ("TTE-101", "TTE bagi ASN", 6)


# --- modules -------------------------------------------------------------------------------------

def test_module_preview_without_javascript_is_sanitized_and_saves_nothing(client, trainer):
    course = make_course(client)
    body = "# Pengantar\n\nTeks **tebal**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    response = submit(client, "/pengajar/kursus/tte-101/modul/baru",
                      {"title": "Pengantar", "slug": "", "minutes": "15", "body": body,
                       "aksi": "pratinjau"})
    page = text(response)
    assert '<h1 id="h-pengantar">Pengantar</h1>' in page
    assert "<strong>tebal</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert "Teks **tebal**." in page  # the source stays in the textarea
    assert course.modules == []


def test_live_preview_returns_the_learners_html(client, trainer):
    make_course(client)
    token = csrf_token(text(client.get("/pengajar/kursus/tte-101/modul/baru")))
    response = client.post("/pengajar/kursus/tte-101/pratinjau",
                           data={"csrf_token": token,
                                 "source": "## Bagian\n\n<img src=x onerror=alert(1)>ok"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert '<h2 id="h-bagian">Bagian</h2>' in html
    assert "onerror" not in html
    no_token = client.post("/pengajar/kursus/tte-101/pratinjau", data={"source": "x"})
    assert no_token.status_code == 400


def test_modules_are_added_renamed_and_reordered_keeping_their_identity(client, trainer):
    course = make_course(client)
    add_module(client, course, "Pengantar TTE")
    add_module(client, course, "Sertifikat Elektronik")
    add_module(client, course, "Pengantar TTE")  # same title: a distinct address
    slugs = [m.slug for m in course.modules]
    assert slugs == ["pengantar-tte", "sertifikat-elektronik", "pengantar-tte-2"]
    second = module_by_slug(course, "sertifikat-elektronik")
    post_action(client, "/pengajar/kursus/tte-101",
                f"/pengajar/kursus/tte-101/modul/{second.id}/pindah", arah="up")
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [m.slug for m in course.modules] == [
        "sertifikat-elektronik", "pengantar-tte", "pengantar-tte-2"]
    url = f"/pengajar/kursus/tte-101/modul/{second.id}"
    response = submit(client, url, {"title": "Sertifikat dan Kunci", "slug": "sertifikat",
                                    "minutes": "25", "body": "Baru.", "aksi": "simpan"})
    assert "Modul \u201cSertifikat dan Kunci\u201d disimpan." in text(response)
    db.session.expire_all()
    renamed = db.session.get(Module, second.id)
    assert (renamed.slug, renamed.title, renamed.minutes) == ("sertifikat", "Sertifikat dan Kunci",
                                                              25)


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "Isi judul modul."),
    ({"minutes": "0"}, "Waktu baca harus antara 1 dan 600 menit."),
    ({"minutes": "setengah jam"}, "Bukan bilangan bulat yang valid."),
    ({"body": "   "}, "Isi modul tidak boleh kosong."),
    ({"slug": "Huruf Besar"}, "Hanya huruf kecil, angka dan tanda hubung"),
])
def test_bad_module_input_names_the_field_and_keeps_the_text(client, trainer, fields, message):
    course = make_course(client)
    data = dict({"title": "Judul", "slug": "", "minutes": "10",
                 "body": "Teks yang sudah diketik panjang.", "aksi": "simpan"}, **fields)
    page = text(submit(client, "/pengajar/kursus/tte-101/modul/baru", data))
    assert message in page
    assert course.modules == []
    if fields.get("body") is None:
        assert "Teks yang sudah diketik panjang." in page


def test_a_slug_taken_by_another_module_is_refused(client, trainer):
    course = make_course(client)
    add_module(client, course, "Satu")
    add_module(client, course, "Dua")
    two = module_by_slug(course, "dua")
    page = text(submit(client, f"/pengajar/kursus/tte-101/modul/{two.id}",
                       {"title": "Dua", "slug": "satu", "minutes": "10", "body": "x",
                        "aksi": "simpan"}))
    assert "Alamat &#39;satu&#39; sudah dipakai modul lain di kursus ini." in page


def test_a_module_with_progress_is_retired_not_deleted(client, trainer, create_user):
    course = make_course(client)
    add_module(client, course, "Satu")
    add_module(client, course, "Dua")
    publish(client, course)
    learner = create_user(nip=LEARNER_NIP)
    course_services.enroll_learner(learner, course)
    one = module_by_slug(course, "satu")
    course_services.complete_module(learner, one)
    db.session.commit()
    page = text(post_action(client, "/pengajar/kursus/tte-101",
                            f"/pengajar/kursus/tte-101/modul/{one.id}/hapus"))
    assert "dipensiunkan" in page
    db.session.expire_all()
    assert db.session.get(Module, one.id).retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(ModuleProgress)) == 1
    two = module_by_slug(course, "dua")
    page = text(post_action(client, "/pengajar/kursus/tte-101",
                            f"/pengajar/kursus/tte-101/modul/{two.id}/hapus"))
    assert "Modul \u201cDua\u201d dihapus." in page
    assert db.session.get(Module, two.id) is None
    # The retired module comes back, last, with its progress intact.
    post_action(client, "/pengajar/kursus/tte-101",
                f"/pengajar/kursus/tte-101/modul/{one.id}/pulihkan")
    db.session.expire_all()
    assert db.session.get(Module, one.id).retired_at is None


def test_moving_with_a_bad_direction_or_foreign_module_is_refused(client, trainer, courses):
    # Not the helper's TTE-101: the bundled courses have a TTE-101 of their own.
    course = make_course(client, code="UJI-101")
    add_module(client, course, "Satu")
    own = module_by_slug(course, "satu")
    foreign = db.session.scalar(select(Module).join(Course).where(Course.code == "SPBE-101"))
    token = csrf_token(text(client.get("/pengajar/kursus/uji-101")))
    assert client.post(f"/pengajar/kursus/uji-101/modul/{own.id}/pindah",
                       data={"csrf_token": token, "arah": "ke-samping"}).status_code == 400
    assert client.post(f"/pengajar/kursus/uji-101/modul/{foreign.id}/hapus",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/pengajar/kursus/uji-101/modul/{own.id}/hapus",
                       data={}).status_code == 400


# --- owners --------------------------------------------------------------------------------------

def test_admin_adds_and_removes_a_trainer_of_a_course(client, create_user, login, courses):
    from tests.authoring.helpers import ADMIN_NIP, OTHER_TRAINER_NIP
    create_user(nip=ADMIN_NIP, roles=("admin",))
    colleague = create_user(nip=OTHER_TRAINER_NIP)  # a learner so far
    login(ADMIN_NIP)
    url = "/pengajar/kursus/spbe-101"
    page = text(submit(client, url, {"nip": "1987 0315 2010 01 2 002"},
                       post_url=f"{url}/pengajar"))
    assert f"{colleague.name} kini pengajar kursus ini." in page
    db.session.refresh(colleague)
    assert colleague.is_trainer
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    assert course.owners == [colleague]
    bad = text(submit(client, url, {"nip": "12345"}, post_url=f"{url}/pengajar"))
    assert "NIP harus 18 digit" in bad
    unknown = text(submit(client, url, {"nip": "199203042019032001"},
                          post_url=f"{url}/pengajar"))
    assert "Belum ada akun dengan NIP 199203042019032001." in unknown
    page = text(post_action(client, url, f"{url}/pengajar/{colleague.id}/hapus"))
    assert f"{colleague.name} bukan lagi pengajar kursus ini." in page
    db.session.expire_all()
    assert db.session.scalar(select(Course).where(Course.code == "SPBE-101")).owners == []


def test_cli_adds_a_trainer_through_the_same_rule(app, create_user, courses):
    colleague = create_user(nip=TRAINER_NIP)
    result = app.test_cli_runner().invoke(args=["courses", "add-trainer", "spbe-101",
                                                TRAINER_NIP])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    assert course.owners == [colleague] and colleague.is_trainer


# --- the learner's side of an edit ---------------------------------------------------------------

def test_a_learner_sees_an_edit_and_keeps_their_progress(client, trainer, create_user, login):
    course = make_course(client)
    add_module(client, course, "Pengantar", body="Versi pertama.")
    add_module(client, course, "Lanjutan", body="Bagian dua.")
    publish(client, course)
    learner = create_user(nip=LEARNER_NIP)
    course_services.enroll_learner(learner, course)
    first = module_by_slug(course, "pengantar")
    course_services.complete_module(learner, first)
    db.session.commit()
    submit(client, f"/pengajar/kursus/tte-101/modul/{first.id}",
           {"title": "Pengantar TTE", "slug": "pengantar-tte", "minutes": "10",
            "body": "Versi **kedua**, diperbarui.", "aksi": "simpan"})
    second = module_by_slug(course, "lanjutan")
    post_action(client, "/pengajar/kursus/tte-101",
                f"/pengajar/kursus/tte-101/modul/{second.id}/pindah", arah="up")
    client.post("/keluar", data={"csrf_token": csrf_token(text(client.get("/")))})
    login(LEARNER_NIP)
    reading = text(client.get("/kursus/tte-101/modul/pengantar-tte"))
    assert "Versi <strong>kedua</strong>, diperbarui." in reading
    overview = text(client.get("/kursus/tte-101"))
    assert overview.index("Lanjutan") < overview.index("Pengantar TTE")
    assert "1 dari 2 modul dibaca" in overview


def test_the_course_downloads_as_files_in_the_courses_format(client, trainer):
    course = make_course(client)
    add_module(client, course, "Pengantar TTE", body="Isi **pengantar**.")
    response = client.get("/pengajar/kursus/tte-101/unduh")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "tte-101.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        module_file = archive.read("courses/tte-101/01-pengantar-tte.md").decode()
    assert "courses/tte-101/course.md" in names
    assert "title: Pengantar TTE" in module_file and "Isi **pengantar**." in module_file


def test_a_course_written_in_the_browser_round_trips_through_files(app, client, trainer,
                                                                    tmp_path):
    """Browsers send textareas with CRLF; what is stored must export, import and export again
    to the same bytes."""
    from app.content.exporter import export_all
    from tests.content.test_export import empty_database, import_export, read_tree
    from tests.content.test_media import tiny_png

    course = make_course(client, description="\r\n\r\n## Tujuan\r\n\r\nMemahami TTE.  \r\n")
    token = csrf_token(text(client.get("/pengajar/kursus/tte-101")))
    client.post("/pengajar/kursus/tte-101/berkas", content_type="multipart/form-data",
                data={"csrf_token": token, "file": (io.BytesIO(tiny_png()), "alur.png")})
    add_module(client, course, "Alur: TTE \u2013 BSrE",
               body="Paragraf satu  \r\nbaris dua.\r\n\r\n![Alur](media/alur.png)\r\n\r\n")
    add_quiz(client, course, gift="\r\n" + GIFT_CRLF)
    export_all(tmp_path / "satu")
    first = read_tree(tmp_path / "satu")
    texts = [data for name, data in first.items() if name.endswith((".md", ".gift"))]
    assert len(texts) == 3 and not any(b"\r" in data for data in texts)
    assert "courses/tte-101/media/alur.png" in first
    empty_database()
    import_export(tmp_path / "satu")
    export_all(tmp_path / "dua")
    assert read_tree(tmp_path / "dua") == first


GIFT_CRLF = "::Q1::Sah?{T}\r\n\r\n::Q2::Penerbit?{=BSrE ~Bank}\r\n"


def test_the_course_page_compares_reading_time_with_jp(client, trainer):
    course = make_course(client)  # 4 JP
    add_module(client, course, "Satu", minutes="90")
    add_module(client, course, "Dua", minutes="45")
    page = text(client.get("/pengajar/kursus/tte-101"))
    assert ("Total waktu baca 135 menit, setara 3.0 JP (1 JP = 45 menit); kursus ini "
            "memberi 4 JP.") in page
