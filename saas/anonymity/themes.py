"""The free-text rule applied to themes of open answers (issue 21 point 5, DESIGN.md §3).

Open answers of a wave are shown only when at least free_text_k(k) people wrote one (saas.anonymity.policy);
grouped into themes, each theme is one more group of texts with a count: it stands on its own only with at
least free_text_k(k) answers, the rest are counted together as "other" under the same rule. saas.opentext
finds the themes; what of them is shown is decided here.
"""
from __future__ import annotations

from saas.anonymity.policy import free_text_k


def most_themes(answers: int, k: int) -> int:
    """How many themes a question's answers can hold at most: each must be able to reach the threshold."""
    return answers // free_text_k(k)


def theme_shown(count: int, k: int) -> bool:
    """Whether a theme (or the "other" answers) is shown with its count and its answers."""
    return count >= free_text_k(k)
