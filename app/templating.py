"""Template filters and globals: WITA dates in Indonesian, NIP grouping, role checks."""

from flask_babel import format_date, format_datetime

from app.auth.nip import format_nip
from app.settings import get_setting


def wita_datetime(value):
    """'27 Nov 2026 14.05 WITA' — Babel converts UTC to Asia/Makassar."""
    if value is None:
        return ""
    return f"{format_datetime(value, 'd MMM yyyy HH.mm')} WITA"


def wita_date(value):
    return "" if value is None else format_date(value, "d MMMM yyyy")


def register_template_helpers(app):
    # Lighter pages: block tags leave no blank lines behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(wita_datetime, "wita_datetime")
    app.add_template_filter(wita_date, "wita_date")
    app.add_template_filter(format_nip, "nip")

    @app.context_processor
    def institution():
        return {"institution_name": lambda: get_setting("institution_name"),
                "self_registration_open": lambda: bool(get_setting("self_registration"))}
