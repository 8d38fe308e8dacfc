"""`flask bench seed`: a large, realistic data set for the load benchmark (bench/run.py).

For a throwaway database only. At --scale 1.0 it writes 10,000 ASN over the Palu OPD, 8
published courses of 5 modules with a graded quiz each, ~45,000 enrolments, ~200,000 module
progress rows, ~50,000 submitted attempts with their question snapshots, 5,000 certificates, an
admin, and 64 "bench learners" who each hold one open attempt (the autosave and submit
scenarios). Rows go in with bulk INSERTs in chunks, never one ORM object per row, and every
account shares one argon2 hash of BENCH_PASSWORD (hashing 10,000 times would take minutes).
What the runner needs (logins, paths, attempt forms, verification codes) goes to a JSON file.
"""

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, text

from app.audit import AuditEvent
from app.auth.models import GOLONGAN_PNS, Agency, User
from app.auth.nip import PNS, PPPK, parse_nip
from app.auth.passwords import hash_password
from app.auth.services import seed_agencies
from app.certificates.models import Certificate
from app.certificates.services import format_number, new_verification_code
from app.certificates.status_list import new_status_indexes
from app.content import gift
from app.content.frontmatter import split_front_matter
from app.content.loader import read_course
from app.content.markdown import render_markdown
from app.content.media import media_url
from app.content.quiz_loader import QuizSpec, import_quiz
from app.courses.models import COMPETENCY_TYPES, Course, Enrollment, Module, ModuleProgress
from app.database import utcnow
from app.extensions import db
from app.quizzes import grading
from app.quizzes.models import Attempt, AttemptQuestion, Question, Quiz
from app.quizzes.services import build_snapshot, clean_response, grace_seconds
from app.reports.jp_totals import rebuild as rebuild_jp_totals
from app.search.index import rebuild as rebuild_search_index
from app.settings import get_setting, set_setting
from app.timeutil import PALU_TZ

bench_cli = AppGroup("bench", help="Data uji beban (benchmark) untuk bench/run.py.")

BENCH_PASSWORD = "bench-palu-2026"  # every seeded account; documented in docs/performance.md
BASE_USERS = 10_000
BASE_CERTIFICATES = 5_000
BENCH_LEARNERS = 64
CHUNK = 2_000  # enrolments per bulk step (their progress, attempts and slots go with them)
ROWS_PER_INSERT = 5_000  # rows per executemany
PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = PROJECT_DIR / "bench" / "fixtures.json"
# The project's own courses and quizzes lend their (real, few-KB) Markdown and GIFT text.
SOURCE_COURSES = ("spbe-101", "kam-201", "duk-201")
SOURCE_QUIZ = "kuis-akhir.gift"
VERIFICATION_CODES_IN_FIXTURES = 500

# code, slug, title, jp, competency, module titles. The first is the bench learners' course.
BENCH_COURSES = (
    ("BNC-SRIKANDI", "bench-srikandi", "Tata Naskah Dinas Elektronik dengan SRIKANDI", 8,
     "teknis", ("Dasar hukum tata naskah dinas", "Membuat dan menandatangani naskah",
                "Disposisi dan tindak lanjut", "Arsip dinamis elektronik",
                "Praktik di OPD Kota Palu")),
    ("BNC-ANJAB", "bench-analisis-jabatan", "Analisis Jabatan dan Analisis Beban Kerja", 12,
     "manajerial", ("Konsep analisis jabatan", "Uraian tugas dan hasil kerja",
                    "Menghitung beban kerja", "Peta jabatan OPD", "Evaluasi jabatan")),
    ("BNC-PBJ", "bench-pengadaan", "Pengadaan Barang/Jasa Pemerintah Tingkat Dasar", 20,
     "teknis", ("Prinsip dan etika pengadaan", "Perencanaan pengadaan", "E-purchasing dan "
                "katalog elektronik", "Kontrak dan serah terima", "Pengawasan pengadaan")),
    ("BNC-PELAYANAN", "bench-pelayanan-prima", "Pelayanan Publik Prima", 10,
     "sosial_kultural", ("Standar pelayanan", "Maklumat dan survei kepuasan",
                         "Pengaduan warga", "Pelayanan inklusif", "Mal pelayanan publik")),
    ("BNC-SAKIP", "bench-sakip", "Sistem Akuntabilitas Kinerja Instansi Pemerintah", 12,
     "manajerial", ("Perencanaan kinerja", "Indikator kinerja utama", "Pengukuran kinerja",
                    "Laporan kinerja", "Evaluasi SAKIP")),
    ("BNC-MITIGASI", "bench-mitigasi-bencana", "Kesiapsiagaan dan Mitigasi Bencana bagi ASN",
     8, "teknis", ("Pelajaran dari gempa Palu 2018", "Peta rawan bencana kota",
                   "Rencana kontinjensi OPD", "Evakuasi dan titik kumpul",
                   "Pemulihan layanan")),
    ("BNC-SATUDATA", "bench-satu-data", "Satu Data Indonesia dan Pengelolaan Data Daerah", 12,
     "teknis", ("Prinsip Satu Data Indonesia", "Walidata dan produsen data",
                "Metadata dan standar data", "Portal data daerah", "Kualitas data")),
    ("BNC-BERAKHLAK", "bench-berakhlak", "Nilai Dasar BerAKHLAK dan Etika ASN", 6,
     "sosial_kultural", ("Berorientasi pelayanan dan akuntabel", "Kompeten dan harmonis",
                         "Loyal dan adaptif", "Kolaboratif", "Kode etik dan disiplin ASN")),
)
# Bigger OPD get more staff (teachers, health workers); the rest weigh DEFAULT_OPD_WEIGHT.
OPD_WEIGHTS = {"DIKBUD": 30, "DINKES": 18, "SETDA": 6, "DPU": 5, "SATPOLPP": 5, "DLH": 5,
               "BAPENDA": 4, "DISDUKCAPIL": 4, "DISHUB": 4, "BPKAD": 4}
DEFAULT_OPD_WEIGHT = 2

FIRST_NAMES = (
    "Andi", "Muhammad", "Moh.", "Nur", "Sri", "Siti", "Rahmat", "Fadli", "Rina", "Dewi",
    "Ahmad", "Abdul", "Hasanuddin", "Irwan", "Yusuf", "Nurhayati", "Fitriani", "Wahyuni",
    "Syamsul", "Arif", "Indah", "Ratna", "Hendra", "Iskandar", "Fatmawati", "Agus", "Budi",
    "Yuliana", "Herlina", "Rusdi", "Kadek", "Magfira", "Nirwana", "Sukri", "Fikri", "Ayu",
)
FAMILY_NAMES = (
    "Lamasitudju", "Lamakarate", "Tombolotutu", "Lasahido", "Pettalolo", "Labaso", "Daeng",
    "Mangge", "Rasyid", "Pakamundi", "Ladjide", "Lapasere", "Djanggola", "Lamaranggi",
    "Parimo", "Hamzah", "Lasimpo", "Masyhur", "Tandi", "Lumowa", "Wijaya", "Santoso",
    "Saputra", "Rahman", "Kasim", "Husain", "Latjeno", "Lamadjido", "Tahir", "Sompa",
)
DEGREES = ("", "", "", "", "S.Kom.", "S.E.", "S.H.", "S.Pd.", "S.Sos.", "S.T.", "S.Kep.",
           "A.Md.", "S.STP.", "M.Si.")
JABATAN = {
    "pelaksana": ("Pengadministrasi Perkantoran", "Pengelola Data", "Operator Layanan",
                  "Penata Layanan Operasional", "Pengelola Keuangan"),
    "fungsional": ("Guru Ahli Pertama", "Guru Ahli Muda", "Perawat Terampil", "Bidan Terampil",
                   "Pranata Komputer Ahli Pertama", "Analis SDM Aparatur Ahli Muda",
                   "Penyuluh Kesehatan Masyarakat", "Arsiparis Terampil"),
    "pengawas": ("Kepala Subbagian Umum dan Kepegawaian", "Kepala Seksi Pelayanan"),
    "administrator": ("Kepala Bidang", "Sekretaris Dinas", "Sekretaris Camat"),
    "jpt_pratama": ("Kepala Dinas", "Kepala Badan"),
}
JABATAN_WEIGHTS = {"pelaksana": 40, "fungsional": 45, "pengawas": 9, "administrator": 5,
                   "jpt_pratama": 1}
PNS_GOLONGAN_WEIGHTS = {"II/a": 3, "II/c": 5, "III/a": 14, "III/b": 16, "III/c": 14,
                        "III/d": 12, "IV/a": 10, "IV/b": 4, "IV/c": 1}
PPPK_GOLONGAN_WEIGHTS = {"V": 8, "VII": 10, "IX": 20, "X": 4, "XI": 2}


# --- what gets written ------------------------------------------------------------------------

@dataclass
class Sizes:
    users: int
    certificates: int
    bench_learners: int

    @classmethod
    def for_scale(cls, scale, bench_learners=BENCH_LEARNERS):
        users = max(10, round(BASE_USERS * scale))
        return cls(users=users, certificates=round(BASE_CERTIFICATES * scale),
                   bench_learners=min(bench_learners, users // 2))


@dataclass
class Person:
    """What later steps need of a seeded account (ids, and the certificate snapshot)."""

    nip: str
    name: str
    employment_type: str
    golongan: str
    jabatan_title: str
    agency_name: str
    id: int | None = None


@dataclass
class SlotTemplate:
    """One quiz question frozen once, with a few prepared responses and their scores."""

    question_id: int
    type: str
    snapshot: dict
    snapshot_json: str
    variants: dict  # name -> (response dict or None, response_json or None, score)


@dataclass
class QuizTemplate:
    course_index: int
    quiz_id: int
    slug: str
    pass_mark: int
    max_attempts: int
    time_limit_minutes: int
    slots: list


@dataclass
class AttemptPlan:
    number: int
    started_at: object
    submitted_at: object
    choices: list  # variant name per slot
    score: float
    passed: bool
    id: int | None = None


@dataclass
class EnrolmentPlan:
    person_index: int
    course_index: int
    enrolled_at: object
    started_at: object = None
    module_times: list = field(default_factory=list)  # completion time of modules 1..n
    attempts: list = field(default_factory=list)
    completed_at: object = None
    id: int | None = None


@dataclass
class Counts:
    values: dict = field(default_factory=dict)

    def add(self, name, amount):
        self.values[name] = self.values.get(name, 0) + amount


# --- small helpers ----------------------------------------------------------------------------

def insert_rows(model, rows, returning=False):
    """Bulk INSERT (executemany) in chunks; the new ids in row order when returning."""
    ids = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start:start + ROWS_PER_INSERT]
        if returning:
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            ids.extend(db.session.scalars(statement, part))
        else:
            db.session.execute(insert(model), part)
    return ids


def weighted(rng, weights):
    """One key of a {key: weight} mapping."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def spread(start, gaps, end):
    """Moments after start, one per gap (seconds), squeezed so the last stays before end."""
    offsets = list(itertools.accumulate(gaps))
    room = (end - start).total_seconds() * 0.95
    factor = min(1.0, room / offsets[-1]) if offsets and offsets[-1] else 1.0
    return [start + timedelta(seconds=offset * factor) for offset in offsets]


# --- people -----------------------------------------------------------------------------------

def seed_opd_with_units():
    """The Palu OPD (auth.services.seed_agencies) plus a secretariat unit inside each, which the
    reports roll up into its OPD. Returns [(agency id, name, weight)]."""
    seed_agencies()
    opds = db.session.execute(select(Agency.id, Agency.code, Agency.name)
                              .where(Agency.parent_id.is_(None))).all()
    existing = set(db.session.scalars(select(Agency.code)))
    units = [{"code": f"{code}-SEK", "name": f"Sekretariat {name}", "parent_id": opd_id}
             for opd_id, code, name in opds if f"{code}-SEK" not in existing]
    insert_rows(Agency, units)
    weights = {code: OPD_WEIGHTS.get(code, DEFAULT_OPD_WEIGHT) for _, code, _ in opds}
    result = []
    for agency_id, code, name, parent_id in db.session.execute(
            select(Agency.id, Agency.code, Agency.name, Agency.parent_id)):
        base = code.removesuffix("-SEK")
        if base in weights:
            # A unit holds about a third of its OPD's staff.
            share = 0.35 if parent_id is not None else 0.65
            result.append((agency_id, name, weights[base] * share))
    return result


def new_nip(rng, taken, employment_type):
    """A valid, unused NIP of the PNS or PPPK layout (app/auth/nip.py)."""
    while True:
        birth = date(1966, 1, 1) + timedelta(days=rng.randrange(35 * 365))
        sex, serial = rng.choice("12"), rng.randint(1, 999)
        if employment_type == PPPK:
            year = max(rng.randint(2019, 2025), birth.year + 21)
            middle = f"{min(year, 2025)}2{rng.choice('1112')}"
        else:
            year = min(birth.year + rng.randint(20, 32), 2024)
            middle = f"{year}{rng.randint(1, 12):02d}"
        nip = f"{birth:%Y%m%d}{middle}{sex}{serial:03d}"
        if nip not in taken:
            taken.add(nip)
            return nip


def new_person(rng, taken, agency):
    employment_type = PPPK if rng.random() < 0.2 else PNS
    nip = new_nip(rng, taken, employment_type)
    if parse_nip(nip).employment_type != employment_type:  # the generator keeps the rules
        raise click.ClickException(f"NIP contoh tidak valid: {nip}")
    if employment_type == PPPK:
        jabatan_type = "fungsional" if rng.random() < 0.7 else "pelaksana"
        golongan = weighted(rng, PPPK_GOLONGAN_WEIGHTS)
    else:
        jabatan_type = weighted(rng, JABATAN_WEIGHTS)
        golongan = weighted(rng, PNS_GOLONGAN_WEIGHTS)
    degree = rng.choice(DEGREES)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"
    return Person(nip=nip, name=f"{name}, {degree}" if degree else name,
                  employment_type=employment_type, golongan=golongan,
                  jabatan_title=rng.choice(JABATAN[jabatan_type]),
                  agency_name=agency[1] if agency else ""), jabatan_type


def person_row(person, jabatan_type, agency, index, password_hash, now, rng, active):
    local = person.name.split(",")[0].lower().replace(" ", ".").replace("..", ".")
    return {
        "nip": person.nip, "name": person.name,
        "email": f"{local}.{index}@palukota.go.id" if rng.random() < 0.7 else None,
        "password_hash": password_hash, "agency_id": agency[0] if agency else None,
        "jabatan_type": jabatan_type, "jabatan_title": person.jabatan_title,
        "golongan": person.golongan, "employment_type": person.employment_type,
        "is_learner": True, "is_trainer": False, "is_admin": False, "active": active,
        "session_version": 1, "must_change_password": False,
        "created_at": now - timedelta(days=rng.uniform(430, 900)),
        "last_login_at": now - timedelta(days=rng.uniform(0, 30)),
    }


def seed_people(sizes, agencies, password_hash, rng, now):
    """The admin and sizes.users ASN; the first sizes.bench_learners are always active.
    Returns (admin Person, [Person])."""
    taken = set(db.session.scalars(select(User.nip)))
    weights = [weight for _, _, weight in agencies]
    admin, _ = new_person(rng, taken, None)
    admin.name = "Admin BKPSDM (bench)"
    admin.id = insert_rows(User, [{
        "nip": admin.nip, "name": admin.name, "password_hash": password_hash,
        "employment_type": admin.employment_type, "is_learner": False, "is_admin": True}],
        returning=True)[0]
    people, rows = [], []
    for index in range(sizes.users):
        # About 1 in 100 ASN has no OPD yet (a new hire): the report's "Tanpa OPD" row.
        agency = None if rng.random() < 0.01 else rng.choices(agencies, weights)[0]
        person, jabatan_type = new_person(rng, taken, agency)
        active = index < sizes.bench_learners or rng.random() > 0.01
        rows.append(person_row(person, jabatan_type, agency, index, password_hash, now, rng,
                               active))
        people.append(person)
    for person, user_id in zip(people, insert_rows(User, rows, returning=True), strict=True):
        person.id = user_id
    return admin, people


# --- courses and quizzes ----------------------------------------------------------------------

def source_material():
    """Descriptions and module bodies of the project's own courses (real Markdown)."""
    descriptions, modules = [], []
    for slug in SOURCE_COURSES:
        spec, problems = read_course(PROJECT_DIR / "courses" / slug)
        if spec is None:
            raise click.ClickException(f"Kursus sumber {slug} tidak terbaca: {problems[:1]}")
        descriptions.append(spec.description)
        modules.extend(spec.modules)
    return descriptions, modules


def seed_courses(now):
    """8 published courses of 5 modules each, with rendered, sanitized bodies.
    Returns [(course id, slug, [(module id, slug)])]."""
    descriptions, sources = source_material()
    course_rows = [{
        "code": code, "slug": slug, "title": title, "jp": jp, "competency": competency,
        "mode": "e-learning", "provider": "BKPSDM Kota Palu", "status": "published",
        "certificate_policy": "manual", "summary": f"{title} bagi ASN Pemerintah Kota Palu.",
        "description_source": descriptions[i % len(descriptions)],
        "description_html": render_markdown(descriptions[i % len(descriptions)],
                                            heading_base=2, media_url=media_url(slug)),
        "created_at": now - timedelta(days=500)}
        for i, (code, slug, title, jp, competency, _) in enumerate(BENCH_COURSES)]
    course_ids = insert_rows(Course, course_rows, returning=True)
    module_rows = []
    for i, (course_id, course) in enumerate(zip(course_ids, BENCH_COURSES, strict=True)):
        for position, title in enumerate(course[5], start=1):
            source = sources[(i * 5 + position - 1) % len(sources)]
            module_rows.append({
                "course_id": course_id, "position": position, "title": title,
                "slug": slug_of(title), "minutes": source.minutes,
                "body_source": source.body,
                "body_html": render_markdown(source.body, media_url=media_url(course[1]))})
    module_ids = insert_rows(Module, module_rows, returning=True)
    return [(course_id, course[1],
             [(module_ids[i * 5 + p], module_rows[i * 5 + p]["slug"]) for p in range(5)])
            for i, (course_id, course) in enumerate(zip(course_ids, BENCH_COURSES, strict=True))]


def slug_of(title):
    words = "".join(ch if ch.isalnum() else " " for ch in title.lower()).split()
    return "-".join(words)[:80]


def quiz_text(course_index):
    source = PROJECT_DIR / "quizzes" / SOURCE_COURSES[course_index % 3] / SOURCE_QUIZ
    problems = []
    document = split_front_matter(source, source.read_text(encoding="utf-8"), problems,
                                  required=False)
    return source, document.body


def seed_quiz(course_index, course_slug):
    """One graded final quiz through the GIFT importer. The bench learners' course has no time
    limit, so their open attempts cannot expire however long a bench runs."""
    source, body = quiz_text(course_index)
    parsed = gift.parse_gift(body, str(source), default_format="markdown")
    if parsed.problems:
        raise click.ClickException(f"Kuis sumber {source} bermasalah: {parsed.problems[0]}")
    settings = {"title": "Kuis Akhir", "kind": "graded", "pass_mark": 70,
                "time_limit_minutes": 0 if course_index == 0 else 30, "max_attempts": 3,
                "grading_method": "highest", "draw_count": 0, "shuffle_answers": True,
                "review_policy": "feedback", "default_format": "markdown"}
    import_quiz(QuizSpec(course_slug=course_slug, slug="kuis-akhir", path=source,
                         settings=settings, after=None, questions=parsed.questions,
                         gift_source=body))
    return db.session.scalar(select(Quiz).join(Course).where(Course.slug == course_slug))


def wrong_response(snapshot):
    """A plausible wrong answer for a question (graded for real below, whatever it scores)."""
    kind, options = snapshot["type"], snapshot.get("options", [])
    if kind == "matching":
        answers = [sub["answer"] for sub in snapshot["subquestions"]]
        rotated = answers[1:] + answers[:1]
        return {"pairs": {sub["key"]: rotated[i]
                          for i, sub in enumerate(snapshot["subquestions"])}}
    if kind in ("multichoice", "truefalse"):
        worst = min(options, key=lambda o: o["fraction"])
        if snapshot.get("single") is False:
            return {"choices": [o["key"] for o in options if o["fraction"] <= 0][:2]}
        return {"choice": worst["key"]}
    if kind == "numerical":
        return {"text": "7"}
    return {"text": "tidak tahu"}


def partial_response(snapshot):
    """Some of the right choices of a several-answer question, else the right answer."""
    right = grading.correct_response(snapshot)
    if snapshot["type"] == "multichoice" and snapshot.get("single") is False:
        return {"choices": right["choices"][:1]}
    return right


def slot_template(question, shuffle, rng):
    """Built once per question and shared by every seeded attempt (start_attempt builds one
    per attempt; the options' order is the only difference)."""
    snapshot = build_snapshot(question, shuffle, rng)
    variants = {}
    for name, raw in (("right", grading.correct_response(snapshot)),
                      ("partial", partial_response(snapshot)),
                      ("wrong", wrong_response(snapshot)), ("blank", {})):
        response = clean_response(snapshot, raw)  # stored exactly as the app would store it
        encoded = json.dumps(response, ensure_ascii=False) if response is not None else None
        variants[name] = (response, encoded, grading.grade_question(snapshot, response))
    return SlotTemplate(question.id, question.type, snapshot,
                        json.dumps(snapshot, ensure_ascii=False), variants)


def quiz_template(course_index, quiz, rng):
    questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)
                                   .order_by(Question.position)).all()
    return QuizTemplate(course_index, quiz.id, quiz.slug, quiz.pass_mark, quiz.max_attempts,
                        quiz.time_limit_minutes,
                        [slot_template(q, quiz.shuffle_answers, rng)
                         for q in questions if q.retired_at is None])


# --- learning history -------------------------------------------------------------------------

def choose_courses(rng, course_count, bench_learner):
    """2-7 courses per ASN (4.5 on average), popular ones more often."""
    wanted = rng.choices((2, 3, 4, 5, 6, 7), weights=(8, 17, 25, 25, 15, 10))[0]
    weights = [9, 8, 7, 6, 5, 5, 4, 4][:course_count]
    chosen = set()
    while len(chosen) < min(wanted, course_count):
        chosen.add(rng.choices(range(course_count), weights)[0])
    if bench_learner:
        chosen.add(0)
    return sorted(chosen)


def score_of(quiz, choices):
    """The attempt's percentage by the app's own rule, from the variant chosen per slot."""
    score, _pending = grading.attempt_percent(
        [(slot.type, slot.variants[choice][2])
         for slot, choice in zip(quiz.slots, choices, strict=True)])
    return score


def simulate_attempts(rng, quiz, skill):
    """Attempts until one passes, the learner gives up, or max_attempts are used."""
    attempts = []
    for number in range(1, quiz.max_attempts + 1):
        knows = min(0.97, skill + 0.07 * (number - 1))
        choices = [("right" if rng.random() < knows else
                    rng.choices(("partial", "wrong", "blank"), (3, 6, 1))[0])
                   for _ in quiz.slots]
        score = score_of(quiz, choices)
        passed = score >= quiz.pass_mark
        attempts.append(AttemptPlan(number, None, None, choices, score, passed))
        if passed or rng.random() < 0.2:
            break
    return attempts


def plan_enrolment(rng, person_index, course_index, quiz, now, bench_enrolment):
    """Enrolment, module reading, attempts and completion on one timeline before now. A bench
    learner's enrolment in the bench course has every module read and no attempt yet."""
    plan = EnrolmentPlan(person_index, course_index,
                         now - timedelta(days=rng.uniform(2, 420)))
    read_all = bench_enrolment or rng.random() < 0.8
    modules_done = 5 if read_all else rng.randint(0, 4)
    if not bench_enrolment and read_all and rng.random() > 0.06:
        plan.attempts = simulate_attempts(rng, quiz, rng.gauss(0.62, 0.12))
    if not modules_done:
        return plan
    gaps = [rng.uniform(3_600, 3 * 86_400)]
    gaps += [rng.uniform(1_800, 4 * 86_400) for _ in range(modules_done)]
    for _attempt in plan.attempts:
        gaps += [rng.uniform(600, 3 * 86_400), rng.uniform(6 * 60, 28 * 60)]
    moments = spread(plan.enrolled_at, gaps, now)
    plan.started_at = moments[0]
    plan.module_times = moments[1:1 + modules_done]
    rest = moments[1 + modules_done:]
    for attempt, (started, submitted) in zip(plan.attempts, zip(rest[::2], rest[1::2],
                                                                 strict=True), strict=True):
        attempt.started_at, attempt.submitted_at = started, submitted
    passing = next((a for a in plan.attempts if a.passed), None)
    plan.completed_at = passing.submitted_at if passing else None
    return plan


def enrolment_row(plan, people, courses):
    return {"user_id": people[plan.person_index].id, "course_id": courses[plan.course_index][0],
            "enrolled_at": plan.enrolled_at, "started_at": plan.started_at,
            "completed_at": plan.completed_at}


def attempt_row(attempt, user_id, quiz, grace):
    ends_at = deadline_at = None
    if quiz.time_limit_minutes:
        ends_at = attempt.started_at + timedelta(minutes=quiz.time_limit_minutes)
        deadline_at = ends_at + timedelta(seconds=grace)
    return {"user_id": user_id, "quiz_id": quiz.quiz_id, "number": attempt.number,
            "max_attempts": quiz.max_attempts, "state": "submitted",
            "started_at": attempt.started_at, "ends_at": ends_at, "deadline_at": deadline_at,
            "submitted_at": attempt.submitted_at,
            "saved_at": attempt.submitted_at - timedelta(seconds=5),
            "score": attempt.score, "passed": attempt.passed, "needs_grading": False}


def slot_rows(attempt_id, quiz, choices):
    rows = []
    for position, (slot, choice) in enumerate(zip(quiz.slots, choices, strict=True), start=1):
        _response, encoded, score = slot.variants[choice]
        rows.append({"attempt_id": attempt_id, "question_id": slot.question_id,
                     "position": position, "question_type": slot.type,
                     "snapshot_json": slot.snapshot_json, "response_json": encoded,
                     "score": score})
    return rows


def write_learning(plans, people, courses, quizzes, grace, counts):
    """Enrolments, progress, attempts and their slots, one bulk step per chunk."""
    for start in range(0, len(plans), CHUNK):
        chunk = plans[start:start + CHUNK]
        ids = insert_rows(Enrollment, [enrolment_row(p, people, courses) for p in chunk],
                          returning=True)
        progress = []
        for plan, enrollment_id in zip(chunk, ids, strict=True):
            plan.id = enrollment_id
            modules = courses[plan.course_index][2]
            progress += [{"user_id": people[plan.person_index].id, "module_id": module[0],
                          "completed_at": moment}
                         for module, moment in zip(modules, plan.module_times, strict=False)]
        insert_rows(ModuleProgress, progress)
        attempts = [(plan, attempt) for plan in chunk for attempt in plan.attempts]
        attempt_ids = insert_rows(Attempt, [
            attempt_row(a, people[p.person_index].id, quizzes[p.course_index], grace)
            for p, a in attempts], returning=True)
        slots = []
        for (plan, attempt), attempt_id in zip(attempts, attempt_ids, strict=True):
            slots += slot_rows(attempt_id, quizzes[plan.course_index], attempt.choices)
        insert_rows(AttemptQuestion, slots)
        counts.add("pendaftaran kursus", len(chunk))
        counts.add("progres modul", len(progress))
        counts.add("percobaan kuis (dikirim)", len(attempts))
        counts.add("jawaban per soal", len(slots))
        counts.add("kursus selesai", sum(1 for p in chunk if p.completed_at))


def plan_learning(rng, people, sizes, quizzes, now):
    plans = []
    for index in range(len(people)):
        bench_learner = index < sizes.bench_learners
        for course_index in choose_courses(rng, len(quizzes), bench_learner):
            plans.append(plan_enrolment(rng, index, course_index, quizzes[course_index], now,
                                        bench_learner and course_index == 0))
    return plans


# --- certificates -----------------------------------------------------------------------------

def placeholder_pdf():
    """One small PDF stored in every seeded certificate: a real one takes 0.25 s and 35 KB to
    render (20 minutes and 170 MB for 5,000), and no bench scenario downloads them."""
    from fpdf import FPDF  # only when seeding: web workers never load fpdf

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Sertifikat contoh (data uji beban Kompeten)")
    return bytes(pdf.output())


def rank_of(person):
    if person.employment_type == PNS:
        return f"{GOLONGAN_PNS[person.golongan]} ({person.golongan})"
    return f"PPPK golongan {person.golongan}"


def certificate_row(plan, person, course_id, issued_at, sequence, code, settings, pdf):
    """What issue_certificate stores: the holder and course as they are at issue time."""
    issued_on = issued_at.astimezone(PALU_TZ).date()
    course_code, _slug, title, jp, competency, _modules = BENCH_COURSES[plan.course_index]
    return {
        "number": format_number(settings["template"], sequence, issued_on),
        "verification_code": code, "year": issued_on.year, "sequence": sequence,
        "enrollment_id": plan.id, "user_id": person.id, "course_id": course_id,
        "holder_name": person.name, "holder_nip": person.nip, "holder_rank": rank_of(person),
        "holder_position": person.jabatan_title, "holder_agency": person.agency_name,
        "course_title": title, "course_code": course_code, "jp": jp,
        "competency": str(COMPETENCY_TYPES[competency]),
        "institution_name": settings["institution"], "issuer_unit": settings["unit"],
        "signer_name": settings["signer"], "signer_title": settings["signer_title"],
        "signer_nip": settings["signer_nip"],
        "completed_on": plan.completed_at.astimezone(PALU_TZ).date(), "issued_on": issued_on,
        "issued_at": issued_at, "pdf": pdf,
    }


def certificate_settings():
    if not (get_setting("certificate.signer_name") or "").strip():
        # Certificates exist only once an admin has named the signer (issue_certificate).
        set_setting("certificate.signer_name", "Drs. Moh. Rizal Lamakarate, M.Si.")
    return {"template": get_setting("certificate.number_template"),
            "institution": get_setting("institution_name") or "",
            "unit": get_setting("certificate.issuer_unit") or "",
            "signer": get_setting("certificate.signer_name"),
            "signer_title": get_setting("certificate.signer_title") or "",
            "signer_nip": get_setting("certificate.signer_nip") or ""}


def next_sequences():
    """{year: last sequence used}, so seeding into a database with certificates continues."""
    return dict(db.session.execute(select(Certificate.year, func.max(Certificate.sequence))
                                   .group_by(Certificate.year)).all())


def seed_certificates(rng, plans, people, courses, count, admin, now):
    """Certificates for `count` completed enrolments, numbered per year in issue order; about
    1 in 100 revoked. Returns the verification codes."""
    completed = [p for p in plans if p.completed_at is not None]
    chosen = rng.sample(completed, min(count, len(completed)))
    issued = sorted(((min(p.completed_at + timedelta(hours=rng.uniform(1, 240)), now), p)
                     for p in chosen), key=lambda pair: pair[0])
    settings, pdf, sequences = certificate_settings(), placeholder_pdf(), next_sequences()
    taken = set(db.session.scalars(select(Certificate.verification_code)))
    positions = new_status_indexes(len(issued))  # distinct revocation bits (Open Badges)
    rows = []
    for (issued_at, plan), position in zip(issued, positions, strict=True):
        year = issued_at.astimezone(PALU_TZ).year
        sequences[year] = sequences.get(year, 0) + 1
        code = new_verification_code()
        while code in taken:
            code = new_verification_code()
        taken.add(code)
        row = certificate_row(plan, people[plan.person_index], courses[plan.course_index][0],
                              issued_at, sequences[year], code, settings, pdf)
        revoked = rng.random() < 0.01
        row.update(issued_by_id=admin.id, status_index=position,
                   revoked_at=min(issued_at + timedelta(days=1), now) if revoked else None,
                   revoked_reason="Nama peserta keliru (contoh)" if revoked else None,
                   revoked_public_reason="kesalahan_data" if revoked else None,
                   revoked_by_id=admin.id if revoked else None)
        rows.append(row)
    ids = insert_rows(Certificate, rows, returning=True)
    insert_rows(AuditEvent, [
        {"created_at": row["issued_at"], "actor_id": admin.id, "action": "certificate.issue",
         "object_type": "certificate", "object_id": str(cert_id),
         "details_json": json.dumps({"number": row["number"], "holder_nip": row["holder_nip"],
                                     "course": row["course_code"]})}
        for row, cert_id in zip(rows, ids, strict=True)])
    return [row["verification_code"] for row in rows]


# --- bench learners ---------------------------------------------------------------------------

def form_fields(slot_id, response):
    """The attempt page's form fields (quizzes/_questions.html) that carry a response."""
    name = f"s{slot_id}"
    if not response:
        return []
    if "choice" in response:
        return [[name, response["choice"]]]
    if "choices" in response:
        return [[name, key] for key in response["choices"]]
    if "pairs" in response:
        return [[f"{name}-{sub}", right] for sub, right in response["pairs"].items()]
    return [[name, response["text"]]]


def open_bench_attempts(rng, people, sizes, quiz, now):
    """One open attempt on the bench course's quiz per bench learner, started like
    start_attempt does (snapshots frozen), with the answers each will save and submit."""
    learners = people[:sizes.bench_learners]
    attempt_ids = insert_rows(Attempt, [
        {"user_id": p.id, "quiz_id": quiz.quiz_id, "number": 1, "max_attempts": quiz.max_attempts,
         "state": "in_progress", "started_at": now, "needs_grading": False}
        for p in learners], returning=True)
    fixtures = []
    for person, attempt_id in zip(learners, attempt_ids, strict=True):
        choices = [rng.choice(("right", "right", "right", "wrong")) for _ in quiz.slots]
        rows = slot_rows(attempt_id, quiz, choices)
        for row in rows:
            row.update(response_json=None, score=None)  # nothing answered yet
        slot_ids = insert_rows(AttemptQuestion, rows, returning=True)
        fields = []
        for slot, choice, slot_id in zip(quiz.slots, choices, slot_ids, strict=True):
            fields += form_fields(slot_id, slot.variants[choice][0])
        fixtures.append({"nip": person.nip, "attempt_id": attempt_id, "fields": fields,
                         "expected_score": score_of(quiz, choices)})
    return fixtures


# --- the command ------------------------------------------------------------------------------

def refuse_unless_throwaway(yes):
    users = db.session.scalar(select(func.count()).select_from(User))
    if users and not yes:
        raise click.ClickException(
            f"Basis data ini sudah berisi {users} akun. `flask bench seed` menambahkan ribuan "
            "akun dan data contoh dan hanya untuk basis data uji yang boleh dibuang. Jalankan "
            "dengan --yes bila memang itu maksudnya.")
    codes = [course[0] for course in BENCH_COURSES]
    if db.session.scalar(select(func.count()).select_from(Course)
                         .where(Course.code.in_(codes))):
        raise click.ClickException(
            "Data bench sudah ada di basis data ini (kursus BNC-*). Buat basis data baru.")


def refresh_statistics():
    """What autovacuum does on PostgreSQL after a bulk load: without statistics the planner
    takes the fresh tables for empty (tests/reports/test_opd_summary_bench.py measured a
    ledger page at 0.9 s instead of 0.05 s). SQLite is left as a real install has it.
    ANALYZE only: a VACUUM here was measured to make the first page scenario slower (module
    page 519 -> 400 req/s on PostgreSQL), the pages it dirtied being written out during it."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))


def fixtures_document(people, sizes, admin, courses, quizzes, bench, plans, codes, scale):
    by_person = {}
    for plan in plans:
        if plan.person_index < sizes.bench_learners:
            by_person.setdefault(plan.person_index, []).append(courses[plan.course_index][1])
    for index, learner in enumerate(bench):
        learner["courses"] = by_person[index]
    return {
        "scale": scale, "password": BENCH_PASSWORD, "admin_nip": admin.nip,
        "bench_course": courses[0][1], "bench_quiz": quizzes[0].slug,
        "courses": {slug: [m[1] for m in modules] for _id, slug, modules in courses},
        "learners": bench, "verification_codes": codes[:VERIFICATION_CODES_IN_FIXTURES],
    }


def seed(scale, seed_value, bench_learners=BENCH_LEARNERS):
    """Write the whole data set (the caller commits). Returns (fixtures, counts)."""
    rng, now, counts = random.Random(seed_value), utcnow(), Counts()
    sizes = Sizes.for_scale(scale, bench_learners)
    agencies = seed_opd_with_units()
    admin, people = seed_people(sizes, agencies, hash_password(BENCH_PASSWORD), rng, now)
    counts.add("ASN (peserta)", len(people))
    courses = seed_courses(now)
    quizzes = [quiz_template(i, seed_quiz(i, slug), rng)
               for i, (_id, slug, _modules) in enumerate(courses)]
    counts.add("kursus", len(courses))
    counts.add("modul", sum(len(modules) for _id, _slug, modules in courses))
    # Rows written with Core inserts pass the session hooks by: index them here.
    counts.add("bagian indeks pencarian", rebuild_search_index(db.session.connection()))
    counts.add("soal kuis", sum(len(q.slots) for q in quizzes))
    plans = plan_learning(rng, people, sizes, quizzes, now)
    write_learning(plans, people, courses, quizzes, grace_seconds(), counts)
    codes = seed_certificates(rng, plans, people, courses, sizes.certificates, admin, now)
    counts.add("sertifikat", len(codes))
    bench = open_bench_attempts(rng, people, sizes, quizzes[0], now)
    counts.add("peserta bench (percobaan terbuka)", len(bench))
    counts.add("rekap JP tahunan", rebuild_jp_totals(db.session.connection()))
    return fixtures_document(people, sizes, admin, courses, quizzes, bench, plans, codes,
                             scale), counts


@bench_cli.command("seed")
@click.option("--scale", type=click.FloatRange(min=0.001), default=1.0, show_default=True,
              help="Ukuran data: 1.0 = 10.000 ASN, 5.000 sertifikat.")
@click.option("--yes", is_flag=True, help="Tetap jalan walaupun basis data sudah berisi akun.")
@click.option("--fixtures", "fixtures_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_FIXTURES, show_default=True,
              help="Berkas JSON untuk bench/run.py (login, alamat, kode verifikasi).")
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True,
              help="Benih acak: nilai yang sama menghasilkan data yang sama.")
def seed_command(scale, yes, fixtures_path, seed_value):
    """Isi basis data UJI dengan data realistis untuk uji beban (jangan di produksi)."""
    refuse_unless_throwaway(yes)
    started = time.perf_counter()
    click.echo(f"Mengisi {db.engine.dialect.name} dengan data bench (skala {scale})...")
    fixtures, counts = seed(scale, seed_value)
    db.session.commit()
    refresh_statistics()
    db.session.commit()
    fixtures_path.parent.mkdir(parents=True, exist_ok=True)
    fixtures_path.write_text(json.dumps(fixtures, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    for name, value in counts.values.items():
        click.echo(f"  {name:<36} {value:>9,}".replace(",", "."))
    click.echo(f"Selesai dalam {time.perf_counter() - started:.1f} detik. Kata sandi semua akun: "
               f"{BENCH_PASSWORD}. Admin: NIP {fixtures['admin_nip']}. Data untuk runner: "
               f"{fixtures_path}")
