"""The leadership sums, as plain functions on plain data: means, shares, the report's shape, the verdict.

Nothing here decides what may be shown: that is saas.anonymity (`pulse` for pulse checks, `raters`
for 360-degree feedback), called where the figures are made, once, when a round closes. The results
are stored as a release (saas.anonymity.releases) in the plain JSON of `*.to_json()`; pages read
them back with `*.from_json()`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from saas.anonymity import pulse as pulse_rule
from saas.anonymity import raters

SCALE = (1, 2, 3, 4, 5)
NOTICED_FROM = 4  # "often" and "always" count as noticing a promise
SEPARABLE = raters.SEPARABLE

secure_shuffle = random.SystemRandom().shuffle


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

    def to_json(self) -> dict:
        return {"answers": self.answers, "k": self.k, "shown": self.shown, "examples_shown": self.examples_shown,
                "promises": {str(pid): {"shown": r.shown, "scored": r.scored, "mean": r.mean,
                                        "noticed_percent": r.noticed_percent, "counts": list(r.counts),
                                        "examples": list(r.examples)}
                             for pid, r in self.promises.items()}}

    @classmethod
    def from_json(cls, data: Mapping) -> "RoundResult":
        return cls(data["answers"], data["k"], data["shown"], data["examples_shown"],
                   {int(pid): PromiseResult(int(pid), r["shown"], r["scored"], r["mean"], r["noticed_percent"],
                                            tuple(r["counts"]), tuple(r["examples"]))
                    for pid, r in data["promises"].items()})


def pulse_round_result(answers: Sequence[tuple[Mapping, Mapping]], promise_ids: Iterable[int], k: int,
                       shuffle: Callable[[list], None] = secure_shuffle) -> RoundResult:
    """The results of one closed round. `answers` are (scores, examples) pairs keyed by promise id (str);
    what is shown is decided by saas.anonymity.pulse."""
    count = len(answers)
    shown = pulse_rule.round_shown(count, k)
    examples_shown = pulse_rule.examples_shown(count, k)
    results = {}
    for promise_id in promise_ids:
        key = str(promise_id)
        scores = [scores[key] for scores, _examples in answers if key in scores]
        if not pulse_rule.promise_shown(count, len(scores), k):
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
    others_comments_shown: bool = False

    @property
    def groups_shown(self) -> list[str]:
        return [g for g in SEPARABLE if any(g in line.groups for line in self.lines)]

    def to_json(self) -> dict:
        return {"answered": dict(self.answered), "others_shown": self.others_shown,
                "lines": [{"promise_id": line.promise_id, "self_score": line.self_score,
                           "others": [line.others.scored, line.others.mean],
                           "groups": {g: [c.scored, c.mean] for g, c in line.groups.items()}} for line in self.lines],
                "self_comments": dict(self.self_comments), "others_comments": dict(self.others_comments),
                "others_comments_shown": self.others_comments_shown}

    @classmethod
    def from_json(cls, data: Mapping) -> "FeedbackReport":
        lines = [FeedbackLine(line["promise_id"], line["self_score"], Cell(*line["others"]),
                              {g: Cell(*cell) for g, cell in line["groups"].items()}) for line in data["lines"]]
        return cls(dict(data["answered"]), data["others_shown"], lines, dict(data["self_comments"]),
                   {q: list(texts) for q, texts in data["others_comments"].items()}, data["others_comments_shown"])


def feedback_report(answers: Sequence[tuple[str, Mapping, Mapping]], promise_ids: Iterable[int],
                    questions: Iterable[str], shuffle: Callable[[list], None] = secure_shuffle) -> FeedbackReport:
    """The report of a closed round from its stored answers: (stored group, scores, comments).

    The stored groups already obey saas.anonymity.raters for the round as a whole; per promise the
    rule is applied again to the people who scored it ("other" counts like the own manager: never on
    its own), and others' comments follow raters.comments_shown.
    """
    answered = {group: 0 for group in ("self", "peer", "report", "other")}
    for group, _scores, _comments in answers:
        answered[group] += 1
    by_relation = {"manager": answered["other"], "peer": answered["peer"], "report": answered["report"]}
    round_others = raters.round_others_shown(by_relation)
    mine = next(((scores, comments) for group, scores, comments in answers if group == "self"), ({}, {}))
    lines = []
    for promise_id in promise_ids:
        key = str(promise_id)
        scored: dict[str, list[int]] = {"manager": [], "peer": [], "report": []}
        for group, scores, _comments in answers:
            if group != "self" and key in scores:
                scored["manager" if group == "other" else group].append(scores[key])
        show_others, separate = raters.promise_shown({r: len(v) for r, v in scored.items()}, round_others)
        everyone = [value for values in scored.values() for value in values]
        lines.append(FeedbackLine(
            promise_id, mine[0].get(key),
            Cell(len(everyone), _mean(everyone) if show_others else None),
            {group: Cell(len(scored[group]), _mean(scored[group])) for group in SEPARABLE if group in separate}))
    comments_shown = raters.comments_shown(by_relation)
    others_comments: dict[str, list[str]] = {}
    for question in questions:
        texts = [comments[question] for group, _s, comments in answers if group != "self" and comments.get(question)]
        shuffle(texts)
        others_comments[question] = texts if comments_shown else []
    return FeedbackReport(answered, round_others, lines, dict(mine[1]), others_comments, comments_shown)


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
