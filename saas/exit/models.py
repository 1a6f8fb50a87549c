"""An exit archive asked for by one person: its job, its state, and the one download it allows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned

PENDING, DONE, FAILED, DOWNLOADED, EXPIRED = "pending", "done", "failed", "downloaded", "expired"
STATUSES = (PENDING, DONE, FAILED, DOWNLOADED, EXPIRED)


class TenantExport(TenantOwned, Base):
    """The archive of one tenant, made by a job (`job_id`) for whoever asked (`requested_by_id`), kept on
    disk under a random name until that person downloads it once, or until it expires."""

    __tablename__ = "tenant_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(Integer)  # the account; a plain id: it may go first
    job_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    stored_name: Mapped[str] = mapped_column(String(64))  # the file's random name in the export folder
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'failed', 'downloaded', 'expired')", name="known_status"),
    )
