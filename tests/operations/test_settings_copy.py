"""Each worker's copy of the settings (app/settings.py): no query per request, and a change
made through any worker is seen by every other on its next request, because the commit that
made it rewrites the stamp in instance/."""

from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.settings import STAMP_FILE, get_setting, set_setting
from tests.conftest import BUNDLED_COURSES


@pytest.fixture
def second_worker(app, database_url):
    """Another worker of the same installation: same database, same instance folder."""
    other = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES)})
    yield other
    with other.app_context():
        db.engine.dispose()


def _registration_link_shown(worker):
    return 'href="/daftar"' in worker.test_client().get("/masuk").get_data(as_text=True)


def test_a_page_reads_no_settings_while_nothing_changed(app, client, queries):
    client.get("/masuk")
    with queries() as counted:
        assert client.get("/masuk").status_code == 200
    assert counted() == 0


def test_a_change_on_one_worker_shows_on_the_next_request_of_another(app, second_worker):
    set_setting("registration", "open-with-verification")
    db.session.commit()
    assert _registration_link_shown(second_worker)  # the second worker now keeps "open"
    set_setting("registration", "closed")
    db.session.commit()  # on the first worker: the commit rewrites the stamp
    assert not _registration_link_shown(second_worker)
    assert not _registration_link_shown(app)


def _stamp(app):
    path = Path(app.instance_path) / STAMP_FILE
    return path.read_bytes() if path.exists() else b""


def test_a_rolled_back_change_rewrites_no_stamp(app):
    get_setting("registration")
    before = _stamp(app)
    set_setting("registration", "closed")
    db.session.rollback()
    assert _stamp(app) == before
    set_setting("registration", "closed")
    db.session.commit()
    assert _stamp(app) != before


def test_an_unwritable_instance_folder_does_not_lose_the_change(app, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(Path, "write_bytes", refuse)
    set_setting("institution_name", "Pemerintah Kota Palu (uji)")
    db.session.commit()  # no exception: the change is stored, other workers see it later
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.execute(db.text(
        "SELECT value FROM setting WHERE key = 'institution_name'")).scalar() == \
        '"Pemerintah Kota Palu (uji)"'
