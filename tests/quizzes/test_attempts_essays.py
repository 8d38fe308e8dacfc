"""Essays: the attempt waits for a person; who may grade it; the grading form; the result."""

import re

import pytest

from app.extensions import db
from tests.conftest import csrf_token
from tests.quizzes import attempts_helpers as h

ESSAY_QUIZ = """
::E1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{=Palu~Donggala~Poso}

::E2 Esai SRIKANDI::Jelaskan manfaat SRIKANDI bagi tata naskah dinas di OPD Anda.{}
"""
ESSAY_TEXT = "Disposisi tercatat <b>rapi</b> & surat mudah dilacak."
COMMENT = "Analisis baik; tambahkan contoh alur disposisi."


@pytest.fixture
def essay_setup(app, courses, create_user, tmp_path):
    """A learner (all modules read) who submitted: E1 right, E2 written. Returns a dict."""
    quiz = h.add_quiz(tmp_path, "esai", ESSAY_QUIZ, title="Kuis Esai", pass_mark=70,
                      shuffle_answers="false")
    user, client = h.learner(app, create_user, name="Rahmawati Lamato")
    h.complete_all_modules(user)
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    slot = h.slots_by_name(attempt_id)
    client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim", **{
        f"s{slot['E1 Ibu kota'].id}": h.key_of(slot["E1 Ibu kota"], "Palu"),
        f"s{slot['E2 Esai SRIKANDI'].id}": ESSAY_TEXT}))
    return {"quiz": quiz, "user": user, "client": client, "attempt_id": attempt_id,
            "essay": slot["E2 Esai SRIKANDI"], "choice": slot["E1 Ibu kota"]}


def grader(app, create_user, roles, owner=False):
    user = create_user(roles=roles)
    if owner:
        course = h.course_of()
        course.owners.append(user)
        db.session.commit()
    return h.login_as(app.test_client(), user.nip)


def grade_form_errors(html):
    match = re.search(r'<ul class="errors" id="score-error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def test_an_essay_leaves_the_attempt_waiting_for_a_grader(essay_setup):
    client, attempt_id = essay_setup["client"], essay_setup["attempt_id"]
    attempt = h.attempt(attempt_id)
    assert attempt.state == "submitted" and attempt.needs_grading is True
    assert attempt.passed is None and attempt.score == 50.0  # the essay counts 0 so far
    assert [s.score for s in h.slots(attempt_id)] == [1.0, None]

    result = h.page(client, f"/percobaan/{attempt_id}/hasil")
    assert "Sebagian jawaban (esai) menunggu penilaian pengajar." in result
    assert "Menunggu penilaian pengajar" in result
    assert "Lulus." not in result and "Belum lulus." not in result
    assert "menunggu penilaian" in h.page(client, "/kursus/spbe-101/kuis/esai")
    assert "Menunggu penilaian" in h.page(client, "/kursus/spbe-101")
    # All modules are read, but a graded quiz waiting for its grade is not passed.
    assert h.enrollment_of(essay_setup["user"]).completed_at is None
    assert "<strong>0</strong> / 20 JP" in h.page(client, "/beranda")


def test_who_sees_and_may_grade_the_essay(app, create_user, essay_setup):
    essay_url = f"/penilaian/{essay_setup['essay'].id}"
    admin = grader(app, create_user, ("admin",))
    listing = h.page(admin, "/penilaian")
    assert "Rahmawati Lamato" in listing and "SPBE-101 · Kuis Esai" in listing
    assert f'href="{essay_url}"' in listing
    assert "Disposisi tercatat &lt;b&gt;rapi&lt;/b&gt; &amp; surat" in h.page(admin, essay_url)

    owner = grader(app, create_user, ("trainer",), owner=True)
    assert f'href="{essay_url}"' in h.page(owner, "/penilaian")
    assert h.page(owner, essay_url)

    stranger = grader(app, create_user, ("trainer",))  # teaches no course here
    listing = h.page(stranger, "/penilaian")
    assert "Tidak ada esai yang menunggu penilaian." in listing
    assert "Rahmawati Lamato" not in listing
    assert stranger.get(essay_url).status_code == 404
    token = csrf_token(listing)
    assert stranger.post(essay_url, data={"csrf_token": token, "score": "100"}).status_code == 404

    learner = essay_setup["client"]
    assert learner.get("/penilaian").status_code == 403
    assert learner.get(essay_url).status_code == 403
    token = csrf_token(h.page(learner, "/beranda"))
    assert learner.post(essay_url, data={"csrf_token": token, "score": "100"}).status_code == 403

    # Not an essay, or not submitted yet: nothing to grade.
    assert admin.get(f"/penilaian/{essay_setup['choice'].id}").status_code == 404
    assert admin.get("/penilaian/999999").status_code == 404
    assert h.slots(essay_setup["attempt_id"])[1].score is None  # nobody graded anything


@pytest.mark.parametrize(("score", "errors"), [
    ("abc", ["Bukan bilangan desimal yang valid.", "Nilai harus antara 0 dan 100."]),
    ("-5", ["Nilai harus antara 0 dan 100."]),
    ("150", ["Nilai harus antara 0 dan 100."]),
    ("100.5", ["Nilai harus antara 0 dan 100."]),
    ("", ["Isi nilai 0 sampai 100."]),
])
def test_a_bad_grade_is_refused_on_its_field(score, errors, app, create_user, essay_setup):
    owner = grader(app, create_user, ("trainer",), owner=True)
    essay_url = f"/penilaian/{essay_setup['essay'].id}"
    response = owner.post(essay_url, data={"csrf_token": csrf_token(h.page(owner, essay_url)),
                                           "score": score, "comment": COMMENT})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert grade_form_errors(html) == errors
    assert "Periksa kembali isian yang ditandai di bawah." in html
    assert COMMENT in html  # what was typed is kept
    slot = h.slots(essay_setup["attempt_id"])[1]
    assert (slot.score, slot.grader_comment, slot.graded_by_id) == (None, None, None)
    attempt = h.attempt(essay_setup["attempt_id"])
    assert (attempt.score, attempt.needs_grading, attempt.passed) == (50.0, True, None)


def test_the_owner_grades_and_the_learner_sees_grade_and_comment(app, create_user,
                                                                 essay_setup):
    owner_user = create_user(roles=("trainer",), name="Pak Pengajar")
    course = h.course_of()
    course.owners.append(owner_user)
    db.session.commit()
    owner = h.login_as(app.test_client(), owner_user.nip)
    essay_url = f"/penilaian/{essay_setup['essay'].id}"
    graded = owner.post(essay_url, data={"csrf_token": csrf_token(h.page(owner, essay_url)),
                                         "score": "80", "comment": f"  {COMMENT}  "})
    assert graded.status_code == 302 and graded.headers["Location"] == "/penilaian"
    listing = h.page(owner, "/penilaian")
    assert "Nilai esai disimpan." in listing
    assert "Tidak ada esai yang menunggu penilaian." in listing

    slot = h.slots(essay_setup["attempt_id"])[1]
    assert slot.score == 0.8 and slot.grader_comment == COMMENT
    assert slot.graded_by_id == owner_user.id and slot.graded_at is not None
    attempt = h.attempt(essay_setup["attempt_id"])
    # (1 + 0.8) of 2 marks = 90 %.
    assert (attempt.score, attempt.needs_grading, attempt.passed) == (90.0, False, True)

    learner = essay_setup["client"]
    result = h.page(learner, f"/percobaan/{essay_setup['attempt_id']}/hasil")
    assert "<strong>90,0%</strong>" in result and "Lulus." in result
    assert f"<p>{COMMENT}</p>" in result and "Komentar pengajar:" in result
    assert "Menunggu penilaian" not in result and "Sebagian benar" in result
    # The last missing piece: the course is completed and its JP counted.
    assert h.enrollment_of(essay_setup["user"]).completed_at is not None
    assert "<strong>12</strong> / 20 JP" in h.page(learner, "/beranda")


def test_zero_is_a_grade(app, create_user, essay_setup):
    admin = grader(app, create_user, ("admin",))
    essay_url = f"/penilaian/{essay_setup['essay'].id}"
    response = admin.post(essay_url, data={"csrf_token": csrf_token(h.page(admin, essay_url)),
                                           "score": "0", "comment": ""})
    assert response.status_code == 302
    slot = h.slots(essay_setup["attempt_id"])[1]
    assert slot.score == 0.0 and slot.grader_comment is None
    attempt = h.attempt(essay_setup["attempt_id"])
    assert (attempt.score, attempt.needs_grading, attempt.passed) == (50.0, False, False)
    result = h.page(essay_setup["client"], f"/percobaan/{essay_setup['attempt_id']}/hasil")
    assert "Belum lulus." in result and "Komentar pengajar:" not in result
    assert h.enrollment_of(essay_setup["user"]).completed_at is None


def test_an_essay_of_an_open_attempt_cannot_be_graded(app, create_user, courses, tmp_path):
    quiz = h.add_quiz(tmp_path, "esai-terbuka", ESSAY_QUIZ, shuffle_answers="false")
    _user, client = h.learner(app, create_user)
    attempt_id = h.start(client, quiz)
    essay = h.slots_by_name(attempt_id)["E2 Esai SRIKANDI"]
    admin = grader(app, create_user, ("admin",))
    assert "Tidak ada esai yang menunggu penilaian." in h.page(admin, "/penilaian")
    assert admin.get(f"/penilaian/{essay.id}").status_code == 404
    assert h.attempt(attempt_id).is_open


def test_a_grade_can_be_changed_and_the_change_is_audited(app, create_user, essay_setup):
    """Changing an essay grade after grading is allowed, shows the current grade on the form,
    and leaves an audit event with the grade before and after and who changed it."""
    from sqlalchemy import select

    from app.audit import AuditEvent

    essay_url = f"/penilaian/{essay_setup['essay'].id}"
    first = grader(app, create_user, ("trainer",), owner=True)
    page = h.page(first, essay_url)
    first.post(essay_url, data={"csrf_token": csrf_token(page), "score": "40",
                                "comment": "Kurang contoh."})
    assert h.attempt(essay_setup["attempt_id"]).score == 70.0  # (1 + 0.4) / 2

    second = grader(app, create_user, ("admin",))
    listing = h.page(second, "/penilaian")
    assert "Baru dinilai" in listing and f'href="{essay_url}"' in listing
    page = h.page(second, essay_url)
    assert 'value="40.0"' in page and "Kurang contoh." in page  # the current grade, to change
    assert "Sudah dinilai 40,00" in page
    response = second.post(essay_url, data={"csrf_token": csrf_token(page), "score": "90",
                                            "comment": COMMENT}, follow_redirects=True)
    assert "Nilai esai diubah dari 40,00 menjadi 90,00" in response.get_data(as_text=True)
    attempt = h.attempt(essay_setup["attempt_id"])
    assert (attempt.score, attempt.passed) == (95.0, True)

    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(("quiz.essay_graded", "quiz.essay_regraded")))
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["quiz.essay_graded", "quiz.essay_regraded"]
    regrade = events[1]
    assert regrade.object_id == str(essay_setup["essay"].id)
    assert regrade.details["score_before"] == 40.0 and regrade.details["score_after"] == 90.0
    assert regrade.details["comment_changed"] is True
    assert regrade.details["previous_grader_id"] == events[0].actor_id
    assert regrade.actor_id != events[0].actor_id
    assert regrade.details["learner_id"] == essay_setup["user"].id
