"""Read-only reports for a course's trainers: learners' progress and quiz item analysis.

Every report runs a fixed number of queries whatever the number of learners or attempts:
counts come from aggregates, per-learner rows are one page of one joined query, and
attempt snapshots are parsed in Python.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.auth.models import Agency, User
from app.courses.models import Enrollment, Module, ModuleProgress
from app.extensions import db
from app.quizzes import services as quiz_services
from app.quizzes.grading import normalize_shortanswer, parse_number
from app.quizzes.models import Attempt, AttemptQuestion, Question, Quiz
from app.settings import get_setting

PAGE_SIZE = 50
# Below this share of fully right answers a question is flagged as weak.
WEAK_SHARE_CORRECT = 40
CHOICE_TYPES = ("multichoice", "truefalse")
# Typed answers: their distribution counts the answers as the grader compares them.
TYPED_TYPES = ("shortanswer", "numerical")
TYPED_SHOWN = 10  # the most frequent answers; the rest are counted together


# --- learners of a course ----------------------------------------------------------------------

@dataclass
class CourseSummary:
    """Headline numbers for the learners matching the current filter."""

    enrolled: int
    started: int
    completed: int
    average_percent: int


@dataclass
class QuizCell:
    """One learner's standing in one quiz, reduced to what the table shows."""

    grade: float | None
    status: str  # passed, pending, failed, done (no pass mark), in_progress, not_started


def status_labels():
    """QuizCell.status as the learners page and the gradebook name it."""
    return {"done": _("Sudah dikerjakan"), "passed": _("Lulus"),
            "pending": _("Menunggu penilaian esai"), "failed": _("Belum lulus"),
            "in_progress": _("Sedang mengerjakan"), "not_started": _("Belum mengerjakan")}


@dataclass
class LearnerRow:
    enrollment: Enrollment
    done: int
    total: int
    quizzes: list[QuizCell]

    @property
    def user(self):
        return self.enrollment.user

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class LearnersReport:
    summary: CourseSummary
    quizzes: list[Quiz]
    rows: list[LearnerRow]
    page: int
    pages: int
    pending_essays: int


def active_module_count(course):
    return db.session.scalar(select(func.count(Module.id)).where(
        Module.course_id == course.id, Module.retired_at.is_(None)))


def agencies_with_learners(course):
    """The OPD that have at least one learner enrolled in the course, by name."""
    return db.session.execute(
        select(Agency.id, Agency.name).distinct()
        .join(User, User.agency_id == Agency.id)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id)
        .order_by(Agency.name, Agency.id)).all()


def _done_modules_per_learner(course):
    """Subquery (user_id, done): active modules of the course each learner has finished."""
    return (select(ModuleProgress.user_id, func.count(ModuleProgress.id).label("done"))
            .join(Module, Module.id == ModuleProgress.module_id)
            .where(Module.course_id == course.id, Module.retired_at.is_(None))
            .group_by(ModuleProgress.user_id)
            .subquery())


def _enrollments_of(course, agency_id, *columns):
    query = (select(*columns)
             .join(User, User.id == Enrollment.user_id)
             .where(Enrollment.course_id == course.id))
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    return query


def course_summary(course, agency_id, module_count):
    """Counts and the average progress of the (filtered) learners, in one query."""
    done = _done_modules_per_learner(course)
    enrolled, started, completed, done_total = db.session.execute(
        _enrollments_of(course, agency_id,
                        func.count(Enrollment.id), func.count(Enrollment.started_at),
                        func.count(Enrollment.completed_at),
                        func.coalesce(func.sum(done.c.done), 0))
        .outerjoin(done, done.c.user_id == Enrollment.user_id)).one()
    # Every learner has the same module count, so the mean of their percentages is the
    # share of all (learner, module) pairs that are done.
    possible = enrolled * module_count
    average = round(100 * int(done_total) / possible) if possible else 0
    return CourseSummary(enrolled=enrolled, started=started, completed=completed,
                         average_percent=average)


def page_count(total):
    return max(1, math.ceil(total / PAGE_SIZE))


def _enrollment_page(course, agency_id, page):
    """One page of enrolments (with user and OPD) and each learner's done-module count."""
    done = _done_modules_per_learner(course)
    query = (_enrollments_of(course, agency_id, Enrollment, func.coalesce(done.c.done, 0))
             .outerjoin(done, done.c.user_id == Enrollment.user_id)
             .options(contains_eager(Enrollment.user).joinedload(User.agency))
             .order_by(User.name, User.id)
             .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return db.session.execute(query).all()


def active_quizzes(course):
    return db.session.scalars(select(Quiz).where(
        Quiz.course_id == course.id, Quiz.retired_at.is_(None)).order_by(Quiz.id)).all()


def _attempts_by_learner_and_quiz(user_ids, quizzes):
    if not user_ids or not quizzes:
        return {}
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id.in_(user_ids),
                              Attempt.quiz_id.in_([q.id for q in quizzes]))
        .order_by(Attempt.number)).all()
    grouped = {}
    for attempt in attempts:
        grouped.setdefault((attempt.user_id, attempt.quiz_id), []).append(attempt)
    return grouped


def quiz_cell(quiz, attempts):
    """The grade by the quiz's own grading method and where the learner stands."""
    standing = quiz_services.standing(quiz, attempts)
    if standing.grade is not None and not quiz.has_pass_mark:
        status = "done"  # a pretest or practice measures; nobody passes or fails it
    elif standing.passed:
        status = "passed"
    elif standing.pending:
        status = "pending"
    elif standing.grade is not None:
        status = "failed"
    elif attempts:
        status = "in_progress"
    else:
        status = "not_started"
    return QuizCell(grade=standing.grade, status=status)


def pending_essay_count(course):
    """Essay answers in this course waiting for a trainer (what /penilaian lists)."""
    return db.session.scalar(
        select(func.count(AttemptQuestion.id))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course.id, Attempt.state == "submitted",
               Attempt.needs_grading.is_(True), AttemptQuestion.score.is_(None),
               AttemptQuestion.question_type == "essay"))


def course_learners(course, agency_id=None, page=1):
    """Everything the learners page shows; a page past the end shows the last one."""
    module_count = active_module_count(course)
    summary = course_summary(course, agency_id, module_count)
    pages = page_count(summary.enrolled)
    page = min(max(page, 1), pages)
    enrollments = _enrollment_page(course, agency_id, page)
    quizzes = active_quizzes(course)
    attempts = _attempts_by_learner_and_quiz([e.user_id for e, _ in enrollments], quizzes)
    rows = [LearnerRow(enrollment=e, done=done, total=module_count,
                       quizzes=[quiz_cell(q, attempts.get((e.user_id, q.id), []))
                                for q in quizzes])
            for e, done in enrollments]
    return LearnersReport(summary=summary, quizzes=quizzes, rows=rows, page=page, pages=pages,
                          pending_essays=pending_essay_count(course))


# --- item analysis of a quiz -------------------------------------------------------------------

@dataclass
class OptionTally:
    """How often learners chose one answer option (options are told apart by their text)."""

    label_html: str  # sanitized at import and frozen in the snapshot
    is_correct: bool
    chosen: int = 0


@dataclass
class PairTally:
    """Matching: which right items learners paired with one left item (told apart by text:
    keys are new in every attempt)."""

    label: str
    answered: int = 0
    options: dict = field(default_factory=dict)  # right item text -> OptionTally

    def share(self, tally):
        return round(100 * tally.chosen / self.answered) if self.answered else 0


@dataclass
class QuestionStats:
    question: Question
    shown: int = 0        # submitted attempts that had this question
    answered: int = 0     # ... with a non-empty response
    graded: int = 0       # ... with a score (essays wait for a trainer)
    fully_correct: int = 0
    score_total: float = 0.0
    options: dict = field(default_factory=dict)  # option text -> OptionTally
    typed: Counter = field(default_factory=Counter)  # answer as graded -> how often
    pairs: dict = field(default_factory=dict)  # matching: left item text -> PairTally
    min_attempts: int = 5  # "Soal lemah" needs this many graded answers (a setting)

    @property
    def pending(self):
        return self.shown - self.graded

    @property
    def share_correct(self):
        return round(100 * self.fully_correct / self.graded) if self.graded else None

    @property
    def average_percent(self):
        return round(100 * self.score_total / self.graded) if self.graded else None

    @property
    def is_choice(self):
        return self.question.type in CHOICE_TYPES

    @property
    def uses_mean(self):
        """Essays, matching and partial-credit questions: an 80/100 answer is not "wrong",
        so their facility is the mean score, not the share of full marks."""
        question = self.question
        return (question.type in ("essay", "matching") or any(
            0 < option.fraction < 1 for option in question.options))

    @property
    def facility(self):
        """How easy the question was, in percent: the mean score or the share fully right."""
        return self.average_percent if self.uses_mean else self.share_correct

    @property
    def too_few(self):
        """Too few graded answers to call the question weak."""
        return self.graded < self.min_attempts

    @property
    def is_hard(self):
        return (not self.too_few and self.facility is not None
                and self.facility < WEAK_SHARE_CORRECT)

    @property
    def is_typed(self):
        return self.question.type in TYPED_TYPES

    @property
    def is_matching(self):
        return self.question.type == "matching"

    @property
    def has_distribution(self):
        """Whether the page has a table of what learners answered to this question."""
        return self.is_choice or self.is_typed or self.is_matching

    def typed_rows(self):
        """[(answer, count)] most frequent first (TYPED_SHOWN; ties in the order first
        given), then (None, rest) for all other answers together, if any. A numerical
        answer is a float when it reads as a number."""
        common = self.typed.most_common(TYPED_SHOWN)
        rest = sum(self.typed.values()) - sum(count for _answer, count in common)
        return common + ([(None, rest)] if rest else [])

    @property
    def distractor_wins(self):
        """A wrong option drew more learners than the most chosen right one."""
        if self.too_few:
            return False
        right = [o.chosen for o in self.options.values() if o.is_correct]
        wrong = [o.chosen for o in self.options.values() if not o.is_correct]
        return bool(right and wrong) and max(wrong) > max(right)

    @property
    def is_weak(self):
        return self.is_hard or self.distractor_wins

    def option_share(self, tally):
        return round(100 * tally.chosen / self.answered) if self.answered else 0


@dataclass
class ItemAnalysis:
    attempts: int
    learners: int
    questions: list[QuestionStats]

    @property
    def weak_count(self):
        return sum(1 for q in self.questions if q.is_weak)


def _questions_of(quiz):
    return db.session.scalars(
        select(Question).where(Question.quiz_id == quiz.id)
        .options(selectinload(Question.options))
        .order_by(Question.position, Question.id)).all()


def _submitted_counts(quiz):
    return db.session.execute(
        select(func.count(Attempt.id), func.count(distinct(Attempt.user_id)))
        .where(Attempt.quiz_id == quiz.id, Attempt.state == "submitted")).one()


def _submitted_slots(quiz):
    """(question_id, snapshot, response, score) of every submitted answer, oldest first, so
    the latest snapshot has the last word on an option's label and key."""
    return db.session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.snapshot_json,
               AttemptQuestion.response_json, AttemptQuestion.score)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.state == "submitted")
        .order_by(AttemptQuestion.id)).all()


def chosen_keys(response):
    """Option keys a choice response names: one (radio) or several (checkboxes)."""
    response = response or {}
    return [response["choice"]] if response.get("choice") else list(response.get("choices") or [])


def _tally_options(stats, snapshot, response):
    chosen = set(chosen_keys(response))
    for option in snapshot.get("options", []):
        tally = stats.options.setdefault(
            option["text"], OptionTally(label_html=option["text_html"], is_correct=False))
        tally.label_html = option["text_html"]
        tally.is_correct = option["fraction"] > 0
        tally.chosen += option["key"] in chosen


def typed_answer(snapshot, response):
    """A typed answer as the grader compares it, or None when empty: a short answer
    normalized as `grading.shortanswer_matches` does; a number as its value, so "1,5" and
    "1.5" count together (text that is no number stays text, spaces collapsed)."""
    text = str((response or {}).get("text") or "")
    if snapshot.get("type") == "shortanswer":
        return normalize_shortanswer(text) or None
    value = parse_number(text)
    if value is not None:
        return value + 0.0  # -0.0 is 0
    return " ".join(text.split()) or None


def _left_label(text_html):
    return Markup(text_html).striptags()


def _tally_pairs(stats, snapshot, response):
    """Per left item: every right item of the snapshot, and which one the learner chose."""
    pairs = (response or {}).get("pairs") or {}
    rights = {choice["key"]: choice["text"] for choice in snapshot.get("choices", [])}
    for sub in snapshot.get("subquestions", []):
        label = _left_label(sub["text_html"])
        item = stats.pairs.setdefault(label, PairTally(label=label))
        chosen = pairs.get(sub["key"])
        item.answered += chosen in rights
        for key, text in rights.items():
            tally = item.options.setdefault(
                text, OptionTally(label_html=escape(text), is_correct=False))  # plain text
            tally.is_correct = key == sub["answer"]  # the latest snapshot has the last word
            tally.chosen += key == chosen


def _add_slot(stats, snapshot_json, response_json, score):
    response = json.loads(response_json) if response_json else None
    stats.shown += 1
    stats.answered += quiz_services.is_answered(response)
    if score is not None:
        stats.graded += 1
        stats.score_total += score
        stats.fully_correct += score >= 1 - 1e-9  # float sums such as 0.5 + 0.5
    if stats.is_choice:
        _tally_options(stats, json.loads(snapshot_json), response)
    elif stats.is_matching:
        _tally_pairs(stats, json.loads(snapshot_json), response)
    elif stats.is_typed:
        answer = typed_answer(json.loads(snapshot_json), response)
        if answer is not None:
            stats.typed[answer] += 1


def _ordered(items, position):
    return dict(sorted(items.items(), key=lambda item: position.get(item[0], len(position))))


def _in_current_order(stats):
    """Options (matching: left items, and each one's right items) in the question's current
    order; those since removed come last."""
    options = stats.question.options
    if stats.is_matching:
        rights = {}
        for option in options:
            rights.setdefault(option.match_text, len(rights))
        stats.pairs = _ordered(stats.pairs, {_left_label(o.text_html): i
                                             for i, o in enumerate(options)})
        for item in stats.pairs.values():
            item.options = _ordered(item.options, rights)
        return stats
    stats.options = _ordered(stats.options, {o.text_source: i for i, o in enumerate(options)})
    return stats


def item_analysis(quiz):
    """Per question: answered, fully right, average score and what was answered; current
    questions in order, then retired ones that were answered."""
    questions = [q for q in _questions_of(quiz) if q.is_gradable]
    minimum = int(get_setting("item_analysis.min_attempts"))
    stats = {q.id: QuestionStats(question=q, min_attempts=minimum) for q in questions}
    for question_id, snapshot_json, response_json, score in _submitted_slots(quiz):
        if question_id in stats:
            _add_slot(stats[question_id], snapshot_json, response_json, score)
    current = [stats[q.id] for q in questions if q.retired_at is None]
    retired = [stats[q.id] for q in questions if q.retired_at is not None and stats[q.id].shown]
    attempts, learners = _submitted_counts(quiz)
    return ItemAnalysis(attempts=attempts, learners=learners,
                        questions=[_in_current_order(s) for s in current + retired])
