"""Load benchmark of Kompeten under gunicorn, driven by wrk (docs/performance.md).

    .venv/bin/python bench/run.py [--database sqlite] [--database postgresql+psycopg://...]
                                  [--duration 10] [--connections 32] [--scale 1.0]

For each database: a fresh database (SQLite under bench/tmp/, or the PostgreSQL database named
in the URL, dropped and created again), `flask db upgrade`, `flask bench seed`, gunicorn with
the production settings (2 workers), real logins, then per endpoint a /ping baseline run and
the endpoint run with the same connections and duration, one after the other, so drift of the
machine cancels out of their ratio. Quiz submit is a burst of one request per bench learner,
checked in the database afterwards. Writes bench/results.json and bench/results.md.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import issuing
import peer
import render
import report
import scenarios
import search
from client import csrf_token, fetch, log_in_all
from load import run_wrk
from server import (
    ROOT,
    CpuMeters,
    Gunicorn,
    app_environment,
    check_postgres,
    drop_postgres,
    flask_command,
    free_port,
    postgres_cpu_seconds,
    recreate_postgres,
    sqlite_database,
    system_busy_seconds,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TMP = ROOT / "bench" / "tmp"  # scratch data of a run; not committed
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/kompeten_bench"
COUNTED_TABLES = ("agency", "course", "module", "enrollment", "module_progress", "attempt",
                  "attempt_question", "certificate")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", metavar="sqlite|URL",
                        help="sqlite, or a PostgreSQL URL whose database the bench may drop "
                             f"and create, e.g. {DEFAULT_POSTGRES} (repeatable; default: "
                             "sqlite)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--admin-connections", type=int, default=1,
                        help="the OPD report is opened by one admin at a time")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="rate-limit storage shared by the workers; '' for memory")
    parser.add_argument("--quiet-wait", type=int, default=0, metavar="SECONDS",
                        help="on a shared machine, wait up to this long before each endpoint "
                             "until other programs use less than --quiet-below cores")
    parser.add_argument("--quiet-below", type=float, default=0.25, metavar="CORES")
    parser.add_argument("--only", help="comma-separated endpoint keys, 'submit' and 'issuing' "
                                       "(quick runs)")
    parser.add_argument("--no-submit", action="store_true", help="skip the quiz-submit burst")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results"),
                        help="results path without extension (.json and .md are written)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the seeded databases and logs (for profiling)")
    issuing.add_arguments(parser)
    return parser.parse_args()


# --- the environment --------------------------------------------------------------------------

def require_wrk():
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then "
                 "run again. `make bench` installs it itself.")


def usable_redis(url):
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception as error:  # no Redis: the limiter counts in memory per worker
        print(f"Redis at {url} not reachable ({type(error).__name__}); limits in memory.")
        return None


def git_commit():
    """HEAD's commit, read from .git without running git."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        if (git / ref).is_file():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return "unknown"


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info(runs):
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu_model": cpu_model(), "cpu_count": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1), "kernel": platform.release(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "postgresql": next((run["server_version"] for run in runs.values()
                            if run.get("server_version")), None),
        "wrk": wrk[1] if len(wrk) > 1 else "unknown",
        **{name: importlib.metadata.version(name)
           for name in ("flask", "sqlalchemy", "gunicorn", "psycopg")},
    }


def table_counts(url):
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {table: connection.scalar(text(f'SELECT count(*) FROM "{table}"'))
                  for table in COUNTED_TABLES}
        counts["asn"] = connection.scalar(text(
            'SELECT count(*) FROM "user" WHERE is_learner AND active'))
        counts["completed"] = connection.scalar(text(
            "SELECT count(*) FROM enrollment WHERE completed_at IS NOT NULL"))
        version = (connection.scalar(text("SHOW server_version"))
                   if engine.dialect.name == "postgresql" else None)
    engine.dispose()
    return counts, version


# --- one database -----------------------------------------------------------------------------

def wait_for_quiet(args):
    """Seconds waited (at most --quiet-wait) for the machine to be nearly idle: the server is
    idle between runs, so what keeps the CPU busy then is someone else."""
    waited = 0
    while waited < args.quiet_wait:
        before = system_busy_seconds()
        time.sleep(1)
        if system_busy_seconds() - before <= args.quiet_below:
            break
        time.sleep(4)
        waited += 5
    return waited


class Baselines:
    """/ping runs around the endpoint runs: baseline, endpoint, baseline, endpoint, ... The run
    after one endpoint is also the run before the next (same connections, nothing waited for
    in between), so each endpoint sits between two baselines at the cost of one extra run."""

    def __init__(self, port, args, work_dir, meters):
        self.port, self.args, self.work_dir, self.meters = port, args, work_dir, meters
        self.last = None  # (connections, figures) of the latest baseline run

    def run(self, connections):
        figures = run_wrk(self.port, scenarios.baseline(connections), self.args.duration,
                          self.work_dir, self.meters)
        self.last = (connections, figures)
        return figures

    def before(self, connections, waited):
        if self.last and self.last[0] == connections and not waited:
            return self.last[1]
        return self.run(connections)


def measured_pair(scenario, baselines, args, work_dir, notes):
    """The endpoint run between two baseline runs of the same connections and duration."""
    waited = wait_for_quiet(args)
    before = baselines.before(scenario.connections, waited)
    result = run_wrk(baselines.port, scenario, args.duration, work_dir, baselines.meters)
    after = baselines.run(scenario.connections)
    base = report.combined_baseline(before, after)
    print(f"   {scenario.label:<40} {result['rps']:>7.0f} req/s  "
          f"(baseline {before['rps']:.0f}/{after['rps']:.0f})  "
          f"p50 {result['latency_ms']['p50']:.1f} ms  p99 {result['latency_ms']['p99']:.1f} ms  "
          f"errors {result['error_count'] + result['unexpected_status']}  "
          f"other CPU {result['other_cpu_cores'] or 0:.2f} cores", flush=True)
    return {"key": scenario.key, "label": scenario.label, "connections": scenario.connections,
            "requests_rotated": len(scenario.requests), "figures": result, "baseline": base,
            "baseline_runs": [before, after], "ratio": report.ratios(result, base),
            "notes": notes, "waited_for_quiet_s": waited}


def quiz_submit(port, learners, cookies, tokens, meters, database_url):
    """All bench learners submit at once (after a /ping burst of the same shape), then submit
    again (a second tab): the second round must grade nothing."""
    ping = scenarios.ping_burst(port, len(learners), meters)  # same shape, same client
    first, graded_first = scenarios.submit_round(port, learners, cookies, tokens, meters)
    again, graded_again = scenarios.submit_round(port, learners, cookies, tokens, meters)
    checks = scenarios.check_attempts_in_database(database_url, learners, graded_first,
                                                  graded_again)
    print(f"   {'Quiz submit (' + str(len(learners)) + ' learners at once)':<40} "
          f"p50 {first['latency_ms']['p50']:.0f} ms  max {first['latency_ms']['max']:.0f} ms  "
          f"errors {first['error_count'] + first['unexpected_status']}  checks {checks}",
          flush=True)
    return {"key": "submit", "label": f"Quiz submit ({len(learners)} learners at once)",
            "connections": len(learners), "figures": first, "baseline": ping,
            "ratio": report.ratios(first, ping), "resubmit": again, "checks": checks,
            "graded_by_first_round": sum(graded_first.values()),
            "graded_by_resubmit": sum(graded_again.values())}


def measure(server, port, database, fixtures, args, work_dir):
    learners = fixtures["learners"]
    nips = [learner["nip"] for learner in learners] + [fixtures["admin_nip"]]
    started = time.perf_counter()
    cookies = log_in_all(port, nips, fixtures["password"])
    tokens = {learner["nip"]: csrf_token(fetch(
        port, "GET", f"/percobaan/{learner['attempt_id']}", cookie=cookies[learner["nip"]]).body)
        for learner in learners}
    print(f"   logged in {len(cookies)} users in {time.perf_counter() - started:.1f} s",
          flush=True)
    planned = scenarios.endpoint_scenarios(fixtures, cookies, tokens, args.connections,
                                           args.admin_connections)
    if args.only:
        planned = [s for s in planned if s.key in args.only.split(",")]
    notes = {scenario.key: scenarios.sanity_check(port, scenario) for scenario in planned}
    meters = CpuMeters(server.cpu_seconds,
                       postgres_cpu_seconds if database.kind == "postgresql" else None)
    for scenario in [scenarios.baseline(args.connections), *planned]:
        run_wrk(port, scenario, args.warmup, work_dir, meters)
    baselines = Baselines(port, args, work_dir, meters)
    endpoints = [measured_pair(s, baselines, args, work_dir, notes[s.key]) for s in planned]
    return endpoints, (cookies, tokens, meters)


def measure_submit(port, database, fixtures, args, session):
    """Last: it submits the bench learners' open attempts, which the page and issuing
    scenarios autosave into (a submitted attempt's page leads to its result instead)."""
    if args.no_submit or (args.only and "submit" not in args.only.split(",")):
        return None
    cookies, tokens, meters = session
    wait_for_quiet(args)
    return quiz_submit(port, fixtures["learners"], cookies, tokens, meters, database.url)


def prepare(database_spec, run_dir):
    if database_spec == "sqlite":
        return sqlite_database(run_dir)
    return recreate_postgres(database_spec)


def bench_database(database_spec, args, redis_url):
    kind = "sqlite" if database_spec == "sqlite" else "postgresql"
    run_dir = TMP / f"{datetime.datetime.now():%Y%m%d-%H%M%S}-{kind}"
    run_dir.mkdir(parents=True)
    database = prepare(database_spec, run_dir)
    port = free_port()
    env = app_environment(database, run_dir, port, redis_url, args.workers)
    print(f"== {database.label}: migrate and seed (scale {args.scale})", flush=True)
    with open(run_dir / "bench.log", "w") as log:
        flask_command(env, "db", "upgrade", log=log)
        started = time.perf_counter()
        flask_command(env, "bench", "seed", "--scale", str(args.scale), "--fixtures",
                      str(run_dir / "fixtures.json"), log=log)
        seed_seconds = time.perf_counter() - started
    fixtures = json.loads((run_dir / "fixtures.json").read_text(encoding="utf-8"))
    counts, server_version = table_counts(database.url)
    print(f"   seeded in {seed_seconds:.0f} s: {counts}", flush=True)
    server = Gunicorn(env, port, run_dir / "gunicorn.log")
    try:
        server.wait_ready()
        endpoints, session = measure(server, port, database, fixtures, args, run_dir)
        worker_rss = server.worker_rss_mib()  # after every page and autosave scenario
        issued = issuing.run(env, port, database.url, fixtures, args, run_dir, CpuMeters(
            server.cpu_seconds, postgres_cpu_seconds if database.kind == "postgresql" else None
        )) if issuing.wanted(args) else None
        submit = measure_submit(port, database, fixtures, args, session)
    except BaseException:
        print(f"Stopped; the data and logs (gunicorn.log, *.wrk.txt) stay in {run_dir}")
        raise
    finally:
        server.stop()
    if not args.keep:
        shutil.rmtree(run_dir)
        if database.kind == "postgresql":
            drop_postgres(database.url)
    return {"database": database.label,
            "url": make_url(database.url).render_as_string(hide_password=True),
            "server_version": server_version, "seed_seconds": round(seed_seconds, 1),
            "counts": counts, "workers": args.workers, "redis": bool(redis_url),
            "endpoints": endpoints, "submit": submit, "issuing": issued,
            "worker_rss_mib": worker_rss}


# --- all of it --------------------------------------------------------------------------------

def check_databases(specs):
    for spec in specs:
        if spec != "sqlite":
            problem = check_postgres(spec)
            if problem:
                sys.exit(f"PostgreSQL at {spec} is not usable: {problem}")


def search_inside(args):
    """bench/search.py on SQLite, and on a `<bench database>_search` beside the PostgreSQL one."""
    postgres = next((spec for spec in args.database or () if spec != "sqlite"), None)
    if postgres is None:
        return search.measure()
    url = make_url(postgres)
    database = recreate_postgres(url.set(database=f"{url.database}_search").render_as_string(
        hide_password=False))
    try:
        return search.measure(database.url)
    finally:
        drop_postgres(database.url)


def write_results(runs, args, wall_seconds):
    comparison = report.postgres_comparison(runs)
    document = {
        "generated_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git_commit": git_commit(), "machine": machine_info(runs),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup,
                     "connections": args.connections,
                     "admin_connections": args.admin_connections, "scale": args.scale,
                     "workers": args.workers, "generator": "wrk -t1 (bench/wrk/rotate.lua)",
                     "quiet_wait_s": args.quiet_wait, "quiet_below_cores": args.quiet_below},
        "runs": runs, "postgresql_vs_sqlite": comparison,
        "targets": report.evaluate_targets(runs, comparison),
        "certificate_render": render.measure(),
        "search_inside": search_inside(args),
        "wall_seconds": round(wall_seconds, 1),
    }
    output = Path(args.output)
    output.with_suffix(".json").write_text(json.dumps(document, indent=1, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
    text_report = report.markdown(document)
    markdown_path = output.with_suffix(".md")
    # `make bench-peer` writes its own section: a new run of the rest keeps it.
    peer_section = peer.section_of(markdown_path)
    markdown_path.write_text(text_report, encoding="utf-8")
    if peer_section:
        peer.write_section(markdown_path, peer_section)
    return text_report


def main():
    args = parse_args()
    require_wrk()
    specs = args.database or ["sqlite"]
    check_databases(specs)
    redis_url = usable_redis(args.redis_url)
    started = time.perf_counter()
    runs = {}
    for spec in specs:
        runs["sqlite" if spec == "sqlite" else "postgresql"] = bench_database(spec, args,
                                                                              redis_url)
    print(write_results(runs, args, time.perf_counter() - started))


if __name__ == "__main__":
    main()
