"""Dates, times and numbers the way CLDR writes them in the two interface languages, without
loading Babel's locale data.

Babel loads a language's CLDR data (and its global tables) on the first date or number it
formats: some 3.5 MiB in every worker, and 1.3 more for English, for a few month and day names,
three patterns and two separators. These are copied here from CLDR as Babel 2.19 has them;
tests/i18n/test_formats.py checks every function byte for byte against Flask-Babel's over many
values, so a Babel upgrade that changes a pattern fails there. Any other language (none today)
goes to Flask-Babel itself. Times are converted to the request's time zone (WITA) by
Flask-Babel's own `to_user_timezone`, as its format_* functions do.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import flask_babel
from flask_babel import get_locale, to_user_timezone


@dataclass(frozen=True)
class Language:
    months: tuple  # wide names, January first (MMMM)
    months_short: tuple  # abbreviated (MMM)
    weekdays: tuple  # wide names, Monday first (EEEE)
    medium_date: str  # CLDR's medium date pattern, as a format string
    long_date: str
    short_time: object  # datetime -> text
    decimal: str
    group: str


def _hour_minute(moment):  # "HH.mm"
    return f"{moment.hour:02d}.{moment.minute:02d}"


def _clock_12(moment):  # "h:mm a", with CLDR's narrow no-break space before AM/PM
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}\u202f{'AM' if moment.hour < 12 else 'PM'}"


LANGUAGES = {
    "id": Language(
        months=("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                "September", "Oktober", "November", "Desember"),
        months_short=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt",
                      "Nov", "Des"),
        weekdays=("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
        medium_date="{d} {MMM} {y}", long_date="{d} {MMMM} {y}", short_time=_hour_minute,
        decimal=",", group="."),
    "en": Language(
        months=("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"),
        months_short=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                      "Nov", "Dec"),
        weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                  "Sunday"),
        medium_date="{MMM} {d}, {y}", long_date="{MMMM} {d}, {y}", short_time=_clock_12,
        decimal=".", group=","),
}


def _language():
    return LANGUAGES.get(str(get_locale()))


def _local_day(value):
    """The calendar date shown for a date or datetime (a datetime in WITA)."""
    return to_user_timezone(value).date() if isinstance(value, datetime) else value


def _date_text(pattern, language, day):
    return pattern.format(d=day.day, y=day.year, MMM=language.months_short[day.month - 1],
                          MMMM=language.months[day.month - 1])


def medium_date(value):
    """flask_babel.format_date(value, "medium"): '27 Nov 2026', 'Nov 27, 2026'."""
    language = _language()
    if language is None or not isinstance(value, date):
        return flask_babel.format_date(value, "medium")
    return _date_text(language.medium_date, language, _local_day(value))


def long_date(value):
    """flask_babel.format_date(value, "long"): '27 November 2026', 'November 27, 2026'."""
    language = _language()
    if language is None or not isinstance(value, date):
        return flask_babel.format_date(value, "long")
    return _date_text(language.long_date, language, _local_day(value))


def weekday_date(value):
    """flask_babel.format_date(value, "EEEE, d MMMM yyyy"): 'Selasa, 3 November 2026'."""
    language = _language()
    if language is None or not isinstance(value, date):
        return flask_babel.format_date(value, "EEEE, d MMMM yyyy")
    day = _local_day(value)
    return (f"{language.weekdays[day.weekday()]}, {day.day} {language.months[day.month - 1]} "
            f"{day.year:04d}")


def short_time(value):
    """flask_babel.format_time(value, "short") of a datetime: '14.05', '2:05 PM'."""
    language = _language()
    if language is None or not isinstance(value, datetime):
        return flask_babel.format_time(value, "short")
    return language.short_time(to_user_timezone(value))


def decimal_text(value, min_fraction, max_fraction):
    """flask_babel.format_decimal(value, pattern) of a Decimal, for the patterns '#,##0' (no
    fraction), '#,##0.00' (min = max) and '#,##0.##' (min 0): Babel's rounding (half even, to
    max_fraction digits), grouping by three and trailing zeros dropped down to min_fraction."""
    language = _language()
    if language is None:
        pattern = "#,##0" + ("." + "0" * min_fraction + "#" * (max_fraction - min_fraction)
                             if max_fraction else "")
        return flask_babel.format_decimal(value, pattern)
    negative = value.is_signed()
    rounded = abs(value).normalize().quantize(Decimal(10) ** -max_fraction)
    whole, _, fraction = f"{rounded:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = language.group.join([whole, *groups])
    fraction = (fraction or "0").ljust(min_fraction, "0")
    if max_fraction and not (min_fraction == 0 and int(fraction) == 0):
        text += language.decimal + fraction[:min_fraction] + fraction[min_fraction:].rstrip("0")
    return ("-" if negative else "") + text
