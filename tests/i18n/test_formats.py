"""Dates and numbers are written the interface language's way; times are always WITA; the
certificate, an official Indonesian document, stays Indonesian whoever issues it."""

import random
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import flask_babel
import pytest
from flask_babel import refresh
from sqlalchemy import select

from app import formats
from app.certificates import services as certificates
from app.courses.models import Course, Enrollment
from app.extensions import db
from app.reports.tables import DECIMAL, NUMBER, file_text, screen_text
from app.templating import number, wita_date, wita_datetime
from tests.i18n.helpers import ENGLISH, INDONESIAN, page

# 06.05 UTC is 14.05 in Palu (WITA, UTC+8), and 20.30 UTC is already the next day there.
MOMENT = datetime(2026, 11, 27, 6, 5, tzinfo=UTC)
LATE_EVENING_UTC = datetime(2026, 11, 26, 20, 30, tzinfo=UTC)
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM


@contextmanager
def in_language(app, headers):
    """A request from a browser with these headers. The tests keep one app context open, and
    Flask-Babel caches the locale in its `g`: forget it, as a new server request would."""
    with app.test_request_context("/", headers=headers):
        refresh()
        yield


@pytest.mark.parametrize("headers, datetime_text, date_text, late_text", [
    (INDONESIAN, "27 Nov 2026 14.05 WITA", "27 November 2026", "27 Nov 2026 04.30 WITA"),
    (ENGLISH, f"Nov 27, 2026 2:05{NNBSP}PM WITA", "November 27, 2026",
     f"Nov 27, 2026 4:30{NNBSP}AM WITA"),
])
def test_dates_and_times(app, headers, datetime_text, date_text, late_text):
    with in_language(app, headers):
        assert wita_datetime(MOMENT) == datetime_text
        assert wita_datetime(LATE_EVENING_UTC) == late_text  # the WITA day, not the UTC one
        assert wita_date(MOMENT) == date_text
        assert wita_date(date(2026, 11, 27)) == date_text
        assert wita_datetime(None) == wita_date(None) == ""


@pytest.mark.parametrize("headers, expected, exact", [
    (INDONESIAN, ["1.234,5", "1.234", "69,5", "0,0", "100,0", "66,7"],
     ["3,14159", "1.500", "-0,25", "1", "0,1"]),
    (ENGLISH, ["1,234.5", "1,234", "69.5", "0.0", "100.0", "66.7"],
     ["3.14159", "1,500", "-0.25", "1", "0.1"]),
])
def test_numbers(app, headers, expected, exact):
    with in_language(app, headers):
        assert [number(1234.5, 1), number(1234), number(69.45, 1), number(0, 1),
                number(100.0, 1), number(Decimal("66.66"), 1)] == expected
        # decimals=None: every digit the value has, none it has not
        assert [number(3.14159, None), number(1500.0, None), number(-0.25, None),
                number(1.0, None), number(0.1, None)] == exact
        assert number(None) == ""


def test_report_cells_on_screen_follow_the_language_and_files_stay_plain(app):
    with in_language(app, INDONESIAN):
        assert screen_text(Decimal("66.67"), DECIMAL) == "66,7"
        assert screen_text(15234, NUMBER) == "15.234"
        assert screen_text(12, NUMBER) == "12"
        assert file_text(15234, NUMBER) == "15234"
        assert screen_text(date(2026, 11, 3), "date") == "3 November 2026"
    with in_language(app, ENGLISH):
        assert screen_text(Decimal("66.67"), DECIMAL) == "66.7"
        assert screen_text(15234, NUMBER) == "15,234"
        assert screen_text(date(2026, 11, 3), "date") == "November 3, 2026"


@pytest.fixture
def issued(app, courses, create_user):
    """A certificate issued while the admin's interface is in English."""
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course.mode, course.competency = "klasikal", "teknis"
    holder = create_user(name="Siti Rahmawati")
    enrollment = Enrollment(user_id=holder.id, course_id=course.id,
                            completed_at=datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    db.session.add(enrollment)
    db.session.commit()
    documents = []
    original = certificates._render

    def spy(document):
        documents.append(document)
        return original(document)

    with in_language(app, ENGLISH):
        certificates._render = spy
        try:
            certificate = certificates.issue_certificate(
                enrollment, None, now=datetime(2026, 11, 4, 1, 0, tzinfo=UTC))
        finally:
            certificates._render = original
        db.session.commit()  # inside: the end of a request rolls back what is not committed
    return certificate, documents[-1]


def test_a_certificate_issued_from_an_english_screen_is_indonesian(issued):
    certificate, document = issued
    assert certificate.competency == "Teknis"
    assert document.mode == "Klasikal"  # printed as "secara klasikal (tatap muka)"
    assert document.issued_on == date(2026, 11, 4)


def test_the_verification_page_writes_its_dates_in_the_visitor_language(client, issued):
    certificate, _document = issued
    url = f"/verify/{certificate.verification_code}"
    indonesian = page(client, url)
    assert "3 November 2026" in indonesian and "4 November 2026" in indonesian
    english = page(client, url, ENGLISH)
    assert "November 3, 2026" in english and "November 4, 2026" in english
    assert "<dt>Issued</dt>" in english and "<dt>Diterbitkan</dt>" in indonesian


# --- app/formats.py writes what Babel writes, byte for byte -----------------------------------

# Every month, weekday, hour and minute (2026 and 2027), midnight and noon in WITA, naive
# datetimes (read as UTC, as Flask-Babel does), and dates of short and long years.
SWEEP_MOMENTS = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=37 * i, minutes=7 * i)
                 for i in range(500)] + [
    datetime(2026, 11, 26, 16, 0, tzinfo=UTC), datetime(2026, 11, 27, 4, 0, tzinfo=UTC),
    datetime(2026, 11, 27, 3, 59, tzinfo=UTC), datetime(2026, 11, 27, 6, 5)]
SWEEP_DATES = [date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)] + [
    date(7, 3, 4), date(987, 12, 31), date(9999, 12, 31)]


def number_values():
    draw = random.Random(19)
    values = [Decimal(text) for text in (
        "0", "-0", "-0.0", "0.5", "1.5", "2.5", "0.125", "0.135", "-0.005", "999.995",
        "1E+3", "1.50", "1000000", "-1234567.891", "123456789012345678", "0.000001")]
    for _ in range(300):
        digits = draw.randint(0, 12)
        values.append(Decimal(draw.randint(-10**digits, 10**digits)).scaleb(-draw.randint(0, 7)))
    return values


def babel_number(value, decimals):
    """app.templating.number as it was written with Flask-Babel (before app/formats.py)."""
    if value is None:
        return ""
    if decimals is None:
        exact = Decimal(str(value))
        return flask_babel.format_decimal(
            exact, "#,##0." + "#" * max(0, -exact.as_tuple().exponent))
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return flask_babel.format_decimal(
        rounded, "#,##0." + "0" * decimals if decimals else "#,##0")


@pytest.mark.parametrize("headers", [INDONESIAN, ENGLISH])
def test_dates_and_times_are_babel_s(app, headers):
    with in_language(app, headers):
        for moment in SWEEP_MOMENTS:
            assert formats.medium_date(moment) == flask_babel.format_date(moment, "medium")
            assert formats.long_date(moment) == flask_babel.format_date(moment, "long")
            assert formats.short_time(moment) == flask_babel.format_time(moment, "short")
            assert formats.weekday_date(moment) == flask_babel.format_date(
                moment, "EEEE, d MMMM yyyy")
        for day in SWEEP_DATES:
            assert formats.medium_date(day) == flask_babel.format_date(day, "medium")
            assert formats.long_date(day) == flask_babel.format_date(day, "long")
            assert formats.weekday_date(day) == flask_babel.format_date(day, "EEEE, d MMMM yyyy")


@pytest.mark.parametrize("headers", [INDONESIAN, ENGLISH])
def test_numbers_are_babel_s(app, headers):
    with in_language(app, headers):
        for value in number_values():
            for decimals in (None, 0, 1, 2, 3):
                assert number(value, decimals) == babel_number(value, decimals), (value, decimals)
            for low, high in ((0, 0), (0, 2), (0, 5), (1, 1), (3, 3)):
                pattern = "#,##0" + ("." + "0" * low + "#" * (high - low) if high else "")
                assert formats.decimal_text(value, low, high) == flask_babel.format_decimal(
                    value, pattern), (value, pattern)
        for value in (1234.5, 0.1, -2.675, 1e16, 3.14159, 100.0, 7):
            for decimals in (None, 0, 1, 2):
                assert number(value, decimals) == babel_number(value, decimals), (value, decimals)


def test_a_language_without_a_table_is_left_to_babel(app):
    with app.test_request_context("/"), flask_babel.force_locale("de"):
        assert formats.long_date(date(2026, 3, 4)) == "4. März 2026"
        assert formats.decimal_text(Decimal("1234.5"), 1, 1) == "1.234,5"


def test_formatting_loads_no_babel_locale_data(app):
    """The point of app/formats.py: 3.5 MiB per worker (docs/operations.md)."""
    from babel import localedata

    localedata.clear_caches()
    with in_language(app, ENGLISH):
        wita_datetime(MOMENT), wita_date(MOMENT), number(1234.5, 1)
    with in_language(app, INDONESIAN):
        wita_datetime(MOMENT), wita_date(MOMENT), number(1234.5, 1)
    assert not localedata._cache
