"""Authors edit their own posts within the edit window (the "discussion.edit_minutes"
setting, LMS_DISCUSSION_EDIT_MINUTES, 30 by default); edits show as edited; after the window,
in a locked thread, or someone else's post: refused, nothing changes."""

from datetime import timedelta

import pytest

from app.discussion import services
from app.extensions import db
from app.settings import get_setting
from tests.conftest import csrf_token
from tests.discussion.helpers import ask, page_text, post_form, post_url, reply, thread_url


def age(post, minutes):
    post.created_at = post.created_at - timedelta(minutes=minutes)
    db.session.commit()


def test_the_default_window_is_thirty_minutes(world):
    assert get_setting("discussion.edit_minutes") == 30


def test_the_author_edits_title_and_text_and_readers_see_it_was_edited(world):
    thread = ask(world)
    url = post_url(world, thread.opening, "ubah")
    form = page_text(world.client("learner").get(url))
    assert 'value="Apakah TTE sah di pengadilan?"' in form
    assert "Mohon penjelasan dasar hukumnya.</textarea>" in form
    response = post_form(world.client("learner"), url,
                         {"title": "Sahkah TTE sebagai alat bukti?", "body": "Pasal berapa?"})
    assert response.status_code == 302
    db.session.expire_all()
    assert thread.title == "Sahkah TTE sebagai alat bukti?"
    assert (thread.opening.body_source, thread.opening.body_html) == (
        "Pasal berapa?", "<p>Pasal berapa?</p>")
    assert thread.opening.edited_at is not None
    page = page_text(world.client("classmate").get(thread_url(world, thread)))
    assert "Sahkah TTE sebagai alat bukti?" in page and "diubah " in page


def test_a_reply_is_edited_without_a_title(world):
    thread = ask(world)
    post = reply(world, thread, who="classmate", body="Pasal 5")
    url = post_url(world, post, "ubah")
    assert 'name="title"' not in page_text(world.client("classmate").get(url))
    post_form(world.client("classmate"), url, {"body": "Pasal 5 ayat 1"})
    db.session.expire_all()
    assert post.body_source == "Pasal 5 ayat 1" and post.is_edited


def test_editing_after_the_window_is_refused(world):
    thread = ask(world)
    post = thread.opening
    age(post, 31)
    client = world.client("learner")
    url = post_url(world, post, "ubah")
    page = client.get(url, follow_redirects=True)
    assert "Batas waktu mengubah sudah lewat: tulisan hanya dapat diubah 30 menit setelah " \
           "dikirim." in page_text(page)
    token_page = page_text(client.get(thread_url(world, thread)))
    assert f'href="{url}"' not in token_page  # no "Ubah" offered any more
    response = client.post(url, data={"title": "Baru", "body": "Baru",
                                      "csrf_token": csrf_token(token_page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.body_source == "Mohon penjelasan dasar hukumnya." and post.edited_at is None


def test_the_window_is_an_admin_setting(world):
    thread = ask(world)
    age(thread.opening, 31)
    response = post_form(world.client("admin"), "/admin/pengaturan", {
        "jp_target_pns": "20", "jp_target_pppk": "20", "jp_minutes": "45",
        "registration": "open-with-verification", "upload_max_kb": "5120",
        "quiz_grace_seconds": "60", "workshop_checkin_before": "15",
        "workshop_checkin_after": "30", "workshop_link_before": "30",
        "item_analysis_min_attempts": "5", "discussion_edit_minutes": "60"})
    assert response.status_code == 302
    url = post_url(world, thread.opening, "ubah")
    assert world.client("learner").get(url).status_code == 200
    refused = post_form(world.client("admin"), "/admin/pengaturan", {
        "jp_target_pns": "20", "jp_target_pppk": "20", "jp_minutes": "45",
        "registration": "open-with-verification", "upload_max_kb": "5120",
        "quiz_grace_seconds": "60", "workshop_checkin_before": "15",
        "workshop_checkin_after": "30", "workshop_link_before": "30",
        "item_analysis_min_attempts": "5", "discussion_edit_minutes": "99999"})
    assert "Antara 0 dan 1440 menit." in page_text(refused)


@pytest.mark.parametrize("who", ["classmate", "trainer", "admin"])
def test_nobody_edits_someone_elses_post(world, who):
    thread = ask(world)
    url = post_url(world, thread.opening, "ubah")
    assert world.client(who).get(url).status_code == 403
    client = world.client(who)
    token = csrf_token(client.get(thread_url(world, thread)).get_data(as_text=True))
    assert client.post(url, data={"title": "X", "body": "Y",
                                  "csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert thread.title == "Apakah TTE sah di pengadilan?"


def test_a_locked_thread_cannot_be_edited(world):
    thread = ask(world)
    services.set_locked(thread, world.course, world.user("trainer"), True)
    db.session.commit()
    page = world.client("learner").get(post_url(world, thread.opening, "ubah"),
                                       follow_redirects=True)
    assert "Utas ini dikunci pengajar: tulisannya tidak dapat diubah lagi." in page_text(page)


def test_an_edit_that_changes_nothing_is_not_marked(world):
    thread = ask(world)
    url = post_url(world, thread.opening, "ubah")
    response = post_form(world.client("learner"), url, {
        "title": thread.title, "body": thread.opening.body_source}, follow_redirects=True)
    assert "Tidak ada yang berubah." in page_text(response)
    db.session.expire_all()
    assert thread.opening.edited_at is None
