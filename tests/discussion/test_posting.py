"""Asking and replying through the pages: what is stored, who is told, and clear Indonesian
messages for what the form refuses (nothing stored then, the text typed kept)."""

import pytest
from sqlalchemy import func, select

from app.discussion.models import DiscussionPost, DiscussionThread
from app.extensions import db
from app.notifications.kinds import notification_text
from tests.discussion.helpers import (
    ask,
    notifications_of,
    page_text,
    post_form,
    reply,
    thread_url,
)


def posts_stored():
    return db.session.scalar(select(func.count(DiscussionPost.id)))


def test_a_learners_question_is_listed_and_its_trainer_is_told(world):
    module = world.modules[0]
    thread = ask(world, title="Apakah TTE sah di pengadilan?", module=module.slug,
                 body="Mohon **dasar hukumnya**.")
    assert (thread.title, thread.module_id, thread.is_question) == (
        "Apakah TTE sah di pengadilan?", module.id, True)
    assert thread.opening.body_html == "<p>Mohon <strong>dasar hukumnya</strong>.</p>"
    listing = page_text(world.client("classmate").get(world.base()))
    assert "Apakah TTE sah di pengadilan?" in listing
    assert "Siti Rahmawati" in listing and f"Modul: {module.title}" in listing
    assert "Belum terjawab" in listing
    [told] = notifications_of(world.user("trainer"), "discussion_question")
    assert notification_text(told) == ("Pertanyaan baru di diskusi Tanda Tangan Elektronik: "
                                       "\u201cApakah TTE sah di pengadilan?\u201d.")
    assert told.link == (f"/kursus/{world.slug}/diskusi/{thread.id}?tulisan="
                         f"{thread.opening.id}#tulisan-{thread.opening.id}")
    # Nobody else: not another course's trainer, not the admins, not the classmates.
    for who in ("other_trainer", "admin", "classmate", "learner"):
        assert notifications_of(world.user(who), "discussion_question") == []


def test_a_trainers_own_thread_is_a_topic_not_a_question(world):
    thread = ask(world, who="trainer", title="Tips membaca modul 2")
    assert thread.is_question is False
    assert notifications_of(world.user("trainer"), "discussion_question") == []
    assert "Belum terjawab" not in page_text(world.client("learner").get(world.base()))
    reply(world, thread, who="learner", body="Terima kasih atas tipsnya.")
    assert notifications_of(world.user("trainer"), "discussion_answered") == []


def test_every_reply_tells_the_asker_but_their_own(world):
    thread = ask(world)
    reply(world, thread, who="classmate", body="Saya juga ingin tahu.")
    reply(world, thread, who="learner", body="Terima kasih.")
    [told] = notifications_of(world.user("learner"), "discussion_answered")
    assert notification_text(told) == ("Ada balasan baru untuk pertanyaan Anda \u201cApakah "
                                       "TTE sah di pengadilan?\u201d di Tanda Tangan "
                                       "Elektronik.")
    assert notifications_of(world.user("classmate"), "discussion_answered") == []


def test_a_trainers_reply_answers_the_question(world):
    thread = ask(world)
    reply(world, thread, who="classmate")
    db.session.refresh(thread)
    assert thread.answered_at is None
    reply(world, thread, who="trainer")
    db.session.refresh(thread)
    assert thread.answered_at is not None
    page = page_text(world.client("learner").get(thread_url(world, thread)))
    assert "Terjawab" in page and "Belum terjawab" not in page
    assert 'Rahmat Pengajar <span class="badge badge-info">Pengajar</span>' in page


def test_replies_show_in_order_with_the_markdown_rendered(world):
    thread = ask(world)
    reply(world, thread, who="classmate", body="Pertama\nbaris dua")
    reply(world, thread, who="trainer", body="- satu\n- dua")
    page = page_text(world.client("learner").get(thread_url(world, thread)))
    assert page.index("Mohon penjelasan") < page.index("Pertama") < page.index("<li>satu</li>")
    assert "<p>Pertama<br>\nbaris dua</p>" in page


@pytest.mark.parametrize(("data", "messages"), [
    ({"title": "", "body": ""}, ["Tulis judulnya: satu kalimat tentang apa yang ditanyakan.",
                                 "Tulis isinya dulu."]),
    ({"title": "Satu\nDua", "body": "Isi"},
     ["Tidak boleh berisi baris baru: tulis dalam satu baris."]),
    ({"title": "x" * 201, "body": "Isi"}, ["Judul paling panjang 200 karakter."]),
    ({"title": "Judul", "body": "x" * 10_001}, ["Terlalu panjang: paling banyak 10000 karakter."]),
    ({"title": "Judul", "body": "Isi", "module": "modul-lain"}, ["Pilihan tidak valid."]),
])
def test_the_new_thread_form_names_what_is_wrong_and_stores_nothing(world, data, messages):
    response = post_form(world.client("learner"), f"{world.base()}/baru",
                         dict({"module": ""}, **data))
    assert response.status_code == 200
    text = page_text(response)
    for message in messages:
        assert message in text, text
    assert posts_stored() == 0
    if data["body"] and len(data["body"]) < 100:
        assert f"{data['body']}</textarea>" in text  # what was typed is still there


def test_an_empty_reply_is_refused_on_the_thread_page(world):
    thread = ask(world)
    url = thread_url(world, thread)
    response = post_form(world.client("classmate"), url, {"body": "   "},
                         post_url=f"{url}/balas")
    assert response.status_code == 200
    assert "Tulis isinya dulu." in page_text(response)
    assert posts_stored() == 1


def test_a_reply_without_a_csrf_token_is_refused(world):
    thread = ask(world)
    response = world.client("classmate").post(f"{thread_url(world, thread)}/balas",
                                              data={"body": "Isi"})
    assert response.status_code == 400
    assert posts_stored() == 1


def test_pages_paginate(world, monkeypatch):
    from app.discussion import services

    monkeypatch.setattr(services, "THREADS_PER_PAGE", 2)
    monkeypatch.setattr(services, "POSTS_PER_PAGE", 2)
    threads = [ask(world, title=f"Pertanyaan nomor {n}") for n in range(1, 4)]
    client = world.client("classmate")
    first = page_text(client.get(world.base()))
    assert "Pertanyaan nomor 3" in first and "Pertanyaan nomor 1" not in first
    assert "Halaman 1 dari 2" in first
    second = page_text(client.get(f"{world.base()}?halaman=2"))
    assert "Pertanyaan nomor 1" in second and "Pertanyaan nomor 3" not in second
    assert client.get(f"{world.base()}?halaman=99").status_code == 200  # the last page
    thread = threads[0]
    posts = [reply(world, thread, who="trainer", body=f"Balasan nomor {n}") for n in (1, 2, 3)]
    url = thread_url(world, thread)
    assert "Balasan nomor 2" not in page_text(client.get(url))
    assert "Balasan nomor 2" in page_text(client.get(f"{url}?halaman=2"))
    # A link to a post (from a notification or a search hit) opens the page it is on.
    assert "Balasan nomor 3" in page_text(client.get(f"{url}?tulisan={posts[2].id}"))
    assert client.get(f"{url}?tulisan=999999&halaman=xyz").status_code == 200
    assert client.get(f"{url}?tulisan={2**31}").status_code == 200  # no row has it (PostgreSQL)


def test_threads_are_listed_by_latest_activity(world):
    older = ask(world, title="Yang lama")
    ask(world, title="Yang baru")
    reply(world, older, who="classmate")
    page = page_text(world.client("learner").get(world.base()))
    assert page.index("Yang lama") < page.index("Yang baru")
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 2
