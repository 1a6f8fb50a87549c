"""Which figure a citation names, and what a wave's stored release or comparison holds for it.

A figure's key means the same figure in every wave of a programme (README, "From result to action"):

- `<measure>@<group>`: a released figure of a group of the culture report (and its heat map's cell);
  measure: `culture_now.<type>`, `culture_preferred.<type>`, `entropy`, `alignment.personal_current`,
  `alignment.current_desired`, `contract`, `question.<key>`; group: `all` (everyone who answered),
  `org:<id>` (a legacy organisation), `team:<id>`, `cell:<org id>.<team id>`;
- `distance@pair:<id>.<id>` and `aitchison@pair:<id>.<id>`: the comparison's distance between the
  culture profiles now of two legacy organisations (points, or on log-ratios), with its 95 % interval;
- `to_preferred@org:<id>`: merger progress, a legacy organisation's distance to the merged
  organisation's preferred culture, with its 95 % interval.

Everything is read from what was stored at the release (saas.anonymity.releases) or by the
comparison of the release (saas.comparison): nothing is computed from answers, and a figure the
release hides comes back as hidden, with the release's own reason and no number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.anonymity import releases
from saas.anonymity.audit import FEWER_THAN_K
from saas.comparison.models import Comparison
from saas.kernel.errors import DomainError
from saas.programme.models import Team
from saas.surveys.instruments import TYPE_NAMES, TYPES
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation

ALL = "all"  # the release's pattern of all answers
MEASURES = ({f"culture_{phase}.{t}": "points" for phase in ("now", "preferred") for t in TYPES}
            | {"entropy": "entropy", "alignment.personal_current": "matches",
               "alignment.current_desired": "matches", "contract": "contract", "enps": "enps"})
COMPARED = {"distance": "points", "aitchison": "log_ratio", "to_preferred": "points"}
PLACES = {"points": 1, "entropy": 1, "matches": 0, "contract": 2, "scale": 2, "log_ratio": 2, "enps": 0}
_GROUP = re.compile(r"^(all|org:(\d{1,10})|team:(\d{1,10})|cell:(\d{1,10})\.(\d{1,10}))$")
_PAIR = re.compile(r"^pair:(\d{1,10})\.(\d{1,10})$")
_ORG = re.compile(r"^org:(\d{1,10})$")
_QUESTION = re.compile(r"^question\.[A-Za-z0-9_-]{1,40}$")


class UnknownFigure(DomainError):
    status = 400
    default_message = _l("This wave has no such figure.")


@dataclass(frozen=True)
class Figure:
    key: str
    measure: str
    kind: str  # the measure's kind: its decimals and what counts as a change (saas.actions.movement)
    org: int | None = None
    team: int | None = None
    other: int | None = None  # the second organisation of a pair

    @property
    def compared(self) -> bool:
        """Read from the wave's comparison (with an interval), not from its release's groups."""
        return self.measure in COMPARED


@dataclass
class Reading:
    """What a wave holds for a figure: a value (and interval, answers), or why it holds none."""
    value: float | None = None
    ci: list | None = None
    n: int | None = None
    hidden: str | None = None  # the release hides it (its reason): no number, anywhere
    missing: str | None = None  # not measured: not_released, not_compared, not_asked, not_yet, no_votes, other_question
    release: int | None = None
    question: dict | None = None  # a question's wording, per language (the same key may ask another question)

    @property
    def shown(self) -> bool:
        return self.value is not None


def parse(key: str | None) -> Figure:
    """The figure a key names; UnknownFigure when it names none."""
    key = (key or "").strip()
    measure, _at, where = key.partition("@")
    if measure in COMPARED:
        found = (_PAIR if measure != "to_preferred" else _ORG).match(where)
        if found is None:
            raise UnknownFigure(field="figure")
        ids = [int(g) for g in found.groups()]
        if measure != "to_preferred":
            if ids[0] == ids[1]:
                raise UnknownFigure(field="figure")
            ids.sort()
            key = f"{measure}@pair:{ids[0]}.{ids[1]}"
            return Figure(key, measure, COMPARED[measure], org=ids[0], other=ids[1])
        return Figure(key, measure, COMPARED[measure], org=ids[0])
    kind = MEASURES.get(measure) or ("scale" if _QUESTION.match(measure) else None)
    group = _GROUP.match(where)
    if kind is None or group is None:
        raise UnknownFigure(field="figure")
    _whole, org, team, cell_org, cell_team = group.groups()
    org = int(org or cell_org) if (org or cell_org) else None
    team = int(team or cell_team) if (team or cell_team) else None
    return Figure(key, measure, kind, org=org, team=team)


def read(db, wave: Wave, figure: Figure) -> Reading:
    """What the wave's latest release (or its comparison) holds for the figure."""
    release = releases.latest_release(db, "wave", wave.id)
    if release is None:
        return Reading(missing="not_released")
    if figure.compared:
        return _compared(db, wave, release, figure)
    known = release.figures.get("groups") or {}
    if figure.team is not None and "team" not in wave.groupings:
        return Reading(missing="not_asked", release=release.number)
    if (figure.org is not None and figure.org not in known.get("orgs", [figure.org])) \
            or (figure.team is not None and figure.team not in known.get("teams", [figure.team])):
        return Reading(missing="not_yet", release=release.number)
    stored = releases.group(db, release, figure.org, figure.team)
    if stored is None:
        reason = releases.reason_in(release.patterns.get(ALL), figure.org, figure.team) or FEWER_THAN_K
        return Reading(hidden=reason, release=release.number)
    part = _part(stored.figures, figure)
    if part is None:
        return Reading(missing="not_asked", release=release.number)
    question = part.get("text") if figure.kind == "scale" else None
    if part.get("hidden"):
        return Reading(hidden=part["hidden"], release=release.number, question=question)
    value = _value(part, figure)
    ci = part.get("interval") if figure.kind == "enps" else None  # the one report figure released with an interval
    return Reading(value=value, n=part.get("n"), release=release.number, question=question, ci=ci,
                   missing="no_votes" if value is None else None)


def group_name(db, figure: Figure) -> str:
    """The group or pair as it is called now, in no language (kept with a citation as it was): "Name (CODE)",
    "A – B" for a pair, "Team · Name (CODE)" for a cell; "" for everyone who answered (pages say so in the
    reader's words)."""
    orgs = {o.id: o for o in db.scalars(select(LegacyOrganisation).where(
        LegacyOrganisation.id.in_([i for i in (figure.org, figure.other) if i is not None])))}

    def org(org_id):
        found = orgs.get(org_id)
        return f"{found.name} ({found.code})" if found else f"#{org_id}"

    if figure.other is not None:
        return f"{org(figure.org)} – {org(figure.other)}"
    team = None
    if figure.team is not None:
        team = db.scalar(select(Team.name).where(Team.id == figure.team)) or f"#{figure.team}"
    return " · ".join(name for name in (team, org(figure.org) if figure.org is not None else None) if name)


def measure_label(figure: Figure, question: dict | None = None, lang: str = "en") -> str:
    """The measure in the reader's words (the report's own column names where it has them)."""
    measure = figure.measure
    if measure.startswith("culture_now."):
        return _("%(type)s now", type=TYPE_NAMES[measure.split(".")[1]].get(lang))
    if measure.startswith("culture_preferred."):
        return _("%(type)s preferred", type=TYPE_NAMES[measure.split(".")[1]].get(lang))
    words = {"entropy": _("Entropy"), "alignment.personal_current": _("Matching values: own and today"),
             "alignment.current_desired": _("Matching values: today and wanted"), "contract": _("Contract index"),
             "enps": _("eNPS"), "distance": _("Distance between the culture profiles now (points)"),
             "aitchison": _("Aitchison distance between the culture profiles now"),
             "to_preferred": _("Distance to the merged organisation's preferred culture (points)")}
    if measure in words:
        return words[measure]
    text = (question or {}).get(lang) or (question or {}).get("en") or (question or {}).get("nl")
    return _("Question: %(text)s", text=text) if text else _("Question %(key)s", key=measure.split(".", 1)[1])


def citable(db, wave: Wave, *, org: int | None = None, team: int | None = None) -> list[Figure]:
    """The figures of one group of the wave that its release shows (each with a number), and, for the whole
    wave or an organisation, the comparison's figures it shows: what may be cited from there."""
    release = releases.latest_release(db, "wave", wave.id)
    if release is None:
        return []
    stored = releases.group(db, release, org, team)
    found = []
    if stored is not None:
        where = _where(org, team)
        keys = [m for m in MEASURES] + [f"question.{q['key']}" for q in stored.figures.get("questions") or ()]
        for measure in keys:
            figure = parse(f"{measure}@{where}")
            part = _part(stored.figures, figure)
            if part is not None and not part.get("hidden") and _value(part, figure) is not None:
                found.append(figure)
    comparison = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))
    if team is None and comparison is not None and comparison.result.get("release") == release.number:
        ids = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        for pair in comparison.result.get("pairs", ()):
            if pair.get("distance_now") is None or pair["a"] not in ids or pair["b"] not in ids:
                continue
            if org is None or org in (ids[pair["a"]], ids[pair["b"]]):
                low, high = sorted((ids[pair["a"]], ids[pair["b"]]))
                found += [parse(f"distance@pair:{low}.{high}"), parse(f"aitchison@pair:{low}.{high}")]
        for code in ((comparison.details.get("progress") or {}).get("orgs") or {}):
            if code in ids and (org is None or org == ids[code]):
                found.append(parse(f"to_preferred@org:{ids[code]}"))
    return found


# ---- reading the stored figures ---------------------------------------------------------------

def _where(org: int | None, team: int | None) -> str:
    if org is not None and team is not None:
        return f"cell:{org}.{team}"
    if org is not None:
        return f"org:{org}"
    return f"team:{team}" if team is not None else "all"


def _part(figures: dict, figure: Figure) -> dict | None:
    """The section of a group's stored figures the measure reads (maybe {"hidden": reason}), or None."""
    if figure.kind == "scale":
        key = figure.measure.split(".", 1)[1]
        return next((q for q in figures.get("questions") or () if q.get("key") == key), None)
    section = "culture" if figure.kind == "points" else "values" if figure.kind in ("entropy", "matches") \
        else figure.kind  # contract, enps
    return figures.get(section)


def _value(part: dict, figure: Figure) -> float | None:
    """The figure as released (entropy, a share of 1, in percentage points as the report shows it)."""
    measure = figure.measure
    if figure.kind == "points":
        phase, culture_type = measure.split(".")
        return part[phase.removeprefix("culture_")][culture_type]
    if measure == "entropy":
        return None if part.get("entropy") is None else round(100 * part["entropy"], 1)
    if figure.kind == "matches":
        return len(part["alignment"][measure.split(".")[1]])
    if measure == "contract":
        return part.get("index")
    if measure == "enps":
        return part.get("score")
    return part.get("mean")


def _compared(db, wave: Wave, release, figure: Figure) -> Reading:
    comparison = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))
    if comparison is None or comparison.result.get("release") != release.number:
        return Reading(missing="not_compared", release=release.number)
    codes = {o.id: o.code for o in db.scalars(select(LegacyOrganisation).where(
        LegacyOrganisation.id.in_([i for i in (figure.org, figure.other) if i is not None])))}
    known = (release.figures.get("groups") or {}).get("orgs")
    if any(i not in codes or (known is not None and i not in known) for i in (figure.org, figure.other)
           if i is not None):
        return Reading(missing="not_yet", release=release.number)
    suppressed = comparison.details.get("suppressed") or {}
    if figure.measure == "to_preferred":
        found = ((comparison.details.get("progress") or {}).get("orgs") or {}).get(codes[figure.org])
        if found is None:
            return Reading(hidden=suppressed.get(codes[figure.org], FEWER_THAN_K), release=release.number)
        return Reading(value=round(found["distance"], 1), ci=[round(v, 1) for v in found["ci"]],
                       release=release.number)
    a, b = codes[figure.org], codes[figure.other]
    pair = next((p for p in comparison.result.get("pairs", ()) if {p["a"], p["b"]} == {a, b}), None)
    field = "distance_now" if figure.measure == "distance" else "aitchison_now"
    interval = "ci_now" if figure.measure == "distance" else "ci_aitchison_now"
    if pair is None or pair.get(field) is None:
        return Reading(hidden=suppressed.get(a) or suppressed.get(b) or FEWER_THAN_K, release=release.number)
    places = PLACES[figure.kind]
    return Reading(value=round(pair[field], places), ci=[round(v, places) for v in pair[interval]],
                   release=release.number)
