"""Announcements: an admin sends one to everyone or to chosen OPD (with their units), people
in the audience get a notification (and email, if they chose it) and see it on their
dashboard; it can be withdrawn; everyone else never sees it."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.models import Agency
from app.database import utcnow
from app.extensions import db
from app.notifications import announcement_services
from app.notifications.models import Announcement, Notification
from app.notifications.services import set_preference
from app.timeutil import now_in_palu
from tests.conftest import count_queries, csrf_token, seen_statements, submit
from tests.content.test_markdown import PAYLOADS, assert_safe
from tests.mailbox import text_part
from tests.security.xss_payloads import EXTRA_PAYLOADS

NEW = "/admin/pengumuman/baru"


def agency(code):
    return db.session.scalar(select(Agency).where(Agency.code == code))


@pytest.fixture
def people(agencies, create_user):
    """An admin; learners of Diskominfo, of a unit inside it, and of BKPSDM; a trainer."""
    diskominfo = agency("DISKOMINFO")
    unit = Agency(code="DISKOMINFO-APTIKA", name="Bidang Aptika", parent=diskominfo)
    db.session.add(unit)
    db.session.commit()
    return {
        "admin": create_user(roles=("admin",), name="Admin BKPSDM"),
        "kominfo": create_user(agency=diskominfo, name="Rina Kominfo"),
        "unit": create_user(agency=unit, name="Udin Aptika"),
        "bkpsdm": create_user(agency=agency("BKPSDM"), name="Bayu BKPSDM"),
        "trainer": create_user(roles=("trainer",), agency=diskominfo, name="Tono Pengajar"),
    }


def form(**values):
    days = values.pop("days", 7)
    data = {"title": "Libur bersama Natal", "body": "Kantor tutup **25-26 Desember**.",
            "audience": "all",
            "ends_on": (now_in_palu().date() + timedelta(days=days)).isoformat()}
    return dict(data, **values)


def publish(client, login, people, **values):
    login(people["admin"].nip)
    return submit(client, NEW, form(**values))


def notified(user):
    return db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "announcement")).all()


def log_out(client):
    token = csrf_token(client.get("/beranda").get_data(as_text=True))
    client.post("/keluar", data={"csrf_token": token})


# --- sending ----------------------------------------------------------------------------------

def test_admin_sends_to_chosen_opd_and_its_units_only(client, login, people):
    response = publish(client, login, people, audience="opd",
                       agencies=str(agency("DISKOMINFO").id))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "dikirim ke 2 orang" in page
    announcement = db.session.scalar(select(Announcement))
    assert [a.code for a in announcement.agencies] == ["DISKOMINFO"]
    assert "<strong>25-26 Desember</strong>" in announcement.body_html
    assert [len(notified(people[name])) for name in ("kominfo", "unit", "bkpsdm", "admin")] \
        == [1, 1, 0, 0]
    [note] = notified(people["unit"])
    assert note.link == f"/pengumuman/{announcement.id}"
    assert note.params == {"title": "Libur bersama Natal"}
    log_out(client)
    for name in ("kominfo", "unit"):
        login(people[name].nip)
        home = client.get("/beranda").get_data(as_text=True)
        assert "Libur bersama Natal" in home and f"/pengumuman/{announcement.id}" in home
        assert client.get(f"/pengumuman/{announcement.id}").status_code == 200
        log_out(client)
    login(people["bkpsdm"].nip)
    assert "Libur bersama Natal" not in client.get("/beranda").get_data(as_text=True)
    assert client.get(f"/pengumuman/{announcement.id}").status_code == 404


def test_everyone_audience_reaches_every_active_learner(client, login, people, create_user):
    idle = create_user(name="Tidak Aktif")
    idle.active = False
    db.session.commit()
    response = publish(client, login, people)
    assert "dikirim ke 3 orang" in response.get_data(as_text=True)
    assert {n.user_id for n in db.session.scalars(select(Notification))} == {
        people["kominfo"].id, people["unit"].id, people["bkpsdm"].id}
    log_out(client)
    login(people["bkpsdm"].nip)
    home = client.get("/beranda").get_data(as_text=True)
    assert "Pengumuman BKPSDM" in home and "Libur bersama Natal" in home
    announcement = db.session.scalar(select(Announcement))
    page = client.get(f"/pengumuman/{announcement.id}").get_data(as_text=True)
    assert "<strong>25-26 Desember</strong>" in page


def test_audit_records_the_audience_and_how_many(client, login, people):
    publish(client, login, people, audience="opd",
            agencies=[str(agency("DISKOMINFO").id), str(agency("BKPSDM").id)])
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "announcement.create"))
    announcement = db.session.scalar(select(Announcement))
    assert event.actor_id == people["admin"].id and event.object_id == str(announcement.id)
    assert event.details["audience"] == "opd"
    assert sorted(event.details["agencies"]) == ["BKPSDM", "DISKOMINFO"]
    assert event.details["recipients"] == 3
    listing = client.get("/admin/pengumuman").get_data(as_text=True)
    assert "Libur bersama Natal" in listing and "3 orang" in listing and "Tayang" in listing


def test_email_arrives_for_who_chose_email(mailbox, client, login, people):
    rina = people["kominfo"]
    rina.email, rina.email_confirmed_at = "rina@palukota.go.id", utcnow()
    people["bkpsdm"].email = "bayu@palukota.go.id"  # in-app only (the default)
    db.session.commit()
    set_preference(rina, "announcement", "email")
    db.session.commit()
    publish(client, login, people)
    [message] = mailbox.wait_for(1)
    assert message.envelope_to == ["rina@palukota.go.id"]
    assert "Libur bersama Natal" in message["Subject"]
    announcement = db.session.scalar(select(Announcement))
    assert f"/pengumuman/{announcement.id}" in text_part(message)
    assert mailbox.wait_for(2, seconds=0.5) == [message]


def test_withdrawing_hides_it_and_is_audited(client, login, people):
    publish(client, login, people)
    announcement = db.session.scalar(select(Announcement))
    listing = client.get("/admin/pengumuman").get_data(as_text=True)
    response = client.post(f"/admin/pengumuman/{announcement.id}/tarik",
                           data={"csrf_token": csrf_token(listing)}, follow_redirects=True)
    assert "ditarik" in response.get_data(as_text=True)
    db.session.refresh(announcement)
    assert announcement.withdrawn_at is not None
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "announcement.withdraw")) == 1
    again = client.post(f"/admin/pengumuman/{announcement.id}/tarik",
                        data={"csrf_token": csrf_token(listing)}, follow_redirects=True)
    assert "sudah ditarik sebelumnya" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "announcement.withdraw")) == 1
    log_out(client)
    login(people["kominfo"].nip)
    assert "Libur bersama Natal" not in client.get("/beranda").get_data(as_text=True)
    assert client.get(f"/pengumuman/{announcement.id}").status_code == 404


def test_withdraw_without_csrf_is_refused(client, login, people):
    publish(client, login, people)
    announcement = db.session.scalar(select(Announcement))
    assert client.post(f"/admin/pengumuman/{announcement.id}/tarik").status_code == 400
    assert client.post("/admin/pengumuman/999999/tarik", data={"csrf_token": csrf_token(
        client.get("/admin/pengumuman").get_data(as_text=True))}).status_code == 404
    db.session.refresh(announcement)
    assert announcement.withdrawn_at is None


def test_ended_ones_leave_the_dashboard_but_stay_readable(client, login, people):
    publish(client, login, people)
    announcement = db.session.scalar(select(Announcement))
    announcement.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    log_out(client)
    login(people["kominfo"].nip)
    assert "Libur bersama Natal" not in client.get("/beranda").get_data(as_text=True)
    assert client.get(f"/pengumuman/{announcement.id}").status_code == 200


def test_dashboard_shows_the_three_newest(client, login, people):
    admin = people["admin"]
    for number in range(1, 6):
        announcement_services.create_announcement(
            {"title": f"Pengumuman ke-{number}", "body": "Isi.", "agencies": [],
             "ends_at": utcnow() + timedelta(days=3)}, admin,
            now=utcnow() + timedelta(seconds=number))
    db.session.commit()
    login(people["bkpsdm"].nip)
    home = client.get("/beranda").get_data(as_text=True)
    shown = [n for n in range(1, 6) if f"Pengumuman ke-{n}<" in home]
    assert shown == [3, 4, 5]
    assert home.index("Pengumuman ke-5") < home.index("Pengumuman ke-3") < home.index("JP tahun")


# --- who may ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["kominfo", "trainer"])
def test_learners_and_trainers_cannot_reach_the_admin_pages(client, login, people, who):
    publish(client, login, people)
    announcement = db.session.scalar(select(Announcement))
    log_out(client)
    login(people[who].nip)
    token = csrf_token(client.get("/beranda").get_data(as_text=True))
    assert client.get("/admin/pengumuman").status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, data=form(csrf_token=token)).status_code == 403
    assert client.post(f"/admin/pengumuman/{announcement.id}/tarik",
                       data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count(Announcement.id))) == 1


def test_anonymous_is_sent_to_log_in(client, people):
    for url in ("/admin/pengumuman", NEW, "/pengumuman/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_missing_announcement_is_404(client, login, people):
    login(people["kominfo"].nip)
    assert client.get("/pengumuman/999999").status_code == 404


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("values, field, message", [
    ({"title": ""}, "title", "Isi judul pengumuman."),
    ({"title": "  \x00 "}, "title", "Isi judul pengumuman."),
    ({"title": "x" * 10_000}, "title", "Judul paling panjang 200 karakter."),
    ({"title": "Baris satu\nBaris dua"}, "title", "satu baris"),
    ({"body": ""}, "body", "Isi teks pengumuman."),
    ({"body": "x" * 20_001}, "body", "paling panjang 20000 karakter"),
    ({"days": -1}, "ends_on", "Tanggal sudah lewat"),
    ({"days": 400}, "ends_on", "Paling lama satu tahun"),
    ({"ends_on": ""}, "ends_on", "Isi tanggal akhir tayang."),
    ({"ends_on": "31/12/2026"}, "ends_on", None),
    ({"audience": "opd"}, "agencies", "Pilih sekurang-kurangnya satu OPD penerima."),
    ({"audience": "semua"}, "audience", None),
    ({"audience": "opd", "agencies": "abc"}, "agencies", None),
    ({"audience": "opd", "agencies": "999999"}, "agencies", None),
])
def test_bad_input_is_named_on_its_field_and_nothing_is_sent(client, login, people, values,
                                                             field, message):
    response = publish(client, login, people, **values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page or (field == "audience" and "agencies-error" in page)
    if message:
        assert message in page
    assert "Periksa kembali isian" in page
    assert db.session.scalar(select(func.count(Announcement.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    if field != "body" and values.get("body", "x"):
        assert "25-26 Desember" in page  # what was typed is kept


def test_nul_characters_are_dropped_before_saving(client, login, people):
    publish(client, login, people, title="Rapat\x00 koordinasi", body="Isi\x00 rapat.")
    announcement = db.session.scalar(select(Announcement))
    assert (announcement.title, announcement.body_source) == ("Rapat koordinasi", "Isi rapat.")


def test_script_in_the_body_never_reaches_the_page(client, login, people):
    publish(client, login, people, body="<script>alert(1)</script> [x](javascript:alert(1))")
    announcement = db.session.scalar(select(Announcement))
    page = client.get(f"/pengumuman/{announcement.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "javascript:alert" not in page


def test_every_xss_payload_is_made_safe_in_the_stored_body(people):
    for name, source in PAYLOADS + EXTRA_PAYLOADS:
        announcement, _sent = announcement_services.create_announcement(
            {"title": "Uji", "body": source.replace("\x00", ""), "agencies": [],
             "ends_at": utcnow() + timedelta(days=1)}, people["admin"])
        try:
            assert_safe(announcement.body_html)
        except AssertionError as error:
            raise AssertionError(f"payload {name!r}: {error}") from None
    db.session.rollback()


def test_form_suggests_two_weeks(client, login, people):
    login(people["admin"].nip)
    page = client.get(NEW).get_data(as_text=True)
    assert (now_in_palu().date() + timedelta(days=14)).isoformat() in page


# --- query counts -----------------------------------------------------------------------------

def _announce(admin, count, agencies=()):
    for number in range(count):
        announcement_services.create_announcement(
            {"title": f"Info {number}", "body": "Isi.", "agencies": list(agencies),
             "ends_at": utcnow() + timedelta(days=3)}, admin)
    db.session.commit()


def _dashboard_reads(client):
    """(statements reading announcements, all statements, announcement links) of a visit."""
    db.session.expire_all()
    with seen_statements() as seen:
        page = client.get("/beranda")
    assert page.status_code == 200
    about = [s for s in seen if "announcement" in s]
    return len(about), len(seen), page.get_data(as_text=True).count('href="/pengumuman/')


def test_dashboard_costs_one_query_whatever_the_number_of_announcements(client, login, people):
    """Read once per agency after a change (the list is kept until the content version
    changes), then none: the same count for 0, 4 or 20 announcements."""
    login(people["unit"].nip)
    client.get("/beranda")
    none = _dashboard_reads(client)
    _announce(people["admin"], 2)
    _announce(people["admin"], 2, [agency("DISKOMINFO"), agency("BKPSDM")])
    few_first, few = _dashboard_reads(client), _dashboard_reads(client)
    _announce(people["admin"], 8)
    _announce(people["admin"], 8, [agency("DISKOMINFO"), agency("SETDA")])
    many_first, many = _dashboard_reads(client), _dashboard_reads(client)
    assert (few_first[0], many_first[0]) == (1, 1)
    assert (none[0], few[0], many[0]) == (0, 0, 0)
    assert (none[2], few[2], many[2]) == (0, 3, 3)
    # (the first visit after a change also re-reads other lists kept per content version)
    assert few_first[1] == many_first[1] and none[1] == few[1] == many[1]


def test_kept_list_follows_withdrawal_and_end(client, login, people, monkeypatch):
    """The per-agency list kept between visits drops a withdrawn announcement at once (a Core
    UPDATE, so it replaces the content version itself) and an ended one when it ends."""
    from app.courses import outline_cache

    admin = people["admin"]
    soon = announcement_services.create_announcement(
        {"title": "Berakhir sebentar lagi", "body": "Isi.", "agencies": [],
         "ends_at": utcnow() + timedelta(hours=1)}, admin)[0]
    kept = announcement_services.create_announcement(
        {"title": "Masih tayang", "body": "Isi.", "agencies": [],
         "ends_at": utcnow() + timedelta(days=5)}, admin)[0]
    gone = announcement_services.create_announcement(
        {"title": "Akan ditarik", "body": "Isi.", "agencies": [],
         "ends_at": utcnow() + timedelta(days=5)}, admin)[0]
    db.session.commit()
    login(people["unit"].nip)

    def titles():
        text = client.get("/beranda").get_data(as_text=True)
        return {t for t in (soon.title, kept.title, gone.title) if t in text}

    assert titles() == {soon.title, kept.title, gone.title}
    announcement_services.withdraw_announcement(gone, admin)
    db.session.commit()
    assert titles() == {soon.title, kept.title}
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(outline_cache, "utcnow", lambda: later)
    monkeypatch.setattr(announcement_services, "utcnow", lambda: later)
    assert titles() == {kept.title}


def test_sending_costs_the_same_for_5_or_50_recipients(app, people, create_user):
    kominfo, admin = agency("DISKOMINFO"), people["admin"]

    def measure():
        with count_queries() as count:
            _announced, sent = announcement_services.create_announcement(
                {"title": "Info", "body": "Isi.", "agencies": [kominfo],
                 "ends_at": utcnow() + timedelta(days=3)}, admin)
        db.session.commit()
        return count(), sent

    for _ in range(3):
        create_user(agency=kominfo)
    small, sent_small = measure()
    for _ in range(45):
        create_user(agency=kominfo)
    large, sent_large = measure()
    assert (sent_small, sent_large) == (5, 50)  # with Rina and Udin (of the unit)
    assert small == large


def test_admin_list_costs_the_same_for_more_announcements(client, login, people):
    login(people["admin"].nip)

    def measure():
        db.session.expire_all()
        with count_queries() as count:
            assert client.get("/admin/pengumuman").status_code == 200
        return count()

    _announce(people["admin"], 2, [agency("DISKOMINFO")])
    few = measure()
    _announce(people["admin"], 10, [agency("DISKOMINFO"), agency("SETDA")])
    assert measure() == few
    events = db.session.scalars(select(AuditEvent.details_json).where(
        AuditEvent.action == "announcement.create")).all()
    assert {json.loads(details)["recipients"] for details in events} == {2}


def test_someone_without_an_agency_sees_only_announcements_for_everyone(client, login, people,
                                                                       create_user):
    """The dashboard's statement takes the agency as a bind parameter: none (NULL) must
    match no OPD, not every one."""
    loner = create_user(name="Dewi Tanpa Unit", agency=None)
    publish(client, login, people, title="Khusus Diskominfo", audience="opd",
            agencies=str(agency("DISKOMINFO").id))
    submit(client, NEW, form(title="Untuk semua ASN"))
    assert [a.title for a in announcement_services.current_for(loner)] == ["Untuk semua ASN"]
    assert [a.title for a in announcement_services.current_for(people["unit"])] == [
        "Untuk semua ASN", "Khusus Diskominfo"]
