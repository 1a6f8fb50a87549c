"""What the benchmark keeps (README, "Benchmark across tenants").

- `BenchmarkParticipation`: a tenant takes part, with its sector (one row, or none: not taking part).
- `BenchmarkRelease`: one sector's norm of one closed period (calendar half-year), made once and never
  changed: the figures (mean, spread and count per measure, or why a measure is withheld) and how many tenants
  contributed. It names no tenant, so it stays when a contributor leaves Koers.
- `BenchmarkContribution`: a tenant's own record that its released figures of a wave went into a norm; the
  tenant sees it (its audit trail says the same), and it goes with the tenant (exit, deletion).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned

PUBLISHED, WITHHELD = "published", "withheld"


class BenchmarkParticipation(TenantOwned, Base):
    __tablename__ = "benchmark_participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    sector: Mapped[str] = mapped_column(String(40))  # one of saas.benchmark.service.SECTORS
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id"),)


class BenchmarkRelease(Base):
    __tablename__ = "benchmark_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    sector: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))  # "2026-H1"
    status: Mapped[str] = mapped_column(String(10))  # published | withheld
    contributors: Mapped[int] = mapped_column(Integer)  # tenants whose figures went into a published measure
    candidates: Mapped[int] = mapped_column(Integer)  # opted-in tenants with a closed wave in the period
    # {measure: {"n", "mean", "sd"} | {"withheld": reason}}
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    made_on: Mapped[date] = mapped_column(Date)
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("sector", "period"),)


class BenchmarkContribution(TenantOwned, Base):
    __tablename__ = "benchmark_contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark_id: Mapped[int] = mapped_column(ForeignKey("benchmark_releases.id"), index=True)
    wave_id: Mapped[int] = mapped_column(Integer)  # the wave whose final release contributed (no key: a record)
    release_number: Mapped[int] = mapped_column(Integer)
    measures: Mapped[list] = mapped_column(JSON, default=list)  # the measures it went into

    __table_args__ = (UniqueConstraint("tenant_id", "benchmark_id"),)
