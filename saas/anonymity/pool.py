"""The collection flow (DESIGN.md §3): invite or code → pool → release.

An answer is taken in detached from its invitation (the invitation only learns *that* it was
answered) and waits in its collection's pool. Once k answers wait, a job mixes the whole pool into
the results in a transaction of its own, never the k-th submitter's, in random order with random ids;
the close then rewrites all of the collection's results in its one transaction. The storage differs
per collection (survey waves, pulse checks, 360 rounds, workshop evaluations); when to mix is decided
here.
"""
from __future__ import annotations

from saas.anonymity import policy


def mix_due(waiting: int, k: int) -> bool:
    """Whether the pool holds enough answers to be mixed into the results as one batch."""
    return waiting >= k


def raters_mix_due(raters_waiting: int) -> bool:
    """A 360 round's pool is mixed once enough raters wait for their scores to be shown as a group."""
    return mix_due(raters_waiting, policy.RATERS_MIN_SCORES)
