"""How bytes travel: compressed text responses, static files under fingerprinted names."""

import gzip
import hashlib
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
from flask import url_for
from sqlalchemy import select

import app.assets as assets
from app.certificates.models import Certificate
from app.extensions import db
from tests.content.test_media import tiny_png
from tests.pages.conftest import IMAGED_COURSE, PDF, decoded, log_in

STYLESHEET = "css/kompeten.css"


def versioned_url(app, filename=STYLESHEET):
    with app.test_request_context():
        return url_for("static", filename=filename)


def digest_of(app, filename=STYLESHEET):
    data = (Path(app.static_folder) / filename).read_bytes()
    return hashlib.sha256(data).hexdigest()[:assets.DIGEST_LENGTH]


# --- compression -----------------------------------------------------------------------------

@pytest.mark.parametrize("accept, encoding", [
    ("gzip", "gzip"), ("gzip, deflate, br, zstd", "br"), ("br;q=0.5, gzip", "gzip"),
    ("", None), ("identity", None), ("deflate", None),
])
def test_pages_are_compressed_as_the_browser_accepts(app, client, site, accept, encoding):
    response = client.get("/masuk", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert "Kata sandi" in decoded(response)


def test_compressed_bytes_decode_to_the_same_page(app, client, site):
    """The same page three ways (its CSRF token differs per request, not its length)."""
    url = f"/kursus/{IMAGED_COURSE}"
    plain = client.get(url).get_data()
    packed = client.get(url, headers={"Accept-Encoding": "gzip"}).get_data()
    packed_br = client.get(url, headers={"Accept-Encoding": "br"}).get_data()
    for text in (gzip.decompress(packed), brotli.decompress(packed_br)):
        assert len(text) == len(plain) and text.startswith(b"<!doctype html>")
    assert len(packed) < len(plain) / 2 and len(packed_br) < len(plain) / 2


def test_small_responses_are_sent_as_they_are(app, client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(response.get_data()) < 500
    assert "Content-Encoding" not in response.headers


def test_files_and_pdfs_are_never_compressed(app, client, site):
    """Course files are streamed with send_file; certificates are stored PDF bytes."""
    log_in(client)
    for url, expected in [(f"/media/{IMAGED_COURSE}/skema-spbe.png", tiny_png()),
                          (f"/media/{IMAGED_COURSE}/panduan-spbe.pdf", PDF)]:
        response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert response.get_data() == expected
        response.close()
    certificate_id = db.session.scalar(select(Certificate.id))
    response = client.get(f"/sertifikat/{certificate_id}/unduh",
                          headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"%PDF")


def test_a_course_file_keeps_its_etag_and_answers_304(app, client, site):
    url = f"/media/{IMAGED_COURSE}/skema-spbe.png"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    first.close()
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": first.headers["ETag"]})
    again.close()
    assert first.headers["ETag"] == f'"{hashlib.sha256(tiny_png()).hexdigest()}"'
    assert again.status_code == 304


# --- fingerprinted static files ----------------------------------------------------------------

def test_url_for_names_the_file_by_its_content(app):
    url = versioned_url(app)
    assert url == f"/static/css/kompeten.{digest_of(app)}.css"
    assert versioned_url(app, "js/quiz.js") == f"/static/js/quiz.{digest_of(app, 'js/quiz.js')}.js"
    assert versioned_url(app, "tidak/ada.css") == "/static/tidak/ada.css"


def test_pages_link_the_fingerprinted_stylesheet(app, client):
    page = client.get("/masuk").get_data(as_text=True)
    assert f'href="{versioned_url(app)}"' in page


def test_the_fingerprinted_name_is_cached_for_a_year(app, client):
    response = client.get(versioned_url(app), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/css"
    assert gzip.decompress(response.get_data()) == (
        Path(app.static_folder) / STYLESHEET).read_bytes()
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("name", [STYLESHEET, "css/kompeten.0123456789.css"])
def test_the_plain_or_an_outdated_name_still_works_with_a_short_cache(app, client, name):
    """A page cached before a deploy asks for the old hash: it gets today's file, briefly."""
    response = client.get(f"/static/{name}")
    assert response.status_code == 200 and b".site-header" in response.get_data()
    assert response.headers["Cache-Control"] == f"public, max-age={assets.SHORT_MAX_AGE}"


@pytest.mark.parametrize("name", ["css/tidak-ada.css", "css/tidak-ada.0123456789.css",
                                  "../config.py", "..%2fconfig.py", "css/"])
def test_unknown_or_outside_names_are_not_found(app, client, name):
    assert client.get(f"/static/{name}").status_code == 404


def test_a_cached_copy_is_revalidated_with_its_etag(app, client):
    for accept in ("", "gzip"):
        first = client.get(versioned_url(app), headers={"Accept-Encoding": accept})
        again = client.get(versioned_url(app), headers={
            "Accept-Encoding": accept, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, accept
    head = client.head(versioned_url(app))
    assert head.status_code == 200 and head.get_data() == b""


def test_static_files_carry_no_session_cookie(app, client, site):
    """No Set-Cookie and no `Vary: Cookie`: a browser reuses its copy whatever the session."""
    log_in(client)
    response = client.get(versioned_url(app), headers={"Accept-Encoding": "gzip"})
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers["Vary"]
    assert "Cookie" in client.get("/beranda").headers["Vary"]


def test_each_file_is_read_and_hashed_once_per_process(app, client, monkeypatch):
    hashed = []

    def sha256(data):
        hashed.append(len(data))
        return hashlib.sha256(data)

    monkeypatch.setattr(assets, "hashlib", SimpleNamespace(sha256=sha256))
    app.extensions["kompeten_assets"].assets.clear()
    for _round in range(3):
        client.get("/masuk")
        client.get(versioned_url(app))
    assert len(hashed) == 1
