"""Scheduling a session through the trainer's form (CSRF on): WITA in, UTC stored, every bad
value named in Indonesian under its field and nothing stored; editing capacity."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.courses.models import Course
from app.extensions import db
from app.timeutil import PALU_TZ, now_in_palu
from app.workshops import queries, services
from app.workshops.models import WorkshopSession
from tests.security.test_xss_everywhere import FORM_CORPUS, check
from tests.workshops.conftest import field_errors, flashes, post_form, session_form, text, wita
from tests.workshops.helpers import make_session, reload

NEW = "/pengajar/sesi/baru"


def local(moment):
    """A stored time as the datetime-local field shows it (WITA)."""
    return moment.astimezone(PALU_TZ).strftime("%Y-%m-%dT%H:%M")


def sessions():
    db.session.expire_all()
    return db.session.scalars(select(WorkshopSession).order_by(WorkshopSession.id)).all()


def test_a_session_is_scheduled_in_wita_and_stored_in_utc(trainer_browser, people):
    page = text(post_form(trainer_browser, NEW, session_form(
        starts_at=wita(10, "09:00"), ends_at=wita(10, "12:30"), capacity="25", jp="3",
        description="## Materi\n\n<script>alert(1)</script>Tata naskah **dinas**.")))
    assert "Sesi \u201cWorkshop SRIKANDI untuk operator OPD\u201d dijadwalkan." in flashes(page)
    [session] = sessions()
    day = (now_in_palu() + timedelta(days=10)).date()
    assert session.starts_at == datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    assert session.ends_at == datetime(day.year, day.month, day.day, 4, 30, tzinfo=UTC)
    assert (session.capacity, session.seats_taken, session.jp) == (25, 0, 3)
    assert session.organizer_id == people.trainer.id
    assert "<script>" not in session.description_html
    assert "<h3" in session.description_html
    assert "<strong>dinas</strong>" in session.description_html
    # The trainer's page shows it back in WITA, with the numbers.
    assert "09.00\u201312.30 WITA" in page
    assert "0 dari 25 kursi" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "workshop.create")) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_at": wita(10, "08:00")}, "ends_at", "Waktu selesai harus sesudah waktu mulai."),
    ({"ends_at": wita(10, "09:00")}, "ends_at", "Waktu selesai harus sesudah waktu mulai."),
    ({"starts_at": wita(-1, "09:00"), "ends_at": wita(-1, "12:00")}, "starts_at",
     "Waktu mulai tidak boleh di masa lalu."),
    ({"ends_at": wita(30, "12:00")}, "ends_at", "Satu sesi paling lama 14 hari."),
    ({"capacity": "0"}, "capacity", "Kapasitas harus antara 1 dan 10000 peserta."),
    ({"capacity": "-5"}, "capacity", "Kapasitas harus antara 1 dan 10000 peserta."),
    ({"capacity": "tiga puluh"}, "capacity", "Bukan bilangan bulat yang valid."),
    ({"capacity": ""}, "capacity", "Isi kapasitas."),
    ({"jp": "0"}, "jp", "JP harus antara 1 dan 200."),
    ({"starts_at": ""}, "starts_at", "Isi waktu mulai."),
    ({"starts_at": "03/11/2026 09:00"}, "starts_at", "Bukan tanggal dan waktu yang valid."),
    ({"starts_at": "0001-01-01T00:00"}, "starts_at",
     "Tanggal harus antara 1 Januari 2000 dan 31 Desember 2099."),  # app/forms.py
    ({"registration_deadline": wita(11, "08:00")}, "registration_deadline",
     "Batas pendaftaran harus sebelum waktu mulai."),
    ({"registration_deadline": wita(-2, "08:00")}, "registration_deadline",
     "Batas pendaftaran tidak boleh di masa lalu."),
    ({"kind": "webinar", "place": "", "meeting_url": ""}, "meeting_url",
     "Isi tautan rapat untuk webinar."),
    ({"kind": "webinar", "meeting_url": "javascript:alert(1)"}, "meeting_url",
     "Tautan harus diawali https:// atau http://"),
    ({"place": ""}, "place", "Isi tempat pelaksanaan workshop."),
    ({"audience": "opd"}, "agencies", "Pilih minimal satu OPD peserta."),
    ({"title": "  "}, "title", "Isi judul sesi."),
    ({"kind": "seminar"}, "kind", "Pilihan tidak valid."),
])
def test_bad_schedules_are_named_and_nothing_is_stored(trainer_browser, changes, field,
                                                       message):
    page = text(post_form(trainer_browser, NEW, session_form(**changes)))
    assert message in field_errors(page, field), field_errors(page, field)
    assert "Periksa kembali isian yang ditandai di bawah." in page
    assert sessions() == []


def test_a_webinar_for_chosen_opd(trainer_browser, people):
    post_form(trainer_browser, NEW, session_form(
        kind="webinar", place="", meeting_url="https://zoom.example.go.id/j/99",
        audience="opd", agencies=str(people.diskominfo.id)))
    [session] = sessions()
    assert (session.kind, session.audience) == ("webinar", "opd")
    assert [a.name for a in session.agencies] == ["Dinas Komunikasi dan Informatika"]
    # Units are not offered: they count under their OPD.
    page = text(trainer_browser.get(NEW))
    assert "Bidang Aplikasi Informatika" not in page


def test_a_trainer_links_only_courses_they_teach(trainer_browser, people, courses):
    spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    page = text(post_form(trainer_browser, NEW, session_form(course=str(spbe.id))))
    assert "Pilihan tidak valid." in field_errors(page, "course")
    spbe.owners.append(people.trainer)
    db.session.commit()
    post_form(trainer_browser, NEW, session_form(course=str(spbe.id)))
    [session] = sessions()
    assert session.course_id == spbe.id
    assert "Sesi tatap muka dan webinar" in text(trainer_browser.get("/kursus/spbe-101"))


def test_capacity_cannot_drop_below_the_registered(trainer_browser, people):
    session = make_session(people.trainer, capacity=3)
    for learner in (people.andi, people.budi):
        services.register_learner(session, learner)
    db.session.commit()
    url = f"/pengajar/sesi/{session.id}/ubah"
    form = text(trainer_browser.get(url))
    assert 'value="3"' in form
    page = text(post_form(trainer_browser, url, session_form(
        starts_at=local(session.starts_at), ends_at=local(session.ends_at), capacity="1")))
    assert ("Kapasitas tidak boleh kurang dari 2 peserta yang sudah terdaftar."
            in field_errors(page, "capacity"))
    assert reload(session).capacity == 3


def test_a_larger_capacity_moves_the_waiting_list_up(trainer_browser, people):
    session = make_session(people.trainer, capacity=1)
    for learner in (people.andi, people.budi, people.citra):
        services.register_learner(session, learner)
    db.session.commit()
    page = text(post_form(trainer_browser, f"/pengajar/sesi/{session.id}/ubah", session_form(
        starts_at=local(session.starts_at), ends_at=local(session.ends_at), capacity="2")))
    assert "1 peserta dari daftar tunggu mendapat kursi." in flashes(page)
    assert "2 dari 2 kursi" in page
    session = reload(session)
    assert (session.capacity, session.seats_taken, session.revision) == (2, 2, 1)
    statuses = {r.user.name: r.status for r in queries.participants(session)[0]}
    assert statuses == {"Andi Pratama": "registered", "Budi Santoso": "registered"}


def test_a_session_started_yesterday_keeps_its_start_when_edited(trainer_browser, people):
    """'Not in the past' applies to a start that changes, not to one already running."""
    session = make_session(people.trainer, starts_in=timedelta(hours=-1), hours=30)
    page = text(post_form(trainer_browser, f"/pengajar/sesi/{session.id}/ubah", session_form(
        starts_at=local(session.starts_at), ends_at=local(session.ends_at), jp="6")))
    assert "Perubahan sesi disimpan." in flashes(page)
    assert reload(session).jp == 6


def test_cancelling_a_session_keeps_it_on_record(trainer_browser, people):
    session = make_session(people.trainer)
    page = text(post_form(trainer_browser, f"/pengajar/sesi/{session.id}",
                          {}, action_url=f"/pengajar/sesi/{session.id}/batalkan"))
    assert "Sesi \u201cWorkshop SRIKANDI untuk operator OPD\u201d dibatalkan." in flashes(page)
    assert reload(session).status == "cancelled"
    agenda = text(trainer_browser.get("/agenda/"))
    assert "Dibatalkan" in agenda
    # Nothing more to change on a cancelled session.
    page = text(post_form(trainer_browser, f"/pengajar/sesi/{session.id}/ubah", session_form()))
    assert "Sesi yang dibatalkan tidak dapat diubah." in flashes(page)


def test_descriptions_go_through_the_one_sanitizer(people):
    """Every payload of the project's XSS corpus, through the scheduling service."""
    start = (now_in_palu() + timedelta(days=3)).astimezone(UTC)
    values = {"title": "Uji", "kind": "klasikal", "provider": "BKPSDM", "competency": "teknis",
              "starts_at": start, "ends_at": start + timedelta(hours=2), "place": "Aula",
              "capacity": 10, "jp": 2, "audience": "all"}
    for name, source in FORM_CORPUS:
        session = services.create_session(dict(values, description=source), people.trainer)
        check(session.description_html, name, "create_session")
    db.session.rollback()
