"""The first admin: a one-time setup link, or LMS_ADMIN_NIP/LMS_ADMIN_PASSWORD at start-up."""

import hashlib
import re

import pytest

import run
from app.auth import services
from app.extensions import db
from app.settings import get_setting
from tests.auth.helpers import field_errors, flashes, input_value, text, user_by_nip, user_count
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, submit

ADMIN_PASSWORD = "admin-bkpsdm-2026"


def admin_form(**overrides):
    data = {"nip": "19800101 200501 1 003", "name": "Kepala BKPSDM", "email": "",
            "password": ADMIN_PASSWORD, "password_confirm": ADMIN_PASSWORD}
    data.update(overrides)
    return data


@pytest.fixture
def token(app):
    outcome, value = services.bootstrap_first_admin()
    db.session.commit()
    assert outcome == "token"
    return value


def test_no_admin_issues_a_token_and_stores_only_its_hash(app):
    outcome, token = services.bootstrap_first_admin()
    db.session.commit()
    assert outcome == "token"
    assert len(token) >= 40
    stored = get_setting(services.SETUP_TOKEN_SETTING)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    assert services.setup_token_valid(token)
    assert not services.setup_token_valid(token + "x")
    assert not services.setup_token_valid("")
    assert user_count() == 0


def test_a_new_token_replaces_the_old_one(app):
    _, first = services.bootstrap_first_admin()
    _, second = services.bootstrap_first_admin()
    db.session.commit()
    assert first != second
    assert services.setup_token_valid(second)
    assert not services.setup_token_valid(first)


def test_setup_page_shows_the_form(client, token):
    response = client.get(f"/penyiapan/{token}")
    page = text(response)
    assert response.status_code == 200
    assert "Buat admin pertama" in page
    assert "Tautan ini hanya berlaku satu kali." in page
    assert 'id="nip"' in page and 'id="password_confirm"' in page


@pytest.mark.parametrize("wrong", ["salah", "x" * 43, "../masuk"])
def test_wrong_token_is_404(client, token, wrong):
    response = client.get(f"/penyiapan/{wrong}")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in text(response)


def test_no_token_issued_is_404(client):
    assert client.get("/penyiapan/apa-saja").status_code == 404


def test_creating_the_admin_works_once(app, client, token):
    response = submit(client, f"/penyiapan/{token}", admin_form())
    page = text(response)
    assert response.request.path == "/beranda"
    assert "Admin pertama sudah dibuat. Tautan penyiapan tidak berlaku lagi." in flashes(page)
    assert "Halo, Kepala BKPSDM." in page

    admin = user_by_nip("198001012005011003")
    assert admin.roles == {"admin", "learner"}
    assert admin.password_hash.startswith("$argon2id$")
    assert get_setting(services.SETUP_TOKEN_SETTING) is None

    # The link is dead now, for this browser and any other.
    assert client.get(f"/penyiapan/{token}").status_code == 404
    other = app.test_client()
    assert other.get(f"/penyiapan/{token}").status_code == 404
    assert other.post(f"/penyiapan/{token}", data=admin_form(nip=PPPK_NIP)).status_code in (
        400, 404)
    assert user_count() == 1


def test_setup_form_errors_keep_the_link_alive(client, token):
    page = text(submit(client, f"/penyiapan/{token}",
                       admin_form(nip="19800101 200513 1 003", password_confirm="lain-lagi-1")))
    assert "digit 13–14 (13)" in field_errors(page, "nip")[0]
    assert field_errors(page, "password_confirm") == ["Kedua kata sandi tidak sama."]
    assert input_value(page, "name") == "Kepala BKPSDM"
    assert user_count() == 0
    assert client.get(f"/penyiapan/{token}").status_code == 200


def test_setup_form_refuses_nip_as_password(client, token):
    page = text(submit(client, f"/penyiapan/{token}",
                       admin_form(password="198001012005011003",
                                  password_confirm="198001012005011003")))
    assert field_errors(page, "password") == ["Kata sandi tidak boleh sama dengan NIP."]
    assert user_count() == 0


def test_setup_without_csrf_is_refused(client, token):
    response = client.post(f"/penyiapan/{token}", data=admin_form())
    assert response.status_code == 400
    assert user_count() == 0


def test_token_dies_when_an_admin_appears_another_way(client, token, create_user):
    create_user(nip=PPPK_NIP, roles=("admin",))
    assert client.get(f"/penyiapan/{token}").status_code == 404


def test_nip_and_password_create_an_admin_without_a_token(app):
    outcome, user = services.bootstrap_first_admin(nip="19860926 201505 1 001",
                                                   password=ADMIN_PASSWORD, name="Admin Palu")
    db.session.commit()
    assert outcome == "created"
    assert user.nip == PNS_NIP
    assert user.name == "Admin Palu"
    assert user.roles == {"admin", "learner"}
    assert get_setting(services.SETUP_TOKEN_SETTING) is None
    assert services.authenticate(PNS_NIP, ADMIN_PASSWORD) is not None


def test_nip_and_password_default_name(app):
    outcome, user = services.bootstrap_first_admin(nip=PNS_NIP, password=ADMIN_PASSWORD)
    db.session.commit()
    assert outcome == "created"
    assert user.name == "Administrator"


def test_existing_learner_is_promoted(app, create_user):
    create_user(nip=PNS_NIP, name="Siti Rahmawati")
    outcome, user = services.bootstrap_first_admin(nip=PNS_NIP, password=ADMIN_PASSWORD)
    db.session.commit()
    assert outcome == "created"
    assert user.nip == PNS_NIP
    assert user_by_nip(PNS_NIP).roles == {"admin", "learner"}
    assert user_count() == 1


def test_admin_exists_reports_exists_and_clears_a_stale_token(app, create_user, token):
    create_user(nip=PNS_NIP, roles=("admin",))
    outcome, value = services.bootstrap_first_admin()
    db.session.commit()
    assert (outcome, value) == ("exists", None)
    assert get_setting(services.SETUP_TOKEN_SETTING) is None
    # Even with LMS_ADMIN_NIP set, nothing more is created.
    outcome, _ = services.bootstrap_first_admin(nip=PPPK_NIP, password=PASSWORD)
    assert outcome == "exists"
    assert user_by_nip(PPPK_NIP) is None


def test_create_first_admin_refuses_a_dead_token(app, token):
    services.create_first_admin(token, nip=PNS_NIP, name="Admin", password=ADMIN_PASSWORD)
    db.session.commit()
    with pytest.raises(services.AccountError, match="Tautan penyiapan tidak berlaku lagi"):
        services.create_first_admin(token, nip=PPPK_NIP, name="Admin 2", password=ADMIN_PASSWORD)


# --- run.py ---------------------------------------------------------------------------------

def test_run_prints_the_setup_link(app, client, capsys):
    run.prepare_first_admin(app, "http://palu.example:8080/")
    out = capsys.readouterr().out
    assert "Belum ada admin" in out
    match = re.search(r"http://palu\.example:8080/penyiapan/(\S+)", out)
    assert match, out
    # The printed link opens the setup form.
    db.session.expire_all()
    page = client.get(f"/penyiapan/{match.group(1)}")
    assert page.status_code == 200
    assert "Buat admin pertama" in text(page)


def test_run_uses_admin_nip_from_config(app, capsys, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_NIP", "19860926 201505 1 001")
    monkeypatch.setitem(app.config, "ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("LMS_ADMIN_NAME", "Admin BKPSDM Palu")
    run.prepare_first_admin(app, "http://localhost:5000")
    out = capsys.readouterr().out
    assert "Admin 19860926 201505 1 001 siap" in out
    assert "/penyiapan/" not in out
    admin = user_by_nip(PNS_NIP)
    assert admin.name == "Admin BKPSDM Palu"
    assert admin.is_admin


def test_run_prints_nothing_when_an_admin_exists(app, capsys, create_user):
    create_user(nip=PNS_NIP, roles=("admin",))
    run.prepare_first_admin(app, "http://localhost:5000")
    assert capsys.readouterr().out == ""
