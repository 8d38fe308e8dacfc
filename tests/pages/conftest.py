"""A realistic site for the light-page tests: the bundled courses and quizzes, SPBE-101 with an
image and a PDF in its first module, and a learner enrolled everywhere who has read SPBE-101,
holds its certificate and has a quiz attempt open in each course."""

import gzip
from dataclasses import dataclass

import brotli
import pytest
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import User
from app.certificates.services import issue_certificate
from app.content.loader import import_courses
from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course
from app.database import utcnow
from app.extensions import db
from app.quizzes import services as quiz_services
from app.quizzes.models import Quiz
from tests.conftest import PASSWORD, ROOT, csrf_token, seed_once
from tests.content.test_media import tiny_png

LEARNER_NIP = "199105052019031007"
IMAGED_COURSE = "spbe-101"
PDF = b"%PDF-1.4\n%%EOF\n"
MEDIA_LINES = ("\n\n![Skema arsitektur SPBE](media/skema-spbe.png)\n\n"
               "Unduh [Panduan SPBE](media/panduan-spbe.pdf) untuk dibaca nanti.\n")


@dataclass
class Site:
    learner: object
    certificate_code: str
    attempt_ids: list


def add_media(course_dir):
    """SPBE-101's first module shows an image and links a PDF, both in its media/ folder."""
    folder = course_dir / IMAGED_COURSE
    (folder / "media").mkdir()
    (folder / "media" / "skema-spbe.png").write_bytes(tiny_png())
    (folder / "media" / "panduan-spbe.pdf").write_bytes(PDF)
    first = sorted(folder.glob("01-*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + MEDIA_LINES, encoding="utf-8")


def course(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


@pytest.fixture
def site(app, create_user, course_dir):
    add_media(course_dir)

    def seed():
        auth_services.seed_agencies()
        for report in (import_courses(course_dir), import_quizzes(ROOT / "quizzes")):
            assert report.ok, report.problems
        learner = create_user(nip=LEARNER_NIP)
        everything = db.session.scalars(select(Course).order_by(Course.code)).all()
        enrollments = [course_services.enroll_learner(learner, c)
                       for c in everything if not c.prerequisites]
        spbe = next(e for e in enrollments if e.course.slug == IMAGED_COURSE)
        for module in db.session.scalars(course_services.active_modules_query(spbe.course_id)):
            course_services.complete_module(learner, module)
        spbe.completed_at = utcnow()
        certificate = issue_certificate(spbe, None)
        # MPD-301 requires SPBE-101, which the learner has just completed.
        enrollments += [course_services.enroll_learner(learner, c)
                        for c in everything if c.prerequisites]
        graded = db.session.scalars(select(Quiz).where(Quiz.kind == "graded")
                                    .order_by(Quiz.course_id)).all()
        attempts = [quiz_services.start_attempt(learner, quiz) for quiz in graded]
        db.session.flush()
        return Site(learner=None, certificate_code=certificate.verification_code,
                    attempt_ids=[a.id for a in attempts])

    seeded = seed_once("pages.site", seed)
    seeded.learner = db.session.scalar(select(User).where(User.nip == LEARNER_NIP))
    return seeded


def log_in(client, nip=LEARNER_NIP):
    token = csrf_token(client.get("/masuk").get_data(as_text=True))
    response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def decoded(response):
    """The body as text, whatever encoding the server chose."""
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "br":
        data = brotli.decompress(data)
    return data.decode("utf-8")
