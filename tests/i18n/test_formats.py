"""Dates and numbers are written the interface language's way; times are always WITA; the
certificate, an official Indonesian document, stays Indonesian whoever issues it."""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import refresh
from sqlalchemy import select

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
