"""The cached page frame (app/frame.py): what a visitor sees is what the page would show if
rendered afresh, and nothing of one visitor reaches another."""

import re

from app.auth.models import User
from app.extensions import db
from app.frame import TOKEN_PLACEHOLDER
from app.settings import REGISTRATION_OPEN, set_setting
from tests.conftest import PASSWORD, csrf_token

LOGOUT_FORM = re.compile(r'action="/keluar".*?name="csrf_token" value="([^"]+)"', re.S)


def signed_in(app, nip):
    client = app.test_client()
    token = csrf_token(client.get("/masuk").get_data(as_text=True))
    reply = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                        "csrf_token": token})
    assert reply.status_code == 302
    return client


def page(client, path="/"):
    reply = client.get(path)
    assert reply.status_code == 200, (path, reply.status_code)
    return reply.get_data(as_text=True)


def test_each_visitor_gets_their_own_token_and_it_works(app, create_user):
    andi = create_user(nip="198609262015051001")
    budi = create_user(nip="198703142010011002")
    first, second = signed_in(app, andi.nip), signed_in(app, budi.nip)
    html_first, html_second = page(first), page(second)
    assert TOKEN_PLACEHOLDER not in html_first + html_second
    token_first = LOGOUT_FORM.search(html_first).group(1)
    token_second = LOGOUT_FORM.search(html_second).group(1)
    assert token_first != token_second
    # Another visitor's token is refused; one's own is taken.
    assert first.post("/keluar", data={"csrf_token": token_second}).status_code == 400
    assert first.post("/keluar", data={"csrf_token": token_first}).status_code == 302
    assert "Masuk" in page(first)


def test_the_menu_follows_roles_the_moment_they_change(app, create_user):
    user = create_user(nip="198609262015051001")
    client = signed_in(app, user.nip)
    assert "Ruang pengajar" not in page(client)
    db.session.get(User, user.id).is_trainer = True
    db.session.commit()
    html = page(client)
    assert "Ruang pengajar" in html and ">Admin<" not in html
    db.session.get(User, user.id).is_admin = True
    db.session.commit()
    assert ">Admin<" in page(client)


def test_a_changed_setting_shows_at_once(app, client):
    assert "Pemerintah Kota Palu" in page(client)
    set_setting("institution_name", "Pemerintah Provinsi Sulawesi Tengah")
    set_setting("registration", REGISTRATION_OPEN)
    db.session.commit()
    html = page(client)
    assert "Pemerintah Provinsi Sulawesi Tengah" in html and "Pemerintah Kota Palu" not in html
    assert 'href="/daftar"' in html


def test_language_and_text_size_have_their_own_frames(app, client):
    token = csrf_token(page(client))
    client.post("/preferensi/bahasa", data={"language": "en", "csrf_token": token},
                headers={"Referer": "/"})
    html = page(client)
    assert ">Catalog<" in html and ">Katalog<" not in html
    client.post("/preferensi/teks-besar", data={"large_text": "1", "csrf_token": csrf_token(html)},
                headers={"Referer": "/"})
    html = page(client)
    assert 'class="large-text"' in html and 'aria-pressed="true"' in html
    assert 'aria-pressed="false"' in page(app.test_client())


def test_the_frame_is_bounded(app, client):
    from app.frame import MAX_ENTRIES

    for n in range(MAX_ENTRIES + 5):
        set_setting("institution_name", f"Instansi {n}")
        db.session.commit()
        assert f"Instansi {n}" in page(client)
    assert len(app.extensions["page_frame"]) <= MAX_ENTRIES
