"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import POSTGRES_URL, ROOT


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
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "agency", "course", "module", "enrollment", "module_progress",
                "setting"} <= tables
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _certificate_row(number, sequence, revoked):
    """A certificate row as revision 0007 knows it (foreign keys are switched off around it)."""
    return {"number": number, "verification_code": f"CODE{sequence:08d}", "year": 2026,
            "sequence": sequence, "enrollment_id": sequence, "user_id": 1, "course_id": 1,
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
    app = create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                           "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        directory = str(ROOT / "migrations")
        upgrade(directory=directory, revision="0007_workshops")
        rows = [_certificate_row("800/0001", 1, revoked=True),
                _certificate_row("800/0002", 2, revoked=False)]
        columns = ", ".join(rows[0])
        values = ", ".join(f":{name}" for name in rows[0])
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            else:
                conn.exec_driver_sql("SET session_replication_role = replica")
            conn.execute(text(f"INSERT INTO certificate ({columns}) VALUES ({values})"), rows)
        upgrade(directory=directory, revision="0009_revocation_reason")
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT number, revoked_public_reason FROM certificate "
                                       "ORDER BY number")).all()
        assert [tuple(row) for row in stored] == [("800/0001", "lainnya"), ("800/0002", None)]
        db.engine.dispose()
