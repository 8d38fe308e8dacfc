"""Flask-Babel: the interface language of each request, and every time shown in WITA.

Bahasa Indonesia is the default; English is the second language. The language of a request is,
in order: the logged-in user's own choice (User.language), the `lang` cookie set by the
language switch (anonymous visitors, and a browser after logout), the browser's
Accept-Language, and finally Indonesian. Times are always shown in Palu's zone (WITA).
"""

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user, user_logged_in

from app.headers import add_vary

# Each language named in itself, as the switch shows it.
LANGUAGES = {"id": "Indonesia", "en": "English"}
LANGUAGE_COOKIE = "lang"
LARGE_TEXT_COOKIE = "teks_besar"
PREFERENCE_COOKIE_AGE = 60 * 60 * 24 * 365


def _user():
    """The logged-in user, or None (also outside a request)."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


def _browser_language():
    g.locale_from_browser = True
    return request.accept_languages.best_match(LANGUAGES, default=None)


def select_locale():
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = _user()
    for choice in (user.language if user else None, request.cookies.get(LANGUAGE_COOKIE)):
        if choice in LANGUAGES:
            return _LOCALES[choice]
    choice = _browser_language()
    return _LOCALES[choice] if choice else current_app.config["BABEL_DEFAULT_LOCALE"]


# Parsed once: Flask-Babel parses the selector's text into a Locale on every request, and
# takes a Locale as it is (Locale objects do not change).
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def large_text_on():
    """Whether pages use the larger text: the user's setting, or the cookie when anonymous."""
    user = _user()
    if user is not None:
        return bool(user.large_text)
    return has_request_context() and request.cookies.get(LARGE_TEXT_COOKIE) == "1"


def remember_preference(response, name, value):
    """Keep a display preference in this browser for a year (works before and after login)."""
    response.set_cookie(name, value, max_age=PREFERENCE_COOKIE_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def current_language():
    """The interface language of this request ("id" or "en")."""
    return str(get_locale())


def _vary_on_language(response):
    """A page chosen by Accept-Language must not be served from a cache to another browser."""
    if g.get("locale_from_browser"):
        add_vary(response, "Accept-Language")
    return response


def _relocalize_after_login(sender, user, **extra):
    """Messages after login (the welcome flash) use the language of the user who logged in."""
    refresh()


def request_translations():
    """The translations of this request's language, found once and kept beside Flask-Babel's
    own per-request state.

    Flask-Babel resolves the context, domain and locale on every `_()` a template calls
    (some twenty per page, each through several context-local look-ups: ~15 % of a module
    page's time). The pair is keyed by the locale object, so `force_locale()` and `refresh()`,
    which replace that object, are followed at once."""
    state = getattr(g, "_flask_babel", None) if g else None
    if state is not None:
        kept = getattr(state, "kompeten_translations", None)
        locale = getattr(state, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    translations = get_translations()
    state = getattr(g, "_flask_babel", None) if g else None
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.kompeten_translations = (state.babel_locale, translations)
    return translations


def _install_template_gettext(app):
    """Templates' `_()` and `ngettext()` through `request_translations` (same behaviour as
    Flask-Babel's callables: newstyle, autoescaped, %-formatted)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: request_translations().ugettext(text),
        ngettext=lambda singular, plural, n: request_translations().ungettext(
            singular, plural, n),
        pgettext=lambda context, text: request_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(
            context, singular, plural, n),
        newstyle=True)


def configure_babel(app, babel):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    _install_template_gettext(app)
    app.after_request(_vary_on_language)
    user_logged_in.connect(_relocalize_after_login, app)

    @app.context_processor
    def language_helpers():
        return {"languages": LANGUAGES, "large_text_on": large_text_on,
                "current_language": current_language}
