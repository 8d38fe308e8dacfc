"""Issuing, numbering, revoking and looking up certificates.

A certificate attests a subject: a completed course (its enrolment) or an attended workshop or
webinar session (its registration); both go through the same numbering, snapshot, PDF and
audit. Services flush, never commit. Numbers come from a yearly sequence guarded by a unique
constraint: two issues racing for the same number make one retry with the next.
"""

import json
import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import batched_reads
from app.admin.menu import AdminCount
from app.audit import record_event
from app.auth.models import EMPLOYMENT_LABELS, GOLONGAN_PNS, JABATAN_TYPES
from app.auth.nip import normalize_nip
from app.certificates.document import PROGRAMME_KIND, CertificateDocument, indonesian_date
from app.certificates.models import (
    NEUTRAL_REVOCATION_REASON,
    PUBLIC_REVOCATION_REASONS,
    Certificate,
)
from app.certificates.status_list import new_status_index
from app.certificates.turns import take_numbering_turn
from app.courses.models import LEARNING_MODES, Enrollment
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.notifications import events
from app.settings import get_setting
from app.timeutil import PALU_TZ, palu_date
from app.web import absolute_url
from app.workshops.models import SessionRegistration, WorkshopSession

# No 0/O, 1/I/L: a code read off paper or a photo is typed back without guessing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
NUMBER_RETRIES = 8
NUMBER_MAX_LENGTH = 100  # the certificate.number column


class CertificateError(LmsError):
    """A certificate rule said no (not completed, already issued, already revoked, ...)."""


def new_verification_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw):
    """What people type from paper: any case, spaces or dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch in string.ascii_uppercase + string.digits)


def format_number(template, sequence, local_date):
    """The certificate number from the template in the settings, e.g.
    800/{seq:04d}/BKPSDM/{roman_month}/{year} -> 800/0017/BKPSDM/XI/2026."""
    return template.format(seq=sequence, year=local_date.year, month=local_date.month,
                           roman_month=ROMAN_MONTHS[local_date.month - 1])


def template_problem(template):
    """Why a number template cannot be used, or None (checked when an admin saves it).

    Numbers are unique and the sequence restarts every year, so a number must change with the
    sequence and with the year."""
    if "{seq" not in (template or ""):
        return _("Templat nomor harus memuat {seq}, misalnya {seq:04d}.")
    year = utcnow().astimezone(PALU_TZ).year
    try:
        first = format_number(template, 1, date(year, 1, 1))
        second = format_number(template, 2, date(year, 1, 1))
        next_year = format_number(template, 1, date(year + 1, 1, 1))
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as error:
        return _("Templat nomor tidak dapat dipakai: %(error)s", error=error)
    if first == second:
        return _("Templat nomor harus memuat {seq}, misalnya {seq:04d}.")
    if len(format_number(template, 9999, date(year, 12, 1))) > NUMBER_MAX_LENGTH:
        return _("Nomor yang dihasilkan terlalu panjang (maksimal %(n)d karakter).",
                 n=NUMBER_MAX_LENGTH)
    if first == next_year:
        return _("Templat nomor harus memuat {year}: nomor urut dimulai lagi dari 1 setiap "
                 "tahun.")
    return None


def verify_url(code):
    return absolute_url(f"/verify/{code}")


# --- eligibility ------------------------------------------------------------------------------

def _valid_certificate_exists():
    return exists().where(Certificate.user_id == Enrollment.user_id,
                          Certificate.course_id == Enrollment.course_id,
                          Certificate.revoked_at.is_(None))


def eligible_enrollments(course):
    """Completed enrolments of a course whose learner holds no valid certificate for it."""
    return db.session.scalars(
        select(Enrollment).options(joinedload(Enrollment.user))
        .where(Enrollment.course_id == course.id, Enrollment.completed_at.is_not(None),
               ~_valid_certificate_exists())
        .order_by(Enrollment.completed_at)).all()


def eligible_counts():
    """{course_id: number of learners waiting for a certificate}, one query."""
    rows = db.session.execute(
        select(Enrollment.course_id, func.count())
        .where(Enrollment.completed_at.is_not(None), ~_valid_certificate_exists())
        .group_by(Enrollment.course_id))
    return dict(rows.all())


def _valid_certificate_of_course():
    """WHERE: the valid certificate of one person (bind `user_id`) for one course (bind
    `course_id`); the unique index uq_certificate_one_valid allows at most one."""
    return (Certificate.user_id == bindparam("user_id"),
            Certificate.course_id == bindparam("course_id"), Certificate.revoked_at.is_(None))


@cache
def _valid_certificate_statement():
    """Built once: issuing jobs ask for every enrolment they consider."""
    return select(Certificate).where(*_valid_certificate_of_course())


def valid_certificate(user, course):
    return db.session.scalar(_valid_certificate_statement(),
                             {"user_id": user.id, "course_id": course.id})


@cache
def _valid_certificate_summary_statement():
    return select(Certificate.id, Certificate.number, Certificate.issued_on).where(
        *_valid_certificate_of_course())


def certificate_summary_read(user, course):
    """The read valid_certificate_summary makes, as (statement, parameters) for
    app/batched_reads.py; None for a visitor."""
    if user is None or not user.is_authenticated:
        return None
    return _valid_certificate_summary_statement(), {"user_id": user.id, "course_id": course.id}


def valid_certificate_summary(user, course):
    """(id, number, issued_on) of the user's valid certificate of a course, or None: what the
    course page shows, without loading the whole certificate on every visit."""
    read = certificate_summary_read(user, course)
    found = batched_reads.rows(*read) if read is not None else ()
    return found[0] if found else None


def _valid_session_certificate_exists():
    return exists().where(Certificate.registration_id == SessionRegistration.id,
                          Certificate.revoked_at.is_(None))


def eligible_registrations(session):
    """Attended registrations of a session whose learner holds no valid certificate for it."""
    return db.session.scalars(
        select(SessionRegistration).options(joinedload(SessionRegistration.user))
        .where(SessionRegistration.session_id == session.id,
               SessionRegistration.attended_at.is_not(None),
               ~_valid_session_certificate_exists())
        .order_by(SessionRegistration.attended_at)).all()


def sessions_with_attendance():
    """[(session, learners waiting for a certificate)] for every session with attendance,
    latest first: two queries."""
    waiting = func.sum(case((~_valid_session_certificate_exists(), 1), else_=0))
    counts = dict(db.session.execute(
        select(SessionRegistration.session_id, waiting)
        .where(SessionRegistration.attended_at.is_not(None))
        .group_by(SessionRegistration.session_id)).all())
    if not counts:
        return []
    sessions = db.session.scalars(select(WorkshopSession).where(
        WorkshopSession.id.in_(counts)).order_by(WorkshopSession.starts_at.desc())).all()
    return [(session, int(counts[session.id] or 0)) for session in sessions]


def valid_session_certificate(user, session):
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.session_id == session.id,
        Certificate.revoked_at.is_(None)))


def certified_registration_ids(registration_ids):
    """The registrations among these whose learner holds a valid certificate (their
    attendance may not be taken away)."""
    return set(db.session.scalars(select(Certificate.registration_id).where(
        Certificate.registration_id.in_(registration_ids), Certificate.revoked_at.is_(None))))


# --- issuing ----------------------------------------------------------------------------------

def _rank(user):
    if not user.golongan:
        return ""
    if user.golongan in GOLONGAN_PNS:
        return f"{GOLONGAN_PNS[user.golongan]} ({user.golongan})"
    return f"{EMPLOYMENT_LABELS.get(user.employment_type, '')} golongan {user.golongan}".strip()


def _position(user):
    if user.jabatan_title:
        return user.jabatan_title
    return str(JABATAN_TYPES.get(user.jabatan_type, "")) if user.jabatan_type else ""


@dataclass(frozen=True)
class Subject:
    """What a certificate attests, as its snapshot needs it: a completed course or an
    attended session. Labels stay lazy until the snapshot reads them in Indonesian."""

    user: object
    links: dict  # the certificate's foreign keys: enrolment and course, or registration, session
    title: str
    code: str
    jp: int
    competency: object
    mode_label: object
    completed_at: datetime  # the completion, or the session's end
    duplicate_message: str
    started_at: datetime | None = None  # a session's start
    # A programme's steps as done: (code, title, jp, done_on date), printed on a second page.
    components: tuple = ()
    institution: object = None  # who provided it (app/institutions): a partner is named

    @property
    def provider_name(self):
        institution = self.institution
        return institution.name if institution is not None and not institution.is_home else ""

    @property
    def unique_key(self):
        """(column, id): one valid certificate per learner and course, session or programme."""
        if "session_id" in self.links:
            return Certificate.session_id, self.links["session_id"]
        if "programme_id" in self.links:
            return Certificate.programme_id, self.links["programme_id"]
        return Certificate.course_id, self.links["course_id"]


def course_subject(enrollment):
    user, course = enrollment.user, enrollment.course
    return Subject(
        user=user, links={"enrollment_id": enrollment.id, "course_id": course.id},
        title=course.title, code=course.code, jp=course.jp,
        competency=course.competency_label, mode_label=course.mode_label,
        completed_at=enrollment.completed_at, institution=course.institution,
        duplicate_message=_("%(name)s sudah memiliki sertifikat yang berlaku untuk kursus ini.",
                            name=user.name))


def session_subject(registration):
    user, session = registration.user, registration.session
    return Subject(
        user=user, links={"registration_id": registration.id, "session_id": session.id},
        title=session.title, code="", jp=session.jp, competency=session.competency_label,
        mode_label=LEARNING_MODES.get(session.kind, session.kind),
        completed_at=session.ends_at, started_at=session.starts_at,
        institution=session.institution,
        duplicate_message=_("%(name)s sudah memiliki sertifikat yang berlaku untuk sesi ini.",
                            name=user.name))


def _valid_for(subject):
    column, value = subject.unique_key
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == subject.user.id, column == value,
        Certificate.revoked_at.is_(None)))


def _snapshot(subject, issued_on):
    user = subject.user
    completed_on, started_on = palu_date(subject.completed_at), palu_date(subject.started_at)
    return {
        "holder_name": user.name, "holder_nip": user.nip, "holder_rank": _rank(user),
        "holder_position": _position(user),
        "holder_agency": user.agency.name if user.agency else "",
        "course_title": subject.title, "course_code": subject.code, "jp": subject.jp,
        "competency": str(subject.competency),
        "institution_name": get_setting("institution_name") or "",
        "issuer_unit": get_setting("certificate.issuer_unit") or "",
        "signer_name": get_setting("certificate.signer_name") or "",
        "signer_title": get_setting("certificate.signer_title") or "",
        "signer_nip": get_setting("certificate.signer_nip") or "",
        "completed_on": completed_on,
        # Printed only for a session held over several days.
        "started_on": started_on if started_on != completed_on else None,
        "issued_on": issued_on,
        "components_json": components_json(subject.components),
        "provider_name": subject.provider_name,
    }


def components_json(components):
    if not components:
        return None
    return json.dumps([{"code": code, "title": title, "jp": jp, "done_on": done_on.isoformat()}
                       for code, title, jp, done_on in components])


def _components(certificate):
    return tuple((item["code"], item["title"], item["jp"], date.fromisoformat(item["done_on"]))
                 for item in certificate.components)


def _document(certificate, mode_label):
    return CertificateDocument(
        institution_name=certificate.institution_name, issuer_unit=certificate.issuer_unit,
        number=certificate.number, holder_name=certificate.holder_name,
        holder_nip=certificate.holder_nip, holder_rank=certificate.holder_rank,
        holder_position=certificate.holder_position, holder_agency=certificate.holder_agency,
        course_title=certificate.course_title, course_code=certificate.course_code,
        jp=certificate.jp, competency=certificate.competency, mode=mode_label,
        completed_on=certificate.completed_on, issued_on=certificate.issued_on,
        place=get_setting("certificate.place") or "",
        signer_name=certificate.signer_name, signer_title=certificate.signer_title,
        signer_nip=certificate.signer_nip,
        verify_url=verify_url(certificate.verification_code),
        verification_code=certificate.verification_code,
        kind=certificate.kind, started_on=certificate.started_on,
        provider=certificate.provider_name,
        components=_components(certificate))


def _render(document):
    # Imported here: fpdf, fontTools and segno stay out of web workers that never render.
    from app.certificates.pdf import render_certificate

    return render_certificate(document)


def _next_sequence(year):
    return (db.session.scalar(select(func.max(Certificate.sequence))
                              .where(Certificate.year == year)) or 0) + 1


def _insert_numbered(certificate, issued_on, mode_label, subject, short_transactions=False):
    """Give the certificate the next free number (and a free status list position), render
    its PDF, and insert it; a collision with a racing issue retries with the next number.

    The PDF is rendered before the insert, so a certificate row never exists without its
    document (on SQLite an outermost savepoint's release is already a commit). With
    short_transactions (jobs), the reads are committed before rendering, so no write
    transaction is open while the PDF renders and the write lock is held only for the insert
    and its commit. Issuers take turns from choosing the number to the commit (turns.py).
    """
    template = get_setting("certificate.number_template")
    for _attempt in range(NUMBER_RETRIES):
        if short_transactions:
            db.session.commit()
        take_numbering_turn(in_job=short_transactions)  # held until the commit (turns.py)
        certificate.year = issued_on.year
        certificate.sequence = _next_sequence(issued_on.year)
        certificate.number = format_number(template, certificate.sequence, issued_on)
        certificate.verification_code = new_verification_code()
        certificate.status_index = new_status_index()  # its Open Badge's revocation bit
        certificate.pdf = _render(_document(certificate, mode_label))
        try:
            _insert(certificate, short_transactions)
        except IntegrityError:
            if _valid_for(subject):
                raise CertificateError(subject.duplicate_message) from None
            continue
        return certificate
    raise CertificateError(_("Nomor sertifikat tidak dapat dibuat; coba lagi."))


def _insert(certificate, short_transactions):
    """Insert the certificate, undoing only the insert when its number collides.

    After a short transaction's commit nothing else is pending, and a savepoint would be the
    outermost one, whose release on SQLite already commits the certificate without its audit
    event or the job's progress: the plain insert opens the transaction they commit in."""
    if not short_transactions:
        with db.session.begin_nested():
            db.session.add(certificate)
        return
    db.session.add(certificate)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise


def signer_problem():
    """Why no certificate can be issued at all right now, or None."""
    if not (get_setting("certificate.signer_name") or "").strip():
        # A certificate never changes once issued: one without a signer would stay so.
        return _("Isi nama penandatangan di Pengaturan sertifikat sebelum menerbitkan "
                 "sertifikat.")
    return None


def unverified_message(user):
    return _("%(name)s belum diverifikasi admin: akun yang mendaftar sendiri baru mendapat "
             "sertifikat setelah admin BKPSDM memastikan NIP-nya (Admin › Akun menunggu "
             "verifikasi).", name=user.name)


def issue_for_subject(subject, issuer, now=None, short_transactions=False, **audit):
    """Snapshot, number, render and store the certificate of a subject that qualifies; its
    PDF is rendered and stored once."""
    if not subject.user.is_verified:
        raise CertificateError(unverified_message(subject.user))
    if _valid_for(subject) is not None:
        raise CertificateError(subject.duplicate_message)
    problem = signer_problem()
    if problem:
        raise CertificateError(problem)
    now = now or utcnow()
    issued_on = palu_date(now)
    # An official Indonesian document: its labels never follow the issuer's interface language.
    with force_locale("id"):
        snapshot = _snapshot(subject, issued_on)
        mode_label = str(subject.mode_label)
    certificate = Certificate(user_id=subject.user.id, issued_at=now,
                              issued_by_id=issuer.id if issuer is not None else None,
                              **subject.links, **snapshot)
    _insert_numbered(certificate, issued_on, mode_label, subject, short_transactions)
    record_event(issuer, "certificate.issue", "certificate", certificate.id,
                 number=certificate.number, holder_nip=certificate.holder_nip, **audit)
    db.session.flush()
    events.certificate_issued(certificate)
    return certificate


def issue_certificate(enrollment, issuer, now=None, short_transactions=False):
    """Issue a certificate for a completed enrolment."""
    if enrollment.completed_at is None:
        raise CertificateError(_("%(name)s belum menyelesaikan kursus ini.",
                                 name=enrollment.user.name))
    return issue_for_subject(course_subject(enrollment), issuer, now, short_transactions,
                             course=enrollment.course.code)


def issue_session_certificate(registration, issuer, now=None, short_transactions=False):
    """Issue a certificate for an attended session (eligible = attendance recorded)."""
    if not registration.has_attended:
        raise CertificateError(_("%(name)s belum tercatat hadir pada sesi ini.",
                                 name=registration.user.name))
    return issue_for_subject(session_subject(registration), issuer, now, short_transactions,
                             session=registration.session_id)


@dataclass
class BulkResult:
    issued: list
    refused: list  # (enrollment, message)
    unverified: list  # skipped: their accounts wait for an admin's verification


def issue_many(subjects, issuer, now=None, issue=issue_certificate):
    """Issue to each enrolment (or, with issue=issue_session_certificate, registration); one
    learner's refusal does not stop the others. Unverified accounts are skipped as a group
    (one line for the admin, not one error per learner)."""
    result = BulkResult(issued=[], refused=[], unverified=[])
    for subject in subjects:
        if not subject.user.is_verified:
            result.unverified.append(subject)
            continue
        try:
            with db.session.begin_nested():
                result.issued.append(issue(subject, issuer, now))
        except CertificateError as error:
            result.refused.append((subject, error.message))
    return result


def revoke_certificate(certificate, reason, by, now=None,
                       public_reason=NEUTRAL_REVOCATION_REASON):
    """Revoke with an internal note (`reason`, free text for admins and the audit log) and a
    public reason from PUBLIC_REVOCATION_REASONS, the only one the verification page shows."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Alasan pencabutan wajib diisi."))
    if public_reason not in PUBLIC_REVOCATION_REASONS:
        raise CertificateError(_("Pilih alasan yang ditampilkan publik dari daftar."))
    if not certificate.is_valid:
        raise CertificateError(_("Sertifikat ini sudah dicabut."))
    certificate.revoke(reason, by, now or utcnow(), public_reason=public_reason)
    record_event(by, "certificate.revoke", "certificate", certificate.id,
                 number=certificate.number, reason=reason, public_reason=public_reason)
    db.session.flush()
    events.certificate_revoked(certificate)
    return certificate


def revoked_pdf(certificate):
    """The stored PDF of a revoked certificate stamped DICABUT on every page, with the date and
    the public reason across the top. Made per download (a read): the stored bytes are never
    changed, they stay the record of what was issued."""
    # An official Indonesian document, like the certificate itself: never the reader's language.
    with force_locale("id"):
        reason = str(certificate.public_revocation_label)
    notice = (f"DICABUT pada {indonesian_date(palu_date(certificate.revoked_at))}: sertifikat "
              f"ini tidak berlaku lagi. Alasan: {reason}.")
    from app.certificates.stamp import stamp_revoked  # fpdf and pypdf: see _render

    return stamp_revoked(certificate.pdf, notice)


# Re-issuing for kinds of certificate defined outside this package (programmes): kind ->
# function(revoked certificate, issuer, now, short_transactions) -> the new certificate.
REISSUERS = {}


def reissue_certificate(certificate, issuer, now=None, short_transactions=False):
    """A new certificate, with a new number, for the enrolment (or session registration) of a
    revoked one."""
    if certificate.is_valid:
        raise CertificateError(_("Cabut sertifikat ini terlebih dahulu sebelum menerbitkan "
                                 "ulang."))
    if certificate.is_for_session:
        new = issue_session_certificate(certificate.registration, issuer, now,
                                        short_transactions)
    elif certificate.is_for_programme:
        new = REISSUERS[PROGRAMME_KIND](certificate, issuer, now, short_transactions)
    else:
        new = issue_certificate(certificate.enrollment, issuer, now, short_transactions)
    record_event(issuer, "certificate.reissue", "certificate", new.id,
                 number=new.number, replaces=certificate.number)
    return new


def auto_issue_on_completion(enrollment):
    """Completion listener: courses set to 'auto' issue as soon as a learner completes.

    The certificate is made by a background job (app/certificates/jobs.py), started when the
    learner's request commits: completing a course never renders a PDF inside that request.
    An unverified learner's completion simply waits on the admin's list (expected, not a
    warning: verifying issues nothing by itself).
    """
    course = enrollment.course
    if course.certificate_policy != "auto" or not enrollment.user.is_verified:
        return
    if valid_certificate(enrollment.user, course):
        return
    from app.certificates.jobs import start_auto_issue  # jobs import this module

    start_auto_issue(enrollment)


# --- looking up -------------------------------------------------------------------------------

def find_by_code(code):
    return db.session.scalar(select(Certificate).where(
        Certificate.verification_code == normalize_code(code)))


def find_by_number_and_nip(number, nip):
    """The certificate with this number (as printed, any case, spaces trimmed) whose holder has
    this NIP (spaces, dots and dashes allowed), or None.

    The number is sequential, so it alone would let anyone walk 800/0001/... and list every
    holder. Both are matched in one query: a wrong NIP and an unknown number take the same path
    and give the same None."""
    number, nip = (number or "").strip(), normalize_nip(nip)
    if not number or not nip or "\x00" in number + nip:
        return None
    return db.session.scalar(select(Certificate).where(
        func.upper(Certificate.number) == number.upper(), Certificate.holder_nip == nip))


def certificates_of(user):
    return db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc())).all()


def issued_for_course(course):
    return db.session.scalars(
        select(Certificate).where(Certificate.course_id == course.id)
        .order_by(Certificate.issued_at.desc())).all()


def valid_count_for_course(course):
    return db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.course_id == course.id, Certificate.revoked_at.is_(None)))


def issued_for_session(session):
    return db.session.scalars(
        select(Certificate).where(Certificate.session_id == session.id)
        .order_by(Certificate.issued_at.desc())).all()


@cache
def _valid_certificates_statement():
    """Built once (the dashboard asks on every visit). All of the learner's valid course
    certificates (a handful), so the dashboard can read them with its progress, before it
    knows which courses are complete (app/batched_reads.py)."""
    return select(Certificate.id, Certificate.course_id, Certificate.course_title).where(
        Certificate.user_id == bindparam("user_id"), Certificate.course_id.is_not(None),
        Certificate.revoked_at.is_(None))


def valid_certificates_read(user):
    """The read valid_certificates_by_course makes, for app/batched_reads.py."""
    return _valid_certificates_statement(), {"user_id": user.id}


def valid_certificates_by_course(user, course_ids):
    """{course_id: (id, course_id, course_title) row} for a learner's valid certificates among
    these courses (the dashboard's list: rows, not entities with their snapshot)."""
    if not course_ids:
        return {}
    wanted = set(course_ids)
    return {c.course_id: c for c in batched_reads.rows(*valid_certificates_read(user))
            if c.course_id in wanted}


def waiting_count():
    """The admin home's count: learners whose completed course still has no certificate."""
    return AdminCount(_("Sertifikat menunggu terbit"), sum(eligible_counts().values()),
                      url_for("certificates.admin_courses"))
