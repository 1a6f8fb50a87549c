"""Pillar pages: what each pillar of the strategy means, its progress, its actions and rounds."""
from __future__ import annotations

from flask import g, render_template, url_for
from flask_babel import gettext as _

from saas.kernel.db import session
from saas.kernel.views import press_confirmed, submit
from saas.programme.loaders import load_programme
from saas.strategy import expectations, pillars, plans
from saas.strategy.blueprint import bp, form_data, pillar_or_404
from saas.strategy.forms import PillarForm
from tenants.guards import requires

EDITORS = pillars.EDITORS


@bp.route("/programmes/<int:programme_id>/pillars/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_pillar(programme_id: int):
    programme = load_programme(programme_id)
    return _pillar_form(programme, None)


@bp.route("/pillars/<int:pillar_id>")
@requires()
def pillar(pillar_id: int):
    db = session()
    pillar, programme = pillar_or_404(pillar_id)
    [row] = [r for r in pillars.progress(db, programme) if r.pillar.id == pillar.id]
    actions = [(a, p) for a, p in plans.all_actions(db, programme) if a.pillar_id == pillar.id]
    return render_template(
        "strategy/pillar.html", pillar=pillar, programme=programme, row=row, actions=actions,
        rounds=expectations.rounds_of(db, pillar), round_status=expectations.STATUS_LABELS,
        status_labels=plans.STATUS_LABELS, unit_labels=plans.UNIT_LABELS, can_edit=pillars.may_edit(g.membership),
        can_facilitate=expectations.may_facilitate(g.membership))


@bp.route("/pillars/<int:pillar_id>/edit", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_pillar(pillar_id: int):
    pillar, programme = pillar_or_404(pillar_id)
    return _pillar_form(programme, pillar)


def _pillar_form(programme, pillar):
    form = PillarForm(data=form_data(pillar, ("title", "meaning", "examples")))
    return submit(form, lambda: pillars.save_pillar(session(), programme, pillar, title=form.title.data,
                                                    meaning=form.meaning.data, examples=form.examples.data or ""),
                  done=_("The pillar has been saved."),
                  then=lambda saved: url_for("strategy.pillar", pillar_id=saved.id)) \
        or render_template("strategy/pillar_form.html", form=form, pillar=pillar, programme=programme)


@bp.route("/pillars/<int:pillar_id>/delete", methods=["GET", "POST"])
@requires(*EDITORS)
def delete_pillar(pillar_id: int):
    pillar, programme = pillar_or_404(pillar_id)
    return press_confirmed("remove", lambda: pillars.delete_pillar(session(), pillar),
                           title=_("Remove the pillar %(title)s?", title=pillar.title),
                           consequence=_("The pillar and what it means disappear from the programme. This cannot be "
                                         "undone."),
                           button=_("Remove the pillar %(title)s", title=pillar.title),
                           done=_("The pillar has been removed."),
                           then=url_for("strategy.index", programme_id=programme.id),
                           back=url_for("strategy.pillar", pillar_id=pillar.id))
