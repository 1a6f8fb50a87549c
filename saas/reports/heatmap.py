"""The heat map of a culture report (issue 21 point 3): groups × measures, each cell the group's released
figure minus the whole wave's, in steps of a diverging scale.

Plain data in, plain data out (no Flask, no database): `build` takes groups exactly as the report holds
them, read from the wave's stored release (saas.reports.service), and only subtracts two released
figures of the same measure. So it shows no figure the release does not hold: a group or a measure the
release hides is hidden here too, with the release's reason, and never gets a number. Which groups may
be shown is the release's business (saas.anonymity); this module only reads its "hidden" marks.

Definitions (README, "The heat map"): the difference is computed on the figures as released (rounded
as stored) and given to the measure's own precision; its step is the number of breakpoints of the
measure's kind that |difference| reaches (0 to 3), with the sign of the difference.
"""
from __future__ import annotations

from saas.surveys.instruments import TYPES

# The kinds of measure: their breakpoints (|difference| at least this: one step more) and decimals.
#   points:   culture profile now / preferred, points of 100 (10 points is the customary gap that signals
#             a wish to change)
#   entropy:  cultural entropy in percentage points (each customary band is 10 wide)
#   matches:  values in both top-10 lists (value alignment), 0 to 10
#   contract: psychological-contract index, −4 to +4
#   scale:    the wave's own scale questions, averages from 1 to 5
#   enps:     the eNPS, −100 to 100, whole numbers (a group of 20 moves 5 points per person who changes side)
STEPS = {"points": (2, 5, 10), "entropy": (2, 5, 10), "matches": (1, 2, 3), "contract": (0.25, 0.5, 1),
         "scale": (0.1, 0.25, 0.5), "enps": (5, 10, 20)}
PLACES = {"points": 1, "entropy": 1, "matches": 0, "contract": 2, "scale": 2, "enps": 0}
# Figures are compared exactly, as whole numbers of the measure's last decimal (a released figure has no
# more decimals than its kind: points 0.1, contract 0.01, entropy 0.001 of 1 = 0.1 percentage point).
_SCALE = {kind: 10 ** places for kind, places in PLACES.items()}
_BREAKS = {kind: tuple(round(b * _SCALE[kind]) for b in bounds) for kind, bounds in STEPS.items()}


def measures_of(reference: dict) -> list[dict]:
    """The measures the report shows per group, in the order of the report, from the whole wave's
    released figures: {"key", "kind", "part", "text"?}; `part` is the figures' section it reads."""
    out = []
    if "culture" in reference:
        for phase in ("now", "preferred"):
            out += [{"key": f"culture_{phase}.{t}", "kind": "points", "part": "culture"} for t in TYPES]
    if "values" in reference:
        out += [{"key": "entropy", "kind": "entropy", "part": "values"},
                {"key": "alignment.personal_current", "kind": "matches", "part": "values"},
                {"key": "alignment.current_desired", "kind": "matches", "part": "values"}]
    if "contract" in reference:
        out.append({"key": "contract", "kind": "contract", "part": "contract"})
    if "enps" in reference:
        out.append({"key": "enps", "kind": "enps", "part": "enps"})
    for question in reference.get("questions") or ():
        out.append({"key": f"question.{question['key']}", "kind": "scale", "part": "questions",
                    "question": question["key"], "text": question.get("text") or {}})
    return out


def _part(figures: dict, measure: dict) -> dict | None:
    """The section of a group's figures a measure reads: a dict (maybe {"hidden": reason}), or None."""
    if measure["part"] == "questions":
        return next((q for q in figures.get("questions") or () if q["key"] == measure["question"]), None)
    return figures.get(measure["part"])


def _value(part: dict, measure: dict) -> int | None:
    """The released figure of a measure, exactly as stored, in units of its kind's last decimal
    (None: there is none, e.g. no votes)."""
    key, kind = measure["key"], measure["kind"]
    if kind == "points":
        phase, culture_type = key.split(".")
        raw = part[phase.removeprefix("culture_")][culture_type]
    elif key == "entropy":
        raw = None if part["entropy"] is None else 100 * part["entropy"]  # a share of 1 as percentage points
    elif kind == "matches":
        raw = len(part["alignment"][key.split(".")[1]])
    elif key == "contract":
        raw = part["index"]
    elif key == "enps":
        raw = part["score"]
    else:
        raw = part["mean"]
    return None if raw is None else round(raw * _SCALE[kind])


def _number(units: int, kind: str):
    """Units of the kind's last decimal as the number they stand for (an int for counts)."""
    return units if PLACES[kind] == 0 else round(units / _SCALE[kind], PLACES[kind])


def step(units: int, kind: str) -> int:
    """−3 … +3: how many of the kind's breakpoints the difference (in units of its last decimal)
    reaches, with its sign."""
    reached = sum(1 for bound in _BREAKS[kind] if abs(units) >= bound)
    return reached if units > 0 else -reached


def _cell(figures: dict, measure: dict, reference: dict) -> dict:
    part = _part(figures, measure)
    cell = {"measure": measure["key"]}
    if part is not None and part.get("hidden"):
        return {**cell, "hidden": part["hidden"]}
    if reference.get("hidden"):  # the whole wave's figure is hidden: there is nothing to compare with
        return {**cell, "hidden": reference["hidden"]}
    value = None if part is None else _value(part, measure)
    cell.update(hidden=None, n=None if part is None else part.get("n"), value=None, difference=None, step=None)
    if value is None:
        return cell
    cell["value"] = _number(value, measure["kind"])
    if reference["value"] is not None:
        difference = value - reference["value"]
        cell.update(difference=_number(difference, measure["kind"]), step=step(difference, measure["kind"]))
    return cell


def build(whole: dict, rows: list[dict]) -> dict:
    """The heat map: `whole` is the whole wave's released group (the report's focus without filters),
    `rows` the groups to lay out (the report's focus when filtered, then its breakdown), each as the
    report holds it: {"group", "n", "hidden", parts…}. A hidden group is a row with its reason and no
    cells; a cell whose measure the release hides for that group says why, with no figure."""
    heat = {"reference": {"group": whole["group"], "n": whole.get("n"), "hidden": whole.get("hidden")},
            "steps": {kind: list(bounds) for kind, bounds in STEPS.items()},
            "measures": [], "rows": []}
    reference = {}
    measures = [] if whole.get("hidden") else measures_of(whole)  # a hidden whole wave: no measure shown
    for measure in measures:
        part = _part(whole, measure)
        item = {key: measure[key] for key in ("key", "kind", "text") if key in measure}
        if part.get("hidden"):
            item.update(hidden=part["hidden"], value=None, n=None)
            reference[measure["key"]] = {"hidden": part["hidden"]}
        else:
            value = _value(part, measure)
            item.update(hidden=None, value=None if value is None else _number(value, measure["kind"]),
                        n=part.get("n"))
            reference[measure["key"]] = {"value": value}
        heat["measures"].append(item)
    for figures in rows:
        row = {"group": figures["group"], "n": figures.get("n"), "hidden": figures.get("hidden")}
        row["cells"] = None if figures.get("hidden") else \
            [_cell(figures, measure, reference[measure["key"]]) for measure in measures]
        heat["rows"].append(row)
    return heat
