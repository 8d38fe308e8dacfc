"""A small known world for the report tests, with every number worked out by hand.

Year 2026 (WITA), targets PNS 20 JP and PPPK 24 JP:

| ASN   | type | OPD (agency)             | courses done 2026    | credits 2026  | total |
|-------|------|--------------------------|----------------------|---------------|-------|
| Andi  | PNS  | Diskominfo               | SPBE 12 + TTE 8 = 20 | 3             | 23 ok |
| Budi  | PNS  | Diskominfo (unit's unit) | 0 (KAM done in 2025) | 0 (4 in 2025) | 0     |
| Citra | PPPK | Disdukcapil              | SPBE 12 + TTE 8 = 20 | 4             | 24 ok |
| Dewi  | PPPK | Disdukcapil              | SPBE 12              | 0             | 12    |
| Eko   | PNS  | none                     | 0                    | 0             | 0     |
| Hadi  | PNS  | Disdukcapil              | 0                    | 20            | 20 ok |
| Lina  | PNS  | none                     | 0                    | 0             | 0     |

Not ASN: Fajar (inactive learner, completed SPBE 2026) and Gita (admin only, completed SPBE).
Budi's KAM completed at 23:59 WITA on 31 Dec 2025; Citra's TTE at 00:00 WITA on 1 Jan 2026
(enrolled in December 2025). Certificates: Andi SPBE and TTE, Citra SPBE valid; Dewi's SPBE
certificate revoked.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from app.auth.models import Agency, User
from app.certificates.models import STATUS_LIST_SIZE, Certificate
from app.courses.models import Course, Enrollment, JpCredit
from app.extensions import db
from app.settings import set_setting
from tests.conftest import PASSWORD, csrf_token, seed_once

YEAR = 2026
ANDI = "198609262015051001"
BUDI = "198703142010011002"
CITRA = "199505052021211003"
DEWI = "199208172022212004"
EKO = "199001012015011005"
HADI = "198811112012121006"
FAJAR = "199101012016011007"
GITA = "197503121998032008"
OTHER_LEARNER = "199202022017012009"

DISDUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil"
DISKOMINFO = "Dinas Komunikasi dan Informatika"


def utc(year, month, day, hour=2, minute=0):
    """A UTC moment; 02:00 UTC is 10:00 WITA on the same day."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    users: dict
    courses: dict
    agencies: dict


def add_course(code, jp, status="published"):
    course = Course(code=code, slug=code.lower(), title=f"Kursus {code}", summary="", jp=jp,
                    competency="teknis", mode="e-learning", provider="BKPSDM Kota Palu",
                    status=status)
    db.session.add(course)
    db.session.flush()
    return course


def enrol(user, course, enrolled, started=None, completed=None):
    enrollment = Enrollment(user_id=user.id, course_id=course.id, enrolled_at=enrolled,
                            started_at=started, completed_at=completed)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def certify(enrollment, number, revoked=False):
    user, course = enrollment.user, enrollment.course
    sequence = int(number.split("/")[1])
    db.session.add(Certificate(
        number=number, verification_code=f"KODE{sequence:04d}", year=2026, sequence=sequence,
        enrollment_id=enrollment.id, user_id=user.id,
        course_id=course.id, holder_name=user.name, holder_nip=user.nip,
        course_title=course.title, course_code=course.code, jp=course.jp, competency="teknis",
        institution_name="Pemerintah Kota Palu", issuer_unit="BKPSDM", signer_name="Kepala",
        signer_title="Kepala BKPSDM", completed_on=enrollment.completed_at.date(),
        issued_on=enrollment.completed_at.date(), pdf=b"%PDF-1.4",
        status_index=STATUS_LIST_SIZE + sequence,  # apart from what issuing draws
        revoked_at=utc(2026, 7, 1) if revoked else None,
        revoked_reason="Salah data" if revoked else None))


def credit(user, earned_on, jp, title, note=""):
    db.session.add(JpCredit(user_id=user.id, earned_on=earned_on, jp=jp, title=title,
                            provider="Penyelenggara luar", note=note))


def make_agencies():
    disdukcapil = Agency(code="DISDUKCAPIL", name=DISDUKCAPIL)
    diskominfo = Agency(code="DISKOMINFO", name=DISKOMINFO)
    db.session.add_all([disdukcapil, diskominfo])
    db.session.flush()
    aptika = Agency(code="APTIKA", name="Bidang Aplikasi Informatika", parent_id=diskominfo.id)
    db.session.add(aptika)
    db.session.flush()
    persandian = Agency(code="SANDI", name="Seksi Persandian", parent_id=aptika.id)
    db.session.add(persandian)
    db.session.flush()
    return {"disdukcapil": disdukcapil, "diskominfo": diskominfo, "aptika": aptika,
            "persandian": persandian}


@pytest.fixture
def world(app, create_user):
    """The world above: a kept seed (tests/conftest.py seed_once), written once per worker."""
    def seed():
        set_setting("jp_target.pppk", 24)
        agencies = make_agencies()
        db.session.commit()
        people = {
            "andi": create_user(nip=ANDI, name="Andi Pratama", agency=agencies["diskominfo"]),
            "budi": create_user(nip=BUDI, name="Budi Santoso", agency=agencies["persandian"]),
            "citra": create_user(nip=CITRA, name="Citra Lestari",
                                 agency=agencies["disdukcapil"]),
            "dewi": create_user(nip=DEWI, name="Dewi Anggraini", agency=agencies["disdukcapil"]),
            "eko": create_user(nip=EKO, name="Eko Saputra"),
            "hadi": create_user(nip=HADI, name="Hadi Wijaya", agency=agencies["disdukcapil"]),
            "fajar": create_user(nip=FAJAR, name="Fajar Nugroho", agency=agencies["diskominfo"]),
            "gita": create_user(nip=GITA, name="Gita Admin", roles=("admin",),
                                agency=agencies["diskominfo"]),
            "other": create_user(nip=OTHER_LEARNER, name="Lina Marlina"),
        }
        people["fajar"].active = False
        courses = {"spbe": add_course("SPBE-101", 12), "tte": add_course("TTE-101", 8),
                   "kam": add_course("KAM-201", 12),
                   "draft": add_course("DRAFT-001", 4, "draft")}
        _enrolments(people, courses)
        _credits(people)
        db.session.commit()
        return {"users": ids(people), "courses": ids(courses), "agencies": ids(agencies)}

    kept = seed_once("reports.world", seed)
    return World(loaded(User, kept["users"]), loaded(Course, kept["courses"]),
                 loaded(Agency, kept["agencies"]))


def ids(objects):
    return {name: obj.id for name, obj in objects.items()}


def loaded(model, kept_ids):
    return {name: db.session.get(model, row_id) for name, row_id in kept_ids.items()}


def _enrolments(p, c):
    a1 = enrol(p["andi"], c["spbe"], utc(2026, 2, 1), utc(2026, 2, 1), utc(2026, 3, 10))
    a2 = enrol(p["andi"], c["tte"], utc(2026, 4, 1), utc(2026, 4, 2), utc(2026, 4, 20))
    enrol(p["budi"], c["kam"], utc(2025, 11, 1), utc(2025, 11, 2), utc(2025, 12, 31, 15, 59))
    enrol(p["budi"], c["spbe"], utc(2026, 5, 1), utc(2026, 5, 2))
    c1 = enrol(p["citra"], c["spbe"], utc(2026, 1, 15), utc(2026, 1, 15), utc(2026, 2, 15))
    enrol(p["citra"], c["tte"], utc(2025, 12, 20), utc(2025, 12, 21), utc(2025, 12, 31, 16, 0))
    d1 = enrol(p["dewi"], c["spbe"], utc(2026, 3, 1), utc(2026, 3, 1), utc(2026, 6, 1))
    enrol(p["eko"], c["tte"], utc(2026, 7, 1))
    enrol(p["fajar"], c["spbe"], utc(2026, 1, 10), utc(2026, 1, 10), utc(2026, 2, 1))
    enrol(p["gita"], c["spbe"], utc(2026, 1, 10), utc(2026, 1, 10), utc(2026, 2, 1))
    certify(a1, "800/0001/BKPSDM/III/2026")
    certify(a2, "800/0002/BKPSDM/IV/2026")
    certify(c1, "800/0003/BKPSDM/II/2026")
    certify(d1, "800/0004/BKPSDM/VI/2026", revoked=True)


def _credits(p):
    credit(p["andi"], date(2026, 5, 5), 3, "Webinar Keamanan Siber", note="Sertifikat BSSN")
    credit(p["budi"], date(2025, 12, 31), 4, "Bimtek Arsip Digital")
    credit(p["citra"], date(2026, 8, 17), 4, "Pelatihan Klasikal Pelayanan Publik")
    credit(p["hadi"], date(2026, 9, 1), 20, "Pelatihan Kepemimpinan Pengawas")


def logged_in(app, nip):
    """A separate browser (own cookies) logged in as this user."""
    client = app.test_client()
    token = csrf_token(client.get("/masuk").get_data(as_text=True))
    response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client


@pytest.fixture
def admin(app, world):
    return logged_in(app, GITA)


def page_text(response, status=200):
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)
