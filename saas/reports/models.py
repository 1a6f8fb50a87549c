"""What the works council's reports leave behind: who read which report, and the PDFs made for them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk


class ReportFile(TenantOwned, Base):
    """A printable report, made by a job (saas.reports.jobs.render_report_pdf) and then downloadable
    by whoever may read the report; each download is logged like a view."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    filters: Mapped[dict] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(5))
    requested_by: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | failed
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["wave_id"], "survey_waves", "fk_report_files_wave"),
    )
