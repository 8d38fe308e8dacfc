"""A background job as people see it: what, who started it, how far, and how it ended.

Huey carries the message ("run job 17"); this row is the record. It survives the queue (a job
whose consumer was killed is found here and run again), it is what /admin/tugas lists, and its
state changes go through conditional UPDATEs so that two consumers never run one job at once.
"""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
JOB_STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
FINISHED_STATES = (SUCCEEDED, FAILED)

# (label, tone of the status tag)
STATE_LABELS = {
    QUEUED: (_l("Menunggu"), "info"),
    RUNNING: (_l("Berjalan"), "info"),
    SUCCEEDED: (_l("Selesai"), "ok"),
    FAILED: (_l("Gagal"), "error"),
}


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                        name="state_known"),
        CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="progress_positive"),
        # The consumer's recovery sweep looks for running jobs with a stale heartbeat.
        Index("ix_job_state_heartbeat", "state", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    # A job about one object (a course's certificates) names it, so that its page can show
    # the job in progress and a second click does not start a second job.
    subject_key: Mapped[str | None] = mapped_column(String(64), index=True)

    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    # What the people who look at the job read (Indonesian, as the rest of the record).
    error: Mapped[str | None] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")

    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[object | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[object | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[object | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[object | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(128))

    # A file the job made (an export), under instance/job-results/, offered until it expires.
    result_path: Mapped[str | None] = mapped_column(String(255))
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_size: Mapped[int | None] = mapped_column(Integer)
    result_expires_at: Mapped[object | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    @property
    def params(self):
        return json.loads(self.params_json or "{}")

    @property
    def summary(self):
        return json.loads(self.summary_json or "{}")

    @property
    def is_finished(self):
        return self.state in FINISHED_STATES

    @property
    def state_label(self):
        return STATE_LABELS[self.state][0]

    @property
    def state_tone(self):
        return STATE_LABELS[self.state][1]

    @property
    def percent(self):
        if self.state == SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    def has_result_file(self, now=None):
        if not self.result_path or self.state != SUCCEEDED:
            return False
        return self.result_expires_at is None or self.result_expires_at > (now or utcnow())
