"""PostgreSQL: pages that only read run without BEGIN/ROLLBACK round trips; the first write of
any request starts a transaction that holds everything after it (app/database_setup.py)."""

import pytest
from sqlalchemy import event, select

from app.auth.models import User
from app.extensions import db


@pytest.fixture
def postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's transactions; SQLite has its own rules (test_sqlite_writers.py)")


def run_recording(work):
    """Run work(); return (first word, transaction state after it ran) for each statement."""
    seen = []

    def after(conn, cursor, statement, parameters, context, executemany):
        state = conn.connection.dbapi_connection.info.transaction_status.name
        seen.append((statement.split()[0].upper(), state))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        work()
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    return seen


def in_request(app, method, work):
    db.session.remove()  # the request begins its own transaction, as in service
    with app.test_request_context("/", method=method):
        try:
            work()
        finally:
            db.session.remove()


def name_of(user_id):
    return db.session.scalar(select(User.name).where(User.id == user_id))


def test_a_page_that_only_reads_runs_outside_a_transaction(app, postgres_only, create_user):
    user_id = create_user().id
    seen = run_recording(lambda: in_request(app, "GET", lambda: (name_of(user_id),
                                                                 name_of(user_id))))
    assert seen == [("SELECT", "IDLE"), ("SELECT", "IDLE")]


def test_the_first_write_of_a_get_starts_one_transaction(app, postgres_only, create_user):
    user_id = create_user(name="Nama Lama").id

    def read_write_read_then_fail():
        name_of(user_id)
        db.session.get(User, user_id).name = "Nama Baru"
        db.session.flush()
        name_of(user_id)
        db.session.rollback()  # an error after the write: nothing of it may stay

    seen = run_recording(lambda: in_request(app, "GET", read_write_read_then_fail))
    assert [state for _, state in seen] == ["IDLE", "IDLE", "INTRANS", "INTRANS"]
    assert ("UPDATE", "INTRANS") in seen
    assert name_of(user_id) == "Nama Lama"

    def write_and_commit():
        db.session.get(User, user_id).name = "Nama Baru"
        db.session.commit()

    in_request(app, "GET", write_and_commit)
    assert name_of(user_id) == "Nama Baru"


def test_a_post_is_one_transaction_from_its_first_statement(app, postgres_only, create_user):
    user_id = create_user().id
    seen = run_recording(lambda: in_request(app, "POST", lambda: name_of(user_id)))
    assert seen == [("SELECT", "INTRANS")]


def test_locking_reads_start_the_transaction(app, postgres_only, create_user):
    user_id = create_user().id

    def lock_row():
        db.session.scalar(select(User.id).where(User.id == user_id).with_for_update())

    seen = run_recording(lambda: in_request(app, "GET", lock_row))
    assert seen == [("SELECT", "INTRANS")]


def test_a_connection_asked_for_autocommit_runs_vacuum_outside_a_transaction(app, postgres_only):
    """VACUUM (and CREATE INDEX CONCURRENTLY) cannot run in a transaction: the write hook must
    not turn a connection asked for AUTOCOMMIT back into one."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        seen = run_recording(lambda: connection.exec_driver_sql("VACUUM (ANALYZE) agency"))
    assert seen == [("VACUUM", "IDLE")]
