"""The dashboard's suggested sessions, kept per agency between visits (queries.open_sessions_for):
what a learner sees must follow registering, cancelling, a session cancelled or added, a
registration deadline passing, and a learner registered for nearly every kept session."""

import re
from datetime import timedelta

from app.courses import outline_cache
from app.database import utcnow
from app.extensions import db
from app.workshops import queries, views
from tests.conftest import seen_statements
from tests.workshops.conftest import ANDI, BUDI, browser, text
from tests.workshops.helpers import attend, make_session
from tests.workshops.test_registration import press

SUGGESTIONS = re.compile(r"Sesi yang dapat Anda ikuti:</p>\s*<ul>(.*?)</ul>", re.S)


def suggested(client):
    """The titles under the dashboard's suggestions, in order, and the statements that read
    open sessions (those filtering on the registration deadline)."""
    db.session.expire_all()
    with seen_statements() as seen:
        page = text(client.get("/beranda"))
    found = SUGGESTIONS.search(page)
    titles = re.findall(r'<a href="/agenda/\d+">([^<]+)</a>', found.group(1)) if found else []
    return titles, [s for s in seen if "registration_deadline, workshop_session.starts_at) >" in s]


def sessions(people, count, first_day=3):
    return [make_session(people.trainer, title=f"Sesi {number:02d}",
                         starts_in=timedelta(days=first_day + number))
            for number in range(count)]


def test_kept_between_visits_and_following_registration(app, people):
    made = sessions(people, 5)
    andi = browser(app, ANDI)
    assert suggested(andi)[0] == ["Sesi 00", "Sesi 01", "Sesi 02"]
    titles, reads = suggested(andi)
    assert titles == ["Sesi 00", "Sesi 01", "Sesi 02"] and reads == []
    press(andi, made[0], "daftar")
    titles, reads = suggested(andi)
    assert titles == ["Sesi 01", "Sesi 02", "Sesi 03"] and reads == []
    press(andi, made[0], "batal")
    assert suggested(andi)[0] == ["Sesi 00", "Sesi 01", "Sesi 02"]


def test_follows_sessions_cancelled_added_and_closing(app, people, monkeypatch):
    made = sessions(people, 4)
    andi = browser(app, ANDI)
    assert suggested(andi)[0] == ["Sesi 00", "Sesi 01", "Sesi 02"]
    made[1].status = "cancelled"
    db.session.commit()
    assert suggested(andi)[0] == ["Sesi 00", "Sesi 02", "Sesi 03"]
    make_session(people.trainer, title="Sesi baru besok", starts_in=timedelta(days=1))
    assert suggested(andi)[0] == ["Sesi baru besok", "Sesi 00", "Sesi 02"]
    # Four days on: the new session and Sesi 00 have started, so registration is closed.
    later = utcnow() + timedelta(days=4, hours=1)
    monkeypatch.setattr(outline_cache, "utcnow", lambda: later)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    titles, reads = suggested(andi)
    assert titles == ["Sesi 02", "Sesi 03"] and len(reads) == 1


def test_registered_for_nearly_every_kept_session(app, people):
    """More open sessions than are kept, and a place in all but one of the kept ones: the
    suggestions read further instead of showing fewer."""
    made = sessions(people, queries.SUGGESTION_POOL + 3)
    andi = browser(app, ANDI)
    for session in made[:queries.SUGGESTION_POOL - 1]:
        press(andi, session, "daftar")
    last_kept = f"Sesi {queries.SUGGESTION_POOL - 1:02d}"
    after = [f"Sesi {n:02d}" for n in range(queries.SUGGESTION_POOL,
                                            queries.SUGGESTION_POOL + 2)]
    assert suggested(andi)[0] == [last_kept, *after]


def test_the_learners_places_with_their_state(app, people):
    """Above the suggestions: the learner's coming sessions, soonest first, each with its state
    (registered, on the waiting list, attended, or the session cancelled); ended ones and
    cancelled places are not listed."""
    full = make_session(people.trainer, title="Sesi penuh", capacity=1,
                        starts_in=timedelta(days=2))
    later = make_session(people.trainer, title="Sesi batal", starts_in=timedelta(days=5))
    running = make_session(people.trainer, title="Sesi berjalan", starts_in=timedelta(hours=-1))
    ended = make_session(people.trainer, title="Sesi lampau", starts_in=timedelta(days=-3))
    dropped = make_session(people.trainer, title="Sesi ditinggal", starts_in=timedelta(days=6))
    andi = browser(app, ANDI)
    press(browser(app, BUDI), full, "daftar")
    press(andi, full, "daftar")
    press(andi, later, "daftar")
    press(andi, dropped, "daftar")
    press(andi, dropped, "batal")
    attend(running, people.andi)
    attend(ended, people.andi)
    later.status = "cancelled"
    db.session.commit()
    page = text(andi.get("/beranda"))
    places = page[:page.index("Sesi yang dapat Anda ikuti")] if "Sesi yang dapat" in page \
        else page
    listed = re.findall(r'<li><a href="/agenda/\d+">([^<]+)</a>(.*?)</li>', places, re.S)
    states = {title: re.sub(r"<[^>]+>", "", rest).split("WITA")[-1].strip()
              for title, rest in listed}
    assert list(states) == ["Sesi berjalan", "Sesi penuh", "Sesi batal"]
    assert states == {"Sesi berjalan": "Hadir", "Sesi penuh": "Daftar tunggu",
                      "Sesi batal": "Dibatalkan"}

