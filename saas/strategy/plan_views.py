"""Action plan pages: the annual plan, the plans per unit with their actions, and everyone's personal
development goals."""
from __future__ import annotations

from datetime import date

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from saas.kernel.db import session
from saas.kernel.views import press_confirmed, send, submit
from saas.programme.loaders import load_programme
from saas.strategy import pillars, plans
from saas.strategy.blueprint import bp, form_data, people, pillar_choices, pillar_or_404, plan_or_404
from saas.strategy.forms import ActionStatusForm, GoalForm, PlanActionForm, PlanForm
from tenants.guards import requires

EDITORS = pillars.EDITORS


# ---- action plans ----------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/annual-plan")
@requires()
def annual_plan(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    known = plans.years(db, programme)
    year = request.args.get("year", type=int)
    if year is None or not 2000 <= year <= 2099:
        year = known[0] if known else date.today().year
    return render_template("strategy/annual_plan.html", programme=programme,
                           plan=plans.annual_plan(db, programme, year), years=sorted(set(known) | {year}, reverse=True),
                           unit_labels=plans.UNIT_LABELS, status_labels=plans.STATUS_LABELS)


@bp.route("/programmes/<int:programme_id>/plans/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_plan(programme_id: int):
    programme = load_programme(programme_id)
    return _plan_form(programme, None)


@bp.route("/plans/<int:action_plan_id>")
@requires()
def plan(action_plan_id: int):
    db = session()
    plan, programme = plan_or_404(action_plan_id)
    actions = plans.actions_of(db, plan)
    pillar_titles = {p.id: p.title for p in pillars.pillars(db, programme)}
    return render_template(
        "strategy/plan.html", plan=plan, programme=programme, actions=actions, pillar_titles=pillar_titles,
        unit_labels=plans.UNIT_LABELS, status_labels=plans.STATUS_LABELS,
        may_edit=plans.may_edit_plan(plan, g.membership), may_manage=plans.may_manage_plans(g.membership),
        may_set={a.id for a in actions if plans.may_set_status(plan, a, g.membership)},
        status_form=ActionStatusForm())


@bp.route("/plans/<int:action_plan_id>/edit", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_plan(action_plan_id: int):
    plan, programme = plan_or_404(action_plan_id)
    return _plan_form(programme, plan)


def _plan_form(programme, plan):
    data = form_data(plan, ("year", "unit_kind", "unit_name", "coordinator_id"))
    form = PlanForm(data=data if plan else ({"year": date.today().year} if request.method == "GET" else None))
    form.coordinator_id.choices = [("", _("No coordinator"))] + people()
    return submit(form, lambda: plans.save_plan(session(), programme, plan, year=form.year.data,
                                                unit_kind=form.unit_kind.data, unit_name=form.unit_name.data,
                                                coordinator_id=form.coordinator_id.data),
                  done=_("The action plan has been saved."),
                  then=lambda saved: url_for("strategy.plan", action_plan_id=saved.id)) \
        or render_template("strategy/plan_form.html", form=form, plan=plan, programme=programme)


@bp.route("/plans/<int:action_plan_id>/actions/new", methods=["GET", "POST"])
@requires()
def new_action(action_plan_id: int):
    plan, programme = plan_or_404(action_plan_id)
    return _action_form(programme, plan, None)


@bp.route("/plan-actions/<int:plan_action_id>/edit", methods=["GET", "POST"])
@requires()
def edit_action(plan_action_id: int):
    action = plans.get_action(session(), plan_action_id) or abort(404)
    plan, programme = plan_or_404(action.plan_id)
    return _action_form(programme, plan, action)


def _action_form(programme, plan, action):
    if not plans.may_edit_plan(plan, g.membership):
        raise Forbidden()
    form = PlanActionForm(data=form_data(action, ("description", "pillar_id", "owner_id", "due_on", "status")))
    form.pillar_id.choices = pillar_choices(programme, _("Choose a pillar"))
    form.owner_id.choices = [("", _("Choose an owner"))] + people()
    return submit(form, lambda: plans.save_action(session(), programme, plan, g.membership, action,
                                                  description=form.description.data, pillar_id=form.pillar_id.data,
                                                  owner_id=form.owner_id.data, due_on=form.due_on.data,
                                                  status=form.status.data),
                  done=_("The action has been saved."), then=url_for("strategy.plan", action_plan_id=plan.id)) \
        or render_template("strategy/action_form.html", form=form, plan=plan, action=action, programme=programme,
                           unit_labels=plans.UNIT_LABELS, has_pillars=len(form.pillar_id.choices) > 1)


@bp.route("/plan-actions/<int:plan_action_id>/status", methods=["POST"])
@requires()
def set_action_status(plan_action_id: int):
    action = plans.get_action(session(), plan_action_id) or abort(404)
    plan, _programme = plan_or_404(action.plan_id)
    if not plans.may_set_status(plan, action, g.membership):
        raise Forbidden()
    form = ActionStatusForm()
    return send(form, lambda: plans.set_status(plan, action, g.membership, form.status.data),
                done=lambda _result: _("The status of the action has been changed to: %(status)s.",
                                       status=plans.STATUS_LABELS[action.status]),
                then=url_for("strategy.plan", action_plan_id=plan.id, _anchor=f"action-{action.id}"))


# ---- personal development goals --------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/my-goals", methods=["GET", "POST"])
@requires()
def my_goals(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    form = GoalForm()
    form.pillar_id.choices = pillar_choices(programme, _("Choose a pillar"))
    return submit(form, lambda: plans.save_goal(db, programme, g.membership, None, pillar_id=form.pillar_id.data,
                                                description=form.description.data),
                  done=_("Your development goal has been saved."),
                  then=url_for("strategy.my_goals", programme_id=programme.id)) \
        or render_template("strategy/my_goals.html", programme=programme, form=form,
                           goals=plans.my_goals(db, programme, g.membership), rows=pillars.progress(db, programme))


def _own_goal(goal_id: int):
    goal = plans.get_own_goal(session(), g.membership, goal_id) or abort(404)
    _pillar, programme = pillar_or_404(goal.pillar_id)
    return goal, programme


@bp.route("/goals/<int:development_goal_id>", methods=["GET", "POST"])
@requires()
def edit_goal(development_goal_id: int):
    goal, programme = _own_goal(development_goal_id)
    form = GoalForm(data=form_data(goal, ("pillar_id", "description")))
    form.pillar_id.choices = pillar_choices(programme, _("Choose a pillar"))
    return submit(form, lambda: plans.save_goal(session(), programme, g.membership, goal,
                                                pillar_id=form.pillar_id.data, description=form.description.data),
                  done=_("Your development goal has been saved."),
                  then=url_for("strategy.my_goals", programme_id=programme.id)) \
        or render_template("strategy/goal_form.html", form=form, goal=goal, programme=programme)


@bp.route("/goals/<int:development_goal_id>/delete", methods=["GET", "POST"])
@requires()
def delete_goal(development_goal_id: int):
    goal, programme = _own_goal(development_goal_id)
    return press_confirmed("remove", lambda: plans.delete_goal(session(), g.membership, goal),
                           title=_("Remove your development goal?"),
                           consequence=_("“%(goal)s” disappears from your goals. This cannot be undone.",
                                         goal=goal.description),
                           button=_("Remove the goal"),
                           done=_("Your development goal has been removed."),
                           then=url_for("strategy.my_goals", programme_id=programme.id))
