"""Quizzes, their questions and answer options, and learners' attempts.

An attempt keeps a snapshot of every question as the learner saw it (text, options, order,
fractions): grading and review read the snapshot, so editing a quiz never changes an attempt
that was started, let alone one already graded.
"""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.courses.models import Course, Module, sql_in
from app.database import UTCDateTime, utcnow
from app.extensions import db

QUIZ_KINDS = {
    "graded": _l("Kuis"),
    "pretest": _l("Pretest"),
    "posttest": _l("Posttest"),
    "practice": _l("Latihan"),
}
# Quizzes of these kinds must be passed before a course counts as completed.
BLOCKING_KINDS = ("graded", "posttest")
# Kinds that measure, and so have no pass or fail: a pretest measures where a learner starts.
UNGRADED_KINDS = ("pretest", "practice")
# `after: awal` in a quiz file (and "Sebelum modul pertama" in the editor): a pretest opens the
# course. A pretest with no module is always placed there; every other quiz with no module
# closes the course (the final quiz).
AT_START = "awal"
GRADING_METHODS = {
    "highest": _l("nilai tertinggi"),
    "last": _l("percobaan terakhir"),
    "first": _l("percobaan pertama"),
    "average": _l("rata-rata"),
}
REVIEW_POLICIES = {
    "full": _l("nilai, jawaban, umpan balik dan kunci jawaban"),
    "feedback": _l("nilai, jawaban dan umpan balik"),
    "score": _l("nilai saja"),
}
# When the answer key (and feedback that gives it away) is shown on the review of an attempt.
# While a learner still has attempts left, showing it would hand them the answers for the next
# one, so that needs a trainer's explicit "always" (docs/authoring.md, "Review").
ANSWER_VISIBILITY = {
    "after_last_attempt": _l("setelah kesempatan terakhir dipakai atau kuis ditutup"),
    "always": _l("selalu, juga selama peserta masih punya kesempatan"),
}
# GIFT's text formats ([moodle], [markdown], [html], [plain] markers), as a quiz's default for
# questions written without one.
TEXT_FORMATS = {
    "markdown": _l("Markdown (**tebal**, daftar, tautan)"),
    "moodle": _l("Moodle otomatis (baris dipertahankan, alamat web jadi tautan)"),
    "html": _l("HTML"),
    "plain": _l("Teks biasa"),
}
QUESTION_TYPES = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay",
                  "description")
ATTEMPT_STATES = ("in_progress", "submitted")


class Quiz(db.Model):
    __tablename__ = "quiz"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint(sql_in("kind", QUIZ_KINDS), name="kind"),
        CheckConstraint(sql_in("grading_method", GRADING_METHODS), name="grading_method"),
        CheckConstraint(sql_in("review_policy", REVIEW_POLICIES), name="review_policy"),
        CheckConstraint(sql_in("show_answers", ANSWER_VISIBILITY), name="show_answers"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark"),
        CheckConstraint("time_limit_minutes >= 0", name="time_limit"),
        CheckConstraint("max_attempts >= 0", name="max_attempts"),
        CheckConstraint("draw_count >= 0", name="draw_count"),
        CheckConstraint(sql_in("default_format", TEXT_FORMATS), name="default_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="graded")
    # None: a final quiz, shown after the last module.
    after_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("module.id", ondelete="SET NULL"))
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)
    grading_method: Mapped[str] = mapped_column(String(16), default="highest")
    draw_count: Mapped[int] = mapped_column(Integer, default=0)
    shuffle_answers: Mapped[bool] = mapped_column(Boolean, default=True)
    review_policy: Mapped[str] = mapped_column(String(16), default="feedback")
    show_answers: Mapped[str] = mapped_column(String(24), default="after_last_attempt")
    # The format of questions written without a marker (a quiz file's `format:`).
    default_format: Mapped[str] = mapped_column(String(16), default="moodle")
    # The GIFT text exactly as the author wrote it (comments and layout kept), so the browser
    # editor and an export give it back; questions below are what it parsed into.
    gift_source: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    after_module: Mapped[Module | None] = relationship()
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return QUIZ_KINDS.get(self.kind, self.kind)

    @property
    def blocks_completion(self):
        return self.kind in BLOCKING_KINDS and self.retired_at is None

    @property
    def opens_course(self):
        """Placed before the first module (a pretest without a module)."""
        return self.kind == "pretest" and self.after_module_id is None

    @property
    def has_pass_mark(self):
        """False for pretests and practice: their result is never "lulus" or "belum lulus"."""
        return self.kind not in UNGRADED_KINDS

    @property
    def is_retired(self):
        return self.retired_at is not None


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint(sql_in("type", QUESTION_TYPES), name="type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    gift_id: Mapped[str | None] = mapped_column(String(100))
    text_source: Mapped[str] = mapped_column(Text, default="")
    text_format: Mapped[str] = mapped_column(String(16), default="moodle")
    text_html: Mapped[str] = mapped_column(Text, default="")
    single: Mapped[bool | None] = mapped_column(Boolean)
    general_feedback_source: Mapped[str] = mapped_column(Text, default="")
    # Each part is rendered in its own format (GIFT's per-part markers), the question's when
    # it has none: stored as rendered, so a quiz exports and re-imports as written.
    general_feedback_format: Mapped[str] = mapped_column(String(16), default="moodle")
    general_feedback_html: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(255))
    tags_json: Mapped[str] = mapped_column(Text, default="[]")
    # Questions learners have answered are never deleted, only retired.
    retired_at: Mapped[object | None] = mapped_column(UTCDateTime)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list["AnswerOption"]] = relationship(
        back_populates="question", order_by="AnswerOption.position",
        cascade="all, delete-orphan")

    @property
    def tags(self):
        return json.loads(self.tags_json or "[]")

    @property
    def is_gradable(self):
        return self.type != "description"


class AnswerOption(db.Model):
    """One answer of a question. Matching: text is the left side, match_text the right."""

    __tablename__ = "answer_option"
    __table_args__ = (
        CheckConstraint("fraction BETWEEN -1 AND 1", name="fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_source: Mapped[str] = mapped_column(Text, default="")
    text_format: Mapped[str] = mapped_column(String(16), default="moodle")  # matching: left's
    text_html: Mapped[str] = mapped_column(Text, default="")
    fraction: Mapped[float] = mapped_column(Float, default=0.0)
    feedback_source: Mapped[str] = mapped_column(Text, default="")
    feedback_format: Mapped[str] = mapped_column(String(16), default="moodle")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    tolerance: Mapped[float | None] = mapped_column(Float)
    match_text: Mapped[str | None] = mapped_column(Text)

    question: Mapped[Question] = relationship(back_populates="options")


class AttemptStatus:
    """What an attempt's state says, for the Attempt entity and for plain rows of it
    (`state`, `needs_grading` and `score` are all it reads)."""

    __slots__ = ()

    @property
    def is_open(self):
        return self.state == "in_progress"

    @property
    def is_graded(self):
        return self.state == "submitted" and not self.needs_grading and self.score is not None


class Attempt(AttemptStatus, db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        # Max attempts held by the database: a racing second start fails here or on the
        # unique number, whatever the views do.
        CheckConstraint("max_attempts = 0 OR number <= max_attempts", name="max_attempts"),
        CheckConstraint(sql_in("state", ATTEMPT_STATES), name="state"),
        # One open attempt per learner and quiz.
        Index("uq_attempt_one_open", "user_id", "quiz_id", unique=True,
              sqlite_where=text("state = 'in_progress'"),
              postgresql_where=text("state = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # the quiz's, at start
    state: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # ends_at is what the learner is shown; deadline_at (= ends_at + grace) is the hard cut-off.
    ends_at: Mapped[object | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[object | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    saved_at: Mapped[object | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)  # percent 0..100 once graded
    passed: Mapped[bool | None] = mapped_column(Boolean)
    needs_grading: Mapped[bool] = mapped_column(Boolean, default=False)

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User")
    slots: Mapped[list["AttemptQuestion"]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position",
        cascade="all, delete-orphan")


class AttemptQuestion(db.Model):
    """One question inside one attempt: the snapshot shown, the response, the score."""

    __tablename__ = "attempt_question"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        UniqueConstraint("attempt_id", "question_id"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"),
                                            index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_type: Mapped[str] = mapped_column(String(16))
    snapshot_json: Mapped[str] = mapped_column(Text)
    response_json: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)  # fraction 0..1; None = not graded
    # "Tandai soal": the learner wants to come back to it (navigator, summary before sending).
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    grader_comment: Mapped[str | None] = mapped_column(Text)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    graded_at: Mapped[object | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="slots")

    @property
    def snapshot(self):
        """The question as frozen at the attempt's start, parsed once per loaded row (an
        autosave reads it twice per question). Read-only: it is never written back."""
        raw = self.snapshot_json
        parsed = self.__dict__.get("_parsed_snapshot")
        if parsed is None or parsed[0] is not raw:
            parsed = (raw, json.loads(raw))
            self.__dict__["_parsed_snapshot"] = parsed
        return parsed[1]

    @property
    def response(self):
        return json.loads(self.response_json) if self.response_json else None
