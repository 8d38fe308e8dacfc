"""Every /admin route refuses everyone but admins — before it even looks the object up.

The routes are read from app.url_map, so a new admin route is checked without being listed.
"""

import re

import pytest

from tests.conftest import PASSWORD, csrf_token

ADMIN_NIP = "197503121998032004"
LEARNER_NIP = "198703152010012002"
TRAINER_NIP = "198609262015051001"
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def admin_routes(app):
    """(url, method) for every rule under /admin; <int:…> becomes 1, any other argument x."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = ARGUMENT.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)
        routes.extend((url, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


def client_as(app, nip):
    client = app.test_client()
    if nip:
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
        response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302
    return client


def call(client, url, method):
    page = "/" if "Keluar" in client.get("/").get_data(as_text=True) else "/masuk"
    token = csrf_token(client.get(page).get_data(as_text=True))
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


@pytest.fixture
def people(create_user):
    create_user(nip=ADMIN_NIP, roles=("admin",))
    create_user(nip=LEARNER_NIP)
    create_user(nip=TRAINER_NIP, roles=("trainer", "learner"))


def test_there_are_admin_routes_to_check(app):
    urls = {url for url, _ in admin_routes(app)}
    assert {"/admin/", "/admin/pengguna", "/admin/opd", "/admin/pengaturan",
            "/admin/audit", "/admin/sertifikat"} <= urls


@pytest.mark.parametrize(("who", "nip", "expected"), [
    ("anonymous", None, 302),
    ("learner", LEARNER_NIP, 403),
    ("trainer", TRAINER_NIP, 403),
])
def test_non_admins_are_refused_everywhere(app, people, who, nip, expected):
    client = client_as(app, nip)
    wrong = {}
    for url, method in admin_routes(app):
        response = call(client, url, method)
        if response.status_code != expected:
            wrong[f"{method} {url}"] = response.status_code
        elif expected == 302:
            assert "/masuk" in response.headers["Location"], url
    assert wrong == {}, who


def test_admins_open_every_admin_page_without_arguments(app, people):
    client = client_as(app, ADMIN_NIP)
    pages = [url for url, method in admin_routes(app) if method == "GET" and "x" not in
             url.split("/") and "1" not in url.split("/")]
    wrong = {}
    for url in pages:
        response = client.get(url)
        # A big export answers with its background job's page.
        to_job = (response.status_code == 302
                  and response.headers["Location"].startswith("/admin/tugas/"))
        if response.status_code != 200 and not to_job:
            wrong[url] = response.status_code
    assert wrong == {}
