"""Shared steps of the language tests: pages as text, logging in, the two preference switches."""

import html
import re

from tests.conftest import PASSWORD, csrf_token

ENGLISH = {"Accept-Language": "en"}
INDONESIAN = {"Accept-Language": "id"}
FLASH = re.compile(r'<p class="flash flash-\w+">(.*?)</p>', re.S)


def page(client, url, headers=None):
    response = client.get(url, headers=headers or {}, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def html_lang(markup):
    return re.search(r'<html lang="([^"]+)"', markup).group(1)


def flashes(markup):
    return [html.unescape(text.strip()) for text in FLASH.findall(markup)]


def token(client, url="/", headers=None):
    return csrf_token(client.get(url, headers=headers or {}).get_data(as_text=True))


def login(client, nip, headers=None):
    """Log in through /masuk (CSRF on); the page after the redirect, as text."""
    data = {"identifier": nip, "password": PASSWORD, "csrf_token": token(client, "/masuk")}
    response = client.post("/masuk", data=data, headers=headers or {}, follow_redirects=True)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def choose(client, path, field, value, next_url="/"):
    """Press a preference button as a browser would: token from the page, then POST."""
    return client.post(path, data={field: value, "next": next_url,
                                   "csrf_token": token(client, next_url)})


def choose_language(client, language, next_url="/"):
    return choose(client, "/preferensi/bahasa", "language", language, next_url)


def choose_large_text(client, on, next_url="/"):
    return choose(client, "/preferensi/teks-besar", "large_text", "1" if on else "0", next_url)
