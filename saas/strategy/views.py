"""Strategy into behaviour (issue 9) — pages. One blueprint (blueprint.py: the loaders and shared
choices); its pages by sub-feature: pillar_views, plan_views (action plans and personal goals),
expectation_views (mutual expectations), knowledge_day_views, and the overview below. Importing this
module registers them all; none of them imports this one."""
from __future__ import annotations

from flask import g, render_template

from saas.kernel.db import session
from saas.programme import service as programme_service
from saas.programme.loaders import load_programme
from saas.strategy import (  # noqa: F401  (the page modules add their routes to bp)
    expectation_views,
    expectations,
    knowledge_day,
    knowledge_day_views,
    pillar_views,
    pillars,
    plan_views,
    plans,
)
from saas.strategy.blueprint import bp
from tenants.guards import requires

__all__ = ["bp"]


# ---- the strategy of a programme ------------------------------------------------------------

@bp.route("/")
@requires()
def home():
    return render_template("strategy/home.html", programmes=programme_service.programmes(session()))


@bp.route("/programmes/<int:programme_id>")
@requires()
def index(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    rows = pillars.progress(db, programme)
    rounds = expectations.rounds_of_pillars(db, [row.pillar.id for row in rows])
    return render_template(
        "strategy/index.html", programme=programme, rows=rows, rounds=rounds,
        pillar_titles={row.pillar.id: row.pillar.title for row in rows},
        round_status=expectations.STATUS_LABELS, plans=plans.plans(db, programme), unit_labels=plans.UNIT_LABELS,
        years=plans.years(db, programme), days=knowledge_day.days(db, programme),
        can_edit=pillars.may_edit(g.membership), can_facilitate=expectations.may_facilitate(g.membership),
        can_organise=knowledge_day.may_organise(g.membership), can_manage_plans=plans.may_manage_plans(g.membership))
