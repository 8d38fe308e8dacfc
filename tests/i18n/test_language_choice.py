"""Which language a page speaks: the user's choice, else the `lang` cookie, else the browser's
Accept-Language, else Indonesian; and the switch in the header (CSRF, safe redirect)."""

import pytest

from app.auth.models import User
from app.extensions import db
from tests.auth.helpers import registration_data
from tests.conftest import submit
from tests.i18n.helpers import (
    ENGLISH,
    INDONESIAN,
    choose_language,
    flashes,
    html_lang,
    login,
    page,
    token,
)


def stored_language(user):
    db.session.expire_all()
    return db.session.get(User, user.id).language


@pytest.mark.parametrize("accept", [None, "id", "id-ID,id;q=0.9", "fr-FR,fr", "*"])
def test_indonesian_when_the_browser_asks_for_it_or_for_nothing_we_have(client, accept):
    markup = page(client, "/", {"Accept-Language": accept} if accept else {})
    assert html_lang(markup) == "id"
    assert "Katalog kursus" in markup and "Langsung ke isi" in markup


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr;q=0.9, en;q=0.8, id;q=0.5"])
def test_english_when_the_browser_prefers_it(client, accept):
    response = client.get("/", headers={"Accept-Language": accept})
    markup = response.get_data(as_text=True)
    assert html_lang(markup) == "en"
    assert "Course catalog" in markup and "Skip to content" in markup
    assert "Katalog kursus" not in markup
    # The answer depends on the header: a shared cache must not hand it to another browser.
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_the_switch_names_each_language_in_itself_and_marks_the_active_one(client):
    for headers, active in ((INDONESIAN, "id"), (ENGLISH, "en")):
        markup = page(client, "/masuk", headers)
        assert 'action="/preferensi/bahasa"' in markup
        assert ">Indonesia</button>" in markup and ">English</button>" in markup
        assert f'value="{active}" lang="{active}" class="link-button" aria-current="true">' \
            in markup
        assert markup.count('aria-current="true"') == 1
        # The page's own address is not echoed into the form (see test_verify's unknown codes).
        switches = markup.split('<div class="prefs">')[1].split("</div>")[0]
        assert "/masuk" not in switches and 'name="next"' not in switches
    assert "Bahasa:" in page(client, "/") and "Language:" in page(client, "/", ENGLISH)


def test_an_anonymous_choice_is_kept_in_a_cookie_and_beats_the_browser(client):
    response = choose_language(client, "en", next_url="/masuk")
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"
    cookie = response.headers["Set-Cookie"]
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    markup = page(client, "/masuk", INDONESIAN)
    assert html_lang(markup) == "en" and "Log in to Kompeten" in markup

    choose_language(client, "id", next_url="/masuk")
    assert html_lang(page(client, "/masuk", ENGLISH)) == "id"


def test_a_user_choice_is_stored_and_follows_them_to_another_browser(client, app, create_user):
    user = create_user(name="Rahmat Lasadindi")
    login(client, user.nip)
    response = choose_language(client, "en", next_url="/beranda")
    assert response.status_code == 302 and response.headers["Location"] == "/beranda"
    assert stored_language(user) == "en"
    assert "Hello, Rahmat Lasadindi." in page(client, "/beranda")

    # Another browser asking for Indonesian: English from the login on, the welcome included.
    other = app.test_client()
    assert html_lang(page(other, "/masuk", INDONESIAN)) == "id"
    markup = login(other, user.nip, INDONESIAN)
    assert html_lang(markup) == "en"
    assert "Welcome, Rahmat Lasadindi." in flashes(markup)
    assert "Log out" in markup


def test_a_user_without_a_choice_follows_the_browser(client, create_user):
    user = create_user()
    login(client, user.nip)
    assert html_lang(page(client, "/beranda", ENGLISH)) == "en"
    assert html_lang(page(client, "/beranda")) == "id"


def test_vary_names_each_header_the_page_depends_on_once(client, create_user, login):
    """Language (browser), encoding (compression) and cookie (logged in) all in one header."""
    login(create_user().nip)
    for _ in range(2):
        response = client.get("/beranda", headers={"Accept-Language": "en",
                                                   "Accept-Encoding": "gzip"})
        names = [name.strip().lower() for name in response.headers["Vary"].split(",")]
        assert sorted(names) == ["accept-encoding", "accept-language", "cookie"], names


def test_the_user_choice_beats_cookie_and_browser(client, create_user):
    user = create_user()
    user.language = "id"
    db.session.commit()
    choose_language(client, "en")  # anonymous: only the cookie
    login(client, user.nip, ENGLISH)
    assert html_lang(page(client, "/beranda", ENGLISH)) == "id"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", ""])
def test_the_switch_never_redirects_off_site(client, target):
    response = client.post("/preferensi/bahasa", data={"language": "en", "next": target,
                                                       "csrf_token": token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_switch_goes_back_to_the_referring_page_of_this_site_only(client):
    data = {"language": "en", "csrf_token": token(client)}
    back = client.post("/preferensi/bahasa", data=data,
                       headers={"Referer": "http://localhost/kursus/spbe-101?tab=2"})
    assert back.headers["Location"] == "/kursus/spbe-101?tab=2"
    for referer in ("https://evil.example/kursus", "http://localhost.evil.example/x", ""):
        response = client.post("/preferensi/bahasa", data=data, headers={"Referer": referer})
        assert response.headers["Location"] == "/", referer


@pytest.mark.parametrize("data", [{"language": "fr"}, {"language": ""}, {}])
def test_an_unknown_language_is_refused_and_nothing_is_stored(client, create_user, data):
    user = create_user()
    login(client, user.nip)
    response = client.post("/preferensi/bahasa", data=dict(data, csrf_token=token(client)))
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert stored_language(user) is None


def test_the_switch_needs_the_csrf_token(client, create_user):
    user = create_user()
    login(client, user.nip)
    response = client.post("/preferensi/bahasa", data={"language": "en", "next": "/"})
    assert response.status_code == 400
    assert stored_language(user) is None


def test_a_new_account_keeps_following_the_browser(client, agencies):
    response = submit(client, "/daftar", registration_data())
    assert response.status_code == 200
    db.session.expire_all()
    assert [user.language for user in db.session.query(User)] == [None]
