"""The GIFT reader against real snippets (many from Moodle's GIFT documentation), its problems with
exact file lines, and the JSON shape. Pure: no app, no database (gettext works without an app)."""

import pytest

from app.content.frontmatter import Problem
from app.content.gift import Answer, Pair, Question, parse_gift, question_to_dict


def parse_one(source):
    result = parse_gift(source)
    assert result.problems == []
    assert len(result.questions) == 1
    return result.questions[0]


def mc(name, text, answers, single=True, **fields):
    return Question("multichoice", name, text, single=single,
                    answers=[Answer(*answer) for answer in answers], **fields)


def short(name, text, answers, **fields):
    return Question("shortanswer", name, text, answers=[Answer(*a) for a in answers], **fields)


def numerical(name, text, answers, **fields):
    return Question("numerical", name, text, answers=[Answer(*a) for a in answers], **fields)


def truefalse(name, text, correct, true_feedback="", false_feedback="", **fields):
    return Question("truefalse", name, text, answers=[
        Answer("true", float(correct), true_feedback),
        Answer("false", float(not correct), false_feedback)], **fields)


def matching(name, text, pairs, **fields):
    return Question("matching", name, text, pairs=[Pair(*pair) for pair in pairs], **fields)


GRANT = "Who's buried in Grant's tomb?"
LONG_TEXT = ("Sebutkan tiga asas penyelenggaraan pemerintahan daerah menurut Undang-Undang "
             "Nomor 23 Tahun 2014 tentang Pemerintahan Daerah")

EXAMPLES = [
    # --- multiple choice (Moodle docs) ---
    ("multichoice", GRANT + "{~Grant ~Jefferson =no one}",
     mc(GRANT, GRANT, [("Grant", 0.0), ("Jefferson", 0.0), ("no one", 1.0)])),
    ("missing-word", "Grant is {~buried =entombed ~living} in Grant's tomb.",
     mc("Grant is _____ in Grant's tomb.", "Grant is _____ in Grant's tomb.",
        [("buried", 0.0), ("entombed", 1.0), ("living", 0.0)])),
    ("multichoice-multiline",
     "The American holiday of Thanksgiving is celebrated on the {\n    ~second\n    ~third\n"
     "    =fourth\n} Thursday of November.",
     mc("The American holiday of Thanksgiving is celebrated on the _____ Thursday of ...",
        "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November.",
        [("second", 0.0), ("third", 0.0), ("fourth", 1.0)])),
    ("multichoice-feedback",
     "::Q2:: What's between orange and green in the spectrum?\n"
     "{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }",
     mc("Q2", "What's between orange and green in the spectrum?",
        [("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow"),
         ("blue", 0.0, "wrong, it's yellow")])),
    ("multichoice-partial-credit",
     "::Jesus' hometown::Jesus Christ was from {\n   ~Jerusalem#This was an important city.\n"
     "   ~%25%Bethlehem#He was born here.\n   ~%50%Galilee#You need to be more specific.\n"
     "   =Nazareth#Yes! That's right!\n}.",
     mc("Jesus' hometown", "Jesus Christ was from _____.",
        [("Jerusalem", 0.0, "This was an important city."),
         ("Bethlehem", 0.25, "He was born here."),
         ("Galilee", 0.5, "You need to be more specific."),
         ("Nazareth", 1.0, "Yes! That's right!")])),
    ("multiple-answers",
     "What two people are entombed in Grant's tomb? {\n   ~%-100%No one\n   ~%50%Grant\n"
     "   ~%50%Grant's wife\n   ~%-100%Grant's father\n}",
     mc("What two people are entombed in Grant's tomb?",
        "What two people are entombed in Grant's tomb?",
        [("No one", -1.0), ("Grant", 0.5), ("Grant's wife", 0.5), ("Grant's father", -1.0)],
        single=False)),
    ("multiple-answers-decimal",
     "Bilangan prima? {~%33.33333%2 ~%33.33333%3 ~%33.33333%5 ~%-50%4}",
     mc("Bilangan prima?", "Bilangan prima?",
        [("2", 0.3333333), ("3", 0.3333333), ("5", 0.3333333), ("4", -0.5)], single=False)),
    ("multichoice-partial-with-right",  # an '=' anywhere keeps it a one-answer question
     "Pilih {=a ~%50%b ~%-25%c}",
     mc("Pilih", "Pilih", [("a", 1.0), ("b", 0.5), ("c", -0.25)])),
    ("multichoice-answer-format-marker",  # a part's [format] is dropped, as Moodle reads it
     "::F::[html]<p>Pilih</p>{=[html]<b>ya</b> ~tidak}",
     mc("F", "<p>Pilih</p>", [("<b>ya</b>", 1.0), ("tidak", 0.0)], text_format="html")),
    # --- true / false ---
    ("true", "Grant was buried in a tomb in New York City.{T}",
     truefalse("Grant was buried in a tomb in New York City.",
               "Grant was buried in a tomb in New York City.", True)),
    ("true-long", "::Q1:: 1+1=2 {TRUE}", truefalse("Q1", "1+1=2", True)),
    ("false", "The sun rises in the West.{F}",
     truefalse("The sun rises in the West.", "The sun rises in the West.", False)),
    ("false-long", "Grant is buried in Grant's tomb.{FALSE}",
     truefalse("Grant is buried in Grant's tomb.", "Grant is buried in Grant's tomb.", False)),
    ("true-feedbacks",  # {T#wrong#right}: the first is shown on a wrong choice
     "Jakarta ibu kota Indonesia.{T#Salah, Jakarta ibu kota.#Benar!}",
     truefalse("Jakarta ibu kota Indonesia.", "Jakarta ibu kota Indonesia.", True,
               true_feedback="Benar!", false_feedback="Salah, Jakarta ibu kota.")),
    ("false-feedbacks", "Bumi datar.{FALSE#Bumi itu bulat.#Tepat.}",
     truefalse("Bumi datar.", "Bumi datar.", False,
               true_feedback="Bumi itu bulat.", false_feedback="Tepat.")),
    ("lowercase-true-is-short-answer",  # Moodle compares T/TRUE/F/FALSE case-sensitively
     "Benar atau salah?{true}", short("Benar atau salah?", "Benar atau salah?", [("true", 1.0)])),
    # --- short answer ---
    ("short-answer", GRANT + "{=no one =nobody}",
     short(GRANT, GRANT, [("no one", 1.0), ("nobody", 1.0)])),
    ("short-answer-missing-word", "Two plus {=two =2} equals four.",
     short("Two plus _____ equals four.", "Two plus _____ equals four.",
           [("two", 1.0), ("2", 1.0)])),
    ("short-answer-weights",
     "::Jesus' hometown:: Jesus Christ was from {\n   =Nazareth#Yes! That's right!\n"
     "   =%75%Nazereth#Right, but misspelled.\n   =%25%Bethlehem#He was born here.\n}.",
     short("Jesus' hometown", "Jesus Christ was from _____.",
           [("Nazareth", 1.0, "Yes! That's right!"), ("Nazereth", 0.75, "Right, but misspelled."),
            ("Bethlehem", 0.25, "He was born here.")])),
    ("short-answer-wildcard", "Ibu kota Indonesia? {=Jak*rta =%50%*}",
     short("Ibu kota Indonesia?", "Ibu kota Indonesia?", [("Jak*rta", 1.0), ("*", 0.5)])),
    ("short-answer-without-equals", "Ibu kota Sulawesi Tengah? {Palu}",
     short("Ibu kota Sulawesi Tengah?", "Ibu kota Sulawesi Tengah?", [("Palu", 1.0)])),
    # --- numerical ---
    ("numerical-tolerance", "Nilai pi? {#3.14:0.01}",
     numerical("Nilai pi?", "Nilai pi?", [("3.14", 1.0, "", 0.01)])),
    ("numerical-range", "::Q5:: What is a number from 1 to 5? {#1..5}",
     numerical("Q5", "What is a number from 1 to 5?", [("3", 1.0, "", 2.0)])),
    ("numerical-range-decimal", "Antara? {#1.5..2}",
     numerical("Antara?", "Antara?", [("1.75", 1.0, "", 0.25)])),
    ("numerical-exact", "Berapa 1+1? {#2}", numerical("Berapa 1+1?", "Berapa 1+1?",
                                                    [("2", 1.0, "", 0.0)])),
    ("numerical-exponent", "Berapa? {#-1.5e3:10}",
     numerical("Berapa?", "Berapa?", [("-1.5e3", 1.0, "", 10.0)])),
    ("numerical-weighted", "Nilai pi? {#=%100%3.14:0 =%50%3:0.5}",
     numerical("Nilai pi?", "Nilai pi?", [("3.14", 1.0, "", 0.0), ("3", 0.5, "", 0.5)])),
    ("numerical-catch-all",
     "::Q7:: When was Ulysses S. Grant born? {#\n    =1822:0      # Correct! Full credit.\n"
     "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n"
     "    ~#Coba lagi\n}",
     numerical("Q7", "When was Ulysses S. Grant born?",
               [("1822", 1.0, "Correct! Full credit.", 0.0),
                ("1822", 0.5, "He was born in 1822. Half credit for being close.", 2.0),
                ("*", 0.0, "Coba lagi", None)])),
    ("numerical-star-answer", "Berapa? {#=5:1 =%0%*#Salah}",
     numerical("Berapa?", "Berapa?", [("5", 1.0, "", 1.0), ("*", 0.0, "Salah", None)])),
    # --- matching ---
    ("matching",
     "Match the following countries with their corresponding capitals. {\n"
     "   =Canada -> Ottawa\n   =Italy  -> Rome\n   =Japan  -> Tokyo\n   =India  -> New Delhi\n}",
     matching("Match the following countries with their corresponding capitals.",
              "Match the following countries with their corresponding capitals.",
              [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"),
               ("India", "New Delhi")])),
    ("matching-distractor", "::Q4:: Which animal eats which food? { =cat -> cat food "
     "=dog -> dog food = -> tikus }",
     matching("Q4", "Which animal eats which food?",
              [("cat", "cat food"), ("dog", "dog food"), ("", "tikus")])),
    ("matching-arrow-in-answer", "Jodohkan {=a -> b -> c =d->e}",
     matching("Jodohkan", "Jodohkan", [("a", "b -> c"), ("d", "e")])),
    # --- essay and description ---
    ("essay", "Write a short biography of Dag Hammarskjöld. {}",
     Question("essay", "Write a short biography of Dag Hammarskjöld.",
              "Write a short biography of Dag Hammarskjöld.")),
    ("essay-general-feedback", "Jelaskan asas otonomi. {####Lihat modul 2.}",
     Question("essay", "Jelaskan asas otonomi.", "Jelaskan asas otonomi.",
              general_feedback="Lihat modul 2.")),
    ("description", "You can use your pencil and paper for these next math questions.",
     Question("description", "You can use your pencil and paper for these next math questions.",
              "You can use your pencil and paper for these next math questions.")),
    ("description-titled", "::Petunjuk::Kerjakan dengan jujur.",
     Question("description", "Petunjuk", "Kerjakan dengan jujur.")),
    # --- titles, formats, feedback, escapes ---
    ("general-feedback", "Pilih {=a ~b ####Umpan balik umum}",
     mc("Pilih", "Pilih", [("a", 1.0), ("b", 0.0)], general_feedback="Umpan balik umum")),
    ("general-feedback-on-truefalse", "1+1=2 {T#x#y####Aritmetika dasar.}",
     truefalse("1+1=2", "1+1=2", True, true_feedback="y", false_feedback="x",
               general_feedback="Aritmetika dasar.")),
    ("format-html", "::H::[html]<p>Apa <b>ini</b>?</p>{}",
     Question("essay", "H", "<p>Apa <b>ini</b>?</p>", text_format="html")),
    ("format-markdown", "[markdown]**Tebal**{}",
     Question("essay", "**Tebal**", "**Tebal**", text_format="markdown")),
    ("format-plain", "::P::[plain] Teks biasa{}",
     Question("essay", "P", "Teks biasa", text_format="plain")),
    ("format-moodle", "::M::[moodle][catatan] kurung biasa{}",
     Question("essay", "M", "[catatan] kurung biasa")),
    ("bracket-text-is-not-a-format", "[Catatan] Bacalah dengan teliti.",
     Question("description", "[Catatan] Bacalah dengan teliti.",
              "[Catatan] Bacalah dengan teliti.")),
    ("escapes",
     "::Judul \\: satu::Tanda \\~ \\= \\# \\{ \\} \\: dan \\\\ lalu\\nbaris baru"
     "{=a\\=b#umpan \\# balik ~c\\~d}",
     mc("Judul : satu", "Tanda ~ = # { } : dan \\ lalu\nbaris baru",
        [("a=b", 1.0, "umpan # balik"), ("c~d", 0.0)])),
    ("escaped-backslash-before-n", "Jalur C:\\\\new{}",  # '\\' then 'n', not a newline
     Question("essay", "Jalur C:\\new", "Jalur C:\\new")),
    ("multiline-text", "Baris satu\n  baris dua\n{=a ~b}",
     mc("Baris satu\nbaris dua", "Baris satu\nbaris dua", [("a", 1.0), ("b", 0.0)])),
    ("comment-inside-question", "Teks{\n=a\n// komentar di antara jawaban\n~b}",
     mc("Teks", "Teks", [("a", 1.0), ("b", 0.0)])),
    ("empty-title-gets-default", "::::Apa kabar?{}",
     Question("essay", "Apa kabar?", "Apa kabar?")),
    ("default-name-shortened", LONG_TEXT + "{}",
     Question("essay", "Sebutkan tiga asas penyelenggaraan pemerintahan daerah menurut "
                       "Undang-Undang ...", LONG_TEXT)),
    ("default-name-without-html", "[html]<p>Siapa <i>presiden</i> pertama?</p>{}",
     Question("essay", "Siapa presiden pertama?", "<p>Siapa <i>presiden</i> pertama?</p>",
              text_format="html")),
    ("unicode", "::Soal 1::Apa arti “gotong royong” — ✓ 中文 😀?{=kerja sama ~individualisme}",
     mc("Soal 1", "Apa arti “gotong royong” — ✓ 中文 😀?",
        [("kerja sama", 1.0), ("individualisme", 0.0)])),
]


@pytest.mark.parametrize(("source", "expected"), [case[1:] for case in EXAMPLES],
                         ids=[case[0] for case in EXAMPLES])
def test_parses_moodle_gift(source, expected):
    assert parse_one(source) == expected


def test_id_and_tags_come_from_the_comments_before_the_question():
    source = ("// [id:abc-1]\n// Soal tentang [tag:geografi] dan [tag: ibu kota ]\n"
              "::Q::Ibu kota? {=Jakarta ~Bandung}\n// [tag:akhir]")
    question = parse_one(source)
    assert question.id == "abc-1"
    assert question.tags == ["geografi", "ibu kota", "akhir"]


def test_escaped_bracket_in_id_and_tag_and_first_id_wins():
    question = parse_one("// [id:a\\]b] [id:kedua]\n// [tag:x\\]y] [tag:]\nTeks{}")
    assert (question.id, question.tags) == ("a]b", ["x]y"])


def test_comments_in_another_block_do_not_attach():
    result = parse_gift("// [id:lepas]\n\nTeks{}")
    assert result.questions[0].id is None


def test_category_applies_to_following_questions():
    source = ("Satu{}\n\n$CATEGORY: $course$/top/Kuis 1\n\nDua{}\n\n// kategori lain\n"
              "$CATEGORY:   Lain/Sub  \n\nTiga{}\n")
    result = parse_gift(source)
    assert result.problems == []
    assert [(q.text, q.category) for q in result.questions] == [
        ("Satu", None), ("Dua", "$course$/top/Kuis 1"), ("Tiga", "Lain/Sub")]


def test_question_lines_and_blank_line_separation():
    source = "\n\n// komentar\nSatu{}\n\n\n::Dua::\nteks\n{T}\n   \nTiga\n"
    result = parse_gift(source, first_line=5)
    assert [(q.name, q.line) for q in result.questions] == [
        ("Satu", 8), ("Dua", 11), ("Tiga", 15)]


def test_crlf_and_bom():
    result = parse_gift("\ufeffSatu{}\r\n\r\nDua{\r\n=a\r\n~b}\r\n")
    assert result.problems == []
    assert [q.line for q in result.questions] == [1, 3]


def test_private_use_characters_are_not_mistaken_for_escapes():
    text = "".join(chr(code) for code in range(0xE000, 0xE008))
    question = parse_one(text + " \\{ \\: {}")
    assert question.text == text + " { :"


def test_empty_text_has_no_questions():
    assert parse_gift("") == parse_gift("\n\n// hanya komentar\n")
    assert parse_gift("").questions == [] and parse_gift("").problems == []


# --- problems -------------------------------------------------------------------------------

# Each case: a file (several questions, so line counting is exercised), and the expected
# (line, message) problems. Questions without problems must still be read.
ERRORS = [
    ("unclosed-brace", "Satu{}\n\nDua adalah {=a\n~b\n", [(3, "kurung kurawal '{' tidak ditutup")]),
    ("close-without-open", "Satu{}\n\nDua\nadalah =a ~b}",
     [(4, "kurung kurawal '}' tanpa '{' pembuka")]),
    ("missing-blank-line", "Satu{=a ~b}\nDua{=c ~d}\n\nTiga{}",
     [(2, "bagian jawaban {…} kedua dalam satu pertanyaan: pisahkan pertanyaan dengan baris "
          "kosong, atau tulis \\{ dan \\} untuk kurung kurawal biasa")]),
    ("nested-brace", "Satu{}\n\nDua {=a {~b}", [(3, "kurung kurawal '{' tidak ditutup")]),
    ("numeric-not-a-number", "Satu{}\n\nPi?{#\n=3.14:0.01\n=3,14x:0.1}",
     [(5, "jawaban numerik '3,14x' bukan angka")]),
    ("numeric-comma", "Pi?{#3,14}",
     [(1, "jawaban numerik '3,14' bukan angka (gunakan titik sebagai pemisah desimal)")]),
    ("numeric-tolerance", "Satu{}\n\nPi?{#3.14:kira}", [(3, "toleransi 'kira' bukan angka")]),
    ("numeric-negative-tolerance", "Pi?{#3.14:-1}",
     [(1, "toleransi '-1' tidak boleh negatif")]),
    ("numeric-range-not-numbers", "Angka?{#1..x}",
     [(1, "rentang numerik '1..x' harus berbentuk 'min..maks' dengan angka")]),
    ("numeric-range-comma", "Angka?{#1,5..2,5}",
     [(1, "rentang numerik '1,5..2,5' harus berbentuk 'min..maks' dengan angka (gunakan titik "
          "sebagai pemisah desimal)")]),
    ("numeric-overflow", "Angka?{#1e999}", [(1, "jawaban numerik '1e999' bukan angka")]),
    ("numeric-range-reversed", "Angka?{#5..1}",
     [(1, "rentang numerik '5..1': batas bawah lebih besar dari batas atas")]),
    ("numeric-no-answers", "Angka?{#}", [(1, "pertanyaan numerik tanpa jawaban")]),
    ("numeric-only-catch-all", "Angka?{#~#salah}", [(1, "pertanyaan numerik tanpa jawaban")]),
    ("numeric-no-full-marks", "Angka?{\n#=%50%3}", [(1, "tidak ada jawaban dengan bobot 100%")]),
    ("numeric-junk-after-tilde", "Angka?{#3\n~%50%#salah}",
     [(2, "setelah '~' pada pertanyaan numerik hanya boleh ada '#umpan balik'")]),
    ("weight-out-of-range", "Satu{}\n\nPilih{\n~%150%a\n~b\n}",
     [(4, "bobot '%150%' harus antara -100 dan 100")]),
    ("weight-not-a-number", "Pilih{\n=a\n~%33,3%b\n}",
     [(3, "bobot '%33,3%' bukan angka (gunakan titik sebagai pemisah desimal)")]),
    ("two-bad-weights-both-reported", "Pilih{\n~%150%a\n~%-200%b\n}",
     [(2, "bobot '%150%' harus antara -100 dan 100"),
      (3, "bobot '%-200%' harus antara -100 dan 100")]),
    ("multichoice-no-right-answer", "Satu{}\n\nPilih{\n~a\n~b\n}",
     [(3, "pertanyaan pilihan ganda tanpa jawaban benar")]),
    ("multichoice-one-answer", "Pilih{~a}",
     [(1, "pertanyaan pilihan ganda membutuhkan minimal 2 pilihan jawaban")]),
    ("multichoice-weights-not-100", "Pilih{~%50%a ~%40%b ~c}",
     [(1, "jumlah bobot positif pilihan ganda jawaban banyak harus 100% (sekarang 90%)")]),
    ("empty-answer", "Pilih{\n=a\n~\n~c}", [(3, "jawaban kosong")]),
    ("short-answer-no-full-marks", "Isi{=%50%a =%20%b}",
     [(1, "tidak ada jawaban dengan bobot 100%")]),
    ("matching-bad-pair", "Satu{}\n\nJodohkan{\n=a -> 1\n=b 2\n=c -> 3\n}",
     [(5, "pasangan menjodohkan harus berbentuk 'a -> b'")]),
    ("matching-one-pair", "Jodohkan{=a -> 1 = -> 2}",
     [(1, "pertanyaan menjodohkan membutuhkan minimal 2 pasangan 'a -> b'")]),
    ("matching-no-right-side", "Jodohkan{\n=a -> 1\n=b ->\n}",
     [(3, "pasangan menjodohkan 'b' tidak punya jawaban setelah '->'")]),
    ("matching-empty-pair", "Jodohkan{\n=a -> 1\n=b -> 2\n= ->\n}",
     [(4, "pasangan menjodohkan kosong")]),
    ("unclosed-title", "Satu{}\n\n::Judul tanpa tutup\nteks{}",
     [(3, "judul pertanyaan diawali '::' tetapi tidak ditutup dengan '::'")]),
    ("empty-text", "::Judul::{=a ~b}", [(1, "teks pertanyaan kosong")]),
    ("category-not-alone", "$CATEGORY: Kuis\n::Q::Teks{}",
     [(2, "baris $CATEGORY harus dipisahkan dari pertanyaan dengan baris kosong")]),
    ("category-empty", "Satu{}\n\n$CATEGORY:   \n\nDua{}",
     [(3, "nama kategori kosong setelah '$CATEGORY:'")]),
]


@pytest.mark.parametrize(("source", "expected"), [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_problems_name_the_line(source, expected):
    result = parse_gift(source, "kuis.gift")
    assert result.problems == [Problem("kuis.gift", line, message) for line, message in expected]


WARNINGS = [
    ("unknown-marker", "Satu{}\n\n::Q::\n[latex]$x^2${}", "[latex]$x^2$",
     [(4, "penanda '[latex]' bukan format (pilihan: [html], [moodle], [plain], [markdown]) "
          "dan dibaca sebagai awal teks; bila memang teks, tulis [moodle] di depannya: "
          "[moodle][latex] ...")]),
    ("marker-wrong-case", "[HTML]<p>x</p>{}", "[HTML]<p>x</p>",
     [(1, "penanda '[HTML]' dibaca sebagai teks karena huruf besar: penanda format ditulis "
          "dengan huruf kecil, [html]")]),
    ("true-misspelt", "::Q::Palu ibu kota Sulteng.\n{Ture}", "Palu ibu kota Sulteng.",
     [(2, "jawaban 'Ture' mirip TRUE/FALSE, tetapi dibaca sebagai isian singkat: soal "
          "benar-salah ditulis {TRUE} atau {FALSE} ({T} atau {F}); bila memang isian "
          "singkat, tulis {=Ture}")]),
    ("indonesian-true", "Palu ibu kota Sulteng.{benar}", "Palu ibu kota Sulteng.",
     [(1, "jawaban 'benar' mirip TRUE/FALSE, tetapi dibaca sebagai isian singkat: soal "
          "benar-salah ditulis {TRUE} atau {FALSE} ({T} atau {F}); bila memang isian "
          "singkat, tulis {=benar}")]),
    ("checkbox-meant-as-single", "Ibu kota?{\n~%100%Palu\n~Poso\n}", "Ibu kota?",
     [(1, "hanya satu jawaban bernilai 100% tetapi tanpa '=': soal ini menjadi pilihan ganda "
          "jawaban banyak (kotak centang); bila hanya satu jawaban benar, tulis '=' di "
          "depannya, mis. {=Palu ~Poso}")]),
]


@pytest.mark.parametrize(("source", "text", "expected"), [case[1:] for case in WARNINGS],
                         ids=[case[0] for case in WARNINGS])
def test_likely_mistakes_are_warned_about_and_the_question_is_kept(source, text, expected):
    result = parse_gift(source)
    assert result.problems == []
    assert [(w.line, w.message) for w in result.warnings] == expected
    assert result.questions[-1].text == text


@pytest.mark.parametrize("source", [
    "Ibu kota?{=Ture}",  # written as a short answer on purpose
    "Ibu kota?{Palu}", "Kata?{Frase}", "Pilih{~%50%a ~%50%b}", "Pilih{=a ~b}",
    "[moodle][note] Teks{}", "[Catatan] Teks{}", "Benar?{TRUE}",
])
def test_ordinary_questions_get_no_warning(source):
    result = parse_gift(source)
    assert result.problems == [] and result.warnings == []


def test_all_problems_are_reported_and_good_questions_still_read():
    source = ("// [id:q1]\n::Q1::Pi?{#3,14x}\n\n"
              "::Q2::Ibu kota?{=Jakarta ~Bandung}\n\n"
              "::Q3::Pilih{\n~%150%a\n~b\n}\n\n"
              "::Q4::Benar?{T}\n")
    result = parse_gift(source, "kuis.gift", first_line=4)
    assert [q.name for q in result.questions] == ["Q2", "Q4"]
    assert [(p.line, p.message) for p in result.problems] == [
        (5, "jawaban numerik '3,14x' bukan angka"),
        (10, "bobot '%150%' harus antara -100 dan 100")]


def test_first_line_offsets_problem_lines():
    result = parse_gift("Satu{}\n\nDua{=a", "modul.md", first_line=10)
    assert result.problems == [Problem("modul.md", 12, "kurung kurawal '{' tidak ditutup")]


def test_problem_prints_as_path_line_message():
    problem = parse_gift("Pi?{#x}", "kuis/bab1.gift").problems[0]
    assert str(problem) == "kuis/bab1.gift:1: jawaban numerik 'x' bukan angka"


# --- JSON -----------------------------------------------------------------------------------


def test_question_to_dict_multichoice():
    question = parse_one("// [id:k1]\n// [tag:a]\n::Q::Pilih{=ya#bagus ~%-50%tidak ####umum}")
    assert question_to_dict(question) == {
        "type": "multichoice", "name": "Q", "text": "Pilih", "format": "moodle", "single": True,
        "answers": [{"text": "ya", "format": "moodle", "fraction": 1.0, "feedback": "bagus",
                     "feedback_format": "moodle"},
                    {"text": "tidak", "format": "moodle", "fraction": -0.5, "feedback": "",
                     "feedback_format": "moodle"}],
        "general_feedback": "umum", "general_feedback_format": "moodle", "tags": ["a"],
        "id": "k1", "category": None}


def test_question_to_dict_numerical_has_tolerance():
    question = parse_one("::N::Pi?{#3.14:0.01 ~#salah}")
    assert question_to_dict(question) == {
        "type": "numerical", "name": "N", "text": "Pi?", "format": "moodle",
        "answers": [{"text": "3.14", "format": "moodle", "fraction": 1.0, "feedback": "",
                     "feedback_format": "moodle", "tolerance": 0.01},
                    {"text": "*", "format": "moodle", "fraction": 0.0, "feedback": "salah",
                     "feedback_format": "moodle", "tolerance": None}],
        "general_feedback": "", "general_feedback_format": "moodle", "tags": [], "id": None,
        "category": None}


def test_question_to_dict_matching_has_pairs():
    question = parse_one("::J::Jodohkan{=a -> 1 =b -> 2 = -> 3}")
    assert question_to_dict(question) == {
        "type": "matching", "name": "J", "text": "Jodohkan", "format": "moodle", "answers": [],
        "pairs": [{"left": "a", "right": "1", "format": "moodle"},
                  {"left": "b", "right": "2", "format": "moodle"},
                  {"left": "", "right": "3", "format": "moodle"}],
        "general_feedback": "", "general_feedback_format": "moodle", "tags": [], "id": None,
        "category": None}


def test_question_to_dict_truefalse_and_essay():
    assert question_to_dict(parse_one("::T::Benar?{F#salah#benar}")) == {
        "type": "truefalse", "name": "T", "text": "Benar?", "format": "moodle",
        "answers": [{"text": "true", "format": "moodle", "fraction": 0.0, "feedback": "salah",
                     "feedback_format": "moodle"},
                    {"text": "false", "format": "moodle", "fraction": 1.0, "feedback": "benar",
                     "feedback_format": "moodle"}],
        "general_feedback": "", "general_feedback_format": "moodle", "tags": [], "id": None,
        "category": None}
    assert question_to_dict(parse_one("::E::Jelaskan{}")) == {
        "type": "essay", "name": "E", "text": "Jelaskan", "format": "moodle", "answers": [],
        "general_feedback": "", "general_feedback_format": "moodle", "tags": [], "id": None,
        "category": None}


def test_each_part_keeps_its_own_format_or_takes_the_questions():
    """As in Moodle: `=[plain]<b>` is plain text, an unmarked part takes the question's."""
    data = question_to_dict(parse_one(
        "[html]<p>Pilih</p>{=[plain]<b>#[markdown]**Palu**\n~<i>x</i>#biasa\n"
        "####[plain]umum}"))
    assert data["format"] == "html" and data["general_feedback_format"] == "plain"
    assert [(a["text"], a["format"], a["feedback"], a["feedback_format"])
            for a in data["answers"]] == [("<b>", "plain", "**Palu**", "markdown"),
                                          ("<i>x</i>", "html", "biasa", "html")]
    pairs = question_to_dict(parse_one("[markdown]Jodohkan{=[html]<b>a</b> -> 1 =b -> 2}"))
    assert [(p["left"], p["format"]) for p in pairs["pairs"]] == [("<b>a</b>", "html"),
                                                                  ("b", "markdown")]
    truefalse = question_to_dict(parse_one("Benar?{T#[plain]<salah>#[html]<b>ya</b>}"))
    assert [(a["feedback"], a["feedback_format"]) for a in truefalse["answers"]] == [
        ("<b>ya</b>", "html"), ("<salah>", "plain")]


def test_the_category_in_force_is_on_each_question():
    first, second, third = (question_to_dict(q) for q in parse_gift(
        "A{}\n\n$CATEGORY: $course$/Kuis SPBE\n\nB{}\n\n$CATEGORY: Lain\n\nC{}").questions)
    assert (first["category"], second["category"], third["category"]) == (
        None, "$course$/Kuis SPBE", "Lain")


def test_line_is_not_part_of_equality():
    first, second = parse_gift("A{}\n\n\n\nA{}").questions
    assert (first.line, second.line) == (1, 5)
    assert first == second
