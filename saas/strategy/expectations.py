"""Mutual expectations: per pillar, staff and management write what they expect of each other and
what the pillar means to them; a facilitator clusters what was written and publishes a summary.

Anonymity counts people, not items (DESIGN.md §3). An anonymous contribution is stored without its
author; while the round is open it carries only a keyed per-round pseudonym of its author (used only
to count distinct authors) and nobody sees it, not even the facilitator: the board shows the named
contributions and says that the anonymous ones appear at the close. Closing the round releases them
in a transaction of its own: new random ids, no pseudonym, dated by the round, and the group each may
be named with (side; side and legacy organisation) decided once over distinct authors
(saas.anonymity.labels) and stored in the round's release (saas.anonymity.releases, collection
"expectations", figures["labels"]: {contribution id: label}). Reopening a round and closing it again
releases only what came in since, labelled over its own authors; what was shown keeps its label.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.exceptions import Forbidden

from saas.anonymity import policy
from saas.anonymity.labels import group_counts, group_labels
from saas.anonymity.pseudonyms import pseudonym
from saas.anonymity.releases import latest_release, store_release
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.strategy.models import Contribution, ExpectationCluster, ExpectationRound, Pillar
from tenants.models import LegacyOrganisation, Membership, Role, Tenant

FACILITATORS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
# Everyone who works in the organisation writes; a consultant facilitates and does not.
CONTRIBUTORS = (Role.ADMIN, Role.MANAGEMENT, Role.SPONSOR, Role.MEMBER, Role.WORKS_COUNCIL)
TEXT_MAX = 2_000
SIDE_LABELS = {"staff": _l("Staff"), "management": _l("Management")}
STATUS_LABELS = {"open": _l("Open for contributions"), "closed": _l("Closed, being clustered"),
                 "published": _l("Summary published")}
COLLECTION = "expectations"
_shuffle = random.SystemRandom().shuffle


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
    anonymous: int  # released anonymous contributions
    groups: list[tuple[str, int]]  # the anonymous groups that may be shown, with their counts
    some_groups_hidden: bool
    k: int
    waiting_for_close: bool  # the round is open: anonymous contributions appear only at its close

    @property
    def total(self) -> int:
        return self.named + self.anonymous


def round_k(db, expectation_round: ExpectationRound) -> int:
    """The k the round was frozen with when it opened."""
    return policy.frozen_k(expectation_round, db.get(Tenant, expectation_round.tenant_id))


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
    new = expectation_round is None
    if new:  # a new round opens at once: its k is frozen now
        expectation_round = ExpectationRound(pillar_id=pillar.id, status="open",
                                             k=policy.launch_k(db.get(Tenant, pillar.tenant_id)))
        db.add(expectation_round)
    expectation_round.title, expectation_round.held_on = title.strip(), held_on
    expectation_round.invitation = (invitation or "").strip()
    db.flush()
    if new:
        audit.record(db, "expectations.opened", obj=expectation_round, detail={"k": expectation_round.k})
    return expectation_round


def set_status(db, expectation_round: ExpectationRound, status: str, today: date) -> int:
    """Open the round for contributions or close it (to cluster in peace); not once it is published.
    Closing releases the anonymous contributions that came in while it was open; returns how many."""
    if status not in ("open", "closed"):
        raise DomainError(_l("Choose whether the round is open or closed."))
    _lock(db, expectation_round)
    if expectation_round.status == "published":
        raise RoundPublished()
    released = 0
    if status == "closed" and expectation_round.status == "open":
        released = release(db, expectation_round, today)
    if status != expectation_round.status:
        audit.record(db, f"expectations.{'opened' if status == 'open' else 'closed'}", obj=expectation_round)
    expectation_round.status = status
    db.flush()
    return released


def save_summary(db, expectation_round: ExpectationRound, summary: str, *, publish: bool, today: date) -> None:
    """Keep the facilitator's summary; publishing shows it, with the clusters, to everyone in the tenant.
    Publishing an open round closes it first, which releases its anonymous contributions."""
    summary = (summary or "").strip()
    if publish and not summary:
        raise DomainError(_l("Write the summary before you publish it."), field="summary")
    _lock(db, expectation_round)
    if expectation_round.status == "published":
        raise RoundPublished()
    expectation_round.summary = summary
    if publish:
        if expectation_round.status == "open":
            release(db, expectation_round, today)
        expectation_round.status, expectation_round.published_on = "published", today
        audit.record(db, "expectations.published", obj=expectation_round)
    db.flush()


def release(db, expectation_round: ExpectationRound, today: date) -> int:
    """The close: write the anonymous contributions that wait anew (new random ids, in random order,
    no pseudonym, dated by the round), decide once over their distinct authors which group may be
    named with each, and store those labels, with the ones released before, as the round's next
    release. The caller holds the round's lock and commits this on its own. Returns how many."""
    waiting = list(db.scalars(select(Contribution).where(Contribution.round_id == expectation_round.id,
                                                         Contribution.anonymous.is_(True),
                                                         Contribution.author_key.is_not(None))
                              .with_for_update(of=Contribution)))
    previous = latest_release(db, COLLECTION, expectation_round.id)
    if not waiting and previous is not None:
        return 0
    k = round_k(db, expectation_round)
    _shuffle(waiting)
    decided = group_labels([(c.author_key, c.side, c.legacy_org_id) for c in waiting], k)
    rows = [dict(round_id=expectation_round.id, side=c.side, kind=c.kind, text=c.text, anonymous=True,
                 legacy_org_id=c.legacy_org_id, cluster_id=c.cluster_id) for c in waiting]
    db.execute(delete(Contribution).where(Contribution.id.in_([c.id for c in waiting]))
               .execution_options(synchronize_session=False))
    for c in waiting:
        db.expunge(c)
    labels = dict((previous.figures.get("labels") or {}) if previous is not None else {})
    written_on = round_date(expectation_round)
    for row, label in zip(rows, decided):
        contribution = Contribution(id=secrets.token_hex(16), written_on=written_on, author_key=None, **row)
        db.add(contribution)
        db.flush()  # one insert at a time, in the shuffled order
        labels[contribution.id] = list(label)
    store_release(db, COLLECTION, expectation_round.id, k=k, answers=len(rows), figures={"labels": labels},
                  final=False, released_on=today)
    return len(rows)


def round_date(expectation_round: ExpectationRound) -> date:
    """The only date an anonymous contribution carries: the session's day, or the day the round began."""
    return expectation_round.held_on or expectation_round.created_at.date()


# ---- contributions -------------------------------------------------------------------------

def contribute(db, expectation_round: ExpectationRound, membership: Membership, *, kind: str, text: str,
               anonymous: bool, today: date) -> Contribution:
    """Add what someone wrote. Anonymous: no author is stored, only the side and the legacy
    organisation (for groupings decided at the close), the round's date, and the author's keyed
    per-round pseudonym (to count distinct authors at the close; dropped then)."""
    if not may_contribute(membership):
        raise Forbidden()
    # A shared lock on the round: its close (which locks it for update) cannot slip in between this
    # check and the new row, so nothing anonymous is left waiting in a closed round.
    db.execute(select(ExpectationRound.id).where(ExpectationRound.id == expectation_round.id)
               .with_for_update(read=True))
    db.refresh(expectation_round)
    if expectation_round.status != "open":
        raise RoundNotOpen()
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Please fill this in."), field="text")
    key = pseudonym(current_app.config["SECRET_KEY"], COLLECTION, expectation_round.id, membership.id) \
        if anonymous else None
    contribution = Contribution(id=secrets.token_hex(16), round_id=expectation_round.id, side=side_of(membership),
                                kind=kind, text=text, anonymous=anonymous,
                                author_id=None if anonymous else membership.id, author_key=key,
                                legacy_org_id=membership.legacy_org_id,
                                written_on=round_date(expectation_round) if anonymous else today)
    db.add(contribution)
    db.flush()
    return contribution


def my_named_contributions(db, expectation_round: ExpectationRound, membership: Membership) -> list[Contribution]:
    """What this person wrote with their name (anonymous contributions cannot be traced back, not even by them)."""
    return list(db.scalars(select(Contribution).where(Contribution.round_id == expectation_round.id,
                                                      Contribution.author_id == membership.id)
                           .order_by(Contribution.kind, Contribution.text)))


def _shown():
    """Contributions anyone may see: named ones, and anonymous ones once released."""
    return Contribution.author_key.is_(None)


def contribution_count(db, expectation_round: ExpectationRound) -> int:
    """How many contributions can be read: named ones and released anonymous ones."""
    return db.scalar(select(func.count()).select_from(Contribution)
                     .where(Contribution.round_id == expectation_round.id, _shown())) or 0


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
        select(Contribution).where(Contribution.round_id == expectation_round.id, _shown()))}
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

def placement_key(secret: str, contribution_id: str) -> str:
    """An opaque name for a contribution in the clustering form: ids count up in the order of writing,
    which in a live session could point at whoever was typing at the time."""
    return hmac.new(secret.encode(), f"contribution:{contribution_id}".encode(), hashlib.sha256).hexdigest()[:20]


def board(db, tenant: Tenant, expectation_round: ExpectationRound, secret: str = "") -> Board:
    """The round as the facilitator works on it and, once published, as everyone reads it: named
    contributions, and anonymous ones once released, with the labels their release decided."""
    k = policy.frozen_k(expectation_round, tenant)
    contributions = list(db.scalars(select(Contribution).where(Contribution.round_id == expectation_round.id,
                                                               _shown())))
    # Not in the order of writing (that order, with the day, could point at a person): by kind and text.
    contributions.sort(key=lambda c: (c.kind, c.text.casefold(), c.text))
    anonymous = [c for c in contributions if c.anonymous]
    released = latest_release(db, COLLECTION, expectation_round.id)
    stored = (released.figures.get("labels") or {}) if released is not None else {}
    # an anonymous contribution from before releases existed has no stored label: it names no group
    labels = {c.id: tuple(stored.get(c.id) or ()) for c in anonymous}
    orgs = _org_names(db)
    shown = {c.id: Shown(c, _who(c, labels.get(c.id), orgs), placement_key(secret, c.id) if secret else "")
             for c in contributions}
    clusters = [(cluster, [shown[c.id] for c in contributions if c.cluster_id == cluster.id])
                for cluster in clusters_of(db, expectation_round)]
    groups = sorted(((_group_name(label, orgs), n) for label, n in group_counts(labels.values()).items()),
                    key=lambda item: item[0].casefold())
    return Board(round=expectation_round, clusters=clusters,
                 unclustered=[shown[c.id] for c in contributions if c.cluster_id is None],
                 named=len(contributions) - len(anonymous), anonymous=len(anonymous), groups=groups,
                 some_groups_hidden=any(len(label) < 2 for label in labels.values()), k=k,
                 waiting_for_close=expectation_round.status == "open")


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


def _lock(db, expectation_round: ExpectationRound) -> None:
    db.execute(select(ExpectationRound.id).where(ExpectationRound.id == expectation_round.id).with_for_update())
    db.refresh(expectation_round)
