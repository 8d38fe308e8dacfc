"""One content import at a time.

Two `flask content import` runs at once (a deploy script beside an operator, two servers
starting together) would both insert the same new course and the loser would die on a unique
constraint. Imports therefore take turns for their whole run (both of its transactions):
PostgreSQL: a session-level advisory lock on a connection of its own; SQLite: an exclusive lock
on a file beside the database. A crashed importer's lock goes with its connection or process.
The second import is told that another one is running, waits, then finds the content already
imported ("tidak berubah").
"""

import fcntl
import os
from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db

ADVISORY_KEY = 0x4B4F4E54  # "KONT": the content import turn


@contextmanager
def content_import_turn(on_wait):
    """Hold the import turn inside the block; on_wait() is called once if it must wait."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        with _postgres_turn(on_wait):
            yield
    elif dialect == "sqlite" and _lock_file() is not None:
        with _file_turn(_lock_file(), on_wait):
            yield
    else:
        yield  # an in-memory database belongs to this process alone


@contextmanager
def _postgres_turn(on_wait):
    with db.engine.connect() as connection:
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": ADVISORY_KEY}).scalar()
        if not taken:
            on_wait()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()  # a session-level lock outlives this; no transaction left open
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()


def _lock_file():
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-content-import.lock"


@contextmanager
def _file_turn(path, on_wait):
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing the file releases its lock
