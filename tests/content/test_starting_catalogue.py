"""The starting catalogue of DOMAIN.md as bundled content (issue 24): the seven courses are in
courses/ and quizzes/, published, with the code, JP and competency the catalogue gives them;
the four written for issue 24 carry real modules and a real graded quiz; the catalogue and its
competency filter count them; English pages show the content as written."""

import html
import re

import pytest
from sqlalchemy import select

from app.content.quiz_loader import import_quizzes
from app.courses import services
from app.courses.models import Course
from app.extensions import db
from app.quizzes.models import Quiz
from tests.conftest import ROOT

# DOMAIN.md, "A starting catalogue": code -> (JP, competency type).
CATALOGUE = {
    "SPBE-101": (12, "teknis"),
    "DUK-201": (10, "teknis"),
    "KAM-201": (12, "teknis"),
    "TTE-101": (8, "teknis"),
    "SDI-201": (12, "teknis"),
    "LPD-201": (10, "teknis"),  # teknis, with the managerial competency Pelayanan Publik
    "MPD-301": (8, "manajerial"),
}
NEW = ["TTE-101", "SDI-201", "LPD-201", "MPD-301"]
WITH_PRETEST_AND_POSTTEST = ["TTE-101", "LPD-201"]
MIN_WORDS = 400
WORD = re.compile(r"\w+")
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def catalogue(courses):
    """The bundled courses (the `courses` fixture) in the database, by code."""
    return {c.code: c for c in db.session.scalars(select(Course))}


@pytest.fixture
def quizzes_of(catalogue):
    """The bundled quizzes imported too; quizzes_of(code) -> that course's quizzes."""
    report = import_quizzes(ROOT / "quizzes")
    db.session.commit()
    assert report.ok, report.problems

    def of(code):
        return db.session.scalars(select(Quiz).where(Quiz.course_id == catalogue[code].id)
                                  .order_by(Quiz.id)).all()

    return of


def words(text):
    return len(WORD.findall(text))


def test_all_seven_courses_are_published_as_the_catalogue_gives_them(catalogue):
    assert sorted(catalogue) == sorted(CATALOGUE)
    for code, (jp, competency) in CATALOGUE.items():
        course = catalogue[code]
        assert course.status == "published", code
        assert (course.jp, course.competency) == (jp, competency), code
    assert sum(course.jp for course in catalogue.values()) == 72


def test_new_courses_have_four_to_six_substantial_modules(catalogue):
    for code in NEW:
        course = catalogue[code]
        modules = [m for m in course.modules if m.retired_at is None]
        assert 4 <= len(modules) <= 6, code
        for module in modules:
            body = module.body_source
            assert words(body) >= MIN_WORDS, (code, module.slug, words(body))
            assert "## Rangkuman" in body and "## Pertanyaan refleksi" in body, module.slug
            assert not re.search(r"lorem ipsum|\bTODO\b|\bTBD\b", body, re.I), module.slug
        for heading in ("Tujuan pembelajaran", "Sasaran peserta", "Pokok bahasan",
                        "Cara belajar"):
            assert f"## {heading}" in course.description_source, (code, heading)
        # The modules' minutes fit in the course's JP (45 minutes each).
        assert sum(m.minutes for m in modules) <= course.jp * 45, code


def test_new_courses_have_a_graded_final_quiz_of_several_kinds(quizzes_of):
    for code in NEW:
        finals = [q for q in quizzes_of(code) if q.kind == "graded" and q.after_module_id is None]
        assert len(finals) == 1, code
        questions = [q for q in finals[0].questions if q.retired_at is None]
        kinds = {q.type for q in questions}
        assert len(questions) >= 10 and len(kinds) >= 3, (code, len(questions), kinds)
        assert finals[0].pass_mark == 70 and finals[0].shuffle_answers, code
    for code in WITH_PRETEST_AND_POSTTEST:
        by_kind = {q.kind: q for q in quizzes_of(code)}
        # The same competencies K1..K8, asked differently: the names pair up by number.
        numbers = [[q.name.split()[0] for q in by_kind[kind].questions]
                   for kind in ("pretest", "posttest")]
        assert numbers[0] == numbers[1] == [f"K{n}" for n in range(1, 9)], code


def test_mpd_301_requires_spbe_101_and_is_held_with_universitas_tadulako(catalogue, client):
    course = catalogue["MPD-301"]
    assert [c.code for c in course.prerequisites] == ["SPBE-101"]
    assert course.provider == "Universitas Tadulako"
    assert "Universitas Tadulako" in course.description_source
    page = html.unescape(client.get("/kursus/mpd-301").get_data(as_text=True))
    assert "SPBE-101" in page and "Universitas Tadulako" in page


def test_catalogue_and_its_competency_filter_count_the_seven(catalogue, client):
    everything = html.unescape(client.get("/").get_data(as_text=True))
    assert "7 kursus" in everything
    for code in CATALOGUE:
        assert code in everything
    teknis = html.unescape(client.get("/?kompetensi=teknis").get_data(as_text=True))
    assert "6 kursus" in teknis and "MPD-301" not in teknis
    manajerial = html.unescape(client.get("/?kompetensi=manajerial").get_data(as_text=True))
    assert "1 kursus" in manajerial and "MPD-301" in manajerial and "TTE-101" not in manajerial
    english = html.unescape(client.get("/?kompetensi=teknis", headers=ENGLISH)
                            .get_data(as_text=True))
    assert "6 courses" in english


def test_english_pages_show_the_course_content_as_written(catalogue, client, create_user,
                                                          login):
    """The interface is translated; course content is not."""
    course = catalogue["TTE-101"]
    page = client.get("/kursus/tte-101", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert course.description_html in page
    assert course.title in html.unescape(page)

    learner = create_user()
    services.enroll_learner(learner, course)
    db.session.commit()
    login(learner.nip)
    module = course.modules[0]
    page = client.get(f"/kursus/tte-101/modul/{module.slug}", headers=ENGLISH).get_data(
        as_text=True)
    assert '<html lang="en"' in page
    assert module.body_html in page
    assert "Dasar Hukum Tanda Tangan Elektronik" in page
