"""`flask bench seed` at a tiny scale: consistent data that the load benchmark can use.

Seeding takes a couple of seconds (it renders 40 modules and imports 8 quizzes), so it runs
once for the module; the tests only read, except the last two, which change one attempt
(consistently) and try to seed again (refused).
"""

import json
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import create_app
from app.auth.models import User
from app.auth.nip import parse_nip
from app.certificates.models import Certificate
from app.certificates.services import CODE_ALPHABET, format_number
from app.courses.models import Course, Enrollment, Module, ModuleProgress
from app.extensions import db
from app.operations.bench import BENCH_PASSWORD
from app.quizzes import grading
from app.quizzes.models import Attempt, AttemptQuestion, Quiz
from app.settings import get_setting
from app.timeutil import PALU_TZ
from tests.conftest import _empty_all_tables, csrf_token

SCALE = 0.01  # 100 ASN, 50 certificates


def count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def seed(app, path, *options):
    return app.test_cli_runner().invoke(
        args=["bench", "seed", "--scale", str(SCALE), "--fixtures", str(path), *options])


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """An app on the suite's database, seeded once: the app, the fixtures file, the output."""
    folder = tmp_path_factory.mktemp("bench")
    app = create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": database_url,
                                           "INSTANCE_PATH": str(folder / "instance"),
                                           "SECRET_KEY": "test-secret-key"})
    with app.app_context():
        db.create_all()
        _empty_all_tables()
        result = seed(app, folder / "fixtures.json")
        assert result.exit_code == 0, result.output
        fixtures = json.loads((folder / "fixtures.json").read_text(encoding="utf-8"))
        yield SimpleNamespace(app=app, fixtures=fixtures, output=result.output, folder=folder)
        db.session.remove()
        db.engine.dispose()


def test_sizes_follow_the_scale(seeded):
    learners = count(User, User.is_learner.is_(True))
    assert learners == 100
    assert count(User, User.is_admin.is_(True)) == 1
    assert count(Course) == 8 and count(Module) == 40 and count(Quiz) == 8
    enrolments = count(Enrollment)
    assert 3.5 <= enrolments / learners <= 5.5  # 4.5 courses per ASN
    assert 3.8 <= count(ModuleProgress) / enrolments <= 5  # ~200,000 of ~45,000 at scale 1
    assert 3.5 <= count(Attempt, Attempt.state == "submitted") / learners <= 6.5  # ~50,000
    assert count(Certificate) == 50
    assert len(seeded.fixtures["learners"]) == 50  # at most half of the ASN are bench learners
    assert "Selesai dalam" in seeded.output and BENCH_PASSWORD in seeded.output


def test_nips_are_valid_and_match_the_employment_type(seeded):
    people = db.session.execute(select(User.nip, User.employment_type)).all()
    assert len({nip for nip, _ in people}) == len(people)
    for nip, employment_type in people:
        assert parse_nip(nip).employment_type == employment_type
    assert {employment_type for _, employment_type in people} == {"pns", "pppk"}


def test_submitted_attempts_are_graded_by_the_apps_rules(seeded):
    slots = Counter()
    scores = {}
    for attempt_id, kind, score in db.session.execute(select(
            AttemptQuestion.attempt_id, AttemptQuestion.question_type, AttemptQuestion.score)):
        slots[attempt_id] += 1
        scores.setdefault(attempt_id, []).append((kind, score))
    for attempt in db.session.scalars(select(Attempt).where(Attempt.state == "submitted")):
        assert slots[attempt.id] == 12
        percent, pending = grading.attempt_percent(scores[attempt.id])
        assert not pending and attempt.score == percent
        assert attempt.passed == (attempt.score >= attempt.quiz.pass_mark)
        assert attempt.started_at < attempt.submitted_at
        if attempt.deadline_at is not None:  # every quiz but the bench course's is timed
            assert attempt.submitted_at <= attempt.ends_at < attempt.deadline_at


def test_completion_means_every_module_read_and_the_quiz_passed(seeded):
    passed = set(db.session.execute(select(Attempt.user_id, Quiz.course_id).join(Quiz)
                                    .where(Attempt.passed.is_(True))).all())
    read = Counter(db.session.execute(select(ModuleProgress.user_id, Module.course_id)
                                      .join(Module)).all())
    for enrolment in db.session.scalars(select(Enrollment)):
        key = (enrolment.user_id, enrolment.course_id)
        assert (enrolment.completed_at is not None) == (key in passed)
        if enrolment.completed_at is not None:
            assert read[key] == 5


def test_certificates_are_numbered_per_year_without_gaps(seeded):
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.issued_at)).all()
    template = get_setting("certificate.number_template")
    by_year = {}
    for certificate in certificates:
        by_year.setdefault(certificate.year, []).append(certificate.sequence)
        issued_on = certificate.issued_at.astimezone(PALU_TZ).date()
        assert certificate.issued_on == issued_on and certificate.year == issued_on.year
        assert certificate.number == format_number(template, certificate.sequence, issued_on)
        assert len(certificate.verification_code) == 12
        assert set(certificate.verification_code) <= set(CODE_ALPHABET)
        assert certificate.enrollment.completed_at is not None
        assert certificate.pdf.startswith(b"%PDF")
    for sequences in by_year.values():
        assert sequences == list(range(1, len(sequences) + 1))
    assert len({c.verification_code for c in certificates}) == len(certificates)
    assert len({c.number for c in certificates}) == len(certificates)


def test_bench_learners_log_in_autosave_and_submit_their_own_attempt(seeded):
    client, learner = seeded.app.test_client(), seeded.fixtures["learners"][0]
    page = client.get("/masuk")
    client.post("/masuk", data={"identifier": learner["nip"], "password": BENCH_PASSWORD,
                                "csrf_token": csrf_token(page.get_data(as_text=True))})
    attempt_url = f"/percobaan/{learner['attempt_id']}"
    token = csrf_token(client.get(attempt_url).get_data(as_text=True))
    form = MultiDict([*map(tuple, learner["fields"]), ("csrf_token", token)])
    saved = client.post(f"{attempt_url}/autosimpan", data=form)
    assert saved.status_code == 200 and saved.get_json()["ok"] is True
    form.add("aksi", "kirim")
    submitted = client.post(attempt_url, data=form)
    assert submitted.status_code == 302 and submitted.location.endswith(f"{attempt_url}/hasil")
    attempt = db.session.get(Attempt, learner["attempt_id"])
    db.session.refresh(attempt)
    assert attempt.state == "submitted" and attempt.score == learner["expected_score"]
    for slug in learner["courses"]:
        module = seeded.fixtures["courses"][slug][0]
        assert client.get(f"/kursus/{slug}/modul/{module}").status_code == 200
    code = seeded.fixtures["verification_codes"][0]
    assert client.get(f"/verify/{code}").status_code == 200


def test_refuses_a_database_that_already_has_accounts(seeded):
    users = count(User)
    refused = seed(seeded.app, seeded.folder / "again.json")
    assert refused.exit_code != 0
    assert "--yes" in refused.output and "basis data uji" in refused.output
    assert count(User) == users
    again = seed(seeded.app, seeded.folder / "again.json", "--yes")
    assert again.exit_code != 0 and "sudah ada" in again.output  # never twice in one database
    assert count(User) == users
