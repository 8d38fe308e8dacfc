"""Table tests for the pure grading rules in app/quizzes/grading.py.

Snapshots are built by hand in the shape app.quizzes.services.build_snapshot produces, so no
database or app context is needed. Option keys are short ("a", "b") instead of "o<id>".
"""

import pytest

from app.content.gift import parse_gift
from app.quizzes.grading import (
    attempt_percent,
    combine_attempts,
    correct_response,
    grade_choice,
    grade_matching,
    grade_numerical,
    grade_question,
    grade_shortanswer,
    parse_number,
    shortanswer_matches,
)

# --- snapshot builders (the shape of build_snapshot) ---------------------------------------


def option(key, fraction, text=None, tolerance=None):
    text = key if text is None else text
    return {"key": key, "text": text, "text_html": text, "fraction": fraction,
            "feedback_html": "", "tolerance": tolerance}


def snapshot(kind, options=(), single=None, **extra):
    data = {"question_id": 1, "type": kind, "name": f"Soal {kind}", "single": single,
            "text_html": "<p>Soal?</p>", "general_feedback_html": "", "options": list(options)}
    data.update(extra)
    return data


def multichoice(*weights, single=True):
    """Options a, b, c, ... with the given fractions."""
    keys = "abcdefgh"
    return snapshot("multichoice", [option(keys[i], w) for i, w in enumerate(weights)],
                    single=single)


def truefalse(right="true", single=True):
    """build_snapshot sets single=True for true/false; snapshots frozen before it did hold the
    Question's own single, None (the importer sets it for multichoice only)."""
    return snapshot("truefalse", [option("t", 1.0 if right == "true" else 0.0, "true"),
                                  option("f", 1.0 if right == "false" else 0.0, "false")],
                    single=single)


def shortanswer(*answers):
    return snapshot("shortanswer", [option(f"o{i}", fraction, text)
                                    for i, (text, fraction) in enumerate(answers)])


def numerical(*answers):
    """answers: (text, fraction, tolerance); text '*' is Moodle's catch-all."""
    return snapshot("numerical", [option(f"o{i}", fraction, text, tolerance)
                                  for i, (text, fraction, tolerance) in enumerate(answers)])


def matching(pairs, distractors=()):
    """pairs: [(left, right)]; right-hand texts are keyed r0, r1, ... as in build_snapshot."""
    rights = []
    for _left, right in pairs:
        if right not in rights:
            rights.append(right)
    rights += [d for d in distractors if d not in rights]
    keys = {text: f"r{i}" for i, text in enumerate(rights)}
    return snapshot(
        "matching",
        subquestions=[{"key": f"s{i}", "text_html": left, "answer": keys[right]}
                      for i, (left, right) in enumerate(pairs)],
        choices=[{"key": keys[text], "text": text} for text in rights])


# --- parse_number ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (3.14, 3.14),
    (0, 0.0),
    (0.0, 0.0),
    ("3.14", 3.14),
    ("3,14", 3.14),
    ("1.234,5", 1234.5),
    ("1,234.5", 1234.5),
    ("1.234.567,89", 1234567.89),
    ("1,234,567.89", 1234567.89),
    ("-2", -2.0),
    ("+2", 2.0),
    ("-0,5", -0.5),
    (".5", 0.5),
    ("0", 0.0),
    (" 7 ", 7.0),
    ("\t7\n", 7.0),
    ("1 234,5", 1234.5),
    ("1e3", 1000.0),
    ("2,5E-1", 0.25),
    ("", None),
    ("   ", None),
    (None, None),
    ("abc", None),
    ("12abc", None),
    ("1,2,3", None),
    ("1..2", None),
    ("inf", None),
    ("-inf", None),
    ("Infinity", None),
    ("nan", None),
    ("NaN", None),
    ("sNaN", None),
    ("1e400", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


# --- shortanswer_matches ---------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "answer", "expected"), [
    # case-insensitive
    ("Palu", "palu", True),
    ("palu", "PALU", True),
    ("Straße", "STRASSE", True),
    # surrounding and inner spaces
    ("Palu", "  Palu\t", True),
    ("  Palu ", "Palu", True),
    ("lembaga pengguna", "lembaga    pengguna", True),
    ("lembaga   pengguna", "lembaga pengguna", True),
    ("lembaga pengguna", "lembaga\npengguna", True),
    ("lembaga pengguna", "lembagapengguna", False),
    # the whole answer must match
    ("Palu", "Palu Barat", False),
    ("Palu", "Kota Palu", False),
    ("Palu", "", False),
    ("Palu", None, False),
    # '*' wildcard at the start, in the middle, at the end
    ("*kota", "Ibu kota", True),
    ("*kota", "kota", True),
    ("*kota", "kotamadya", False),
    ("ibu*", "Ibu Kota Provinsi", True),
    ("ibu*", "ibu", True),
    ("ibu*", "sang ibu", False),
    ("ibu*kota", "ibu besar kota", True),
    ("ibu*kota", "ibukota", True),
    ("ibu*kota", "ibu kota palu", False),
    ("*pengguna*", "lembaga pengguna data", True),
    ("*", "apa saja", True),
    # regex metacharacters in patterns are literal
    ("a.b", "a.b", True),
    ("a.b", "axb", False),
    ("(x)", "(x)", True),
    ("(x)", "x", False),
    ("a+b", "a+b", True),
    ("a+b", "aab", False),
    ("[abc]", "a", False),
    ("[abc]", "[ABC]", True),
    ("a?", "a", False),
    ("^$", "^$", True),
    ("c:\\data", "C:\\DATA", True),
    ("3|4", "3", False),
    ("SP4N-LAPOR!", "sp4n-lapor!", True),
])
def test_shortanswer_matches(pattern, answer, expected):
    assert shortanswer_matches(pattern, answer) is expected


# --- grade_choice ----------------------------------------------------------------------------

SINGLE = multichoice(1.0, 0.5, 0.0, -0.5)  # a right, b half, c wrong, d negative


@pytest.mark.parametrize(("response", "expected"), [
    ({"choice": "a"}, 1.0),
    ({"choice": "b"}, 0.5),
    ({"choice": "c"}, 0.0),
    ({"choice": "d"}, 0.0),  # a negative weight floors at 0 for the question
    ({"choice": "zz"}, 0.0),  # unknown key
    ({"choice": ""}, 0.0),
    ({"choice": None}, 0.0),
    ({}, 0.0),
    (None, 0.0),
    ({"choices": ["a"]}, 0.0),  # a multi-answer response to a one-answer question
])
def test_grade_choice_single(response, expected):
    assert grade_choice(SINGLE, response) == expected


MULTI = multichoice(0.5, 0.5, -0.5, -1.0, 0.0, single=False)  # a, b right; c, d wrong; e 0


@pytest.mark.parametrize(("choices", "expected"), [
    (["a", "b"], 1.0),
    (["a"], 0.5),
    (["b"], 0.5),
    (["a", "b", "e"], 1.0),
    (["a", "b", "c"], 0.5),  # partial credit: one wrong choice costs half
    (["a", "c"], 0.0),
    (["a", "d"], 0.0),  # 0.5 - 1.0 floors at 0, never negative
    (["c", "d"], 0.0),
    (["a", "b", "c", "d"], 0.0),
    (["a", "a"], 0.5),  # a key sent twice counts once
    (["a", "zz"], 0.5),  # unknown keys add nothing
    (["zz"], 0.0),
    ([], 0.0),
    (None, 0.0),
])
def test_grade_choice_multi(choices, expected):
    assert grade_choice(MULTI, {"choices": choices}) == expected


@pytest.mark.parametrize("response", [None, {}, {"choice": "a"}])
def test_grade_choice_multi_nothing_chosen(response):
    assert grade_choice(MULTI, response) == 0.0


@pytest.mark.parametrize(("choices", "expected"), [
    (["a", "b"], 1.0),  # 60% + 60% is capped at 100%
    (["a"], 0.6),
    (["a", "b", "c"], 1.0),  # 120% - 10% is still over 100%
    (["b", "c"], 0.5),
])
def test_grade_choice_multi_over_full_marks_is_capped(choices, expected):
    question = multichoice(0.6, 0.6, -0.1, single=False)
    assert grade_choice(question, {"choices": choices}) == pytest.approx(expected)


@pytest.mark.parametrize("single", [True, None])
@pytest.mark.parametrize(("right", "choice", "expected"), [
    ("true", "t", 1.0),
    ("true", "f", 0.0),
    ("false", "f", 1.0),
    ("false", "t", 0.0),
    ("false", None, 0.0),
])
def test_grade_choice_truefalse(right, choice, expected, single):
    question = truefalse(right, single)
    assert grade_choice(question, {"choice": choice}) == expected
    assert grade_question(question, {"choice": choice}) == expected


# --- grade_shortanswer -----------------------------------------------------------------------

SHORT = shortanswer(("*pengguna*", 0.25), ("lembaga*", 0.5), ("dinas*", 0.0),
                    ("salah*", -0.5), ("lembaga pengguna", 1.0))


@pytest.mark.parametrize(("text", "expected"), [
    ("lembaga pengguna", 1.0),  # matches 25%, 50% and 100%: the best weight wins
    ("  LEMBAGA   Pengguna ", 1.0),
    ("lembaga lain", 0.5),
    ("pengguna data", 0.25),
    ("lembaga pengguna data", 0.5),
    ("dinas sosial", 0.0),
    ("salah paham", 0.0),  # a negative weight floors at 0
    ("badan usaha", 0.0),  # nothing matches
    ("", 0.0),
    ("   ", 0.0),
    (None, 0.0),
])
def test_grade_shortanswer(text, expected):
    assert grade_shortanswer(SHORT, {"text": text}) == expected


@pytest.mark.parametrize("response", [None, {}])
def test_grade_shortanswer_without_response(response):
    assert grade_shortanswer(SHORT, response) == 0.0


def test_grade_shortanswer_star_pattern_needs_some_text():
    question = shortanswer(("*", 1.0))
    assert grade_shortanswer(question, {"text": "apa saja"}) == 1.0
    assert grade_shortanswer(question, {"text": "  "}) == 0.0


# --- grade_numerical -------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "tolerance", "text", "expected"), [
    ("60", 0.0, "60", 1.0),
    ("60", 0.0, "60,0", 1.0),
    ("60", 0.0, " 60 ", 1.0),
    ("60", 0.0, "60.001", 0.0),
    ("60", 0.0, "59", 0.0),
    ("60", None, "60", 1.0),  # no tolerance stored means exact
    ("60", 0.0, "enam puluh", 0.0),
    ("60", 0.0, "", 0.0),
    ("60", 0.0, None, 0.0),
    # tolerance edges are inclusive (even where binary floats land just outside)
    ("3.14", 0.01, "3.13", 1.0),
    ("3.14", 0.01, "3.15", 1.0),
    ("3.14", 0.01, "3,15", 1.0),  # comma decimal input
    ("3.14", 0.01, "3,1299", 0.0),
    ("3.14", 0.01, "3.1501", 0.0),
    ("5", 0.5, "4.5", 1.0),
    ("5", 0.5, "5,5", 1.0),
    ("5", 0.5, "4.49", 0.0),
    ("5", 0.5, "5.51", 0.0),
    ("-2", 0.1, "-2,1", 1.0),
    ("-2", 0.1, "2", 0.0),
    ("1000", 0.0, "1.000,0", 1.0),
    ("1000", 0.0, "1e3", 1.0),
    ("0.25", 0.0, ",25", 1.0),
])
def test_grade_numerical_tolerance(answer, tolerance, text, expected):
    question = numerical((answer, 1.0, tolerance))
    assert grade_numerical(question, {"text": text}) == expected


@pytest.fixture(scope="module")
def range_answer():
    """`{#1..5}` as the GIFT parser stores it: value 3 with tolerance 2."""
    (question,) = parse_gift("::Rentang::Sebutkan angka dari 1 sampai 5.{#1..5}").questions
    (answer,) = question.answers
    assert (answer.text, answer.tolerance, answer.fraction) == ("3", 2.0, 1.0)
    return numerical((answer.text, answer.fraction, answer.tolerance))


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1.0), ("5", 1.0), ("3", 1.0), ("4,75", 1.0),
    ("0.99", 0.0), ("5.01", 0.0), ("-3", 0.0),
])
def test_grade_numerical_range_becomes_value_and_tolerance(range_answer, text, expected):
    assert grade_numerical(range_answer, {"text": text}) == expected


# =%100%5:0  =%50%5:1  =%25%5:3  ~#catch-all (Moodle's '*' at 0%)
WEIGHTED = numerical(("*", 0.0, None), ("5", 0.25, 3.0), ("5", 0.5, 1.0), ("5", 1.0, 0.0))


@pytest.mark.parametrize(("text", "expected"), [
    ("5", 1.0),
    ("5,0", 1.0),
    ("5.5", 0.5),
    ("4", 0.5),
    ("6", 0.5),
    ("6,01", 0.25),
    ("2", 0.25),
    ("8", 0.25),
    ("8.1", 0.0),  # only the 0% catch-all matches
    ("-100", 0.0),
    ("lima", 0.0),  # not a number: not even the catch-all gives anything
])
def test_grade_numerical_several_weighted_answers_and_catch_all(text, expected):
    assert grade_numerical(WEIGHTED, {"text": text}) == expected


@pytest.mark.parametrize("response", [None, {}, {"text": "   "}])
def test_grade_numerical_without_response(response):
    assert grade_numerical(WEIGHTED, response) == 0.0


# --- grade_matching --------------------------------------------------------------------------

MATCHING = matching([("NIK", "nomor identitas"), ("KK", "kartu keluarga"),
                     ("KTP-el", "kartu penduduk"), ("IKD", "dokumen digital")],
                    distractors=["akta kelahiran", "paspor"])
RIGHT = {"s0": "r0", "s1": "r1", "s2": "r2", "s3": "r3"}


@pytest.mark.parametrize(("pairs", "expected"), [
    (RIGHT, 1.0),
    (dict(RIGHT, s2="r3", s3="r2"), 0.5),
    ({"s0": "r0", "s1": "r1"}, 0.5),  # half answered, both right
    ({"s0": "r1", "s1": "r0", "s2": "r4", "s3": "r5"}, 0.0),  # distractors are never right
    ({"s0": "r4"}, 0.0),
    ({"s0": "r0"}, 0.25),
    (dict(RIGHT, s9="r0"), 1.0),  # an unknown sub-question adds nothing
    ({}, 0.0),
    (None, 0.0),
])
def test_grade_matching(pairs, expected):
    assert grade_matching(MATCHING, {"pairs": pairs}) == expected


def test_grade_matching_has_distractors_in_choices_only():
    assert [c["key"] for c in MATCHING["choices"]] == ["r0", "r1", "r2", "r3", "r4", "r5"]
    assert len(MATCHING["subquestions"]) == 4


@pytest.mark.parametrize("response", [None, {}])
def test_grade_matching_without_response(response):
    assert grade_matching(MATCHING, response) == 0.0


def test_grade_matching_thirds_and_shared_right_answer():
    question = matching([("Kerahasiaan", "C"), ("Keutuhan", "I"), ("Integritas", "I")])
    assert question["subquestions"][1]["answer"] == question["subquestions"][2]["answer"] == "r1"
    assert grade_matching(question, {"pairs": {"s0": "r0", "s1": "r0", "s2": "r0"}}) == (
        pytest.approx(1 / 3))
    assert grade_matching(question, {"pairs": {"s0": "r0", "s1": "r1", "s2": "r1"}}) == 1.0


def test_grade_matching_without_subquestions_is_zero():
    assert grade_matching(matching([]), {"pairs": {}}) == 0.0


# --- grade_question --------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "response"), [
    (snapshot("essay"), {"text": "Jawaban panjang peserta."}),
    (snapshot("essay"), None),
    (snapshot("description"), None),
    (snapshot("description"), {"text": "apa pun"}),
])
def test_grade_question_essay_and_description_are_not_auto_graded(question, response):
    assert grade_question(question, response) is None


@pytest.mark.parametrize(("question", "response", "expected"), [
    (SINGLE, {"choice": "b"}, 0.5),
    (MULTI, {"choices": ["a", "d"]}, 0.0),
    (truefalse("false"), {"choice": "f"}, 1.0),
    (truefalse("false", single=None), {"choice": "f"}, 1.0),
    (SHORT, {"text": "lembaga lain"}, 0.5),
    (WEIGHTED, {"text": "5,5"}, 0.5),
    (MATCHING, {"pairs": {"s0": "r0", "s1": "r1"}}, 0.5),
])
def test_grade_question_dispatches_by_type(question, response, expected):
    assert grade_question(question, response) == expected


# --- attempt_percent -------------------------------------------------------------------------


@pytest.mark.parametrize(("slots", "expected"), [
    ([], (100.0, False)),
    ([("description", None)], (100.0, False)),
    ([("multichoice", 1.0), ("truefalse", 0.0)], (50.0, False)),
    # descriptions are not questions: they neither count nor dilute
    ([("description", None), ("multichoice", 1.0), ("description", None)], (100.0, False)),
    ([("multichoice", 1.0), ("truefalse", 0.0), ("description", None)], (50.0, False)),
    # all gradable types, partial scores, rounded to 2 decimals
    ([("multichoice", 1.0), ("truefalse", 1.0), ("shortanswer", 0.5), ("numerical", 0.25),
      ("matching", 1 / 3), ("essay", 0.75)], (63.89, False)),
    ([("matching", 1 / 3)], (33.33, False)),
    ([("multichoice", 2 / 3)], (66.67, False)),
    # a pending essay: counted as 0 for now, and the attempt is pending
    ([("multichoice", 1.0), ("essay", None)], (50.0, True)),
    ([("essay", None)], (0.0, True)),
    ([("essay", None), ("description", None), ("numerical", 1.0), ("essay", 1.0)],
     (66.67, True)),
    # once graded it counts like any other question
    ([("multichoice", 1.0), ("essay", 0.5)], (75.0, False)),
    ([("essay", 0.0), ("essay", 0.0)], (0.0, False)),
])
def test_attempt_percent(slots, expected):
    assert attempt_percent(slots) == expected


# --- combine_attempts ------------------------------------------------------------------------

SCORES = [60.0, 85.5, 70.0]


@pytest.mark.parametrize(("method", "scores", "expected"), [
    ("highest", SCORES, 85.5),
    ("first", SCORES, 60.0),
    ("last", SCORES, 70.0),
    ("average", SCORES, 71.83),  # 215.5 / 3 = 71.8333...
    ("average", [70.0, 70.0, 71.0], 70.33),
    ("average", [50.0, 100.0], 75.0),
    ("highest", [40.0], 40.0),
    ("first", [40.0], 40.0),
    ("last", [40.0], 40.0),
    ("average", [40.0], 40.0),
    ("highest", [0.0, 0.0], 0.0),
    ("last", [100.0, 0.0], 0.0),
    ("first", [0.0, 100.0], 0.0),
])
def test_combine_attempts(method, scores, expected):
    assert combine_attempts(method, scores) == expected


@pytest.mark.parametrize("method", ["highest", "first", "last", "average"])
def test_combine_attempts_without_graded_attempts_is_none(method):
    assert combine_attempts(method, []) is None


@pytest.mark.parametrize("method", ["median", "Highest", "", None])
def test_combine_attempts_unknown_method_raises(method):
    with pytest.raises(ValueError, match="unknown grading method"):
        combine_attempts(method, [60.0, 80.0])


# --- correct_response ------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "expected"), [
    (multichoice(0.0, 1.0, 0.5), {"choice": "b"}),
    (multichoice(0.5, -0.5, 0.5, 0.0, single=False), {"choices": ["a", "c"]}),
    (MULTI, {"choices": ["a", "b"]}),
    (truefalse("true"), {"choice": "t"}),
    (truefalse("false"), {"choice": "f"}),
    (truefalse("false", single=None), {"choice": "f"}),
    (shortanswer(("lembaga*", 0.5), ("lembaga pengguna", 1.0)), {"text": "lembaga pengguna"}),
    (numerical(("*", 0.0, None), ("60", 1.0, 0.0)), {"text": "60"}),
    (numerical(("5", 0.5, 1.0), ("5", 1.0, 0.0)), {"text": "5"}),
    (matching([("NIK", "nomor"), ("KK", "kartu")], distractors=["paspor"]),
     {"pairs": {"s0": "r0", "s1": "r1"}}),
    (snapshot("essay"), {}),
    (snapshot("description"), {}),
    (multichoice(), {}),
    (shortanswer(), {}),
])
def test_correct_response(question, expected):
    assert correct_response(question) == expected


@pytest.mark.parametrize("question", [
    SINGLE, MULTI, truefalse("true"), truefalse("false", single=None), SHORT, WEIGHTED,
    MATCHING,
    numerical(("3", 1.0, 2.0)), shortanswer(("ibu*kota", 1.0)),
], ids=lambda q: q["type"])
def test_correct_response_earns_full_marks(question):
    assert grade_question(question, correct_response(question)) == 1.0
