"""Which groups of invited people may be shown with a count, with people as the atoms (DESIGN.md §3).

Plain Python, no database. Response rates show, for the whole audience, each legacy organisation and
each team, how many were invited and how many answered. Teams overlap in any way (a person may be in
several), so the groups are not the cells of a table but arbitrary sets of people.

What a reader knows. Every shown group's member list (who is in a team is no secret) and its answered
count. Whoever adds and subtracts shown counts, with any (even fractional) coefficients, learns
Σ v_p·answered_p for the vector v the coefficients give each person. Such a figure must rest on no
one or on at least k people: no combination of shown groups may have a support of 1 to k−1 people.

Batches of answer codes. A code is an invitation without a person; its batch went to a group, and which
code reached whom is not known. A batch is one more group of atoms, like a team, with a key of its own
(`batch_key`): its "member list" (the code holders) is unknown to anyone, so treating it as known is on the
safe side. A batch is no team: a code of a batch for no team counts in "in no team", as a person invited
personally who is in no team does.

The atoms. People with the same *signature* (organisation, set of teams) are in exactly the same
groups, so a combination gives them all one coefficient: the support is a set of atoms, weighed by
their number of people. Let M be the matrix shown groups × atoms. A nonzero combination supported
within a set S of atoms exists iff rank(M without the columns of S) < rank(M) (the combinations are
the row space; those vanishing outside S form the kernel of dropping S's columns). So the pattern is
safe iff no set S of weight 1 … k−1 drops the rank; the minimal such sets are the *cocircuits* of the
column matroid of M, and only atoms lighter than k can be in a light one.

The exact check, cheap for real organisations:
1. Rows. With the total shown (always, or nothing is), the shown organisations plus one node "rest"
   (the total minus the shown organisations: the hidden and unknown ones) hold each atom exactly once.
   Negate the team rows: an atom's column is e_org − Σ e_team over its shown teams ("in no team" is a
   team when shown). An atom in at most one shown team is an edge of a graph between its organisation
   node and its team node, or the *ground* when it has none; an atom in two or more is a hyperedge.
2. Potentials. A combination is a potential y on the nodes (ground 0); it covers an atom iff
   y_org ≠ Σ y_team. For a graph edge (u, v) covered, every threshold cut between y_u and y_v is
   covered too, so a covered edge costs at least the edge connectivity λ(u, v) of the graph part.
   Hence an edge with λ(u, v) ≥ k (in particular one of weight ≥ k) is in no light cocircuit and is
   contracted: the nodes merge. λ(u, v) ≥ k is proved by maximum-adjacency orderings (Nagamochi and
   Ibaraki: an edge scanned when its end's attachment reaches q has λ ≥ q), repeated until nothing
   merges; a graph edge left over may still be λ ≥ k, which only costs search time below.
3. Residual. What is left are the few light columns between the merged classes (ground dropped), as
   exact rational vectors. Repeatedly: drop zero vectors (in no cocircuit), merge parallel vectors (a
   cocircuit holds both or neither: one element, weights added), and contract elements of weight ≥ k
   (quotient by them). The residual splits into blocks with disjoint coordinates (a direct sum).
4. Search. In a block, a cocircuit meets every basis B = b_1 … b_r. Branch i: b_i is in it, b_1 … b_{i−1}
   are not (contract them); then b_i alone if it is a coloop, else a cocircuit of the rest lighter by
   w(b_i). Depth < k, since every atom weighs at least 1. When a block's rank exceeds SEARCH_RANK or
   the search would visit more than `budget` elements, the audit hides more rather than guess (the
   smallest groups at that block, twice as many each time): hiding groups only removes rows, and a
   subset of a safe pattern is safe.

When the check finds a light set, one shown group is hidden (the smallest whose hiding alone mends
that set, otherwise the smallest that takes part in it) and the check runs again. Hiding a team merges
its node into the ground, hiding an organisation merges it into "the rest", so this ends, at worst
with only the total shown, which is safe when the audience holds at least k people.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping

FEWER_THAN_K = "fewer_than_k"  # the same words as saas/reports/suppression.py
COMPLEMENTARY = "complementary"
NO_TEAM = None  # the team key of the group "in no team"
_BATCH = "batch:"  # a team key that is a batch of answer codes (a string: it goes into JSON and sets as it is)

SEARCH_BUDGET = 200_000  # elements visited by the search before hiding more instead
SEARCH_RANK = 60  # a residual block of higher rank is not searched: more is hidden instead

_REST = ("rest",)  # the organisation key of the node for hidden and unknown organisations
_GROUND = ("ground",)


class TooHard(Exception):
    """The exact search would take more than its budget; `nodes`: the graph nodes of the hard block."""

    def __init__(self, nodes=()):
        super().__init__("search budget exceeded")
        self.nodes = set(nodes)


@dataclass
class Shown:
    """The groups that may be shown, and why the others are not."""
    k: int
    total: int
    overall: bool
    orgs: set = field(default_factory=set)
    teams: set = field(default_factory=set)
    hidden: dict = field(default_factory=dict)  # ("org", key) | ("team", key) | ("total", None) -> reason

    def reason(self, kind: str, key) -> str | None:
        """None when the group is shown; else FEWER_THAN_K or COMPLEMENTARY."""
        if kind == "total":
            return None if self.overall else FEWER_THAN_K
        if not self.overall:
            return FEWER_THAN_K
        if key in {"org": self.orgs, "team": self.teams}[kind]:
            return None
        return self.hidden.get((kind, key), FEWER_THAN_K)


def to_json(shown: Shown) -> dict:
    """A pattern as plain JSON, to be stored with a release (keys may be None: "no organisation")."""
    return {"k": shown.k, "total": shown.total, "overall": shown.overall, "orgs": list(shown.orgs),
            "teams": list(shown.teams), "hidden": [[kind, key, reason] for (kind, key), reason in shown.hidden.items()]}


def from_json(data: dict) -> Shown:
    return Shown(data["k"], data["total"], data["overall"], set(data["orgs"]), set(data["teams"]),
                 {(kind, key): reason for kind, key, reason in data["hidden"]})


# ---- groups -------------------------------------------------------------------------------------

def batch_key(batch_id: int) -> str:
    """The group key of a batch of answer codes, among the team keys of a signature."""
    return f"{_BATCH}{batch_id}"


def batch_of(key) -> int | None:
    """The batch id of a group key made by `batch_key`; None for a team (or "in no team")."""
    return int(key[len(_BATCH):]) if isinstance(key, str) and key.startswith(_BATCH) else None


def _in_no_team(teams) -> bool:
    return all(batch_of(team) is not None for team in teams or ())


def org_sizes(atoms: Mapping) -> dict:
    sizes = defaultdict(int)
    for (org, _teams), n in atoms.items():
        sizes[org] += n
    return dict(sizes)


def team_sizes(atoms: Mapping) -> dict:
    """People per team, a person in several teams counting in each; NO_TEAM for those in none."""
    sizes = defaultdict(int)
    for (_org, teams), n in atoms.items():
        for team in (*teams, NO_TEAM) if _in_no_team(teams) else teams:
            sizes[team] += n
    return dict(sizes)


def members(kind: str, key, signature) -> bool:
    """Whether the people of `signature` are in the group (kind, key)."""
    org, teams = signature
    if kind == "org":
        return org == key
    return key in teams if key is not NO_TEAM else _in_no_team(teams)


# ---- the audit ----------------------------------------------------------------------------------

def audit(atoms: Mapping[tuple, int], k: int, *, budget: int = SEARCH_BUDGET) -> Shown:
    """The groups that may be shown. `atoms`: {(organisation or None, frozenset(team ids)): people}.

    The same atoms always give the same answer, whatever their order: two readings differ in nothing."""
    atoms = _canonical(atoms)
    total = sum(atoms.values())
    if total < k:
        return Shown(k, total, False, hidden={("total", None): FEWER_THAN_K})
    sizes = {"org": org_sizes(atoms), "team": team_sizes(atoms)}
    hidden = {(kind, key): FEWER_THAN_K for kind in sizes for key, n in sizes[kind].items() if n < k}
    shown = {kind: {key for key, n in sizes[kind].items() if n >= k} for kind in sizes}
    hard = 0  # searches in a row that were too hard: each hides twice as many groups as the one before
    while True:
        try:
            check = _Check(atoms, k, shown["org"], shown["team"], budget)
            light = check.light_set()
        except TooHard as too_hard:
            candidates = _groups_at(too_hard.nodes, shown) or _all_groups(shown)
            candidates.sort(key=lambda group: _order(group, sizes))
            to_hide, hard = candidates[:2 ** hard], hard + 1
        else:
            if light is None:
                break
            to_hide, hard = [check.to_hide(light, sizes)], 0
        for kind, key in to_hide:
            shown[kind].discard(key)
            hidden[(kind, key)] = COMPLEMENTARY
    return Shown(k, total, True, shown["org"], shown["team"], hidden)


def exposed(atoms: Mapping[tuple, int], k: int, orgs: Iterable, teams: Iterable, *,
            budget: int = SEARCH_BUDGET) -> frozenset | None:
    """A set of atoms of 1 … k−1 people that some combination of the total and the given organisations
    and teams singles out, or None when there is none. Raises TooHard past the budget."""
    atoms = _canonical(atoms)
    if sum(atoms.values()) < k:
        raise ValueError("the total itself holds fewer than k people")
    return _Check(atoms, k, set(orgs), set(teams), budget).light_set()


def _canonical(atoms: Mapping) -> dict:
    """The atoms with people, in an order that depends on nothing but the atoms themselves."""
    items = [((org, frozenset(teams)), n) for (org, teams), n in atoms.items() if n > 0]
    return dict(sorted(items, key=lambda item: (repr(item[0][0]), sorted(map(repr, item[0][1])))))


def _order(group, sizes):
    """Smallest first; a team before an organisation of the same size."""
    return sizes[group[0]][group[1]], group[0] != "team", repr(group[1])


def _smallest(groups, sizes):
    return min(groups, key=lambda group: _order(group, sizes))


def _all_groups(shown) -> list:
    return [(kind, key) for kind in ("team", "org") for key in shown[kind]]


def _groups_at(nodes, shown) -> list:
    return [(kind, key) for kind, key in (_group_of(node) for node in nodes)
            if kind is not None and key in shown[kind]]


def _group_of(node):
    if node[0] == "o" and node[1] != _REST:
        return "org", node[1]
    if node[0] == "t":
        return "team", node[1]
    return None, None


class _Check:
    """The exact check of one pattern (steps 1–4 of the module's docstring)."""

    def __init__(self, atoms: dict, k: int, orgs: set, teams: set, budget: int):
        self.atoms, self.k, self.orgs, self.teams = atoms, k, orgs, teams
        self.steps = budget
        self.columns = {sig: self._column(sig) for sig in atoms}
        self.nodes = {node for column in self.columns.values() for node in column} | {_GROUND}
        self.parent = {node: node for node in self.nodes}
        self._merge_classes()
        ground = self._find(_GROUND)
        roots = sorted({self._find(node) for node in self.nodes} - {ground}, key=repr)
        self.coordinate = {root: i for i, root in enumerate(roots)}
        elements = []
        for sig, column in self.columns.items():
            vector = defaultdict(int)
            for node, sign in column.items():
                root = self._find(node)
                if root != ground:
                    vector[self.coordinate[root]] += sign
            elements.append(_element(vector, atoms[sig], (sig,)))
        self.substitutions: list = []
        self.residual = _reduce(elements, k, self.substitutions)

    # -- step 1: rows and columns
    def _column(self, sig) -> dict:
        org, teams = sig
        column = {("o", org if org in self.orgs else _REST): 1}
        shown_teams = [t for t in teams if t in self.teams]
        if NO_TEAM in self.teams and _in_no_team(teams):
            shown_teams.append(NO_TEAM)
        for team in shown_teams:
            column[("t", team)] = -1
        if not shown_teams:
            column[_GROUND] = -1
        return column

    # -- step 2: merge classes of the graph part with λ ≥ k
    def _find(self, node):
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def _union(self, a, b) -> bool:
        a, b = self._find(a), self._find(b)
        if a == b:
            return False
        self.parent[a] = b
        return True

    def _merge_classes(self) -> None:
        edges = defaultdict(int)
        for sig, column in self.columns.items():
            if len(column) == 2:
                u, v = sorted(column, key=repr)
                edges[(u, v)] += self.atoms[sig]
        for (u, v), w in edges.items():
            if w >= self.k:
                self._union(u, v)
        while self._maximum_adjacency_pass(edges):
            pass

    def _maximum_adjacency_pass(self, edges) -> bool:
        adjacent = defaultdict(lambda: defaultdict(int))
        for (u, v), w in edges.items():
            a, b = self._find(u), self._find(v)
            if a != b:
                adjacent[a][b] += w
                adjacent[b][a] += w
        merged, seen, tie = False, set(), 0
        for start in sorted(adjacent, key=repr):
            if start in seen:
                continue
            attached, heap = {start: 0}, [(0, 0, start)]
            while heap:
                minus, _, node = heapq.heappop(heap)
                if node in seen or -minus != attached[node]:
                    continue
                seen.add(node)
                for other, w in adjacent[node].items():
                    if other in seen:
                        continue
                    attached[other] = attached.get(other, 0) + w
                    if attached[other] >= self.k:  # λ(node, other) ≥ k
                        merged |= self._union(node, other)
                    tie += 1
                    heapq.heappush(heap, (-attached[other], tie, other))
        return merged

    # -- steps 3 and 4
    def light_set(self) -> frozenset | None:
        budget = [self.steps]
        for block in _blocks(self.residual):
            try:
                if _rank(e.vector for e in block) > SEARCH_RANK:
                    raise TooHard()
                found = _search_block(block, self.k, budget)
            except TooHard:
                raise TooHard(self._nodes_of(block)) from None
            if found is not None:
                return frozenset(found)
        return None

    def _nodes_of(self, elements) -> set:
        coordinates = {c for e in elements for c in e.vector}
        roots = {root for root, c in self.coordinate.items() if c in coordinates}
        return {node for node in self.nodes if self._find(node) in roots}

    # -- what to hide
    def image(self, kind: str, key) -> dict:
        """The residual image of the vector by which hiding the group divides the row space: a team's
        node merges into the ground, an organisation's into the rest."""
        vector = defaultdict(int)
        ground = self._find(_GROUND)
        pairs = [(("t", key), 1)] if kind == "team" else [(("o", key), 1), (("o", _REST), -1)]
        for node, sign in pairs:
            if node in self.nodes and self._find(node) != ground:
                vector[self.coordinate[self._find(node)]] += sign
        return _substitute(dict(vector), self.substitutions)

    def to_hide(self, light: frozenset, sizes: dict):
        """The smallest shown group whose hiding alone mends `light`; else the smallest that takes part."""
        chosen = [e for e in self.residual if set(e.atoms) <= light]
        coordinates = {c for e in chosen for c in e.vector}
        candidates = []
        for kind, key in _all_groups({"org": self.orgs, "team": self.teams}):
            if kind == "org" and ("o", _REST) not in self.nodes:
                continue  # with every organisation shown, hiding one alone changes nothing
            image = self.image(kind, key)
            if set(image) & coordinates:
                candidates.append(((kind, key), image))
        candidates.sort(key=lambda item: (sizes[item[0][0]][item[0][1]], item[0][0] != "team", repr(item[0][1])))
        for group, image in candidates[:40]:
            if not _still_exposed(self.residual, chosen, image):
                return group
        if candidates:
            return candidates[0][0]
        touching = [(kind, key) for kind, key in _all_groups({"org": self.orgs, "team": self.teams})
                    if any(members(kind, key, sig) for sig in light)]
        return _smallest(touching or _all_groups({"org": self.orgs, "team": self.teams}), sizes)


# ---- exact linear algebra on the residual ---------------------------------------------------------

@dataclass
class _Element:
    vector: dict  # coordinate -> int or Fraction (exact), no zeros
    weight: int
    atoms: tuple


def _element(vector: dict, weight: int, atoms: tuple) -> _Element:
    return _Element({c: v for c, v in vector.items() if v}, weight, atoms)


def _ratio(a, b):
    """a / b exactly, staying an int where it can (most coefficients are ±1)."""
    if b == 1:
        return a
    if b == -1:
        return -a
    return Fraction(a) / b


def _pivot(vector: dict):
    """The coordinate to eliminate by: one with coefficient ±1 if any (then no fractions appear)."""
    units = [c for c, v in vector.items() if v in (1, -1)]
    return min(units) if units else min(vector)


def _substitute(vector: dict, substitutions) -> dict:
    vector = dict(vector)
    for pivot, by in substitutions:
        factor = vector.get(pivot)
        if factor:
            _subtract(vector, _ratio(factor, by[pivot]), by)
    return vector


def _subtract(vector: dict, factor, by: dict) -> None:
    for c, v in by.items():
        value = vector.get(c, 0) - factor * v
        if value:
            vector[c] = value
        else:
            vector.pop(c, None)


def _contract(elements: list, by: dict, substitutions=None) -> list:
    """The elements in the quotient by `by` (a nonzero vector)."""
    return _contract_all(elements, [by], substitutions)


def _contract_all(elements: list, vectors: list, substitutions=None) -> list:
    """The elements in the quotient by all of `vectors`, one after the other (zeros dropped). An index
    from coordinate to the vectors using it keeps this proportional to what actually changes."""
    work = [dict(v) for v in vectors] + [dict(e.vector) for e in elements]
    index = defaultdict(set)
    for i, vector in enumerate(work):
        for c in vector:
            index[c].add(i)
    for i in range(len(vectors)):
        by = work[i]
        for c in by:
            index[c].discard(i)
        if not by:
            continue
        pivot = _pivot(by)
        if substitutions is not None:
            substitutions.append((pivot, dict(by)))
        for j in list(index[pivot]):
            vector = work[j]
            before = set(vector)
            _subtract(vector, _ratio(vector[pivot], by[pivot]), by)
            for c in before - set(vector):
                index[c].discard(j)
            for c in set(vector) - before:
                index[c].add(j)
    out = []
    for e, vector in zip(elements, work[len(vectors):]):
        if vector:
            out.append(_Element(vector, e.weight, e.atoms))
    return out


def _normal(vector: dict) -> tuple:
    first = vector[min(vector)]
    return tuple(sorted((c, _ratio(v, first)) for c, v in vector.items()))


def _reduce(elements: list, budget: int, substitutions=None) -> list:
    """Drop zeros, merge parallels, contract every element of weight ≥ budget; until nothing changes."""
    elements = [e for e in elements if e.vector]
    while True:
        merged: dict = {}
        for e in elements:
            key = _normal(e.vector)
            if key in merged:
                other = merged[key]
                merged[key] = _Element(other.vector, other.weight + e.weight, other.atoms + e.atoms)
            else:
                merged[key] = e
        elements = list(merged.values())
        heavy = [e.vector for e in elements if e.weight >= budget]
        if not heavy:
            return elements
        elements = _contract_all([e for e in elements if e.weight < budget], heavy, substitutions)


def _blocks(elements: list) -> list[list]:
    """The elements split into groups with disjoint coordinates (the matroid is their direct sum)."""
    parent: dict = {}

    def find(c):
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for e in elements:
        first, *rest = e.vector
        for c in rest:
            parent[find(c)] = find(first)
    blocks = defaultdict(list)
    for e in elements:
        blocks[find(next(iter(e.vector)))].append(e)
    return list(blocks.values())


def _rank(vectors: Iterable[dict]) -> int:
    rows: list[dict] = []
    for vector in vectors:
        vector = dict(vector)
        for row in rows:
            pivot = min(row)
            factor = vector.get(pivot)
            if factor:
                _subtract(vector, _ratio(factor, row[pivot]), row)
        if vector:
            rows.append(vector)
    return len(rows)


def _basis(elements: list) -> list:
    """A basis, heaviest elements first (a heavy branch spends more of the budget)."""
    rows, basis = [], []
    for e in sorted(elements, key=lambda e: -e.weight):
        vector = dict(e.vector)
        for row in rows:
            pivot = min(row)
            factor = vector.get(pivot)
            if factor:
                _subtract(vector, _ratio(factor, row[pivot]), row)
        if vector:
            rows.append(vector)
            basis.append(e)
    return basis


def _search(elements: list, budget: int, steps: list) -> tuple | None:
    """Atoms of a set of weight < budget that drops the rank, or None."""
    if budget <= 1:
        return None
    for block in _blocks(_reduce(elements, budget)):
        found = _search_block(block, budget, steps)
        if found is not None:
            return found
    return None


def _search_block(block: list, budget: int, steps: list) -> tuple | None:
    steps[0] -= len(block)
    if steps[0] < 0:
        raise TooHard()
    if sum(e.weight for e in block) < budget:
        return tuple(a for e in block for a in e.atoms)  # all of it drops the rank to 0
    current = block
    for b in _basis(block):
        b = next(e for e in current if e.atoms == b.atoms)  # its image after the contractions so far
        rest = [e for e in current if e is not b]
        if _rank(e.vector for e in rest) < _rank(e.vector for e in current):
            return b.atoms  # a coloop: on its own
        found = _search(rest, budget - b.weight, steps)
        if found is not None:
            return b.atoms + found
        current = _contract(rest, b.vector)
    return None


def _still_exposed(residual: list, light: list, by: dict) -> bool:
    """Whether `light` (elements of the residual) still drops the rank once the residual is divided
    by `by` (a hidden group)."""
    chosen = {id(e) for e in light}
    coordinates = {c for e in light for c in e.vector} | set(by)
    near = [e for block in _blocks(residual) if coordinates & {c for e in block for c in e.vector} for e in block]
    others = [e.vector for e in near if id(e) not in chosen]
    return _rank([*(e.vector for e in near), by]) > _rank([*others, by])
