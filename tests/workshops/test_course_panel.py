"""The course page's panel of coming sessions, read with the course's cached outline: it must
follow every change a visitor would notice (a session scheduled, renamed, cancelled, or over)
and cost the course page no statement of its own."""

from datetime import timedelta

from sqlalchemy import event, select

from app.courses.models import Course
from app.courses.outline_cache import CONTENT_VERSION_KEY
from app.database import utcnow
from app.extensions import db
from app.settings import get_setting
from app.workshops import queries, services
from app.workshops.models import WorkshopSession
from tests.workshops.helpers import make_session, reload

COURSE_PAGE = "/kursus/spbe-101"
PANEL = "Sesi tatap muka dan webinar"


def spbe():
    return db.session.scalar(select(Course).where(Course.code == "SPBE-101"))


def page(client):
    response = client.get(COURSE_PAGE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_panel_follows_scheduling_renaming_and_cancelling(client, courses):
    assert PANEL not in page(client)  # read and cached without sessions
    session = make_session(course_id=spbe().id, title="Klinik TTE untuk operator")
    assert "Klinik TTE untuk operator" in page(client)
    session = reload(session)
    session.title = "Klinik TTE untuk sekretaris OPD"
    db.session.commit()
    text = page(client)
    assert "Klinik TTE untuk sekretaris OPD" in text and "untuk operator" not in text
    session = reload(session)
    session.status = "cancelled"
    db.session.commit()
    assert PANEL not in page(client)


def test_registrations_leave_the_outline_cached_and_change_nothing_shown(client, courses,
                                                                        create_user):
    session = make_session(course_id=spbe().id, capacity=5)
    page(client)
    version = get_setting(CONTENT_VERSION_KEY)
    services.register_learner(session, create_user())
    db.session.commit()
    assert reload(session).seats_taken == 1
    db.session.expire_all()
    assert get_setting(CONTENT_VERSION_KEY) == version  # seats: a Core UPDATE, no new version
    assert "Workshop SRIKANDI" in page(client)


def test_a_session_that_ends_leaves_the_panel_without_any_change(client, courses, monkeypatch):
    session = make_session(course_id=spbe().id, starts_in=timedelta(hours=1), hours=2)
    assert "Workshop SRIKANDI" in page(client)
    later = reload(session).ends_at + timedelta(minutes=1)
    monkeypatch.setattr(queries, "utcnow", lambda: later)
    assert PANEL not in page(client)
    monkeypatch.setattr(queries, "utcnow", utcnow)
    assert "Workshop SRIKANDI" in page(client)


def test_the_panel_costs_the_course_page_no_statement(client, courses):
    for hours in (24, 48, 72):
        make_session(course_id=spbe().id, starts_in=timedelta(hours=hours))
    page(client)  # the outline is read again once, sessions included
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        text = page(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert text.count("Workshop SRIKANDI") == 3
    assert not [s for s in statements if "workshop_session" in s]


def test_the_panel_lists_only_what_it_loaded(courses):
    # The outline keeps the columns the panel shows, not descriptions or meeting links.
    make_session(course_id=spbe().id, kind="webinar")
    [kept] = queries.course_sessions_part(db.session, spbe())
    loaded = set(db.inspect(kept).dict)
    assert {"title", "starts_at", "ends_at", "kind", "jp"} <= loaded
    assert not {"description_html", "meeting_url", "checkin_code"} & loaded
    assert isinstance(kept, WorkshopSession)
