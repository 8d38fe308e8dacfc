""""Teks besar": a toggle on every page that scales the root font size; kept on the account
(across browsers and logins) and, for anonymous visitors, in a cookie."""

import re
from pathlib import Path

from app.auth.models import User
from app.extensions import db
from tests.i18n.helpers import choose_large_text, login, page, token

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "kompeten.css"


def is_large(markup):
    return bool(re.search(r'<html lang="\w+" class="large-text">', markup))


def test_pages_start_with_normal_text_and_offer_the_toggle(client):
    markup = page(client, "/")
    assert not is_large(markup)
    assert 'action="/preferensi/teks-besar"' in markup
    assert 'name="large_text" value="1" class="link-button" aria-pressed="false">Teks besar' \
        in markup


def test_an_anonymous_visitor_turns_it_on_and_off(client):
    response = choose_large_text(client, True, next_url="/masuk")
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"
    assert "teks_besar=1" in response.headers["Set-Cookie"]
    markup = page(client, "/masuk")
    assert is_large(markup)
    assert 'value="0" class="link-button" aria-pressed="true"' in markup

    choose_large_text(client, False, next_url="/masuk")
    assert not is_large(page(client, "/masuk"))


def test_a_user_setting_is_stored_and_follows_them_to_another_browser(app, client,
                                                                      create_user):
    user = create_user()
    login(client, user.nip)
    choose_large_text(client, True, next_url="/beranda")
    db.session.expire_all()
    assert db.session.get(User, user.id).large_text is True

    other = app.test_client()
    assert not is_large(page(other, "/"))
    assert is_large(login(other, user.nip))
    choose_large_text(other, False)
    db.session.expire_all()
    assert db.session.get(User, user.id).large_text is False
    assert not is_large(page(client, "/beranda"))


def test_nonsense_is_refused(client, create_user):
    user = create_user()
    login(client, user.nip)
    response = client.post("/preferensi/teks-besar",
                           data={"large_text": "2", "csrf_token": token(client)})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).large_text is False


def test_the_stylesheet_scales_the_root_size_and_uses_rem():
    css = CSS.read_text()
    root = float(re.search(r"^html \{ font-size: ([\d.]+)%", css, re.M)[1])
    large = float(re.search(r"^html\.large-text \{ font-size: ([\d.]+)%", css, re.M)[1])
    assert large >= root * 1.2
    # Type sizes are all relative, so the one root size scales every page.
    assert not re.search(r"font-size:\s*\d+px", css)
