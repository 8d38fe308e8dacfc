"""Flask-Babel: Bahasa Indonesia by default, every time shown in Palu's zone (WITA)."""

from flask import current_app


def select_locale():
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def configure_babel(app, babel):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
