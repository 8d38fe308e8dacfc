"""The bell, the notifications page and notify(): what a person sees, and only their own."""

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from tests.conftest import PASSWORD, count_queries, csrf_token, submit


def _confirm(user):
    user.email_confirmed_at = utcnow()
    db.session.commit()


def test_bell_shows_the_unread_count_without_a_script(client, create_user, login):
    learner = create_user()
    login(learner.nip)
    page = client.get("/beranda").get_data(as_text=True)
    assert 'class="bell"' in page and "bell-count" not in page
    services.notify([learner], "course_published", {"title": "SPBE Dasar", "jp": 4},
                    link="/kursus/spbe-101")
    services.notify([learner], "workshop_link", {"title": "Webinar TTE"})
    db.session.commit()
    page = client.get("/beranda").get_data(as_text=True)
    assert '<span class="bell-count">2</span>' in page
    assert "kompeten-frame-unread" not in page  # the placeholder is always replaced


def test_each_person_sees_their_own_count_from_the_kept_badges(app, client, create_user,
                                                                login):
    """The badge markup is kept per count with the frame: the same frame (same language and
    role) shows each person's count, and a count that changes shows at once."""
    quiet, busy = create_user(nip="199001012015011501"), create_user(nip="199001012015011502")
    busy.unread_notifications = 2
    db.session.commit()
    login(busy.nip)
    assert '<span class="bell-count">2</span>' in client.get("/beranda").get_data(as_text=True)
    other = app.test_client()
    submit(other, "/masuk", {"identifier": quiet.nip, "password": PASSWORD})
    page = other.get("/beranda").get_data(as_text=True)
    assert "bell-count" not in page and "tidak ada yang belum dibaca" in page
    busy.unread_notifications = 150
    db.session.commit()
    page = client.get("/beranda").get_data(as_text=True)
    assert '<span class="bell-count">99+</span>' in page and ">2<" not in page
    busy.unread_notifications = 0
    db.session.commit()
    assert "bell-count" not in client.get("/beranda").get_data(as_text=True)


def test_badge_costs_no_query(client, create_user, login):
    learner = create_user()
    login(learner.nip)
    client.get("/notifikasi")
    with count_queries() as quiet:
        client.get("/notifikasi")
    services.notify([learner], "workshop_link", {"title": "Webinar TTE"})
    db.session.commit()
    client.get("/notifikasi")  # reads the changed user again (app/auth/user_cache.py)
    with count_queries() as busy:
        client.get("/notifikasi")
    assert busy() == quiet()


def test_page_lists_newest_first_and_marks_read(client, create_user, login):
    learner = create_user()
    services.notify([learner], "course_published", {"title": "Lama", "jp": 2}, link="/")
    db.session.commit()
    services.notify([learner], "course_published", {"title": "Baru", "jp": 3},
                    link="/kursus/spbe-101")
    db.session.commit()
    login(learner.nip)
    page = client.get("/notifikasi").get_data(as_text=True)
    assert page.index("Baru") < page.index("Lama")
    assert "2 belum dibaca" in page
    newest = db.session.scalar(select(Notification).where(Notification.user_id == learner.id)
                               .order_by(Notification.id.desc()))
    opened = client.get(f"/notifikasi/{newest.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/kursus/spbe-101"
    db.session.refresh(learner)
    assert learner.unread_notifications == 1
    token = csrf_token(client.get("/notifikasi").get_data(as_text=True))
    client.post("/notifikasi/dibaca-semua", data={"csrf_token": token})
    db.session.refresh(learner)
    assert learner.unread_notifications == 0
    assert "Semua sudah dibaca" in client.get("/notifikasi").get_data(as_text=True)


def test_nobody_reads_or_marks_another_persons_notification(client, create_user, login):
    owner, other = create_user(), create_user()
    services.notify([owner], "workshop_link", {"title": "Rahasia"}, link="/agenda")
    db.session.commit()
    notification = db.session.scalar(select(Notification))
    login(other.nip)
    assert client.get(f"/notifikasi/{notification.id}").status_code == 404
    token = csrf_token(client.get("/notifikasi").get_data(as_text=True))
    assert client.post(f"/notifikasi/{notification.id}/dibaca",
                       data={"csrf_token": token}).status_code == 404
    assert "Rahasia" not in client.get("/notifikasi").get_data(as_text=True)
    db.session.refresh(notification)
    assert notification.read_at is None


def test_mark_read_without_csrf_is_refused(client, create_user, login):
    learner = create_user()
    services.notify([learner], "workshop_link", {"title": "X"})
    db.session.commit()
    notification = db.session.scalar(select(Notification))
    login(learner.nip)
    assert client.post(f"/notifikasi/{notification.id}/dibaca").status_code == 400


def test_off_means_no_notification(create_user):
    learner = create_user()
    services.set_preference(learner, "course_published", "off")
    made = services.notify([learner], "course_published", {"title": "X", "jp": 1})
    db.session.commit()
    assert made == 0 and learner.unread_notifications == 0


def test_notify_is_a_fixed_number_of_statements(create_user):
    few = [create_user() for _ in range(3)]
    many = [create_user() for _ in range(30)]
    with count_queries() as small:
        services.notify(few, "course_published", {"title": "A", "jp": 1})
    with count_queries() as large:
        services.notify(many, "course_published", {"title": "A", "jp": 1})
    db.session.commit()
    assert small() == large() <= 2
    assert sum(1 for _ in db.session.scalars(select(Notification.id))) == 33


def test_inactive_people_are_not_notified(create_user):
    gone = create_user()
    gone.active = False
    db.session.commit()
    assert services.notify([gone], "workshop_link", {"title": "X"}) == 0


def test_old_notifications_are_pruned_and_the_count_follows(app, create_user):
    from datetime import timedelta

    learner = create_user()
    services.notify([learner], "workshop_link", {"title": "Lama"},
                    now=utcnow() - timedelta(days=app.config["NOTIFICATION_KEEP_DAYS"] + 1))
    services.notify([learner], "workshop_link", {"title": "Baru"})
    db.session.commit()
    db.session.refresh(learner)
    assert learner.unread_notifications == 2
    assert services.prune_old() == 1
    db.session.commit()
    db.session.refresh(learner)
    assert learner.unread_notifications == 1


def test_unknown_kind_is_a_programming_error(create_user):
    import pytest

    with pytest.raises(ValueError):
        services.notify([create_user()], "no_such_kind", {})


def test_words_follow_the_readers_language(client, create_user, login):
    learner = create_user()
    learner.language = "en"
    services.notify([learner], "course_published", {"title": "SPBE", "jp": 4})
    db.session.commit()
    login(learner.nip)
    page = client.get("/notifikasi").get_data(as_text=True)
    assert "New course: SPBE (4 JP)." in page
