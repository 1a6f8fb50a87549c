"""What the works council's reports leave behind: who read which report, and the PDFs made for them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, utcnow
from saas.programme.models import _fk
from tenants.scoping import TenantOwned


class ReportAccess(TenantOwned, Base):
    """One view or download of a report. Append-only: the database refuses to change or delete a row
    (a trigger, see migration 0008), so not even an admin can tidy the record of who looked.

    Who is kept as it was at the time (name and e-mail), so the record survives the person leaving.
    """

    __tablename__ = "report_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(320))
    # Which report: a survey wave's, or the pulse-check results of a programme (exactly one of them).
    wave_id: Mapped[int | None] = mapped_column(Integer, index=True)
    programme_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # page | json | csv | pdf | rates | pulse
    filters: Mapped[dict] = mapped_column(JSON)  # {"legacy_org": code, "team": id} or {"round": id}, as asked
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("(wave_id IS NULL) <> (programme_id IS NULL)", name="one_report"),
        _fk(["wave_id"], "survey_waves", "fk_report_access_log_wave"),
        _fk(["programme_id"], "programmes", "fk_report_access_log_programme"),
    )


class ReportFile(TenantOwned, Base):
    """A printable report, made by a job (workers.report_jobs.render_report_pdf) and then downloadable
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
        _fk(["wave_id"], "survey_waves", "fk_report_files_wave"),
    )
