"""Mutual expectations: per pillar, staff and management write what they expect of each other and
what the pillar means to them; a facilitator clusters what was written and publishes a summary.

Anonymity by construction: an anonymous contribution is stored without its author, dated by the
day, and shown in an order that does not follow the order of writing; the groups it belongs to
(side, legacy organisation) are named only under the k rule (saas.strategy.anonymity).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from saas.errors import DomainError
from saas.strategy.anonymity import group_counts, group_labels
from saas.strategy.models import Contribution, ExpectationCluster, ExpectationRound, Pillar
from tenants.models import LegacyOrganisation, Membership, Role, Tenant

FACILITATORS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
# Everyone who works in the organisation writes; a consultant facilitates and does not.
CONTRIBUTORS = (Role.ADMIN, Role.MANAGEMENT, Role.SPONSOR, Role.MEMBER, Role.WORKS_COUNCIL)
TEXT_MAX = 2_000
SIDE_LABELS = {"staff": _l("Staff"), "management": _l("Management")}
STATUS_LABELS = {"open": _l("Open for contributions"), "closed": _l("Closed, being clustered"),
                 "published": _l("Summary published")}


class RoundNotOpen(DomainError):
    status = 409
    default_message = _l("This round no longer takes contributions.")


class RoundPublished(DomainError):
    status = 409
    default_message = _l("The summary of this round is published; the round is closed for good.")


class ClusterNameTaken(DomainError):
    default_message = _l("This round already has a cluster with that name.")


@dataclass
class Shown:
    """A contribution as a reader sees it: its text, and who or which group wrote it, if that may be shown."""

    contribution: Contribution
    who: str
    key: str = ""  # names the contribution in the facilitator's form without its (sequential) id


@dataclass
class Board:
    """A round's contributions, clustered, with what may be said about who wrote them."""

    round: ExpectationRound
    clusters: list[tuple[ExpectationCluster, list[Shown]]]
    unclustered: list[Shown]
    named: int
    anonymous: int
    groups: list[tuple[str, int]]  # the anonymous groups that may be shown, with their counts
    some_groups_hidden: bool
    k: int

    @property
    def total(self) -> int:
        return self.named + self.anonymous


def min_group_size(tenant: Tenant) -> int:
    """k: the tenant's minimum group size, never below 5 (DESIGN.md §3)."""
    return max(5, tenant.min_group_size or 5)


def may_facilitate(membership: Membership) -> bool:
    return membership.has_any(FACILITATORS)


def may_contribute(membership: Membership) -> bool:
    return membership.has_any(CONTRIBUTORS)


def side_of(membership: Membership) -> str:
    return "management" if Role.MANAGEMENT in membership.roles else "staff"


# ---- rounds --------------------------------------------------------------------------------

def rounds_of(db, pillar: Pillar) -> list[ExpectationRound]:
    return list(db.scalars(select(ExpectationRound).where(ExpectationRound.pillar_id == pillar.id)
                           .order_by(ExpectationRound.created_at.desc(), ExpectationRound.id.desc())))


def rounds_of_pillars(db, pillar_ids: list[int]) -> list[ExpectationRound]:
    if not pillar_ids:
        return []
    return list(db.scalars(select(ExpectationRound).where(ExpectationRound.pillar_id.in_(pillar_ids))
                           .order_by(ExpectationRound.created_at.desc(), ExpectationRound.id.desc())))


def get_round(db, round_id: int) -> ExpectationRound | None:
    return db.scalar(select(ExpectationRound).where(ExpectationRound.id == round_id))


def save_round(db, pillar: Pillar, expectation_round: ExpectationRound | None, *, title: str,
               held_on: date | None, invitation: str) -> ExpectationRound:
    if expectation_round is None:
        expectation_round = ExpectationRound(pillar_id=pillar.id, status="open")
        db.add(expectation_round)
    expectation_round.title, expectation_round.held_on = title.strip(), held_on
    expectation_round.invitation = (invitation or "").strip()
    db.flush()
    return expectation_round


def set_status(expectation_round: ExpectationRound, status: str) -> None:
    """Open the round for contributions or close it (to cluster in peace); not once it is published."""
    if status not in ("open", "closed"):
        raise DomainError(_l("Choose whether the round is open or closed."))
    if expectation_round.status == "published":
        raise RoundPublished()
    expectation_round.status = status


def save_summary(db, expectation_round: ExpectationRound, summary: str, *, publish: bool, today: date) -> None:
    """Keep the facilitator's summary; publishing shows it, with the clusters, to everyone in the tenant."""
    summary = (summary or "").strip()
    if publish and not summary:
        raise DomainError(_l("Write the summary before you publish it."), field="summary")
    expectation_round.summary = summary
    if publish:
        expectation_round.status, expectation_round.published_on = "published", today
    db.flush()


# ---- contributions -------------------------------------------------------------------------

def contribute(db, expectation_round: ExpectationRound, membership: Membership, *, kind: str, text: str,
               anonymous: bool, today: date) -> Contribution:
    """Add what someone wrote. Anonymous: no author is stored, only the side and the legacy
    organisation (for groupings under the k rule) and the day."""
    if not may_contribute(membership):
        raise Forbidden()
    if expectation_round.status != "open":
        raise RoundNotOpen()
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Please fill this in."), field="text")
    contribution = Contribution(round_id=expectation_round.id, side=side_of(membership), kind=kind, text=text,
                                anonymous=anonymous, author_id=None if anonymous else membership.id,
                                legacy_org_id=membership.legacy_org_id, written_on=today)
    db.add(contribution)
    db.flush()
    return contribution


def my_named_contributions(db, expectation_round: ExpectationRound, membership: Membership) -> list[Contribution]:
    """What this person wrote with their name (anonymous contributions cannot be traced back, not even by them)."""
    return list(db.scalars(select(Contribution).where(Contribution.round_id == expectation_round.id,
                                                      Contribution.author_id == membership.id)
                           .order_by(Contribution.kind, Contribution.id)))


def contribution_count(db, expectation_round: ExpectationRound) -> int:
    return db.scalar(select(func.count()).select_from(Contribution)
                     .where(Contribution.round_id == expectation_round.id)) or 0


# ---- clusters ------------------------------------------------------------------------------

def clusters_of(db, expectation_round: ExpectationRound) -> list[ExpectationCluster]:
    return list(db.scalars(select(ExpectationCluster).where(ExpectationCluster.round_id == expectation_round.id)
                           .order_by(func.lower(ExpectationCluster.name), ExpectationCluster.id)))


def get_cluster(db, expectation_round: ExpectationRound, cluster_id: int) -> ExpectationCluster | None:
    return db.scalar(select(ExpectationCluster).where(ExpectationCluster.id == cluster_id,
                                                      ExpectationCluster.round_id == expectation_round.id))


def save_cluster(db, expectation_round: ExpectationRound, cluster: ExpectationCluster | None,
                 name: str) -> ExpectationCluster:
    if expectation_round.status == "published":
        raise RoundPublished()
    name = name.strip()
    clash = select(ExpectationCluster.id).where(ExpectationCluster.round_id == expectation_round.id,
                                                func.lower(ExpectationCluster.name) == name.lower())
    if cluster is not None:
        clash = clash.where(ExpectationCluster.id != cluster.id)
    if db.scalar(clash) is not None:
        raise ClusterNameTaken(field="name")
    if cluster is None:
        cluster = ExpectationCluster(round_id=expectation_round.id)
        db.add(cluster)
    cluster.name = name
    db.flush()
    return cluster


def delete_cluster(db, expectation_round: ExpectationRound, cluster: ExpectationCluster) -> None:
    """Remove a cluster; its contributions go back to the unclustered ones."""
    if expectation_round.status == "published":
        raise RoundPublished()
    for contribution in db.scalars(select(Contribution).where(Contribution.cluster_id == cluster.id)):
        contribution.cluster_id = None
    db.flush()
    db.delete(cluster)
    db.flush()


def assign(db, expectation_round: ExpectationRound, placement: dict[str, int | None], secret: str) -> int:
    """Move contributions into clusters ({placement key: cluster id or None}); returns how many moved."""
    if expectation_round.status == "published":
        raise RoundPublished()
    clusters = {c.id for c in clusters_of(db, expectation_round)}
    if any(cluster_id is not None and cluster_id not in clusters for cluster_id in placement.values()):
        raise DomainError(_l("Choose one of the round's clusters."))
    contributions = {placement_key(secret, c.id): c for c in db.scalars(
        select(Contribution).where(Contribution.round_id == expectation_round.id))}
    if any(key not in contributions for key in placement):
        raise DomainError(_l("That contribution is not part of this round."))
    moved = 0
    for key, cluster_id in placement.items():
        if contributions[key].cluster_id != cluster_id:
            contributions[key].cluster_id = cluster_id
            moved += 1
    db.flush()
    return moved


# ---- what readers see ----------------------------------------------------------------------

def placement_key(secret: str, contribution_id: int) -> str:
    """An opaque name for a contribution in the clustering form: ids count up in the order of writing,
    which in a live session could point at whoever was typing at the time."""
    return hmac.new(secret.encode(), f"contribution:{contribution_id}".encode(), hashlib.sha256).hexdigest()[:20]


def board(db, tenant: Tenant, expectation_round: ExpectationRound, secret: str = "") -> Board:
    """The round as the facilitator works on it and, once published, as everyone reads it."""
    k = min_group_size(tenant)
    contributions = list(db.scalars(select(Contribution).where(Contribution.round_id == expectation_round.id)))
    # Not in the order of writing (that order, with the day, could point at a person): by kind and text.
    contributions.sort(key=lambda c: (c.kind, c.text.casefold(), c.text))
    anonymous = [c for c in contributions if c.anonymous]
    attributes = [(c.side, c.legacy_org_id) for c in anonymous]
    labels = dict(zip((c.id for c in anonymous), group_labels(attributes, k)))
    orgs = _org_names(db)
    shown = {c.id: Shown(c, _who(c, labels.get(c.id), orgs), placement_key(secret, c.id) if secret else "")
             for c in contributions}
    clusters = [(cluster, [shown[c.id] for c in contributions if c.cluster_id == cluster.id])
                for cluster in clusters_of(db, expectation_round)]
    groups = sorted(((_group_name(label, orgs), n) for label, n in group_counts(attributes, k).items()),
                    key=lambda item: item[0].casefold())
    return Board(round=expectation_round, clusters=clusters,
                 unclustered=[shown[c.id] for c in contributions if c.cluster_id is None],
                 named=len(contributions) - len(anonymous), anonymous=len(anonymous), groups=groups,
                 some_groups_hidden=any(len(label) < 2 for label in labels.values()), k=k)


def _who(contribution: Contribution, label: tuple | None, orgs: dict) -> str:
    side = str(SIDE_LABELS[contribution.side])
    if not contribution.anonymous:
        name = contribution.author.user.name if contribution.author else _("someone who has left the organisation")
        return _("%(name)s (%(side)s)", name=name, side=side)
    if not label:
        return _("Anonymous")
    return _("Anonymous, %(group)s", group=_group_name(label, orgs))


def _group_name(label: tuple, orgs: dict) -> str:
    side = str(SIDE_LABELS[label[0]])
    if len(label) == 1:
        return side
    org = orgs.get(label[1]) or _("no legacy organisation")
    return _("%(side)s from %(organisation)s", side=side, organisation=org)


def _org_names(db) -> dict[int, str]:
    return dict(db.execute(select(LegacyOrganisation.id, LegacyOrganisation.name)).all())
