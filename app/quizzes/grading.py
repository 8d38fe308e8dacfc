"""Grading rules as pure functions over a question snapshot and a learner's response.

Scores are fractions 0..1 per question (negative weights floor at 0 per question, as in
Moodle); an attempt's score is the percentage of the gradable questions; a learner's grade
for a quiz combines attempts by the quiz's grading method.
"""

import math
import re
from decimal import Decimal, InvalidOperation

GRADABLE_TYPES = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay")
MANUAL_TYPES = ("essay",)
_SPACES = re.compile(r"\s+")


def clamp(value, low=0.0, high=1.0):
    return max(low, min(high, value))


def parse_number(text):
    """A number as people type it here: "3.14", "3,14", "1.234,5", "-2" -> float, else None.

    With both separators the last one is the decimal mark; a lone comma is a decimal comma.
    """
    text = _SPACES.sub("", "" if text is None else str(text))
    if not text:
        return None
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    else:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    number = float(value)  # '1e400' is a finite Decimal but no finite float
    return number if math.isfinite(number) else None


def normalize_shortanswer(text):
    """A short answer as the grader compares it: spaces trimmed and collapsed, case folded.
    Item analysis counts answers in this form, so what it groups the grader treats alike."""
    return _SPACES.sub(" ", (text or "").strip()).casefold()


def shortanswer_matches(pattern, answer):
    """Moodle's short-answer match: case-insensitive, spaces trimmed, '*' matches anything."""
    pattern = normalize_shortanswer(pattern)
    answer = normalize_shortanswer(answer)
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, answer, flags=re.DOTALL) is not None


def _is_single(snapshot):
    """One answer (radio) unless the snapshot says single=False; true/false stores None."""
    return snapshot.get("single") is not False


def _option_fraction(snapshot, key):
    return next((o["fraction"] for o in snapshot["options"] if o["key"] == key), 0.0)


def grade_choice(snapshot, response):
    """One right answer (radio) or several (checkboxes): the sum of chosen fractions."""
    if _is_single(snapshot):
        key = (response or {}).get("choice")
        return clamp(_option_fraction(snapshot, key)) if key else 0.0
    keys = set((response or {}).get("choices") or [])
    return clamp(sum(o["fraction"] for o in snapshot["options"] if o["key"] in keys))


def grade_shortanswer(snapshot, response):
    text = (response or {}).get("text") or ""
    if not text.strip():
        return 0.0
    matches = [o["fraction"] for o in snapshot["options"] if shortanswer_matches(o["text"], text)]
    return clamp(max(matches)) if matches else 0.0


def numerical_matches(option, value):
    if option["text"] == "*":
        return True
    target = parse_number(option["text"])
    tolerance = option.get("tolerance") or 0.0
    return target is not None and abs(value - target) <= tolerance + 1e-9


def grade_numerical(snapshot, response):
    value = parse_number((response or {}).get("text"))
    if value is None:
        return 0.0
    matches = [o["fraction"] for o in snapshot["options"] if numerical_matches(o, value)]
    return clamp(max(matches)) if matches else 0.0


def grade_matching(snapshot, response):
    """The share of sub-questions matched to their right answer."""
    chosen = (response or {}).get("pairs") or {}
    subquestions = snapshot["subquestions"]
    if not subquestions:
        return 0.0
    right = sum(1 for sub in subquestions if chosen.get(sub["key"]) == sub["answer"])
    return right / len(subquestions)


GRADERS = {
    "multichoice": grade_choice,
    "truefalse": grade_choice,
    "shortanswer": grade_shortanswer,
    "numerical": grade_numerical,
    "matching": grade_matching,
}


def grade_question(snapshot, response):
    """The automatic score 0..1, or None when a person must grade it (essay) or it is not
    a question at all (description)."""
    grader = GRADERS.get(snapshot["type"])
    return grader(snapshot, response) if grader else None


def attempt_percent(slots):
    """Percentage over gradable questions, each worth one mark. slots: (type, score) pairs.

    Returns (percent, pending): pending is True while an essay awaits a grader; the percent
    then counts the essays as 0 so far.
    """
    gradable = [(kind, score) for kind, score in slots if kind in GRADABLE_TYPES]
    if not gradable:
        return 100.0, False
    pending = any(score is None for _, score in gradable)
    total = sum(score or 0.0 for _, score in gradable)
    return round(100 * total / len(gradable), 2), pending


def combine_attempts(method, scores):
    """A learner's grade from their graded attempts' percentages, oldest first."""
    if not scores:
        return None
    if method == "highest":
        return max(scores)
    if method == "first":
        return scores[0]
    if method == "last":
        return scores[-1]
    if method == "average":
        return round(sum(scores) / len(scores), 2)
    raise ValueError(f"unknown grading method {method!r}")


def correct_response(snapshot):
    """What a fully right response looks like, for the review page's 'kunci jawaban'."""
    kind = snapshot["type"]
    options = snapshot.get("options", [])
    if kind in ("multichoice", "truefalse"):
        if _is_single(snapshot):
            best = max(options, key=lambda o: o["fraction"], default=None)
            return {"choice": best["key"]} if best else {}
        return {"choices": [o["key"] for o in options if o["fraction"] > 0]}
    if kind in ("shortanswer", "numerical"):
        best = max(options, key=lambda o: o["fraction"], default=None)
        return {"text": best["text"]} if best else {}
    if kind == "matching":
        return {"pairs": {sub["key"]: sub["answer"] for sub in snapshot["subquestions"]}}
    return {}
