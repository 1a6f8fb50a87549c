"""The themes found in a wave's released open answers: one row per wave, replaced as a whole."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk


class AnswerThemes(TenantOwned, Base):
    """The themes of one wave's open answers, as the job after its close found them in its final release.

    `result` is what the report shows (saas.opentext.service.find_themes gives its shape): per open
    question, the themes with their words, counts and typical answers, already cut to what the free-text
    rule lets a reader see. `release` and `method_version` say what it was found from, so a rerun with
    nothing new is a no-op.
    """

    __tablename__ = "open_answer_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, unique=True)
    release: Mapped[int] = mapped_column(Integer)  # the release's number (1, 2, … per wave)
    method_version: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["wave_id"], "survey_waves", "fk_open_answer_themes_wave"),
    )
