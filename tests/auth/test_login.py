"""Login at /masuk and logout, with CSRF on; old cookies must stop working."""

from urllib.parse import quote

import pytest

from app.extensions import db
from tests.auth.helpers import (
    agency_id,
    field_errors,
    flashes,
    input_value,
    is_logged_in,
    text,
    user_by_nip,
)
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, csrf_token, submit

WRONG = "NIP/email atau kata sandi salah."


@pytest.fixture
def siti(create_user, agencies):
    user = create_user(nip=PNS_NIP, name="Siti Rahmawati", email="siti@palukota.go.id",
                       golongan="III/b")
    user.agency_id = agency_id("DISKOMINFO")
    db.session.commit()
    return user


def post_login(client, identifier, password=PASSWORD, url="/masuk", **extra):
    return submit(client, url, {"identifier": identifier, "password": password, **extra})


@pytest.mark.parametrize("identifier", [
    PNS_NIP,
    "19860926 201505 1 001",
    " 19860926.201505.1.001 ",
    "19860926-201505-1-001",
])
def test_login_with_nip_as_people_type_it(client, siti, identifier):
    response = post_login(client, identifier)
    page = text(response)
    assert response.request.path == "/beranda"
    assert "Selamat datang, Siti Rahmawati." in flashes(page)
    assert "Halo, Siti Rahmawati." in page
    assert user_by_nip(PNS_NIP).last_login_at is not None


@pytest.mark.parametrize("identifier", [
    "siti@palukota.go.id", "SITI@PALUKOTA.GO.ID", "Siti@PaluKota.go.id", "  siti@palukota.go.id ",
])
def test_login_with_email_in_any_case(client, siti, identifier):
    response = post_login(client, identifier)
    assert response.request.path == "/beranda"
    assert "Halo, Siti Rahmawati." in text(response)


def test_login_page_shows_the_fields_in_indonesian(client):
    page = text(client.get("/masuk"))
    assert "NIP atau email" in page
    assert "Kata sandi" in page
    assert "Ingat saya di perangkat ini" in page
    assert '<a href="/lupa-kata-sandi">Lupa kata sandi?</a>' in page


@pytest.mark.parametrize(("identifier", "password"), [
    (PNS_NIP, "salah-sandi-123"),           # right NIP, wrong password
    ("19990101 202001 1 001", PASSWORD),   # valid-looking NIP with no account
    ("12345", PASSWORD),                    # not even a NIP
    ("tidak.ada@palukota.go.id", PASSWORD),  # unknown e-mail
    ("siti@palukota.go.id", PASSWORD.upper()),  # passwords are case-sensitive
])
def test_wrong_password_and_unknown_account_look_the_same(client, siti, identifier, password):
    response = post_login(client, identifier, password)
    page = text(response)
    assert response.status_code == 200
    assert response.request.path == "/masuk"
    assert field_errors(page, "password") == [WRONG]
    assert field_errors(page, "identifier") == []
    assert "Periksa kembali isian yang ditandai di bawah." in page
    # What was typed as the identifier stays; the password does not come back.
    assert input_value(page, "identifier") == identifier
    assert password not in page
    assert not is_logged_in(client)
    assert user_by_nip(PNS_NIP).last_login_at is None


def test_empty_fields_are_required(client):
    page = text(post_login(client, "", ""))
    assert field_errors(page, "identifier") == ["Wajib diisi."]
    assert field_errors(page, "password") == ["Wajib diisi."]


def test_inactive_user_is_refused_with_a_message(client, siti):
    siti.active = False
    db.session.commit()
    response = post_login(client, PNS_NIP)
    page = text(response)
    assert response.request.path == "/masuk"
    assert field_errors(page, "identifier") == [
        "Akun ini dinonaktifkan. Hubungi admin BKPSDM untuk mengaktifkannya kembali."
    ]
    assert not is_logged_in(client)
    assert user_by_nip(PNS_NIP).last_login_at is None


def test_deactivating_ends_an_open_session(client, siti, login):
    login(PNS_NIP)
    assert is_logged_in(client)
    siti = user_by_nip(PNS_NIP)
    siti.active = False
    db.session.commit()
    assert not is_logged_in(client)


@pytest.mark.parametrize(("next_url", "landing"), [
    ("/kursus/x", "/kursus/x"),
    ("/kursus/spbe-101?tab=modul", "/kursus/spbe-101?tab=modul"),
    ("//evil.com", "/beranda"),
    ("https://evil.com", "/beranda"),
    ("http://evil.com/kursus/x", "/beranda"),
    ("/\\evil.com", "/beranda"),
    ("\\\\evil.com", "/beranda"),
    ("javascript:alert(1)", "/beranda"),
    ("/\t/evil.com", "/beranda"),
    ("evil.com", "/beranda"),
    ("", "/beranda"),
])
def test_next_is_followed_only_for_local_paths(client, siti, next_url, landing):
    url = f"/masuk?next={quote(next_url, safe='')}"
    response = post_login(client, PNS_NIP, url=url, next=next_url)
    # The browser posts the hidden `next` back to the same address: both carry it.
    assert response.status_code in (200, 404)
    assert response.request.path == landing.split("?")[0]
    assert "evil.com" not in response.request.url


@pytest.mark.parametrize("next_url", ["/kursus/x", "https://evil.com", "//evil.com"])
def test_logged_in_user_opening_masuk_is_sent_on_safely(client, siti, login, next_url):
    login(PNS_NIP)
    response = client.get(f"/masuk?next={quote(next_url, safe='')}")
    assert response.status_code == 302
    assert response.headers["Location"] == (next_url if next_url == "/kursus/x" else "/beranda")


@pytest.mark.parametrize(("next_url", "location"), [
    ("/kursus/x", "/kursus/x"),
    ("//evil.com", "/beranda"),
    ("https://evil.com", "/beranda"),
    ("/\\evil.com", "/beranda"),
    ("javascript:alert(1)", "/beranda"),
])
def test_next_redirect_location(client, siti, next_url, location):
    page = text(client.get(f"/masuk?next={quote(next_url, safe='')}"))
    # The login form carries `next` in a hidden field, escaped.
    assert input_value(page, "next") == next_url
    response = submit(client, f"/masuk?next={quote(next_url, safe='')}",
                      {"identifier": PNS_NIP, "password": PASSWORD, "next": next_url},
                      follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == location


@pytest.mark.parametrize(("next_url", "location"), [
    ("/kursus/x", "/kursus/x"),
    ("//evil.com", "/beranda"),
    ("javascript:alert(1)", "/beranda"),
])
def test_next_from_the_hidden_field_alone(client, siti, next_url, location):
    response = submit(client, "/masuk",
                      {"identifier": PNS_NIP, "password": PASSWORD, "next": next_url},
                      follow_redirects=False)
    assert response.headers["Location"] == location


def test_protected_page_sends_to_login_and_back(client, siti):
    response = client.get("/akun/kata-sandi")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")
    login_page = client.get(response.headers["Location"])
    assert "Silakan masuk terlebih dahulu untuk membuka halaman ini." in flashes(text(login_page))
    back = submit(client, response.headers["Location"],
                  {"identifier": PNS_NIP, "password": PASSWORD,
                   "next": input_value(text(login_page), "next")})
    assert back.request.path == "/akun/kata-sandi"
    assert "19860926 201505 1 001" in text(back)


def test_login_without_csrf_token_is_refused(client, siti):
    response = client.post("/masuk", data={"identifier": PNS_NIP, "password": PASSWORD})
    assert response.status_code == 400
    page = text(response)
    assert "Formulir kedaluwarsa" in page
    assert "Token keamanan formulir" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get_cookie("remember_token") is None
    assert not is_logged_in(client)
    assert user_by_nip(PNS_NIP).last_login_at is None


def test_login_with_a_forged_csrf_token_is_refused(client, siti):
    client.get("/masuk")
    response = client.post("/masuk", data={"identifier": PNS_NIP, "password": PASSWORD,
                                           "csrf_token": "palsu"})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_csrf_token_of_another_browser_is_refused(app, client, siti):
    other = app.test_client()
    page = text(other.get("/masuk"))
    token = csrf_token(page)
    client.get("/masuk")
    response = client.post("/masuk", data={"identifier": PNS_NIP, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_two_browsers_are_independent(app, client, siti, login):
    login(PNS_NIP)
    assert is_logged_in(client)
    assert not is_logged_in(app.test_client())


# --- logout -------------------------------------------------------------------------------

def logout(client):
    return submit(client, "/beranda", {}, post_url="/keluar")


def test_logout_is_post_only(client, siti, login):
    login(PNS_NIP)
    response = client.get("/keluar")
    assert response.status_code == 405
    assert "Cara akses tidak diizinkan" in text(response)
    assert is_logged_in(client)


def test_logout_without_csrf_is_refused(client, siti, login):
    login(PNS_NIP)
    response = client.post("/keluar")
    assert response.status_code == 400
    assert is_logged_in(client)


def test_logout_ends_the_session(client, siti, login):
    login(PNS_NIP)
    response = logout(client)
    page = text(response)
    assert response.request.path == "/"
    assert "Anda telah keluar." in flashes(page)
    assert 'href="/masuk"' in page
    assert not is_logged_in(client)


def test_replayed_session_cookie_is_dead_after_logout(app, client, siti, login):
    login(PNS_NIP)
    stolen = client.get_cookie("session").value
    # Before logout the copied cookie works in another browser...
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert is_logged_in(copy)
    logout(client)
    # ...after logout it does not, not even in a browser that never saw the logout.
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not is_logged_in(replay)
    assert not is_logged_in(copy)


def test_replayed_remember_cookie_is_dead_after_logout(app, client, siti):
    submit(client, "/masuk", {"identifier": PNS_NIP, "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    before = app.test_client()
    before.set_cookie("remember_token", remember.value)
    assert is_logged_in(before)
    logout(client)
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value)
    assert not is_logged_in(replay)


def test_logout_ends_sessions_on_other_devices(app, client, siti, login):
    login(PNS_NIP)
    phone = app.test_client()
    submit(phone, "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    assert is_logged_in(phone)
    logout(client)
    assert not is_logged_in(phone)


def test_can_log_in_again_after_logout(client, siti, login):
    login(PNS_NIP)
    logout(client)
    page = text(login("siti@palukota.go.id"))
    assert "Halo, Siti Rahmawati." in page


def test_other_users_are_untouched_by_a_logout(app, client, siti, create_user, login):
    create_user(nip=PPPK_NIP, name="Rudi Hartono")
    rudi = app.test_client()
    submit(rudi, "/masuk", {"identifier": PPPK_NIP, "password": PASSWORD})
    login(PNS_NIP)
    logout(client)
    assert is_logged_in(rudi)
    assert "Halo, Rudi Hartono." in text(rudi.get("/beranda"))


def test_tampered_session_cookie_gives_no_access(app, client, siti, login):
    login(PNS_NIP)
    value = client.get_cookie("session").value
    forged = app.test_client()
    forged.set_cookie("session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert not is_logged_in(forged)
