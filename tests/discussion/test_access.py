"""Who may read and write a course's discussion: learners enrolled in the course, its trainers
and admins; nobody else (the whole route table is also in tests/security/
test_authorization_matrix.py). And the ways in: the course page, every module page."""

import pytest
from sqlalchemy import func, select

from app.authoring import services as authoring
from app.discussion.models import DiscussionPost, DiscussionReport, DiscussionThread
from app.extensions import db
from tests.conftest import csrf_token
from tests.discussion.helpers import (
    COURSE,
    MODULE_ONE,
    ask,
    page_text,
    post_form,
    post_url,
    reply,
    thread_url,
)

# persona -> what the list, a thread, the new-thread form and the reports list answer
EXPECTED = {
    None: ("login", "login", "login", "login"),
    "learner": (200, 200, 200, 403),
    "classmate": (200, 200, 200, 403),
    "outsider": (403, 403, 403, 403),
    "other_trainer": (403, 403, 403, 403),
    "trainer": (200, 200, 200, 200),
    "admin": (200, 200, 200, 200),
}


def _status(response):
    if response.status_code == 302 and "/masuk" in response.headers["Location"]:
        return "login"
    return response.status_code


@pytest.mark.parametrize("who", list(EXPECTED))
def test_only_enrolled_learners_the_courses_trainers_and_admins_read(world, who):
    thread = ask(world)
    client = world.client(who)
    urls = (world.base(), thread_url(world, thread), f"{world.base()}/baru",
            f"{world.base()}/laporan")
    assert tuple(_status(client.get(url)) for url in urls) == EXPECTED[who]


@pytest.mark.parametrize("who", ["outsider", "other_trainer"])
def test_those_outside_the_course_cannot_write_either(world, who):
    thread = ask(world)
    before = stored()
    client = world.client(who)
    token = csrf_token(client.get("/akun/kata-sandi").get_data(as_text=True))
    answers = [
        client.post(f"{world.base()}/baru", data={"title": "Halo", "body": "Isi",
                                                  "csrf_token": token}),
        client.post(f"{thread_url(world, thread)}/balas", data={"body": "Isi",
                                                                "csrf_token": token}),
        client.post(post_url(world, thread.opening, "lapor"),
                    data={"reason": "Kasar", "csrf_token": token}),
    ]
    assert [response.status_code for response in answers] == [403, 403, 403]
    assert stored() == before


def stored():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (DiscussionThread, DiscussionPost, DiscussionReport)]


def test_the_refusal_says_who_takes_part_and_offers_to_enrol(world):
    response = world.client("outsider").get(world.base())
    assert response.status_code == 403
    text = page_text(response)
    assert "Diskusi hanya untuk peserta kursus" in text
    assert f'action="/kursus/{world.slug}/daftar"' in text
    # Enrolling opens it.
    post_form(world.client("outsider"), f"/kursus/{world.slug}", {},
              post_url=f"/kursus/{world.slug}/daftar")
    assert world.client("outsider").get(world.base()).status_code == 200


def test_a_draft_courses_discussion_is_not_there_for_others(world):
    other = world.user("other_trainer")
    draft = authoring.create_course(dict(COURSE, code="LAIN-201"), other)
    db.session.commit()
    url = f"/kursus/{draft.slug}/diskusi"
    assert world.client("trainer").get(url).status_code == 404
    assert world.client("learner").get(url).status_code == 404
    assert world.client("other_trainer").get(url).status_code == 200
    assert world.client("admin").get(url).status_code == 200


def test_a_thread_is_found_only_under_its_own_course(world):
    thread = ask(world)
    other = world.user("trainer")
    second = authoring.create_course(dict(COURSE, code="TTE-201"), other)
    authoring.create_module(second, dict(MODULE_ONE), other)
    authoring.set_course_status(second, "published", other)
    db.session.commit()
    client = world.client("trainer")
    assert client.get(f"/kursus/{second.slug}/diskusi/{thread.id}").status_code == 404
    assert client.get(f"/kursus/{world.slug}/diskusi/{thread.id}").status_code == 200
    assert client.get(f"/kursus/{world.slug}/diskusi/999999").status_code == 404
    post = reply(world, thread)
    assert client.get(f"/kursus/{world.slug}/diskusi/{thread.id}/tulisan/{post.id + 1}"
                      "/lapor").status_code == 404


def test_the_course_page_and_every_module_page_lead_to_the_discussion(world):
    client = world.client("learner")
    course_page = page_text(client.get(f"/kursus/{world.slug}"))
    assert f'href="/kursus/{world.slug}/diskusi"' in course_page
    module = world.modules[1]
    module_page = page_text(client.get(f"/kursus/{world.slug}/modul/{module.slug}"))
    assert "Tanya tentang modul ini" in module_page
    assert f'href="/kursus/{world.slug}/diskusi/baru?modul={module.slug}"' in module_page
    assert f'href="/kursus/{world.slug}/diskusi?modul={module.slug}"' in module_page
    # The form opened from there is about that module already.
    form = page_text(client.get(f"{world.base()}/baru?modul={module.slug}"))
    assert f'<option selected value="{module.slug}">' in form
    # A visitor who is not logged in sees no way into the discussion.
    assert "/diskusi" not in page_text(world.client(None).get(f"/kursus/{world.slug}"))


def test_the_module_filter_lists_the_threads_about_that_module(world):
    first, second = world.modules
    ask(world, title="Tentang pasal 5", module=first.slug)
    ask(world, title="Tentang BSrE", module=second.slug)
    page = page_text(world.client("classmate").get(f"{world.base()}?modul={second.slug}"))
    assert "Tentang BSrE" in page and "Tentang pasal 5" not in page
    assert f"Utas tentang modul \u201c{second.title}\u201d." in page
    everything = page_text(world.client("classmate").get(world.base()))
    assert "Tentang BSrE" in everything and "Tentang pasal 5" in everything
    # An unknown module shows everything rather than an error.
    assert world.client("classmate").get(f"{world.base()}?modul=tidak-ada").status_code == 200
