"""`flask demo seed` and `flask demo remove` (docs/demo.md): every role finds the demo on its
pages, seeding twice adds nothing, removing takes out the demo and nothing real, and the seed
refuses a production server, a database without the bundled content and a populated one."""

import re

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth import services as auth_services
from app.auth.models import Agency, User
from app.authoring import services as authoring
from app.certificates.models import Certificate
from app.certificates.services import issue_certificate
from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course, Enrollment, JpYearTotal
from app.courses.prerequisites import set_prerequisites
from app.demo import data
from app.extensions import db
from app.notifications.models import Announcement, Notification
from app.programmes.files import import_programmes
from app.programmes.models import Programme, ProgrammeStep
from app.quizzes import services as quiz_services
from app.quizzes.grading import correct_response
from app.quizzes.models import AttemptQuestion, Quiz
from app.search.models import SearchDocument
from app.settings import get_setting, set_setting
from app.workshops.models import WorkshopSession
from tests.conftest import ROOT, submit

REAL_ADMIN_NIP = "197808172003121001"
REAL_LEARNER_NIP = "199104052015032001"
LATE_LEARNER_NIP = "199207182019031002"


@pytest.fixture
def bundled(app, courses, agencies):
    """What `make run` imports: the bundled courses, their quizzes and the programme."""
    for report in (import_quizzes(ROOT / "quizzes"), import_programmes(ROOT / "programmes")):
        assert report.ok, report.problems
    db.session.commit()


def run(app, *args):
    return app.test_cli_runner().invoke(args=["demo", *args])


@pytest.fixture
def seeded(app, bundled):
    result = run(app, "seed")
    assert result.exit_code == 0, result.output
    return result.output


def text(html):
    """The page's words, tags and extra spaces taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def logged_in(app, person):
    client = app.test_client()
    response = submit(client, "/masuk", {"identifier": person.nip,
                                         "password": data.DEMO_PASSWORD})
    assert "Keluar" in response.get_data(as_text=True), person.name
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


# --- what each role sees ---------------------------------------------------------------------

def test_every_role_finds_the_demo_on_its_pages(app, seeded):
    assert data.DEMO_PASSWORD in seeded
    for person in data.PEOPLE:
        assert person.nip in seeded and person.name in seeded

    finished = logged_in(app, data.FINISHED)
    dashboard = page(finished, "/beranda")
    assert "Akun demo" in dashboard  # the header says whose account this is
    done = text(dashboard).split("Kursus selesai", 1)[1]
    assert "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik" in done
    assert "DEMO-800/0001/BKPSDM/" in page(finished, "/sertifikat")

    halfway = logged_in(app, data.HALFWAY)
    assert "3 dari 5 modul dibaca" in text(page(halfway, "/beranda"))
    ledger = text(page(halfway, "/jp-saya"))
    assert "Diklat PIM IV" in ledger and "BPSDM Provinsi Sulawesi Tengah" in ledger
    assert "Dari pembelajaran lain (kredit admin) 40 JP" in ledger

    assert "0 dari 5 modul dibaca" in text(page(logged_in(app, data.NOT_STARTED), "/beranda"))

    follower = text(page(logged_in(app, data.FOLLOWER), "/beranda"))
    assert "Literasi Digital ASN 2027" in follower and "2 dari 5 modul dibaca" in follower
    assert f"{data.WEBINAR.title} —" in follower and "Terdaftar" in follower

    trainer = logged_in(app, data.TRAINER)
    waiting = text(page(trainer, "/penilaian"))
    assert data.KECAMATAN.name in waiting and "Kuis Refleksi Bermedia Sosial" in waiting
    assert data.COURSE.code in page(trainer, "/pengajar/")
    sessions = page(trainer, "/pengajar/sesi/")
    assert data.WORKSHOP.title in sessions and data.WEBINAR.title in sessions

    admin = logged_in(app, data.ADMIN)
    issued = text(page(admin, "/admin/sertifikat/spbe-101"))
    assert "DEMO-800/0001/BKPSDM/" in issued and data.FINISHED.name in issued
    revoked = text(page(admin, "/admin/sertifikat/duk-201"))
    assert re.search(r"DEMO-800/0002/BKPSDM/\S+ Rahmawati Djanggola, S\.E\. dicabut", revoked)
    assert (f"{data.HALFWAY.name} Dinas Kependudukan dan Pencatatan Sipil PNS 0 40 0 40 20 "
            "Mencapai target") in text(page(admin, "/admin/laporan/jp"))
    people = page(admin, "/admin/pengguna")
    assert people.count('<span class="badge badge-info">demo</span>') == len(data.PEOPLE)
    assert data.ANNOUNCEMENT["title"] in page(admin, "/admin/pengumuman")

    agenda = page(app.test_client(), "/agenda/")
    assert data.WORKSHOP.title in agenda and data.WEBINAR.title in agenda

    # A demo admin never stands in for the first admin: the setup link still works.
    assert not auth_services.admin_exists()
    check = app.test_cli_runner().invoke(args=["security", "check"])
    assert f"WARN {len(data.PEOPLE)} akun demo dengan kata sandi" in check.output


# --- seeding twice, removing, and the real data around it ------------------------------------

def _finish(user, course):
    """Read every module and pass every quiz that counts (as tests/browser/site.py does)."""
    course_services.enroll_learner(user, course)
    for module in db.session.scalars(course_services.active_modules_query(course.id)):
        course_services.complete_module(user, module)
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)):
        if quiz.blocks_completion:
            attempt = quiz_services.start_attempt(user, quiz)
            quiz_services.submit_attempt(attempt, {
                slot.id: ({"text": "Jawaban esai saya."} if slot.snapshot["type"] == "essay"
                          else correct_response(slot.snapshot)) for slot in attempt.slots})
    return course_services.get_enrollment(user, course)


def _course(code):
    return db.session.scalar(select(Course).where(Course.code == code))


def _user(nip):
    return db.session.scalar(select(User).where(User.nip == nip))


def _jp_totals(user_id):
    return [(row.year, row.total) for row in db.session.scalars(
        select(JpYearTotal).where(JpYearTotal.user_id == user_id))]


def test_seed_twice_and_remove_twice_leave_real_data_alone(app, bundled, create_user):
    admin = create_user(nip=REAL_ADMIN_NIP, roles=("admin", "learner"), name="Hasanuddin")
    learner = create_user(nip=REAL_LEARNER_NIP, name="Siti Rahmawati")
    before = issue_certificate(_finish(learner, _course(data.SPBE)), admin)
    db.session.commit()
    before_number, learner_id = before.number, learner.id
    learner_jp = _jp_totals(learner_id)
    index_rows = count(SearchDocument)

    first = run(app, "seed")
    assert first.exit_code == 0, first.output
    again = run(app, "seed")
    assert again.exit_code == 0 and "sudah ada" in again.output
    assert count(User, User.is_demo.is_(True)) == len(data.PEOPLE)
    assert count(Certificate) == 3 and count(Course, Course.code == data.COURSE.code) == 1

    # Real activity after the seed, also inside the demo's own course.
    late = create_user(nip=LATE_LEARNER_NIP, name="Budi Santoso")
    demo_course = _course(data.COURSE.code)
    _finish(late, demo_course)
    slot = db.session.scalar(select(AttemptQuestion).join(AttemptQuestion.attempt).where(
        AttemptQuestion.question_type == "essay", AttemptQuestion.score.is_(None),
        AttemptQuestion.attempt.has(user_id=late.id)))
    quiz_services.grade_essay(slot, 100, "Bagus.", _user(data.TRAINER.nip))
    after = issue_certificate(_finish(late, _course(data.DUK)), admin)
    real_course = authoring.create_course({
        "code": "UJI-301", "title": "Kursus Nyata untuk Uji", "summary": "", "description": "",
        "jp": 8, "competency": "teknis", "mode": "blended", "provider": "BKPSDM Kota Palu",
        "certificate_policy": "manual"}, admin)
    db.session.commit()
    after_number, late_id, real_course_id = after.number, late.id, real_course.id
    assert course_services.get_enrollment(late, demo_course).is_completed
    assert sum(total for _year, total in _jp_totals(late_id)) == 10 + data.COURSE.jp
    assert count(Notification, Notification.user_id == late_id,
                 Notification.link.contains("/pengumuman/")) == 0  # came after it was sent
    assert count(Notification, Notification.user_id == admin.id,
                 Notification.link.contains("/pengumuman/")) == 1

    removed = run(app, "remove")
    assert removed.exit_code == 0, removed.output
    assert f"{len(data.PEOPLE)} akun" in removed.output
    twice = run(app, "remove")
    assert twice.exit_code == 0 and "Tidak ada data demo" in twice.output
    db.session.expire_all()

    # The demo is gone, and so is what real people did inside its own course.
    assert count(User, User.is_demo.is_(True)) == 0
    assert count(User, User.nip.in_([person.nip for person in data.PEOPLE])) == 0
    assert count(Course, Course.code == data.COURSE.code) == 0
    assert count(WorkshopSession) == 0 and count(Announcement) == 0
    assert count(Agency, Agency.code == data.HOSPITAL_CODE) == 0
    assert count(Certificate, Certificate.number.startswith(data.NUMBER_PREFIX)) == 0
    assert count(Notification, Notification.link.contains("/pengumuman/")) == 0
    assert get_setting("demo.created") is None
    assert get_setting("certificate.number_template").startswith("800/")
    assert count(SearchDocument) == index_rows  # the real course is a draft: not indexed

    # Real people, courses and certificates from before and after the seed stay as they were.
    assert {user.nip for user in db.session.scalars(select(User))} == {
        REAL_ADMIN_NIP, REAL_LEARNER_NIP, LATE_LEARNER_NIP}
    assert {c.number for c in db.session.scalars(select(Certificate))} == {
        before_number, after_number}
    assert db.session.get(Course, real_course_id) is not None
    codes = {course.code for course in db.session.scalars(select(Course))}
    assert {*data.BUNDLED_COURSES, "UJI-301"} <= codes  # the demo's own course is gone
    assert not any(code.startswith("DEMO") for code in codes)
    assert _jp_totals(learner_id) == learner_jp
    assert sum(total for _year, total in _jp_totals(late_id)) == 10  # DUK-201 only now
    assert count(Enrollment, Enrollment.user_id == late_id) == 1
    late = db.session.get(User, late_id)
    assert late.unread_notifications == count(Notification, Notification.user_id == late_id,
                                              Notification.read_at.is_(None))
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"demo.seed", "demo.remove"} <= actions


# --- never unless asked, never on the wrong database ------------------------------------------

def test_a_production_server_and_a_database_without_the_bundled_content_are_refused(
        app, agencies):
    result = run(app, "seed")
    assert result.exit_code == 1
    assert "flask content import" in result.output and "Bundled courses missing" in result.output
    app.config["DEMO_ALLOWED"] = False  # LMS_HTTPS=1 without LMS_DEMO_ALLOWED=1
    result = run(app, "seed")
    assert result.exit_code == 1 and "LMS_DEMO_ALLOWED=1" in result.output
    assert count(User) == 0 and get_setting("demo.created") is None


def test_a_populated_database_needs_force_and_settings_are_filled_only_when_empty(
        app, bundled, create_user):
    for serial in range(1, 7):  # one more real learner than REAL_LEARNERS_LIMIT
        create_user(nip=f"19900101201501100{serial}")
    set_setting("certificate.signer_name", "")  # an installation that never set a signer
    db.session.commit()
    signer_nip = get_setting("certificate.signer_nip")

    refused = run(app, "seed")
    assert refused.exit_code == 1
    assert "6 peserta nyata" in refused.output and "--force" in refused.output
    assert count(User, User.is_demo.is_(True)) == 0

    forced = run(app, "seed", "--force")
    assert forced.exit_code == 0, forced.output
    assert get_setting("certificate.signer_name") == data.CERTIFICATE_SETTINGS[
        "certificate.signer_name"]
    assert get_setting("certificate.signer_nip") == signer_nip  # it was set: left alone
    certificate = db.session.scalar(select(Certificate).limit(1))
    assert certificate.signer_name == data.CERTIFICATE_SETTINGS["certificate.signer_name"]

    assert run(app, "remove").exit_code == 0
    db.session.expire_all()
    assert get_setting("certificate.signer_name") == ""  # as the installation had it
    assert get_setting("certificate.signer_nip") == signer_nip
    assert count(User) == 6 and count(User, User.is_demo.is_(True)) == 0


def test_remove_stops_while_real_content_builds_on_the_demo(app, seeded):
    """A real programme taking a demo session as a step, or a real course requiring the demo
    course, would change if the demo went: nothing is removed until they let go of it."""
    session = db.session.scalar(select(WorkshopSession).where(
        WorkshopSession.title == data.WEBINAR.title))
    programme = Programme(slug="webinar-wajib", title="Webinar Wajib",
                          provider="BKPSDM Kota Palu", status="published")
    programme.steps = [ProgrammeStep(position=1, session_id=session.id)]
    db.session.add(programme)
    db.session.commit()

    result = run(app, "remove")
    assert result.exit_code == 1 and "Webinar Wajib" in result.output
    assert count(User, User.is_demo.is_(True)) == len(data.PEOPLE)

    db.session.delete(programme)
    set_prerequisites(_course(data.KAM), [_course(data.COURSE.code)])
    db.session.commit()
    result = run(app, "remove")
    assert result.exit_code == 1 and "Kursus KAM-201 mensyaratkan" in result.output
    assert count(User, User.is_demo.is_(True)) == len(data.PEOPLE)
    set_prerequisites(_course(data.KAM), [])
    db.session.commit()
    assert run(app, "remove").exit_code == 0
    assert count(User, User.is_demo.is_(True)) == 0
