"""The periodic job that closes quiz attempts whose time ran out while nobody was looking
(the learner closed the tab): each is graded with what was saved in time, exactly as when the
learner comes back (services.close_if_expired), so reports and JP do not wait for them."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.jobs.periodic import Periodic, register_periodic
from app.jobs.runner import register_job_kind
from app.quizzes.models import Attempt
from app.quizzes.services import close_if_expired


def run_close_overdue(context):
    now = utcnow()
    overdue = db.session.scalars(select(Attempt.id).where(
        Attempt.state == "in_progress", Attempt.deadline_at < now)
        .order_by(Attempt.id)).all()
    context.summary["closed"] = 0
    for index, attempt_id in enumerate(overdue, start=1):
        # A learner submitting at this very moment: the claim in _finish lets one of us win.
        if close_if_expired(db.session.get(Attempt, attempt_id), now):
            context.summary["closed"] += 1
        context.progress(index, len(overdue))


def overdue_summary(job):
    return [str(_l("%(n)d percobaan kuis yang waktunya habis ditutup dan dinilai.",
                   n=job.summary.get("closed", 0)))]


def register_overdue_attempts():
    register_job_kind("quizzes.close_overdue", run_close_overdue,
                      lambda params: _l("Tutup percobaan kuis yang lewat waktu"),
                      summary_lines=overdue_summary)
    register_periodic(Periodic(
        name="close_overdue_attempts", kind="quizzes.close_overdue",
        label=_l("Tutup percobaan kuis yang lewat waktu"),
        schedule=lambda local: local.minute % 10 == 0,
        schedule_text=lambda: _l("setiap 10 menit"),
        enabled_setting="quizzes.close_overdue"))
