"""bench/results.json and bench/results.md from the runs of bench/run.py: figures per endpoint,
ratios to the adjacent baseline, PostgreSQL against SQLite, and the issue's targets."""

import issuing

PAGES = ("catalogue", "catalogue_learner", "course", "module", "dashboard", "autosave", "verify",
         "admin_opd", "admin_ledger")
# Issue 19: req/s against the baseline's (and, for the module page, by CPU too), and p99.
RATIO_TARGETS = {"module": 0.35, "course": 0.25, "dashboard": 0.20, "catalogue_learner": 0.20,
                 "autosave": 0.20}
CPU_RATIO_TARGETS = {"module": 0.30}
P99_TARGETS_MS = {"module": 50, "course": 50}
ADMIN_P50_TARGET_MS = 300
ADMIN_REPORTS = ("admin_opd", "admin_ledger")
POSTGRES_WITHIN = 0.20


def _mean(a, b):
    return None if a is None or b is None else round((a + b) / 2, 2)


def combined_baseline(before, after):
    """The two baseline runs around an endpoint, averaged: drift between them cancels."""
    return {"rps": _mean(before["rps"], after["rps"]),
            "latency_ms": {name: _mean(before["latency_ms"][name], after["latency_ms"][name])
                           for name in before["latency_ms"]},
            **{name: _mean(before[name], after[name])
               for name in ("server_cpu_ms_per_request", "database_cpu_ms_per_request",
                            "other_cpu_cores", "generator_cpu_percent")},
            "error_count": before["error_count"] + after["error_count"]}


def cpu_per_request(figures):
    """App workers' plus database server's CPU per request: what a request costs the machine,
    whatever else was running meanwhile."""
    app = figures.get("server_cpu_ms_per_request")
    return None if app is None else app + (figures.get("database_cpu_ms_per_request") or 0)


def ratios(result, base):
    """Endpoint figure / baseline figure: req/s below 1 is slower, latency above 1 is slower.
    "cpu" is the baseline's CPU per request over the endpoint's: the req/s ratio a machine
    with nothing else running would show when both are CPU-bound."""
    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    out = {"rps": ratio(result["rps"], base["rps"]),
           "cpu": ratio(cpu_per_request(base), cpu_per_request(result))}
    for name in ("p50", "p95", "p99"):
        out[name] = ratio(result["latency_ms"][name], base["latency_ms"][name])
    return out


def endpoint(run, key):
    return next((e for e in run["endpoints"] if e["key"] == key), None)


def _target(name, database, measured, goal, met):
    return {"target": name, "database": database, "measured": measured, "goal": goal,
            "met": met}


# Issue 19 sets the ratios to /ping for the embedded default and asks of PostgreSQL, which
# this bench runs on the app's own two cores, to stay "within 20 % of SQLite on each"
# (postgres_targets). PostgreSQL's own ratios are shown beside them, for information.
PG_RATIO_GOAL = f"– (PostgreSQL: within {POSTGRES_WITHIN:.0%} of SQLite, below)"


def page_targets(run):
    found = []
    judged = run["database"] == "SQLite"  # bench/server.py names the embedded default so

    def ratio_target(name, measured, value, goal):
        if not judged:
            return _target(name, run["database"], measured, PG_RATIO_GOAL, None)
        return _target(name, run["database"], measured, f"≥ {goal}×",
                       value is not None and value >= goal)

    for key, goal in RATIO_TARGETS.items():
        result = endpoint(run, key)
        if result is None:
            continue
        ratio = result["ratio"]
        found.append(ratio_target(f"{result['label']}: req/s ≥ {goal}× baseline",
                                  f"{ratio['rps']:.2f}× (by CPU {ratio['cpu']:.2f}×)",
                                  ratio["rps"], goal))
        if key in CPU_RATIO_TARGETS:
            cpu_goal = CPU_RATIO_TARGETS[key]
            found.append(ratio_target(f"{result['label']}: ≥ {cpu_goal}× baseline by CPU",
                                      f"{ratio['cpu']:.2f}×", ratio["cpu"], cpu_goal))
        if key in P99_TARGETS_MS:
            p99, limit = result["figures"]["latency_ms"]["p99"], P99_TARGETS_MS[key]
            found.append(_target(f"{result['label']}: p99 ≤ {limit} ms at "
                                 f"{result['connections']} connections", run["database"],
                                 f"{p99:.0f} ms", f"≤ {limit} ms", p99 <= limit))
    return found


def admin_target(run):
    found = []
    for key in ADMIN_REPORTS:
        result = endpoint(run, key)
        if result is None:
            continue
        p50 = result["figures"]["latency_ms"]["p50"]
        found.append(_target(f"{result['label']} over {run['counts']['asn']:,} ASN: p50 ≤ "
                             f"{ADMIN_P50_TARGET_MS} ms ({result['connections']} connection)",
                             run["database"], f"{p50:.0f} ms", f"≤ {ADMIN_P50_TARGET_MS} ms",
                             p50 <= ADMIN_P50_TARGET_MS))
    return found


def submit_target(run):
    submit = run.get("submit")
    if submit is None:
        return []
    checks = submit["checks"]
    errors = submit["figures"]["error_count"] + submit["figures"]["unexpected_status"]
    lost = checks["missing"] + checks["not_submitted"] + checks["ungraded"] + checks[
        "wrong_score"] + checks["never_graded_by_a_request"]
    doubled = checks["graded_twice"] + checks["extra_attempts"] + submit["graded_by_resubmit"]
    return [_target(f"Quiz submit, {checks['attempts']} learners at once: zero errors, zero "
                    "lost or double-graded attempts", run["database"],
                    f"{errors} errors, {lost} lost, {doubled} double-graded", "0 / 0 / 0",
                    errors == 0 and lost == 0 and doubled == 0)]


def postgres_comparison(runs):
    """Per page: PostgreSQL / SQLite req/s, raw and normalised by each run's own baseline
    (which cancels drift between the two runs)."""
    sqlite, postgres = runs.get("sqlite"), runs.get("postgresql")
    if not sqlite or not postgres:
        return {}
    comparison = {}
    for result in sqlite["endpoints"]:
        other = endpoint(postgres, result["key"])
        if other is None:
            continue
        comparison[result["key"]] = {
            "label": result["label"],
            "sqlite_rps": result["figures"]["rps"], "postgresql_rps": other["figures"]["rps"],
            "rps_ratio": round(other["figures"]["rps"] / result["figures"]["rps"], 3),
            "rps_ratio_normalised": round(other["ratio"]["rps"] / result["ratio"]["rps"], 3),
            # What PostgreSQL's throughput would be next to SQLite's on a quiet machine where
            # both are CPU-bound: SQLite's CPU per request over PostgreSQL's (app + server).
            "cpu_ratio": round(cpu_per_request(result["figures"])
                               / cpu_per_request(other["figures"]), 3),
            "sqlite_cpu_ms": round(cpu_per_request(result["figures"]), 2),
            "postgresql_cpu_ms": round(cpu_per_request(other["figures"]), 2),
            "sqlite_p50_ms": result["figures"]["latency_ms"]["p50"],
            "postgresql_p50_ms": other["figures"]["latency_ms"]["p50"],
        }
    return comparison


def postgres_targets(comparison):
    return [_target(f"{row['label']}: PostgreSQL within {POSTGRES_WITHIN:.0%} of SQLite "
                    "(req/s, baseline-normalised)", "both",
                    f"{row['rps_ratio_normalised']:.2f}× (raw {row['rps_ratio']:.2f}×, "
                    f"by CPU {row['cpu_ratio']:.2f}×)",
                    f"≥ {1 - POSTGRES_WITHIN:.2f}×",
                    row["rps_ratio_normalised"] >= 1 - POSTGRES_WITHIN)
            for key, row in comparison.items() if key in PAGES]


def evaluate_targets(runs, comparison):
    targets = []
    for run in runs.values():
        targets += page_targets(run)
    for run in runs.values():
        targets += admin_target(run)
    for run in runs.values():
        targets += submit_target(run)
    for run in runs.values():
        targets += issuing.targets(run)
    return targets + postgres_targets(comparison)


# --- Markdown ---------------------------------------------------------------------------------

def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def _x(value):
    return "–" if value is None else f"{value:.2f}×"


def _cores(*runs):
    """Other programs' CPU during the endpoint and its baseline, in cores (worst of both)."""
    values = [run.get("other_cpu_cores") for run in runs if run.get("other_cpu_cores") is not None]
    return f"{max(values):.2f}" if values else "–"


def noisy_runs(document, limit=0.25):
    """Endpoints measured while something else used more than `limit` of a core."""
    found = []
    for run in document["runs"].values():
        for result in [*run["endpoints"], *([run["submit"]] if run.get("submit") else [])]:
            worst = max(result["figures"].get("other_cpu_cores") or 0,
                        result["baseline"].get("other_cpu_cores") or 0)
            if worst > limit:
                found.append(f"{run['database']} {result['label']} ({worst:.2f} cores)")
    return found


def endpoint_rows(run):
    rows = [*run["endpoints"]]
    if run.get("submit"):
        rows.append(run["submit"])
    for result in rows:
        numbers, ratio, base = result["figures"], result["ratio"], result["baseline"]
        latency = numbers["latency_ms"]
        errors = numbers["error_count"] + numbers["unexpected_status"]
        yield (f"| {result['label']} | {result['connections']} | {numbers['rps']:.0f} | "
               f"{base['rps']:.0f} | {_x(ratio['rps'])} | {_x(ratio['cpu'])} | "
               f"{_ms(latency['p50'])} | "
               f"{_ms(latency['p95'])} | {_ms(latency['p99'])} | {_x(ratio['p50'])} / "
               f"{_x(ratio['p99'])} | {errors} | {_ms(cpu_per_request(numbers))} | "
               f"{numbers['generator_cpu_percent']:.0f} % | "
               f"{_cores(numbers, base)} |")


def run_table(run):
    lines = [f"### {run['database']}", "",
             f"Seeded in {run['seed_seconds']:.0f} s: {run['counts']['asn']:,} ASN, "
             f"{run['counts']['enrollment']:,} enrolments, {run['counts']['module_progress']:,} "
             f"module progress rows, {run['counts']['attempt']:,} attempts "
             f"({run['counts']['attempt_question']:,} question rows), "
             f"{run['counts']['certificate']:,} certificates.", "",
             "| Endpoint | Conns | req/s | baseline req/s | × baseline | × baseline by CPU | "
             "p50 ms | p95 ms | p99 ms | p50 / p99 × baseline | errors | CPU ms/req | "
             "load generator CPU | other CPU (cores) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += endpoint_rows(run)
    if run.get("worker_rss_mib"):
        lines += ["", "Resident memory per gunicorn worker after the page scenarios: "
                  + ", ".join(f"{size:.0f} MiB" for size in run["worker_rss_mib"])
                  + " (target ≤ 90 MiB)."]
    return lines


def comparison_table(comparison):
    if not comparison:
        return []
    lines = ["### PostgreSQL against SQLite", "",
             "| Endpoint | SQLite req/s | PostgreSQL req/s | PG / SQLite | PG / SQLite "
             "(baseline-normalised) | CPU ms/req SQLite / PG | PG / SQLite by CPU | "
             "SQLite p50 ms | PostgreSQL p50 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in comparison.values():
        lines.append(f"| {row['label']} | {row['sqlite_rps']:.0f} | {row['postgresql_rps']:.0f} "
                     f"| {_x(row['rps_ratio'])} | {_x(row['rps_ratio_normalised'])} | "
                     f"{row['sqlite_cpu_ms']:.1f} / {row['postgresql_cpu_ms']:.1f} | "
                     f"{_x(row['cpu_ratio'])} | "
                     f"{_ms(row['sqlite_p50_ms'])} | {_ms(row['postgresql_p50_ms'])} |")
    return lines


def targets_table(targets):
    lines = ["### Targets", "", "| Target | Database | Measured | Goal | Met |",
             "|---|---|---|---|---|"]
    for item in targets:
        met = ("information" if item["met"] is None
               else "yes" if item["met"] else "**missed**")
        lines.append(f"| {item['target']} | {item['database']} | {item['measured']} | "
                     f"{item['goal']} | {met} |")
    return lines


def markdown(document):
    settings, machine = document["settings"], document["machine"]
    lines = ["# Kompeten load benchmark: results", "",
             f"{document['generated_at']}, commit `{document['git_commit']}`, "
             f"{machine['cpu_model']} ({machine['cpu_count']} cores), "
             f"{settings['workers']} gunicorn sync workers, wrk {machine['wrk']}, "
             f"{settings['duration_s']} s per run, scale {settings['scale']}. "
             "Each endpoint ran between two /ping baseline runs with the same connections and "
             "duration; \"× baseline\" compares it with their mean, \"by CPU\" compares CPU "
             "per request (app workers + PostgreSQL), which other programs on the machine do "
             "not disturb. Reproduce with `make bench`; see docs/performance.md.", ""]
    noisy = noisy_runs(document)
    if noisy:
        lines += ["**Warning: other programs used the CPU during these runs, so their absolute "
                  "figures are low (the ratios to the adjacent baseline suffer less):** "
                  + "; ".join(noisy) + ".", ""]
    for run in document["runs"].values():
        lines += run_table(run) + [""]
    lines += comparison_table(document["postgresql_vs_sqlite"]) + [""]
    lines += targets_table(document["targets"]) + [""]
    lines += issuing.markdown(document) + [""]
    if "certificate_render" in document:
        import render  # bench/render.py

        lines += render.markdown(document["certificate_render"]) + [""]
    if "search_inside" in document:
        import search  # bench/search.py

        lines += search.markdown(document["search_inside"]) + [""]
    lines.append(f"Whole bench: {document['wall_seconds'] / 60:.1f} min.")
    return "\n".join(lines) + "\n"
