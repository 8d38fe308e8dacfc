"""Providers as records: every way a provider is written links an institution, admins manage
them (rename reaches every course, a logo is checked like course media), the catalogue filters
by them, each has a page, partner certificates name them, and partners' trainers are external
accounts."""

import io
from datetime import timedelta

import pypdf
import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.audit import AuditEvent
from app.auth.models import Agency, User
from app.certificates.models import Certificate
from app.courses.models import Course
from app.extensions import db
from app.institutions.models import Institution
from app.search.models import FULL_TEXT_TABLES
from tests.certificates import issuing_helpers as h
from tests.conftest import submit
from tests.content.test_media import tiny_png
from tests.test_migrations import (
    MIGRATIONS,
    _migrations_app,
    _reflected_metadata,
    _seed_empty_tables,
    empty_database_url,  # noqa: F401  (a fixture)
)
from tests.workshops.helpers import make_session

UNTAD = "Universitas Tadulako"


@pytest.fixture
def admin_client(app, create_user):
    create_user(nip=h.ADMIN_NIP, name="Admin BKPSDM", roles=("admin",))
    return h.login_as(app, h.ADMIN_NIP)


def _institution(name):
    db.session.expire_all()
    return db.session.scalar(select(Institution).where(Institution.name == name))


def _course(code):
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.code == code))


def _partner_course(code="KAM-201"):
    course = _course(code)
    course.provider = UNTAD
    db.session.commit()
    return course


def test_every_provider_written_links_an_institution(courses):
    home, dukcapil = _institution("BKPSDM Kota Palu"), _institution("Disdukcapil Kota Palu")
    assert home.is_home and home.kind == "opd"
    assert not dukcapil.is_home and dukcapil.kind == "opd"
    assert _course("SPBE-101").institution_id == home.id
    assert _course("DUK-201").institution_id == dukcapil.id

    course = _partner_course()
    untad = _institution(UNTAD)
    assert course.institution_id == untad.id and untad.kind == "university"
    assert not untad.is_home and untad.slug == "universitas-tadulako"
    # The short name finds it too, and the provider text becomes its name.
    untad.short_name = "Untad"
    db.session.commit()
    session = make_session(None, provider="  untad ")
    db.session.expire_all()
    assert session.institution_id == untad.id and session.provider == UNTAD


def test_admin_renames_an_institution_and_every_course_follows(courses, admin_client):
    _partner_course()
    untad = _institution(UNTAD)
    url = f"/admin/penyelenggara/{untad.id}"
    page = submit(admin_client, url, {"name": "Universitas Tadulako Palu", "short_name": "Untad",
                                      "kind": "university"})
    assert "Penyelenggara Universitas Tadulako Palu disimpan." in page.get_data(as_text=True)
    assert _course("KAM-201").provider == "Universitas Tadulako Palu"
    assert "Universitas Tadulako Palu" in admin_client.get("/kursus/kam-201").get_data(
        as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "institution.update")).all()
    assert event.details["name"] == "Universitas Tadulako Palu"

    taken = submit(admin_client, url, {"name": "BKPSDM Kota Palu", "kind": "opd"})
    assert "sudah dipakai penyelenggara BKPSDM Kota Palu" in h.field_errors(
        taken.get_data(as_text=True), "name")[0]
    assert _course("KAM-201").provider == "Universitas Tadulako Palu"
    empty = submit(admin_client, "/admin/penyelenggara/baru", {"name": "", "kind": "other"})
    assert "Isi nama penyelenggara." in h.field_errors(empty.get_data(as_text=True), "name")


def test_a_logo_is_checked_like_course_media_and_served(app, courses, admin_client, client):
    _partner_course()
    untad = _institution(UNTAD)
    url = f"/admin/penyelenggara/{untad.id}"
    logo_url = f"/admin/penyelenggara/{untad.id}/logo"

    def upload(data, name):
        token = h.token_from(admin_client, url)
        return admin_client.post(logo_url, data={"csrf_token": token,
                                                 "logo": (io.BytesIO(data), name)},
                                 follow_redirects=True).get_data(as_text=True)

    assert "Logo ditolak: isi berkas bukan gambar" in upload(b"<svg onload=alert(1)>", "x.png")
    assert "Logo ditolak: logo harus gambar" in upload(b"%PDF-1.4\n%%EOF\n", "logo.pdf")
    assert _institution(UNTAD).logo_mime is None
    assert "Logo Universitas Tadulako disimpan." in upload(tiny_png(), "untad.png")

    page = client.get("/penyelenggara/universitas-tadulako").get_data(as_text=True)
    assert 'src="/penyelenggara/universitas-tadulako/logo?v=1"' in page
    served = client.get("/penyelenggara/universitas-tadulako/logo?v=1")
    assert served.status_code == 200 and served.data == tiny_png()
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/penyelenggara/badan-tidak-ada/logo").status_code == 404


def test_the_provider_page_and_the_catalogue_filter(courses, client):
    _partner_course("KAM-201")
    make_session(None, title="Kuliah Umum Transformasi Digital", provider=UNTAD,
                 starts_in=timedelta(days=10))
    page = client.get("/penyelenggara/universitas-tadulako").get_data(as_text=True)
    assert UNTAD in page and "Perguruan tinggi" in page
    assert "KAM-201" in page and "SPBE-101" not in page
    assert "Kuliah Umum Transformasi Digital" in page

    catalogue = client.get("/?penyelenggara=universitas-tadulako").get_data(as_text=True)
    assert "Keamanan Informasi" in catalogue and "/kursus/spbe-101" not in catalogue
    assert 'option value="universitas-tadulako"' in client.get("/").get_data(as_text=True)
    assert client.get("/?penyelenggara=%00%27--").status_code == 200
    course_page = client.get("/kursus/kam-201").get_data(as_text=True)
    assert 'href="/penyelenggara/universitas-tadulako"' in course_page


def test_a_partner_certificate_names_its_provider_beside_the_issuer(courses, create_user,
                                                                   client):
    _partner_course("KAM-201")
    admin = create_user(nip=h.ADMIN_NIP, roles=("admin",))
    learner = create_user()
    partner = h.issue(h.enrol(learner, _course("KAM-201")), admin)
    home = h.issue(h.enrol(learner, _course("SPBE-101")), admin)
    assert (partner.provider_name, home.provider_name) == (UNTAD, "")
    pdf = pypdf.PdfReader(io.BytesIO(h.stored_row(partner.id)["pdf"]))
    assert f"bekerja sama dengan {UNTAD}" in " ".join(pdf.pages[0].extract_text().split())
    home_pdf = pypdf.PdfReader(io.BytesIO(h.stored_row(home.id)["pdf"]))
    assert "bekerja sama" not in home_pdf.pages[0].extract_text()
    page = client.get(f"/verify/{partner.verification_code}").get_data(as_text=True)
    assert "Penyelenggara" in page and UNTAD in page
    assert client.get(f"/verify/{partner.verification_code}.json").get_json()[
        "provider"] == UNTAD


def test_a_partner_trainer_is_an_external_account(courses, agencies, create_user,
                                                  admin_client):
    _partner_course()
    untad = _institution(UNTAD)
    dosen = create_user(roles=("trainer",), name="Dr. Rahmat Dosen")
    url = f"/admin/pengguna/{dosen.id}"
    diskominfo = db.session.scalar(select(Agency).where(Agency.code == "DISKOMINFO"))
    both = submit(admin_client, url, {"name": dosen.name, "agency_id": str(diskominfo.id),
                                      "institution_id": str(untad.id), "roles": "trainer"})
    assert "Akun eksternal tidak memiliki OPD Kota Palu" in " ".join(
        h.field_errors(both.get_data(as_text=True), "institution_id"))
    submit(admin_client, url, {"name": dosen.name, "agency_id": "0",
                               "institution_id": str(untad.id), "roles": "trainer"})
    db.session.expire_all()
    assert db.session.get(User, dosen.id).institution_id == untad.id
    people = h.html(admin_client, "/admin/pengguna?q=Rahmat")
    assert "eksternal" in people and UNTAD in people


def test_institution_pages_are_for_admins(app, courses, create_user, client):
    learner = create_user()
    other = h.login_as(app, learner.nip)
    assert other.get("/admin/penyelenggara/").status_code == 403
    assert client.get("/admin/penyelenggara/").status_code == 302
    assert client.get("/penyelenggara/bkpsdm-kota-palu").status_code == 200


def test_0022_makes_institutions_of_the_providers_already_written(
        empty_database_url, tmp_path):  # noqa: F811
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0021_programme_certificates")
        with db.engine.begin() as conn:
            present = set(conn.dialect.get_table_names(conn))
            _seed_empty_tables(conn, _reflected_metadata(conn, leave_out=[
                "search_document", *(name for name in FULL_TEXT_TABLES if name in present)]))
            conn.execute(text("UPDATE course SET provider = 'Universitas  Tadulako' "
                              "WHERE id = 1"))
            conn.execute(text("UPDATE course SET provider = 'BKPSDM Kota Palu' WHERE id = 2"))
            conn.execute(text("UPDATE workshop_session SET provider = 'Universitas Tadulako'"))
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT name, kind, is_home FROM institution "
                                     "ORDER BY name")).all()
            names = {name: (kind, bool(home)) for name, kind, home in rows}
            assert names["Universitas Tadulako"] == ("university", False)
            assert names["BKPSDM Kota Palu"] == ("opd", True)
            linked = conn.execute(text(
                "SELECT c.provider, i.name FROM course c JOIN institution i "
                "ON i.id = c.institution_id ORDER BY c.id")).all()
            assert linked[0] == ("Universitas Tadulako", "Universitas Tadulako")
            assert conn.execute(text(
                "SELECT count(*) FROM workshop_session WHERE institution_id IS NULL")
            ).scalar() == 0
        db.engine.dispose()


def test_certificates_of_home_courses_stay_as_they_were(courses, create_user):
    admin = create_user(nip=h.ADMIN_NIP, roles=("admin",))
    certificate = h.issue(h.enrol(create_user(), _course("SPBE-101")), admin)
    assert db.session.get(Certificate, certificate.id).provider_name == ""


def test_an_external_trainer_authors_only_their_own_course(app, courses, create_user,
                                                            admin_client):
    from app.authoring.services import add_owner

    _partner_course()
    dosen = create_user(roles=("trainer",), name="Dr. Rahmat Dosen")
    dosen.institution = _institution(UNTAD)
    db.session.commit()
    add_owner(_course("KAM-201"), dosen, None)
    db.session.commit()
    assert "eksternal" in h.html(admin_client, "/pengajar/kursus/kam-201")
    own = h.login_as(app, dosen.nip)
    assert own.get("/pengajar/kursus/kam-201").status_code == 200
    assert own.get("/pengajar/kursus/spbe-101").status_code == 404
    assert own.get("/pengajar/kursus/spbe-101/peserta").status_code == 404
