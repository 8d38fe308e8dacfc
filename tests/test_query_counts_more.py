"""More pages whose query count must not grow with the data (the pattern of
tests/courses/test_query_counts.py): a learner's certificates, public verification, a quiz's
overview and result pages, the essays waiting for a trainer, and the trainer's workbench, module
editor, quiz editor and quiz preview. Each test measures a page, grows the data, measures again.

The bounds leave a little room above what was measured (stated next to each) so a harmless
extra lookup does not fail CI, while a query per row still does."""

import pytest
from sqlalchemy import select

from app.authoring import services as authoring
from app.certificates import services as certificates
from app.courses.models import Course
from app.extensions import db
from app.quizzes import services as quizzes
from app.quizzes.models import AttemptQuestion
from tests.authoring.helpers import COURSE_FORM
from tests.certificates import issuing_helpers as ch
from tests.conftest import PNS_NIP
from tests.content.test_media import tiny_png
from tests.quizzes import attempts_helpers as qh

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def measure(queries, client, url):
    """Queries run by one GET of the page, the response body included (it may stream)."""
    db.session.expire_all()
    with queries() as count, client.get(url) as response:
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
    return count()


def numbered(count):
    """Single-answer questions 'U<n> Soal <n>' whose right answer is 'Benar <n>'."""
    return "\n\n".join(
        f"::U{n} Soal {n}::Pertanyaan {n}?{{=Benar {n}#Tepat.~Salah {n}#Keliru.~Ragu {n}}}"
        for n in range(1, count + 1))


def right_answer(slot):
    return {"choice": qh.key_of(slot, f"Benar {slot.snapshot['name'].split()[-1]}")}


def right_answers(attempt):
    return {slot.id: right_answer(slot) for slot in attempt.slots}


def take(user, quiz, answers=right_answers):
    """Start an attempt and submit it at once (services, as a browser would end up)."""
    attempt = quizzes.start_attempt(user, quiz)
    db.session.commit()
    quizzes.submit_attempt(attempt, answers(attempt))
    db.session.commit()
    return attempt


# --- certificates ----------------------------------------------------------------------------

def certify(user, slug):
    """A completed enrolment in a bundled course and its certificate."""
    return ch.issue(ch.enrol(user, ch.course(slug)))


def revoke_and_reissue(certificate):
    certificates.revoke_certificate(certificate, "Data peserta keliru.", None)
    new = certificates.reissue_certificate(certificate, None)
    db.session.commit()
    return new


@pytest.fixture
def holder(courses, create_user, login):
    user = create_user(nip=PNS_NIP, name="Andi Lamadjido")
    login(PNS_NIP)
    return user


@pytest.mark.parametrize("page", ["list", "download"])
def test_my_certificates_cost_the_same_with_two_or_four(page, client, holder, queries):
    spbe = certify(holder, "spbe-101")
    kam = certify(holder, "kam-201")
    url = "/sertifikat" if page == "list" else f"/sertifikat/{spbe.id}/unduh"
    before = measure(queries, client, url)
    revoke_and_reissue(kam)  # one revoked (shown with its reason) and its replacement
    certify(holder, "duk-201")
    assert len(ch.certificates_of(holder)) == 4
    after = measure(queries, client, url)
    assert after == before, f"{page}: {before} queries with 2 certificates, {after} with 4"
    # Measured: list 4 (user, certificates, 2 settings for the share links), download 2.
    assert before <= 6, f"{page} takes {before} queries"


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_verification_cost_does_not_grow_with_other_certificates(suffix, app, courses,
                                                                 create_user, queries):
    holder = create_user(nip=PNS_NIP, name="Andi Lamadjido")
    mine = certify(holder, "spbe-101")
    certify(create_user(), "spbe-101")
    url = f"/verify/{mine.verification_code}{suffix}"
    public = app.test_client()  # nobody logged in: a reviewer scanning the QR code
    before = measure(queries, public, url)
    for slug in ("spbe-101", "kam-201", "duk-201"):
        certify(create_user(), slug)
    revoke_and_reissue(certify(create_user(), "kam-201"))
    certify(holder, "kam-201")
    assert len(ch.all_certificates()) == 8
    after = measure(queries, public, url)
    assert after == before, f"verify{suffix}: {before} queries, then {after} with more data"
    # Measured: HTML 4 (the certificate by its code, 3 settings), JSON 1.
    assert before <= 5, f"verify{suffix} takes {before} queries"


# --- quizzes: overview and result ---------------------------------------------------------------

def test_quiz_overview_costs_the_same_after_one_or_three_attempts(app, courses, create_user,
                                                                  tmp_path, queries):
    quiz = qh.add_quiz(tmp_path, "latihan", numbered(4), grading="highest")
    user, client = qh.learner(app, create_user)
    url = f"/kursus/{qh.COURSE}/kuis/{quiz.slug}"
    take(user, quiz, answers=lambda attempt: {})  # a blank first try
    before = measure(queries, client, url)
    take(user, quiz)
    take(user, quiz)
    # Another learner's attempts are not this page's business either.
    other, _client = qh.learner(app, create_user)
    take(other, quiz)
    assert len(quizzes.attempts_of(user, quiz)) == 3
    after = measure(queries, client, url)
    assert after == before, f"overview: {before} queries with 1 attempt, {after} with 3"
    # Measured: 5 (user, quiz with its course, attempts, questions, a setting).
    assert before <= 7, f"overview takes {before} queries"


@pytest.mark.parametrize("review", ["full", "feedback", "score"])
def test_result_page_costs_the_same_for_four_or_eight_questions(review, app, courses,
                                                                create_user, tmp_path, queries):
    small = qh.add_quiz(tmp_path, "empat", numbered(4), review=review)
    large = qh.add_quiz(tmp_path, "delapan", numbered(8), review=review)
    user, client = qh.learner(app, create_user)
    costs = [measure(queries, client, f"/percobaan/{take(user, quiz).id}/hasil")
             for quiz in (small, large)]
    assert costs[0] == costs[1], f"result ({review}): {costs} queries (4 vs 8 questions)"
    # Measured: 4 (user, attempt with quiz and course, its slots, a setting).
    assert costs[0] <= 6, f"result page takes {costs[0]} queries"


# --- essays waiting for a trainer ----------------------------------------------------------------

ESSAY_QUIZ = numbered(1) + "\n\n::E1 Esai::Jelaskan satu manfaat SPBE bagi layanan publik.{}"


def with_essay_answered(attempt):
    return {slot.id: {"text": "Layanan lebih cepat dan dapat dilacak."}
            if slot.snapshot["type"] == "essay" else right_answer(slot)
            for slot in attempt.slots}


def essay_from_new_learner(create_user, quiz, slug):
    learner = create_user()
    qh.enrol(learner, slug)
    take(learner, quiz, answers=with_essay_answered)


def pending_count():
    return len(db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.question_type == "essay", AttemptQuestion.score.is_(None))).all())


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_pending_essays_cost_the_same_with_two_or_four(role, app, courses, create_user, login,
                                                       tmp_path, queries, client):
    grader = create_user(nip=PNS_NIP, roles=(role,))
    spbe_quiz = qh.add_quiz(tmp_path, "esai", ESSAY_QUIZ)
    kam_quiz = qh.add_quiz(tmp_path, "esai-kam", ESSAY_QUIZ, course="kam-201")
    for slug in ("spbe-101", "kam-201"):
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        course.owners.append(grader)
    db.session.commit()
    login(PNS_NIP)
    for _ in range(2):
        essay_from_new_learner(create_user, spbe_quiz, "spbe-101")
    assert pending_count() == 2
    before = measure(queries, client, "/penilaian")
    essay_from_new_learner(create_user, spbe_quiz, "spbe-101")
    essay_from_new_learner(create_user, kam_quiz, "kam-201")  # another course, quiz
    assert pending_count() == 4
    after = measure(queries, client, "/penilaian")
    assert after == before, f"/penilaian ({role}): {before} queries with 2 essays, {after} with 4"
    # Measured: 3 (user, the essays with learner, quiz and course joined, a setting).
    assert before <= 5, f"/penilaian takes {before} queries"


# --- the trainer's workbench ---------------------------------------------------------------------

def quiz_settings(title):
    return {"title": title, "kind": "graded", "pass_mark": 70, "time_limit_minutes": 0,
            "max_attempts": 0, "grading_method": "highest", "draw_count": 0,
            "shuffle_answers": True, "review_policy": "full"}


def mixed_questions(count):
    """`count` questions cycling through single choice, true/false, matching, short answer
    and numerical: every kind that keeps answer options."""
    kinds = [
        "::P{n} Pilihan::Penyelenggara sertifikat elektronik ASN ({n})?{{=BSrE~Dukcapil~Bank}}",
        "::B{n} Benar salah::Dokumen ber-TTE sah secara hukum ({n}).{{T}}",
        "::J{n} Jodohkan::Pasangkan ({n}).{{=SRIKANDI -> ANRI =SIASN -> BKN =SPSE -> LKPP}}",
        "::S{n} Isian::Aplikasi naskah dinas elektronik ({n})?{{=SRIKANDI}}",
        "::A{n} Angka::Berapa 2 + {n}?{{#{total}:0}}",
    ]
    return "\n\n".join(kinds[n % len(kinds)].format(n=n, total=2 + n) for n in range(count))


def new_course(trainer, code):
    course = authoring.create_course(dict(COURSE_FORM, code=code, jp=4), trainer)
    db.session.commit()
    return course


def add_modules(course, trainer, first, count):
    for number in range(first, first + count):
        authoring.create_module(course, {"title": f"Modul {number}", "slug": "", "minutes": 20,
                                         "body": f"Isi modul {number}."}, trainer)
    db.session.commit()


def add_quiz(course, trainer, slug, gift_text, after=None):
    quiz = authoring.save_quiz(course, None, slug, quiz_settings(f"Kuis {slug}"), gift_text,
                               after, trainer)
    db.session.commit()
    return quiz


@pytest.fixture
def trainer(client, create_user, login):
    user = create_user(nip=PNS_NIP, roles=("trainer",))
    login(PNS_NIP)
    return user


WORKBENCH_PAGES = {
    "index": lambda course: "/pengajar/",
    "course": lambda course: f"/pengajar/kursus/{course.slug}",
    "module": lambda course: f"/pengajar/kursus/{course.slug}/modul/{course.modules[0].id}",
}


@pytest.mark.parametrize("page", sorted(WORKBENCH_PAGES))
def test_workbench_costs_the_same_with_twice_the_course(page, client, trainer, queries):
    course = new_course(trainer, "TTE-101")
    add_modules(course, trainer, 1, 3)
    add_quiz(course, trainer, "kuis-satu", mixed_questions(4), after="modul-1")
    authoring.upload_file(course, "alur.png", tiny_png(), trainer)
    db.session.commit()
    url = WORKBENCH_PAGES[page](course)
    before = measure(queries, client, url)

    add_modules(course, trainer, 4, 3)
    add_quiz(course, trainer, "kuis-dua", mixed_questions(8))
    authoring.upload_file(course, "panduan.pdf", PDF, trainer)
    new_course(trainer, "TTE-201")  # one more course on the trainer's index
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert (len(course.modules), len(authoring.quizzes_of(course))) == (6, 2)
    after = measure(queries, client, url)
    assert after == before, f"{page}: {before} queries, then {after} with twice the course"
    # Measured: index 4 (one for the discussions' waiting questions); course 11 (user, course,
    # ownership, modules, quizzes, their questions, files, 3 settings, owners); module 7.
    assert before <= 12, f"{page} takes {before} queries"


@pytest.mark.parametrize("page", ["edit", "preview"])
def test_quiz_editor_and_preview_cost_the_same_for_four_or_eight_questions(page, client,
                                                                            trainer, queries):
    course = new_course(trainer, "TTE-101")
    add_modules(course, trainer, 1, 2)
    quiz = add_quiz(course, trainer, "kuis-akhir", mixed_questions(4), after="modul-1")
    url = f"/pengajar/kursus/{course.slug}/kuis/{quiz.slug}"
    url += "/pratinjau" if page == "preview" else ""
    before = measure(queries, client, url)
    authoring.save_quiz(course, quiz, quiz.slug, quiz_settings("Kuis akhir"),
                        mixed_questions(8), "modul-1", trainer)
    db.session.commit()
    db.session.expire_all()
    assert len(db.session.get(type(quiz), quiz.id).questions) == 8
    after = measure(queries, client, url)
    assert after == before, f"quiz {page}: {before} queries with 4 questions, {after} with 8"
    # Measured: edit 6; preview 7 (user, course, ownership, quiz, questions, their options,
    # a setting). The preview used to load each question's options separately: 10 with 4
    # questions, 14 with 8.
    assert before <= 9, f"quiz {page} takes {before} queries"
