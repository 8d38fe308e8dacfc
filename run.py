"""`python run.py`: serve Kompeten on the embedded SQLite default (PORT=5000 unless set).

It also starts the background job consumer (`flask jobs worker`) as a child process and stops
it on exit. Before serving it makes sure a first admin can exist: it takes LMS_ADMIN_NIP and
LMS_ADMIN_PASSWORD when set, and otherwise prints a one-time setup link on this console.
"""

import atexit
import os
import signal
import subprocess
import sys

from app import create_app
from app.auth.nip import InvalidNip
from app.auth.services import AccountError, bootstrap_first_admin
from app.extensions import db


def prepare_first_admin(app, base_url):
    with app.app_context():
        outcome, value = bootstrap_first_admin(
            nip=app.config["ADMIN_NIP"], password=app.config["ADMIN_PASSWORD"],
            name=os.environ.get("LMS_ADMIN_NAME"),
        )
        db.session.commit()
        if outcome == "created":
            print(f" * Admin {value.nip_display} siap (dari LMS_ADMIN_NIP).", flush=True)
        elif outcome == "token":
            base = base_url.rstrip("/")
            print(" * Belum ada admin. Buka tautan sekali pakai ini untuk membuat admin pertama:",
                  flush=True)
            print(f"   {base}/penyiapan/{value}", flush=True)


def start_job_consumer():
    """The job consumer (certificates in bulk, exports, nightly backups) as a child process, so
    that one command runs everything; LMS_RUN_CONSUMER=0 when it runs elsewhere."""
    if os.environ.get("LMS_RUN_CONSUMER", "1") == "0":
        return None
    consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app:create_app",
                                 "jobs", "worker"])
    atexit.register(_stop, consumer)
    print(f" * Konsumen tugas latar berjalan (pid {consumer.pid}).", flush=True)
    return consumer


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    host = os.environ.get("HOST", "127.0.0.1")
    base_url = os.environ.get("LMS_BASE_URL") or f"http://{host}:{port}"
    # Certificate QR codes point here unless an admin sets the public address.
    app.config["BASE_URL"] = base_url
    try:
        prepare_first_admin(app, base_url)
    except (InvalidNip, AccountError) as error:
        print(f"LMS_ADMIN_NIP/LMS_ADMIN_PASSWORD tidak dapat dipakai: {error}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:
        print(f"Basis data belum siap ({error}). Jalankan `make run` atau `flask db upgrade`.",
              file=sys.stderr)
        sys.exit(1)
    start_job_consumer()
    # Stopped with SIGTERM (not only Ctrl+C): exit normally, so atexit stops the consumer too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    app.run(host=host, port=port, debug=os.environ.get("LMS_DEBUG") == "1",
            use_reloader=False)


if __name__ == "__main__":
    main()
