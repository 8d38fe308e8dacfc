"""seed_once (tests/conftest.py): a seed written again as rows must leave the database as the
seed itself would, or every test using the `courses` or pages' `site` fixtures proves less."""

from sqlalchemy import select

from app.auth import services as auth_services
from app.content.loader import import_courses
from app.extensions import db
from app.institutions.models import Institution
from app.search import services as search_services
from tests.conftest import BUNDLED_COURSES, SEEDED, _empty_all_tables, seed_once


def _everything():
    return {table.name: [tuple(row) for row in db.session.execute(
        select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables}


def _import_bundled(calls):
    def seed():
        calls.append(1)
        report = import_courses(BUNDLED_COURSES)
        assert report.ok, report.problems
        return report
    return seed


def test_a_restored_seed_is_the_seeded_database(app, client):
    calls = []
    first = seed_once("test.restored", _import_bundled(calls))
    seeded = _everything()
    _empty_all_tables()
    second = seed_once("test.restored", _import_bundled(calls))
    assert calls == [1]  # the second time, rows were written, nothing imported
    assert _everything() == seeded
    assert sorted(second.created) == sorted(first.created) and second is not first
    # What the rows feed still works: full-text search (SQLite's FTS5 follows its triggers)
    # and a re-import that finds nothing to change.
    with app.test_request_context():
        assert search_services.search("phishing", limit=3)
    again = import_courses(BUNDLED_COURSES)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 7
    # New rows get ids of their own after the restored ones (PostgreSQL's sequences).
    restored = max(row[0] for row in seeded["institution"])
    added = Institution(name="Politeknik Palu Contoh", slug="politeknik-palu-contoh")
    db.session.add(added)
    db.session.commit()
    assert added.id > restored
    page = client.get("/kursus/spbe-101")
    assert page.status_code == 200 and "SPBE" in page.get_data(as_text=True)


def test_a_seed_into_a_database_with_rows_is_not_kept(app):
    auth_services.seed_agencies()
    db.session.commit()
    calls = []
    seed_once("test.not-empty", _import_bundled(calls))
    assert ("test.not-empty", app.config["SQLALCHEMY_DATABASE_URI"]) not in SEEDED


def test_tables_with_rows_get_the_seed_run_again(app):
    calls = []
    seed_once("test.rerun", _import_bundled(calls))
    _empty_all_tables()
    auth_services.seed_agencies()  # the institution table stays empty: still restorable
    db.session.commit()
    seed_once("test.rerun", _import_bundled(calls))
    assert calls == [1]
    # Now the course tables have rows: writing the kept rows would collide, so it seeds.
    seed_once("test.rerun", lambda: calls.append(2) or import_courses(BUNDLED_COURSES))
    assert calls == [1, 2]
