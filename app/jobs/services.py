"""Starting, retrying, finding and tidying jobs. Services flush; the caller commits, and the
job's message goes on the queue only after that commit."""

import json
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.admin.menu import AdminCount
from app.audit import record_event
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.jobs import queue
from app.jobs.models import FAILED, FINISHED_STATES, QUEUED, RUNNING, Job
from app.jobs.runner import JOB_KINDS, remove_result_file


class JobRefused(LmsError):
    """A job cannot be started or retried now."""


def start_job(kind, params, user, subject_key=None, total=0):
    """Record a job and send it to the queue when the caller commits. With a subject_key, a
    job still waiting or running for that subject is returned instead of a second one."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if subject_key:
        running = active_job(subject_key)
        if running is not None:
            return running
    job = Job(kind=kind, params_json=json.dumps(params, sort_keys=True), subject_key=subject_key,
              created_by_id=user.id if user is not None else None, progress_total=total,
              max_attempts=JOB_KINDS[kind].max_attempts, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    queue.send_after_commit(db.session(), job.id)
    return job


def active_job(subject_key):
    """The job for this subject that is still waiting or running, or None."""
    return db.session.scalar(select(Job).where(
        Job.subject_key == subject_key, Job.state.not_in(FINISHED_STATES))
        .order_by(Job.id.desc()).limit(1))


def latest_job(subject_key):
    return db.session.scalar(select(Job).where(Job.subject_key == subject_key)
                             .order_by(Job.id.desc()).limit(1))


def retry_job(job, user):
    """A failed job runs again from the start (every kind is idempotent: what was already
    done is not done twice)."""
    retried = db.session.execute(
        update(Job).where(Job.id == job.id, Job.state == FAILED)
        .values(state=QUEUED, attempts=0, error=None, finished_at=None, retry_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if retried != 1:
        raise JobRefused(_("Hanya tugas yang gagal yang dapat dicoba lagi."))
    db.session.refresh(job)
    record_event(user, "job.retry", "job", job.id, kind=job.kind)
    queue.send_after_commit(db.session(), job.id)
    return job


def jobs_query(state=None):
    query = (select(Job).options(joinedload(Job.created_by))
             .order_by(Job.created_at.desc(), Job.id.desc()))
    if state:
        query = query.where(Job.state == state)
    return query


def expire_job_results(now=None):
    """Delete result files whose time is up; the jobs stay listed. Returns how many."""
    now = now or utcnow()
    expired = db.session.scalars(select(Job).where(
        Job.result_path.is_not(None), Job.result_expires_at < now)).all()
    for job in expired:
        job.result_path = None
    db.session.commit()
    for job in expired:  # files only after the commit: a failed commit keeps both
        remove_result_file(job)
    return len(expired)


FAILED_RECENTLY_DAYS = 7


def running_count():
    """The admin home's count: jobs waiting or running."""
    active = db.session.scalar(select(func.count()).select_from(Job)
                               .where(Job.state.in_((QUEUED, RUNNING))))
    return AdminCount(_("Tugas latar berjalan atau menunggu"), active, url_for("jobs.index"))


def failed_count(now=None):
    """The admin home's count: jobs that failed in the last week (retry them or read why)."""
    since = (now or utcnow()) - timedelta(days=FAILED_RECENTLY_DAYS)
    failed = db.session.scalar(select(func.count()).select_from(Job)
                               .where(Job.state == FAILED, Job.created_at >= since))
    return AdminCount(_("Tugas latar gagal (7 hari terakhir)"), failed,
                      url_for("jobs.index", status=FAILED), urgent=True)
