"""Derived tables kept current by the transactions that change their sources.

A derived table (the search index, the yearly JP totals) is rewritten from its source rows,
never patched. Whatever changes a source goes through the ORM session, so one session hook
notes, after each flush, which keys the changed objects touch; just before the transaction
commits every derived table rewrites the rows of its noted keys, in the same transaction. A
rollback takes the derived rows back with the sources; a savepoint rolled back inside the
transaction leaves the outer notes in place.

Changes made with Core `update()`/`insert()` statements pass the ORM by: a module doing that
to a watched column must note the keys itself with `note()`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Derived:
    """name: the session.info key of its notes. watched: model -> the attributes whose change
    matters (a new or deleted object always matters). keys(obj): the keys an object touches.
    write(connection, keys): rewrite the derived rows of these keys."""

    name: str
    watched: dict
    keys: Callable
    write: Callable


_REGISTRY = []


def register(derived):
    _REGISTRY.append(derived)
    return derived


def note(session, derived, keys):
    keys = {key for key in keys if key is not None}
    if keys:
        session.info.setdefault(derived.name, set()).update(keys)


def _changed(obj, names):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session, derived):
    for obj in (*session.new, *session.dirty, *session.deleted):
        names = derived.watched.get(type(obj))
        if names is None:
            continue
        if obj in session.new or obj in session.deleted or _changed(obj, names):
            yield from derived.keys(obj)


@event.listens_for(Session, "after_flush")
def _note_changes(session, _flush_context):
    for derived in _REGISTRY:
        note(session, derived, _touched(session, derived))


@event.listens_for(Session, "before_commit")
def _write_pending(session):
    # commit() flushes only after this hook: flush now, so the last changes are noted too.
    if session.new or session.dirty or session.deleted:
        session.flush()
    for derived in _REGISTRY:
        pending = session.info.pop(derived.name, None)
        if pending:
            derived.write(session.connection(), sorted(pending, key=repr))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    # Only when the whole transaction is gone: a savepoint rolled back inside it (as
    # start_attempt does on a race) leaves the outer changes, and their notes, in place.
    if not session.in_transaction():
        for derived in _REGISTRY:
            session.info.pop(derived.name, None)
