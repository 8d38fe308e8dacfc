"""Quizzes as files: reading, checking and importing quizzes/<course>/<quiz>.gift.

Every test works on a copy of the bundled quizzes folder under tmp_path (the quiz's course is
its folder name, so the course-slug folders are kept), with the bundled courses imported.
"""

import json
import re
import shutil

import pytest
from sqlalchemy import event, func, select

from app.content import gift
from app.content.quiz_loader import import_quizzes
from app.courses.models import Course, Module
from app.courses.services import enroll_learner
from app.extensions import db
from app.quizzes.models import AnswerOption, Attempt, Question, Quiz
from app.quizzes.services import start_attempt, submit_attempt
from tests.conftest import ROOT

BUNDLED_QUIZZES = ROOT / "quizzes"
ALL_QUIZZES = ["duk-201/kuis-akhir", "duk-201/latihan-ikd", "kam-201/kuis-akhir",
               "lpd-201/kuis-akhir", "lpd-201/posttest", "lpd-201/pretest",
               "mpd-301/kuis-akhir", "sdi-201/kuis-akhir",
               "spbe-101/kuis-akhir", "spbe-101/posttest", "spbe-101/pretest",
               "tte-101/kuis-akhir", "tte-101/posttest", "tte-101/pretest"]
ALL_QUESTIONS = 136
# The bundled courses in import order (a course after the ones it requires).
COURSES_IN_IMPORT_ORDER = "DUK-201, KAM-201, LPD-201, SPBE-101, MPD-301, SDI-201, TTE-101"
PROBLEM_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>\S.*)$")
WRITES = {"INSERT", "UPDATE", "DELETE"}


# --- fixtures and helpers (kept here: tests/quizzes/ is shared with other test files) ----------


@pytest.fixture
def quiz_dir(tmp_path):
    """A writable copy of the bundled quizzes folder."""
    target = tmp_path / "quizzes"
    shutil.copytree(BUNDLED_QUIZZES, target)
    return target


@pytest.fixture
def run_import(app, courses, quiz_dir):
    """run_import(root=quiz_dir) -> ImportReport, committed as `flask content import` does."""

    def run(root=None):
        report = import_quizzes(root or quiz_dir)
        db.session.commit()
        db.session.expire_all()
        return report

    return run


@pytest.fixture
def write_statements(app):
    """The INSERT/UPDATE/DELETE statements sent to the database while the fixture is active."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in WRITES:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def learner(create_user):
    return create_user()


@pytest.fixture
def begin_attempt(learner):
    """begin_attempt(quiz) -> an open attempt of an enrolled learner, committed."""

    def begin(quiz):
        enroll_learner(learner, quiz.course)
        attempt = start_attempt(learner, quiz)
        db.session.commit()
        return attempt

    return begin


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path, marker):
    """The 1-based file line holding marker (front matter lines included)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    (number,) = [i for i, line in enumerate(lines, start=1) if marker in line]
    return number


def quiz(name):
    course_slug, slug = name.split("/")
    return db.session.scalar(select(Quiz).join(Course).where(Course.slug == course_slug,
                                                             Quiz.slug == slug))


def question(quiz_name, name):
    return db.session.scalar(select(Question).where(Question.quiz_id == quiz(quiz_name).id,
                                                    Question.name == name))


def identities():
    """Every quiz, question and option id with what it belongs to."""
    return {
        "quiz": db.session.execute(select(Quiz.id, Quiz.slug).order_by(Quiz.id)).all(),
        "question": db.session.execute(
            select(Question.id, Question.quiz_id, Question.name).order_by(Question.id)).all(),
        "option": db.session.execute(
            select(AnswerOption.id, AnswerOption.question_id).order_by(AnswerOption.id)).all(),
    }


def quiz_rows(quiz_id):
    """All columns of a quiz, its questions and their options (updated_at included)."""
    db.session.expire_all()
    quiz_row = db.session.execute(select(Quiz.__table__).where(Quiz.id == quiz_id)).one()
    questions = db.session.execute(select(Question.__table__).where(Question.quiz_id == quiz_id)
                                   .order_by(Question.id)).all()
    options = db.session.execute(
        select(AnswerOption.__table__).join(Question).where(Question.quiz_id == quiz_id)
        .order_by(AnswerOption.id)).all()
    return tuple(quiz_row), [tuple(r) for r in questions], [tuple(r) for r in options]


def block(path, name):
    """The blank-line separated GIFT block of the question named `name` (comments included)."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    (found,) = [b for b in blocks if f"::{name}::" in b]
    return found


def remove_question(path, name):
    edit(path, "\n\n" + block(path, name), "")


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the bundled quizzes --------------------------------------------------------------------

EXPECTED = {
    # name: (title, kind, pass_mark, time_limit, max_attempts, grading, draw, review,
    #        after module, question counts by type)
    "duk-201/kuis-akhir": (
        "Kuis Akhir DUK-201", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"multichoice": 7, "matching": 1, "truefalse": 2, "numerical": 1, "shortanswer": 1}),
    "duk-201/latihan-ikd": (
        "Latihan Pendampingan Aktivasi IKD", "practice", 0, 0, 0, "highest", 0, "full",
        "aktivasi-dan-verifikasi-ikd", {"multichoice": 2, "truefalse": 1, "matching": 1}),
    "kam-201/kuis-akhir": (
        "Kuis Akhir KAM-201", "graded", 70, 30, 3, "highest", 10, "feedback", None,
        {"multichoice": 7, "matching": 1, "shortanswer": 1, "numerical": 1, "truefalse": 2}),
    "spbe-101/kuis-akhir": (
        "Kuis Akhir SPBE-101", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"multichoice": 8, "matching": 1, "numerical": 1, "shortanswer": 1, "truefalse": 1}),
    "spbe-101/posttest": (
        "Posttest SPBE-101", "posttest", 70, 15, 3, "highest", 0, "full", None,
        {"truefalse": 3, "multichoice": 3, "shortanswer": 1, "matching": 1}),
    "spbe-101/pretest": (
        "Pretest SPBE-101", "pretest", 0, 15, 1, "first", 0, "score", None,
        {"multichoice": 7, "truefalse": 1}),
    "tte-101/kuis-akhir": (
        "Kuis Akhir TTE-101", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"multichoice": 7, "numerical": 1, "shortanswer": 1, "matching": 1, "truefalse": 2}),
    "tte-101/posttest": (
        "Posttest TTE-101", "posttest", 70, 15, 3, "highest", 0, "full", None,
        {"truefalse": 3, "multichoice": 4, "shortanswer": 1}),
    "tte-101/pretest": (
        "Pretest TTE-101", "pretest", 0, 15, 1, "first", 0, "score", None,
        {"multichoice": 7, "truefalse": 1}),
    "sdi-201/kuis-akhir": (
        "Kuis Akhir SDI-201", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"multichoice": 7, "matching": 1, "truefalse": 2, "shortanswer": 1, "numerical": 1}),
    "lpd-201/kuis-akhir": (
        "Kuis Akhir LPD-201", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"matching": 1, "multichoice": 6, "truefalse": 2, "shortanswer": 1, "numerical": 2}),
    "lpd-201/posttest": (
        "Posttest LPD-201", "posttest", 70, 15, 3, "highest", 0, "full", None,
        {"multichoice": 5, "truefalse": 1, "shortanswer": 1, "numerical": 1}),
    "lpd-201/pretest": (
        "Pretest LPD-201", "pretest", 0, 15, 1, "first", 0, "score", None,
        {"multichoice": 6, "truefalse": 2}),
    "mpd-301/kuis-akhir": (
        "Kuis Akhir MPD-301", "graded", 70, 30, 3, "highest", 0, "feedback", None,
        {"multichoice": 7, "truefalse": 2, "matching": 1, "numerical": 1, "shortanswer": 1}),
}


def test_bundled_quizzes_import_cleanly(run_import):
    report = run_import()

    assert report.problems == []
    assert sorted(report.created) == ALL_QUIZZES
    assert report.updated == report.unchanged == []
    assert count(Quiz) == len(ALL_QUIZZES)
    assert count(Question) == ALL_QUESTIONS == sum(
        sum(types.values()) for *_, types in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_quiz_settings_come_from_front_matter(run_import, name):
    run_import()
    (title, kind, pass_mark, time_limit, max_attempts, grading, draw, review, after,
     types) = EXPECTED[name]
    found = quiz(name)

    assert (found.title, found.kind, found.pass_mark, found.time_limit_minutes,
            found.max_attempts, found.grading_method, found.draw_count, found.review_policy,
            found.shuffle_answers, found.retired_at) == (
        title, kind, pass_mark, time_limit, max_attempts, grading, draw, review, True, None)
    if after is None:
        assert found.after_module_id is None  # a final quiz, after the last module
    else:
        module = db.session.get(Module, found.after_module_id)
        assert (module.slug, module.course_id) == (after, found.course_id)
    questions = found.questions
    counted = {}
    for item in questions:
        counted[item.type] = counted.get(item.type, 0) + 1
    assert counted == types
    assert [q.position for q in questions] == list(range(1, len(questions) + 1))
    assert all(q.options and q.retired_at is None for q in questions)


def test_question_order_and_options_follow_the_file(run_import):
    run_import()
    questions = quiz("spbe-101/kuis-akhir").questions

    assert [q.name for q in questions[:3]] == ["Definisi SPBE", "Prinsip SPBE",
                                               "Domain Arsitektur SPBE"]
    principles = questions[1]
    assert principles.single is False
    assert [o.fraction for o in principles.options] == [0.25, 0.25, 0.25, 0.25, -0.5, -0.5]
    assert principles.tags == ["spbe-kebijakan"]
    domains = questions[2]
    assert (domains.options[0].text_source, domains.options[0].match_text) == (
        "Proses bisnis", "Alur penerbitan akta kelahiran di Disdukcapil")
    years = question("spbe-101/kuis-akhir", "Masa berlaku Arsitektur SPBE daerah")
    assert years.type == "numerical"
    assert [(o.text_source, o.tolerance, o.fraction) for o in years.options] == [("5", 0.0, 1.0)]


def test_question_text_html_is_rendered_and_sanitized(run_import, quiz_dir):
    (quiz_dir / "spbe-101" / "keamanan-html.gift").write_text(
        "::Skrip html::[html]<p onclick=\"curi()\">Pilih <b>satu</b>.</p>"
        "<script>alert(1)</script>{=Benar#<img src\\=x onerror\\=alert(2)>Ya ~Salah}\n\n"
        "::Skrip markdown::[markdown]Teks **tebal** <script>alert(3)</script> "
        "[tautan](javascript:alert(4)){T}\n\n"
        "::Skrip moodle::Teks <b onclick\\=\"x()\">tebal</b> <script>alert(5)</script> "
        "<a href\\=\"javascript\\:alert(6)\">tautan</a> https\\://palukota.go.id{T}\n",
        encoding="utf-8")
    report = run_import()

    assert report.problems == []
    for item in db.session.scalars(select(Question)):
        assert item.text_format == "moodle" or item.text_html.startswith("<p>"), item.text_html
    html_question = question("spbe-101/keamanan-html", "Skrip html")
    assert html_question.text_html == "<p>Pilih <b>satu</b>.</p>alert(1)"
    feedback = html_question.options[0].feedback_html
    assert "onerror" not in feedback and "Ya" in feedback
    markdown_question = question("spbe-101/keamanan-html", "Skrip markdown")
    assert "<strong>tebal</strong>" in markdown_question.text_html
    moodle_question = question("spbe-101/keamanan-html", "Skrip moodle")
    assert moodle_question.text_html == (
        'Teks <b>tebal</b> alert(5) <a>tautan</a> <a href="https://palukota.go.id">'
        'https://palukota.go.id</a>')
    stored = [q.text_html for q in db.session.scalars(select(Question))] + [
        o.feedback_html for o in db.session.scalars(select(AnswerOption))]
    for html in stored:
        assert "<script" not in html and "onclick" not in html and "javascript:" not in html


def test_missing_word_blanks_render_as_underscores(run_import, quiz_dir):
    (quiz_dir / "kam-201" / "kata-hilang.gift").write_text(
        "::Di awal::{=Palu ~Donggala} adalah ibu kota Sulawesi Tengah.\n\n"
        "::Sebaris sendiri::Lengkapi kalimat berikut:\n{=Palu ~Poso}\nadalah ibu kota.\n\n"
        "::Di tengah::Ibu kota Sulawesi Tengah adalah {=Palu ~Poso}, bukan Donggala.\n",
        encoding="utf-8")
    report = run_import()

    assert report.problems == []
    blanks = [q for q in db.session.scalars(select(Question)) if gift.BLANK in q.text_source]
    assert len(blanks) == 11 + 3  # the bundled quizzes' missing words, plus ours
    for item in blanks:
        assert item.text_html.count("_____") == 1, item.text_html
        for tag in ("<em>", "<strong>", "<hr"):
            assert tag not in item.text_html, item.text_html
    # No format: Moodle's own, which keeps the lines as written.
    assert question("kam-201/kata-hilang", "Di awal").text_html == (
        "_____ adalah ibu kota Sulawesi Tengah.")
    assert question("kam-201/kata-hilang", "Sebaris sendiri").text_html == (
        "Lengkapi kalimat berikut:<br>\n_____<br>\nadalah ibu kota.")
    assert question("kam-201/kata-hilang", "Di tengah").text_html == (
        "Ibu kota Sulawesi Tengah adalah _____, bukan Donggala.")
    posttest = question("spbe-101/posttest", "K3 Domain keamanan")
    assert "termasuk domain _____ dalam Arsitektur SPBE" in posttest.text_html


# --- re-importing ------------------------------------------------------------------------------


EVERY_KIND = """---
title: Semua jenis soal
kind: practice
after: 03-tata-kelola-dan-manajemen
---
$CATEGORY: SPBE/Latihan

// [id:tiga-pertiga] [tag:bobot]
::Sepertiga::[markdown]Pilih **ketiganya**.{
~%33.33333%A#ya
~%33.33333%B
~%33.33334%C
~%-100%D#tidak
}

::Rentang::Angka antara 1,1 dan 1,3?{#1.1..1.3}

::Beberapa toleransi::Nilai pi?{#
=3.14159:0.00001#tepat
=%50%3.14:0.01#hampir
~#jauh
}

::Pasangan::Pasangkan.{
=SRIKANDI -> ANRI
=SIASN -> BKN
= -> LKPP
}

::Esai::[html]<p>Jelaskan <em>SPBE</em>.</p>{}

::Keterangan::Bagian ini hanya keterangan.

::Isian::Ibu kota Sulteng?{=Palu =%50%Kota Palu =%0%Donggala}
"""


def test_reimport_is_idempotent(run_import, quiz_dir, write_statements):
    (quiz_dir / "spbe-101" / "semua-jenis.gift").write_text(EVERY_KIND, encoding="utf-8")
    assert run_import().created == sorted([*ALL_QUIZZES, "spbe-101/semua-jenis"])
    every = quiz("spbe-101/semua-jenis")
    assert [q.type for q in every.questions] == [
        "multichoice", "numerical", "numerical", "matching", "essay", "description",
        "shortanswer"]
    assert every.after_module.slug == "tata-kelola-dan-manajemen"
    before = identities()
    write_statements.clear()

    report = run_import()

    assert sorted(report.unchanged) == sorted([*ALL_QUIZZES, "spbe-101/semua-jenis"])
    assert report.created == report.updated == report.problems == []
    assert write_statements == []
    assert identities() == before


def test_editing_question_text_updates_it_in_place(run_import, quiz_dir):
    run_import()
    path = quiz_dir / "spbe-101" / "kuis-akhir.gift"
    edited = question("spbe-101/kuis-akhir", "Definisi SPBE")
    others_before = [r for r in identities()["question"] if r.id != edited.id]
    options_before = identities()["option"]
    edit(path, "apa yang dimaksud dengan Sistem Pemerintahan Berbasis Elektronik (SPBE)?",
         "apa yang dimaksud dengan **SPBE**?")

    report = run_import()

    assert report.updated == ["spbe-101/kuis-akhir"]
    assert sorted(report.unchanged) == [n for n in ALL_QUIZZES if n != "spbe-101/kuis-akhir"]
    after = question("spbe-101/kuis-akhir", "Definisi SPBE")
    assert after.id == edited.id
    assert after.text_source.endswith("apa yang dimaksud dengan **SPBE**?")
    assert after.text_html.endswith("apa yang dimaksud dengan <strong>SPBE</strong>?</p>")
    assert [r for r in identities()["question"] if r.id != edited.id] == others_before
    assert identities()["option"] == options_before  # options untouched


def test_editing_an_answer_updates_the_question_in_place(run_import, quiz_dir):
    run_import()
    path = quiz_dir / "spbe-101" / "kuis-akhir.gift"
    edited = question("spbe-101/kuis-akhir", "Predikat Indeks SPBE")
    other_options = [r for r in identities()["option"] if r.question_id != edited.id]
    edit(path, "~Cukup#Kurang tepat.", "~%-50%Kurang#Kurang tepat.")

    report = run_import()

    assert report.updated == ["spbe-101/kuis-akhir"]
    after = question("spbe-101/kuis-akhir", "Predikat Indeks SPBE")
    assert after.id == edited.id
    assert [(o.text_source, o.fraction) for o in after.options] == [
        ("Sangat Baik", 1.0), ("Baik", 0.0), ("Memuaskan", 0.0), ("Kurang", -0.5)]
    assert after.options[3].feedback_source.startswith("Kurang tepat. Predikat Cukup")
    assert [r for r in identities()["option"] if r.question_id != edited.id] == other_options


def test_reordering_questions_keeps_their_ids(run_import, quiz_dir):
    run_import()
    path = quiz_dir / "spbe-101" / "kuis-akhir.gift"
    ids = {q.name: q.id for q in quiz("spbe-101/kuis-akhir").questions}
    first, second = block(path, "Definisi SPBE"), block(path, "Tata kelola dan manajemen")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(first, "\0").replace(second, first).replace("\0", second),
                    encoding="utf-8")

    report = run_import()

    assert report.updated == ["spbe-101/kuis-akhir"]
    questions = quiz("spbe-101/kuis-akhir").questions
    assert {q.name: q.id for q in questions} == ids
    assert questions[0].name == "Tata kelola dan manajemen"
    assert [q.position for q in questions] == list(range(1, 13))
    assert question("spbe-101/kuis-akhir", "Definisi SPBE").position == 6


def test_question_with_gift_id_keeps_its_id_when_renamed(run_import, quiz_dir):
    path = quiz_dir / "spbe-101" / "kuis-akhir.gift"
    edit(path, "::Definisi SPBE::", "// [id:spbe-definisi]\n::Definisi SPBE::")
    run_import()
    original = question("spbe-101/kuis-akhir", "Definisi SPBE")
    assert original.gift_id == "spbe-definisi"
    renamed_without_id = question("spbe-101/kuis-akhir", "Prinsip SPBE")
    edit(path, "::Definisi SPBE::", "::Pengertian SPBE::")
    edit(path, "::Prinsip SPBE::", "::Tujuh prinsip SPBE::")

    report = run_import()

    assert report.updated == ["spbe-101/kuis-akhir"]
    kept = question("spbe-101/kuis-akhir", "Pengertian SPBE")
    assert (kept.id, kept.gift_id, kept.position) == (original.id, "spbe-definisi", 1)
    # Without an [id:...] the name is the identity: a renamed question is a new question,
    # and the old one (never attempted) is deleted.
    new = question("spbe-101/kuis-akhir", "Tujuh prinsip SPBE")
    assert new.id != renamed_without_id.id
    assert db.session.get(Question, renamed_without_id.id) is None
    assert count(Question, Question.quiz_id == kept.quiz_id) == 12


def test_removed_question_without_attempts_is_deleted(run_import, quiz_dir):
    run_import()
    removed = question("spbe-101/kuis-akhir", "Peran Diskominfo dalam Tim Koordinasi")
    remove_question(quiz_dir / "spbe-101" / "kuis-akhir.gift", removed.name)

    report = run_import()

    assert report.updated == ["spbe-101/kuis-akhir"]
    assert db.session.get(Question, removed.id) is None
    assert count(AnswerOption, AnswerOption.question_id == removed.id) == 0
    assert len(quiz("spbe-101/kuis-akhir").questions) == 11


# --- attempts keep what they were given -------------------------------------------------------


def test_attempted_question_is_retired_and_snapshot_keeps_old_text(run_import, quiz_dir,
                                                                   begin_attempt):
    run_import()
    practice = quiz("duk-201/latihan-ikd")
    attempt = begin_attempt(practice)
    assert len(attempt.slots) == 4
    edited = question("duk-201/latihan-ikd", "Tujuan pengiriman kode aktivasi")
    removed = question("duk-201/latihan-ikd", "Sikap petugas pendamping")
    removed_options = [o.id for o in removed.options]
    path = quiz_dir / "duk-201" / "latihan-ikd.gift"
    old_text = "ke mana sistem mengirim kode aktivasi?"
    edit(path, old_text, "ke alamat mana kode aktivasi dikirim?")
    edit(path, "=Ke alamat surel yang didaftarkan warga#", "=Ke surel milik warga#")
    removed_block = block(path, removed.name)
    remove_question(path, removed.name)

    report = run_import()

    assert report.updated == ["duk-201/latihan-ikd"]
    db_edited = db.session.get(Question, edited.id)
    assert "ke alamat mana kode aktivasi dikirim?" in db_edited.text_html
    assert db_edited.options[0].text_source == "Ke surel milik warga"
    db_removed = db.session.get(Question, removed.id)
    assert db_removed is not None and db_removed.retired_at is not None
    assert [o.id for o in db_removed.options] == removed_options
    slots = {s.question_id: s for s in db.session.get(Attempt, attempt.id).slots}
    assert len(slots) == 4
    snapshot = slots[edited.id].snapshot
    assert old_text in snapshot["text_html"]
    assert "ke alamat mana" not in snapshot["text_html"]
    assert "Ke alamat surel yang didaftarkan warga" in [o["text"] for o in snapshot["options"]]
    assert slots[removed.id].snapshot["name"] == "Sikap petugas pendamping"

    # A new attempt gets the new text and no retired question.
    submit_attempt(db.session.get(Attempt, attempt.id))
    db.session.commit()
    second = begin_attempt(quiz("duk-201/latihan-ikd"))
    assert len(second.slots) == 3
    texts = {s.question_id: s.snapshot["text_html"] for s in second.slots}
    assert removed.id not in texts
    assert "ke alamat mana kode aktivasi dikirim?" in texts[edited.id]

    # Putting the question back brings the retired one back, same id.
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + removed_block + "\n",
                    encoding="utf-8")
    assert run_import().updated == ["duk-201/latihan-ikd"]
    restored = db.session.get(Question, removed.id)
    assert restored.retired_at is None and restored.position == 4


def test_removed_quiz_file_is_deleted_when_unused(run_import, quiz_dir):
    run_import()
    pretest = quiz("spbe-101/pretest")
    question_ids = [q.id for q in pretest.questions]
    (quiz_dir / "spbe-101" / "pretest.gift").unlink()

    report = run_import()

    assert report.problems == []
    assert sorted(report.unchanged) == [n for n in ALL_QUIZZES if n != "spbe-101/pretest"]
    assert quiz("spbe-101/pretest") is None
    assert count(Question, Question.id.in_(question_ids)) == 0
    assert count(AnswerOption, AnswerOption.question_id.in_(question_ids)) == 0
    assert count(Quiz) == len(ALL_QUIZZES) - 1


def test_last_quiz_file_removed_from_a_course_folder_imported_alone(run_import, quiz_dir):
    run_import()
    for path in (quiz_dir / "kam-201").iterdir():
        path.unlink()

    report = run_import(quiz_dir / "kam-201")

    assert report.problems == []
    assert quiz("kam-201/kuis-akhir") is None
    assert quiz("spbe-101/kuis-akhir") is not None  # other courses' quizzes untouched


def test_removed_quiz_file_is_retired_when_it_has_attempts(run_import, quiz_dir, begin_attempt):
    run_import()
    posttest = quiz("spbe-101/posttest")
    attempt = begin_attempt(posttest)
    question_ids = [q.id for q in posttest.questions]
    path = quiz_dir / "spbe-101" / "posttest.gift"
    text = path.read_text(encoding="utf-8")
    path.unlink()

    report = run_import()

    assert report.problems == []
    retired = quiz("spbe-101/posttest")
    assert retired.id == posttest.id and retired.retired_at is not None
    assert [q.id for q in retired.questions] == question_ids
    assert db.session.get(Attempt, attempt.id).slots[0].question_id in question_ids
    assert quiz("spbe-101/kuis-akhir").retired_at is None

    # Once the file is back the same quiz is active again.
    path.write_text(text, encoding="utf-8")
    assert run_import().updated == ["spbe-101/posttest"]
    back = quiz("spbe-101/posttest")
    assert back.id == posttest.id and back.retired_at is None


# --- a plain Moodle export ---------------------------------------------------------------------

MOODLE_EXPORT = """\ufeff// question: 0  name: Switch category to $course$/top/Default for SPBE-101
$CATEGORY: $course$/top/Default for SPBE-101/Ekspor Moodle


// question: 4101  name: Singkatan SPBE
::Singkatan SPBE::[html]<p>Apa kepanjangan <strong>SPBE</strong>?</p>{
\t=<p>Sistem Pemerintahan Berbasis Elektronik</p>#<p>Benar.</p>
\t~<p>Sistem Pelayanan Berbasis Elektronik</p>#<p>Kurang tepat.</p>
}


// question: 4102  name: Perpres SPBE
::Perpres SPBE::[html]<p>Perpres 95/2018 mengatur SPBE.</p>{TRUE}


// question: 4103  name: Jumlah domain
::Jumlah domain::[html]<p>Berapa domain evaluasi SPBE?</p>{#
\t=%100%4:0#
\t=%50%4:1#
}


// question: 4104  name: Aplikasi naskah dinas
::Aplikasi naskah dinas::[html]<p>Aplikasi umum untuk naskah dinas?</p>{
\t=%100%SRIKANDI#
\t=%50%Srikandi ANRI#
}

"""


def test_plain_moodle_export_imports_with_defaults(run_import, quiz_dir):
    export = quiz_dir / "spbe-101" / "moodle-ekspor.txt"
    export.write_bytes(MOODLE_EXPORT.replace("\n", "\r\n").encode("utf-8"))

    report = run_import()

    assert report.problems == []
    assert "spbe-101/moodle-ekspor" in report.created
    imported = quiz("spbe-101/moodle-ekspor")
    assert (imported.title, imported.kind, imported.pass_mark, imported.time_limit_minutes,
            imported.max_attempts, imported.grading_method, imported.draw_count,
            imported.shuffle_answers, imported.review_policy, imported.after_module_id) == (
        "Moodle ekspor", "graded", 70, 0, 0, "highest", 0, True, "feedback", None)
    assert [(q.name, q.type, q.text_format) for q in imported.questions] == [
        ("Singkatan SPBE", "multichoice", "html"), ("Perpres SPBE", "truefalse", "html"),
        ("Jumlah domain", "numerical", "html"), ("Aplikasi naskah dinas", "shortanswer", "html")]
    first = imported.questions[0]
    assert first.text_html == "<p>Apa kepanjangan <strong>SPBE</strong>?</p>"
    assert first.category == "$course$/top/Default for SPBE-101/Ekspor Moodle"
    assert [(o.tolerance, o.fraction) for o in imported.questions[2].options] == [
        (0.0, 1.0), (1.0, 0.5)]
    assert run_import().unchanged.count("spbe-101/moodle-ekspor") == 1


# --- problems: path:line, and nothing of a broken quiz is imported ----------------------------


def _unclosed_brace(root):
    path = root / "spbe-101" / "kuis-akhir.gift"
    name = "Peran Diskominfo dalam Tim Koordinasi"
    edit(path, block(path, name), block(path, name).removesuffix("\n}"))
    return path, line_of(path, f"::{name}::"), "kurung kurawal '{' tidak ditutup"


def _bad_weight(root):
    path = edit(root / "kam-201" / "kuis-akhir.gift", "~%-50%Membalas pesan itu",
                "~%-150%Membalas pesan itu")
    return path, line_of(path, "~%-150%"), "bobot '%-150%' harus antara -100 dan 100"


def _comma_weight(root):
    path = edit(root / "duk-201" / "latihan-ikd.gift", "~%50%Memastikan orang",
                "~%50,5%Memastikan orang")
    return path, line_of(path, "%50,5%"), "bobot '%50,5%' bukan angka"


def _unknown_key(root):
    path = edit(root / "duk-201" / "kuis-akhir.gift", "kind: graded\n",
                "kind: graded\npenulis: Tim BKPSDM\n")
    return path, line_of(path, "penulis:"), "kunci 'penulis' tidak dikenal"


def _pass_mark_150(root):
    path = edit(root / "spbe-101" / "posttest.gift", "pass_mark: 70", "pass_mark: 150")
    return path, line_of(path, "pass_mark:"), "'pass_mark' harus antara 0 dan 100, bukan 150"


def _kind_ujian(root):
    path = edit(root / "spbe-101" / "pretest.gift", "kind: pretest", "kind: ujian")
    return path, line_of(path, "kind:"), "'kind' tidak dikenal: 'ujian'"


def _after_unknown_module(root):
    path = edit(root / "duk-201" / "latihan-ikd.gift", "after: aktivasi-dan-verifikasi-ikd",
                "after: 02-aktivasi-ikd")
    return path, line_of(path, "after:"), "modul '02-aktivasi-ikd' tidak ada di kursus duk-201"


def _draw_too_many(root):
    path = edit(root / "kam-201" / "kuis-akhir.gift", "draw: 10", "draw: 13")
    return path, line_of(path, "draw:"), "'draw' 13 lebih besar dari jumlah pertanyaan (12)"


def _empty_file(root):
    path = root / "spbe-101" / "posttest.gift"
    path.write_text("", encoding="utf-8")
    return path, 1, "berkas kuis kosong"


def _unknown_course(root):
    path = root / "xyz-999" / "kuis-akhir.gift"
    path.parent.mkdir()
    shutil.copy(root / "spbe-101" / "kuis-akhir.gift", path)
    return path, 1, "kursus 'xyz-999' (nama folder kuis) tidak ditemukan"


BREAKERS = [_unclosed_brace, _bad_weight, _comma_weight, _unknown_key, _pass_mark_150,
            _kind_ujian, _after_unknown_module, _draw_too_many, _empty_file]
EXPECTED_LINES = {  # independent of line_of(): the bundled files as they are today
    _unclosed_brace: 67, _bad_weight: 30, _comma_weight: 37, _unknown_key: 4,
    _pass_mark_150: 4, _kind_ujian: 3, _after_unknown_module: 4, _draw_too_many: 8,
    _empty_file: 1, _unknown_course: 1,
}


def _name_of(path):
    return f"{path.parent.name}/{path.stem}"


def _assert_one_problem(report, path, line, message):
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    printed = str(report.problems[0])
    assert printed.startswith(f"{path}:{line}: {message}"), printed
    assert PROBLEM_LINE.match(printed)["path"] == str(path)


@pytest.mark.parametrize("breaker", [*BREAKERS, _unknown_course], ids=lambda f: f.__name__[1:])
def test_broken_quiz_is_not_imported_and_others_are(run_import, quiz_dir, breaker):
    path, line, message = breaker(quiz_dir)
    assert line == EXPECTED_LINES[breaker]

    report = run_import()

    _assert_one_problem(report, path, line, message)
    broken = _name_of(path)
    assert sorted(report.created) == [n for n in ALL_QUIZZES if n != broken]
    course_slug, slug = broken.split("/")
    assert db.session.scalar(select(Quiz).where(Quiz.slug == slug).join(Course)
                             .where(Course.slug == course_slug)) is None
    assert count(Quiz) == len(ALL_QUIZZES) - (broken in ALL_QUIZZES)


@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda f: f.__name__[1:])
def test_broken_existing_quiz_is_left_exactly_as_it_was(run_import, quiz_dir, breaker):
    run_import()
    path, line, message = breaker(quiz_dir)
    broken = _name_of(path)
    rows_before = quiz_rows(quiz(broken).id)
    # Another quiz is edited in the same run: it must still be updated.
    other = "duk-201/latihan-ikd" if broken == "spbe-101/kuis-akhir" else "spbe-101/kuis-akhir"
    other_path = quiz_dir / f"{other}.gift"
    first_name = quiz(other).questions[0].name
    edit(other_path, f"::{first_name}::", f"::{first_name}::Diperbarui. ")

    report = run_import()

    _assert_one_problem(report, path, line, message)
    assert report.updated == [other]
    assert sorted(report.unchanged) == [n for n in ALL_QUIZZES if n not in (broken, other)]
    assert report.created == []
    assert quiz_rows(quiz(broken).id) == rows_before
    assert quiz(other).questions[0].text_source.startswith("Diperbarui. ")


# --- flask content check|import ---------------------------------------------------------------


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        db.session.commit()  # nothing of ours open while the command uses the session
        result = runner.invoke(args=["content", *map(str, args)])
        db.session.expire_all()
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.output)
        return result

    return invoke


def test_check_json_prints_the_parsed_quiz(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = cli("check", "quizzes/spbe-101/kuis-akhir.gift", "--json")

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert set(data) == {"settings", "questions"}
    assert data["settings"] == {
        "title": "Kuis Akhir SPBE-101", "kind": "graded", "pass_mark": 70,
        "time_limit_minutes": 30, "max_attempts": 3, "grading_method": "highest",
        "draw_count": 0, "shuffle_answers": True, "review_policy": "feedback",
        "show_answers": "after_last_attempt", "default_format": "markdown", "after": None}
    questions = data["questions"]
    assert len(questions) == 12
    assert questions[0]["name"] == "Definisi SPBE"
    types = set()
    for item in questions:
        types.add(item["type"])
        assert {"type", "name", "text", "answers"} <= set(item)
        assert item["answers"] or item["type"] == "matching", item["name"]
        for answer in item["answers"]:
            assert {"text", "fraction", "feedback"} <= set(answer)
            assert -1 <= answer["fraction"] <= 1
            if item["type"] == "numerical":
                assert isinstance(answer["tolerance"], float)
            else:
                assert "tolerance" not in answer
        if item["type"] == "multichoice":
            assert isinstance(item["single"], bool)
        else:
            assert "single" not in item
        if item["type"] == "matching":
            assert item["pairs"] and all(set(p) == {"left", "right", "format"}
                                         for p in item["pairs"])
        else:
            assert "pairs" not in item
    assert types == {"multichoice", "matching", "numerical", "shortanswer", "truefalse"}
    principles = questions[1]
    assert principles["single"] is False
    assert [a["fraction"] for a in principles["answers"]] == [0.25] * 4 + [-0.5] * 2
    numeric = next(q for q in questions if q["type"] == "numerical")
    assert numeric["answers"] == [{"text": "5", "format": "markdown", "fraction": 1.0,
                                   "feedback": "", "feedback_format": "markdown",
                                   "tolerance": 0.0}]
    assert count(Quiz) == 0  # check never imports


def test_check_broken_file_exits_1_with_path_line(cli, tmp_path):
    broken = tmp_path / "spbe-101" / "broken.gift"
    broken.parent.mkdir()
    broken.write_text("---\ntitle: Rusak\n---\n\n::Baik::Soal baik?{T}\n\n"
                      "::Rusak::Soal tanpa penutup?{\n=benar\n~salah\n", encoding="utf-8")

    result = cli("check", broken)

    assert result.exit_code == 1
    lines = [PROBLEM_LINE.match(line) for line in result.stderr.splitlines()]
    assert [m.groupdict() for m in lines if m] == [
        {"path": str(broken), "line": "7", "message": "kurung kurawal '{' tidak ditutup"}]
    assert "1 masalah" in result.stdout


def test_import_without_path_imports_courses_then_quizzes(cli, app, quiz_dir):
    app.config["QUIZZES_DIR"] = str(quiz_dir)

    first = cli("import")

    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines == [f"kursus baru: {COURSES_IN_IMPORT_ORDER}",
                     "kuis baru: " + ", ".join(ALL_QUIZZES),
                     "program baru: literasi-digital-asn-2027"]
    assert count(Course) == 7 and count(Quiz) == len(ALL_QUIZZES)
    assert quiz("duk-201/latihan-ikd").after_module.slug == "aktivasi-dan-verifikasi-ikd"

    second = cli("import")

    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [
        f"kursus tidak berubah: {COURSES_IN_IMPORT_ORDER}",
        "kuis tidak berubah: " + ", ".join(ALL_QUIZZES),
        "program tidak berubah: literasi-digital-asn-2027"]
    assert "baru" not in second.stdout.replace("tidak berubah", "")
    assert count(Quiz) == len(ALL_QUIZZES)


def test_check_prints_likely_mistakes_as_warnings_and_passes(cli, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "quizzes" / "spbe-101"
    folder.mkdir(parents=True)
    path = folder / "kuis-latihan.gift"
    path.write_text("::Q1::SPBE diatur Perpres 95/2018.\n{Ture}\n\n"
                    "::Q2::[note] Pilih ibu kota.{=Palu ~Poso}\n", encoding="utf-8")
    result = cli("check", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"peringatan: {path}:2: jawaban 'Ture' mirip TRUE/FALSE, tetapi dibaca sebagai isian "
        "singkat: soal benar-salah ditulis {TRUE} atau {FALSE} ({T} atau {F}); bila memang "
        "isian singkat, tulis {=Ture}",
        f"peringatan: {path}:4: penanda '[note]' bukan format (pilihan: [html], [moodle], "
        "[plain], [markdown]) dan dibaca sebagai awal teks; bila memang teks, tulis [moodle] "
        "di depannya: [moodle][note] ..."]
    assert result.stdout.strip().endswith("0 masalah, 2 peringatan.")


COURSE_1_EXPORT = ("$CATEGORY: $course$/top/Default for Course 1\n\n"
                 "::Ibu kota::Ibu kota Sulawesi Tengah?{=Palu ~Poso ~Donggala}\n")


def test_check_takes_a_moodle_export_anywhere_with_placement_as_warnings(cli, tmp_path):
    path = tmp_path / "questions-Course 1-Default for Course 1-20261205-1030.txt"
    path.write_text(COURSE_1_EXPORT, encoding="utf-8")
    result = cli("check", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"peringatan: {path}:1: nama berkas kuis '{path.name}' harus slug: huruf kecil, angka, "
        "tanda hubung",
        f"peringatan: {path}:1: berkas ini tidak berada di quizzes/<slug-kursus>/, jadi hanya "
        "sintaksnya yang diperiksa; untuk diimpor, simpan sebagai "
        "quizzes/<slug-kursus>/<slug-kuis>.gift"]
    assert "1 kuis (1 soal) lolos pemeriksaan, 0 masalah, 2 peringatan." in result.stdout
    data = json.loads(cli("check", path, "--json").stdout)
    assert data["questions"][0]["name"] == "Ibu kota"


def test_check_still_reports_gift_errors_in_a_file_anywhere(cli, tmp_path):
    path = tmp_path / "ekspor.txt"
    path.write_text("::Q::Kurung tidak ditutup {=a ~b\n", encoding="utf-8")
    result = cli("check", path)
    assert result.exit_code == 1
    assert f"{path}:1: kurung kurawal '{{' tidak ditutup" in result.stderr


def test_inside_quizzes_a_wrong_folder_or_name_is_still_an_error(cli, tmp_path):
    folder = tmp_path / "quizzes" / "kursus-tidak-ada"
    folder.mkdir(parents=True)
    (folder / "kuis.gift").write_text(COURSE_1_EXPORT, encoding="utf-8")
    result = cli("check", folder / "kuis.gift")
    assert result.exit_code == 1
    assert "kursus 'kursus-tidak-ada' (nama folder kuis) tidak ditemukan" in result.stderr
    named = tmp_path / "quizzes" / "spbe-101"
    named.mkdir()
    (named / "Kuis Akhir.gift").write_text(COURSE_1_EXPORT, encoding="utf-8")
    result = cli("check", named / "Kuis Akhir.gift")
    assert result.exit_code == 1 and "harus slug" in result.stderr


PART_FORMATS = (
    "::Bentuk::[html]<p>Pilih <b>satu</b>.</p>{\n"
    "=[plain]<b>#[markdown]**Palu** benar\n"
    "~[plain]<i>\n"
    "~[plain]<u>#biasa <em>html</em>\n"
    "####[markdown]Lihat **Perpres 95/2018**.\n"
    "}\n\n"
    "::Pasangan::[markdown]Jodohkan.{\n"
    "=[html]<b>SRIKANDI</b> -> Naskah dinas\n"
    "=**SIASN** -> Kepegawaian\n"
    "}\n")


def test_each_part_is_stored_and_rendered_in_its_own_format(run_import, quiz_dir):
    from app.content.gift import parse_gift

    (quiz_dir / "spbe-101" / "format-bagian.gift").write_text(PART_FORMATS, encoding="utf-8")
    assert run_import().problems == []
    choice = question("spbe-101/format-bagian", "Bentuk")
    options = [(o.text_format, o.text_html, o.feedback_format, o.feedback_html)
               for o in choice.options]
    # Three plain options: the tags are shown as text, not three blank options.
    assert options == [
        ("plain", "&lt;b&gt;", "markdown", "<strong>Palu</strong> benar"),
        ("plain", "&lt;i&gt;", "html", ""),
        ("plain", "&lt;u&gt;", "html", "biasa <em>html</em>")]
    assert (choice.general_feedback_format, choice.general_feedback_html) == (
        "markdown", "<p>Lihat <strong>Perpres 95/2018</strong>.</p>")
    pairs = question("spbe-101/format-bagian", "Pasangan")
    assert [(o.text_format, o.text_html) for o in pairs.options] == [
        ("html", "<b>SRIKANDI</b>"), ("markdown", "<strong>SIASN</strong>")]

    # Written back from the stored rows (as for a quiz without its source), every part keeps
    # its format, and reading it again changes nothing.
    stored = quiz("spbe-101/format-bagian")
    written = parse_gift(_rebuilt_gift(stored))
    assert written.problems == []
    assert written.questions == parse_gift(PART_FORMATS).questions
    assert run_import().unchanged.count("spbe-101/format-bagian") == 1


def _rebuilt_gift(stored):
    from app.content import gift
    from app.content.exporter import stored_question

    return gift.write_gift([stored_question(q) for q in stored.questions])


def test_the_bundled_quizzes_declare_markdown_and_look_as_before(run_import):
    from app.content.markdown import render_markdown

    assert run_import().problems == []
    quizzes = db.session.scalars(select(Quiz)).all()
    assert quizzes and {q.default_format for q in quizzes} == {"markdown"}
    for item in db.session.scalars(select(Question)):
        assert item.text_format == "markdown", item.name
        assert item.text_html == render_markdown(
            item.text_source.replace(gift.BLANK, r"\_" * len(gift.BLANK))), item.name


def test_moodle_auto_format_keeps_lines_and_links_without_markdown(run_import, quiz_dir):
    (quiz_dir / "spbe-101" / "format-moodle.gift").write_text(
        "::Baris::Hitung 2*3*4.\\n1. langkah pertama\n# bukan judul\nLihat www.palukota.go.id{}\n",
        encoding="utf-8")
    assert run_import().problems == []
    item = question("spbe-101/format-moodle", "Baris")
    assert item.text_format == "moodle"
    assert item.text_html == (
        'Hitung 2*3*4.<br>\n1. langkah pertama<br>\n# bukan judul<br>\nLihat '
        '<a href="http://www.palukota.go.id">www.palukota.go.id</a>')
