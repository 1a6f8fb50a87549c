"""The cross-culture comparison as plain NumPy (DESIGN.md §5, issue 6 point 3). No database, no Flask.

Definitions, so that anyone can recompute them:

- `profile_now[type]`: over the organisation's respondents, the mean of (the mean over the six
  dimensions of that type's points). The four types add up to 100. Same for `profile_preferred`.
- `distance(a, b) = ½ × Σ over the four types |profile_a − profile_b|`, in points (0–100).
- `entropy`: the share (0–1) of all *organisation today* picks that go to values marked limiting.
- `top_values_current`: the 10 value keys most often picked for *organisation today*, ties broken
  by key (only keys picked at least once). `jaccard_current(a, b) = |A ∩ B| / |A ∪ B|` of those.
- value alignment: the keys in both top-10 lists of *my values* and *organisation today*, and in
  both top-10 lists of *organisation today* and *the organisation I want* (same top-10 rule).
- contract index: the mean over respondents of their psychological-contract index.
- bootstrap interval (distances): respondents are resampled with replacement within each
  organisation, B times; the interval is the 2.5th–97.5th percentile of the B distances, widened
  where needed to include the observed distance (a distance cannot be negative, so for two nearly
  identical organisations every resampled distance lies above the observed one).
- permutation p-value: the organisation labels of the two organisations' respondents are shuffled
  P times (group sizes kept); p = (1 + #{permuted distance ≥ observed}) / (1 + P).
- compositional figures (issue 21 point 2): a respondent's four type means are a composition (they
  add up to 100), so they are also compared on log-ratios. Zeros first get the multiplicative
  replacement (Martín-Fernández, Barceló-Vidal & Pawlowsky-Glahn 2003): a zero becomes
  δ = ZERO_REPLACEMENT (0.65 × 1/6 point: 65 % of the smallest non-zero type mean an answer can give,
  one point in one of six dimensions, which is that paper's recommendation), and every non-zero part
  is multiplied by (1 − #zeros × δ / 100), so the parts keep their ratios and still add up to 100.
  `clr(x) = (ln x_i − mean_j ln x_j)_i`. The organisation's compositional centre is the closure (to
  100) of the geometric mean per type over its respondents, not the arithmetic mean; its clr is the
  mean of the respondents' clr vectors. `aitchison(a, b)` = the Euclidean distance of the two centres'
  clr vectors. Its bootstrap interval and permutation p-value are those of the points distance with
  the Aitchison distance of the clr means as the statistic, on the very same resamples and
  relabellings (PERLOG: a permutation test on log-ratios).
- k rule: an organisation with fewer than k answers is `suppressed`: it has no figures at all, and
  no pair with it is reported. The number of answers of the whole wave is known (it is shown with
  the wave), so the same rule protects what subtraction would reveal (DESIGN.md §3): when the
  answers outside the shown organisations (the suppressed ones, and respondents without a legacy
  organisation) number more than 0 but fewer than k, the smallest shown organisation is suppressed
  too, and so on until they number at least k. A figure that rests on fewer than k answers to its
  part of the survey (e.g. the culture profile when fewer than k people filled it in) is left out
  (None) as well.

Speed (100,000 respondents, 10 organisations, 1,000 resamples and permutations in a few seconds):
culture answers are reduced to per-respondent type sums over the dimensions; when those are whole
numbers (they are for real answers), three types per phase are packed into float64 words two at a
time, so that sums stay exact and every pass over the data touches three numbers instead of eight
(the fourth type follows, because each respondent's types add up to 600). Bootstrap replicates are
multinomial counts (a bincount of random indices) times the data (a BLAS matrix product).
Permutations use that a random relabelling of a pair moves j ~ Hypergeometric respondents each
way, and a uniformly random j-subset of an organisation is the first j of a random permutation:
one permutation per organisation and round serves all its pairs through prefix sums. Work runs in
chunks (memory stays small) on a few threads; every organisation and pair draws from its own
seeded stream, so the same seed gives the same result however the work is scheduled.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from saas.anonymity import breakdown

TYPES = ("clan", "adhocracy", "market", "hierarchy")
DIMENSIONS = 6
TOP = 10
CHUNK_ELEMENTS = 1 << 19  # per chunk of resamples or permutations: about half a million respondent-draws
LANE = float(1 << 26)  # packing: two whole-number sums per float64, exact while each stays below 2**26
TOTAL = 100 * DIMENSIONS  # a respondent's points per type summed over the dimensions add up to 600
ZERO_REPLACEMENT = 0.65 / DIMENSIONS  # δ in points: 65 % of the smallest non-zero type mean (1 point in 1 of 6)
QUANTILES = 100  # merger progress keeps the bootstrap distribution of a distance as this many quantiles


@dataclass(frozen=True)
class Picks:
    """A sparse 0/1 matrix of value picks: respondent `rows[i]` picked value `cols[i]`."""

    rows: np.ndarray
    cols: np.ndarray


@dataclass
class WaveAnswers:
    """Per-respondent arrays of one wave; row i of every array is respondent i.

    `org`: index into `org_codes`, -1 for a respondent without a legacy organisation.
    `culture_now` / `culture_preferred`: (n, 6, 4) points or (n, 4) type means, types in TYPES
    order; a row with NaN means the respondent did not fill in the culture profile.
    `picks`: for "personal", "org_current" and "org_desired", a bool (n, V) matrix or `Picks`
    over `value_keys`; `limiting`: (V,) bool. `contract`: (n,) contract index, NaN when missing.
    """

    org_codes: list[str]
    org: np.ndarray
    culture_now: np.ndarray
    culture_preferred: np.ndarray
    value_keys: list[str]
    limiting: np.ndarray
    picks: dict[str, object]
    contract: np.ndarray
    answered_values: np.ndarray | None = None  # (n,) bool: filled in the values part (default: any pick)


@dataclass
class Result:
    """`orgs` and `pairs` in the shape `koers compare --json` prints; `details` per shown organisation's
    code; `suppressed`: why each suppressed organisation is ("fewer_than_k" or "complementary")."""

    orgs: list[dict]
    pairs: list[dict]
    details: dict[str, dict] = field(default_factory=dict)
    suppressed: dict[str, str] = field(default_factory=dict)
    progress: dict = field(default_factory=dict)  # see `_progress`: what merger progress reads over the waves


def compare(answers: WaveAnswers, k: int, *, bootstrap: int = 1000, permutations: int = 1000, seed: int = 0,
            progress: Callable[[float], None] | None = None, threads: int | None = None,
            shown: Sequence[str] | None = None) -> Result:
    """Everything about one wave: per organisation, per pair, under the k rule. See the module doc.

    `shown`: the codes of the organisations that may be shown, as the works council's report decides
    (saas.anonymity.audit, which also weighs teams), so that both show the same groups and no
    figure of one minus a figure of the other gives a small group away. The rest is suppressed
    ("complementary" when it has k or more answers). None: the rule of the module doc on its own.
    """
    if bootstrap < 1 or permutations < 1:
        raise ValueError("bootstrap and permutations must be at least 1")
    codes = list(answers.org_codes)
    n_orgs = len(codes)
    org = np.asarray(answers.org, dtype=np.int64)
    n = np.bincount(org[org >= 0], minlength=n_orgs)
    now, preferred = _type_sums(answers.culture_now), _type_sums(answers.culture_preferred)
    has_culture = ~(np.isnan(now).any(axis=1) | np.isnan(preferred).any(axis=1))
    counts = {name: _counts_per_org(answers.picks.get(name), org, n_orgs, len(answers.value_keys))
              for name in ("personal", "org_current", "org_desired")}
    answered = answers.answered_values
    if answered is None:
        answered = np.zeros(len(org), dtype=bool)
        for name in counts:
            answered |= _any_pick(answers.picks.get(name), len(org))
    values_n = np.bincount(org[(org >= 0) & answered], minlength=n_orgs)
    contract = np.asarray(answers.contract, dtype=np.float64)
    limiting = np.asarray(answers.limiting, dtype=bool)
    keys = list(answers.value_keys)

    # What may be shown is decided by saas.anonymity, never here: `shown` comes from the wave's
    # release (per measure); without one (synthetic data, tests) the single-breakdown rule applies.
    if shown is None:
        by_code = {code: g for g, code in enumerate(codes)}  # ties broken by code, as the report does
        shown_codes, hidden_codes = breakdown.shown_groups({codes[g]: int(n[g]) for g in range(n_orgs)}, len(org), k)
        visible = sorted(by_code[code] for code in shown_codes)
        hidden = {by_code[code]: reason for code, reason in hidden_codes.items()}
        culture_ok = {g for g in visible if breakdown.enough(int(((org == g) & has_culture).sum()), k)}
        values_ok = {g for g in visible if breakdown.enough(int(values_n[g]), k)}
        contract_ok = {g for g in visible if breakdown.enough(int(((org == g) & ~np.isnan(contract)).sum()), k)}
    else:
        if not isinstance(shown, Mapping):
            shown = {"all": shown}
        by_code = {code: g for g, code in enumerate(codes)}

        def allowed(measure):
            return {by_code[c] for c in shown.get(measure, shown["all"]) if c in by_code}

        visible = [g for g in range(n_orgs) if g in allowed("all")]
        hidden = {g: "fewer_than_k" if not breakdown.enough(int(n[g]), k) else "complementary"
                  for g in range(n_orgs) if g not in visible}
        culture_ok, values_ok, contract_ok = allowed("culture"), allowed("values"), allowed("contract")
    groups = {g: np.flatnonzero((org == g) & has_culture) for g in visible}
    profiled = [g for g in visible if g in culture_ok]
    logs = np.concatenate([clr(now)[:, :3], clr(preferred)[:, :3]], axis=1)  # the fourth is minus their sum
    # everyone else who filled in the culture profile (hidden organisations, no organisation): one more
    # stratum, resampled only for the whole wave's preferred profile (merger progress), never shown
    rest = np.flatnonzero(has_culture & ~np.isin(org, profiled))
    strata = [groups[g] for g in profiled] + ([rest] if profiled and len(rest) else [])
    data = _Data.build(now, preferred, strata, logs)

    orgs, details = [], {}
    means, clr_means = {}, {}
    for g in range(n_orgs):
        if g not in visible:
            orgs.append({"code": codes[g], "n": None, "suppressed": True, "profile_now": None,
                         "profile_preferred": None, "entropy": None, "top_values_current": None})
            continue
        has_values = g in values_ok
        top = {name: _top(counts[name][g], keys) if has_values else None for name in counts}
        picked = counts["org_current"][g].sum()
        entropy = float(counts["org_current"][g][limiting].sum() / picked) if has_values and picked else None
        profile_now = profile_preferred = None
        if g in profiled:
            mean = np.concatenate([now[groups[g]].mean(axis=0), preferred[groups[g]].mean(axis=0)]) / DIMENSIONS
            means[g] = mean
            clr_means[g] = _full_clr(logs[groups[g]].mean(axis=0))
            profile_now, profile_preferred = _as_profile(mean[:4]), _as_profile(mean[4:])
        orgs.append({"code": codes[g], "n": int(n[g]), "suppressed": False, "profile_now": profile_now,
                     "profile_preferred": profile_preferred, "entropy": entropy,
                     "top_values_current": top["org_current"]})
        in_org = org == g
        with_contract = in_org & ~np.isnan(contract)
        contract_n = int(with_contract.sum())
        respondents = int(values_n[g])
        contract_shown = g in contract_ok and contract_n > 0
        details[codes[g]] = {
            "culture_n": int(len(groups[g])) if g in profiled else None,
            "values_n": respondents if has_values else None,
            "contract_n": contract_n if contract_shown else None,
            "contract_index": float(contract[with_contract].mean()) if contract_shown else None,
            "top_values": {name: [[key, int(counts[name][g][keys.index(key)]),
                                   float(counts[name][g][keys.index(key)] / respondents)] for key in top[name]]
                           if top[name] is not None else None for name in counts},
            "alignment": {
                "personal_current": _matches(top["personal"], top["org_current"]),
                "current_desired": _matches(top["org_current"], top["org_desired"]),
            },
            "centre_now": _as_profile(centre(clr_means[g][:4])) if g in profiled else None,
            "centre_preferred": _as_profile(centre(clr_means[g][4:])) if g in profiled else None,
        }

    pairs_idx = [(a, b) for i, a in enumerate(visible) for b in visible[i + 1:]]
    culture_pairs = [(profiled.index(a), profiled.index(b)) for a, b in pairs_idx if a in means and b in means]
    stats, boots = _uncertainty(data, culture_pairs, bootstrap, permutations, seed, progress, threads,
                                boot_all=bool(profiled))
    pairs, pair_draws = [], {}
    for a, b in pairs_idx:
        pair = {"a": codes[a], "b": codes[b], "distance_now": None, "ci_now": None, "p_now": None,
                "distance_preferred": None, "ci_preferred": None, "p_preferred": None,
                "jaccard_current": _jaccard(orgs[a]["top_values_current"], orgs[b]["top_values_current"]),
                "aitchison_now": None, "ci_aitchison_now": None, "p_aitchison_now": None,
                "aitchison_preferred": None, "ci_aitchison_preferred": None, "p_aitchison_preferred": None}
        if a in means and b in means:
            key = (profiled.index(a), profiled.index(b))
            for phase, cols in (("now", slice(0, 4)), ("preferred", slice(4, 8))):
                observed = distance(means[a][cols], means[b][cols])
                low, high = stats[key][phase]["ci"]
                pair[f"distance_{phase}"] = observed
                pair[f"ci_{phase}"] = [min(low, observed), max(high, observed)]
                pair[f"p_{phase}"] = stats[key][phase]["p"]
                if phase == "now":
                    pair_draws[f"{codes[a]}|{codes[b]}"] = {"distance": observed, "ci": pair["ci_now"],
                                                            "quantiles": stats[key]["now"]["quantiles"]}
                observed = _norm(clr_means[a][cols] - clr_means[b][cols])
                low, high = stats[key][f"aitchison_{phase}"]["ci"]
                pair[f"aitchison_{phase}"] = observed
                pair[f"ci_aitchison_{phase}"] = [min(low, observed), max(high, observed)]
                pair[f"p_aitchison_{phase}"] = stats[key][f"aitchison_{phase}"]["p"]
        pairs.append(pair)
    merger = _progress(data, boots, [codes[g] for g in profiled], [means[g] for g in profiled], pair_draws)
    if progress:
        progress(1.0)
    return Result(orgs, pairs, details, {codes[g]: reason for g, reason in sorted(hidden.items())}, merger)


def quantiles(draws, count: int = QUANTILES) -> list[float]:
    """The bootstrap distribution of a figure, kept small: its quantiles at (i + ½) / count, i = 0 … count − 1
    (numpy's default linear interpolation), rounded to 4 decimals."""
    if len(draws) == 0:
        return []
    return [round(float(v), 4) for v in np.quantile(np.asarray(draws, dtype=np.float64),
                                                    (np.arange(count) + 0.5) / count)]


def _progress(data: "_Data", boots: dict, codes: list[str], means: list[np.ndarray], pairs: dict) -> dict:
    """What merger progress needs of this wave (saas.comparison.progress), under the comparison's k rule:

    - `target`: the merged organisation's preferred culture: the whole wave's preferred profile, the mean
      over everyone who filled in the culture profile (legacy organisation or not) of their preferred type
      means — the figure the wave's release shows for the whole organisation, unrounded;
    - `orgs[code]`: per shown organisation with a profile, `distance` = ½ Σ |profile_now − target| (points),
      `ci` its 95 % bootstrap interval and `quantiles` its bootstrap distribution (`quantiles`). A resample
      draws every organisation's respondents (and everyone else's, as one more stratum) with replacement
      within their group, the same resamples as the pairs' intervals; the target is recomputed from the
      same resample, so an organisation's own weight in the target is accounted for;
    - `pairs["A|B"]`: the pair's `distance_now`, `ci_now` and the bootstrap quantiles of that distance.
    Empty when no organisation is shown with a profile.
    """
    if not codes:
        return {}
    total = sum(data.sizes)
    unpacked = [data.unpack(column.sum(axis=0), size) for column, size in zip(data.columns, data.sizes)]
    target = sum(u[4:] for u in unpacked) / (total * DIMENSIONS)
    resampled = [data.unpack(boots[i], size) for i, size in enumerate(data.sizes)]
    target_boot = sum(r[:, 4:] for r in resampled) / (total * DIMENSIONS)
    orgs = {}
    for i, (code, mean) in enumerate(zip(codes, means)):
        observed = distance(mean[:4], target)
        draws = 0.5 * np.abs(resampled[i][:, :4] / (data.sizes[i] * DIMENSIONS) - target_boot).sum(axis=1)
        low, high = np.percentile(draws, [2.5, 97.5])
        orgs[code] = {"distance": observed, "ci": [min(float(low), observed), max(float(high), observed)],
                      "quantiles": quantiles(draws)}
    return {"target": _as_profile(target), "orgs": orgs, "pairs": pairs}


def distance(p, q) -> float:
    """½ Σ |p − q| over the four types, in points."""
    return float(0.5 * np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum())


def replace_zeros(parts, delta: float = ZERO_REPLACEMENT) -> np.ndarray:
    """Multiplicative replacement of zeros, row by row: a zero becomes `delta`, the other parts are
    scaled by (1 − #zeros × delta / row total), so each row keeps its total and its non-zero ratios."""
    parts = np.asarray(parts, dtype=np.float64)
    zero = parts == 0
    total = parts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = 1 - zero.sum(axis=-1, keepdims=True) * delta / total
    return np.where(zero, delta, parts * scale)


def clr(parts, delta: float = ZERO_REPLACEMENT) -> np.ndarray:
    """Centred log-ratio of each row (type sums over the six dimensions or type means: the scale does
    not matter), zeros replaced first (`replace_zeros`, on the scale of type means); NaN rows stay NaN."""
    parts = np.asarray(parts, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        points = 100 * parts / parts.sum(axis=-1, keepdims=True)
        logs = np.log(replace_zeros(points, delta))
    return logs - logs.mean(axis=-1, keepdims=True)


def centre(clr_mean) -> np.ndarray:
    """The composition (in points, adding up to 100) whose clr is `clr_mean`: the closure of the
    geometric mean of the compositions whose clr vectors were averaged."""
    parts = np.exp(np.asarray(clr_mean, dtype=np.float64))
    return 100 * parts / parts.sum(axis=-1, keepdims=True)


def aitchison(p, q, delta: float = ZERO_REPLACEMENT) -> float:
    """The Aitchison distance of two compositions: the Euclidean distance of their clr vectors."""
    return _norm(clr(p, delta) - clr(q, delta))


def top_values(counts, keys, top: int = TOP) -> list[str]:
    """The `top` keys with the highest counts (at least 1), ties broken by key."""
    return _top(np.asarray(counts), list(keys), top)


def jaccard(a, b) -> float | None:
    return _jaccard(a, b)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _norm(difference) -> float:
    return float(np.sqrt(np.square(difference).sum(axis=-1)))


def _full_clr(three) -> np.ndarray:
    """(…, 6) the first three clr parts of now and of preferred → (…, 8): a clr vector sums to 0."""
    three = np.asarray(three, dtype=np.float64)
    now, preferred = three[..., :3], three[..., 3:]
    return np.concatenate([now, -now.sum(axis=-1, keepdims=True),
                           preferred, -preferred.sum(axis=-1, keepdims=True)], axis=-1)


def _type_sums(culture) -> np.ndarray:
    """(n, 4) points per type summed over the six dimensions (6 × the type mean); NaN rows stay NaN."""
    culture = np.asarray(culture, dtype=np.float64)
    if culture.ndim == 3:
        return culture.sum(axis=1)
    if culture.ndim == 2 and culture.shape[1] == 4:
        return culture * DIMENSIONS
    raise ValueError("culture answers must be (n, 6, 4) points or (n, 4) type means")


def _as_profile(mean) -> dict[str, float]:
    return {t: float(v) for t, v in zip(TYPES, mean)}


def _counts_per_org(picks, org, n_orgs: int, n_keys: int) -> np.ndarray:
    """(orgs, V) how often each value was picked per organisation."""
    if picks is None:
        return np.zeros((n_orgs, n_keys), dtype=np.int64)
    if isinstance(picks, Picks):
        rows, cols = np.asarray(picks.rows, dtype=np.int64), np.asarray(picks.cols, dtype=np.int64)
    else:
        rows, cols = np.nonzero(np.asarray(picks, dtype=bool))
    groups = org[rows]
    keep = groups >= 0
    flat = groups[keep] * n_keys + cols[keep]
    return np.bincount(flat, minlength=n_orgs * n_keys).reshape(n_orgs, n_keys)


def _any_pick(picks, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    if picks is None:
        return out
    if isinstance(picks, Picks):
        out[np.asarray(picks.rows, dtype=np.int64)] = True
        return out
    return np.asarray(picks, dtype=bool).any(axis=1)


def _top(counts, keys: list[str], top: int = TOP) -> list[str]:
    chosen = [i for i in range(len(keys)) if counts[i] > 0]
    chosen.sort(key=lambda i: (-int(counts[i]), keys[i]))
    return [keys[i] for i in chosen[:top]]


def _jaccard(a, b) -> float | None:
    if a is None or b is None:
        return None
    union = set(a) | set(b)
    return len(set(a) & set(b)) / len(union) if union else None


def _matches(a, b) -> list[str] | None:
    if a is None or b is None:
        return None
    return sorted(set(a) & set(b))


class _Data:
    """The culture answers of the profiled organisations, in the form the resampling sums.

    `columns[g]`: (n_g, m + 6) float64 whose column sums give, through `unpack`, the eight type sums
    (now, preferred) of any subset, given its size, and through `log_means` its eight clr means (the
    last six columns are the first three clr parts of now and of preferred; the fourth follows). Both
    ride on the same resamples and relabellings, so the compositional figures cost no extra draws.
    """

    def __init__(self, columns: list[np.ndarray], unpack: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.columns = columns
        self.width = columns[0].shape[1] - 6 if columns else 0
        self._unpack = unpack
        self.sizes = [len(c) for c in columns]

    def unpack(self, sums, size):
        return self._unpack(sums[..., :self.width], size)

    def log_means(self, sums, size):
        return _full_clr(sums[..., self.width:] / size)

    @classmethod
    def build(cls, now: np.ndarray, preferred: np.ndarray, groups: list[np.ndarray], logs: np.ndarray) -> "_Data":
        both = np.concatenate([now, preferred], axis=1)
        parts = [both[idx] for idx in groups]
        log_parts = [logs[idx] for idx in groups]
        largest = max((len(p) for p in parts), default=0)
        whole = all(np.array_equal(p, np.rint(p)) and np.allclose(p[:, :4].sum(axis=1), TOTAL)
                    and np.allclose(p[:, 4:].sum(axis=1), TOTAL) for p in parts)
        if whole and TOTAL * largest < LANE:
            # (clan_now, adhocracy_now), (market_now, clan_preferred), (adhocracy_pref, market_pref)
            def pack(p):
                cols = p[:, [0, 1, 2, 4, 5, 6]]
                return np.ascontiguousarray(cols[:, 0::2] + cols[:, 1::2] * LANE)

            def unpack(sums, size):
                high = np.floor(sums / LANE)
                low = sums - high * LANE
                c_now, a_now, m_now = low[..., 0], high[..., 0], low[..., 1]
                c_pref, a_pref, m_pref = high[..., 1], low[..., 2], high[..., 2]
                total = TOTAL * np.asarray(size, dtype=np.float64)
                return np.stack([c_now, a_now, m_now, total - c_now - a_now - m_now,
                                 c_pref, a_pref, m_pref, total - c_pref - a_pref - m_pref], axis=-1)

            return cls([np.ascontiguousarray(np.concatenate([pack(p), q], axis=1))
                        for p, q in zip(parts, log_parts)], unpack)
        return cls([np.ascontiguousarray(np.concatenate([p, q], axis=1)) for p, q in zip(parts, log_parts)],
                   lambda sums, size: sums)


def _uncertainty(data: _Data, pairs, bootstrap: int, permutations: int, seed: int, progress, threads,
                 boot_all: bool = False):
    """Bootstrap percentile intervals and permutation p-values of distance now and preferred per pair,
    and of the Aitchison distance now and preferred (same resamples, same relabellings); and the
    resampled column sums per group (of every group when `boot_all`, else of those in a pair)."""
    if not pairs and not boot_all:
        return {}, {}
    involved = sorted({g for pair in pairs for g in pair})
    resampled_groups = list(range(len(data.sizes))) if boot_all else involved
    streams = np.random.SeedSequence(seed).spawn(3)
    boot_seeds = dict(zip(range(len(data.sizes)), streams[0].spawn(len(data.sizes))))
    perm_seeds = dict(zip(range(len(data.sizes)), streams[1].spawn(len(data.sizes))))
    pair_rng = np.random.default_rng(streams[2])
    exchanged = {}  # (a, b) -> (P,) how many respondents a relabelling moves each way
    for a, b in pairs:
        na, nb = data.sizes[a], data.sizes[b]
        exchanged[(a, b)] = pair_rng.hypergeometric(nb, na, na, size=permutations)
    needs = {g: [] for g in involved}  # per organisation: (pair, draws of j)
    for (a, b), j in exchanged.items():
        needs[a].append(((a, b), j))
        needs[b].append(((a, b), j))

    tasks = [("boot", g) for g in resampled_groups] + [("perm", g) for g in involved]

    def run(task):
        kind, g = task
        if kind == "boot":
            return _bootstrap_sums(data, g, bootstrap, np.random.default_rng(boot_seeds[g]))
        return _subset_sums(data, g, needs[g], permutations, np.random.default_rng(perm_seeds[g]))

    results = {}
    workers = threads if threads is not None else min(4, os.cpu_count() or 1)
    # progress is reported from the calling thread: a job's progress hook may rely on context
    # variables, which the pool's threads do not inherit
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(run, task): task for task in tasks}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(0.95 * done / len(tasks))

    stats = {}
    for a, b in pairs:
        na, nb = data.sizes[a], data.sizes[b]
        boot_a = data.unpack(results[("boot", a)], na) / (na * DIMENSIONS)
        boot_b = data.unpack(results[("boot", b)], nb) / (nb * DIMENSIONS)
        total_a, total_b = data.columns[a].sum(axis=0), data.columns[b].sum(axis=0)
        observed_a = data.unpack(total_a, na) / (na * DIMENSIONS)
        observed_b = data.unpack(total_b, nb) / (nb * DIMENSIONS)
        leaving_a = results[("perm", a)][(a, b)]  # (P, m): sums of the j respondents a gives away
        leaving_b = results[("perm", b)][(a, b)]
        relabelled_a = total_a - leaving_a + leaving_b
        relabelled_b = total_b - leaving_b + leaving_a
        perm_a = data.unpack(relabelled_a, na) / (na * DIMENSIONS)
        perm_b = data.unpack(relabelled_b, nb) / (nb * DIMENSIONS)
        stats[(a, b)] = {}
        for phase, cols in (("now", slice(0, 4)), ("preferred", slice(4, 8))):
            observed = 0.5 * np.abs(observed_a[cols] - observed_b[cols]).sum()
            resampled = 0.5 * np.abs(boot_a[:, cols] - boot_b[:, cols]).sum(axis=1)
            permuted = 0.5 * np.abs(perm_a[:, cols] - perm_b[:, cols]).sum(axis=1)
            low, high = np.percentile(resampled, [2.5, 97.5])
            # a relabelled distance counts as "at least as large" up to rounding in the last bits
            exceed = int((permuted >= observed - 1e-9 * max(1.0, observed)).sum())
            stats[(a, b)][phase] = {"ci": (float(low), float(high)), "p": (1 + exceed) / (1 + permutations)}
            if phase == "now":
                stats[(a, b)][phase]["quantiles"] = quantiles(resampled)
        logs = {"observed": (data.log_means(total_a, na), data.log_means(total_b, nb)),
                "boot": (data.log_means(results[("boot", a)], na), data.log_means(results[("boot", b)], nb)),
                "perm": (data.log_means(relabelled_a, na), data.log_means(relabelled_b, nb))}
        for phase, cols in (("now", slice(0, 4)), ("preferred", slice(4, 8))):
            observed, resampled, permuted = (np.sqrt(np.square(x[..., cols] - y[..., cols]).sum(axis=-1))
                                             for x, y in (logs["observed"], logs["boot"], logs["perm"]))
            low, high = np.percentile(resampled, [2.5, 97.5])
            exceed = int((permuted >= observed - 1e-9 * max(1.0, observed)).sum())
            stats[(a, b)][f"aitchison_{phase}"] = {"ci": (float(low), float(high)),
                                                   "p": (1 + exceed) / (1 + permutations)}
    return stats, {g: results[("boot", g)] for g in resampled_groups}


def _bootstrap_sums(data: _Data, g: int, replicates: int, rng) -> np.ndarray:
    """(B, m) column sums of B resamples (with replacement, same size) of organisation g."""
    columns, size = data.columns[g], data.sizes[g]
    out = np.empty((replicates, columns.shape[1]))
    step = max(1, CHUNK_ELEMENTS // size)
    for start in range(0, replicates, step):
        rows = min(step, replicates - start)
        draws = rng.integers(0, size, size=(rows, size), dtype=np.int64)
        draws += np.arange(rows, dtype=np.int64)[:, None] * size
        counts = np.bincount(draws.ravel(), minlength=rows * size).reshape(rows, size)
        out[start:start + rows] = counts.astype(np.float64) @ columns
    return out


def _subset_sums(data: _Data, g: int, needs, permutations: int, rng) -> dict:
    """For each pair of g: (P, m) column sums of the first j[p] respondents of the p-th random order of g.

    Only the longest prefix any pair needs is drawn (numpy's `choice` without replacement is a
    partial Fisher–Yates shuffle for populations above 10,000; below, a full permutation is
    cheaper). The prefix sums at the few positions needed come from segment sums (`reduceat`)
    rather than a full running sum.
    """
    columns, size = data.columns[g], data.sizes[g]
    js = np.stack([j for _pair, j in needs])  # (pairs, P)
    longest = js.max(axis=0)  # per permutation, how long a prefix is needed
    out = {pair: np.empty((permutations, columns.shape[1])) for pair, _j in needs}
    columns_t = np.ascontiguousarray(columns.T)  # (m, n_g): one contiguous row per column to gather from
    # a chunk gathers every column: keep it to CHUNK_ELEMENTS × 3 numbers (the packed type sums), so
    # that the clr columns cost time but not memory (the draws do not depend on the chunking)
    step = max(1, CHUNK_ELEMENTS * 3 // (columns.shape[1] * max(1, int(longest.max()))))
    for start in range(0, permutations, step):
        rows = min(step, permutations - start)
        width = max(1, int(longest[start:start + rows].max()))
        order = np.empty((rows, width), dtype=np.int64)
        for r in range(rows):
            if size > 10_000:
                order[r] = rng.choice(size, width, replace=False)
            else:
                order[r] = rng.permutation(size)[:width]
        gathered = np.take(columns_t, order, axis=1).reshape(columns.shape[1], rows * width)
        wanted = js[:, start:start + rows].T  # (rows, pairs)
        row_start = np.arange(rows, dtype=np.int64) * width
        cuts = np.sort(wanted, axis=1)
        fresh = np.ones(cuts.shape, dtype=bool)
        fresh[:, 1:] = cuts[:, 1:] != cuts[:, :-1]
        keep = fresh & (cuts > 0) & (cuts < width)
        cut_rows, cut_cols = np.nonzero(keep)
        starts = np.sort(np.concatenate([row_start, row_start[cut_rows] + cuts[cut_rows, cut_cols]]))
        segments = np.add.reduceat(gathered, starts, axis=1)  # (m, segments)
        running = np.zeros((columns.shape[1], segments.shape[1] + 1))
        np.cumsum(segments, axis=1, out=running[:, 1:])
        first = np.searchsorted(starts, row_start)  # each row's first segment
        for pair, j in needs:
            upto = np.searchsorted(starts, row_start + j[start:start + rows])
            out[pair][start:start + rows] = (running[:, upto] - running[:, first]).T
    return out
