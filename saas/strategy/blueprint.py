"""The strategy blueprint and what its pages share: the loaders (another tenant's object, or none, is a
404) and the choices of people and pillars. The pages are in pillar_views, plan_views,
expectation_views and knowledge_day_views; views.py registers them."""
from __future__ import annotations

from flask import abort, request

from saas.kernel.db import session
from saas.programme.loaders import with_programme
from saas.strategy import expectations, knowledge_day, pillars, plans
from tenants import service as tenant_service
from tenants.guards import tenant_blueprint

bp = tenant_blueprint("strategy", __name__, "/strategy")


# ---- loaders: another tenant's object (or none) is a 404 ------------------------------------

def pillar_or_404(pillar_id: int):
    """A pillar and its programme."""
    return with_programme(pillars.get_pillar(session(), pillar_id))


def plan_or_404(plan_id: int):
    """An action plan and its programme."""
    return with_programme(plans.get_plan(session(), plan_id))


def round_or_404(round_id: int):
    """A round of mutual expectations, its pillar and its programme."""
    db = session()
    expectation_round = expectations.get_round(db, round_id) or abort(404)
    pillar, programme = pillar_or_404(expectation_round.pillar_id)
    return expectation_round, pillar, programme


def day_or_404(day_id: int):
    """A knowledge day and its programme."""
    return with_programme(knowledge_day.get_day(session(), day_id))


def workshop_or_404(workshop_id: int):
    """A workshop, its knowledge day and its programme."""
    db = session()
    workshop = knowledge_day.get_workshop(db, workshop_id) or abort(404)
    day, programme = day_or_404(workshop.day_id)
    return workshop, day, programme


# ---- what forms share -----------------------------------------------------------------------

def people():
    return [(m.id, m.user.name) for m in tenant_service.members(session())]


def pillar_choices(programme, blank: str | None = None):
    choices = [(p.id, p.title) for p in pillars.pillars(session(), programme)]
    return ([("", blank)] if blank else []) + choices


def form_data(obj, names) -> dict | None:
    """A form's initial values from the object, on GET only: a POST must carry every field."""
    if obj is None or request.method != "GET":
        return None
    return {name: getattr(obj, name) for name in names}
