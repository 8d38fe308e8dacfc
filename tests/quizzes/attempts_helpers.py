"""Helpers for the attempt tests (tests/quizzes/test_attempts*.py): small GIFT quizzes written
into tmp_path, a browser-like reading of the attempt form, logins for extra clients.

Plain functions, not fixtures, so they never clash with fixtures other quiz tests define.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import select

from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course, Enrollment, Module
from app.extensions import db
from app.quizzes.models import Attempt, AttemptQuestion, Quiz
from tests.conftest import PASSWORD, csrf_token, submit

COURSE = "spbe-101"
ATTEMPT_URL = re.compile(r"/percobaan/(\d+)$")

# Six auto-graded types with known answers (shuffle off so the page order is the file order).
SIX_TYPES = """
::Q1 Pilihan tunggal::Ibu kota Provinsi Sulawesi Tengah adalah ...{
=Palu#Tepat, Palu ibu kota provinsi.
~Donggala#Bukan, Donggala kabupaten tetangga.
~Poso#Bukan, Poso kabupaten.
}

::Q2 Jawaban banyak::Pilih aplikasi umum SPBE.{
~%50%SRIKANDI#Ya, kearsipan.
~%50%SIASN#Ya, kepegawaian.
~%-100%Grup WhatsApp#Bukan aplikasi umum.
}

::Q3 Benar salah::SPBE diatur dalam Perpres 95/2018.{T}

::Q4 Isian singkat::Aplikasi umum untuk naskah dinas elektronik bernama ...{=SRIKANDI}

::Q5 Angka::Berapa hasil 2 + 3?{#5:0}

::Q6 Menjodohkan::Pasangkan aplikasi dengan pembinanya.{
=SRIKANDI -> ANRI
=SIASN -> BKN
=SPSE -> LKPP
}
"""

# Two questions with per-answer and general feedback, for what reviews may show.
REVIEW_QUIZ = """
::R1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{
=Palu#Tepat, Palu ibu kotanya.
~Donggala#Bukan, Donggala kabupaten tetangga.
~Poso#Bukan, Poso kabupaten.
####Palu menjadi ibu kota provinsi sejak 1964.
}

::R2 Isian::Aplikasi umum untuk naskah dinas elektronik bernama ...{
=SRIKANDI#Betul, SRIKANDI dibina ANRI.
}
"""


def quiz_text(body, **settings):
    """Front matter (YAML scalars) + GIFT body."""
    lines = ["---", *(f"{key}: {value}" for key, value in settings.items()), "---", body]
    return "\n".join(lines) + "\n"


def add_quiz(tmp_path, slug, body, course=COURSE, **settings):
    """Write tmp_path/kuis/<course>/<slug>.gift and import that one file; returns the Quiz."""
    return import_quiz_file(write_quiz(tmp_path, slug, body, course, **settings))


def write_quiz(tmp_path, slug, body, course=COURSE, **settings):
    """Write tmp_path/kuis/<course>/<slug>.gift; returns its path."""
    settings.setdefault("title", f"Kuis {slug}")
    path = Path(tmp_path) / "kuis" / course / f"{slug}.gift"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(quiz_text(body, **settings), encoding="utf-8")
    return path


def import_quiz_file(path):
    """Import one file written by write_quiz (kuis/<course>/<slug>.gift); returns the Quiz."""
    report = import_quizzes(path)
    db.session.commit()
    assert report.ok, report.problems
    return db.session.scalar(select(Quiz).join(Course).where(
        Course.slug == path.parent.name, Quiz.slug == path.stem))


def course_of(slug=COURSE):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def enrol(user, slug=COURSE):
    course_services.enroll_learner(user, course_of(slug))
    db.session.commit()


def complete_all_modules(user, slug=COURSE):
    for module in db.session.scalars(select(Module).join(Course).where(
            Course.slug == slug).order_by(Module.position)):
        course_services.complete_module(user, module)
    db.session.commit()


def enrollment_of(user, slug=COURSE):
    db.session.expire_all()
    return db.session.scalar(select(Enrollment).join(Course).where(
        Enrollment.user_id == user.id, Course.slug == slug))


def login_as(client, nip, password=PASSWORD):
    response = submit(client, "/masuk", {"identifier": nip, "password": password})
    assert response.status_code == 200
    assert "Keluar" in response.get_data(as_text=True)
    return client


def learner(app, create_user, enrolled=True, **fields):
    """A new learner, enrolled in the course, logged in on a fresh test client."""
    user = create_user(**fields)
    if enrolled:
        enrol(user)
    return user, login_as(app.test_client(), user.nip)


def start(client, quiz, slug=COURSE):
    """Press "Mulai mengerjakan" on the quiz page; returns the attempt id."""
    page = client.get(f"/kursus/{slug}/kuis/{quiz.slug}").get_data(as_text=True)
    response = client.post(f"/kursus/{slug}/kuis/{quiz.slug}/mulai",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.status_code
    match = ATTEMPT_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def attempt(attempt_id):
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def slots(attempt_id):
    """The attempt's slots in page order."""
    db.session.expire_all()
    return db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()


def slots_by_name(attempt_id):
    return {slot.snapshot["name"]: slot for slot in slots(attempt_id)}


def responses(attempt_id):
    return {slot.snapshot["name"]: slot.response for slot in slots(attempt_id)}


def key_of(slot, text):
    """The option key (o<id>) of an answer, or a matching choice key (r<n>), by its text."""
    snapshot = slot.snapshot
    for option in snapshot.get("options", []) + snapshot.get("choices", []):
        if option["text"] == text:
            return option["key"]
    raise AssertionError(f"no option {text!r} in {snapshot['name']}")


def sub_key(slot, left_html_part):
    for sub in slot.snapshot["subquestions"]:
        if left_html_part in sub["text_html"]:
            return sub["key"]
    raise AssertionError(f"no sub-question {left_html_part!r}")


FLAG_FIELD = "tandai"  # the "Tandai soal ini" checkboxes of the attempt page


class FormReader(HTMLParser):
    """What a browser would send for one form of a page, and the choices it offers.

    fields: [(name, value)] for hidden/text inputs, checked radios/checkboxes, selected
    options (the first one when none is marked) and textareas; choices: {name: [values in
    page order]} for radios, checkboxes and selects.
    """

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields, self.choices = [], {}
        self._inside = False
        self._select = self._textarea = None
        self._selected = False
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
            return
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if name != FLAG_FIELD:  # "Tandai soal ini" is no answer
                    self.choices.setdefault(name, []).append(attrs.get("value"))
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value")))
            elif kind in ("text", "hidden"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._selected = name, False
            self.choices[name] = []
        elif tag == "option" and self._select:
            self.choices[self._select].append(attrs.get("value"))
            if "selected" in attrs:
                self.fields.append((self._select, attrs.get("value")))
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select" and self._select:
            if not self._selected and self.choices[self._select]:
                self.fields.append((self._select, self.choices[self._select][0]))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def read_form(html, form_id="quiz-form"):
    reader = FormReader(form_id)
    reader.feed(html)
    return reader


def answers_shown(html):
    """{field name: value or [values]} as filled on the page (without the CSRF token)."""
    shown = {}
    for name, value in read_form(html).fields:
        if name == "csrf_token":
            continue
        if name in shown:
            shown[name] = [*([shown[name]] if isinstance(shown[name], str) else shown[name]),
                           value]
        else:
            shown[name] = value
    return shown


def form_payload(html, **overrides):
    """The page's attempt form as a browser posts it, with some fields replaced.

    overrides: field name -> value, a list of values (checkboxes) or None (left out)."""
    payload = {}
    for name, value in read_form(html).fields:
        payload.setdefault(name, []).append(value)
    for name, value in overrides.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value if isinstance(value, list) else [value]
    return payload


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)
