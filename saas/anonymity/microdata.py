"""What an answer keeps about its group in the database (DESIGN.md §3, "unlinkable in the database too").

Someone who reads the database knows who was invited, who answered and who belongs to which legacy
organisation and team. An answer stored as the only one of its (organisation, team, years of service)
would be theirs. So when a collection closes, each answer keeps only as much of its group as at least
k verified answers share: years of service go first, then the team, then the organisation. What is
left without any attribute must itself hold 0 or at least k answers; while it does not, the smallest
other class joins it. Open-link answers carry no attributes and count for nothing here: anyone can
send them.
"""
from __future__ import annotations

from collections import Counter
from typing import Hashable

Attributes = tuple[Hashable | None, Hashable | None, Hashable | None]  # (organisation, team, years of service)
NONE: Attributes = (None, None, None)


def generalise(classes: dict[Attributes, int], k: int) -> dict[Attributes, Attributes]:
    """{stored attributes: verified answers} → {stored attributes: attributes to keep}."""
    mapping = {attributes: attributes for attributes in classes}

    def sizes() -> Counter:
        counted: Counter = Counter()
        for original, n in classes.items():
            counted[mapping[original]] += n
        return counted

    for drop in (_without_tenure, _without_team, lambda _attributes: NONE):
        counted = sizes()
        for original in classes:
            kept = mapping[original]
            if kept != NONE and counted[kept] < k:
                mapping[original] = drop(kept)
    while True:
        counted = sizes()
        rest = counted.get(NONE, 0)
        others = [a for a, n in counted.items() if a != NONE and n > 0]
        if rest == 0 or rest >= k or not others:
            return mapping
        smallest = min(others, key=lambda a: (counted[a], repr(a)))
        for original in classes:
            if mapping[original] == smallest:
                mapping[original] = NONE


def _without_tenure(attributes: Attributes) -> Attributes:
    return (attributes[0], attributes[1], None)


def _without_team(attributes: Attributes) -> Attributes:
    return (attributes[0], None, None)
