"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import json
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from app import create_app
from app.database import UTCDateTime
from app.extensions import db
from app.search.models import FULL_TEXT_TABLES, not_described_by_models
from tests.conftest import POSTGRES_URL, ROOT

# The search index's full-text parts (FTS5 tables, a tsvector column) are left out of the
# models on purpose; everything else must match.
COMPARE_OPTIONS = {"compare_type": True, "include_object": not_described_by_models}


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database of the kind the suite runs on."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"kompeten_migrations_{os.getpid()}"
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_database_url, tmp_path):
    app = create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                           "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "agency", "course", "module", "enrollment", "module_progress",
                "setting"} <= tables
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


# --- Round trips with data -------------------------------------------------------------------
# Every table gets rows before the migrations run down and up again, so a downgrade that drops
# a column other rows point at, a NOT NULL column added without a default, or a table copy
# that trips a foreign key fails here instead of on an administrator's database. The rows are
# built from the column types, so a new table is seeded without touching this file.

MIGRATIONS = str(ROOT / "migrations")
SEED_TIME = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# "status IN ('draft', ...)" as the models write it, "status::text = ANY (ARRAY['draft'::..."
# as PostgreSQL gives it back when the tables of an older revision are reflected.
IN_LIST = re.compile(r"\b(\w+)(?:::text)? (?:IN \(|= ANY \(ARRAY\[)'([^']*)'")

# What the column types cannot tell: constraints between columns. One dict per row to insert;
# None leaves a nullable column empty; a row with NEEDS is only inserted once the revision has
# that column.
NEEDS = "_needs"
ROW_OVERRIDES = {
    # A certificate is for a course (enrolment), a session (registration) or a programme,
    # never two; one of each, so 0007's and 0021's downgrades have certificates to remove.
    "certificate": [{"registration_id": None, "session_id": None, "programme_id": None},
                    {"enrollment_id": None, "course_id": None, "programme_id": None},
                    {"enrollment_id": None, "course_id": None, "registration_id": None,
                     "session_id": None, NEEDS: "programme_id"}],
    "workshop_session": [{"ends_at": SEED_TIME + timedelta(hours=2)}],
    # A course cannot require itself: two courses, the second requiring the first.
    "course": [{}, {}],
    "course_prerequisite": [{"required_course_id": 2}],
    # The setting 0008 renames and converts on the way up and down.
    "setting": [{"key": "registration", "value": json.dumps("closed")}],
    # A step is a course, a kind of session or one session, never two of them.
    "programme_step": [{"session_kind": None, "session_id": None},
                       {"course_id": None, "session_kind": None}],
    # The opening post of a thread is never its answer.
    "discussion_post": [{"is_answer": False}],
}


def _first_allowed_values(table):
    """The first value a CHECK (column IN (...)) allows, per column."""
    allowed = {}
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            for column, value in IN_LIST.findall(str(constraint.sqltext)):
                allowed.setdefault(column, value)
    return allowed


def _value(column, number, allowed):
    """A value the column accepts for the `number`th seeded row (0, 1, ...)."""
    kind = column.type
    if column.name in allowed:
        return allowed[column.name]
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return number + 1
    if isinstance(kind, Float):
        return 1.0
    if isinstance(kind, UTCDateTime | DateTime):
        return SEED_TIME
    if isinstance(kind, Date):
        return SEED_TIME.date()
    if isinstance(kind, JSON):
        return {"seeded": number}
    if isinstance(kind, LargeBinary):
        return b"%PDF-1.7 seeded"
    if isinstance(kind, String) and kind.length:
        # Full length: a NIP must have 18 characters, and a downgrade must not shorten a column.
        return f"{column.name}{number}".ljust(kind.length, "x")[:kind.length]
    if isinstance(kind, String):  # Text and String without a length
        return f"{column.table.name} {column.name} {number}"
    raise AssertionError(f"no seed value for {column.table.name}.{column.name} ({kind!r})")


def _seed_empty_tables(conn, metadata):
    """Insert rows into every table of `metadata` that has none; return the tables seeded.

    Every column is filled, the nullable ones too, so data sits in every column a migration
    copies, drops or re-creates. A foreign key points at the first row of its parent (parents
    come first in `sorted_tables`); one that points into its own table, at the row itself.
    """
    seeded = []
    for table in metadata.sorted_tables:
        if conn.execute(select(func.count()).select_from(table)).scalar():
            continue
        allowed = _first_allowed_values(table)
        rows = [overrides for overrides in ROW_OVERRIDES.get(table.name, [{}])
                if overrides.get(NEEDS, next(iter(table.c.keys()))) in table.c]
        for number, overrides in enumerate(rows):
            row = {column.name: _value(column, number, allowed) for column in table.columns}
            for column in table.columns:
                for fk in column.foreign_keys:
                    if fk.column.table is table:
                        row[column.name] = row[fk.column.name]
                    else:
                        row[column.name] = conn.execute(
                            select(fk.column).order_by(fk.column).limit(1)).scalar_one()
            row.update((name, value) for name, value in overrides.items() if name in table.c)
            conn.execute(table.insert().values(row))
        seeded.append(table.name)
    return seeded


def _reflected_metadata(conn, leave_out=()):
    """The tables as the database has them now, at an older revision than the models."""
    metadata = MetaData()
    metadata.reflect(conn)
    for name in {"alembic_version", *leave_out}:
        metadata.remove(metadata.tables[name])
    return metadata


def _row_counts(conn):
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in inspect(conn).get_table_names()
            if name != "alembic_version" and name not in FULL_TEXT_TABLES}


def _assert_models_match_migrations():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def _migrations_app(database_url, tmp_path):
    return create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": database_url,
                                            "INSTANCE_PATH": str(tmp_path)})


def _certificate_row(number, sequence, revoked):
    """A certificate row as revision 0007 knows it, for the seeded enrolment, user and course."""
    return {"number": number, "verification_code": f"CODE{sequence:08d}", "year": 2026,
            "sequence": sequence, "enrollment_id": 1, "user_id": 1, "course_id": 1,
            "holder_name": "Andi", "holder_nip": "198609262015051001", "holder_rank": "",
            "holder_position": "", "holder_agency": "", "course_title": "SPBE",
            "course_code": "SPBE-101", "jp": 12, "competency": "Teknis",
            "institution_name": "Pemkot Palu", "issuer_unit": "BKPSDM", "signer_name": "Nur",
            "signer_title": "Kepala", "signer_nip": "", "completed_on": "2026-11-01",
            "issued_on": "2026-11-02", "issued_at": "2026-11-02 00:00:00+00:00",
            "revoked_at": "2026-11-03 00:00:00+00:00" if revoked else None,
            "revoked_reason": "Teks bebas lama" if revoked else None, "pdf": b"%PDF-"}


def test_0009_gives_old_revocations_the_neutral_public_reason(empty_database_url, tmp_path):
    """Revoked before public reasons existed: "lainnya", never the old free text; valid: none."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0007_workshops")
        with db.engine.begin() as conn:
            _seed_empty_tables(conn, _reflected_metadata(conn, leave_out={"certificate"}))
        rows = [_certificate_row("800/0001", 1, revoked=True),
                _certificate_row("800/0002", 2, revoked=False)]
        columns = ", ".join(rows[0])
        values = ", ".join(f":{name}" for name in rows[0])
        with db.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO certificate ({columns}) VALUES ({values})"), rows)
        upgrade(directory=MIGRATIONS, revision="0009_revocation_reason")
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT number, revoked_public_reason FROM certificate "
                                       "ORDER BY number")).all()
        assert [tuple(row) for row in stored] == [("800/0001", "lainnya"), ("800/0002", None)]
        db.engine.dispose()


def test_0014_indexes_the_content_already_there_for_search(empty_database_url, tmp_path):
    """An upgraded site finds its existing modules at once: published ones only."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0013_attempt_flags")
        course = ("INSERT INTO course (id, code, slug, title, summary, description_source, "
                  "description_html, jp, competency, mode, provider, status, "
                  "certificate_policy, created_at, updated_at) VALUES (:id, :code, :slug, "
                  ":title, '', '', '<p>Tentang kursus.</p>', 2, 'teknis', 'e-learning', "
                  "'BKPSDM', :status, 'manual', :now, :now)")
        module = ("INSERT INTO module (course_id, position, slug, title, minutes, body_source, "
                  "body_html, updated_at) VALUES (:course_id, 1, 'modul', 'Modul', 10, '', "
                  ":html, :now)")
        now = datetime(2026, 12, 1, tzinfo=UTC)
        with db.engine.begin() as conn:
            for id_, status in ((1, "published"), (2, "draft")):
                conn.execute(text(course), {"id": id_, "code": f"K-{id_}", "slug": f"k-{id_}",
                                            "title": f"Kursus {id_}", "status": status,
                                            "now": now})
                conn.execute(text(module), {"course_id": id_, "now": now, "html":
                                            '<h2 id="h-a">Pelayanan</h2><p>Melayani warga.</p>'})
        upgrade(directory=MIGRATIONS)
        with app.test_request_context():
            from app.search.services import search

            assert [hit.url for hit in search("layanan")] == ["/kursus/k-1/modul/modul#h-a"]
        db.session.remove()
        db.engine.dispose()


def test_round_trip_to_base_and_back_with_a_row_in_every_table(empty_database_url, tmp_path):
    """Head, a row in every table, down to base, up to head: nothing left behind, nothing
    differs from the models."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            _seed_empty_tables(conn, db.metadata)
        with db.engine.connect() as conn:
            counts = _row_counts(conn)
        assert set(counts) == {table.name for table in db.metadata.sorted_tables}
        assert [name for name, count in counts.items() if not count] == []

        downgrade(directory=MIGRATIONS, revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]

        upgrade(directory=MIGRATIONS)
        _assert_models_match_migrations()
        db.engine.dispose()


def _revisions_below_head():
    """Every revision but the newest, newest first."""
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    script = ScriptDirectory.from_config(config)
    return [revision.revision for revision in script.walk_revisions()][1:]


def test_every_downgrade_and_upgrade_again_keeps_the_rows(empty_database_url, tmp_path):
    """From head with a row in every table down to each older revision and back up: the rows
    of the tables that stay are still there, and the schema is the models' again. The way up
    runs every upgrade over existing data, as on a server that has been in use."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        for revision in _revisions_below_head():
            with db.engine.begin() as conn:
                _seed_empty_tables(conn, db.metadata)
            downgrade(directory=MIGRATIONS, revision=revision)
            with db.engine.connect() as conn:
                emptied = [name for name, count in _row_counts(conn).items() if not count]
            assert emptied == [], f"downgrade to {revision} emptied {emptied}"

            upgrade(directory=MIGRATIONS)
            _assert_models_match_migrations()
        with db.engine.connect() as conn:  # 0008 converted it down and back up
            assert conn.execute(text("SELECT value FROM setting WHERE key = 'registration'")
                                ).scalar_one() == json.dumps("closed")
        db.engine.dispose()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite runs its migrations with foreign keys off")
def test_sqlite_migration_leaving_a_dangling_row_changes_nothing(empty_database_url, tmp_path):
    """Foreign keys are off while SQLite migrates, so the migrations look for dangling rows
    before they commit; one found rolls the whole run back, and the pool gets its connection
    back with foreign keys on."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010_quiz_review")
        with db.engine.begin() as conn:
            _seed_empty_tables(conn, _reflected_metadata(conn))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("UPDATE jp_credit SET user_id = 999")
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")

        with pytest.raises(SystemExit):
            upgrade(directory=MIGRATIONS)

        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                ("0010_quiz_review",)]
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        tables = inspect(db.engine).get_table_names()
        assert "job" not in tables
        assert [name for name in tables if name.startswith("_alembic_tmp")] == []
        db.engine.dispose()


def test_0015_and_0016_fill_in_what_the_data_already_says(empty_database_url, tmp_path):
    """0015 sums the JP already earned; 0016 records what was shown as Markdown as that, and
    gives every part its question's format."""
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0014_search_index")
        with db.engine.begin() as conn:
            # The search index is rebuilt by 0014 from the content; its full-text parts
            # (FTS5 tables, a generated tsvector) take no seeded rows.
            present = inspect(conn).get_table_names()
            _seed_empty_tables(conn, _reflected_metadata(conn, leave_out=[
                "search_document", *(name for name in FULL_TEXT_TABLES if name in present)]))
            conn.execute(text("UPDATE enrollment SET completed_at = :when"),
                         {"when": datetime(2026, 3, 1, 2, tzinfo=UTC)})
            conn.execute(text("UPDATE question SET text_format = 'moodle'"))
            user_id, course_jp = conn.execute(text(
                "SELECT e.user_id, c.jp FROM enrollment e JOIN course c ON c.id = e.course_id"
            )).one()
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            totals = conn.execute(text(
                "SELECT year, course_jp FROM jp_year_total WHERE user_id = :id"),
                {"id": user_id}).all()
            assert (2026, course_jp) in [tuple(row) for row in totals]
            assert conn.execute(text("SELECT DISTINCT text_format FROM question")).all() == [
                ("markdown",)]
            assert conn.execute(text(
                "SELECT DISTINCT text_format, feedback_format FROM answer_option")).all() == [
                ("markdown", "markdown")]
            assert conn.execute(text("SELECT DISTINCT default_format FROM quiz")).all() == [
                ("markdown",)]
        db.engine.dispose()
