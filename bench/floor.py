"""What a logged-in request costs before its page does anything: the floor under every
learner page, beside `/ping` and the real pages, in process (no profiler, no gunicorn).

    .venv/bin/python bench/floor.py --database sqlite:///$PWD/bench/tmp/<run>/kompeten-bench.db \\
        --fixtures bench/tmp/<run>/fixtures.json [--requests 3000] [--rounds 3]

Two routes exist only in this process: a `login_required` view that returns a constant (the
session cookie, the user load, session protection, every hook and header, no template, no
statement of its own) and the same view rendering the bare page frame (base.html with an empty
body). docs/performance.md uses the figures to say how far a page's own work can go.
"""

import argparse
import importlib.util
import json
import statistics
from pathlib import Path

from flask import render_template
from flask_login import login_required


def _bench_profile():
    """bench/profile.py by its path: its name is also the standard library's (which cProfile
    imports), so `import profile` could find the wrong one."""
    spec = importlib.util.spec_from_file_location(
        "bench_profile", Path(__file__).resolve().parent / "profile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_profile = _bench_profile()
logged_in, make_app, request_for = _profile.logged_in, _profile.make_app, _profile.request_for
unprofiled = _profile.unprofiled


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def add_floor_routes(app, template_dir):
    app.jinja_loader.searchpath.insert(0, str(template_dir))

    @app.get("/_bench/floor")
    @login_required
    def floor():
        return "ok"

    @app.get("/_bench/frame")
    @login_required
    def frame():
        return render_template("bench_frame.html")


def main():
    args = parse_args()
    fixtures = json.loads(Path(args.fixtures).read_text(encoding="utf-8"))
    app = make_app(args.database)
    template_dir = Path(app.instance_path) / "bench-templates"
    template_dir.mkdir(parents=True, exist_ok=True)
    (template_dir / "bench_frame.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>x</p>{% endblock %}', encoding="utf-8")
    add_floor_routes(app, template_dir)
    learner = fixtures["learners"][0]
    client = logged_in(app, learner["nip"], fixtures["password"])
    anonymous = app.test_client()
    requests = {
        "/ping, no cookie": lambda: anonymous.get("/ping"),
        "/ping, logged in": lambda: client.get("/ping"),
        "login_required, returns a constant": lambda: client.get("/_bench/floor"),
        "login_required, bare page frame": lambda: client.get("/_bench/frame"),
    }
    for endpoint in ("catalogue_learner", "module", "course", "dashboard"):
        requests[endpoint] = request_for(endpoint, app, fixtures)
    timings = {name: [] for name in requests}
    for _ in range(args.rounds):  # interleaved, so drift of the machine hits every row alike
        for name, do_request in requests.items():
            for _ in range(50):
                assert do_request().status_code == 200, name
            timings[name].append(unprofiled(app, do_request, args.requests)[0])
    ping = statistics.median(timings["/ping, no cookie"])
    print(f"{'request':40} {'CPU ms (median of rounds)':>26} {'× /ping':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:40} {median:26.3f} {median / ping:8.2f}")


if __name__ == "__main__":
    main()
