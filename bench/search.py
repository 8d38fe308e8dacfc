"""Search inside the courses, measured in this process over 1,000 modules: the issue's budget
is p50 ≤ 50 ms per /cari request, with a statement count that does not grow with the data.

The modules are the project's own course texts (real Indonesian Markdown), repeated with a
numbered title over 40 published courses of 25 modules, indexed by the same code as in service
(`app.search.index.rebuild`). Requests go through the Flask test client as a logged-out
visitor, so the whole page is rendered. `python bench/search.py` prints it alone on SQLite;
`LMS_BENCH_SEARCH_PG=postgresql+psycopg://…/empty_db` adds PostgreSQL (the database is
emptied)."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 50
MODULES, PER_COURSE = 1000, 25
QUERIES = ("pelayanan", "kependudukan", "tanda tangan elektronik", "keamanan informasi",
           "data pribadi", "IKD", "phishing", "SPBE arsitektur", "layanan daring", "risiko")


def _seed(app):
    from sqlalchemy import insert

    from app.content.loader import read_course
    from app.content.markdown import render_markdown
    from app.courses.models import Course, Module
    from app.extensions import db
    from app.search.index import rebuild

    root = Path(__file__).resolve().parent.parent / "courses"
    with app.app_context():
        sources = []
        for folder in sorted(path for path in root.iterdir() if (path / "course.md").exists()):
            spec, _problems = read_course(folder)
            sources += [(module.title, render_markdown(module.body)) for module in spec.modules]
        db.drop_all()
        db.create_all()
        courses = MODULES // PER_COURSE
        course_ids = [db.session.execute(insert(Course).values(
            code=f"CARI-{c:03d}", slug=f"cari-{c:03d}", title=f"Kursus bacaan {c}", jp=2,
            competency="teknis", mode="e-learning", provider="BKPSDM", status="published",
            summary="Bacaan", description_source="", description_html="<p>Bacaan.</p>")
            .returning(Course.id)).scalar() for c in range(courses)]
        db.session.execute(insert(Module), [
            {"course_id": course_ids[i // PER_COURSE], "position": i % PER_COURSE + 1,
             "slug": f"modul-{i}", "title": f"{sources[i % len(sources)][0]} ({i})",
             "minutes": 20, "body_source": "", "body_html": sources[i % len(sources)][1]}
            for i in range(MODULES)])
        started = time.perf_counter()
        rows = rebuild(db.session.connection())
        db.session.commit()
        return rows, time.perf_counter() - started


def measure_on(database_url, rounds=20):
    from app import create_app
    from app.extensions import db
    from tests.conftest import count_queries

    with tempfile.TemporaryDirectory() as instance:
        app = create_app("config.TestConfig", {"SQLALCHEMY_DATABASE_URI": database_url or
                                               f"sqlite:///{instance}/search.db",
                                               "INSTANCE_PATH": instance})
        rows, index_seconds = _seed(app)
        client = app.test_client()
        statements = set()
        timings = []
        with app.app_context():
            for query in QUERIES:  # warm: templates compiled, stems cached
                client.get("/cari", query_string={"q": query})
            for _ in range(rounds):
                for query in QUERIES:
                    with count_queries() as counted:
                        started = time.perf_counter()
                        response = client.get("/cari", query_string={"q": query})
                        timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                    statements.add(counted())
            db.engine.dispose()
    timings.sort()
    median = statistics.median(timings)
    return {"database": "postgresql" if database_url else "sqlite", "modules": MODULES,
            "index_rows": rows, "index_seconds": round(index_seconds, 1),
            "requests": len(timings), "median_ms": round(median, 1),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
            "statements": sorted(statements), "target_ms": TARGET_MS,
            "met": median <= TARGET_MS and len(statements) == 1}


def measure(postgres_url=None):
    """SQLite, and PostgreSQL when given the URL of a database the bench may empty."""
    postgres_url = postgres_url or os.environ.get("LMS_BENCH_SEARCH_PG")
    return [measure_on(None)] + ([measure_on(postgres_url)] if postgres_url else [])


def markdown(results):
    lines = ["## Search inside the courses (in process)", "",
             "| Database | Modules | Index rows (built in) | Requests | p50 | p95 | "
             "Statements per request | Target p50 ≤ 50 ms, constant statements |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['database']} | {r['modules']:,} | {r['index_rows']:,} "
                     f"({r['index_seconds']} s) | {r['requests']} | {r['median_ms']} ms | "
                     f"{r['p95_ms']} ms | {', '.join(map(str, r['statements']))} | "
                     f"{'met' if r['met'] else 'NOT met'} |")
    return lines


if __name__ == "__main__":
    print("\n".join(markdown(measure())))
