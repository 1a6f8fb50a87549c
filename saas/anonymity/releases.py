"""Releases, not readings (DESIGN.md §3): figures of a collection exist only at its release points.

A release is made once, when a collection closes (or at a checkpoint fixed before its launch): the
audit runs over every group any page, filter or format could show, and the pattern and the figures
are stored. Every page, JSON, CSV, PDF, comparison and evidence view then serves the stored release,
never the answers: a second reading can only give the same figures, and a later change of the tenant's
k, of its legacy organisations or of the code cannot change what a release shows.

Generic storage here; what a collection's figures are is its feature's business (saas.reports for
survey waves, saas.leadership for pulse checks and 360 rounds, saas.strategy for expectations and
workshops), and what may be shown is decided by saas.anonymity.audit (and its siblings).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from saas.anonymity.models import COLLECTIONS, Release, ReleaseGroup


def store_release(db, collection: str, collection_id: int, *, k: int, answers: int, figures: dict,
                  patterns: dict | None = None, atoms: dict | None = None, final: bool = True,
                  released_on: date | None = None) -> Release:
    """Store the next release of a collection (numbered 1, 2, … per collection); the caller commits.

    The caller holds the collection's row lock, so two releases of one collection never race.
    """
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}")
    number = (db.scalar(select(func.max(Release.number)).where(Release.collection == collection,
                                                                 Release.collection_id == collection_id)) or 0) + 1
    release = Release(collection=collection, collection_id=collection_id, number=number, final=final, k=k,
                      released_on=released_on or date.today(), answers=answers, figures=figures or {},
                      patterns=patterns or {}, atoms=atoms or {})
    db.add(release)
    db.flush()
    return release


def latest_release(db, collection: str, collection_id: int) -> Release | None:
    return db.scalar(select(Release).where(Release.collection == collection, Release.collection_id == collection_id)
                     .order_by(Release.number.desc()).limit(1))


def releases_of(db, collection: str, collection_ids) -> dict[int, Release]:
    """The latest release of each of these collections, by collection id."""
    ids = list(collection_ids)
    if not ids:
        return {}
    found = {}
    for release in db.scalars(select(Release).where(Release.collection == collection,
                                                    Release.collection_id.in_(ids)).order_by(Release.number)):
        found[release.collection_id] = release
    return found


latest_releases = releases_of


def add_group(db, release: Release, org_id: int | None, team_id: int | None, figures: dict) -> None:
    db.add(ReleaseGroup(release_id=release.id, org_id=org_id, team_id=team_id, figures=figures))


def group(db, release: Release, org_id: int | None, team_id: int | None) -> ReleaseGroup | None:
    """The stored figures of one shown group; None when the release does not show it."""
    query = select(ReleaseGroup).where(ReleaseGroup.release_id == release.id)
    query = query.where(ReleaseGroup.org_id.is_(None) if org_id is None else ReleaseGroup.org_id == org_id)
    query = query.where(ReleaseGroup.team_id.is_(None) if team_id is None else ReleaseGroup.team_id == team_id)
    return db.scalar(query)


def groups(db, release: Release, *, org_id=..., team_id=...) -> list[ReleaseGroup]:
    """The shown groups of a release; `org_id`/`team_id`: None for "no organisation (team)", an id, or
    `...` for any (including none)."""
    query = select(ReleaseGroup).where(ReleaseGroup.release_id == release.id)
    if org_id is not ...:
        query = query.where(ReleaseGroup.org_id.is_(None) if org_id is None else ReleaseGroup.org_id == org_id)
    if team_id is not ...:
        query = query.where(ReleaseGroup.team_id.is_(None) if team_id is None else ReleaseGroup.team_id == team_id)
    return list(db.scalars(query.order_by(ReleaseGroup.org_id, ReleaseGroup.team_id)))


# ---- patterns as stored (JSON) ------------------------------------------------------------------

def pattern_of(shown) -> dict:
    """A saas.anonymity.audit.Shown as plain JSON."""
    return {"overall": shown.overall, "total": shown.total, "orgs": sorted(shown.orgs), "teams": sorted(shown.teams),
            "cells": sorted([list(cell) for cell in shown.cells]),
            "hidden": sorted([[kind, list(key) if isinstance(key, tuple) else key, reason]
                              for (kind, key), reason in shown.hidden.items()], key=repr)}


def reason_in(pattern: dict | None, org: int | None, team: int | None) -> str | None:
    """Why a stored pattern hides a group, or None when it shows it (the whole set: org and team None)."""
    from saas.anonymity.audit import FEWER_THAN_K

    if not pattern or not pattern.get("overall"):
        return FEWER_THAN_K
    if org is None and team is None:
        return None
    hidden = {(kind, tuple(key) if isinstance(key, list) else key): reason for kind, key, reason in pattern["hidden"]}
    if org is not None and team is not None:
        shown = [org, team] in pattern["cells"]
        return None if shown else hidden.get(("cell", (org, team)), FEWER_THAN_K)
    if org is not None:
        return None if org in pattern["orgs"] else hidden.get(("org", org), FEWER_THAN_K)
    return None if team in pattern["teams"] else hidden.get(("team", team), FEWER_THAN_K)
