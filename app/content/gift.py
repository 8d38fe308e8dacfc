"""Moodle GIFT quiz files: parse_gift() reads them (problems carry path:line), write_gift() writes.

The parser follows Moodle's importer (qformat_gift::readquestion, question/format/gift/format.php)
step by step: blocks split on blank lines, full-line `//` comments dropped (their `[id:…]` and
`[tag:…]` kept), escapes hidden before any structure is looked for, the first '{' and '}' bound the
answers, and the question type is decided in Moodle's order. Where Moodle silently imports nonsense
(a non-numeric numerical answer, a weight over 100%, a second {…} block) a Problem is reported.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from app.content.frontmatter import Problem

WS = " \t\n\r\0\x0b"  # what PHP's trim() removes; Python's strip() would also eat unicode spaces
FORMATS = ("moodle", "html", "plain", "markdown")
BLANK = "_____"  # Moodle's marker for the missing word
DEFAULT_NAME = "Pertanyaan"  # Moodle falls back to its 'Question name' string
NAME_LENGTH = 80  # Moodle's create_default_question_name() uses shorten_text($text, 80)

ESCAPE = re.compile(r"\\([\\:#={}~n])")
FORMAT_MARKER = re.compile(r"\[([A-Za-z]+)\]")
ID_COMMENT = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
TAG_COMMENT = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])*)\]")
CATEGORY = re.compile(r"\$CATEGORY:")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")  # PHP's is_numeric()
WEIGHT = re.compile(r"%([^%]*)%")
WEIGHT_NUMBER = re.compile(r"-?\d+(?:\.\d*)?")
NUMBERISH = re.compile(r"[-+\d.,\s]*")
HTML_TAG = re.compile(r"<[^>]*>")


# A part (answer, feedback, matching item, general feedback) has the format of its own leading
# marker; None means the question's, as in Moodle. A marker naming the question's own format
# is the same as none. part_format() gives the format a part is rendered in.
@dataclass
class Answer:
    text: str  # numerical: the value as written ("3.14"), or "*" for a catch-all
    fraction: float  # -1.0 .. 1.0
    feedback: str = ""
    tolerance: float | None = None  # numerical only; None for a catch-all
    format: str | None = None
    feedback_format: str | None = None


@dataclass
class Pair:
    left: str  # "" for a distractor
    right: str
    left_format: str | None = None  # the right side has no format of its own (Moodle's too)


@dataclass
class Question:
    type: str  # multichoice|truefalse|shortanswer|numerical|matching|essay|description
    name: str
    text: str  # a missing-word question has BLANK where its answers were
    text_format: str = "moodle"
    single: bool | None = None  # multichoice only
    answers: list[Answer] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    general_feedback: str = ""
    general_feedback_format: str | None = None
    tags: list[str] = field(default_factory=list)
    id: str | None = None
    category: str | None = None
    line: int = field(default=0, compare=False)


def part_format(fmt, question):
    """The format a part is rendered in: its own, else its question's."""
    return fmt or question.text_format


@dataclass
class GiftResult:
    questions: list[Question]
    problems: list[Problem]
    # Likely mistakes that Moodle imports without a word (a question with only a warning is
    # read and kept): an unknown [marker], {Ture}, a checkbox question meant as single choice.
    warnings: list[Problem] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------


def parse_gift(text, path="<gift>", first_line=1, default_format="moodle"):
    """All questions of a GIFT text, and every problem found; a question with a problem is left
    out. first_line is the file line of the text's first line (front matter may precede it).
    default_format is the format of a question without a marker: Moodle's own "moodle", or
    what the quiz file's `format:` says."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    escapes = _Escapes(text)
    questions, problems, warnings = [], [], []
    category = None
    for lines, comments in _blocks(text.split("\n"), first_line):
        block = _Block(lines, comments, escapes, path, problems, warnings, default_format)
        if CATEGORY.match(lines[0][1]):
            category = block.category() or category
            continue
        question = block.question()
        if question is not None:
            question.category = category
            questions.append(question)
    return GiftResult(questions, problems, warnings)


def _blocks(lines, first_line):
    """(lines, comments) per question: lines are (file line, trimmed text) without the `//` lines,
    as Moodle reads them; blocks holding only comments are skipped like in Moodle."""
    block, comments = [], []
    for number, raw in enumerate(lines, start=first_line):
        line = raw.strip(WS)
        if line.startswith("//"):
            comments.append(line)
        elif line:
            block.append((number, line))
        else:
            if block:
                yield block, comments
            block, comments = [], []
    if block:
        yield block, comments


class _Escapes:
    """Escaped specials become private-use placeholders (Moodle uses '&&058;' and the like), so that
    structure is only ever found on unescaped characters. The placeholders are chosen among
    characters the text does not contain, so no input can be mistaken for one."""

    def __init__(self, text):
        used = set(text)
        free = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in used)
        self.hidden = {char: next(free) for char in ":#={}~n"}
        self.restore_table = str.maketrans(
            {mark: "\n" if char == "n" else char for char, mark in self.hidden.items()})

    def hide(self, line):
        return ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else self.hidden[m[1]], line)

    def restore(self, text):
        return text.translate(self.restore_table)


@dataclass(frozen=True)
class _Piece:
    """A slice of a block's text that remembers where it starts, for the problem's line."""

    at: int
    text: str

    def cut(self, start, end=None):
        return _Piece(self.at + start, self.text[start:end])

    def strip(self):
        """Trimmed; an empty piece stays where it was, so that its problem names that line."""
        text = self.text.strip(WS)
        return _Piece(self.at + len(self.text) - len(self.text.lstrip(WS)) if text else self.at,
                      text)


class _Stop(Exception):
    """The question cannot be read further; its problem is already recorded."""


class _Block:
    """One blank-line separated block of the file: a $CATEGORY line or a question."""

    def __init__(self, lines, comments, escapes, path, problems, warnings, file_format):
        self.lines, self.comments, self.escapes = lines, comments, escapes
        self.path, self.problems, self.warnings = path, problems, warnings
        self.text = "\n".join(escapes.hide(line) for _number, line in lines)
        self.open_at = self.before = 0
        self.file_format = file_format  # a question without a marker has it
        self.default_format = file_format  # the question's: a part without a marker takes it

    def line_at(self, offset):
        return self.lines[self.text.count("\n", 0, offset)][0]

    def report(self, offset, message):
        self.problems.append(Problem(self.path, self.line_at(offset), message))

    def warn(self, offset, message):
        self.warnings.append(Problem(self.path, self.line_at(offset), message))

    def fail(self, offset, message):
        self.report(offset, message)
        raise _Stop

    def category(self):
        """The path of a `$CATEGORY:` block. Kept raw, as Moodle does not unescape it either."""
        name = self.lines[0][1][len("$CATEGORY:"):].strip(WS)
        if len(self.lines) > 1:
            self.report(self.text.index("\n") + 1, _(
                "baris $CATEGORY harus dipisahkan dari pertanyaan dengan baris kosong"))
        elif not name:
            self.report(0, _("nama kategori kosong setelah '$CATEGORY:'"))
        return name if name and len(self.lines) == 1 else None

    # question ---------------------------------------------------------------------------------

    def question(self):
        self.before = len(self.problems)
        try:
            question = self._read()
        except _Stop:
            return None
        return question if self.clean() else None

    def clean(self):
        """No problem in this question yet: whole-question checks would only repeat one."""
        return len(self.problems) == self.before

    def _read(self):
        name, body = self._name(_Piece(0, self.text))
        braces = self._braces(body)
        fmt, text, answers, (feedback_format, feedback) = self._split_text(body, braces)
        self.default_format = fmt or self.file_format
        question = Question(type="description", name=name or default_name(text), text=text,
                            text_format=self.default_format, general_feedback=feedback,
                            general_feedback_format=self._own(feedback_format, feedback),
                            line=self.lines[0][0])
        question.id, question.tags = _id_and_tags("\n".join(self.comments))
        if answers is not None:
            self._read_answers(question, answers)
        return question

    def _name(self, body):
        """Moodle's `::name::` prefix; an empty name gets the default name later."""
        if not body.text.startswith("::"):
            return None, body
        end = body.text.find("::", 2)
        if end < 0:
            self.fail(body.at, _("judul pertanyaan diawali '::' tetapi tidak ditutup dengan '::'"))
        name = self.escapes.restore(body.text[2:end]).strip(WS)
        return name or None, body.cut(end + 2).strip()

    def _braces(self, body):
        """Offsets of the answers' '{' and '}' in body, or None for a description (no braces)."""
        braces = [i for i, char in enumerate(body.text) if char in "{}"]
        if not braces:
            return None
        first = braces[0]
        if body.text[first] == "}":
            self.fail(body.at + first, _("kurung kurawal '}' tanpa '{' pembuka"))
        if len(braces) == 1 or body.text[braces[1]] == "{":
            self.fail(body.at + first, _("kurung kurawal '{' tidak ditutup"))
        if len(braces) > 2:
            self.fail(body.at + braces[2], _(
                "bagian jawaban {…} kedua dalam satu pertanyaan: pisahkan pertanyaan dengan baris "
                "kosong, atau tulis \\{ dan \\} untuk kurung kurawal biasa"))
        return first, braces[1]

    def _split_text(self, body, braces):
        """(format, question text, answers piece or None, general feedback), as Moodle does: the
        answers are cut out, leaving BLANK when text follows them (a missing-word question)."""
        if braces is None:
            return (*self._question_text(body), None, (None, ""))
        start, end = braces
        self.open_at = body.at + start
        inside = body.cut(start + 1, end)
        rest = body.text[end + 1:]
        text = body.cut(0, start) if not rest else _Piece(body.at, body.text[:start] + BLANK + rest)
        fmt, text = self._question_text(text)
        separator = inside.text.rfind("####")
        if separator < 0:
            return fmt, text, inside.strip(), (None, "")
        return (fmt, text, inside.cut(0, separator).strip(),
                self._with_format(inside.text[separator + 4:]))

    def _question_text(self, piece):
        marker = FORMAT_MARKER.match(piece.text)
        if marker and marker[1] not in FORMATS and (
                marker[1].islower() or marker[1].lower() in FORMATS):
            self._warn_unknown_marker(piece.at, marker[1])
        fmt, text = self._with_format(piece.text)
        if not text:
            self.fail(piece.at, _("teks pertanyaan kosong"))
        return fmt, text

    def _warn_unknown_marker(self, at, name):
        """Moodle reads an unknown [marker] as the start of the text; say so, and how to
        write it when the bracket is meant (a format marker first, then the text)."""
        if name.lower() in FORMATS:
            self.warn(at, _(
                "penanda '[%(name)s]' dibaca sebagai teks karena huruf besar: penanda format "
                "ditulis dengan huruf kecil, [%(lower)s]", name=name, lower=name.lower()))
            return
        self.warn(at, _(
            "penanda '[%(name)s]' bukan format (pilihan: [html], [moodle], [plain], [markdown]) "
            "dan dibaca sebagai awal teks; bila memang teks, tulis [moodle] di depannya: "
            "[moodle][%(name)s] ...", name=name))

    def _with_format(self, text):
        """Moodle's parse_text_with_format(): a leading [html], [moodle], [plain] or [markdown]
        sets the format; anything else in brackets is ordinary text. Unescaped and trimmed."""
        marker = FORMAT_MARKER.match(text)
        fmt = marker[1] if marker and marker[1] in FORMATS else None
        if fmt:
            text = text[marker.end():]
        return fmt, self.escapes.restore(text).strip(WS)

    def _read_answers(self, question, answers):
        """Moodle's type decision, in Moodle's order, then that type's reader."""
        text = answers.text
        if not text:
            question.type = "essay"
        elif text[0] == "#":
            question.type = "numerical"
            question.answers = self._numerical(answers.cut(1))
        elif "~" in text:
            question.type, question.single = "multichoice", "=" in text
            question.answers = self._multichoice(answers, question.single)
        elif "=" in text and "->" in text:
            question.type, question.pairs = "matching", self._matching(answers)
        elif text.split("#", 1)[0].strip(WS) in ("T", "TRUE", "F", "FALSE"):
            question.type, question.answers = "truefalse", self._truefalse(text)
        else:
            question.type, question.answers = "shortanswer", self._shortanswer(answers)

    # answers ----------------------------------------------------------------------------------

    def _chunks(self, piece, markers):
        """[(marker, piece)] split at each marker character, as Moodle's explode(); the text
        before the first marker (marker '') counts only when it is not empty."""
        chunks, start, mark = [], 0, ""
        for i, char in enumerate(piece.text):
            if char in markers:
                chunks.append((mark, piece.cut(start, i).strip()))
                start, mark = i + 1, char
        chunks.append((mark, piece.cut(start).strip()))
        return chunks if chunks[0][1].text else chunks[1:]

    def _part(self, text):
        """(own format or None, text) of an answer, a feedback or a matching item."""
        fmt, text = self._with_format(text.strip(WS))
        return self._own(fmt, text), text

    def _own(self, fmt, text):
        """A part's own format: None when it has no marker, names the question's format, or
        has no text (an empty part shows nothing in any format)."""
        return fmt if fmt and fmt != self.default_format and text else None

    def _answer(self, piece, fraction):
        """Moodle's commentparser(): text and feedback split at the first '#'."""
        text, _hash, feedback = piece.text.partition("#")
        text_format, text = self._part(text)
        feedback_format, feedback = self._part(feedback)
        if not text:
            self.report(piece.at, _("jawaban kosong"))
        return Answer(text, fraction, feedback, format=text_format,
                      feedback_format=feedback_format)

    def _weighted(self, piece, default):
        fraction, rest = self._weight(piece, default)
        return self._answer(rest, fraction)

    def _weight(self, piece, default):
        """(fraction, rest) for a leading `%50%`; a number-like weight that is not a valid one is
        a problem (Moodle would quietly keep it as part of the answer text)."""
        match = WEIGHT.match(piece.text)
        if not match or not NUMBERISH.fullmatch(match[1]):
            return default, piece
        rest = piece.cut(match.end()).strip()
        if not WEIGHT_NUMBER.fullmatch(match[1]):
            self.report(piece.at, _("bobot '%(weight)s' bukan angka", weight=match[0])
                        + _comma_hint(match[1]))
            return default, rest
        value = Decimal(match[1])
        if not -100 <= value <= 100:
            self.report(piece.at, _("bobot '%(weight)s' harus antara -100 dan 100",
                                    weight=match[0]))
        return float(value / 100), rest  # decimal division: '%33.33333%' gives 0.3333333

    def _multichoice(self, piece, single):
        chunks = self._chunks(piece, "~=")
        if len(chunks) < 2:
            self.fail(self.open_at, _(
                "pertanyaan pilihan ganda membutuhkan minimal 2 pilihan jawaban"))
        answers = [self._answer(part, 1.0) if mark == "=" else self._weighted(part, 0.0)
                   for mark, part in chunks]
        if not single:
            self._check_total(answers)
            self._warn_single_in_disguise(answers)
        return answers

    def _warn_single_in_disguise(self, answers):
        """`{~%100%a ~b}`: one answer worth everything and no '=' makes Moodle build a
        checkbox question, where a learner may tick more than one."""
        # The best answer is worth everything and the next best nothing.
        if self.clean() and sorted(a.fraction for a in answers)[-2:] == [0.0, 1.0]:
            self.warn(self.open_at, _(
                "hanya satu jawaban bernilai %(full)s tetapi tanpa '=': soal ini menjadi "
                "pilihan ganda jawaban banyak (kotak centang); bila hanya satu jawaban benar, "
                "tulis '=' di depannya, mis. {=Palu ~Poso}", full="100%"))

    def _check_total(self, answers):
        """Moodle saves a several-answers question only when its positive weights add up to 100%
        (rounded to 2 decimals, so three times 33.33333% is fine)."""
        if not self.clean():
            return
        total = sum(answer.fraction for answer in answers if answer.fraction > 0)
        if not total:
            self.report(self.open_at, _("pertanyaan pilihan ganda tanpa jawaban benar"))
        elif Decimal(repr(total)).quantize(Decimal("0.01"), ROUND_HALF_UP) != 1:
            self.report(self.open_at, _(
                "jumlah bobot positif pilihan ganda jawaban banyak harus 100%% (sekarang "
                "%(total)s%%)", total=percent_text(round(total, 4))))

    def _shortanswer(self, piece):
        answers = [self._weighted(part, 1.0) for _mark, part in self._chunks(piece, "=")]
        self._check_full_marks(answers)
        if len(answers) == 1 and not piece.text.startswith("=") \
                and _looks_like_true_false(answers[0].text):
            self.warn(self.open_at, _(
                "jawaban '%(answer)s' mirip TRUE/FALSE, tetapi dibaca sebagai isian singkat: "
                "soal benar-salah ditulis {TRUE} atau {FALSE} ({T} atau {F}); bila memang "
                "isian singkat, tulis {=%(answer)s}", answer=answers[0].text))
        return answers

    def _check_full_marks(self, answers):
        """Moodle saves short-answer and numerical questions only with a 100% answer."""
        if self.clean() and max(answer.fraction for answer in answers) != 1:
            self.report(self.open_at, _("tidak ada jawaban dengan bobot 100%"))

    def _truefalse(self, text):
        """`{T#wrong#right}`: the first feedback is for a wrong choice, the second for the right."""
        (_fmt, word), *feedback = (self._part(bit) for bit in text.split("#", 2))
        wrong, right = (feedback + [(None, ""), (None, "")])[:2]
        correct = word in ("T", "TRUE")
        true, false = (right, wrong) if correct else (wrong, right)
        return [Answer("true", float(correct), true[1], feedback_format=true[0]),
                Answer("false", float(not correct), false[1], feedback_format=false[0])]

    def _matching(self, piece):
        pairs = [self._pair(part) for _mark, part in self._chunks(piece, "=")]
        if None in pairs:  # already reported; counting the rest would only add noise
            return []
        if sum(1 for pair in pairs if pair.left) < 2:
            self.fail(self.open_at, _(
                "pertanyaan menjodohkan membutuhkan minimal 2 pasangan 'a -> b'"))
        return pairs

    def _pair(self, piece):
        left, arrow, right = piece.text.partition("->")
        if not arrow:
            self.report(piece.at, _("pasangan menjodohkan harus berbentuk 'a -> b'"))
            return None
        left_format, left = self._part(left)
        right = self.escapes.restore(right).strip(WS)  # Moodle reads no format marker here
        if not right:
            self.report(piece.at, _("pasangan menjodohkan '%(left)s' tidak punya jawaban "
                                    "setelah '->'", left=left) if left else
                        _("pasangan menjodohkan kosong"))
        return Pair(left, right, left_format)

    def _numerical(self, piece):
        """`{#value:tolerance}`, `{#min..max}`, several `=%w%value:tolerance#feedback`, and a
        trailing `~#feedback` that Moodle stores as a 0% catch-all answer '*'."""
        body, tilde, _rest = piece.text.partition("~")
        chunks = self._chunks(piece.cut(0, len(body)), "=")
        if not chunks:
            self.fail(self.open_at, _("pertanyaan numerik tanpa jawaban"))
        answers = [self._numeric_answer(part) for _mark, part in chunks]
        self._check_full_marks(answers)
        if tilde:
            answers.append(self._catch_all(piece.cut(len(body) + 1)))
        return answers

    def _catch_all(self, piece):
        """Moodle keeps only the feedback after '~' (it drops anything between '~' and '#')."""
        ignored, _hash, feedback = piece.text.partition("#")
        if ignored.strip(WS):
            self.report(piece.at, _(
                "setelah '~' pada pertanyaan numerik hanya boleh ada '#umpan balik'"))
        feedback_format, feedback = self._part(feedback)
        return Answer("*", 0.0, feedback, feedback_format=feedback_format)

    def _numeric_answer(self, part):
        answer = self._weighted(part, 1.0)
        answer.format = None  # a number has no format (the writer writes none)
        if answer.text:
            answer.text, answer.tolerance = self._number(answer.text, part.at)
        return answer

    def _number(self, text, at):
        """(value, tolerance) from `value`, `value:tolerance` or `min..max`, the last converted
        as Moodle does: value=(min+max)/2, tolerance=(max-min)/2. '*' matches any answer."""
        low, dots, high = text.partition("..")
        if dots and low:
            return self._range(text, low.strip(WS), high.strip(WS), at)
        value, colon, tolerance = text.partition(":")
        if not (colon and value):  # Moodle: no tolerance means an exact answer
            value, tolerance = text, "0"
        value, tolerance = value.strip(WS), tolerance.strip(WS)
        if not _is_number(value) and value != "*":
            self.report(at, _("jawaban numerik '%(value)s' bukan angka", value=value)
                        + _comma_hint(value))
        elif not _is_number(tolerance):
            self.report(at, _("toleransi '%(value)s' bukan angka", value=tolerance)
                        + _comma_hint(tolerance))
        elif float(tolerance) < 0:
            self.report(at, _("toleransi '%(value)s' tidak boleh negatif", value=tolerance))
        else:
            return value, None if value == "*" else float(tolerance)
        return value, None

    def _range(self, text, low, high, at):
        if not (_is_number(low) and _is_number(high)):
            self.report(at, _("rentang numerik '%(value)s' harus berbentuk 'min..maks' dengan "
                              "angka", value=text) + (_comma_hint(low) or _comma_hint(high)))
            return text, None
        low, high = float(low), float(high)
        if low > high:
            self.report(at, _("rentang numerik '%(value)s': batas bawah lebih besar dari batas "
                              "atas", value=text))
            return text, None
        middle = (low + high) / 2
        return number_text(middle), high - middle


def _looks_like_true_false(text):
    """'Ture', 'flase', 'Fals', 'True.', 'benar': TRUE or FALSE with one slip of the keyboard
    (a letter wrong, missing, extra, or two swapped), or the Indonesian words; not an
    ordinary one-word answer such as 'Palu' or 'Frase'."""
    word = text.strip(WS + ".!").upper()
    if word in ("BENAR", "SALAH"):
        return True
    return len(word) >= 3 and word.isalpha() and any(
        _one_slip_apart(word, target) for target in ("TRUE", "FALSE"))


def _one_slip_apart(word, target):
    """At most one substitution, insertion, deletion or swap of neighbours apart."""
    if word == target:
        return True
    if len(word) == len(target):
        different = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(different) == 1 or (
            len(different) == 2 and different[1] == different[0] + 1
            and word[different[0]] == target[different[1]]
            and word[different[1]] == target[different[0]])
    shorter, longer = sorted((word, target), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _is_number(text):
    """PHP's is_numeric(), less the overflows to INF that Moodle would store."""
    return bool(NUMBER.fullmatch(text)) and math.isfinite(float(text))


def _comma_hint(text):
    """Indonesian writes 3,14: say so when a comma is all that is wrong."""
    if "," in text and _is_number(text.replace(",", ".")):
        return _(" (gunakan titik sebagai pemisah desimal)")
    return ""


def number_text(value):
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _id_and_tags(comments):
    """Moodle 3.6+: the first `[id:…]` and every `[tag:…]` in the question's comments; a ']' inside
    is written '\\]'."""
    match = ID_COMMENT.search(comments)
    idnumber = match[1].strip(WS).replace("\\]", "]") if match else ""
    tags = [raw.strip(WS).replace("\\]", "]") for raw in TAG_COMMENT.findall(comments)]
    return idnumber or None, [tag for tag in tags if tag]


def default_name(text):
    """Moodle's create_default_question_name(): the text without HTML tags, shortened to 80
    characters by shorten_text()."""
    name = _shorten(HTML_TAG.sub("", text).strip(WS), NAME_LENGTH).strip(WS)
    return name or DEFAULT_NAME


def _shorten(text, ideal):
    """Moodle's shorten_text() on plain text: cut after the last space or full stop that leaves
    room for '...' (CJK-like characters may be cut anywhere)."""
    if len(text) <= ideal:
        return text
    room = ideal - len("...")
    for position in range(room, 0, -1):
        char = text[position]
        if char in ". " or ord(char) >= 0x800:
            return text[:min(position + 1, room)] + "..."
    return text[:room] + "..."


# --- writing ------------------------------------------------------------------------------------


def write_gift(questions, default_format="moodle"):
    """GIFT text for the questions, such that parse_gift(text, default_format=…) gives them
    back: a question whose format is the default gets no marker."""
    blocks, category = [], None
    for question in questions:
        if question.category != category:
            if question.category is None or "\n" in question.category:
                raise ValueError(f"category {question.category!r} cannot be written in GIFT")
            blocks.append(f"$CATEGORY: {question.category}")
            category = question.category
        blocks.append(_write_question(question, default_format))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _write_question(question, default_format):
    lines = [f"// [id:{_bracketed(question.id)}]"] if question.id else []
    lines += [f"// [tag:{_bracketed(tag)}]" for tag in question.tags]
    head = f"::{_escape(question.name)}::"
    if question.text_format != default_format or question.text.startswith("["):
        head += f"[{question.text_format}]"
    if question.type == "description":
        return "\n".join([*lines, head + _escape(question.text)])
    before, blank, after = question.text.partition(BLANK)
    if not (blank and after.strip(WS)):  # answers at the end keep any BLANK as plain text
        before, after = question.text, ""
    answers = WRITERS[question.type](question)
    return "\n".join([*lines, head + _escape(before) + answers + _escape(after)])


def _bracketed(value):
    return value.replace("]", "\\]")


def _escape(text):
    """Moodle's repchar(): the GIFT specials and newlines become escapes."""
    text = text.replace("\\", "\\\\")
    for char in ":#={}~":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n").replace("\r", "")


def _part(text, fmt, question):
    """An answer, feedback or matching item with its own format's marker when it has one; a
    leading '[' is protected by a marker too, since the reader takes a leading [html] etc. as
    the part's format."""
    own = part_format(fmt, question)
    marker = f"[{own}]" if own != question.text_format or text.startswith("[") else ""
    return marker + _escape(text)


def _feedback(text, fmt, question):
    return f"#{_part(text, fmt, question)}" if text else ""


def _general_feedback(question):
    """`####text`, last before the closing '}' (the reader looks for the last '####')."""
    if not question.general_feedback:
        return ""
    return "####" + _part(question.general_feedback, question.general_feedback_format,
                          question)


def _answer_lines(question, items, opener="{"):
    """One answer a line; the general feedback on its own line before the '}'."""
    feedback = _general_feedback(question)
    return (opener + "\n" + "".join(f"\t{item}\n" for item in items)
            + (f"\t{feedback}\n" if feedback else "") + "}")


def _write_essay(question):
    return "{" + _general_feedback(question) + "}"


def _write_truefalse(question):
    true = next(answer for answer in question.answers if answer.text == "true")
    false = next(answer for answer in question.answers if answer.text == "false")
    right, wrong = (true, false) if true.fraction == 1 else (false, true)
    text = "TRUE" if true.fraction == 1 else "FALSE"
    if wrong.feedback or right.feedback:
        text += "#" + _part(wrong.feedback, wrong.feedback_format, question)
    if right.feedback:
        text += "#" + _part(right.feedback, right.feedback_format, question)
    return "{" + text + _general_feedback(question) + "}"


def _write_multichoice(question):
    """`=` marks the right answer of a one-answer question, `~%w%` every other weight. A question
    needs one `=` to read back as one-answer and one `~` to read back as multiple choice at all."""
    equals = set()
    if question.single:
        equals = {i for i, answer in enumerate(question.answers) if answer.fraction == 1}
        if not equals:
            raise ValueError(f"one-answer question {question.name!r} has no 100% answer")
        if len(equals) == len(question.answers):
            equals.remove(max(equals))  # written `~%100%`, to keep one '~'
    return _answer_lines(question, [
        ("=" if i in equals else "~" + _weight_prefix(answer, 0.0))
        + _part(answer.text, answer.format, question)
        + _feedback(answer.feedback, answer.feedback_format, question)
        for i, answer in enumerate(question.answers)])


def _weight_prefix(answer, default):
    """`%w%` unless the default weight applies; always written when the text itself starts with
    '%', so that it is not read as a weight."""
    if answer.fraction == default and not answer.text.startswith("%"):
        return ""
    return f"%{percent_text(answer.fraction)}%"


def _write_shortanswer(question):
    for answer in question.answers:
        # Checked apart: written out, '#' stands between them, so 'a-' + '>b' is no arrow.
        if "->" in answer.text or "->" in answer.feedback:
            raise ValueError("'->' in a short answer makes Moodle read a matching question")
    return _answer_lines(question, [
        "=" + _weight_prefix(answer, 1.0) + _part(answer.text, answer.format, question)
        + _feedback(answer.feedback, answer.feedback_format, question)
        for answer in question.answers])


def _write_numerical(question):
    items = []
    for i, answer in enumerate(question.answers):
        last = i == len(question.answers) - 1
        if last and answer.text == "*" and answer.fraction == 0:  # Moodle's own `~#feedback`
            items.append("~" + _feedback(answer.feedback, answer.feedback_format, question))
            continue
        value = answer.text
        if answer.tolerance is not None and answer.text != "*":
            value += f":{number_text(answer.tolerance)}"
        items.append("=" + _weight_prefix(answer, 1.0) + value
                     + _feedback(answer.feedback, answer.feedback_format, question))
    return _answer_lines(question, items, opener="{#")


def _write_matching(question):
    for pair in question.pairs:
        if "->" in pair.left:
            raise ValueError(f"matching left side {pair.left!r} cannot contain '->'")
    return _answer_lines(question, [
        f"={_part(pair.left, pair.left_format, question)} -> {_escape(pair.right)}"
        for pair in question.pairs])


WRITERS = {
    "essay": _write_essay,
    "truefalse": _write_truefalse,
    "multichoice": _write_multichoice,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
}


def percent_text(fraction):
    """The weight text for a fraction: the reader divides it by 100 exactly in decimal, so the
    shortest decimal of the fraction, times 100, always reads back as the same float."""
    text = format(Decimal(repr(fraction)).scaleb(2), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --- JSON -----------------------------------------------------------------------------------


def question_to_dict(question):
    """The question as JSON data (`flask content check --json`; docs/authoring.md has the
    schema). Formats are each part's own marker or, failing one, the question's."""
    data = {"type": question.type, "name": question.name, "text": question.text,
            "format": question.text_format}
    if question.type == "multichoice":
        data["single"] = question.single
    data["answers"] = [_answer_dict(answer, question) for answer in question.answers]
    if question.type == "matching":
        data["pairs"] = [{"left": pair.left, "right": pair.right,
                          "format": part_format(pair.left_format, question)}
                         for pair in question.pairs]
    data.update(general_feedback=question.general_feedback,
                general_feedback_format=part_format(question.general_feedback_format,
                                                    question),
                tags=list(question.tags), id=question.id, category=question.category)
    return data


def _answer_dict(answer, question):
    data = {"text": answer.text, "format": part_format(answer.format, question),
            "fraction": answer.fraction, "feedback": answer.feedback,
            "feedback_format": part_format(answer.feedback_format, question)}
    if question.type == "numerical":
        data["tolerance"] = answer.tolerance
    return data
