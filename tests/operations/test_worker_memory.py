"""What a web worker carries: the heavy libraries (PDF, fonts, QR, XLSX, iCalendar, Alembic,
the Open Badges signer, Markdown and the HTML sanitizer, the job queue) load only where they are
used, mostly in the job consumer, not in every gunicorn worker; and the pages write dates and
numbers without Babel's locale data (app/formats.py). Measured in a fresh interpreter, as
gunicorn creates the app (not through `flask`), serving the pages learners use most.
docs/operations.md lists what a worker keeps instead."""

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
assert client.post("/masuk", data={"identifier": "198609262015051001", "next": "",
                                   "password": "rahasia-123456", "csrf_token": token}
                   ).status_code == 302
pages = ("/ping", "/", "/beranda", "/kursus/uji-001", "/kursus/uji-001/modul/modul-1",
         "/verify", "/agenda/")
statuses = [client.get(path).status_code for path in pages]
assert statuses == [200] * len(pages), list(zip(pages, statuses))

from babel import localedata
print(json.dumps({"loaded": sorted({m.split(".")[0] for m in sys.modules}),
                  "app_modules": sorted(m for m in sys.modules if m.startswith("app.")),
                  "babel_locale_data": sorted(localedata._cache),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def probe(tmp_path, before=""):
    """What the probe reports; `before` is code run first (to show the probe sees a load)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LMS_", "FLASK_"))}
    env["LMS_INSTANCE_PATH"] = str(tmp_path)
    script = before + PROBE
    result = subprocess.run([sys.executable, "-c", script, f"sqlite:///{tmp_path / 'w.db'}"],
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
