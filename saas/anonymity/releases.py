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

from saas.anonymity.audit import COMPLEMENTARY, FEWER_THAN_K, Shown, audit
from saas.anonymity.models import COLLECTIONS, Release, ReleaseGroup
from saas.kernel import audit as trail  # the audit trail (saas.anonymity.audit is the k rule's)

# The table of each collection, as the audit trail names objects.
COLLECTION_TABLES = {"wave": "survey_waves", "pulse": "pulse_rounds", "feedback": "feedback_rounds",
                     "expectations": "expectation_rounds", "workshop": "workshops"}


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
    trail.record(db, "report.released", object_type=COLLECTION_TABLES[collection], object_id=collection_id,
                 detail={"release": number, "final": final, "k": k, "answers": answers})
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


# ---- a later release of the same collection --------------------------------------------------

def nested(shown, earlier_pattern: dict | None, earlier_atoms: list | None, atoms_now: list, k: int, *,
           cells: bool):
    """The pattern of a later release of a collection (an interim release came first).

    A reader may subtract the earlier release from the later one. So the later one shows only groups
    that the earlier one showed and that the audit of all answers now allows (`shown`), and of those
    only groups whose new answers, on their own, pass the audit too, or that have no new answers: every
    figure of the difference then rests on 0 or at least k people, and the two releases rest on
    disjoint sets of answers, so nothing combined from both can rest on fewer. Without enough new
    answers for the whole collection, nothing new is shown (see `repeat`).
    """
    before = {(o, t): n for o, t, n in (earlier_atoms or [])}
    after = {(o, t): n for o, t, n in atoms_now}
    new = {key: after.get(key, 0) - before.get(key, 0) for key in set(after) | set(before)}
    increment = audit({key: n for key, n in new.items() if n > 0}, k, cells=cells)
    arrived = sum(new.values())  # the whole collection's new answers (moved ones cancel out)
    if not (shown.overall and (earlier_pattern or {}).get("overall")
            and (arrived == 0 or (arrived >= k and increment.overall))):
        return Shown(k, shown.total, False, hidden={("total", None): COMPLEMENTARY})

    def touched(org=None, team=None) -> list[int]:
        return [n for (o, t), n in new.items() if n and (org is None or o == org) and (team is None or t == team)]

    def kept(added: set, key, org=None, team=None) -> bool:
        # An answer that lost its team or organisation at the close (saas.anonymity.microdata) leaves a
        # group's difference signed: such a group is not shown again.
        changes = touched(org, team)
        return not changes or (key in added and min(changes) > 0)

    orgs = {o for o in shown.orgs if reason_in(earlier_pattern, o, None) is None and kept(increment.orgs, o, org=o)}
    teams = {t for t in shown.teams if reason_in(earlier_pattern, None, t) is None
             and kept(increment.teams, t, team=t)}
    kept_cells = {c for c in shown.cells if c[0] in orgs and c[1] in teams and reason_in(earlier_pattern, *c) is None
                  and kept(increment.cells, c, *c)}
    hidden = dict(shown.hidden)
    for kind, was, now in (("org", shown.orgs, orgs), ("team", shown.teams, teams), ("cell", shown.cells, kept_cells)):
        for key in was - now:
            hidden[(kind, key)] = COMPLEMENTARY
    return Shown(k, shown.total, True, orgs, teams, kept_cells, hidden)


def repeat(db, earlier: Release, *, final: bool, answers: int, released_on: date | None = None) -> Release:
    """A release that shows exactly what the earlier one showed (too few new answers to show more)."""
    release = store_release(db, earlier.collection, earlier.collection_id, k=earlier.k, answers=answers,
                            figures={**earlier.figures, "repeats": earlier.number}, patterns=earlier.patterns,
                            atoms=earlier.atoms, final=final, released_on=released_on)
    for stored in groups(db, earlier):
        add_group(db, release, stored.org_id, stored.team_id, stored.figures)
    db.flush()
    return release
