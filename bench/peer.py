"""Kompeten beside a peer LMS: Kolibri, measured with the same wrk settings in one alternating
run (`make bench-peer`; optional, documented in docs/performance.md).

    .venv/bin/python bench/peer.py [--duration 10] [--connections 32] [--rounds 2]

- Kolibri (KOLIBRI_VERSION) goes into its own virtualenv under bench/tmp/ (never into the
  project's), with a home folder of its own, telemetry ("ping") and zeroconf off, listening on
  127.0.0.1 only; a facility and an admin are provisioned without a network.
- Kompeten runs as `make bench` runs it: a fresh SQLite database seeded at a small scale,
  gunicorn with the production settings.
- Comparable requests, each pair measured Kompeten then Kolibri, round after round, so drift of
  the machine touches both alike: the health answer, the first page a visitor gets, and the
  first page a signed-in learner gets. Kolibri has no content without a network (its channels
  come from Kolibri Studio), so only the pages that need none are compared.
- Writes bench/results-peer.json and the "Beside Kolibri" section of bench/results.md.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import load
from client import log_in_all
from scenarios import get
from server import (
    ROOT,
    CpuMeters,
    Gunicorn,
    _processes,
    app_environment,
    flask_command,
    free_port,
    process_cpu_seconds,
    sqlite_database,
)

KOLIBRI_VERSION = "0.19.5"
TMP = ROOT / "bench" / "tmp"
KOLIBRI_PASSWORD = "bench-palu-2026"
SECTION_START = "<!-- peer:start -->"
SECTION_END = "<!-- peer:end -->"
# (key, label, Kompeten path, Kolibri path, signed in)
PAIRS = (
    ("health", "Health answer", "/ping", "/api/public/info/", False),
    ("visitor", "First page, visitor", "/", "/id/learn/", False),
    ("learner", "First page, signed-in learner", "/beranda", "/id/learn/", True),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.1, help="Kompeten's seed scale")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results-peer.json"))
    parser.add_argument("--markdown", default=str(ROOT / "bench" / "results.md"))
    return parser.parse_args()


# --- Kolibri ----------------------------------------------------------------------------------

def kolibri_environment(home, port):
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOLIBRI_")}
    env.update({"KOLIBRI_HOME": str(home), "KOLIBRI_HTTP_PORT": str(port),
                "KOLIBRI_LISTEN_ADDRESS": "127.0.0.1", "KOLIBRI_DISABLE_PING": "1",
                "KOLIBRI_ZEROCONF_ENABLED": "0", "KOLIBRI_RUN_MODE": "kompeten-bench"})
    return env


def kolibri_binary():
    """bench/tmp/kolibri-<version>/bin/kolibri, installed on first use."""
    venv = TMP / f"kolibri-{KOLIBRI_VERSION}"
    binary = venv / "bin" / "kolibri"
    if not binary.exists():
        print(f"== installing Kolibri {KOLIBRI_VERSION} into {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                        f"kolibri=={KOLIBRI_VERSION}"], check=True)
    return binary


class Kolibri:
    def __init__(self, binary, home, port, log_path):
        self.env, self.port = kolibri_environment(home, port), port
        self.log = open(log_path, "ab")  # closed in stop()
        subprocess.run([str(binary), "manage", "provisiondevice", "--facility", "Palu",
                        "--superusername", "admin", "--superuserpassword", KOLIBRI_PASSWORD,
                        "--preset", "nonformal", "--language_id", "id", "--noinput"],
                       env=self.env, stdout=self.log, stderr=subprocess.STDOUT, check=True)
        self.process = subprocess.Popen([str(binary), "start", "--foreground", "--port",
                                         str(port)], env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Kolibri exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url("/api/public/info/"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("Kolibri did not answer in time")

    def signed_in_cookie(self):
        """The admin's session cookie, from Kolibri's own sign-in API."""
        with urllib.request.urlopen(self.url("/api/public/v1/facility/")) as reply:
            facility = json.load(reply)[0]["id"]
        body = json.dumps({"username": "admin", "password": KOLIBRI_PASSWORD,
                           "facility": facility}).encode()
        request = urllib.request.Request(self.url("/api/auth/session/"), data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as reply:
            cookies = reply.headers.get_all("Set-Cookie") or []
        pairs = [re.match(r"([^=;]+=[^;]*)", cookie).group(1) for cookie in cookies]
        if not any(pair.startswith("kolibri=") for pair in pairs):
            raise RuntimeError(f"Kolibri sign-in gave no session cookie: {cookies}")
        return "; ".join(pairs)

    def processes(self):
        """Kolibri's process and its children."""
        family = {self.process.pid}
        for pid, _name, parent in sorted(_processes()):
            if parent in family:
                family.add(pid)
        return family

    def cpu_seconds(self):
        return sum(process_cpu_seconds(pid) for pid in self.processes())

    def rss_mib(self):
        total = 0
        for pid in self.processes():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return round(total / 1024, 1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- Kompeten ---------------------------------------------------------------------------------

def start_kompeten(run_dir, scale):
    database = sqlite_database(run_dir)
    port = free_port()
    env = app_environment(database, run_dir, port, None, 2)
    with open(run_dir / "kompeten.log", "w") as log:
        flask_command(env, "db", "upgrade", log=log)
        flask_command(env, "bench", "seed", "--scale", str(scale), "--fixtures",
                      str(run_dir / "fixtures.json"), log=log)
    fixtures = json.loads((run_dir / "fixtures.json").read_text(encoding="utf-8"))
    server = Gunicorn(env, port, run_dir / "gunicorn.log")
    server.wait_ready()
    learner = fixtures["learners"][0]["nip"]
    cookie = log_in_all(port, [learner], fixtures["password"])[learner]
    return server, port, cookie


# --- the run ----------------------------------------------------------------------------------

def page_bytes(port, path, cookie):
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request) as reply:
        return len(reply.read())


def measure(side, port, meters, key, path, cookie, args, run_dir):
    scenario = load.Scenario(f"{side}-{key}", f"{side} {path}", [get(path, cookie)],
                             args.connections)
    return load.run_wrk(port, scenario, args.duration, run_dir, meters)


def alternate(kompeten, kolibri, args, run_dir):
    sides = {"kompeten": (kompeten["port"], CpuMeters(kompeten["server"].cpu_seconds)),
             "kolibri": (kolibri["server"].port, CpuMeters(kolibri["server"].cpu_seconds))}
    results = {key: {"kompeten": [], "kolibri": []} for key, *_ in PAIRS}
    for round_number in range(1, args.rounds + 1):
        for key, label, ours, theirs, signed_in in PAIRS:
            for side, path in (("kompeten", ours), ("kolibri", theirs)):
                port, meters = sides[side]
                cookie = (kompeten if side == "kompeten" else kolibri)["cookie"] \
                    if signed_in else None
                figures = measure(side, port, meters, key, path, cookie, args, run_dir)
                results[key][side].append(figures)
                print(f"   round {round_number} {label:<32} {side:<9} {figures['rps']:>7.0f} "
                      f"req/s  p50 {figures['latency_ms']['p50']:.1f} ms  errors "
                      f"{figures['error_count'] + figures['unexpected_status']}", flush=True)
    return results


def summary(results, kompeten, kolibri):
    rows = []
    for key, label, ours, theirs, signed_in in PAIRS:
        ours_runs, theirs_runs = results[key]["kompeten"], results[key]["kolibri"]
        rps_ours = sum(r["rps"] for r in ours_runs) / len(ours_runs)
        rps_theirs = sum(r["rps"] for r in theirs_runs) / len(theirs_runs)
        cookies = (kompeten["cookie"], kolibri["cookie"]) if signed_in else (None, None)
        rows.append({
            "key": key, "label": label, "kompeten_path": ours, "kolibri_path": theirs,
            "kompeten_rps": round(rps_ours, 1), "kolibri_rps": round(rps_theirs, 1),
            "ratio": round(rps_ours / rps_theirs, 2) if rps_theirs else None,
            "kompeten_p50_ms": ours_runs[-1]["latency_ms"]["p50"],
            "kolibri_p50_ms": theirs_runs[-1]["latency_ms"]["p50"],
            "kompeten_cpu_ms": ours_runs[-1]["server_cpu_ms_per_request"],
            "kolibri_cpu_ms": theirs_runs[-1]["server_cpu_ms_per_request"],
            "kompeten_bytes": page_bytes(kompeten["port"], ours, cookies[0]),
            "kolibri_bytes": page_bytes(kolibri["server"].port, theirs, cookies[1]),
            "errors": sum(r["error_count"] + r["unexpected_status"]
                          for r in ours_runs + theirs_runs)})
    return rows


def markdown(document):
    lines = [SECTION_START, "## Beside Kolibri (`make bench-peer`)", "",
             f"{document['generated_at']}, Kolibri {document['kolibri_version']} (its own "
             f"server, one process, telemetry and zeroconf off, 127.0.0.1 only) beside Kompeten "
             f"(2 gunicorn workers, SQLite, seed scale {document['scale']}), wrk "
             f"{document['connections']} connections, {document['duration_s']} s per run, "
             f"{document['rounds']} alternating rounds (req/s is their mean). Kolibri has no "
             "content without a network, so only pages that need none are compared; the page "
             "size is the HTML alone (Kolibri's page then loads its JavaScript application).",
             "", "| Request | Kompeten | Kolibri | Kompeten req/s | Kolibri req/s | Kompeten × "
             "Kolibri | p50 ms (K / Ko) | CPU ms/req (K / Ko) | HTML bytes (K / Ko) | errors |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in document["pairs"]:
        lines.append(
            f"| {row['label']} | `{row['kompeten_path']}` | `{row['kolibri_path']}` | "
            f"{row['kompeten_rps']:.0f} | {row['kolibri_rps']:.0f} | {row['ratio']:.2f}× | "
            f"{row['kompeten_p50_ms']:.1f} / {row['kolibri_p50_ms']:.1f} | "
            f"{row['kompeten_cpu_ms']:.1f} / {row['kolibri_cpu_ms']:.1f} | "
            f"{row['kompeten_bytes']:,} / {row['kolibri_bytes']:,} | {row['errors']} |")
    lines += ["", f"Resident memory after the runs: Kompeten "
              f"{', '.join(f'{size:.0f}' for size in document['kompeten_rss_mib'])} MiB per "
              f"worker; Kolibri {document['kolibri_rss_mib']:.0f} MiB.", SECTION_END]
    return "\n".join(lines)


def section_of(path):
    """The peer section of an existing results.md, or None."""
    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    if SECTION_START not in text or SECTION_END not in text:
        return None
    return SECTION_START + text.split(SECTION_START, 1)[1].split(SECTION_END, 1)[0] + SECTION_END


def write_section(path, section):
    """Replace the peer section of results.md (or append it): `make bench` keeps it."""
    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1] if SECTION_END in rest else ""
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    Path(path).write_text(text, encoding="utf-8")


def main():
    args = parse_args()
    run_dir = TMP / f"{datetime.datetime.now():%Y%m%d-%H%M%S}-peer"
    run_dir.mkdir(parents=True)
    binary = kolibri_binary()
    kolibri_server = Kolibri(binary, run_dir / "kolibri-home", free_port(),
                             run_dir / "kolibri.log")
    kompeten_server = None
    try:
        kolibri_server.wait_ready()
        kolibri = {"server": kolibri_server, "cookie": kolibri_server.signed_in_cookie()}
        print("== Kompeten: migrate, seed, gunicorn", flush=True)
        kompeten_server, port, cookie = start_kompeten(run_dir, args.scale)
        kompeten = {"server": kompeten_server, "port": port, "cookie": cookie}
        results = alternate(kompeten, kolibri, args, run_dir)
        document = {
            "generated_at": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            "kolibri_version": KOLIBRI_VERSION, "scale": args.scale,
            "connections": args.connections, "duration_s": args.duration,
            "rounds": args.rounds, "pairs": summary(results, kompeten, kolibri),
            "kompeten_rss_mib": kompeten_server.worker_rss_mib(),
            "kolibri_rss_mib": kolibri_server.rss_mib(), "runs": results}
    finally:
        kolibri_server.stop()
        if kompeten_server is not None:
            kompeten_server.stop()
    Path(args.output).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    write_section(args.markdown, markdown(document))
    print(markdown(document))


if __name__ == "__main__":
    main()
