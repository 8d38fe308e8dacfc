"""A page's query count must not grow with the data: measure, double the data, measure again."""

import pytest
from sqlalchemy import select

from app.courses.models import Course, Enrollment, Module, ModuleProgress
from app.database import utcnow
from app.extensions import db
from tests.conftest import PASSWORD

LEARNER_NIP = "198609262015051001"


def add_courses(start, count, modules_per_course=4):
    courses = []
    for number in range(start, start + count):
        course = Course(code=f"UJI-{number:03d}", slug=f"uji-{number:03d}",
                        title=f"Kursus Uji {number}", summary="Ringkasan", jp=4,
                        competency="teknis", mode="e-learning", provider="BKPSDM",
                        status="published", description_html="<p>Deskripsi</p>")
        course.modules = [Module(position=i, slug=f"modul-{i}", title=f"Modul {i}", minutes=30,
                                 body_html="<p>Isi</p>") for i in range(1, modules_per_course + 1)]
        db.session.add(course)
        courses.append(course)
    db.session.flush()
    return courses


def enrol_with_progress(user, courses, complete=False):
    now = utcnow()
    for course in courses:
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, started_at=now,
                                  completed_at=now if complete else None))
        done = course.modules if complete else course.modules[:2]
        db.session.add_all(ModuleProgress(user_id=user.id, module_id=m.id) for m in done)
    db.session.flush()


def other_learners(create_user, first_serial, count, courses):
    """Other people's data must not change this learner's page cost either."""
    for serial in range(first_serial, first_serial + count):
        user = create_user(nip=f"199001012015011{serial:03d}")
        enrol_with_progress(user, courses)


@pytest.fixture
def learner(create_user, login):
    user = create_user(nip=LEARNER_NIP, password=PASSWORD)
    login(LEARNER_NIP)
    return user


def grow(create_user, learner, start):
    """Add 3 in-progress and 2 completed courses for the learner, plus 3 other learners."""
    in_progress = add_courses(start, 3, modules_per_course=4 + start // 10)
    done = add_courses(start + 3, 2)
    enrol_with_progress(learner, in_progress)
    enrol_with_progress(learner, done, complete=True)
    db.session.commit()
    other_learners(create_user, start, 3, in_progress + done)
    db.session.commit()


PAGES = {
    "catalogue": lambda: "/",
    "catalogue_search": lambda: "/?q=uji&kompetensi=teknis",
    "course": lambda: "/kursus/uji-001",
    "module": lambda: "/kursus/uji-001/modul/modul-3",
    "dashboard": lambda: "/beranda",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_query_count_does_not_grow_with_data(page, client, create_user, learner, queries):
    grow(create_user, learner, start=1)
    url = PAGES[page]()

    def measure():
        db.session.expire_all()
        with queries() as count:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        return count()

    before = measure()
    grow(create_user, learner, start=20)
    assert db.session.scalar(select(db.func.count(Course.id))) == 10
    after = measure()
    assert after == before, f"{page}: {before} queries with 5 courses, {after} with 10"
    assert before <= 12, f"{page} takes {before} queries"
