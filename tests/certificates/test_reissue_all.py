"""Re-issuing a course's certificates in bulk: every valid one revoked with the admin's reason
and replaced by a new number, as one background job that can be run again after a crash."""


import json

import pytest

from app.certificates import jobs as issuing_jobs
from app.certificates import services
from app.database import utcnow
from app.extensions import db
from app.jobs import runner
from app.jobs.models import SUCCEEDED, Job
from app.settings import set_setting
from tests.certificates import issuing_helpers as h
from tests.conftest import submit


@pytest.fixture
def admin(create_user):
    return create_user(nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM")


@pytest.fixture
def three_holders(courses, create_user):
    spbe = h.course()
    return [h.issue(h.enrol(create_user(name=f"Pemegang {n}"), spbe)) for n in range(3)]


def test_admin_reissues_every_valid_certificate_of_a_course(app, admin, three_holders):
    set_setting("certificate.signer_name", "Drs. Penanda Baru")
    db.session.commit()
    client = h.login_as(app, h.ADMIN_NIP)
    page = h.html(client, "/admin/sertifikat/spbe-101/terbitkan-ulang-semua")
    assert "3 sertifikat berlaku akan dicabut" in page
    done = submit(client, "/admin/sertifikat/spbe-101/terbitkan-ulang-semua",
                  {"public_reason": "kesalahan_data", "reason": "Penanda tangan diganti"})
    job_page = done.get_data(as_text=True)
    assert "Terbitkan ulang sertifikat SPBE-101" in job_page and "3 dari 3 diterbitkan" in job_page

    certificates = h.all_certificates()
    old, new = certificates[:3], certificates[3:]
    assert all(not c.is_valid and c.revoked_reason == "Penanda tangan diganti"
               and c.revoked_public_reason == "kesalahan_data" for c in old)
    assert [c.sequence for c in new] == [4, 5, 6]
    assert all(c.is_valid and c.signer_name == "Drs. Penanda Baru" for c in new)
    assert [c.enrollment_id for c in new] == [c.enrollment_id for c in old]
    assert len(h.events("certificate.reissue")) == 3


def test_an_empty_reason_is_refused_and_nothing_changes(app, admin, three_holders):
    client = h.login_as(app, h.ADMIN_NIP)
    page = submit(client, "/admin/sertifikat/spbe-101/terbitkan-ulang-semua",
                  {"public_reason": "kesalahan_data", "reason": "  "}).get_data(as_text=True)
    assert "wajib diisi" in page.lower() or "Alasan pencabutan wajib diisi." in page
    assert all(c.is_valid for c in h.all_certificates()) and db.session.query(Job).count() == 0


def test_a_job_stopped_between_revoking_and_issuing_finishes_the_rest_when_run_again(
        app, admin, three_holders):
    first = three_holders[0]
    # The job as it was when its consumer died: created, the first certificate revoked by
    # it, no new certificate yet.
    job = Job(kind=issuing_jobs.REISSUE_KIND, created_by_id=admin.id, progress_total=3,
              state="queued", created_at=utcnow(),
              params_json=json.dumps({"id": first.course_id, "label": "SPBE-101",
                                      "slug": "spbe-101", "reason": "Data salah",
                                      "public_reason": "kesalahan_data"}))
    db.session.add(job)
    services.revoke_certificate(db.session.get(type(first), first.id), "Data salah", admin,
                                public_reason="kesalahan_data")
    db.session.commit()

    runner.run_job(job.id)
    db.session.refresh(job)
    assert job.state == SUCCEEDED and job.progress_done == 3
    valid = [c for c in h.all_certificates() if c.is_valid]
    assert sorted(c.enrollment_id for c in valid) == sorted(c.enrollment_id for c in three_holders)
    assert [c.sequence for c in h.all_certificates()] == [1, 2, 3, 4, 5, 6]

    job.state = "queued"  # a duplicate message after the end: nothing more happens
    db.session.commit()
    runner.run_job(job.id)
    assert len(h.all_certificates()) == 6
