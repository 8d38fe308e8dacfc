"""Quizzes edited as GIFT text in the browser: check, save, preview, and history kept safe."""

import pytest
from sqlalchemy import func, select

from app.courses import services as course_services
from app.extensions import db
from app.quizzes import services as quiz_services
from app.quizzes.models import Attempt, Question, Quiz
from tests.authoring.helpers import (
    GIFT,
    LEARNER_NIP,
    QUIZ_FORM,
    add_quiz,
)
from tests.conftest import csrf_token, submit


def text(response):
    return response.get_data(as_text=True)


def the_quiz():
    return db.session.scalar(select(Quiz))


def take_and_submit(learner, quiz, choose):
    """Start an attempt and answer each slot with choose(snapshot) -> raw response."""
    attempt = quiz_services.start_attempt(learner, quiz)
    raw = {slot.id: choose(slot.snapshot) for slot in attempt.slots}
    quiz_services.submit_attempt(attempt, raw)
    db.session.commit()
    return attempt


def right_answers(snapshot):
    best = max(snapshot["options"], key=lambda option: option["fraction"])
    return {"choice": best["key"]}


def test_a_quiz_is_written_in_gift_and_saved(client, course):
    page = text(add_quiz(client, course))
    assert "Kuis \u201cKuis akhir TTE\u201d disimpan." in page
    quiz = the_quiz()
    assert (quiz.slug, quiz.pass_mark, quiz.review_policy, quiz.shuffle_answers) == (
        "kuis-akhir", 70, "full", False)
    assert [q.name for q in quiz.questions] == ["Q1 Penerbit", "Q2 Sah"]
    assert quiz.gift_source == GIFT.rstrip()
    # Back in the editor the author finds their own text.
    assert "::Q1 Penerbit::Siapa penyelenggara" in text(
        client.get("/pengajar/kursus/tte-101/kuis/kuis-akhir"))
    # Learners see it on the course page.
    assert "Kuis akhir TTE" in text(client.get("/kursus/tte-101"))


def test_check_lists_problems_by_line_and_saves_nothing(client, course):
    broken = "::Q1::Pertanyaan baik.{=ya ~tidak}\n\n::Q2::Kurung tidak ditutup {=a ~b\n"
    page = text(add_quiz(client, course, gift=broken, aksi="periksa"))
    assert "baris 3</a>: kurung kurawal" in page
    assert "Kurung tidak ditutup {=a ~b" in page  # the text stays for fixing
    assert the_quiz() is None
    saved = text(add_quiz(client, course, gift=broken))
    assert "baris 3</a>: kurung kurawal" in saved
    assert the_quiz() is None


def test_check_of_good_text_lists_the_questions(client, course):
    page = text(add_quiz(client, course, aksi="periksa"))
    assert "Tidak ada masalah: 2 soal terbaca." in page
    assert the_quiz() is None


LIKELY_MISTAKES = ("::Q1::Ibu kota Sulawesi Tengah adalah Palu.\n{Ture}\n\n"
                   "::Q2::Ibu kota?{\n~%100%Palu\n~Poso\n}\n")


def test_check_shows_likely_mistakes_with_their_lines_and_saving_still_works(client, course):
    page = text(add_quiz(client, course, gift=LIKELY_MISTAKES, aksi="periksa"))
    assert "Tidak ada masalah: 2 soal terbaca." in page
    assert "2 hal perlu diperiksa (kuis tetap dapat disimpan):" in page
    assert "baris 2</a>: jawaban &#39;Ture&#39; mirip TRUE/FALSE" in page
    assert "baris 4</a>: hanya satu jawaban bernilai 100% tetapi tanpa &#39;=&#39;" in page
    assert the_quiz() is None
    saved = text(add_quiz(client, course, gift=LIKELY_MISTAKES))
    assert "disimpan." in saved
    assert "Periksa baris 2: jawaban &#39;Ture&#39; mirip TRUE/FALSE" in saved
    assert [q.type for q in the_quiz().questions] == ["shortanswer", "multichoice"]


def test_good_text_brings_no_warning(client, course):
    page = text(add_quiz(client, course, aksi="periksa"))
    assert "perlu diperiksa" not in page
    assert "Periksa baris" not in text(add_quiz(client, course))


@pytest.mark.parametrize(("fields", "message"), [
    ({"pass_mark": "101"}, "Nilai lulus harus antara 0 dan 100."),
    ({"time_limit": "-5"}, "Batas waktu harus antara 0 dan 600 menit."),
    ({"slug": "Kuis Akhir"}, "Hanya huruf kecil, angka dan tanda hubung"),
    ({"kind": "ujian"}, "Pilihan tidak valid."),
    ({"after": "tidak-ada"}, "Pilihan tidak valid."),
    ({"draw": "5"}, "jumlah soal yang diambil (5) lebih besar dari jumlah pertanyaan (2)"),
    ({"gift": ""}, "kuis tidak berisi satu pun pertanyaan"),
])
def test_bad_quiz_settings_are_named(client, course, fields, message):
    page = text(add_quiz(client, course, **fields))
    assert message in page
    assert the_quiz() is None


def test_a_quiz_can_be_placed_after_a_module_and_its_slug_is_unique(client, course):
    add_quiz(client, course, after="pengantar-tte")
    assert the_quiz().after_module.slug == "pengantar-tte"
    page = text(add_quiz(client, course))
    assert "Alamat kuis &#39;kuis-akhir&#39; sudah dipakai di kursus ini." in page
    assert db.session.scalar(select(func.count()).select_from(Quiz)) == 1


def test_only_a_pretest_is_placed_before_the_first_module(client, course):
    page = text(add_quiz(client, course, after="awal"))  # a graded quiz
    assert "Hanya pretest yang dapat diletakkan sebelum modul pertama." in page
    assert the_quiz() is None
    add_quiz(client, course, after="awal", kind="pretest", slug="pretest")
    quiz = the_quiz()
    assert quiz.opens_course and quiz.after_module_id is None
    form = text(client.get("/pengajar/kursus/tte-101/kuis/pretest"))
    assert '<option selected value="awal">' in form or '<option value="awal" selected>' in form


def test_preview_shows_the_questions_without_an_attempt(client, course):
    add_quiz(client, course)
    page = text(client.get("/pengajar/kursus/tte-101/kuis/kuis-akhir/pratinjau"))
    assert "Mode pratinjau" in page
    assert "Siapa penyelenggara sertifikat elektronik untuk ASN?" in page
    assert "BSrE" in page and "Dukcapil" in page
    assert "Benar" in page and "Salah" in page
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_editing_questions_never_changes_graded_attempts(client, course, create_user):
    add_quiz(client, course)
    learner = create_user(nip=LEARNER_NIP)
    course_services.enroll_learner(learner, course)
    db.session.commit()
    attempt = take_and_submit(learner, the_quiz(), right_answers)
    assert attempt.score == 100
    # The key of Q1 moves to another option and Q2 is dropped from the text.
    changed = ("::Q1 Penerbit::Siapa penyelenggara sertifikat elektronik untuk ASN?{\n"
               "~BSrE\n=Dukcapil\n~Bank\n}\n\n::Q3 Baru::Soal baru.{F}\n")
    url = "/pengajar/kursus/tte-101/kuis/kuis-akhir"
    page = text(submit(client, url, dict(QUIZ_FORM, gift=changed)))
    assert "disimpan" in page
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert (graded.score, graded.passed) == (100, True)
    questions = {q.name: q for q in db.session.scalars(select(Question))}
    assert questions["Q2 Sah"].retired_at is not None  # answered: retired, not deleted
    assert questions["Q1 Penerbit"].retired_at is None
    assert questions["Q3 Baru"].retired_at is None
    # A new attempt meets the new questions.
    second = quiz_services.start_attempt(learner, db.session.get(Quiz, graded.quiz_id))
    assert sorted(slot.snapshot["name"] for slot in second.slots) == ["Q1 Penerbit", "Q3 Baru"]


def test_removing_a_quiz_retires_it_when_attempted(client, course, create_user):
    add_quiz(client, course)
    add_quiz(client, course, slug="latihan", title="Latihan", kind="practice")
    learner = create_user(nip=LEARNER_NIP)
    course_services.enroll_learner(learner, course)
    db.session.commit()
    take_and_submit(learner, the_quiz(), right_answers)
    token = csrf_token(text(client.get("/pengajar/kursus/tte-101")))
    page = text(client.post("/pengajar/kursus/tte-101/kuis/kuis-akhir/hapus",
                            data={"csrf_token": token}, follow_redirects=True))
    assert "dipensiunkan" in page
    page = text(client.post("/pengajar/kursus/tte-101/kuis/latihan/hapus",
                            data={"csrf_token": token}, follow_redirects=True))
    assert "Kuis \u201cLatihan\u201d dihapus." in page
    db.session.expire_all()
    quizzes = db.session.scalars(select(Quiz)).all()
    assert [(q.slug, q.retired_at is not None) for q in quizzes] == [("kuis-akhir", True)]
    assert client.get("/kursus/tte-101/kuis/kuis-akhir").status_code == 404


def test_each_problem_links_to_the_box_and_shows_its_line(client, course):
    broken = "::Q1::Pertanyaan baik.{=ya ~tidak}\n\n::Q2::Kurung tidak ditutup {=a ~b\n"
    page = text(add_quiz(client, course, gift=broken, aksi="periksa"))
    assert '<a href="#gift" data-jump-line="3">baris 3</a>: kurung kurawal' in page
    assert '<code class="problem-line">::Q2::Kurung tidak ditutup {=a ~b</code>' in page
    assert 'id="gift"' in page and 'wrap="off"' in page
    assert "/static/js/gift-editor" in page


def test_a_warning_links_to_its_line_too(client, course):
    page = text(add_quiz(client, course, gift=LIKELY_MISTAKES, aksi="periksa"))
    assert '<a href="#gift" data-jump-line="2">baris 2</a>: jawaban' in page
    assert '<code class="problem-line">{Ture}</code>' in page
