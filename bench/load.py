"""wrk runs for bench/run.py: each scenario's requests go to a Lua data file, wrk drives
gunicorn with bench/wrk/rotate.lua, and the figures it prints become one result dict."""

import json
import math
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "rotate.lua"


@dataclass
class Scenario:
    key: str
    label: str
    requests: list  # dicts: method, path, headers, body (None for GET)
    connections: int
    expected_status: int = 200
    notes: list = field(default_factory=list)


def lua_string(value):
    """A Lua string literal for any text (\\ddd escapes for everything but plain ASCII)."""
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char.isascii() and char.isprintable() and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def write_requests(path, requests):
    lines = ["return {"]
    for request in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}"
                            for k, v in request["headers"].items())
        body = lua_string(request["body"]) if request.get("body") is not None else "nil"
        lines.append(f"  {{method = {lua_string(request['method'])}, "
                     f"path = {lua_string(request['path'])}, headers = {{{headers}}}, "
                     f"body = {body}}},")
    lines.append("}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="ascii")


def percentile(values, share):
    """Nearest-rank percentile of a list of numbers."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def figures(requests, seconds, latencies_ms, errors, unexpected, statuses, generator_cpu,
            cpu_used):
    """The numbers every run reports, whatever drove it. cpu_used: CpuMeters.used()."""
    per_request = 1000 / requests if requests else None
    database_cpu = cpu_used["database"]
    # Whatever else kept the machine busy meanwhile (another program's tests, say): figures
    # measured next to a busy neighbour are not to be trusted.
    other = cpu_used["system"] - cpu_used["server"] - (database_cpu or 0) - generator_cpu
    return {
        "requests": requests, "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "latency_ms": latencies_ms, "errors": errors,
        "error_count": sum(errors.values()), "unexpected_status": unexpected,
        "statuses": statuses,
        # Share of one core used by the load generator: it must stay well below the server's.
        "generator_cpu_percent": round(100 * generator_cpu / seconds, 1) if seconds else None,
        "server_cpu_ms_per_request": (round(cpu_used["server"] * per_request, 2)
                                      if per_request else None),
        "database_cpu_ms_per_request": (round(database_cpu * per_request, 2)
                                        if per_request and database_cpu is not None else None),
        # A burst of a second is too short to tell whose CPU time was whose.
        "other_cpu_cores": round(max(0.0, other) / seconds, 2) if seconds >= 3 else None,
    }


def _wrk_figures(data, scenario, generator_cpu, cpu_used):
    latency = data["latency_us"]
    statuses = {str(k): v for k, v in data["statuses"].items()}
    unexpected = sum(v for k, v in statuses.items() if k != str(scenario.expected_status))
    latencies = {name: round(latency[name] / 1000, 2)
                 for name in ("p50", "p90", "p95", "p99", "mean", "max")}
    errors = {name: int(value) for name, value in data["errors"].items()}
    return figures(int(data["requests"]), data["duration_us"] / 1e6, latencies, errors,
                   unexpected, statuses, generator_cpu, cpu_used)


def run_wrk(port, scenario, duration, work_dir, meters):
    """One wrk run of `duration` seconds; meters: server.CpuMeters."""
    data_path = Path(work_dir) / f"{scenario.key}.lua"
    write_requests(data_path, scenario.requests)
    output_path = Path(work_dir) / f"{scenario.key}.wrk.txt"
    command = ["wrk", "-t1", f"-c{scenario.connections}", f"-d{duration}s", "--timeout", "60s",
               "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}", "--", str(data_path)]
    before = meters.read()
    with open(output_path, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
    cpu_used = meters.used(before, meters.read())
    process.returncode = os.waitstatus_to_exitcode(status)
    text = output_path.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {text}")
    line = next((line for line in text.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures: {text}")
    return _wrk_figures(json.loads(line.removeprefix("BENCH_JSON ")), scenario,
                        usage.ru_utime + usage.ru_stime, cpu_used)
