"""Releases (DESIGN.md §3): the figures of a collection exist only at its release points. A release
is stored once and never changed; pages read the stored release, never the answers behind it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from saas.anonymity.models import Release
from saas.db import utcnow


def store_release(db, collection: str, collection_id: int, *, k: int, answers: int, figures: dict,
                  patterns: dict | None = None, atoms: dict | None = None, final: bool = True,
                  released_on: date | None = None) -> Release:
    """Keep one release of `collection` `collection_id`, numbered 1, 2, … per collection; the caller
    commits it with the work that made it (the close, or a checkpoint)."""
    number = (db.scalar(select(func.max(Release.number)).where(Release.collection == collection,
                                                               Release.collection_id == collection_id)) or 0) + 1
    release = Release(collection=collection, collection_id=collection_id, number=number, final=final, k=k,
                      released_on=released_on or utcnow().date(), answers=answers, patterns=dict(patterns or {}),
                      atoms=dict(atoms or {}), figures=dict(figures))
    db.add(release)
    db.flush()
    return release


def latest_release(db, collection: str, collection_id: int) -> Release | None:
    """The newest release of a collection, or None before its first."""
    return db.scalar(select(Release).where(Release.collection == collection, Release.collection_id == collection_id)
                     .order_by(Release.number.desc()).limit(1))
