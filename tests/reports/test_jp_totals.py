"""The yearly JP totals (jp_year_total) always equal the sum of the detailed rows.

The oracle is `jp_earned(user, year)`: the dashboard's own SQL sum over completed enrolments,
manual credits and attended sessions, which does not read the totals. Every check compares
the whole table, for every person and every year that has JP, with that sum.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.courses.models import Enrollment, JpCredit, JpYearTotal
from app.courses.services import jp_earned, jp_of_year, progress_and_jp, progress_for_user
from app.extensions import db
from app.reports import credit_services, queries
from app.reports.jp_totals import rebuild
from app.workshops.models import SessionRegistration
from tests.conftest import seen_statements
from tests.reports.conftest import YEAR, enrol, page_text, utc
from tests.workshops.helpers import attend, make_session

YEARS = (2024, 2025, 2026, 2027)


def stored_totals():
    db.session.expire_all()
    return {(row.user_id, row.year): row.total
            for row in db.session.scalars(select(JpYearTotal))}


def detailed_totals():
    db.session.expire_all()
    totals = {}
    for user in db.session.scalars(select(User)):
        for year in YEARS:
            jp = jp_earned(user, year)
            if jp:
                totals[user.id, year] = jp
    return totals


def assert_current():
    assert stored_totals() == detailed_totals()


def test_the_world_as_seeded_matches_the_detailed_rows(world):
    assert_current()
    andi = world.users["andi"]
    row = db.session.get(JpYearTotal, (andi.id, YEAR))
    assert (row.course_jp, row.credit_jp, row.session_jp, row.total) == (20, 3, 0, 23)
    # Citra's TTE completed at 00:00 WITA on 1 January 2026 counts in 2026, not 2025.
    assert (world.users["citra"].id, 2025) not in stored_totals()


def test_completing_a_course_counts_in_its_wita_year(world):
    eko = world.users["eko"]
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == eko.id))
    enrollment.mark_completed(utc(2026, 12, 31, 16, 30))  # 00:30 WITA, 1 January 2027
    db.session.commit()
    assert stored_totals()[eko.id, 2027] == 8
    assert (eko.id, 2026) not in stored_totals()
    assert_current()


def test_a_course_jp_change_reaches_everyone_who_completed_it(world):
    world.courses["spbe"].jp = 16
    db.session.commit()
    assert stored_totals()[world.users["dewi"].id, YEAR] == 16
    assert stored_totals()[world.users["andi"].id, YEAR] == 27
    assert_current()


def test_credits_added_and_removed_by_the_admin_services(world):
    admin, eko = world.users["gita"], world.users["eko"]
    credit = credit_services.add_jp_credit(eko, earned_on=date(YEAR, 3, 1), jp=6,
                                           title="Webinar SPBE", actor=admin)
    db.session.commit()
    assert stored_totals()[eko.id, YEAR] == 6
    credit_services.remove_jp_credit(credit, actor=admin)
    db.session.commit()
    assert (eko.id, YEAR) not in stored_totals()
    assert_current()


def test_attendance_and_a_session_moved_to_another_year(world):
    eko = world.users["eko"]
    session = make_session(starts_in=timedelta(days=0), jp=5)
    session.starts_at = utc(2026, 6, 1)
    session.ends_at = utc(2026, 6, 1, 5)
    db.session.commit()
    registration = attend(session, eko)
    assert stored_totals()[eko.id, YEAR] == 5
    session.starts_at, session.ends_at = utc(2025, 6, 1), utc(2025, 6, 1, 5)
    db.session.commit()
    assert stored_totals()[eko.id, 2025] == 5
    assert (eko.id, YEAR) not in stored_totals()
    session.jp = 7
    db.session.commit()
    assert stored_totals()[eko.id, 2025] == 7
    registration = db.session.get(SessionRegistration, registration.id)
    registration.clear_attendance()
    db.session.commit()
    assert (eko.id, 2025) not in stored_totals()
    assert_current()


def test_a_deleted_credit_and_a_withdrawn_completion(world):
    dewi, andi = world.users["dewi"], world.users["andi"]
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == dewi.id))
    db.session.delete(db.session.scalar(select(JpCredit).where(JpCredit.user_id == andi.id)))
    db.session.commit()
    assert stored_totals()[andi.id, YEAR] == 20
    enrollment.completed_at = None
    db.session.commit()
    assert (dewi.id, YEAR) not in stored_totals()
    assert_current()


def test_a_rolled_back_change_leaves_the_totals_as_they_were(world):
    before = stored_totals()
    world.courses["spbe"].jp = 40
    db.session.flush()
    db.session.rollback()
    assert stored_totals() == before
    # A savepoint rolled back inside a transaction keeps the outer change and its recount.
    eko = world.users["eko"]
    db.session.add(JpCredit(user_id=eko.id, earned_on=date(YEAR, 2, 2), jp=2, title="A"))
    with db.session.begin_nested() as savepoint:
        db.session.add(JpCredit(user_id=eko.id, earned_on=date(YEAR, 2, 3), jp=9, title="B"))
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    assert stored_totals()[eko.id, YEAR] == 2
    assert_current()


def test_rebuild_gives_the_table_the_changes_kept(world):
    world.courses["tte"].jp = 10
    db.session.commit()
    kept = stored_totals()
    assert rebuild(db.session.connection()) == len(kept)
    db.session.commit()
    assert stored_totals() == kept


def test_many_random_changes_keep_the_totals_equal_to_the_details(world):
    rng = random.Random(19)
    people = [world.users[name] for name in ("andi", "budi", "citra", "dewi", "eko", "hadi")]
    courses = [world.courses[name] for name in ("spbe", "tte", "kam")]
    for step in range(60):
        person = rng.choice(people)
        action = rng.randrange(4)
        if action == 0:
            course = rng.choice(courses)
            enrollment = db.session.scalar(select(Enrollment).where(
                Enrollment.user_id == person.id, Enrollment.course_id == course.id))
            if enrollment is None:
                enrol(person, course, utc(2025, 1, 1))
            else:
                enrollment.completed_at = (None if enrollment.completed_at
                                           else utc(rng.choice(YEARS), 6, 1))
        elif action == 1:
            db.session.add(JpCredit(user_id=person.id, earned_on=date(rng.choice(YEARS), 5, 1),
                                    jp=rng.randint(1, 9), title=f"Kredit {step}"))
        elif action == 2:
            credit = db.session.scalar(select(JpCredit).where(JpCredit.user_id == person.id))
            if credit is not None:
                db.session.delete(credit)
        else:
            rng.choice(courses).jp = rng.randint(1, 20)
        db.session.commit()
        assert_current()


def test_the_ledger_page_shows_a_credit_the_moment_it_is_saved(app, world, admin):
    eko = world.users["eko"]
    credit_services.add_jp_credit(eko, earned_on=date(YEAR, 4, 4), jp=7, title="Bimtek",
                                  actor=world.users["gita"])
    db.session.commit()
    html = page_text(admin.get(f"/admin/laporan/jp?year={YEAR}&opd={queries.NO_OPD}"))
    row = html[html.index("Eko Saputra"):]
    assert ">7<" in row[:row.index("</tr>")].replace(" ", "")


def test_the_dashboard_reads_the_years_total_with_the_progress_in_one_statement(world):
    andi = world.users["andi"]
    progress_and_jp(andi, YEAR)  # the course cards are read once, then kept
    with seen_statements() as statements:
        progress, jp = progress_and_jp(andi, YEAR)
    assert len(statements) == 1, statements
    assert jp == jp_of_year(andi, YEAR) == jp_earned(andi, YEAR) == 23
    assert [p.enrollment.course_id for p in progress] == [
        p.enrollment.course_id for p in progress_for_user(andi)]
    assert progress_and_jp(andi, YEAR - 30)[1] == 0  # no total that year
    assert progress_and_jp(andi, None)[1] == 0
    # A credit saved a moment ago is in the next read.
    eko = world.users["eko"]
    credit_services.add_jp_credit(eko, earned_on=date(YEAR, 4, 4), jp=7, title="Bimtek",
                                  actor=world.users["gita"])
    db.session.commit()
    assert progress_and_jp(eko, YEAR)[1] == jp_earned(eko, YEAR)
