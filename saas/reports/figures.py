"""The figures of a culture report for any group of a wave's answers (NumPy; no Flask).

`WaveData` holds a wave's answers as arrays, one row per answer; `figures(data, mask, shown)` gives
the figures of the answers in `mask`, each measure only where the audit (saas.anonymity.audit)
lets that group show it. The definitions are those of the comparison (saas.comparison.maths).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from saas.comparison import maths
from saas.reports import drivers
from saas.surveys.answers import VALUE_LISTS
from saas.surveys.instruments import DIMENSIONS, TYPES

MEASURES = ("culture", "values", "contract", "enps")
TOP = 10
CHANGE_WISH = 10  # points between now and preferred that customarily signal a wish to change


@dataclass
class WaveData:
    n: int
    org: np.ndarray  # (n,) legacy organisation id or -1
    team: np.ndarray  # (n,) team id or -1
    has: dict  # measure -> (n,) bool: answered that part
    culture_now: np.ndarray  # (n, 4) points per type summed over the dimensions
    culture_preferred: np.ndarray
    contract: np.ndarray  # (n,) index, NaN when not answered
    enps: np.ndarray  # (n,) the eNPS answer 0-10, NaN when not answered (or not asked)
    value_keys: list
    limiting: np.ndarray  # (V,) bool
    picks: dict  # list name -> (n, V) bool
    questions: list  # the wave's own questions (dicts with key, kind, text)
    likert: dict  # question key -> (n,) float, NaN when not answered
    open_answers: dict  # question key -> list of texts (no row order kept)
    verified: np.ndarray | None = None  # (n,) bool: False for open-link answers (whole-wave figures only)
    verified_texts: dict | None = None  # question key -> how many of its texts came from verified answers


def build(part: dict, team_of: dict, question_answers: dict, wave, limiting: set,
          verified_of: dict | None = None) -> WaveData:
    """From `saas.surveys.answers.read_wave` arrays, the team per response id, and the answers to
    the wave's own questions per response id."""
    ids = [i.decode() if isinstance(i, bytes) else i for i in part["ids"].tolist()]
    n = len(ids)
    keys = list(wave.value_keys)
    culture = part["culture"].reshape(n, 2, len(DIMENSIONS), len(TYPES))
    now, preferred = culture[:, 0].sum(axis=1), culture[:, 1].sum(axis=1)
    picks = {}
    for name in VALUE_LISTS:
        matrix = np.zeros((n, len(keys)), dtype=bool)
        rows = np.repeat(np.arange(n), part[f"{name}_lengths"])
        cols = part[f"{name}_cols"]
        known = cols >= 0
        matrix[rows[known], cols[known]] = True
        picks[name] = matrix
    contract = (part["delivered"].mean(axis=1) - part["promised"].mean(axis=1)) if n else np.zeros(0)
    verified = np.array([(verified_of or {}).get(i, True) for i in ids], dtype=bool)
    likert, open_answers, verified_texts = {}, {}, {}
    for question in wave.questions or ():
        given = [question_answers.get(i, {}).get(question["key"]) for i in ids]
        if question["kind"] == "likert":
            likert[question["key"]] = np.array([np.nan if v is None else float(v) for v in given])
        else:
            open_answers[question["key"]] = [v for v in given if v]
            verified_texts[question["key"]] = sum(1 for v, ok in zip(given, verified) if v and ok)
    return WaveData(
        n=n, org=part["org_ids"], team=np.array([team_of.get(i) or -1 for i in ids], dtype=np.int64),
        has={"culture": ~np.isnan(now).any(axis=1) & ~np.isnan(preferred).any(axis=1) if n else np.zeros(0, bool),
             "values": part["answered"], "contract": ~np.isnan(contract), "enps": ~np.isnan(part["enps"])},
        culture_now=now, culture_preferred=preferred, contract=contract, enps=part["enps"], value_keys=keys,
        limiting=np.array([key in limiting for key in keys], dtype=bool), picks=picks,
        questions=list(wave.questions or ()), likert=likert, open_answers=open_answers, verified=verified,
        verified_texts=verified_texts)


def atoms(data: WaveData, measure: str | None = None) -> dict:
    """{(organisation id or None, team id or None): verified answers} over the answers to `measure`
    (None: all answers; a question key: its answers). Open-link answers weigh nothing: anyone can
    send any number of them, so no figure may rest on them (DESIGN.md §3, "who counts")."""
    if measure is None:
        selected = np.ones(data.n, dtype=bool)
    elif measure in data.has:
        selected = data.has[measure].copy()
    else:
        selected = ~np.isnan(data.likert[measure])
    if data.verified is not None:
        selected = selected & data.verified
    counts = defaultdict(int)
    for org, team in zip(data.org[selected].tolist(), data.team[selected].tolist()):
        counts[(None if org < 0 else org, None if team < 0 else team)] += 1
    return dict(counts)


def mask_of(data: WaveData, org: int | None = None, team: int | None = None) -> np.ndarray:
    mask = np.ones(data.n, dtype=bool)
    if org is not None:
        mask &= data.org == org
    if team is not None:
        mask &= data.team == team
    return mask


def culture(data: WaveData, mask: np.ndarray) -> dict:
    chosen = mask & data.has["culture"]
    now = data.culture_now[chosen].mean(axis=0) / len(DIMENSIONS)
    preferred = data.culture_preferred[chosen].mean(axis=0) / len(DIMENSIONS)
    return {"n": int(chosen.sum()),
            "now": {t: round(float(v), 1) for t, v in zip(TYPES, now)},
            "preferred": {t: round(float(v), 1) for t, v in zip(TYPES, preferred)},
            "change_wish": [t for t, a, b in zip(TYPES, now, preferred) if abs(b - a) >= CHANGE_WISH]}


def values(data: WaveData, mask: np.ndarray) -> dict:
    chosen = mask & data.has["values"]
    respondents = int(chosen.sum())
    tops = {}
    for name in VALUE_LISTS:
        counts = data.picks[name][chosen].sum(axis=0)
        keys = maths.top_values(counts, data.value_keys, TOP)
        tops[name] = [{"key": key, "votes": int(counts[data.value_keys.index(key)]),
                       "share": round(float(counts[data.value_keys.index(key)]) / respondents, 3)} for key in keys]
    current = data.picks["org_current"][chosen]
    picked = int(current.sum())
    entropy = round(float(current[:, data.limiting].sum()) / picked, 3) if picked else None
    top = {name: [item["key"] for item in items] for name, items in tops.items()}
    return {"n": respondents, "top": tops, "entropy": entropy,
            "alignment": {"personal_current": sorted(set(top["personal"]) & set(top["org_current"])),
                          "current_desired": sorted(set(top["org_current"]) & set(top["org_desired"]))}}


def contract(data: WaveData, mask: np.ndarray) -> dict:
    chosen = mask & data.has["contract"]
    return {"n": int(chosen.sum()), "index": round(float(data.contract[chosen].mean()), 2)}


def enps(data: WaveData, mask: np.ndarray, org: int | None = None, team: int | None = None) -> dict:
    """The group's eNPS with its bootstrap interval (saas.reports.drivers.enps, the definition)."""
    return drivers.enps(data.enps[mask & data.has["enps"]], org, team)


def likert(data: WaveData, mask: np.ndarray, key: str) -> dict:
    answers = data.likert[key][mask]
    answers = answers[~np.isnan(answers)]
    return {"n": int(len(answers)), "mean": round(float(answers.mean()), 2),
            "distribution": {str(v): int((answers == v).sum()) for v in range(1, 6)}}
