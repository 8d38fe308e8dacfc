"""Racing requests: each thread has its own app context and so its own database session and
connection, as separate server workers would. Works on the SQLite file database and on
PostgreSQL (LMS_TEST_DATABASE_URL)."""

import threading

import pytest
from sqlalchemy import event, func, select

from app.auth.models import User
from app.auth.user_cache import forget_users
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


def test_autosaves_of_several_learners_at_once_all_land(app, create_user, four):
    """The autosave takes the write lock at its first write (app/database_setup.py): its reads
    run outside a transaction. Learners saving at the same moment must all be stored: no
    "database is locked", no lost answer."""
    takers = []
    for _ in range(4):
        _user, client = h.learner(app, create_user)
        attempt_id = h.start(client, four)
        url = f"/percobaan/{attempt_id}"
        takers.append((client, url, attempt_id, h.form_payload(
            h.page(client, url), **_right_answers(attempt_id, 4))))
    db.session.commit()

    def save_repeatedly(index, barrier):
        client, url, _attempt_id, form = takers[index]
        barrier.wait()
        replies = [client.post(f"{url}/autosimpan", data=form) for _ in range(8)]
        return [(reply.status_code, reply.get_json()["ok"]) for reply in replies]

    results = run_together(app, save_repeatedly, count=len(takers))
    assert results == [[(200, True)] * 8] * len(takers)
    for _client, _url, attempt_id, _form in takers:
        assert all(slot.response == {"choice": h.key_of(
            slot, f"Benar {slot.snapshot['name'][1]}")} for slot in h.slots(attempt_id))


def test_autosave_racing_submit_from_two_tabs_never_changes_the_graded_answers(
        app, create_user, four):
    """Tab one keeps autosaving wrong answers through the real route while tab two submits
    right ones: either an autosave came first (and was then overwritten by the submit's
    answers) or it is refused with 409; the graded attempt keeps exactly the submitted answers."""
    user, first = h.learner(app, create_user)
    attempt_id = h.start(first, four)
    url = f"/percobaan/{attempt_id}"
    second = h.login_as(app.test_client(), user.nip)
    wrong = h.form_payload(h.page(first, url), **_right_answers(attempt_id, 0))
    right = h.form_payload(h.page(second, url), aksi="kirim", **_right_answers(attempt_id, 4))
    db.session.commit()

    def act(index, barrier):
        barrier.wait()
        if index == 1:
            return [second.post(url, data=right).status_code]
        return [first.post(f"{url}/autosimpan", data=wrong).status_code for _ in range(6)]

    autosaves, submitted = run_together(app, act, count=2)
    assert submitted == [302]
    assert set(autosaves) <= {200, 409} and autosaves[-1] == 409
    graded = h.attempt(attempt_id)
    assert graded.state == "submitted" and graded.score == 100.0
    assert [slot.score for slot in h.slots(attempt_id)] == [1.0] * 4


def test_on_sqlite_the_autosave_holds_the_write_lock_only_from_its_first_write(
        app, create_user, four):
    """What the autosave reads (the user, the attempt, its questions) runs outside a
    transaction; the transaction, and SQLite's one write lock, begins at the attempt's
    conditional UPDATE. Another worker's writes are therefore not held up by its reads."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, four)
    url = f"/percobaan/{attempt_id}"
    form = h.form_payload(h.page(client, url), **_right_answers(attempt_id, 2))
    db.session.commit()
    forget_users()  # the user is read too, as on a worker without a copy of it
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0].upper(),
                     conn.connection.dbapi_connection.in_transaction))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        reply = client.post(f"{url}/autosimpan", data=form)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert reply.status_code == 200 and reply.get_json()["ok"] is True
    first_write = next(i for i, (word, _) in enumerate(seen) if word != "SELECT")
    assert first_write >= 2 and seen[first_write][0] == "UPDATE"  # user and attempt read first
    assert not any(in_transaction for _, in_transaction in seen[:first_write + 1])
    assert all(in_transaction for _, in_transaction in seen[first_write + 1:])
