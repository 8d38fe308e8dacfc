"""Kompeten: a learning management system for the ASN of Pemerintah Kota Palu."""

import os

from app.extensions import babel, compress, csrf, db, limiter, login_manager
from app.flask_app import KompetenFlask


def create_app(config_object="config.Config", overrides=None):
    """The application factory: a table of contents, one register_* call per concern."""
    app = KompetenFlask(__name__, instance_path=None, instance_relative_config=False)
    register_config(app, config_object, overrides)
    register_proxy(app)
    register_extensions(app)
    register_models()
    register_url_converters(app)
    register_blueprints(app)
    register_jobs(app)
    register_cli(app)
    register_errors(app)
    register_templates(app)
    register_headers(app)
    register_rate_limit_checks(app)
    return app


def register_config(app, config_object, overrides):
    from config import load_secret_key

    app.config.from_object(config_object)
    app.config.update(overrides or {})
    if app.config.get("STARTUP_CHECKS"):
        # Before anything reads the database URL or writes the secret key: a wrong setting
        # becomes one Indonesian line per problem and exit status 2, not a traceback.
        from app.startup_checks import exit_on_problems, settings_problems

        exit_on_problems(settings_problems(app.config))
    app.instance_path = app.config["INSTANCE_PATH"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)


def register_proxy(app):
    from app.proxy import register_proxy as apply_proxy_settings

    apply_proxy_settings(app)


def register_extensions(app):
    from app.auth.login import configure_login
    from app.csrf_tokens import register_csrf_tokens
    from app.database_setup import configure_engine
    from app.i18n import configure_babel

    db.init_app(app)
    configure_engine(app)
    register_migrations(app)
    csrf.init_app(app)
    register_csrf_tokens(app)
    configure_babel(app, babel)
    login_manager.init_app(app)
    configure_login(app, login_manager)
    limiter.init_app(app)
    compress.init_app(app)


def register_rate_limit_checks(app):
    """Every rate limit here is a decorator on its view (`@limiter.limit`,
    `limiter.shared_limit`), and the decorator checks it. Flask-Limiter also checks each request
    in a before_request hook, for default, application and blueprint limits: there are none,
    so that hook found nothing on every page view, at 3 % of a module page's time. It goes
    when no such limit is configured (after the blueprints, which could declare one)."""
    manager = limiter.limit_manager
    if (manager.default_limits or manager.application_limits or manager._blueprint_limits
            or limiter._meta_limits):
        return
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [hook for hook in hooks
                                      if hook != limiter._check_request_limit]


def register_models():
    """Import every model module so metadata (and Alembic) sees all tables."""
    import app.auth.models
    import app.courses.models
    import app.discussion.models
    import app.jobs.models
    import app.notifications.models
    import app.programmes.models
    import app.search.models
    import app.settings
    import app.workshops.models  # noqa: F401


def wants_commands(app):
    """Whether this app serves `flask …` commands: under the `flask` command and in tests. An
    app created outside it (gunicorn, run.py's server) never runs one, so it leaves their
    modules unloaded (docs/operations.md, what a worker keeps in memory)."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true" or app.testing


def register_migrations(app):
    """`flask db …` (Flask-Migrate) for the command line and the tests. A web worker never
    migrates, and Flask-Migrate pulls in Alembic, Mako and Pygments (~10 MiB per worker)."""
    if wants_commands(app):
        from flask_migrate import Migrate

        Migrate(app, db, render_as_batch=True, compare_type=True)


def register_url_converters(app):
    from app.web import register_converters

    register_converters(app)


def register_blueprints(app):
    from app.admin import register_admin
    from app.auth.views import bp as auth_bp
    from app.authoring import register_authoring
    from app.certificates import register_certificates
    from app.courses.views import bp as courses_bp
    from app.discussion import register_discussion
    from app.institutions import register_institutions
    from app.notifications import register_notifications
    from app.operations import register_operations
    from app.preferences import register_preferences
    from app.programmes import register_programmes
    from app.quizzes import register_quizzes
    from app.reports import register_reports
    from app.search import register_search
    from app.workshops import register_workshops

    app.register_blueprint(courses_bp)
    app.register_blueprint(auth_bp)
    register_quizzes(app)
    register_certificates(app)
    register_authoring(app)
    register_admin(app)
    register_reports(app)
    register_workshops(app)
    register_search(app)
    register_operations(app)
    register_preferences(app)
    register_notifications(app)
    register_programmes(app)
    register_institutions(app)
    register_discussion(app)


def register_jobs(app):
    from app.jobs import register_jobs as configure_jobs

    configure_jobs(app)


def register_cli(app):
    """The `flask` commands of the core packages (the others register theirs): the bench
    seeder, the demo, imports and the rest cost a web worker ~1.5 MiB it never uses."""
    if not wants_commands(app):
        return
    from app.auth.cli import agencies_cli, users_cli
    from app.content.cli import content_cli
    from app.courses.cli import courses_cli
    from app.demo import register_demo

    app.cli.add_command(content_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(agencies_cli)
    register_demo(app)


def register_errors(app):
    from app.errorpages import register_error_pages

    register_error_pages(app)


def register_templates(app):
    from app.assets import register_assets
    from app.frame import register_page_frame
    from app.templating import register_template_helpers

    register_template_helpers(app)
    register_page_frame(app)
    register_assets(app)


def register_headers(app):
    from app.headers import add_cache_policy, add_security_headers

    app.after_request(add_security_headers)
    app.after_request(add_cache_policy)
