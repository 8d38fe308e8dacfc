"""Yearly JP per person, pre-aggregated for the reports (kept current by jp_totals.py).

The detailed rows (completed enrolments, manual credits, attended sessions) stay the record;
this table only saves the reports from summing them over every ASN on every page view."""

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JpYearTotal(db.Model):
    """One person's JP of one WITA calendar year, by source. A person with no JP in a year has
    no row (the reports read a missing row as 0)."""

    __tablename__ = "jp_year_total"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    course_jp: Mapped[int] = mapped_column(Integer, default=0)
    credit_jp: Mapped[int] = mapped_column(Integer, default=0)
    session_jp: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
