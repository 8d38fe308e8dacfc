"""A job's page in a real browser: the admin watches "137 dari 500 diterbitkan" move, with
JavaScript (the page asks for the progress and updates in place) and without it (the page
refreshes itself), and sees the outcome when the job ends."""

import json

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.jobs.models import Job
from tests.browser import site as seed


def _job(live_server, **changes):
    """Create (no id) or change the job the page shows, as the consumer would."""

    def work():
        job = db.session.get(Job, changes.pop("id")) if "id" in changes else None
        if job is None:
            admin = db.session.scalar(select(User).where(User.nip == seed.ADMIN.nip))
            job = Job(kind="certificates.issue", created_by_id=admin.id, state="running",
                      params_json=json.dumps({"target": "course", "id": 1, "label": "SPBE-101",
                                              "slug": "spbe-101", "chosen": None}))
            db.session.add(job)
        issued = changes.pop("issued", None)
        if issued is not None:
            job.summary_json = json.dumps({"issued": issued, "unverified": 0, "refused": 0,
                                           "refusals": []})
            job.progress_done = issued
        for name, value in changes.items():
            setattr(job, name, value)
        db.session.commit()
        return job.id

    return live_server.query(work)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_admin_watches_bulk_issuing_progress(live_server, open_context, javascript):
    job_id = _job(live_server, issued=137, progress_total=500)
    page = open_context(seed.ADMIN, java_script_enabled=javascript).new_page()
    page.goto(f"/admin/tugas/{job_id}")
    status = page.get_by_role("status")
    assert "137 dari 500 diterbitkan" in status.inner_text()

    _job(live_server, id=job_id, issued=300)
    status.get_by_text("300 dari 500 diterbitkan").wait_for()
    assert page.locator("progress").get_attribute("value") == "300"

    _job(live_server, id=job_id, issued=500, state="succeeded")
    page.get_by_text("500 dari 500 diterbitkan").wait_for()
    page.get_by_text("Selesai").first.wait_for()
    # Finished: the page stops refreshing and links back to the issuing page.
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert page.get_by_role("link", name="Kembali ke penerbitan sertifikat SPBE-101").is_visible()
