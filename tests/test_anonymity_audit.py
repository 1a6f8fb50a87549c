"""The suppression audit (saas/anonymity/audit.py) on its own: small cases worked out by hand, brute force
over every sum and difference of shown groups, properties on random atom tables (hypothesis), and the
size of the largest tenants. Pure: no database, no app."""
from __future__ import annotations

import itertools
import random

import igraph
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from saas.anonymity.audit import COMPLEMENTARY, FEWER_THAN_K, REST, audit, cut_weights, _graph


K = 5


def groups_of(shown, atoms):
    """The shown groups as sets of atoms: the whole set, each organisation, team and cell."""
    groups = [set(atoms)] if shown.overall else []
    groups += [{a for a in atoms if a[0] == o} for o in sorted(shown.orgs, key=repr)]
    groups += [{a for a in atoms if a[1] == t} for t in sorted(shown.teams, key=repr)]
    groups += [{c} for c in sorted(shown.cells, key=repr)]
    return groups


def assert_safe(atoms, shown, k):
    """Every cut of the shown pattern weighs 0 or at least k (brute force), shown groups have at least
    k answers, and every group is either shown or has a reason."""
    atoms = {a: n for a, n in atoms.items() if n > 0}
    total = sum(atoms.values())
    assert shown.overall == (total >= k)
    if not shown.overall:
        assert not shown.orgs and not shown.teams and not shown.cells
        return
    for group in groups_of(shown, atoms):
        assert sum(atoms[a] for a in group) >= k
    for org, team in shown.cells:
        assert org in shown.orgs and team in shown.teams
    for side, weight in cut_weights(atoms, shown.orgs, shown.teams, shown.cells):
        assert weight == 0 or weight >= k, (atoms, k, shown, sorted(side, key=repr), weight)
    orgs = {o for o, _t in atoms if o is not None}
    teams = {t for _o, t in atoms if t is not None}
    for kind, keys, shown_keys in (("org", orgs, shown.orgs), ("team", teams, shown.teams)):
        for key in keys:
            assert (shown.reason(kind, key) is None) == (key in shown_keys)
            if key not in shown_keys:
                assert shown.hidden[(kind, key)] in (FEWER_THAN_K, COMPLEMENTARY)


# -- the tempting world of tests/test_reports_redteam.py, audited on its own ----------------------------

def tempting(aal=30, bee=25):
    """AAL with a team (Groot) of all but 2 of its answers, CUR of 3, EEM of 6 with a team (Klein) of 4."""
    return {("AAL", "Groot"): aal - 2, ("AAL", None): 2, ("BEE", None): bee, ("CUR", None): 3,
            ("EEM", "Klein"): 4, ("EEM", None): 2}


@pytest.mark.parametrize("aal, bee", [(30, 25), (31, 24)])
def test_a_team_of_28_in_an_organisation_of_30_is_not_shown_beside_it(aal, bee):
    """As the audit before it decided (the same groups): AAL (30) minus Groot team (28) would be 2
    people, so one of the two is hidden as complementary; CUR (3) and Klein team (4) have fewer than
    k; with the total shown, one more organisation goes, or CUR would be the total minus the others."""
    atoms = tempting(aal, bee)
    shown = audit(atoms, K)
    assert_safe(atoms, shown, K)
    assert (shown.orgs, shown.teams, shown.cells) == ({"BEE", "EEM"}, {"Groot"}, set())
    assert shown.hidden == {("org", "AAL"): COMPLEMENTARY, ("org", "CUR"): FEWER_THAN_K,
                            ("team", "Klein"): FEWER_THAN_K, ("cell", ("AAL", "Groot")): COMPLEMENTARY,
                            ("cell", ("EEM", "Klein")): FEWER_THAN_K}
    without_cells = audit(atoms, K, cells=False)
    assert_safe(atoms, without_cells, K)
    assert (without_cells.orgs, without_cells.teams) == ({"AAL", "BEE"}, set())
    assert without_cells.reason("org", "EEM") == COMPLEMENTARY
    assert without_cells.reason("team", "Groot") == COMPLEMENTARY
    assert without_cells.reason("org", "CUR") == FEWER_THAN_K


def test_fewer_than_k_in_all_shows_nothing():
    shown = audit({("A", "x"): 2, (None, None): 2}, K)
    assert not shown.overall and shown.total == 4
    assert shown.reason("org", "A") == FEWER_THAN_K and shown.reason("cell", ("A", "x")) == FEWER_THAN_K


def test_answers_without_organisation_or_team_cannot_be_worked_out_from_the_total():
    """Total 13, A 10, team x 10 (all of A): the total minus A would be the 3 answers without either,
    and so would the total minus x: both go."""
    atoms = {("A", "x"): 10, (None, None): 3}
    shown = audit(atoms, K)
    assert_safe(atoms, shown, K)
    assert shown.overall and not shown.orgs and not shown.teams and not shown.cells
    assert shown.reason("org", "A") == shown.reason("team", "x") == COMPLEMENTARY


def test_a_team_that_is_a_shown_cell_minus_a_few_hides_a_cell_not_the_team():
    """Team x: 20 from A, 3 from B. Cell (A, x) beside team x would give B's 3: the cell goes,
    organisations and the team stay."""
    atoms = {("A", "x"): 20, ("B", "x"): 3, ("A", None): 9, ("B", None): 30}
    shown = audit(atoms, K)
    assert_safe(atoms, shown, K)
    assert shown.orgs == {"A", "B"} and shown.teams == {"x"} and shown.cells == set()
    assert shown.reason("cell", ("A", "x")) == COMPLEMENTARY and shown.reason("cell", ("B", "x")) == FEWER_THAN_K


def test_nothing_hidden_when_nothing_needs_to_be():
    atoms = {("A", "x"): 10, ("A", "y"): 12, ("B", "x"): 9, ("B", "y"): 15, (None, None): 7}
    shown = audit(atoms, K)
    assert_safe(atoms, shown, K)
    assert shown.orgs == {"A", "B"} and shown.teams == {"x", "y"} and len(shown.cells) == 4
    assert shown.hidden == {}


# -- moved from tests/test_reports_redteam.py: every sum and difference, all signs -----------------------

@pytest.mark.parametrize("seed", range(40))
def test_the_audit_leaves_no_small_difference_in_random_tables(seed):
    """Random small tables of (organisation, team) cells; no sum or difference of shown groups (all
    signs, all subsets) covers 1..k-1 answers."""
    rng = np.random.default_rng(seed)
    orgs, teams = rng.integers(1, 4), rng.integers(0, 3)
    atoms = {}
    for o in [*range(orgs), None]:
        for t in [*range(teams), None]:
            if rng.random() < 0.7:
                atoms[(o, t)] = int(rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 15, 30]))
    shown = audit(atoms, K)
    groups = groups_of(shown, atoms)
    for group in groups:
        assert sum(atoms[a] for a in group) >= K
    if len(groups) > 9:
        groups = groups[:9]  # 3^9 combinations is plenty
    for coefficients in itertools.product((-1, 0, 1), repeat=len(groups)):
        weight = dict.fromkeys(atoms, 0)
        for c, group in zip(coefficients, groups):
            for a in group:
                weight[a] += c
        covered = sum(atoms[a] for a in atoms if weight[a] != 0)
        assert covered == 0 or covered >= K, (atoms, shown, coefficients)


# -- properties on random atom tables ------------------------------------------------------------------

SIZES = st.one_of(st.integers(1, 4), st.integers(5, 12), st.sampled_from([15, 20, 28, 30, 60]))


@st.composite
def atom_tables(draw):
    orgs = [*range(draw(st.integers(0, 6))), None]
    teams = [*(f"t{i}" for i in range(draw(st.integers(0, 6)))), None]
    pairs = [pair for pair in itertools.product(orgs, teams) if draw(st.booleans())]
    return {pair: draw(SIZES) for pair in pairs}


@settings(max_examples=400, deadline=None)
@given(atoms=atom_tables(), k=st.integers(5, 8), cells=st.booleans())
def test_every_cut_of_what_is_shown_weighs_nothing_or_at_least_k(atoms, k, cells):
    shown = audit(atoms, k, cells=cells)
    assert_safe(atoms, shown, k)
    if not cells:
        assert not shown.cells


@settings(max_examples=150, deadline=None)
@given(atoms=atom_tables(), k=st.integers(5, 8), data=st.data())
def test_hiding_more_of_a_safe_pattern_keeps_it_safe(atoms, k, data):
    """Later changes may only hide more (issue 15): any group or cell taken away from an audited
    pattern leaves it safe, with the cells of a hidden group hidden too."""
    shown = audit(atoms, k)
    if not shown.overall:
        return
    groups = [("org", o) for o in sorted(shown.orgs, key=repr)] + [("team", t) for t in sorted(shown.teams, key=repr)] \
        + [("cell", c) for c in sorted(shown.cells, key=repr)]
    if not groups:
        return
    less = data.draw(st.sets(st.sampled_from(groups), min_size=1))
    orgs = shown.orgs - {key for kind, key in less if kind == "org"}
    teams = shown.teams - {key for kind, key in less if kind == "team"}
    cells = {c for c in shown.cells - {key for kind, key in less if kind == "cell"} if c[0] in orgs and c[1] in teams}
    for side, weight in cut_weights(atoms, orgs, teams, cells):
        assert weight == 0 or weight >= k


def test_the_same_answers_give_the_same_pattern_whatever_their_order():
    """The report and the comparison audit the same atoms separately: they must agree."""
    rng = random.Random(7)
    atoms = {(o, t): rng.choice([1, 2, 3, 6, 9, 25]) for o in [*range(5), None] for t in [*range(8), None]
             if rng.random() < 0.5}
    shuffled = list(atoms.items())
    rng.shuffle(shuffled)
    first, second = audit(atoms, 6), audit(dict(shuffled), 6)
    assert (first.orgs, first.teams, first.cells, first.hidden) == \
        (second.orgs, second.teams, second.cells, second.hidden)


# -- the largest tenants ---------------------------------------------------------------------------

def large_wave(orgs=20, teams=800, answers=60_000, seed=3):
    """Teams drawing mostly from one to three legacy organisations, some answers without team or
    organisation; per measure a subset (people skip parts)."""
    rng = np.random.default_rng(seed)
    org_weight = rng.pareto(1.2, orgs) + 0.2
    team = rng.choice(teams, size=answers, p=(size := rng.lognormal(0, 0.9, teams)) / size.sum())
    picks = rng.choice(orgs, size=(teams, 3), p=org_weight / org_weight.sum())
    share = rng.uniform(0.5, 1, teams)
    u = rng.random(answers)
    org = np.where(u < share[team], picks[team, 0], np.where(u < (1 + share[team]) / 2, picks[team, 1], picks[team, 2]))
    team = np.where(rng.random(answers) < 0.03, -1, team)
    org = np.where(rng.random(answers) < 0.01, -1, org)
    tables = []
    for skip in (0, 0.04, 0.08, 0.12, 0.15, 0.2, 0.25, 0.3, 0.5):
        chosen = rng.random(answers) >= skip
        pairs, counts = np.unique(np.stack([org[chosen], team[chosen]]), axis=1, return_counts=True)
        tables.append({(None if o < 0 else int(o), None if t < 0 else int(t)): int(n)
                       for (o, t), n in zip(pairs.T, counts)})
    return tables


def lightest_cut(atoms, shown) -> int | None:
    """The minimum cut over the connected parts of the uncontracted graph (igraph, independently of
    how the audit got there)."""
    weights = _graph(atoms, {"org": shown.orgs, "team": shown.teams, "cell": shown.cells})
    nodes = sorted({node for edge in weights for node in edge}, key=repr)
    position = {node: i for i, node in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=[(position[a], position[b]) for a, b in weights])
    graph.es["weight"] = list(weights.values())
    cuts = [part.mincut(capacity="weight").value for part in graph.connected_components().subgraphs()
            if part.vcount() > 1]
    return min(cuts, default=None)


@pytest.mark.parametrize("k", [5, 8])
def test_all_measures_of_20_organisations_by_800_teams(k):
    """60,000 answers, nine measures (the speed is shown by bench/suppression.py, not timed here)."""
    for atoms in large_wave():
        for cells in (True, False):
            shown = audit(atoms, k, cells=cells)
            assert shown.overall and shown.total == sum(atoms.values())
            assert (lightest_cut(atoms, shown) or k) >= k
            assert len(shown.teams) > 700 and len(shown.orgs) >= 15
            assert all(REST not in (o, t) for o, t in shown.cells)
