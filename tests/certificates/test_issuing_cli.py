"""`flask certificates issue CODE --all [--wait]`: the same job as the admin's button."""

import pytest

from app.certificates import services
from app.extensions import db
from app.jobs.models import SUCCEEDED, Job
from tests.certificates import issuing_helpers as h


@pytest.fixture
def admin(create_user):
    return create_user(nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["certificates", "issue", *args])


def test_issue_all_runs_one_job_and_waits_for_it(app, courses, create_user, admin):
    spbe = h.course()
    waiting = [h.enrol(create_user(name=f"Peserta {n}"), spbe) for n in range(3)]
    result = _run(app, "spbe-101", "--all", "--wait", "--by", admin.nip)
    assert result.exit_code == 0, result.output
    assert "3 peserta menunggu sertifikat SPBE-101" in result.output
    assert "3 dari 3 diterbitkan" in result.output
    [job] = db.session.query(Job).all()
    assert job.state == SUCCEEDED and job.created_by_id == admin.id
    issued = h.all_certificates()
    assert sorted(c.enrollment_id for c in issued) == sorted(e.id for e in waiting)
    assert [c.sequence for c in issued] == [1, 2, 3]
    assert services.eligible_enrollments(spbe) == []


def test_issue_for_named_learners_only(app, courses, create_user):
    spbe = h.course()
    andi, budi = (h.enrol(create_user(name=name), spbe) for name in ("Andi", "Budi"))
    result = _run(app, "SPBE-101", "--nip", andi.user.nip, "--wait")
    assert result.exit_code == 0, result.output
    assert [c.enrollment_id for c in h.all_certificates()] == [andi.id]
    assert [e.id for e in services.eligible_enrollments(spbe)] == [budi.id]


def test_nobody_waiting_or_unknown_course_or_no_choice_is_a_clear_error(app, courses):
    assert "Tidak ada peserta yang menunggu sertifikat." in _run(app, "SPBE-101", "--all").output
    unknown = _run(app, "XYZ-999", "--all")
    assert unknown.exit_code == 1 and "Kursus berkode XYZ-999 tidak ada." in unknown.output
    neither = _run(app, "SPBE-101")
    assert neither.exit_code == 2 and "--all atau --nip" in neither.output
