"""What a web worker carries: the heavy libraries (PDF, fonts, QR, XLSX, iCalendar, Alembic)
load only where they are used, mostly in the job consumer, not in every gunicorn worker.
Measured in a fresh interpreter, as gunicorn creates the app (not through `flask`)."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

LOADS_ON_USE = ("fpdf", "fontTools", "segno", "pypdf", "openpyxl", "icalendar", "alembic",
                "mako", "pygments",
                # Huey's storage module imports Redis and psycopg: ~18 MiB before a job starts.
                "huey", "redis", "psycopg", "PIL")
PROBE = """
import json, resource, sys
from app import create_app
app = create_app("config.Config", {"SQLALCHEMY_DATABASE_URI": sys.argv[1],
                                   "SECRET_KEY": "x" * 32, "STARTUP_CHECKS": False})
from app.extensions import db
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/ping", "/", "/verify", "/agenda/")]
assert statuses == [200, 200, 200, 200], statuses
print(json.dumps({"loaded": sorted({m.split(".")[0] for m in sys.modules}),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def probe(tmp_path, *imports):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LMS_", "FLASK_"))}
    env["LMS_INSTANCE_PATH"] = str(tmp_path)
    script = "\n".join(f"import {name}" for name in imports) + PROBE
    result = subprocess.run([sys.executable, "-c", script, f"sqlite:///{tmp_path / 'w.db'}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_worker_serving_pages_has_not_loaded_the_heavy_libraries(tmp_path):
    loaded = probe(tmp_path)["loaded"]
    assert [name for name in LOADS_ON_USE if name in loaded] == []


def test_the_probe_would_see_them_if_they_were_loaded(tmp_path):
    assert "fpdf" in probe(tmp_path, "app.certificates.pdf")["loaded"]

