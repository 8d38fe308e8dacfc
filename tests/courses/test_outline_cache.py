"""The per-process course outline cache: fresh after every change, by any worker, and free."""

import time

from sqlalchemy import select, text

from app import settings
from app.courses import outline_cache
from app.courses.models import Course, Module
from app.courses.outline_cache import CONTENT_VERSION_KEY
from app.extensions import db
from app.settings import Setting, write_stamp
from tests.conftest import PASSWORD, csrf_token
from tests.courses.test_query_counts import add_courses

LEARNER_NIP = "198609262015051001"
MODULE_URL = "/kursus/uji-001/modul/modul-1"


def stored_version():
    row = db.session.get(Setting, CONTENT_VERSION_KEY)
    return row.value if row else None


def enrolled_learner(create_user, login, client):
    add_courses(1, 1)
    db.session.commit()
    create_user(nip=LEARNER_NIP, password=PASSWORD)
    login(LEARNER_NIP)
    page = client.get("/kursus/uji-001")
    client.post("/kursus/uji-001/daftar",
                data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def module_one():
    return db.session.scalar(select(Module).join(Course).where(
        Course.slug == "uji-001", Module.slug == "modul-1"))


def test_an_edit_is_shown_on_the_next_request(app, client, create_user, login):
    enrolled_learner(create_user, login, client)
    assert "<p>Isi</p>" in client.get(MODULE_URL).get_data(as_text=True)  # now cached
    module_one().body_html = "<p>Isi yang diperbarui</p>"
    db.session.commit()
    assert "Isi yang diperbarui" in client.get(MODULE_URL).get_data(as_text=True)
    course = db.session.scalar(select(Course).where(Course.slug == "uji-001"))
    course.title = "Judul Baru"
    db.session.commit()
    assert "Judul Baru" in client.get("/kursus/uji-001").get_data(as_text=True)


def test_a_retired_module_disappears_from_cached_pages(app, client, create_user, login):
    enrolled_learner(create_user, login, client)
    assert client.get(MODULE_URL).status_code == 200
    module_one().retired_at = db.func.now()
    db.session.commit()
    assert client.get(MODULE_URL).status_code == 404
    assert "modul-1" not in client.get("/kursus/uji-001").get_data(as_text=True)


def test_other_workers_see_a_change_through_the_version(app, client, create_user, login):
    """Another worker's change arrives as rows in the database: the page follows the stored
    version, so a change written without a new version is not seen and one with it is."""
    enrolled_learner(create_user, login, client)
    assert "<p>Isi</p>" in client.get(MODULE_URL).get_data(as_text=True)
    module_id = module_one().id
    db.session.execute(text("UPDATE module SET body_html = '<p>Dari pekerja lain</p>' "
                            "WHERE id = :id"), {"id": module_id})
    db.session.commit()
    assert "<p>Isi</p>" in client.get(MODULE_URL).get_data(as_text=True)
    db.session.execute(text("UPDATE setting SET value = '\"other-worker\"' WHERE key = :key"),
                       {"key": CONTENT_VERSION_KEY})
    db.session.commit()
    # Its commit rewrote the settings stamp too (app/settings.py), as every ORM change does.
    write_stamp()
    assert "Dari pekerja lain" in client.get(MODULE_URL).get_data(as_text=True)


def test_a_change_made_outside_the_app_is_seen_within_the_recheck_time(
        app, client, create_user, login, monkeypatch):
    """SQL by hand (or a restored backup) rewrites no stamp: each worker asks the database
    again once its read is RECHECK_SECONDS old."""
    enrolled_learner(create_user, login, client)
    client.get(MODULE_URL)
    db.session.execute(text("UPDATE module SET body_html = '<p>Dari luar</p>' WHERE id = :id"),
                       {"id": module_one().id})
    db.session.execute(text("UPDATE setting SET value = '\"by-hand\"' WHERE key = :key"),
                       {"key": CONTENT_VERSION_KEY})
    db.session.commit()
    assert "<p>Isi</p>" in client.get(MODULE_URL).get_data(as_text=True)
    later = time.monotonic() + settings.RECHECK_SECONDS + 1
    monkeypatch.setattr(settings.time, "monotonic", lambda: later)
    assert "Dari luar" in client.get(MODULE_URL).get_data(as_text=True)


def test_only_real_changes_to_courses_and_modules_replace_the_version(app, create_user):
    add_courses(1, 1)
    db.session.commit()
    first = stored_version()
    assert first is not None
    module = module_one()
    module.title = module.title  # assigned, not changed
    create_user()  # other tables do not count
    db.session.commit()
    assert stored_version() == first
    module.minutes += 5
    db.session.commit()
    assert stored_version() not in (None, first)


def test_the_cached_outline_costs_no_query(app, client, create_user, login, queries):
    enrolled_learner(create_user, login, client)
    client.get(MODULE_URL)
    with queries() as cached:
        assert client.get(MODULE_URL).status_code == 200
    module_one().minutes += 1
    db.session.commit()
    with queries() as reread:
        assert client.get(MODULE_URL).status_code == 200
    # the user and the learner's progress (the settings, with the version, are the worker's
    # copy while the stamp is unchanged)
    assert cached() == 2
    # the settings, the course, its modules, its quizzes after modules, its prerequisites, its
    # provider, whether a programme has it as a step and its coming workshop sessions, read once
    # per change
    assert reread() == cached() + 8


def test_quizzes_after_a_module_follow_their_changes(app, client, create_user, login):
    from app.quizzes.models import Quiz

    enrolled_learner(create_user, login, client)
    assert "Kuis Sisipan" not in client.get(MODULE_URL).get_data(as_text=True)
    module = module_one()
    quiz = Quiz(course_id=module.course_id, slug="sisipan", title="Kuis Sisipan",
                after_module_id=module.id)
    db.session.add(quiz)
    db.session.commit()
    assert "Kuis Sisipan" in client.get(MODULE_URL).get_data(as_text=True)
    quiz.retired_at = db.func.now()
    db.session.commit()
    assert "Kuis Sisipan" not in client.get(MODULE_URL).get_data(as_text=True)


def test_a_worker_keeps_a_bounded_number_of_outlines(app, monkeypatch):
    monkeypatch.setattr(outline_cache, "MAX_OUTLINES", 2)
    add_courses(1, 3)
    db.session.commit()
    for slug in ("uji-001", "uji-002", "uji-001", "uji-003"):
        assert outline_cache.course_outline(slug).course.slug == slug
    # The one read from the database longest ago goes (serving it again is no new read).
    assert list(outline_cache._outlines) == ["uji-002", "uji-003"]
    assert outline_cache.course_outline("uji-001").course.slug == "uji-001"
    assert list(outline_cache._outlines) == ["uji-003", "uji-001"]
