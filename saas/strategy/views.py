"""Strategy into behaviour (issue 9) — pages: pillars, action plans and personal goals here; mutual
expectations in expectation_views.py and the knowledge day in knowledge_day_views.py, on the same
blueprint. Views validate a form, call one service function, commit, flash, redirect."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from saas.db import session
from saas.errors import DomainError
from saas.kernel.views import show_domain_error
from saas.programme import service as programme_service
from saas.strategy import expectations, knowledge_day, pillars, plans
from saas.strategy.forms import ActionStatusForm, ConfirmForm, GoalForm, PillarForm, PlanActionForm, PlanForm
from tenants import service as tenant_service
from tenants.guards import requires, tenant_blueprint

bp = tenant_blueprint("strategy", __name__, "/strategy")
EDITORS = pillars.EDITORS


# ---- lookups: another tenant's object (or none) is a 404 ------------------------------------

def _programme(programme_id: int):
    return programme_service.get_programme(session(), programme_id) or abort(404)


def _pillar(pillar_id: int):
    db = session()
    pillar = pillars.get_pillar(db, pillar_id) or abort(404)
    return pillar, programme_service.get_programme(db, pillar.programme_id)


def _plan(plan_id: int):
    db = session()
    plan = plans.get_plan(db, plan_id) or abort(404)
    return plan, programme_service.get_programme(db, plan.programme_id)


def _people():
    return [(m.id, m.user.name) for m in tenant_service.members(session())]


def _pillar_choices(programme, blank: str | None = None):
    choices = [(p.id, p.title) for p in pillars.pillars(session(), programme)]
    return ([("", blank)] if blank else []) + choices


def _form_data(obj, names) -> dict | None:
    """A form's initial values from the object, on GET only: a POST must carry every field."""
    if obj is None or request.method != "GET":
        return None
    return {name: getattr(obj, name) for name in names}


# ---- the strategy of a programme ------------------------------------------------------------

@bp.route("/")
@requires()
def home():
    return render_template("strategy/home.html", programmes=programme_service.programmes(session()))


@bp.route("/programmes/<int:programme_id>")
@requires()
def index(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    rows = pillars.progress(db, programme)
    rounds = expectations.rounds_of_pillars(db, [row.pillar.id for row in rows])
    return render_template(
        "strategy/index.html", programme=programme, rows=rows, rounds=rounds,
        pillar_titles={row.pillar.id: row.pillar.title for row in rows},
        round_status=expectations.STATUS_LABELS, plans=plans.plans(db, programme), unit_labels=plans.UNIT_LABELS,
        years=plans.years(db, programme), days=knowledge_day.days(db, programme),
        can_edit=pillars.may_edit(g.membership), can_facilitate=expectations.may_facilitate(g.membership),
        can_organise=knowledge_day.may_organise(g.membership), can_manage_plans=plans.may_manage_plans(g.membership))


# ---- pillars ---------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/pillars/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_pillar(programme_id: int):
    programme = _programme(programme_id)
    return _pillar_form(programme, None)


@bp.route("/pillars/<int:pillar_id>")
@requires()
def pillar(pillar_id: int):
    db = session()
    pillar, programme = _pillar(pillar_id)
    [row] = [r for r in pillars.progress(db, programme) if r.pillar.id == pillar.id]
    actions = [(a, p) for a, p in _all_actions(db, programme) if a.pillar_id == pillar.id]
    return render_template(
        "strategy/pillar.html", pillar=pillar, programme=programme, row=row, actions=actions,
        rounds=expectations.rounds_of(db, pillar), round_status=expectations.STATUS_LABELS,
        status_labels=plans.STATUS_LABELS, unit_labels=plans.UNIT_LABELS, can_edit=pillars.may_edit(g.membership),
        can_facilitate=expectations.may_facilitate(g.membership), confirm_form=ConfirmForm())


@bp.route("/pillars/<int:pillar_id>/edit", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_pillar(pillar_id: int):
    pillar, programme = _pillar(pillar_id)
    return _pillar_form(programme, pillar)


def _pillar_form(programme, pillar):
    db = session()
    form = PillarForm(data=_form_data(pillar, ("title", "meaning", "examples")))
    if form.validate_on_submit():
        try:
            saved = pillars.save_pillar(db, programme, pillar, title=form.title.data, meaning=form.meaning.data,
                                        examples=form.examples.data or "")
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The pillar has been saved."), "success")
            return redirect(url_for("strategy.pillar", pillar_id=saved.id))
    return render_template("strategy/pillar_form.html", form=form, pillar=pillar, programme=programme)


@bp.route("/pillars/<int:pillar_id>/delete", methods=["POST"])
@requires(*EDITORS)
def delete_pillar(pillar_id: int):
    db = session()
    pillar, programme = _pillar(pillar_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Nothing was changed. Please use the buttons on the page."), "error")
        return redirect(url_for("strategy.pillar", pillar_id=pillar.id))
    try:
        pillars.delete_pillar(db, pillar)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("strategy.pillar", pillar_id=pillar.id))
    db.commit()
    flash(_("The pillar has been removed."), "success")
    return redirect(url_for("strategy.index", programme_id=programme.id))


# ---- action plans ----------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/annual-plan")
@requires()
def annual_plan(programme_id: int):
    db = session()
    programme = _programme(programme_id)
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
    programme = _programme(programme_id)
    return _plan_form(programme, None)


@bp.route("/plans/<int:action_plan_id>")
@requires()
def plan(action_plan_id: int):
    db = session()
    plan, programme = _plan(action_plan_id)
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
    plan, programme = _plan(action_plan_id)
    return _plan_form(programme, plan)


def _plan_form(programme, plan):
    db = session()
    data = _form_data(plan, ("year", "unit_kind", "unit_name", "coordinator_id"))
    form = PlanForm(data=data if plan else ({"year": date.today().year} if request.method == "GET" else None))
    form.coordinator_id.choices = [("", _("No coordinator"))] + _people()
    if form.validate_on_submit():
        try:
            saved = plans.save_plan(db, programme, plan, year=form.year.data, unit_kind=form.unit_kind.data,
                                    unit_name=form.unit_name.data, coordinator_id=form.coordinator_id.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The action plan has been saved."), "success")
            return redirect(url_for("strategy.plan", action_plan_id=saved.id))
    return render_template("strategy/plan_form.html", form=form, plan=plan, programme=programme)


@bp.route("/plans/<int:action_plan_id>/actions/new", methods=["GET", "POST"])
@requires()
def new_action(action_plan_id: int):
    plan, programme = _plan(action_plan_id)
    return _action_form(programme, plan, None)


@bp.route("/plan-actions/<int:plan_action_id>/edit", methods=["GET", "POST"])
@requires()
def edit_action(plan_action_id: int):
    db = session()
    action = plans.get_action(db, plan_action_id) or abort(404)
    plan, programme = _plan(action.plan_id)
    return _action_form(programme, plan, action)


def _action_form(programme, plan, action):
    db = session()
    if not plans.may_edit_plan(plan, g.membership):
        raise Forbidden()
    form = PlanActionForm(data=_form_data(action, ("description", "pillar_id", "owner_id", "due_on", "status")))
    form.pillar_id.choices = _pillar_choices(programme, _("Choose a pillar"))
    form.owner_id.choices = [("", _("Choose an owner"))] + _people()
    if form.validate_on_submit():
        try:
            plans.save_action(db, programme, plan, g.membership, action, description=form.description.data,
                              pillar_id=form.pillar_id.data, owner_id=form.owner_id.data, due_on=form.due_on.data,
                              status=form.status.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The action has been saved."), "success")
            return redirect(url_for("strategy.plan", action_plan_id=plan.id))
    return render_template("strategy/action_form.html", form=form, plan=plan, action=action, programme=programme,
                           unit_labels=plans.UNIT_LABELS, has_pillars=len(form.pillar_id.choices) > 1)


@bp.route("/plan-actions/<int:plan_action_id>/status", methods=["POST"])
@requires()
def set_action_status(plan_action_id: int):
    db = session()
    action = plans.get_action(db, plan_action_id) or abort(404)
    plan, _programme = _plan(action.plan_id)
    if not plans.may_set_status(plan, action, g.membership):
        raise Forbidden()
    form = ActionStatusForm()
    if form.validate_on_submit():
        plans.set_status(plan, action, g.membership, form.status.data)
        db.commit()
        flash(_("The status of the action has been changed to: %(status)s.",
                status=plans.STATUS_LABELS[action.status]), "success")
    else:
        flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    return redirect(url_for("strategy.plan", action_plan_id=plan.id, _anchor=f"action-{action.id}"))


def _all_actions(db, programme):
    result = []
    for plan in plans.plans(db, programme):
        result += [(a, plan) for a in plans.actions_of(db, plan)]
    return result


# ---- personal development goals --------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/my-goals", methods=["GET", "POST"])
@requires()
def my_goals(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    form = GoalForm()
    form.pillar_id.choices = _pillar_choices(programme, _("Choose a pillar"))
    if form.validate_on_submit():
        try:
            plans.save_goal(db, programme, g.membership, None, pillar_id=form.pillar_id.data,
                            description=form.description.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("Your development goal has been saved."), "success")
            return redirect(url_for("strategy.my_goals", programme_id=programme.id))
    return render_template("strategy/my_goals.html", programme=programme, form=form,
                           goals=plans.my_goals(db, programme, g.membership), rows=pillars.progress(db, programme),
                           confirm_form=ConfirmForm())


def _own_goal(goal_id: int):
    db = session()
    goal = plans.get_own_goal(db, g.membership, goal_id) or abort(404)
    pillar, programme = _pillar(goal.pillar_id)
    return goal, programme


@bp.route("/goals/<int:development_goal_id>", methods=["GET", "POST"])
@requires()
def edit_goal(development_goal_id: int):
    db = session()
    goal, programme = _own_goal(development_goal_id)
    form = GoalForm(data=_form_data(goal, ("pillar_id", "description")))
    form.pillar_id.choices = _pillar_choices(programme, _("Choose a pillar"))
    if form.validate_on_submit():
        try:
            plans.save_goal(db, programme, g.membership, goal, pillar_id=form.pillar_id.data,
                            description=form.description.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("Your development goal has been saved."), "success")
            return redirect(url_for("strategy.my_goals", programme_id=programme.id))
    return render_template("strategy/goal_form.html", form=form, goal=goal, programme=programme)


@bp.route("/goals/<int:development_goal_id>/delete", methods=["POST"])
@requires()
def delete_goal(development_goal_id: int):
    db = session()
    goal, programme = _own_goal(development_goal_id)
    if ConfirmForm().validate_on_submit():
        plans.delete_goal(db, g.membership, goal)
        db.commit()
        flash(_("Your development goal has been removed."), "success")
    else:
        flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    return redirect(url_for("strategy.my_goals", programme_id=programme.id))


# The other pages of this blueprint (imported last: they use `bp` from above).
from saas.strategy import expectation_views, knowledge_day_views  # noqa: E402,F401
