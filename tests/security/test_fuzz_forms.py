"""Hostile form posts: hypothesis sends every POST form random and malformed data.

Each route gets its real field names (sometimes left out, sometimes doubled as lists, sometimes
with a valid value so the post reaches the service) filled with unicode, NUL and control
characters, huge strings, out-of-range numbers, plus extra fields, always with a valid CSRF
token. Two promises are checked for every example:

- never a 500;
- never a partial write: a refused post (a 4xx, a form page shown again, or a redirect with an
  error message) leaves every table exactly as it was (a digest of all rows).
"""

import io
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from app.auth import services as auth_services
from app.auth.models import User
from app.certificates import services as certificate_services
from app.courses.models import Course, Enrollment, Module
from app.discussion import services as discussion
from app.extensions import db
from app.institutions.models import Institution
from app.notifications.models import Announcement
from app.programmes.models import Programme, ProgrammeStep
from app.quizzes import services as quiz_services
from app.quizzes.models import Attempt, Quiz
from app.workshops.models import WorkshopSession
from app.workshops.services import register_learner
from config import Config
from tests.authoring.helpers import COURSE_FORM, GIFT, QUIZ_FORM
from tests.conftest import PASSWORD, csrf_token, is_write, seed_once, sorted_tables
from tests.quizzes import attempts_helpers as h
from tests.quizzes.attempts_helpers import SIX_TYPES
from tests.workshops.conftest import session_form
from tests.workshops.helpers import make_session, start_now

EXAMPLES = 8
ESSAY_QUIZ = """
::E1 Ibu kota::Ibu kota Provinsi Sulawesi Tengah adalah ...{=Palu~Donggala~Poso}

::E2 Esai::Jelaskan manfaat SRIKANDI bagi tata naskah dinas di OPD Anda.{}
"""

# --- values -----------------------------------------------------------------------------------

NASTY = [
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b[31m\x7f", "\r\n\t\x0b\x0c", "\u202eabc",
    "\ufeff", "\u0000\u0000", "𝕂𝕠𝕞𝕡𝕖𝕥𝕖𝕟", "ẞ" * 300, "9" * 40, "-1", "0", "-0", "1e309",
    "NaN", "inf", "-inf", "0x1F", "١٢٣", "3.5", "2147483648", "-9223372036854775809",
    "99999999999999999999999999", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
    "%s%n%x", "{{7*7}}", "=HYPERLINK(\"http://x\")", "javascript:alert(1)", "2026-02-30",
    "31/12/2026", "0000-00-00", "on", "true", "up", "down", "kirim", "simpan", "pratinjau",
    "periksa", "published", "archived", "admin",
]
# Issue 15: numbers far past any column, dates at the ends of the calendar, digits that are not
# 0-9 (int("１００") is 100 in Python), and line breaks in single-line fields (a title in an
# .ics file). Each class also comes from a strategy below, and HOSTILE_INPUT is swept through
# every field of every form and every query parameter of the list and report pages.
HUGE_INTEGER = "9" * 400
HOSTILE_INPUT = [
    HUGE_INTEGER, "-" + HUGE_INTEGER, "9" * 19, "1" + "0" * 5000,
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "10000-01-01",
    "１００", "２０２６-０１-０１", "٢٠", "1_000",
    "Judul\r\nBaris dua", "a\nBEGIN:VEVENT\nEND:VCALENDAR", "a\rb", "x\u2028y",
]
huge_integers = st.integers(min_value=10**20, max_value=10**400).map(
    lambda n: str(n) if n % 2 else f"-{n}")
extreme_dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")))
full_width = st.integers(min_value=0, max_value=10**6).map(
    lambda n: str(n).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}))
line_breaks = st.tuples(st.text(max_size=10), st.sampled_from(["\r\n", "\n", "\r", "\u2028"]),
                        st.text(max_size=10)).map("".join)
# One of each class for the field-by-field sweep of every form (the full list costs minutes).
SWEEP_INPUT = [HUGE_INTEGER, "-" + HUGE_INTEGER, "0001-01-01", "9999-12-31T23:59", "１００",
               "Judul\r\nBaris dua"]
HUGE = "x" * (Config.MODULE_MAX_KB * 1024 + 1)  # one byte over the module limit
small = st.one_of(st.text(max_size=40), st.sampled_from(NASTY + HOSTILE_INPUT),
                  st.integers(min_value=-(10**30), max_value=10**30).map(str),
                  huge_integers, extreme_dates, full_width, line_breaks)
extra_names = st.text(min_size=1, max_size=12).filter(lambda name: name != "csrf_token")


def field_value(valid=None, huge=True):
    options = [small, st.lists(small, min_size=2, max_size=3)]
    if huge:
        options.append(st.just(HUGE))
    if valid is not None:
        options.append(st.just(valid))
    return st.one_of(*options)


def form_data(fields, valid, huge=True):
    """A dict with some of the real fields (random or valid values) and maybe extra ones."""
    optional = {name: field_value(valid.get(name), huge) for name in fields}
    return st.tuples(st.fixed_dictionaries({}, optional=optional),
                     st.dictionaries(extra_names, small, max_size=2)).map(
        lambda pair: {**pair[1], **pair[0]})


def upload_value():
    return st.tuples(st.binary(max_size=2048),
                     st.sampled_from(["a.png", "a.pdf", "a.csv", "", "x\x00.png", "../a.gif",
                                      "Ä ü.JPEG", "a" * 300 + ".png"]))


# --- the database, as one digest --------------------------------------------------------------

def digest(ignore=()):
    """Every row of every table, as {table: Counter of rows}: equal digests mean nothing was
    written. The rows are the driver's own tuples, compared by value (a sorted, hashed repr of
    every row took two thirds of this file's time: a refused post is checked ~3,000 times)."""
    db.session.rollback()
    quote = db.engine.dialect.identifier_preparer.quote
    connection = db.session.connection()
    rows = {table.name: _counted(connection.exec_driver_sql(
                f"SELECT * FROM {quote(table.name)}").all())
            for table in sorted_tables() if table.name not in ignore}
    db.session.rollback()
    return rows


@contextmanager
def _write_counter():
    """Within the block, a function giving how many statements that may write the app's
    engine has run."""
    count = [0]

    def note(conn, cursor, statement, parameters, context, executemany):
        if is_write(statement):
            count[0] += 1

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield lambda: count[0]
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _counted(rows):
    try:
        return Counter(rows)
    except TypeError:  # PostgreSQL gives JSON columns as dicts and lists
        return Counter(tuple(repr(value) if isinstance(value, dict | list) else value
                             for value in row) for row in rows)


def popped_flash_categories(client):
    with client.session_transaction() as session:
        return {category for category, _message in session.pop("_flashes", [])}


# --- the world every route is fuzzed in -------------------------------------------------------

@dataclass
class World:
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def _logged_in(app, user):
    client = h.login_as(app.test_client(), user.nip)
    token = csrf_token(h.page(client, "/akun/kata-sandi"))
    return client, token


@pytest.fixture
def world(app, courses, create_user, tmp_path):
    """Everyone and everything the routes need. The rows are a kept seed (tests/conftest.py
    seed_once): made once per worker, written again for each test; the clients sign in each
    time, after it."""
    w = World()
    w.ids = seed_once("fuzz_forms.world", lambda: _seed_world(create_user, tmp_path))
    start_now(db.session.get(WorkshopSession, w.ids["workshop"]))  # running now, not at the seed
    anonymous = app.test_client()
    w.clients["anon"], w.tokens["anon"] = anonymous, csrf_token(h.page(anonymous, "/masuk"))
    for role in ("admin", "trainer", "learner"):
        user = db.session.get(User, w.ids[f"{role}_user_id"])
        w.clients[role], w.tokens[role] = _logged_in(app, user)
    w.ids["learner_user"] = db.session.get(User, w.ids["learner_user_id"])
    return w


def _seed_world(create_user, tmp_path):
    auth_services.seed_agencies()
    db.session.commit()
    ids = {}
    admin = create_user(roles=("admin",))
    trainer = create_user(roles=("trainer",))
    learner = create_user()
    other = create_user()
    victim = create_user()
    squatter = create_user(name="Pendaftar Mandiri")
    squatter.verified_at = None  # as /daftar leaves it
    quiz = h.add_quiz(tmp_path, "enam", SIX_TYPES, title="Kuis enam", shuffle_answers="false",
                      max_attempts=0, pass_mark=70)
    essay = h.add_quiz(tmp_path, "esai", ESSAY_QUIZ, title="Kuis esai", max_attempts=0,
                       shuffle_answers="false")
    course = h.course_of()
    course.owners.append(trainer)
    # KAM-201 requires SPBE-101: a waiver has a course to name, and SPBE-101's form a cycle.
    kam = h.course_of("kam-201")
    kam.prerequisites.append(course)
    db.session.commit()
    ids["kam"] = kam.id
    for user in (learner, other):
        h.enrol(user)
        h.complete_all_modules(user)
    # A submitted essay for the grading form.
    essay_attempt = quiz_services.start_attempt(other, essay)
    db.session.flush()
    quiz_services.submit_attempt(essay_attempt, {})
    db.session.commit()
    ids["essay_slot"] = next(s.id for s in essay_attempt.slots
                             if s.snapshot["type"] == "essay")
    # Another learner's open attempt: its slot names are tampering for `learner`.
    foreign = quiz_services.start_attempt(other, quiz)
    db.session.commit()
    ids["foreign_slots"] = [f"s{s.id}" for s in foreign.slots]
    # A certificate on another course (no quizzes there) to revoke and re-issue.
    h.enrol(other, "duk-201")
    h.complete_all_modules(other, "duk-201")
    enrollment = h.enrollment_of(other, "duk-201")
    certificate = certificate_services.issue_certificate(enrollment, admin)
    db.session.commit()
    ids.update(certificate=certificate.id, victim=victim.id, quiz=quiz.id,
               squatter=squatter.id,
               agency=victim.agency_id or 1,
               module=db.session.scalar(select(Module.id).where(
                   Module.course_id == course.id).order_by(Module.position)),
               module_slug=db.session.scalar(select(Module.slug).where(
                   Module.course_id == course.id).order_by(Module.position)),
               admin_user_id=admin.id, trainer_user_id=trainer.id,
               learner_user_id=learner.id)
    # A workshop running now (attendance and the check-in code are open), Andi holding a seat.
    workshop = make_session(trainer, capacity=2)
    register_learner(workshop, learner)
    ids["workshop"] = start_now(workshop).id
    # A question of the learner's in SPBE-101's discussion, the trainer's answer, reported.
    question = discussion.start_thread(course, learner, discussion.Standing(True, False),
                                       "Apa itu SPBE?", "Mohon penjelasan.")
    answer = discussion.reply_to(question, course, trainer, discussion.Standing(False, True),
                                 "Sistem Pemerintahan Berbasis Elektronik.")
    db.session.commit()
    discussion.report_post(answer, question, course, other, "Uji laporan")
    db.session.commit()
    ids.update(thread=question.id, opening=question.opening.id, answer=answer.id)
    return ids


def open_attempt(w):
    """The learner's open attempt on "enam" (a new one when the last was submitted)."""
    user = w.ids["learner_user"]
    db.session.rollback()
    attempt = db.session.scalar(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == w.ids["quiz"],
        Attempt.state == "in_progress"))
    if attempt is None:
        attempt = quiz_services.start_attempt(user, db.session.get(Quiz, w.ids["quiz"]))
        db.session.commit()
    return attempt


def attempt_fields(w):
    attempt = open_attempt(w)
    names, valid = ["aksi"], {"aksi": "simpan"}
    for slot in attempt.slots:
        snapshot, name = slot.snapshot, f"s{slot.id}"
        if snapshot["type"] == "matching":
            for sub in snapshot["subquestions"]:
                names.append(f"{name}-{sub['key']}")
                valid[names[-1]] = snapshot["choices"][0]["key"]
        else:
            names.append(name)
            options = snapshot.get("options") or []
            valid[name] = options[0]["key"] if options else "5"
    return attempt.id, names + w.ids["foreign_slots"], valid


# --- the routes ---------------------------------------------------------------------------------

@dataclass
class Route:
    who: str
    url: object  # a callable World -> str
    fields: tuple = ()
    valid: dict = field(default_factory=dict)
    files: tuple = ()
    # Statuses that may come with a write (the success page is not a redirect).
    writes_with_200: bool = False
    json: bool = False
    # Tables a refusal writes on purpose (a failed login is counted and audited).
    records: tuple = ()


REGISTRATION = {"nip": "198609262015051001", "name": "Budi", "email": "budi@example.go.id",
                "password": PASSWORD, "password_confirm": PASSWORD, "agency_id": "1",
                "jabatan_type": "pelaksana", "jabatan_title": "Staf", "golongan": "III/a"}
PERSON = {"nip": "199202022020121003", "name": "Siti", "email": "", "agency_id": "1",
          "jabatan_type": "pelaksana", "jabatan_title": "Staf", "golongan": "",
          "roles": "learner", "programme_author": "y"}
SETTINGS = {"jp_target_pns": "20", "jp_target_pppk": "20", "jp_minutes": "45",
            "registration": "open-with-verification", "upload_max_kb": "2048",
            "quiz_grace_seconds": "60",
            "workshop_checkin_before": "15", "workshop_checkin_after": "30",
            "workshop_link_before": "30", "item_analysis_min_attempts": "5",
            "discussion_edit_minutes": "30"}
HANDOVER = {"name": "Pemilik Asli", "email": "", "agency_id": "1", "jabatan_type": "pelaksana",
            "jabatan_title": "Staf", "golongan": "", "confirm": "y"}
CERT_SETTINGS = {"institution_name": "Pemkot Palu", "issuer_unit": "BKPSDM",
                 "number_template": "{seq:04d}/BKPSDM/{roman_month}/{year}",
                 "signer_name": "Dr. Nur", "signer_title": "Kepala", "signer_nip": "",
                 "place": "Palu", "base_url": "https://kompeten.example.go.id"}
CREDIT = {"nip": "", "earned_on": "2026-11-01", "jp": "4", "title": "Diklat", "provider": "BPSDM",
          "note": ""}
MODULE = {"title": "Modul", "slug": "", "minutes": "20", "body": "Isi.", "aksi": "simpan"}
QUIZ = dict(QUIZ_FORM, gift=GIFT, slug="kuis-fuzz")
C = "/pengajar/kursus/spbe-101"
S = "/pengajar/sesi"
WORKSHOP = session_form()
# Every kind a learner chooses for, each with a valid channel.
PREFERENCES = {f"kind_{kind}": "app" for kind in (
    "certificate_issued", "certificate_revoked", "attempt_graded", "workshop_registered",
    "workshop_promoted", "workshop_reminder", "workshop_link", "course_published",
    "jp_reminder", "programme_overdue", "announcement", "discussion_answered",
    "discussion_post_hidden")}
ANNOUNCEMENT = {"title": "Libur bersama", "body": "Kantor tutup.", "audience": "all",
                "ends_on": (date.today() + timedelta(days=7)).isoformat()}


PROGRAMME = {"title": "Jalur Uji", "slug": "jalur-uji-baru", "provider": "BKPSDM",
             "summary": "", "description": "Isi.", "steps": "SPBE-101\nsesi: webinar",
             "jabatan": "pelaksana", "agencies": "DISKOMINFO", "mandatory": "y",
             "due_on": "2027-06-30", "status": "draft"}


INSTITUTION = {"name": "Universitas Tadulako", "short_name": "Untad", "kind": "university",
               "is_home": ""}


def an_institution(w, tail=""):
    """An address of the first institution's admin page (the world's courses made one)."""
    db.session.rollback()
    return f"/admin/penyelenggara/{db.session.scalar(select(func.min(Institution.id)))}{tail}"


def a_programme(w, tail="ubah"):
    """An address of the programme "jalur-fuzz" (made the first time it is needed)."""
    db.session.rollback()
    if db.session.scalar(select(Programme.id).where(Programme.slug == "jalur-fuzz")) is None:
        spbe = db.session.scalar(select(Course).where(Course.code == "SPBE-101"))
        db.session.add(Programme(slug="jalur-fuzz", title="Jalur Fuzz", provider="BKPSDM",
                                 steps=[ProgrammeStep(position=1, course=spbe)]))
        db.session.commit()
    return f"/pengajar/program/jalur-fuzz/{tail}"


def newest_announcement(w):
    """The newest announcement's withdraw address (a missing one's before any is made)."""
    db.session.rollback()
    newest = db.session.scalar(select(func.max(Announcement.id))) or 999_999
    return f"/admin/pengumuman/{newest}/tarik"


D = "/kursus/spbe-101/diskusi"
THREAD = {"title": "Bagaimana evaluasi SPBE?", "module": "", "body": "Mohon penjelasan."}


def _thread(w):
    return f"{D}/{w.ids['thread']}"


def _post_url(w, post, action):
    return f"{_thread(w)}/tulisan/{w.ids[post]}/{action}"


ROUTES = {
    "login": Route("anon", lambda w: "/masuk", ("identifier", "password", "remember", "next"),
                   {"identifier": "198609262015051001", "password": "salah"},
                   records=("audit_event",)),
    "registration": Route("anon", lambda w: "/daftar", tuple(REGISTRATION), REGISTRATION),
    "certificate_lookup": Route("anon", lambda w: "/verify", ("number", "nip"),
                                {"number": "800/0001/BKPSDM/XI/2026",
                                 "nip": "19860926 201505 1 001"}),
    "password_change": Route("learner", lambda w: "/akun/kata-sandi",
                             ("current_password", "password", "password_confirm"),
                             {"current_password": "salah-sekali", "password": PASSWORD}),
    "enrol": Route("learner", lambda w: "/kursus/duk-201/daftar"),
    "language": Route("learner", lambda w: "/preferensi/bahasa", ("language", "next"),
                      {"language": "en", "next": "/beranda"}),
    "large_text": Route("learner", lambda w: "/preferensi/teks-besar", ("large_text", "next"),
                        {"large_text": "1", "next": "/beranda"}),
    "module_done": Route("learner",
                         lambda w: f"/kursus/spbe-101/modul/{w.ids['module_slug']}/selesai"),
    "quiz_start": Route("learner", lambda w: "/kursus/spbe-101/kuis/enam/mulai"),
    "essay_grading": Route("trainer", lambda w: f"/penilaian/{w.ids['essay_slot']}",
                           ("score", "comment"), {"score": "0.5", "comment": "Baik"}),
    "certificate_issue": Route("admin", lambda w: "/admin/sertifikat/duk-201",
                               ("enrollment", "aksi"), {"aksi": "semua"}),
    "certificate_revoke": Route("admin", lambda w: (
        f"/admin/sertifikat/terbitan/{w.ids['certificate']}/cabut"),
        ("public_reason", "reason"), {"public_reason": "kesalahan_data", "reason": "Data keliru"}),
    "certificate_reissue": Route("admin", lambda w: (
        f"/admin/sertifikat/terbitan/{w.ids['certificate']}/terbitkan-ulang")),
    "certificate_settings": Route("admin", lambda w: "/admin/pengaturan/sertifikat",
                                  tuple(CERT_SETTINGS), CERT_SETTINGS),
    "course_new": Route("trainer", lambda w: "/pengajar/kursus/baru",
                        (*COURSE_FORM, "requires"), COURSE_FORM),
    "course_edit": Route("trainer", lambda w: f"{C}/ubah", (*COURSE_FORM, "requires"),
                         dict(COURSE_FORM, code="SPBE-101")),
    "course_status": Route("trainer", lambda w: f"{C}/status", ("status",),
                           {"status": "published"}),
    "course_preview": Route("trainer", lambda w: f"{C}/pratinjau", ("source",),
                            {"source": "# Judul"}, json=True),
    "module_new": Route("trainer", lambda w: f"{C}/modul/baru", tuple(MODULE), MODULE),
    "module_edit": Route("trainer", lambda w: f"{C}/modul/{w.ids['module']}", tuple(MODULE),
                         MODULE),
    "module_move": Route("trainer", lambda w: f"{C}/modul/{w.ids['module']}/pindah", ("arah",),
                         {"arah": "down"}),
    "quiz_new": Route("trainer", lambda w: f"{C}/kuis/baru", tuple(QUIZ), QUIZ),
    "quiz_edit": Route("trainer", lambda w: f"{C}/kuis/enam", tuple(QUIZ),
                       dict(QUIZ, gift=SIX_TYPES)),
    "course_owner": Route("admin", lambda w: f"{C}/pengajar", ("nip",),
                          {"nip": "199001012015011101"}),
    "course_upload": Route("trainer", lambda w: f"{C}/berkas", ("kembali_modul",),
                           files=("file",)),
    "person_new": Route("admin", lambda w: "/admin/pengguna/baru", tuple(PERSON), PERSON,
                        writes_with_200=True),  # the one-time password page
    "person_edit": Route("admin", lambda w: f"/admin/pengguna/{w.ids['victim']}",
                         tuple(PERSON), PERSON),
    "person_status": Route("admin", lambda w: f"/admin/pengguna/{w.ids['victim']}/status",
                           ("aktif",), {"aktif": "1"}),
    "prerequisite_waive": Route("admin", lambda w: f"/admin/pengguna/{w.ids['victim']}/prasyarat",
                                ("course", "reason"),
                                {"course": "KAM-201", "reason": "Diklat setara di BPSDM"}),
    "prerequisite_unwaive": Route("admin", lambda w: (
        f"/admin/pengguna/{w.ids['victim']}/prasyarat/{w.ids['kam']}/hapus")),
    "person_password": Route("admin", lambda w: f"/admin/pengguna/{w.ids['victim']}/kata-sandi",
                             writes_with_200=True),  # the one-time password page
    "agency_new": Route("admin", lambda w: "/admin/opd/baru", ("code", "name", "parent_id"),
                        {"code": "DINAS-X", "name": "Dinas X", "parent_id": "0"}),
    "agency_edit": Route("admin", lambda w: f"/admin/opd/{w.ids['agency']}",
                         ("code", "name", "parent_id"), {"parent_id": "0"}),
    "agency_delete": Route("admin", lambda w: "/admin/opd/99999/hapus"),
    "verify_accounts": Route("admin", lambda w: "/admin/verifikasi", ("akun", "aksi", "kembali"),
                             {"aksi": "verifikasi", "kembali": "/admin/"}),
    "nip_handover": Route("admin", lambda w: f"/admin/pengguna/{w.ids['squatter']}/serahkan-nip",
                          tuple(HANDOVER), HANDOVER,
                          writes_with_200=True),  # the one-time password page
    "general_settings": Route("admin", lambda w: "/admin/pengaturan", tuple(SETTINGS), SETTINGS),
    "people_import": Route("admin", lambda w: "/admin/pengguna/impor", files=("file",)),
    "people_import_confirm": Route("admin", lambda w: "/admin/pengguna/impor/konfirmasi",
                                   ("token",), {"token": "a" * 32}),
    "people_import_cancel": Route("admin", lambda w: "/admin/pengguna/impor/batal", ("token",)),
    "jp_credit": Route("admin", lambda w: "/admin/laporan/jp/kredit", tuple(CREDIT),
                       dict(CREDIT, nip="199001012015011103"), files=("evidence",)),
    "session_new": Route("trainer", lambda w: f"{S}/baru", (*WORKSHOP, "agencies"), WORKSHOP),
    "session_edit": Route("trainer", lambda w: f"{S}/{w.ids['workshop']}/ubah",
                          (*WORKSHOP, "agencies"), WORKSHOP),
    "session_attendance": Route("trainer", lambda w: f"{S}/{w.ids['workshop']}/kehadiran",
                                ("hadir", "aksi"), {"aksi": "semua"}),
    "session_code": Route("trainer", lambda w: f"{S}/{w.ids['workshop']}/kode"),
    "session_register": Route("learner", lambda w: f"/agenda/{w.ids['workshop']}/daftar"),
    "session_check_in": Route("learner", lambda w: f"/agenda/{w.ids['workshop']}/presensi",
                              ("code",), {"code": "ABC234"}),
    "session_leave": Route("learner", lambda w: f"/agenda/{w.ids['workshop']}/batal"),
    "calendar_feed": Route("learner", lambda w: "/agenda/saya/kalender"),
    "session_certificates": Route("admin", lambda w: f"/admin/sertifikat/sesi/{w.ids['workshop']}",
                                  ("registration", "aksi"), {"aksi": "semua"}),
    "session_cancel": Route("trainer", lambda w: f"{S}/{w.ids['workshop']}/batalkan"),
    "announcement_new": Route("admin", lambda w: "/admin/pengumuman/baru",
                              (*ANNOUNCEMENT, "agencies"), ANNOUNCEMENT),
    "announcement_withdraw": Route("admin", newest_announcement),
    "institution_new": Route("admin", lambda w: "/admin/penyelenggara/baru", tuple(INSTITUTION),
                             INSTITUTION),
    "institution_edit": Route("admin", an_institution, tuple(INSTITUTION),
                              dict(INSTITUTION, name="Universitas Tadulako Palu")),
    "institution_logo": Route("admin", lambda w: an_institution(w, "/logo"), files=("logo",)),
    "institution_logo_delete": Route("admin", lambda w: an_institution(w, "/logo/hapus")),
    "programme_new": Route("admin", lambda w: "/pengajar/program/baru", tuple(PROGRAMME),
                           PROGRAMME),
    "programme_edit": Route("admin", a_programme, tuple(PROGRAMME),
                            dict(PROGRAMME, slug="jalur-fuzz")),
    "programme_certificates": Route(
        "admin", lambda w: a_programme(w, "").replace("/pengajar/program/",
                                                      "/admin/laporan/program/") + "sertifikat"),
    "forgot_password": Route("anon", lambda w: "/lupa-kata-sandi", ("identifier",),
                             {"identifier": "198609262015051001"}, writes_with_200=True,
                             records=("audit_event",)),
    "notification_preferences": Route("learner", lambda w: "/notifikasi/pengaturan",
                                      (*PREFERENCES, "digest"), PREFERENCES),
    "notifications_read": Route("learner", lambda w: "/notifikasi/dibaca-semua"),
    "notification_read": Route("learner", lambda w: "/notifikasi/1/dibaca"),
    "email_settings": Route("admin", lambda w: "/admin/email/", ("jp_reminder_schedule",),
                            {"jp_reminder_schedule": "monthly"}),
    "email_test": Route("admin", lambda w: "/admin/email/uji"),
    "email_retry": Route("admin", lambda w: "/admin/email/kirim-ulang"),
    "discussion_new": Route("learner", lambda w: f"{D}/baru", tuple(THREAD), THREAD,
                            files=("pictures",)),
    "discussion_reply": Route("learner", lambda w: f"{_thread(w)}/balas", ("body",),
                              {"body": "Terima kasih."}, files=("pictures",)),
    "discussion_edit": Route("learner", lambda w: _post_url(w, "opening", "ubah"),
                             ("title", "body"), {"title": "Apa itu SPBE?", "body": "Apa?"}),
    "discussion_report": Route("learner", lambda w: _post_url(w, "answer", "lapor"), ("reason",),
                               {"reason": "Menyesatkan."}),
    "discussion_answer": Route("trainer", lambda w: _post_url(w, "answer", "jawaban"), ("nilai",),
                               {"nilai": "ya"}),
    "discussion_pin": Route("trainer", lambda w: f"{_thread(w)}/sematkan", ("nilai",),
                            {"nilai": "ya"}),
    "discussion_dismiss": Route("trainer", lambda w: _post_url(w, "answer", "abaikan-laporan")),
    "discussion_hide": Route("trainer", lambda w: _post_url(w, "answer", "sembunyikan"),
                             ("reason", "kembali"), {"reason": "Keliru.", "kembali": "laporan"}),
    "discussion_unhide": Route("trainer", lambda w: _post_url(w, "answer", "tampilkan")),
    "discussion_lock": Route("trainer", lambda w: f"{_thread(w)}/kunci", ("nilai",),
                             {"nilai": "ya"}),
}


def _post(client, url, data):
    with client.post(url, data=data) as response:
        return response.status_code, response.get_data(as_text=True), response.is_json


def _fuzz(world, route, strategy, url=None):
    client, token = world.clients[route.who], world.tokens[route.who]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=strategy)
    def run(data):
        target = url(world) if url else route.url(world)
        before = digest(route.records)
        status, body, is_json = _post(client, target, dict(data, csrf_token=token))
        assert status != 500 and status < 500, (target, data.keys(), status)
        refused = _refused(client, route, status)
        if route.json:
            assert is_json, body[:200]
        if refused:
            assert digest(route.records) == before, f"{target}: refused ({status}) but rows changed"

    run()


def _route_strategy(route):
    strategy = form_data(route.fields, route.valid, huge=not route.files)
    if route.files:
        files = st.fixed_dictionaries({}, optional={
            name: upload_value().map(lambda pair: (io.BytesIO(pair[0]), pair[1]))
            for name in route.files})
        strategy = st.tuples(strategy, files).map(lambda pair: {**pair[0], **pair[1]})
    return strategy


# One world per group (building it costs ~2 s); routes that change the world most come last.
GROUPS = {
    "anonymous": ["login", "registration", "certificate_lookup", "forgot_password"],
    "learner": ["password_change", "module_done", "quiz_start", "enrol", "language", "large_text",
                "notification_preferences", "notifications_read", "notification_read"],
    "trainer": ["essay_grading", "course_new", "course_edit", "course_preview", "module_new",
                "module_edit", "module_move", "quiz_new", "quiz_edit", "course_upload",
                "course_status"],
    "admin": ["certificate_issue", "certificate_settings", "course_owner", "person_new",
              "person_edit", "agency_new", "agency_edit", "agency_delete", "general_settings",
              "prerequisite_waive", "prerequisite_unwaive",
              "people_import", "people_import_confirm", "people_import_cancel", "jp_credit",
              "person_password", "certificate_reissue", "certificate_revoke", "person_status",
              "verify_accounts", "nip_handover", "announcement_new", "announcement_withdraw",
              "email_settings", "email_test", "email_retry", "programme_new",
              "programme_edit", "programme_certificates", "institution_new",
              "institution_edit", "institution_logo", "institution_logo_delete"],
    "workshops": ["session_new", "session_edit", "session_code", "session_check_in",
                  "session_attendance", "session_certificates", "calendar_feed",
                  "session_register", "session_leave", "session_cancel"],
    "discussion": ["discussion_new", "discussion_reply", "discussion_edit", "discussion_report",
                   "discussion_answer", "discussion_pin", "discussion_dismiss",
                   "discussion_hide", "discussion_unhide", "discussion_lock"],
}


def _sweep(world, route, url=None):
    """Every field of the route, one at a time, set to each SWEEP_INPUT value while the others
    stay valid (so the post reaches the service): never a 5xx, and a refusal writes nothing."""
    client, token = world.clients[route.who], world.tokens[route.who]
    failures = {}
    with _write_counter() as writes:
        before, written = None, None
        for name in route.fields:
            for value in SWEEP_INPUT:
                target = url(world) if url else route.url(world)  # may write (a new attempt)
                if before is None or writes() != written:
                    before, written = digest(route.records), writes()
                failure, after = _post_one(client, route, target, dict(
                    route.valid, csrf_token=token, **{name: value}), before)
                if failure:
                    failures[(name, value[:20])] = failure
                # A refused post's rows are what the next one is compared with, unless
                # something writes before it; after any other post they are read again.
                before, written = after, writes()
    return failures


def _refused(client, route, status):
    """Whether the app refused the post: an error status, the form shown again where a
    success redirects, or an error message flashed."""
    return (status >= 400 or (status == 200 and not route.writes_with_200 and not route.json)
            or "error" in popped_flash_categories(client))


def _post_one(client, route, target, data, before):
    """(what failed or None, the rows after a refused post or None)."""
    try:
        status, _body, _is_json = _post(client, target, data)
    except Exception as error:  # the test app propagates what would be a 500
        db.session.rollback()
        return f"500 {type(error).__name__}: {str(error)[:80]}", None
    if status >= 500:
        return status, None
    if not _refused(client, route, status):
        return None, None
    after = digest(route.records)
    return (f"refused ({status}) but rows changed" if after != before else None), after


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_field_survives_huge_numbers_extreme_dates_odd_digits_and_line_breaks(world,
                                                                                     group):
    failures = {name: _sweep(world, ROUTES[name]) for name in GROUPS[group]}
    assert {name: found for name, found in failures.items() if found} == {}


# --- query parameters of list and report pages --------------------------------------------------

QUERY_PARAMETERS = ("halaman", "page", "tahun", "year", "opd", "dari", "sampai", "q", "nip",
                    "type", "below", "format", "aksi", "peran", "status", "kompetensi", "bagian",
                    "penyelenggara", "modul", "tulisan", "kembali")
REPORT = ("year", "format", "opd", "type", "below", "page", "nip")
# page -> (who opens it, the parameters it reads)
GET_PAGES = {
    "/": ("anon", ("q", "kompetensi", "penyelenggara")),
    "/verify": ("anon", ("q",)),
    "/agenda/": ("anon", ()),
    "/masuk": ("anon", ("next",)),
    "/beranda": ("learner", ()),
    "/notifikasi": ("learner", ("halaman",)),
    "/notifikasi/pengaturan": ("learner", ()),
    "/admin/email/": ("admin", ()),
    "/jp-saya": ("learner", ("year", "format")),
    "/sertifikat": ("learner", ()),
    "/agenda/saya": ("learner", ()),
    "/pengajar/": ("trainer", ()),
    f"{C}/peserta": ("trainer", ("opd", "halaman")),
    f"{C}/kuis/enam/analisis": ("trainer", ()),
    "/penilaian": ("trainer", ()),
    f"{C}/kuis/enam/pratinjau": ("trainer", ()),
    "/admin/": ("admin", ()),
    "/admin/pengguna": ("admin", ("q", "opd", "peran", "status", "halaman")),
    "/admin/audit": ("admin", ("aksi", "nip", "dari", "sampai", "halaman")),
    "/admin/opd": ("admin", ()),
    "/admin/laporan": ("admin", REPORT),
    "/admin/laporan/jp": ("admin", REPORT),
    "/admin/laporan/opd": ("admin", REPORT),
    "/admin/laporan/kursus": ("admin", REPORT),
    "/admin/laporan/kursus/spbe-101": ("admin", REPORT),
    "/admin/laporan/riwayat": ("admin", REPORT),
    "/admin/laporan/riwayat.csv": ("admin", REPORT),
    "/admin/laporan/jp/kredit": ("admin", ("nip",)),
    "/admin/sertifikat": ("admin", ()),
    "/admin/pengumuman": ("admin", ("halaman",)),
    "/pengajar/program/": ("admin", ()),
    "/pengajar/program/baru": ("admin", ()),
    "/admin/penyelenggara/": ("admin", ()),
    D: ("learner", ("q", "modul", "status", "halaman")),
    f"{D}/baru": ("learner", ("modul",)),
    f"{D}/laporan": ("trainer", ("halaman",)),
}
query_values = st.one_of(small, huge_integers, extreme_dates, full_width)


def _get(client, url, params):
    try:
        with client.get(url, query_string=params) as response:
            return response.status_code
    except Exception as error:  # the test app propagates what would be a 500
        return f"500 {type(error).__name__}: {str(error)[:80]}"


def _is_5xx(status):
    return isinstance(status, str) or status >= 500


def test_query_parameters_never_answer_5xx(world):
    """Each parameter a page reads, alone, with each HOSTILE_INPUT value; and every parameter
    at once (one refused filter may make a page ignore the others, so both)."""
    failures = {}
    for url, (who, names) in GET_PAGES.items():
        client = world.clients[who]
        for value in HOSTILE_INPUT:
            for params in [{name: value} for name in names] + [
                    dict.fromkeys(QUERY_PARAMETERS, value)]:
                status = _get(client, url, params)
                if _is_5xx(status):
                    failures[(url, tuple(params)[:3], value[:20])] = status
    assert failures == {}, "\n".join(f"{key}: {status}" for key, status in failures.items())


@pytest.mark.parametrize("who", ["anon", "learner", "trainer", "admin"])
def test_query_strings_survive_hostile_combinations(world, who):
    client = world.clients[who]
    urls = sorted(url for url, (owner, _names) in GET_PAGES.items() if owner == who)

    @settings(max_examples=EXAMPLES * 3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(url=st.sampled_from(urls),
           params=st.dictionaries(st.sampled_from(QUERY_PARAMETERS), query_values, max_size=5))
    def run(url, params):
        status = _get(client, url, params)
        assert not _is_5xx(status), (url, params, status)

    run()


def test_ids_beyond_any_column_are_404(world):
    """An id in the path far past any database integer is not found, never a database error."""
    huge = "9" * 400
    urls = {"learner": [f"/percobaan/{huge}/hasil", f"/agenda/{huge}", f"/agenda/{huge}.ics",
                        f"/sertifikat/{huge}/unduh", f"/jp-saya/bukti/{huge}",
                        f"/pengumuman/{huge}"],
            "trainer": [f"{C}/modul/{huge}", f"/penilaian/{huge}", f"{S}/{huge}"],
            "admin": [f"/admin/pengguna/{huge}", f"/admin/opd/{huge}"]}
    urls["learner"] += [f"{D}/{huge}", f"{D}/{huge}/tulisan/1/lapor", f"{D}/media/{huge}/a.png"]
    statuses = {url: _get(world.clients[who], url, {}) for who, group in urls.items()
                for url in group}
    assert set(statuses.values()) == {404}, statuses


def test_a_discussion_threads_query_parameters_never_answer_5xx(world):
    """The thread page reads ?halaman= and ?tulisan= (the page a linked post is on)."""
    failures = {}
    for who in ("learner", "trainer"):
        for value in HOSTILE_INPUT:
            for params in ({"halaman": value}, {"tulisan": value},
                           {"halaman": value, "tulisan": value}):
                status = _get(world.clients[who], _thread(world), params)
                if _is_5xx(status):
                    failures[(who, tuple(params), value[:20])] = status
    assert failures == {}


def test_the_digest_sees_every_kind_of_write(app, courses):
    """The check every refused post relies on: an insert, an update and a delete each change
    it; a rolled-back write does not; an ignored table's rows are not looked at."""
    start = digest()
    assert digest() == start
    course = db.session.scalar(select(Course).order_by(Course.id))
    course.title += " (ubah)"
    db.session.flush()
    db.session.rollback()
    assert digest() == start
    db.session.add(Institution(name="Politeknik Contoh", slug="politeknik-contoh"))
    db.session.commit()
    inserted = digest()
    assert inserted != start
    db.session.scalar(select(Course).order_by(Course.id)).title += " (ubah)"
    db.session.commit()
    updated = digest()
    assert updated != inserted and "course" not in digest(ignore=("course",))
    db.session.delete(db.session.scalar(select(Institution).where(
        Institution.slug == "politeknik-contoh")))
    db.session.commit()
    assert digest() not in (start, inserted, updated)


def test_every_post_route_is_fuzzed():
    assert sorted(name for names in GROUPS.values() for name in names) == sorted(ROUTES)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_forms_survive_hostile_posts(world, group):
    for name in GROUPS[group]:
        _fuzz(world, ROUTES[name], _route_strategy(ROUTES[name]))


@pytest.mark.parametrize("action", ["simpan", "kirim", "autosimpan"])
def test_attempt_survives_hostile_answers(world, action):
    """Save, submit and autosave of an open attempt: random answers, foreign slot ids, nonsense
    keys. Autosave answers JSON: 200, 400 (tampering) or 409 (closed), never 500."""
    attempt_id, names, valid = attempt_fields(world)
    if action == "kirim":
        valid["aksi"] = "kirim"
    strategy = form_data(names, valid)
    if action == "autosimpan":
        route = Route("learner", None, json=True)
        url = lambda w: f"/percobaan/{open_attempt(w).id}/autosimpan"  # noqa: E731
    else:
        route = Route("learner", None)
        url = lambda w: f"/percobaan/{open_attempt(w).id}"  # noqa: E731
    _fuzz(world, route, strategy, url)
    assert attempt_id


def test_autosave_refuses_foreign_slots_with_400(world):
    attempt = open_attempt(world)
    before = digest()
    status, body, is_json = _post(world.clients["learner"], f"/percobaan/{attempt.id}/autosimpan",
                                  {world.ids["foreign_slots"][0]: "o1",
                                   "csrf_token": world.tokens["learner"]})
    assert (status, is_json) == (400, True), body
    assert digest() == before


def test_autosave_of_another_users_attempt_is_404(world, app):
    foreign = db.session.scalar(select(Attempt).where(Attempt.state == "in_progress",
                                                      Attempt.user_id != world.ids[
                                                          "learner_user"].id))
    status, _body, _json = _post(world.clients["learner"], f"/percobaan/{foreign.id}/autosimpan",
                                 {"csrf_token": world.tokens["learner"]})
    assert status == 404


def test_enrolment_exists(world):
    assert db.session.scalar(select(Enrollment.id)) is not None
