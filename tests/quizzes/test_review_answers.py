"""When a review may show the answers (issue 15, docs/authoring.md "Review").

While a learner still has attempts left, the result page of an earlier attempt shows the score
and right/wrong per question only: their own answers with the feedback on them, the general
feedback and the answer key wait until the last attempt is submitted or the quiz closes, unless
the trainer chose `show_answers: always`.
"""

import pytest
from sqlalchemy import select

from app.content.quiz_loader import import_quizzes
from app.courses.models import Course
from app.extensions import db
from app.quizzes.models import Quiz
from tests.conftest import ROOT
from tests.quizzes import attempts_helpers as h

QUIZ = h.REVIEW_QUIZ
# Anything that tells which answer is right, beyond right/wrong of the learner's own answer.
REVEALING = ["Jawaban Anda:", "Bukan, Donggala kabupaten tetangga.", "Betul, SRIKANDI dibina ANRI.",
             "Palu menjadi ibu kota provinsi sejak 1964.", "Tepat, Palu ibu kotanya.",
             "right-mark", "Jawaban benar:", "dipilih:"]
NOTICE = "ditampilkan setelah kesempatan terakhir dipakai atau kuis ditutup"


def _answer_and_submit(client, attempt_id):
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim", **{
        f"s{slot['R1 Ibu kota'].id}": h.key_of(slot["R1 Ibu kota"], "Donggala"),
        f"s{slot['R2 Isian'].id}": "srikandi"}))
    return h.page(client, f"{url}/hasil")


def _revealed(html):
    return [text for text in REVEALING if text in html]


@pytest.fixture
def graded(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "akhir", QUIZ, review="full", max_attempts=3, pass_mark=70,
                      shuffle_answers="false")


def test_with_attempts_left_a_review_shows_right_or_wrong_only(app, create_user, graded):
    _user, client = h.learner(app, create_user)
    result = _answer_and_submit(client, h.start(client, graded))
    assert "<strong>50,0%</strong>" in result
    assert "Soal 1" in result and "Soal 2" in result
    assert "review-wrong" in result and "review-correct" in result  # right/wrong per question
    assert _revealed(result) == []
    assert NOTICE in result


def test_an_open_last_attempt_does_not_unlock_earlier_reviews(app, create_user, graded):
    _user, client = h.learner(app, create_user)
    first = h.start(client, graded)
    _answer_and_submit(client, first)
    _answer_and_submit(client, h.start(client, graded))
    h.start(client, graded)  # the third and last attempt, still open
    assert _revealed(h.page(client, f"/percobaan/{first}/hasil")) == []


def test_after_the_last_attempt_every_review_shows_the_key(app, create_user, graded):
    _user, client = h.learner(app, create_user)
    first = h.start(client, graded)
    _answer_and_submit(client, first)
    for _ in range(2):
        _answer_and_submit(client, h.start(client, graded))
    result = h.page(client, f"/percobaan/{first}/hasil")
    assert "Jawaban benar: <strong>SRIKANDI</strong>" in result and "right-mark" in result
    assert "Palu menjadi ibu kota provinsi sejak 1964." in result
    assert NOTICE not in result


def test_a_closed_quiz_shows_the_key(app, create_user, graded):
    _user, client = h.learner(app, create_user)
    first = h.start(client, graded)
    _answer_and_submit(client, first)
    db.session.get(Quiz, graded.id).retired_at = db.func.now()
    db.session.commit()
    assert "Jawaban benar: <strong>SRIKANDI</strong>" in h.page(client,
                                                                f"/percobaan/{first}/hasil")


def test_unlimited_attempts_keep_the_key_back(app, courses, create_user, tmp_path):
    quiz = h.add_quiz(tmp_path, "bebas", QUIZ, review="full", max_attempts=0)
    _user, client = h.learner(app, create_user)
    for _ in range(3):
        assert _revealed(_answer_and_submit(client, h.start(client, quiz))) == []


def test_the_trainer_can_choose_always(app, courses, create_user, tmp_path):
    quiz = h.add_quiz(tmp_path, "terbuka", QUIZ, review="full", max_attempts=3,
                      show_answers="always", shuffle_answers="false")
    _user, client = h.learner(app, create_user)
    result = _answer_and_submit(client, h.start(client, quiz))
    assert "Jawaban benar: <strong>SRIKANDI</strong>" in result
    assert "Bukan, Donggala kabupaten tetangga." in result
    assert NOTICE not in result


def test_a_bad_show_answers_value_is_named(app, courses, tmp_path):
    path = tmp_path / "kuis" / h.COURSE / "salah.gift"
    path.parent.mkdir(parents=True)
    path.write_text(h.quiz_text(QUIZ, title="Salah", show_answers="kapan-saja"))
    report = import_quizzes(path)
    assert not report.ok
    assert any("show_answers" in str(problem) for problem in report.problems)


def test_bundled_quizzes_default_by_kind(app, courses):
    report = import_quizzes(ROOT / "quizzes")
    db.session.commit()
    assert report.ok, report.problems
    shown = {(q.course.code, q.slug): (q.kind, q.show_answers)
             for q in db.session.scalars(select(Quiz).join(Course))}
    for kind, show_answers in shown.values():
        assert show_answers == ("always" if kind == "practice" else "after_last_attempt")
    assert shown[("SPBE-101", "kuis-akhir")] == ("graded", "after_last_attempt")


def test_the_bundled_final_quiz_gives_nothing_away_after_one_attempt(app, courses,
                                                                      create_user):
    import_quizzes(ROOT / "quizzes")
    db.session.commit()
    quiz = db.session.scalar(select(Quiz).join(Course).where(
        Course.slug == "spbe-101", Quiz.slug == "kuis-akhir"))
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim"))
    result = h.page(client, f"{url}/hasil")
    feedback = [o.feedback_html for q in quiz.questions for o in q.options if o.feedback_html]
    feedback += [q.general_feedback_html for q in quiz.questions if q.general_feedback_html]
    assert feedback
    assert [html for html in feedback if html in result] == []
    assert NOTICE in result
