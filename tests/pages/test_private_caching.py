"""Personal pages are never kept by a browser or proxy: every response is `Cache-Control:
private, no-store` unless it declares itself public (versioned static files, course media).
After a logout on a shared office computer the back button must not show the last user's
dashboard, grades or certificates."""

import re

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.extensions import db
from tests.conftest import csrf_token
from tests.pages.conftest import IMAGED_COURSE, log_in

PRIVATE = "private, no-store"


def assert_private(response, url):
    response.close()
    assert response.headers.get("Cache-Control") == PRIVATE, (url, response.status_code,
                                                              response.headers.get("Cache-Control"))


@pytest.fixture
def admin_client(app, create_user):
    admin = create_user(nip="197001011995031001", roles=("admin", "trainer", "learner"))
    client = app.test_client()
    log_in(client, admin.nip)
    return client


def test_the_learners_own_pages_are_private(app, client, site):
    log_in(client)
    certificate_id = db.session.scalar(select(Certificate.id).where(
        Certificate.verification_code == site.certificate_code))
    attempt = f"/percobaan/{site.attempt_ids[0]}"
    urls = ["/beranda", "/jp-saya", "/sertifikat", f"/sertifikat/{certificate_id}/unduh",
            attempt, f"/kursus/{IMAGED_COURSE}", f"/kursus/{IMAGED_COURSE}/unduh",
            "/akun/kata-sandi"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response, url)
    token = csrf_token(client.get(attempt).get_data(as_text=True))
    autosave = client.post(f"{attempt}/autosimpan", data={"csrf_token": token})
    assert autosave.mimetype == "application/json"
    assert_private(autosave, "autosimpan")


PUBLIC_KEY_DOCUMENTS = {"open_badges.jwks", "open_badges.did_document"}


def test_every_page_without_parameters_is_private_for_an_admin(app, site, admin_client):
    """Every admin, trainer and learner page reachable without an id."""
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"]
    opened = 0
    for rule in rules:
        response = admin_client.get(rule.rule)
        if rule.endpoint in PUBLIC_KEY_DOCUMENTS:
            # The issuer's public keys, the same for everyone: verifiers may keep them a while.
            assert response.headers["Cache-Control"] == "public, max-age=300", rule.rule
        elif response.status_code == 200:
            opened += 1
            assert_private(response, rule.rule)
    assert opened > 25
    assert any(rule.rule.startswith("/admin") for rule in rules)


def test_public_pages_are_not_kept_either(client, site):
    """Decided: no page is cached, public ones included (their menu and CSRF token are per
    visitor; thin links gain little, and one rule cannot be forgotten on a new page)."""
    for url in ("/", "/masuk", "/verify", f"/verify/{site.certificate_code}", "/tidak-ada"):
        assert_private(client.get(url), url)


def test_static_files_and_course_media_stay_cacheable(client, site):
    log_in(client)
    page = client.get("/beranda").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
    response = client.get(stylesheet)
    response.close()
    assert "public" in response.headers["Cache-Control"]
    module = client.get(f"/kursus/{IMAGED_COURSE}/unduh")
    assert module.status_code == 200
    media = client.get(f"/media/{IMAGED_COURSE}/skema-spbe.png")
    media.close()
    assert "public" in media.headers["Cache-Control"]
