"""Act on a figure: from a figure of a released wave, start an action plan or a leadership promise that
cites it, or cite it in one that exists; remove a citation. The plan's and the promise's own pages show
what their figures did since (templates/actions/_cited.html, through `cited_figures`)."""
from __future__ import annotations

from datetime import date

from flask import abort, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.actions import figures, service
from saas.actions.forms import CiteForm, PlanFromFigureForm, PromiseFromFigureForm
from saas.anonymity import access
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.views import press_confirmed, submit
from saas.leadership import promises
from saas.programme.models import Programme
from saas.strategy import plans
from saas.surveys.loaders import wave_or_404
from tenants import service as tenant_service
from tenants.guards import requires, tenant_blueprint
from tenants.models import LegacyOrganisation

bp = tenant_blueprint("actions", __name__, "/actions")
MAKERS = tuple(dict.fromkeys(service.PLAN_MAKERS + service.PROMISE_MAKERS))


@bp.route("/waves/<int:wave_id>/act")
@requires(*MAKERS)
def act(wave_id: int):
    wave = _wave(wave_id)
    page = _page(wave, request.args.get("figure"), request.args)
    # the page shows released figures of the wave: a reading, in the access log like the report's own page
    access.log(session(), current_user, "page", wave_id=wave.id,
               details={"legacy_org": request.args.get("legacy_org"), "team": request.args.get("team"),
                        "figure": request.args.get("figure")})
    session().commit()
    return page


@bp.route("/waves/<int:wave_id>/plans", methods=["POST"])
@requires(*service.PLAN_MAKERS)
def start_plan(wave_id: int):
    wave = _wave(wave_id)
    form = _plan_form()
    return submit(form, lambda: service.start_plan(
                      session(), wave, form.figure.data, g.membership, year=form.year.data,
                      unit_kind=form.unit_kind.data, unit_name=form.unit_name.data,
                      coordinator_id=form.coordinator_id.data),
                  done=_("The action plan has been saved. It cites the figure."),
                  then=lambda plan: url_for("strategy.plan", action_plan_id=plan.id, _anchor="cited-figures")) \
        or _page(wave, form.figure.data, None, plan_form=form)


@bp.route("/waves/<int:wave_id>/promises", methods=["POST"])
@requires(*service.PROMISE_MAKERS)
def start_promise(wave_id: int):
    wave = _wave(wave_id)
    form = PromiseFromFigureForm(prefix="promise")
    return submit(form, lambda: service.start_promise(session(), wave, form.figure.data, g.membership,
                                                      form.text.data),
                  done=_("The promise has been recorded. It cites the figure."),
                  then=lambda promise: url_for("leadership.promises", programme_id=promise.programme_id,
                                               _anchor=f"promise-{promise.id}")) \
        or _page(wave, form.figure.data, None, promise_form=form)


@bp.route("/waves/<int:wave_id>/cite", methods=["POST"])
@requires(*MAKERS)
def cite(wave_id: int):
    wave = _wave(wave_id)
    form = CiteForm(prefix="cite")
    form.target.choices = _targets(wave)

    def work():
        kind, _colon, number = (form.target.data or "").partition(":")
        found = dict(form.target.choices)
        if form.target.data not in found or not number.isdigit():
            raise DomainError(_("Choose a plan or a promise."), field="target")
        db = session()
        if kind == "plan":
            return service.cite(db, wave, form.figure.data, g.membership, plan=plans.get_plan(db, int(number)))
        return service.cite(db, wave, form.figure.data, g.membership,
                            promise=promises.get_promise(db, int(number)))

    return submit(form, work, done=_("The figure is cited."), then=_owner_page) \
        or _page(wave, form.figure.data, None, cite_form=form)


@bp.route("/citations/<int:figure_citation_id>/remove", methods=["GET", "POST"])
@requires(*MAKERS)
def remove(figure_citation_id: int):
    db = session()
    citation = service.get_citation(db, figure_citation_id) or abort(404)
    makers = service.PLAN_MAKERS if citation.plan_id is not None else service.PROMISE_MAKERS
    if not g.membership.has_any(makers):
        abort(403)
    back = _owner_page(citation)
    label = _label(figures.parse(citation.figure), None)
    return press_confirmed("remove", lambda: service.uncite(db, citation),
                           title=_("Stop citing this figure?"),
                           consequence=_("“%(figure)s, %(group)s” is no longer listed with the plan or promise, "
                                         "nor on later reports. The plan or promise itself stays.",
                                         figure=label, group=citation.group_name or _("Everyone who answered")),
                           button=_("Stop citing it"), done=_("The figure is no longer cited."), then=back)


# ---- the page -------------------------------------------------------------------------------

def _page(wave, key: str | None, group, *, plan_form=None, promise_form=None, cite_form=None):
    """The figure (or the figures of a group to choose from), and the three ways to act on it."""
    db = session()
    error = figure = reading = None
    choices = []
    try:
        if key:
            figure = figures.parse(key)
            reading = figures.read(db, wave, figure)
            service.released_figure(db, wave, key)
        elif group is not None:
            choices = [{"key": f.key, "label": _label(f, r), "value": r.value, "kind": f.kind,
                        "group": figures.group_name(db, f)}
                       for f in _candidates(db, wave, group) for r in [figures.read(db, wave, f)] if r.shown]
    except DomainError as refused:
        error = refused.message
    shown = error is None and figure is not None
    plan_form = plan_form or _plan_form(key)
    promise_form = promise_form or PromiseFromFigureForm(prefix="promise", formdata=None, data={"figure": key})
    cite_form = cite_form or CiteForm(prefix="cite", formdata=None, data={"figure": key})
    cite_form.target.choices = _targets(wave)
    programme = db.get(Programme, wave.programme_id) if wave.programme_id is not None else None
    return render_template(
        "actions/act.html", wave=wave, programme=programme, figure=figure, reading=reading, shown=shown,
        error=error, choices=choices, label=_label(figure, reading) if figure else None,
        group=figures.group_name(db, figure) if figure else None, places=figures.PLACES,
        plan_form=plan_form, promise_form=promise_form, cite_form=cite_form,
        may_plan=g.membership.has_any(service.PLAN_MAKERS), may_promise=g.membership.has_any(service.PROMISE_MAKERS),
        hidden_reason=hidden_reason), 400 if error else 200


def _candidates(db, wave, args) -> list:
    """The figures to choose from: of a pair of legacy organisations (`pair`: their codes, "A|B", as the
    comparison names them), or of a group (`legacy_org`: a code, `team`: an id, as the report's filters)."""
    def org_id(code):
        found = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == code.strip()))
        if found is None:
            raise figures.UnknownFigure()
        return found

    if args.get("pair"):
        a, _bar, b = args["pair"].partition("|")
        low, high = sorted((org_id(a), org_id(b)))
        return [figures.parse(f"{m}@pair:{low}.{high}") for m in ("distance", "aitchison")]
    org = org_id(args["legacy_org"]) if args.get("legacy_org") else None
    team = args.get("team") or None
    if team is not None and not (team.isdigit() and len(team) <= 9):
        raise figures.UnknownFigure()
    return figures.citable(db, wave, org=org, team=int(team) if team else None)


def _plan_form(key: str | None = None):
    if request.method == "POST":
        form = PlanFromFigureForm(prefix="plan")
    else:
        form = PlanFromFigureForm(prefix="plan", formdata=None, data={"year": date.today().year, "figure": key})
    form.coordinator_id.choices = [("", _("No coordinator"))] + [(m.id, m.user.name)
                                                                 for m in tenant_service.members(session())]
    return form


def _targets(wave) -> list[tuple[str, str]]:
    """The plans and promises of the wave's programme the reader may make cite a figure."""
    if wave.programme_id is None:
        return []
    db = session()
    programme = db.get(Programme, wave.programme_id)
    found = [("", _("Choose a plan or a promise"))]
    if g.membership.has_any(service.PLAN_MAKERS):
        found += [(f"plan:{p.id}", _("Action plan %(unit)s, %(year)d", unit=p.unit_name, year=p.year))
                  for p in plans.plans(db, programme)]
    if g.membership.has_any(service.PROMISE_MAKERS):
        found += [(f"promise:{p.id}", _("Promise: %(text)s", text=p.text[:80]))
                  for p in promises.promises(db, programme, include_retired=False)]
    return found


def _owner_page(citation) -> str:
    if citation.plan_id is not None:
        return url_for("strategy.plan", action_plan_id=citation.plan_id, _anchor="cited-figures")
    promise = promises.get_promise(session(), citation.promise_id)
    return url_for("leadership.promises", programme_id=promise.programme_id, _anchor=f"promise-{promise.id}")


def _label(figure, reading, lang: str | None = None) -> str:
    return figures.measure_label(figure, reading.question if reading else None,
                                 lang or str(get_locale() or "en")[:2])


def hidden_reason(reason: str | None) -> str:
    """Why a wave shows no number for a figure, in the reader's words."""
    words = {
        "complementary": _("Not shown, so that no one can work out a smaller group by subtracting figures."),
        "not_released": _("The wave's figures have not been released."),
        "not_compared": _("The wave's comparison has not been made."),
        "not_asked": _("The wave did not ask for this."),
        "not_yet": _("This group was not part of the wave."),
        "no_votes": _("No figure: nobody voted for this."),
        "other_question": _("The wave asked a different question under this number."),
    }
    return words.get(reason, _("Too few answers: not shown."))


def _wave(wave_id: int):
    wave = wave_or_404(wave_id)
    return wave if wave.status in ("open", "closed") else abort(404)


def cited_figures(*, plan_id: int | None = None, promise_id: int | None = None) -> dict:
    """What a plan's or a promise's page shows of the figures it cites (the app factory hands this to the
    templates: those pages belong to features below this one). The numbers only for the culture report's
    readers; every one as released, the change only between two released figures."""
    db = session()
    found = service.for_page(db, g.get("membership"), plan_id=plan_id, promise_id=promise_id)
    for cited in found["cited"]:
        cited.label = _label(cited.figure, None)
    return {**found, "hidden_reason": hidden_reason}


def may_act_on_figures() -> bool:
    """Whether the reader may start a plan or a promise from a figure: the pages that show figures offer
    "Act on this" only then (the app factory hands this to the templates)."""
    membership = g.get("membership")
    return membership is not None and membership.has_any(MAKERS)
