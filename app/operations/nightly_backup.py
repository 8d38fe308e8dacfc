"""The nightly backup job: a consistent copy of the SQLite database into instance/backups/,
keeping the newest few (the "backup.keep" setting). On PostgreSQL it records that pg_dump is
the way (docs/operations.md) and copies nothing."""

from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.jobs.periodic import Periodic, register_periodic
from app.jobs.runner import register_job_kind
from app.operations.backup import sqlite_backup
from app.settings import get_setting
from app.timeutil import now_in_palu

PREFIX = "kompeten-"


def backups_folder():
    return Path(current_app.instance_path) / "backups"


def run_nightly_backup(context):
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        context.summary["skipped"] = url.get_backend_name()
        return
    folder = backups_folder()
    target = folder / f"{PREFIX}{now_in_palu():%Y%m%d-%H%M%S}.db"
    size = sqlite_backup(url.database, target)
    # Only once the new copy is complete and checked are the oldest ones removed.
    removed = prune_backups(folder, int(get_setting("backup.keep")))
    context.summary.update(file=target.name, size_kb=size // 1024, removed=len(removed))
    context.progress(1, 1)


def prune_backups(folder, keep):
    """Delete all but the newest `keep` backups (names sort by time); returns the deleted."""
    backups = sorted(folder.glob(f"{PREFIX}*.db"))
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backup_summary(job):
    summary = job.summary
    if summary.get("skipped"):
        return [str(_l("Basis data %(backend)s: tidak ada yang disalin. Cadangkan PostgreSQL "
                       "dengan pg_dump (docs/operations.md).", backend=summary["skipped"]))]
    if not summary.get("file"):
        return []
    return [str(_l("Cadangan %(file)s (%(size)d KB) tersimpan di instance/backups/; "
                   "%(removed)d cadangan lama dihapus.", file=summary["file"],
                   size=summary.get("size_kb", 0), removed=summary.get("removed", 0)))]


def register_nightly_backup():
    register_job_kind("backup.nightly", run_nightly_backup,
                      lambda params: _l("Cadangan malam basis data"),
                      summary_lines=backup_summary)
    register_periodic(Periodic(
        name="nightly_backup", kind="backup.nightly", label=_l("Cadangan malam"),
        schedule=lambda local: local.minute == 0 and local.hour == int(
            get_setting("backup.hour")),
        schedule_text=lambda: _l("setiap hari pukul %(hour)02d.00 WITA",
                                 hour=int(get_setting("backup.hour"))),
        enabled_setting="backup.nightly"))
