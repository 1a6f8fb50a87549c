"""Pulse checks: what a round's release may show (DESIGN.md §3). Pure functions on counts.

There is no breakdown by group at all, so no group can be smaller than k and no two groups can be
subtracted from each other: a round shows figures only with at least k answers, a promise only when
at least k people scored it ("I can't say" is no score), and examples (free text) only with at least
free_text_k(k) answers.
"""
from __future__ import annotations

from saas.anonymity.policy import free_text_k


def round_shown(answers: int, k: int) -> bool:
    return answers >= k


def promise_shown(answers: int, scored: int, k: int) -> bool:
    return round_shown(answers, k) and scored >= k


def examples_shown(answers: int, k: int) -> bool:
    return round_shown(answers, k) and answers >= free_text_k(k)
