"""Sessions hold, and only for their owner: "ingat saya" after a browser restart, remember-me
cookies bound to the browser and address they were issued to, and a session identifier made
from the real client address (never a header the client sets)."""

import json

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from tests.auth.helpers import is_logged_in
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, csrf_token

VICTIM = {"REMOTE_ADDR": "10.20.0.5", "HTTP_USER_AGENT": "Mozilla/5.0 (Android 14) Chrome/131"}
THIEF = {"REMOTE_ADDR": "10.99.0.66", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux) Firefox/133"}
REQUESTS_AFTER_RESTART = 4


@pytest.fixture
def siti(create_user, agencies):
    return create_user(nip=PNS_NIP, name="Siti Rahmawati")


@pytest.fixture
def budi(create_user, agencies):
    return create_user(nip=PPPK_NIP, name="Budi Santoso")


def browser(app, environ):
    """A test client that always looks like one browser at one address."""
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def log_in(client, nip, remember=True):
    data = {"identifier": nip, "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/masuk").get_data(as_text=True))}
    if remember:
        data["remember"] = "y"
    response = client.post("/masuk", data=data)
    assert response.status_code == 302, response.status_code


def logged_in_name(client):
    """Whose dashboard this browser sees, or None when it is sent to the login page."""
    response = client.get("/beranda")
    if response.status_code != 200:
        return None
    page = response.get_data(as_text=True)
    return next((name for name in ("Siti Rahmawati", "Budi Santoso") if name in page), "?")


def remember_cookie(client):
    cookie = client.get_cookie("remember_token")
    return cookie.value if cookie is not None else None


def refusals():
    return db.session.scalars(select(AuditEvent)
                              .where(AuditEvent.action == "auth.login_cookie_refused")).all()


# --- "ingat saya" holds -----------------------------------------------------------------------

def test_remember_me_holds_for_every_request_after_a_browser_restart(app, siti):
    """Flask-Login restores the login from the cookie but stored no session identifier, so
    the second request failed strong protection and deleted the cookie (issue 15)."""
    client = browser(app, VICTIM)
    log_in(client, PNS_NIP)
    cookie = remember_cookie(client)
    client.delete_cookie("session")  # the browser was closed: session cookies are gone
    seen = [logged_in_name(client) for _ in range(REQUESTS_AFTER_RESTART)]
    assert seen == ["Siti Rahmawati"] * REQUESTS_AFTER_RESTART
    assert remember_cookie(client) == cookie
    client.delete_cookie("session")  # and a second restart works as well
    assert [logged_in_name(client) for _ in range(3)] == ["Siti Rahmawati"] * 3


def test_a_session_without_remember_me_ends_with_the_browser(app, siti):
    client = browser(app, VICTIM)
    log_in(client, PNS_NIP, remember=False)
    client.delete_cookie("session")
    assert logged_in_name(client) is None


# --- a copied remember-me cookie is refused ---------------------------------------------------

def test_stolen_remember_cookie_with_the_thiefs_own_stale_session_is_refused(app, siti, budi):
    """The thief holds a session cookie of their own (Budi's, ended by a logout elsewhere: its
    session version changed) and adds Siti's remember-me cookie. Before the fix the stale
    session passed strong protection and the cookie logged the thief in as Siti for good."""
    victim = browser(app, VICTIM)
    log_in(victim, PNS_NIP)
    stolen = remember_cookie(victim)
    thief = browser(app, THIEF)
    log_in(thief, PPPK_NIP, remember=False)
    budi.end_all_sessions()  # Budi's session cookie is now stale
    db.session.commit()
    thief.set_cookie("remember_token", stolen)
    assert [logged_in_name(thief) for _ in range(3)] == [None] * 3
    [event] = refusals()
    assert event.object_id == str(siti.id) and event.address == THIEF["REMOTE_ADDR"]
    assert "Firefox" in json.loads(event.details_json)["user_agent"]
    assert logged_in_name(victim) == "Siti Rahmawati"  # the owner is not disturbed


@pytest.mark.parametrize("thief_environ", [
    THIEF,
    dict(VICTIM, REMOTE_ADDR=THIEF["REMOTE_ADDR"]),  # same browser make, another address
    dict(VICTIM, HTTP_USER_AGENT=THIEF["HTTP_USER_AGENT"]),  # same network, another browser
], ids=["another-browser-and-address", "another-address", "another-browser"])
def test_stolen_remember_cookie_alone_is_refused_elsewhere(app, siti, thief_environ):
    victim = browser(app, VICTIM)
    log_in(victim, PNS_NIP)
    thief = browser(app, thief_environ)
    thief.set_cookie("remember_token", remember_cookie(victim))
    assert [logged_in_name(thief) for _ in range(3)] == [None] * 3
    assert remember_cookie(thief) is None  # dropped from the thief's browser
    assert len(refusals()) == 1


def test_stolen_session_cookie_is_refused_elsewhere(app, siti):
    victim = browser(app, VICTIM)
    log_in(victim, PNS_NIP, remember=False)
    thief = browser(app, THIEF)
    thief.set_cookie("session", victim.get_cookie("session").value)
    assert logged_in_name(thief) is None


# --- the identifier uses the real client address ------------------------------------------------

def test_a_forged_x_forwarded_for_does_not_make_a_stolen_session_match(app, siti):
    """Flask-Login's own identifier takes X-Forwarded-For when present: a thief who sends the
    victim's address in it, with the victim's user agent, was let in. Without a configured
    proxy the header is ignored."""
    victim = browser(app, VICTIM)
    log_in(victim, PNS_NIP)
    impostor = dict(VICTIM, REMOTE_ADDR=THIEF["REMOTE_ADDR"],
                    HTTP_X_FORWARDED_FOR=VICTIM["REMOTE_ADDR"])
    for cookie in ("session", "remember_token"):
        thief = browser(app, impostor)
        thief.set_cookie(cookie, victim.get_cookie(cookie).value)
        assert logged_in_name(thief) is None, cookie


def test_a_changing_x_forwarded_for_does_not_end_a_session(app, siti):
    client = browser(app, dict(VICTIM, HTTP_X_FORWARDED_FOR="1.2.3.4"))
    log_in(client, PNS_NIP, remember=False)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "5.6.7.8"
    assert is_logged_in(client)
