"""The dashboard's course cards (app/courses/cards.py), kept per content version: what the
learner sees must follow every edit of a course or its modules, cost one query for all the
learner's courses and none when current, and the cards kept must stay bounded."""

import re

from sqlalchemy import select

from app.courses import cards
from app.courses.models import Course, Module
from app.database import utcnow
from app.extensions import db
from tests.conftest import seen_statements
from tests.courses.test_query_counts import add_courses, enrol_with_progress


def dashboard(client):
    """The page's text and the statements that read course cards."""
    db.session.expire_all()
    with seen_statements() as seen:
        page = client.get("/beranda")
    assert page.status_code == 200
    return page.get_data(as_text=True), [s for s in seen if "module.title AS module_title" in s]


def test_one_read_for_every_course_then_none(client, create_user, login):
    learner = create_user()
    enrol_with_progress(learner, add_courses(1, 6))
    db.session.commit()
    login(learner.nip)
    text, reads = dashboard(client)
    assert len(reads) <= 1  # (the login's redirect may have read them already)
    assert all(f"Kursus Uji {n}" in text for n in range(1, 7))
    text, reads = dashboard(client)
    assert reads == [] and "2 dari 4 modul dibaca" in text


def test_cards_follow_course_and_module_edits(client, create_user, login):
    learner = create_user()
    [course] = add_courses(1, 1)
    enrol_with_progress(learner, [course])
    db.session.commit()
    login(learner.nip)
    text, _ = dashboard(client)
    assert "Kursus Uji 1" in text and "2 dari 4 modul dibaca" in text
    assert "Lanjutkan Kursus Uji 1: modul \u201cModul 3\u201d" in text

    db.session.get(Course, course.id).title = "Kursus Uji Satu"
    db.session.scalar(select(Module).where(Module.course_id == course.id,
                                           Module.position == 3)).title = "Tanda Tangan Elektronik"
    db.session.commit()
    text, reads = dashboard(client)
    assert len(reads) == 1 and "Kursus Uji Satu" in text
    assert "modul \u201cTanda Tangan Elektronik\u201d" in text

    db.session.scalar(select(Module).where(Module.course_id == course.id,
                                           Module.position == 3)).retired_at = utcnow()
    db.session.commit()
    text, _ = dashboard(client)
    assert "2 dari 3 modul dibaca" in text and "modul \u201cModul 4\u201d" in text

    db.session.add(Module(course_id=course.id, position=5, slug="modul-5", title="Modul 5",
                          minutes=30, body_html="<p>Isi</p>"))
    db.session.commit()
    assert "2 dari 4 modul dibaca" in dashboard(client)[0]


def test_kept_cards_are_bounded(client, create_user, login, monkeypatch):
    monkeypatch.setattr(cards, "MAX_CARDS", 3)
    learner = create_user()
    enrol_with_progress(learner, add_courses(1, 5))
    db.session.commit()
    login(learner.nip)
    text, _ = dashboard(client)
    assert len(re.findall(r"Kursus Uji \d", text)) >= 5
    assert len(client.application.extensions["course_cards"]) == 3
