"""The stored cross-culture comparison of a wave (DESIGN.md §5): one row per wave, replaced as a whole."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk


class Comparison(TenantOwned, Base):
    """The comparison of one wave's legacy organisations, as the job last computed it.

    `result` holds exactly what `koers compare --json` prints (the shape of issue 6); `details`
    holds what the pages show beyond it (value alignment, psychological-contract index, vote
    shares), under the same k rule. `inputs_digest` fingerprints what the result was computed
    from (method version, k, parameters, answers, legacy organisations), so a rerun with nothing
    new is a no-op and a rerun with something new replaces the row in one transaction.
    """

    __tablename__ = "comparisons"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, unique=True)
    method_version: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict] = mapped_column(JSON)  # {"bootstrap": B, "permutations": P, "seed": S}
    inputs_digest: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict] = mapped_column(JSON)
    details: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["wave_id"], "survey_waves", "fk_comparisons_wave"),
    )
