"""The module page's shared parts (app/courses/module_parts.py): rendered once per content
version and language, with each learner's own ticks, form and progress put in per request."""

import re

from sqlalchemy import select

from app.courses.models import Course, Enrollment, Module
from app.extensions import db
from tests.conftest import PASSWORD, submit
from tests.courses.test_query_counts import add_courses, enrol_with_progress

URL = "/kursus/uji-001/modul/modul-3"


def _index(page):
    return page.split('<details class="course-index">')[1].split("</details>")[0]


def _ticked(page):
    """Titles of the modules the index shows as done, read from the page as a reader sees it."""
    return re.findall(r'<li class="index-module done">\s*<a href="[^"]+">([^<]+)</a>\s*'
                      r'<span class="tick" role="img" aria-label="[^"]+">✓</span>', _index(page))


def _learner(create_user, nip, done_modules):
    """A learner enrolled in uji-001, with modules 1 and 2 read or none."""
    course = db.session.scalar(select(Course).where(Course.slug == "uji-001"))
    user = create_user(nip=nip)
    if done_modules:
        enrol_with_progress(user, [course])
    else:
        db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    db.session.commit()
    return user


def test_each_learner_sees_their_own_ticks_from_the_one_cached_page(app, client, create_user,
                                                                     login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    reader = _learner(create_user, "199001012015011201", done_modules=True)
    newcomer = _learner(create_user, "199001012015011202", done_modules=False)

    login(reader.nip)
    page = client.get(URL).get_data(as_text=True)
    assert _ticked(page) == ["Modul 1", "Modul 2"]
    assert "Tandai selesai dan lanjutkan" in page and 'value="50"' in page  # 2 of 4

    other = app.test_client()  # another browser
    signed_in = submit(other, "/masuk", {"identifier": newcomer.nip, "password": PASSWORD})
    assert signed_in.status_code == 200
    second = other.get(URL).get_data(as_text=True)
    assert _ticked(second) == []
    assert 'value="0"' in second
    assert "\x1f" not in page + second  # no mark is ever sent
    assert len(app.extensions["module_parts"]) == 1  # one page rendered, shared by both


def test_an_edit_reaches_the_cached_parts_at_once(app, client, create_user, login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    login(_learner(create_user, "199001012015011203", done_modules=True).nip)
    assert "Modul 2</a>" in client.get(URL).get_data(as_text=True)
    module = db.session.scalar(select(Module).where(Module.slug == "modul-2"))
    module.title = "Modul Dua yang Baru"
    db.session.scalar(select(Module).where(Module.slug == "modul-3")).body_html = "<p>Baru</p>"
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert _ticked(page) == ["Modul 1", "Modul Dua yang Baru"]
    assert "<p>Baru</p>" in page and "<p>Isi</p>" not in page


def test_each_language_has_its_own_parts(app, client, create_user, login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    user = _learner(create_user, "199001012015011204", done_modules=True)
    login(user.nip)
    assert "Daftar isi kursus" in client.get(URL).get_data(as_text=True)
    user.language = "en"
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "Daftar isi kursus" not in page and "Course contents" in page
    assert _ticked(page) == ["Modul 1", "Modul 2"]


def test_an_editor_previewing_sees_no_ticks_and_no_form(app, client, create_user, login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    _learner(create_user, "199001012015011205", done_modules=True)  # cached as a learner saw it
    admin = create_user(nip="199001012015011206", roles=("admin",))
    login(admin.nip)
    page = client.get(URL).get_data(as_text=True)
    assert "Mode pratinjau" in page and "Tandai selesai" not in page
    assert "index-module done" not in page and 'class="tick"' not in page
