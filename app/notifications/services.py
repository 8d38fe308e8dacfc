"""Creating, counting, reading and tidying notifications.

`notify` is the one way in. It takes any number of people as a list of ids or as a SELECT of
user ids, and costs a fixed handful of statements whatever their number: the notifications
are inserted by one INSERT … SELECT that also applies each person's choice for the kind (off,
in the app, or by email, daily or at once), and the unread counters on `user` are set by one
UPDATE that recounts them. Mail is made afterwards by the job queue (notifications/mail.py)."""

import json
from datetime import timedelta

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import Select, and_, case, delete, func, insert, literal, select, update
from sqlalchemy import inspect as sa_inspect

from app.auth.models import User
from app.database import utcnow
from app.extensions import db
from app.notifications.kinds import KINDS, kinds_for
from app.notifications.models import (
    EMAIL,
    MAIL_DIGEST,
    MAIL_QUEUED,
    OFF,
    Notification,
    NotificationPreference,
)


def link_to(endpoint, **values):
    """The path of a page, for a notification's link: without the prefix the app is served
    under (added when shown or mailed), and also from a job, outside any request."""
    if has_request_context():
        return url_for(endpoint, **values)[len(request.script_root):] or "/"
    # No request context pushed here: popping one would run request teardown (and end the
    # job's transaction in the tests' fixture).
    return current_app.url_map.bind("localhost").build(endpoint, values)


def mail_enabled():
    return bool(current_app.config.get("SMTP_HOST"))


def _who(users):
    """The condition on User naming these people (a SELECT of user ids, or ids or users), or
    None when the list is empty."""
    if isinstance(users, Select):
        return User.id.in_(users.scalar_subquery())
    ids = sorted({user if isinstance(user, int) else _identity(user) for user in users})
    return User.id.in_(ids) if ids else None


def _identity(user):
    # The primary key without loading the row: objects expired by a commit stay unloaded.
    identity = sa_inspect(user).identity
    return identity[0] if identity else user.id


def notify(users, kind, params=None, link=None, now=None):
    """Tell these people that something happened (flushes nothing else; the caller commits).
    Returns how many notifications were made. Email, where chosen, is sent after the commit
    by the job queue."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    who = _who(users)
    if who is None:
        return 0
    now = now or utcnow()
    channel = func.coalesce(NotificationPreference.channel, KINDS[kind].default)
    wants_mail = and_(channel == EMAIL, User.email.is_not(None),
                      User.email_confirmed_at.is_not(None), literal(mail_enabled()))
    mail_state = case((and_(wants_mail, User.email_digest.is_(True)), MAIL_DIGEST),
                      (wants_mail, MAIL_QUEUED), else_=None)
    chosen = (
        select(User.id, literal(kind), literal(json.dumps(params or {}, sort_keys=True)),
               literal(link), literal(now, type_=Notification.created_at.type), mail_state)
        .select_from(User)
        .outerjoin(NotificationPreference, and_(NotificationPreference.user_id == User.id,
                                                NotificationPreference.kind == kind))
        .where(who, User.active.is_(True), channel != OFF))
    made = db.session.execute(insert(Notification).from_select(
        ["user_id", "kind", "params_json", "link", "created_at", "mail_state"], chosen)
        # psycopg reports no rowcount for INSERT … SELECT unless asked to keep it.
        .execution_options(preserve_rowcount=True)).rowcount
    if made:
        _recount(who)
        if mail_enabled():
            from app.notifications.mail import send_soon

            send_soon()
    return made


def notify_each(entries, now=None):
    """Notifications whose words differ per person ([(user_id, kind, params, link)]: a
    certificate number each): one SELECT of their choices and addresses, one multi-row INSERT
    and one recount, whatever their number."""
    if not entries:
        return 0
    now = now or utcnow()
    user_ids = sorted({entry[0] for entry in entries})
    people = {row.id: row for row in db.session.execute(
        select(User.id, User.active, User.email, User.email_confirmed_at, User.email_digest)
        .where(User.id.in_(user_ids)))}
    chosen = dict(((user_id, kind), channel) for user_id, kind, channel in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind,
               NotificationPreference.channel)
        .where(NotificationPreference.user_id.in_(user_ids))))
    rows = []
    for user_id, kind, params, link in entries:
        person = people.get(user_id)
        channel = chosen.get((user_id, kind), KINDS[kind].default)
        if person is None or not person.active or channel == OFF:
            continue
        rows.append({"user_id": user_id, "kind": kind, "link": link, "created_at": now,
                     "params_json": json.dumps(params or {}, sort_keys=True),
                     "mail_state": _mail_state(person, channel)})
    if rows:
        db.session.execute(insert(Notification), rows)
        _recount(sorted({row["user_id"] for row in rows}))
        if any(row["mail_state"] == MAIL_QUEUED for row in rows):
            from app.notifications.mail import send_soon

            send_soon()
    return len(rows)


def _mail_state(person, channel):
    if channel != EMAIL or not person.email or person.email_confirmed_at is None \
            or not mail_enabled():
        return None
    return MAIL_DIGEST if person.email_digest else MAIL_QUEUED


# --- notifications made by services, written when their transaction commits ---------------------
_PENDING_KEY = "kompeten_notifications_to_write"


def notify_later(user_id, kind, params=None, link=None):
    """Note a notification for one person; it is written just before the caller commits, with
    every other one noted in the same transaction in one go (notify_each). A service issuing
    certificates in a loop adds no statement per learner, and a rolled-back action notifies
    nobody."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    db.session().info.setdefault(_PENDING_KEY, []).append((user_id, kind, params, link))


def _write_pending(session):
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        notify_each(pending)


def _forget_pending(session, *args):
    session.info.pop(_PENDING_KEY, None)


def listen_for_commits():
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_commit", _write_pending):
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_rollback", _forget_pending)


def own_notification(user, notification_id):
    """A notification of this person's, or None (another's is as good as missing)."""
    return db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))


def _recount(who):
    """Set the unread counters of these people (a list of ids, or a condition on User) from
    their notifications: one UPDATE, exact whatever happened before."""
    if isinstance(who, list):
        who = User.id.in_(who)
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None))
              .scalar_subquery())
    db.session.execute(update(User).where(who)
                       .values(unread_notifications=unread)
                       .execution_options(synchronize_session=False))


def mark_read(user, notification, now=None):
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
        _recount([user.id])
        db.session.refresh(user, ["unread_notifications"])


def mark_all_read(user, now=None):
    db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    _recount([user.id])
    db.session.refresh(user, ["unread_notifications"])


def prune_old(now=None):
    """Delete notifications older than the keeping time; recount those who lost unread ones."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["NOTIFICATION_KEEP_DAYS"])
    old = Notification.created_at < cutoff
    affected = db.session.scalars(select(Notification.user_id).where(
        old, Notification.read_at.is_(None)).distinct()).all()
    deleted = db.session.execute(delete(Notification).where(old)).rowcount
    if affected:
        _recount(affected)
    return deleted


def forget_links(links):
    """Delete every notification pointing at one of these pages, because what it told of is
    gone (`flask demo remove`: the demo's course, sessions and announcement); recount those
    who lost unread ones. Returns how many were deleted."""
    links = sorted(set(links))
    if not links:
        return 0
    pointing = Notification.link.in_(links)
    affected = db.session.scalars(select(Notification.user_id).where(
        pointing, Notification.read_at.is_(None)).distinct()).all()
    deleted = db.session.execute(delete(Notification).where(pointing)
                                 .execution_options(synchronize_session=False)).rowcount
    if affected:
        _recount(affected)
    return deleted


# --- preferences ----------------------------------------------------------------------------

def preferences_of(user):
    """{kind name: channel} for every kind this person can receive, defaults filled in."""
    stored = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.channel)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind.name: stored.get(kind.name, kind.default) for kind in kinds_for(user)}


def set_preference(user, kind, channel):
    row = db.session.get(NotificationPreference, (user.id, kind))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
    else:
        row.channel = channel
    db.session.flush()


def save_preferences(user, channels, digest):
    """Store each kind's channel (only those that differ from what is in force)."""
    current = preferences_of(user)
    changed = [kind for kind, channel in channels.items()
               if kind in current and current[kind] != channel]
    for kind in changed:
        set_preference(user, kind, channels[kind])
    if bool(digest) != bool(user.email_digest):
        user.email_digest = bool(digest)
        changed.append("digest")
    return changed
