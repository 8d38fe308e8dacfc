"""Registering and cancelling: seats shown on the pages, the waiting list in queue order, who
may register, and the last seat under real concurrency (threads with their own connections,
on the SQLite file database and on PostgreSQL)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.extensions import db
from app.workshops import queries, services
from app.workshops.models import SessionRegistration, WorkshopSession
from tests.conftest import run_together
from tests.workshops.conftest import ANDI, BUDI, CITRA, browser, flashes, post_form, text
from tests.workshops.helpers import make_session, registration, reload


def press(client, session, action):
    """Press the session page's register ('daftar') or cancel ('batal') button."""
    url = f"/agenda/{session.id}"
    return text(post_form(client, url, {}, action_url=f"{url}/{action}"))


def statuses(session):
    db.session.expire_all()
    rows = db.session.scalars(select(SessionRegistration).where(
        SessionRegistration.session_id == session.id).order_by(SessionRegistration.id))
    return {r.user.name: r.status for r in rows}


def test_register_fills_seats_then_the_waiting_list(app, people):
    session = make_session(people.trainer, capacity=2)
    andi, budi, citra = browser(app, ANDI), browser(app, BUDI), browser(app, CITRA)
    assert "Sisa 2 dari 2 kursi" in text(andi.get("/agenda/"))
    page = press(andi, session, "daftar")
    assert "Anda terdaftar di Workshop SRIKANDI untuk operator OPD." in flashes(page, "success")
    assert "Sisa 1 dari 2 kursi" in page and "Anda terdaftar di sesi ini." in page
    press(budi, session, "daftar")
    assert "Kursi penuh (2); daftar tunggu dibuka" in text(citra.get("/agenda/"))
    page = press(citra, session, "daftar")
    assert flashes(page, "info") == ["Kursi penuh: Anda masuk daftar tunggu. Anda otomatis "
                                     "mendapat kursi bila ada peserta yang membatalkan."]
    assert "Anda di daftar tunggu." in page
    assert statuses(session) == {"Andi Pratama": "registered", "Budi Santoso": "registered",
                                 "Citra Lestari": "waitlisted"}
    assert reload(session).seats_taken == 2
    # A second tab pressing again changes nothing.
    again = andi.post(f"/agenda/{session.id}/daftar", data={"csrf_token": _token(andi)})
    assert again.status_code == 302
    assert reload(session).seats_taken == 2


def test_a_cancellation_gives_the_seat_to_the_first_in_line(app, people, create_user):
    session = make_session(people.trainer, capacity=1)
    dewi = create_user(name="Dewi Anggraini")
    for learner in (people.andi, people.budi, people.citra, dewi):
        services.register_learner(session, learner)
        db.session.commit()
    page = press(browser(app, ANDI), session, "batal")
    assert "Pendaftaran Anda di Workshop SRIKANDI untuk operator OPD dibatalkan." in flashes(page)
    assert statuses(session) == {"Andi Pratama": "cancelled", "Budi Santoso": "registered",
                                 "Citra Lestari": "waitlisted", "Dewi Anggraini": "waitlisted"}
    # Andi comes back: to the end of the line, behind Citra and Dewi.
    press(browser(app, ANDI), session, "daftar")
    services.cancel_registration(registration(session, people.budi))
    db.session.commit()
    assert statuses(session)["Citra Lestari"] == "registered"
    assert statuses(session)["Andi Pratama"] == "waitlisted"
    _registered, waiting = queries.participants(reload(session))
    assert [r.user.name for r in waiting] == ["Dewi Anggraini", "Andi Pratama"]
    assert reload(session).seats_taken == 1
    trainer_page = text(browser(app, people.trainer.nip).get(f"/pengajar/sesi/{session.id}"))
    assert trainer_page.index("Dewi Anggraini") < trainer_page.index("Andi Pratama")


def test_a_waiting_learner_leaves_the_line_without_touching_seats(people):
    session = make_session(people.trainer, capacity=1)
    for learner in (people.andi, people.budi):
        services.register_learner(session, learner)
    db.session.commit()
    assert services.cancel_registration(registration(session, people.budi)) == []
    db.session.commit()
    assert statuses(session) == {"Andi Pratama": "registered", "Budi Santoso": "cancelled"}
    assert reload(session).seats_taken == 1


@pytest.mark.parametrize(("setup", "message"), [
    ({"registration_deadline_in": timedelta(hours=-1)}, "Pendaftaran sesi ini sudah ditutup."),
    ({"starts_in": timedelta(minutes=-5)}, "Pendaftaran sesi ini sudah ditutup."),
    ({"status": "cancelled"}, "Sesi ini dibatalkan."),
    ({"audience": "opd"}, "Sesi ini khusus untuk ASN dari: Dinas Kependudukan dan Pencatatan "
                          "Sipil."),
])
def test_closed_sessions_refuse_with_a_reason(app, people, setup, message):
    setup = dict(setup)
    deadline_in = setup.pop("registration_deadline_in", None)
    session = make_session(people.trainer, **setup)
    if deadline_in is not None:
        session.registration_deadline = session.starts_at - timedelta(days=7) + deadline_in
    if session.audience == "opd":
        session.agencies = [people.disdukcapil]
    db.session.commit()
    andi = browser(app, ANDI)
    page = text(andi.get(f"/agenda/{session.id}"))
    assert message in page
    assert f'action="/agenda/{session.id}/daftar"' not in page
    response = andi.post(f"/agenda/{session.id}/daftar",
                         data={"csrf_token": _token(andi)}, follow_redirects=True)
    assert message in flashes(text(response), "error")
    assert statuses(session) == {}


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(text(client.get("/agenda/saya")))


def test_a_unit_counts_for_its_opd(app, people):
    session = make_session(people.trainer, audience="opd")
    session.agencies = [people.diskominfo]
    db.session.commit()
    page = press(browser(app, BUDI), session, "daftar")  # Budi's unit is inside Diskominfo
    assert "Anda terdaftar di sesi ini." in page
    assert "ASN dari: Dinas Komunikasi dan Informatika" in page


def test_only_learners_register_and_nobody_cancels_after_the_start(app, people):
    session = make_session(people.trainer)
    page = text(browser(app, people.trainer.nip).get(f"/agenda/{session.id}"))
    assert "Hanya peserta (ASN) yang dapat mendaftar ke sesi." in page
    services.register_learner(session, people.andi)
    db.session.commit()
    session.starts_at = session.starts_at - timedelta(days=7, minutes=1)
    session.ends_at = session.ends_at - timedelta(days=7)
    db.session.commit()
    with pytest.raises(services.WorkshopError, match="setelah sesi dimulai"):
        services.cancel_registration(registration(session, people.andi))
    db.session.rollback()


def test_the_database_refuses_more_seats_than_capacity(people):
    session = make_session(people.trainer, capacity=1)
    with pytest.raises(IntegrityError):
        db.session.execute(update(WorkshopSession).where(WorkshopSession.id == session.id)
                           .values(seats_taken=2))
        db.session.flush()
    db.session.rollback()


# --- concurrency ---------------------------------------------------------------------------------

THREADS = 8


@pytest.fixture
def crowd(create_user):
    return [create_user(name=f"Peserta {n}") for n in range(THREADS)]


def _counts(session):
    db.session.expire_all()
    rows = db.session.execute(select(SessionRegistration.status, func.count())
                              .where(SessionRegistration.session_id == session.id)
                              .group_by(SessionRegistration.status)).all()
    return dict(rows), db.session.get(WorkshopSession, session.id).seats_taken


def test_racing_registrations_never_exceed_capacity(app, people, crowd):
    """Eight learners press "Daftar" at once for three seats: three get one, five wait."""
    session = make_session(people.trainer, capacity=3)
    # Threads touch only ids: the test's own objects belong to this thread's session.
    session_id, user_ids = session.id, [u.id for u in crowd]

    def register(index, barrier):
        user = db.session.get(User, user_ids[index])
        target = db.session.get(WorkshopSession, session_id)
        barrier.wait()
        placed = services.register_learner(target, user)
        db.session.commit()
        return placed.status

    results = run_together(app, register, THREADS)
    assert sorted(results) == ["registered"] * 3 + ["waitlisted"] * 5
    assert _counts(session) == ({"registered": 3, "waitlisted": 5}, 3)


def test_racing_browsers_for_the_last_seat(app, people, crowd):
    """The same race through HTTP: each browser is its own worker (SQLite: BEGIN IMMEDIATE)."""
    session = make_session(people.trainer, capacity=1)
    clients = [browser(app, user.nip) for user in crowd[:5]]
    tokens = [_token(client) for client in clients]
    url = f"/agenda/{session.id}/daftar"
    db.session.commit()

    def press_register(index, barrier):
        barrier.wait()
        response = clients[index].post(url,
                                       data={"csrf_token": tokens[index]})
        assert response.status_code == 302, response.status_code
        return response.status_code

    run_together(app, press_register, 5)
    assert _counts(session) == ({"registered": 1, "waitlisted": 4}, 1)


def test_racing_cancellations_promote_each_waiting_learner_once(app, people, crowd):
    """Three holders cancel at once; the first three in line get the seats, nobody twice."""
    session = make_session(people.trainer, capacity=3)
    for user in crowd[:7]:
        services.register_learner(session, user)
        db.session.commit()
    holders = [registration(session, user).id for user in crowd[:3]]

    def cancel(index, barrier):
        held = db.session.get(SessionRegistration, holders[index])
        barrier.wait()
        promoted = services.cancel_registration(held)
        db.session.commit()
        return len(promoted)

    assert sorted(run_together(app, cancel, 3)) == [1, 1, 1]
    assert _counts(session) == ({"cancelled": 3, "registered": 3, "waitlisted": 1}, 3)
    seated = {u.name for u in crowd[:7] if registration(session, u).status == "registered"}
    assert seated == {crowd[3].name, crowd[4].name, crowd[5].name}


def test_the_dashboard_suggests_sessions_for_the_learners_opd_and_its_units(app, people):
    for_diskominfo = make_session(people.trainer, audience="opd", title="Khusus Diskominfo")
    for_diskominfo.agencies = [people.diskominfo]
    db.session.commit()
    # Andi works at Diskominfo, Budi in a unit inside it, Citra at Disdukcapil.
    assert "Khusus Diskominfo" in text(browser(app, ANDI).get("/beranda"))
    assert "Khusus Diskominfo" in text(browser(app, BUDI).get("/beranda"))
    assert "Khusus Diskominfo" not in text(browser(app, CITRA).get("/beranda"))


def test_a_learner_without_an_agency_is_suggested_only_sessions_open_to_all(app, people,
                                                                           create_user):
    """The suggestions' statement takes the agency as a bind parameter: none (NULL) must match
    no agency, not every one."""
    for_diskominfo = make_session(people.trainer, audience="opd", title="Khusus Diskominfo")
    for_diskominfo.agencies = [people.diskominfo]
    make_session(people.trainer, title="Terbuka untuk semua ASN")
    loner = create_user(nip="199202022020121005", name="Dewi Tanpa Unit", agency=None)
    db.session.commit()
    assert loner.agency_id is None
    page = text(browser(app, loner.nip).get("/beranda"))
    assert "Terbuka untuk semua ASN" in page and "Khusus Diskominfo" not in page
    assert queries.open_sessions_for(loner)[0].title == "Terbuka untuk semua ASN"
