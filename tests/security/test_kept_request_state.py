"""What each worker keeps between requests to make the logged-in floor cheaper, tried the way an
attacker and a clock would: verified session cookies (app/sessions.py), signed CSRF tokens
(app/csrf_tokens.py), the client's identity and binding (app/auth/login.py) and Flask's
`ensure_sync` answers (app/flask_app.py). Each keeps exactly what the request would have
computed, and none of them lets a request get what its own cookies would not give it."""

import time

import pytest
from flask import Flask, g, session

from app import csrf_tokens, sessions
from app.auth import login as login_module
from tests.auth.helpers import is_logged_in
from tests.conftest import PASSWORD, csrf_token

DASHBOARD = "/beranda"


@pytest.fixture
def learner(create_user):
    return create_user(name="Rina Kept")


def logged_in(app, nip):
    client = app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    client.get(DASHBOARD)  # the welcome flash, shown once
    return client


def session_cookie(client):
    return client.get_cookie("session").value


def counting_loads(monkeypatch, app):
    """How many times the session cookie is verified and decoded."""
    serializer = app.session_interface.get_signing_serializer(app)
    calls = []
    original = type(serializer).loads

    def loads(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(serializer), "loads", loads)
    return calls


# --- verified session cookies ------------------------------------------------------------------

def test_a_session_cookie_is_verified_once_per_worker(app, learner, monkeypatch):
    client = logged_in(app, learner.nip)
    calls = counting_loads(monkeypatch, app)
    for _ in range(3):
        assert "Rina Kept" in client.get(DASHBOARD).get_data(as_text=True)
    assert len(calls) <= 1  # the cookie of the welcome page may be new; then it is kept


def test_a_tampered_cookie_is_refused_after_the_real_one_was_kept(app, learner):
    client = logged_in(app, learner.nip)
    assert is_logged_in(client)
    real = session_cookie(client)
    forged = real[:-2] + ("A" if real[-2] != "A" else "B") + real[-1]
    thief = app.test_client()
    thief.set_cookie("session", forged)
    assert not is_logged_in(thief)
    assert is_logged_in(client)


def test_a_kept_cookie_expires_like_a_verified_one(app, learner, monkeypatch):
    client = logged_in(app, learner.nip)
    assert is_logged_in(client)
    max_age = app.permanent_session_lifetime.total_seconds()
    later = time.time() + max_age + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous's own clock
    assert not is_logged_in(client)


def test_each_request_gets_its_own_session(app, learner):
    """A value set in one request's session (and not saved) never reaches another request
    sending the same cookie."""
    client = logged_in(app, learner.nip)
    cookie = f"session={session_cookie(client)}"
    with app.test_request_context(DASHBOARD, headers={"Cookie": cookie}) as first:
        first.session["mine"] = "secret"
    with app.test_request_context(DASHBOARD, headers={"Cookie": cookie}) as second:
        assert "mine" not in second.session and "_user_id" in second.session


def test_a_session_holding_flash_messages_is_not_kept(app):
    """Flask appends to the flash list in place: such a session is decoded every time."""
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_flashes": [["info", "Tersimpan."]]})
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as context:
            assert context.session["_flashes"] == [["info", "Tersimpan."]]
            context.session["_flashes"].append(["info", "Lagi."])
    assert cookie not in app.extensions.get("kompeten_verified_sessions", ((), {}))[1]


def test_a_cookie_signed_with_another_key_is_refused(app, learner):
    client = logged_in(app, learner.nip)
    assert is_logged_in(client)
    other = Flask("other")
    other.secret_key = "not-this-site"
    forged = app.session_interface.get_signing_serializer(other).dumps(
        {"_user_id": "1", "_fresh": True})
    thief = app.test_client()
    thief.set_cookie("session", forged)
    assert not is_logged_in(thief)


def test_kept_sessions_are_bounded(app, monkeypatch):
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 3)
    serializer = app.session_interface.get_signing_serializer(app)
    for number in range(7):
        cookie = serializer.dumps({"n": number})
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as context:
            assert context.session["n"] == number
    assert len(app.extensions["kompeten_verified_sessions"][1]) <= 3


# --- signed CSRF tokens ------------------------------------------------------------------------

def test_a_session_keeps_one_signed_token_and_it_validates(app, learner):
    client = logged_in(app, learner.nip)
    first = csrf_token(client.get("/profil").get_data(as_text=True))
    second = csrf_token(client.get("/profil").get_data(as_text=True))
    assert first == second
    response = client.post("/keluar", data={"csrf_token": second})
    assert response.status_code == 302 and not is_logged_in(client)


def test_another_session_never_gets_this_sessions_token(app, learner, create_user):
    other = create_user(nip="199001012015011601", name="Lain")
    mine = csrf_token(logged_in(app, learner.nip).get("/profil").get_data(as_text=True))
    theirs_client = logged_in(app, other.nip)
    theirs = csrf_token(theirs_client.get("/profil").get_data(as_text=True))
    assert theirs != mine
    # My token in their session is refused: the check is Flask-WTF's, against their session.
    response = theirs_client.post("/keluar", data={"csrf_token": mine})
    assert response.status_code == 400 and is_logged_in(theirs_client)


def test_a_page_without_a_session_cookie_leaves_the_session_alone(app, monkeypatch):
    """Reading the session would add `Vary: Cookie` to answers that are the same for all."""

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"session.{name} used without a session cookie")

    monkeypatch.setattr(csrf_tokens, "session", Untouchable())
    with app.test_request_context("/"):
        csrf_tokens.give_kept_token()
        assert "csrf_token" not in g


def test_with_a_time_limit_nothing_is_kept(database_url, tmp_path):
    from tests.conftest import configured_app

    with configured_app(database_url, tmp_path, WTF_CSRF_TIME_LIMIT=3600) as limited:
        assert csrf_tokens.give_kept_token not in limited.before_request_funcs.get(None, [])
        assert csrf_tokens.keep_signed_token not in limited.after_request_funcs.get(None, [])


def test_kept_tokens_are_bounded(app, monkeypatch):
    monkeypatch.setattr(csrf_tokens, "MAX_TOKENS", 2)
    for number in range(5):
        with app.test_request_context("/"):
            session["csrf_token"] = f"raw-{number}"
            g.csrf_token = f"signed-{number}"
            csrf_tokens.keep_signed_token(None)
    assert len(app.extensions["kompeten_signed_csrf_tokens"][1]) <= 2


# --- the client's identity and binding ---------------------------------------------------------

def identity(app, address, agent):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": address},
                                  headers={"User-Agent": agent}):
        return login_module.session_identifier(), login_module.client_binding()


def test_the_kept_identity_is_the_computed_one_per_address_and_browser(app):
    phone = identity(app, "10.20.0.5", "Mozilla/5.0 (Android 14)")
    assert identity(app, "10.20.0.5", "Mozilla/5.0 (Android 14)") == phone
    assert identity(app, "10.20.0.6", "Mozilla/5.0 (Android 14)")[0] != phone[0]
    assert identity(app, "10.20.0.5", "Mozilla/5.0 (X11)")[1] != phone[1]
    app.extensions.pop("kompeten_client_identity")  # computed again
    assert identity(app, "10.20.0.5", "Mozilla/5.0 (Android 14)") == phone  # same when computed


def test_kept_identities_are_bounded_and_long_agents_not_kept(app, monkeypatch):
    monkeypatch.setattr(login_module, "MAX_KEPT_CLIENTS", 3)
    for number in range(7):
        identity(app, f"10.0.0.{number}", "Mozilla/5.0")
    identity(app, "10.0.1.1", "x" * 5000)
    kept = app.extensions["kompeten_client_identity"][1]
    assert len(kept) <= 3 and all(len(agent) < 5000 for _address, agent in kept)


# --- ensure_sync -------------------------------------------------------------------------------

def test_ensure_sync_answers_as_flask_does(app):
    def plain():
        return "ok"

    async def asynchronous():
        return "ok"

    class Hooks:
        def method(self):
            return "ok"

    bound = Hooks().method
    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert app.ensure_sync(bound) == bound
    try:
        wrapped = Flask.ensure_sync(app, asynchronous)
    except RuntimeError as missing_extra:  # Flask without its "async" extra
        with pytest.raises(RuntimeError, match=str(missing_extra)[:30]):
            app.ensure_sync(asynchronous)
    else:
        assert wrapped is not asynchronous
        assert app.ensure_sync(asynchronous)() == "ok"


def test_what_is_kept_is_dropped_when_the_secret_key_changes(app, learner):
    """A worker whose key changed (SECRET_KEY_FALLBACKS rotation, a test) keeps nothing it
    derived from the old one: the old cookie is verified again with the new keys, and refused."""
    client = logged_in(app, learner.nip)
    assert is_logged_in(client)
    app.secret_key = app.config["SECRET_KEY"] = "another-secret-key"
    assert not is_logged_in(client)
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.20.0.5"}):
        fresh = login_module.client_binding()
    app.secret_key = app.config["SECRET_KEY"] = "test-secret-key"
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.20.0.5"}):
        assert login_module.client_binding() != fresh
