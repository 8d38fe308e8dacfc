"""Where one endpoint's time goes: pyinstrument over many requests, in process, on a database
seeded by `flask bench seed` (keep one with `bench/run.py --keep`).

    .venv/bin/pip install pyinstrument        # a profiling tool, not a project dependency
    .venv/bin/python bench/profile.py --database sqlite:///bench/tmp/<run>/kompeten-bench.db \\
        --fixtures bench/tmp/<run>/fixtures.json --endpoint module [--requests 300]

The requests go through the whole WSGI app (hooks, login, CSRF, headers) with the Flask test
client, so the profile shows the app's own work without gunicorn and the network.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from client import csrf_token
from werkzeug.datastructures import MultiDict

from app import create_app
from config import engine_options

ENDPOINTS = ("ping", "catalogue", "catalogue_learner", "course", "module", "dashboard", "verify",
             "admin_opd", "autosave")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--endpoint", choices=ENDPOINTS, required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--html", help="also write pyinstrument's HTML view here")
    return parser.parse_args()


def make_app(url):
    return create_app("config.Config", {
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="kompeten-profile-"),
        "SECRET_KEY": "profile", "VERIFY_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://"})


def logged_in(app, nip, password):
    client = app.test_client()
    page = client.get("/masuk")
    reply = client.post("/masuk", data={"identifier": nip, "password": password,
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert reply.status_code == 302, reply.status_code
    client.get("/beranda")  # shows the welcome flash once
    return client


def request_for(endpoint, app, fixtures):
    """A function doing one request of the endpoint, as the bench does it."""
    learner = fixtures["learners"][0]
    course = learner["courses"][-1]
    if endpoint in ("ping", "catalogue", "verify"):
        client = app.test_client()
        path = {"ping": "/ping", "catalogue": "/",
                "verify": f"/verify/{fixtures['verification_codes'][0]}"}[endpoint]
        return lambda: client.get(path)
    if endpoint == "admin_opd":
        client = logged_in(app, fixtures["admin_nip"], fixtures["password"])
        return lambda: client.get("/admin/laporan/opd")
    client = logged_in(app, learner["nip"], fixtures["password"])
    if endpoint == "autosave":
        attempt = learner["attempt_id"]
        page = client.get(f"/percobaan/{attempt}")
        if page.status_code != 200:
            sys.exit("The bench learners' attempts are submitted already: profile autosave on a "
                     "database kept from `bench/run.py --keep --no-submit`.")
        token = csrf_token(page.get_data(as_text=True))
        form = MultiDict([*map(tuple, learner["fields"]), ("csrf_token", token)])
        return lambda: client.post(f"/percobaan/{attempt}/autosimpan", data=form)
    path = {"course": f"/kursus/{course}", "dashboard": "/beranda", "catalogue_learner": "/",
            "module": f"/kursus/{course}/modul/{fixtures['courses'][course][0]}"}[endpoint]
    return lambda: client.get(path)


def unprofiled(app, do_request, count):
    """Mean milliseconds and SQL statements per request, without the profiler's overhead."""
    from sqlalchemy import event

    from app.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine

    def count_statement(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count_statement)
    # CPU time of this process: what other programs on a shared machine do not add to.
    started = time.process_time()
    for _ in range(count):
        do_request()
    elapsed = time.process_time() - started
    event.remove(engine, "before_cursor_execute", count_statement)
    return 1000 * elapsed / count, len(statements) / count


def main():
    from pyinstrument import Profiler

    args = parse_args()
    fixtures = json.loads(Path(args.fixtures).read_text(encoding="utf-8"))
    app = make_app(args.database)
    do_request = request_for(args.endpoint, app, fixtures)
    for _ in range(20):  # warm caches: templates, compiled statements, connections
        assert do_request().status_code == 200
    milliseconds, statements = unprofiled(app, do_request, args.requests)
    print(f"{args.endpoint}: {milliseconds:.2f} CPU ms and {statements:.1f} SQL statements per "
          "request (in process, no profiler)")
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.requests):
            do_request()
    elapsed = time.perf_counter() - started
    print(f"profiled: {1000 * elapsed / args.requests:.2f} ms per request with the profiler on")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html(), encoding="utf-8")


if __name__ == "__main__":
    main()
