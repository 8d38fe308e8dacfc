"""Issuing certificates: who is eligible, the admin's issuing page (CSRF on), automatic issue on
completion, verification codes, and the snapshot a certificate keeps of its holder and course.

Numbering is in test_issuing_numbers.py, revoking and re-issuing in test_issuing_revoke.py,
permissions and the learner's pages in test_issuing_access.py.
"""

import re
import threading
from datetime import datetime, timedelta

import pytest
from flask import has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Agency, User
from app.certificates import services
from app.certificates.models import STATUS_LIST_SIZE, Certificate
from app.certificates.services import CODE_ALPHABET, CertificateError
from app.courses.models import Enrollment
from app.database import utcnow
from app.extensions import db
from app.settings import set_setting
from tests.certificates import issuing_helpers as h
from tests.conftest import seed_objects, seeds_first, submit

SIGNER = "Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si."  # config.TestConfig


@pytest.fixture
def admin(create_user):
    return seed_objects("issuing.admin", lambda: create_user(
        nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM"))


@pytest.fixture
def admin_client(app, admin, request):
    seeds_first(request, "four_waiting")
    return h.login_as(app, h.ADMIN_NIP)


def _waiting_section(page):
    """The "Menunggu sertifikat" part of the admin's course page (before "Sudah diterbitkan")."""
    return page.split("Sudah diterbitkan")[0]


def _overview_counts(page):
    """{course code: number shown as waiting} from /admin/sertifikat."""
    rows = re.findall(r'<td><a href="/admin/sertifikat/[\w-]+">([\w-]+) · .*?</a></td>\s*'
                      r"<td>.*?</td>\s*<td>(\d+)</td>", page, re.S)
    return {code: int(count) for code, count in rows}


# --- eligibility ------------------------------------------------------------------------------

def test_only_completed_enrolments_without_a_valid_certificate_are_eligible(
        courses, create_user, admin, admin_client):
    spbe, kam = h.course("spbe-101"), h.course("kam-201")
    waiting = create_user(name="Andi Menunggu")
    studying = create_user(name="Budi Masih Belajar")
    holder = create_user(name="Citra Pemegang")
    revoked = create_user(name="Dewi Dicabut")
    waiting_enrolment = h.enrol(waiting, spbe, completed_at=h.COMPLETED)
    h.enrol(studying, spbe, completed_at=None)
    h.issue(h.enrol(holder, spbe))
    revoked_enrolment = h.enrol(revoked, spbe, completed_at=h.COMPLETED + timedelta(days=1))
    services.revoke_certificate(h.issue(revoked_enrolment), "Nama salah ketik", admin)
    db.session.commit()
    h.enrol(waiting, kam)

    eligible = services.eligible_enrollments(spbe)
    assert [e.user.name for e in eligible] == ["Andi Menunggu", "Dewi Dicabut"]
    assert services.eligible_counts() == {spbe.id: 2, kam.id: 1}

    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    waiting_part = _waiting_section(page)
    assert h.ENROLLMENT_BOX.findall(page) == [str(waiting_enrolment.id),
                                             str(revoked_enrolment.id)]
    assert "Andi Menunggu" in waiting_part and "Dewi Dicabut" in waiting_part
    assert "Budi Masih Belajar" not in page
    assert "Citra Pemegang" not in waiting_part
    assert "Citra Pemegang" in page.split("Sudah diterbitkan", 1)[1]
    assert "Terbitkan untuk semua (2)" in page

    overview = h.html(admin_client, "/admin/sertifikat")
    assert _overview_counts(overview) == {"DUK-201": 0, "KAM-201": 1, "LPD-201": 0,
                                          "MPD-301": 0, "SDI-201": 0, "SPBE-101": 2,
                                          "TTE-101": 0}

    empty = h.html(admin_client, "/admin/sertifikat/duk-201")
    assert "Tidak ada peserta yang menunggu sertifikat." in empty
    assert not h.ENROLLMENT_BOX.findall(empty)


def test_issuing_for_an_uncompleted_enrolment_is_refused(courses, create_user):
    learner = create_user(name="Budi Masih Belajar")
    enrollment = h.enrol(learner, h.course(), completed_at=None)
    with pytest.raises(CertificateError) as refused:
        services.issue_certificate(enrollment, None)
    assert refused.value.message == "Budi Masih Belajar belum menyelesaikan kursus ini."
    db.session.rollback()
    assert h.all_certificates() == []


def test_issuing_twice_for_the_same_learner_is_refused_by_the_service(courses, create_user):
    enrollment = h.enrol(create_user(name="Citra Pemegang"), h.course())
    first = h.issue(enrollment)
    with pytest.raises(CertificateError) as refused:
        services.issue_certificate(enrollment, None)
    assert refused.value.message == ("Citra Pemegang sudah memiliki sertifikat yang berlaku "
                                     "untuk kursus ini.")
    db.session.rollback()
    assert [c.id for c in h.all_certificates()] == [first.id]


def _row(enrollment, sequence, **extra):
    """A certificate row written directly, bypassing the service's checks."""
    return Certificate(
        number=f"TEST/{sequence:04d}", verification_code=f"TESTCODE{sequence:04d}",
        year=2026, sequence=sequence, enrollment_id=enrollment.id,
        user_id=enrollment.user_id, course_id=enrollment.course_id,
        holder_name="Uji", holder_nip=enrollment.user.nip, course_title="Uji",
        course_code="UJI", jp=12, competency="Teknis", institution_name="Pemkot",
        issuer_unit="BKPSDM", signer_name="Penanda", signer_title="Kepala",
        completed_on=datetime(2026, 11, 3).date(), issued_on=datetime(2026, 11, 5).date(),
        status_index=STATUS_LIST_SIZE + sequence, pdf=b"%PDF-test", **extra)


def test_database_allows_one_valid_certificate_per_learner_and_course(
        courses, create_user, admin):
    enrollment = h.enrol(create_user(), h.course())
    first = h.issue(enrollment)

    db.session.add(_row(enrollment, 50))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    # A revoked certificate for the same learner and course is no obstacle ...
    db.session.add(_row(enrollment, 51, revoked_at=utcnow(), revoked_reason="Salah cetak"))
    db.session.commit()
    # ... and once the first is revoked a new valid one is allowed.
    first.revoke("Nama salah", admin, utcnow())
    db.session.commit()
    db.session.add(_row(enrollment, 52))
    db.session.commit()

    rows = h.all_certificates()
    assert [(c.sequence, c.is_valid) for c in rows] == [(1, False), (51, False), (52, True)]
    # Still one valid at most.
    db.session.add(_row(enrollment, 53))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(h.all_certificates()) == 3


# --- issuing through the admin page ---------------------------------------------------------

@pytest.fixture
def four_waiting(courses, create_user):
    """Three learners waiting in SPBE-101 (completed one day apart) and one in KAM-201; a kept
    seed (tests/conftest.py seed_objects)."""

    def enrol_four():
        spbe, kam = h.course("spbe-101"), h.course("kam-201")
        made = {f"spbe{day}": h.enrol(create_user(name=name), spbe,
                                      completed_at=h.COMPLETED + timedelta(days=day))
                for day, name in enumerate(["Andi Lamadjido", "Budi Tombolotutu",
                                            "Citra Masiara"])}
        made["kam"] = h.enrol(create_user(name="Dewi Lain Kursus"), kam)
        return made

    kept = seed_objects("issuing.four_waiting", enrol_four)
    return [kept["spbe0"], kept["spbe1"], kept["spbe2"]], kept["kam"]


def test_admin_issues_to_the_ticked_learners_and_ignores_other_ids(
        admin, admin_client, four_waiting):
    (andi, budi, citra), dewi = four_waiting
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    assert h.ENROLLMENT_BOX.findall(page) == [str(andi.id), str(budi.id), str(citra.id)]

    done = submit(admin_client, "/admin/sertifikat/spbe-101", {
        "aksi": "pilihan",
        # Dewi's enrolment is in another course; the others do not exist or are not ids.
        "enrollment": [str(andi.id), str(citra.id), str(dewi.id), "999999", "abc"],
    })
    assert done.status_code == 200
    # The issuing runs as a job; its page reports the outcome (the test runs jobs at once).
    job_page = done.get_data(as_text=True)
    assert "Terbitkan sertifikat SPBE-101" in job_page
    assert "2 dari 2 diterbitkan" in job_page and "Selesai" in job_page
    assert 'http-equiv="refresh"' not in job_page
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")

    issued = h.all_certificates()
    assert [c.holder_name for c in issued] == ["Andi Lamadjido", "Citra Masiara"]
    assert all(c.issued_by_id == admin.id and c.is_valid for c in issued)
    assert [c.sequence for c in issued] == [1, 2]
    for certificate in issued:
        assert certificate.number == h.expected_number(certificate.sequence,
                                                       certificate.issued_on)
        assert certificate.number in page.split("Sudah diterbitkan", 1)[1]
    # Only Budi is still waiting; Dewi (other course) got nothing.
    assert h.ENROLLMENT_BOX.findall(page) == [str(budi.id)]
    assert services.valid_certificate(dewi.user, dewi.course) is None
    assert [e.details["number"] for e in h.events("certificate.issue")] == \
        [c.number for c in issued]


def test_admin_issues_to_everyone_waiting(admin_client, four_waiting):
    (andi, budi, citra), dewi = four_waiting
    done = submit(admin_client, "/admin/sertifikat/spbe-101",
                  {"aksi": "semua", "enrollment": [str(dewi.id)]})
    assert "3 dari 3 diterbitkan" in done.get_data(as_text=True)
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    assert "Tidak ada peserta yang menunggu sertifikat." in page
    assert sorted(c.enrollment_id for c in h.all_certificates()) == \
        sorted([andi.id, budi.id, citra.id])
    overview = h.html(admin_client, "/admin/sertifikat")
    assert _overview_counts(overview)["SPBE-101"] == 0
    assert _overview_counts(overview)["KAM-201"] == 1


@pytest.mark.parametrize("enrollment_field", [None, "999999"])
def test_nothing_selected_issues_nothing_and_says_so(admin_client, four_waiting,
                                                     enrollment_field):
    data = {"aksi": "pilihan"}
    if enrollment_field:
        data["enrollment"] = enrollment_field
    page = submit(admin_client, "/admin/sertifikat/spbe-101", data).get_data(as_text=True)
    assert h.flashes(page, "error") == ["Pilih minimal satu peserta."]
    assert len(h.ENROLLMENT_BOX.findall(page)) == 3
    assert h.all_certificates() == []


# Ticked values a hand-made post can send: digits to str.isdigit() that int() refuses ("²") or
# reads ("٣" is 3), more digits than int() converts, and an id beyond any column.
NOT_IDS = {"superscript-two": "²", "arabic-indic-three": "٣", "5000-digits": "1" * 5000,
           "20-digits": "99999999999999999999"}


def _arabic_indic(number):
    """The id written in Arabic-Indic digits: int() reads it, but nobody ticked it."""
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize("ticked", [*NOT_IDS.values(), "every-one"], ids=[*NOT_IDS, "all"])
def test_ticked_values_that_are_not_plain_ids_issue_nothing(admin_client, four_waiting,
                                                            ticked):
    (andi, _budi, _citra), _dewi = four_waiting
    ticked = [*NOT_IDS.values(), _arabic_indic(andi.id)] if ticked == "every-one" else [ticked]
    response = submit(admin_client, "/admin/sertifikat/spbe-101",
                      {"aksi": "pilihan", "enrollment": ticked})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert h.flashes(page, "error") == ["Pilih minimal satu peserta."]
    assert len(h.ENROLLMENT_BOX.findall(page)) == 3
    assert h.all_certificates() == []


def test_a_real_ticked_id_among_values_that_are_not_ids_is_the_only_one_issued(
        admin_client, four_waiting):
    (andi, budi, citra), _dewi = four_waiting
    done = submit(admin_client, "/admin/sertifikat/spbe-101", {
        "aksi": "pilihan",
        "enrollment": [*NOT_IDS.values(), _arabic_indic(budi.id), str(andi.id)]})
    assert done.status_code == 200
    assert "1 dari 1 diterbitkan" in done.get_data(as_text=True)
    assert [(c.enrollment_id, c.holder_name) for c in h.all_certificates()] == [
        (andi.id, "Andi Lamadjido")]
    page = h.html(admin_client, "/admin/sertifikat/spbe-101")
    assert h.ENROLLMENT_BOX.findall(page) == [str(budi.id), str(citra.id)]


def test_issuing_without_the_form_token_is_refused(admin_client, four_waiting):
    (andi, _budi, _citra), _dewi = four_waiting
    response = admin_client.post("/admin/sertifikat/spbe-101",
                                 data={"aksi": "semua", "enrollment": str(andi.id)})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert h.all_certificates() == []


def test_issue_many_refuses_one_learner_and_issues_the_others(courses, create_user, admin):
    spbe = h.course()
    holder = h.enrol(create_user(name="Andi Sudah Punya"), spbe)
    h.issue(holder)
    fresh = h.enrol(create_user(name="Budi Baru"), spbe)
    studying = h.enrol(create_user(name="Citra Belajar"), spbe, completed_at=None)
    last = h.enrol(create_user(name="Dewi Terakhir"), spbe)

    result = services.issue_many([holder, fresh, studying, last], admin)
    db.session.commit()
    assert [c.holder_name for c in result.issued] == ["Budi Baru", "Dewi Terakhir"]
    assert [(e.id, message) for e, message in result.refused] == [
        (holder.id, "Andi Sudah Punya sudah memiliki sertifikat yang berlaku untuk kursus ini."),
        (studying.id, "Citra Belajar belum menyelesaikan kursus ini."),
    ]
    assert [(c.holder_name, c.sequence) for c in h.all_certificates()] == [
        ("Andi Sudah Punya", 1), ("Budi Baru", 2), ("Dewi Terakhir", 3)]


def test_learner_issued_meanwhile_by_another_admin_is_refused_and_the_rest_issued(
        app, create_user, admin, admin_client, four_waiting, monkeypatch):
    """Two admins at work: while this admin's issuing job runs, the other admin issues to Andi
    (own session). The job commits one certificate at a time and holds no transaction in
    between, so the other admin is never kept waiting; Andi is then refused by the job with a
    message, the others get theirs, and Andi has exactly one certificate."""
    (andi, budi, citra), _dewi = four_waiting
    other = create_user(roles=("admin",), name="Admin Kedua")
    other_id, andi_id = other.id, andi.id
    real_eligible = services.eligible_enrollments

    def other_admin_issues():
        with app.app_context():
            issue = services.issue_certificate(db.session.get(Enrollment, andi_id),
                                               db.session.get(User, other_id))
            db.session.commit()
            return issue.number

    errors, calls = [], []  # calls: the job looked up who waits

    def eligible_then_race(course):
        eligible = real_eligible(course)
        if not has_request_context() and not calls:  # the job's look-up, not the page's
            calls.append(len(eligible))
            racer = threading.Thread(target=lambda: _capture(other_admin_issues, errors))
            racer.start()
            racer.join(30)
            assert not racer.is_alive() and not errors, errors
        return eligible

    monkeypatch.setattr(services, "eligible_enrollments", eligible_then_race)
    page = submit(admin_client, "/admin/sertifikat/spbe-101", {"aksi": "semua"}).get_data(
        as_text=True)
    assert calls == [3] and "2 dari 3 diterbitkan" in page
    assert "1 peserta tidak diterbitkan:" in page
    assert "Andi Lamadjido sudah memiliki sertifikat yang berlaku untuk kursus ini." in page

    issued = h.all_certificates()
    assert [(c.enrollment_id, c.issued_by_id, c.sequence) for c in issued] == [
        (andi.id, other.id, 1), (budi.id, admin.id, 2), (citra.id, admin.id, 3)]
    assert len({c.number for c in issued}) == 3


def _capture(function, errors):
    try:
        function()
    except BaseException as error:  # reported by the caller
        errors.append(error)


# --- automatic issue on completion -----------------------------------------------------------

def _complete_course(client, slug):
    """Enrol and mark every module done through the pages; returns the final page."""
    enrolled = h.post_button(client, f"/kursus/{slug}", f"/kursus/{slug}/daftar")
    assert enrolled.status_code == 302
    items = h.modules(h.course(slug))
    for index, module in enumerate(items):
        url = f"/kursus/{slug}/modul/{module.slug}"
        if index == len(items) - 1:
            assert h.all_certificates() == []  # nothing before the last module
        done = h.post_button(client, url, f"{url}/selesai")
        assert done.status_code == 302
    return client.get(done.headers["Location"]).get_data(as_text=True)


def _make_auto(slug):
    course = h.course(slug)
    course.certificate_policy = "auto"
    db.session.commit()
    return course


def test_auto_course_issues_when_the_learner_completes_the_last_module(
        app, courses, create_user, admin_client):
    course = _make_auto("kam-201")
    learner = create_user(name="Andi Otomatis")
    client = h.login_as(app, learner.nip)
    page = _complete_course(client, "kam-201")
    assert "Selamat! Anda menyelesaikan Keamanan Informasi" in page

    [certificate] = h.all_certificates()
    assert (certificate.user_id, certificate.course_id) == (learner.id, course.id)
    assert certificate.issued_by_id is None and certificate.is_valid
    assert certificate.signer_name == SIGNER
    assert certificate.number == h.expected_number(1, certificate.issued_on)
    assert h.stored_row(certificate.id)["pdf"].startswith(b"%PDF")
    # The course page the learner lands on already shows it.
    assert f"Nomor {certificate.number}" in page
    assert f"/sertifikat/{certificate.id}/unduh" in page
    [event] = h.events("certificate.issue")
    assert event.actor_id is None and event.details["number"] == certificate.number
    # Nothing left for the admin to do.
    assert services.eligible_enrollments(course) == []
    assert _overview_counts(h.html(admin_client, "/admin/sertifikat"))["KAM-201"] == 0


def test_manual_course_completion_leaves_the_learner_waiting(app, courses, create_user,
                                                             admin_client):
    learner = create_user(name="Budi Manual")
    page = _complete_course(h.login_as(app, learner.nip), "spbe-101")
    assert "Selamat! Anda menyelesaikan" in page
    assert h.all_certificates() == []
    assert "Budi Manual" in _waiting_section(h.html(admin_client, "/admin/sertifikat/spbe-101"))


def test_auto_issue_without_a_signer_still_completes_and_leaves_the_learner_eligible(
        app, courses, create_user, admin_client):
    course = _make_auto("kam-201")
    set_setting("certificate.signer_name", "")
    db.session.commit()
    learner = create_user(name="Citra Tanpa Penanda")
    client = h.login_as(app, learner.nip)
    page = _complete_course(client, "kam-201")

    assert "Selamat! Anda menyelesaikan Keamanan Informasi" in page
    assert h.flashes(page, "error") == []
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    db.session.refresh(enrollment)
    assert enrollment.completed_at is not None
    assert h.all_certificates() == []
    # The automatic issuing job failed visibly, with the reason, for the admin to see.
    jobs = h.html(admin_client, "/admin/tugas/")
    assert "Sertifikat otomatis KAM-201 untuk Citra Tanpa Penanda" in jobs
    assert "Gagal" in jobs and "Isi nama penandatangan" in jobs
    dashboard = h.html(client, "/beranda")
    assert "1 kursus selesai menunggu sertifikat dari admin." in dashboard

    assert [e.id for e in services.eligible_enrollments(course)] == [enrollment.id]
    admin_page = h.html(admin_client, "/admin/sertifikat/kam-201")
    assert h.ENROLLMENT_BOX.findall(admin_page) == [str(enrollment.id)]
    # Issuing from the page is refused the same way until a signer is set ...
    refused = submit(admin_client, "/admin/sertifikat/kam-201", {"aksi": "semua"})
    assert h.flashes(refused.get_data(as_text=True), "error") == [
        "Isi nama penandatangan di Pengaturan sertifikat sebelum menerbitkan sertifikat."]
    assert h.all_certificates() == []
    # ... and works once there is one.
    set_setting("certificate.signer_name", "Drs. Penanda Baru")
    db.session.commit()
    issued = submit(admin_client, "/admin/sertifikat/kam-201", {"aksi": "semua"})
    assert "1 dari 1 diterbitkan" in issued.get_data(as_text=True)
    [certificate] = h.all_certificates()
    assert certificate.signer_name == "Drs. Penanda Baru"
    assert certificate.enrollment_id == enrollment.id


# --- verification codes ----------------------------------------------------------------------

def test_verification_codes_use_the_unambiguous_alphabet_and_do_not_repeat(
        courses, create_user):
    assert not set("0O1IL") & set(CODE_ALPHABET)
    codes = [services.new_verification_code() for _ in range(200)]
    spbe = h.course()
    issued = [h.issue(h.enrol(create_user(), spbe)).verification_code for _ in range(8)]
    for code in codes + issued:
        assert len(code) == 12
        assert set(code) <= set(CODE_ALPHABET), code
        assert not set(code) & set("0O1IL")
    assert len(set(codes + issued)) == len(codes) + len(issued)
    # Each issued certificate is found by its own code, however it is typed back.
    for code in issued:
        typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
        assert services.find_by_code(typed).verification_code == code


# --- snapshot ----------------------------------------------------------------------------------

def _agency(code):
    return db.session.scalar(select(Agency).where(Agency.code == code))


def _verify_view(client, code):
    """The parts of the public verification page that come from the certificate."""
    page = h.html(client, f"/verify/{code}")
    meta = re.findall(r'<meta property="og:(?:site_name|title|description)"[^>]*>', page)
    main = re.search(r"<main.*</main>", page, re.S).group(0)
    return meta, main


def test_certificate_keeps_what_it_said_when_profile_course_and_settings_change(
        app, agencies, courses, create_user, admin, admin_client):
    learner = create_user(name="Andi Lamadjido", golongan="III/a",
                          agency=_agency("DISKOMINFO"),
                          jabatan_title="Pranata Komputer Ahli Pertama")
    course = h.course("spbe-101")
    old_agency_name = learner.agency.name
    certificate = h.issue(h.enrol(learner, course), admin)
    before = h.stored_row(certificate.id)
    assert (before["holder_name"], before["holder_rank"], before["holder_agency"]) == (
        "Andi Lamadjido", "Penata Muda (III/a)", old_agency_name)
    assert before["holder_position"] == "Pranata Komputer Ahli Pertama"
    assert (before["course_title"], before["signer_name"]) == (
        "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik", SIGNER)
    holder_client = h.login_as(app, learner.nip)
    page_before = _verify_view(holder_client, certificate.verification_code)
    download_before = holder_client.get(f"/sertifikat/{certificate.id}/unduh").data

    # Everything the certificate was made from changes afterwards.
    other_agency = db.session.scalar(select(Agency).where(Agency.id != learner.agency_id))
    learner = db.session.get(User, learner.id)
    learner.name = "Andi Lamadjido, S.Kom."
    learner.golongan = "III/b"
    learner.agency = other_agency
    learner.jabatan_title = "Pranata Komputer Ahli Muda"
    course.title = "SPBE Dasar (edisi revisi)"
    for key, value in {"certificate.signer_name": "Ir. Penanda Baru, M.T.",
                       "certificate.signer_title": "Sekretaris Daerah",
                       "certificate.signer_nip": "198001012005011002",
                       "certificate.issuer_unit": "Unit Baru",
                       "institution_name": "Pemerintah Kota Baru",
                       "certificate.place": "Donggala"}.items():
        set_setting(key, value)
    db.session.commit()

    assert h.stored_row(certificate.id) == before
    assert _verify_view(holder_client, certificate.verification_code) == page_before
    assert "Andi Lamadjido</dd>" in page_before[1] and SIGNER not in page_before[1]
    assert holder_client.get(f"/sertifikat/{certificate.id}/unduh").data == download_before \
        == before["pdf"]
    # The changes were real: a certificate issued now says the new things.
    newer = h.issue(h.enrol(create_user(golongan="III/c"), course), admin)
    assert (newer.course_title, newer.signer_name, newer.issuer_unit) == (
        "SPBE Dasar (edisi revisi)", "Ir. Penanda Baru, M.T.", "Unit Baru")
    assert h.stored_row(certificate.id) == before
