"""Fixtures for the account tests: an app with self-registration switched off."""

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import BUNDLED_COURSES


@pytest.fixture
def closed_app(database_url, tmp_path):
    """Kompeten as deployed with LMS_REGISTRATION=closed (accounts made by admins only)."""
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance-closed"),
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(BUNDLED_COURSES),
        "REGISTRATION": "closed",
    })
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def closed_client(closed_app):
    return closed_app.test_client()
