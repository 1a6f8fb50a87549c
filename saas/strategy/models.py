"""Strategy into behaviour (issue 9, points 1–4): pillars, mutual expectations, action plans, knowledge day.

Every table belongs to one tenant and points at its parents with composite (tenant_id, id) keys.
Two kinds of rows are anonymous by construction (DESIGN.md §3), and both have random string ids, so
no sequence orders them:
- an anonymous expectation contribution has no author; while its round is open it carries only a
  keyed per-round pseudonym (for counting distinct authors), dropped when the round's close releases
  it as a new row;
- a workshop evaluation waits in a pool (score and comment, nothing else) until the evaluation window
  closes, and is then mixed into the evaluations in a transaction of its own; the sign-up only
  remembers *that* its person evaluated, like a survey invitation.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, Integer, String, Text, Time, UniqueConstraint, event, update,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk, tenant_person
from tenants.models import Membership

SIDES = ("staff", "management")  # who writes an expectation: staff of management, or management of staff
KINDS = ("expectation", "meaning")  # what I expect of the other side; what the pillar means to me
ROUND_STATES = ("open", "closed", "published")
UNIT_KINDS = ("region", "department", "team")
ACTION_STATES = ("planned", "in_progress", "done")
PLACE_STATES = ("confirmed", "waiting")


def _one_of(column: str, values, name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)


# ---- 1. pillars ------------------------------------------------------------------------------

class Pillar(TenantOwned, Base):
    """One of the few pillars a programme's strategy rests on, e.g. "Entrepreneurial"."""

    __tablename__ = "strategy_pillars"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(160))
    meaning: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("programme_id", "title"),
        tenant_fk(["programme_id"], "programmes", "fk_strategy_pillars_programme"),
    )


# ---- 2. mutual expectations ------------------------------------------------------------------

class ExpectationRound(TenantOwned, Base):
    """A session (or an asynchronous round) about one pillar, led by a facilitator."""

    __tablename__ = "expectation_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    pillar_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(160))
    held_on: Mapped[date | None] = mapped_column(Date)  # None: an asynchronous round
    invitation: Mapped[str] = mapped_column(Text, default="")  # what the facilitator asks
    status: Mapped[str] = mapped_column(String(12), default="open")
    summary: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date | None] = mapped_column(Date)
    k: Mapped[int | None] = mapped_column(Integer)  # frozen when the round opens (saas.anonymity.policy)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _one_of("status", ROUND_STATES, "known_status"),
        tenant_fk(["pillar_id"], "strategy_pillars", "fk_expectation_rounds_pillar"),
    )


class ExpectationCluster(TenantOwned, Base):
    """A named group of contributions that say much the same, made by the facilitator."""

    __tablename__ = "expectation_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(160))

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("round_id", "name"),
        tenant_fk(["round_id"], "expectation_rounds", "fk_expectation_clusters_round"),
    )


class Contribution(TenantOwned, Base):
    """What one person wrote in a round. Anonymous: `author_id` is None; until the round's close
    releases it, `author_key` holds the author's keyed per-round pseudonym (only to count distinct
    authors) and nobody sees it; the release writes it anew (new id, no pseudonym, dated by the
    round) and decides once which group (side, legacy organisation) may be named with it, stored in
    the round's release (saas.anonymity.releases, collection "expectations")."""

    __tablename__ = "expectation_contributions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    side: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # None when anonymous, or once a named author has left the organisation
    author_id: Mapped[int | None] = mapped_column(Integer)
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    written_on: Mapped[date] = mapped_column(Date)  # the day when named; the round's date when anonymous
    author_key: Mapped[str | None] = mapped_column(String(64))  # anonymous and not yet released: the pseudonym

    author = tenant_person("Contribution", "author_id")

    __table_args__ = (
        _one_of("side", SIDES, "known_side"),
        _one_of("kind", KINDS, "known_kind"),
        CheckConstraint("NOT anonymous OR author_id IS NULL", name="anonymous_has_no_author"),
        CheckConstraint("anonymous OR author_key IS NULL", name="only_anonymous_has_a_pseudonym"),
        tenant_fk(["round_id"], "expectation_rounds", "fk_expectation_contributions_round"),
        tenant_fk(["author_id"], "memberships", "fk_expectation_contributions_author", ondelete=None),
        tenant_fk(["legacy_org_id"], "legacy_organisations", "fk_expectation_contributions_legacy_org", ondelete=None),
        tenant_fk(["cluster_id"], "expectation_clusters", "fk_expectation_contributions_cluster", ondelete=None),
    )


# ---- 3. action plans and development goals ---------------------------------------------------

class ActionPlan(TenantOwned, Base):
    """The actions one region, department or team takes in a year to make the strategy real."""

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_name: Mapped[str] = mapped_column(String(160))
    # may add and change the plan's actions besides admins and management; None once they have left
    coordinator_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    coordinator = tenant_person("ActionPlan", "coordinator_id")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("programme_id", "year", "unit_kind", "unit_name"),
        _one_of("unit_kind", UNIT_KINDS, "known_unit_kind"),
        CheckConstraint("year BETWEEN 2000 AND 2099", name="sensible_year"),
        tenant_fk(["programme_id"], "programmes", "fk_action_plans_programme"),
        tenant_fk(["coordinator_id"], "memberships", "fk_action_plans_coordinator", ondelete=None),
    )


class PlanAction(TenantOwned, Base):
    """A concrete action in a plan, serving one pillar."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(Integer, index=True)
    pillar_id: Mapped[int] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None once the owner has left
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner = tenant_person("PlanAction", "owner_id")

    __table_args__ = (
        _one_of("status", ACTION_STATES, "known_status"),
        tenant_fk(["plan_id"], "action_plans", "fk_plan_actions_plan"),
        tenant_fk(["pillar_id"], "strategy_pillars", "fk_plan_actions_pillar", ondelete=None),
        tenant_fk(["owner_id"], "memberships", "fk_plan_actions_owner", ondelete=None),
    )


class DevelopmentGoal(TenantOwned, Base):
    """A personal development goal, linked to a pillar. Private: only its member reads it."""

    __tablename__ = "development_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    pillar_id: Mapped[int] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        tenant_fk(["membership_id"], "memberships", "fk_development_goals_membership"),
        tenant_fk(["pillar_id"], "strategy_pillars", "fk_development_goals_pillar", ondelete=None),
    )


# ---- 4. knowledge day ------------------------------------------------------------------------

class KnowledgeDay(TenantOwned, Base):
    __tablename__ = "knowledge_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(160))
    held_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["programme_id"], "programmes", "fk_knowledge_days_programme"),
    )


EVALUATION_STATES = ("pending", "open", "closed")


class Workshop(TenantOwned, Base):
    """A skills workshop in a time slot of a knowledge day, with a host and a number of places.

    Its evaluation window opens when the attendance is recorded (k is frozen then) and closes after
    `evaluations_close_on` (the last day evaluations are taken) or by the host's button; only the
    close releases figures."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    host_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None once the host has left
    pillar_id: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    evaluations: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    evaluations_close_on: Mapped[date | None] = mapped_column(Date)
    k: Mapped[int | None] = mapped_column(Integer)  # frozen when the evaluation window opens
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    host = tenant_person("Workshop", "host_id")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        _one_of("evaluations", EVALUATION_STATES, "known_evaluations"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        tenant_fk(["day_id"], "knowledge_days", "fk_workshops_day"),
        tenant_fk(["host_id"], "memberships", "fk_workshops_host", ondelete=None),
        tenant_fk(["pillar_id"], "strategy_pillars", "fk_workshops_pillar", ondelete=None),
    )


class Signup(TenantOwned, Base):
    """A place at a workshop, or a place on its waiting list (first come, first promoted)."""

    __tablename__ = "workshop_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12))
    signed_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None: not recorded yet
    evaluated: Mapped[bool] = mapped_column(Boolean, default=False)

    membership = tenant_person("Signup", "membership_id")

    __table_args__ = (
        UniqueConstraint("workshop_id", "membership_id"),
        _one_of("status", PLACE_STATES, "known_status"),
        tenant_fk(["workshop_id"], "workshops", "fk_workshop_signups_workshop"),
        tenant_fk(["membership_id"], "memberships", "fk_workshop_signups_membership"),
    )


class EvaluationPool(TenantOwned, Base):
    """An evaluation waiting for its workshop's window to close: a score and a comment, nothing that
    says who or when. Moved into `Evaluation` in random order at the close, then deleted."""

    __tablename__ = "workshop_evaluation_pool"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    workshop_id: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
        tenant_fk(["workshop_id"], "workshops", "fk_workshop_evaluation_pool_workshop"),
    )


class Evaluation(TenantOwned, Base):
    """One attendee's evaluation of a workshop, written at the close of its evaluation window;
    deliberately without any link to who gave it."""

    __tablename__ = "workshop_evaluations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    workshop_id: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
        tenant_fk(["workshop_id"], "workshops", "fk_workshop_evaluations_workshop"),
    )


@event.listens_for(Membership, "before_delete")
def _keep_the_strategy_when_someone_leaves(_mapper, connection, membership: Membership) -> None:
    # As in the work log: a composite key cannot SET NULL only its id column, so the references that
    # outlive a person are cleared here; their sign-ups and private goals go with them (CASCADE).
    for table, column in ((Contribution.__table__, "author_id"), (ActionPlan.__table__, "coordinator_id"),
                          (PlanAction.__table__, "owner_id"), (Workshop.__table__, "host_id")):
        connection.execute(update(table).where(table.c.tenant_id == membership.tenant_id,
                                               table.c[column] == membership.id).values({column: None}))
