"""The k rule for anonymous contributions (DESIGN.md §3), as plain functions over plain data.

Anonymous expectation contributions carry two grouping attributes: the side (staff or management)
and the legacy organisation. A group is named next to a contribution only when it holds at least
k anonymous contributions; and because the whole (the round, or the side) is always visible, the
groups that are not named must together hold 0 or at least k contributions, or the whole minus
the named groups would point at them: then the next-smallest named group is not named either.
"""
from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable


def visible_groups(counts: dict[Hashable, int], k: int) -> set[Hashable]:
    """The groups of a breakdown that may be shown separately, given that their total is shown."""
    visible = {group for group, n in counts.items() if n >= k}
    outside = sum(n for group, n in counts.items() if group not in visible)
    while visible and 0 < outside < k:
        smallest = min(visible, key=lambda group: (counts[group], str(group)))
        visible.discard(smallest)
        outside += counts[smallest]
    return visible


def group_labels(attributes: Iterable[tuple[str, Hashable]], k: int) -> list[tuple]:
    """For each anonymous contribution's (side, legacy organisation): the finest group that may be
    shown with it — (side, organisation), (side,) or () — under the k rule at both levels."""
    attributes = list(attributes)
    sides = Counter(side for side, _org in attributes)
    shown_sides = visible_groups(dict(sides), k)
    shown_orgs: dict[str, set] = {}
    for side in shown_sides:
        orgs = Counter(org for s, org in attributes if s == side)
        shown_orgs[side] = visible_groups(dict(orgs), k)
    labels = []
    for side, org in attributes:
        if side not in shown_sides:
            labels.append(())
        elif org in shown_orgs[side]:
            labels.append((side, org))
        else:
            labels.append((side,))
    return labels


def group_counts(attributes: Iterable[tuple[str, Hashable]], k: int) -> dict[tuple, int]:
    """How many anonymous contributions each group that may be shown holds: (side,) for a side's
    total, (side, organisation) for an organisation within it."""
    counts: Counter = Counter()
    for label in group_labels(attributes, k):
        if label:
            counts[label[:1]] += 1
        if len(label) == 2:
            counts[label] += 1
    return dict(counts)
