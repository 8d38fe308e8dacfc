"""Questions edited through a form, one at a time: the form writes GIFT into the quiz's text,
so the form and the GIFT box stay two views of the same quiz.

A question goes form -> gift.Question -> GIFT block (gift.write_gift) -> read back
(gift.parse_gift, the one parser) and is then spliced into the quiz's GIFT text in place of
the block it edits (or after the last one), leaving the author's comments and layout elsewhere
untouched. The quiz is then saved by services.save_quiz like the text box saves it.

Form kinds, by the words trainers use (GIFT type in brackets): pilihan (one right answer),
pilihan-banyak (several, with weights), benar-salah, isian (short answer), angka (numerical:
a value with a tolerance, or a range min..maks), jodohkan (matching), esai, deskripsi, and
kata-hilang (one right answer in the middle of the sentence, Moodle's missing word).
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.content import gift
from app.forms import whole_number_arg

KINDS = {
    "pilihan": _l("Pilihan ganda, satu jawaban benar"),
    "pilihan-banyak": _l("Pilihan ganda, beberapa jawaban benar"),
    "benar-salah": _l("Benar atau salah"),
    "isian": _l("Isian singkat"),
    "angka": _l("Angka (dengan toleransi atau rentang)"),
    "jodohkan": _l("Menjodohkan"),
    "esai": _l("Esai (dinilai pengajar)"),
    "deskripsi": _l("Deskripsi (teks tanpa jawaban)"),
    "kata-hilang": _l("Kata hilang (pilihan di tengah kalimat)"),
}
GIFT_TYPES = {"pilihan": "multichoice", "pilihan-banyak": "multichoice",
              "benar-salah": "truefalse", "isian": "shortanswer", "angka": "numerical",
              "jodohkan": "matching", "esai": "essay", "deskripsi": "description",
              "kata-hilang": "multichoice"}
WITHOUT_ROWS = ("benar-salah", "esai", "deskripsi")
ROW_FIELDS = ("teks", "benar", "bobot", "umpan", "pasangan", "toleransi")
START_ROWS = 4
MAX_ROWS = 50


@dataclass
class QuestionForm:
    """What the form shows and sends: plain strings, so a bad value is shown back as typed."""

    kind: str
    name: str = ""
    text: str = ""
    text_after: str = ""  # kata-hilang: the sentence after the blank
    general_feedback: str = ""
    true_answer: str = "benar"  # benar-salah: which is right
    feedback_right: str = ""  # benar-salah: shown to whoever answered right
    feedback_wrong: str = ""
    rows: list = field(default_factory=list)  # dicts of ROW_FIELDS
    gift_id: str | None = None  # kept from the question edited: its identity
    tags: list = field(default_factory=list)

    def add_rows(self, count=2):
        self.rows += [empty_row() for _ in range(count)]
        del self.rows[MAX_ROWS:]


def empty_row():
    return {name: "" for name in ROW_FIELDS}


def blank_form(kind):
    form = QuestionForm(kind)
    form.add_rows(0 if kind in WITHOUT_ROWS else START_ROWS)
    return form


# --- the form from the request, and back -------------------------------------------------------

def read_form(kind, data):
    """A QuestionForm from the posted fields (a MultiDict)."""
    form = QuestionForm(kind, **{attribute: data.get(name, "").strip() for attribute, name in (
        ("name", "nama"), ("text", "teks"), ("text_after", "teks_sesudah"),
        ("general_feedback", "umpan_umum"), ("feedback_right", "umpan_benar"),
        ("feedback_wrong", "umpan_salah"))})
    form.true_answer = "salah" if data.get("jawaban") == "salah" else "benar"
    count = min(whole_number_arg(data, "jumlah_baris", default=0), MAX_ROWS)
    for index in range(count):
        row = {name: data.get(f"baris-{index}-{name}", "").strip() for name in ROW_FIELDS}
        row["benar"] = "1" if data.get(f"baris-{index}-benar") else ""
        form.rows.append(row)
    return form


def _filled(form):
    """The rows that say something, with their number as the trainer sees it (1-based)."""
    return [(number, row) for number, row in enumerate(form.rows, start=1)
            if any(row[name] for name in ROW_FIELDS if name != "benar")]


def _percent(text, number, problems, default):
    if not text:
        return default
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        problems.append(_("Baris %(n)d: bobot '%(value)s' bukan angka.", n=number, value=text))
        return default
    if not -100 <= value <= 100:
        problems.append(_("Baris %(n)d: bobot harus antara -100 dan 100.", n=number))
        return default
    return float(value / 100)


def _choices(form, problems):
    """pilihan and kata-hilang: one row marked right."""
    rows = _filled(form)
    right = [number for number, row in rows if row["benar"]]
    if len(rows) < 2:
        problems.append(_("Isi minimal 2 pilihan jawaban."))
    if len(right) != 1:
        problems.append(_("Tandai tepat satu jawaban yang benar (sekarang %(n)d).", n=len(right)))
    return [gift.Answer(row["teks"], 1.0 if row["benar"] else 0.0, row["umpan"])
            for _number, row in rows]


def _weighted(form, problems, default):
    answers = []
    for number, row in _filled(form):
        if not row["teks"]:
            problems.append(_("Baris %(n)d: isi teks jawabannya.", n=number))
        answers.append(gift.Answer(row["teks"], _percent(row["bobot"], number, problems, default),
                                   row["umpan"]))
    if not answers:
        problems.append(_("Isi minimal satu jawaban."))
    return answers


def _numbers(form, problems):
    answers = []
    for number, row in _filled(form):
        value, tolerance = row["teks"].replace(",", "."), row["toleransi"].replace(",", ".")
        answer = gift.Answer(value, _percent(row["bobot"], number, problems, 1.0), row["umpan"])
        if ".." not in value:  # a range is written as it is; the parser takes it apart
            answer.tolerance = _number(tolerance or "0", number, problems)
        answers.append(answer)
    if not answers:
        problems.append(_("Isi minimal satu nilai jawaban."))
    return answers


def _number(text, number, problems):
    try:
        return float(Decimal(text))
    except InvalidOperation:
        problems.append(_("Baris %(n)d: toleransi '%(value)s' bukan angka.", n=number,
                          value=text))
        return 0.0


def _pairs(form, problems):
    pairs = [gift.Pair(row["teks"], row["pasangan"]) for _number, row in _filled(form)]
    for number, row in _filled(form):
        if not row["pasangan"]:
            problems.append(_("Baris %(n)d: isi pasangannya (kolom kanan).", n=number))
    if sum(1 for pair in pairs if pair.left) < 2:
        problems.append(_("Isi minimal 2 pasangan."))
    return pairs


def to_question(form, text_format):
    """(gift.Question, problems in Indonesian). Nothing is written while there are problems."""
    problems = []
    if not form.text:
        problems.append(_("Isi teks soal."))
    question = gift.Question(type=GIFT_TYPES[form.kind], name=form.name or "", text=form.text,
                             text_format=text_format, general_feedback=form.general_feedback,
                             id=form.gift_id, tags=list(form.tags))
    if form.kind in ("pilihan", "kata-hilang"):
        question.single, question.answers = True, _choices(form, problems)
        if form.kind == "kata-hilang":
            question.text = f"{form.text} {gift.BLANK} {form.text_after}".strip()
            if not form.text_after:
                problems.append(_("Isi lanjutan kalimat setelah bagian yang hilang."))
    elif form.kind == "pilihan-banyak":
        question.single, question.answers = False, _weighted(form, problems, 0.0)
    elif form.kind == "isian":
        question.answers = _weighted(form, problems, 1.0)
    elif form.kind == "angka":
        question.answers = _numbers(form, problems)
    elif form.kind == "jodohkan":
        question.pairs = _pairs(form, problems)
    elif form.kind == "benar-salah":
        right = form.true_answer == "benar"
        on_true, on_false = ((form.feedback_right, form.feedback_wrong) if right
                             else (form.feedback_wrong, form.feedback_right))
        question.answers = [gift.Answer("true", float(right), on_true),
                            gift.Answer("false", float(not right), on_false)]
    if not question.name:
        question.name = gift.default_name(question.text) if question.text else ""
    return question, problems


def has_part_formats(question):
    """A part with a format marker of its own (the form has no place for it)."""
    return bool(question.general_feedback_format
                or any(a.format or a.feedback_format for a in question.answers)
                or any(p.left_format for p in question.pairs))


def kind_of(question):
    if question.type == "multichoice":
        if not question.single:
            return "pilihan-banyak"
        _before, blank, after = question.text.partition(gift.BLANK)
        return "kata-hilang" if blank and after.strip() else "pilihan"
    return {value: key for key, value in GIFT_TYPES.items()
            if key not in ("pilihan", "pilihan-banyak", "kata-hilang")}[question.type]


def from_question(question):
    """The form showing a stored question (parsed from the quiz's GIFT)."""
    kind = kind_of(question)
    form = QuestionForm(kind, name=question.name, text=question.text,
                        general_feedback=question.general_feedback, gift_id=question.id,
                        tags=list(question.tags))
    if kind == "kata-hilang":
        before, _blank, after = question.text.partition(gift.BLANK)
        form.text, form.text_after = before.strip(), after.strip()
    if kind == "benar-salah":
        true = next(a for a in question.answers if a.text == "true")
        false = next(a for a in question.answers if a.text == "false")
        right, wrong = (true, false) if true.fraction == 1 else (false, true)
        form.true_answer = "benar" if true.fraction == 1 else "salah"
        form.feedback_right, form.feedback_wrong = right.feedback, wrong.feedback
    for answer in question.answers if kind != "benar-salah" else []:
        row = empty_row()
        row.update(teks=answer.text, umpan=answer.feedback)
        if kind in ("pilihan", "kata-hilang"):
            row["benar"] = "1" if answer.fraction == 1 else ""
        else:
            row["bobot"] = gift.percent_text(answer.fraction)
        if kind == "angka" and answer.tolerance is not None:
            row["toleransi"] = gift.number_text(answer.tolerance)
        form.rows.append(row)
    for pair in question.pairs:
        row = empty_row()
        row.update(teks=pair.left, pasangan=pair.right)
        form.rows.append(row)
    if kind not in WITHOUT_ROWS:
        form.add_rows(2)
    return form


# --- the quiz's GIFT text ----------------------------------------------------------------------

def quiz_questions(quiz):
    """The quiz's questions as its GIFT text has them, each knowing its first line."""
    return gift.parse_gift(quiz.gift_source or "", "GIFT",
                           default_format=quiz.default_format).questions


def write_block(question, default_format):
    """The question as a GIFT block, or (None, problem) when GIFT cannot say it."""
    try:
        return gift.write_gift([question], default_format).rstrip("\n"), None
    except ValueError:
        return None, _("Soal ini tidak dapat ditulis sebagai GIFT; periksa jawabannya.")


def block_span(lines, question_line):
    """[start, end) of the blank-line separated block holding a question's first line (its
    `//` comments above it included)."""
    start = question_line - 1
    while start > 0 and lines[start - 1].strip():
        start -= 1
    end = question_line
    while end < len(lines) and lines[end].strip():
        end += 1
    return start, end


def splice(source, question_line, block):
    """The GIFT text with the block at question_line replaced (None: the block added at the
    end)."""
    lines = (source or "").replace("\r\n", "\n").split("\n")
    if question_line is None:
        text = "\n".join(lines).rstrip("\n")
        return f"{text}\n\n{block}\n" if text else f"{block}\n"
    start, end = block_span(lines, question_line)
    return "\n".join(lines[:start] + block.split("\n") + lines[end:])
