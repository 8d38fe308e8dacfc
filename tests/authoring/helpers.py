"""Helpers for the editor tests: a trainer with a course made through the browser's forms."""

from sqlalchemy import select

from app.courses.models import Course
from app.extensions import db
from tests.conftest import submit

TRAINER_NIP = "198609262015051001"
OTHER_TRAINER_NIP = "198703152010012002"
LEARNER_NIP = "199105052019031007"
ADMIN_NIP = "197503121998032004"

COURSE_FORM = {
    "code": "TTE-101", "title": "Tanda Tangan Elektronik: Dasar", "summary": "TTE untuk ASN.",
    "description": "## Tujuan\n\nPeserta memahami TTE.", "jp": "4", "competency": "teknis",
    "mode": "e-learning", "provider": "Diskominfo Kota Palu", "certificate_policy": "manual",
}
QUIZ_FORM = {
    "slug": "kuis-akhir", "title": "Kuis akhir TTE", "kind": "graded", "after": "",
    "pass_mark": "70", "time_limit": "0", "max_attempts": "0", "grading": "highest",
    "draw": "0", "shuffle_answers": "", "review": "full", "show_answers": "after_last_attempt",
    "text_format": "markdown",
    "aksi": "simpan",
}
GIFT = """::Q1 Penerbit::Siapa penyelenggara sertifikat elektronik untuk ASN?{
=BSrE#Benar, Balai Sertifikasi Elektronik.
~Dukcapil#Bukan.
~Bank#Bukan.
}

::Q2 Sah::Dokumen bertanda tangan elektronik tersertifikasi sah secara hukum.{T}
"""


def make_course(client, **overrides):
    """Create a course through the form as the logged-in user; returns the Course."""
    response = submit(client, "/pengajar/kursus/baru", dict(COURSE_FORM, **overrides))
    assert response.status_code == 200
    code = dict(COURSE_FORM, **overrides)["code"].upper()
    course = db.session.scalar(select(Course).where(Course.code == code))
    assert course is not None, response.get_data(as_text=True)
    return course


def add_module(client, course, title, body="Isi modul.\n\nParagraf kedua.", minutes="20",
               slug=""):
    url = f"/pengajar/kursus/{course.slug}/modul/baru"
    return submit(client, url, {"title": title, "slug": slug, "minutes": minutes, "body": body,
                                "aksi": "simpan"})


def add_quiz(client, course, gift=GIFT, **overrides):
    url = f"/pengajar/kursus/{course.slug}/kuis/baru"
    return submit(client, url, dict(QUIZ_FORM, gift=gift, **overrides))


def publish(client, course):
    return submit(client, f"/pengajar/kursus/{course.slug}", {"status": "published"},
                  post_url=f"/pengajar/kursus/{course.slug}/status")
