"""Running a job: claim it, run its kind's function with a context for progress and result
files, and end it as succeeded, failed, or waiting for a retry with backoff.

Every job kind is idempotent: a job that ran half-way (its consumer was killed) is run again
from the start and only does what is still missing. The claim is a conditional UPDATE, so two
consumers that both received "run job N" never run it at the same time.
"""

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.jobs import queue
from app.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job

log = logging.getLogger(__name__)


class JobError(LmsError):
    """A job cannot do its work for a reason people can act on (shown on /admin/tugas);
    it is not retried."""


class RetryLater(Exception):
    """Run the job again after `delay` seconds (the queue task turns it into Huey's retry)."""

    def __init__(self, delay):
        super().__init__(delay)
        self.delay = delay


@dataclass(frozen=True)
class JobKind:
    name: str
    run: object  # run(context)
    label: object  # label(params) -> text for /admin/tugas
    max_attempts: int = 5
    progress_text: object = None  # progress_text(job) -> "137 dari 500 diterbitkan"
    back_link: object = None  # back_link(params) -> (url, text) of the page it was started from
    summary_lines: object = None  # summary_lines(job) -> [text]: what the job's page reports
    private_result: bool = False  # its result file (passwords) only for the admin who started it


JOB_KINDS = {}


def register_job_kind(name, run, label, **options):
    """Make a kind of job runnable: run(context) does the work, label(params) names it."""
    JOB_KINDS[name] = JobKind(name, run, label, **options)


def job_label(job):
    kind = JOB_KINDS.get(job.kind)
    return kind.label(job.params) if kind else job.kind


@dataclass
class JobContext:
    """What a job's function sees: its parameters, progress, summary and result file."""

    job: Job
    summary: dict = field(default_factory=dict)

    @property
    def params(self):
        return self.job.params

    def progress(self, done, total=None):
        """Record progress and commit, together with the step's own work: call it when a step
        is complete (one short transaction per step, which also proves the job is alive)."""
        self.job.progress_done = done
        if total is not None:
            self.job.progress_total = total
        self.job.heartbeat_at = utcnow()
        self.job.summary_json = json.dumps(self.summary)
        db.session.commit()

    def report(self, done, total=None):
        """Record progress from inside a long read (an export streaming rows): written on its
        own connection, so the session's open cursor and snapshot are left alone."""
        values = {"progress_done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == self.job.id).values(**values))

    def result_folder(self):
        folder = results_root() / str(self.job.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def offer_result(self, path, download_name, days=None):
        """Offer a finished file (written under result_folder()) for download for a set time."""
        path = Path(path)
        self.job.result_path = str(path.relative_to(results_root()))
        self.job.result_name = download_name
        self.job.result_size = path.stat().st_size
        days = days if days is not None else current_app.config["JOB_RESULT_DAYS"]
        self.job.result_expires_at = utcnow() + timedelta(days=days)


def results_root():
    return Path(current_app.instance_path) / "job-results"


def run_job(job_id):
    """Run one job in its own app context (its own database session); the consumer's threads
    and the tests' immediate mode both come here."""
    with queue.job_app().app_context():
        job = _claim(job_id)
        if job is None:
            return
        delay = _run_claimed(job)
    if delay is not None:
        raise RetryLater(delay)


def _claim(job_id):
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == QUEUED)
        .values(state=RUNNING, worker=queue.worker_name(), attempts=Job.attempts + 1,
                heartbeat_at=now, retry_at=None, error=None,
                started_at=func.coalesce(Job.started_at, now))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return None  # finished, running elsewhere, or never committed
    return db.session.get(Job, job_id)


def _run_claimed(job):
    """Run the claimed job; the seconds until its retry, or None when it has ended."""
    kind = JOB_KINDS.get(job.kind)
    context = JobContext(job, summary=job.summary)
    try:
        if kind is None:
            raise JobError(_("Jenis tugas tidak dikenal: %(kind)s.", kind=job.kind))
        kind.run(context)
    except LmsError as error:
        db.session.rollback()
        _end(job, FAILED, error.message, context)
        return None
    except Exception as error:  # any other failure is retried, then reported
        db.session.rollback()
        log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
        return _retry_or_fail(job, error, context)
    _end(job, SUCCEEDED, None, context)
    return None


def retry_delay(attempts):
    """Backoff: base, 2 x base, 4 x base ... seconds after the 1st, 2nd, 3rd failure."""
    base = current_app.config["JOB_RETRY_SECONDS"]
    return base * 2 ** max(attempts - 1, 0)


def _retry_or_fail(job, error, context):
    job = db.session.get(Job, job.id)
    with force_locale("id"):
        reason = _("Kesalahan sistem (%(kind)s).", kind=type(error).__name__)
        if job.attempts >= job.max_attempts:
            message = _("Gagal setelah %(n)d percobaan. %(reason)s Admin dapat mencoba lagi.",
                        n=job.attempts, reason=reason)
            _end(job, FAILED, message, context)
            return None
        delay = retry_delay(job.attempts)
        job.state = QUEUED
        job.retry_at = utcnow() + timedelta(seconds=delay)
        job.error = _("Percobaan ke-%(n)d gagal: %(reason)s Dicoba lagi otomatis.",
                      n=job.attempts, reason=reason)
    db.session.commit()
    return delay


def _end(job, state, message, context):
    job = db.session.get(Job, job.id)
    job.state = state
    job.error = message
    job.finished_at = utcnow()
    job.heartbeat_at = job.finished_at
    job.summary_json = json.dumps(context.summary)
    if state == SUCCEEDED and job.progress_total:
        job.progress_done = job.progress_total
    if state == FAILED:
        from app.notifications.events import job_failed  # notifications import jobs

        job_failed(job, job_label(job))
    db.session.commit()


# --- recovery ---------------------------------------------------------------------------------

def beat_running_jobs(now=None):
    """The consumer's heartbeat thread marks the jobs it is running as alive, so that a step
    slower than JOB_STALE_SECONDS (a long render, a wait for a lock) is not taken for a dead
    consumer and run a second time beside itself; only a consumer that stopped beating loses
    its jobs."""
    db.session.execute(
        update(Job).where(Job.state == RUNNING, Job.worker == queue.worker_name())
        .values(heartbeat_at=now or utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()


def requeue_lost_jobs(now=None):
    """Send again what the queue lost: running jobs whose heartbeat stopped (their consumer
    was killed) and, when the queue is empty, queued jobs that are due. Returns the job ids.

    A running job becomes queued again by a conditional UPDATE, so of two consumers sweeping
    at once only one re-sends it; a message sent twice is harmless (the claim decides)."""
    now = now or utcnow()
    stale = now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    orphans = db.session.scalars(select(Job.id).where(
        Job.state == RUNNING, Job.heartbeat_at < stale)).all()
    revived = []
    for job_id in orphans:
        moved = db.session.execute(
            update(Job).where(Job.id == job_id, Job.state == RUNNING, Job.heartbeat_at < stale)
            .values(state=QUEUED, worker=None)
            .execution_options(synchronize_session=False)).rowcount
        if moved:
            revived.append(job_id)
    db.session.commit()
    if queue.queue_length() == 0:
        # Nothing is waiting in the queue, so a due queued job was never sent (the queue was
        # down when it started) or its message was lost: send it.
        revived += db.session.scalars(select(Job.id).where(
            Job.state == QUEUED, Job.created_at < stale,
            or_(Job.retry_at.is_(None), Job.retry_at < stale))).all()
    revived = list(dict.fromkeys(revived))
    for job_id in revived:
        queue.send_job(job_id)
    return revived


def remove_result_file(job):
    """Delete a job's result folder (after the row no longer offers it)."""
    shutil.rmtree(results_root() / str(job.id), ignore_errors=True)


# --- waiting (CLI --wait) ---------------------------------------------------------------------

def consumer_is_alive():
    beat = queue.last_heartbeat()
    limit = 3 * current_app.config["JOB_HEARTBEAT_SECONDS"]
    return beat is not None and time.time() - beat["at"] <= limit


def wait_for_job(job_id, report=None, poll_seconds=1.0):
    """Block until the job has ended and return it; `report(job)` is called as it moves.
    With no live consumer the job is run here, in this process (its retries too), so a
    command with --wait finishes on a server whose consumer is not running."""
    last = None
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if report is not None and (job.state, job.progress_done) != last:
            last = (job.state, job.progress_done)
            report(job)
        if job.is_finished:
            return job
        if job.state == QUEUED and not queue.is_immediate() and not consumer_is_alive():
            due = job.retry_at is None or job.retry_at <= utcnow()
            if due:
                db.session.commit()
                try:
                    run_job(job_id)
                except RetryLater:
                    pass  # the job is queued again with its retry time; loop waits for it
                continue
        time.sleep(poll_seconds)
