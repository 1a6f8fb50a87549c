"""Drivers and eNPS (issue 21 point 4; saas/reports/drivers.py, saas/anonymity/drivers.py), recomputed
independently on generated data, as the comparison's tests do: relative weights against an exact
Shapley (LMG) decomposition of R² where predictors are uncorrelated (both are then the squared
correlations), against Johnson's own route through the singular value decomposition of the data, and
against R² of an ordinary least-squares fit; the bootstrap's weighted moments against the resampled rows
themselves; eNPS by plain counting; the minimum-n rule as the README states it. Pure NumPy: no app."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from saas.anonymity import drivers as rule
from saas.reports import drivers


def _r2(X, y) -> float:
    """R² of an ordinary least-squares fit with an intercept (numpy.linalg.lstsq)."""
    A = np.column_stack([np.ones(len(y)), X]) if X.shape[1] else np.ones((len(y), 1))
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    residual = y - A @ coef
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def _shapley(X, y) -> np.ndarray:
    """The exact Shapley value (LMG) of each predictor's share of R², over all subsets."""
    p = X.shape[1]
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            for subset in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                out[j] += weight * (_r2(X[:, list(subset) + [j]], y) - _r2(X[:, list(subset)], y))
    return out


def _johnson_by_svd(X, y) -> np.ndarray:
    """Johnson's (1990) route: standardise; X = U S Wᵀ; Z = U Wᵀ, the orthonormal matrix closest to X;
    β from regressing y on Z, Λ from regressing X on Z (least squares); ε_j = Σ_k Λ_jk² β_k²."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ys = (y - y.mean()) / y.std()
    U, _S, Wt = np.linalg.svd(Xs / math.sqrt(len(y)), full_matrices=False)
    Z = U @ Wt * math.sqrt(len(y))
    beta, *_ = np.linalg.lstsq(Z, ys, rcond=None)
    Lambda, *_ = np.linalg.lstsq(Z, Xs, rcond=None)  # Xs ≈ Z Λ: Λ[k, j] ties predictor j to Z_k
    return (Lambda.T ** 2) @ (beta ** 2)


def test_uncorrelated_predictors_weigh_their_squared_correlations_as_shapley_does():
    rng = np.random.default_rng(1)
    n, p = 200, 4
    raw = rng.normal(size=(n, p))
    raw -= raw.mean(axis=0)
    Q, _ = np.linalg.qr(raw)  # exactly uncorrelated columns with mean 0
    X = Q * 10 + 3
    y = X @ np.array([0.5, -0.3, 0.2, 0.0]) + rng.normal(size=n) * 2
    epsilon, r2 = drivers.weights_of(X, y)
    squared = np.array([np.corrcoef(X[:, j], y)[0, 1] ** 2 for j in range(p)])
    assert epsilon == pytest.approx(squared, abs=1e-10)
    assert epsilon == pytest.approx(_shapley(X, y), abs=1e-10)
    assert r2 == pytest.approx(_r2(X, y), abs=1e-10)


def test_correlated_predictors_agree_with_johnsons_route_and_sum_to_r_squared():
    rng = np.random.default_rng(2)
    n = 300
    common = rng.normal(size=n)
    X = np.column_stack([common + rng.normal(size=n) * 0.5, common + rng.normal(size=n) * 0.8,
                         rng.normal(size=n), (rng.random(n) < 0.3).astype(float)])
    y = X[:, 0] + 0.5 * X[:, 2] + 0.8 * X[:, 3] + rng.normal(size=n)
    epsilon, r2 = drivers.weights_of(X, y)
    assert epsilon == pytest.approx(_johnson_by_svd(X, y), abs=1e-9)
    assert epsilon.sum() == pytest.approx(r2, abs=1e-12)
    assert r2 == pytest.approx(_r2(X, y), abs=1e-10)
    assert (epsilon >= 0).all()
    # with correlated predictors the weights still rank the strongest one first, and are close to Shapley's
    assert np.argmax(epsilon) == 0
    assert epsilon == pytest.approx(_shapley(X, y), abs=0.03)


def test_a_predictor_without_variance_weighs_nothing():
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=50), np.ones(50)])
    y = X[:, 0] + rng.normal(size=50)
    epsilon, r2 = drivers.weights_of(X, y)
    assert epsilon[1] == 0
    assert epsilon[0] == pytest.approx(r2) == pytest.approx(_r2(X[:, :1], y))


def test_the_bootstraps_moments_are_those_of_the_resampled_rows():
    rng = np.random.default_rng(4)
    Z = np.column_stack([rng.normal(size=40), rng.integers(0, 2, size=40), rng.normal(size=40)])
    counts = rng.multinomial(40, np.full(40, 1 / 40))
    rows = np.repeat(Z, counts, axis=0)  # the resample itself
    C = drivers.correlations(40, counts @ Z, (Z * counts[:, None]).T @ Z)
    assert C == pytest.approx(np.corrcoef(rows, rowvar=False), abs=1e-12)
    stored = drivers.bootstrap_moments(Z, np.array([1] * 25 + [2] * 15), draws=7)
    assert sorted(stored) == [1, 2] and stored[1][2] == 25 and stored[2][2] == 15
    # each draw of a stratum is n of its rows: the first column's sum lies between n × min and n × max
    for label, size in ((1, 25), (2, 15)):
        part = Z[:25] if label == 1 else Z[25:]
        sums = stored[label][0][:, 0]
        assert (sums >= size * part[:, 0].min() - 1e-9).all() and (sums <= size * part[:, 0].max() + 1e-9).all()
    again = drivers.bootstrap_moments(Z, np.array([1] * 25 + [2] * 15), draws=7)
    assert all((again[s][0] == stored[s][0]).all() for s in stored)  # seeded: the same answers, the same draws


def test_enps_is_promoters_minus_detractors_by_plain_counting():
    answers = [10, 9, 9, 8, 7, 6, 0, 3, 10, 5, 9, 8]
    promoters = sum(1 for a in answers if a in (9, 10))  # 5
    detractors = sum(1 for a in answers if a <= 6)  # 4
    figure = drivers.enps(answers)
    assert figure["score"] == round(100 * (promoters - detractors) / len(answers)) == 8
    assert figure["promoters"] == round(100 * 5 / 12, 1) and figure["detractors"] == round(100 * 4 / 12, 1)
    assert figure["passives"] == round(100 * 3 / 12, 1)
    assert drivers.enps([10] * 7)["score"] == 100 and drivers.enps([6] * 7)["score"] == -100
    assert drivers.enps([7, 8] * 4)["score"] == 0


def test_the_enps_interval_is_a_percentile_bootstrap_of_the_answers():
    rng = np.random.default_rng(5)
    answers = rng.integers(0, 11, size=200)
    figure = drivers.enps(answers)
    # an independent brute-force bootstrap: resampling the answers themselves with another generator
    other = np.random.default_rng(99)
    scores = [drivers.enps_score(answers[other.integers(0, 200, size=200)]) for _ in range(2000)]
    low, high = np.percentile(scores, [2.5, 97.5])
    assert abs(figure["interval"][0] - low) <= 3 and abs(figure["interval"][1] - high) <= 3
    assert figure["interval"][0] <= figure["score"] <= figure["interval"][1]
    assert drivers.enps(answers) == figure  # seeded


def test_the_minimum_number_of_respondents_is_max_of_k_ten_per_predictor_and_30():
    assert rule.drivers_min_n(1, 5) == 30
    assert rule.drivers_min_n(4, 5) == 40
    assert rule.drivers_min_n(2, 35) == 35
    assert rule.drivers_min_n(7, 10) == 70
    assert rule.drivers_shown(40, 4, 5) and not rule.drivers_shown(39, 4, 5)
    assert not rule.drivers_shown(1000, 0, 5)  # nothing to weigh
    assert rule.indicator_usable(5, 10, 5) and not rule.indicator_usable(4, 100, 5) \
        and not rule.indicator_usable(96, 100, 5)


def test_the_normal_limit_of_the_resampled_sums_gives_the_intervals_of_resampling_itself():
    """Above drivers.EXACT_MAX respondents the bootstrap draws each stratum's sums from their normal limit:
    on 2,500 generated answers (two strata) its intervals match those of resampling the answers."""
    rng = np.random.default_rng(6)
    n = 2500
    common = rng.normal(size=n)
    X = np.column_stack([np.clip(np.rint(3 + common + rng.normal(size=n)), 1, 5), (rng.random(n) < 0.3),
                         (common + rng.normal(size=n) > 0.5)]).astype(float)
    y = 0.4 * X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n)
    Z, strata = np.column_stack([X, y]), (rng.random(n) < 0.4).astype(int)

    def intervals(exact_max):
        boots = drivers.bootstrap_moments(Z, strata, exact_max=exact_max)
        D = drivers.correlations(np.full(drivers.DRAWS, n), sum(b[0] for b in boots.values()),
                                 sum(b[1] for b in boots.values()))
        weights, _r2 = drivers.relative_weights(D[:, :3, :3], D[:, :3, 3])
        return np.percentile(weights, drivers.LEVEL, axis=0)

    exact, limit = intervals(10 ** 9), intervals(0)
    width = exact[1] - exact[0]
    assert (np.abs(limit - exact) <= 0.15 * width + 1e-4).all(), (exact, limit)


def test_a_wave_without_the_values_weighs_its_own_questions_and_a_small_group_gets_only_its_reason():
    """A wave that did not ask the values has answers without them: its own questions are still weighed (the
    values were first required of every respondent, which left none). A group under the minimum says why."""
    from types import SimpleNamespace

    rng = np.random.default_rng(8)
    n = 60
    q1 = rng.integers(1, 6, n).astype(float)
    data = SimpleNamespace(n=n, verified=np.ones(n, bool), contract=q1 / 2 + rng.normal(size=n),
                           enps=np.full(n, np.nan), has={"values": np.zeros(n, bool)}, likert={"q1": q1},
                           org=np.array([1] * 35 + [2] * 25), value_keys=["trust"],
                           picks={"personal": np.zeros((n, 1), bool), "org_current": np.zeros((n, 1), bool)})
    out = drivers.release_drivers(data, 5, ["q1"], ["contract"], {None: {"contract": None}, 1: {"contract": None},
                                                                  2: {"contract": None}})
    [whole] = out[None]["outcomes"]
    assert whole["n"] == 60 and [w["key"] for w in whole["weights"]] == ["q1"]
    assert whole["weights"][0]["weight"] == pytest.approx(np.corrcoef(q1, data.contract)[0, 1] ** 2, abs=1e-4)
    assert out[1]["outcomes"][0]["n"] == 35
    assert out[2] == {"outcomes": [{"outcome": "contract", "hidden": rule.TOO_FEW_FOR_DRIVERS}]}
