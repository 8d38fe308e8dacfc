"""Runtime settings an admin can change, stored in the database over config defaults.

Each setting has a default taken from the app config (and so from an LMS_* variable); a row in
the `setting` table overrides it. Values are stored as JSON text.
"""

import json
import time

from flask import current_app, g
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.audit import record_event
from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.stamps import Stamp

REGISTRATION_OPEN = "open-with-verification"
REGISTRATION_CLOSED = "closed"
REGISTRATION_MODES = (REGISTRATION_OPEN, REGISTRATION_CLOSED)

# setting key -> config key holding its default
DEFAULTS_FROM_CONFIG = {
    "jp_target.pns": "JP_TARGET_PNS",
    "jp_target.pppk": "JP_TARGET_PPPK",
    "jp.minutes": "JP_MINUTES",
    "registration": "REGISTRATION",
    "institution_name": "INSTITUTION_NAME",
    "quiz_grace_seconds": "QUIZ_GRACE_SECONDS",
    "workshop.checkin_before_minutes": "WORKSHOP_CHECKIN_BEFORE_MINUTES",
    "workshop.checkin_after_minutes": "WORKSHOP_CHECKIN_AFTER_MINUTES",
    "workshop.link_before_minutes": "WORKSHOP_LINK_BEFORE_MINUTES",
    "base_url": "BASE_URL",
    "upload.max_kb": "UPLOAD_MAX_KB",
    "certificate.number_template": "CERTIFICATE_NUMBER_TEMPLATE",
    "certificate.issuer_unit": "CERTIFICATE_ISSUER_UNIT",
    "certificate.signer_name": "CERTIFICATE_SIGNER_NAME",
    "certificate.signer_title": "CERTIFICATE_SIGNER_TITLE",
    "certificate.signer_nip": "CERTIFICATE_SIGNER_NIP",
    "certificate.place": "CERTIFICATE_PLACE",
    "backup.nightly": "BACKUP_NIGHTLY",
    "backup.hour": "BACKUP_HOUR",
    "backup.keep": "BACKUP_KEEP",
    "quizzes.close_overdue": "CLOSE_OVERDUE_ATTEMPTS",
    "jobs.expire_results": "EXPIRE_JOB_RESULTS",
    "jobs.history_days": "JOB_HISTORY_DAYS",
    "item_analysis.min_attempts": "ITEM_ANALYSIS_MIN_ATTEMPTS",
    "discussion.edit_minutes": "DISCUSSION_EDIT_MINUTES",
    "jp_reminder.schedule": "JP_REMINDER_SCHEDULE",
    # Not an admin setting: email runs whenever LMS_SMTP_HOST is set (periodic mail jobs).
    "mail.enabled": "SMTP_HOST",
    "notifications.reminders": "NOTIFICATION_REMINDERS",
}


class Setting(db.Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# Nearly every request reads the settings (the page frame shows two, the course outline checks
# the content version), so each worker keeps the last read and asks the database again only
# when the stamp instance/settings.stamp has changed (app/stamps.py): every commit that changed
# a setting rewrites it after the commit. A read older than RECHECK_SECONDS is redone anyway,
# for changes that bypass the app (a restored backup, SQL by hand). Kompeten runs on one
# server; app servers sharing one database would see each other's setting changes within
# RECHECK_SECONDS (docs/operations.md).
SETTINGS_STAMP = Stamp("settings.stamp")
STAMP_FILE = SETTINGS_STAMP.name
RECHECK_SECONDS = 10.0


def write_stamp():
    """Tell every worker the stored settings changed (after the commit that changed them)."""
    SETTINGS_STAMP.write()


def _stored_settings():
    """Every stored setting, read once per request or CLI run (there are a few dozen at most,
    and a page asks for several): from this worker's copy while the stamp is unchanged."""
    if "_settings" not in g:
        kept = current_app.extensions.get("settings")
        stamp, now = SETTINGS_STAMP.read(), time.monotonic()
        if kept is None or kept[0] != stamp or now - kept[1] > RECHECK_SECONDS:
            values = {key: json.loads(value) for key, value in
                      db.session.execute(select(Setting.key, Setting.value))}
            kept = current_app.extensions["settings"] = (stamp, now, values)
        g._settings = dict(kept[2])  # the request's own copy: set_setting changes it
    return g._settings


@event.listens_for(Session, "after_flush")
def _note_setting_changes(session, _flush_context):
    if any(isinstance(obj, Setting) for obj in (*session.new, *session.dirty, *session.deleted)):
        SETTINGS_STAMP.note_change(session)


def get_setting(key):
    """The stored value of a setting, or its configured default."""
    stored = _stored_settings()
    if key in stored:
        return stored[key]
    config_key = DEFAULTS_FROM_CONFIG.get(key)
    return current_app.config.get(config_key) if config_key else None


def set_setting(key, value):
    """Store a setting (flushes; the caller commits)."""
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=json.dumps(value))
        db.session.add(row)
    else:
        row.value = json.dumps(value)
    db.session.flush()
    _stored_settings()[key] = value
    return row


def save_settings(values, actor):
    """Store the settings that changed and audit each change with its old and new value."""
    changed = {}
    for key, value in values.items():
        before = get_setting(key)
        if before != value:
            set_setting(key, value)
            changed[key] = {"before": before, "after": value}
    if changed:
        record_event(actor, "settings.change", "setting", None, changes=changed)
    return changed


def delete_setting(key):
    _stored_settings().pop(key, None)
    row = db.session.get(Setting, key)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def jp_target_for(employment_type):
    """The yearly JP target for PNS or PPPK."""
    return int(get_setting(f"jp_target.{employment_type}") or 20)


def registration_open():
    """Whether /daftar takes new accounts. Anything but the one open value (a typo in
    LMS_REGISTRATION, an old stored value) keeps registration closed."""
    return get_setting("registration") == REGISTRATION_OPEN
