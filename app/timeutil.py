"""Palu time (WITA): dates are stored in UTC and shown and bucketed by year in Asia/Makassar."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.database import utcnow

PALU_TZ = ZoneInfo("Asia/Makassar")


def now_in_palu():
    return utcnow().astimezone(PALU_TZ)


def palu_date(moment):
    """The WITA calendar date of an aware datetime (None stays None)."""
    return moment.astimezone(PALU_TZ).date() if moment is not None else None


def current_year():
    """The calendar year in Palu now (JP are credited per WITA calendar year)."""
    return now_in_palu().year


def year_bounds_utc(year):
    """[start, end) of a WITA calendar year, as aware UTC datetimes."""
    start = datetime(year, 1, 1, tzinfo=PALU_TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=PALU_TZ).astimezone(UTC)
    return start, end
