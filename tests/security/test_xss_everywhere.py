"""Every path where authored text becomes HTML, fed a corpus of XSS payloads.

Paths: the course description and module body (file import and the browser editor's services)
and, through GIFT, a question's text, its answers, their feedback and the general feedback in
each of GIFT's text formats. Every stored *_html value must hold only allowlisted tags and
attributes, no on* attribute, links only to http/https/mailto or this site, images only from
this site, and sanitizing it again must change nothing.
"""

import pytest
from sqlalchemy import select

from app.authoring import services
from app.authoring.services import ContentProblems
from app.content import gift
from app.content.markdown import render_authored, render_markdown
from app.content.media import media_url
from app.courses.models import Course
from app.extensions import db
from app.quizzes.models import Question
from tests.content.test_markdown import PAYLOADS, assert_safe
from tests.security.xss_payloads import EXTRA_PAYLOADS

CORPUS = PAYLOADS + EXTRA_PAYLOADS
# What reaches the editor's services: every form field drops NUL characters first (app/forms.py;
# PostgreSQL refuses them), so the stored paths get the corpus without them.
FORM_CORPUS = [(name, source.replace("\x00", "")) for name, source in CORPUS]
COURSE_FIELDS = {"code": "XSS-1", "title": "Kursus uji", "summary": "", "description": "Isi.",
                 "jp": 2, "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
                 "certificate_policy": "manual"}
QUIZ_SETTINGS = {"title": "Kuis", "kind": "graded", "pass_mark": 70, "time_limit_minutes": 0,
                 "max_attempts": 0, "grading_method": "highest", "draw_count": 0,
                 "shuffle_answers": True, "review_policy": "feedback"}


def check(html, name, where):
    try:
        assert_safe(html)
    except AssertionError as error:
        raise AssertionError(f"payload {name!r} through {where}: {error}\n{html!r}") from None


def test_the_corpus_is_large_and_named_uniquely():
    names = [name for name, _source in CORPUS]
    assert len(CORPUS) >= 200
    assert len(names) == len(set(names))


# --- course description and module body ----------------------------------------------------

@pytest.mark.parametrize(("where", "heading_base"), [("course description", 2),
                                                     ("module body", 1)])
def test_markdown_as_the_file_importer_renders_it(where, heading_base):
    for name, source in CORPUS:
        check(render_markdown(source, heading_base=heading_base, media_url=media_url("xss-1")),
              name, f"import: {where}")


@pytest.fixture
def trainer(create_user):
    return create_user(roles=("trainer",))


def test_course_description_through_the_editor(app, trainer):
    course = services.create_course(COURSE_FIELDS, trainer)
    refused = 0
    for number, (name, source) in enumerate(FORM_CORPUS):
        created = services.create_course(dict(COURSE_FIELDS, code=f"X-{number}",
                                              description=source), trainer)
        check(created.description_html, name, "create_course")
        try:
            services.update_course(course, dict(COURSE_FIELDS, description=source), trainer)
        except ContentProblems:
            refused += 1  # an image from elsewhere is refused before anything is stored
            continue
        assert course.description_source == created.description_source
        check(course.description_html, name, "update_course")
    db.session.flush()
    stored = db.session.scalars(select(Course.description_html)).all()
    assert len(stored) == len(CORPUS) + 1
    assert refused < len(CORPUS) // 4


def test_module_body_through_the_editor(app, trainer):
    course = services.create_course(COURSE_FIELDS, trainer)
    module = services.create_module(course, {"title": "Satu", "minutes": 5, "body": "Isi."},
                                    trainer)
    saved = 0
    for number, (name, source) in enumerate(FORM_CORPUS):
        fields = {"title": f"Modul {number}", "minutes": 5, "body": source}
        try:
            created = services.create_module(course, fields, trainer)
        except ContentProblems:
            continue
        check(created.body_html, name, "create_module")
        services.update_module(module, dict(fields, slug=module.slug), trainer)
        check(module.body_html, name, "update_module")
        saved += 1
    assert saved > len(CORPUS) * 3 // 4


# --- questions, answers and feedback through GIFT -------------------------------------------

def _gift_for(corpus, text_format):
    """One multiple-choice question per payload: the payload is the question text, the right
    answer, its feedback and the general feedback, written with GIFT's escapes."""
    questions = [gift.Question(
        type="multichoice", name=f"p{number}", text=source, text_format=text_format, single=True,
        answers=[gift.Answer(source, 1.0, source), gift.Answer("salah", 0.0, source)],
        general_feedback=source) for number, (_name, source) in enumerate(corpus)]
    return gift.write_gift(questions)


def _gift_text(source):
    """What GIFT keeps of a text: trimmed as Moodle's reader trims; the writer drops a lone CR
    (a browser would drop it from a URL anyway)."""
    return source.replace("\r", "").strip(gift.WS)


@pytest.mark.parametrize("text_format", gift.FORMATS)
def test_question_text_answers_and_feedback_through_gift(app, trainer, text_format):
    corpus = [(name, source) for name, source in FORM_CORPUS if _gift_text(source)]
    course = services.create_course(COURSE_FIELDS, trainer)
    quiz = services.save_quiz(course, None, "kuis", QUIZ_SETTINGS,
                              _gift_for(corpus, text_format), None, trainer)
    db.session.flush()
    questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)
                                   .order_by(Question.position)).all()
    assert len(questions) == len(corpus)
    for question, (name, source) in zip(questions, corpus, strict=True):
        text = _gift_text(source)
        # The payload reached each field whole, and each field was rendered from it.
        assert question.text_format == text_format
        assert question.text_source == text, name
        assert question.general_feedback_source == text, name
        right = question.options[0]
        assert (right.text_source, right.feedback_source) == (text, text), name
        assert question.options[1].feedback_source == text, name
        assert right.text_html == render_authored(text, text_format, inline=True), name
        check(question.text_html, name, f"question text [{text_format}]")
        check(question.general_feedback_html, name, f"general feedback [{text_format}]")
        for option in question.options:
            check(option.text_html, name, f"answer [{text_format}]")
            check(option.feedback_html, name, f"answer feedback [{text_format}]")
