"""The record of each background job run (DESIGN.md §7): what pages show and the platform admin retries."""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned

JOB_STATUSES = ("pending", "queued", "running", "done", "failed")
ACTIVE_STATUSES = ("pending", "queued", "running")
STATUS_LABELS = {
    "pending": _l("Waiting for the queue"),
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}


def args_key(args) -> str:
    """The arguments as one canonical string, to find the runs of a function for given ids."""
    return json.dumps(list(args), separators=(",", ":"), sort_keys=True)


class JobRun(TenantOwned, Base):
    """One run of a job; its id is also the RQ job id.

    `pending`: recorded, not yet on the queue (Redis was down, or the commit just happened); the
    sweeper enqueues it. `queued`: on the queue, or waiting for a retry after a failed attempt
    (then `error` says why). `running`: a worker runs it and writes `heartbeat_at` every few
    seconds; a run whose heartbeat stopped lost its worker. `done` / `failed` are final; a failed
    run that was retried points to its new run in `retried_as`.

    A tenant job's run belongs to its tenant, so the usual scoping and RLS keep tenants apart. A
    platform job (mail delivery) has no tenant; only the platform admin sees it, across tenants.
    """

    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    function: Mapped[str] = mapped_column(String(120))
    args: Mapped[list] = mapped_column(JSON)
    args_key: Mapped[str] = mapped_column(String(255))
    queue: Mapped[str] = mapped_column(String(20), default="default")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    progress_note: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retried_as: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'queued', 'running', 'done', 'failed')", name="known_status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        Index("ix_job_runs_function_args_key", "function", "args_key"),
    )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def summary(self) -> dict:
        """What a page (or its JSON poll) shows about the run."""
        return {"id": self.id, "status": self.status, "status_label": self.status_label,
                "progress": self.progress, "note": self.progress_note, "error": self.error,
                "attempts": self.attempts, "finished": not self.active}
