"""Each event of issue 21 reaches the right people, in a fixed number of statements, and only
when its transaction commits."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.certificates import services as certificate_services
from app.database import utcnow
from app.extensions import db
from app.notifications import reminders
from app.notifications.kinds import notification_text
from app.notifications.models import Notification
from app.workshops import services as workshop_services
from tests.certificates import issuing_helpers as h
from tests.conftest import count_queries
from tests.workshops.helpers import make_session


def notifications(user, kind=None):
    db.session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


@pytest.fixture
def admin(create_user):
    return create_user(nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")


def test_certificate_issued_and_revoked_tell_the_holder(app, courses, create_user, admin):
    learner = create_user(name="Andi")
    certificate = h.issue(h.enrol(learner, h.course("spbe-101")), admin)
    [issued] = notifications(learner, "certificate_issued")
    assert certificate.number in notification_text(issued) and issued.link == "/sertifikat"
    certificate_services.revoke_certificate(certificate, "Data salah", admin,
                                            public_reason="kesalahan_data")
    db.session.commit()
    [revoked] = notifications(learner, "certificate_revoked")
    assert "Kesalahan data" in notification_text(revoked)
    assert notifications(admin) == []


def test_a_rolled_back_issue_notifies_nobody(app, courses, create_user, admin):
    learner = create_user()
    certificate_services.issue_certificate(h.enrol(learner, h.course("spbe-101")), admin)
    db.session.rollback()
    db.session.commit()
    assert notifications(learner) == []


def test_issuing_many_adds_no_statement_per_learner(app, courses, create_user, admin):
    course = h.course("spbe-101")

    def issue_to(count):
        enrollments = [h.enrol(create_user(), course) for _ in range(count)]
        subjects = [db.session.merge(e) for e in enrollments]
        result = certificate_services.issue_many(subjects, admin)
        with count_queries() as statements:
            db.session.commit()  # the notifications are written here, all at once
        assert len(result.issued) == count
        return statements()

    assert issue_to(2) == issue_to(6)


def test_workshop_registration_waiting_list_and_promotion(app, create_user):
    organizer = create_user(roles=("trainer",))
    first, second = create_user(), create_user()
    session = make_session(organizer, capacity=1)
    workshop_services.register_learner(session, first)
    workshop_services.register_learner(session, second)
    db.session.commit()
    assert "terdaftar di" in notification_text(notifications(first)[0])
    assert "daftar tunggu" in notification_text(notifications(second)[0])
    registration = db.session.merge(workshop_services.registration_of(first, session))
    workshop_services.cancel_registration(registration)
    db.session.commit()
    assert [n.kind for n in notifications(second)] == ["workshop_registered",
                                                        "workshop_promoted"]


def test_a_new_meeting_link_reaches_those_with_a_seat(app, create_user):
    from tests.workshops.conftest import session_form  # noqa: F401  (the form's values)

    organizer = create_user(roles=("trainer",))
    seated = create_user()
    session = make_session(organizer, kind="webinar", meeting_url="")
    workshop_services.register_learner(session, seated)
    db.session.commit()
    session.meeting_url = "https://zoom.example.go.id/j/999"
    from app.notifications import events

    events.workshop_link_available(session, [seated.id])
    db.session.commit()
    assert [n.kind for n in notifications(seated)][-1] == "workshop_link"


def test_reminder_a_day_before_is_sent_once(app, create_user):
    organizer = create_user(roles=("trainer",))
    seated, away = create_user(), create_user()
    soon = make_session(organizer, starts_in=timedelta(hours=20))
    later = make_session(organizer, starts_in=timedelta(days=3))
    for session in (soon, later):
        workshop_services.register_learner(session, seated)
    db.session.commit()
    assert reminders.send_workshop_reminders() == 1
    assert reminders.send_workshop_reminders() == 0  # once
    db.session.commit()
    assert len(notifications(seated, "workshop_reminder")) == 1
    assert notifications(away) == []


def test_pace_is_even_through_the_year():
    assert reminders.pace(20, datetime(2026, 1, 1).date()) == 0
    assert reminders.pace(20, datetime(2026, 7, 1).date()) == 10
    assert reminders.pace(20, datetime(2026, 12, 31).date()) == 20


def test_jp_reminders_go_to_those_below_pace_only(app, create_user):
    from app.courses.models import JpYearTotal

    behind, on_track = create_user(), create_user()
    db.session.add(JpYearTotal(user_id=on_track.id, year=2026, course_jp=18, credit_jp=0,
                               session_jp=0, total=18))
    db.session.commit()
    october = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)  # 08.00 WITA
    with count_queries() as statements:
        sent = reminders.send_jp_reminders(now=october)
    db.session.commit()
    assert sent == 1 and statements() <= 8
    [reminder] = notifications(behind, "jp_reminder")
    assert "15" in notification_text(reminder)  # pace on 1 October: 15 of 20
    assert notifications(on_track) == []


@pytest.mark.parametrize(("schedule", "when", "due"), [
    ("quarterly", datetime(2026, 4, 1, 8, 0), True),
    ("quarterly", datetime(2026, 5, 1, 8, 0), False),
    ("monthly", datetime(2026, 5, 1, 8, 0), True),
    ("monthly", datetime(2026, 1, 1, 8, 0), False),
    ("monthly", datetime(2026, 5, 1, 9, 0), False),
    ("off", datetime(2026, 4, 1, 8, 0), False),
])
def test_jp_reminder_schedule(app, schedule, when, due):
    from app.settings import set_setting

    set_setting("jp_reminder.schedule", schedule)
    assert reminders.jp_reminder_due(when) is due


def test_a_failed_job_tells_the_admins(app, create_user, admin):
    from app.errors import LmsError
    from app.jobs.runner import register_job_kind
    from app.jobs.services import start_job

    def broken(context):
        raise LmsError("rusak")

    register_job_kind("test.broken", broken, lambda params: "Tugas uji")
    start_job("test.broken", {}, admin)
    db.session.commit()
    [failed] = notifications(admin, "job_failed")
    assert "Tugas uji" in notification_text(failed) and failed.link.startswith("/admin/tugas/")


def test_course_published_tells_every_learner(app, create_user):
    from app.authoring import services as authoring_services
    from app.courses.models import Course, Module

    trainer = create_user(roles=("trainer",))
    learners = [create_user() for _ in range(3)]
    course = Course(code="TTE-01", slug="tte-01", title="Tanda Tangan Elektronik", jp=2,
                    status="draft", summary="", description_source="",
                    description_html="", competency="teknis", mode="e-learning",
                    provider="BKPSDM", certificate_policy="manual")
    db.session.add(course)
    db.session.flush()
    db.session.add(Module(course_id=course.id, position=1, slug="m1", title="M1",
                          minutes=10, body_source="x", body_html="<p>x</p>"))
    db.session.commit()
    authoring_services.set_course_status(course, "published", trainer)
    db.session.commit()
    for learner in learners:
        [published] = notifications(learner, "course_published")
        assert "Tanda Tangan Elektronik" in notification_text(published)
    assert notifications(trainer) == []


def test_old_ones_pruned_by_the_periodic_job(app, create_user):
    from app.jobs.periodic import start_periodic
    from app.notifications.services import notify

    learner = create_user()
    notify([learner.id], "workshop_link", {"title": "Lama", "starts_at": utcnow().isoformat()},
           now=utcnow() - timedelta(days=400))
    db.session.commit()
    start_periodic("prune_notifications")
    assert notifications(learner) == []
