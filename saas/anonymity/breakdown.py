"""One breakdown of a known whole (DESIGN.md §3): which of its groups may be shown.

A group with fewer than k people is hidden; and since the whole is shown, the groups not shown must
together hold 0 or at least k people, or the whole minus the shown groups would point at them: then
the smallest shown group is hidden too, and so on. This is the audit's rule for the simplest case (a
single partition, no teams); saas.anonymity.audit handles organisations and teams together.
"""
from __future__ import annotations

from typing import Hashable, Mapping

FEWER_THAN_K = "fewer_than_k"
COMPLEMENTARY = "complementary"


def shown_groups(sizes: Mapping[Hashable, int], total: int, k: int) -> tuple[list, dict]:
    """(groups shown, {group hidden: reason}); `total` may exceed the sum (people in no group)."""
    visible = [g for g in sizes if sizes[g] >= k]
    hidden = {g: FEWER_THAN_K for g in sizes if sizes[g] < k}
    outside = total - sum(int(sizes[g]) for g in visible)
    while visible and 0 < outside < k:
        smallest = min(visible, key=lambda g: (sizes[g], str(g)))
        visible.remove(smallest)
        hidden[smallest] = COMPLEMENTARY
        outside += int(sizes[smallest])
    return visible, hidden


def enough(n: int, k: int) -> bool:
    """Whether a figure may rest on `n` people at all."""
    return n >= k
