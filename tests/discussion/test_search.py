"""Search inside a course's discussion: the content search's engine (Indonesian stems; SQLite
FTS5 or a PostgreSQL tsvector, whichever the suite runs on), kept current in the transaction
that creates, edits, hides or shows a post again; hidden posts and other courses never found;
the content search (/cari) never shows a discussion."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.authoring import services as authoring
from app.discussion import services
from app.discussion.index import rebuild
from app.discussion.models import DiscussionSearch
from app.extensions import db
from tests.discussion.helpers import (
    COURSE,
    MODULE_ONE,
    ask,
    page_text,
    post_form,
    post_url,
    reply,
)


def found(world, query, who="classmate"):
    response = world.client(who).get(world.base(), query_string={"q": query})
    assert response.status_code == 200
    return [unescape(link) for link in re.findall(
        r'<li>\s*<h3><a href="([^"]+)">', response.get_data(as_text=True))]


def link(world, post):
    return f"/kursus/{world.slug}/diskusi/{post.thread_id}?tulisan={post.id}#tulisan-{post.id}"


def test_words_are_found_by_their_stem_with_a_link_to_the_post(world):
    thread = ask(world, title="Pelayanan tanda tangan di kelurahan",
                 body="Bagaimana petugas melayani warga yang belum punya sertifikat?")
    answer = reply(world, thread, body="Petugas mendaftarkan warga ke BSrE terlebih dahulu.")
    assert found(world, "layanan") == [link(world, thread.opening)]
    assert found(world, "pendaftaran") == [link(world, answer)]
    assert sorted(found(world, "warga")) == [link(world, thread.opening), link(world, answer)]
    page = page_text(world.client("classmate").get(world.base(), query_string={"q": "warga"}))
    assert "<mark>warga</mark>" in page and "2 hasil" in page
    # The title's words find the question once, not each of its replies.
    assert found(world, "kelurahan") == [link(world, thread.opening)]


def test_the_index_follows_edits_hiding_and_showing_again(world):
    thread = ask(world, body="Apakah sertifikat elektronik berlaku selamanya?")
    answer = reply(world, thread, who="classmate", body="Berlaku dua tahun lalu diperbarui.")
    assert found(world, "diperbarui") == [link(world, answer)]
    post_form(world.client("classmate"), post_url(world, answer, "ubah"),
              {"body": "Masa berlakunya dua tahun, lalu perpanjang."})
    assert found(world, "diperbarui") == []
    assert found(world, "perpanjangan") == [link(world, answer)]
    post_form(world.client("trainer"), post_url(world, answer, "sembunyikan"),
              {"reason": "Keliru."})
    assert found(world, "perpanjangan") == []
    post_form(world.client("trainer"), f"{world.base()}/{thread.id}", {},
              post_url=post_url(world, answer, "tampilkan"))
    assert found(world, "perpanjangan") == [link(world, answer)]
    # Hiding the question takes the whole thread out of the index; a new title comes in.
    post_form(world.client("trainer"), post_url(world, thread.opening, "sembunyikan"),
              {"reason": "Duplikat."})
    assert found(world, "perpanjangan") == [] and found(world, "sertifikat") == []
    assert db.session.scalar(select(func.count(DiscussionSearch.id))) == 0


def test_a_new_title_is_searchable(world):
    thread = ask(world, title="Pertanyaan awal")
    post_form(world.client("learner"), post_url(world, thread.opening, "ubah"),
              {"title": "Verifikasi dokumen digital", "body": "Isi."})
    assert found(world, "verifikasi") == [link(world, thread.opening)]
    assert found(world, "awal") == []


def test_other_courses_discussions_are_not_found(world):
    trainer = world.user("trainer")
    second = authoring.create_course(dict(COURSE, code="TTE-201"), trainer)
    authoring.create_module(second, dict(MODULE_ONE), trainer)
    authoring.set_course_status(second, "published", trainer)
    db.session.commit()
    ask(world, title="Nomor induk kependudukan")
    other = services.start_thread(second, trainer, services.Standing(False, True),
                                  "Nomor induk di kursus lain", "Isi")
    db.session.commit()
    assert len(found(world, "nomor induk")) == 1
    assert [hit.thread_id for hit in services.search_posts(second, "nomor induk")] == [other.id]


def test_the_content_search_never_shows_a_discussion(world):
    ask(world, title="Kerahasiaan kunci privat")
    response = world.client("classmate").get("/cari", query_string={"q": "kerahasiaan"})
    assert "Kerahasiaan kunci privat" not in page_text(response)


@pytest.mark.parametrize("query", ['NEAR(', '"', "* OR *", "' OR 1=1 --", "\x00", "ḁ̴̛", "-"])
def test_hostile_queries_get_a_calm_page(world, query):
    ask(world)
    assert world.client("classmate").get(world.base(),
                                         query_string={"q": query}).status_code == 200


def test_a_query_too_long_is_explained(world):
    response = world.client("classmate").get(world.base(), query_string={"q": "kata " * 50})
    assert "Kata kunci terlalu panjang: paling banyak 200 karakter." in page_text(response)


def test_a_rebuild_gives_the_rows_the_transactions_wrote(world):
    thread = ask(world, body="Kunci privat disimpan di token.")
    reply(world, thread, body="Token kriptografi dari BSrE.")
    hidden = reply(world, thread, who="classmate", body="Jangan dibagikan.")
    post_form(world.client("trainer"), post_url(world, hidden, "sembunyikan"),
              {"reason": "Uji."})

    def rows():
        return sorted((row.post_id, row.title, row.body, row.title_stems, row.stems)
                      for row in db.session.scalars(select(DiscussionSearch)))

    kept = rows()
    assert len(kept) == 2
    assert rebuild(db.session.connection()) == 2
    db.session.commit()
    assert rows() == kept


def test_a_rolled_back_post_leaves_no_row(world):
    thread = ask(world)
    services.reply_to(thread, world.course, world.user("classmate"),
                      services.Standing(True, False), "Teks yang batal dikirim.")
    db.session.flush()
    db.session.rollback()
    assert found(world, "batal") == []
    assert db.session.scalar(select(func.count(DiscussionSearch.id))) == 1


def test_flask_search_reindex_rebuilds_the_discussions_too(world):
    thread = ask(world, body="Kunci privat disimpan di token.")
    db.session.execute(DiscussionSearch.__table__.delete())
    db.session.commit()
    assert found(world, "token") == []
    result = world.app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 tulisan diskusi" in result.output
    assert found(world, "token") == [link(world, thread.opening)]
