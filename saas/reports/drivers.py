"""Drivers and eNPS of a wave's release (issue 21 point 4): plain NumPy, no Flask, no database.

Computed once, in the release job (saas.reports.release), from the wave's answers, and stored with the
release; pages, JSON, CSV and PDF only read what is stored. What may be shown is decided by
saas.anonymity.drivers (the minimum number of respondents, which 0/1 predictors may enter) and by the
release's audit (which groups and measures are shown at all). Definitions (README, "Drivers and eNPS"):

- eNPS of a group: over its answers to the question (0–10), 100 × (promoters − detractors) / n, where
  promoters answered 9 or 10 and detractors 0 to 6; from −100 to 100, stored as a whole number.
  Its interval: the 2.5th and 97.5th percentiles of the eNPS of DRAWS resamples of the group's answers
  with replacement (each a multinomial draw of n answers with the group's shares of promoters, passives
  and detractors, which is the same thing), from a generator seeded with (SEED, organisation, team).
- relative weights (Johnson 1990) of p predictors for one outcome, over a group's respondents: R, the
  p × p correlation matrix of the predictors, and r, their correlations with the outcome; the
  eigen-decomposition R = V Δ Vᵀ; Λ = V Δ^{1/2} Vᵀ (the correlations between the predictors and their
  closest orthonormal counterparts Z = X R^{−1/2}); β = Λ^{−1} r, the regression weights of the outcome
  on Z; ε_j = Σ_k λ_jk² β_k². The ε_j add up to R² (Σ_j λ_jk² = 1 for every k, and Σ_k β_k² = rᵀR^{−1}r),
  and are also given as % of R². A predictor without variance has correlation 0 with everything.
- intervals of the weights: a bootstrap stratified by legacy organisation (respondents without one are
  a stratum of their own): each of DRAWS draws resamples every stratum's respondents with replacement;
  the whole organisation's weights use all strata of a draw, a legacy organisation's only its own (so
  it is a plain bootstrap of that organisation). The interval is the 2.5th–97.5th percentile (NumPy's
  linear interpolation) of the draws' weights; the draws come from a generator per stratum spawned
  from SEED, so the same answers give the same intervals. Weights depend on the answers only through
  sums of values and of products, so a draw is its resampled sums; with more than EXACT_MAX respondents
  in all, each stratum draws those from their normal limit (`bootstrap_moments`).
"""
from __future__ import annotations

import numpy as np

from saas.anonymity import drivers as rule

DRAWS = 1000  # bootstrap draws for the eNPS and the weights
SEED = 2104  # issue 21, point 4
LEVEL = (2.5, 97.5)  # a 95 % percentile interval
VALUES_MAX = 5  # at most this many values enter as predictors (the most often aligned ones)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
CHUNK_ELEMENTS = 1 << 19  # respondent-draws per chunk of the bootstrap (memory stays small)
EXACT_MAX = 2000  # with more respondents in all, the bootstrap's sums come from their normal limit
_TOLERANCE = 1e-10


# ---- eNPS ------------------------------------------------------------------------------------

def enps_score(answers) -> float:
    """100 × (share of 9–10 − share of 0–6), unrounded."""
    answers = np.asarray(answers)
    n = len(answers)
    return 100.0 * (int((answers >= PROMOTER_MIN).sum()) - int((answers <= DETRACTOR_MAX).sum())) / n


def enps(answers, org: int | None = None, team: int | None = None, draws: int = DRAWS) -> dict:
    """A group's eNPS figures from its answers (0–10): {n, score, promoters, passives, detractors (% of n),
    interval}."""
    answers = np.asarray(answers)
    n = len(answers)
    promoters = int((answers >= PROMOTER_MIN).sum())
    detractors = int((answers <= DETRACTOR_MAX).sum())
    rng = np.random.default_rng([SEED, org or 0, team or 0])
    drawn = rng.multinomial(n, [promoters / n, detractors / n, (n - promoters - detractors) / n], size=draws)
    scores = 100.0 * (drawn[:, 0] - drawn[:, 1]) / n
    low, high = np.percentile(scores, LEVEL)
    return {"n": n, "score": round(100 * (promoters - detractors) / n),
            "promoters": round(100 * promoters / n, 1), "passives": round(100 * (n - promoters - detractors) / n, 1),
            "detractors": round(100 * detractors / n, 1), "interval": [round(float(low)), round(float(high))]}


# ---- relative weights -------------------------------------------------------------------------

def relative_weights(R, r) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's relative weights from correlations: R (…, p, p) among the predictors, r (…, p) with the
    outcome (stacks of them work too). Returns (ε (…, p), R² (…)). With r (…, p, m), m outcomes at once (one
    eigen-decomposition): ε (…, p, m), R² (…, m)."""
    R, r = np.asarray(R, dtype=float), np.asarray(r, dtype=float)
    single = r.ndim == R.ndim - 1
    if single:
        r = r[..., None]
    delta, V = np.linalg.eigh(R)
    delta = np.clip(delta, 0.0, None)
    root = np.sqrt(delta)
    Lambda = (V * root[..., None, :]) @ np.swapaxes(V, -1, -2)
    inverse_root = np.where(root > _TOLERANCE * np.maximum(root.max(axis=-1, keepdims=True), 1.0),
                            1.0 / np.where(root > 0, root, 1.0), 0.0)
    inverse = (V * inverse_root[..., None, :]) @ np.swapaxes(V, -1, -2)
    beta = inverse @ r  # (…, p, m)
    epsilon = (Lambda ** 2) @ (beta ** 2)
    r2 = (beta ** 2).sum(axis=-2)
    return (epsilon[..., 0], r2[..., 0]) if single else (epsilon, r2)


def correlations(n, s1, s2) -> np.ndarray:
    """Correlation matrices from moments: n respondents, s1 (…, q) sums, s2 (…, q, q) sums of products.
    A column without variance correlates 0 with everything (1 with itself)."""
    n = np.asarray(n, dtype=float)[..., None]
    mean = s1 / n
    cov = s2 / n[..., None] - mean[..., :, None] * mean[..., None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0.0, None))
    ok = sd > _TOLERANCE * np.maximum(np.abs(mean), 1.0)
    scale = np.where(ok, 1.0 / np.where(ok, sd, 1.0), 0.0)
    corr = cov * scale[..., :, None] * scale[..., None, :]
    q = corr.shape[-1]
    eye = np.eye(q, dtype=bool)
    return np.where(eye, 1.0, np.clip(corr, -1.0, 1.0))


def weights_of(X, y) -> tuple[np.ndarray, float]:
    """Relative weights of the columns of X (n, p) for y (n,): (ε, R²)."""
    Z = np.column_stack([np.asarray(X, dtype=float), np.asarray(y, dtype=float)])
    C = correlations(len(Z), Z.sum(axis=0), Z.T @ Z)
    p = Z.shape[1] - 1
    epsilon, r2 = relative_weights(C[:p, :p], C[:p, p])
    return epsilon, float(r2)


def bootstrap_moments(Z, strata, draws: int = DRAWS, seed: int = SEED, exact_max: int = None) -> dict:
    """Per stratum, the sums over DRAWS resamples (with replacement, within the stratum) of Z's columns
    and of their products: {stratum: (sums (draws, q), products (draws, q, q), size)}; strata in sorted
    order, each from its own generator spawned from `seed`.

    With at most `exact_max` (EXACT_MAX) respondents in all, each stratum is resampled exactly: multinomial
    counts (a bincount of random indices) times its rows. With more, each draws its sums from their normal limit,
    N(size × μ, size × Σ), μ and Σ the mean and covariance of its respondents' vectors of values and
    products: the distribution the resampled sums approach (the central limit theorem; from 2,000 respondents
    on the two give the same intervals, tests/test_drivers_maths.py), at a cost that hardly grows with the
    respondents (resampling 100,000 answers 1,000 times would take some 40 s on two cores)."""
    exact_max = EXACT_MAX if exact_max is None else exact_max
    Z = np.asarray(Z, dtype=float)
    q = Z.shape[1]
    upper = np.triu_indices(q)
    labels = sorted(set(np.asarray(strata).tolist()))
    streams = np.random.SeedSequence(seed).spawn(len(labels))
    out = {}
    for label, stream in zip(labels, streams):
        rows = Z[np.asarray(strata) == label]
        size = len(rows)
        F = np.column_stack([rows, rows[:, upper[0]] * rows[:, upper[1]]])  # (size, q + q(q+1)/2)
        rng = np.random.default_rng(stream)
        if len(Z) > exact_max:
            mean = F.mean(axis=0)
            centred = F - mean
            delta, V = np.linalg.eigh(centred.T @ centred / size)
            root = V * np.sqrt(np.clip(delta, 0.0, None))[None, :]
            drawn = size * mean[None, :] + np.sqrt(size) * rng.standard_normal((draws, F.shape[1])) @ root.T
        else:
            drawn = np.empty((draws, F.shape[1]))
            FT = F.T  # (columns, size) @ (size, b): the faster orientation for BLAS here
            step = max(1, CHUNK_ELEMENTS // max(size, 1))
            for start in range(0, draws, step):
                b = min(step, draws - start)
                picks = rng.integers(0, size, size=(b, size)) + (np.arange(b) * size)[:, None]
                counts = np.bincount(picks.ravel(), minlength=b * size).reshape(b, size).astype(float)
                drawn[start:start + b] = (FT @ counts.T).T
        full = np.zeros((draws, q, q))
        full[:, upper[0], upper[1]] = drawn[:, q:]
        full[:, upper[1], upper[0]] = drawn[:, q:]
        out[label] = (drawn[:, :q], full, size)
    return out


# ---- a release's drivers ------------------------------------------------------------------------

def predictors_of(data, cases: np.ndarray, questions: list[str], k: int) -> list[dict]:
    """The candidate predictors of a release: the wave's own scale questions shown for the whole wave
    (`questions`), then at most VALUES_MAX values, those most often chosen both as one's own and as seen in
    the organisation today among the whole wave's `cases` (ties by key), of those that may enter there
    (saas.anonymity.drivers.indicator_usable). Each group uses the values that may enter in it."""
    found = [{"kind": "question", "key": key, "column": data.likert[key]} for key in questions]
    if not _asks_values(data):
        return found
    aligned = data.picks["personal"] & data.picks["org_current"]  # (n, V)
    counts = aligned[cases].sum(axis=0)
    total = int(cases.sum())
    order = sorted((i for i in range(len(data.value_keys)) if rule.indicator_usable(int(counts[i]), total, k)),
                   key=lambda i: (-counts[i], data.value_keys[i]))
    return found + [{"kind": "value", "key": data.value_keys[i], "column": aligned[:, i].astype(float)}
                    for i in order[:VALUES_MAX]]


def release_drivers(data, k: int, questions: list[str], outcomes: list[str], groups: dict,
                    draws: int = DRAWS) -> dict:
    """The drivers of a release's groups: `groups` maps a group (None: the whole wave, else a legacy
    organisation's id) to the outcomes shown for it ({outcome: None, or the release's reason to hide it}).
    `outcomes`: "contract" and/or "enps", those the whole wave shows; `questions`: the own scale questions
    shown for the whole wave. Only verified answers with every outcome and predictor count (open-link
    answers could be anyone's, so a regression must not rest on them). Returns {group: {"outcomes": […]}}."""
    if not outcomes or None not in groups:
        return {}
    outcome_columns = {"contract": data.contract, "enps": data.enps}
    base = data.verified.copy() if data.verified is not None else np.ones(data.n, dtype=bool)
    for outcome in outcomes:
        base &= ~np.isnan(outcome_columns[outcome])
    if _asks_values(data):
        base &= data.has["values"]
    for key in questions:
        base &= ~np.isnan(data.likert[key])
    masks = {g: base if g is None else base & (data.org == g) for g in groups}
    predictors = predictors_of(data, base, questions, k)
    # per group: the questions, and the values that may enter in it (at least k have it, at least k do not)
    used = {g: [i for i, pr in enumerate(predictors) if pr["kind"] == "question"
                or rule.indicator_usable(int(pr["column"][masks[g]].sum()), int(masks[g].sum()), k)] for g in groups}
    shown = {g: rule.drivers_shown(int(masks[g].sum()), len(used[g]), k) for g in groups}
    out = {g: {"outcomes": [{"outcome": o, "hidden": groups[g].get(o) or (None if shown[g] else rule.TOO_FEW_FOR_DRIVERS)}
                            for o in outcomes]} for g in groups}
    if not any(shown.values()):
        return out
    cases = base
    p = len(predictors)
    Z = np.column_stack([pr["column"][cases] for pr in predictors] + [outcome_columns[o][cases] for o in outcomes])
    strata = data.org[cases]
    boots = bootstrap_moments(Z, strata, draws)
    for g, entry in out.items():
        if not shown[g]:
            continue
        inside = np.ones(len(Z), dtype=bool) if g is None else strata == g
        rows = Z[inside]
        C = correlations(len(rows), rows.sum(axis=0), rows.T @ rows)
        labels = [label for label in boots if g is None or label == g]
        n_draw = sum(boots[label][2] for label in labels)
        s1 = sum(boots[label][0] for label in labels)
        s2 = sum(boots[label][1] for label in labels)
        D = correlations(np.full(draws, n_draw), s1, s2)
        cols = np.array(used[g])
        ys = p + np.arange(len(outcomes))
        every, every_r2 = relative_weights(C[np.ix_(cols, cols)], C[np.ix_(cols, ys)])  # all outcomes at once
        all_drawn, all_drawn_r2 = relative_weights(D[:, cols[:, None], cols[None, :]], D[:, cols[:, None], ys[None, :]])
        for j, item in enumerate(entry["outcomes"]):
            if item["hidden"]:
                continue
            column = p + j
            epsilon, r2, drawn, drawn_r2 = every[:, j], every_r2[j], all_drawn[:, :, j], all_drawn_r2[:, j]
            shares = 100 * drawn / np.where(drawn_r2 > 0, drawn_r2, 1.0)[:, None]
            low, high = np.percentile(drawn, LEVEL, axis=0)
            share_low, share_high = np.percentile(shares, LEVEL, axis=0)
            r2_low, r2_high = np.percentile(drawn_r2, LEVEL)
            weights = []
            for i, predictor in enumerate(predictors[c] for c in cols):
                weights.append({"kind": predictor["kind"], "key": predictor["key"],
                                "direction": int(np.sign(round(float(C[cols[i], column]), 6))),
                                "weight": round(float(epsilon[i]), 4),
                                "interval": [round(float(low[i]), 4), round(float(high[i]), 4)],
                                "share": round(float(100 * epsilon[i] / r2), 1) if r2 > 0 else 0.0,
                                "share_interval": [round(float(share_low[i]), 1), round(float(share_high[i]), 1)]})
            weights.sort(key=lambda w: (-w["weight"], w["kind"], w["key"]))
            item.update(n=len(rows), predictors=len(cols), r2=round(float(r2), 3),
                        r2_interval=[round(float(r2_low), 3), round(float(r2_high), 3)], weights=weights)
    return out


def _asks_values(data) -> bool:
    """Whether the wave asked the values (then every answer has them): a wave without them has no value predictors."""
    return "values" in data.has and bool(data.has["values"].any()) and bool(data.value_keys)
