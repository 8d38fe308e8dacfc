"""gunicorn settings for `make serve` (docs/operations.md). Every value can be overridden by an
LMS_* environment variable; gunicorn's own command-line flags win over this file."""

import multiprocessing
import os
import sys

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
# Sync workers, one request at a time each: 2 x cores + 1 keeps the CPU busy while some wait
# on the database. Each worker builds its own app (no preload), so database engines and their
# connection pools are created after the fork and never shared between processes.
workers = int(os.environ.get("LMS_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
preload_app = False
timeout = int(os.environ.get("LMS_WORKER_TIMEOUT", 60))  # a PDF batch can take a while
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("LMS_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("LMS_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (for `gunicornc`) defaults to one path per user account, so a
# second instance on the machine (staging beside production, a test run) would take over the
# first one's. It lives in this instance's own folder; LMS_CONTROL_SOCKET=off disables it.
_instance = os.environ.get("LMS_INSTANCE_PATH") or os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "instance")
control_socket = os.environ.get("LMS_CONTROL_SOCKET") or os.path.join(_instance, "gunicorn.ctl")
control_socket_disable = control_socket.lower() in ("off", "0", "no", "false")


def post_fork(server, worker):
    """Should the app ever be preloaded, drop the parent's connections in each child."""
    from app.extensions import db

    app = getattr(worker, "wsgi", None)
    if callable(app) and hasattr(app, "app_context"):
        with app.app_context():
            db.engine.dispose(close=False)


def on_starting(server):
    """Check the settings once in the master, before any worker boots: a wrong setting is one
    Indonesian line per problem and exit status 2 (app/startup_checks.py), not a worker boot
    loop of tracebacks."""
    from app.startup_checks import check_before_start

    check_before_start()
    if sys.flags.optimize < 2:
        server.log.info("Workers keep docstrings: start gunicorn with PYTHONOPTIMIZE=2 for about "
                        "7 MiB less per worker (docs/operations.md, Memory)")
