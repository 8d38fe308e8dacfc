"""Programmes written in the browser: by admins and allowed trainers only, the same rules as
files (bad input named in Indonesian, nothing saved), audited, and a round trip both ways:
browser → file → import unchanged, file → browser → the same file."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import Agency
from app.extensions import db
from app.programmes import files
from app.programmes.models import Programme
from tests.certificates import issuing_helpers as h
from tests.conftest import submit
from tests.workshops.helpers import make_session

BUNDLED = Path(__file__).resolve().parents[2] / "programmes"
NEW = "/pengajar/program/baru"


def _form(**changes):
    data = {"title": "Jalur Pelayanan Digital", "slug": "jalur-pelayanan",
            "provider": "BKPSDM Kota Palu", "summary": "Dua kursus dan satu webinar.",
            "description": "Untuk **petugas layanan**.", "steps": "SPBE-101\nsesi: webinar",
            "status": "published", "due_on": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _programme(slug="jalur-pelayanan"):
    db.session.expire_all()
    return db.session.scalar(select(Programme).where(Programme.slug == slug))


@pytest.fixture
def admin_client(app, create_user):
    create_user(nip=h.ADMIN_NIP, name="Admin BKPSDM", roles=("admin",))
    return h.login_as(app, h.ADMIN_NIP)


def test_admin_writes_a_programme_that_exports_and_imports_back_unchanged(
        courses, agencies, admin_client, tmp_path):
    session = make_session(None, kind="klasikal", starts_in=timedelta(days=5))
    diskominfo = db.session.scalar(select(Agency).where(Agency.code == "DISKOMINFO"))
    page = h.html(admin_client, NEW)
    assert "SPBE-101" in page and f"sesi: {session.id}" in page  # what the steps may name

    reply = submit(admin_client, NEW, _form(
        steps=f"spbe-101\nKAM-201\nsesi: webinar\nsesi: {session.id}",
        agencies=diskominfo.code, jabatan="pelaksana", mandatory="y", due_on="2027-06-30"))
    assert "Program Jalur Pelayanan Digital dibuat." in reply.get_data(as_text=True)
    programme = _programme()
    assert [step.target for step in programme.steps][-2:] == [
        ("kind", "webinar"), ("session", session.id)]
    assert [step.course.code for step in programme.steps[:2]] == ["SPBE-101", "KAM-201"]
    assert [a.code for a in programme.agencies] == ["DISKOMINFO"]
    assert programme.jabatan_types == ["pelaksana"] and programme.mandatory
    assert "<strong>petugas layanan</strong>" in programme.description_html
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "programme.create")).all()
    assert event.details["slug"] == "jalur-pelayanan"

    download = admin_client.get("/pengajar/program/jalur-pelayanan/unduh")
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="jalur-pelayanan.md"'
    folder = tmp_path / "programmes"
    folder.mkdir()
    (folder / "jalur-pelayanan.md").write_bytes(download.data)
    report = files.import_programmes(folder)
    assert report.ok and report.unchanged == ["jalur-pelayanan"], report.problems
    assert f"sesi: {session.id}" in download.get_data(as_text=True)


def test_a_file_programme_saved_unchanged_in_the_browser_stays_the_same_file(
        courses, admin_client):
    report = files.import_programmes(BUNDLED)
    db.session.commit()
    assert report.ok
    programme = _programme("literasi-digital-asn-2027")
    before = files.programme_document(programme)
    url = "/pengajar/program/literasi-digital-asn-2027/ubah"
    page = h.html(admin_client, url)
    assert "SPBE-101\nKAM-201\nDUK-201\nsesi: webinar" in page
    form = _form(title=programme.title, provider=programme.provider,
                 summary=programme.summary, description=programme.description_source,
                 steps="SPBE-101\nKAM-201\nDUK-201\nsesi: webinar", mandatory="y",
                 due_on="2027-06-30", slug=None)
    assert "Perubahan program disimpan." in submit(admin_client, url, form).get_data(
        as_text=True)
    assert files.programme_document(_programme("literasi-digital-asn-2027")) == before
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "programme.update")).all() == []

    submit(admin_client, url, dict(form, steps="KAM-201\nSPBE-101"))
    changed = _programme("literasi-digital-asn-2027")
    assert [step.course.code for step in changed.steps] == ["KAM-201", "SPBE-101"]
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "programme.update")).all()
    assert "steps" in event.details["changed"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"steps": "SPBE-101\nTIDAK-ADA"}, "steps", "kursus berkode 'TIDAK-ADA' tidak ada"),
    ({"steps": "sesi: 99999"}, "steps", "sesi nomor 99999 tidak ada"),
    ({"steps": "sesi: daring"}, "steps", "langkah tidak dikenal"),
    # Digits to str.isdigit() that int() refuses ("²"), and more digits than int() converts.
    ({"steps": "SPBE-101\nsesi: ²"}, "steps", "langkah tidak dikenal: {'sesi': '²'}"),
    ({"steps": "sesi: " + "9" * 5000}, "steps", "langkah tidak dikenal: {'sesi': '999"),
    ({"steps": "SPBE-101\nspbe-101"}, "steps", "muncul dua kali"),
    ({"steps": ""}, "steps", "Isi sekurang-kurangnya satu langkah."),
    ({"mandatory": "y"}, "due_on", "Program wajib perlu tenggat."),
    ({"slug": "Jalur Baru!"}, "slug", "Hanya huruf kecil"),
    ({"title": ""}, "title", "Isi judul program."),
    ({"title": "x" * 201}, "title", "paling panjang 200"),
    ({"due_on": "30/06/2027"}, "due_on", ""),
    ({"steps": "SPBE-101\n{{ 7*7 }}<script>"}, "steps", "tidak ada"),
])
def test_bad_input_is_named_and_nothing_is_saved(courses, admin_client, changes, field,
                                                 message):
    reply = submit(admin_client, NEW, _form(**changes))
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    errors = h.field_errors(page, field)
    assert errors and message in " ".join(errors), (field, errors)
    assert _programme() is None


def test_a_session_number_in_other_digits_is_not_taken_for_that_session(courses, admin_client):
    """int() reads Arabic-Indic digits ("٣" is 3); the steps take only 0-9 as a number."""
    session = make_session(None, kind="klasikal", starts_in=timedelta(days=5))
    typed = str(session.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    reply = submit(admin_client, NEW, _form(steps=f"SPBE-101\nsesi: {typed}"))
    assert reply.status_code == 200
    errors = h.field_errors(reply.get_data(as_text=True), "steps")
    assert errors and f"langkah tidak dikenal: {{'sesi': '{typed}'}}" in " ".join(errors)
    assert _programme() is None


def test_the_address_is_unique_and_stays(courses, admin_client):
    submit(admin_client, NEW, _form())
    again = submit(admin_client, NEW, _form(title="Lain"))
    assert "Alamat ini sudah dipakai program lain." in h.field_errors(
        again.get_data(as_text=True), "slug")
    url = "/pengajar/program/jalur-pelayanan/ubah"
    submit(admin_client, url, _form(slug="alamat-baru", title="Judul Baru"))
    assert _programme().title == "Judul Baru" and _programme("alamat-baru") is None


def test_only_admins_and_allowed_trainers_write_programmes(app, courses, create_user,
                                                          admin_client, client):
    learner = create_user()
    trainer = create_user(roles=("trainer",), name="Pengajar Program")
    for person in (learner, trainer):
        other = h.login_as(app, person.nip)
        assert other.get("/pengajar/program/").status_code == 403
        assert other.post(NEW, data=_form()).status_code in (400, 403)
    assert client.get("/pengajar/program/").status_code == 302  # to the login page

    # The admin allows the trainer, on the person's page (audited).
    person_url = f"/admin/pengguna/{trainer.id}"
    page = h.html(admin_client, person_url)
    assert "boleh menyusun program pelatihan" in page
    submit(admin_client, person_url, {"name": trainer.name, "agency_id": "0",
                                      "roles": "trainer", "programme_author": "y"})
    db.session.expire_all()
    assert trainer.programme_author
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.update").order_by(AuditEvent.id.desc())).first()
    assert event.details["programme_author"] == {"before": False, "after": True}

    allowed = h.login_as(app, trainer.nip)
    assert "/pengajar/program/" in h.html(allowed, "/pengajar/")
    assert "dibuat" in submit(allowed, NEW, _form()).get_data(as_text=True)
    assert _programme() is not None
