"""The queue itself: Huey, embedded (a SQLite file in instance/) by default, Redis when
LMS_REDIS_URL is set, and run in-process in tests (immediate mode).

Huey only carries "run job N"; the job's record and state live in the `job` table
(app/jobs/models.py), so a message lost with a killed consumer or a queue that was down is
re-sent from the database (runner.requeue_lost_jobs).
"""

import logging
import os
import socket
import threading
import time
from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# One instance per process, configured by configure_queue() when the app is created (storage
# swapped in); tasks are registered on it at import time, as Huey expects.
huey = Huey("kompeten", storage_class=MemoryStorage, results=False)

HEARTBEAT_KEY = "consumer-heartbeat"
PENDING_KEY = "kompeten_jobs_to_send"
_state = {"app": None, "worker": None}


def queue_file(app):
    return Path(app.instance_path) / "jobs.db"


def _storage(app):
    name = app.config["JOBS_QUEUE_NAME"]
    if app.config.get("REDIS_URL"):
        # Short timeouts: a Redis that does not answer must not hold a web request for long.
        pool = ConnectionPool.from_url(app.config["REDIS_URL"], socket_timeout=5,
                                       socket_connect_timeout=2)
        return RedisStorage(name, connection_pool=pool)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return SqliteStorage(name, filename=str(queue_file(app)), timeout=10)


def configure_queue(app):
    """Point the process's Huey at this app's storage, or run jobs in-process (immediate)."""
    huey.immediate = bool(app.config["JOBS_IMMEDIATE"])
    if not huey.immediate:
        huey.storage = _storage(app)
    _state["app"] = app
    _listen_for_commits()


def job_app():
    """The app jobs run in: the one this process configured last (one per process in
    production; in tests the test's own)."""
    return _state["app"]


def worker_name():
    """host:pid of this process, recorded on the jobs it runs."""
    if _state["worker"] is None:
        _state["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return _state["worker"]


@huey.task(name="run_job")
def run_job_task(job_id):
    from app.jobs.runner import run_job

    if huey.immediate:
        _run_in_own_thread(run_job, job_id)
    else:
        run_job(job_id)


def _run_in_own_thread(function, *args):
    """Immediate mode (tests): run the job as a consumer thread would, outside the request
    that started it (no request context, own app context and database connection), and wait
    for it; whatever it raises is raised here."""
    outcome = {}

    def target():
        try:
            function(*args)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name=f"job-{args[0]}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]


def send_job(job_id, delay=None):
    """Put "run job N" on the queue. False when the queue could not take it (the job stays
    queued in the database and the consumer's sweep sends it again)."""
    try:
        if delay:
            run_job_task.schedule(args=(job_id,), delay=delay)
        else:
            run_job_task(job_id)
    except Exception as error:  # the queue being down must never fail the request
        log.warning("job %s could not be queued now (%s); the consumer will pick it up",
                    job_id, error)
        return False
    return True


# --- send after commit ------------------------------------------------------------------------
# A job is started inside the request's transaction; its message must wait for the commit, or
# a fast consumer would look for a row it cannot see yet (and a rolled-back job never runs).

def send_after_commit(session, job_id):
    session.info.setdefault(PENDING_KEY, []).append(job_id)


def _send_pending(session):
    pending = session.info.pop(PENDING_KEY, None)
    for job_id in pending or ():
        send_job(job_id)


def _forget_pending(session):
    session.info.pop(PENDING_KEY, None)


def _listen_for_commits():
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_rollback", _forget_pending)


# --- heartbeat --------------------------------------------------------------------------------

def beat():
    huey.put(HEARTBEAT_KEY, {"at": time.time(), "worker": worker_name()})


def last_heartbeat():
    """{"at": epoch seconds, "worker": "host:pid"} of the consumer that beat last, or None."""
    return huey.get(HEARTBEAT_KEY, peek=True)


def queue_length():
    return huey.pending_count()
