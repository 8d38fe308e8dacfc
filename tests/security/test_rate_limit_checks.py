"""Rate limits are checked where they are declared. Every limit in Kompeten is a decorator on
its view, so Flask-Limiter's own before_request check (which only adds default, application
and blueprint limits) is dropped from every page view; a site that configures such a limit
keeps it, and it holds."""

import pytest

from app.extensions import limiter
from tests.conftest import configured_app

VISITOR = {"REMOTE_ADDR": "203.0.113.40"}


def limiter_checks_every_request(app):
    return limiter._check_request_limit in app.before_request_funcs.get(None, [])


def test_page_views_skip_the_limiters_empty_check(app):
    assert not limiter_checks_every_request(app)
    # Flask-Limiter's other hooks (headers on limited routes, its context) stay.
    assert app.after_request_funcs.get(None)


def test_a_decorated_limit_still_answers_429(database_url, tmp_path):
    """The public verification budget (a `shared_limit` decorator) holds without the hook."""
    with configured_app(database_url, tmp_path, VERIFY_RATE_LIMIT="2 per minute") as app:
        client = app.test_client()
        statuses = [client.get("/verify/TIDAKADA0000", environ_base=VISITOR).status_code
                    for _ in range(3)]
    assert statuses == [404, 404, 429]


@pytest.fixture
def limiter_defaults_restored():
    """The limiter is one object for the whole test process, and Flask-Limiter keeps the first
    configured default or application limit for every later app: put back what was there,
    or every later test of this worker would be limited to 2 requests a minute."""
    manager = limiter.limit_manager
    kept = manager._default_limits, manager._application_limits
    yield
    manager.set_default_limits(kept[0])
    manager.set_application_limits(kept[1])


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_configured_default_or_application_limit_keeps_the_check(
        database_url, tmp_path, setting, limiter_defaults_restored):
    with configured_app(database_url, tmp_path, **{setting: "2 per minute"}) as app:
        assert limiter_checks_every_request(app)
        client = app.test_client()
        statuses = [client.get("/ping", environ_base=VISITOR).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_next_app_has_no_default_limit_again(app):
    """Run after the test above in the same process: its limit did not leak."""
    assert not limiter.limit_manager.default_limits
    assert not limiter.limit_manager.application_limits
    assert not limiter_checks_every_request(app)
