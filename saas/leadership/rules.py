"""What the leadership pages may show: the anonymity rules and the sums, as plain functions on plain data.

Pulse checks (DESIGN.md §3): a round's results are shown only when at least k people answered it,
and a promise's figure only when at least k of them scored it ("I can't say" is no score). There
is no breakdown by group at all, so no group can be smaller than k and no two groups can be
subtracted from each other. Examples (free text) need a round of at least max(10, k) answers, and
are shown without anything about who wrote them, in shuffled order.

360-degree feedback: see `feedback_groups`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

SCALE = (1, 2, 3, 4, 5)
NOTICED_FROM = 4  # "often" and "always" count as noticing a promise
EXAMPLES_MIN = 10  # DESIGN.md §3: free text needs a larger group (never below k)
MIN_RATERS = 3  # a 360 rater group is shown on its own only with at least this many answers
SEPARABLE = ("peer", "report")  # the 360 groups that may be shown on their own; never the own manager

secure_shuffle = random.SystemRandom().shuffle


def k_of(tenant) -> int:
    """The tenant's minimum group size: 5, or higher if the tenant raised it."""
    return max(5, tenant.min_group_size or 5)


# ---- pulse checks ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PromiseResult:
    """One promise in one round. Figures are None when hidden."""

    promise_id: int
    shown: bool
    scored: int | None = None
    mean: float | None = None
    noticed_percent: int | None = None
    counts: tuple[int, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundResult:
    answers: int
    k: int
    shown: bool
    examples_shown: bool
    promises: dict[int, PromiseResult] = field(default_factory=dict)


def pulse_round_result(answers: Sequence[tuple[Mapping, Mapping]], promise_ids: Iterable[int], k: int,
                       shuffle: Callable[[list], None] = secure_shuffle) -> RoundResult:
    """The results of one closed round. `answers` are (scores, examples) pairs keyed by promise id (str)."""
    count = len(answers)
    shown = count >= k
    examples_shown = shown and count >= max(EXAMPLES_MIN, k)
    results = {}
    for promise_id in promise_ids:
        key = str(promise_id)
        scores = [scores[key] for scores, _examples in answers if key in scores]
        if not shown or len(scores) < k:
            results[promise_id] = PromiseResult(promise_id, False)
            continue
        examples = [examples[key] for _scores, examples in answers if examples.get(key)] if examples_shown else []
        shuffle(examples)  # per promise, so that positions do not tie examples of one person together
        results[promise_id] = PromiseResult(
            promise_id, True, scored=len(scores), mean=round(sum(scores) / len(scores), 1),
            noticed_percent=_percent(sum(1 for s in scores if s >= NOTICED_FROM), len(scores)),
            counts=tuple(scores.count(point) for point in SCALE), examples=tuple(examples))
    return RoundResult(count, k, shown, examples_shown, results)


# ---- 360-degree feedback --------------------------------------------------------------------

def feedback_groups(answered: Mapping[str, int]) -> frozenset[str]:
    """The rater groups a 360 report may show on their own, given how many answered in each.

    `answered` counts answers per relation: "manager", "peer", "report" (not "self", which is the
    manager's own and always shown). The rule:

    1. Peers and reports are candidates when at least 3 of them answered. The own manager never is.
    2. "All others" (everyone but self) is one more figure. Whatever it holds beyond the groups shown
       on their own — the own manager's answer, and any group too small to show — can be found by
       subtracting those groups from it. So that rest must be empty or hold at least 3 answers.
       While it holds 1 or 2, the smallest group shown on its own is no longer shown on its own
       (it joins the rest), which ends when the rest is big enough or nothing is shown on its own.
    3. "All others" itself is shown only when at least 3 answered (`others_shown`).

    So the own manager's answer is only ever part of "all others", next to at least 2 other answers
    that no shown figure can be subtracted away. The same rule applies per promise, to the people
    who scored it (someone may answer "I can't judge this").
    """
    separate = {group for group in SEPARABLE if answered.get(group, 0) >= MIN_RATERS}
    total = others_total(answered)
    while separate:
        rest = total - sum(answered[group] for group in separate)
        if rest == 0 or rest >= MIN_RATERS:
            break
        separate.remove(min(separate, key=lambda group: (answered[group], group)))
    return frozenset(separate)


def others_total(answered: Mapping[str, int]) -> int:
    return sum(count for relation, count in answered.items() if relation != "self")


def others_shown(answered: Mapping[str, int]) -> bool:
    return others_total(answered) >= MIN_RATERS


def stored_group(relation: str, separate: frozenset[str]) -> str:
    """The group a 360 answer is kept under when its round closes: only a group that may be shown."""
    if relation == "self":
        return "self"
    return relation if relation in separate else "other"


@dataclass(frozen=True)
class Cell:
    """A group's figure on one promise: None when hidden."""

    scored: int
    mean: float | None

    @property
    def shown(self) -> bool:
        return self.mean is not None


@dataclass(frozen=True)
class FeedbackLine:
    promise_id: int
    self_score: int | None
    others: Cell
    groups: dict[str, Cell]  # "peer", "report": only the groups shown on their own for this promise

    @property
    def gap(self) -> float | None:
        """Others minus self: negative when the manager sees themselves more favourably than others do."""
        if self.self_score is None or not self.others.shown:
            return None
        return round(self.others.mean - self.self_score, 1)


@dataclass(frozen=True)
class FeedbackReport:
    answered: dict[str, int]  # per stored group
    others_shown: bool
    lines: list[FeedbackLine]
    self_comments: dict[str, str]
    others_comments: dict[str, list[str]]  # per question, shuffled, without groups

    @property
    def groups_shown(self) -> list[str]:
        return [g for g in SEPARABLE if any(g in line.groups for line in self.lines)]


def feedback_report(answers: Sequence[tuple[str, Mapping, Mapping]], promise_ids: Iterable[int],
                    questions: Iterable[str], shuffle: Callable[[list], None] = secure_shuffle) -> FeedbackReport:
    """The report of a closed round from its stored answers: (stored group, scores, comments).

    The stored groups already obey `feedback_groups` for the round as a whole; the rule is applied
    again here, per promise, to the people who scored it ("other" counts like the own manager:
    never on its own).
    """
    answered = {group: 0 for group in ("self", "peer", "report", "other")}
    for group, _scores, _comments in answers:
        answered[group] += 1
    by_relation = {"manager": answered["other"], "peer": answered["peer"], "report": answered["report"]}
    round_others = others_shown(by_relation) and _rest_ok(by_relation, feedback_groups(by_relation))
    mine = next(((scores, comments) for group, scores, comments in answers if group == "self"), ({}, {}))
    lines = []
    for promise_id in promise_ids:
        key = str(promise_id)
        scored: dict[str, list[int]] = {"manager": [], "peer": [], "report": []}
        for group, scores, _comments in answers:
            if group != "self" and key in scores:
                scored["manager" if group == "other" else group].append(scores[key])
        counts = {relation: len(values) for relation, values in scored.items()}
        separate = feedback_groups(counts)
        everyone = [value for values in scored.values() for value in values]
        show_others = round_others and others_shown(counts) and _rest_ok(counts, separate)
        lines.append(FeedbackLine(
            promise_id, mine[0].get(key),
            Cell(len(everyone), _mean(everyone) if show_others else None),
            {group: Cell(counts[group], _mean(scored[group])) for group in SEPARABLE
             if group in separate and show_others}))
    others_comments: dict[str, list[str]] = {}
    for question in questions:
        texts = [comments[question] for group, _s, comments in answers if group != "self" and comments.get(question)]
        shuffle(texts)
        others_comments[question] = texts if round_others else []
    return FeedbackReport(answered, round_others, lines, dict(mine[1]), others_comments)


def _rest_ok(counts: Mapping[str, int], separate: frozenset[str]) -> bool:
    rest = others_total(counts) - sum(counts[group] for group in separate)
    return rest == 0 or rest >= MIN_RATERS


# ---- consistency ----------------------------------------------------------------------------

PART, MIXED, MATCH, UNKNOWN = "part", "mixed", "match", "unknown"
PULSE_AGAINST_BELOW = 3.0  # staff notice it less than "sometimes"
PULSE_FOR_FROM = 3.5  # staff notice it more than "sometimes", towards "often"


def verdict(consistent: int, inconsistent: int, pulse_mean: float | None) -> str:
    """Where words and deeds part: every piece of evidence rated inconsistent counts against the promise,
    every piece rated consistent for it; the latest shown pulse result counts once, against below 3.0
    and for from 3.5. More against than for, or as many: they part. Some against: mixed."""
    against = inconsistent + (1 if pulse_mean is not None and pulse_mean < PULSE_AGAINST_BELOW else 0)
    support = consistent + (1 if pulse_mean is not None and pulse_mean >= PULSE_FOR_FROM else 0)
    if not against and not support:
        return UNKNOWN
    if against and against >= support:
        return PART
    return MIXED if against else MATCH


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _percent(part: int, whole: int) -> int:
    return int(100 * part / whole + 0.5) if whole else 0
