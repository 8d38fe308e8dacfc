"""The catalogue's listing (filter form and courses) kept per content version, language and
filter (courses/views.py): the same for every visitor, fresh after any change, bounded."""

import re

from sqlalchemy import select

from app.courses.models import Course
from app.extensions import db
from tests.courses.test_query_counts import add_courses


def _titles(client, url="/"):
    page = client.get(url).get_data(as_text=True)
    return re.findall(r'<h2><a href="/kursus/[^"]+">([^<]+)</a></h2>', page)


def test_a_new_or_changed_course_shows_on_the_next_visit(app, client):
    add_courses(1, 2)
    db.session.commit()
    assert _titles(client) == ["Kursus Uji 1", "Kursus Uji 2"]
    assert _titles(client) == ["Kursus Uji 1", "Kursus Uji 2"]  # from the kept listing
    add_courses(3, 1)
    db.session.scalar(select(Course).where(Course.code == "UJI-001")).title = "Kursus Baru"
    db.session.commit()
    assert _titles(client) == ["Kursus Baru", "Kursus Uji 2", "Kursus Uji 3"]


def test_each_filter_and_language_has_its_own_listing(app, client):
    add_courses(1, 2)
    manajerial = db.session.scalar(select(Course).where(Course.code == "UJI-002"))
    manajerial.competency = "manajerial"
    db.session.commit()
    assert _titles(client, "/?kompetensi=manajerial") == ["Kursus Uji 2"]
    assert _titles(client, "/?kompetensi=teknis") == ["Kursus Uji 1"]
    assert _titles(client) == ["Kursus Uji 1", "Kursus Uji 2"]
    selected = client.get("/?kompetensi=manajerial").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="manajerial"|'
                     r'<option[^>]*value="manajerial"[^>]*selected', selected)
    client.set_cookie("lang", "en")
    english = client.get("/").get_data(as_text=True)
    assert "Jenis kompetensi" not in english and "Kursus Uji 1" in english


def test_a_bad_filter_is_told_and_never_kept(app, client):
    add_courses(1, 1)
    db.session.commit()
    for _ in range(2):
        page = client.get("/?kompetensi=bukan-jenis")
        assert page.status_code == 200
        assert '<li>Pilihan tidak valid.</li>' in page.get_data(as_text=True)
    kept = app.extensions.get("catalogue_listing", {})
    assert all(key[0] != "bukan-jenis" for key in kept)


def test_what_is_kept_is_bounded_by_the_valid_filters(app, client):
    add_courses(1, 1)
    db.session.commit()
    for number in range(100):  # searches, blanks and other parameters are not kept
        client.get(f"/?q={' ' * (number % 5)}&x={number}")
        client.get(f"/?q=kursus{number}")
        client.get(f"/?kompetensi=x{number}")
    assert len(app.extensions.get("catalogue_listing", {})) <= 1
