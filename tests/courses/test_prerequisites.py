"""Prerequisites: a course may require others (completed, in any year) before enrolment. The
course page says which are missing; enrolment is refused on the server; every other way into a
course needs an enrolment; admins waive them for one learner (audited)."""

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.authoring import services as authoring
from app.courses import prerequisites
from app.courses.models import Course, Enrollment, PrerequisiteWaiver
from app.courses.services import enroll_learner
from app.extensions import db
from app.quizzes.models import Attempt
from tests.conftest import PASSWORD, csrf_token, submit

TRAINER, LEARNER, ADMIN = "198609262015051001", "199105052019031007", "197503121998032004"
COURSE = {"title": "Dasar SPBE", "summary": "", "description": "Isi.", "jp": 2,
          "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
          "certificate_policy": "manual"}
QUIZ = {"title": "Kuis", "kind": "graded", "pass_mark": 70, "time_limit_minutes": 0,
        "max_attempts": 0, "grading_method": "highest", "draw_count": 0,
        "shuffle_answers": False, "review_policy": "full"}
GIFT = "::Q1::Ibu kota Sulawesi Tengah?{=Palu ~Poso}\n"
MISSING_MESSAGE = ("Anda belum dapat mendaftar ke Lanjutan SPBE. Selesaikan dulu kursus "
                   "prasyaratnya: DASAR-101 \u201cDasar SPBE\u201d.")


def make_course(code, title, trainer, requires=()):
    course = authoring.create_course(dict(COURSE, code=code, title=title), trainer)
    authoring.create_module(course, {"title": "Satu", "minutes": 5, "body": "Isi."}, trainer)
    authoring.save_quiz(course, None, "kuis", QUIZ, GIFT, None, trainer)
    authoring.set_course_status(course, "published", trainer)
    prerequisites.set_prerequisites(course, list(requires))
    db.session.commit()
    return course


@pytest.fixture
def people(create_user):
    return {"trainer": create_user(nip=TRAINER, roles=("trainer",)),
            "learner": create_user(nip=LEARNER, name="Andi Lamasitudju"),
            "admin": create_user(nip=ADMIN, roles=("admin",))}


@pytest.fixture
def dasar(people):
    return make_course("DASAR-101", "Dasar SPBE", people["trainer"])


@pytest.fixture
def lanjut(people, dasar):
    return make_course("LANJUT-201", "Lanjutan SPBE", people["trainer"], requires=[dasar])


def client_of(app, nip):
    client = app.test_client()
    response = submit(client, "/masuk", {"identifier": nip, "password": PASSWORD})
    assert response.status_code == 200
    return client


def post(client, url, data=None, page="/beranda"):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data=dict(data or {}, csrf_token=token), follow_redirects=True)


def enrolment_count(user, course):
    return db.session.scalar(select(func.count(Enrollment.id)).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id))


def complete(user, course, when):
    db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=when,
                              completed_at=when))
    db.session.commit()


# --- enrolment ------------------------------------------------------------------------------

def test_enrolment_is_refused_with_the_missing_courses_and_no_row(app, people, lanjut):
    client = client_of(app, LEARNER)

    response = post(client, "/kursus/lanjut-201/daftar")

    assert response.request.path == "/kursus/lanjut-201"
    assert MISSING_MESSAGE in response.get_data(as_text=True)
    assert enrolment_count(people["learner"], lanjut) == 0


def test_the_service_refuses_too(app, people, lanjut):
    with pytest.raises(prerequisites.PrerequisitesMissing) as refused:
        enroll_learner(people["learner"], lanjut)
    assert [course.code for course in refused.value.missing] == ["DASAR-101"]


def test_course_page_lists_the_missing_courses_with_links_instead_of_the_button(
        app, people, lanjut):
    html = client_of(app, LEARNER).get("/kursus/lanjut-201").get_data(as_text=True)

    notice = html[html.index('id="prasyarat-kurang"'):]
    notice = notice[:notice.index("</div>")]
    assert '<a href="/kursus/dasar-101">DASAR-101 · Dasar SPBE</a>' in notice
    assert 'action="/kursus/lanjut-201/daftar"' not in html


def test_anonymous_visitors_see_the_prerequisites(client, lanjut):
    html = client.get("/kursus/lanjut-201").get_data(as_text=True)

    assert "Prasyarat" in html
    assert '<a href="/kursus/dasar-101">DASAR-101 · Dasar SPBE</a>' in html
    assert 'id="prasyarat-kurang"' not in html
    assert "Masuk untuk mendaftar" in html


def test_a_course_without_prerequisites_shows_the_button(app, people, dasar):
    html = client_of(app, LEARNER).get("/kursus/dasar-101").get_data(as_text=True)
    assert 'action="/kursus/dasar-101/daftar"' in html
    assert 'id="prasyarat"' not in html


def test_an_unfinished_prerequisite_is_still_missing(app, people, dasar, lanjut):
    enroll_learner(people["learner"], dasar)
    db.session.commit()
    assert prerequisites.missing_prerequisites(people["learner"], lanjut) == [dasar]


@pytest.mark.parametrize("year", [2019, 2026])
def test_completing_the_prerequisite_in_any_year_opens_enrolment(app, people, dasar, lanjut,
                                                                   year):
    complete(people["learner"], dasar, datetime(year, 3, 1, tzinfo=UTC))
    client = client_of(app, LEARNER)

    html = client.get("/kursus/lanjut-201").get_data(as_text=True)
    assert 'action="/kursus/lanjut-201/daftar"' in html
    assert 'id="prasyarat-kurang"' not in html
    post(client, "/kursus/lanjut-201/daftar")
    assert enrolment_count(people["learner"], lanjut) == 1


def test_learners_enrolled_before_a_prerequisite_was_added_keep_learning(app, people, dasar):
    later = make_course("LANJUT-201", "Lanjutan SPBE", people["trainer"])
    enroll_learner(people["learner"], later)
    db.session.commit()
    prerequisites.set_prerequisites(later, [dasar])
    db.session.commit()
    client = client_of(app, LEARNER)

    assert client.get("/kursus/lanjut-201/lanjutkan").headers["Location"].endswith(
        "/kursus/lanjut-201/modul/satu")
    assert client.get("/kursus/lanjut-201/modul/satu").status_code == 200
    post(client, "/kursus/lanjut-201/kuis/kuis/mulai")
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    assert enroll_learner(people["learner"], later) is not None  # enrolling again: the same


def test_the_course_editor_and_admins_are_not_held_back(app, people, lanjut):
    for nip, user in ((TRAINER, people["trainer"]), (ADMIN, people["admin"])):
        client = client_of(app, nip)
        html = client.get("/kursus/lanjut-201").get_data(as_text=True)
        assert 'action="/kursus/lanjut-201/daftar"' in html
        assert client.get("/kursus/lanjut-201/modul/satu").status_code == 200  # preview
        post(client, "/kursus/lanjut-201/daftar")
        assert enrolment_count(user, lanjut) == 1


# --- no other way in ------------------------------------------------------------------------

def test_without_an_enrolment_no_other_way_leads_into_the_course(app, people, lanjut):
    client = client_of(app, LEARNER)

    for url in ("/kursus/lanjut-201/lanjutkan", "/kursus/lanjut-201/modul/satu",
                "/kursus/lanjut-201/unduh"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/kursus/lanjut-201"), url
    started = post(client, "/kursus/lanjut-201/kuis/kuis/mulai")
    assert "Daftar ke kursus ini terlebih dahulu." in started.get_data(as_text=True)
    done = post(client, "/kursus/lanjut-201/modul/satu/selesai")
    assert "Daftar ke kursus ini terlebih dahulu." in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attempt.id))) == 0
    assert enrolment_count(people["learner"], lanjut) == 0


# --- waivers --------------------------------------------------------------------------------

def waiver_url(user):
    return f"/admin/pengguna/{user.id}/prasyarat"


def waive(client, user, course, reason="Sudah mengikuti diklat setara di BPSDM Provinsi."):
    return post(client, waiver_url(user), {"course": course.code, "reason": reason},
                page=waiver_url(user))


def audit_events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_waiver_opens_enrolment_and_is_audited(app, people, lanjut):
    admin, learner = client_of(app, ADMIN), client_of(app, LEARNER)

    response = waive(admin, people["learner"], lanjut)

    assert response.request.path == waiver_url(people["learner"])
    assert "Prasyarat LANJUT-201 dibebaskan untuk Andi Lamasitudju" in response.get_data(
        as_text=True)
    (event,) = audit_events("course.prerequisite_waive")
    assert (event.actor_id, event.object_type, event.object_id) == (
        people["admin"].id, "user", str(people["learner"].id))
    assert event.details == {"nip": LEARNER, "course": "LANJUT-201",
                             "reason": "Sudah mengikuti diklat setara di BPSDM Provinsi."}
    assert 'id="prasyarat-kurang"' not in learner.get("/kursus/lanjut-201").get_data(
        as_text=True)
    post(learner, "/kursus/lanjut-201/daftar")
    assert enrolment_count(people["learner"], lanjut) == 1


def test_the_persons_admin_page_shows_the_waiver(app, people, lanjut):
    admin = client_of(app, ADMIN)
    waive(admin, people["learner"], lanjut, reason="Diklat setara 2025")

    html = admin.get(f"/admin/pengguna/{people['learner'].id}").get_data(as_text=True)

    assert "LANJUT-201 · Lanjutan SPBE" in html
    assert "Diklat setara 2025" in html
    assert waiver_url(people["learner"]) in html


def test_a_waiver_is_given_once_and_taken_back_audited(app, people, lanjut):
    admin = client_of(app, ADMIN)
    waive(admin, people["learner"], lanjut)

    again = waive(admin, people["learner"], lanjut, reason="Lagi")
    assert "Prasyarat LANJUT-201 sudah dibebaskan untuk Andi Lamasitudju." in again.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count(PrerequisiteWaiver.id))) == 1

    removed = post(admin, f"{waiver_url(people['learner'])}/{lanjut.id}/hapus",
                   page=waiver_url(people["learner"]))
    assert "Pembebasan prasyarat LANJUT-201 untuk Andi Lamasitudju dicabut" in removed.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count(PrerequisiteWaiver.id))) == 0
    (event,) = audit_events("course.prerequisite_unwaive")
    assert json.loads(event.details_json)["course"] == "LANJUT-201"
    with pytest.raises(prerequisites.PrerequisitesMissing):
        enroll_learner(people["learner"], lanjut)


def test_taking_back_a_waiver_keeps_the_enrolment(app, people, lanjut):
    admin = client_of(app, ADMIN)
    waive(admin, people["learner"], lanjut)
    enroll_learner(people["learner"], lanjut)
    db.session.commit()

    post(admin, f"{waiver_url(people['learner'])}/{lanjut.id}/hapus",
         page=waiver_url(people["learner"]))

    assert enrolment_count(people["learner"], lanjut) == 1
    assert client_of(app, LEARNER).get("/kursus/lanjut-201/modul/satu").status_code == 200


@pytest.mark.parametrize("nip", [LEARNER, TRAINER])
def test_only_admins_waive(app, people, lanjut, nip):
    client = client_of(app, nip)
    token = csrf_token(client.get("/beranda").get_data(as_text=True))

    assert client.get(waiver_url(people["learner"])).status_code == 403
    response = client.post(waiver_url(people["learner"]), data={
        "course": "LANJUT-201", "reason": "Saya sendiri", "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(PrerequisiteWaiver.id))) == 0


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"reason": "\x00"}, "reason", "Isi alasan pembebasan."),
    ({"reason": "   "}, "reason", "Isi alasan pembebasan."),
    ({"reason": "x" * 10_000}, "reason", "Alasan terlalu panjang: paling banyak 500 karakter."),
    ({"course": ""}, "course", "Pilih kursus."),
    ({"course": "DASAR-101"}, "course", "Pilihan tidak valid."),  # requires nothing
    ({"course": "LANJUT-201\x00"}, "course", "Pilihan tidak valid."),
    ({"course": "9" * 400}, "course", "Pilihan tidak valid."),
])
def test_hostile_waiver_input_gets_field_errors_and_writes_nothing(app, people, lanjut, data,
                                                                    field, error):
    admin = client_of(app, ADMIN)
    valid = {"course": "LANJUT-201", "reason": "Diklat setara"}

    response = post(admin, waiver_url(people["learner"]), dict(valid, **data),
                    page=waiver_url(people["learner"]))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = re.findall(r'<ul class="errors" id="(\w+)-error">\s*<li>(.*?)</li>\s*</ul>', html)
    assert errors == [(field, error)]
    assert db.session.scalar(select(func.count(PrerequisiteWaiver.id))) == 0
    assert audit_events("course.prerequisite_waive") == []


def test_a_course_without_prerequisites_cannot_be_waived(app, people, dasar):
    with pytest.raises(prerequisites.WaiverError):
        prerequisites.waive_prerequisites(people["learner"], dasar, people["admin"], "x")


# --- the rule ---------------------------------------------------------------------------------

def test_find_cycle_names_the_path():
    graph = {"A": {"B"}, "B": {"C"}, "C": {"A"}, "D": {"A"}}
    assert prerequisites.find_cycle(graph, "A") == ["A", "B", "C", "A"]
    assert prerequisites.find_cycle(graph, "D") is None
    assert prerequisites.find_cycle({"A": {"A"}}, "A") == ["A", "A"]


def test_set_prerequisites_refuses_itself_and_cycles(app, people, dasar, lanjut):
    with pytest.raises(prerequisites.PrerequisiteError, match="dirinya sendiri"):
        prerequisites.set_prerequisites(dasar, [dasar])
    with pytest.raises(prerequisites.PrerequisiteError,
                       match="DASAR-101 → LANJUT-201 → DASAR-101"):
        prerequisites.set_prerequisites(dasar, [lanjut])
    assert prerequisites.set_prerequisites(lanjut, [dasar]) is False  # unchanged


def test_the_database_refuses_a_course_requiring_itself(app, people, dasar):
    from sqlalchemy.exc import IntegrityError

    from app.courses.models import course_prerequisite

    with pytest.raises(IntegrityError):
        db.session.execute(course_prerequisite.insert().values(
            course_id=dasar.id, required_course_id=dasar.id))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(course_prerequisite)) == 0
    assert db.session.get(Course, dasar.id) is not None


# --- the course form in the trainers' editor -----------------------------------------------------

FORM = {"title": "Lanjutan SPBE", "summary": "", "description": "Isi.", "jp": "2",
        "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
        "certificate_policy": "manual"}


def form_errors(html):
    return re.findall(r'<ul class="errors" id="(\w+)-error">\s*<li>(.*?)</li>\s*</ul>', html,
                      re.S)


def course_by_code(code):
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.code == code))


def test_a_new_course_chooses_its_prerequisites_in_the_form(app, people, dasar):
    trainer = client_of(app, TRAINER)
    page = trainer.get("/pengajar/kursus/baru").get_data(as_text=True)
    assert "Kursus prasyarat" in page and "DASAR-101 · Dasar SPBE" in page

    submit(trainer, "/pengajar/kursus/baru", dict(FORM, code="LANJUT-202", requires=dasar.id))

    assert [c.code for c in course_by_code("LANJUT-202").prerequisites] == ["DASAR-101"]


def test_the_edit_form_shows_changes_and_clears_the_prerequisites(app, people, dasar, lanjut):
    trainer = client_of(app, TRAINER)
    url = "/pengajar/kursus/lanjut-201/ubah"
    page = trainer.get(url).get_data(as_text=True)
    assert re.search(rf'<input checked [^>]*name="requires" type="checkbox" value="{dasar.id}"',
                     page)
    assert "LANJUT-201 · Lanjutan SPBE" not in page  # never itself

    submit(trainer, url, FORM)  # nothing ticked

    assert course_by_code("LANJUT-201").prerequisites == []
    assert "Prasyarat" not in trainer.get("/pengajar/kursus/lanjut-201").get_data(as_text=True)


def test_the_form_refuses_a_cycle_and_itself_on_the_field(app, people, dasar, lanjut):
    trainer = client_of(app, TRAINER)
    url = "/pengajar/kursus/dasar-101/ubah"

    cycle = submit(trainer, url, dict(FORM, title="Dasar SPBE", requires=lanjut.id))
    itself = submit(trainer, url, dict(FORM, title="Dasar SPBE", requires=dasar.id))
    unknown = submit(trainer, url, dict(FORM, title="Dasar SPBE", requires="999999"))

    assert form_errors(cycle.get_data(as_text=True)) == [(
        "requires", "Prasyarat ini membuat lingkaran: DASAR-101 \u2192 LANJUT-201 \u2192 "
        "DASAR-101. Kursus tidak boleh (lewat kursus lain) menjadi prasyarat bagi dirinya "
        "sendiri.")]
    assert form_errors(itself.get_data(as_text=True)) == [
        ("requires", f"&#39;{dasar.id}&#39; bukan pilihan yang valid untuk isian ini.")]
    assert form_errors(unknown.get_data(as_text=True)) == [
        ("requires", "&#39;999999&#39; bukan pilihan yang valid untuk isian ini.")]
    assert course_by_code("DASAR-101").prerequisites == []
    assert course_by_code("DASAR-101").title == "Dasar SPBE"


# --- the course page's cost -----------------------------------------------------------------------

def plain_course(code):
    course = Course(code=code, slug=code.lower(), title=f"Kursus {code}", jp=2,
                    competency="teknis", mode="e-learning", provider="BKPSDM",
                    status="published")
    db.session.add(course)
    db.session.flush()
    return course


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_course_page_query_count_does_not_grow_with_prerequisites(app, people, queries, who):
    target = plain_course("TUJUAN-301")
    required = [plain_course(f"SYARAT-{n:03d}") for n in range(2)]
    prerequisites.set_prerequisites(target, required)
    db.session.commit()
    client = client_of(app, LEARNER) if who == "learner" else app.test_client()

    def measure(listed, missing):
        client.get("/kursus/tujuan-301")  # the outline is read once per change
        with queries() as count:
            html = client.get("/kursus/tujuan-301").get_data(as_text=True)
        shown = missing if who == "learner" else 0
        assert html.count('href="/kursus/syarat-') == listed + shown
        return count()

    before = measure(listed=2, missing=2)
    more = [plain_course(f"SYARAT-{n:03d}") for n in range(2, 6)]
    complete(people["learner"], more[0], datetime(2020, 1, 1, tzinfo=UTC))
    prerequisites.set_prerequisites(db.session.get(Course, target.id), required + more)
    db.session.commit()

    assert measure(listed=6, missing=5) == before
