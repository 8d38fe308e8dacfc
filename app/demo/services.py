"""The demo: a few people with varied progress on top of the bundled content (`flask demo seed`),
and taking it out again without touching anything real (`flask demo remove`). docs/demo.md.

Everything is made through the domain services (accounts, enrolment, reading, attempts,
certificates, sessions, credits, announcements, authoring), so the demo's rows are exactly
the rows real use makes, and the pages, reports and notifications show them as they would.

What the demo made is found again two ways:
- its accounts carry `user.is_demo`; whatever hangs off them (enrolments, progress, attempts,
  certificates, registrations, credits, notifications, programme enrolments) goes with them;
- what belongs to nobody (its course, its two sessions, its announcement, the hospital unit,
  the certificate settings it filled in) is listed in the `demo.created` setting, each with
  its id and a second field (code, title, name) that must still match: an id SQLite reused for
  a real row after someone deleted a demo one is never taken for the demo's.

Audit events and job records stay: they are the history of what happened (the demo's seed
and removal are audited too). Services flush; the CLI owns the transaction.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from app.admin.services import delete_agency, save_agency
from app.audit import record_event
from app.auth import services as auth_services
from app.auth.models import Agency, User
from app.authoring import services as authoring
from app.certificates import services as certificate_services
from app.certificates.models import Certificate
from app.courses import services as course_services
from app.courses.models import (
    Course,
    Enrollment,
    JpCredit,
    Module,
    ModuleProgress,
    course_prerequisite,
)
from app.demo import data
from app.errors import LmsError
from app.extensions import db
from app.institutions.models import Institution
from app.notifications.announcement_services import create_announcement, end_of_day
from app.notifications.models import Announcement
from app.notifications.services import forget_links, link_to
from app.programmes.models import Programme, ProgrammeStep
from app.programmes.services import enroll_in_programme
from app.quizzes import services as quiz_services
from app.quizzes.grading import correct_response
from app.quizzes.models import BLOCKING_KINDS, Attempt, Quiz
from app.reports import credit_services
from app.reports.jp_totals import recount as recount_jp
from app.settings import Setting, delete_setting, get_setting, set_setting
from app.timeutil import PALU_TZ
from app.workshops import services as workshop_services
from app.workshops.models import SessionRegistration, WorkshopSession

RECORD_KEY = "demo.created"
# The demo is for a new installation or a trial one: with more real learners than this (admins
# not counted) it refuses unless told --force, so it never mixes into a real population.
REAL_LEARNERS_LIMIT = 5


class DemoRefused(LmsError):
    """The demo cannot be seeded or removed here; the message says why and what to do."""


# --- looking -----------------------------------------------------------------------------------

def demo_accounts():
    return db.session.scalars(select(User).where(User.is_demo.is_(True))
                              .order_by(User.id)).all()


def demo_record():
    """What `demo.created` lists ({} when there is no demo)."""
    return get_setting(RECORD_KEY) or {}


def demo_present():
    return bool(demo_record()) or db.session.scalar(
        select(User.id).where(User.is_demo.is_(True)).limit(1)) is not None


def real_learner_count():
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.is_demo.is_(False), User.is_learner.is_(True), User.is_admin.is_(False)))


def _courses_by_code(codes):
    return {course.code: course for course in db.session.scalars(
        select(Course).where(Course.code.in_(codes)))}


def _final_quiz(course):
    return db.session.scalar(select(Quiz).where(
        Quiz.course_id == course.id, Quiz.slug == data.FINAL_QUIZ, Quiz.retired_at.is_(None)))


def seed_problems(force=False):
    """Why the demo cannot be seeded here (messages, Indonesian then English), [] when it can.

    Checked before anything is written: a production server (LMS_HTTPS=1 without
    LMS_DEMO_ALLOWED=1) never, a populated one only with --force, and never over a real
    account holding one of the demo's NIPs."""
    problems = []
    if not current_app.config.get("DEMO_ALLOWED"):
        problems.append(
            "Server ini dikonfigurasi untuk produksi (LMS_HTTPS=1): data demo tidak ditambahkan. "
            "Untuk situs demonstrasi publik set LMS_DEMO_ALLOWED=1.\n"
            "  This server is configured for production (LMS_HTTPS=1): no demo data. For a "
            "public demonstration site set LMS_DEMO_ALLOWED=1.")
    found = _courses_by_code(data.BUNDLED_COURSES)
    missing = [code for code in data.BUNDLED_COURSES
               if code not in found or not found[code].is_published
               or _final_quiz(found[code]) is None]
    if missing:
        problems.append(
            f"Kursus bawaan belum diimpor atau belum terbit: {', '.join(missing)}. Jalankan "
            "`flask content import` dulu (`make run` melakukannya).\n"
            f"  Bundled courses missing or unpublished: {', '.join(missing)}. Run "
            "`flask content import` first.")
    if db.session.scalar(select(Course.id).where(
            func.upper(Course.code) == data.COURSE.code)) is not None:
        problems.append(f"Kode kursus {data.COURSE.code} sudah dipakai kursus lain.\n"
                        f"  Course code {data.COURSE.code} is already taken.")
    learners = real_learner_count()
    if learners > REAL_LEARNERS_LIMIT and not force:
        problems.append(
            f"Basis data ini sudah punya {learners} peserta nyata (lebih dari "
            f"{REAL_LEARNERS_LIMIT}): data demo akan bercampur dengan data mereka (laporan, "
            "pengumuman). Tambahkan --force bila memang disengaja.\n"
            f"  This database already has {learners} real learners: the demo would mix with "
            "their data. Add --force if that is intended.")
    taken = db.session.scalars(select(User.nip).where(
        User.nip.in_([person.nip for person in data.PEOPLE]))).all()
    if taken:
        problems.append(
            f"NIP akun demo sudah dipakai akun nyata: {', '.join(sorted(taken))}.\n"
            "  A demo NIP already belongs to a real account.")
    return problems


# --- seeding -----------------------------------------------------------------------------------

@dataclass
class Seeded:
    """What seed_demo made, for the CLI to print."""

    accounts: list  # (data.Person, User)
    certificate_numbers: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def seed_demo(now=None):
    """Add the demo (check seed_problems first). Flushes; the caller commits.

    Renders two certificate PDFs inside the caller's transaction: this is a command line
    step on a new installation, not a request."""
    now = now or datetime.now(PALU_TZ)
    record = {"courses": [], "sessions": [], "announcements": [], "agencies": [],
              "institutions": [], "settings": {}}
    institutions_before = set(db.session.scalars(select(Institution.id)))
    notes = []
    if db.session.scalar(select(Agency.id).limit(1)) is None:
        auth_services.seed_agencies()  # a new installation: the standard OPD list (stays)
    hospital = _hospital(record)
    _fill_certificate_settings(record)

    people = {person.key: _account(person, hospital) for person in data.PEOPLE}
    admin, trainer = people["admin"], people["trainer"]
    courses = _courses_by_code(data.BUNDLED_COURSES)
    spbe, kam, duk = (courses[code] for code in data.BUNDLED_COURSES)

    finished = _finish_course(people["finished"], spbe)
    revoked = _finish_course(people["kecamatan"], duk)
    _read(people["halfway"], kam, data.KAM_MODULES_READ)
    course_services.enroll_learner(people["not_started"], spbe)
    programme = db.session.scalar(select(Programme).where(
        Programme.slug == data.PROGRAMME_SLUG, Programme.status == "published"))
    if programme is not None:
        enroll_in_programme(people["follower"], programme)
    else:
        notes.append(f"Program {data.PROGRAMME_SLUG} tidak ada: pengikut program hanya "
                     "terdaftar di SPBE-101.")
        course_services.enroll_learner(people["follower"], spbe)
    _read(people["follower"], spbe, data.PROGRAMME_MODULES_READ)

    demo_course = _trainer_course(trainer, record)
    _essay_waiting(people["kecamatan"], demo_course)

    numbers = []
    with _numbered_as_demo():
        certificate = certificate_services.issue_certificate(finished, admin)
        numbers.append(certificate.number)
        to_revoke = certificate_services.issue_certificate(revoked, admin)
        numbers.append(to_revoke.number)
    certificate_services.revoke_certificate(to_revoke, data.REVOCATION["reason"], admin,
                                            public_reason=data.REVOCATION["public_reason"])

    _external_credit(people["halfway"], admin, now)
    for spec in data.SESSIONS:
        _session(spec, trainer, people, now, record)
    _announcement(admin, now, record)

    record["institutions"] = [
        [institution.id, institution.name] for institution in db.session.scalars(
            select(Institution).where(Institution.id.not_in(institutions_before)))]
    set_setting(RECORD_KEY, record)
    record_event(None, "demo.seed", "demo", None,
                 accounts=[person.nip for person in data.PEOPLE],
                 courses=[code for _id, code in record["courses"]])
    db.session.flush()
    return Seeded(accounts=[(person, people[person.key]) for person in data.PEOPLE],
                  certificate_numbers=numbers, notes=notes)


def _hospital(record):
    """RSUD Anutapura: the agency of that name, or a new unit of the Dinas Kesehatan."""
    found = db.session.scalar(select(Agency).where(
        func.lower(Agency.name).contains("anutapura")).order_by(Agency.id).limit(1))
    if found is not None:
        return found
    if db.session.scalar(select(Agency.id).where(Agency.code == data.HOSPITAL_CODE)):
        return None  # the code is someone else's: the nurse goes without an OPD
    parent = db.session.scalar(select(Agency).where(Agency.code == data.HOSPITAL_PARENT,
                                                    Agency.parent_id.is_(None)))
    agency = save_agency(None, {"code": data.HOSPITAL_CODE, "name": data.HOSPITAL_NAME,
                                "parent": parent}, None)
    record["agencies"].append([agency.id, agency.code])
    return agency


def _fill_certificate_settings(record):
    """A signer, so that certificates can be issued in the demo: only where nothing is set."""
    for key, value in data.CERTIFICATE_SETTINGS.items():
        if (get_setting(key) or "").strip():
            continue
        stored = db.session.get(Setting, key)
        record["settings"][key] = {"value": value, "stored": stored is not None,
                                   "before": get_setting(key) if stored is not None else None}
        set_setting(key, value)


def _account(person, hospital):
    if person.agency == data.HOSPITAL_CODE:
        agency = hospital
    else:
        agency = db.session.scalar(select(Agency).where(Agency.code == person.agency))
    user = auth_services.create_user(
        nip=person.nip, name=person.name, password=data.DEMO_PASSWORD, roles=person.roles,
        agency=agency, jabatan_type=person.jabatan_type, jabatan_title=person.jabatan_title,
        golongan=person.golongan)
    user.is_demo = True
    db.session.flush()
    return user


def _modules(course):
    return db.session.scalars(course_services.active_modules_query(course.id)).all()


def _read(user, course, count):
    course_services.enroll_learner(user, course)
    for module in _modules(course)[:count]:
        course_services.complete_module(user, module)


def _answers(attempt, essay=""):
    """Right answers for every question (an essay gets the given text)."""
    return {slot.id: ({"text": essay} if slot.snapshot["type"] == "essay"
                      else correct_response(slot.snapshot)) for slot in attempt.slots}


def _take(user, quiz, essay=""):
    attempt = quiz_services.start_attempt(user, quiz)
    quiz_services.submit_attempt(attempt, _answers(attempt, essay))
    return attempt


def _finish_course(user, course):
    """Every module read and every quiz that counts passed: the completed enrolment."""
    course_services.enroll_learner(user, course)
    quizzes = db.session.scalars(select(Quiz).where(
        Quiz.course_id == course.id, Quiz.retired_at.is_(None)).order_by(Quiz.id)).all()
    for quiz in quizzes:
        if quiz.kind == "pretest":
            _take(user, quiz)
    for module in _modules(course):
        course_services.complete_module(user, module)
    for quiz in quizzes:
        if quiz.kind in BLOCKING_KINDS:
            _take(user, quiz)
    enrollment = course_services.get_enrollment(user, course)
    if not enrollment.is_completed:
        raise DemoRefused(f"{user.name} tidak dapat menyelesaikan {course.code}: periksa kuis "
                          "kursus itu (`flask content check`).")
    return enrollment


def _trainer_course(trainer, record):
    """The trainer's own small course, published, with a quiz that has an essay."""
    spec = data.COURSE
    course = authoring.create_course({
        "code": spec.code, "title": spec.title, "summary": spec.summary,
        "description": spec.description, "jp": spec.jp, "competency": spec.competency,
        "mode": spec.mode, "provider": spec.provider, "certificate_policy": "manual"}, trainer)
    for title, minutes, body in spec.modules:
        authoring.create_module(course, {"title": title, "minutes": minutes, "body": body},
                                trainer)
    quiz = authoring.save_quiz(course, None, spec.quiz_slug, spec.quiz_settings,
                               spec.quiz_gift, None, trainer)
    # Its questions collection, built while saving, is read again from the rows: the editor
    # commits before anyone starts the quiz, and here the same transaction goes on.
    db.session.expire(quiz)
    authoring.set_course_status(course, "published", trainer)
    record["courses"].append([course.id, course.code])
    return course


def _essay_waiting(user, course):
    course_services.enroll_learner(user, course)
    for module in _modules(course):
        course_services.complete_module(user, module)
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id,
                                                Quiz.slug == data.COURSE.quiz_slug))
    return _take(user, quiz, essay=data.COURSE.essay_answer)


@contextmanager
def _numbered_as_demo():
    """While the demo's certificates are issued, their numbers start with DEMO- (the template
    setting is changed and put back inside the same transaction: none of it is committed)."""
    key = "certificate.number_template"
    stored = db.session.get(Setting, key) is not None
    template = get_setting(key)
    if certificate_services.template_problem(data.NUMBER_PREFIX + template) is None:
        set_setting(key, data.NUMBER_PREFIX + template)
    try:
        yield
    finally:
        if stored:
            set_setting(key, template)
        else:
            delete_setting(key)


def _external_credit(user, admin, now):
    spec = data.EXTERNAL_CREDIT
    today = now.astimezone(PALU_TZ).date()
    earned_on = max(today - timedelta(days=spec["days_ago"]), date(today.year, 1, 1))
    credit_services.add_jp_credit(user, earned_on=earned_on, jp=spec["jp"], title=spec["title"],
                                  provider=spec["provider"], note=spec["note"], actor=admin)


def _at(day, hour_minute):
    return datetime.combine(day, time(*hour_minute), PALU_TZ)


def _session(spec, organizer, people, now, record):
    day = now.astimezone(PALU_TZ).date() + timedelta(days=spec.days_ahead)
    session = workshop_services.create_session({
        "title": spec.title, "description": spec.description, "kind": spec.kind,
        "provider": data.SESSION_PROVIDER, "competency": "teknis",
        "starts_at": _at(day, spec.start), "ends_at": _at(day, spec.end),
        "place": spec.place, "meeting_url": spec.meeting_url, "jp": spec.jp,
        "capacity": spec.capacity, "registration_deadline": None, "audience": "all",
        "agencies": [], "course": None}, organizer)
    for key in spec.registrants:
        workshop_services.register_learner(session, people[key])
    record["sessions"].append([session.id, session.title])
    return session


def _announcement(admin, now, record):
    spec = data.ANNOUNCEMENT
    ends = end_of_day(now.astimezone(PALU_TZ).date() + timedelta(days=spec["days"]))
    announcement, _sent = create_announcement(
        {"title": spec["title"], "body": spec["body"], "agencies": [], "ends_at": ends}, admin)
    record["announcements"].append([announcement.id, announcement.title])


# --- removing ----------------------------------------------------------------------------------

@dataclass
class Removed:
    accounts: int = 0
    certificates: int = 0
    courses: int = 0
    sessions: int = 0
    announcements: int = 0
    notifications: int = 0
    kept: list = field(default_factory=list)  # what stays, and why
    # JP credit evidence folders of the demo accounts: deleted once the removal is committed.
    evidence: list = field(default_factory=list)


def _recorded(model, entries, attribute):
    """The recorded rows that still exist and still carry the recorded code/title/name."""
    found = []
    for row_id, expected in entries or ():
        row = db.session.get(model, row_id)
        if row is not None and getattr(row, attribute) == expected:
            found.append(row)
    return found


def references(table_name, row_id):
    """How many rows anywhere point at this row, by every foreign key of the schema."""
    total = 0
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == table_name and key.column.name == "id":
                total += db.session.scalar(select(func.count()).select_from(table)
                                           .where(key.parent == row_id))
    return total


def _in(column, ids):
    return column.in_(ids) if ids else False


def remove_problems():
    """Why the demo cannot be removed as it stands: a real programme takes its course or a
    session as a step, or a real course requires its course. Removing would change them."""
    record = demo_record()
    course_ids = [c.id for c in _recorded(Course, record.get("courses"), "code")]
    session_ids = [s.id for s in _recorded(WorkshopSession, record.get("sessions"), "title")]
    problems = []
    steps = db.session.scalars(
        select(Programme.title).join(ProgrammeStep, ProgrammeStep.programme_id == Programme.id)
        .where(or_(_in(ProgrammeStep.course_id, course_ids),
                   _in(ProgrammeStep.session_id, session_ids)))).all()
    if steps:
        problems.append(
            f"Program {', '.join(sorted(set(steps)))} memakai kursus atau sesi demo sebagai "
            "langkah: hapus langkah itu dulu di editor program.\n"
            "  A programme uses a demo course or session as a step: remove that step first.")
    requiring = db.session.scalars(
        select(Course.code).join(course_prerequisite,
                                 course_prerequisite.c.course_id == Course.id)
        .where(_in(course_prerequisite.c.required_course_id, course_ids),
               Course.id.not_in(course_ids))).all()
    if requiring:
        problems.append(
            f"Kursus {', '.join(sorted(set(requiring)))} mensyaratkan kursus demo: hapus "
            "prasyarat itu dulu di editor kursus.\n"
            "  A real course requires the demo course: remove that prerequisite first.")
    return problems


def remove_demo(actor=None):
    """Take the demo out: its accounts with everything hanging off them, and what it recorded.
    Returns Removed, or None when there was no demo. Flushes; the caller commits.

    Real people's own rows stay, except what they did inside the demo's own course and
    sessions (enrolments, attempts, registrations, and certificates of that course or those
    sessions), which go with them; their JP are counted again."""
    record = demo_record()
    demo_ids = db.session.scalars(select(User.id).where(User.is_demo.is_(True))).all()
    if not record and not demo_ids:
        return None
    courses = _recorded(Course, record.get("courses"), "code")
    sessions = _recorded(WorkshopSession, record.get("sessions"), "title")
    announcements = _recorded(Announcement, record.get("announcements"), "title")
    course_ids = [course.id for course in courses]
    session_ids = [session.id for session in sessions]
    quiz_ids = db.session.scalars(select(Quiz.id).where(_in(Quiz.course_id, course_ids))).all()
    module_ids = db.session.scalars(select(Module.id).where(
        _in(Module.course_id, course_ids))).all()
    is_demo_user = _in(User.id, demo_ids)

    # Real people whose JP counted the demo's course or sessions: their years are summed again.
    real = ~User.is_demo
    recount_ids = sorted(set(db.session.scalars(
        select(Enrollment.user_id).join(User, User.id == Enrollment.user_id).where(
            real, _in(Enrollment.course_id, course_ids), Enrollment.completed_at.is_not(None))))
        | set(db.session.scalars(
            select(SessionRegistration.user_id).join(User, User.id == SessionRegistration.user_id)
            .where(real, _in(SessionRegistration.session_id, session_ids),
                   SessionRegistration.attended_at.is_not(None)))))
    evidence = [credit_services.evidence_folder(credit_id) for credit_id in db.session.scalars(
        select(JpCredit.id).where(_in(JpCredit.user_id, demo_ids),
                                  JpCredit.evidence_name.is_not(None)))]
    links = ([link_to("courses.course_detail", slug=course.slug) for course in courses]
             + [link_to("workshops.session_page", session_id=s.id) for s in sessions]
             + [link_to("announcements.show", announcement_id=a.id) for a in announcements])

    removed = Removed(courses=len(courses), sessions=len(sessions),
                      announcements=len(announcements), accounts=len(demo_ids))
    # Children before parents: these foreign keys are ON DELETE RESTRICT.
    removed.certificates = _delete(Certificate, or_(
        _in(Certificate.user_id, demo_ids), _in(Certificate.course_id, course_ids),
        _in(Certificate.session_id, session_ids)))
    _delete(Attempt, or_(_in(Attempt.user_id, demo_ids), _in(Attempt.quiz_id, quiz_ids)))
    _delete(ModuleProgress, or_(_in(ModuleProgress.user_id, demo_ids),
                                _in(ModuleProgress.module_id, module_ids)))
    _delete(Enrollment, or_(_in(Enrollment.user_id, demo_ids),
                            _in(Enrollment.course_id, course_ids)))
    _delete(SessionRegistration, or_(_in(SessionRegistration.user_id, demo_ids),
                                     _in(SessionRegistration.session_id, session_ids)))
    db.session.expire_all()
    # Through the ORM: the search index and the course outlines hear of it (app/derived.py).
    for row in (*sessions, *courses, *announcements):
        db.session.delete(row)
    db.session.flush()
    db.session.execute(delete(User).where(is_demo_user)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    # Other people's notifications about the demo's course, sessions and announcement (the demo
    # accounts' own went with them).
    removed.notifications = forget_links(links)
    removed.kept += _remove_unused(Agency, record.get("agencies"), "code", "OPD")
    removed.kept += _remove_unused(Institution, record.get("institutions"), "name",
                                   "Penyelenggara")
    removed.kept += _restore_settings(record.get("settings") or {})
    delete_setting(RECORD_KEY)
    if recount_ids:
        recount_jp(db.session.connection(), recount_ids)
    record_event(actor, "demo.remove", "demo", None, accounts=removed.accounts,
                 certificates=removed.certificates, courses=removed.courses,
                 sessions=removed.sessions, announcements=removed.announcements)
    db.session.flush()
    removed.evidence = evidence
    return removed


def _delete(model, condition):
    return db.session.execute(delete(model).where(condition)
                              .execution_options(synchronize_session=False)).rowcount


def _remove_unused(model, entries, attribute, label):
    """Delete the recorded rows nothing points at any more; name the ones that stay."""
    kept = []
    for row in _recorded(model, entries, attribute):
        if references(model.__tablename__, row.id):
            kept.append(f"{label} {getattr(row, attribute)} dipertahankan: sudah dipakai data "
                        "nyata.")
        elif model is Agency:
            delete_agency(row, None)
        else:
            db.session.delete(row)
    db.session.flush()
    return kept


def _restore_settings(settings):
    """Put back the certificate settings the demo filled in, unless an admin changed them."""
    kept = []
    for key, entry in settings.items():
        if get_setting(key) != entry["value"]:
            kept.append(f"Pengaturan {key} dipertahankan: sudah diubah admin.")
        elif entry["stored"]:
            set_setting(key, entry["before"])
        else:
            delete_setting(key)
    return kept


def remove_evidence(folders):
    for folder in folders:
        credit_services.discard_evidence(folder)

