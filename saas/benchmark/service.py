"""The benchmark across tenants: sector norms from released figures only (README, "Benchmark across tenants").

A tenant takes part by choosing its sector (an admin, on the audit trail). After each calendar half-year,
once, the sweeper (or `koers benchmark-release`) makes each sector's norm of that period from every
taking-part tenant's final release of the last wave it closed in the period: its whole-organisation figures
only, each tenant weighing one. Which measures are published, and to whom they are shown, is decided by
saas.anonymity.benchmark. A norm is stored frozen and never made again, so norms share no data; leaving the
benchmark stops future contributions only.

Making a norm reads across tenants: it runs on the platform role (a `Database.PlatformSession`), in one
transaction that writes the norm, the platform's audit entry, and each contributor's record and audit entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, text

from billing.models import CONSULTANCY, BillingAccount, TenantBilling
from saas.anonymity import benchmark as rules
from saas.anonymity.models import Release, ReleaseGroup
from saas.benchmark.models import (
    PUBLISHED, WITHHELD, BenchmarkContribution, BenchmarkParticipation, BenchmarkRelease,
)
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.surveys.instruments import TYPES
from saas.surveys.models import Wave
from tenants.models import Membership, MembershipRole, Role
from tenants.scoping import cross_tenant

SECTORS = {
    "municipal_social_services": _l("Municipal social services"),
    "municipality": _l("Municipality (other)"),
    "province": _l("Province"),
    "water_board": _l("Water board"),
    "healthcare": _l("Healthcare"),
    "education": _l("Education"),
    "other_public": _l("Other public body"),
}
GRACE_DAYS = 31  # the sweeper waits this long after a period's end: the last waves' final releases are in
_LOCK = 8160  # pg_advisory_xact_lock key: one benchmark release at a time (two sweepers)
# The roles that read a tenant's released figures (reports, comparison, the benchmark page): a person holding one
# in several contributors knows their figures, as a consultancy knows its clients'.
READERS = [str(r) for r in (Role.ADMIN, Role.WORKS_COUNCIL, Role.MANAGEMENT, Role.CONSULTANT)]


@dataclass(frozen=True)
class Measure:
    key: str
    kind: str  # culture_now | culture_preferred | contract | entropy | alignment
    type: str | None  # the culture type, for the culture profile
    decimals: int  # the precision the report shows the figure with; the norm is rounded to it


# The whole-organisation figures a wave's release stores that mean the same in every tenant.
MEASURES = tuple(
    [Measure(f"culture_{phase}.{t}", f"culture_{phase}", t, 1) for phase in ("now", "preferred") for t in TYPES]
    + [Measure("contract", "contract", None, 2), Measure("entropy", "entropy", None, 3),
       Measure("alignment", "alignment", None, 1)])
BY_KEY = {m.key: m for m in MEASURES}


def value_of(figures: dict, measure: Measure) -> float | None:
    """One measure from a release's whole-organisation figures (saas.reports.release); None when hidden or absent."""
    if measure.kind.startswith("culture_"):
        part = figures.get("culture")
        if not isinstance(part, dict) or "hidden" in part:
            return None
        return (part.get(measure.kind.removeprefix("culture_")) or {}).get(measure.type)
    if measure.kind == "contract":
        part = figures.get("contract")
        return None if not isinstance(part, dict) or "hidden" in part else part.get("index")
    part = figures.get("values")
    if not isinstance(part, dict) or "hidden" in part:
        return None
    if measure.kind == "entropy":
        return part.get("entropy")
    shared = (part.get("alignment") or {}).get("personal_current")
    return None if shared is None else len(shared)  # values among both the personal and the current top 10


# ---- periods ---------------------------------------------------------------------------------------

class BadPeriod(DomainError):
    default_message = _l("A period is a calendar half-year, written as 2026-H1 (January to June) or 2026-H2 "
                         "(July to December).")


class PeriodNotEnded(DomainError):
    default_message = _l("This period has not ended yet: its norm is made once, after its last day.")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int  # 1 or 2

    @property
    def key(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def first(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def previous(self) -> "Period":
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)


def parse_period(value: str | None) -> Period:
    match = re.fullmatch(r"\s*(\d{4})-[Hh]([12])\s*", value or "")
    if not match or not 2000 <= int(match[1]) <= 2999:
        raise BadPeriod(field="period")
    return Period(int(match[1]), int(match[2]))


def period_of(day: date) -> Period:
    return Period(day.year, 1 if day.month <= 6 else 2)


# ---- taking part ---------------------------------------------------------------------------------

class UnknownSector(DomainError):
    default_message = _l("Choose one of the sectors in the list.")


def participation(db) -> BenchmarkParticipation | None:
    """The tenant's participation (db scoped to it), None when it does not take part."""
    return db.scalar(select(BenchmarkParticipation))


def set_sector(db, tenant, sector: str | None) -> BenchmarkParticipation | None:
    """Take part with `sector`, change it, or (None, "") stop taking part; on the audit trail. Stopping stops
    future contributions only: a published norm is never made again."""
    sector = sector or None
    if sector is not None and sector not in SECTORS:
        raise UnknownSector(field="sector")
    current = participation(db)
    before = current.sector if current else None
    if before == sector:
        return current
    if current is not None and sector is None:
        db.delete(current)
        current = None
    elif current is None:
        current = BenchmarkParticipation(sector=sector)
        db.add(current)
    else:
        current.sector = sector
    db.flush()
    audit.record(db, "settings.benchmark", obj=tenant, detail={"from": before, "to": sector})
    return current


def contributions(db) -> list[tuple[BenchmarkContribution, BenchmarkRelease]]:
    """The tenant's contributions (db scoped to it), newest period first."""
    return [tuple(row) for row in db.execute(
        select(BenchmarkContribution, BenchmarkRelease)
        .join(BenchmarkRelease, BenchmarkRelease.id == BenchmarkContribution.benchmark_id)
        .order_by(BenchmarkRelease.period.desc(), BenchmarkRelease.id.desc()))]


# ---- making a norm (platform role) ---------------------------------------------------------------

def release_period(db, period: Period, *, today: date, sectors=None, before_end: bool = False) -> list[BenchmarkRelease]:
    """Each sector's norm of `period`, made now when it was not made before (`db`: a platform session; the
    caller commits). Refused while the period has not ended, unless `before_end` (the demo only: it shows a
    norm of the period its baseline closed in). A norm made before is returned as it is."""
    if not before_end and period.last >= today:
        raise PeriodNotEnded(field="period")
    made = []
    with cross_tenant(db):
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        for sector in sectors or SECTORS:
            existing = db.scalar(select(BenchmarkRelease).where(BenchmarkRelease.sector == sector,
                                                               BenchmarkRelease.period == period.key))
            norm = existing or _release_sector(db, sector, period, today)
            if norm is not None:
                made.append(norm)
    return made


def _release_sector(db, sector: str, period: Period, today: date) -> BenchmarkRelease | None:
    """The sector's norm of the period, stored; None when no tenant taking part closed a wave in it: nothing
    to freeze (no tenant's figures), so a later run may still make it once someone has."""
    tenants = list(db.scalars(select(BenchmarkParticipation.tenant_id).where(BenchmarkParticipation.sector == sector)))
    chosen = _last_final_releases(db, tenants, period)  # {tenant_id: Release}
    if not chosen:
        return None
    wholes = dict(db.execute(select(ReleaseGroup.release_id, ReleaseGroup.figures).where(
        ReleaseGroup.release_id.in_([r.id for r in chosen.values()] or [0]),
        ReleaseGroup.org_id.is_(None), ReleaseGroup.team_id.is_(None))).all())
    values = {m.key: {} for m in MEASURES}
    for tenant_id, release in chosen.items():
        whole = wholes.get(release.id)
        for measure in MEASURES if whole is not None else ():
            value = value_of(whole, measure)
            if value is not None:
                values[measure.key][tenant_id] = value
    known = _known_by_consultancies(db, chosen)
    figures, used = {}, {}
    for measure in MEASURES:
        given = values[measure.key]
        reason = rules.withheld(given, known)
        figures[measure.key] = {"withheld": reason} if reason else rules.norm(given.values(), measure.decimals)
        if not reason:
            for tenant_id in given:
                used.setdefault(tenant_id, []).append(measure.key)
    norm = BenchmarkRelease(sector=sector, period=period.key, status=PUBLISHED if used else WITHHELD,
                            contributors=len(used), candidates=len(chosen), figures=figures, made_on=today)
    db.add(norm)
    db.flush()
    audit.record(db, "benchmark.released", platform=True, obj=norm,
                 detail={"sector": sector, "period": period.key, "status": norm.status,
                         "contributors": norm.contributors, "candidates": norm.candidates,
                         "measures": sorted(k for k, f in figures.items() if "withheld" not in f)})
    names = dict(db.execute(select(Wave.id, Wave.name).where(Wave.id.in_([r.collection_id for r in chosen.values()]
                                                                         or [0]))).all())
    for tenant_id in sorted(used):
        release = chosen[tenant_id]
        db.add(BenchmarkContribution(tenant_id=tenant_id, benchmark_id=norm.id, wave_id=release.collection_id,
                                     release_number=release.number, measures=used[tenant_id]))
        audit.record(db, "benchmark.contributed", tenant_id=tenant_id, object_type="survey_waves",
                     object_id=release.collection_id,
                     detail={"wave": names.get(release.collection_id, ""), "release": release.number,
                             "sector": sector, "period": period.key, "contributors": norm.contributors,
                             "measures": len(used[tenant_id])})
    db.flush()
    return norm


def _last_final_releases(db, tenant_ids, period: Period) -> dict:
    """{tenant: the final release of the last wave it closed in the period} (released on a day of it)."""
    chosen = {}
    for release in db.scalars(select(Release).where(
            Release.tenant_id.in_(tenant_ids or [0]), Release.collection == "wave", Release.final.is_(True),
            Release.released_on >= period.first, Release.released_on <= period.last)
            .order_by(Release.released_on, Release.collection_id, Release.number)):
        chosen[release.tenant_id] = release  # the last one wins
    return chosen


def _known_by_consultancies(db, tenant_ids) -> list[set]:
    """Which of these tenants each viewer knows: per consultancy, its clients (archived ones too: it read them);
    per person, the tenants where they hold a role that reads released figures (an admin of two tenants, a
    consultant a client added by hand)."""
    known = {}
    for account_id, tenant_id in db.execute(
            select(TenantBilling.account_id, TenantBilling.tenant_id)
            .join(BillingAccount, and_(BillingAccount.id == TenantBilling.account_id,
                                       BillingAccount.kind == CONSULTANCY))
            .where(TenantBilling.tenant_id.in_(list(tenant_ids) or [0]))):
        known.setdefault(("consultancy", account_id), set()).add(tenant_id)
    for user_id, tenant_id in db.execute(
            select(Membership.user_id, Membership.tenant_id).distinct()
            .join(MembershipRole, and_(MembershipRole.tenant_id == Membership.tenant_id,
                                       MembershipRole.membership_id == Membership.id))
            .where(Membership.tenant_id.in_(list(tenant_ids) or [0]), MembershipRole.role.in_(READERS))):
        known.setdefault(("person", user_id), set()).add(tenant_id)
    return [tenants for tenants in known.values() if len(tenants) > 1]


def release_due(Session, today: date) -> int:
    """The sweeper's part: the norms of the last period that ended at least GRACE_DAYS ago, once (a wave
    that closed on the period's last days has its final release by then). Returns how many were made."""
    period = period_of(today - timedelta(days=GRACE_DAYS)).previous()
    with Session.platform() as db, cross_tenant(db):
        if db.scalar(select(func.count()).select_from(BenchmarkRelease)
                     .where(BenchmarkRelease.period == period.key)) >= len(SECTORS):
            return 0
        before = db.scalar(select(func.count()).select_from(BenchmarkRelease)) or 0
        release_period(db, period, today=today)
        made = (db.scalar(select(func.count()).select_from(BenchmarkRelease)) or 0) - before
        db.commit()
    return made


# ---- reading a norm ------------------------------------------------------------------------------

def _rows(norm: BenchmarkRelease, own: dict | None, known: int) -> list[dict]:
    rows = []
    for measure in MEASURES:
        figure = norm.figures.get(measure.key) or {}
        if "mean" not in figure or not rules.shown_to(figure["n"], known):
            continue
        rows.append({"measure": measure.key, "kind": measure.kind, "type": measure.type,
                     "decimals": measure.decimals, "own": value_of(own, measure) if own else None,
                     "mean": figure["mean"], "sd": figure["sd"], "n": figure["n"]})
    return rows


def as_shown(norm: BenchmarkRelease, own: dict | None, known: int, **more) -> dict | None:
    """The plain dict templates/reports/_benchmark_section.html renders: the norm's measures this reader may
    see, each beside the organisation's own figure (None when it has none)."""
    rows = _rows(norm, own, known)
    if not rows:
        return None
    return {"sector": norm.sector, "period": norm.period, "contributors": norm.contributors, "rows": rows, **more}


def for_report(db, release: Release | None, whole: dict | None) -> dict | None:
    """The norm beside a wave's whole-organisation figures (db scoped to the tenant): give to get, only a norm
    the tenant contributed to, the latest whose period began by the wave's release."""
    if release is None or not release.final or not whole or whole.get("hidden"):
        return None
    norm = db.scalar(select(BenchmarkRelease).join(BenchmarkContribution,
                                                   BenchmarkContribution.benchmark_id == BenchmarkRelease.id)
                     .where(BenchmarkRelease.status == PUBLISHED)
                     .where(BenchmarkRelease.period <= period_of(release.released_on).key)
                     .order_by(BenchmarkRelease.period.desc(), BenchmarkRelease.id.desc()).limit(1))
    return None if norm is None else as_shown(norm, whole, 1)  # a tenant knows itself


def for_clients(db, account_id: int, tenants) -> dict[int, dict]:
    """For a consultancy's dashboard (`db`: platform session; `tenants`: its clients' (id, name) this consultant
    may see): per client, its latest released whole-organisation
    figures beside the latest norm it contributed to, as far as the consultancy may see it: it knows all its
    clients, so a measure whose contributors leave fewer than four others it does not know is left out."""
    out = {}
    with cross_tenant(db):
        clients = set(db.scalars(select(TenantBilling.tenant_id).where(TenantBilling.account_id == account_id)))
        for tenant_id, name in tenants:
            norm = db.scalar(select(BenchmarkRelease).join(
                BenchmarkContribution, BenchmarkContribution.benchmark_id == BenchmarkRelease.id)
                .where(BenchmarkContribution.tenant_id == tenant_id, BenchmarkRelease.status == PUBLISHED)
                .order_by(BenchmarkRelease.period.desc(), BenchmarkRelease.id.desc()).limit(1))
            if norm is None:
                continue
            known = db.scalar(select(func.count()).select_from(BenchmarkContribution).where(
                BenchmarkContribution.benchmark_id == norm.id, BenchmarkContribution.tenant_id.in_(clients or [0])))
            latest = db.execute(select(Release, Wave.name).join(Wave, and_(Wave.id == Release.collection_id,
                                                                           Wave.tenant_id == Release.tenant_id))
                                .where(Release.tenant_id == tenant_id, Release.collection == "wave",
                                       Release.final.is_(True))
                                .order_by(Release.released_on.desc(), Release.id.desc()).limit(1)).first()
            whole = None
            if latest is not None:
                whole = db.scalar(select(ReleaseGroup.figures).where(
                    ReleaseGroup.tenant_id == tenant_id, ReleaseGroup.release_id == latest[0].id,
                    ReleaseGroup.org_id.is_(None), ReleaseGroup.team_id.is_(None)))
            shown = as_shown(norm, whole, known, wave=latest[1] if latest is not None else None, organisation=name)
            if shown is not None:
                out[tenant_id] = shown
    return out


def platform_list(db) -> list[BenchmarkRelease]:
    """Every norm made, newest period first (the platform admin's page shows counts only)."""
    with cross_tenant(db):
        return list(db.scalars(select(BenchmarkRelease).order_by(BenchmarkRelease.period.desc(),
                                                                 BenchmarkRelease.sector)))


def published_measures(norm: BenchmarkRelease) -> int:
    return sum(1 for figure in norm.figures.values() if "mean" in figure)
