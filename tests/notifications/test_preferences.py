"""Each person chooses per kind: in the app only, also by email, or off; and the digest."""

from app.extensions import db
from app.notifications import services
from tests.conftest import submit


def test_defaults_are_email_for_certificates_grades_and_workshop_reminders(create_user):
    learner = create_user()
    chosen = services.preferences_of(learner)
    assert chosen["certificate_issued"] == chosen["attempt_graded"] == "email"
    assert chosen["workshop_reminder"] == "email"
    assert chosen["course_published"] == "app"
    assert "job_failed" not in chosen and "essays_waiting" not in chosen


def test_a_learner_changes_choices_through_the_page(client, create_user, login):
    learner = create_user()
    login(learner.nip)
    page = client.get("/notifikasi/pengaturan").get_data(as_text=True)
    assert "Sertifikat diterbitkan" in page and "Tugas latar gagal" not in page
    assert "Email belum diaktifkan" in page
    form = {f"kind_{kind}": channel for kind, channel in services.preferences_of(learner).items()}
    form.update(kind_course_published="off", kind_certificate_issued="app", digest="y")
    reply = submit(client, "/notifikasi/pengaturan", form)
    assert "Pengaturan pemberitahuan disimpan" in reply.get_data(as_text=True)
    db.session.refresh(learner)
    chosen = services.preferences_of(learner)
    assert chosen["course_published"] == "off" and chosen["certificate_issued"] == "app"
    assert learner.email_digest is True


def test_an_unknown_channel_is_refused_and_nothing_changes(client, create_user, login):
    learner = create_user()
    login(learner.nip)
    before = services.preferences_of(learner)
    form = {f"kind_{kind}": channel for kind, channel in before.items()}
    form["kind_certificate_issued"] = "sms\x00"
    reply = submit(client, "/notifikasi/pengaturan", form)
    assert reply.status_code == 200
    assert "Periksa kembali" in reply.get_data(as_text=True)
    assert services.preferences_of(learner) == before


def test_admins_and_trainers_see_their_own_kinds(client, create_user, login):
    admin = create_user(roles=("admin", "trainer"))
    login(admin.nip)
    page = client.get("/notifikasi/pengaturan").get_data(as_text=True)
    assert "Tugas latar gagal" in page and "Esai menunggu dinilai" in page


def test_pages_need_a_login(client):
    for url in ("/notifikasi", "/notifikasi/pengaturan"):
        reply = client.get(url)
        assert reply.status_code == 302 and "/masuk" in reply.headers["Location"]
