"""Programmes: files in, pages out, progress "2 dari 4", following one, and the dashboard."""

import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.courses.models import Course, Enrollment
from app.extensions import db
from app.programmes import files, services
from app.programmes.models import Programme, ProgrammeEnrollment
from tests.conftest import PASSWORD, count_queries, seen_statements, submit
from tests.workshops.helpers import attend, make_session

BUNDLED = Path(__file__).resolve().parents[2] / "programmes"
DONE = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def programme(courses):
    report = files.import_programmes(BUNDLED)
    db.session.commit()
    assert report.ok, report.problems
    return db.session.scalar(select(Programme).where(
        Programme.slug == "literasi-digital-asn-2027"))


def _course(code):
    return db.session.scalar(select(Course).where(Course.code == code))


def _complete(user, code):
    db.session.add(Enrollment(user_id=user.id, course_id=_course(code).id, enrolled_at=DONE,
                              started_at=DONE, completed_at=DONE))
    db.session.commit()


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_the_bundled_programme_imports_with_its_steps(programme):
    assert programme.mandatory and programme.due_on == date(2027, 6, 30)
    assert [s.course.code if s.course_id else s.session_kind for s in programme.steps] == \
        ["SPBE-101", "KAM-201", "DUK-201", "webinar"]
    assert "<strong>SPBE</strong>" in programme.description_html
    again = files.import_programmes(BUNDLED)
    assert again.unchanged == ["literasi-digital-asn-2027"]


def test_export_round_trips(programme, tmp_path):
    [written] = files.export_programmes(tmp_path)
    assert written.read_bytes() == files.programme_document(programme)
    report = files.import_programmes(written.parent)
    assert report.unchanged == ["literasi-digital-asn-2027"] and report.ok


@pytest.mark.parametrize(("front", "message"), [
    ("steps: [NOPE-1]", "kursus berkode 'NOPE-1' tidak ada"),
    ("steps: []", "'steps' wajib"),
    ("steps: [SPBE-101, SPBE-101]", "dua kali"),
    ("steps: [{sesi: daring}]", "langkah tidak dikenal"),
    ("steps: [SPBE-101]\nopd: [TIDAK-ADA]", "OPD berkode 'TIDAK-ADA' tidak ada"),
    ("steps: [SPBE-101]\njabatan: [raja]", "jenis jabatan 'raja'"),
    ("steps: [SPBE-101]\nmandatory: true", "program wajib perlu tanggal 'due'"),
    ("steps: [SPBE-101]\ndue: besok", "'due' harus tanggal"),
])
def test_bad_files_are_named_and_nothing_is_imported(courses, tmp_path, front, message):
    _write(tmp_path, "uji.md", f"---\ntitle: Uji\nprovider: BKPSDM\n{front}\n---\nIsi.\n")
    report = files.import_programmes(tmp_path)
    assert report.created == []
    assert any(message in p.message for p in report.problems), report.problems
    assert all(p.path.endswith("uji.md") and p.line >= 1 for p in report.problems)


def test_progress_counts_courses_done_in_any_year_and_any_webinar(programme, create_user):
    learner = create_user()
    [standing] = services.standings(learner, [programme])
    assert (standing.done_count, standing.total) == (0, 4)
    _complete(learner, "SPBE-101")
    _complete(learner, "KAM-201")
    [standing] = services.standings(learner, [programme])
    assert standing.done_count == 2 and standing.next_step.course.code == "DUK-201"
    attend(make_session(None, kind="webinar"), learner)
    [standing] = services.standings(learner, [programme])
    assert standing.done_count == 3 and not standing.is_done
    assert standing.is_overdue(date(2027, 7, 1)) and not standing.is_overdue(date(2027, 6, 30))


def test_a_learner_follows_it_and_is_enrolled_in_the_first_open_step(programme, client,
                                                                      create_user, login):
    learner = create_user()
    _complete(learner, "SPBE-101")
    login(learner.nip)
    page = client.get("/program/literasi-digital-asn-2027").get_data(as_text=True)
    assert "1 dari 4" in page and "Ikuti program ini" in page
    reply = submit(client, "/program/literasi-digital-asn-2027", {},
                   post_url="/program/literasi-digital-asn-2027/ikuti")
    assert "terdaftar di kursus pertamanya" in reply.get_data(as_text=True)
    assert db.session.scalar(select(ProgrammeEnrollment).where(
        ProgrammeEnrollment.user_id == learner.id)) is not None
    assert db.session.scalar(select(Enrollment).where(
        Enrollment.user_id == learner.id, Enrollment.course_id == _course("KAM-201").id))
    page = client.get("/program/literasi-digital-asn-2027").get_data(as_text=True)
    assert "Langkah berikutnya" in page


def test_dashboard_shows_mandatory_programmes_first_with_progress(programme, client,
                                                                  create_user, login):
    learner = create_user()
    _complete(learner, "SPBE-101")
    login(learner.nip)
    page = client.get("/beranda").get_data(as_text=True)
    assert "Literasi Digital ASN 2027" in page and "1 dari 4" in page
    assert "Wajib" in page and "Langkah berikutnya" in page


def test_audience_by_opd_and_jabatan(courses, agencies, create_user, tmp_path):
    from app.auth.models import Agency

    opd = db.session.scalars(select(Agency).where(Agency.parent_id.is_(None))).first()
    _write(tmp_path, "khusus.md", f"---\ntitle: Khusus\nprovider: BKPSDM\nsteps: [SPBE-101]\n"
           f"opd: [{opd.code}]\njabatan: [pelaksana]\n---\n")
    assert files.import_programmes(tmp_path).ok
    db.session.commit()
    inside = create_user(agency=opd, jabatan_type="pelaksana")
    wrong_jabatan = create_user(agency=opd, jabatan_type="fungsional")
    elsewhere = create_user(jabatan_type="pelaksana")
    titles = {user.nip: [p.title for p in services.programmes_for(user)]
              for user in (inside, wrong_jabatan, elsewhere)}
    assert titles == {inside.nip: ["Khusus"], wrong_jabatan.nip: [], elsewhere.nip: []}


def test_dashboard_keeps_the_list_per_audience_and_follows_every_change(
        courses, agencies, client, create_user, login, tmp_path):
    """The programmes for an audience are kept between visits (no programme statement on the
    second) and follow a title edit, a draft, and the person's unit moving to another OPD."""
    from app.auth.models import Agency
    from tests.conftest import seen_statements

    first, second = db.session.scalars(
        select(Agency).where(Agency.parent_id.is_(None)).order_by(Agency.id)).all()[:2]
    unit = Agency(code="UJI-UNIT", name="Unit Uji", parent_id=first.id)
    db.session.add(unit)
    db.session.commit()
    _write(tmp_path, "khusus.md", f"---\ntitle: Khusus OPD\nprovider: BKPSDM\n"
           f"steps: [SPBE-101]\nopd: [{first.code}]\nmandatory: true\ndue: 2027-06-30\n---\n")
    assert files.import_programmes(tmp_path).ok
    db.session.commit()
    learner = create_user(agency=unit)
    login(learner.nip)

    def dashboard():
        db.session.expire_all()
        with seen_statements() as seen:
            text = client.get("/beranda").get_data(as_text=True)
        return text, [s for s in seen if "FROM programme " in s or "FROM programme\n" in s]

    assert "Khusus OPD" in dashboard()[0]
    text, read = dashboard()
    assert "Khusus OPD" in text and read == []
    programme = db.session.scalar(select(Programme).where(Programme.slug == "khusus"))
    programme.title = "Khusus OPD (revisi)"
    db.session.commit()
    assert "Khusus OPD (revisi)" in dashboard()[0]
    db.session.get(Agency, unit.id).parent_id = second.id
    db.session.commit()
    assert "Khusus OPD" not in dashboard()[0]
    db.session.get(Agency, unit.id).parent_id = first.id
    db.session.commit()
    assert "Khusus OPD (revisi)" in dashboard()[0]
    db.session.get(Programme, programme.id).status = "draft"
    db.session.commit()
    assert "Khusus OPD" not in dashboard()[0]


def test_someone_outside_the_audience_cannot_follow(courses, agencies, client, create_user,
                                                   login, tmp_path):
    from app.auth.models import Agency
    from tests.conftest import csrf_token

    opd = db.session.scalars(select(Agency).where(Agency.parent_id.is_(None))).first()
    _write(tmp_path, "khusus.md", f"---\ntitle: Khusus\nprovider: BKPSDM\nsteps: [SPBE-101]\n"
           f"opd: [{opd.code}]\n---\n")
    files.import_programmes(tmp_path)
    db.session.commit()
    outsider = create_user()
    login(outsider.nip)
    page = client.get("/program/khusus").get_data(as_text=True)
    assert "ditujukan untuk OPD atau jabatan lain" in page
    assert client.post("/program/khusus/ikuti",
                       data={"csrf_token": csrf_token(page)}).status_code == 403


def test_pages_cost_a_fixed_number_of_queries(programme, client, create_user, login,
                                              tmp_path):
    learner = create_user()
    login(learner.nip)
    client.get("/program/")
    with count_queries() as one:
        client.get("/program/")
    for number in range(5):
        shutil.copy(BUNDLED / "literasi-digital-asn-2027.md", tmp_path / f"salinan-{number}.md")
    files.import_programmes(tmp_path)
    db.session.commit()
    client.get("/program/")  # the first request after a change reads the settings again
    with count_queries() as six:
        client.get("/program/")
    assert one() == six()


def test_drafts_and_unknown_slugs_are_404(programme, client):
    programme.status = "draft"
    db.session.commit()
    assert client.get("/program/literasi-digital-asn-2027").status_code == 404
    assert client.get("/program/tidak-ada").status_code == 404


def test_overdue_learners_are_reminded_with_the_jp_reminders(programme, create_user):
    from app.notifications.models import Notification
    from app.notifications.reminders import send_jp_reminders

    behind, finished = create_user(), create_user()
    for code in ("SPBE-101", "KAM-201", "DUK-201"):
        _complete(finished, code)
    attend(make_session(None, kind="webinar"), finished)
    july = datetime(2027, 7, 1, 1, 0, tzinfo=UTC)  # 09.00 WITA, the day after the due date
    send_jp_reminders(now=july)
    db.session.commit()

    def overdue_of(user):
        return db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "programme_overdue")).all()

    [reminder] = overdue_of(behind)
    assert reminder.link == "/program/literasi-digital-asn-2027"
    assert overdue_of(finished) == []
    send_jp_reminders(now=datetime(2027, 6, 30, 1, 0, tzinfo=UTC))  # not yet overdue
    db.session.commit()
    assert len(overdue_of(behind)) == 1


def test_admin_report_per_opd_matches_its_downloads(programme, agencies, client, create_user,
                                                   login):
    import csv
    import io

    from openpyxl import load_workbook

    from app.auth.models import Agency
    from app.programmes.report import BEHIND, DONE, ON_TRACK, OVERDUE, state_of

    opd = db.session.scalars(select(Agency).where(Agency.parent_id.is_(None))
                             .order_by(Agency.code)).first()
    finished, started = create_user(agency=opd), create_user(agency=opd)
    create_user()  # no OPD, nothing done
    for code in ("SPBE-101", "KAM-201", "DUK-201"):
        _complete(finished, code)
    attend(make_session(None, kind="webinar"), finished)
    _complete(started, "SPBE-101")
    admin = create_user(roles=("admin",))
    login(admin.nip)
    page = client.get("/admin/laporan/program/literasi-digital-asn-2027")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert opd.name in text and "Tanpa OPD" in text
    rows = list(csv.reader(io.StringIO(client.get(
        "/admin/laporan/program/literasi-digital-asn-2027?format=csv-plain")
        .get_data(as_text=True))))
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name[opd.name][:2] == ["2", "1"]  # two people, one done
    assert by_name["Semua OPD"][0] == "3"
    workbook = load_workbook(io.BytesIO(client.get(
        "/admin/laporan/program/literasi-digital-asn-2027?format=xlsx").data))
    sheet_rows = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert any(row[0] == opd.name and row[1] == 2 for row in sheet_rows)
    # the four states
    due = programme.due_on
    assert state_of(programme, 4, False, due) == DONE
    assert state_of(programme, 1, True, date(2027, 7, 1)) == OVERDUE
    assert state_of(programme, 0, False, date(2027, 6, 1)) == BEHIND
    assert state_of(programme, 4 - 1, True, date(2027, 1, 1)) == ON_TRACK


def test_programme_report_is_for_admins_only(programme, client, create_user, login):
    learner = create_user()
    login(learner.nip)
    assert client.get("/admin/laporan/program/").status_code == 403
    assert client.get("/admin/laporan/program/literasi-digital-asn-2027").status_code == 403


def test_finishing_a_course_of_a_programme_leads_to_its_next_step(programme, client,
                                                                  create_user, login):
    learner = create_user()
    _complete(learner, "SPBE-101")
    login(learner.nip)
    page = client.get("/kursus/spbe-101").get_data(as_text=True)
    assert "Bagian dari program" in page and "Literasi Digital ASN 2027" in page
    assert "1 dari 4" in page and "Langkah berikutnya:" in page
    assert 'href="/kursus/kam-201"' in page
    # Someone the programme is neither mandatory for nor followed by sees no panel.
    programme.mandatory = False
    db.session.commit()
    assert "Bagian dari program" not in client.get("/kursus/spbe-101").get_data(as_text=True)


def test_the_catalogue_lists_programmes_for_the_visitor(programme, client, agencies,
                                                        create_user, login):
    page = client.get("/").get_data(as_text=True)
    assert "Literasi Digital ASN 2027" in page and "4 langkah" in page and "Wajib" in page
    # One only for another OPD's people is not listed for this learner.
    from app.auth.models import Agency

    programme.agencies = [db.session.scalar(select(Agency).where(Agency.code == "DISKOMINFO"))]
    db.session.commit()
    outsider = create_user(agency=db.session.scalar(select(Agency).where(
        Agency.code == "DISDUKCAPIL")))
    login(outsider.nip)
    assert "Literasi Digital ASN 2027" not in client.get("/").get_data(as_text=True)


def test_catalogue_panel_lists_the_programmes_for_the_visitor(app, programme, agencies, client,
                                                              create_user, login, tmp_path):
    """Above the catalogue's courses, from the list kept per audience: mandatory first, the
    number of steps and the due date; a programme for one OPD for its people (and visitors,
    who see them all), not for other ASN; no programme statement once the list is kept."""
    from app.auth.models import Agency

    opd, other = db.session.scalars(
        select(Agency).where(Agency.parent_id.is_(None)).order_by(Agency.id)).all()[:2]
    _write(tmp_path, "khusus.md", f"---\ntitle: Khusus OPD\nprovider: BKPSDM\n"
           f"steps: [SPBE-101, KAM-201]\nopd: [{opd.code}]\n---\n")
    assert files.import_programmes(tmp_path).ok
    db.session.commit()

    def panel(visitor):
        with seen_statements() as seen:
            page = visitor.get("/").get_data(as_text=True)
        found = re.search(r'<section class="panel" aria-labelledby="program-katalog">(.*?)'
                          r"</section>", page, re.S)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""
        return text, [s for s in seen if "FROM programme" in s]

    text, _ = panel(client)  # someone not logged in sees every published programme
    assert "Wajib Literasi Digital ASN 2027 4 langkah · tenggat 30 Juni 2027" in text
    assert "Khusus OPD 2 langkah" in text
    insider = create_user(agency=opd)
    login(insider.nip)
    panel(client)
    text, reads = panel(client)
    assert reads == []
    assert text.index("Literasi Digital ASN 2027") < text.index("Khusus OPD 2 langkah")
    outsider = create_user(agency=other)
    elsewhere = app.test_client()
    submit(elsewhere, "/masuk", {"identifier": outsider.nip, "password": PASSWORD})
    text = panel(elsewhere)[0]
    assert "Literasi Digital ASN 2027" in text and "Khusus OPD" not in text
