"""The whole learner journey through real pages and forms, CSRF on."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.courses.models import Course, Enrollment, Module, ModuleProgress
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, submit

NIP_WITH_SPACES = "19860926 201505 1 001"


def _register(client):
    return submit(client, "/daftar", {
        "nip": NIP_WITH_SPACES,
        "name": "Andi Lamadjido",
        "email": "andi@palukota.go.id",
        "agency_id": _agency_id("DISKOMINFO"),
        "jabatan_type": "fungsional",
        "jabatan_title": "Pranata Komputer Ahli Pertama",
        "golongan": "III/a",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    })


def _agency_id(code):
    from app.auth.models import Agency

    return str(db.session.scalar(select(Agency.id).where(Agency.code == code)))


def _post_button(client, page_url, action_url):
    """Press a one-button form on a page: the token comes from that page."""
    page = client.get(page_url).get_data(as_text=True)
    assert f'action="{action_url}"' in page, f"no form posting to {action_url} on {page_url}"
    return client.post(action_url, data={"csrf_token": csrf_token(page)}, follow_redirects=False)


def test_learner_registers_enrols_reads_everything_and_earns_jp(client, agencies, courses):
    # Anonymous: the catalogue shows the course, filtered and searched.
    catalogue = client.get("/?kompetensi=teknis&q=spbe-101").get_data(as_text=True)
    assert "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik" in catalogue
    assert "Keamanan Informasi" not in catalogue
    assert "1 kursus" in catalogue

    overview = client.get("/kursus/spbe-101").get_data(as_text=True)
    assert "12 JP" in overview and "BKPSDM Kota Palu" in overview
    assert "Masuk untuk mendaftar" in overview

    registered = _register(client).get_data(as_text=True)
    assert "Akun Anda sudah dibuat" in registered
    assert "0</strong> / 20 JP" in registered  # the dashboard, before any course

    enrolled = _post_button(client, "/kursus/spbe-101", "/kursus/spbe-101/daftar")
    assert enrolled.status_code == 302
    resume = client.get(enrolled.headers["Location"])
    first = db.session.scalars(
        select(Module).join(Course).where(Course.code == "SPBE-101").order_by(Module.position)
    ).all()
    assert resume.headers["Location"].endswith(f"/kursus/spbe-101/modul/{first[0].slug}")

    for index, module in enumerate(first):
        url = f"/kursus/spbe-101/modul/{module.slug}"
        page = client.get(url).get_data(as_text=True)
        assert module.title in page
        assert f"Modul {index + 1} dari {len(first)}" in page
        expected_percent = round(100 * index / len(first))
        assert f'value="{expected_percent}"' in page
        done = _post_button(client, url, f"{url}/selesai")
        assert done.status_code == 302

    course_page = client.get("/kursus/spbe-101").get_data(as_text=True)
    assert "100%" in course_page
    assert f"{len(first)} dari {len(first)} modul dibaca — kursus selesai" in course_page

    dashboard = client.get("/beranda").get_data(as_text=True)
    assert "12</strong> / 20 JP" in dashboard
    assert "Kurang 8 JP lagi" in dashboard
    assert "Kursus selesai" in dashboard and "Dasar-Dasar Sistem" in dashboard

    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.completed_at is not None and enrollment.started_at is not None


def test_resume_goes_to_first_unfinished_module(client, create_user, login, courses):
    create_user(nip="198609262015051001")
    login("198609262015051001")
    _post_button(client, "/kursus/kam-201", "/kursus/kam-201/daftar")
    modules = db.session.scalars(
        select(Module).join(Course).where(Course.code == "KAM-201").order_by(Module.position)
    ).all()
    # Finish the second module first: "lanjutkan" must still send the learner to the first.
    second = f"/kursus/kam-201/modul/{modules[1].slug}"
    _post_button(client, second, f"{second}/selesai")
    response = client.get("/kursus/kam-201/lanjutkan")
    assert response.headers["Location"].endswith(modules[0].slug)
    first = f"/kursus/kam-201/modul/{modules[0].slug}"
    after_first = _post_button(client, first, f"{first}/selesai")
    # After module 1 the learner goes on to module 2 in order (already done, still readable).
    assert after_first.headers["Location"].endswith(modules[1].slug)
    assert client.get("/kursus/kam-201/lanjutkan").headers["Location"].endswith(modules[2].slug)
    dashboard = client.get("/beranda").get_data(as_text=True)
    assert "2 dari 5 modul dibaca" in dashboard
    assert modules[2].title in dashboard  # "langkah berikutnya" names the next module


def test_opening_a_module_first_notes_when_the_course_was_started(client, create_user, login,
                                                                   courses):
    """The module page reads the enrolment as a row; the first opening still writes the
    start, once, and a later opening keeps the first time."""
    create_user(nip="198609262015051001")
    login("198609262015051001")
    _post_button(client, "/kursus/duk-201", "/kursus/duk-201/daftar")
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.started_at is None
    course_page = client.get("/kursus/duk-201").get_data(as_text=True)
    assert "0 dari" in course_page  # the course page alone does not start the course
    db.session.expire_all()
    assert db.session.scalar(select(Enrollment)).started_at is None
    modules = db.session.scalars(
        select(Module).join(Course).where(Course.code == "DUK-201").order_by(Module.position)
    ).all()
    assert client.get(f"/kursus/duk-201/modul/{modules[0].slug}").status_code == 200
    db.session.expire_all()
    started = db.session.scalar(select(Enrollment)).started_at
    assert started is not None
    assert client.get(f"/kursus/duk-201/modul/{modules[1].slug}").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Enrollment)).started_at == started


def test_marking_done_twice_counts_once(client, create_user, login, courses):
    create_user(nip="198609262015051001")
    login("198609262015051001")
    _post_button(client, "/kursus/duk-201", "/kursus/duk-201/daftar")
    module = db.session.scalars(
        select(Module).join(Course).where(Course.code == "DUK-201").order_by(Module.position)
    ).first()
    url = f"/kursus/duk-201/modul/{module.slug}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    for _ in range(2):
        client.post(f"{url}/selesai", data={"csrf_token": token})
    assert db.session.query(ModuleProgress).count() == 1


def test_module_needs_enrolment_and_login(client, create_user, login, courses):
    module = db.session.scalars(select(Module).order_by(Module.id)).first()
    url = f"/kursus/{module.course.slug}/modul/{module.slug}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/masuk" in anonymous.headers["Location"]
    create_user(nip="198609262015051001")
    login("198609262015051001")
    not_enrolled = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Daftar ke kursus ini terlebih dahulu" in not_enrolled
    # Posting "done" without enrolment changes nothing.
    token = csrf_token(client.get(f"/kursus/{module.course.slug}").get_data(as_text=True))
    client.post(f"{url}/selesai", data={"csrf_token": token})
    assert db.session.query(ModuleProgress).count() == 0


def test_post_without_csrf_is_refused(client, create_user, login, courses):
    create_user(nip="198609262015051001")
    login("198609262015051001")
    response = client.post("/kursus/spbe-101/daftar", data={})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert db.session.query(Enrollment).count() == 0


def test_unknown_and_unpublished_courses_are_404(client, create_user, login, courses):
    assert client.get("/kursus/tidak-ada").status_code == 404
    assert client.get("/kursus/spbe-101/modul/tidak-ada").status_code in (302, 404)
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course.status = "draft"
    db.session.commit()
    assert client.get("/kursus/spbe-101").status_code == 404
    assert "SPBE-101" not in client.get("/").get_data(as_text=True)
    create_user(nip="198609262015051001")
    login("198609262015051001")
    assert client.get("/kursus/spbe-101").status_code == 404
    assert client.get("/kursus/spbe-101/modul/tidak-ada").status_code == 404
    page = client.get("/kursus/kam-201").get_data(as_text=True)
    response = client.post("/kursus/spbe-101/daftar", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404


def test_trainer_of_another_course_cannot_see_a_draft(client, create_user, login, courses):
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course.status = "draft"
    db.session.commit()
    create_user(nip="198609262015051001", roles=("trainer",))
    login("198609262015051001")
    assert client.get("/kursus/spbe-101").status_code == 404


def test_trainer_can_preview_a_draft_without_progress(client, create_user, login, courses):
    course = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    course.status = "draft"
    trainer = create_user(nip="198609262015051001", roles=("trainer",))
    course.owners.append(trainer)
    db.session.commit()
    login("198609262015051001")
    page = client.get("/kursus/spbe-101").get_data(as_text=True)
    assert "Pratinjau" in page
    module = course.modules[0]
    reading = client.get(f"/kursus/spbe-101/modul/{module.slug}").get_data(as_text=True)
    assert "Mode pratinjau" in reading
    assert db.session.query(Enrollment).count() == 0


def test_catalogue_filters_and_bad_input(client, courses):
    everything = client.get("/").get_data(as_text=True)
    assert "7 kursus" in everything
    by_code = client.get("/?q=kam-201").get_data(as_text=True)
    assert "1 kursus" in by_code and "Keamanan Informasi" in by_code
    nothing = client.get("/?q=%25%25_").get_data(as_text=True)  # LIKE wildcards are literal
    assert "Tidak ada kursus yang cocok" in nothing
    manajerial = client.get("/?kompetensi=manajerial").get_data(as_text=True)
    assert "1 kursus" in manajerial and "MPD-301" in manajerial
    assert "SPBE-101" not in manajerial
    sosial = client.get("/?kompetensi=sosial_kultural").get_data(as_text=True)
    assert "Tidak ada kursus yang cocok" in sosial
    bad_choice = client.get("/?kompetensi=%3Cscript%3E")
    assert bad_choice.status_code == 200
    body = bad_choice.get_data(as_text=True)
    assert "Pilihan tidak valid" in body and "<script>" not in body
    too_long = client.get("/?q=" + "a" * 500)
    assert too_long.status_code == 200
    assert "Kata kunci terlalu panjang: paling banyak 200 karakter." in too_long.get_data(
        as_text=True)


def test_dates_are_shown_in_wita(client, create_user, login, courses):
    user = create_user(nip="198609262015051001")
    course = db.session.scalar(select(Course).where(Course.code == "DUK-201"))
    # Completed 31 Dec 2025 17:30 UTC is 1 Jan 2026 01:30 in Palu.
    db.session.add(Enrollment(user_id=user.id, course_id=course.id,
                              completed_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC)))
    db.session.commit()
    login("198609262015051001")
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert re.search(r"Selesai pada 1 Januari 2026", page)


def test_an_enrolled_learner_sees_the_modules_before_the_syllabus(client, agencies, courses,
                                                                   create_user, login):
    def order(page):
        return page.index('id="modules-heading"') < page.index('id="desc-heading"')

    assert not order(client.get("/kursus/spbe-101").get_data(as_text=True))  # deciding first
    user = create_user()
    login(user.nip)
    _post_button(client, "/kursus/spbe-101", "/kursus/spbe-101/daftar")
    page = client.get("/kursus/spbe-101").get_data(as_text=True)
    assert order(page) and "Mulai belajar" in page
    assert page.index("Mulai belajar") < page.index('id="modules-heading"')


def test_a_module_page_has_a_course_index_with_ticks_and_the_current_module(
        client, agencies, courses, create_user, login):
    user = create_user()
    login(user.nip)
    _post_button(client, "/kursus/spbe-101", "/kursus/spbe-101/daftar")
    first, second = db.session.scalars(
        select(Module).join(Course).where(Course.code == "SPBE-101")
        .order_by(Module.position)).all()[:2]
    url = f"/kursus/spbe-101/modul/{first.slug}"
    _post_button(client, url, f"{url}/selesai")
    page = client.get(f"/kursus/spbe-101/modul/{second.slug}").get_data(as_text=True)
    index = page.split('<details class="course-index">')[1].split("</details>")[0]
    assert "Daftar isi kursus" in index
    assert (f'<a href="/kursus/spbe-101/modul/{first.slug}">{first.title}</a>' in index
            and 'aria-label="selesai"' in index.split(second.title)[0])  # read: ticked
    assert f'<span aria-current="page"><strong>{second.title}</strong></span>' in index
    assert 'rel="prev"' in page  # and the pager goes both ways
