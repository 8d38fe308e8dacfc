"""The course page's shared parts (app/courses/course_parts.py): rendered once per content
version, language and variant (enrolled or not, may download), with each learner's ticks,
status and sections put in per request."""

import re

from sqlalchemy import select

from app.courses.models import Course, Module
from app.extensions import db
from tests.conftest import PASSWORD, submit
from tests.courses.test_module_parts import _learner
from tests.courses.test_query_counts import add_courses

URL = "/kursus/uji-001"


def _module_list(page):
    return page.split('<ol class="module-list">')[1].split("</ol>")[0]


def _finished(page):
    """Titles the module list marks as finished, read as a reader sees them."""
    return re.findall(r'<li class=" ?done">\s*<a href="[^"]+">([^<]+)</a>\s*'
                      r'<span class="hint">[^<]+</span>\s*<span class="badge">Selesai</span>',
                      _module_list(page))


def _other_browser(app, nip):
    client = app.test_client()
    assert submit(client, "/masuk", {"identifier": nip, "password": PASSWORD}).status_code == 200
    return client


def test_each_learner_sees_their_own_ticks_and_status_from_one_cached_entry(
        app, client, create_user, login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    reader = _learner(create_user, "199001012015011301", done_modules=True)
    newcomer = _learner(create_user, "199001012015011302", done_modules=False)

    login(reader.nip)
    page = client.get(URL).get_data(as_text=True)
    assert _finished(page) == ["Modul 1", "Modul 2"]
    assert "2 dari 4 modul" in page or 'value="50"' in page

    second = _other_browser(app, newcomer.nip).get(URL).get_data(as_text=True)
    assert _finished(second) == [] and "Selesai</span>" not in _module_list(second)
    assert 'value="0"' in second
    assert "\x1f" not in page + second  # no mark is ever sent
    assert len(app.extensions["course_parts"]) == 1  # both enrolled: one entry


def test_a_visitor_sees_titles_without_links_and_an_enrol_button(app, client, create_user,
                                                                 login):
    add_courses(1, 1, modules_per_course=3)
    db.session.commit()
    login(create_user(nip="199001012015011303").nip)
    page = client.get(URL).get_data(as_text=True)
    modules = _module_list(page)
    assert "Modul 1" in modules and "<a " not in modules and "Selesai" not in modules
    assert "Daftar ke kursus ini" in page and "Unduh modul" not in page
    anonymous = app.test_client().get(URL).get_data(as_text=True)
    assert "Masuk untuk mendaftar" in anonymous and "<a " not in _module_list(anonymous)
    assert "\x1f" not in page + anonymous


def test_an_edit_reaches_the_cached_parts_at_once(app, client, create_user, login):
    add_courses(1, 1, modules_per_course=4)
    db.session.commit()
    login(_learner(create_user, "199001012015011304", done_modules=True).nip)
    assert "Modul 2</a>" in client.get(URL).get_data(as_text=True)
    db.session.scalar(select(Module).where(Module.slug == "modul-2")).title = "Modul Dua Baru"
    course = db.session.scalar(select(Course).where(Course.slug == "uji-001"))
    course.description_html = "<p>Deskripsi yang baru</p>"
    course.jp = 7
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert _finished(page) == ["Modul 1", "Modul Dua Baru"]
    assert "<p>Deskripsi yang baru</p>" in page and "<dd>7 JP</dd>" in page


def test_each_language_has_its_own_parts(app, client, create_user, login):
    add_courses(1, 1, modules_per_course=2)
    db.session.commit()
    user = _learner(create_user, "199001012015011305", done_modules=True)
    login(user.nip)
    assert "Jam pelajaran" in client.get(URL).get_data(as_text=True)
    user.language = "en"
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "Jam pelajaran" not in page and "Tentang kursus" not in page
