"""Taking a quiz through the real pages (CSRF on): answer every question type, save without JS,
autosave, submit once, read the result; replays and second tabs; review policies; tampering.

More attempt tests: test_attempts_*.py (concurrency, deadlines and limits, essays, completion,
query counts). Helpers: tests/quizzes/attempts_helpers.py.
"""

import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.quizzes.models import Attempt
from tests.conftest import csrf_token
from tests.quizzes import attempts_helpers as h

VERDICT = re.compile(r'<span class="verdict">\s*([^<(]+?)\s*(?:\((\d+)%\))?\s*</span>')


def verdicts(html):
    """[(verdict, percent)] per reviewed question, in page order."""
    return [(text, int(percent) if percent else None) for text, percent in VERDICT.findall(html)]


@pytest.fixture
def six(app, courses, tmp_path):
    """A quiz with one question of each auto-graded type, in file order, 2 attempts."""
    return h.add_quiz(tmp_path, "uji", h.SIX_TYPES, title="Kuis Uji Percobaan", pass_mark=60,
                      max_attempts=2, shuffle_answers="false", review="full",
                      show_answers="always")


def test_journey_answer_save_autosave_submit_and_see_the_grade(app, create_user, six):
    user = create_user()
    client = h.login_as(app.test_client(), user.nip)

    # Enrol through the course page; the quiz panel lists the quiz, not yet taken.
    course_page = h.page(client, "/kursus/spbe-101")
    client.post("/kursus/spbe-101/daftar", data={"csrf_token": csrf_token(course_page)})
    course_page = h.page(client, "/kursus/spbe-101")
    assert "Kuis Uji Percobaan" in course_page
    assert "Belum dikerjakan" in course_page and "sisa kesempatan 2" in course_page

    overview = h.page(client, "/kursus/spbe-101/kuis/uji")
    assert "6 soal" in overview and "<dd>60%</dd>" in overview and "<dd>2 kali</dd>" in overview
    assert "Sisa kesempatan: 2" in overview and "Mulai mengerjakan" in overview

    attempt_id = h.start(client, six)
    url = f"/percobaan/{attempt_id}"
    html = h.page(client, url)
    assert "Percobaan ke-1." in html
    assert [f"Soal {n}" for n in range(1, 7)] == re.findall(r"<legend>(Soal \d)</legend>", html)
    slot = h.slots_by_name(attempt_id)
    q1, q2, q3 = slot["Q1 Pilihan tunggal"], slot["Q2 Jawaban banyak"], slot["Q3 Benar salah"]
    q4, q5, q6 = slot["Q4 Isian singkat"], slot["Q5 Angka"], slot["Q6 Menjodohkan"]
    selects = [f"s{q6.id}-{sub['key']}" for sub in q6.snapshot["subquestions"]]
    # Nothing chosen yet: empty text fields, selects on "— pilih —".
    assert h.answers_shown(html) == {f"s{q4.id}": "", f"s{q5.id}": "",
                                     **dict.fromkeys(selects, "")}
    form = h.read_form(html)
    assert form.choices[f"s{q1.id}"] == [h.key_of(q1, t) for t in ("Palu", "Donggala", "Poso")]
    assert form.choices[f"s{q3.id}"] == [h.key_of(q3, "true"), h.key_of(q3, "false")]
    assert form.choices[selects[0]][0] == "" and len(form.choices[selects[0]]) == 4
    pairs = {f"s{q6.id}-{h.sub_key(q6, 'SRIKANDI')}": h.key_of(q6, "ANRI"),
             f"s{q6.id}-{h.sub_key(q6, 'SIASN')}": h.key_of(q6, "LKPP"),  # wrong
             f"s{q6.id}-{h.sub_key(q6, 'SPSE')}": h.key_of(q6, "LKPP")}
    first_answers = {f"s{q1.id}": h.key_of(q1, "Palu"),
                     f"s{q2.id}": [h.key_of(q2, "SRIKANDI")],  # half of the right pair
                     f"s{q3.id}": h.key_of(q3, "true"), **pairs}

    # Save without JavaScript: the whole form and aksi=simpan.
    saved = client.post(url, data=h.form_payload(html, aksi="simpan", **first_answers))
    assert saved.status_code == 302 and saved.headers["Location"] == url
    html = h.page(client, url)
    assert "Jawaban tersimpan pukul" in html and "Terakhir disimpan" in html
    assert h.answers_shown(html) == {
        f"s{q1.id}": h.key_of(q1, "Palu"), f"s{q2.id}": h.key_of(q2, "SRIKANDI"),
        f"s{q3.id}": h.key_of(q3, "true"), f"s{q4.id}": "", f"s{q5.id}": "", **pairs}
    assert h.responses(attempt_id)["Q2 Jawaban banyak"] == {
        "choices": [h.key_of(q2, "SRIKANDI")]}

    # Autosave as quiz.js does it: the whole form without "aksi", answers typed meanwhile.
    autosaved = client.post(f"{url}/autosimpan", data=h.form_payload(
        html, **{f"s{q4.id}": "  srikandi ", f"s{q5.id}": "4"}))
    assert autosaved.status_code == 200
    assert autosaved.json["ok"] is True and autosaved.json["message"].startswith("Tersimpan ")
    stored = h.responses(attempt_id)
    assert stored["Q4 Isian singkat"] == {"text": "  srikandi "}
    assert stored["Q5 Angka"] == {"text": "4"}
    assert stored["Q1 Pilihan tunggal"] == {"choice": h.key_of(q1, "Palu")}  # kept
    assert stored["Q3 Benar salah"] == {"choice": h.key_of(q3, "true")}
    html = h.page(client, url)
    assert 'value="  srikandi "' in html and 'value="4"' in html
    assert h.attempt(attempt_id).is_open and h.attempt(attempt_id).score is None

    # Submit the form as the browser has it.
    sent = client.post(url, data=h.form_payload(html, aksi="kirim"))
    assert sent.status_code == 302 and sent.headers["Location"] == f"{url}/hasil"
    result = h.page(client, f"{url}/hasil")
    # By hand: 1 + 1/2 + 1 + 1 + 0 + 2/3 = 25/6 of 6 marks = 69.44 %.
    assert h.attempt(attempt_id).score == 69.44
    assert "Jawaban Anda sudah dikirim dan dinilai." in result
    assert "<strong>69,4%</strong> · batas lulus 60%" in result and "Lulus." in result
    assert verdicts(result) == [("Benar", 100), ("Sebagian benar", 50), ("Benar", 100),
                                ("Benar", 100), ("Salah", 0), ("Sebagian benar", 67)]
    assert "Jawaban benar: <strong>5</strong>" in result  # review: full
    done = h.attempt(attempt_id)
    assert done.state == "submitted" and done.passed is True and done.submitted_at is not None
    assert [s.score for s in h.slots(attempt_id)] == pytest.approx(
        [1.0, 0.5, 1.0, 1.0, 0.0, 2 / 3])

    course_page = h.page(client, "/kursus/spbe-101")
    assert "Nilai: 69,4% (nilai tertinggi)" in course_page and "sisa kesempatan 1" in course_page
    overview = h.page(client, "/kursus/spbe-101/kuis/uji")
    assert "Nilai Anda: <strong>69,4%</strong>" in overview and "Coba lagi" in overview
    assert "Sisa kesempatan: 1" in overview

    # A second, blank attempt fails; the grade is still the highest attempt.
    second = h.start(client, six)
    assert second != attempt_id and h.attempt(second).number == 2
    html = h.page(client, f"/percobaan/{second}")
    fresh = h.slots_by_name(second)
    assert h.answers_shown(html)[f"s{fresh['Q4 Isian singkat'].id}"] == ""  # nothing carried
    assert f's{fresh["Q1 Pilihan tunggal"].id}' not in h.answers_shown(html)
    client.post(f"/percobaan/{second}", data=h.form_payload(html, aksi="kirim"))
    result = h.page(client, f"/percobaan/{second}/hasil")
    assert "<strong>0,0%</strong>" in result and "Belum lulus." in result
    course_page = h.page(client, "/kursus/spbe-101")
    assert "Nilai: 69,4% (nilai tertinggi)" in course_page and "sisa kesempatan 0" in course_page
    overview = h.page(client, "/kursus/spbe-101/kuis/uji")
    assert "Kesempatan mengerjakan kuis ini sudah habis." in overview
    assert "belum lulus" in overview and "Coba lagi" not in overview


def test_numbers_with_a_decimal_comma_and_case_insensitive_short_answers(app, create_user,
                                                                         tmp_path, courses):
    quiz = h.add_quiz(tmp_path, "angka", """
::N1 Desimal::Berapa 7 dibagi 2?{#3.5:0.01}

::N2 Ribuan::Berapa 1000 + 234,5?{#1234.5}

::N3 Isian::Nama aplikasi umum kearsipan?{=SRIKANDI =Srikandi ANRI}
""", pass_mark=100)
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim", **{
        f"s{slot['N1 Desimal'].id}": "3,5", f"s{slot['N2 Ribuan'].id}": "1.234,5",
        f"s{slot['N3 Isian'].id}": "srikandi  anri"}))
    assert h.attempt(attempt_id).score == 100.0
    assert "Lulus." in h.page(client, f"{url}/hasil")


def test_learner_must_be_enrolled_and_logged_in_to_start(app, client, create_user, six):
    anonymous = h.page(client, "/kursus/spbe-101/kuis/uji")
    assert "Masuk untuk mengerjakan" in anonymous
    _user, learner = h.learner(app, create_user, enrolled=False)
    page = h.page(learner, "/kursus/spbe-101/kuis/uji")
    refused = learner.post("/kursus/spbe-101/kuis/uji/mulai",
                           data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Daftar ke kursus ini terlebih dahulu." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    assert client.get("/kursus/spbe-101/kuis/tidak-ada").status_code == 404


def test_starting_twice_continues_the_open_attempt(app, create_user, six):
    _user, client = h.learner(app, create_user)
    first = h.start(client, six)
    overview = h.page(client, "/kursus/spbe-101/kuis/uji")
    assert "Lanjutkan percobaan" in overview and "sedang dikerjakan" in overview
    assert h.start(client, six) == first  # a replayed "Mulai" form
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


# --- submitting once --------------------------------------------------------------------------

def _answer_all_right(attempt_id):
    slot = h.slots_by_name(attempt_id)
    q6 = slot["Q6 Menjodohkan"]
    return {f"s{slot['Q1 Pilihan tunggal'].id}": h.key_of(slot["Q1 Pilihan tunggal"], "Palu"),
            f"s{slot['Q2 Jawaban banyak'].id}": [h.key_of(slot["Q2 Jawaban banyak"], "SRIKANDI"),
                                                  h.key_of(slot["Q2 Jawaban banyak"], "SIASN")],
            f"s{slot['Q3 Benar salah'].id}": h.key_of(slot["Q3 Benar salah"], "true"),
            f"s{slot['Q4 Isian singkat'].id}": "SRIKANDI",
            f"s{slot['Q5 Angka'].id}": "5",
            **{f"s{q6.id}-{sub['key']}": sub["answer"] for sub in q6.snapshot["subquestions"]}}


def _answer_all_wrong(attempt_id):
    slot = h.slots_by_name(attempt_id)
    return {f"s{slot['Q1 Pilihan tunggal'].id}": h.key_of(slot["Q1 Pilihan tunggal"], "Poso"),
            f"s{slot['Q3 Benar salah'].id}": h.key_of(slot["Q3 Benar salah"], "false"),
            f"s{slot['Q4 Isian singkat'].id}": "WhatsApp",
            f"s{slot['Q5 Angka'].id}": "6"}


def test_replayed_submit_grades_once(app, create_user, six):
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, six)
    url = f"/percobaan/{attempt_id}"
    form = h.form_payload(h.page(client, url), aksi="kirim", **_answer_all_right(attempt_id))
    first = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Jawaban Anda sudah dikirim dan dinilai." in first and "<strong>100,0%" in first
    graded = h.attempt(attempt_id)
    submitted_at, stored = graded.submitted_at, h.responses(attempt_id)

    # The same form again (double click, back button, resend), also with other answers.
    for replay in (form, dict(form, **_answer_all_wrong(attempt_id))):
        again = client.post(url, data=replay)
        assert again.status_code == 302 and again.headers["Location"] == f"{url}/hasil"
        page = h.page(client, f"{url}/hasil")
        assert "sudah dikirim dan dinilai" not in page and "<strong>100,0%" in page
    saved_again = client.post(url, data=dict(form, aksi="simpan"))
    assert saved_again.headers["Location"] == f"{url}/hasil"
    autosave_form = {name: value for name, value in form.items() if name != "aksi"}
    late_autosave = client.post(f"{url}/autosimpan",
                                data=dict(autosave_form, **_answer_all_wrong(attempt_id)))
    assert late_autosave.status_code == 409 and late_autosave.json["ok"] is False
    assert late_autosave.json["redirect"] == f"{url}/hasil"
    assert "sudah dikirim" in late_autosave.json["message"]

    after = h.attempt(attempt_id)
    assert (after.score, after.passed, after.submitted_at) == (100.0, True, submitted_at)
    assert h.responses(attempt_id) == stored
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert client.get(url).headers["Location"] == f"{url}/hasil"  # no way back into it


def test_two_tabs_submit_one_attempt_with_one_result(app, create_user, six):
    user, tab_a = h.learner(app, create_user)
    tab_b = h.login_as(app.test_client(), user.nip)
    attempt_id = h.start(tab_a, six)
    url = f"/percobaan/{attempt_id}"
    form_a = h.form_payload(h.page(tab_a, url), aksi="kirim", **_answer_all_right(attempt_id))
    form_b = h.form_payload(h.page(tab_b, url), aksi="kirim", **_answer_all_wrong(attempt_id))

    assert tab_a.post(url, data=form_a).headers["Location"] == f"{url}/hasil"
    assert tab_b.post(url, data=form_b).headers["Location"] == f"{url}/hasil"
    page_a, page_b = h.page(tab_a, f"{url}/hasil"), h.page(tab_b, f"{url}/hasil")
    assert "Jawaban Anda sudah dikirim dan dinilai." in page_a
    assert "sudah dikirim dan dinilai" not in page_b
    for page in (page_a, page_b):
        assert "<strong>100,0%</strong>" in page and "Lulus." in page
        assert verdicts(page) == [("Benar", 100)] * 6
    assert h.attempt(attempt_id).score == 100.0
    assert h.responses(attempt_id)["Q1 Pilihan tunggal"] == {
        "choice": h.key_of(h.slots_by_name(attempt_id)["Q1 Pilihan tunggal"], "Palu")}
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


# --- review policies ----------------------------------------------------------------------------



@pytest.mark.parametrize("policy", ["score", "feedback", "full"])
def test_review_policy_limits_what_the_result_page_shows(policy, app, courses, create_user,
                                                         tmp_path):
    quiz = h.add_quiz(tmp_path, f"tinjau-{policy}", h.REVIEW_QUIZ, review=policy,
                      shuffle_answers="false", pass_mark=70, show_answers="always")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim", **{
        f"s{slot['R1 Ibu kota'].id}": h.key_of(slot["R1 Ibu kota"], "Donggala"),
        f"s{slot['R2 Isian'].id}": "srikandi"}))
    result = h.page(client, f"{url}/hasil")

    # Every policy shows the score: 1 of 2 = 50 %, under the pass mark.
    assert "<strong>50,0%</strong> · batas lulus 70%" in result and "Belum lulus." in result
    per_question = ["Jawaban Anda:", "Bukan, Donggala kabupaten tetangga.",
                    "Betul, SRIKANDI dibina ANRI.", "Palu menjadi ibu kota provinsi sejak 1964."]
    right_answer = ["right-mark", "Jawaban benar: <strong>SRIKANDI</strong>"]
    if policy == "score":
        assert verdicts(result) == []
        assert "Soal 1" not in result and "Ibu kota Provinsi" not in result
        assert not [text for text in per_question + right_answer if text in result]
        return
    assert verdicts(result) == [("Salah", 0), ("Benar", 100)]
    assert all(text in result for text in per_question)
    assert '<span class="mark">dipilih:</span> Donggala' in result
    # Feedback of the answer not chosen is never shown (it would give the right answer away).
    assert "Tepat, Palu ibu kotanya." not in result
    if policy == "feedback":
        assert not [text for text in right_answer if text in result]
    else:
        assert all(text in result for text in right_answer)
        assert re.search(r'class=" right">\s*Palu\s*<span class="mark right-mark">\(benar\)',
                         result)


# --- tampering --------------------------------------------------------------------------------

@pytest.fixture
def two_learners(app, create_user, six):
    """Two learners with an open attempt each; the first has Q1 answered (Palu) and saved."""
    _me, mine = h.learner(app, create_user)
    _other, theirs = h.learner(app, create_user)
    my_attempt, their_attempt = h.start(mine, six), h.start(theirs, six)
    url = f"/percobaan/{my_attempt}"
    q1 = h.slots_by_name(my_attempt)["Q1 Pilihan tunggal"]
    mine.post(url, data=h.form_payload(h.page(mine, url), aksi="simpan",
                                       **{f"s{q1.id}": h.key_of(q1, "Palu")}))
    assert h.responses(my_attempt)["Q1 Pilihan tunggal"] == {"choice": h.key_of(q1, "Palu")}
    return mine, my_attempt, theirs, their_attempt


def _tampered_forms(my_attempt, their_attempt):
    slot = h.slots_by_name(my_attempt)
    q1, q2, q6 = slot["Q1 Pilihan tunggal"], slot["Q2 Jawaban banyak"], slot["Q6 Menjodohkan"]
    their_slot = h.slots(their_attempt)[0]
    sub = q6.snapshot["subquestions"][0]["key"]
    honest = {f"s{slot['Q4 Isian singkat'].id}": "SRIKANDI"}  # must not be saved either
    return {
        "option of another question": (
            {**honest, f"s{q1.id}": h.key_of(q2, "SIASN")},
            "Jawaban yang dikirim bukan pilihan untuk soal ini."),
        "checkbox of another question": (
            {**honest, f"s{q2.id}": [h.key_of(q2, "SIASN"), h.key_of(q1, "Palu")]},
            "Jawaban yang dikirim bukan pilihan untuk soal ini."),
        "slot of another attempt": (
            {**honest, f"s{their_slot.id}": their_slot.snapshot["options"][0]["key"]},
            "Soal yang dikirim bukan bagian dari percobaan ini."),
        "matching value not offered": (
            {**honest, f"s{q6.id}-{sub}": "r9"},
            "Pasangan yang dikirim bukan bagian dari soal ini."),
        "matching value of another question": (
            {**honest, f"s{q6.id}-{sub}": h.key_of(q1, "Palu")},
            "Pasangan yang dikirim bukan bagian dari soal ini."),
    }


@pytest.mark.parametrize("action", ["simpan", "kirim", "autosimpan"])
def test_tampered_answers_are_refused_and_nothing_is_saved(action, two_learners):
    mine, my_attempt, _theirs, their_attempt = two_learners
    url = f"/percobaan/{my_attempt}"
    before, their_before = h.responses(my_attempt), h.responses(their_attempt)
    html = h.page(mine, url)
    for case, (fields, message) in _tampered_forms(my_attempt, their_attempt).items():
        if action == "autosimpan":
            response = mine.post(f"{url}/autosimpan", data=h.form_payload(html, **fields))
            assert response.status_code == 400, case
            assert response.json == {"ok": False, "message": message}, case
        else:
            response = mine.post(url, data=h.form_payload(html, aksi=action, **fields))
            assert response.status_code == 400, case
            body = response.get_data(as_text=True)
            assert f'<p class="flash flash-error">{message}</p>' in body, case
            assert 'id="quiz-form"' in body  # the attempt is shown again, still open
        assert h.responses(my_attempt) == before, case
        assert h.responses(their_attempt) == their_before, case
        state = h.attempt(my_attempt)
        assert (state.state, state.score, state.submitted_at) == ("in_progress", None, None)
    # The honest form still works afterwards.
    ok = mine.post(url, data=h.form_payload(html, aksi="kirim"))
    assert ok.headers["Location"] == f"{url}/hasil"
    assert h.attempt(my_attempt).score == pytest.approx(100 / 6, abs=0.01)


def test_tampering_after_submit_changes_nothing(two_learners):
    mine, my_attempt, _theirs, their_attempt = two_learners
    url = f"/percobaan/{my_attempt}"
    html = h.page(mine, url)
    mine.post(url, data=h.form_payload(html, aksi="kirim"))
    graded = h.attempt(my_attempt)
    score, submitted_at, stored = graded.score, graded.submitted_at, h.responses(my_attempt)
    assert score == pytest.approx(16.67)
    for fields, _message in _tampered_forms(my_attempt, their_attempt).values():
        response = mine.post(url, data=h.form_payload(html, aksi="kirim", **fields))
        assert response.status_code == 302 and response.headers["Location"] == f"{url}/hasil"
    after = h.attempt(my_attempt)
    assert (after.score, after.submitted_at) == (score, submitted_at)
    assert h.responses(my_attempt) == stored


def test_another_learners_attempt_is_not_found(two_learners, client):
    mine, my_attempt, _theirs, their_attempt = two_learners
    their_url = f"/percobaan/{their_attempt}"
    token = csrf_token(h.page(mine, f"/percobaan/{my_attempt}"))
    their_before = h.responses(their_attempt)
    assert mine.get(their_url).status_code == 404
    assert mine.get(f"{their_url}/hasil").status_code == 404
    assert mine.post(their_url, data={"csrf_token": token, "aksi": "kirim"}).status_code == 404
    autosave = mine.post(f"{their_url}/autosimpan", data={"csrf_token": token})
    assert autosave.status_code == 404
    assert mine.get("/percobaan/999999").status_code == 404
    # Not logged in at all: to the login page.
    assert client.get(their_url).headers["Location"].startswith("/masuk")
    assert client.get(f"{their_url}/hasil").headers["Location"].startswith("/masuk")
    their_state = h.attempt(their_attempt)
    assert their_state.is_open and h.responses(their_attempt) == their_before


def test_posts_without_csrf_token_are_refused(two_learners, six):
    mine, my_attempt, _theirs, _their_attempt = two_learners
    url = f"/percobaan/{my_attempt}"
    before = h.responses(my_attempt)
    form = h.form_payload(h.page(mine, url), **_answer_all_right(my_attempt))
    without_token = {name: value for name, value in form.items() if name != "csrf_token"}
    for target, data in ((url, dict(without_token, aksi="simpan")),
                         (url, dict(without_token, aksi="kirim")),
                         (f"{url}/autosimpan", without_token),
                         (url, dict(without_token, aksi="kirim", csrf_token="palsu"))):
        response = mine.post(target, data=data)
        assert response.status_code == 400, target
        assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert mine.post("/kursus/spbe-101/kuis/uji/mulai").status_code == 400
    assert h.responses(my_attempt) == before
    assert h.attempt(my_attempt).is_open
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2
    # quiz.js sends the token as a header too: that alone is accepted.
    header_only = mine.post(f"{url}/autosimpan", data=without_token,
                            headers={"X-CSRFToken": form["csrf_token"][0]})
    assert header_only.status_code == 200 and header_only.json["ok"] is True
    assert h.responses(my_attempt)["Q4 Isian singkat"] == {"text": "SRIKANDI"}


def test_true_false_answers_are_kept_and_graded_also_in_older_snapshots(app, create_user,
                                                                        courses, tmp_path):
    """The importer leaves `single` unset for true/false; attempts started before snapshots
    said single=True hold None there. Either way the answer is a radio choice, saved and
    graded."""
    quiz = h.add_quiz(tmp_path, "benar-salah", """
::B1 Perpres::SPBE diatur dalam Perpres 95/2018.{T}

::B2 Berbagi sandi::Sertifikat elektronik boleh dipinjamkan kepada staf.{FALSE}
""", pass_mark=100, shuffle_answers="false", show_answers="always")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    b1, b2 = h.slots(attempt_id)
    assert b1.snapshot["single"] is True and b2.snapshot["single"] is True
    old_style = dict(b2.snapshot, single=None)
    b2.snapshot_json = json.dumps(old_style)
    db.session.commit()

    url = f"/percobaan/{attempt_id}"
    html = h.page(client, url)
    assert h.read_form(html).choices == {f"s{b1.id}": [h.key_of(b1, "true"),
                                                       h.key_of(b1, "false")],
                                         f"s{b2.id}": [h.key_of(b2, "true"),
                                                       h.key_of(b2, "false")]}
    fields = {f"s{b1.id}": h.key_of(b1, "true"), f"s{b2.id}": h.key_of(b2, "false")}
    client.post(url, data=h.form_payload(html, aksi="simpan", **fields))
    assert h.answers_shown(h.page(client, url)) == fields
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim"))
    assert h.attempt(attempt_id).score == 100.0
    result = h.page(client, f"{url}/hasil")
    assert verdicts(result) == [("Benar", 100), ("Benar", 100)]
    assert '<span class="mark">dipilih:</span> Salah' in result


def test_the_clock_sending_the_answers_is_said_plainly(app, create_user, six):
    """quiz.js adds waktu_habis=1 when it submits at zero: the result page says the time ran
    out and the answers filled in were sent and graded, not just "dikirim dan dinilai"."""
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, six)
    url = f"/percobaan/{attempt_id}"
    form = h.form_payload(h.page(client, url), aksi="kirim", waktu_habis="1",
                          **_answer_all_right(attempt_id))
    page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert ("Waktu habis: jawaban yang sudah Anda isi dikirim otomatis dan sudah dinilai."
            in page)
    assert "Jawaban Anda sudah dikirim dan dinilai." not in page


def test_check_before_sending_lists_unanswered_and_marked_questions(app, create_user, six):
    """Without JavaScript: "Periksa dan kirim" saves and shows what is unanswered or marked,
    the navigator shows the same, and "Kirim sekarang" sends the saved answers."""
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, six)
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)
    answers = {key: value for key, value in _answer_all_right(attempt_id).items()
               if not key.startswith((f"s{slot['Q4 Isian singkat'].id}",
                                      f"s{slot['Q5 Angka'].id}"))}
    html = h.page(client, url)
    checked = client.post(url, data=h.form_payload(
        html, aksi="periksa", tandai=str(slot["Q3 Benar salah"].id), **answers))
    assert checked.headers["Location"] == f"{url}/periksa"
    summary = h.page(client, f"{url}/periksa")
    assert "4 dari 6 soal sudah dijawab." in summary
    unanswered = summary.split('id="belum-dijawab"')[1].split("</section>")[0]
    assert re.findall(r"Soal (\d)</a>", unanswered) == ["4", "5"]
    marked = summary.split('id="ditandai"')[1].split("</section>")[0]
    assert re.findall(r"Soal (\d)</a>", marked) == ["3"]
    assert f'href="{url}#soal-4"' in unanswered

    navigator = h.page(client, url).split('class="quiz-nav"')[1].split("</nav>")[0]
    states = re.findall(r'<li class="([^"]+)">', navigator)
    assert states == ["answered", "answered", "answered flagged", "unanswered", "unanswered",
                      "answered"]
    assert h.attempt(attempt_id).is_open  # nothing sent yet

    token = csrf_token(summary)
    result = client.post(f"{url}/kirim", data={"csrf_token": token}, follow_redirects=True)
    page = result.get_data(as_text=True)
    assert "Jawaban Anda sudah dikirim dan dinilai." in page
    assert h.attempt(attempt_id).score == round(100 * 4 / 6, 2)  # the saved answers


def test_the_navigator_numbers_questions_as_the_page_does(app, courses, create_user, tmp_path):
    """An "Informasi" item takes a number on the page; the navigator skips it but keeps the
    page's numbers, so each link lands on its question."""
    quiz = h.add_quiz(tmp_path, "info", "::Info::Bacalah ketentuan berikut.\n\n"
                      "::Q1 Ibu kota::Ibu kota Sulteng?{=Palu ~Poso}\n", kind="practice")
    _user, client = h.learner(app, create_user)
    html = h.page(client, f"/percobaan/{h.start(client, quiz)}")
    navigator = html.split('class="quiz-nav"')[1].split("</nav>")[0]
    assert re.findall(r'href="#soal-(\d+)">(\d+)<', navigator) == [("2", "2")]
    assert 'id="soal-2"' in html and "Soal 2" in html
