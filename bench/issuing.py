"""Issuing certificates in bulk while learners work: the scenario of bench/run.py that runs a
job consumer beside gunicorn (`--only issuing` runs it alone, `--no-issuing` leaves it out).

On the seeded database, `flask bench waiting-certificates` adds a course with 1,000 learners
who completed it and wait for their certificates. A consumer (`flask jobs worker`) starts, and
wrk starts 32 learner connections: module pages and quiz autosaves of the bench learners, each
connection pausing --issuing-pause-ms (default 1 s) after every answer, about 30 requests a
second and far busier than 32 people (0 sends them back to back like the other scenarios).
Then the bulk job starts as an admin would start it from the console (`flask certificates
issue CODE --all`) and the learners keep going until the job has ended. Reported: issuing time
(the job's own record, queued to finished), certificates per second, the consumer's CPU per
certificate, and the learners' requests (total, failed = socket errors or HTTP status >= 400,
p50/p99). Afterwards the course must hold exactly one valid certificate per learner, with
consecutive numbers and a stored PDF each.
"""

import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

from client import USER_AGENT, csrf_token, fetch, log_in_all
from load import Scenario, _wrk_figures, write_requests
from scenarios import answers_form, get, shuffled
from server import BIN, ROOT, flask_command, process_cpu_seconds
from sqlalchemy import create_engine, text

WAITING_CODE = "BNC-TERBIT"  # app/operations/bench_issuing.py
WRK_DIR = Path(__file__).resolve().parent / "wrk"
LONGEST_SECONDS = 1800  # wrk's own limit; the job ending stops it long before
SECONDS_TARGET = 90
PAUSE_MS = 1000  # a learner connection's pause after each answer
COUNT_FOR_TARGET = 1000


def add_arguments(parser):
    parser.add_argument("--no-issuing", action="store_true",
                        help="skip the bulk-issuing scenario (it runs last, about 2 minutes)")
    parser.add_argument("--issuing-count", type=int, default=COUNT_FOR_TARGET,
                        help="certificates the bulk job issues")
    parser.add_argument("--issuing-pause-ms", type=int, default=PAUSE_MS,
                        help="pause of each learner connection after each answer during the "
                             "issuing (0: back to back)")


def wanted(args):
    return not args.no_issuing and (not args.only or "issuing" in args.only.split(","))


# --- the learners -----------------------------------------------------------------------------

def learner_requests(fixtures, cookies, tokens, connections):
    """Half module pages, half autosaves, of as many bench learners as connections."""
    requests = []
    for learner in fixtures["learners"][:connections]:
        cookie, token = cookies[learner["nip"]], tokens[learner["nip"]]
        slug = fixtures["bench_course"]
        for module in fixtures["courses"][slug]:
            requests.append(get(f"/kursus/{slug}/modul/{module}", cookie))
            requests.append({
                "method": "POST", "path": f"/percobaan/{learner['attempt_id']}/autosimpan",
                "headers": {"User-Agent": USER_AGENT, "Cookie": cookie,
                            "Content-Type": "application/x-www-form-urlencoded",
                            "Accept": "application/json", "X-CSRFToken": token},
                "body": urllib.parse.urlencode(answers_form(learner, token))})
    return shuffled(requests)


def log_in_learners(port, fixtures, connections):
    learners = fixtures["learners"][:connections]
    cookies = log_in_all(port, [learner["nip"] for learner in learners], fixtures["password"])
    tokens = {}
    for learner in learners:
        reply = fetch(port, "GET", f"/percobaan/{learner['attempt_id']}",
                      cookie=cookies[learner["nip"]])
        if reply.status != 200:
            raise RuntimeError(f"/percobaan/{learner['attempt_id']} answered {reply.status} "
                               f"{reply.location} for learner {learner['nip']}")
        tokens[learner["nip"]] = csrf_token(reply.body)
    return cookies, tokens


class LearnerLoad:
    """wrk in the background until stop(): SIGINT makes it stop and print its figures."""

    def __init__(self, port, scenario, pause_ms, work_dir, meters):
        self.scenario, self.meters = scenario, meters
        data = Path(work_dir) / "issuing_learners.lua"
        write_requests(data, scenario.requests)
        script = WRK_DIR / ("learners.lua" if pause_ms else "rotate.lua")
        self.output_path = Path(work_dir) / "issuing_learners.wrk.txt"
        self.output = open(self.output_path, "w")  # closed in stop()
        self.before = meters.read()
        self.process = subprocess.Popen(
            ["wrk", "-t1", f"-c{scenario.connections}", f"-d{LONGEST_SECONDS}s", "--timeout",
             "60s", "-s", str(script), f"http://127.0.0.1:{port}", "--", str(data), "0",
             str(pause_ms)], stdout=self.output, stderr=subprocess.STDOUT)

    def running(self):
        return self.process.poll() is None

    def stop(self):
        generator_cpu = 0.0  # unknown when wrk ended by itself (poll() collected it)
        if self.running():
            self.process.send_signal(signal.SIGINT)
            _pid, _status, usage = os.wait4(self.process.pid, 0)
            generator_cpu = usage.ru_utime + usage.ru_stime
        cpu_used = self.meters.used(self.before, self.meters.read())
        self.output.close()
        output = self.output_path.read_text()
        line = next((line for line in output.splitlines() if line.startswith("BENCH_JSON ")),
                    None)
        if line is None:
            raise RuntimeError(f"wrk printed no figures: {output}")
        return _wrk_figures(json.loads(line.removeprefix("BENCH_JSON ")), self.scenario,
                            generator_cpu, cpu_used)


def failed_requests(figures):
    """Socket errors (connect, read, write, timeout) and responses with status >= 400."""
    return figures["error_count"] + sum(count for status, count in figures["statuses"].items()
                                        if int(status) >= 400)


# --- the consumer and the job -----------------------------------------------------------------

class Consumer:
    """`flask jobs worker` with the served app's environment; stopped with SIGTERM."""

    def __init__(self, env, log_path):
        self.log = open(log_path, "ab")  # closed in stop()
        self.process = subprocess.Popen([str(BIN / "flask"), "jobs", "worker"], cwd=ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, port, timeout=60):
        """Until /healthz (the web workers' view of the queue) sees its heartbeat."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the job consumer exited with {self.process.returncode}")
            jobs = json.loads(fetch(port, "GET", "/healthz").body).get("jobs", {})
            if jobs.get("consumer") == "ok":
                return jobs
            time.sleep(0.2)
        raise RuntimeError("the job consumer never showed a heartbeat in /healthz")

    def cpu_seconds(self):
        return process_cpu_seconds(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_job(env, admin_nip, log):
    output = flask_command(env, "certificates", "issue", WAITING_CODE, "--all", "--by",
                           admin_nip, log=log)
    match = re.search(r"Tugas #(\d+)", output)
    if match is None:
        raise RuntimeError(f"no job started: {output}")
    return int(match.group(1))


def wait_for_job(engine, job_id, learners, poll_seconds=0.5):
    """The job's row once it has ended, printing its progress now and then."""
    shown = time.monotonic()
    while True:
        with engine.connect() as connection:
            job = connection.execute(text(
                "SELECT state, progress_done, progress_total, attempts, error, summary_json, "
                "created_at, started_at, finished_at FROM job WHERE id = :id"),
                {"id": job_id}).mappings().one()
        if job["state"] in ("succeeded", "failed"):
            return dict(job)
        if not learners.running():
            raise RuntimeError("wrk stopped before the job ended")
        if time.monotonic() - shown >= 15:
            print(f"   issuing: {job['progress_done']}/{job['progress_total']}", flush=True)
            shown = time.monotonic()
        time.sleep(poll_seconds)


def _seconds(later, earlier):
    if isinstance(later, str):  # SQLite hands timestamps back as text
        from datetime import datetime

        later, earlier = datetime.fromisoformat(later), datetime.fromisoformat(earlier)
    return (later - earlier).total_seconds()


def check_certificates(engine, count):
    """One valid certificate per waiting learner, consecutive numbers, a PDF in each."""
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT count(*) AS valid, count(DISTINCT c.user_id) AS holders, "
            "min(c.sequence) AS first, max(c.sequence) AS last, min(c.year) AS year, "
            "count(DISTINCT c.year) AS years, min(length(c.pdf)) AS smallest_pdf "
            "FROM certificate c JOIN course k ON k.id = c.course_id "
            "WHERE k.code = :code AND c.revoked_at IS NULL"), {"code": WAITING_CODE}
        ).mappings().one()
        waiting = connection.scalar(text(
            "SELECT count(*) FROM enrollment e JOIN course k ON k.id = e.course_id "
            "WHERE k.code = :code AND NOT EXISTS (SELECT 1 FROM certificate c WHERE "
            "c.user_id = e.user_id AND c.course_id = e.course_id AND c.revoked_at IS NULL)"),
            {"code": WAITING_CODE})
        in_range = connection.scalar(text(
            "SELECT count(*) FROM certificate WHERE year = :year AND sequence BETWEEN :first "
            "AND :last"), {"year": row["year"], "first": row["first"], "last": row["last"]})
    consecutive = (row["years"] == 1 and row["last"] - row["first"] + 1 == row["valid"]
                   == in_range)
    return {"valid": row["valid"], "holders": row["holders"], "still_waiting": waiting,
            "sequences": [row["first"], row["last"]], "consecutive": consecutive,
            "smallest_pdf_bytes": row["smallest_pdf"],
            "ok": row["valid"] == row["holders"] == count and waiting == 0 and consecutive
            and (row["smallest_pdf"] or 0) > 1000}


# --- the scenario -----------------------------------------------------------------------------

def run(env, port, database_url, fixtures, args, work_dir, meters):
    """Seed the waiting learners, run consumer, learners and job; the result for results.json."""
    count, connections = args.issuing_count, args.connections
    log = open(Path(work_dir) / "issuing.log", "w")
    flask_command(env, "bench", "waiting-certificates", "--count", str(count), log=log)
    cookies, tokens = log_in_learners(port, fixtures, connections)
    scenario = Scenario("issuing_learners", "Learners during the bulk issuing",
                        learner_requests(fixtures, cookies, tokens, connections), connections)
    consumer = Consumer(env, Path(work_dir) / "consumer.log")
    engine = create_engine(database_url)
    try:
        queue = consumer.wait_ready(port)
        learners = LearnerLoad(port, scenario, args.issuing_pause_ms, work_dir, meters)
        consumer_cpu_at_start = consumer.cpu_seconds()
        try:
            time.sleep(2)  # the learners are at work before the admin starts the job
            consumer_cpu = consumer.cpu_seconds()
            started = time.perf_counter()
            job_id = start_job(env, fixtures["admin_nip"], log)
            job = wait_for_job(engine, job_id, learners)
            wall = time.perf_counter() - started
            consumer_cpu = consumer.cpu_seconds() - consumer_cpu
        finally:
            figures = learners.stop()
            # The load generator's "other programs" figure counted the consumer too.
            consumer_cores = (consumer.cpu_seconds() - consumer_cpu_at_start) / figures["seconds"]
            if figures["other_cpu_cores"] is not None:
                figures["other_cpu_cores"] = round(max(0.0, figures["other_cpu_cores"]
                                                       - consumer_cores), 2)
    finally:
        consumer.stop()
        log.close()
    checks = check_certificates(engine, count)
    engine.dispose()
    seconds = _seconds(job["finished_at"], job["created_at"])
    summary = json.loads(job["summary_json"] or "{}")
    result = {
        "count": count, "job_state": job["state"], "job_attempts": job["attempts"],
        "job_error": job["error"], "issued": summary.get("issued"),
        "refused": summary.get("refused", 0), "seconds": round(seconds, 1),
        "wall_seconds_with_command": round(wall, 1),
        "certificates_per_second": round(count / seconds, 2) if seconds else None,
        "consumer_cpu_ms_per_certificate": round(1000 * consumer_cpu / count, 1),
        "queue": "Redis" if env.get("LMS_REDIS_URL") else "SQLite (instance/jobs.db)",
        "consumer_at_start": queue, "learners": {
            "connections": connections, "pause_ms": args.issuing_pause_ms,
            "requests": figures["requests"], "failed": failed_requests(figures),
            "figures": figures}, "checks": checks}
    latency = figures["latency_ms"]
    print(f"   {'Bulk issuing (' + str(count) + ' certificates)':<40} {seconds:>6.1f} s  "
          f"{result['certificates_per_second']} cert/s  job {job['state']}  learners "
          f"{figures['requests']} requests, {result['learners']['failed']} failed, "
          f"p50 {latency['p50']:.1f} ms  p99 {latency['p99']:.1f} ms  checks "
          f"{'ok' if checks['ok'] else checks}", flush=True)
    return result


# --- report -----------------------------------------------------------------------------------

def targets(run_result):
    """The issue's targets for one database's run, in bench/report.py's shape."""
    result = run_result.get("issuing")
    if not result:
        return []
    database, learners = run_result["database"], result["learners"]
    found = [{"target": f"Bulk issuing of {result['count']:,} certificates while "
                        f"{learners['connections']} learners work: 0 failed learner requests",
              "database": database,
              "measured": f"{learners['failed']} of {learners['requests']:,}",
              "goal": "0", "met": learners["failed"] == 0},
             {"target": "Bulk issuing: every waiting learner gets exactly one certificate, "
                        "numbers consecutive, job succeeded", "database": database,
              "measured": f"{result['checks']['valid']:,} valid, "
                          f"{result['checks']['still_waiting']} waiting, job "
                          f"{result['job_state']}",
              "goal": f"{result['count']:,} / 0 / succeeded",
              "met": result["checks"]["ok"] and result["job_state"] == "succeeded"}]
    if result["count"] == COUNT_FOR_TARGET:
        found.append({"target": f"Bulk issuing of {COUNT_FOR_TARGET:,} certificates: total "
                                f"time ≤ {SECONDS_TARGET} s on 2 cores", "database": database,
                      "measured": f"{result['seconds']:.0f} s", "goal": f"≤ {SECONDS_TARGET} s",
                      "met": result["seconds"] <= SECONDS_TARGET})
    return found


def markdown(document):
    rows = [run for run in document["runs"].values() if run.get("issuing")]
    if not rows:
        return []
    lines = ["## Bulk issuing while learners work", "",
             "A job consumer (`flask jobs worker`, 2 threads) beside gunicorn issues a course's "
             "certificates to every learner waiting for one (`flask certificates issue CODE "
             "--all`) while learner connections keep reading module pages and autosaving "
             "their quiz (half each). Issuing time is the job's own record, from queued to "
             "finished; failed learner requests are socket errors and statuses ≥ 400. Each learner "
             "connection pauses the given time after every answer (0: back to back).", "",
             "| Database | Queue | Certificates | Issuing s | Certificates/s | Consumer CPU "
             "ms/certificate | Learner conns (pause ms) | Learner requests | Failed | "
             "Learner req/s | p50 ms | p99 ms | Other programs' CPU (cores) | Checks |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for run in rows:
        result = run["issuing"]
        learners = result["learners"]
        figures = learners["figures"]
        checks = result["checks"]
        lines.append(
            f"| {run['database']} | {result['queue']} | {result['count']:,} | "
            f"{result['seconds']:.1f} | {result['certificates_per_second']:.1f} | "
            f"{result['consumer_cpu_ms_per_certificate']:.0f} | {learners['connections']} "
            f"({learners['pause_ms']}) | {learners['requests']:,} | {learners['failed']} | "
            f"{figures['rps']:.0f} | {figures['latency_ms']['p50']:.1f} | "
            f"{figures['latency_ms']['p99']:.1f} | {figures['other_cpu_cores']} | "
            f"{'ok' if checks['ok'] else 'FAILED'}: sequences {checks['sequences'][0]}–"
            f"{checks['sequences'][1]} |")
    return lines
