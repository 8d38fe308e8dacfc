"""Rate limits are checked where they are declared. Every limit in Kompeten is a decorator on
its view, so Flask-Limiter's own before_request check (which only adds default, application
and blueprint limits) is dropped from every page view; a site that configures such a limit
keeps it, and it holds."""

import pytest

from app import create_app
from app.extensions import limiter
from tests.conftest import BUNDLED_COURSES

VISITOR = {"REMOTE_ADDR": "203.0.113.40"}


def make_app(database_url, tmp_path, **settings):
    return create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES), **settings})


def limiter_checks_every_request(app):
    return limiter._check_request_limit in app.before_request_funcs.get(None, [])


def test_page_views_skip_the_limiters_empty_check(app):
    assert not limiter_checks_every_request(app)
    # Flask-Limiter's other hooks (headers on limited routes, its context) stay.
    assert app.after_request_funcs.get(None)


def test_a_decorated_limit_still_answers_429(database_url, tmp_path):
    """The public verification budget (a `shared_limit` decorator) holds without the hook."""
    app = make_app(database_url, tmp_path, VERIFY_RATE_LIMIT="2 per minute")
    with app.app_context():
        from app.extensions import db

        db.create_all()
        client = app.test_client()
        statuses = [client.get("/verify/TIDAKADA0000", environ_base=VISITOR).status_code
                    for _ in range(3)]
        db.session.remove()
        db.engine.dispose()
    assert statuses == [404, 404, 429]


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_configured_default_or_application_limit_keeps_the_check(database_url, tmp_path,
                                                                    setting):
    app = make_app(database_url, tmp_path, **{setting: "2 per minute"})
    assert limiter_checks_every_request(app)
    client = app.test_client()
    statuses = [client.get("/ping", environ_base=VISITOR).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
