"""Certificate numbers: the template from the settings, Roman month, a yearly sequence counted
in Palu time (WITA), custom templates, numbers that never change, and simultaneous issues.
Runs on the SQLite file database and on PostgreSQL (LMS_TEST_DATABASE_URL)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.certificates import services
from app.certificates.models import Certificate
from app.courses.models import Enrollment
from app.extensions import db
from app.settings import set_setting
from tests.certificates import issuing_helpers as h

THREADS = 6


@pytest.fixture
def waiting(courses, create_user):
    """Factory: a fresh learner's completed SPBE-101 enrolment."""
    spbe = h.course("spbe-101")
    return lambda **fields: h.enrol(create_user(**fields), spbe)


def test_roman_months():
    numbers = [services.format_number("{seq:04d}/{roman_month}/{year}", 7, date(2026, month, 1))
               for month in range(1, 13)]
    assert numbers == [f"0007/{roman}/2026" for roman in (
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")]


def test_number_from_the_default_template_with_a_yearly_sequence_in_palu_time(waiting):
    first = h.issue(waiting(), now=datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
    assert first.number == "800/0001/BKPSDM/XI/2026"
    assert (first.year, first.sequence, first.issued_on) == (2026, 1, date(2026, 11, 5))

    # 31 Dec 2026 23.30 WITA is 15.30 UTC: still 2026 in Palu.
    late = h.issue(waiting(), now=datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
    assert late.number == "800/0002/BKPSDM/XII/2026"
    assert (late.year, late.issued_on) == (2026, date(2026, 12, 31))

    # 1 Jan 2027 00.30 WITA is still 31 Dec 16.30 UTC: already 2027 in Palu, a new sequence.
    new_year = h.issue(waiting(), now=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert new_year.number == "800/0001/BKPSDM/I/2027"
    assert (new_year.year, new_year.sequence, new_year.issued_on) == (2027, 1, date(2027, 1, 1))

    march = h.issue(waiting(), now=datetime(2027, 3, 2, 1, 0, tzinfo=UTC))
    assert march.number == "800/0002/BKPSDM/III/2027"
    # A late entry for 2026 continues 2026's own sequence.
    backdated = h.issue(waiting(), now=datetime(2026, 12, 30, 1, 0, tzinfo=UTC))
    assert backdated.number == "800/0003/BKPSDM/XII/2026"

    rows = [(c.year, c.sequence) for c in h.all_certificates()]
    assert rows == [(2026, 1), (2026, 2), (2027, 1), (2027, 2), (2026, 3)]


def test_issue_date_on_the_verify_page_is_the_palu_date(client, waiting):
    certificate = h.issue(waiting(), now=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    page = h.html(client, f"/verify/{certificate.verification_code}")
    assert "<dt>Diterbitkan</dt><dd>1 Januari 2027</dd>" in page
    assert "<dd>800/0001/BKPSDM/I/2027</dd>" in page


def test_custom_template_and_numbers_never_change_after_settings_edits(client, waiting):
    november = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    old = [h.issue(waiting(), now=november) for _ in range(2)]
    old_numbers = [c.number for c in old]
    assert old_numbers == ["800/0001/BKPSDM/XI/2026", "800/0002/BKPSDM/XI/2026"]

    set_setting("certificate.number_template", "SERT-{year}.{month:02d}/{seq:05d}/DIKLAT")
    db.session.commit()
    custom = h.issue(waiting(), now=november)
    # The yearly sequence goes on whatever the template says.
    assert custom.number == "SERT-2026.11/00003/DIKLAT"
    assert custom.sequence == 3

    set_setting("certificate.number_template", "890/{seq:03d}/PALU/{roman_month}/{year}")
    set_setting("certificate.issuer_unit", "Unit Lain")
    db.session.commit()
    latest = h.issue(waiting(), now=datetime(2027, 1, 10, 2, 0, tzinfo=UTC))
    assert latest.number == "890/001/PALU/I/2027"

    stored = h.all_certificates()
    assert [c.number for c in stored] == old_numbers + ["SERT-2026.11/00003/DIKLAT",
                                                         "890/001/PALU/I/2027"]
    assert len({c.number for c in stored}) == len(stored)
    # Their public pages still show the numbers they were issued with.
    for certificate, number in zip(old, old_numbers, strict=True):
        page = h.html(client, f"/verify/{certificate.verification_code}")
        assert f"<dd>{number}</dd>" in page
    # Looking a certificate up by its printed number (and its holder's NIP) finds it.
    found = client.post("/verify", data={"number": "sert-2026.11/00003/diklat",
                                         "nip": custom.holder_nip,
                                         "csrf_token": h.token_from(client, "/verify")})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/verify/{custom.verification_code}")


def test_the_number_is_part_of_the_pdf_and_the_audit_record(waiting):
    import io

    import pypdf

    certificate = h.issue(waiting(), now=datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
    pdf = h.stored_row(certificate.id)["pdf"]
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "800/0001/BKPSDM/XI/2026" in text
    [event] = h.events("certificate.issue")
    assert event.object_type == "certificate" and event.object_id == str(certificate.id)
    assert event.details["number"] == "800/0001/BKPSDM/XI/2026"


def test_simultaneous_issues_get_distinct_consecutive_numbers(app, waiting):
    enrolment_ids = [waiting().id for _ in range(THREADS)]
    h.issue(waiting(), now=datetime(2026, 11, 1, 2, 0, tzinfo=UTC))  # sequence 1 is taken
    when = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    db.session.commit()  # nothing of this session may hold a lock while the threads race

    def issue_one(index, barrier):
        enrollment = db.session.get(Enrollment, enrolment_ids[index])
        assert enrollment.user.name and enrollment.course.title  # loaded before the race
        barrier.wait()
        certificate = services.issue_certificate(enrollment, None, now=when)
        db.session.commit()
        return certificate.number

    numbers = h.run_together(app, issue_one, THREADS)
    assert sorted(numbers) == [f"800/{n:04d}/BKPSDM/XI/2026" for n in range(2, THREADS + 2)]

    rows = h.all_certificates()
    assert len(rows) == THREADS + 1
    assert sorted(c.sequence for c in rows) == list(range(1, THREADS + 2))
    assert len({c.verification_code for c in rows}) == len(rows)
    raced = [c for c in rows if c.enrollment_id in enrolment_ids]
    assert sorted(c.enrollment_id for c in raced) == sorted(enrolment_ids)
    for certificate in raced:
        assert certificate.number == h.expected_number(certificate.sequence, date(2026, 11, 5))
        assert h.stored_row(certificate.id)["pdf"].startswith(b"%PDF")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "certificate.issue")) == THREADS + 1
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.pdf.is_(None))) == 0


@pytest.mark.parametrize("template", [
    "800/{seq:04d}/BKPSDM/{roman_month}/{year}",
    "SERT-{year}.{month:02d}/{seq:05d}/DIKLAT",
    "{year}{seq}",
])
def test_accepted_templates_give_a_different_number_for_each_sequence_and_year(template):
    assert services.template_problem(template) is None
    numbers = {services.format_number(template, seq, date(year, 12, 1))
               for seq in (1, 2, 10) for year in (2026, 2027)}
    assert len(numbers) == 6


def test_a_template_without_the_year_would_stop_issuing_in_january(waiting):
    """Why the settings page refuses such a template: set anyway, the first number of the new
    year repeats last year's and the certificate cannot be numbered."""
    assert services.template_problem("SERT/{seq:04d}") is not None
    set_setting("certificate.number_template", "SERT/{seq:04d}")
    db.session.commit()
    assert h.issue(waiting(), now=datetime(2026, 11, 5, tzinfo=UTC)).number == "SERT/0001"
    with pytest.raises(services.CertificateError) as refused:
        services.issue_certificate(waiting(), None, now=datetime(2027, 1, 5, tzinfo=UTC))
    assert refused.value.message == "Nomor sertifikat tidak dapat dibuat; coba lagi."
    db.session.rollback()
    assert [c.number for c in h.all_certificates()] == ["SERT/0001"]
