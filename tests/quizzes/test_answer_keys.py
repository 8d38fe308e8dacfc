"""Nothing on an attempt's page gives an answer away (issue 15, docs/security.md).

Keys a learner's browser sees (radio/checkbox values, matching fields and choices) used to be
`o<option id>` and `r<n>` in the author's order, where the right answer usually comes first:
always picking the lowest key scored 66.7 % on SPBE-101's final quiz with no knowledge. Now
every key is drawn at random per attempt and kept in the attempt's snapshot.

The strategy test plays fixed, knowledge-free strategies over many attempts of every bundled
quiz and compares each with chance. Snapshots are built exactly as `start_attempt` builds them,
with a seeded random source instead of the system's (so the test is repeatable); a page-driven
test below shows the pages carry those snapshot keys and nothing else.
"""

import random
import re
import statistics
from math import sqrt

import pytest
from sqlalchemy import select

from app.content.quiz_loader import import_quizzes
from app.extensions import db
from app.quizzes import grading
from app.quizzes.models import AnswerOption, Quiz
from app.quizzes.services import _draw_questions, build_snapshot, load_quiz_with_questions
from tests.conftest import ROOT
from tests.quizzes import attempts_helpers as h

ATTEMPTS = 300
KEY = re.compile(r"^k[0-9a-f]{16}$")


@pytest.fixture
def bundled_quizzes(app, courses):
    report = import_quizzes(ROOT / "quizzes")
    db.session.commit()
    assert report.ok, report.problems
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.id)).all()
    assert len(quizzes) >= 6
    return [load_quiz_with_questions(q.id) for q in quizzes]


# --- strategies: each sees only what the page shows, in page order ---------------------------

def _keys(snapshot):
    if snapshot["type"] == "matching":
        return [c["key"] for c in snapshot["choices"]]
    return [o["key"] for o in snapshot.get("options", [])]


def _answer_with(snapshot, key):
    """The response that picks `key` for a choice question, or for every matching row."""
    if snapshot["type"] == "matching":
        return {"pairs": {sub["key"]: key for sub in snapshot["subquestions"]}}
    if snapshot.get("single") is False:
        return {"choices": [key]}
    return {"choice": key}


def _by_key_as_number(keys):
    return sorted(keys, key=lambda k: int(re.sub(r"\D", "", k) or 0))


STRATEGIES = {
    "lowest key": lambda keys: _by_key_as_number(keys)[0],
    "highest key": lambda keys: _by_key_as_number(keys)[-1],
    "lowest key as text": lambda keys: sorted(keys)[0],
    "first on screen": lambda keys: keys[0],
    "last on screen": lambda keys: keys[-1],
}


def _play(snapshot, pick):
    keys = _keys(snapshot)
    if snapshot["type"] not in grading.GRADERS or not keys:
        return 0.0  # typed answers and essays: a strategy without knowledge leaves them blank
    return grading.grade_question(snapshot, _answer_with(snapshot, pick(keys)))


def _chance(snapshot):
    """Expected score of one option picked uniformly at random (for matching: one choice for
    every row, which has the same expectation as an independent pick per row)."""
    keys = _keys(snapshot)
    if snapshot["type"] not in grading.GRADERS or not keys:
        return 0.0
    return statistics.fmean(grading.grade_question(snapshot, _answer_with(snapshot, k))
                            for k in keys)


def _percent(snapshots, score_of):
    return grading.attempt_percent([(s["type"], score_of(s)) for s in snapshots
                                    if s["type"] != "essay"])[0]


def _seeded_attempt(quiz, seed):
    rng = random.Random(seed)
    return [build_snapshot(q, quiz.shuffle_answers, rng) for q in _draw_questions(quiz, rng)]


def _source_first(quiz):
    """The author's first option of each question: what the old keys pointed at."""
    first = {q.id: (q.options[0].text_source if q.options else None) for q in quiz.questions}

    def pick_source_first(snapshot):
        text = first[snapshot["question_id"]]
        if snapshot["type"] == "matching":
            keys = [c["key"] for c in snapshot["choices"]]
            return grading.grade_question(snapshot, _answer_with(snapshot, keys[0]))
        for option in snapshot.get("options", []):
            if option["text"] == text:
                return grading.grade_question(snapshot, _answer_with(snapshot, option["key"]))
        return 0.0

    return pick_source_first


def test_no_fixed_strategy_beats_chance_on_any_bundled_quiz(bundled_quizzes):
    """Each strategy's mean over ATTEMPTS attempts stays within chance + 4 standard errors of
    the per-attempt difference (plus half a point for rounding). With keys that follow the
    author's order, "lowest key" on SPBE-101's final quiz is ~35 points above chance, far
    outside this margin; with random keys its expectation is chance exactly, and 4 standard
    errors make a false alarm over the ~35 comparisons here less likely than 1 in 400."""
    report = []
    for quiz in bundled_quizzes:
        attempts = [_seeded_attempt(quiz, seed) for seed in range(ATTEMPTS)]
        chance = [_percent(a, _chance) for a in attempts]
        for name, pick in STRATEGIES.items():
            played = [_percent(a, lambda s, pick=pick: _play(s, pick)) for a in attempts]
            differences = [p - c for p, c in zip(played, chance, strict=True)]
            margin = 4 * statistics.pstdev(differences) / sqrt(ATTEMPTS) + 0.5
            mean_difference = statistics.fmean(differences)
            report.append((quiz.slug, name, round(statistics.fmean(played), 1),
                           round(statistics.fmean(chance), 1)))
            assert mean_difference <= margin, (
                f"{quiz.course.code} {quiz.slug}: '{name}' scores {statistics.fmean(played):.1f} %"
                f" against {statistics.fmean(chance):.1f} % by chance")
    assert len(report) == len(bundled_quizzes) * len(STRATEGIES)


def test_the_strategy_test_would_see_keys_in_the_authors_order(bundled_quizzes):
    """Power check: the answer the author wrote first (what `o<id>` keys gave away) scores far
    above chance on the final quizzes, so a leak of the author's order cannot hide."""
    final = next(q for q in bundled_quizzes if q.course.code == "SPBE-101"
                 and q.slug == "kuis-akhir")
    attempts = [_seeded_attempt(final, seed) for seed in range(50)]
    leaked = statistics.fmean(_percent(a, _source_first(final)) for a in attempts)
    chance = statistics.fmean(_percent(a, _chance) for a in attempts)
    assert leaked > chance + 20


def test_keys_are_random_per_attempt_and_never_ids(bundled_quizzes):
    option_ids = {f"o{i}" for i in db.session.scalars(select(AnswerOption.id))}
    seen = {}
    for quiz in bundled_quizzes:
        for seed in range(20):
            for snapshot in _seeded_attempt(quiz, 10_000 * quiz.id + seed):
                keys = _keys(snapshot) + [s["key"] for s in snapshot.get("subquestions", [])]
                assert all(KEY.match(k) for k in keys), keys
                assert len(set(keys)) == len(keys)
                assert not set(keys) & option_ids
                for key in keys:
                    seen[key] = seen.get(key, 0) + 1
    assert max(seen.values()) == 1  # no key ever comes back in another attempt


# --- the real pages ----------------------------------------------------------------------------

def _radio_values(html):
    return {name: values for name, values in h.read_form(html).choices.items()}


def test_the_attempt_page_shows_only_the_attempts_own_random_keys(app, create_user,
                                                                   bundled_quizzes):
    quiz = next(q for q in bundled_quizzes if q.course.code == "SPBE-101"
                and q.slug == "kuis-akhir")
    _user, client = h.learner(app, create_user)
    option_ids = [o.id for q in quiz.questions for o in q.options]

    pages = []
    for _ in range(2):
        attempt_id = h.start(client, quiz)
        html = h.page(client, f"/percobaan/{attempt_id}")
        slots = h.slots(attempt_id)
        choices = _radio_values(html)
        for slot in slots:
            snapshot, name = slot.snapshot, f"s{slot.id}"
            if snapshot["type"] in ("multichoice", "truefalse"):
                assert choices[name] == [o["key"] for o in snapshot["options"]]
            if snapshot["type"] == "matching":
                for sub in snapshot["subquestions"]:
                    assert choices[f"{name}-{sub['key']}"] == [""] + [
                        c["key"] for c in snapshot["choices"]]
        values = [v for vs in choices.values() for v in vs if v]
        assert values and all(KEY.match(v) for v in values)
        # No option id anywhere on the page: not in values, ids, names or data attributes.
        for option_id in option_ids:
            assert not re.search(rf'["\-]o{option_id}["\-]', html), option_id
        autosave = client.post(f"/percobaan/{attempt_id}/autosimpan",
                               data=h.form_payload(html))
        assert autosave.status_code == 200
        assert not KEY.search(autosave.get_data(as_text=True))
        pages.append(set(values))
        client.post(f"/percobaan/{attempt_id}", data=h.form_payload(html, aksi="kirim"))
    assert not pages[0] & pages[1]  # the second attempt shares no key with the first


def test_answers_posted_with_the_random_keys_are_graded(app, create_user, bundled_quizzes):
    quiz = next(q for q in bundled_quizzes if q.course.code == "SPBE-101"
                and q.slug == "kuis-akhir")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    html = h.page(client, f"/percobaan/{attempt_id}")
    answers = {}
    for slot in h.slots(attempt_id):
        right = grading.correct_response(slot.snapshot)
        name = f"s{slot.id}"
        if "choice" in right:
            answers[name] = right["choice"]
        elif "choices" in right:
            answers[name] = right["choices"]
        elif "pairs" in right:
            answers.update({f"{name}-{sub}": key for sub, key in right["pairs"].items()})
        elif "text" in right:
            answers[name] = right["text"]
    client.post(f"/percobaan/{attempt_id}", data=h.form_payload(html, aksi="kirim", **answers))
    assert h.attempt(attempt_id).score == 100.0

    # A key of the first attempt means nothing in the second: refused as tampering.
    second = h.start(client, quiz)
    html = h.page(client, f"/percobaan/{second}")
    slot = next(s for s in h.slots(second) if s.snapshot["type"] == "multichoice"
                and s.snapshot.get("single") is not False)
    old_key = next(v for v in answers.values() if isinstance(v, str) and KEY.match(v))
    response = client.post(f"/percobaan/{second}",
                           data=h.form_payload(html, aksi="simpan", **{f"s{slot.id}": old_key}))
    assert response.status_code == 400
    assert "bukan pilihan untuk soal ini" in response.get_data(as_text=True)
