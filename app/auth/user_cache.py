"""The logged-in user of each request, kept by the worker between requests while no commit has
changed a user.

Every logged-in request loads its user (Flask-Login's user loader, app/auth/login.py): a
statement through the ORM that was a tenth of a module page and most of the logged-in
catalogue. Each worker keeps the users it loaded as detached copies of their column values,
tagged with the users stamp (instance/users.stamp, app/stamps.py). Every commit that inserted,
changed or deleted a user row (through the ORM or an UPDATE/DELETE on the user table run by
the session), or deleted an OPD or institution a user points at, writes a new stamp after the
commit; a worker that sees another stamp drops every copy it keeps. A copy older than
USER_CACHE_SECONDS (`LMS_USER_CACHE_SECONDS`, default 10; 0 turns the cache off) is read again
anyway, for changes that bypass the app (SQL by hand, a restored backup, another app server
without this one's instance folder). So a deactivated account, a password change or "log out
everywhere" (the session version) takes effect on every worker's next request, as before.

The copy is merged into the request's session without SQL (`merge(load=False)`): the request
gets its own persistent User, relationships load lazily as before, and changes made to it are
flushed and committed like any other. A session already holding the user with changes not
yet flushed reads it as before instead (`_mergeable`).

Without a stamp (an instance folder that cannot be written) nothing is kept: every request
reads its user, as without this cache. At most MAX_USERS copies per worker (about 2 KB each).
"""

import time

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.auth.models import Agency, User
from app.extensions import db
from app.institutions.models import Institution
from app.keeping import keep_newest
from app.stamps import Stamp

STAMP_RETRY_SECONDS = 10.0
MAX_USERS = 500
_KEPT = "user_cache"
_RETRY_AT = "user_cache_stamp_retry_at"
# Rows whose deletion changes user rows in the database itself (ON DELETE SET NULL).
_REFERENCED_BY_USERS = (Agency, Institution, User)
_COLUMN_KEYS = tuple(attribute.key for attribute in User.__mapper__.column_attrs)


def load_user_by_id(user_id, read):
    """The user with this id for the current session: the worker's copy when it is current,
    else `read(user_id)` (which queries), whose result is then kept."""
    keep_for = current_app.config["USER_CACHE_SECONDS"]
    if keep_for <= 0:
        return read(user_id)
    stamp = _current_stamp()
    users = _kept_users(stamp)
    now = time.monotonic()
    entry = users.get(user_id)
    if entry is not None and now - entry[1] <= keep_for and _mergeable(user_id):
        return db.session.merge(entry[0], load=False)
    user = read(user_id)
    if user is not None and stamp:
        copy = _detached_copy(user)
        if copy is not None:
            keep_newest(users, user_id, (copy, now), MAX_USERS)
    return user


def _mergeable(user_id):
    """A merge without loading overwrites the session's own instance of the user, if it has
    one (a request's session starts empty; tests share one across requests): fine for an
    unchanged instance, not for one carrying changes not yet flushed."""
    identity_map = db.session.identity_map
    if not len(identity_map):  # a request's first statement: nothing to look up
        return True
    held = identity_map.get(identity_key(User, user_id))
    return held is None or not inspect(held).modified


def forget_users():
    """Drop this worker's copies (after a commit that changed users, before the stamp)."""
    current_app.extensions.pop(_KEPT, None)


USERS_STAMP = Stamp("users.stamp", on_change=forget_users)


def _current_stamp():
    """The users stamp; the first request of a site without one writes it (at most once per
    STAMP_RETRY_SECONDS when the instance folder refuses)."""
    stamp = USERS_STAMP.read()
    if stamp:
        return stamp
    now = time.monotonic()
    if now < current_app.extensions.get(_RETRY_AT, 0.0):
        return b""
    current_app.extensions[_RETRY_AT] = now + STAMP_RETRY_SECONDS
    return USERS_STAMP.write()


def _kept_users(stamp):
    if not stamp:
        return {}  # nothing is kept without a stamp
    kept = current_app.extensions.get(_KEPT)
    if kept is None or kept[0] != stamp:
        kept = current_app.extensions[_KEPT] = (stamp, {})
    return kept[1]


def _detached_copy(user):
    """A new detached User holding the loaded column values (no relationships), or None when a
    column is not loaded."""
    values = inspect(user).dict
    if any(key not in values for key in _COLUMN_KEYS):
        return None
    copy = User.__mapper__.class_manager.new_instance()
    for key in _COLUMN_KEYS:
        set_committed_value(copy, key, values[key])
    make_transient_to_detached(copy)
    return copy


# --- what makes the copies stale -----------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _note_flushed_users(session, _flush_context):
    if any(isinstance(obj, User) for obj in (*session.new, *session.dirty)) or any(
            isinstance(obj, _REFERENCED_BY_USERS) for obj in session.deleted):
        USERS_STAMP.note_change(session)


@event.listens_for(Session, "do_orm_execute")
def _note_user_statements(state):
    """UPDATE, DELETE or INSERT on the user table run through the session (bulk imports, the
    unread counter, a restored seed), which the flush never sees."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == User.__tablename__:
            USERS_STAMP.note_change(state.session)
