"""The comparison of a wave: load its answers, compute (saas.comparison.maths), store, and read back.

One stored `Comparison` per wave. `compare_wave` computes and replaces it within the caller's
transaction: the whole result is one row, written once at the end, so a run that dies halfway
leaves the previous result untouched, and a reader never sees half of one. It is a no-op when
nothing it depends on has changed since the stored result (see `inputs_digest`), which makes the
job idempotent and lets the page's button do nothing when there is nothing new.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, select

from saas.anonymity import access, releases
from saas.comparison import maths
from saas.comparison.models import Comparison
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit, latest_run as latest_job_run
from saas.opentext.service import up_to_date as themes_up_to_date
from saas.surveys import answers as survey_answers
from saas.surveys.catalogue import limiting_keys
from saas.surveys.instruments import CONTRACT_PAIRED_TOPICS, DIMENSIONS, TYPES
from saas.surveys import service as survey_service
from saas.surveys.models import Response, Wave
from saas.surveys.service import min_group_size, response_count
from tenants.models import LegacyOrganisation

METHOD_VERSION = 3  # 2: the Aitchison distance on log-ratios (issue 21 point 2); 3: merger progress (point 1)
DEFAULTS = {"bootstrap": 1000, "permutations": 1000, "seed": 0}
LIMITS = {"bootstrap": (100, 20_000), "permutations": (100, 20_000)}
JOB = survey_service.RELEASE_JOB  # release, then compare


@dataclass(frozen=True)
class Outcome:
    comparison: Comparison
    computed: bool  # False: the stored result was already up to date


def get_comparison(db, wave: Wave) -> Comparison | None:
    return db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))


def stored_for(db, waves) -> dict[int, Comparison]:
    """The stored comparisons of these waves, by wave id."""
    ids = [wave.id for wave in waves]
    return {c.wave_id: c for c in db.scalars(select(Comparison).where(Comparison.wave_id.in_(ids)))} if ids else {}


def response_total(db, wave: Wave) -> int:
    return response_count(db, wave)


def current_k(db, tenant, wave: Wave) -> int:
    """The k the wave's figures are released under: its release's, else the one frozen at its launch."""
    release = releases.latest_release(db, "wave", wave.id)
    return release.k if release is not None else min_group_size(db, tenant, wave)


class NotReleased(DomainError):
    status = 409
    default_message = _l("The comparison is made from the wave's released figures, once the wave has closed.")


def parameters(bootstrap: int | None = None, permutations: int | None = None, seed: int | None = None) -> dict:
    chosen = {"bootstrap": bootstrap, "permutations": permutations, "seed": seed}
    params = {key: DEFAULTS[key] if value is None else int(value) for key, value in chosen.items()}
    for key, (low, high) in LIMITS.items():
        if not low <= params[key] <= high:
            raise DomainError(_l("Choose between %(low)d and %(high)d.", low=low, high=high), field=key)
    if not 0 <= params["seed"] < 2**63:
        raise DomainError(_l("The seed must be a whole number of 0 or more."), field="seed")
    return params


def compare_wave(db, tenant, wave: Wave, *, params: dict | None = None, force: bool = False,
                 progress=None) -> Outcome:
    """Compute the wave's comparison and store it, replacing the previous one; the caller commits.

    Does nothing (computed=False) when the stored result was computed from the same inputs,
    unless `force`. `progress(fraction)` is called while the resampling runs.
    """
    params = params or parameters()
    release = releases.latest_release(db, "wave", wave.id)
    if release is None or wave.status != "closed":
        raise NotReleased()
    orgs = _orgs_of(db, wave, release)
    k, digest = inputs_digest(db, tenant, wave, params, orgs)
    stored = get_comparison(db, wave)
    if stored is not None and stored.inputs_digest == digest and not force:
        return Outcome(stored, False)
    answers = wave_answers(survey_answers.read_wave(db, wave), orgs, wave, limiting_keys(db, wave))
    result = maths.compare(answers, k, bootstrap=params["bootstrap"], permutations=params["permutations"],
                           seed=params["seed"], progress=progress, shown=shown_orgs(release, orgs))
    return Outcome(_store(db, wave, release, params, digest, result, len(answers.org)), True)


def shown_orgs(release, orgs: list[tuple[int, str]]) -> dict[str, list[str]]:
    """Per measure, the codes of the legacy organisations the wave's release shows: the comparison
    shows exactly these, so that no figure here minus a figure in the report gives a small group away."""
    code_of = dict(orgs)
    shown = {}
    for measure in ("all", "culture", "values", "contract"):
        pattern = release.patterns.get(measure) or release.patterns.get("all") or {}
        shown[measure] = sorted(code_of[o] for o in pattern.get("orgs", ()) if pattern.get("overall") and o in code_of)
    return shown


def load_answers(db, wave: Wave, batch: int = survey_answers.BATCH):
    """The wave's responses as lists of (legacy_org_id, answers dict), `batch` at a time, streamed.

    Merely reading the answers, the plain way (one process, use inside `survey_answers.paused_gc()`); the
    comparison itself reads through `survey_answers.read_wave`, in parallel for a large wave.
    """
    statement = (select(Response.legacy_org_id, cast(Response.answers, Text)).where(Response.wave_id == wave.id)
                 .execution_options(yield_per=batch))
    loads = json.loads
    for rows in db.execute(statement).partitions():
        yield [(org_id, loads(text) if isinstance(text, str) else text) for org_id, text in rows]


def wave_answers(part: dict, orgs: list[tuple[int, str]], wave: Wave, limiting: set[str]) -> maths.WaveAnswers:
    """The arrays of `survey_answers.read_wave` as `maths.WaveAnswers` for the wave's legacy organisations."""
    keys = list(wave.value_keys)
    position = {org_id: i for i, (org_id, _code) in enumerate(orgs)}
    org_ids = part["org_ids"].tolist()
    n = len(org_ids)
    org = np.fromiter(map(position.get, org_ids, repeat(-1)), dtype=np.int64, count=n)
    picks = {}
    for name in survey_answers.VALUE_LISTS:
        cols = part[f"{name}_cols"]
        rows = np.repeat(np.arange(n, dtype=np.int64), part[f"{name}_lengths"])
        known = cols >= 0  # a key the wave did not ask about cannot be there; ignore it if it is
        picks[name] = maths.Picks(rows[known], cols[known])
    points = part["culture"].reshape(n, 2, len(DIMENSIONS), len(TYPES))
    contract = (part["delivered"].sum(axis=1) - part["promised"].sum(axis=1)) / len(CONTRACT_PAIRED_TOPICS)
    return maths.WaveAnswers(
        org_codes=[code for _id, code in orgs], org=org, culture_now=points[:, 0], culture_preferred=points[:, 1],
        value_keys=keys, limiting=np.array([key in limiting for key in keys], dtype=bool), picks=picks,
        contract=contract, answered_values=part["answered"])


def inputs_digest(db, tenant, wave: Wave, params: dict, orgs=None) -> tuple[int, str]:
    """(k, fingerprint of everything the result depends on): the wave's release (its k, its answers,
    which it shows), the parameters and the method."""
    release = releases.latest_release(db, "wave", wave.id)
    if release is None:
        return current_k(db, tenant, wave), ""
    orgs = orgs if orgs is not None else _orgs_of(db, wave, release)
    fingerprint = {"method": METHOD_VERSION, "k": release.k, "parameters": params, "release": release.number,
                   "responses": release.answers, "orgs": orgs, "keys": list(wave.value_keys),
                   "limiting": sorted(limiting_keys(db, wave))}
    return release.k, hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def request_comparison(db, tenant, wave: Wave) -> str:
    """Queue the release-and-compare job after commit (the close, and the page's button), unless it
    waits or runs already, or the stored result is up to date. Returns "queued", "running" or
    "up_to_date"."""
    if wave.status != "closed":
        raise NotReleased()
    stored = get_comparison(db, wave)
    digest = inputs_digest(db, tenant, wave, parameters())[1]
    release = releases.latest_release(db, "wave", wave.id)
    current = release is not None and release.answers == response_total(db, wave)  # else: a new release first
    current = current and themes_up_to_date(db, wave, release)  # the same job finds what people say
    if stored is not None and digest and stored.inputs_digest == digest and current:
        return "up_to_date"
    run = latest_run(db, wave)
    if run is not None and run.active:
        return "running"
    enqueue_after_commit(db, JOB, tenant.id, wave.id, unique=True)
    return "queued"


def latest_run(db, wave: Wave):
    """The newest job record of this wave's comparison (queued, running, done or failed), or None."""
    return latest_job_run(db, JOB, wave.tenant_id, wave.id)


def series_trend(db, wave: Wave) -> dict:
    """The distance per pair over the waves of the wave's programme (a wave without one: itself).

    Returns {"waves": [{"id", "name", "label", "computed"}], "pairs": [{"a", "b", "points": [per wave:
    {"distance_now", "ci_now"} or None], "trend": "shrinking" | "growing" | "unclear" | None}]}.
    Trend compares the first and the last wave in which the pair is shown: shrinking (growing) when
    the distance fell (rose) and the two 95 % intervals do not overlap; otherwise unclear.
    """
    if wave.programme_id is None:
        waves = [wave]
    else:
        waves = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id)
                                .order_by(Wave.opens_on.is_(None), Wave.opens_on, Wave.id)))
    stored = {c.wave_id: c for c in db.scalars(select(Comparison).where(Comparison.wave_id.in_([w.id for w in waves])))}
    names = []
    for w in waves:
        comparison = stored.get(w.id)
        for pair in comparison.result["pairs"] if comparison else ():
            if (pair["a"], pair["b"]) not in names:
                names.append((pair["a"], pair["b"]))
    pairs = []
    for a, b in sorted(names):
        points = []
        for w in waves:
            comparison = stored.get(w.id)
            found = next((p for p in comparison.result["pairs"] if (p["a"], p["b"]) == (a, b)), None) \
                if comparison else None
            points.append({"distance_now": found["distance_now"], "ci_now": found["ci_now"]}
                          if found and found["distance_now"] is not None else None)
        pairs.append({"a": a, "b": b, "points": points, "trend": _trend([p for p in points if p])})
    return {"waves": [{"id": w.id, "name": w.name, "label": w.series_label, "computed": w.id in stored}
                      for w in waves], "pairs": pairs}


def _trend(points: list[dict]) -> str | None:
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    if last["distance_now"] < first["distance_now"] and last["ci_now"][1] < first["ci_now"][0]:
        return "shrinking"
    if last["distance_now"] > first["distance_now"] and last["ci_now"][0] > first["ci_now"][1]:
        return "growing"
    return "unclear"


def _orgs_of(db, wave: Wave, release) -> list[tuple[int, str]]:
    """The legacy organisations the wave compares, as (id, code) sorted by code: those its release
    knew that it asked (all when its audience names none), and any that answered."""
    known = (release.figures.get("groups") or {}).get("orgs")
    answered = select(Response.legacy_org_id).where(Response.wave_id == wave.id).distinct()
    query = select(LegacyOrganisation.id, LegacyOrganisation.code)
    if known is not None:
        query = query.where(LegacyOrganisation.id.in_(known))
    if wave.audience_legacy_org_ids:
        query = query.where(LegacyOrganisation.id.in_(list(wave.audience_legacy_org_ids))
                            | LegacyOrganisation.id.in_(answered))
    return [(org_id, code) for org_id, code in db.execute(query.order_by(LegacyOrganisation.code))]


def _store(db, wave: Wave, release, params: dict, digest: str, result: maths.Result, responses: int) -> Comparison:
    """Replace the wave's stored result in one go (one row), serialised by a lock on the wave."""
    db.execute(select(Wave.id).where(Wave.id == wave.id).with_for_update())
    comparison = get_comparison(db, wave)
    if comparison is None:
        comparison = Comparison(wave_id=wave.id)
        db.add(comparison)
    comparison.method_version, comparison.k = METHOD_VERSION, release.k
    comparison.parameters, comparison.inputs_digest = dict(params), digest
    comparison.result = {"wave": wave.id, "method_version": METHOD_VERSION, "k": release.k,
                         "release": release.number, "orgs": result.orgs, "pairs": result.pairs}
    comparison.details = {"orgs": result.details, "suppressed": result.suppressed, "responses": responses,
                          "progress": result.progress}
    comparison.computed_at = utcnow()
    db.flush()
    return comparison


def log_chart(db, user, wave: Wave, chart: str, kind: str) -> None:
    """A chart of the comparison taken away as a file: in the access log like the page's reading, and on the
    audit trail as a report's export (the works council reads those)."""
    access.log(db, user, "chart", wave_id=wave.id, details={"chart": chart})
    audit.record(db, "report.exported", obj=wave, detail={"format": kind, "chart": chart, "of": "comparison"})


def log_progress_export(db, user, wave: Wave, kind: str) -> None:
    """Merger progress taken away as JSON or CSV: in the access log like the page, and on the audit trail as a
    report's export (the works council reads those)."""
    access.log(db, user, "comparison", wave_id=wave.id, details={"of": "progress", "format": kind})
    audit.record(db, "report.exported", obj=wave, detail={"format": kind, "of": "merger_progress"})
