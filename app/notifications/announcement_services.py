"""BKPSDM's announcements: publishing one to everyone or to chosen OPD, withdrawing it, and
reading which are current for a person.

Who is in an announcement's audience is decided in one place, `audience_condition`: no agency
chosen means everyone; otherwise a person's agency or the OPD above it (a unit counts for its
OPD) must be among the chosen ones. The dashboard, the announcement's page and the notification
recipients all follow it."""

import json
from datetime import datetime, time, timedelta
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.audit import AuditEvent, record_event
from app.auth.models import Agency, User
from app.content.markdown import render_markdown
from app.courses.outline_cache import cached_for_content, note_content_changed
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.notifications.models import Announcement, announcement_agency
from app.notifications.services import link_to, notify
from app.timeutil import PALU_TZ
from app.workshops.queries import agency_chain, agency_chain_of

KIND = "announcement"
EVERYONE, CHOSEN_OPD = "all", "opd"
AUDIENCES = {EVERYONE: _l("Semua ASN"), CHOSEN_OPD: _l("OPD tertentu")}
# How long an announcement may stay on dashboards, and the form's suggestion.
MAX_DAYS, DEFAULT_DAYS = 365, 14
DASHBOARD_LIMIT = 3

CURRENT, ENDED, WITHDRAWN = "current", "ended", "withdrawn"
# status -> (label, badge tone)
STATUSES = {CURRENT: (_l("Tayang"), "ok"), ENDED: (_l("Berakhir"), "info"),
            WITHDRAWN: (_l("Ditarik"), "warn")}


class AnnouncementError(LmsError):
    pass


# --- who sees it ------------------------------------------------------------------------------

def audience_condition(user):
    """SQL on Announcement: meant for everyone, or for the user's agency or its OPD."""
    return _for_agencies(agency_chain_of(user))


def _for_agencies(agency_ids):
    chosen = select(announcement_agency.c.announcement_id).where(
        announcement_agency.c.agency_id.in_(agency_ids))
    for_everyone = ~exists().where(announcement_agency.c.announcement_id == Announcement.id)
    return or_(for_everyone, Announcement.id.in_(chosen))


def _is_current(now):
    return (Announcement.withdrawn_at.is_(None), Announcement.ends_at > now)


@cache
def _current_statement():
    """Built once with bind parameters."""
    return (select(Announcement.id, Announcement.title, Announcement.created_at,
                   Announcement.ends_at)
            .where(*_is_current(bindparam("now")),
                   _for_agencies(agency_chain(bindparam("agency_id"))))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(DASHBOARD_LIMIT))


# One list per agency (and one for people without): far fewer than the people asking.
CACHED_AGENCIES = 512


def current_for(user, now=None):
    """The dashboard's announcements for this person, newest first, as rows (id, title,
    created_at, ends_at). Kept per agency until the content version changes (publishing,
    withdrawing, an agency moved) or the first of them ends; so no query on most visits."""
    now = now or utcnow()

    def read():
        return db.session.execute(_current_statement(),
                                  {"now": now, "agency_id": user.agency_id}).all()
    return cached_for_content("dashboard_announcements", user.agency_id, read, CACHED_AGENCIES,
                              valid_until=_first_end)


def _first_end(announcements):
    return min((a.ends_at for a in announcements), default=None)


def readable_announcement(user, announcement_id):
    """The announcement if this person may read it, else None: people in its audience while
    it is not withdrawn (ended ones stay readable from the notification); admins, any."""
    query = select(Announcement).options(selectinload(Announcement.agencies)).where(
        Announcement.id == announcement_id)
    if not user.is_admin:
        query = query.where(Announcement.withdrawn_at.is_(None), audience_condition(user))
    return db.session.scalar(query)


def status_of(announcement, now=None):
    if announcement.withdrawn_at is not None:
        return WITHDRAWN
    return CURRENT if announcement.ends_at > (now or utcnow()) else ENDED


# --- the admin's list -------------------------------------------------------------------------

def admin_list_query():
    """Every announcement, newest first, with its OPD and author (for services.paginate)."""
    return (select(Announcement)
            .options(selectinload(Announcement.agencies), joinedload(Announcement.created_by))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc()))


def recipient_counts(announcements):
    """{announcement id: how many people it was sent to}, from its audit event (the number is
    recorded when it is sent; notifications themselves are pruned later). One query."""
    ids = [str(announcement.id) for announcement in announcements]
    if not ids:
        return {}
    rows = db.session.execute(select(AuditEvent.object_id, AuditEvent.details_json).where(
        AuditEvent.action == "announcement.create", AuditEvent.object_type == "announcement",
        AuditEvent.object_id.in_(ids)))
    return {int(object_id): json.loads(details or "{}").get("recipients")
            for object_id, details in rows}


# --- publishing and withdrawing ----------------------------------------------------------------

def end_of_day(day):
    """The last second of a WITA calendar day, as an aware datetime (stored as UTC)."""
    return datetime.combine(day, time(23, 59, 59), PALU_TZ)


def ends_on_problem(day, today):
    """Why an announcement cannot be shown until this WITA day (a message), or None."""
    if day < today:
        return _("Tanggal sudah lewat: pilih hari ini atau tanggal sesudahnya.")
    if day > today + timedelta(days=MAX_DAYS):
        return _("Paling lama satu tahun (%(days)d hari) dari hari ini.", days=MAX_DAYS)
    return None


def audience_members(agencies):
    """A SELECT of the ids of the learners in the audience: everyone (no agencies), or the
    people of these agencies and of their units. Inactive people are left out by notify."""
    member = aliased(User)
    query = select(member.id).where(member.is_learner.is_(True))
    if not agencies:
        return query
    ids = [agency.id for agency in agencies]
    units = select(Agency.id).where(Agency.parent_id.in_(ids))
    return query.where(or_(member.agency_id.in_(ids), member.agency_id.in_(units)))


def create_announcement(values, admin, now=None):
    """Publish an announcement: stored, audited, and sent as a notification to every learner
    in its audience by one INSERT … SELECT (notify), however many they are. `values`: title,
    body (Markdown), agencies (empty: everyone), ends_at (aware). Returns (announcement, how
    many people it was sent to). Flushes; the caller commits."""
    now = now or utcnow()
    agencies = list(values.get("agencies") or ())
    announcement = Announcement(
        title=values["title"], body_source=values["body"],
        body_html=render_markdown(values["body"], heading_base=2), created_by=admin,
        created_at=now, ends_at=values["ends_at"], agencies=agencies)
    db.session.add(announcement)
    db.session.flush()
    sent = notify(audience_members(agencies), KIND, {"title": announcement.title},
                  link=link_to("announcements.show", announcement_id=announcement.id), now=now)
    record_event(admin, "announcement.create", "announcement", announcement.id,
                 title=announcement.title, audience=CHOSEN_OPD if agencies else EVERYONE,
                 agencies=[agency.code for agency in agencies],
                 ends_at=announcement.ends_at.isoformat(), recipients=sent)
    db.session.flush()
    return announcement, sent


def withdraw_announcement(announcement, admin, now=None):
    """Take an announcement off every dashboard at once (its page answers 404 from then on).

    A conditional UPDATE decides: of two admins withdrawing at the same moment only one
    succeeds and is audited; the other is told it was already withdrawn."""
    now = now or utcnow()
    done = db.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.withdrawn_at.is_(None))
        .values(withdrawn_at=now).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise AnnouncementError(_("Pengumuman ini sudah ditarik sebelumnya."))
    note_content_changed(db.session)  # off every dashboard's cached list
    db.session.refresh(announcement, ["withdrawn_at"])
    record_event(admin, "announcement.withdraw", "announcement", announcement.id,
                 title=announcement.title)
    db.session.flush()
    return announcement
