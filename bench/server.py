"""The system under test for bench/run.py: a fresh database, `flask db upgrade` and
`flask bench seed`, then gunicorn with the production settings; and CPU time accounting from
/proc for the app workers and the PostgreSQL server."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from client import fetch
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_CONFIG = ROOT / "bench" / "gunicorn_bench.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str

    @property
    def label(self):
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"


def sqlite_database(run_dir):
    return Database("sqlite", f"sqlite:///{run_dir / 'kompeten-bench.db'}")


def _admin_engine(url):
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_postgres(url):
    """Drop and create the bench database named in the URL: it is the bench's own."""
    name = make_url(url).database
    engine = _admin_engine(url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return Database("postgresql", url)


def drop_postgres(url):
    engine = _admin_engine(url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                "WITH (FORCE)"))
    engine.dispose()


def check_postgres(url):
    """None when the server answers, else the reason (checked before any long work)."""
    try:
        engine = _admin_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # any failure means: not usable for the bench
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database, run_dir, port, redis_url, workers):
    """The LMS_* settings of the served app and of the flask commands."""
    env = dict(os.environ)
    env.pop("LMS_TEST_DATABASE_URL", None)
    env.update({
        "LMS_DATABASE_URL": database.url,
        "LMS_INSTANCE_PATH": str(run_dir / "instance"),
        "LMS_SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_BIND": f"127.0.0.1:{port}",
        "LMS_WORKERS": str(workers),
        # Verification is limited to 30 per minute per IP; every bench request comes from
        # one IP, so the limit is raised out of the way (the limiter itself still runs).
        "LMS_VERIFY_RATE_LIMIT": "1000000 per minute",
        # Recycling a worker every 5,000 requests would put app start-ups into the figures.
        "LMS_MAX_REQUESTS": "0",
        # The job queue of this run only (a shared Redis may hold an earlier run's messages).
        "LMS_JOBS_QUEUE": f"bench-{run_dir.name}",
        "FLASK_APP": "app:create_app",
    })
    if redis_url:
        env["LMS_REDIS_URL"] = redis_url
    else:
        env.pop("LMS_REDIS_URL", None)
    return env


def flask_command(env, *args, log=None):
    """Run `flask ARGS` in the project; its output goes to the log; failure stops the bench."""
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, text=True,
                            capture_output=True)
    if log is not None:
        log.write(f"$ flask {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        log.flush()
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def process_cpu_seconds(pid):
    """User + system CPU seconds of one process, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _processes():
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            yield int(entry.name), name, parent


def system_busy_seconds():
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass
class CpuMeters:
    """CPU seconds so far of the app workers, the database server (None for SQLite, which runs
    inside the workers) and the whole machine; deltas around a run tell who used the CPU."""

    server: object
    database: object = None

    def read(self):
        return {"server": self.server(), "system": system_busy_seconds(),
                "database": self.database() if self.database else None}

    @staticmethod
    def used(before, after):
        return {name: (after[name] - before[name] if before[name] is not None else None)
                for name in before}


def postgres_cpu_seconds():
    """CPU seconds of every PostgreSQL server process on this machine (backends included)."""
    return sum(process_cpu_seconds(pid) for pid, name, _ in _processes()
               if name.startswith("postgres"))


class Gunicorn:
    """gunicorn serving create_app() with the bench settings; stopped with SIGTERM."""

    def __init__(self, env, port, log_path):
        self.port = port
        self.log = open(log_path, "ab")  # closed in stop()
        # Workers optimized as `make serve` and the systemd unit start them (docs/operations.md).
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "app:create_app()"],
            cwd=ROOT, env=dict(env, PYTHONOPTIMIZE="2"), stdout=self.log,
            stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if fetch(self.port, "GET", "/ping").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /ping in time")

    def worker_pids(self):
        return [pid for pid, _name, parent in _processes() if parent == self.process.pid]

    def worker_rss_mib(self):
        """Resident memory of each worker now (VmRSS from /proc), in MiB."""
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sorted(sizes)

    def cpu_seconds(self):
        """CPU seconds used so far by the workers (the master only supervises)."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
