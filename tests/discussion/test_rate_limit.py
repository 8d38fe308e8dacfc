"""Posting is limited per person (LMS_DISCUSSION_POST_RATE_LIMIT): past the limit the form
comes back with a message and the text typed, nothing is stored, and others write on."""

from sqlalchemy import func, select

from app.discussion.models import DiscussionPost, DiscussionReport
from app.extensions import db
from tests.discussion.helpers import ask, page_text, post_form, post_url, reply, thread_url


def posts():
    return db.session.scalar(select(func.count(DiscussionPost.id)))


def test_replies_past_the_limit_wait_with_the_text_kept(world):
    world.app.config["DISCUSSION_POST_RATE_LIMIT"] = "3 per minute"
    thread = ask(world)  # one
    reply(world, thread, who="learner", body="Dua")
    reply(world, thread, who="learner", body="Tiga")
    url = thread_url(world, thread)
    response = post_form(world.client("learner"), url, {"body": "Empat yang penting"},
                         post_url=f"{url}/balas")
    assert response.status_code == 429
    text = page_text(response)
    assert ("Anda menulis terlalu banyak dalam waktu singkat. Tunggu 1 menit, lalu kirim lagi: "
            "tulisan Anda masih ada di bawah.") in text
    assert "Empat yang penting</textarea>" in text
    assert posts() == 3
    # A new thread and a report count too; somebody else is not held up.
    again = post_form(world.client("learner"), f"{world.base()}/baru",
                      {"title": "Lagi", "body": "Isi", "module": ""})
    assert again.status_code == 429 and "Anda menulis terlalu banyak" in page_text(again)
    reported = post_form(world.client("learner"), url, {"reason": "Iklan"},
                         post_url=post_url(world, reply(world, thread, who="classmate"),
                                           "lapor"))
    assert reported.status_code == 429
    assert db.session.scalar(select(DiscussionReport.id)) is None
    assert posts() == 4  # the classmate's reply


def test_editing_is_not_limited(world):
    world.app.config["DISCUSSION_POST_RATE_LIMIT"] = "1 per minute"
    thread = ask(world)
    for text in ("Satu", "Dua", "Tiga"):
        response = post_form(world.client("learner"), post_url(world, thread.opening, "ubah"),
                             {"title": thread.title, "body": text})
        assert response.status_code == 302
