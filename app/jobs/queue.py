"""The queue itself: Huey, embedded (a SQLite file in instance/) by default, Redis when
LMS_REDIS_URL is set, and run in-process in tests (immediate mode).

Huey only carries "run job N"; the job's record and state live in the `job` table
(app/jobs/models.py), so a message lost with a killed consumer or a queue that was down is
re-sent from the database (runner.requeue_lost_jobs).

Huey is imported on first use (`get_huey()`): its storage module imports Redis and psycopg, ~18
MiB per process, and a web worker needs it only when a request starts a job.
"""

import logging
import os
import socket
import threading
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "consumer-heartbeat"
PENDING_KEY = "kompeten_jobs_to_send"
# One Huey per process, built on first use and pointed at the storage of the app configured
# last (one app per process in production; in tests each test's own).
_state = {"app": None, "worker": None, "huey": None, "tasks": {}, "immediate": True}


def queue_file(app):
    return Path(app.instance_path) / "jobs.db"


def _storage(app):
    from huey.storage import RedisStorage, SqliteStorage
    from redis import ConnectionPool

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
    _state["app"] = app
    _state["immediate"] = bool(app.config["JOBS_IMMEDIATE"])
    if _state["huey"] is not None:
        _point_at_storage(_state["huey"], app)
    _listen_for_commits()


def is_immediate():
    """Jobs run in-process, at once (tests), instead of through a consumer."""
    return _state["immediate"]


def _point_at_storage(instance, app):
    instance.immediate = _state["immediate"]
    if not instance.immediate:
        instance.storage = _storage(app)


def get_huey():
    """The process's Huey with its tasks, built on first use."""
    if _state["huey"] is None:
        from huey import Huey
        from huey.storage import MemoryStorage

        instance = Huey("kompeten", storage_class=MemoryStorage, results=False)
        _register_tasks(instance)
        if _state["app"] is not None:
            _point_at_storage(instance, _state["app"])
        _state["huey"] = instance
    return _state["huey"]


def _register_tasks(instance):
    from app.jobs.periodic import is_any_due, run_due_periodic_jobs

    _state["tasks"]["run_job"] = instance.task(name="run_job")(run_job_task)
    instance.periodic_task(is_any_due, name="periodic_jobs")(run_due_periodic_jobs)


def __getattr__(name):
    # `queue.huey` for the consumer and the tests; importing this module does not build it.
    if name == "huey":
        return get_huey()
    raise AttributeError(name)


def job_app():
    """The app jobs run in: the one this process configured last (one per process in
    production; in tests the test's own)."""
    return _state["app"]


def worker_name():
    """host:pid of this process, recorded on the jobs it runs."""
    if _state["worker"] is None:
        _state["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return _state["worker"]


def run_job_task(job_id):
    """The task Huey runs (registered by _register_tasks): the job, or a retry later."""
    from huey.exceptions import RetryTask

    from app.jobs.runner import RetryLater, run_job

    try:
        if _state["immediate"]:
            _run_in_own_thread(run_job, job_id)
        else:
            run_job(job_id)
    except RetryLater as retry:
        raise RetryTask(delay=retry.delay) from None


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
        get_huey()
        task = _state["tasks"]["run_job"]
        if delay:
            task.schedule(args=(job_id,), delay=delay)
        else:
            task(job_id)
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
    # SQLAlchemy also calls after_commit when a savepoint is released (begin_nested, as
    # start_attempt and issue_certificate use): the transaction holding the job row goes on,
    # so the message waits for the real commit.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING_KEY, None)
    for job_id in pending or ():
        send_job(job_id)


def _forget_pending(session):
    # Only when the whole transaction is gone: a savepoint rolled back inside it leaves the
    # outer transaction's jobs to be sent at its commit.
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


def _listen_for_commits():
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_rollback", _forget_pending)


# --- heartbeat --------------------------------------------------------------------------------

def beat():
    get_huey().put(HEARTBEAT_KEY, {"at": time.time(), "worker": worker_name()})


def last_heartbeat():
    """{"at": epoch seconds, "worker": "host:pid"} of the consumer that beat last, or None."""
    return get_huey().get(HEARTBEAT_KEY, peek=True)


def queue_length():
    return get_huey().pending_count()
