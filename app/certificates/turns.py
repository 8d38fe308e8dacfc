"""Issuers take turns for certificate numbers.

A number is printed in the PDF, so it is chosen before the PDF renders and only taken by the
insert that commits it (no gaps). Without turns, an issuer whose number was taken by another
while its PDF rendered renders again with the next one, and a slower issuer (two consumers,
or a job beside an admin) can lose every round until it gives up. With turns, each issuer
holds its turn from choosing the number to the commit, one render long; learners' reads and
writes never wait for it.

PostgreSQL: a transaction-level advisory lock, released by the transaction's end. SQLite: an
exclusive lock on a file beside the database, released when the session's transaction ends
(commit, rollback or close), taken by jobs only: a write request already holds SQLite's own
write lock for its whole transaction, so nobody inserts a number during its render, and it
must not wait for a job that is waiting for that same write lock.
"""

import fcntl
import os

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.extensions import db

ADVISORY_KEY = 0x4B4F4D50  # "KOMP": the certificate-number turn
TURN_FILE_KEY = "kompeten_numbering_turn"


def take_numbering_turn(in_job):
    """Wait for this session's turn to number a certificate (kept until its transaction ends)."""
    session = db.session()
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
    elif dialect == "sqlite" and in_job and TURN_FILE_KEY not in session.info:
        path = _turn_file(db.engine.url.database)
        if path is not None:
            _listen_for_transaction_end()
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX)  # a killed holder's lock goes with its process
            session.info[TURN_FILE_KEY] = handle


def _turn_file(database):
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # an in-memory database has a single connection: nobody to take turns with
    return f"{database}-numbers.lock"


def _end_turn(session, transaction):
    if transaction.parent is not None:
        return  # a savepoint ended, not the transaction
    handle = session.info.pop(TURN_FILE_KEY, None)
    if handle is not None:
        os.close(handle)  # closing the file releases its lock


def _listen_for_transaction_end():
    if not event.contains(Session, "after_transaction_end", _end_turn):
        event.listen(Session, "after_transaction_end", _end_turn)
