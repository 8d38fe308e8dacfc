"""Racing requests: each thread has its own app context and so its own database session and
connection, as separate server workers would. Works on the SQLite file database and on
PostgreSQL (LMS_TEST_DATABASE_URL)."""

import threading

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.quizzes import services
from app.quizzes.models import Attempt, Quiz
from tests.conftest import csrf_token
from tests.conftest import run_together as run_threads
from tests.quizzes import attempts_helpers as h

THREADS = 6
TIMEOUT = 30

FOUR = "\n\n".join(
    f"::M{n} Soal {n}::Pilih jawaban yang benar untuk soal {n}.{{=Benar {n}~Salah {n}}}"
    for n in range(1, 5))


def run_together(app, work, count=THREADS):
    """Shared runner (tests/conftest.py) with this file's thread count and timeout."""
    return run_threads(app, work, count, timeout=TIMEOUT)


@pytest.fixture
def four(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "empat", FOUR, shuffle_answers="false", pass_mark=50)


def _right_answers(attempt_id, how_many):
    """Form fields answering the first `how_many` questions right and the rest wrong."""
    fields = {}
    for index, slot in enumerate(h.slots(attempt_id)):
        number = slot.snapshot["name"].split()[0][1:]
        text = f"Benar {number}" if index < how_many else f"Salah {number}"
        fields[f"s{slot.id}"] = h.key_of(slot, text)
    return fields


def test_racing_submit_calls_grade_exactly_once(app, create_user, four):
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, four)
    url = f"/percobaan/{attempt_id}"
    client.post(url, data=h.form_payload(h.page(client, url), aksi="simpan",
                                         **_right_answers(attempt_id, 3)))
    db.session.commit()  # nothing of this session may hold a lock while the threads race

    def submit(_index, barrier):
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.is_open and len(attempt.slots) == 4  # everyone starts from "open"
        barrier.wait()
        graded_now = services.submit_attempt(attempt)
        db.session.commit()
        return graded_now

    results = run_together(app, submit)
    assert sorted(results) == [False] * (THREADS - 1) + [True]

    graded = h.attempt(attempt_id)
    assert graded.state == "submitted" and graded.submitted_at is not None
    assert (graded.score, graded.passed, graded.needs_grading) == (75.0, True, False)
    assert [slot.score for slot in h.slots(attempt_id)] == [1.0, 1.0, 1.0, 0.0]
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1

    # Later calls change nothing either.
    submitted_at = graded.submitted_at
    assert services.submit_attempt(graded) is False
    db.session.commit()
    again = h.attempt(attempt_id)
    assert (again.score, again.submitted_at) == (75.0, submitted_at)
    assert h.page(client, f"{url}/hasil").count("<strong>75,0%</strong>") == 1


def test_racing_submits_from_separate_clients_keep_one_consistent_result(
        app, create_user, four):
    """Four tabs (own cookies, own logins) press "Kirim" at once, each with other answers:
    one grades, and the stored answers are exactly the ones that were graded."""
    user, first = h.learner(app, create_user)
    attempt_id = h.start(first, four)
    url = f"/percobaan/{attempt_id}"
    tabs = [first] + [h.login_as(app.test_client(), user.nip) for _ in range(3)]
    forms = [h.form_payload(h.page(tab, url), aksi="kirim", **_right_answers(attempt_id, n))
             for n, tab in enumerate(tabs, start=1)]
    db.session.commit()

    def press_submit(index, barrier):
        barrier.wait()
        response = tabs[index].post(url, data=forms[index])
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"] == f"{url}/hasil"
        return tabs[index].get(f"{url}/hasil").get_data(as_text=True)

    pages = run_together(app, press_submit, count=len(tabs))
    assert sum("Jawaban Anda sudah dikirim dan dinilai." in page for page in pages) == 1

    graded = h.attempt(attempt_id)
    stored = h.slots(attempt_id)
    right = sum(slot.response == {"choice": h.key_of(slot, f"Benar {slot.snapshot['name'][1]}")}
                for slot in stored)
    assert 1 <= right <= 4 and all(slot.response is not None for slot in stored)
    assert graded.score == 25.0 * right  # the score is the score of the stored answers
    assert [slot.score for slot in stored] == [1.0] * right + [0.0] * (4 - right)
    for page in pages:
        assert f"<strong>{graded.score:.1f}%</strong>".replace(".", ",") in page


def test_an_autosave_that_loses_the_race_to_submit_stores_nothing(app, create_user, four):
    """The autosave request read the attempt while it was open; the submit commits before the
    autosave writes. The late answers must not land on the graded attempt."""
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, four)
    url = f"/percobaan/{attempt_id}"
    html = h.page(client, url)
    db.session.commit()
    loaded, submitted = threading.Event(), threading.Event()
    outcome = {}

    def late_autosave():
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            raw = {slot.id: {"choice": slot.snapshot["options"][1]["key"]}  # all wrong
                   for slot in attempt.slots}
            loaded.set()
            assert submitted.wait(TIMEOUT)
            try:
                services.save_responses(attempt, raw)
                db.session.commit()
                outcome["result"] = "saved"
            except services.AttemptClosed as error:
                db.session.rollback()
                outcome["result"] = error.message

    thread = threading.Thread(target=late_autosave)
    thread.start()
    assert loaded.wait(TIMEOUT)
    sent = client.post(url, data=h.form_payload(html, aksi="kirim",
                                                **_right_answers(attempt_id, 4)))
    assert sent.headers["Location"] == f"{url}/hasil"
    submitted.set()
    thread.join(TIMEOUT)
    assert not thread.is_alive()

    assert outcome["result"] == "Percobaan ini sudah dikirim; jawaban tidak dapat diubah lagi."
    assert h.attempt(attempt_id).score == 100.0
    assert [slot.response == {"choice": h.key_of(slot, f"Benar {slot.snapshot['name'][1]}")}
            for slot in h.slots(attempt_id)] == [True] * 4


def test_racing_starts_make_one_open_attempt(app, create_user, four):
    user, client = h.learner(app, create_user)
    page = h.page(client, "/kursus/spbe-101/kuis/empat")
    user_id, quiz_id = user.id, four.id  # never touch the main session's objects in a thread
    db.session.commit()

    def press_start(_index, barrier):
        learner = db.session.get(User, user_id)
        quiz = db.session.get(Quiz, quiz_id)
        barrier.wait()
        attempt = services.start_attempt(learner, quiz)
        db.session.commit()
        return attempt.id

    ids = run_together(app, press_start, count=4)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert h.attempt(ids[0]).number == 1 and len(h.slots(ids[0])) == 4
    # The page's own start button, pressed again, continues that attempt.
    again = client.post("/kursus/spbe-101/kuis/empat/mulai", data={"csrf_token": csrf_token(page)})
    assert again.headers["Location"] == f"/percobaan/{ids[0]}"
