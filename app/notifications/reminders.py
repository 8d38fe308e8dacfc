"""What runs by itself: reminders a day before a workshop, JP reminders to those below pace
for the year (an admin sets how often), and deleting old notifications. Each is a periodic
job (app/jobs/periodic.py), shown in /admin/tugas, and notifies whole groups in one statement
per group, never one per person."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from app.auth.models import EMPLOYMENT_TYPES, User
from app.courses.models import JpYearTotal
from app.database import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import link_to, notify, prune_old
from app.settings import get_setting, jp_target_for
from app.timeutil import palu_date
from app.workshops.models import SessionRegistration, WorkshopSession

REMINDER_HOURS = 24
JP_SCHEDULES = {
    "off": _l("Mati"),
    "monthly": _l("Setiap bulan (tanggal 1, Februari–Desember)"),
    "quarterly": _l("Setiap triwulan (1 April, 1 Juli, 1 Oktober)"),
}
QUARTER_MONTHS = (4, 7, 10)


# --- a day before a workshop -------------------------------------------------------------------

def _reminder_link(session):
    return link_to("workshops.session_page", session_id=session.id)


def send_workshop_reminders(now=None):
    """Remind everyone with a seat in a session starting within a day, once (a person who
    registers later the same day is reminded at the next run). Returns how many."""
    now = now or utcnow()
    sessions = _sessions_soon(now)
    sent = 0
    for session in sessions:  # the sessions of one day: a handful, one statement each
        link = _reminder_link(session)
        reminded = exists().where(Notification.user_id == SessionRegistration.user_id,
                                  Notification.kind == "workshop_reminder",
                                  Notification.link == link)
        seated = select(SessionRegistration.user_id).where(
            SessionRegistration.session_id == session.id,
            SessionRegistration.status == "registered", ~reminded)
        sent += notify(seated, "workshop_reminder",
                       {"title": session.title, "starts_at": session.starts_at.isoformat()},
                       link=link, now=now)
    return sent


def _sessions_soon(now):
    return db.session.scalars(select(WorkshopSession).where(
        WorkshopSession.status != "cancelled", WorkshopSession.starts_at > now,
        WorkshopSession.starts_at <= now + timedelta(hours=REMINDER_HOURS))).all()


# --- JP below pace -----------------------------------------------------------------------------

def pace(target, today):
    """The JP one should have by `today` to reach `target` by 31 December, evenly."""
    start = date(today.year, 1, 1)
    days = (date(today.year + 1, 1, 1) - start).days
    return round(target * (today - start).days / days)


def jp_reminder_due(local):
    """Whether the admin's schedule asks for JP reminders at this WITA minute (08:00)."""
    schedule = get_setting("jp_reminder.schedule")
    if schedule not in ("monthly", "quarterly") or (local.hour, local.minute) != (8, 0) \
            or local.day != 1:
        return False
    return local.month in QUARTER_MONTHS if schedule == "quarterly" else local.month >= 2


# Functions (now) -> how many notified, run with the JP reminders: programmes add those
# overdue on a mandatory programme (app/programmes/reminders.py).
JP_REMINDER_EXTRAS = []


def send_jp_reminders(now=None):
    """Notify every active, verified learner whose JP this year is below pace: one statement
    per employment type (their targets differ). Returns how many."""
    now = now or utcnow()
    today = palu_date(now)
    sent = 0
    for employment_type in EMPLOYMENT_TYPES:
        target = jp_target_for(employment_type)
        expected = pace(target, today)
        if expected <= 0:
            continue
        earned = func.coalesce(JpYearTotal.total, 0)
        behind = (select(User.id).outerjoin(JpYearTotal, and_(JpYearTotal.user_id == User.id,
                                                              JpYearTotal.year == today.year))
                  .where(User.is_learner.is_(True), User.active.is_(True),
                         User.verified_at.is_not(None),
                         User.employment_type == employment_type,
                         earned < expected))
        sent += notify(behind, "jp_reminder",
                       {"year": today.year, "target": target, "pace": expected},
                       link=link_to("reports.my_ledger"), now=now)
    for extra in JP_REMINDER_EXTRAS:
        sent += extra(now)
    return sent


# --- the jobs ----------------------------------------------------------------------------------

def _run(function, key):
    def run(context):
        context.summary[key] = function()
        db.session.commit()
        context.progress(1, 1)
    return run


def register_reminders(app):
    from app.jobs.periodic import Periodic, register_periodic
    from app.jobs.runner import register_job_kind

    kinds = (
        ("notifications.workshop_reminders", send_workshop_reminders, "sent",
         _l("Pengingat workshop dan webinar")),
        ("notifications.jp_reminders", send_jp_reminders, "sent", _l("Pengingat target JP")),
        ("notifications.prune", prune_old, "deleted", _l("Hapus notifikasi lama")),
    )
    for name, function, key, label in kinds:
        register_job_kind(name, _run(function, key), lambda params, label=label: label,
                          summary_lines=lambda job, key=key: [f"{key}: {job.summary.get(key, 0)}"])
    register_periodic(Periodic(
        name="workshop_reminders", kind="notifications.workshop_reminders",
        label=_l("Pengingat workshop dan webinar"), schedule=lambda local: local.minute == 10,
        schedule_text=lambda: _l("setiap jam, menit ke-10"),
        enabled_setting="notifications.reminders"))
    register_periodic(Periodic(
        name="jp_reminders", kind="notifications.jp_reminders", label=_l("Pengingat target JP"),
        schedule=jp_reminder_due,
        schedule_text=lambda: JP_SCHEDULES.get(get_setting("jp_reminder.schedule"),
                                               JP_SCHEDULES["off"]),
        enabled_setting="notifications.reminders"))
    register_periodic(Periodic(
        name="prune_notifications", kind="notifications.prune",
        label=_l("Hapus notifikasi lama"),
        schedule=lambda local: (local.hour, local.minute) == (3, 15),
        schedule_text=lambda: _l("setiap hari pukul 03.15 WITA, yang lebih dari %(days)d hari",
                                 days=current_app.config["NOTIFICATION_KEEP_DAYS"]),
        enabled_setting="notifications.reminders"))
