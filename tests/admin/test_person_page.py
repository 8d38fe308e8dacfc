"""A person's admin page shows what they did: JP per year, courses, certificates and quiz
attempts (each package adds its part), in a fixed number of queries."""

from sqlalchemy import select

from app.certificates.services import issue_certificate
from app.courses import services as course_services
from app.courses.models import Course, Module
from app.extensions import db
from app.quizzes import services as quiz_services
from app.timeutil import current_year
from tests.quizzes import attempts_helpers as h

ADMIN_NIP = "197808172003121001"


def test_the_person_page_shows_jp_courses_certificates_and_attempts(
        client, courses, create_user, login, tmp_path):
    admin = create_user(nip=ADMIN_NIP, roles=("admin",))
    learner = create_user(name="Siti Rahmawati")
    course = db.session.scalar(select(Course).where(Course.slug == "spbe-101"))
    course_services.enroll_learner(learner, course)
    for module in db.session.scalars(select(Module).where(Module.course_id == course.id)):
        course_services.complete_module(learner, module)
    enrollment = course_services.get_enrollment(learner, course)
    certificate = issue_certificate(enrollment, admin)
    practice = h.add_quiz(tmp_path, "latihan", "::L1::Ibu kota Sulteng?{=Palu ~Poso}",
                          kind="practice")
    quiz_services.start_attempt(learner, practice)
    db.session.commit()

    login(ADMIN_NIP)
    page = client.get(f"/admin/pengguna/{learner.id}").get_data(as_text=True)
    assert f"<dt>JP tahun {current_year()}</dt><dd>12 JP</dd>" in page
    assert "SPBE-101 · " in page and '<td class="num">100%</td>' in page
    assert certificate.number in page and "berlaku" in page
    assert "Kuis latihan" in page and "sedang dikerjakan" in page
    assert f'href="/admin/laporan/riwayat?nip={learner.nip}"' in page


def test_the_person_page_costs_the_same_queries_however_much_they_did(
        client, courses, create_user, login, queries):
    create_user(nip=ADMIN_NIP, roles=("admin",))
    quiet, busy = create_user(), create_user()
    every = db.session.scalars(select(Course).order_by(Course.id)).all()
    course_services.enroll_learner(quiet, every[0])
    for course in every:
        if not course.prerequisites:  # MPD-301 requires SPBE-101 to be completed first
            course_services.enroll_learner(busy, course)
    db.session.commit()
    login(ADMIN_NIP)
    costs = []
    for person in (quiet, busy):
        with queries() as count:
            assert client.get(f"/admin/pengguna/{person.id}").status_code == 200
        costs.append(count())
    assert costs[0] == costs[1], costs
