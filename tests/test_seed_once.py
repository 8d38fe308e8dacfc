"""seed_once (tests/conftest.py): a seed written again as rows must leave the database as the
seed itself would, or every test using the `courses` or pages' `site` fixtures proves less."""

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select, update

from app.auth import services as auth_services
from app.auth.models import User
from app.content.loader import import_courses
from app.courses.models import Course, Module
from app.extensions import db
from app.institutions.models import Institution
from app.search import services as search_services
from tests.conftest import (
    BUNDLED_COURSES,
    HELD,
    SEEDED,
    _empty_all_tables,
    _instance_files,
    seed_once,
)


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
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert not [chain for (where, chain) in SEEDED if where == url and "test.not-empty" in chain]
    assert url not in HELD  # what the database holds is no chain of seeds


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


def _on_top(calls):
    """A seed on top of the courses that inserts, updates and deletes rows and writes and
    removes instance files, as issuing, editing and retiring do."""
    def seed():
        calls.append("top")
        user = auth_services.create_user(nip="199001012015011901", name="Peserta Lapis",
                                         password="rahasia-palu-2026", roles=("learner",))
        db.session.execute(update(Course).where(Course.slug == "spbe-101")
                           .values(title="SPBE untuk Lapisan"))
        db.session.delete(db.session.scalars(select(Module).order_by(Module.id.desc())).first())
        folder = Path(current_app.instance_path) / "lapisan"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "bukti.txt").write_text("ada")
        db.session.commit()
        return {"user_id": user.id}
    return seed


def _start_over():
    """An empty database and instance folder, as the next test gets them."""
    for path in Path(current_app.instance_path).rglob("*.txt"):
        path.unlink()
    _empty_all_tables()


@pytest.fixture(autouse=True)
def forget_kept_seeds():
    """Each test here counts its seeds' runs: none may find one kept by another test."""
    kept = dict(SEEDED)
    SEEDED.clear()
    yield
    SEEDED.clear()
    SEEDED.update(kept)


def test_a_seed_on_top_of_another_is_kept_as_its_changes_and_restored_onto_it(app):
    calls = []
    seed_once("test.base", _import_bundled(calls))
    first = seed_once("test.top", _on_top(calls))
    seeded, files = _everything(), _instance_files()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert HELD == {url: ("test.base", "test.top")}
    kept = SEEDED[(url, ("test.base", "test.top"))]
    assert "course" in {table.name for table in kept.updated}  # with the content version
    assert "module" in {table.name for table in kept.deleted}
    assert "lapisan/bukti.txt" in kept.written

    _start_over()
    seed_once("test.base", _import_bundled(calls))
    second = seed_once("test.top", _on_top(calls))
    assert calls == [1, "top"]  # both written again, neither run
    assert second == first and _everything() == seeded and _instance_files() == files
    assert db.session.get(User, second["user_id"]).name == "Peserta Lapis"


def test_a_write_between_two_seeds_breaks_the_chain(app, create_user):
    calls = []
    seed_once("test.base", _import_bundled(calls))
    seed_once("test.top", _on_top(calls))
    _start_over()
    seed_once("test.base", _import_bundled(calls))
    create_user(nip="199001012015011902")  # a write the kept seed on top never saw
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert url not in HELD
    seed_once("test.top", _on_top(calls))
    assert calls == [1, "top", "top"]
    assert db.session.scalar(select(User.id).where(User.nip == "199001012015011902"))


def test_a_file_written_between_two_seeds_breaks_the_chain(app):
    calls = []
    seed_once("test.base", _import_bundled(calls))
    seed_once("test.top", _on_top(calls))
    _start_over()
    seed_once("test.base", _import_bundled(calls))
    (Path(current_app.instance_path) / "catatan.txt").write_text("tanpa baris di basis data")
    seed_once("test.top", _on_top(calls))
    assert calls == [1, "top", "top"]


def test_the_factory_skips_numbers_a_restored_seed_has_taken(app, create_user):
    seed_once("test.users", lambda: {"nip": create_user().nip})
    _empty_all_tables()
    restored = seed_once("test.users", lambda: {"nip": create_user().nip})
    # The factory of this test never made that user, yet does not make it twice.
    assert create_user().nip != restored["nip"]
