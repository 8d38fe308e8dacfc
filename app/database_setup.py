"""Per-connection database settings. SQLite is set up for a server with several workers:
foreign keys on, WAL (readers never block the writer), a busy timeout (a writer waits for the
lock instead of failing), and write requests that begin their transaction IMMEDIATE.

Why IMMEDIATE: a deferred transaction that reads and then writes asks for the write lock only
at its first write; if another worker committed in between, SQLite cannot upgrade the stale
read snapshot and fails at once with "database is locked" — the busy timeout does not help.
A POST (and every other unsafe method) takes the write lock when its transaction begins, so a
second writer simply waits its turn. Pages that only read (GET) stay deferred and never wait.
"""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def begins_immediate():
    """True inside a request that may write (POST, PUT, PATCH, DELETE)."""
    return has_request_context() and request.method not in SAFE_METHODS


def _sqlite_begin(connection):
    """Start the transaction SQLAlchemy is beginning.

    In a write request: take the write lock now (BEGIN IMMEDIATE), with the driver's own
    transaction handling switched off so it cannot interfere. Everywhere else (pages that
    read, CLI commands, background work): the driver's default, which reads without a
    transaction and begins one just before the first write — so it never holds a stale read
    snapshot it would then fail to upgrade.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if begins_immediate():
        dbapi_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        dbapi_connection.isolation_level = ""


def configure_engine(app):
    with app.app_context():
        from app.extensions import db

        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(
            engine, "connect", _sqlite_pragmas
        ):
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
