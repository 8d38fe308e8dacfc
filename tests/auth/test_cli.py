"""`flask users create` and `flask agencies seed` through Flask's CLI runner."""

import pytest
from sqlalchemy import func, select

from app.auth.models import Agency
from app.auth.passwords import verify_password
from app.extensions import db
from tests.auth.helpers import text, user_by_nip, user_count
from tests.conftest import PASSWORD, PNS_NIP, PPPK_NIP, submit


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create(runner, *args, password=PASSWORD):
    return runner.invoke(args=["users", "create", *args], input=f"{password}\n")


def agency_count():
    return db.session.scalar(select(func.count()).select_from(Agency))


def test_create_admin_and_learner_with_password_on_stdin(app, runner):
    result = create(runner, "--nip", "19860926 201505 1 001", "--name", "Andi Mappanyukki",
                    "--role", "admin", "--role", "learner", "--email", "Andi@PaluKota.go.id")
    assert result.exit_code == 0, result.output
    assert "Akun 19860926 201505 1 001 (admin, learner) dibuat." in result.output
    user = user_by_nip(PNS_NIP)
    assert user.name == "Andi Mappanyukki"
    assert user.roles == {"admin", "learner"}
    assert user.email == "andi@palukota.go.id"
    assert user.employment_type == "pns"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    # The new account can log in through the web.
    page = submit(app.test_client(), "/masuk", {"identifier": PNS_NIP, "password": PASSWORD})
    assert "Halo, Andi Mappanyukki." in text(page)


def test_default_role_is_learner_and_pppk_is_read_from_nip(runner):
    result = create(runner, "--nip", PPPK_NIP, "--name", "Rudi Hartono")
    assert result.exit_code == 0, result.output
    assert "(learner)" in result.output
    user = user_by_nip(PPPK_NIP)
    assert user.roles == {"learner"}
    assert user.employment_type == "pppk"


def test_agency_by_code(runner, agencies):
    result = create(runner, "--nip", PNS_NIP, "--name", "Siti", "--agency", "diskominfo")
    assert result.exit_code == 0, result.output
    assert user_by_nip(PNS_NIP).agency.name == "Dinas Komunikasi dan Informatika"


def test_unknown_agency_is_a_usage_error(runner, agencies):
    result = create(runner, "--nip", PNS_NIP, "--name", "Siti", "--agency", "TIDAKADA")
    assert result.exit_code == 2
    assert "OPD dengan kode TIDAKADA tidak ada." in result.output
    assert user_count() == 0


@pytest.mark.parametrize(("nip", "words"), [
    ("19861332 201505 1 001", ["tanggal lahir 19861332 tidak valid"]),
    ("19860926 201500 1 001", ["digit 13–14 (00)"]),
    ("1986092620150510", ["NIP harus 18 digit", "16 digit"]),
    ("19860926 201505 1 000", ["nomor urut", "000"]),
])
def test_invalid_nip_fails_clearly_and_creates_nothing(runner, nip, words):
    result = create(runner, "--nip", nip, "--name", "Andi", "--role", "admin")
    assert result.exit_code != 0
    for word in words:
        assert word in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert user_count() == 0


@pytest.mark.parametrize(("password", "message"), [
    ("pendek", "Kata sandi minimal 8 karakter."),
    ("", "Kata sandi minimal 8 karakter."),
    (PNS_NIP, "Kata sandi tidak boleh sama dengan NIP."),
])
def test_weak_password_fails_clearly_and_creates_nothing(runner, password, message):
    result = create(runner, "--nip", PNS_NIP, "--name", "Andi", "--role", "admin",
                    password=password)
    assert result.exit_code != 0
    assert message in result.output
    assert user_count() == 0


def test_duplicate_nip_fails(runner, create_user):
    create_user(nip=PNS_NIP, name="Pemilik Asli")
    result = create(runner, "--nip", "19860926-201505-1-001", "--name", "Orang Lain")
    assert result.exit_code != 0
    assert "NIP 198609262015051001 sudah terdaftar." in result.output
    assert user_by_nip(PNS_NIP).name == "Pemilik Asli"


def test_unknown_role_is_refused(runner):
    result = create(runner, "--nip", PNS_NIP, "--name", "Andi", "--role", "superuser")
    assert result.exit_code == 2
    assert "superuser" in result.output
    assert user_count() == 0


def test_agencies_seed_twice_adds_33_then_0(runner):
    first = runner.invoke(args=["agencies", "seed"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "33 OPD ditambahkan."
    assert agency_count() == 33
    second = runner.invoke(args=["agencies", "seed"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == "0 OPD ditambahkan."
    assert agency_count() == 33
    names = set(db.session.scalars(select(Agency.name)))
    assert "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah" in names
    assert "Kecamatan Tawaeli" in names


def test_seed_adds_only_missing_agencies(runner):
    db.session.add(Agency(code="BKPSDM", name="BKPSDM Kota Palu (nama lokal)"))
    db.session.commit()
    result = runner.invoke(args=["agencies", "seed"])
    assert result.output.strip() == "32 OPD ditambahkan."
    db.session.expire_all()
    bkpsdm = db.session.scalar(select(Agency).where(Agency.code == "BKPSDM"))
    assert bkpsdm.name == "BKPSDM Kota Palu (nama lokal)"
    assert agency_count() == 33


def test_seeded_agencies_appear_on_the_registration_form(client, runner):
    runner.invoke(args=["agencies", "seed"])
    page = text(client.get("/daftar"))
    assert page.count("<option") >= 33 + 1
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page


def test_duplicate_email_with_stray_space_fails_cleanly(runner, create_user):
    create_user(nip=PPPK_NIP, email="siti@palukota.go.id")
    result = create(runner, "--nip", PNS_NIP, "--name", "Siti", "--email", " Siti@PaluKota.go.id ")
    assert result.exit_code == 1
    assert "sudah dipakai akun lain" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert user_by_nip(PNS_NIP) is None


def test_email_is_stored_trimmed_and_lower_case(runner):
    result = create(runner, "--nip", PNS_NIP, "--name", "Siti", "--email", " Siti@PaluKota.go.id ")
    assert result.exit_code == 0, result.output
    assert user_by_nip(PNS_NIP).email == "siti@palukota.go.id"
