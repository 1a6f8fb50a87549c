"""Action plans and personal development goals: the strategy turned into concrete work.

A region, department or team has a plan per year with actions (owner, pillar, due date, status);
all plans of a year together are the annual plan. Each member may link personal development goals
to a pillar: those are private, others only ever see how many there are per pillar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from saas.kernel.errors import DomainError
from saas.programme.models import Programme
from saas.strategy.models import ACTION_STATES, UNIT_KINDS, ActionPlan, DevelopmentGoal, Pillar, PlanAction
from saas.strategy.pillars import EDITORS, PillarProgress, pillar_of_programme, progress
from tenants.models import Membership

UNIT_LABELS = {"region": _l("Region"), "department": _l("Department"), "team": _l("Team")}
STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done")}
assert set(UNIT_LABELS) == set(UNIT_KINDS) and set(STATUS_LABELS) == set(ACTION_STATES)


class PlanExists(DomainError):
    default_message = _l("There is already a plan for this unit in that year.")


class NotAMember(DomainError):
    default_message = _l("Choose someone from the organisation.")


@dataclass
class AnnualPlan:
    """All plans of one year, per pillar: the actions from every unit and the pillar's progress."""

    year: int
    plans: list[ActionPlan]
    per_pillar: list[tuple[PillarProgress, list[tuple[PlanAction, ActionPlan]]]] = field(default_factory=list)

    @property
    def actions_total(self) -> int:
        return sum(p.actions_total for p, _actions in self.per_pillar)

    @property
    def actions_done(self) -> int:
        return sum(p.actions_done for p, _actions in self.per_pillar)


# ---- who may do what -----------------------------------------------------------------------

def may_manage_plans(membership: Membership) -> bool:
    return membership.has_any(EDITORS)


def may_edit_plan(plan: ActionPlan, membership: Membership) -> bool:
    return may_manage_plans(membership) or plan.coordinator_id == membership.id


def may_set_status(plan: ActionPlan, action: PlanAction, membership: Membership) -> bool:
    return may_edit_plan(plan, membership) or action.owner_id == membership.id


# ---- plans ---------------------------------------------------------------------------------

def plans(db, programme: Programme, year: int | None = None) -> list[ActionPlan]:
    query = select(ActionPlan).where(ActionPlan.programme_id == programme.id)
    if year is not None:
        query = query.where(ActionPlan.year == year)
    return list(db.scalars(query.order_by(ActionPlan.year.desc(), ActionPlan.unit_kind,
                                          func.lower(ActionPlan.unit_name))))


def years(db, programme: Programme) -> list[int]:
    return list(db.scalars(select(ActionPlan.year).where(ActionPlan.programme_id == programme.id)
                           .distinct().order_by(ActionPlan.year.desc())))


def get_plan(db, plan_id: int) -> ActionPlan | None:
    return db.scalar(select(ActionPlan).where(ActionPlan.id == plan_id))


def save_plan(db, programme: Programme, plan: ActionPlan | None, *, year: int, unit_kind: str, unit_name: str,
              coordinator_id: int | None) -> ActionPlan:
    unit_name = unit_name.strip()
    clash = select(ActionPlan.id).where(ActionPlan.programme_id == programme.id, ActionPlan.year == year,
                                        ActionPlan.unit_kind == unit_kind,
                                        func.lower(ActionPlan.unit_name) == unit_name.lower())
    if plan is not None:
        clash = clash.where(ActionPlan.id != plan.id)
    if db.scalar(clash) is not None:
        raise PlanExists(field="unit_name")
    if coordinator_id is not None:
        _member(db, coordinator_id, "coordinator_id")
    if plan is None:
        plan = ActionPlan(programme_id=programme.id)
        db.add(plan)
    plan.year, plan.unit_kind, plan.unit_name, plan.coordinator_id = year, unit_kind, unit_name, coordinator_id
    db.flush()
    return plan


# ---- actions -------------------------------------------------------------------------------

def actions_of(db, plan: ActionPlan) -> list[PlanAction]:
    return list(db.scalars(select(PlanAction).where(PlanAction.plan_id == plan.id)
                           .order_by(PlanAction.due_on, PlanAction.id)))


def all_actions(db, programme) -> list[tuple[PlanAction, ActionPlan]]:
    """Every action of the programme's plans, with its plan."""
    result = []
    for plan in plans(db, programme):
        result += [(a, plan) for a in actions_of(db, plan)]
    return result


def get_action(db, action_id: int) -> PlanAction | None:
    return db.scalar(select(PlanAction).where(PlanAction.id == action_id))


def save_action(db, programme: Programme, plan: ActionPlan, membership: Membership, action: PlanAction | None, *,
                description: str, pillar_id: int, owner_id: int, due_on: date, status: str) -> PlanAction:
    if not may_edit_plan(plan, membership):
        raise Forbidden()
    pillar = pillar_of_programme(db, programme, pillar_id)
    _member(db, owner_id, "owner_id")
    if status not in ACTION_STATES:
        raise DomainError(_l("Choose a status."), field="status")
    if action is None:
        action = PlanAction(plan_id=plan.id)
        db.add(action)
    action.description, action.pillar_id, action.owner_id = description.strip(), pillar.id, owner_id
    action.due_on, action.status = due_on, status
    db.flush()
    return action


def set_status(plan: ActionPlan, action: PlanAction, membership: Membership, status: str) -> None:
    """The owner (or the plan's coordinator, admins, management) reports how far an action is."""
    if not may_set_status(plan, action, membership):
        raise Forbidden()
    if status not in ACTION_STATES:
        raise DomainError(_l("Choose a status."), field="status")
    action.status = status


def annual_plan(db, programme: Programme, year: int) -> AnnualPlan:
    year_plans = plans(db, programme, year)
    by_id = {p.id: p for p in year_plans}
    actions = list(db.scalars(select(PlanAction).where(PlanAction.plan_id.in_(list(by_id)))
                              .order_by(PlanAction.due_on, PlanAction.id))) if by_id else []
    result = AnnualPlan(year=year, plans=year_plans)
    for row in progress(db, programme, year):
        result.per_pillar.append((row, [(a, by_id[a.plan_id]) for a in actions if a.pillar_id == row.pillar.id]))
    return result


# ---- personal development goals -------------------------------------------------------------

def my_goals(db, programme: Programme, membership: Membership) -> list[tuple[DevelopmentGoal, Pillar]]:
    return list(db.execute(select(DevelopmentGoal, Pillar).join(Pillar, Pillar.id == DevelopmentGoal.pillar_id)
                           .where(DevelopmentGoal.membership_id == membership.id,
                                  Pillar.programme_id == programme.id)
                           .order_by(Pillar.position, Pillar.id, DevelopmentGoal.id)).all())


def get_own_goal(db, membership: Membership, goal_id: int) -> DevelopmentGoal | None:
    """Someone else's goal is not found: goals are private."""
    return db.scalar(select(DevelopmentGoal).where(DevelopmentGoal.id == goal_id,
                                                   DevelopmentGoal.membership_id == membership.id))


def save_goal(db, programme: Programme, membership: Membership, goal: DevelopmentGoal | None, *, pillar_id: int,
              description: str) -> DevelopmentGoal:
    pillar = pillar_of_programme(db, programme, pillar_id)
    if goal is None:
        goal = DevelopmentGoal(membership_id=membership.id)
        db.add(goal)
    elif goal.membership_id != membership.id:
        raise Forbidden()
    goal.pillar_id, goal.description = pillar.id, description.strip()
    db.flush()
    return goal


def delete_goal(db, membership: Membership, goal: DevelopmentGoal) -> None:
    if goal.membership_id != membership.id:
        raise Forbidden()
    db.delete(goal)
    db.flush()


def _member(db, membership_id: int | None, field_name: str) -> Membership:
    member = db.scalar(select(Membership).where(Membership.id == membership_id)) if membership_id else None
    if member is None:
        raise NotAMember(field=field_name)
    return member
