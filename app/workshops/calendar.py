"""Sessions as iCalendar (.ics): one session to add to a phone's calendar, or a learner's
secret feed of every session they hold a seat in.

Times carry TZID Asia/Makassar with its VTIMEZONE, so a calendar shows 09.00 WITA as 09.00 in
Palu and converts correctly anywhere else. The UID is stable per session and SEQUENCE follows
the session's revision, so an edited or cancelled session updates the event already saved.
The meeting link is never written into a calendar (it shows on the session page to registered
learners shortly before the start); the event links to that page instead.
"""

import re
import secrets
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.settings import get_setting
from app.timeutil import PALU_TZ
from app.web import absolute_url
from app.workshops.models import CalendarFeed

PRODID = "-//Kompeten//Agenda workshop dan webinar//ID"
TEXT_LIMIT = 2000  # a calendar entry's description, not the whole Markdown source
# RFC 5545 text holds no control characters but the tab (and escaped line breaks); a title
# is one line. Sessions saved before the form refused line breaks in titles still export.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def one_line(text):
    """Text for a one-line calendar field: line breaks folded into one space, controls gone."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text or "")).strip()


def multi_line(text):
    """Text for the description: line breaks kept as \\n (icalendar escapes them)."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", (text or "").replace("\r\n", "\n")))


def _host():
    return urlsplit(get_setting("base_url") or "").hostname or "kompeten.local"


def session_uid(session):
    return f"sesi-{session.id}@{_host()}"


def _location(session):
    if session.place:
        return one_line(session.place)
    return _("Daring (tautan di halaman sesi)") if session.is_online else ""


def _description(session, page_url):
    text = (session.description_source or "").strip()
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT].rstrip() + " …"
    lines = [f"{one_line(session.provider)} · {session.jp} JP", multi_line(text),
             _("Halaman sesi: %(url)s", url=page_url)]
    return "\n\n".join(line for line in lines if line)


def session_event(session, page_path):
    """One VEVENT for the session; `page_path` is the session page's path on this site."""
    from icalendar import Event  # here: most requests never write a calendar (80 modules)

    page_url = absolute_url(page_path)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.revision or 0)
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at.astimezone(PALU_TZ))
    event.add("dtend", session.ends_at.astimezone(PALU_TZ))
    event.add("summary", one_line(session.title))
    event.add("description", _description(session, page_url))
    event.add("url", page_url)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    location = _location(session)
    if location:
        event.add("location", location)
    return event


def calendar_bytes(events, name):
    """A whole VCALENDAR with the events and the VTIMEZONE they refer to."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    calendar.add("x-wr-timezone", "Asia/Makassar")
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- personal feeds (the secret token) ------------------------------------------------------------

def feed_of(user):
    return db.session.get(CalendarFeed, user.id)


def regenerate_feed(user):
    """A new secret calendar address for the user; the old one stops working at once."""
    feed = feed_of(user)
    token = secrets.token_urlsafe(24)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=token, created_at=utcnow())
        db.session.add(feed)
    else:
        feed.token, feed.created_at = token, utcnow()
    db.session.flush()
    return feed


def user_for_feed(token):
    """The active user whose calendar address this is, or None."""
    if not token or len(token) > 64 or "\x00" in token:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None or not feed.user.active:
        return None
    return feed.user
