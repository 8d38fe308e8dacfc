"""Questions through forms: every kind is added with its form, read back from the quiz's GIFT,
shown again in its form, and sent back unchanged without changing a character of the GIFT."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.content import gift
from app.extensions import db
from app.quizzes.models import Quiz
from tests.authoring.helpers import add_quiz
from tests.conftest import csrf_token

QUIZ_URL = "/pengajar/kursus/tte-101/kuis/kuis-akhir"
LEADING = "// Kuis akhir TTE: komentar penulis tetap ada.\n\n::Q1 Awal::Soal awal?{=ya ~tidak}\n"


def add_leading_quiz(client, course):
    add_quiz(client, course, gift=LEADING)


@pytest.fixture
def course_extras():
    """The trainer's course (tests/authoring/conftest.py) with a quiz of one question."""
    return (add_leading_quiz,)


class FormReader(HTMLParser):
    """The fields a browser would send from the page's POST form (checked boxes only)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields, self._textarea, self._in_form = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_fields(html):
    reader = FormReader()
    reader.feed(html)
    return reader.fields


def the_quiz():
    db.session.expire_all()
    return db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-akhir"))


def questions():
    quiz = the_quiz()
    return gift.parse_gift(quiz.gift_source, default_format=quiz.default_format).questions


def post_new(client, kind, fields):
    page = client.get(f"{QUIZ_URL}/soal/baru?jenis={kind}")
    assert page.status_code == 200
    data = dict(fields, csrf_token=csrf_token(page.get_data(as_text=True)), aksi="simpan")
    data.setdefault("jumlah_baris", "6")
    return client.post(f"{QUIZ_URL}/soal/baru?jenis={kind}", data=data)


CASES = {
    "pilihan": ({"nama": "Ibu kota", "teks": "Ibu kota Sulawesi Tengah?",
                 "baris-0-teks": "Palu", "baris-0-benar": "1", "baris-0-umpan": "Tepat.",
                 "baris-1-teks": "Poso", "baris-2-teks": "Donggala",
                 "umpan_umum": "Palu sejak 1964."},
                gift.Question("multichoice", "Ibu kota", "Ibu kota Sulawesi Tengah?",
                              text_format="markdown", single=True,
                              answers=[gift.Answer("Palu", 1.0, "Tepat."),
                                       gift.Answer("Poso", 0.0), gift.Answer("Donggala", 0.0)],
                              general_feedback="Palu sejak 1964.")),
    "pilihan-banyak": ({"nama": "Aplikasi umum", "teks": "Pilih aplikasi umum SPBE.",
                        "baris-0-teks": "SRIKANDI", "baris-0-bobot": "50",
                        "baris-1-teks": "SIASN", "baris-1-bobot": "50",
                        "baris-2-teks": "Grup WhatsApp", "baris-2-bobot": "-100"},
                       gift.Question("multichoice", "Aplikasi umum", "Pilih aplikasi umum SPBE.",
                                     text_format="markdown", single=False,
                                     answers=[gift.Answer("SRIKANDI", 0.5),
                                              gift.Answer("SIASN", 0.5),
                                              gift.Answer("Grup WhatsApp", -1.0)])),
    "benar-salah": ({"nama": "TTE sah", "teks": "TTE tersertifikasi sah secara hukum.",
                     "jawaban": "benar", "umpan_benar": "Ya, UU ITE.",
                     "umpan_salah": "Lihat UU ITE."},
                    gift.Question("truefalse", "TTE sah", "TTE tersertifikasi sah secara hukum.",
                                  text_format="markdown",
                                  answers=[gift.Answer("true", 1.0, "Ya, UU ITE."),
                                           gift.Answer("false", 0.0, "Lihat UU ITE.")])),
    "isian": ({"nama": "Singkatan", "teks": "Kepanjangan BSrE adalah Balai ...",
               "baris-0-teks": "Sertifikasi Elektronik", "baris-1-teks": "Sertifikasi",
               "baris-1-bobot": "50", "baris-1-umpan": "Hampir."},
              gift.Question("shortanswer", "Singkatan", "Kepanjangan BSrE adalah Balai ...",
                            text_format="markdown",
                            answers=[gift.Answer("Sertifikasi Elektronik", 1.0),
                                     gift.Answer("Sertifikasi", 0.5, "Hampir.")])),
    "angka": ({"nama": "Target JP", "teks": "Berapa JP per tahun?",
               "baris-0-teks": "20", "baris-0-toleransi": "0", "baris-1-teks": "18..22",
               "baris-1-bobot": "50", "baris-1-umpan": "Dekat."},
              gift.Question("numerical", "Target JP", "Berapa JP per tahun?",
                            text_format="markdown",
                            answers=[gift.Answer("20", 1.0, tolerance=0.0),
                                     gift.Answer("20", 0.5, "Dekat.", tolerance=2.0)])),
    "jodohkan": ({"nama": "Aplikasi", "teks": "Pasangkan aplikasi dengan urusannya.",
                  "baris-0-teks": "SRIKANDI", "baris-0-pasangan": "Naskah dinas",
                  "baris-1-teks": "SIASN", "baris-1-pasangan": "Kepegawaian",
                  "baris-2-pasangan": "Keuangan"},
                 gift.Question("matching", "Aplikasi", "Pasangkan aplikasi dengan urusannya.",
                               text_format="markdown",
                               pairs=[gift.Pair("SRIKANDI", "Naskah dinas"),
                                      gift.Pair("SIASN", "Kepegawaian"),
                                      gift.Pair("", "Keuangan")])),
    "esai": ({"nama": "Manfaat", "teks": "Jelaskan manfaat TTE bagi OPD Anda.",
              "umpan_umum": "Dinilai pengajar."},
             gift.Question("essay", "Manfaat", "Jelaskan manfaat TTE bagi OPD Anda.",
                           text_format="markdown", general_feedback="Dinilai pengajar.")),
    "deskripsi": ({"nama": "Bagian 2", "teks": "Bagian berikut tentang sertifikat."},
                  gift.Question("description", "Bagian 2", "Bagian berikut tentang sertifikat.",
                                text_format="markdown")),
    "kata-hilang": ({"nama": "Penerbit", "teks": "Sertifikat elektronik ASN diterbitkan oleh",
                     "teks_sesudah": "di bawah BSSN.", "baris-0-teks": "BSrE",
                     "baris-0-benar": "1", "baris-1-teks": "BKN"},
                    gift.Question("multichoice", "Penerbit",
                                  f"Sertifikat elektronik ASN diterbitkan oleh {gift.BLANK} di "
                                  "bawah BSSN.", text_format="markdown", single=True,
                                  answers=[gift.Answer("BSrE", 1.0), gift.Answer("BKN", 0.0)])),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_every_kind_round_trips_through_its_form(client, course, kind):
    fields, expected = CASES[kind]
    response = post_new(client, kind, fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    first, added = questions()
    assert added == expected
    assert first.name == "Q1 Awal"
    source = the_quiz().gift_source
    assert source.startswith("// Kuis akhir TTE: komentar penulis tetap ada.")

    # The question's form shows what it holds; sent back unchanged, the GIFT stays the same.
    page = client.get(f"{QUIZ_URL}/soal/2").get_data(as_text=True)
    sent = [(name, value) for name, value in form_fields(page) if name != "aksi"]
    response = client.post(f"{QUIZ_URL}/soal/2", data=MultiDict(sent + [("aksi", "simpan")]))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert the_quiz().gift_source == source


def test_editing_keeps_the_other_questions_and_the_comments(client, course):
    post_new(client, "pilihan", CASES["pilihan"][0])
    post_new(client, "esai", CASES["esai"][0])
    page = client.get(f"{QUIZ_URL}/soal/2").get_data(as_text=True)
    fields = dict(form_fields(page))
    fields.update({"baris-0-benar": "", "baris-1-benar": "1", "aksi": "simpan"})
    fields = {name: value for name, value in fields.items() if value or name != "baris-0-benar"}
    assert client.post(f"{QUIZ_URL}/soal/2", data=fields).status_code == 302
    first, edited, essay = questions()
    assert [a.fraction for a in edited.answers] == [0.0, 1.0, 0.0]
    assert (first.name, essay.name) == ("Q1 Awal", "Manfaat")
    assert the_quiz().gift_source.startswith("// Kuis akhir TTE: komentar penulis tetap ada.")


@pytest.mark.parametrize(("kind", "fields", "message"), [
    ("pilihan", {"teks": "Ibu kota?", "baris-0-teks": "Palu", "baris-1-teks": "Poso"},
     "Tandai tepat satu jawaban yang benar (sekarang 0)."),
    ("pilihan", {"teks": "Ibu kota?", "baris-0-teks": "Palu", "baris-0-benar": "1"},
     "Isi minimal 2 pilihan jawaban."),
    ("pilihan-banyak", {"teks": "Pilih", "baris-0-teks": "a", "baris-0-bobot": "lima"},
     "Baris 1: bobot &#39;lima&#39; bukan angka."),
    ("pilihan-banyak", {"teks": "Pilih", "baris-0-teks": "a", "baris-0-bobot": "50",
                        "baris-1-teks": "b", "baris-1-bobot": "40"},
     "jumlah bobot positif pilihan ganda jawaban banyak harus 100% (sekarang 90%)"),
    ("angka", {"teks": "Berapa?", "baris-0-teks": "dua puluh"},
     "jawaban numerik &#39;dua puluh&#39; bukan angka"),
    ("angka", {"teks": "Berapa?", "baris-0-teks": "20", "baris-0-toleransi": "x"},
     "Baris 1: toleransi &#39;x&#39; bukan angka."),
    ("jodohkan", {"teks": "Pasangkan", "baris-0-teks": "a", "baris-0-pasangan": "1"},
     "Isi minimal 2 pasangan."),
    ("esai", {"teks": ""}, "Isi teks soal."),
    ("kata-hilang", {"teks": "Ibu kota", "baris-0-teks": "Palu", "baris-0-benar": "1",
                     "baris-1-teks": "Poso"}, "Isi lanjutan kalimat setelah bagian yang hilang."),
])
def test_a_bad_form_names_the_problem_and_saves_nothing(client, course, kind, fields,
                                                       message):
    before = the_quiz().gift_source
    response = post_new(client, kind, fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert the_quiz().gift_source == before
    for value in fields.values():  # what was typed is shown again
        assert f'value="{value}"' in page or f">{value}</textarea>" in page or value == "1"


def test_more_rows_without_javascript(client, course):
    page = client.get(f"{QUIZ_URL}/soal/baru?jenis=isian").get_data(as_text=True)
    fields = dict(form_fields(page), teks="Soal", **{"baris-3-teks": "empat"})
    fields["aksi"] = "tambah-baris"
    page = client.post(f"{QUIZ_URL}/soal/baru?jenis=isian", data=fields).get_data(as_text=True)
    assert 'name="baris-5-teks"' in page and 'value="empat"' in page
    assert 'name="jumlah_baris" value="6"' in page


@pytest.mark.parametrize("count", ["²", "٣", "9" * 5000, "-3"],
                         ids=["superscript-two", "arabic-indic-three", "5000-digits", "negative"])
def test_a_row_count_that_is_not_a_plain_number_reads_as_no_rows(client, course, count):
    """The hidden jumlah_baris of a hand-made post: "²" and "٣" are digits to str.isdigit()
    (int() refuses the one and reads the other as 3), 5,000 digits are more than int() reads."""
    before = the_quiz().gift_source
    response = post_new(client, "pilihan", dict(CASES["pilihan"][0], jumlah_baris=count))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Isi minimal 2 pilihan jawaban." in page
    assert 'name="baris-0-teks"' not in page
    assert the_quiz().gift_source == before

    page = client.get(f"{QUIZ_URL}/soal/baru?jenis=isian").get_data(as_text=True)
    fields = dict(form_fields(page), teks="Soal", jumlah_baris=count, aksi="tambah-baris")
    fields["baris-3-teks"] = "empat"
    response = client.post(f"{QUIZ_URL}/soal/baru?jenis=isian", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="jumlah_baris" value="2"' in page  # no rows read, two added
    assert 'name="baris-1-teks"' in page and 'name="baris-2-teks"' not in page
    assert 'value="empat"' not in page
    assert the_quiz().gift_source == before


def test_the_quiz_page_lists_its_questions_and_the_kinds(client, course):
    page = client.get(QUIZ_URL).get_data(as_text=True)
    assert f'href="{QUIZ_URL}/soal/1">Q1 Awal</a>' in page
    assert f'href="{QUIZ_URL}/soal/baru?jenis=kata-hilang"' in page


@pytest.mark.parametrize("url", [f"{QUIZ_URL}/soal/9", f"{QUIZ_URL}/soal/0",
                                 "/pengajar/kursus/tte-101/kuis/tidak-ada/soal/1"])
def test_unknown_questions_are_not_found(client, course, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", ["", "?jenis=ujian", "?jenis=%00"])
def test_without_a_known_kind_the_kinds_are_offered(client, course, query):
    page = client.get(f"{QUIZ_URL}/soal/baru{query}")
    assert page.status_code == 200
    assert f'href="{QUIZ_URL}/soal/baru?jenis=angka"' in page.get_data(as_text=True)


def test_a_post_without_its_token_is_refused(client, course):
    before = the_quiz().gift_source
    response = client.post(f"{QUIZ_URL}/soal/baru?jenis=esai",
                           data={"teks": "Jelaskan.", "aksi": "simpan"})
    assert response.status_code == 400
    assert the_quiz().gift_source == before


def test_a_question_with_formats_of_its_own_keeps_them(client, course):
    quiz = the_quiz()
    source = quiz.gift_source + "\n\n::Format::[html]<p>Pilih</p>{=[plain]<b> ~<i>x</i>}\n"
    fields = {"slug": "kuis-akhir", "title": quiz.title, "kind": quiz.kind, "after": "",
              "pass_mark": "70", "time_limit": "0", "max_attempts": "0", "grading": "highest",
              "draw": "0", "review": "full", "show_answers": "after_last_attempt",
              "text_format": "markdown", "gift": source, "aksi": "simpan"}
    page = client.get(QUIZ_URL).get_data(as_text=True)
    assert client.post(QUIZ_URL, data=dict(fields, csrf_token=csrf_token(page))).status_code \
        == 302
    response = client.get(f"{QUIZ_URL}/soal/2", follow_redirects=True)
    assert "memakai format sendiri" in response.get_data(as_text=True)
    assert the_quiz().gift_source.rstrip() == source.rstrip()


def test_an_html_question_edited_by_form_stays_html(client, course):
    page = client.get(QUIZ_URL).get_data(as_text=True)
    quiz = the_quiz()
    source = quiz.gift_source + "\n\n::Html::[html]<p>Pilih kota</p>{=Palu ~Poso}\n"
    fields = {"title": quiz.title, "kind": quiz.kind, "after": "", "pass_mark": "70",
              "time_limit": "0", "max_attempts": "0", "grading": "highest", "draw": "0",
              "review": "full", "show_answers": "after_last_attempt",
              "text_format": "markdown", "gift": source, "aksi": "simpan",
              "csrf_token": csrf_token(page)}
    assert client.post(QUIZ_URL, data=fields).status_code == 302
    form = dict(form_fields(client.get(f"{QUIZ_URL}/soal/2").get_data(as_text=True)))
    form.update({"baris-1-umpan": "Bukan.", "aksi": "simpan"})
    assert client.post(f"{QUIZ_URL}/soal/2", data=form).status_code == 302
    edited = questions()[1]
    assert edited.text_format == "html" and edited.answers[1].feedback == "Bukan."
