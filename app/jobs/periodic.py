"""Periodic jobs: what runs by itself on a schedule (the nightly SQLite backup, closing overdue
quiz attempts, expiring job results). Each is an ordinary job (a row in `job`, started by the
"system"), so every run shows in /admin/tugas with its outcome and is retried like any other;
each can be turned off by its setting.

Huey's scheduler (in the consumer started without --no-periodic) decides when; the schedules
are read from the settings when they are checked, in Palu's time (WITA, UTC+8).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.database import utcnow
from app.extensions import db
from app.jobs import queue
from app.jobs.services import latest_job, start_job
from app.settings import get_setting

log = logging.getLogger(__name__)
WITA_OFFSET_HOURS = 8


@dataclass(frozen=True)
class Periodic:
    name: str
    kind: str  # the job kind it starts (registered with register_job_kind)
    label: object
    schedule: object  # schedule(local_time) -> True when a run is due (checked each minute)
    schedule_text: object  # callable -> words for /admin/tugas
    enabled_setting: str

    @property
    def subject_key(self):
        return f"periodic:{self.name}"


PERIODIC = {}


def register_periodic(periodic):
    PERIODIC[periodic.name] = periodic


def is_enabled(periodic):
    return bool(get_setting(periodic.enabled_setting))


def start_periodic(name):
    """Start one run now (unless turned off, or the last run is still waiting or running);
    commits, so the job is sent to the queue. Returns the job, or None when turned off."""
    periodic = PERIODIC[name]
    if not is_enabled(periodic):
        log.info("periodic job %s is turned off (%s)", name, periodic.enabled_setting)
        return None
    job = start_job(periodic.kind, {}, None, subject_key=periodic.subject_key)
    db.session.commit()
    return job


def periodic_overview():
    """[(periodic, enabled, last job or None)] for /admin/tugas: one query per periodic job
    (a fixed handful)."""
    return [(periodic, is_enabled(periodic), latest_job(periodic.subject_key))
            for periodic in PERIODIC.values()]


def _local(timestamp):
    """Huey gives naive UTC timestamps; schedules are written in WITA."""
    return timestamp + timedelta(hours=WITA_OFFSET_HOURS)


def _due(timestamp):
    """Names of the periodic jobs due at this minute (settings read inside the app)."""
    app = queue.job_app()
    with app.app_context():
        return [name for name, periodic in PERIODIC.items()
                if periodic.schedule(_local(timestamp))]


def is_any_due(timestamp):
    """Huey's schedule check for the periodic task (registered by app/jobs/queue.py)."""
    return bool(_due(timestamp))


def run_due_periodic_jobs():
    """Every minute the scheduler asks; this starts each job whose time has come."""
    now = utcnow().replace(tzinfo=None, second=0, microsecond=0)
    app = queue.job_app()
    with app.app_context():
        for name in _due(now):
            start_periodic(name)


# --- the jobs kept here: expiring results and pruning old job rows -------------------------------

def run_expire_jobs(context):
    """Delete result files whose time is up, and job rows older than the history setting."""
    from sqlalchemy import delete, select

    from app.jobs.models import FINISHED_STATES, Job
    from app.jobs.runner import remove_result_file
    from app.jobs.services import expire_job_results

    context.summary["expired_files"] = expire_job_results()
    cutoff = utcnow() - timedelta(days=int(get_setting("jobs.history_days")))
    old = db.session.scalars(select(Job).where(
        Job.state.in_(FINISHED_STATES), Job.finished_at < cutoff)).all()
    ids = [job.id for job in old]
    if ids:
        db.session.execute(delete(Job).where(Job.id.in_(ids)))
    context.summary["pruned_jobs"] = len(ids)
    context.progress(1, 1)
    for job in old:  # files only after the commit
        remove_result_file(job)


def expire_summary(job):
    summary = job.summary
    return [str(_l("%(files)d berkas hasil kedaluwarsa dihapus; %(jobs)d catatan tugas lama "
                   "dihapus.", files=summary.get("expired_files", 0),
                   jobs=summary.get("pruned_jobs", 0)))]


def register_job_housekeeping():
    from app.jobs.runner import register_job_kind

    register_job_kind("jobs.expire", run_expire_jobs,
                      lambda params: _l("Bersihkan hasil tugas yang kedaluwarsa"),
                      summary_lines=expire_summary)
    register_periodic(Periodic(
        name="expire_results", kind="jobs.expire", label=_l("Bersihkan hasil tugas"),
        schedule=lambda local: local.minute == 30,
        schedule_text=lambda: _l("setiap jam, menit ke-30"),
        enabled_setting="jobs.expire_results"))
