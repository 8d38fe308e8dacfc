"""Trainers follow their learners: the course's learners page (progress, quiz results,
completion, OPD filter, pages) and a quiz's item analysis, read as a trainer reads them."""

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Agency
from app.auth.nip import format_nip
from app.authoring import learners as reports
from app.courses import services as course_services
from app.database import utcnow
from app.extensions import db
from app.quizzes import services as quiz_services
from app.settings import set_setting
from app.templating import wita_date
from tests.conftest import seed_objects, seed_once
from tests.quizzes import attempts_helpers as h

LEARNERS_URL = "/pengajar/kursus/spbe-101/peserta"
CHOICE_QUIZ = """
::P1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{=Palu~Donggala~Poso}

::P2 Benar salah::SPBE diatur dalam Perpres 95/2018.{T}

::P3 Aplikasi umum::Pilih aplikasi umum SPBE.{
~%50%SRIKANDI
~%50%SIASN
~%-100%Grup WhatsApp
}

::P4 Isian::Aplikasi umum untuk naskah dinas elektronik bernama ...{=SRIKANDI}
"""
ESSAY_QUIZ = "::E1 Esai::Jelaskan manfaat SRIKANDI bagi OPD Anda.{}\n"
TYPED_QUIZ = """
::S1 Singkatan::Singkatan dari Sistem Pemerintahan Berbasis Elektronik adalah ...{=SPBE}

::N1 Target JP::Berapa JP pengembangan kompetensi per tahun?{#20}

::M1 Aplikasi::Pasangkan aplikasi dengan urusannya.{
=SRIKANDI -> Naskah dinas
=SIASN -> Kepegawaian
=SAKTI -> Keuangan
}
"""
ALL_RIGHT = {"P1 Ibu kota": "Palu", "P2 Benar salah": "true",
             "P3 Aplikasi umum": ["SRIKANDI", "SIASN"], "P4 Isian": "SRIKANDI"}


# --- building the data the way learners make it ------------------------------------------------

def raw_response(snapshot, pick):
    """A raw response as the attempt form sends it: option texts become the snapshot's keys."""
    if snapshot["type"] == "matching":  # pick: {left item text: right item text}
        lefts = {Markup(sub["text_html"]).striptags(): sub["key"]
                 for sub in snapshot["subquestions"]}
        rights = {choice["text"]: choice["key"] for choice in snapshot["choices"]}
        return {"pairs": {lefts[left]: rights[right] for left, right in pick.items()}}
    keys = {option["text"]: option["key"] for option in snapshot["options"]}
    if snapshot["type"] in ("multichoice", "truefalse"):
        if isinstance(pick, list):
            return {"choices": [keys[text] for text in pick]}
        return {"choice": keys[pick]}
    return {"text": pick}


def take(user, quiz, picks, submit=True):
    """Start an attempt, answer by question name, submit it (or only save it)."""
    attempt = quiz_services.start_attempt(user, quiz)
    raw = {slot.id: raw_response(slot.snapshot, picks[slot.snapshot["name"]])
           for slot in attempt.slots if slot.snapshot["name"] in picks}
    if submit:
        quiz_services.submit_attempt(attempt, raw)
    else:
        quiz_services.save_responses(attempt, raw)
    db.session.commit()
    return attempt


def complete_modules(user, count):
    for module in h.course_of().modules[:count]:
        course_services.complete_module(user, module)
    db.session.commit()


def agency(code):
    return db.session.scalar(select(Agency).where(Agency.code == code))


def enrolled_learner(create_user, name, agency_code, modules=0):
    user = create_user(name=name, agency=agency(agency_code))
    h.enrol(user)
    complete_modules(user, modules)
    return user


@pytest.fixture
def quizzes(app, courses, tmp_path):
    # The files are written every time (a kept seed restores rows, not tmp_path); importing
    # them, with the OPD, is a kept seed on top of the courses (tests/conftest.py seed_once).
    choice = h.write_quiz(tmp_path, "kuis-a", CHOICE_QUIZ, title="Kuis A", pass_mark=70,
                          grading="highest", shuffle_answers="false")
    essay = h.write_quiz(tmp_path, "esai", ESSAY_QUIZ, title="Latihan Esai", kind="practice",
                         pass_mark=50)

    def seed():
        # The OPD here, not by the `agencies` fixture: a write before the seed breaks its chain.
        auth_services.seed_agencies()
        return {"choice": h.import_quiz_file(choice), "essay": h.import_quiz_file(essay)}

    return seed_objects("learners.quizzes", seed)


@pytest.fixture
def cohort(quizzes, create_user):
    """Five learners in two OPD, at five different stages of the course."""
    def seed():
        andi = enrolled_learner(create_user, "Andi Lasama", "DISKOMINFO", modules=5)
        take(andi, quizzes["choice"], ALL_RIGHT)  # 100%: passes, so the course completes
        budi = enrolled_learner(create_user, "Budi Tombolotutu", "DISKOMINFO", modules=2)
        take(budi, quizzes["choice"], {"P1 Ibu kota": "Donggala", "P2 Benar salah": "false",
                                       "P3 Aplikasi umum": ["SRIKANDI"]})  # 12.5%
        take(budi, quizzes["choice"], {"P1 Ibu kota": "Donggala", "P2 Benar salah": "true",
                                       "P3 Aplikasi umum": ["SRIKANDI", "Grup WhatsApp"],
                                       "P4 Isian": "srikandi"})  # 50%
        citra = enrolled_learner(create_user, "Citra Lamakarate", "DISDUKCAPIL")
        take(citra, quizzes["essay"], {"E1 Esai": "Surat tercatat rapi."})  # waits for a grader
        dewi = enrolled_learner(create_user, "Dewi Sartika", "DISDUKCAPIL")
        take(dewi, quizzes["choice"], {"P1 Ibu kota": "Poso"}, submit=False)  # still open
        fajar = enrolled_learner(create_user, "Fajar Lamaseng", "DISDUKCAPIL")  # not started
        return {"andi": andi, "budi": budi, "citra": citra, "dewi": dewi, "fajar": fajar}

    # Kept on top of the quizzes: twelve attempts graded once per worker.
    return seed_objects("learners.cohort", seed)


def signed_in(app, create_user, roles=("trainer",), owner=True):
    user = create_user(roles=roles)
    if owner:
        course = h.course_of()  # held: a collected parent cannot record the change
        course.owners.append(user)
        db.session.commit()
    return h.login_as(app.test_client(), user.nip)


@pytest.fixture
def trainer(app, create_user, courses):
    """A trainer of SPBE-101, signed in on a client of its own (as signed_in() makes one): the
    account is a kept seed on top of whatever seeds came before; the login happens every time."""
    def seed():
        user = create_user(roles=("trainer",))
        course = h.course_of()  # held: a collected parent cannot record the change
        course.owners.append(user)
        db.session.commit()
        return user.nip

    return h.login_as(app.test_client(), seed_once("learners.trainer", seed))


# --- reading the pages ---------------------------------------------------------------------------

class TableReader(HTMLParser):
    """Every table of a page: {caption: [[cell text, ...] per row]}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._rows, self._cell, self._caption = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("th", "td") and self._rows is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = " ".join("".join(self._caption).split())
        elif tag in ("th", "td") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._caption] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif isinstance(self._caption, list):
            self._caption.append(data)


def tables(html):
    reader = TableReader()
    reader.feed(html)
    return reader.tables


def learner_rows(html):
    """{learner name: [NIP, OPD, enrolled, modules, quiz cells..., completed]}."""
    caption = next(c for c in tables(html) if c.startswith("Daftar peserta"))
    _header, *rows = tables(html)[caption]
    return {row[0]: row[1:] for row in rows}


def summary(html):
    return {name: value for name, value in re.findall(r'data-stat="(\w+)">([^<]*)<', html)}


def item_rows(html):
    _header, *rows = tables(html)["Ringkasan per soal"]
    return {row[1]: row[2:] for row in rows}


def option_rows(html, question):
    caption = next(c for c in tables(html) if f"soal {question} (" in c)
    _header, *rows = tables(html)[caption]
    return {row[0]: row[1:3] for row in rows}


def answer_rows(html, question):
    """A typed question's answers as shown: [(answer, count)], most frequent first."""
    caption = next(c for c in tables(html) if c.startswith(f"Jawaban yang diberikan untuk soal "
                                                          f"{question} ("))
    _header, *rows = tables(html)[caption]
    return [tuple(row) for row in rows]


def pair_rows(html, question, left):
    """A matching question's left item: {right item: [right pair?, chosen, share]}."""
    caption = next(c for c in tables(html)
                   if c.startswith(f"Pasangan untuk \u201c{left}\u201d pada soal {question} ("))
    _header, *rows = tables(html)[caption]
    return caption, {row[0]: row[1:] for row in rows}


def today(app):
    with app.test_request_context():
        return wita_date(utcnow())


# --- the learners page ---------------------------------------------------------------------------

def test_learners_page_shows_progress_quiz_results_and_completion(app, cohort, trainer):
    html = h.page(trainer, LEARNERS_URL)
    # Dewi's open attempt counts as started; (5 + 2 + 0 + 0 + 0) of 5 × 5 modules done.
    assert summary(html) == {"enrolled": "5", "started": "4", "completed": "1",
                             "average": "28%"}
    rows = learner_rows(html)
    assert list(rows) == ["Andi Lasama", "Budi Tombolotutu", "Citra Lamakarate",
                          "Dewi Sartika", "Fajar Lamaseng"]
    andi, day = rows["Andi Lasama"], today(app)
    assert andi == [format_nip(cohort["andi"].nip), "Dinas Komunikasi dan Informatika", day,
                    "5/5 (100%)", "100,0% · Lulus", "Belum mengerjakan", day]
    assert rows["Budi Tombolotutu"][3:] == ["2/5 (40%)", "50,0% · Belum lulus",
                                            "Belum mengerjakan", "—"]
    assert rows["Citra Lamakarate"][1] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert rows["Citra Lamakarate"][3:] == ["0/5 (0%)", "Belum mengerjakan",
                                            "Menunggu penilaian esai", "—"]
    assert rows["Dewi Sartika"][3:] == ["0/5 (0%)", "Sedang mengerjakan", "Belum mengerjakan",
                                        "—"]


def test_quiz_grade_follows_the_quiz_grading_method(app, cohort, trainer, quizzes):
    quizzes["choice"].grading_method = "first"
    db.session.commit()
    html = h.page(trainer, LEARNERS_URL)
    assert learner_rows(html)["Budi Tombolotutu"][4] == "12,5% · Belum lulus"
    assert "percobaan pertama, lulus 70%" in html


def test_essay_grading_and_item_analysis_are_linked(cohort, trainer):
    html = h.page(trainer, LEARNERS_URL)
    assert 'href="/penilaian"' in html
    assert "1 jawaban esai menunggu penilaian di kursus ini" in html
    assert 'href="/pengajar/kursus/spbe-101/kuis/kuis-a/analisis"' in html
    assert 'href="/pengajar/kursus/spbe-101/kuis/esai/analisis"' in html


def test_learners_are_filtered_by_opd(cohort, trainer):
    diskominfo, disdukcapil = agency("DISKOMINFO"), agency("DISDUKCAPIL")
    html = h.page(trainer, f"{LEARNERS_URL}?opd={disdukcapil.id}")
    assert list(learner_rows(html)) == ["Citra Lamakarate", "Dewi Sartika", "Fajar Lamaseng"]
    assert summary(html) == {"enrolled": "3", "started": "2", "completed": "0",
                             "average": "0%"}
    assert f'<option selected value="{disdukcapil.id}">' in html
    # Only the OPD that have learners in this course are offered.
    offered = re.findall(r'<option[^>]*value="(\d*)"', html)
    assert offered == ["", str(disdukcapil.id), str(diskominfo.id)]
    assert "Semua OPD" in html and "Dinas Kesehatan" not in html

    html = h.page(trainer, f"{LEARNERS_URL}?opd={diskominfo.id}")
    assert list(learner_rows(html)) == ["Andi Lasama", "Budi Tombolotutu"]
    assert summary(html) == {"enrolled": "2", "started": "2", "completed": "1",
                             "average": "70%"}


def test_learners_are_paged_and_pages_keep_the_filter(cohort, trainer, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 3)
    first = h.page(trainer, LEARNERS_URL)
    assert list(learner_rows(first)) == ["Andi Lasama", "Budi Tombolotutu", "Citra Lamakarate"]
    assert "Halaman 1 dari 2" in first and "Sebelumnya" not in first
    assert f'href="{LEARNERS_URL}?halaman=2">Berikutnya' in first
    second = h.page(trainer, f"{LEARNERS_URL}?halaman=2")
    assert list(learner_rows(second)) == ["Dewi Sartika", "Fajar Lamaseng"]
    assert f'href="{LEARNERS_URL}?halaman=1">← Sebelumnya' in second
    assert summary(second)["enrolled"] == "5"  # the summary covers every page

    monkeypatch.setattr(reports, "PAGE_SIZE", 1)
    opd = agency("DISDUKCAPIL").id
    filtered = h.page(trainer, f"{LEARNERS_URL}?opd={opd}")
    assert list(learner_rows(filtered)) == ["Citra Lamakarate"]
    assert f'href="{LEARNERS_URL}?halaman=2&amp;opd={opd}"' in filtered


@pytest.mark.parametrize("query", [
    "opd=abc", "opd=-1", "opd=0", "opd=99999999999999999999999", "opd=", "opd=1.5",
    "halaman=-1", "halaman=0", "halaman=abc", "halaman=", "halaman=2.5",
    "halaman=99999999999999999999999", "opd=abc&halaman=abc", "opd=%00&halaman=%00",
])
def test_bad_query_arguments_show_everyone(cohort, trainer, query):
    html = h.page(trainer, f"{LEARNERS_URL}?{query}")
    assert len(learner_rows(html)) == 5
    assert summary(html)["enrolled"] == "5"


def test_an_opd_without_learners_here_is_not_a_filter(cohort, trainer):
    html = h.page(trainer, f"{LEARNERS_URL}?opd={agency('DINKES').id}")
    assert len(learner_rows(html)) == 5


def test_a_page_past_the_end_shows_the_last_page(cohort, trainer, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 3)
    html = h.page(trainer, f"{LEARNERS_URL}?halaman=999")
    assert list(learner_rows(html)) == ["Dewi Sartika", "Fajar Lamaseng"]


def test_a_course_without_learners(courses, trainer):
    html = h.page(trainer, LEARNERS_URL)
    assert summary(html) == {"enrolled": "0", "started": "0", "completed": "0", "average": "0%"}
    assert "Belum ada peserta yang terdaftar." in html


# --- item analysis -------------------------------------------------------------------------------

def test_item_analysis_counts_submitted_answers_per_question(cohort, trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    # Andi once, Budi twice; Dewi's open attempt does not count.
    assert "Dihitung dari 3 percobaan yang sudah dikirim oleh 2 peserta." in html
    rows = item_rows(html)
    assert list(rows) == ["P1 Ibu kota", "P2 Benar salah", "P3 Aplikasi umum", "P4 Isian"]
    too_few = "Belum cukup jawaban untuk dinilai (minimal 5)."  # 3 graded answers so far
    assert rows["P1 Ibu kota"][:3] == ["3 dari 3", "33%", "33%"]
    assert rows["P2 Benar salah"] == ["3 dari 3", "67%", "67%", too_few]
    assert rows["P3 Aplikasi umum"][:3] == ["3 dari 3", "33%", "50%"]  # 1 + 0.5 + 0
    assert rows["P4 Isian"] == ["2 dari 3", "67%", "67%", too_few]

    assert option_rows(html, "P1 Ibu kota") == {
        "Palu": ["Ya", "1"], "Donggala": ["Tidak", "2"], "Poso": ["Tidak", "0"]}
    assert option_rows(html, "P2 Benar salah") == {"Benar": ["Ya", "2"],
                                                   "Salah": ["Tidak", "1"]}
    assert option_rows(html, "P3 Aplikasi umum") == {
        "SRIKANDI": ["Ya", "3"], "SIASN": ["Ya", "1"], "Grup WhatsApp": ["Tidak", "1"]}
    assert "67%" in html.split("P1 Ibu kota (3 jawaban)")[-1].split("Donggala")[1]


def test_weak_questions_are_labelled_in_words(cohort, trainer):
    set_setting("item_analysis.min_attempts", 3)  # the cohort has three graded attempts
    db.session.commit()
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    notes = {name: row[3] for name, row in item_rows(html).items()}
    assert notes["P1 Ibu kota"] == ("Soal lemah: kurang dari 40% menjawab benar; "
                                    "pilihan salah lebih sering dipilih daripada jawaban benar.")
    # Partial credit: the mean score (50 %) decides, not the share of full marks (33 %).
    assert notes["P3 Aplikasi umum"] == ""
    assert notes["P2 Benar salah"] == "" and notes["P4 Isian"] == ""
    assert "1 soal perlu ditinjau" in html


def test_no_question_is_called_weak_before_enough_answers(cohort, trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    notes = {name: row[3] for name, row in item_rows(html).items()}
    assert set(notes.values()) == {"Belum cukup jawaban untuk dinilai (minimal 5)."}
    assert "perlu ditinjau" not in html


def test_an_essay_graded_80_is_easy_and_typed_answers_are_counted(cohort, trainer, quizzes,
                                                                   create_user):
    [essay_attempt] = quiz_services.attempts_of(cohort["citra"], quizzes["essay"])
    slot = h.attempt(essay_attempt.id).slots[0]
    quiz_services.grade_essay(slot, 80, "Baik", h.course_of().owners[0])
    db.session.commit()
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/esai/analisis")
    assert item_rows(html)["E1 Esai"] == ["1 dari 1", "0%", "80%",
                                          "Belum cukup jawaban untuk dinilai (minimal 5)."]
    # Short answers as the grader compares them, most frequent first.
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    given = html.split('data-answers="P4 Isian"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th><td class="num" data-cell="given">(\d+)',
                      given) == [("srikandi", "2")]


def test_a_question_is_called_weak_only_from_the_minimum_of_graded_answers(quizzes, trainer,
                                                                          create_user):
    url = "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis"
    for number in range(1, 6):  # everyone says "false" to a true statement
        learner = enrolled_learner(create_user, f"Peserta {number}", "DISKOMINFO")
        take(learner, quizzes["choice"], {"P2 Benar salah": "false"})
        note = item_rows(h.page(trainer, url))["P2 Benar salah"][3]
        if number < 5:  # the default item_analysis.min_attempts
            assert note == "Belum cukup jawaban untuk dinilai (minimal 5).", number
    assert note == ("Soal lemah: kurang dari 40% menjawab benar; "
                    "pilihan salah lebih sering dipilih daripada jawaban benar.")


def test_a_partly_right_question_is_weak_by_its_mean_score(quizzes, trainer, create_user):
    # SRIKANDI alone is half right: 5 × 50 % is a mean of 50 %, though nobody is fully right.
    for number in range(1, 6):
        learner = enrolled_learner(create_user, f"Peserta {number}", "DISKOMINFO")
        take(learner, quizzes["choice"], {"P3 Aplikasi umum": ["SRIKANDI"]})
    row = item_rows(h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis"))[
        "P3 Aplikasi umum"]
    assert row == ["5 dari 5", "0%", "50%", ""]


@pytest.fixture
def typed_answers(quizzes, tmp_path, create_user):
    """Five learners answer a short-answer, a numerical and a matching question."""
    path = h.write_quiz(tmp_path, "isian", TYPED_QUIZ, title="Kuis Isian", kind="practice",
                        pass_mark=50)
    picks = [
        ("SPBE", "20", {"SRIKANDI": "Naskah dinas", "SIASN": "Kepegawaian"}),
        ("  spbe ", "20,0", {"SRIKANDI": "Naskah dinas", "SIASN": "Keuangan",
                             "SAKTI": "Kepegawaian"}),
        ("S P B E", "20.0", {"SRIKANDI": "Naskah dinas", "SIASN": "Kepegawaian",
                             "SAKTI": "Keuangan"}),
        ("Sistem   Pemerintahan", "22,5", {"SRIKANDI": "Kepegawaian"}),
        ("spbe", "dua puluh", {}),
    ]

    def seed():
        quiz = h.import_quiz_file(path)
        for number, (short, value, pairs) in enumerate(picks, start=1):
            learner = enrolled_learner(create_user, f"Peserta {number}", "DISKOMINFO")
            take(learner, quiz, {"S1 Singkatan": short, "N1 Target JP": value,
                                 "M1 Aplikasi": pairs})
        return quiz

    return seed_objects("learners.typed_answers", seed)


def test_typed_answers_are_counted_as_the_grader_compares_them(typed_answers, trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/isian/analisis")
    # Case and spaces do not matter to the grader, so they do not split the count.
    assert answer_rows(html, "S1 Singkatan") == [
        ("spbe", "3"), ("s p b e", "1"), ("sistem pemerintahan", "1")]
    # Numbers by value, in the page's language; text that is no number stays as given.
    assert answer_rows(html, "N1 Target JP") == [("20", "3"), ("22,5", "1"), ("dua puluh", "1")]
    rows = item_rows(html)
    assert rows["S1 Singkatan"] == ["5 dari 5", "60%", "60%", ""]
    assert rows["N1 Target JP"] == ["5 dari 5", "60%", "60%", ""]
    english = trainer.get("/pengajar/kursus/spbe-101/kuis/isian/analisis",
                          headers={"Accept-Language": "en"})
    assert "22.5" in english.get_data(as_text=True)


def test_only_the_most_frequent_answers_are_listed_and_the_rest_together(
        typed_answers, trainer, monkeypatch):
    monkeypatch.setattr(reports, "TYPED_SHOWN", 2)
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/isian/analisis")
    assert answer_rows(html, "S1 Singkatan") == [("spbe", "3"), ("s p b e", "1"),
                                                 ("lainnya", "1")]


def test_matching_shows_for_each_left_item_which_right_items_were_chosen(typed_answers,
                                                                          trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/isian/analisis")
    caption, rows = pair_rows(html, "M1 Aplikasi", "SRIKANDI")
    assert caption.endswith("(4 jawaban)")  # the fifth learner left it empty
    # Every right item, in the question's order, marked when it is the right pair.
    assert rows == {"Naskah dinas": ["Ya", "3", "75%"], "Kepegawaian": ["Tidak", "1", "25%"],
                    "Keuangan": ["Tidak", "0", "0%"]}
    caption, rows = pair_rows(html, "M1 Aplikasi", "SIASN")
    assert caption.endswith("(3 jawaban)")
    assert {right: row[:2] for right, row in rows.items()} == {
        "Naskah dinas": ["Tidak", "0"], "Kepegawaian": ["Ya", "2"], "Keuangan": ["Tidak", "1"]}
    caption, rows = pair_rows(html, "M1 Aplikasi", "SAKTI")
    assert caption.endswith("(2 jawaban)")
    # Matching is partial credit: the mean of the shares of right pairs decides.
    # (2/3 + 1/3 + 1 + 0 + 0) / 5 = 40 %: not below the weak limit, though 1 in 5 is fully right.
    assert item_rows(html)["M1 Aplikasi"] == ["4 dari 5", "20%", "40%", ""]


def test_changed_and_retired_questions_keep_their_history(cohort, trainer, quizzes, tmp_path,
                                                          create_user):
    # The trainer renames a wrong option and drops P4; options get new keys, so the tally
    # goes by text, and the removed option and question stay with what they had.
    changed = (CHOICE_QUIZ.replace("~Poso", "~Luwuk").split("::P4")[0]
               + "::P5 Baru::Kota Palu berada di provinsi ...{=Sulawesi Tengah~Gorontalo}\n")
    h.add_quiz(tmp_path, "kuis-a", changed, title="Kuis A", pass_mark=70,
               shuffle_answers="false")
    eko = enrolled_learner(create_user, "Eko Patria", "DISKOMINFO")
    take(eko, quizzes["choice"], {"P1 Ibu kota": "Luwuk", "P5 Baru": "Sulawesi Tengah"})

    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    rows = item_rows(html)
    assert list(rows) == ["P1 Ibu kota", "P2 Benar salah", "P3 Aplikasi umum", "P5 Baru",
                          "P4 Isian (tidak dipakai lagi)"]
    assert rows["P1 Ibu kota"][:2] == ["4 dari 4", "25%"]
    assert rows["P5 Baru"][:2] == ["1 dari 1", "100%"]
    assert rows["P4 Isian (tidak dipakai lagi)"][:2] == ["2 dari 3", "67%"]
    assert option_rows(html, "P1 Ibu kota") == {
        "Palu": ["Ya", "1"], "Donggala": ["Tidak", "2"], "Luwuk": ["Tidak", "1"],
        "Poso": ["Tidak", "0"]}


def test_item_analysis_of_an_essay_quiz_shows_what_waits(cohort, trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/esai/analisis")
    assert item_rows(html)["E1 Esai"] == ["1 dari 1", "—", "—",
                                          "1 jawaban menunggu penilaian."]
    assert f'href="{LEARNERS_URL}"' in html


def test_item_analysis_without_attempts(quizzes, trainer):
    html = h.page(trainer, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis")
    assert "Dihitung dari 0 percobaan yang sudah dikirim oleh 0 peserta." in html
    assert item_rows(html)["P1 Ibu kota"] == ["0 dari 0", "—", "—", ""]


def test_unknown_quiz_is_not_found(quizzes, trainer):
    assert trainer.get("/pengajar/kursus/spbe-101/kuis/tidak-ada/analisis").status_code == 404


# --- who may look --------------------------------------------------------------------------------

PAGES = [LEARNERS_URL, "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, quizzes, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("roles, owner, status", [
    (("learner",), False, 403),
    (("trainer",), False, 404),  # another trainer's course: as if it did not exist
    (("trainer",), True, 200),
    (("admin",), False, 200),
])
def test_only_the_course_trainers_and_admins_see_the_reports(app, create_user, quizzes, url,
                                                            roles, owner, status):
    client = signed_in(app, create_user, roles=roles, owner=owner)
    assert client.get(url).status_code == status


# --- query counts --------------------------------------------------------------------------------

def add_learners(create_user, quizzes, start, count):
    """Learners at every stage: modules read, quizzes taken, an essay waiting."""
    for n in range(start, start + count):
        user = enrolled_learner(create_user, f"Peserta {n:02d}",
                                ("DISKOMINFO", "DISDUKCAPIL")[n % 2], modules=n % 6)
        take(user, quizzes["choice"], {"P1 Ibu kota": "Palu", "P3 Aplikasi umum": ["SIASN"]})
        take(user, quizzes["choice"], ALL_RIGHT)
        take(user, quizzes["essay"], {"E1 Esai": f"Jawaban {n}"})


@pytest.mark.parametrize("url", [
    LEARNERS_URL, f"{LEARNERS_URL}?opd=OPD", "/pengajar/kursus/spbe-101/kuis/kuis-a/analisis",
    "/pengajar/kursus/spbe-101/kuis/esai/analisis"])
def test_report_query_count_does_not_grow_with_learners(create_user, quizzes, trainer, queries,
                                                       url):
    url = url.replace("OPD", str(agency("DISKOMINFO").id))

    def measure():
        db.session.expire_all()
        with queries() as count:
            response = trainer.get(url)
        assert response.status_code == 200
        return count()

    add_learners(create_user, quizzes, 1, 2)
    before = measure()
    add_learners(create_user, quizzes, 3, 10)
    assert "Peserta 12" in h.page(trainer, LEARNERS_URL)
    after = measure()
    assert after == before, f"{url}: {before} queries with 2 learners, {after} with 12"
    assert before <= 12, f"{url} takes {before} queries"
