"""Pulse checks: what a round's release may show (DESIGN.md §3). Pure functions on counts.

There is no breakdown of the answers by group at all, so no group can be smaller than k and no two groups can be
subtracted from each other: a round shows figures only with at least k answers, a promise only when
at least k people scored it ("I can't say" is no score), and examples (free text) only with at least
free_text_k(k) answers.
"""
from __future__ import annotations

from typing import Mapping

from saas.anonymity import people
from saas.anonymity.policy import free_text_k


def round_shown(answers: int, k: int) -> bool:
    return answers >= k


def promise_shown(answers: int, scored: int, k: int) -> bool:
    return round_shown(answers, k) and scored >= k


def examples_shown(answers: int, k: int) -> bool:
    return round_shown(answers, k) and answers >= free_text_k(k)


def batches_shown(invited: Mapping[int | None, int], k: int) -> set[int]:
    """Which batches of a round's answer codes may show how many answered (a response rate per batch, as a
    wave's: saas.anonymity.people). `invited`: {batch id: codes; None: the personal invitations}. The round's own
    total is one more group, so a batch is shown only when no difference of shown counts singles out fewer
    than k invitations (e.g. the personal ones, as the total minus the batches)."""
    atoms = {(None, frozenset() if batch is None else frozenset({people.batch_key(batch)})): n
             for batch, n in invited.items() if n}
    shown = people.audit(atoms, k)
    return {batch for batch in invited if batch is not None and shown.reason("team", people.batch_key(batch)) is None}
