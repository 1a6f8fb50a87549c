"""360-degree feedback: which rater groups, figures and comments a report may show (DESIGN.md §3).

Pure functions on counts. `answered` counts answers per relation to the manager: "manager" (their
own manager), "peer", "report"; "self" (the manager's own answers) is always theirs to see and
never counts as a rater.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from saas.anonymity.policy import RATERS_MIN_COMMENTS, RATERS_MIN_SCORES

SEPARABLE = ("peer", "report")  # the groups that may be shown on their own; never the own manager


def feedback_groups(answered: Mapping[str, int]) -> frozenset[str]:
    """The rater groups a 360 report may show on their own, given how many answered in each.

    1. Peers and reports are candidates when at least RATERS_MIN_SCORES of them answered. The own
       manager never is.
    2. "All others" (everyone but self) is one more figure. Whatever it holds beyond the groups shown
       on their own — the own manager's answer, and any group too small to show — can be found by
       subtracting those groups from it. So that rest must be empty or hold at least
       RATERS_MIN_SCORES answers. While it does not, the smallest group shown on its own joins the
       rest, until the rest is big enough or nothing is shown on its own.
    3. "All others" itself is shown only with at least RATERS_MIN_SCORES answers (`others_shown`).

    The same rule applies per promise, to the people who scored it (`promise_shown`).
    """
    separate = {group for group in SEPARABLE if answered.get(group, 0) >= RATERS_MIN_SCORES}
    total = others_total(answered)
    while separate:
        rest = total - sum(answered[group] for group in separate)
        if rest == 0 or rest >= RATERS_MIN_SCORES:
            break
        separate.remove(min(separate, key=lambda group: (answered[group], group)))
    return frozenset(separate)


def others_total(answered: Mapping[str, int]) -> int:
    return sum(count for relation, count in answered.items() if relation != "self")


def others_shown(answered: Mapping[str, int]) -> bool:
    """Whether "all others" may be shown at all (and so whether others' answers are kept at the close)."""
    return others_total(answered) >= RATERS_MIN_SCORES


def rest_ok(answered: Mapping[str, int], separate: frozenset[str]) -> bool:
    """What "all others" holds beyond the separate groups is none, or enough not to single anyone out."""
    rest = others_total(answered) - sum(answered.get(group, 0) for group in separate)
    return rest == 0 or rest >= RATERS_MIN_SCORES


def round_others_shown(answered: Mapping[str, int]) -> bool:
    """Whether a round's report shows anything of others at all."""
    return others_shown(answered) and rest_ok(answered, feedback_groups(answered))


def stored_group(relation: str, separate: frozenset[str]) -> str:
    """The group a 360 answer is kept under once its round closes: only a group that may be shown."""
    if relation == "self":
        return "self"
    return relation if relation in separate else "other"


def pooled_group(relation: str) -> str:
    """The group an answer is kept under when mixed before the close: the own manager is never kept as
    such ("other" from the start); peers and reports keep theirs until the close decides."""
    return "other" if relation == "manager" else relation


def promise_shown(scored: Mapping[str, int], round_others: bool) -> tuple[bool, frozenset[str]]:
    """Per promise, from how many of each relation scored it (someone may not be able to judge it):
    whether "all others" is shown, and which groups on their own."""
    separate = feedback_groups(scored)
    shown = round_others and others_shown(scored) and rest_ok(scored, separate)
    return shown, (separate if shown else frozenset())


def comments_shown(answered: Mapping[str, int]) -> bool:
    """Others' written answers: only with at least RATERS_MIN_COMMENTS raters who answered (a text is
    easier to recognise than a score)."""
    return round_others_shown(answered) and others_total(answered) >= RATERS_MIN_COMMENTS


def coach_is_rater(coach_id: int | None, rater_ids: Iterable[int]) -> bool:
    """A manager's coach reads the report, so they can never rate that round too: with their own
    answer in hand, the report would tell them more about the others'."""
    return coach_id is not None and coach_id in set(rater_ids)


def evidence_withheld(round_id: int | None, rounds_rated: Iterable[int]) -> bool:
    """Figures a manager shares from a 360 round are never shown to someone who was asked to rate that
    round: knowing their own answer, they could take it out of "all others"."""
    return round_id is not None and round_id in set(rounds_rated)
