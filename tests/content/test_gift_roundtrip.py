"""write_gift() output reads back as the same questions, for every question type, with awkward text
(GIFT specials, escapes, newlines, Indonesian and other unicode), weights and tolerances."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content.gift import (
    FORMATS,
    WS,
    Answer,
    GiftResult,
    Pair,
    Question,
    parse_gift,
    question_to_dict,
    write_gift,
)

# Pieces that stress the writer: every GIFT special, escape look-alikes, format markers, weights,
# the missing-word marker, comment and category look-alikes, and non-ASCII text.
AWKWARD = ["~", "=", "#", "{", "}", ":", "::", "\\", "\\n", "\\\\", "\n", "%", "%50%", "%-5%",
           "[", "]", "[html]", "[moodle]", "[latex]", "->", "-", ">", "####", "//", "$CATEGORY:",
           "_____", " ", "\t", "T", "TRUE", "F", "*", "..", "1..5", "3.14:0.1", "Jakarta",
           "ibu kota", "Pemerintah Daerah", "é", "“kutip”", "中文", "😀", "\u00a0", "\u2028",
           "\x00", "\x0b", "<b>", "&amp;"]

fragment = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=4))


def _normal(text):
    """The reader trims every part and cannot carry a carriage return (Moodle drops them too)."""
    return text.replace("\r", "").strip(WS)


def _without_arrow(text):
    while "->" in text:
        text = text.replace("->", "-")
    return text


texts = st.lists(fragment, max_size=6).map("".join).map(_normal)
filled = texts.filter(bool)
arrowless = texts.map(_without_arrow).map(_normal)
filled_arrowless = arrowless.filter(bool)
# [id:…] and [tag:…] end at ']' (written '\]') and hold no control characters; '[' is left out
# so that no id can contain a '[tag:' of its own.
label_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[<>")
labels = st.lists(st.one_of(label_chars, st.sampled_from(["]", "\\", "\\]"])), min_size=1,
                  max_size=12).map("".join).map(_normal).filter(bool)
categories = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                     min_size=1, max_size=20).map(_normal).filter(bool)


def percent(low, high):
    """Fractions as an author writes them: a weight of up to 5 decimals, divided by 100."""
    return st.integers(low * 100000, high * 100000).map(
        lambda n: float(Decimal(n).scaleb(-5) / 100))


partial = percent(-100, 100).filter(lambda f: f != 1)


@st.composite
def common(draw):
    return {"name": draw(filled), "text": draw(filled),
            "text_format": draw(st.sampled_from(FORMATS)), "general_feedback": draw(texts),
            "tags": draw(st.lists(labels, max_size=3)),
            "id": draw(st.none() | labels)}


@st.composite
def multichoice_single(draw):
    fractions = draw(st.lists(partial, min_size=1, max_size=4))
    fractions.insert(draw(st.integers(0, len(fractions))), 1.0)
    fractions += draw(st.lists(st.just(1.0), max_size=1))  # two right answers are allowed
    return Question("multichoice", single=True, **draw(common()), answers=[
        Answer(draw(filled), fraction, draw(texts)) for fraction in fractions])


# Positive weights that Moodle accepts for a several-answers question (they add up to 100%).
FULL_SETS = [[1.0], [0.5, 0.5], [0.3333333] * 3, [0.25] * 4, [0.2] * 5, [0.6, 0.4],
             [0.7, 0.2, 0.1]]


@st.composite
def multichoice_multiple(draw):
    full = draw(st.sampled_from(FULL_SETS))
    fractions = full + draw(st.lists(percent(-100, 0), min_size=2 - min(len(full), 2),
                                     max_size=3))
    fractions = draw(st.permutations(fractions))
    return Question("multichoice", single=False, **draw(common()), answers=[
        Answer(draw(filled), fraction, draw(texts)) for fraction in fractions])


@st.composite
def truefalse(draw):
    correct = draw(st.booleans())
    return Question("truefalse", **draw(common()), answers=[
        Answer("true", float(correct), draw(texts)),
        Answer("false", float(not correct), draw(texts))])


@st.composite
def shortanswer(draw):
    fractions = [1.0] + draw(st.lists(partial, max_size=3))
    fractions = draw(st.permutations(fractions))
    return Question("shortanswer", **draw(common()), answers=[
        Answer(draw(filled_arrowless), fraction, draw(arrowless)) for fraction in fractions])


numbers = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False).map(repr),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from(["3.14", ".5", "5.", "+4", "-1.5e3", "1E-7", "0", "-0.0"]))
tolerances = st.one_of(st.floats(0, 1e9, allow_nan=False), st.sampled_from([0.0, 0.01, 1e-7]))


@st.composite
def numeric_answer(draw, fraction):
    if draw(st.integers(0, 5)) == 0:
        return Answer("*", fraction, draw(texts))
    return Answer(draw(numbers), fraction, draw(texts), draw(tolerances))


@st.composite
def numerical(draw):
    fractions = draw(st.permutations([1.0] + draw(st.lists(partial, max_size=3))))
    items = [draw(numeric_answer(fraction)) for fraction in fractions]
    if draw(st.booleans()):
        items.append(Answer("*", 0.0, draw(texts)))  # the `~#feedback` catch-all
    return Question("numerical", **draw(common()), answers=items)


@st.composite
def matching(draw):
    pairs = [Pair(draw(filled_arrowless), draw(filled)) for _ in range(draw(st.integers(2, 4)))]
    pairs += [Pair("", draw(filled)) for _ in range(draw(st.integers(0, 2)))]
    return Question("matching", **draw(common()), pairs=draw(st.permutations(pairs)))


@st.composite
def essay(draw):
    return Question("essay", **draw(common()))


@st.composite
def description(draw):
    return Question("description", **dict(draw(common()), general_feedback=""))


questions = st.one_of(multichoice_single(), multichoice_multiple(), truefalse(), shortanswer(),
                      numerical(), matching(), essay(), description())


@st.composite
def quizzes(draw):
    """Several questions; categories switch now and then (never back to none: GIFT has no way
    to say 'no category' once one is set)."""
    items = draw(st.lists(questions, min_size=1, max_size=6))
    category = None
    for item in items:
        if draw(st.integers(0, 3)) == 0:
            category = draw(categories)
        item.category = category
    return items


# No example database: it would be written into the work tree as .hypothesis/.
QUICK = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}


def assert_round_trip(items):
    text = write_gift(items)
    result = parse_gift(text)
    assert result.problems == [], text
    assert result.questions == items, text


@settings(max_examples=300, **QUICK)
@given(questions)
def test_every_question_type_round_trips(question):
    assert_round_trip([question])


@settings(max_examples=150, **QUICK)
@given(quizzes())
def test_whole_files_round_trip_with_categories(items):
    assert_round_trip(items)


@settings(max_examples=100, **QUICK)
@given(quizzes())
def test_question_lines_point_at_the_written_questions(items):
    text = write_gift(items)
    title_lines = [number for number, line in enumerate(text.split("\n"), start=7)
                   if line.startswith("::")]
    assert [q.line for q in parse_gift(text, first_line=7).questions] == title_lines


@settings(max_examples=100, **QUICK)
@given(st.lists(st.integers(-100 * 10**5, 100 * 10**5), min_size=1, max_size=1))
def test_any_written_weight_reads_back_exactly(values):
    fraction = float(Decimal(values[0]).scaleb(-5) / 100)
    question = Question("shortanswer", "W", "Bobot?", answers=[
        Answer("a", 1.0), Answer("b", fraction)])
    assert parse_gift(write_gift([question])).questions == [question]


# Any text made of GIFT pieces, valid or not: the reader never crashes, its problems point inside
# the file, and whatever it accepts the writer writes back to the same questions.
gift_like = st.lists(st.one_of(st.sampled_from(AWKWARD + [
    "\n\n", "%150%", "%-100%", "// [id:a]", "// [tag:b]", "=a -> b", "\r\n", "{#", "{T}"]),
    st.text(max_size=3)), max_size=30).map("".join)


@settings(max_examples=500, **QUICK)
@given(gift_like, st.integers(1, 50))
def test_reader_is_total_and_its_output_stable(text, first_line):
    result = parse_gift(text, first_line=first_line)
    line_count = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert all(first_line <= p.line < first_line + line_count for p in result.problems)
    try:
        written = write_gift(result.questions)
    except ValueError:  # e.g. a short answer "{a->b}": Moodle reads it, '=' forms cannot say it
        return
    assert parse_gift(written) == GiftResult(result.questions, [])


# --- examples -------------------------------------------------------------------------------


def test_written_form_of_each_type():
    items = [
        Question("multichoice", "Q1", "Grant is _____ in Grant's tomb.", single=True,
                 answers=[Answer("buried", 0.0), Answer("entombed", 1.0, "Ya!"),
                          Answer("living", -0.5)], id="g-1", tags=["sejarah"]),
        Question("multichoice", "Q2", "Dua jawaban", single=False,
                 answers=[Answer("a", 0.5), Answer("b", 0.5), Answer("c", 0.0)],
                 category="Kuis/Bab 1"),
        Question("truefalse", "Q3", "1+1=2", answers=[Answer("true", 1.0, "Benar"),
                                                      Answer("false", 0.0, "Salah")],
                 category="Kuis/Bab 1"),
        Question("numerical", "Q4", "Pi?", text_format="html",
                 answers=[Answer("3.14", 1.0, "", 0.01), Answer("*", 0.0, "Coba lagi")],
                 general_feedback="Pi kira-kira 3,14159", category="Kuis/Bab 1"),
        Question("matching", "Q5", "Jodohkan", pairs=[Pair("a", "1"), Pair("b", "2"),
                                                      Pair("", "3")], category="Kuis/Bab 1"),
    ]
    assert write_gift(items) == (
        "// [id:g-1]\n// [tag:sejarah]\n::Q1::Grant is {\n\t~buried\n\t=entombed#Ya!\n"
        "\t~%-50%living\n} in Grant's tomb.\n\n"
        "$CATEGORY: Kuis/Bab 1\n\n"
        "::Q2::Dua jawaban{\n\t~%50%a\n\t~%50%b\n\t~c\n}\n\n"
        "::Q3::1+1\\=2{TRUE#Salah#Benar}\n\n"
        "::Q4::[html]Pi?{#\n\t=3.14:0.01\n\t~#Coba lagi\n\t####Pi kira-kira 3,14159\n}\n\n"
        "::Q5::Jodohkan{\n\t=a -> 1\n\t=b -> 2\n\t= -> 3\n}\n")
    assert parse_gift(write_gift(items)).questions == items


def test_awkward_text_is_escaped():
    question = Question("shortanswer", "Nama: {x}", "Tanda ~ = # { } : \\ dan\nbaris",
                        answers=[Answer("%50% diskon", 1.0, "[html] bukan format"),
                                 Answer("[b]", 0.5)])
    text = write_gift([question])
    assert text == ("::Nama\\: \\{x\\}::Tanda \\~ \\= \\# \\{ \\} \\: \\\\ dan\\nbaris{\n"
                    "\t=%100%%50% diskon#[moodle][html] bukan format\n"
                    "\t=%50%[moodle][b]\n}\n")
    assert parse_gift(text).questions == [question]


def test_blank_at_the_end_stays_in_the_text():
    question = Question("essay", "E", "Lengkapi: Ibu kota Indonesia adalah _____")
    assert write_gift([question]) == "::E::Lengkapi\\: Ibu kota Indonesia adalah _____{}\n"
    assert parse_gift(write_gift([question])).questions == [question]


def test_parsed_file_round_trips_through_dict_shape():
    source = "::Q::Pilih{=a ~b}\n\n::N::Berapa?{#1..5}"
    first = parse_gift(source).questions
    again = parse_gift(write_gift(first)).questions
    assert [question_to_dict(q) for q in again] == [question_to_dict(q) for q in first]


def test_empty_list_writes_nothing():
    assert write_gift([]) == ""


UNWRITABLE = [
    ("arrow-in-matching-left", [Question("matching", "M", "J", pairs=[
        Pair("a -> b", "1"), Pair("c", "2")])]),
    ("arrow-in-short-answer", [Question("shortanswer", "S", "T", answers=[
        Answer("a->b", 1.0)])]),
    ("one-answer-without-100", [Question("multichoice", "C", "T", single=True, answers=[
        Answer("a", 0.5), Answer("b", 0.0)])]),
    ("category-back-to-none", [Question("essay", "A", "T", category="K"),
                               Question("essay", "B", "T")]),
    ("category-over-two-lines", [Question("essay", "A", "T", category="K\nL")]),
]


@pytest.mark.parametrize("items", [case[1] for case in UNWRITABLE],
                         ids=[case[0] for case in UNWRITABLE])
def test_writer_refuses_what_gift_cannot_say(items):
    with pytest.raises(ValueError):
        write_gift(items)


def test_all_right_one_answer_question_keeps_a_tilde():
    question = Question("multichoice", "C", "Dua benar", single=True,
                        answers=[Answer("a", 1.0), Answer("b", 1.0)])
    assert write_gift([question]) == "::C::Dua benar{\n\t=a\n\t~%100%b\n}\n"
    assert parse_gift(write_gift([question])).questions == [question]


def test_part_formats_survive_writing_and_reading():
    source = ("[html]<p>Pilih</p>{=[plain]<b>#[markdown]**Palu** ~[plain]<i> ~<u>x</u>#[plain]<s>"
              " ####[markdown]**umum**}\n\n[markdown]Jodohkan{=[html]<b>a</b> -> 1 =b -> 2}\n\n"
              "Benar?{T#[plain]<salah>#[html]<b>ya</b>}\n\n[html]Isian{=[plain]<b> =%50%biasa}")
    first = parse_gift(source).questions
    again = parse_gift(write_gift(first)).questions
    assert again == first
    assert [a.format for a in first[0].answers] == ["plain", "plain", None]
    assert first[0].general_feedback_format == "markdown"
    assert [p.left_format for p in first[1].pairs] == ["html", None]
