"""The comparison's maths (saas/comparison/maths.py): small cases worked out by hand, and properties
that must hold for any answers (hypothesis). Pure NumPy: no database, no app."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from saas.comparison import maths


KEYS = ["bureaucracy", "control", "cooperation", "trust"]
LIMITING = np.array([True, True, False, False])


def answers(org_codes, org, now, preferred, current=None, contract=None, personal=None, desired=None):
    n = len(org)
    picks = {}
    for name, lists in (("org_current", current), ("personal", personal), ("org_desired", desired)):
        matrix = np.zeros((n, len(KEYS)), dtype=bool)
        for row, chosen in enumerate(lists or [[] for _ in range(n)]):
            for key in chosen:
                matrix[row, KEYS.index(key)] = True
        picks[name] = matrix
    return maths.WaveAnswers(org_codes=list(org_codes), org=np.array(org), culture_now=np.array(now, dtype=float),
                             culture_preferred=np.array(preferred, dtype=float), value_keys=KEYS, limiting=LIMITING,
                             picks=picks, contract=np.array(contract if contract is not None else [math.nan] * n,
                                                            dtype=float))


@pytest.fixture
def by_hand():
    """Two organisations of two respondents, one of one (below k = 2), one respondent without one.

    A now: (60,20,10,10) and (40,20,20,20) → profile (50,20,15,15)
    B now: (10,20,30,40) and (30,20,30,20) → profile (20,20,30,30)
    distance now = ½ (30 + 0 + 15 + 15) = 30; everyone prefers (25,25,25,25) → distance preferred 0.
    """
    even = [25, 25, 25, 25]
    return answers(
        ["A", "B", "C"], [0, 0, 1, 1, 2, -1],
        now=[[60, 20, 10, 10], [40, 20, 20, 20], [10, 20, 30, 40], [30, 20, 30, 20], [25, 25, 25, 25], [0, 0, 0, 100]],
        preferred=[even] * 6,
        current=[["trust", "bureaucracy"], ["trust", "cooperation"], ["bureaucracy", "control"], ["bureaucracy"],
                 ["control"], ["control"]],
        personal=[["trust"], ["trust", "cooperation"], ["trust"], ["control"], [], []],
        desired=[["trust", "cooperation"], ["cooperation"], ["trust"], ["cooperation"], [], []],
        contract=[1.0, -1.0, math.nan, math.nan, 2.0, 0.0],
    )


def test_profiles_entropy_and_top_values_match_the_hand_computation(by_hand):
    result = maths.compare(by_hand, k=2, bootstrap=200, permutations=200, seed=1)
    a, b, c = result.orgs
    assert a == {"code": "A", "n": 2, "suppressed": False,
                 "profile_now": {"clan": 50.0, "adhocracy": 20.0, "market": 15.0, "hierarchy": 15.0},
                 "profile_preferred": {"clan": 25.0, "adhocracy": 25.0, "market": 25.0, "hierarchy": 25.0},
                 "entropy": 0.25, "top_values_current": ["trust", "bureaucracy", "cooperation"]}
    assert b["profile_now"] == {"clan": 20.0, "adhocracy": 20.0, "market": 30.0, "hierarchy": 30.0}
    assert b["entropy"] == 1.0 and b["top_values_current"] == ["bureaucracy", "control"]
    assert c == {"code": "C", "n": None, "suppressed": True, "profile_now": None, "profile_preferred": None,
                 "entropy": None, "top_values_current": None}


def test_a_pair_has_the_hand_computed_distance_overlap_and_permutation_p_value(by_hand):
    result = maths.compare(by_hand, k=2, bootstrap=500, permutations=20_000, seed=3)
    [pair] = result.pairs  # nothing with the suppressed C
    assert (pair["a"], pair["b"]) == ("A", "B")
    assert pair["distance_now"] == pytest.approx(30.0)
    assert pair["ci_now"][0] <= 30.0 <= pair["ci_now"][1]
    assert pair["distance_preferred"] == 0.0 and pair["ci_preferred"] == [0.0, 0.0] and pair["p_preferred"] == 1.0
    assert pair["jaccard_current"] == pytest.approx(1 / 4)  # {bureaucracy} of {trust, bureaucracy, cooperation, control}
    # All 6 ways to relabel 2 of the 4 respondents as A: distances 30, 30, 20, 20, 5, 5 → P(d ≥ 30) = 1/3.
    assert pair["p_now"] == pytest.approx(1 / 3, abs=0.015)


def test_the_bootstrap_interval_matches_resampling_by_brute_force(by_hand):
    result = maths.compare(by_hand, k=2, bootstrap=4000, permutations=100, seed=5)
    now = np.array(by_hand.culture_now)
    rng = np.random.default_rng(0)
    brute = []
    for _ in range(20_000):
        a = now[[0, 1]][rng.integers(0, 2, 2)].mean(axis=0)
        b = now[[2, 3]][rng.integers(0, 2, 2)].mean(axis=0)
        brute.append(maths.distance(a, b))
    low, high = np.percentile(brute, [2.5, 97.5])
    assert result.pairs[0]["ci_now"] == pytest.approx([low, high], abs=1.0)


def test_alignment_and_contract_index_per_organisation(by_hand):
    result = maths.compare(by_hand, k=2, bootstrap=100, permutations=100)
    a, b = result.details["A"], result.details["B"]
    # A: my values top {trust, cooperation}; today {trust, bureaucracy, cooperation}; wanted {cooperation, trust}
    assert a["alignment"] == {"personal_current": ["cooperation", "trust"], "current_desired": ["cooperation", "trust"]}
    assert a["contract_index"] == 0.0 and a["contract_n"] == 2
    assert b["alignment"] == {"personal_current": ["control"], "current_desired": []}
    assert b["contract_index"] is None  # nobody in B filled in the contract part
    assert a["top_values"]["org_current"][0] == ["trust", 2, 1.0]
    assert "C" not in result.details


def test_culture_points_per_dimension_give_the_same_profile_as_type_means():
    rng = np.random.default_rng(2)
    points = rng.multinomial(100, [0.4, 0.3, 0.2, 0.1], size=(8, 6))  # (respondents, dimensions, types)
    org = [0] * 4 + [1] * 4
    by_points = maths.compare(answers("XY", org, points, points), k=2, bootstrap=100, permutations=100, seed=9)
    by_means = maths.compare(answers("XY", org, points.mean(axis=1), points.mean(axis=1)), k=2, bootstrap=100,
                             permutations=100, seed=9)
    for mine, theirs in zip(by_points.orgs, by_means.orgs):
        assert mine["profile_now"] == pytest.approx(theirs["profile_now"])
    [pair], [same] = by_points.pairs, by_means.pairs
    assert pair["distance_now"] == pytest.approx(same["distance_now"])
    assert pair["ci_now"] == pytest.approx(same["ci_now"])


def test_top_values_break_ties_by_key_and_skip_values_nobody_chose():
    counts = np.array([3, 0, 3, 5, 1, 1, 1, 1, 1, 1, 1, 1])
    keys = ["b", "z", "a", "m", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"]
    assert maths.top_values(counts, keys) == ["m", "a", "b", "k1", "k2", "k3", "k4", "k5", "k6", "k7"]
    assert maths.top_values(np.zeros(3), ["a", "b", "c"]) == []
    assert maths.jaccard([], []) is None


# ---- properties ---------------------------------------------------------------------------------

def _culture(rng, n, lean):
    """(n, 6, 4) whole points, each dimension adding up to 100, leaning towards `lean`."""
    return rng.multinomial(100, lean, size=(n, 6))


@st.composite
def waves(draw):
    sizes = draw(st.lists(st.integers(0, 12), min_size=2, max_size=4))
    k = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    unassigned = draw(st.integers(0, 4))  # respondents without a legacy organisation
    org = np.concatenate([np.repeat(np.arange(len(sizes)), sizes), np.full(unassigned, -1)]).astype(np.int64)
    n = len(org)
    leans = rng.dirichlet(np.ones(4), size=len(sizes))
    now = np.concatenate([_culture(rng, size, leans[g]) for g, size in enumerate(sizes)]
                         + [_culture(rng, unassigned, [0.25] * 4)])
    preferred = _culture(rng, n, [0.25] * 4)
    current = rng.random((n, len(KEYS))) < 0.5
    data = maths.WaveAnswers(org_codes=[f"O{g}" for g in range(len(sizes))], org=org, culture_now=now,
                             culture_preferred=preferred, value_keys=KEYS, limiting=LIMITING,
                             picks={"org_current": current}, contract=rng.normal(0, 1, n))
    return data, k, seed


@settings(max_examples=40, deadline=None)
@given(waves())
def test_distances_lie_within_0_and_100_and_their_intervals_contain_them(case):
    data, k, seed = case
    result = maths.compare(data, k, bootstrap=100, permutations=100, seed=seed)
    for pair in result.pairs:
        for phase in ("now", "preferred"):
            d, (low, high), p = pair[f"distance_{phase}"], pair[f"ci_{phase}"], pair[f"p_{phase}"]
            assert 0 <= low <= d <= high <= 100
            assert 0 < p <= 1
    for org in result.orgs:
        if org["profile_now"] is not None:
            assert sum(org["profile_now"].values()) == pytest.approx(100)
            assert sum(org["profile_preferred"].values()) == pytest.approx(100)


@settings(max_examples=40, deadline=None)
@given(waves())
def test_every_organisation_below_k_is_suppressed_and_in_no_pair(case):
    data, k, seed = case
    result = maths.compare(data, k, bootstrap=100, permutations=100, seed=seed)
    sizes = np.bincount(data.org[data.org >= 0], minlength=len(data.org_codes))
    for org, size in zip(result.orgs, sizes):
        if org["suppressed"]:
            assert org["n"] is None
            assert all(org[key] is None for key in ("profile_now", "profile_preferred", "entropy", "top_values_current"))
            assert all(org["code"] not in (p["a"], p["b"]) for p in result.pairs)
            assert org["code"] not in result.details
        else:
            assert org["n"] == size >= k
        if size < k:
            assert org["suppressed"] and result.suppressed[org["code"]] == "fewer_than_k"
    shown = [o["code"] for o in result.orgs if not o["suppressed"]]
    assert [(p["a"], p["b"]) for p in result.pairs] == list(itertools.combinations(shown, 2))
    # subtracting the shown organisations from the wave's total never isolates fewer than k people
    outside = len(data.org) - sum(o["n"] for o in result.orgs if not o["suppressed"])
    assert outside == 0 or outside >= k or not shown  # with nothing shown there is nothing to subtract
    # and no more is hidden than needed: showing the smallest extra-hidden one again would isolate < k
    extra = [(size, o["code"]) for o, size in zip(result.orgs, sizes) if result.suppressed.get(o["code"]) == "complementary"]
    if extra:
        assert 0 < outside - min(extra)[0] < k


@settings(max_examples=25, deadline=None)
@given(waves())
def test_the_same_seed_gives_the_same_result_however_the_work_is_spread(case):
    data, k, seed = case
    first = maths.compare(data, k, bootstrap=150, permutations=150, seed=seed, threads=1)
    again = maths.compare(data, k, bootstrap=150, permutations=150, seed=seed, threads=3)
    assert first == again


@settings(max_examples=40, deadline=None)
@given(waves())
def test_distance_is_symmetric(case):
    data, k, seed = case
    result = maths.compare(data, k, bootstrap=100, permutations=100, seed=seed)
    reversed_codes = list(reversed(data.org_codes))
    flipped = maths.WaveAnswers(org_codes=reversed_codes, org=np.where(data.org >= 0, len(data.org_codes) - 1 - data.org, -1),
                                culture_now=data.culture_now, culture_preferred=data.culture_preferred,
                                value_keys=KEYS, limiting=LIMITING, picks=data.picks, contract=data.contract)
    other = {frozenset((p["a"], p["b"])): p for p in maths.compare(flipped, k, bootstrap=100, permutations=100,
                                                                    seed=seed).pairs}
    for pair in result.pairs:
        twin = other[frozenset((pair["a"], pair["b"]))]
        assert twin["distance_now"] == pytest.approx(pair["distance_now"])
        assert twin["distance_preferred"] == pytest.approx(pair["distance_preferred"])
        assert twin["jaccard_current"] == pair["jaccard_current"]
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(4)) * 100, rng.dirichlet(np.ones(4)) * 100
    assert maths.distance(p, q) == maths.distance(q, p)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 15), st.integers(0, 2**32 - 1))
def test_identical_groups_are_at_distance_zero_and_never_significant(size, seed):
    rng = np.random.default_rng(seed)
    now, preferred = _culture(rng, size, [0.4, 0.3, 0.2, 0.1]), _culture(rng, size, [0.25] * 4)
    twin = maths.WaveAnswers(org_codes=["A", "B"], org=np.repeat([0, 1], size), culture_now=np.concatenate([now, now]),
                             culture_preferred=np.concatenate([preferred, preferred]), value_keys=KEYS,
                             limiting=LIMITING, picks={}, contract=np.full(2 * size, math.nan))
    [pair] = maths.compare(twin, 1, bootstrap=100, permutations=100, seed=seed).pairs
    assert pair["distance_now"] == 0 and pair["distance_preferred"] == 0
    assert pair["ci_now"][0] == 0 and pair["p_now"] == 1.0 and pair["p_preferred"] == 1.0


def test_whole_numbers_and_any_other_numbers_give_the_same_answer():
    """Type means that are not whole sixths (e.g. from a spreadsheet) take the unpacked path."""
    rng = np.random.default_rng(4)
    raw = rng.dirichlet(np.ones(4), size=30) * 100
    data = maths.WaveAnswers(org_codes=["A", "B"], org=np.repeat([0, 1], 15), culture_now=raw, culture_preferred=raw,
                             value_keys=KEYS, limiting=LIMITING, picks={}, contract=np.full(30, math.nan))
    [pair] = maths.compare(data, 5, bootstrap=200, permutations=200, seed=1).pairs
    expected = maths.distance(raw[:15].mean(axis=0), raw[15:].mean(axis=0))
    assert pair["distance_now"] == pytest.approx(expected)
    assert pair["ci_now"][0] <= expected <= pair["ci_now"][1]


def test_a_shown_organisation_is_hidden_too_when_subtraction_would_isolate_fewer_than_k():
    """k = 5: C has 3 answers and 1 person has no legacy organisation; with A (6) and B (8) shown,
    the wave's total (18) minus A and B leaves 4 people: fewer than k. So A, the smaller, goes too."""
    rng = np.random.default_rng(1)
    org = np.array([0] * 6 + [1] * 8 + [2] * 3 + [-1])
    now = _culture(rng, len(org), [0.25] * 4)
    data = maths.WaveAnswers(org_codes=["A", "B", "C"], org=org, culture_now=now, culture_preferred=now,
                             value_keys=KEYS, limiting=LIMITING, picks={}, contract=np.full(len(org), math.nan))
    result = maths.compare(data, 5, bootstrap=100, permutations=100)
    assert [o["suppressed"] for o in result.orgs] == [True, False, True]
    assert result.suppressed == {"A": "complementary", "C": "fewer_than_k"}
    assert result.pairs == []
