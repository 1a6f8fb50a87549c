"""The access log (DESIGN.md §3): every reading of anything built from answers, and every change of
the rules that protect them, in the transaction of the reading or the change."""
from __future__ import annotations

from sqlalchemy import select

from saas.anonymity.models import ReportAccess


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
    return list(db.scalars(select(ReportAccess).order_by(ReportAccess.at.desc(), ReportAccess.id.desc())
                           .limit(limit)))
