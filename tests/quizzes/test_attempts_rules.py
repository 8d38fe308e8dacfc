"""Attempt rules: time limits and the grace period, the number of attempts (in the services and
in the database), random draws and shuffled answers that stay put once an attempt started."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.database import utcnow
from app.extensions import db
from app.quizzes import services
from app.quizzes.models import Attempt
from app.settings import set_setting
from tests.conftest import csrf_token
from tests.quizzes import attempts_helpers as h

TWO = """
::T1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{=Palu~Donggala~Poso}

::T2 Naskah dinas::Aplikasi umum untuk naskah dinas elektronik bernama ...{=SRIKANDI}
"""


def move_clock(attempt_id, **delta):
    """Pretend the attempt started `delta` earlier: shift its start, end and deadline back."""
    attempt = h.attempt(attempt_id)
    shift = timedelta(**delta)
    attempt.started_at -= shift
    attempt.ends_at -= shift
    attempt.deadline_at -= shift
    db.session.commit()
    return h.attempt(attempt_id)


def answers(attempt_id, capital="Palu", app_name="SRIKANDI"):
    slot = h.slots_by_name(attempt_id)
    return {f"s{slot['T1 Ibu kota'].id}": h.key_of(slot["T1 Ibu kota"], capital),
            f"s{slot['T2 Naskah dinas'].id}": app_name}


@pytest.fixture
def timed(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "berwaktu", TWO, time_limit=10, shuffle_answers="false",
                      pass_mark=50)


@pytest.fixture
def taker(app, courses, create_user):
    return h.learner(app, create_user)[1]


# --- time limit -------------------------------------------------------------------------------

def test_a_timed_attempt_has_an_end_and_a_grace_deadline(taker, timed):
    before = utcnow()
    attempt_id = h.start(taker, timed)
    attempt = h.attempt(attempt_id)
    assert before - timedelta(seconds=1) <= attempt.started_at <= utcnow()
    assert attempt.ends_at - attempt.started_at == timedelta(minutes=10)
    assert attempt.deadline_at - attempt.ends_at == timedelta(seconds=60)  # the config default
    page = h.page(taker, f"/percobaan/{attempt_id}")
    assert f'data-ends-at="{attempt.ends_at.isoformat()}"' in page
    assert "Waktu berakhir pukul" in page
    overview = h.page(taker, "/kursus/spbe-101/kuis/berwaktu")
    assert "<dd>10 menit</dd>" in overview


def test_grace_period_comes_from_the_settings(taker, timed):
    set_setting("quiz_grace_seconds", 0)
    db.session.commit()
    attempt = h.attempt(h.start(taker, timed))
    assert attempt.deadline_at == attempt.ends_at


def test_opening_an_attempt_after_the_deadline_grades_what_was_saved(taker, timed):
    attempt_id = h.start(taker, timed)
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)["T1 Ibu kota"]
    taker.post(url, data=h.form_payload(h.page(taker, url), aksi="simpan",
                                        **{f"s{slot.id}": h.key_of(slot, "Palu")}))
    moved = move_clock(attempt_id, minutes=12)  # ended 2 min ago, deadline 1 min ago
    assert moved.is_open and moved.deadline_at < utcnow()

    response = taker.get(url)
    assert response.status_code == 302 and response.headers["Location"] == f"{url}/hasil"
    result = h.page(taker, f"{url}/hasil")
    assert "Waktu habis. Jawaban yang tersimpan sudah dinilai." in result
    assert "<strong>50,0%</strong>" in result and "Lulus." in result  # 1 of 2 saved, right
    closed = h.attempt(attempt_id)
    assert closed.state == "submitted" and closed.submitted_at == closed.deadline_at
    assert closed.score == 50.0


def test_the_result_page_also_closes_an_expired_attempt(taker, timed):
    attempt_id = h.start(taker, timed)
    move_clock(attempt_id, minutes=30)
    result = h.page(taker, f"/percobaan/{attempt_id}/hasil")
    assert "<strong>0,0%</strong>" in result and "Belum lulus." in result
    assert not h.attempt(attempt_id).is_open


@pytest.mark.parametrize("action", ["simpan", "kirim"])
def test_saving_or_submitting_after_the_deadline_is_refused(action, taker, timed):
    attempt_id = h.start(taker, timed)
    url = f"/percobaan/{attempt_id}"
    html = h.page(taker, url)
    taker.post(url, data=h.form_payload(html, aksi="simpan",
                                        **answers(attempt_id, capital="Poso", app_name="")))
    saved = h.responses(attempt_id)
    move_clock(attempt_id, minutes=11, seconds=1)  # one second past the deadline

    late = taker.post(url, data=h.form_payload(html, aksi=action, **answers(attempt_id)))
    assert late.status_code == 302 and late.headers["Location"] == f"{url}/hasil"
    result = h.page(taker, f"{url}/hasil")
    assert "Waktu habis. Jawaban yang tersimpan sudah dinilai." in result
    assert "<strong>0,0%</strong>" in result
    assert h.responses(attempt_id) == saved == {
        "T1 Ibu kota": {"choice": h.key_of(h.slots(attempt_id)[0], "Poso")},
        "T2 Naskah dinas": None}
    assert h.attempt(attempt_id).score == 0.0


def test_autosave_after_the_deadline_is_refused(taker, timed):
    attempt_id = h.start(taker, timed)
    url = f"/percobaan/{attempt_id}"
    html = h.page(taker, url)
    move_clock(attempt_id, minutes=20)
    late = taker.post(f"{url}/autosimpan", data=h.form_payload(html, **answers(attempt_id)))
    assert late.status_code == 409
    assert late.json["ok"] is False and late.json["redirect"] == f"{url}/hasil"
    assert late.json["message"].startswith("Waktu mengerjakan sudah habis")
    assert h.responses(attempt_id) == {"T1 Ibu kota": None, "T2 Naskah dinas": None}
    assert h.attempt(attempt_id).score == 0.0 and not h.attempt(attempt_id).is_open


def test_a_submit_within_the_grace_period_is_accepted(taker, timed):
    attempt_id = h.start(taker, timed)
    url = f"/percobaan/{attempt_id}"
    html = h.page(taker, url)
    moved = move_clock(attempt_id, minutes=10, seconds=30)  # time up 30 s ago, grace 60 s
    assert moved.ends_at < utcnow() < moved.deadline_at
    sent = taker.post(url, data=h.form_payload(html, aksi="kirim", **answers(attempt_id)))
    assert sent.headers["Location"] == f"{url}/hasil"
    result = h.page(taker, f"{url}/hasil")
    assert "Jawaban Anda sudah dikirim dan dinilai." in result
    assert "<strong>100,0%</strong>" in result
    graded = h.attempt(attempt_id)
    assert graded.ends_at < graded.submitted_at < graded.deadline_at


def test_services_take_the_time_as_an_argument(taker, timed):
    """The same rules with `now=` instead of a moved clock."""
    attempt_id = h.start(taker, timed)
    attempt = h.attempt(attempt_id)
    slot = {s.snapshot["name"]: s for s in attempt.slots}
    palu = {slot["T1 Ibu kota"].id: {"choice": h.key_of(slot["T1 Ibu kota"], "Palu")}}
    srikandi = {slot["T2 Naskah dinas"].id: {"text": "SRIKANDI"}}

    services.save_responses(attempt, palu, now=attempt.ends_at + timedelta(seconds=59))
    db.session.commit()
    with pytest.raises(services.AttemptClosed):
        services.save_responses(attempt, srikandi,
                                now=attempt.deadline_at + timedelta(seconds=1))
    db.session.rollback()
    assert h.responses(attempt_id)["T2 Naskah dinas"] is None

    attempt = h.attempt(attempt_id)
    late = attempt.deadline_at + timedelta(minutes=5)
    assert services.submit_attempt(attempt, srikandi, now=late) is True  # closes it ...
    db.session.commit()
    graded = h.attempt(attempt_id)
    assert graded.submitted_at == graded.deadline_at  # ... as of the deadline
    assert graded.score == 50.0 and h.responses(attempt_id)["T2 Naskah dinas"] is None


def test_starting_again_after_an_expired_attempt_closes_it_first(taker, timed):
    first = h.start(taker, timed)
    move_clock(first, hours=2)
    overview = h.page(taker, "/kursus/spbe-101/kuis/berwaktu")
    # Opening the overview grades the expired attempt: it is not offered as open any more.
    assert "Lanjutkan percobaan" not in overview and "Coba lagi" in overview
    assert h.attempt(first).state == "submitted" and h.attempt(first).score == 0.0
    second = h.start(taker, timed)
    assert second != first
    assert h.attempt(second).is_open and h.attempt(second).number == 2


# --- number of attempts -----------------------------------------------------------------------

@pytest.fixture
def limited(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "terbatas", TWO, max_attempts=2, shuffle_answers="false")


def _take_and_submit(client, quiz):
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim"))
    assert not h.attempt(attempt_id).is_open
    return attempt_id


def test_no_attempt_beyond_the_maximum(app, create_user, limited):
    user, client = h.learner(app, create_user)
    _take_and_submit(client, limited)
    assert "Sisa kesempatan: 1" in h.page(client, "/kursus/spbe-101/kuis/terbatas")
    _take_and_submit(client, limited)

    overview = h.page(client, "/kursus/spbe-101/kuis/terbatas")
    assert "Kesempatan mengerjakan kuis ini sudah habis." in overview
    assert "/mulai" not in overview
    assert "sisa kesempatan 0" in h.page(client, "/kursus/spbe-101")
    token = csrf_token(h.page(client, "/kursus/spbe-101"))
    refused = client.post("/kursus/spbe-101/kuis/terbatas/mulai", data={"csrf_token": token})
    assert refused.headers["Location"] == "/kursus/spbe-101/kuis/terbatas"
    assert "Kesempatan mengerjakan kuis ini sudah habis (2 kali)." in h.page(
        client, refused.headers["Location"])
    with pytest.raises(services.NoAttemptsLeft):
        services.start_attempt(user, limited)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_database_refuses_an_attempt_number_over_the_maximum(app, create_user, limited):
    user, client = h.learner(app, create_user)
    _take_and_submit(client, limited)
    _take_and_submit(client, limited)
    db.session.add(Attempt(user_id=user.id, quiz_id=limited.id, number=3, max_attempts=2,
                           state="submitted"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # The same number twice is refused too (a racing start that read the same count).
    db.session.add(Attempt(user_id=user.id, quiz_id=limited.id, number=2, max_attempts=2,
                           state="submitted"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_database_refuses_a_second_open_attempt(app, create_user, courses, tmp_path):
    quiz = h.add_quiz(tmp_path, "bebas", TWO)  # unlimited attempts
    user, client = h.learner(app, create_user)
    h.start(client, quiz)
    db.session.add(Attempt(user_id=user.id, quiz_id=quiz.id, number=2, state="in_progress"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # The unique index is partial: a submitted second attempt is fine, and so is another
    # learner's open one.
    db.session.add(Attempt(user_id=user.id, quiz_id=quiz.id, number=2, state="submitted"))
    other = create_user()
    h.enrol(other)
    db.session.add(Attempt(user_id=other.id, quiz_id=quiz.id, number=1, state="in_progress"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.state == "in_progress")) == 2
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 3


# --- random draw and shuffled answers ---------------------------------------------------------

DRAW = "\n\n".join(
    f"::D{n} Soal {n}::Pertanyaan nomor {n}?{{=Benar {n}~Salah A{n}~Salah B{n}~Salah C{n}}}"
    for n in range(1, 5))


def _page_layout(client, attempt_id):
    """(question texts in page order, {field: option values in page order}) as shown."""
    html = h.page(client, f"/percobaan/{attempt_id}")
    return re.findall(r"Pertanyaan nomor (\d)\?", html), h.read_form(html).choices


def test_draw_and_shuffle_are_frozen_for_the_attempt(app, create_user, courses, tmp_path):
    quiz = h.add_quiz(tmp_path, "acak", DRAW, draw=2, shuffle_answers="true")
    question_ids = {q.id: q for q in quiz.questions}
    _user, client = h.learner(app, create_user)
    assert "2 soal" in h.page(client, "/kursus/spbe-101/kuis/acak")

    for _ in range(2):
        attempt_id = h.start(client, quiz)
        slots = h.slots(attempt_id)
        assert len(slots) == 2
        drawn = [slot.question_id for slot in slots]
        assert len(set(drawn)) == 2 and set(drawn) <= set(question_ids)
        for slot in slots:
            snapshot = slot.snapshot
            assert snapshot["question_id"] == slot.question_id
            assert sorted(o["text"] for o in snapshot["options"]) == sorted(
                o.text_source for o in question_ids[slot.question_id].options)
            # Keys are the attempt's own (tests/quizzes/test_answer_keys.py), never ids.
            keys = [o["key"] for o in snapshot["options"]]
            assert len(set(keys)) == len(keys)
            assert not set(keys) & {f"o{o.id}" for o in question_ids[slot.question_id].options}

        first_view = _page_layout(client, attempt_id)
        numbers, choices = first_view
        assert numbers == [slot.snapshot["name"][1] for slot in slots]  # page = slot order
        assert list(choices) == [f"s{slot.id}" for slot in slots]
        assert [choices[f"s{slot.id}"] for slot in slots] == [
            [o["key"] for o in slot.snapshot["options"]] for slot in slots]
        for _reload in range(3):
            assert _page_layout(client, attempt_id) == first_view
        # Saving does not reshuffle either.
        url = f"/percobaan/{attempt_id}"
        client.post(url, data=h.form_payload(h.page(client, url), aksi="simpan"))
        assert _page_layout(client, attempt_id) == first_view
        client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim"))
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_editing_the_quiz_does_not_change_a_started_attempt(app, create_user, courses,
                                                           tmp_path):
    quiz = h.add_quiz(tmp_path, "ubah", TWO, shuffle_answers="false")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    before = _page_layout(client, attempt_id)
    h.add_quiz(tmp_path, "ubah", TWO.replace("~Poso", "~Poso~Luwuk").replace(
        "Ibu kota Provinsi", "IBU KOTA PROVINSI"), shuffle_answers="false")
    assert _page_layout(client, attempt_id) == before
    page = h.page(client, f"/percobaan/{attempt_id}")
    assert "Ibu kota Provinsi" in page and "Luwuk" not in page
    url = f"/percobaan/{attempt_id}"
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim",
                                         **answers(attempt_id)))
    assert h.attempt(attempt_id).score == 100.0
    # A new attempt gets the edited quiz.
    assert "Luwuk" in h.page(client, f"/percobaan/{h.start(client, quiz)}")
