"""Calendar export: a session's .ics and a learner's secret feed, parsed back with icalendar;
WITA times, stable UIDs, SEQUENCE on change, no meeting link, 404 on a wrong token."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from app.extensions import db
from app.settings import set_setting
from app.workshops import calendar, services
from tests.workshops.conftest import ANDI, browser, flashes, post_form, text
from tests.workshops.helpers import attend, make_session


def events_of(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and "Kompeten" in str(calendar["PRODID"])
    return calendar, list(calendar.walk("VEVENT"))


def test_a_session_downloads_as_ics_in_wita(app, people):
    set_setting("base_url", "https://kompeten.palukota.go.id")
    db.session.commit()
    session = make_session(people.trainer, kind="webinar", title="Webinar Keamanan Siber")
    session.starts_at = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 09.00 WITA
    session.ends_at = datetime(2030, 3, 4, 4, 0, tzinfo=UTC)
    db.session.commit()
    response = browser(app).get(f"/agenda/{session.id}.ics")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="sesi-{session.id}.ics"'
    calendar, [event] = events_of(response)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (str(start.tzinfo), start.hour, start.minute) == ("Asia/Makassar", 9, 0)
    assert start == session.starts_at and end == session.ends_at
    assert "TZID=Asia/Makassar" in response.data.decode()
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Makassar"]
    assert str(event["UID"]) == f"sesi-{session.id}@kompeten.palukota.go.id"
    assert str(event["SUMMARY"]) == "Webinar Keamanan Siber"
    assert str(event["URL"]) == f"https://kompeten.palukota.go.id/agenda/{session.id}"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "zoom.example.go.id" not in response.data.decode()  # the link stays on the page
    assert str(event["LOCATION"]) == "Daring (tautan di halaman sesi)"


def test_the_uid_stays_and_the_sequence_grows_when_the_session_changes(app, people):
    session = make_session(people.trainer)
    client = browser(app)
    _calendar, [before] = events_of(client.get(f"/agenda/{session.id}.ics"))
    services.cancel_session(session, people.trainer)
    db.session.commit()
    _calendar, [after] = events_of(client.get(f"/agenda/{session.id}.ics"))
    assert after["UID"] == before["UID"]
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert str(after["STATUS"]) == "CANCELLED"


def test_the_personal_feed_lists_the_sessions_with_a_seat(app, people):
    held = make_session(people.trainer, title="Workshop TTE", capacity=1)
    waiting = make_session(people.trainer, title="Webinar penuh", capacity=1)
    other = make_session(people.trainer, title="Sesi orang lain")
    services.register_learner(held, people.andi)
    services.register_learner(waiting, people.budi)
    services.register_learner(waiting, people.andi)  # Andi only waits here
    services.register_learner(other, people.citra)
    db.session.commit()
    andi = browser(app, ANDI)
    assert "Buat alamat kalender" in text(andi.get("/agenda/saya"))
    page = text(post_form(andi, "/agenda/saya", {}, action_url="/agenda/saya/kalender"))
    assert "Alamat kalender Anda dibuat." in flashes(page, "success")
    feed_url = calendar.feed_of(people.andi).token
    path = f"/agenda/kalender/{feed_url}.ics"
    assert path in page
    _calendar, events = events_of(browser(app).get(path))  # a calendar app: no login
    assert [str(e["SUMMARY"]) for e in events] == ["Workshop TTE"]
    # A new address: the old one is dead at once.
    page = text(post_form(andi, "/agenda/saya", {}, action_url="/agenda/saya/kalender"))
    assert "Alamat kalender baru dibuat; alamat lama tidak berlaku lagi." in flashes(page)
    assert browser(app).get(path).status_code == 404
    new_path = f"/agenda/kalender/{calendar.feed_of(people.andi).token}.ics"
    assert browser(app).get(new_path).status_code == 200


def test_wrong_tokens_and_inactive_accounts_get_404(app, people):
    calendar.regenerate_feed(people.andi)
    db.session.commit()
    token = calendar.feed_of(people.andi).token
    client = browser(app)
    for wrong in ("salah", token[:-1], token.upper() if token.upper() != token else "x" * 32,
                  "a" * 200):
        assert client.get(f"/agenda/kalender/{wrong}.ics").status_code == 404
    people.andi.active = False
    db.session.commit()
    assert client.get(f"/agenda/kalender/{token}.ics").status_code == 404


def test_old_sessions_leave_the_feed(app, people):
    recent = make_session(people.trainer, title="Bulan lalu", starts_in=timedelta(days=-30))
    old = make_session(people.trainer, title="Tahun lalu", starts_in=timedelta(days=-400))
    attend(recent, people.andi)
    attend(old, people.andi)
    feed = calendar.regenerate_feed(people.andi)
    db.session.commit()
    _calendar, events = events_of(browser(app).get(f"/agenda/kalender/{feed.token}.ics"))
    assert [str(e["SUMMARY"]) for e in events] == ["Bulan lalu"]


def test_session_times_follow_the_interface_language(app, people):
    session = make_session(people.trainer, title="Webinar Keamanan Siber")
    session.starts_at = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 09.00-12.00 WITA
    session.ends_at = datetime(2030, 3, 4, 4, 0, tzinfo=UTC)
    db.session.commit()
    visitor = browser(app)
    page = visitor.get(f"/agenda/{session.id}").get_data(as_text=True)
    assert "Senin, 4 Maret 2030, 09.00–12.00 WITA" in page
    visitor.set_cookie("lang", "en")
    page = visitor.get(f"/agenda/{session.id}").get_data(as_text=True)
    assert "Monday, 4 March 2030, 9:00\u202fAM–12:00\u202fPM WITA" in page or \
        "Monday, 4 March 2030, 9:00 AM–12:00 PM WITA" in page
    assert "09.00" not in page
