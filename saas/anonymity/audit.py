"""Which groups of a wave a report may show: the k rule with protection against differencing.

Plain Python, no database. The groups of a report are the whole wave, each legacy organisation,
each team, and each (legacy organisation, team) cell. Every figure of a group is an aggregate (a
count, a sum, a mean) over its answers, so what a reader can work out is any linear combination of
the figures shown: X minus Y, the total minus all shown organisations, X + Y − total, … The rule
(DESIGN.md §3, issue 7): no such combination may rest on more than 0 and fewer than k answers.

How that is decided exactly, and cheaply. Split the answers into *atoms*: all answers with the
same (organisation, team), either of which may be unknown. Draw a graph with a node per shown
organisation, one node "the rest" for the answers of hidden or unknown organisations, a node per
shown team and one "rest" node for teams; each atom is an edge between its organisation's node and
its team's node, weighted by its number of answers. A shown group is then the set of edges at its
node, and the rest nodes follow from the total. The linear combinations of the edge sets at nodes
are exactly what a reader can derive, and the smallest of them are the *cuts* of the graph (the
edges between a set of nodes and the others). A shown cell is known on its own, so its edge drops
out of every cut. Hence: the report is safe if and only if every cut weighs 0 or at least k, that
is, in each connected part of the graph the minimum cut is at least k (Stoer–Wagner finds it).

When a cut is too light, one more group is hidden (a cell on the cut first, otherwise the smallest
group next to it) and the graph is checked again. Hiding merges a node into "the rest", so this
ends, at worst with only the total shown, which is safe when the wave has at least k answers.

The same audit runs per measure over the answers that answered that part (culture, values,
contract, each own question), since each measure rests on its own set of people.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable, Mapping

REST = "rest"  # the node for hidden or unknown organisations (teams)

FEWER_THAN_K = "fewer_than_k"
COMPLEMENTARY = "complementary"


@dataclass
class Shown:
    """The groups a report may show, and why the others are hidden."""
    k: int
    total: int
    overall: bool
    orgs: set = field(default_factory=set)
    teams: set = field(default_factory=set)
    cells: set = field(default_factory=set)
    hidden: dict = field(default_factory=dict)  # ("org", id) | ("team", id) | ("cell", (o, t)) -> reason

    def reason(self, kind: str, key) -> str | None:
        """None when the group is shown; else FEWER_THAN_K or COMPLEMENTARY."""
        if not self.overall:
            return FEWER_THAN_K
        if key in {"org": self.orgs, "team": self.teams, "cell": self.cells}[kind]:
            return None
        return self.hidden.get((kind, key), FEWER_THAN_K)


def audit(atoms: Mapping[tuple[Hashable | None, Hashable | None], int], k: int, *, cells: bool = True) -> Shown:
    """The groups that may be shown. `atoms`: {(organisation or None, team or None): answers}."""
    atoms = {key: n for key, n in atoms.items() if n > 0}
    total = sum(atoms.values())
    if total < k:
        return Shown(k, total, False, hidden={("total", None): FEWER_THAN_K})
    org_n, team_n, cell_n = defaultdict(int), defaultdict(int), {}
    for (org, team), n in atoms.items():
        if org is not None:
            org_n[org] += n
        if team is not None:
            team_n[team] += n
        if cells and org is not None and team is not None:
            cell_n[(org, team)] = n
    hidden = {}
    orgs = _at_least(org_n, k, "org", hidden)
    teams = _at_least(team_n, k, "team", hidden)
    shown_cells = _at_least(cell_n, k, "cell", hidden)
    shown = {"org": orgs, "team": teams, "cell": shown_cells}
    while True:
        shown["cell"] = {c for c in shown["cell"] if c[0] in shown["org"] and c[1] in shown["team"]}
        cut = _lightest_cut(_graph(atoms, shown))
        if cut is None or cut[0] >= k:
            break
        kind, key = _to_hide(cut[1], atoms, shown, {"org": org_n, "team": team_n, "cell": cell_n}, k)
        shown[kind].discard(key)
        hidden[(kind, key)] = COMPLEMENTARY
    orgs, teams, shown_cells = shown["org"], shown["team"], shown["cell"]
    for cell in set(cell_n) - shown_cells:
        hidden.setdefault(("cell", cell), COMPLEMENTARY)
    return Shown(k, total, True, orgs, teams, shown_cells, hidden)


def cut_weights(atoms, orgs, teams, cells) -> list[tuple[frozenset, int]]:
    """Every cut of the graph with its weight (exponential: for tests on small cases only)."""
    weights = _graph({key: n for key, n in atoms.items() if n > 0}, {"org": orgs, "team": teams, "cell": cells})
    nodes = sorted({node for edge in weights for node in edge}, key=repr)
    out = []
    for mask in range(1, 2 ** len(nodes) - 1):
        side = frozenset(node for i, node in enumerate(nodes) if mask >> i & 1)
        out.append((side, sum(w for (a, b), w in weights.items() if (a in side) != (b in side))))
    return out


def _at_least(sizes: dict, k: int, kind: str, hidden: dict) -> set:
    for key, n in sizes.items():
        if n < k:
            hidden[(kind, key)] = FEWER_THAN_K
    return {key for key, n in sizes.items() if n >= k}


def _node(kind: str, key, shown: set):
    return (kind, key if key in shown else REST)


def _graph(atoms, shown: dict) -> dict[tuple, int]:
    """{(org node, team node): answers} without the shown cells (each is known on its own)."""
    weights = defaultdict(int)
    for (org, team), n in atoms.items():
        if (org, team) in shown["cell"]:
            continue
        weights[(_node("org", org, shown["org"]), _node("team", team, shown["team"]))] += n
    return dict(weights)


def _lightest_cut(weights: dict) -> tuple[int, frozenset] | None:
    """The lightest cut of any connected part of the graph that has more than one node."""
    best = None
    for component in _components(weights):
        if len(component) < 2:
            continue
        found = _stoer_wagner(component, weights)
        if best is None or found[0] < best[0]:
            best = found
    return best


def _components(weights) -> list[set]:
    neighbours = defaultdict(set)
    for a, b in weights:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen, parts = set(), []
    for start in sorted(neighbours, key=repr):
        if start in seen:
            continue
        part, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node not in part:
                part.add(node)
                stack.extend(neighbours[node] - part)
        seen |= part
        parts.append(part)
    return parts


def _stoer_wagner(nodes: set, weights: dict) -> tuple[int, frozenset]:
    """Minimum cut of a connected weighted graph: (weight, the nodes of one side)."""
    order = sorted(nodes, key=repr)
    graph = {a: defaultdict(int) for a in order}
    for (a, b), w in weights.items():
        if a in graph and b in graph:
            graph[a][b] += w
            graph[b][a] += w
    merged = {a: {a} for a in order}
    best = None
    while len(graph) > 1:
        start = next(iter(graph))
        added, tightness = [start], {v: graph[start][v] for v in graph if v != start}
        while tightness:
            node = max(tightness, key=lambda v: (tightness[v], repr(v)))
            weight = tightness.pop(node)
            added.append(node)
            for v, w in graph[node].items():
                if v in tightness:
                    tightness[v] += w
        last, before = added[-1], added[-2]
        if best is None or weight < best[0]:
            best = (weight, frozenset(merged[last]))
        for v, w in graph.pop(last).items():  # merge `last` into `before`
            graph[v].pop(last, None)
            if v != before:
                graph[before][v] += w
                graph[v][before] += w
        merged[before] |= merged.pop(last)
    return best


def _to_hide(side, atoms, shown: dict, sizes: dict, k: int) -> tuple[str, Hashable]:
    """What to hide to mend a too-light cut (`side`: the nodes on one side of it).

    The smallest group whose hiding alone leaves no cut lighter than k, cells first (they matter
    least); if no single group does, the smallest group at an edge across the cut.
    """
    groups = sorted(((kind, key) for kind in ("cell", "org", "team") for key in shown[kind]),
                    key=lambda group: (group[0] != "cell", sizes[group[0]][group[1]], repr(group[1])))
    for kind, key in groups:
        trial = {name: set(keys) - ({key} if name == kind else set()) for name, keys in shown.items()}
        trial["cell"] = {c for c in trial["cell"] if c[0] in trial["org"] and c[1] in trial["team"]}
        cut = _lightest_cut(_graph(atoms, trial))
        if cut is None or cut[0] >= k:
            return kind, key
    weights = _graph(atoms, shown)
    touching = {node for a, b in weights if (a in side) != (b in side) for node in (a, b) if node[1] != REST}
    across = {("cell", c) for c in shown["cell"]
              if (_node("org", c[0], shown["org"]) in side) != (_node("team", c[1], shown["team"]) in side)}
    candidates = sorted(across) or sorted(touching, key=repr) or [group for group in groups if group[0] != "cell"]
    return min(candidates, key=lambda group: (group[0] != "cell", sizes[group[0]][group[1]], repr(group[1])))
