"""Group labels for anonymous texts (DESIGN.md §3), counting people, not items: pure functions over
plain data.

An anonymous text may carry two grouping attributes: a side (staff or management) and, within it,
a legacy organisation. A group is named next to a text only when at least k distinct authors wrote
in it; and because the whole (all anonymous texts of the batch, or one side) is visible, the authors
of the groups that are not named must number 0 or at least k, or the whole minus the named groups
would point at them: then the next-smallest named group is not named either. An author who writes
five texts counts once.

Authors are whatever identifies a person for counting (a keyed per-round pseudonym), never a name.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Iterable

Label = tuple  # () nothing; (side,); (side, organisation)


def visible_groups(authors: dict[Hashable, set], k: int) -> set[Hashable]:
    """The groups of a breakdown that may be named, given that their whole is shown: each named
    group holds at least k distinct authors, and the authors outside the named groups number 0 or
    at least k."""
    shown = {group for group, people in authors.items() if len(people) >= k}

    def outside() -> set:
        return set().union(*(people for group, people in authors.items() if group not in shown))

    while shown and 0 < len(outside()) < k:
        smallest = min(shown, key=lambda group: (len(authors[group]), str(group)))
        shown.discard(smallest)
    return shown


def group_labels(items: Iterable[tuple[Hashable, Hashable, Hashable]], k: int) -> list[Label]:
    """For each anonymous text, given as (author, side, organisation): the finest group that may be
    named with it — (side, organisation), (side,) or () — deciding both levels over distinct authors."""
    items = list(items)
    by_side: dict = defaultdict(set)
    for author, side, _org in items:
        by_side[side].add(author)
    shown_sides = visible_groups(dict(by_side), k)
    shown_orgs: dict = {}
    for side in shown_sides:
        by_org: dict = defaultdict(set)
        for author, s, org in items:
            if s == side:
                by_org[org].add(author)
        shown_orgs[side] = visible_groups(dict(by_org), k)
    labels: list[Label] = []
    for _author, side, org in items:
        if side not in shown_sides:
            labels.append(())
        elif org in shown_orgs[side]:
            labels.append((side, org))
        else:
            labels.append((side,))
    return labels


def group_counts(labels: Iterable[Label]) -> dict[Label, int]:
    """How many texts each named group holds, from labels already decided: (side,) for a side's
    total, (side, organisation) for an organisation within it."""
    counts: dict = defaultdict(int)
    for label in labels:
        label = tuple(label)
        if label:
            counts[label[:1]] += 1
        if len(label) == 2:
            counts[label] += 1
    return dict(counts)
