"""The last import of course and quiz files, kept for admins.

At start-up (`make run`, `make serve`) the import never stops the server: what is valid is
imported, each problem is printed as path:line: message, and the record below lets admins see
the same problems in the browser (/admin/impor-konten and a notice on the admin home) instead of
in a console nobody reads. Every `flask content import` (not a dry run) replaces the record.
"""

from datetime import datetime

from app.database import utcnow
from app.settings import get_setting, set_setting

LAST_IMPORT_KEY = "content.last_import"


def record_import(reports, problems, source, failure=None):
    """Keep what this import did and what it refused (flushes; the caller commits)."""
    set_setting(LAST_IMPORT_KEY, {
        "at": utcnow().isoformat(),
        "source": source,
        "problems": [{"path": p.path, "line": p.line, "message": p.message} for p in problems],
        "outcomes": {f"{kind}.{outcome}": len(getattr(report, outcome))
                     for kind, report in reports
                     for outcome in ("created", "updated", "unchanged", "retired", "deleted")},
        "failure": failure,
    })
    if problems or failure:
        from app.notifications.events import import_problems  # imported when needed
        from app.notifications.services import link_to

        import_problems("content", len(problems) or 1, link_to("admin.content_import"))


def last_import():
    """The record as a dict with `at` as a datetime, or None before the first import."""
    record = get_setting(LAST_IMPORT_KEY)
    if not record:
        return None
    return dict(record, at=datetime.fromisoformat(record["at"]))
