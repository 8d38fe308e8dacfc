"""Programme certificates: issued by a job when the last step is done (a course completed
through the pages, or attendance recorded by the trainer), with the steps and their JP on a
lampiran, verifiable, revocable and re-issuable, an Open Badge of its own, and JP never
counted twice."""

import io
import json
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select

from app.auth.models import Agency
from app.certificates import services as certificate_services
from app.certificates.models import Certificate
from app.courses.models import Course, Enrollment
from app.database import utcnow
from app.extensions import db
from app.programmes import certificates, files
from app.programmes.models import Programme
from app.reports.queries import user_jp
from app.settings import set_setting
from app.workshops import attendance
from tests.certificates import issuing_helpers as h
from tests.certificates.test_open_badges import (
    BASE_URL,
    download_jwt,
    verify_with_openbadgeslib,
    verify_with_pyjwt,
)
from tests.conftest import submit
from tests.workshops.helpers import attend, make_session

DONE = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def admin(create_user):
    return create_user(nip=h.ADMIN_NIP, name="Admin BKPSDM", roles=("admin",))


@pytest.fixture
def admin_client(app, admin):
    return h.login_as(app, h.ADMIN_NIP)


def _programme(tmp_path, steps, extra=""):
    folder = tmp_path / "programmes"
    folder.mkdir(exist_ok=True)
    (folder / "jalur-uji.md").write_text(
        f"---\ntitle: Jalur Uji Keamanan\nprovider: BKPSDM Kota Palu\nsteps: {steps}\n{extra}"
        "---\nDua langkah.\n", encoding="utf-8")
    report = files.import_programmes(folder)
    db.session.commit()
    assert report.ok, report.problems
    return db.session.scalar(select(Programme).where(Programme.slug == "jalur-uji"))


def _course(code):
    return db.session.scalar(select(Course).where(Course.code == code))


def _complete_directly(user, code):
    db.session.add(Enrollment(user_id=user.id, course_id=_course(code).id, enrolled_at=DONE,
                              started_at=DONE, completed_at=DONE))
    db.session.commit()


def _complete_through_pages(client, slug):
    assert h.post_button(client, f"/kursus/{slug}", f"/kursus/{slug}/daftar").status_code == 302
    for module in h.modules(h.course(slug)):
        url = f"/kursus/{slug}/modul/{module.slug}"
        assert h.post_button(client, url, f"{url}/selesai").status_code == 302


def _programme_certificates():
    return db.session.scalars(select(Certificate).where(
        Certificate.programme_id.is_not(None))).all()


def test_finishing_the_last_course_issues_the_programme_certificate(app, courses, create_user,
                                                                     tmp_path):
    webinar = make_session(None, kind="webinar", title="Webinar Keamanan Siber", jp=3,
                           starts_in=timedelta(days=-3))
    programme = _programme(tmp_path, f"[{{sesi: {webinar.id}}}, KAM-201]")
    learner = create_user(name="Rahmawati Programa")
    attend(webinar, learner)
    jp_before = user_jp(learner, utcnow().year)
    client = h.login_as(app, learner.nip)
    assert _programme_certificates() == []

    _complete_through_pages(client, "kam-201")

    [certificate] = _programme_certificates()
    kam = _course("KAM-201")
    assert certificate.user_id == learner.id and certificate.programme_id == programme.id
    assert certificate.course_title == "Jalur Uji Keamanan"
    assert certificate.jp == kam.jp + 3
    assert [(c["code"], c["title"], c["jp"]) for c in certificate.components] == [
        ("", "Webinar Keamanan Siber", 3), ("KAM-201", kam.title, kam.jp)]
    # The programme's JP are the steps' JP: the ledger counts the course and the webinar once.
    assert user_jp(learner, utcnow().year).total == jp_before.total + kam.jp

    pdf = pypdf.PdfReader(io.BytesIO(h.stored_row(certificate.id)["pdf"]))
    first, lampiran = (page.extract_text() for page in pdf.pages)
    assert "PROGRAM" in first and "Jalur Uji Keamanan" in first
    assert f"{kam.jp + 3} (" in first and "rinciannya pada lampiran" in first
    assert "LAMPIRAN SERTIFIKAT" in lampiran and certificate.number in lampiran
    assert "Webinar Keamanan Siber" in lampiran and "KAM-201" in lampiran
    assert "Jumlah" in lampiran

    page = client.get("/program/jalur-uji").get_data(as_text=True)
    assert certificate.number in page and f"/sertifikat/{certificate.id}/unduh" in page
    assert "Jalur Uji Keamanan" in client.get("/sertifikat").get_data(as_text=True)


def test_recording_the_last_attendance_issues_it_too(courses, create_user, tmp_path):
    session = make_session(None, kind="klasikal", starts_in=timedelta(hours=-1), jp=4)
    _programme(tmp_path, "[KAM-201, {sesi: klasikal}]")
    learner, trainer = create_user(), create_user(roles=("trainer",))
    _complete_directly(learner, "KAM-201")
    registration = attend(session, learner)
    registration.clear_attendance()
    db.session.commit()

    attendance.record_attendance(session, [registration], {registration.id}, trainer)
    db.session.commit()

    [certificate] = _programme_certificates()
    assert certificate.jp == _course("KAM-201").jp + 4


def test_nothing_is_issued_while_a_step_is_missing_or_outside_the_audience(
        courses, agencies, create_user, tmp_path):
    programme = _programme(tmp_path, "[KAM-201, SPBE-101]", "opd: [DISKOMINFO]\n")
    diskominfo, dukcapil = (db.session.scalar(select(Agency).where(Agency.code == code))
                            for code in ("DISKOMINFO", "DISDUKCAPIL"))
    inside, outside = create_user(agency=diskominfo), create_user(agency=dukcapil)
    for person in (inside, outside):
        _complete_directly(person, "KAM-201")
    assert certificates.waiting_ids(programme) == []
    with pytest.raises(certificate_services.CertificateError, match="belum menyelesaikan"):
        certificates.issue_programme_certificate(inside, programme, None)
    for person in (inside, outside):
        _complete_directly(person, "SPBE-101")
    assert certificates.waiting_ids(programme) == [inside.id]
    with pytest.raises(certificate_services.CertificateError, match="bukan untuk"):
        certificates.issue_programme_certificate(outside, programme, None)


def test_admin_issues_to_everyone_waiting_and_can_revoke_and_reissue(
        app, courses, create_user, admin_client, tmp_path):
    programme = _programme(tmp_path, "[KAM-201]")
    # Completed before the programme existed: nobody was told, so the admin issues.
    done = [create_user(name=f"Peserta {n}") for n in range(3)]
    for person in done:
        _complete_directly(person, "KAM-201")
    create_user(name="Belum Selesai")
    url = f"/admin/laporan/program/{programme.slug}/sertifikat"
    page = h.html(admin_client, url)
    assert "Terbitkan untuk semua (3)" in page

    finished = submit(admin_client, url, {})
    assert "3 dari 3 diterbitkan" in finished.get_data(as_text=True)
    issued = _programme_certificates()
    assert sorted(c.user_id for c in issued) == sorted(p.id for p in done)
    assert "Tidak ada peserta yang menunggu sertifikat" in h.html(admin_client, url)

    first = issued[0]
    revoked = submit(admin_client, f"/admin/sertifikat/terbitan/{first.id}/cabut",
                     {"reason": "Salah data", "public_reason": "kesalahan_data"})
    assert revoked.request.path == url
    assert "Terbitkan untuk semua (1)" in h.html(admin_client, url)
    verify = h.html(admin_client, f"/verify/{first.verification_code}")
    assert "DICABUT" in verify and "Jalur Uji Keamanan" in verify

    reissued = submit(admin_client, url, {},
                      post_url=f"/admin/sertifikat/terbitan/{first.id}/terbitkan-ulang")
    assert reissued.status_code == 200
    valid = db.session.scalars(select(Certificate).where(
        Certificate.programme_id == programme.id, Certificate.revoked_at.is_(None))).all()
    assert len(valid) == 3


def test_issuing_is_for_admins_only(app, courses, create_user, tmp_path):
    programme = _programme(tmp_path, "[KAM-201]")
    learner = create_user()
    client = h.login_as(app, learner.nip)
    assert client.get(f"/admin/laporan/program/{programme.slug}/sertifikat").status_code == 403


def test_verify_page_and_json_list_the_steps(courses, create_user, client, tmp_path):
    programme = _programme(tmp_path, "[KAM-201, SPBE-101]")
    learner = create_user()
    _complete_directly(learner, "KAM-201")
    _complete_directly(learner, "SPBE-101")
    certificate = certificates.issue_programme_certificate(learner, programme, None)
    db.session.commit()
    page = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
    assert "SAH" in page and "Jalur Uji Keamanan" in page
    assert "KAM-201" in page and "SPBE-101" in page
    data = client.get(f"/verify/{certificate.verification_code}.json").get_json()
    assert data["valid"] and data["jp"] == certificate.jp
    assert [step["code"] for step in data["programme"]["steps"]] == ["KAM-201", "SPBE-101"]


def test_its_open_badge_verifies_as_a_learning_program_with_the_summed_jp(
        app, courses, create_user, tmp_path):
    set_setting("base_url", BASE_URL)
    programme = _programme(tmp_path, "[KAM-201, SPBE-101]")
    learner = create_user()
    _complete_directly(learner, "KAM-201")
    _complete_directly(learner, "SPBE-101")
    certificate = certificates.issue_programme_certificate(learner, programme, None)
    db.session.commit()
    token = download_jwt(h.login_as(app, learner.nip), certificate.id)

    verified = verify_with_openbadgeslib(app, token)  # a verifier the project did not write
    assert verified is not None
    achievement = verify_with_pyjwt(app, token)["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "LearningProgram"
    assert achievement["id"] == f"{BASE_URL}/program/jalur-uji"
    assert "KAM-201" in achievement["description"]
    assert f"{certificate.jp} JP" in achievement["description"]
    assert achievement["creditsAvailable"] == certificate.jp
    assert learner.nip not in token and learner.nip not in json.dumps(achievement)


def test_one_valid_programme_certificate_per_person(courses, create_user, tmp_path):
    programme = _programme(tmp_path, "[KAM-201]")
    learner = create_user()
    _complete_directly(learner, "KAM-201")
    certificates.issue_programme_certificate(learner, programme, None)
    db.session.commit()
    with pytest.raises(certificate_services.CertificateError, match="sudah memiliki"):
        certificates.issue_programme_certificate(learner, programme, None)
