"""The workshop pages cost the same number of queries with few or many sessions, registrations
and attendances (the pattern of tests/test_query_counts_more.py)."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.settings import set_setting
from app.workshops import calendar, services
from tests.workshops.conftest import ADMIN, ANDI, TRAINER, browser
from tests.workshops.helpers import attend, make_session

PAGES = {
    # page: (who, address)
    "agenda_anonymous": (None, lambda w: "/agenda/"),
    "agenda": (ANDI, lambda w: "/agenda/"),
    "session": (ANDI, lambda w: f"/agenda/{w['session'].id}"),
    "session_ics": (None, lambda w: f"/agenda/{w['session'].id}.ics"),
    "mine": (ANDI, lambda w: "/agenda/saya"),
    "feed": (None, lambda w: f"/agenda/kalender/{w['token']}.ics"),
    "dashboard": (ANDI, lambda w: "/beranda"),
    "manage_index": (TRAINER, lambda w: "/pengajar/sesi/"),
    "manage_session": (TRAINER, lambda w: f"/pengajar/sesi/{w['session'].id}"),
    "certificates_session": (ADMIN, lambda w: f"/admin/sertifikat/sesi/{w['past'].id}"),
    "certificates_index": (ADMIN, lambda w: "/admin/sertifikat"),
}


def grow(people, create_user, world, start, count):
    """`count` more upcoming sessions Andi registers for, past ones he attended, and other
    learners registered, waiting and attended in the measured sessions."""
    for n in range(count):
        upcoming = make_session(people.trainer, title=f"Sesi {start + n}", capacity=1,
                                audience="opd" if n % 2 else "all")
        if n % 2:
            upcoming.agencies = [people.diskominfo, people.disdukcapil]
        services.register_learner(upcoming, people.andi)
        past = make_session(people.trainer, title=f"Lalu {start + n}",
                            starts_in=timedelta(days=-3 - n))
        attend(past, people.andi)
    for n in range(count):
        other = create_user(name=f"Peserta {start + n}", agency=people.disdukcapil)
        services.register_learner(world["session"], other)
        attend(world["past"], other)
    db.session.commit()


@pytest.fixture
def world(people, create_user):
    set_setting("certificate.signer_name", "Dr. Nurhayati")
    session = make_session(people.trainer, capacity=3)
    services.register_learner(session, people.andi)
    past = make_session(people.trainer, title="Workshop lalu", starts_in=timedelta(days=-1))
    attend(past, people.andi)
    feed = calendar.regenerate_feed(people.andi)
    db.session.commit()
    return {"session": session, "past": past, "token": feed.token}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_workshop_page_query_count_does_not_grow(app, people, create_user, world, queries,
                                                page):
    who, address = PAGES[page]
    client = browser(app, who)
    url = address(world)

    def measure():
        client.get(url)  # after a commit that changed settings, the first request reads them
        db.session.expire_all()
        with queries() as count, client.get(url) as response:
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()
        return count()

    grow(people, create_user, world, start=100, count=2)
    before = measure()
    grow(people, create_user, world, start=200, count=5)
    after = measure()
    assert after == before, f"{page}: {before} queries, then {after} with more data"
    assert before <= 12, f"{page} takes {before} queries"
