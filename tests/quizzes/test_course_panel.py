"""The course page's quizzes panel (course_quiz_section, app/quizzes/views.py): rendered once
per content version, language and signed in or not, with each learner's standing and gain put
in per request."""

import re

from sqlalchemy import select

from app.extensions import db
from app.quizzes import views as quiz_views
from app.quizzes.models import Quiz
from tests.i18n.helpers import choose_language
from tests.quizzes import attempts_helpers as h
from tests.quizzes.test_attempts_completion import numbered, take

URL = "/kursus/spbe-101"


def _panel(page):
    return page.split('<section class="panel" id="kuis"')[1].split("</section>")[0]


def _lines(page):
    """Each quiz of the panel with what follows its title, whitespace folded, as read."""
    items = re.findall(r"<li>(.*?)</li>", _panel(page), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def _counting_renders(monkeypatch):
    renders = []
    original = quiz_views._render_course_panel

    def counted(*args):
        renders.append(args[0].slug)
        return original(*args)

    monkeypatch.setattr(quiz_views, "_render_course_panel", counted)
    return renders


def _two_quizzes(tmp_path):
    pretest = h.add_quiz(tmp_path, "pretest", numbered("P", 3), kind="pretest",
                         title="Pretest Uji", shuffle_answers="false")
    posttest = h.add_quiz(tmp_path, "posttest", numbered("Q", 3), kind="posttest",
                          title="Posttest Uji", pass_mark=70, max_attempts=3,
                          shuffle_answers="false")
    return pretest, posttest


def test_each_learner_sees_their_own_standing_from_one_rendered_panel(
        app, courses, create_user, tmp_path, monkeypatch):
    pretest, posttest = _two_quizzes(tmp_path)
    renders = _counting_renders(monkeypatch)
    _first, first = h.learner(app, create_user, nip="199001012015011401")
    _second, second = h.learner(app, create_user, nip="199001012015011402")
    take(first, pretest, right=1)
    take(first, posttest, right=3)

    mine = h.page(first, URL)
    theirs = h.page(second, URL)
    assert _lines(mine) == [
        "Pretest Uji · Pretest · sebelum modul pertama Nilai: 33,3% (nilai tertinggi)",
        "Posttest Uji · Posttest · kuis akhir Nilai: 100,0% (nilai tertinggi) Lulus "
        "· sisa kesempatan 2"]
    assert "Peningkatan dari pretest ke posttest: +66,7 poin" in _panel(mine)
    assert _lines(theirs) == [
        "Pretest Uji · Pretest · sebelum modul pertama Belum dikerjakan",
        "Posttest Uji · Posttest · kuis akhir Belum dikerjakan · sisa kesempatan 3"]
    assert "Peningkatan" not in theirs
    assert "\x1f" not in mine + theirs  # no mark is ever sent
    assert renders == ["spbe-101"]  # rendered once for both learners


def test_a_visitor_sees_the_quizzes_without_standings(app, courses, tmp_path):
    _two_quizzes(tmp_path)
    page = h.page(app.test_client(), URL)
    assert _lines(page) == ["Pretest Uji · Pretest · sebelum modul pertama",
                            "Posttest Uji · Posttest · kuis akhir"]
    assert "Belum dikerjakan" not in page and "\x1f" not in page


def test_an_edited_quiz_shows_at_once_and_each_language_has_its_panel(
        app, courses, create_user, tmp_path, monkeypatch):
    _pretest, posttest = _two_quizzes(tmp_path)
    renders = _counting_renders(monkeypatch)
    _user, client = h.learner(app, create_user, nip="199001012015011403")
    assert "Posttest Uji" in _panel(h.page(client, URL))
    db.session.scalar(select(Quiz).where(Quiz.id == posttest.id)).title = "Ujian Akhir Baru"
    db.session.commit()
    page = h.page(client, URL)
    assert "Ujian Akhir Baru" in _panel(page) and "Posttest Uji" not in page
    assert len(renders) == 2

    choose_language(client, "en", URL)
    english = _lines(h.page(client, URL))
    assert english[1] == ("Ujian Akhir Baru · Post-test · final quiz Not attempted yet "
                          "· attempts left: 3")
    assert len(renders) == 3
    choose_language(client, "id", URL)
    assert "Belum dikerjakan" in _panel(h.page(client, URL))
    assert len(renders) == 3  # both languages kept


def test_a_mark_typed_into_a_quiz_title_becomes_nothing(app, courses, create_user, tmp_path):
    _pretest, posttest = _two_quizzes(tmp_path)
    db.session.scalar(select(Quiz).where(Quiz.id == posttest.id)).title = "Ujian \x1fq999999\x1f"
    db.session.commit()
    _user, client = h.learner(app, create_user, nip="199001012015011404")
    page = h.page(client, URL)
    assert "\x1f" not in page and "Ujian" in _panel(page)
