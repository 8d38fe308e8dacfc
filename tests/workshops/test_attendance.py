"""Attendance: the trainer's list (checkboxes, all at once), the check-in code valid only in
the window the settings set, the meeting link shown only to registered learners near the
start; every way audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from app.settings import set_setting
from app.workshops import attendance, services
from tests.conftest import csrf_token
from tests.workshops.conftest import ANDI, BUDI, CITRA, browser, flashes, post_form, text
from tests.workshops.helpers import make_session, registration, reload, start_now

LINK = "https://zoom.example.go.id/j/123"


def running_session(people, **fields):
    """Started 10 minutes ago, two hours long; Andi and Budi hold seats, Citra waits."""
    session = make_session(people.trainer, hours=2, capacity=2, **fields)
    for learner in (people.andi, people.budi, people.citra):
        services.register_learner(session, learner)
    return start_now(session)


def events(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def reveal(trainer, session):
    url = f"/pengajar/sesi/{session.id}"
    return text(post_form(trainer, url, {}, action_url=f"{url}/kode"))


def check_in(client, session, code):
    url = f"/agenda/{session.id}"
    return text(post_form(client, url, {"code": code}, action_url=f"{url}/presensi"))


def test_learners_check_in_with_the_code_the_trainer_reveals(app, people, trainer_browser):
    session = running_session(people)
    page = reveal(trainer_browser, session)
    code = reload(session).checkin_code
    assert len(code) == 6 and f'<p class="checkin-code" aria-label="Kode presensi">{code}</p>' \
        in page
    andi = browser(app, ANDI)
    assert flashes(check_in(andi, session, "  "), "error") == ["Isi kode presensi."]
    page = check_in(andi, session, "XXXXXX")
    assert flashes(page, "error") == ["Kode presensi salah. Periksa kode yang ditampilkan "
                                      "pengajar."]
    typed = f"{code[:3].lower()} {code[3:].lower()}"  # as people type it off a screen
    page = check_in(andi, session, typed)
    assert ("Kehadiran Anda tercatat. 4 JP masuk ke catatan JP Anda."
            in flashes(page, "success"))
    attended = registration(session, people.andi)
    assert attended.attendance_method == "code" and attended.attended_at is not None
    [event] = events("workshop.check_in")
    assert (event.actor_id, event.details["nip"]) == (people.andi.id, ANDI)
    assert len(events("workshop.code")) == 1
    # The waiting learner holds no seat, so no check-in either.
    page = text(browser(app, CITRA).get(f"/agenda/{session.id}"))
    assert f'action="/agenda/{session.id}/presensi"' not in page
    with pytest.raises(services.WorkshopError, match="Hanya peserta terdaftar"):
        attendance.check_in(session, people.citra, code)
    db.session.rollback()


def test_the_code_works_only_inside_the_window(people):
    session = running_session(people)
    code = attendance.reveal_code(session, people.trainer)
    db.session.commit()
    set_setting("workshop.checkin_after_minutes", 30)
    after_window = session.ends_at + timedelta(minutes=31)
    with pytest.raises(services.WorkshopError, match="hanya dapat dilakukan pada"):
        attendance.check_in(session, people.andi, code, now=after_window)
    before_window = session.starts_at - timedelta(minutes=16)
    with pytest.raises(services.WorkshopError, match="hanya dapat dilakukan pada"):
        attendance.check_in(session, people.andi, code, now=before_window)
    assert attendance.check_in(session, people.andi, code,
                             now=session.ends_at + timedelta(minutes=29)) is True
    # A longer window set by the admin lets a late learner in.
    set_setting("workshop.checkin_after_minutes", 120)
    assert attendance.check_in(session, people.budi, code, now=after_window) is True
    db.session.rollback()


def test_the_trainer_cannot_reveal_a_code_outside_the_window(people, trainer_browser):
    session = make_session(people.trainer, starts_in=timedelta(days=2))
    page = text(trainer_browser.get(f"/pengajar/sesi/{session.id}"))
    assert "Kode dapat ditampilkan selama jendela presensi." in page
    with pytest.raises(services.WorkshopError, match="hanya dapat ditampilkan"):
        attendance.reveal_code(session, people.trainer)
    db.session.rollback()
    assert reload(session).checkin_code is None


def test_the_trainer_ticks_who_came(app, people, trainer_browser):
    session = running_session(people)
    url = f"/pengajar/sesi/{session.id}"
    andi_id = registration(session, people.andi).id
    page = text(post_form(trainer_browser, url, {"hadir": str(andi_id), "aksi": "pilihan"},
                          action_url=f"{url}/kehadiran"))
    assert ("Kehadiran disimpan: 1 ditandai hadir, 0 tidak hadir."
            in flashes(page, "success"))
    assert f'id="hadir-{andi_id}" checked' in page
    assert "<dt>Hadir</dt><dd>1</dd>" in page
    page = text(post_form(trainer_browser, url, {"aksi": "semua"}, action_url=f"{url}/kehadiran"))
    assert "Kehadiran disimpan: 1 ditandai hadir, 0 tidak hadir." in flashes(page)
    assert "<dt>Hadir</dt><dd>2</dd>" in page
    # Unticking Budi takes his attendance away; a forged id of the waiting Citra is ignored.
    citra_id = registration(session, people.citra).id
    page = text(post_form(trainer_browser, url, {"hadir": [str(andi_id), str(citra_id)],
                                                 "aksi": "pilihan"},
                          action_url=f"{url}/kehadiran"))
    assert "Kehadiran disimpan: 0 ditandai hadir, 1 tidak hadir." in flashes(page)
    assert registration(session, people.budi).attended_at is None
    assert registration(session, people.citra).attended_at is None
    details = [e.details for e in events("workshop.attendance")]
    assert details == [{"marked": [ANDI], "unmarked": []}, {"marked": [BUDI], "unmarked": []},
                       {"marked": [], "unmarked": [BUDI]}]
    page = text(browser(app, ANDI).get(f"/agenda/{session.id}"))
    assert "(dicatat pengajar). 4 JP masuk ke catatan JP Anda." in page


# Ticked values a hand-made post can send: digits to str.isdigit() that int() refuses ("²") or
# reads ("٣" is 3), and more digits than int() converts.
NOT_IDS = ["²", "٣", "1" * 5000, "99999999999999999999"]


def arabic_indic(number):
    """The id written in Arabic-Indic digits: int() reads it, but nobody ticked it."""
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize("ticked", [*NOT_IDS, "every-one"],
                         ids=["superscript-two", "arabic-indic-three", "5000-digits",
                              "20-digits", "all"])
def test_ticked_values_that_are_not_plain_ids_mark_no_one(people, trainer_browser, ticked):
    session = running_session(people)
    url = f"/pengajar/sesi/{session.id}"
    andi_id = registration(session, people.andi).id
    ticked = [*NOT_IDS, arabic_indic(andi_id)] if ticked == "every-one" else [ticked]
    page = text(post_form(trainer_browser, url, {"hadir": ticked, "aksi": "pilihan"},
                          action_url=f"{url}/kehadiran"))
    assert flashes(page, "success") == ["Kehadiran disimpan: 0 ditandai hadir, 0 tidak hadir."]
    assert "<dt>Hadir</dt><dd>0</dd>" in page
    assert [registration(session, learner).attended_at
            for learner in (people.andi, people.budi, people.citra)] == [None, None, None]
    assert events("workshop.attendance") == []


def test_a_real_ticked_id_among_values_that_are_not_ids_is_the_only_one_marked(
        people, trainer_browser):
    session = running_session(people)
    url = f"/pengajar/sesi/{session.id}"
    andi_id = registration(session, people.andi).id
    budi_id = registration(session, people.budi).id
    page = text(post_form(trainer_browser, url,
                          {"hadir": [*NOT_IDS, arabic_indic(budi_id), str(andi_id)],
                           "aksi": "pilihan"}, action_url=f"{url}/kehadiran"))
    assert flashes(page, "success") == ["Kehadiran disimpan: 1 ditandai hadir, 0 tidak hadir."]
    assert "<dt>Hadir</dt><dd>1</dd>" in page
    assert registration(session, people.andi).attended_at is not None
    assert registration(session, people.budi).attended_at is None
    assert [e.details for e in events("workshop.attendance")] == [
        {"marked": [ANDI], "unmarked": []}]


def test_attendance_cannot_be_recorded_before_the_window(people, trainer_browser):
    session = make_session(people.trainer, starts_in=timedelta(days=1))
    services.register_learner(session, people.andi)
    db.session.commit()
    url = f"/pengajar/sesi/{session.id}"
    page = text(post_form(trainer_browser, url, {"aksi": "semua"}, action_url=f"{url}/kehadiran"))
    assert any(m.startswith("Kehadiran baru dapat dicatat mulai") for m in flashes(page, "error"))
    assert registration(session, people.andi).attended_at is None


def test_the_meeting_link_shows_only_to_seated_learners_near_the_start(app, people):
    set_setting("workshop.link_before_minutes", 30)
    db.session.commit()
    session = make_session(people.trainer, kind="webinar", starts_in=timedelta(hours=2),
                           capacity=1)
    for learner in (people.andi, people.budi):
        services.register_learner(session, learner)
    db.session.commit()
    andi, budi, anonymous = browser(app, ANDI), browser(app, BUDI), browser(app)
    early = text(andi.get(f"/agenda/{session.id}"))
    assert LINK not in early and "Tautan rapat tampil di sini mulai" in early
    session.starts_at -= timedelta(minutes=100)  # now 20 minutes before the start
    session.ends_at -= timedelta(minutes=100)
    db.session.commit()
    assert LINK in text(andi.get(f"/agenda/{session.id}"))
    for other in (budi, anonymous, browser(app, CITRA)):  # waiting, anonymous, not registered
        assert LINK not in text(other.get(f"/agenda/{session.id}"))
    assert LINK not in text(andi.get(f"/agenda/{session.id}.ics"))
    # The trainer always sees it on the management page.
    assert LINK in text(browser(app, people.trainer.nip).get(f"/pengajar/sesi/{session.id}"))
    session.starts_at -= timedelta(hours=4)  # three hours long: over
    session.ends_at -= timedelta(hours=4)
    db.session.commit()
    assert LINK not in text(andi.get(f"/agenda/{session.id}"))


def test_a_session_with_attendance_cannot_be_cancelled(people, trainer_browser):
    session = running_session(people)
    attendance.check_in(session, people.andi, attendance.reveal_code(session, people.trainer))
    db.session.commit()
    url = f"/pengajar/sesi/{session.id}"
    page = text(post_form(trainer_browser, url, {}, action_url=f"{url}/batalkan"))
    assert ("Sesi yang kehadirannya sudah dicatat tidak dapat dibatalkan."
            in flashes(page, "error"))
    assert reload(session).status == "scheduled"
    with pytest.raises(services.WorkshopError, match="Kehadiran Anda sudah tercatat"):
        services.cancel_registration(registration(session, people.andi))
    db.session.rollback()


def test_guessing_codes_is_stopped_per_learner(app, people):
    app.config["CHECKIN_RATE_LIMIT"] = "3 per 10 minutes"
    session = running_session(people)
    andi = browser(app, ANDI)
    for _ in range(3):
        assert "Kode presensi salah" in check_in(andi, session, "XXXXXX")
    page = andi.get(f"/agenda/{session.id}")
    url = f"/agenda/{session.id}/presensi"
    refused = andi.post(url, data={"code": "YYYYYY",
                                   "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused.status_code == 429
    assert "3 permintaan per 10 menit" in refused.get_data(as_text=True)
    # Another learner has a budget of their own.
    assert "Kode presensi salah" in check_in(browser(app, BUDI), session, "XXXXXX")


def test_showing_the_code_keeps_it_and_only_a_new_code_replaces_it(app, people, trainer_browser):
    session = running_session(people)
    page = reveal(trainer_browser, session)
    code = reload(session).checkin_code
    assert 'value="baru"' in page and "Buat kode baru" in page
    assert "Tampilkan kode presensi" not in page  # the code is on the page already
    reveal(trainer_browser, session)  # pressed again (another screen): the same code
    assert reload(session).checkin_code == code
    url = f"/pengajar/sesi/{session.id}"
    page = text(post_form(trainer_browser, url, {"aksi": "baru"}, action_url=f"{url}/kode"))
    new_code = reload(session).checkin_code
    assert new_code != code and f">{new_code}</p>" in page
    assert "kode lama tidak berlaku lagi" in flashes(page, "success")[0]
    andi = browser(app, ANDI)
    assert flashes(check_in(andi, session, code), "error") == [
        "Kode presensi salah. Periksa kode yang ditampilkan pengajar."]
    assert "Kehadiran Anda tercatat." in flashes(check_in(andi, session, new_code),
                                                 "success")[0]
    assert [len(events("workshop.code")), len(events("workshop.code_replaced"))] == [1, 1]


def test_the_session_page_says_batas_pendaftaran_while_registration_is_open(app, people):
    session = make_session(people.trainer, hours=2, capacity=2)
    page = text(browser(app, ANDI).get(f"/agenda/{session.id}"))
    assert "Batas pendaftaran" in page and "Pendaftaran ditutup" not in page
    start_now(session)  # the deadline (here the start) has passed: now it really is closed
    page = text(browser(app, ANDI).get(f"/agenda/{session.id}"))
    assert "Batas pendaftaran" in page and "Pendaftaran ditutup; 0 dari 2 kursi terisi" in page


def test_a_new_code_is_made_only_by_a_trainer_of_the_session_with_the_form(app, people,
                                                                           trainer_browser):
    session = running_session(people)
    reveal(trainer_browser, session)
    code = reload(session).checkin_code
    url = f"/pengajar/sesi/{session.id}/kode"
    # Without the form's CSRF token nothing changes.
    assert trainer_browser.post(url, data={"aksi": "baru"}).status_code == 400
    # A learner (registered, not a trainer of the session) may neither show nor replace it.
    andi = browser(app, ANDI)
    token = csrf_token(text(andi.get(f"/agenda/{session.id}")))
    assert andi.post(url, data={"aksi": "baru", "csrf_token": token}).status_code == 403
    assert reload(session).checkin_code == code
    assert len(events("workshop.code_replaced")) == 0
