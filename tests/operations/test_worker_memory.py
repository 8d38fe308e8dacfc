"""What a web worker carries: the heavy libraries (PDF, fonts, QR, XLSX, iCalendar, Alembic,
the Open Badges signer, Markdown and the HTML sanitizer, the job queue) load only where they are
used, mostly in the job consumer, not in every gunicorn worker; and the pages write dates and
numbers without Babel's locale data (app/formats.py). Measured in a fresh interpreter, as
gunicorn creates the app (not through `flask`), serving the pages learners use most.
docs/operations.md lists what a worker keeps instead."""

import ast
import json
import os
import subprocess
import sys

from tests.conftest import ROOT

LOADS_ON_USE = ("fpdf", "fontTools", "segno", "pypdf", "openpyxl", "icalendar", "alembic",
                "mako", "pygments",
                # Huey's storage module imports Redis and psycopg: ~18 MiB before a job starts.
                "huey", "redis", "psycopg", "PIL",
                # Open Badges: joserfc signs with cryptography's OpenSSL bindings (~11 MiB).
                "joserfc", "cryptography",
                # Markdown and bleach (with html5lib) render authored text when it is saved.
                "markdown", "bleach",
                # Course files and imports: front matter, file types, CSV e-mail addresses.
                "yaml", "filetype", "email_validator")
COMMAND_MODULES = ("app.operations.bench", "app.operations.bench_issuing",
                   "app.operations.security_check")
PROBE = """
import json, re, resource, sys
from app import create_app
app = create_app("config.Config", {"SQLALCHEMY_DATABASE_URI": sys.argv[1],
                                   "SECRET_KEY": "x" * 32, "STARTUP_CHECKS": False,
                                   "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                                   "ARGON2_PARALLELISM": 1})
from app.auth.services import create_user
from app.courses.models import Course, Enrollment, Module
from app.extensions import db

with app.app_context():
    db.create_all()
    course = Course(code="UJI-001", slug="uji-001", title="Kursus Uji", summary="Ringkasan",
                    jp=4, competency="teknis", mode="e-learning", provider="BKPSDM",
                    status="published", description_html="<p>Deskripsi</p>")
    course.modules = [Module(position=1, slug="modul-1", title="Modul 1", minutes=30,
                             body_html="<p>Isi</p>")]
    learner = create_user(nip="198609262015051001", name="Peserta", password="rahasia-123456")
    db.session.add_all([course, Enrollment(user=learner, course=course)])
    db.session.commit()

client = app.test_client()
login = client.get("/masuk").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
# No assert here: the probe also runs optimized (-OO), where asserts are not executed.
login_status = client.post("/masuk", data={"identifier": "198609262015051001", "next": "",
                                           "password": "rahasia-123456", "csrf_token": token}
                           ).status_code
if login_status != 302:
    sys.exit(f"login answered {login_status}")
pages = ("/ping", "/", "/beranda", "/kursus/uji-001", "/kursus/uji-001/modul/modul-1",
         "/verify", "/agenda/")
statuses = [client.get(path).status_code for path in pages]
if statuses != [200] * len(pages):
    sys.exit(f"pages answered {list(zip(pages, statuses))}")

from babel import localedata
print(json.dumps({"loaded": sorted({m.split(".")[0] for m in sys.modules}),
                  "app_modules": sorted(m for m in sys.modules if m.startswith("app.")),
                  "babel_locale_data": sorted(localedata._cache),
                  "optimize": sys.flags.optimize,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def probe(tmp_path, before="", python_flags=()):
    """What the probe reports; `before` is code run first (to show the probe sees a load)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LMS_", "FLASK_"))}
    env["LMS_INSTANCE_PATH"] = str(tmp_path)
    script = before + PROBE
    result = subprocess.run([sys.executable, *python_flags, "-c", script,
                             f"sqlite:///{tmp_path / 'w.db'}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_worker_serving_pages_has_not_loaded_the_heavy_libraries(tmp_path):
    report = probe(tmp_path)
    assert [name for name in LOADS_ON_USE if name in report["loaded"]] == []
    # `flask` commands are registered only under `flask` (app.wants_commands).
    assert [name for name in report["app_modules"]
            if name.endswith(".cli") or name in COMMAND_MODULES] == []
    # Dates and numbers on these pages come from app/formats.py, not Babel's CLDR data.
    assert report["babel_locale_data"] == []


def test_the_probe_would_see_them_if_they_were_loaded(tmp_path):
    report = probe(tmp_path, "import app.certificates.pdf, bleach, babel.dates\n"
                             "babel.dates.format_date(locale='id')\n")
    assert "fpdf" in report["loaded"] and "bleach" in report["loaded"]
    assert report["babel_locale_data"] != []


def test_an_optimized_worker_serves_the_same_pages(tmp_path):
    """gunicorn's workers run with PYTHONOPTIMIZE=2 (`make serve`, the systemd unit, the bench):
    without docstrings and asserts a worker keeps ~7 MiB less. The app and its libraries must
    not need either: the probe logs in and serves the learner pages under -OO."""
    report = probe(tmp_path, python_flags=("-OO",))
    assert report["optimize"] == 2
    assert [name for name in LOADS_ON_USE if name in report["loaded"]] == []


def test_the_app_checks_nothing_with_assert():
    """An assert in app code would silently stop checking in an optimized worker."""
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Assert)]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} reads __doc__"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr == "__doc__"]
    assert found == []


def test_every_way_of_starting_the_workers_optimizes_them():
    """`make serve`, the systemd unit in docs/operations.md and the bench start gunicorn the
    same way, so the memory measured is the memory deployed."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    serve = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "$(WORKER_PYTHON_ENV) $(VENV)/bin/gunicorn" in serve
    assert "WORKER_PYTHON_ENV := PYTHONOPTIMIZE=2" in makefile
    unit = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    gunicorn_unit = unit.split("ExecStart=/srv/kompeten/.venv/bin/gunicorn", 1)[0]
    assert gunicorn_unit.rsplit("[Service]", 1)[1].count("Environment=PYTHONOPTIMIZE=2") == 1
    assert 'PYTHONOPTIMIZE="2"' in (ROOT / "bench" / "server.py").read_text(encoding="utf-8")
