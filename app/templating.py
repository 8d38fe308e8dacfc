"""Template filters and globals: dates (in WITA) and numbers in the interface language, NIP
grouping, role checks."""

from decimal import ROUND_HALF_UP, Decimal

from app.auth.nip import format_nip
from app.formats import decimal_text, long_date, medium_date, short_time
from app.settings import get_setting, registration_open


def wita_datetime(value):
    """'27 Nov 2026 14.05 WITA' (id), 'Nov 27, 2026 2:05 PM WITA' (en): UTC converted to
    Asia/Makassar, date and time written the way the interface language does (CLDR's medium
    date and short time, app/formats.py)."""
    if value is None:
        return ""
    return f"{medium_date(value)} {short_time(value)} WITA"


def wita_date(value):
    """'27 November 2026' (id), 'November 27, 2026' (en)."""
    return "" if value is None else long_date(value)


def number(value, decimals=0):
    """A number the interface language's way, with exactly `decimals` digits after the
    separator: number(1234.5, 1) is '1.234,5' (id) and '1,234.5' (en). With decimals=None,
    as many digits as the value has (a learner's answer: 3,14159 stays 3,14159)."""
    if value is None:
        return ""
    if decimals is None:
        exact = Decimal(str(value))  # str(): the shortest text of a float, not its binary tail
        return decimal_text(exact, 0, max(0, -exact.as_tuple().exponent))
    # Rounded half up first (69,45 -> 69,5), as people round; Babel alone rounds half even.
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return decimal_text(rounded, decimals, decimals)


def register_template_helpers(app):
    # Lighter pages: block tags leave no blank lines behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(wita_datetime, "wita_datetime")
    app.add_template_filter(wita_date, "wita_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(format_nip, "nip")

    @app.context_processor
    def institution():
        return {"institution_name": lambda: get_setting("institution_name"),
                "self_registration_open": registration_open}
