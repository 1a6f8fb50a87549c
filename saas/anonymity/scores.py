"""What a release of anonymous scores with comments shows (DESIGN.md §3), e.g. a workshop's
evaluations: a pure function over the pooled answers, computed once at the close."""
from __future__ import annotations

from typing import Iterable

from saas.anonymity.policy import free_text_k


def score_figures(answers: Iterable[tuple[int, str]], k: int) -> dict:
    """{count, average, comments} of (score, comment) answers: the average only from k answers, the
    comments only from free_text_k(k), without attributes and sorted so their order says nothing."""
    answers = list(answers)
    count = len(answers)
    average = round(sum(score for score, _ in answers) / count, 1) if count and count >= k else None
    comments = None
    if count >= free_text_k(k):
        comments = sorted(((comment or "").strip() for _score, comment in answers if (comment or "").strip()),
                          key=lambda text: (text.casefold(), text))
    return {"count": count, "average": average, "comments": comments}
