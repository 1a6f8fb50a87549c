"""The record of each background job run (DESIGN.md §7): what pages show and the platform admin retries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, utcnow
from tenants.scoping import TenantOwned

JOB_STATUSES = ("pending", "queued", "running", "done", "failed")


class JobRun(TenantOwned, Base):
    """One run of a job. `pending` means not yet on the queue (Redis was down): the sweeper enqueues it.

    A tenant job's run belongs to its tenant, so the usual scoping and RLS keep tenants apart. A
    platform job (mail delivery) has no tenant; only the platform admin sees it, across tenants.
    """

    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # also the RQ job id
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    function: Mapped[str] = mapped_column(String(120))
    args: Mapped[list] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(20), default="default")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'queued', 'running', 'done', 'failed')", name="known_status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
    )
