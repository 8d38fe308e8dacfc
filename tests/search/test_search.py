"""Search inside the courses (/cari, and the catalogue's box): Indonesian stems, ranked hits
with a highlighted snippet and a link to the module's section, only what a learner may open,
an index that follows every way content changes, and calm answers to hostile queries."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.authoring import services as authoring
from app.content.loader import import_courses
from app.courses.models import Course, Module
from app.extensions import db
from app.search.index import rebuild
from app.search.models import SearchDocument
from app.search.text import query_stems, sections, snippet
from app.workshops import services as workshops
from tests.authoring.helpers import TRAINER_NIP, add_module, make_course, publish
from tests.conftest import submit
from tests.workshops.helpers import make_session

SERVICE_BODY = """Pengantar singkat.

## Standar pelayanan

Setiap penyelenggara wajib menetapkan standar pelayanan publik yang jelas.

## Pengaduan warga

Petugas melayani pengaduan dengan ramah dan mencatat nomor tiket."""


def result_titles(response):
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [unescape(title) for title in re.findall(
        r'<li>\s*<h[23]><a href="[^"]+">([^<]+)</a>', page)]


def result_links(response):
    return re.findall(r'<li>\s*<h[23]><a href="([^"]+)">', response.get_data(as_text=True))


@pytest.fixture
def trainer(client, create_user, login):
    user = create_user(nip=TRAINER_NIP, roles=("learner", "trainer"))
    login(TRAINER_NIP)
    return user


@pytest.fixture
def service_course(client, trainer):
    """A published course written in the browser with one module about public service."""
    # Its own code: the bundled courses, imported by some tests here, have a TTE-101.
    course = make_course(client, code="LYN-101")
    add_module(client, course, "Pelayanan publik digital", body=SERVICE_BODY)
    publish(client, course)
    db.session.expire_all()
    return db.session.get(Course, course.id)


# --- words and stems --------------------------------------------------------------------------

def test_affixed_words_share_a_stem_in_the_query_and_the_text():
    assert query_stems("Pelayanan") == query_stems("layanan") == query_stems("melayani")
    assert query_stems("kependudukan") == query_stems("penduduk")
    assert query_stems('"; DROP TABLE --') == ["drop", "table"]
    assert query_stems("\x00 *) NEAR(") == ["near"]
    assert len(query_stems(" ".join(f"kata{i}" for i in range(500)))) == 12


def test_a_page_splits_at_its_headings_with_their_anchors():
    html = ('<p>Awal.</p><h2 id="h-satu">Satu &amp; dua</h2><p>Isi <em>satu</em>.</p>'
            '<h3 id="h-tiga">Tiga</h3><p>Isi tiga.</p>')
    assert sections(html) == [("", "", "Awal."), ("h-satu", "Satu & dua", "Isi satu ."),
                              ("h-tiga", "Tiga", "Isi tiga.")]


def test_the_snippet_marks_the_words_and_escapes_the_author_text():
    text = ("Awal. " + "kata " * 80 + "Petugas <script>alert(1)</script> melayani warga. "
            + "akhir " * 80)
    shown = str(snippet(text, query_stems("pelayanan")))
    assert "<mark>melayani</mark>" in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>" not in shown
    assert shown.startswith("… ") and shown.endswith(" …")
    assert len(shown) < 300


# --- the page ---------------------------------------------------------------------------------

def test_a_root_word_finds_the_affixed_one_with_a_marked_snippet_and_a_link_to_the_section(
        client, service_course):
    response = client.get("/cari?q=layanan")
    assert result_titles(response)[0] == "Pelayanan publik digital › Standar pelayanan"
    page = response.get_data(as_text=True)
    module = service_course.modules[0]
    assert (f'/kursus/{service_course.slug}/modul/{module.slug}#h-standar-pelayanan'
            in result_links(response)[0])
    assert "<mark>pelayanan</mark>" in page
    assert "Tanda Tangan Elektronik: Dasar" in page  # the course it belongs to


def test_each_section_is_found_by_its_own_words(client, service_course):
    response = client.get("/cari?q=pengaduan+warga")
    assert result_titles(response) == ["Pelayanan publik digital › Pengaduan warga"]
    assert result_links(response)[0].endswith("#h-pengaduan-warga")


def test_a_title_word_ranks_above_the_same_word_in_a_text(client, service_course, trainer):
    add_module(client, service_course, "Arsip elektronik",
               body="Tentang arsip. Standar dan aturan lain juga dibahas.")
    titles = result_titles(client.get("/cari?q=standar"))
    assert titles.index("Pelayanan publik digital › Standar pelayanan") < titles.index(
        "Arsip elektronik")


def test_the_catalogue_box_also_finds_words_inside_modules(client, service_course):
    response = client.get("/?q=pengaduan")
    page = response.get_data(as_text=True)
    assert "Ditemukan di dalam materi" in page
    assert "Pelayanan publik digital › Pengaduan warga" in unescape(page)
    assert "/cari?q=pengaduan" in page


def test_a_search_inside_one_course_stays_inside_it(client, courses, service_course):
    everywhere = result_titles(client.get("/cari?q=layanan"))
    inside = result_titles(client.get(f"/cari?q=layanan&kursus={service_course.slug}"))
    assert len(everywhere) > len(inside) > 0
    assert all(title.startswith("Pelayanan publik digital") for title in inside)
    assert client.get("/cari?q=layanan&kursus=tidak-ada").status_code == 404


def test_the_course_and_module_pages_carry_a_box_for_that_course(client, service_course):
    module = service_course.modules[0]
    for url in (f"/kursus/{service_course.slug}",
                f"/kursus/{service_course.slug}/modul/{module.slug}"):
        page = client.get(url).get_data(as_text=True)
        assert 'action="/cari"' in page, url
        assert f'name="kursus" value="{service_course.slug}"' in page, url


@pytest.mark.parametrize("query", [
    '"pelayanan', "pelayanan*", "NEAR(pelayanan warga)", "pelayanan OR", "-- ; DROP TABLE",
    "'); DELETE FROM search_document; --", "a:b:c", "&|!()", "\x00pelayanan", "ℌ𝔢𝔩𝔩𝔬 ✓ 日本",
])
def test_hostile_queries_answer_calmly(client, service_course, query):
    response = client.get("/cari", query_string={"q": query})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(SearchDocument.id))) > 0


def test_a_query_of_ten_thousand_characters_gets_a_message_not_a_search(client, service_course):
    response = client.get("/cari", query_string={"q": "layanan " * 1250})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kata kunci terlalu panjang: paling banyak 200 karakter." in page
    catalogue = client.get("/", query_string={"q": "x" * 10_000}).get_data(as_text=True)
    assert "Kata kunci terlalu panjang: paling banyak 200 karakter." in catalogue


def test_an_empty_query_shows_the_box_and_nothing_found_is_said(client, service_course):
    empty = client.get("/cari").get_data(as_text=True)
    assert 'role="search"' in empty and "Tidak ditemukan" not in empty
    assert "Tidak ditemukan" in client.get("/cari?q=zzzzzz").get_data(as_text=True)
    assert "Tidak ditemukan" in client.get("/cari?q=%22%22").get_data(as_text=True)


def test_the_query_count_does_not_grow_with_the_hits(client, service_course, trainer, queries):
    client.get("/cari?q=pengaduan")  # settings, user and the like are loaded once
    with queries() as one:
        assert len(result_titles(client.get("/cari?q=pengaduan"))) == 1
    for number in range(6):
        add_module(client, service_course, f"Pengaduan tahap {number}",
                   body=f"Pengaduan warga tahap {number}.")
    with queries() as many:
        assert len(result_titles(client.get("/cari?q=pengaduan"))) == 7
    assert many() == one()


# --- only what a learner may open --------------------------------------------------------------

def test_drafts_and_retired_modules_are_not_found(client, trainer):
    course = make_course(client, code="DRF-101", title="Kursus konsep")
    add_module(client, course, "Rahasia konsep", body="Kata unik zamrud.")
    assert result_titles(client.get("/cari?q=zamrud")) == []
    publish(client, course)
    assert result_titles(client.get("/cari?q=zamrud")) == ["Rahasia konsep"]

    module = db.session.scalar(select(Module).where(Module.course_id == course.id))
    authoring.remove_module(module, trainer)  # no progress: deleted
    db.session.commit()
    assert result_titles(client.get("/cari?q=zamrud")) == []


def test_retiring_a_module_with_progress_takes_it_out(client, service_course, trainer):
    from app.courses import services as course_services

    module = service_course.modules[0]
    course_services.enroll_learner(trainer, service_course)
    course_services.complete_module(trainer, module)
    db.session.commit()
    assert authoring.remove_module(module, trainer) == "retired"
    db.session.commit()
    assert result_titles(client.get("/cari?q=pengaduan")) == []
    authoring.restore_module(module, trainer)
    db.session.commit()
    assert result_titles(client.get("/cari?q=pengaduan")) != []


def test_unpublishing_a_course_takes_it_out(client, service_course, trainer):
    authoring.set_course_status(service_course, "draft", trainer)
    db.session.commit()
    assert result_titles(client.get("/cari?q=layanan")) == []


# --- the index follows every change -----------------------------------------------------------

def test_an_edit_in_the_browser_is_found_at_once_and_the_old_words_are_gone(
        client, service_course):
    module = service_course.modules[0]
    url = f"/pengajar/kursus/{service_course.slug}/modul/{module.id}"
    response = submit(client, url, {"title": module.title, "slug": module.slug, "minutes": "20",
                                    "body": "## Baru\n\nKata baru: safir.", "aksi": "simpan"})
    assert response.status_code == 200
    assert result_titles(client.get("/cari?q=safir")) == ["Pelayanan publik digital › Baru"]
    assert result_titles(client.get("/cari?q=pengaduan")) == []


def test_an_import_of_changed_files_reindexes_and_a_removed_file_retires(
        client, course_dir, create_user):
    assert import_courses(course_dir).ok
    db.session.commit()
    assert result_titles(client.get("/cari?q=kependudukan"))
    module_file = next((course_dir / "duk-201").glob("03-*.md"))
    head, _, _ = module_file.read_text(encoding="utf-8").partition("\n---\n")
    module_file.write_text(head + "\n---\n\n## Ganti\n\nSekarang tentang kecapi.\n",
                           encoding="utf-8")
    assert import_courses(course_dir).ok
    db.session.commit()
    titles = result_titles(client.get("/cari?q=kecapi"))
    assert len(titles) == 1 and titles[0].endswith("› Ganti")

    module_file.unlink()
    assert import_courses(course_dir).ok
    db.session.commit()
    assert result_titles(client.get("/cari?q=kecapi")) == []


def test_workshops_are_found_until_cancelled(client, trainer):
    session = make_session(trainer, title="Workshop SRIKANDI untuk operator",
                           description_html="<p>Praktik naskah dinas elektronik.</p>")
    assert result_titles(client.get("/cari?q=naskah+dinas")) == [
        "Workshop SRIKANDI untuk operator"]
    assert f"/agenda/{session.id}" in result_links(client.get("/cari?q=naskah"))[0]
    workshops.cancel_session(session, trainer)
    db.session.commit()
    assert result_titles(client.get("/cari?q=naskah")) == []


def test_a_rolled_back_change_leaves_the_index_as_it_was(client, service_course):
    service_course.modules[0].body_html = "<p>Kata yang batal: jamrud.</p>"
    db.session.flush()
    db.session.rollback()
    assert result_titles(client.get("/cari?q=jamrud")) == []
    assert result_titles(client.get("/cari?q=pengaduan")) != []


def test_a_savepoint_rolled_back_inside_keeps_the_outer_change_noted(client, service_course):
    service_course.modules[0].body_html = "<p>Kata baru: topas.</p>"
    db.session.flush()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            raise RuntimeError("a race lost inside the transaction")
    db.session.commit()
    assert result_titles(client.get("/cari?q=topas")) == ["Pelayanan publik digital"]


def test_the_rebuild_command_writes_the_same_index(app, client, service_course, courses):
    before = db.session.execute(select(SearchDocument.title, SearchDocument.stems)
                                .order_by(SearchDocument.title)).all()
    db.session.execute(SearchDocument.__table__.delete())
    db.session.commit()
    assert result_titles(client.get("/cari?q=pengaduan")) == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"{len(before)} bagian" in result.output
    after = db.session.execute(select(SearchDocument.title, SearchDocument.stems)
                               .order_by(SearchDocument.title)).all()
    assert after == before
    assert rebuild(db.session.connection()) == len(before)

