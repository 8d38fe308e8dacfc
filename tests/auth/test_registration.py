"""Self-registration at /daftar, driven like a browser with CSRF on."""

from urllib.parse import quote

import pytest

from app.auth.models import User
from app.auth.passwords import verify_password
from app.extensions import db
from tests.auth.helpers import (
    REG_PASSWORD,
    all_field_errors,
    field_errors,
    flashes,
    input_tag,
    input_value,
    registration_data,
    text,
    user_by_nip,
    user_count,
)
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, submit

NIP_TAKEN = ("NIP ini sudah terdaftar. Jika ini NIP Anda dan Anda belum pernah membuat akun, "
             "minta kata sandi sementara kepada admin BKPSDM; jika sudah punya akun, silakan "
             "masuk.")


def register(client, **overrides):
    return submit(client, "/daftar", registration_data(**overrides))


def test_registration_page_lists_the_palu_opd(client, agencies):
    page = text(client.get("/daftar"))
    assert "Daftar sebagai peserta" in page
    assert "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah" in page
    assert "Kecamatan Mantikulore" in page
    assert "— pilih OPD —" in page
    assert "III/a — Penata Muda" in page


def test_success_logs_in_and_lands_on_beranda_with_name(client, agencies):
    response = register(client, nip="19860926 201505 1 001")
    page = text(response)
    assert response.status_code == 200
    assert response.request.path == "/beranda"
    assert "Halo, Siti Rahmawati." in page
    assert "Akun Anda sudah dibuat. Selamat belajar!" in flashes(page)
    # The yearly target a new PNS sees: nothing earned yet out of 20 JP.
    assert "<strong>0</strong> / 20 JP" in page
    assert "Kurang 20 JP lagi" in page

    user = user_by_nip(PNS_NIP)
    assert user.name == "Siti Rahmawati"
    assert user.employment_type == "pns"
    assert user.golongan == "III/a"
    assert user.agency.code == "BKPSDM"
    assert user.jabatan_type == "fungsional"
    assert user.jabatan_title == "Analis SDM Aparatur Ahli Pertama"
    assert user.roles == {"learner"}
    assert verify_password(user.password_hash, REG_PASSWORD)

    account = text(client.get("/akun/kata-sandi"))
    assert "19860926 201505 1 001" in account
    assert "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah" in account


def test_pppk_nip_registers_as_pppk(client, agencies):
    response = register(client, nip="20001231 202421 1 001", name="Rudi Hartono",
                        email="rudi@palukota.go.id", golongan="IX", jabatan_type="pelaksana")
    assert response.request.path == "/beranda"
    assert "Halo, Rudi Hartono." in text(response)
    user = user_by_nip(PPPK_NIP)
    assert user.employment_type == "pppk"
    assert user.golongan == "IX"


def test_email_is_optional_and_stored_lower_case(client, agencies):
    register(client, email="")
    assert user_by_nip(PNS_NIP).email is None
    client2 = client.application.test_client()
    register(client2, nip=PPPK_NIP, email="Rudi.H@PaluKota.GO.ID", golongan="V")
    assert user_by_nip(PPPK_NIP).email == "rudi.h@palukota.go.id"


def test_registered_user_can_log_in_again_later(client, agencies, login):
    register(client)
    submit(client, "/beranda", {}, post_url="/keluar")
    page = text(login("19860926 201505 1 001", REG_PASSWORD))
    assert "Halo, Siti Rahmawati." in page


@pytest.mark.parametrize(("nip", "words"), [
    ("19861332 201505 1 001", ["tanggal lahir 19861332 tidak valid"]),
    ("19860926 201513 1 001", ["digit 13–14 (13)"]),
    ("19860926 201505 3 001", ["jenis kelamin", "bukan 3"]),
    ("19860926 201505 1 000", ["nomor urut", "000"]),
    ("1986 0926 2015", ["NIP harus 18 digit", "12 digit"]),
    ("19860926-2015O5-1-001", ["hanya boleh berisi angka"]),
    ("", ["Wajib diisi."]),
])
def test_invalid_nip_shows_the_reason_on_the_nip_field(client, agencies, nip, words):
    response = register(client, nip=nip)
    page = text(response)
    assert response.status_code == 200
    assert response.request.path == "/daftar"
    assert "Periksa kembali isian yang ditandai di bawah." in page
    errors = field_errors(page, "nip")
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0]
    assert 'aria-invalid="true"' in input_tag(page, "nip")
    assert user_count() == 0


def test_what_was_typed_is_kept_after_an_error(client, agencies):
    page = text(register(client, nip="19860926 201505 1 001", name="Siti Rahmawati, S.Kom.",
                         password="pendek", password_confirm="pendek"))
    assert field_errors(page, "password") == ["Kata sandi minimal 8 karakter."]
    assert input_value(page, "nip") == "19860926 201505 1 001"
    assert input_value(page, "name") == "Siti Rahmawati, S.Kom."
    assert input_value(page, "email") == "siti.rahmawati@palukota.go.id"
    assert input_value(page, "jabatan_title") == "Analis SDM Aparatur Ahli Pertama"
    # Passwords are never written back into the page.
    assert input_value(page, "password") in (None, "")
    assert "pendek" not in page
    # The chosen OPD and golongan stay selected.
    assert f'selected value="{registration_data()["agency_id"]}"' in page
    assert 'selected value="III/a"' in page


def test_invalid_nip_is_kept_as_typed(client, agencies):
    page = text(register(client, nip="19861332 201505 1 001", name="Andi Mappanyukki"))
    assert input_value(page, "nip") == "19861332 201505 1 001"
    assert input_value(page, "name") == "Andi Mappanyukki"


def test_duplicate_nip_is_refused_even_typed_differently(client, agencies, create_user):
    create_user(nip=PNS_NIP, name="Pemilik Asli")
    page = text(register(client, nip="19860926.201505.1.001", email="lain@palukota.go.id"))
    assert field_errors(page, "nip") == [NIP_TAKEN]
    assert user_count() == 1
    assert user_by_nip(PNS_NIP).name == "Pemilik Asli"


def test_duplicate_email_is_refused_case_insensitively(client, agencies, create_user):
    create_user(nip=PPPK_NIP, email="siti.rahmawati@palukota.go.id")
    page = text(register(client, email="SITI.Rahmawati@PaluKota.go.id"))
    assert field_errors(page, "email") == ["Email ini sudah dipakai akun lain."]
    assert user_by_nip(PNS_NIP) is None
    assert user_count() == 1


def test_malformed_email_is_refused(client, agencies):
    page = text(register(client, email="siti@"))
    assert field_errors(page, "email") == ["Alamat email tidak valid."]
    assert user_count() == 0


def test_password_shorter_than_8_is_refused(client, agencies):
    page = text(register(client, password="1234567", password_confirm="1234567"))
    assert field_errors(page, "password") == ["Kata sandi minimal 8 karakter."]
    assert user_count() == 0


def test_password_of_exactly_8_is_accepted(client, agencies):
    response = register(client, password="palu2026", password_confirm="palu2026")
    assert response.request.path == "/beranda"
    assert user_count() == 1


@pytest.mark.parametrize("password", [PNS_NIP, "19860926 201505 1 001", "19860926-201505-1-001"])
def test_password_equal_to_nip_is_refused(client, agencies, password):
    page = text(register(client, password=password, password_confirm=password))
    assert field_errors(page, "password") == ["Kata sandi tidak boleh sama dengan NIP."]
    assert user_count() == 0


def test_mismatched_confirmation_is_refused(client, agencies):
    page = text(register(client, password=REG_PASSWORD, password_confirm=REG_PASSWORD + "x"))
    assert field_errors(page, "password_confirm") == ["Kedua kata sandi tidak sama."]
    assert field_errors(page, "password") == []
    assert user_count() == 0


@pytest.mark.parametrize(("nip", "golongan", "message"), [
    (PNS_NIP, "IX", "Golongan IX bukan golongan PNS (menurut NIP Anda)."),
    (PPPK_NIP, "III/a", "Golongan III/a bukan golongan PPPK (menurut NIP Anda)."),
])
def test_golongan_must_match_employment_type(client, agencies, nip, golongan, message):
    page = text(register(client, nip=nip, golongan=golongan))
    assert field_errors(page, "golongan") == [message]
    assert user_count() == 0


def test_golongan_is_optional(client, agencies):
    response = register(client, golongan="")
    assert response.request.path == "/beranda"
    assert user_by_nip(PNS_NIP).golongan is None


def test_unknown_golongan_value_is_refused(client, agencies):
    page = text(register(client, golongan="V/z"))
    assert field_errors(page, "golongan")[0] == "Pilihan tidak valid."
    assert user_count() == 0


def test_opd_must_be_chosen(client, agencies):
    page = text(register(client, agency_id="0"))
    assert field_errors(page, "agency_id") == ["Pilih OPD Anda."]
    assert user_count() == 0


def test_jabatan_type_must_be_chosen(client, agencies):
    page = text(register(client, jabatan_type=""))
    assert field_errors(page, "jabatan_type") == ["Pilih jenis jabatan."]
    assert user_count() == 0


@pytest.mark.parametrize("tampered", ["abc", "99999", "-1", "1.5", ""])
def test_tampered_agency_id_gives_an_indonesian_error(client, agencies, tampered):
    response = register(client, agency_id=tampered)
    page = text(response)
    assert response.status_code == 200
    errors = field_errors(page, "agency_id")
    assert errors, all_field_errors(page)
    assert all(e in ("Pilihan tidak valid.", "Pilih OPD Anda.") for e in errors), errors
    # One clear message, not the same sentence twice.
    assert len(errors) == len(set(errors))
    assert input_value(page, "name") == "Siti Rahmawati"
    assert user_count() == 0


def test_agency_id_missing_from_the_post(client, agencies):
    data = registration_data()
    del data["agency_id"]
    response = submit(client, "/daftar", data)
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "agency_id")
    assert user_count() == 0


def test_register_without_csrf_token_is_refused(client, agencies):
    response = client.post("/daftar", data=registration_data())
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in text(response)
    assert user_count() == 0


def test_logged_in_user_is_sent_from_daftar_to_beranda(client, agencies, create_user, login):
    create_user(nip=PPPK_NIP, name="Rudi Hartono")
    login(PPPK_NIP, PASSWORD)
    response = client.get("/daftar")
    assert response.status_code == 302
    assert response.headers["Location"] == "/beranda"


@pytest.mark.parametrize(("next_url", "landing"), [
    ("/kursus/spbe-101", "/kursus/spbe-101"),
    ("//evil.com", "/beranda"),
    ("https://evil.com", "/beranda"),
])
def test_registration_follows_only_a_safe_next(client, agencies, next_url, landing):
    url = f"/daftar?next={quote(next_url, safe='')}"
    response = submit(client, url, registration_data(), follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_employment_type_cannot_be_forged_from_the_form(client, agencies):
    register(client, nip=PPPK_NIP, golongan="IX", employment_type="pns", is_admin="y")
    user = user_by_nip(PPPK_NIP)
    assert user.employment_type == "pppk"
    assert user.roles == {"learner"}


class TestRegistrationSwitchedOff:
    def test_daftar_is_404(self, closed_client):
        response = closed_client.get("/daftar")
        assert response.status_code == 404
        assert "Halaman tidak ditemukan" in text(response)
        assert closed_client.post("/daftar", data={}).status_code in (400, 404)

    def test_login_page_has_no_register_link(self, closed_client):
        page = text(closed_client.get("/masuk"))
        assert "Masuk ke Kompeten" in page
        assert "/daftar" not in page
        assert "Daftar dengan NIP Anda" not in page
        assert "Belum punya akun?" not in page

    def test_catalogue_menu_has_no_register_link(self, closed_client):
        page = text(closed_client.get("/"))
        assert 'href="/masuk"' in page
        assert "/daftar" not in page

    def test_the_open_app_does_show_the_link(self, client):
        page = text(client.get("/masuk"))
        assert "Daftar dengan NIP Anda" in page
        assert 'href="/daftar"' in page


def test_user_row_has_hash_not_password(client, agencies):
    register(client)
    user = db.session.get(User, user_by_nip(PNS_NIP).id)
    assert user.password_hash.startswith("$argon2id$")
    assert REG_PASSWORD not in user.password_hash


def test_name_is_shown_escaped(client, agencies):
    page = text(register(client, name="<script>alert(1)</script> Siti"))
    assert "<script>alert(1)</script>" not in page
    assert "Halo, &lt;script&gt;alert(1)&lt;/script&gt; Siti." in page


def test_blank_name_is_required(client, agencies):
    page = text(register(client, name="   "))
    assert field_errors(page, "name") == ["Wajib diisi."]
    assert user_count() == 0


def test_implausible_but_valid_nip_registers_with_a_warning(client, agencies):
    # Born 2010, appointed 2020: a valid layout, so accepted, but the owner is asked to look.
    response = submit(client, "/daftar", registration_data(nip="201001012020011001"))
    page = text(response)
    assert "Akun Anda sudah dibuat" in page
    assert "Periksa NIP Anda: usia saat pengangkatan kurang dari 18 tahun" in page
    assert user_by_nip("201001012020011001") is not None
