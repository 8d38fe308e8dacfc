"""Absolute links (the offline "unduh modul" file, calendar feeds, the verification page, QR
codes) come from the configured base URL (LMS_BASE_URL / the "base_url" setting), never from
the request's Host header, which the client chooses."""

import pytest

from app import create_app
from app.extensions import db
from app.settings import set_setting
from tests.conftest import BUNDLED_COURSES, csrf_token
from tests.pages.conftest import IMAGED_COURSE, log_in

BASE = "https://kompeten.palukota.go.id"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Proto": "http"}


@pytest.fixture
def base_url(app):
    set_setting("base_url", BASE + "/")  # a trailing slash is tolerated
    db.session.commit()


def log_in_at_forged_host(client):
    """Log in, then let the browser send its cookies to the forged host too."""
    log_in(client)
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            client.set_cookie(name, cookie.value, domain="evil.example")


def body(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_offline_file_links_to_the_base_url_whatever_the_host(client, site, base_url):
    log_in_at_forged_host(client)
    text = body(client.get(f"/kursus/{IMAGED_COURSE}/unduh", headers=FORGED))
    assert "evil.example" not in text
    assert f'href="{BASE}/kursus/{IMAGED_COURSE}"' in text


def test_the_verification_page_names_the_base_url_whatever_the_host(client, site, base_url):
    text = body(client.get(f"/verify/{site.certificate_code}", headers=FORGED))
    assert "evil.example" not in text
    assert f'content="{BASE}/verify/{site.certificate_code}"' in text


def test_behind_a_trusted_proxy_a_forwarded_host_does_not_reach_the_file_either(
        site, database_url, tmp_path):
    proxied = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "proxied"),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES), "PROXY_COUNT": 1,
        "BASE_URL": BASE})
    with proxied.app_context():
        client = proxied.test_client()
        log_in_at_forged_host(client)
        text = body(client.get(f"/kursus/{IMAGED_COURSE}/unduh", headers=FORGED))
        db.engine.dispose()
    assert "evil.example" not in text and f"{BASE}/kursus/{IMAGED_COURSE}" in text


def test_the_calendar_feed_address_uses_the_base_url(app, client, site, base_url):
    log_in_at_forged_host(client)
    token = csrf_token(body(client.get("/agenda/saya")))
    client.post("/agenda/saya/kalender", data={"csrf_token": token})
    page = body(client.get("/agenda/saya", headers=FORGED))
    assert "evil.example" not in page
    assert f"{BASE}/agenda/kalender/" in page
