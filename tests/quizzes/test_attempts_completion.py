"""Quizzes and course completion: graded and posttest quizzes must be passed, pretests and
practice never block; the course page shows the pretest-to-posttest gain."""

import pytest
from sqlalchemy import select

from app.content.quiz_loader import import_quizzes
from app.courses import services as course_services
from app.courses.models import Course, Module
from app.extensions import db
from app.quizzes.models import Quiz
from tests.conftest import csrf_token
from tests.quizzes import attempts_helpers as h


def numbered(prefix, count):
    """`count` two-option questions; the right answer of question n is "Benar n"."""
    return "\n\n".join(
        f"::{prefix}{n} Soal {n}::Pertanyaan {prefix}{n}?{{=Benar {n}~Salah {n}}}"
        for n in range(1, count + 1))


def take(client, quiz, right):
    """Start, answer the first `right` questions right and the rest wrong, submit."""
    attempt_id = h.start(client, quiz)
    url = f"/percobaan/{attempt_id}"
    fields = {}
    for index, slot in enumerate(h.slots(attempt_id)):
        number = slot.snapshot["name"].split()[-1]
        fields[f"s{slot.id}"] = h.key_of(
            slot, f"Benar {number}" if index < right else f"Salah {number}")
    sent = client.post(url, data=h.form_payload(h.page(client, url), aksi="kirim", **fields))
    assert sent.headers["Location"] == f"{url}/hasil"
    return h.attempt(attempt_id)


def modules():
    return db.session.scalars(select(Module).join(Course).where(
        Course.slug == "spbe-101").order_by(Module.position)).all()


@pytest.mark.parametrize("kind", ["graded", "posttest"])
def test_all_modules_done_is_not_enough_while_the_quiz_is_not_passed(kind, app, courses,
                                                                     create_user, tmp_path):
    quiz = h.add_quiz(tmp_path, "akhir", numbered("A", 2), kind=kind, pass_mark=70,
                      shuffle_answers="false")
    user, client = h.learner(app, create_user)
    assert "<strong>0</strong> / 20 JP" in h.page(client, "/beranda")

    # Read every module through the pages; the last one says a quiz is still missing.
    *first, last = modules()
    for module in first:
        url = f"/kursus/spbe-101/modul/{module.slug}"
        client.post(f"{url}/selesai", data={"csrf_token": csrf_token(h.page(client, url))})
    url = f"/kursus/spbe-101/modul/{last.slug}"
    done = client.post(f"{url}/selesai", data={"csrf_token": csrf_token(h.page(client, url))},
                       follow_redirects=True).get_data(as_text=True)
    assert "Semua modul selesai. Lulus kuis kursus ini untuk menyelesaikannya." in done
    assert h.enrollment_of(user).completed_at is None
    dashboard = h.page(client, "/beranda")
    assert "<strong>0</strong> / 20 JP" in dashboard and "Lulus kuisnya" in dashboard
    # Every module read is not a complete course: no full bar, and the page says what is left.
    total = len(first) + 1
    expected = round(100 * total / (total + 1))
    for page in (h.page(client, "/kursus/spbe-101"), dashboard):
        assert f"{total} dari {total} modul dibaca — kuis wajib belum lulus" in page
        assert f'value="{expected}"' in page and 'value="100"' not in page

    failed = take(client, quiz, right=1)  # 50 % < 70 %
    assert (failed.score, failed.passed) == (50.0, False)
    assert h.enrollment_of(user).completed_at is None
    assert "<strong>0</strong> / 20 JP" in h.page(client, "/beranda")

    passed = take(client, quiz, right=2)
    assert (passed.score, passed.passed) == (100.0, True)
    enrollment = h.enrollment_of(user)
    assert enrollment.completed_at == passed.submitted_at
    dashboard = h.page(client, "/beranda")
    assert "<strong>12</strong> / 20 JP" in dashboard and "Kurang 8 JP lagi" in dashboard
    course_page = h.page(client, "/kursus/spbe-101")
    assert "12 JP tercatat" in course_page
    assert f"{total} dari {total} modul dibaca — kursus selesai" in course_page
    assert 'value="100"' in course_page
    assert "Nilai: 100,0% (nilai tertinggi)" in course_page
    assert '<span class="badge">Lulus</span>' in course_page


def test_passing_the_quiz_first_completes_with_the_last_module(app, courses, create_user,
                                                               tmp_path):
    quiz = h.add_quiz(tmp_path, "akhir", numbered("A", 2), shuffle_answers="false")
    user, client = h.learner(app, create_user)
    assert take(client, quiz, right=2).passed is True
    assert h.enrollment_of(user).completed_at is None  # modules still unread
    h.complete_all_modules(user)
    assert h.enrollment_of(user).completed_at is not None
    assert "<strong>12</strong> / 20 JP" in h.page(client, "/beranda")


def test_failed_pretest_and_practice_never_block(app, courses, create_user, tmp_path):
    pretest = h.add_quiz(tmp_path, "pretest", numbered("P", 2), kind="pretest", pass_mark=50,
                         max_attempts=1, shuffle_answers="false")
    practice = h.add_quiz(tmp_path, "latihan", numbered("L", 2), kind="practice",
                          pass_mark=80, shuffle_answers="false")
    user, client = h.learner(app, create_user)
    taken = take(client, pretest, right=0)
    assert taken.passed is False
    assert take(client, practice, right=1).passed is False
    assert "tidak ada lulus atau tidak lulus" in h.page(client, "/kursus/spbe-101/kuis/pretest")
    assert "Kuis ini tidak menentukan kelulusan kursus." in h.page(
        client, "/kursus/spbe-101/kuis/latihan")
    # A pretest measures: its result never says "Lulus" or "Belum lulus", nor a pass mark.
    result = h.page(client, f"/percobaan/{taken.id}/hasil")
    assert "Pretest tidak punya lulus atau tidak lulus" in result
    assert "Belum lulus" not in result and "batas lulus" not in result

    h.complete_all_modules(user)
    assert h.enrollment_of(user).completed_at is not None
    assert "<strong>12</strong> / 20 JP" in h.page(client, "/beranda")
    course_page = h.page(client, "/kursus/spbe-101")
    assert "Nilai: 0,0% (nilai tertinggi)" in course_page
    assert "Nilai: 50,0% (nilai tertinggi)" in course_page
    assert '<span class="badge">Lulus</span>' not in course_page


def test_a_retired_quiz_no_longer_blocks(app, courses, create_user, tmp_path):
    quiz = h.add_quiz(tmp_path, "akhir", numbered("A", 2), shuffle_answers="false")
    user, client = h.learner(app, create_user)
    take(client, quiz, right=0)
    h.complete_all_modules(user)
    assert h.enrollment_of(user).completed_at is None
    # The author removes the quiz file: a quiz with attempts is retired, not deleted.
    (tmp_path / "kuis" / "spbe-101" / "akhir.gift").unlink()
    import_quizzes(tmp_path / "kuis")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Quiz, quiz.id).is_retired
    course_services.refresh_completion(user, h.course_of())
    db.session.commit()
    assert h.enrollment_of(user).completed_at is not None
    assert client.get("/kursus/spbe-101/kuis/akhir").status_code == 404
    assert "Kuis akhir" not in h.page(client, "/kursus/spbe-101")


def test_course_page_shows_the_gain_from_pretest_to_posttest(app, courses, create_user,
                                                            tmp_path):
    pretest = h.add_quiz(tmp_path, "pretest", numbered("P", 3), kind="pretest",
                         title="Pretest Uji", shuffle_answers="false")
    posttest = h.add_quiz(tmp_path, "posttest", numbered("Q", 3), kind="posttest",
                          title="Posttest Uji", pass_mark=70, shuffle_answers="false")
    _user, client = h.learner(app, create_user)

    assert take(client, pretest, right=1).score == 33.33
    course_page = h.page(client, "/kursus/spbe-101")
    assert "Nilai: 33,3% (nilai tertinggi)" in course_page
    assert "Peningkatan dari pretest ke posttest" not in course_page  # no posttest grade yet

    assert take(client, posttest, right=3).score == 100.0
    course_page = h.page(client, "/kursus/spbe-101")
    # 100.0 - 33.33 = 66.67 points, shown to one decimal.
    assert "Peningkatan dari pretest ke posttest: +66,7 poin" in course_page

    worse = take(client, posttest, right=0)  # the best posttest grade still counts
    assert worse.score == 0.0
    assert "Peningkatan dari pretest ke posttest: +66,7 poin" in h.page(client, "/kursus/spbe-101")


def test_quiz_sections_on_course_and_module_pages(app, courses, create_user, tmp_path):
    first = modules()[0]
    h.add_quiz(tmp_path, "cek-modul-1", numbered("C", 2), title="Cek Pemahaman Modul 1",
               kind="practice", after=first.slug)
    h.add_quiz(tmp_path, "akhir", numbered("A", 2), title="Kuis Akhir Uji")
    _user, client = h.learner(app, create_user)
    course_page = h.page(client, "/kursus/spbe-101")
    assert f"setelah modul \u201c{first.title}\u201d" in course_page
    assert "Kuis Akhir Uji" in course_page and "kuis akhir" in course_page
    module_page = h.page(client, f"/kursus/spbe-101/modul/{first.slug}")
    assert "Uji pemahaman Anda:" in module_page
    assert 'href="/kursus/spbe-101/kuis/cek-modul-1">Cek Pemahaman Modul 1</a> (Latihan)' in (
        module_page)
    second = h.page(client, f"/kursus/spbe-101/modul/{modules()[1].slug}")
    assert "Uji pemahaman Anda:" not in second


def test_a_pretest_opens_the_course_and_enrolling_leads_to_it(app, courses, create_user,
                                                             tmp_path):
    pretest = h.add_quiz(tmp_path, "pretest", numbered("P", 2), kind="pretest",
                         shuffle_answers="false")  # no `after`: before the first module
    final = h.add_quiz(tmp_path, "akhir", numbered("A", 2), shuffle_answers="false")
    assert pretest.opens_course and not final.opens_course
    _user, client = h.learner(app, create_user, enrolled=False)
    page = h.page(client, "/kursus/spbe-101")
    enrolled = client.post("/kursus/spbe-101/daftar", data={"csrf_token": csrf_token(page)})
    to_start = client.get(enrolled.headers["Location"])
    assert to_start.headers["Location"] == "/kursus/spbe-101/kuis/pretest"
    course_page = h.page(client, "/kursus/spbe-101")
    quizzes = course_page.split('id="quiz-heading"')[1]
    assert quizzes.index("Kuis pretest") < quizzes.index("Kuis akhir")  # listed first
    assert "Pretest · sebelum modul pertama" in quizzes and "Kuis · kuis akhir" in quizzes

    take(client, pretest, right=1)  # 50 %: recorded, not "lulus", and the course goes on
    first = modules()[0]
    assert client.get("/kursus/spbe-101/lanjutkan").headers["Location"] == (
        f"/kursus/spbe-101/modul/{first.slug}")


def test_only_a_pretest_may_open_the_course(app, courses, tmp_path):
    path = tmp_path / "kuis" / "spbe-101" / "awal.gift"
    path.parent.mkdir(parents=True)
    path.write_text(h.quiz_text(numbered("X", 1), kind="graded", after="awal"),
                    encoding="utf-8")
    report = import_quizzes(path)
    assert [p.message for p in report.problems] == [
        "'after: awal' (sebelum modul pertama) hanya untuk kind: pretest; kuis lain tanpa "
        "'after' tampil setelah modul terakhir"]
    path.write_text(h.quiz_text(numbered("X", 1), kind="pretest", after="awal"),
                    encoding="utf-8")
    assert import_quizzes(path).ok
