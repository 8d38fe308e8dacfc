"""Per-connection database settings. SQLite is set up for a server with several workers:
foreign keys on, WAL (readers never block the writer), a busy timeout (a writer waits for the
lock instead of failing), and write requests that begin their transaction IMMEDIATE.

Why IMMEDIATE: a deferred transaction that reads and then writes asks for the write lock only
at its first write; if another worker committed in between, SQLite cannot upgrade the stale
read snapshot and fails at once with "database is locked" — the busy timeout does not help.
A POST (and every other unsafe method) takes the write lock when its transaction begins, so a
second writer simply waits its turn. Pages that only read (GET) stay deferred and never wait.

A write view whose first write is a conditional UPDATE that re-checks what it read (the quiz
autosave) may say so with `@takes_write_lock_late`: its reads run without a transaction and the
write lock is taken at that first write, so the lock is held for the write alone instead of the
whole request (user load, form parsing, JSON) and two workers' requests overlap.

PostgreSQL gets the same shape for another reason, round trips: GET requests run their reads
outside a transaction and begin one at their first write (`_postgres_begin`).
"""

import re

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# SQLite's `synchronous` levels the SQLITE_SYNCHRONOUS setting may name.
SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sqlite_pragmas(busy_timeout_ms, synchronous="FULL"):
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_LEVELS)}"
                         f", not {synchronous!r}")

    def set_pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return set_pragmas


# Execution option for a connection outside a request that must also begin IMMEDIATE, e.g. the
# migrations (migrations/env.py): `connection.execution_options(**{BEGIN_IMMEDIATE: True})`.
BEGIN_IMMEDIATE = "kompeten_begin_immediate"


# The attribute `takes_write_lock_late` puts on a view function (kept by functools.wraps).
WRITE_LOCK_LATE = "kompeten_write_lock_late"


def takes_write_lock_late(view):
    """Mark a write view whose reads may run outside its transaction: the transaction (and on
    SQLite the write lock) begins at its first write. Only for views whose first write is a
    conditional UPDATE re-checking, in the database, every condition its reads established;
    anything that counts, then inserts (seats, enrolments) needs the lock from the start."""
    setattr(view, WRITE_LOCK_LATE, True)
    return view


def begins_immediate():
    """True inside a request that may write (POST, PUT, PATCH, DELETE), unless its view takes
    the write lock late. The URL is matched before any hook runs, so the user load (the first
    statement of most requests) already knows."""
    if not has_request_context() or request.method in SAFE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, WRITE_LOCK_LATE, False)


def _sqlite_begin(connection):
    """Start the transaction SQLAlchemy is beginning.

    In a write request, or on a connection with the BEGIN_IMMEDIATE option: take the write
    lock now (BEGIN IMMEDIATE), with the driver's own transaction handling switched off so it
    cannot interfere; then DDL runs inside the transaction too, which the driver's default
    never does. Everywhere else (pages that read, CLI commands, background work): the
    driver's default, which reads without a transaction and begins one just before the first
    write — so it never holds a stale read snapshot it would then fail to upgrade.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if begins_immediate() or connection.get_execution_options().get(BEGIN_IMMEDIATE):
        dbapi_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        dbapi_connection.isolation_level = ""


def _postgres_begin(connection):
    """Pages that only read (GET) run their statements outside a transaction: no BEGIN and no
    ROLLBACK round trips, two of the five a module page costs. Under READ COMMITTED (the
    default, used everywhere here) every statement sees what is committed when it starts,
    inside a transaction or not, so the reads see the same data. The first statement that
    writes or locks switches the connection back (`_postgres_write_starts_transaction`), so
    it and everything after it are one transaction, committed or rolled back as before.
    """
    from psycopg.pq import TransactionStatus  # here: SQLite sites never load psycopg

    if _asked_for_autocommit(connection):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.info.transaction_status == TransactionStatus.IDLE:
        dbapi_connection.autocommit = has_request_context() and not begins_immediate()


# Row-locking clauses (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE): a lock is
# only worth something inside the transaction that goes on to write.
ROW_LOCK = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b")


def _reads_only(statement):
    return statement.lstrip()[:6].upper() == "SELECT" and not ROW_LOCK.search(statement)


def _asked_for_autocommit(connection):
    """A connection given isolation_level="AUTOCOMMIT" on purpose (for VACUUM, CREATE INDEX
    CONCURRENTLY and the like, which cannot run in a transaction) stays in autocommit for every
    statement: the hooks below would otherwise begin a transaction at its first write."""
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _postgres_write_starts_transaction(conn, cursor, statement, parameters, context, many):
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection.autocommit and not _reads_only(statement) and not _asked_for_autocommit(
            conn):
        dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


def configure_engine(app):
    with app.app_context():
        from app.extensions import db

        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(
            engine, "begin", _sqlite_begin
        ):
            busy_ms = app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000)
            synchronous = str(app.config.get("SQLITE_SYNCHRONOUS", "FULL")).upper()
            event.listen(engine, "connect", _sqlite_pragmas(busy_ms, synchronous))
            event.listen(engine, "begin", _sqlite_begin)
        if engine.dialect.name == "postgresql" and not event.contains(
            engine, "begin", _postgres_begin
        ):
            event.listen(engine, "begin", _postgres_begin)
            event.listen(engine, "before_cursor_execute", _postgres_write_starts_transaction)
