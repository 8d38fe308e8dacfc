"""`/healthz`: is this worker able to serve? Database (and Redis when configured) reachable,
the instance folder's disk writable with room left; the job consumer's heartbeat and the queue
length are reported alongside."""

import os
import time
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("operations", __name__)


def _check_database():
    db.session.execute(text("SELECT 1"))
    db.session.rollback()  # leave no transaction open on the pooled connection


def _check_redis(url):
    import redis  # only needed when Redis is configured

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def disk_status(folder, low_mb):
    """("ok" | "low" | "read-only" | "error: ...", free MB) for the disk holding folder: uploads,
    exports, backups and a SQLite database all live there."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:  # not made yet: the disk it will be on
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError as error:
        return f"error: {error.strerror}", None
    free_mb = round(stats.f_bavail * stats.f_frsize / (1024 * 1024), 1)
    if stats.f_flag & os.ST_RDONLY:
        return "read-only", free_mb
    return ("low" if free_mb < low_mb else "ok"), free_mb


def _timed(check, *args):
    """("ok", ms) or ("error: <kind>", ms); the reason's details stay in the server log."""
    started = time.perf_counter()
    try:
        check(*args)
        status = "ok"
    except Exception as error:  # a health check reports failure, it never raises
        current_app.logger.warning("health check %s failed: %s", check.__name__, error)
        status = f"error: {type(error).__name__}"
    return status, round((time.perf_counter() - started) * 1000, 1)


def job_queue_status():
    """The consumer's heartbeat and the queue's length. Reported, never a reason for 503: a
    stopped consumer delays certificates, but this web worker still serves everyone."""
    from app.jobs import queue

    if queue.is_immediate():
        return {"consumer": "immediate"}
    try:
        heartbeat, waiting = queue.last_heartbeat(), queue.queue_length()
    except Exception as error:  # the queue's storage itself is unreachable
        current_app.logger.warning("health check of the job queue failed: %s", error)
        return {"consumer": f"error: {type(error).__name__}"}
    status = {"queue_length": waiting}
    if heartbeat is None:
        status["consumer"] = "missing"
        return status
    age = max(0.0, time.time() - heartbeat["at"])
    stale_after = 3 * current_app.config["JOB_HEARTBEAT_SECONDS"]
    status.update(consumer="ok" if age <= stale_after else "stale",
                  heartbeat_age_seconds=round(age, 1), worker=heartbeat["worker"])
    return status


@bp.route("/healthz")
def healthz():
    """200 while the database answers ("degraded" when Redis does not), 503 otherwise (take
    this worker out of rotation)."""
    checks = {}
    checks["database"], database_ms = _timed(_check_database)
    timings = {"database_ms": database_ms}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"], timings["redis_ms"] = _timed(_check_redis, redis_url)
    checks["disk"], free_mb = disk_status(current_app.instance_path,
                                          current_app.config["DISK_LOW_MB"])
    # Only the database decides: without Redis or disk room every worker still serves pages
    # (limits count per process, jobs wait, uploads are refused with a message), so the load
    # balancer must keep it; "degraded" tells the operator.
    healthy = checks["database"] == "ok"
    degraded = healthy and any(value != "ok" for value in checks.values())
    status = "degraded" if degraded else "ok" if healthy else "error"
    response = jsonify(status=status, checks=checks, jobs=job_queue_status(),
                       disk_free_mb=free_mb, **timings)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ping")
def ping():
    """A constant through the whole stack (hooks, headers, session): the benchmark's baseline."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
