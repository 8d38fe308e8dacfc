"""What the result page shows per question, limited by the quiz's review policy."""

from dataclasses import dataclass

from app.quizzes import grading


@dataclass
class ReviewItem:
    number: int
    snapshot: dict
    response: dict | None
    score: float | None  # 0..1, None while an essay waits for a trainer
    show_verdict: bool  # right / partly right / wrong, and the question's score
    show_answers: bool  # the learner's answer and the feedback on it
    show_correct: bool  # the right answer too
    feedback_html: list  # per-answer feedback that applies to this response
    correct: dict
    grader_comment: str | None

    @property
    def is_question(self):
        return self.snapshot["type"] != "description"

    @property
    def verdict(self):
        if self.score is None:
            return "pending"
        if self.score >= 0.999:
            return "correct"
        return "partial" if self.score > 0 else "wrong"


def _chosen_keys(snapshot, response):
    response = response or {}
    if snapshot["type"] in ("multichoice", "truefalse"):
        return set(response.get("choices") or []) | ({response["choice"]}
                                                     if response.get("choice") else set())
    return set()


def applicable_feedback(snapshot, response):
    """Per-answer feedback for what the learner chose or typed."""
    kind = snapshot["type"]
    if kind in ("multichoice", "truefalse"):
        chosen = _chosen_keys(snapshot, response)
        return [o["feedback_html"] for o in snapshot["options"]
                if o["key"] in chosen and o["feedback_html"]]
    text = (response or {}).get("text")
    if kind == "shortanswer" and text:
        match = next((o for o in snapshot["options"]
                      if grading.shortanswer_matches(o["text"], text)), None)
        return [match["feedback_html"]] if match and match["feedback_html"] else []
    if kind == "numerical" and text:
        value = grading.parse_number(text)
        match = next((o for o in snapshot["options"]
                      if value is not None and grading.numerical_matches(o, value)), None)
        return [match["feedback_html"]] if match and match["feedback_html"] else []
    return []


def review_items(attempt, policy, answers_open):
    """The result page's questions as far as the review policy lets them be seen.

    `answers_open` (services.answers_open) says whether the answer key may show yet: until
    then a review shows only right or wrong per question, since the learner's own answers with
    their feedback, or the key, would hand over the answers for the next attempt.
    """
    items = []
    show_verdict = policy in ("full", "feedback")
    show_answers = show_verdict and answers_open
    show_correct = policy == "full" and answers_open
    for number, slot in enumerate(attempt.slots, start=1):
        snapshot, response = slot.snapshot, slot.response
        items.append(ReviewItem(
            number=number, snapshot=snapshot, response=response, score=slot.score,
            show_verdict=show_verdict, show_answers=show_answers, show_correct=show_correct,
            feedback_html=applicable_feedback(snapshot, response) if show_answers else [],
            correct=grading.correct_response(snapshot), grader_comment=slot.grader_comment))
    return items
