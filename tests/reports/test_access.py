"""Who may use each reports route: every route of the blueprint, for every kind of user.

A new route without an entry in ROUTES fails this test, so it cannot ship unchecked; every
address under /admin must be admins-only.
"""

from datetime import date

import pytest
from flask import url_for

from app.extensions import db
from app.reports.credit_services import add_jp_credit
from tests.conftest import csrf_token
from tests.reports.conftest import ANDI, GITA, OTHER_LEARNER, logged_in

TRAINER = "198001012005011010"
PDF = b"%PDF-1.4\n%%EOF\n"

# endpoint -> (method, who: "admin" = admins only, "login" = any logged-in user, "owner" =
# the learner the object belongs to, and admins)
ROUTES = {
    "reports.index": ("GET", "admin"),
    "reports.jp_ledger": ("GET", "admin"),
    "reports.opd_summary": ("GET", "admin"),
    "reports.course_funnel": ("GET", "admin"),
    "reports.course_funnel_by_opd": ("GET", "admin"),
    "reports.history": ("GET", "admin"),
    "reports.history_all_csv": ("GET", "admin"),
    "reports.credit_form": ("GET", "admin"),
    "reports.my_ledger": ("GET", "login"),
    "reports.credit_evidence": ("GET", "owner"),
    # Last: it takes away what the routes above work on.
    "reports.credit_delete": ("POST", "admin"),
}
PEOPLE = ("anonymous", "learner", "trainer", "owner", "admin")
DOWNLOADS = ("reports.jp_ledger", "reports.opd_summary", "reports.course_funnel",
             "reports.course_funnel_by_opd", "reports.my_ledger")


@pytest.fixture
def clients(app, world, create_user):
    create_user(nip=TRAINER, name="Tari Pengajar", roles=("trainer",))
    credit = add_jp_credit(world.users["andi"], earned_on=date(2026, 5, 6), jp=2,
                           title="Seminar SPBE", evidence=("bukti.pdf", PDF))
    db.session.commit()
    people = {"anonymous": app.test_client(), "learner": logged_in(app, OTHER_LEARNER),
              "trainer": logged_in(app, TRAINER), "owner": logged_in(app, ANDI),
              "admin": logged_in(app, GITA)}
    return people, {"slug": "spbe-101", "credit_id": credit.id}


def reports_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reports.")]


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in reports_rules(app)}
    assert endpoints == set(ROUTES), endpoints ^ set(ROUTES)
    for rule in reports_rules(app):
        if rule.rule.startswith("/admin"):
            assert ROUTES[rule.endpoint][1] == "admin", rule.rule


def request_as(app, client, endpoint, values, query=""):
    method, _who = ROUTES[endpoint]
    rule = next(r for r in reports_rules(app) if r.endpoint == endpoint)
    with app.test_request_context():
        url = url_for(endpoint, **{key: values[key] for key in rule.arguments}) + query
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": _token(client)})


def _token(client):
    """A valid form token for this browser: the login form's, or the logout button's (on every
    page once logged in)."""
    page = client.get("/masuk")
    if page.status_code == 302:
        page = client.get("/")
    return csrf_token(page.get_data(as_text=True))


def allowed(who, person):
    if who == "admin":
        return person == "admin"
    if who == "owner":
        return person in ("owner", "admin")
    return person != "anonymous"


@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_route_access(app, clients, endpoint):
    people, values = clients
    _method, who = ROUTES[endpoint]
    for person in PEOPLE:
        response = request_as(app, people[person], endpoint, values)
        status = response.status_code
        response.close()
        if person == "anonymous":
            assert status == 302, (endpoint, person, status)
            assert "/masuk" in response.headers["Location"], (endpoint, person)
        elif allowed(who, person):
            assert status in (200, 302), (endpoint, person, status)
            if status == 302:
                assert "/masuk" not in response.headers["Location"], (endpoint, person)
        elif who == "owner":
            assert status == 404, (endpoint, person, status)  # others never learn it exists
        else:
            assert status == 403, (endpoint, person, status)


@pytest.mark.parametrize("endpoint", DOWNLOADS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloads_are_guarded_like_their_pages(app, clients, endpoint, fmt):
    people, values = clients
    for person in ("anonymous", "learner", "trainer"):
        with request_as(app, people[person], endpoint, values, f"?format={fmt}") as response:
            response.get_data()  # a streamed download runs to its end
        expected = 200 if endpoint == "reports.my_ledger" and person != "anonymous" else None
        if expected:
            assert response.status_code == 200
        elif person == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == 403, (endpoint, person)
