"""Changing the password at /akun/kata-sandi, and how passwords are stored (Argon2id)."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.auth import services
from app.auth.models import User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.extensions import db
from tests.auth.helpers import (
    NEW_PASSWORD,
    field_errors,
    flashes,
    is_logged_in,
    registration_data,
    text,
    user_by_nip,
)
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, submit

PAGE = "/akun/kata-sandi"


@pytest.fixture
def siti(create_user, login):
    user = create_user(nip=PNS_NIP, name="Siti Rahmawati", email="siti@palukota.go.id")
    login(PNS_NIP)
    return user


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return submit(client, PAGE, {"current_password": current, "password": new,
                                 "password_confirm": new if confirm is None else confirm})


def hash_of(nip):
    return user_by_nip(nip).password_hash


def test_page_needs_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_page_shows_the_account(client, siti):
    page = text(client.get(PAGE))
    assert "Ganti kata sandi" in page
    assert "Siti Rahmawati" in page
    assert "19860926 201505 1 001" in page
    assert "Setelah diganti, sesi Anda di perangkat lain akan diakhiri." in page


def test_wrong_current_password(client, siti):
    before = hash_of(PNS_NIP)
    page = text(change(client, current="bukan-sandi-saya"))
    assert field_errors(page, "current_password") == ["Kata sandi saat ini salah."]
    assert field_errors(page, "password") == []
    assert hash_of(PNS_NIP) == before
    assert is_logged_in(client)


def test_new_password_too_short(client, siti):
    before = hash_of(PNS_NIP)
    page = text(change(client, new="pendek7"))
    assert field_errors(page, "password") == ["Kata sandi minimal 8 karakter."]
    assert hash_of(PNS_NIP) == before


@pytest.mark.parametrize("new", [PNS_NIP, "19860926 201505 1 001"])
def test_new_password_equal_to_nip(client, siti, new):
    before = hash_of(PNS_NIP)
    page = text(change(client, new=new))
    # The problem is with the new password, so it is shown on that field.
    assert field_errors(page, "password") == ["Kata sandi tidak boleh sama dengan NIP."]
    assert field_errors(page, "current_password") == []
    assert hash_of(PNS_NIP) == before


def test_new_password_equal_to_nip_with_wrong_current_password(client, siti):
    page = text(change(client, current="bukan-sandi-saya", new=PNS_NIP))
    assert field_errors(page, "password") == ["Kata sandi tidak boleh sama dengan NIP."]
    assert verify_password(hash_of(PNS_NIP), PASSWORD)


def test_confirmation_must_match(client, siti):
    page = text(change(client, confirm=NEW_PASSWORD + "!"))
    assert field_errors(page, "password_confirm") == ["Kedua kata sandi tidak sama."]
    assert verify_password(hash_of(PNS_NIP), PASSWORD)


def test_success_then_only_the_new_password_works(app, client, siti, login):
    response = change(client)
    page = text(response)
    assert response.request.path == "/beranda"
    assert "Kata sandi sudah diganti. Sesi di perangkat lain telah diakhiri." in flashes(page)
    # This browser stays signed in.
    assert is_logged_in(client)

    old = submit(app.test_client(), "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    assert field_errors(text(old), "password") == ["NIP/email atau kata sandi salah."]

    fresh = app.test_client()
    new = submit(fresh, "/masuk", {"identifier": "siti@palukota.go.id", "password": NEW_PASSWORD})
    assert new.request.path == "/beranda"
    assert "Halo, Siti Rahmawati." in text(new)


def test_change_without_csrf_is_refused(client, siti):
    response = client.post(PAGE, data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                       "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert verify_password(hash_of(PNS_NIP), PASSWORD)


def test_change_ends_sessions_elsewhere_and_old_cookies(app, client, siti):
    laptop = app.test_client()
    submit(laptop, "/masuk", {"identifier": PNS_NIP, "password": PASSWORD, "remember": "y"})
    assert is_logged_in(laptop)
    session_cookie = laptop.get_cookie("session").value
    remember_cookie = laptop.get_cookie("remember_token").value

    change(client)

    assert is_logged_in(client)
    assert not is_logged_in(laptop)
    replay = app.test_client()
    replay.set_cookie("session", session_cookie)
    assert not is_logged_in(replay)
    replay_remember = app.test_client()
    replay_remember.set_cookie("remember_token", remember_cookie)
    assert not is_logged_in(replay_remember)


def test_change_from_another_client_ends_this_session(app, client, siti):
    old_cookie = client.get_cookie("session").value
    other = app.test_client()
    submit(other, "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    change(other)
    assert not is_logged_in(client)
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert not is_logged_in(replay)
    assert is_logged_in(other)


# --- how passwords are stored --------------------------------------------------------------

def _all_hashes():
    db.session.expire_all()
    return dict(db.session.execute(select(User.nip, User.password_hash)).all())


def test_hashes_are_argon2id_and_never_contain_the_password(app, client, agencies):
    submit(client, "/daftar", registration_data())
    services.create_user(nip=PPPK_NIP, name="Rudi", password=PASSWORD)
    db.session.commit()
    hashes = _all_hashes()
    assert set(hashes) == {PNS_NIP, PPPK_NIP}
    for nip, password in ((PNS_NIP, registration_data()["password"]), (PPPK_NIP, PASSWORD)):
        stored = hashes[nip]
        assert stored.startswith("$argon2id$")
        assert password not in stored
        # The configured (test) cost is used.
        assert "m=1024,t=1,p=1" in stored
        assert verify_password(stored, password)
        assert not verify_password(stored, password + "x")


def test_same_password_gives_different_hashes(create_user):
    create_user(nip=PNS_NIP, password=PASSWORD)
    create_user(nip=PPPK_NIP, password=PASSWORD)
    hashes = _all_hashes()
    assert hashes[PNS_NIP] != hashes[PPPK_NIP]


def test_changed_password_is_also_argon2id(client, siti):
    change(client)
    stored = hash_of(PNS_NIP)
    assert stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored
    assert verify_password(stored, NEW_PASSWORD)


def test_weaker_hash_is_upgraded_at_login(app, create_user):
    user = create_user(nip=PNS_NIP)
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    assert needs_rehash(weak)
    response = submit(app.test_client(), "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    assert response.request.path == "/beranda"
    upgraded = hash_of(PNS_NIP)
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    assert "m=1024,t=1,p=1" in upgraded
    assert not needs_rehash(upgraded)


def test_broken_stored_hash_refuses_login_without_error(app, create_user):
    user = create_user(nip=PNS_NIP)
    user.password_hash = "not-a-hash"
    db.session.commit()
    response = submit(app.test_client(), "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    assert response.status_code == 200
    assert field_errors(text(response), "password") == ["NIP/email atau kata sandi salah."]
    assert verify_password("not-a-hash", PASSWORD) is False


def test_hash_password_helper(app):
    stored = hash_password("kata sandi dengan spasi")
    assert stored.startswith("$argon2id$v=19$")
    assert "kata sandi dengan spasi" not in stored
    assert verify_password(stored, "kata sandi dengan spasi")


def test_remember_me_survives_own_password_change(app, client, create_user):
    from tests.conftest import PASSWORD, submit

    create_user(nip="198609262015051001")
    submit(client, "/masuk", {"identifier": "198609262015051001", "password": PASSWORD,
                              "remember": "y"})
    response = submit(client, "/akun/kata-sandi", {
        "current_password": PASSWORD, "password": "kata-sandi-baru-99",
        "password_confirm": "kata-sandi-baru-99"})
    assert "Kata sandi sudah diganti" in response.get_data(as_text=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.value.split("|")[0].split(":")[1] == "2"
