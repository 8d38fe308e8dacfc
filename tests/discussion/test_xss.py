"""The XSS corpus (tests/content/test_markdown.py PAYLOADS + tests/security/xss_payloads.py)
through every way text becomes a post: a new thread, a reply, an edit, through the one
sanitizer (app/content/markdown.render_post). Posts also never carry an image or an id of
their own (pictures are attachments; many posts share a page)."""

from app.content.markdown import render_post
from app.discussion import services
from app.extensions import db
from tests.content.test_markdown import PAYLOADS, assert_safe, parsed
from tests.discussion.helpers import page_text, post_form, thread_url
from tests.security.xss_payloads import EXTRA_PAYLOADS

# What reaches the services: every form field drops NUL characters first (app/forms.py).
CORPUS = [(name, source.replace("\x00", "")) for name, source in PAYLOADS + EXTRA_PAYLOADS]
LEARNER = services.Standing(True, False)


def check(html, name, where):
    try:
        assert_safe(html)
        assert not [tag for tag, attrs in parsed(html) if tag == "img"], "an image in a post"
        assert not [tag for tag, attrs in parsed(html) if "id" in dict(attrs)], "an id"
    except AssertionError as error:
        raise AssertionError(f"payload {name!r} through {where}: {error}\n{html!r}") from None


def test_the_corpus_is_large():
    assert len(CORPUS) >= 200


def test_every_payload_is_made_safe_in_threads_replies_and_edits(world):
    learner = world.user("learner")
    thread = services.start_thread(world.course, learner, LEARNER, "Uji", "Isi")
    for name, source in CORPUS:
        if not source.strip():
            continue
        started = services.start_thread(world.course, learner, LEARNER, "Uji", source)
        check(started.opening.body_html, name, "start_thread")
        post = services.reply_to(thread, world.course, learner, LEARNER, source)
        check(post.body_html, name, "reply_to")
        services.edit_post(post, thread, learner, source + " (diubah)")
        check(post.body_html, name, "edit_post")
    db.session.rollback()


def test_render_post_is_the_same_sanitizer_for_every_payload():
    for name, source in CORPUS:
        check(render_post(source), name, "render_post")


def test_a_hostile_title_and_body_through_the_pages_stay_text(world):
    title = '<script>alert("judul")</script><img src=x onerror=alert(1)>'
    body = '<script>alert(1)</script>[klik](javascript:alert(2)) <svg onload=alert(3)>'
    response = post_form(world.client("learner"), f"{world.base()}/baru",
                         {"title": title, "body": body, "module": ""})
    assert response.status_code == 302
    thread_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for who in ("classmate", "trainer"):
        for url in (world.base(), thread_url(world, type("T", (), {"id": thread_id}))):
            raw = world.client(who).get(url).get_data(as_text=True)
            assert "<script>alert" not in raw and "<img src=x" not in raw
            assert "<svg onload" not in raw and "javascript:" not in raw
            assert "&lt;script&gt;alert(&#34;judul&#34;)&lt;/script&gt;" in raw
    assert "klik" in page_text(world.client("classmate").get(f"{world.base()}/{thread_id}"))
