"""The compositional figures of the comparison (issue 21 point 2): the Aitchison distance between two
legacy organisations' culture profiles, its bootstrap interval and its permutation test on log-ratios,
recomputed here by another route (plain loops, the pairwise log-ratio form, every relabelling), and
shown beside the points distance on the page, in the report's JSON and CSV, only for released groups."""
from __future__ import annotations

import csv
import io
import itertools
import math

import numpy as np
import pytest
from sqlalchemy import select

from saas.comparison import maths, service, synth
from saas.reports.release import release_and_compare
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation, Tenant
from tests.helpers import signed_in

DELTA = 0.65 / 6  # 65 % of the smallest non-zero type mean (1 point in 1 of the 6 dimensions)


def _answers(org, now, preferred):
    n = len(org)
    return maths.WaveAnswers(org_codes=[f"O{g}" for g in range(max(org) + 1)], org=np.array(org),
                             culture_now=np.asarray(now, dtype=float),
                             culture_preferred=np.asarray(preferred, dtype=float),
                             value_keys=["trust"], limiting=np.array([False]), picks={},
                             contract=np.full(n, math.nan))


def _points(rng, n, lean, zeros=0.0):
    """(n, 6, 4) whole points per dimension adding up to 100, leaning to `lean`; with `zeros`, that share
    of the respondents gives one type nothing at all (a zero type mean)."""
    out = np.empty((n, 6, 4))
    for i in range(n):
        nothing = rng.integers(0, 4) if rng.random() < zeros else None
        for d in range(6):
            weights = np.array(lean, dtype=float) * rng.uniform(0.5, 1.5, 4)
            if nothing is not None:
                weights[nothing] = 0
            row = rng.multinomial(100, weights / weights.sum())
            out[i, d] = row
    return out


# ---- the same figures by another route -------------------------------------------------------------

def _replaced(composition):
    """Multiplicative replacement, one respondent at a time, in points (the composition adds up to 100)."""
    zeros = sum(1 for x in composition if x == 0)
    return [DELTA if x == 0 else x * (1 - zeros * DELTA / 100) for x in composition]


def _centre(points):
    """The closure (to 100) of the per-type geometric mean of the respondents' replaced type means."""
    means = [[sum(p[d][t] for d in range(6)) / 6 for t in range(4)] for p in points]
    replaced = [_replaced(m) for m in means]
    geometric = [math.exp(sum(math.log(r[t]) for r in replaced) / len(replaced)) for t in range(4)]
    return [100 * g / sum(geometric) for g in geometric]


def _pairwise(x, y):
    """d² = 1/(2D) Σ_i Σ_j (ln(x_i/x_j) − ln(y_i/y_j))²: the Aitchison distance without any clr."""
    D = len(x)
    total = sum((math.log(x[i] / x[j]) - math.log(y[i] / y[j])) ** 2 for i in range(D) for j in range(D))
    return math.sqrt(total / (2 * D))


def test_the_aitchison_distance_and_centres_match_the_pairwise_log_ratio_form():
    rng = np.random.default_rng(4)
    a, b = _points(rng, 40, [4, 2, 1, 2], zeros=0.3), _points(rng, 30, [1, 2, 4, 2], zeros=0.3)
    assert (a.mean(axis=1) == 0).any() and (b.mean(axis=1) == 0).any()  # zeros to be replaced
    both = np.concatenate([a, b])
    result = maths.compare(_answers([0] * 40 + [1] * 30, both, both[::-1]), k=5, bootstrap=100, permutations=100)
    [pair] = result.pairs
    centre_a, centre_b = _centre(a), _centre(b)
    assert list(result.details["O0"]["centre_now"].values()) == pytest.approx(centre_a, rel=1e-9)
    assert list(result.details["O1"]["centre_now"].values()) == pytest.approx(centre_b, rel=1e-9)
    assert sum(result.details["O0"]["centre_now"].values()) == pytest.approx(100)
    assert pair["aitchison_now"] == pytest.approx(_pairwise(centre_a, centre_b), rel=1e-9)
    preferred = both[::-1]
    assert pair["aitchison_preferred"] == pytest.approx(_pairwise(_centre(preferred[:40]), _centre(preferred[40:])),
                                                        rel=1e-9)
    # the geometric-mean centre is not the arithmetic profile the points distance uses
    assert list(result.orgs[0]["profile_now"].values()) != pytest.approx(centre_a, abs=0.1)
    assert pair["ci_aitchison_now"][0] <= pair["aitchison_now"] <= pair["ci_aitchison_now"][1]


def test_scale_invariance_permutation_of_parts_and_zero_for_equal_profiles():
    x, y = np.array([50.0, 20.0, 10.0, 20.0]), np.array([10.0, 30.0, 40.0, 20.0])
    d = maths.aitchison(x, y)
    assert d == pytest.approx(_pairwise(x, y))
    assert maths.aitchison(3 * x, y / 7) == pytest.approx(d)  # the scale of a composition does not matter
    order = [2, 0, 3, 1]
    assert maths.aitchison(x[order], y[order]) == pytest.approx(d)  # nor the order of its parts
    assert maths.aitchison(x, 6 * x) == 0.0
    assert maths.clr(x).sum() == pytest.approx(0)
    assert maths.replace_zeros([[0, 50, 50, 0]]).sum() == pytest.approx(100)  # still adds up to 100
    replaced = maths.replace_zeros([[0, 60, 40, 0]])[0]
    assert replaced[0] == DELTA and replaced[1] / replaced[2] == pytest.approx(60 / 40)  # ratios kept
    rng = np.random.default_rng(1)
    same = _points(rng, 12, [2, 1, 1, 2])
    result = maths.compare(_answers([0] * 12 + [1] * 12, np.concatenate([same, same]), np.concatenate([same, same])),
                           k=5, bootstrap=100, permutations=200)
    [pair] = result.pairs
    assert pair["aitchison_now"] == pytest.approx(0, abs=1e-12) and pair["p_aitchison_now"] == 1.0


def test_the_permutation_p_value_matches_every_relabelling():
    """Five and four respondents: all 126 relabellings give the exact p; the test's 20,000 random ones
    (with the +1 correction) come close to it."""
    rng = np.random.default_rng(7)
    a, b = _points(rng, 5, [3, 2, 1, 2], zeros=0.2), _points(rng, 4, [2, 2, 2, 2], zeros=0.2)
    both = np.concatenate([a, b])
    permutations = 20_000
    result = maths.compare(_answers([0] * 5 + [1] * 4, both, both), k=2, bootstrap=100,
                           permutations=permutations, seed=3)
    [pair] = result.pairs
    observed = _pairwise(_centre(a), _centre(b))
    at_least = total = 0
    for chosen in itertools.combinations(range(9), 5):
        rest = [i for i in range(9) if i not in chosen]
        at_least += _pairwise(_centre(both[list(chosen)]), _centre(both[rest])) >= observed - 1e-9
        total += 1
    assert total == 126
    assert pair["p_aitchison_now"] == pytest.approx(at_least / total, abs=0.015)
    count = pair["p_aitchison_now"] * (1 + permutations)  # (1 + #{≥ observed}): a whole number
    assert count == pytest.approx(round(count), abs=1e-6) and round(count) >= 1
    again = maths.compare(_answers([0] * 5 + [1] * 4, both, both), k=2, bootstrap=100,
                          permutations=permutations, seed=3)
    assert again.pairs == result.pairs  # a fixed seed: a release's figures are reproducible


def test_the_bootstrap_interval_matches_resampling_by_brute_force():
    rng = np.random.default_rng(2)
    a, b = _points(rng, 8, [3, 2, 1, 2], zeros=0.2), _points(rng, 6, [1, 2, 3, 2], zeros=0.2)
    both = np.concatenate([a, b])
    result = maths.compare(_answers([0] * 8 + [1] * 6, both, both), k=2, bootstrap=4000, permutations=100, seed=5)
    clr_a, clr_b = maths.clr(a.sum(axis=1)), maths.clr(b.sum(axis=1))
    brute = []
    for _ in range(4000):
        mean_a = clr_a[rng.integers(0, 8, 8)].mean(axis=0)
        mean_b = clr_b[rng.integers(0, 6, 6)].mean(axis=0)
        brute.append(float(np.sqrt(((mean_a - mean_b) ** 2).sum())))
    low, high = np.percentile(brute, [2.5, 97.5])
    assert result.pairs[0]["ci_aitchison_now"] == pytest.approx([low, high], abs=0.12)


def test_p_is_small_for_clearly_different_groups_and_not_for_groups_drawn_alike():
    rng = np.random.default_rng(11)
    lean = [3, 2, 1, 2]
    different = np.concatenate([_points(rng, 30, lean, zeros=0.1), _points(rng, 30, [1, 2, 3, 2], zeros=0.1)])
    alike = np.concatenate([_points(rng, 30, lean, zeros=0.1), _points(rng, 30, lean, zeros=0.1)])
    org = [0] * 30 + [1] * 30
    [apart] = maths.compare(_answers(org, different, different), k=5, bootstrap=100, permutations=999, seed=0).pairs
    [close] = maths.compare(_answers(org, alike, alike), k=5, bootstrap=100, permutations=999, seed=0).pairs
    assert apart["p_aitchison_now"] == 1 / 1000  # the smallest there is: no relabelling came close
    assert close["p_aitchison_now"] > 0.05
    assert close["aitchison_now"] < apart["aitchison_now"]


# ---- shown where the release shows the group, nowhere else -----------------------------------------

def test_the_page_json_and_csv_show_the_aitchison_distance_only_for_released_groups(app, make):
    tenant = make.tenant("aitch", legacy_orgs=("AAL", "BEE", "CUR", "DRO"))
    make.member(tenant, "mia@aitch.example", roles=["management"])
    with make.session(tenant.id) as db:
        [wave_id] = synth.synthesise(db, respondents=60, legacy_orgs=3, waves=1, seed=11)
        dro = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == "DRO"))
        synth.add_answers(db, db.get(Wave, wave_id), dro, 3, archetype=3, seed=2)  # fewer than k = 5
        synth.add_answers(db, db.get(Wave, wave_id), None, 5, archetype=4, seed=3)
        result = release_and_compare(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id),
                                     params=service.parameters(bootstrap=100, permutations=100)).comparison.result
    pairs = {(p["a"], p["b"]): p for p in result["pairs"]}
    assert set(pairs) == {("AAL", "BEE"), ("AAL", "CUR"), ("BEE", "CUR")}  # nothing with DRO
    ab = pairs[("AAL", "BEE")]
    assert ab["aitchison_now"] > 0 and ab["ci_aitchison_now"][0] <= ab["aitchison_now"] <= ab["ci_aitchison_now"][1]

    mia = signed_in(app, "mia@aitch.example")
    page = mia.text(f"/t/aitch/comparisons/waves/{wave_id}")
    assert "Aitchison distances between the legacy organisations" in page
    assert "Which to read for what" in page
    shown = f"{ab['aitchison_now']:.2f}"
    assert shown in page and "DRO–" not in page and "–DRO" not in page

    report = mia.get(f"/t/aitch/reports/waves/{wave_id}.json").get_json()
    reported = {(p["a"], p["b"]): p for p in report["comparisons"]["pairs"]}
    assert set(reported) == set(pairs)
    assert reported[("AAL", "BEE")]["aitchison_now"] == ab["aitchison_now"]
    assert reported[("AAL", "BEE")]["p_aitchison_now"] == ab["p_aitchison_now"]

    report_page = mia.text(f"/t/aitch/reports/waves/{wave_id}")  # the PDF is this body, printed
    assert "Aitchison now" in report_page and shown in report_page and "DRO –" not in report_page

    body = mia.get(f"/t/aitch/reports/waves/{wave_id}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    aitchison = [row for row in rows if row["measure"].startswith("aitchison_")]
    assert {row["group"] for row in aitchison} == {"AAL–BEE", "AAL–CUR", "BEE–CUR"}
    assert {row["measure"] for row in aitchison} == {"aitchison_now", "aitchison_preferred"}
    [row] = [r for r in aitchison if r["group"] == "AAL–BEE" and r["measure"] == "aitchison_now"]
    assert float(row["value"]) == pytest.approx(ab["aitchison_now"], abs=0.001) and "p = " in row["note"]
    assert not any("DRO" in row["group"] for row in rows if row["measure"].startswith(("aitchison", "distance")))
