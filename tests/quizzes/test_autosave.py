"""The autosave route (what quiz.js posts) on its lean path: plain rows read in one statement,
the attempt's conditional UPDATE first, then only the slots whose answer or mark changed."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, update

from app.extensions import db
from app.quizzes import services
from app.quizzes.models import Attempt
from tests.conftest import csrf_token
from tests.quizzes import attempts_helpers as h


@pytest.fixture
def six(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "simpan", h.SIX_TYPES, shuffle_answers="false")


@pytest.fixture
def taking(app, create_user, six):
    """(client, attempt url, attempt id, page html) of a learner who has just started."""
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, six)
    url = f"/percobaan/{attempt_id}"
    return client, url, attempt_id, h.page(client, url)


@contextmanager
def writes():
    """The writing statements run inside the block: [(sql, rows it was run for)]."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            seen.append((statement, len(parameters) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_one_changed_answer_writes_the_attempt_and_that_slot_only(taking):
    client, url, attempt_id, html = taking
    q1 = h.slots_by_name(attempt_id)["Q1 Pilihan tunggal"]
    with writes() as seen:
        reply = client.post(f"{url}/autosimpan",
                            data=h.form_payload(html, **{f"s{q1.id}": h.key_of(q1, "Palu")}))
    assert reply.status_code == 200 and reply.json["ok"] is True
    assert reply.json["message"].startswith("Tersimpan ")
    assert [(sql.split()[1], rows) for sql, rows in seen] == [("attempt", 1),
                                                             ("attempt_question", 1)]
    assert h.responses(attempt_id)["Q1 Pilihan tunggal"] == {"choice": h.key_of(q1, "Palu")}
    assert h.attempt(attempt_id).saved_at is not None

    # The same form again: nothing changed but the time it was saved.
    with writes() as seen:
        again = client.post(f"{url}/autosimpan",
                            data=h.form_payload(html, **{f"s{q1.id}": h.key_of(q1, "Palu")}))
    assert again.status_code == 200 and again.json["ok"] is True
    assert [sql.split()[1] for sql, _rows in seen] == ["attempt"]


def test_autosave_marks_and_unmarks_questions(taking):
    client, url, attempt_id, html = taking
    by_name = h.slots_by_name(attempt_id)
    q2, q4 = by_name["Q2 Jawaban banyak"], by_name["Q4 Isian singkat"]
    marked = client.post(f"{url}/autosimpan", data=h.form_payload(
        html, **{h.FLAG_FIELD: [str(q2.id), str(q4.id)], f"s{q4.id}": "ragu"}))
    assert marked.status_code == 200
    flags = {name: slot.flagged for name, slot in h.slots_by_name(attempt_id).items()}
    assert {name for name, flagged in flags.items() if flagged} == {"Q2 Jawaban banyak",
                                                                   "Q4 Isian singkat"}
    assert h.responses(attempt_id)["Q4 Isian singkat"] == {"text": "ragu"}

    unmarked = client.post(f"{url}/autosimpan", data=h.form_payload(
        html, **{h.FLAG_FIELD: str(q4.id), f"s{q4.id}": "ragu"}))
    assert unmarked.status_code == 200
    flagged_now = {name for name, slot in h.slots_by_name(attempt_id).items() if slot.flagged}
    assert flagged_now == {"Q4 Isian singkat"}
    assert h.responses(attempt_id)["Q4 Isian singkat"] == {"text": "ragu"}  # kept

    # A foreign id among the marks is ignored, a garbage one too; nothing else moves.
    foreign = client.post(f"{url}/autosimpan", data=h.form_payload(
        html, **{h.FLAG_FIELD: [str(q4.id), "999999", "²", "x"], f"s{q4.id}": "ragu"}))
    assert foreign.status_code == 200
    assert {name for name, slot in h.slots_by_name(attempt_id).items()
            if slot.flagged} == {"Q4 Isian singkat"}


def test_a_submit_between_the_read_and_the_write_wins(taking, monkeypatch):
    """Another tab sends the attempt after the autosave read it as open: the autosave's
    conditional UPDATE matches nothing, so no answer lands after grading."""
    client, url, attempt_id, html = taking
    q1 = h.slots_by_name(attempt_id)["Q1 Pilihan tunggal"]
    read = services.attempt_to_save

    def read_then_submitted_elsewhere(*args):
        row = read(*args)
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id)
                           .values(state="submitted"))
        db.session.commit()
        return row

    monkeypatch.setattr(services, "attempt_to_save", read_then_submitted_elsewhere)
    late = client.post(f"{url}/autosimpan",
                       data=h.form_payload(html, **{f"s{q1.id}": h.key_of(q1, "Palu")}))
    assert late.status_code == 409 and late.json["ok"] is False
    assert "sudah dikirim" in late.json["message"]
    assert late.json["redirect"] == f"{url}/hasil"
    assert h.responses(attempt_id)["Q1 Pilihan tunggal"] is None
    assert h.attempt(attempt_id).state == "submitted"


def test_someone_elses_attempt_and_a_missing_one_are_not_found(app, create_user, taking):
    client, url, attempt_id, html = taking
    _other, stranger = h.learner(app, create_user)
    q1 = h.slots_by_name(attempt_id)["Q1 Pilihan tunggal"]
    theirs = {"csrf_token": csrf_token(h.page(stranger, "/kursus/spbe-101")),
              f"s{q1.id}": h.key_of(q1, "Palu")}
    assert stranger.post(f"{url}/autosimpan", data=theirs).status_code == 404
    assert client.post("/percobaan/987654/autosimpan",
                       data=h.form_payload(html)).status_code == 404
    assert h.responses(attempt_id)["Q1 Pilihan tunggal"] is None
