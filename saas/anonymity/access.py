"""The access log (DESIGN.md §3): every reading of anything built from answers, and every change of
the rules that protect them, in the transaction of the reading or the change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from saas.anonymity.models import ReportAccess
from saas.kernel.listing import Page, contains_words, page_of
from tenants.models import Membership, MembershipRole


@dataclass(frozen=True)
class Readings:
    """Which entries of the log to show: who (words of their name or e-mail address as logged), what
    (a kind), the reader's role now, and a period [since, until) in UTC."""
    words: tuple[str, ...] = ()
    kind: str | None = None
    role: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def log(db, user, kind: str, *, wave_id: int | None = None, programme_id: int | None = None,
        details: dict | None = None) -> ReportAccess:
    """Record a reading (or a change of the rules) by `user`; the caller commits with its work."""
    entry = ReportAccess(user_id=getattr(user, "id", None), user_name=getattr(user, "name", "") or "",
                         user_email=getattr(user, "email", "") or "", wave_id=wave_id, programme_id=programme_id,
                         kind=kind, filters=dict(details or {}))
    db.add(entry)
    db.flush()
    return entry


def entries(db, limit: int = 500) -> list[ReportAccess]:
    return list(db.scalars(_newest_first(Readings()).limit(limit)))


def page(db, readings: Readings, *, number: int = 1, size: int = 50) -> Page:
    """One page of the entries that match, newest first."""
    return page_of(db, _newest_first(readings), number=number, size=size)


def matching(db, readings: Readings) -> list[ReportAccess]:
    """Every entry that matches, newest first: the export of what the page shows."""
    return list(db.scalars(_newest_first(readings)))


def _newest_first(readings: Readings):
    conditions = []
    if readings.words:
        conditions.append(contains_words(ReportAccess.user_name + " " + ReportAccess.user_email, readings.words))
    if readings.kind:
        conditions.append(ReportAccess.kind == readings.kind)
    if readings.role:
        conditions.append(exists().where(Membership.user_id == ReportAccess.user_id,
                                         Membership.tenant_id == ReportAccess.tenant_id,
                                         MembershipRole.membership_id == Membership.id,
                                         MembershipRole.tenant_id == Membership.tenant_id,
                                         MembershipRole.role == readings.role))
    if readings.since is not None:
        conditions.append(ReportAccess.at >= readings.since)
    if readings.until is not None:
        conditions.append(ReportAccess.at < readings.until)
    return select(ReportAccess).where(*conditions).order_by(ReportAccess.at.desc(), ReportAccess.id.desc())
