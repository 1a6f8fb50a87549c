"""Releases (DESIGN.md §3): the figures of a collection exist only at its release points.

A release is made once (the close, or a checkpoint fixed before launch) and never changed; every
page, JSON, CSV and PDF built from the collection reads the stored release, never the answers.
This module only creates and reads them; what goes into `figures` and `patterns` is the caller's
(audited) result.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import func, select

from saas.anonymity.models import COLLECTIONS, Release


def store_release(db, collection: str, collection_id: int, *, k: int, answers: int, figures: dict,
                  patterns: dict | None = None, atoms: dict | None = None, final: bool = True,
                  released_on: date | None = None) -> Release:
    """Store the next release of a collection (numbered 1, 2, … per collection), in the caller's transaction."""
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}")
    number = (db.scalar(select(func.max(Release.number)).where(Release.collection == collection,
                                                                 Release.collection_id == collection_id)) or 0) + 1
    release = Release(collection=collection, collection_id=collection_id, number=number, final=final, k=k,
                      released_on=released_on or date.today(), answers=answers, patterns=dict(patterns or {}),
                      atoms=dict(atoms or {}), figures=figures)
    db.add(release)
    db.flush()
    return release


def latest_release(db, collection: str, collection_id: int) -> Release | None:
    """The newest release of a collection, or None while it has none."""
    return db.scalar(select(Release).where(Release.collection == collection, Release.collection_id == collection_id)
                     .order_by(Release.number.desc()).limit(1))


def latest_releases(db, collection: str, collection_ids: Iterable[int]) -> dict[int, Release]:
    """The newest release of each of several collections of one kind (those without one are left out)."""
    ids = list(collection_ids)
    if not ids:
        return {}
    latest: dict[int, Release] = {}
    for release in db.scalars(select(Release).where(Release.collection == collection,
                                                    Release.collection_id.in_(ids)).order_by(Release.number)):
        latest[release.collection_id] = release
    return latest
