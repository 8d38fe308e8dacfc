"""A person edits their own profile (name, email, phone, jabatan) at /akun; what the roster
decides (NIP, OPD, golongan) is shown read-only with whom to ask."""

from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import Agency, User
from app.extensions import db
from tests.conftest import csrf_token

FIELDS = {"name": "Andi Lamadjido, S.Kom.", "email": "Andi.L@PaluKota.go.id",
          "phone": "0812-3456-7890", "jabatan_type": "fungsional",
          "jabatan_title": "Pranata Komputer Ahli Muda"}


def _post(client, **changes):
    token = csrf_token(client.get("/akun").get_data(as_text=True))
    return client.post("/akun", data=dict(FIELDS, csrf_token=token, **changes),
                       follow_redirects=True)


def _reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_learner_edits_their_profile_and_it_is_audited(client, agencies, create_user, login):
    agency = db.session.scalar(select(Agency).where(Agency.code == "DISKOMINFO"))
    user = create_user(nip="198609262015051001", agency=agency, golongan="III/a")
    login(user.nip)
    page = client.get("/akun").get_data(as_text=True)
    assert "19860926 201505 1 001" in page and agency.name in page and "III/a" in page
    assert "hubungi admin BKPSDM" in page
    assert 'href="/akun"' in page  # the menu's "Akun" leads here

    saved = _post(client, nip="199001012015011999", agency_id="1", golongan="IV/e")
    assert "Profil disimpan." in saved.get_data(as_text=True)
    user = _reload(user)
    assert (user.name, user.email, user.phone, user.jabatan_type, user.jabatan_title) == (
        "Andi Lamadjido, S.Kom.", "andi.l@palukota.go.id", "0812-3456-7890", "fungsional",
        "Pranata Komputer Ahli Muda")
    # The roster's fields cannot be changed by posting them.
    assert (user.nip, user.agency_id, user.golongan) == (
        "198609262015051001", agency.id, "III/a")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.profile"))
    assert event.actor_id == user.id and "phone" in event.details["changes"]
    again = _post(client)
    assert "Tidak ada yang berubah." in again.get_data(as_text=True)


def test_bad_input_is_named_and_nothing_is_saved(client, create_user, login):
    other = create_user(email="siti@palukota.go.id")
    user = create_user(name="Pegawai Lama")
    login(user.nip)
    page = _post(client, phone="telepon saya", name="").get_data(as_text=True)
    assert "Nomor ponsel hanya boleh angka (8–15 digit)" in page
    assert "telepon saya" in page  # what was typed stays in the form
    page = _post(client, email=other.email.upper()).get_data(as_text=True)
    assert "Email ini sudah dipakai akun lain." in page
    assert _reload(user).name == "Pegawai Lama" and _reload(user).phone is None
