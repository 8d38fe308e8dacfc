"""Who may do what with a session: anonymous visitors read the agenda, learners register for
themselves, the organizing trainer (or the linked course's trainers) and admins manage it;
another trainer gets 403 and changes nothing."""

import pytest
from sqlalchemy import select

from app.courses.models import Course
from app.extensions import db
from app.workshops import services
from app.workshops.models import SessionRegistration
from tests.conftest import csrf_token
from tests.workshops.conftest import ADMIN, ANDI, OTHER_TRAINER, TRAINER, browser, text
from tests.workshops.helpers import make_session, reload

MANAGE_GET = ("", "/ubah")
MANAGE_POST = ("/kehadiran", "/kode", "/batalkan", "/ubah")


def token(client):
    return csrf_token(text(client.get("/agenda/saya")))


@pytest.fixture
def session(people):
    session = make_session(people.trainer)
    services.register_learner(session, people.andi)
    db.session.commit()
    return session


def test_anonymous_visitors_read_the_agenda_and_are_sent_to_log_in(app, session):
    client = browser(app)
    for url in ("/agenda/", f"/agenda/{session.id}", f"/agenda/{session.id}.ics"):
        assert client.get(url).status_code == 200, url
    login_token = csrf_token(text(client.get("/masuk")))
    for url in ("/agenda/saya", "/pengajar/sesi/", f"/pengajar/sesi/{session.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], url
    for action in ("daftar", "batal", "presensi"):
        response = client.post(f"/agenda/{session.id}/{action}",
                               data={"csrf_token": login_token})
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("nip", [ANDI, OTHER_TRAINER])
def test_learners_and_other_trainers_cannot_manage_a_session(app, session, nip):
    client = browser(app, nip)
    form_token = token(client)
    before = reload(session).revision, reload(session).status
    for suffix in MANAGE_GET:
        assert client.get(f"/pengajar/sesi/{session.id}{suffix}").status_code == 403
    for suffix in MANAGE_POST:
        response = client.post(f"/pengajar/sesi/{session.id}{suffix}",
                               data={"csrf_token": form_token, "aksi": "semua"})
        assert response.status_code == 403, suffix
    assert client.get(f"/admin/sertifikat/sesi/{session.id}").status_code == 403
    assert (reload(session).revision, reload(session).status) == before
    assert db.session.scalar(select(SessionRegistration.attended_at)) is None
    if nip == ANDI:
        assert client.get("/pengajar/sesi/baru").status_code == 403
    else:  # another trainer schedules their own, and does not see this one listed
        page = text(client.get("/pengajar/sesi/"))
        assert f"/pengajar/sesi/{session.id}" not in page


def test_the_linked_courses_trainers_and_admins_manage_it(app, people, session, courses):
    spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
    spbe.owners.append(people.other_trainer)
    session.course_id = spbe.id
    db.session.commit()
    for nip in (TRAINER, OTHER_TRAINER, ADMIN):
        client = browser(app, nip)
        for suffix in MANAGE_GET:
            assert client.get(f"/pengajar/sesi/{session.id}{suffix}").status_code == 200
        assert f"/pengajar/sesi/{session.id}" in text(client.get("/pengajar/sesi/"))
    assert browser(app, ADMIN).get(f"/admin/sertifikat/sesi/{session.id}").status_code == 200


def test_a_learner_acts_only_for_themself(app, people, session):
    """Cancelling or checking in always means the current user's own registration."""
    citra = browser(app, people.citra.nip)
    response = citra.post(f"/agenda/{session.id}/batal", data={"csrf_token": token(citra)},
                          follow_redirects=True)
    assert "Anda tidak terdaftar di sesi ini." in text(response)
    assert reload(session).seats_taken == 1
    assert services.registration_of(people.andi, session).status == "registered"
    assert browser(app).get("/agenda/99999").status_code == 404
