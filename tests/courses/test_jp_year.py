"""JP are credited in the WITA calendar year of completion, against a per-type target."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.courses.models import Course, Enrollment
from app.courses.services import jp_earned
from app.extensions import db
from app.settings import jp_target_for, set_setting
from app.timeutil import year_bounds_utc
from tests.conftest import PPPK_NIP


def test_year_bounds_follow_palu_time():
    start, end = year_bounds_utc(2026)
    assert start == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("completed_utc", "year"), [
    (datetime(2025, 12, 31, 15, 59, tzinfo=UTC), 2025),  # 23:59 WITA on 31 Dec
    (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), 2026),   # 00:00 WITA on 1 Jan
    (datetime(2026, 6, 1, 3, 0, tzinfo=UTC), 2026),
])
def test_completion_counts_in_its_wita_year(app, create_user, courses, completed_utc, year):
    user = create_user()
    spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    kam = db.session.scalar(select(Course).where(Course.code == "KAM-201"))
    db.session.add_all([
        Enrollment(user_id=user.id, course_id=spbe.id, completed_at=completed_utc),
        Enrollment(user_id=user.id, course_id=kam.id),  # not completed: no JP
    ])
    db.session.commit()
    assert jp_earned(user, year) == 12
    assert jp_earned(user, year + 1) == 0
    assert jp_earned(user, year - 1) == 0


def test_target_is_a_setting_per_employment_type(app, client, create_user, login):
    assert jp_target_for("pns") == 20
    set_setting("jp_target.pppk", 24)
    db.session.commit()
    create_user(nip=PPPK_NIP)
    login(PPPK_NIP)
    page = client.get("/beranda").get_data(as_text=True)
    assert "0</strong> / 24 JP" in page
    assert "Kurang 24 JP lagi" in page
