"""From result to action (issue 21 point 6): start an action plan or a leadership promise from a released
figure, cite a figure in one that exists, and read in later waves whether the figure moved.

A citation keeps the figure as released when it was made: its value is read here, from the wave's stored
release or comparison (saas.actions.figures), never taken from the request, and a figure the release
hides cannot be cited (it has no number). Later waves are read the same way, from their own releases:
the only number made here is the change between two released figures of two waves (README, "From
result to action"), which the heat map's kind of subtraction already allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.actions import figures
from saas.actions.models import FigureCitation
from saas.anonymity import releases
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.leadership import promises
from saas.leadership.models import Promise
from saas.programme.models import Programme
from saas.strategy import plans
from saas.strategy.models import ActionPlan
from saas.surveys.models import Wave
from tenants.models import Role

# who reads the cited figures' numbers: the culture report's readers (saas.reports.views.READERS)
FIGURE_READERS = (Role.WORKS_COUNCIL, Role.ADMIN, Role.MANAGEMENT)
PLAN_MAKERS = (Role.ADMIN, Role.MANAGEMENT)  # saas.strategy.pillars.EDITORS
PROMISE_MAKERS = (Role.MANAGEMENT,)  # saas.leadership.blueprint.MANAGEMENT
# The smallest change the report itself marks for a figure released without an interval: the heat map's
# first step per kind (saas.reports.heatmap.STEPS; tests/test_actions.py holds the two together).
NOISE = {"points": 2, "entropy": 2, "matches": 1, "contract": 0.25, "scale": 0.1, "enps": 5}


class NotCitable(DomainError):
    status = 400
    default_message = _l("This figure is not shown in the wave's released figures, so it cannot be cited.")


class OtherProgramme(DomainError):
    status = 400
    default_message = _l("This wave belongs to another programme than the plan or promise.")


class AlreadyCited(DomainError):
    status = 409
    default_message = _l("This figure of this wave is cited here already.")


@dataclass
class Point:
    """A later wave's reading of a cited figure, and what it says."""
    wave: Wave
    reading: figures.Reading
    change: float | None
    verdict: str  # up | down | within_noise | hidden | not_measured


@dataclass
class Cited:
    citation: FigureCitation
    figure: figures.Figure
    wave: Wave
    points: list[Point]


# ---- reading a figure to cite ----------------------------------------------------------------

def released_figure(db, wave: Wave, key: str) -> tuple[figures.Figure, figures.Reading]:
    """The figure a key names and its value in the wave's stored release; refused when the wave has
    none, or the release hides it or holds no number for it."""
    figure = figures.parse(key)
    if wave.status not in ("open", "closed"):
        raise NotCitable(field="figure")
    reading = figures.read(db, wave, figure)
    if not reading.shown:
        raise NotCitable(field="figure")
    return figure, reading


def start_plan(db, wave: Wave, key: str, membership, *, year: int, unit_kind: str, unit_name: str,
               coordinator_id: int | None) -> ActionPlan:
    """A new action plan of the wave's programme that cites the figure, in one transaction."""
    programme = _programme(db, wave)
    figure, reading = released_figure(db, wave, key)
    plan = plans.save_plan(db, programme, None, year=year, unit_kind=unit_kind, unit_name=unit_name,
                           coordinator_id=coordinator_id)
    _cite(db, wave, figure, reading, membership, plan=plan)
    audit.record(db, "figure.plan_started", obj=plan, detail={"wave": wave.id, "figure": figure.key})
    return plan


def start_promise(db, wave: Wave, key: str, membership, text: str) -> Promise:
    """A new leadership promise of the wave's programme that cites the figure, in one transaction."""
    programme = _programme(db, wave)
    figure, reading = released_figure(db, wave, key)
    promise = promises.add_promise(db, programme, membership, text)
    _cite(db, wave, figure, reading, membership, promise=promise)
    audit.record(db, "figure.promise_started", obj=promise, detail={"wave": wave.id, "figure": figure.key})
    return promise


def cite(db, wave: Wave, key: str, membership, *, plan: ActionPlan | None = None,
         promise: Promise | None = None) -> FigureCitation:
    """An existing plan or promise (of the wave's programme) cites one more figure."""
    owner = plan if plan is not None else promise
    if wave.programme_id != owner.programme_id:
        raise OtherProgramme(field="figure")
    figure, reading = released_figure(db, wave, key)
    citation = _cite(db, wave, figure, reading, membership, plan=plan, promise=promise)
    audit.record(db, "figure.cited", obj=owner, detail={"wave": wave.id, "figure": figure.key})
    return citation


def uncite(db, citation: FigureCitation) -> None:
    audit.record(db, "figure.uncited", obj=citation, detail={"wave": citation.wave_id, "figure": citation.figure,
                                                              "plan": citation.plan_id, "promise": citation.promise_id})
    db.delete(citation)
    db.flush()


def get_citation(db, citation_id: int) -> FigureCitation | None:
    return db.scalar(select(FigureCitation).where(FigureCitation.id == citation_id))


def citations_of(db, *, plan_id: int | None = None, promise_id: int | None = None) -> list[FigureCitation]:
    column = FigureCitation.plan_id if plan_id is not None else FigureCitation.promise_id
    return list(db.scalars(select(FigureCitation).where(column == (plan_id if plan_id is not None else promise_id))
                           .order_by(FigureCitation.cited_at, FigureCitation.id)))


# ---- whether it moved -------------------------------------------------------------------------

def movement(db, citation: FigureCitation) -> Cited:
    """The cited figure in every later closed wave of the programme, each from its own release."""
    figure = figures.parse(citation.figure)
    wave = db.scalar(select(Wave).where(Wave.id == citation.wave_id))
    points = []
    for later in later_waves(db, wave):
        reading = figures.read(db, later, figure)
        points.append(_point(db, citation, later, reading))
    return Cited(citation, figure, wave, points)


def verdict(then: float, ci_then: list | None, reading: figures.Reading, kind: str) -> tuple[float | None, str]:
    """(change, verdict) of a later reading against the cited value. With intervals on both sides: moved
    when the two 95 % intervals do not overlap; without (a report figure is released without one): moved
    when the change reaches the smallest step the report marks for its kind."""
    if reading.hidden:
        return None, "hidden"
    if not reading.shown:
        return None, "not_measured"
    change = round(reading.value - then, figures.PLACES[kind])
    if ci_then and reading.ci:
        moved = reading.ci[0] > ci_then[1] or reading.ci[1] < ci_then[0]
    else:  # (a comparison's figure always carries its interval: no threshold of its own)
        moved = kind in NOISE and abs(change) >= NOISE[kind] - 1e-9
    return change, ("up" if change > 0 else "down") if moved else "within_noise"


def later_waves(db, wave: Wave) -> list[Wave]:
    """The closed waves of the wave's programme after it (by closing date, as merger progress orders them)."""
    if wave is None or wave.programme_id is None:
        return []
    waves = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id)))
    waves.sort(key=_order)
    return [w for w in waves[waves.index(wave) + 1:] if w.status == "closed"]


def cited_in_earlier_waves(db, wave: Wave) -> list[dict]:
    """For the report of `wave`: the plans and promises that cited one of its figures in an earlier wave,
    with the value then and now (both released) and the verdict; plain data for the page and the JSON."""
    if wave.programme_id is None or releases.latest_release(db, "wave", wave.id) is None:
        return []
    waves = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id)))
    waves.sort(key=_order)
    earlier = {w.id: w for w in waves[:waves.index(wave)]}
    if not earlier:
        return []
    found = []
    for citation in db.scalars(select(FigureCitation).where(FigureCitation.wave_id.in_(list(earlier)))
                               .order_by(FigureCitation.figure, FigureCitation.id)):
        figure = figures.parse(citation.figure)
        point = _point(db, citation, wave, figures.read(db, wave, figure))
        by = db.scalar(select(ActionPlan).where(ActionPlan.id == citation.plan_id)) if citation.plan_id \
            else db.scalar(select(Promise).where(Promise.id == citation.promise_id))
        found.append({"figure": citation.figure, "kind": figure.kind, "group": citation.group_name,
                      "by": {"kind": "plan" if citation.plan_id else "promise", "id": by.id,
                             "title": f"{by.unit_name} {by.year}" if citation.plan_id else by.text},
                      "cited_in": {"wave": citation.wave_id, "name": earlier[citation.wave_id].name,
                                   "value": citation.value, "ci": citation.ci},
                      "now": {"value": point.reading.value, "ci": point.reading.ci, "hidden": point.reading.hidden,
                              "missing": point.reading.missing},
                      "change": point.change, "verdict": point.verdict})
    return found


def for_page(db, membership, *, plan_id: int | None = None, promise_id: int | None = None) -> dict:
    """What a plan's or a promise's page shows of its citations: every citation with its later waves, and
    whether this reader sees the numbers (the culture report's readers) and may remove one."""
    cited = [movement(db, c) for c in citations_of(db, plan_id=plan_id, promise_id=promise_id)]
    shows = membership is not None and membership.has_any(FIGURE_READERS)
    makers = PLAN_MAKERS if plan_id is not None else PROMISE_MAKERS
    return {"cited": cited, "numbers": shows, "may_change": membership is not None and membership.has_any(makers)}


# ---- helpers ---------------------------------------------------------------------------------

def _order(wave: Wave):
    return (wave.closes_on or wave.opens_on or date.max, wave.id)


def _programme(db, wave: Wave):
    programme = db.scalar(select(Programme).where(Programme.id == wave.programme_id)) \
        if wave.programme_id is not None else None
    if programme is None:
        raise DomainError(_l("This wave belongs to no programme: plans and promises are made in a programme."),
                          field="figure")
    return programme


def _cite(db, wave, figure, reading, membership, *, plan=None, promise=None) -> FigureCitation:
    owner = (FigureCitation.plan_id == plan.id) if plan is not None else (FigureCitation.promise_id == promise.id)
    if db.scalar(select(FigureCitation.id).where(owner, FigureCitation.wave_id == wave.id,
                                                 FigureCitation.figure == figure.key)) is not None:
        raise AlreadyCited(field="figure")
    citation = FigureCitation(plan_id=plan.id if plan is not None else None,
                              promise_id=promise.id if promise is not None else None, wave_id=wave.id,
                              figure=figure.key, release_number=reading.release,
                              group_name=figures.group_name(db, figure)[:400], value=reading.value, ci=reading.ci,
                              n=reading.n, cited_by_id=getattr(membership, "id", None))
    db.add(citation)
    db.flush()
    return citation


def _point(db, citation: FigureCitation, wave: Wave, reading: figures.Reading) -> Point:
    figure = figures.parse(citation.figure)
    if figure.kind == "scale" and reading.shown and reading.question is not None:
        then = _question_then(db, citation)
        if then is not None and then != reading.question:
            reading = figures.Reading(missing="other_question", release=reading.release)
    change, said = verdict(citation.value, citation.ci, reading, figure.kind)
    return Point(wave, reading, change, said)


def _question_then(db, citation: FigureCitation) -> dict | None:
    wave = db.scalar(select(Wave).where(Wave.id == citation.wave_id))
    return None if wave is None else figures.read(db, wave, figures.parse(citation.figure)).question
