"""The discussion's pages cost the same number of statements with 3 threads or replies as with 30
(the pattern of tests/test_query_counts_more.py: measure, grow the data, measure again).

Measured on SQLite and PostgreSQL alike (each includes the user's row and the stored
settings the page frame reads; an admin needs no standing query, so one fewer):
- the thread list and its "belum terjawab" filter: 6 (course, standing, count, the page of
  threads with their opening posts, authors, modules and reply counts);
- a search in the discussion: 5 (one ranked statement for the hits);
- a thread: 9 (course, standing, the thread with its opening post, count, the page of posts
  with authors, their pictures, the course's trainers), one more to find the page of a linked
  post (`?tulisan=`);
- the reports list (moderators): 7 (count, the page of posts, their open reports);
- the trainers' workshop page: one statement more than before, whatever waits.
"""

import pytest

from app.discussion import services
from app.discussion.models import DiscussionReport
from app.extensions import db
from tests.discussion.helpers import png

LEARNER_STANDING = services.Standing(True, False)
TRAINER_STANDING = services.Standing(False, True)


def measure(queries, client, url):
    db.session.expire_all()
    with queries() as count, client.get(url) as response:
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
    return count()


def add_threads(world, count, replies=2):
    """`count` questions, each with replies (one with a picture) and a report."""
    course = world.course
    learner, classmate = world.user("learner"), world.user("classmate")
    trainer = world.user("trainer")
    threads = []
    for number in range(count):
        thread = services.start_thread(course, learner, LEARNER_STANDING,
                                       f"Pertanyaan tentang layanan nomor {number}",
                                       f"Isi pertanyaan layanan {number}.",
                                       world.modules[number % 2])
        for reply_number in range(replies):
            post = services.reply_to(
                thread, course, classmate if reply_number % 2 else trainer,
                TRAINER_STANDING if not reply_number % 2 else LEARNER_STANDING,
                f"Balasan layanan {reply_number}.",
                services.check_pictures([("foto.png", png())]) if reply_number == 0 else ())
        db.session.add(DiscussionReport(post_id=post.id, reporter_id=learner.id,
                                        reason="Uji"))
        threads.append(thread)
    db.session.commit()
    return threads


def add_replies(world, thread, count):
    for number in range(count):
        services.reply_to(thread, world.course, world.user("classmate"), LEARNER_STANDING,
                          f"Balasan tambahan {number}.",
                          services.check_pictures([("foto.png", png())]) if number % 3 == 0
                          else ())
    db.session.commit()


LIST_PAGES = [(page, who) for page in ("list", "unanswered", "search", "reports")
              for who in ("learner", "trainer", "admin")
              if not (page == "reports" and who == "learner")]  # for the moderators


@pytest.mark.parametrize(("page", "who"), LIST_PAGES)
def test_the_list_pages_cost_the_same_with_3_and_30_threads(world, queries, page, who):
    url = {"list": world.base(), "unanswered": f"{world.base()}?status=belum-terjawab",
           "search": f"{world.base()}?q=layanan", "reports": f"{world.base()}/laporan"}[page]
    client = world.client(who)
    add_threads(world, 3)
    before = measure(queries, client, url)
    add_threads(world, 27)
    after = measure(queries, client, url)
    assert after == before, f"{page} ({who}): {before} statements with 3 threads, {after} with 30"
    assert before <= 8, f"{page} ({who}) takes {before} statements"


@pytest.mark.parametrize("who", ["learner", "trainer", "admin"])
def test_a_thread_costs_the_same_with_3_and_30_replies(world, queries, who):
    client = world.client(who)
    [thread] = add_threads(world, 1, replies=3)
    url = f"{world.base()}/{thread.id}"
    before = measure(queries, client, url)
    add_replies(world, thread, 27)
    after = measure(queries, client, url)
    assert after == before, f"thread ({who}): {before} statements with 3 replies, {after} with 30"
    assert before <= 11, f"thread ({who}) takes {before} statements"
    # The second page of 30 replies, and a link to a post on it, cost the same too.
    assert measure(queries, client, f"{url}?halaman=2") == before
    assert measure(queries, client, f"{url}?tulisan={thread.id}") == before + 1  # its page


def test_the_workshop_page_costs_the_same_whatever_waits(world, queries):
    client = world.client("trainer")
    add_threads(world, 3)
    before = measure(queries, client, "/pengajar/")
    add_threads(world, 27)
    assert measure(queries, client, "/pengajar/") == before
