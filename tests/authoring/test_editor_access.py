"""Who may use each /pengajar route: every route of the blueprint, for every kind of user.

A new authoring route without an entry in ROUTES fails this test, so it cannot ship unchecked.
"""

import io

import pytest
from sqlalchemy import select

from app.authoring import services
from app.courses.models import CourseFile
from app.extensions import db
from tests.authoring.helpers import ADMIN_NIP, GIFT, LEARNER_NIP, OTHER_TRAINER_NIP, TRAINER_NIP
from tests.conftest import PASSWORD, csrf_token
from tests.content.test_media import tiny_png

QUIZ_SETTINGS = {"title": "Kuis", "kind": "graded", "pass_mark": 70, "time_limit_minutes": 0,
                 "max_attempts": 0, "grading_method": "highest", "draw_count": 0,
                 "shuffle_answers": True, "review_policy": "feedback"}
COURSE_FIELDS = {"code": "TTE-101", "title": "TTE", "summary": "", "description": "Isi.",
                 "jp": 2, "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
                 "certificate_policy": "manual"}

# endpoint -> (method, who may use it: "author" = any trainer or admin, "owner" = the course's
# trainers and admins, "admin" = admins only)
ROUTES = {
    "authoring.index": ("GET", "author"),
    "authoring.new_course": ("GET", "author"),
    "authoring.course": ("GET", "owner"),
    "authoring.edit_course": ("GET", "owner"),
    "authoring.course_status": ("POST", "owner"),
    "authoring.preview": ("POST", "owner"),
    "authoring.download": ("GET", "owner"),
    "authoring.new_module": ("GET", "owner"),
    "authoring.edit_module": ("GET", "owner"),
    "authoring.move_module": ("POST", "owner"),
    "authoring.restore_module": ("POST", "owner"),
    "authoring.upload": ("POST", "owner"),
    "authoring.new_quiz": ("GET", "owner"),
    "authoring.edit_quiz": ("GET", "owner"),
    "authoring.preview_quiz": ("GET", "owner"),
    "authoring.add_owner": ("POST", "admin"),
    "authoring.learners": ("GET", "owner"),
    "authoring.gradebook": ("GET", "owner"),
    "authoring.new_question": ("GET", "owner"),
    "authoring.edit_question": ("GET", "owner"),
    "authoring.item_analysis": ("GET", "owner"),
    # Last: these take away what the routes above work on.
    "authoring.remove_module": ("POST", "owner"),
    "authoring.delete_file": ("POST", "owner"),
    "authoring.remove_quiz": ("POST", "owner"),
    "authoring.remove_owner": ("POST", "admin"),
}
PEOPLE = ("anonymous", "learner", "other_trainer", "owner", "admin")


@pytest.fixture
def world(app, create_user):
    """A course owned by one trainer, with a module, a quiz and a file; and the other users."""
    owner = create_user(nip=TRAINER_NIP, roles=("trainer",))
    create_user(nip=OTHER_TRAINER_NIP, roles=("trainer",))
    create_user(nip=LEARNER_NIP)
    create_user(nip=ADMIN_NIP, roles=("admin",))
    course = services.create_course(COURSE_FIELDS, owner)
    module = services.create_module(course, {"title": "Satu", "minutes": 5, "body": "Isi."},
                                    owner)
    services.save_quiz(course, None, "kuis", QUIZ_SETTINGS, GIFT, None, owner)
    services.upload_file(course, "skema.png", tiny_png(), owner)
    db.session.commit()
    file_id = db.session.scalar(select(CourseFile.id))
    return {"slug": course.slug, "module_id": module.id, "quiz_slug": "kuis",
            "file_id": file_id, "user_id": owner.id, "number": 1}


def client_for(app, person):
    client = app.test_client()
    nip = {"learner": LEARNER_NIP, "other_trainer": OTHER_TRAINER_NIP, "owner": TRAINER_NIP,
           "admin": ADMIN_NIP}.get(person)
    if nip:
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
        response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, person
    return client


def allowed(rule, person):
    if person == "admin":
        return True
    if person in ("anonymous", "learner"):
        return False
    if rule == "author":
        return True
    if rule == "owner":
        return person == "owner"
    return False


def request_route(client, app, endpoint, method, ids):
    with app.test_request_context():
        from flask import url_for
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = url_for(endpoint, **{k: v for k, v in ids.items() if k in rule.arguments})
    if method == "GET":
        return client.get(url)
    # Anonymous posts carry a valid token too (from the login page), so it is the access
    # check that answers, not CSRF.
    page = "/" if _logged_in(client) else "/masuk"
    token = csrf_token(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token, "status": "draft", "arah": "down", "nip": ADMIN_NIP,
            "source": "x", "file": (io.BytesIO(tiny_png()), "lain.png")}
    return client.post(url, data=data, content_type="multipart/form-data")


def _logged_in(client):
    return "Keluar" in client.get("/").get_data(as_text=True)


def test_every_authoring_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()
                 if r.endpoint.startswith("authoring.")}
    assert endpoints == set(ROUTES)


@pytest.mark.parametrize("person", PEOPLE)
def test_each_route_admits_exactly_who_it_should(app, world, person):
    client = client_for(app, person)
    outcomes = {}
    for endpoint, (method, rule) in ROUTES.items():
        status = request_route(client, app, endpoint, method, world).status_code
        if person == "anonymous":
            expected_ok = status == 302
        elif allowed(rule, person):
            expected_ok = status in (200, 302)
        elif person == "other_trainer" and rule == "owner":
            expected_ok = status == 404  # as for a course that does not exist
        else:
            expected_ok = status == 403
        outcomes[endpoint] = (status, expected_ok)
    wrong = {e: s for e, (s, ok) in outcomes.items() if not ok}
    assert wrong == {}, f"{person}: {wrong}"


def test_anonymous_users_are_sent_to_log_in(app, world):
    response = app.test_client().get(f"/pengajar/kursus/{world['slug']}")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_objects_of_another_course_are_not_found_through_ones_own(app, world, create_user):
    """IDOR: a module, file or quiz id of someone else's course, put in one's own URL."""
    stranger = create_user(roles=("trainer",))
    theirs = services.create_course(dict(COURSE_FIELDS, code="LAIN-1"), stranger)
    module = services.create_module(theirs, {"title": "Rahasia", "minutes": 5, "body": "x"},
                                    stranger)
    course_file = services.upload_file(theirs, "rahasia.png", tiny_png(), stranger)
    services.save_quiz(theirs, None, "rahasia", QUIZ_SETTINGS, GIFT, None, stranger)
    db.session.commit()
    client = client_for(app, "owner")
    token = csrf_token(client.get("/").get_data(as_text=True))
    own = f"/pengajar/kursus/{world['slug']}"
    assert client.get(f"{own}/modul/{module.id}").status_code == 404
    assert client.post(f"{own}/modul/{module.id}/hapus",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"{own}/berkas/{course_file.id}/hapus",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"{own}/kuis/rahasia").status_code == 404
    assert client.get(f"/pengajar/kursus/lain-1/modul/{module.id}").status_code == 404
    # Their draft and its file stay hidden on the learner side too.
    assert client.get("/kursus/lain-1").status_code == 404
    assert client.get("/media/lain-1/rahasia.png").status_code == 404
