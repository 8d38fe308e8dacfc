"""The page frame (skip link, header with menu and preferences, footer) rendered once per kind
of viewer and reused, instead of on every page view.

What the frame shows depends only on the interface language, the text size, the viewer's roles
(and whether theirs is a demo account, docs/demo.md), two settings (the institution's name,
whether registration is open) and the path the app is served under; that tuple is the cache
key, so a changed setting or role simply finds another entry. The per-visitor parts, the CSRF
token of its three small forms and the bell's unread count, are rendered as placeholders and
put in on the way out. Flash messages are not in the frame.

The cache lives on the app (a test's app never sees another's) and holds at most
MAX_ENTRIES frames (a few KB each): with 2 languages × 2 text sizes × 7 role sets (visitor,
learner, trainer, admin, and the last three as demo accounts) × 2 registration states it
never fills unless the institution's name keeps changing, and then it is emptied and filled
again."""

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.i18n import current_language, large_text_on
from app.settings import get_setting, registration_open

MAX_ENTRIES = 64
TOKEN_PLACEHOLDER = "kompeten-frame-csrf-token"
UNREAD_PLACEHOLDER = "<!--kompeten-frame-unread-->"
PARTS = ("header", "footer")


def _role_set(user):
    if not user.is_authenticated:
        return "visitor"
    role = "admin" if user.is_admin else "trainer" if user.is_trainer else "learner"
    return f"{role}+demo" if user.is_demo else role


def frame_key(user=None):
    # The user is looked up once: each `current_user` is several context-local look-ups.
    user = user if user is not None else current_user._get_current_object()
    return (current_language(), large_text_on(), _role_set(user), registration_open(),
            get_setting("institution_name"), request.script_root)


def _placeholder_token():
    return TOKEN_PLACEHOLDER


def _render_parts():
    # The templates call csrf_token(): here it gives the placeholder, replaced per request.
    return {part: render_template(f"_frame_{part}.html", csrf_token=_placeholder_token)
            for part in PARTS}


def page_frame():
    """{"header": Markup, "footer": Markup} for this request."""
    cache = current_app.extensions.setdefault("page_frame", {})
    user = current_user._get_current_object()
    key = frame_key(user)
    entry = cache.get(key)
    if entry is None:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        # The frame's parts, and its bell badges by count as they are first needed.
        entry = cache[key] = (_render_parts(), {})
    parts, badges = entry
    token, unread = generate_csrf(), _unread_badge(user, badges)
    return {part: Markup(html.replace(TOKEN_PLACEHOLDER, token).replace(UNREAD_PLACEHOLDER, unread))
            for part, html in parts.items()}


def _unread_badge(user, badges):
    """The bell's count: read from the user row already loaded for this page (no query), its
    markup kept per shown count with the frame (in the frame's language; at most 101)."""
    if not user.is_authenticated:
        return ""
    count = user.unread_notifications or 0
    shown = "99+" if count > 99 else str(count)
    badge = badges.get(shown)
    if badge is None:
        badge = badges[shown] = _badge_markup(shown)
    return badge


def _badge_markup(shown):
    if shown == "0":
        return str(Markup('<span class="visually-hidden">{}</span>').format(
            _("tidak ada yang belum dibaca")))
    return str(Markup('<span class="bell-count">{}</span><span class="visually-hidden"> {}'
                      '</span>').format(shown, _("belum dibaca")))


def register_page_frame(app):
    app.add_template_global(page_frame, "page_frame")
