"""Password rules, cookie flags, session protection and security headers."""

import pytest

from app import create_app
from app.auth import services
from app.extensions import db
from config import Config
from tests.auth.helpers import field_errors, is_logged_in, registration_data, text
from tests.conftest import BUNDLED_COURSES, PASSWORD, PNS_NIP, submit

COMMON = "Kata sandi ini terlalu umum dan mudah ditebak."


# --- password rules --------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["password1", "PASSWORD1", "qwertyuiop", "iloveyou1",
                                      "bismillah", "Indonesia", "sayangku", "qwerty123",
                                      "palu2024", "RAHASIA123"])
def test_common_passwords_are_refused_in_any_case(app, password):
    assert services.password_problem(password, PNS_NIP).startswith(COMMON)


@pytest.mark.parametrize("password", [PASSWORD, "kata-sandi-baru-2026", "sulteng-maju-2026",
                                      "palu2026", "admin-bkpsdm-2026"])
def test_passwords_the_suite_uses_are_not_common(app, password):
    assert services.password_problem(password, PNS_NIP) is None


def test_rules_in_order_length_then_nip_then_common(app):
    assert services.password_problem("1234567") == "Kata sandi minimal 8 karakter."
    assert services.password_problem(PNS_NIP, PNS_NIP) == "Kata sandi tidak boleh sama dengan NIP."
    assert services.password_problem("12345678", PNS_NIP).startswith(COMMON)


def test_common_list_is_shipped_with_its_source():
    lines = services.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    assert any("zxcvbn" in line for line in lines if line.startswith("#"))
    assert len(services.common_passwords()) > 3000


def test_registration_names_the_reason(client, agencies):
    data = registration_data(password="Bismillah", password_confirm="Bismillah")
    page = text(submit(client, "/daftar", data))
    assert field_errors(page, "password")[0].startswith(COMMON)


def test_hashing_cost_defaults_to_rfc_9106_low_memory():
    assert (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_COST, Config.ARGON2_PARALLELISM) == \
        (3, 65536, 4)


# --- cookies and sessions --------------------------------------------------------------------

@pytest.fixture
def siti(create_user, agencies):
    return create_user(nip=PNS_NIP, name="Siti Rahmawati")


def login_cookies(client, remember=True):
    data = {"identifier": PNS_NIP, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = submit(client, "/masuk", data, follow_redirects=False)
    assert response.status_code == 302
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_lax_and_not_secure_over_http(client, siti):
    cookies = login_cookies(client)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]


def test_remember_me_lasts_14_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] == 14 * 24 * 60 * 60


@pytest.fixture
def https_app(app, database_url, tmp_path):
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "https"),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES), "HTTPS": True,
        "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True,
    })
    with app.app_context():
        yield app
        db.engine.dispose()


def test_cookies_are_secure_over_https(app, siti, https_app):
    client = https_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    cookies = login_cookies(client)
    assert "Secure" in cookies["session"] and "Secure" in cookies["remember_token"]


def test_session_survives_many_requests_from_the_same_browser(client, siti):
    login_cookies(client, remember=False)
    assert all(is_logged_in(client) for _ in range(3))


def test_session_moved_to_another_browser_is_dropped(client, siti):
    """Strong session protection: the cookie is bound to the IP and user agent."""
    login_cookies(client)
    client.environ_base["HTTP_USER_AGENT"] = "Pencuri/1.0"
    assert not is_logged_in(client)
    assert client.get_cookie("remember_token") is None  # remember-me is cleared with it


def test_remember_me_restores_a_closed_browser(client, siti):
    login_cookies(client)
    client.delete_cookie("session")
    assert is_logged_in(client)


# --- security headers ------------------------------------------------------------------------

ROUTES = ["/", "/masuk", "/healthz", "/static/css/kompeten.css", "/tidak-ada",
          "/media/tidak-ada/gambar.png"]


@pytest.mark.parametrize("path", ROUTES)
def test_security_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    response.close()  # a static file is streamed from an open file
    csp = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/masuk", "/healthz", "/tidak-ada"])
def test_hsts_only_over_https(https_app, path):
    response = https_app.test_client().get(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
