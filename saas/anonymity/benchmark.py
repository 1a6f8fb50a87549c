"""The derivation rules of the benchmark across tenants (issue 21 point 7, README "Benchmark across tenants").

A sector norm is one more release: a figure over tenants instead of over people, and the same question holds
as for k: can anyone derive one member's figure from what is shown, with what they know already? Here the
members are tenants, each weighing one, and what a viewer knows is whole tenants' figures:
- a tenant knows its own figures;
- a consultancy knows the released figures of all its clients (its consultants read them);
- a person who reads released figures in several tenants (an admin of two, a consultant added by hand) knows
  those tenants' figures.

So a norm of n contributors is published only when n >= MIN_CONTRIBUTORS and every viewer leaves at least
UNKNOWN_AT_LEAST contributors it does not know: a consultancy with 2 clients among 5 contributors could
otherwise take its clients out of the mean and be left with 3, and one with 4 of 5 would have the fifth's
figure exactly. A consultancy that knows too many makes the norm withheld for everyone, not only hidden from
it: its consultants also read their clients' own reports, where the norm stands.

What a norm shows of a measure: the mean and the sample standard deviation, rounded to the figure's shown
precision, and how many tenants; never a minimum, a maximum, a median or quartiles (with 5 tenants each of
those IS one tenant's value). From the mean and the spread a viewer who knows m contributors learns the sum
and the sum of squares of the n - m >= 4 others: two equations for at least four unknowns, which pin none.

Norms are made once per sector and period, from disjoint data (each tenant's last wave closed in the period)
and never recomputed: two norms share no contribution, so subtracting one from another yields nothing.
"""
from __future__ import annotations

import math

MIN_CONTRIBUTORS = 5
UNKNOWN_AT_LEAST = 4
FEWER_THAN_MIN = "fewer_than_5_tenants"
A_VIEWER_KNOWS_TOO_MANY = "a_viewer_knows_too_many"


def withheld(contributors, known_sets) -> str | None:
    """Why a measure's norm over `contributors` (tenant ids) is not published, or None when it may be.
    `known_sets`: the sets of tenant ids each viewer knows (a consultancy's clients, a person's tenants)."""
    contributors = set(contributors)
    n = len(contributors)
    if n < MIN_CONTRIBUTORS:
        return FEWER_THAN_MIN
    if any(n - len(set(known) & contributors) < UNKNOWN_AT_LEAST for known in known_sets):
        return A_VIEWER_KNOWS_TOO_MANY
    return None


def shown_to(n: int, known: int) -> bool:
    """Whether a published norm of n contributors may be shown to a viewer who knows `known` of them
    (a tenant: 1, itself; a consultancy: its clients among them, as they are when it looks)."""
    return n >= MIN_CONTRIBUTORS and n - known >= UNKNOWN_AT_LEAST


def norm(values, decimals: int) -> dict:
    """{"n", "mean", "sd"} of one figure over the contributors (each tenant one value), rounded to `decimals`:
    the sample standard deviation (n - 1)."""
    values = [float(v) for v in values]
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": round(mean, decimals), "sd": round(sd, decimals)}
