"""A citation: an action plan or a leadership promise that points at one released figure of one wave.

The figure is named by a key that means the same figure in another wave (saas.actions.figures), and
the citation keeps what was released then (label, value, interval, answers), read from the stored
release or comparison when it was made: the page of the plan shows it as it was, whatever came later.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, Index, Integer, JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk


class FigureCitation(TenantOwned, Base):
    __tablename__ = "figure_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, index=True)  # an action plan, or
    promise_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a leadership promise
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    figure: Mapped[str] = mapped_column(String(200))  # the stable key (saas.actions.figures)
    release_number: Mapped[int] = mapped_column(Integer)  # the release (or the comparison's release) it was read from
    group_name: Mapped[str] = mapped_column(String(400))  # the group as named then (an organisation may be renamed)
    value: Mapped[float] = mapped_column(Float)  # as released then; a hidden figure cannot be cited
    ci: Mapped[list | None] = mapped_column(JSON)  # [low, high] where the figure has a released interval
    n: Mapped[int | None] = mapped_column(Integer)  # the answers it rests on, where released
    cited_by_id: Mapped[int | None] = mapped_column(Integer)  # the membership; no foreign key: it outlives them
    cited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("plan_id", "wave_id", "figure", name="uq_figure_citations_plan_figure"),
        UniqueConstraint("promise_id", "wave_id", "figure", name="uq_figure_citations_promise_figure"),
        CheckConstraint("(plan_id IS NULL) <> (promise_id IS NULL)", name="plan_or_promise"),
        tenant_fk(["plan_id"], "action_plans", "fk_figure_citations_plan"),
        tenant_fk(["promise_id"], "leadership_promises", "fk_figure_citations_promise"),
        tenant_fk(["wave_id"], "survey_waves", "fk_figure_citations_wave"),
        Index("ix_figure_citations_tenant_figure", "tenant_id", "figure"),
    )
