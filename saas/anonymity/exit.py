"""What of the anonymous collections stays out of a tenant's exit archive (saas.exit), and why.

The archive holds the tenant's tables as they are stored. Stored results are anonymous by design: an answer
carries no token, no account and, once its collection closed, only as much of its group as at least k
answers share (saas.anonymity.microdata). What is not anonymous yet stays out:
- what waits in a pool to be mixed in (fewer than k answers, perhaps one person's);
- a draft, which is a known person's answers before they are sent;
- the keyed pseudonym that counts an anonymous text's distinct authors;
- the groups of an answer whose wave is still open (they are narrowed only at the close).
"""
from __future__ import annotations

POOL = "answers waiting in a pool to be mixed in with others: too few to be anonymous yet"
WITHHELD = {
    "survey_answer_pool": {"payload": POOL},
    "pulse_answer_pool": {"payload": POOL},
    "feedback_answer_pool": {"payload": POOL},
    "workshop_evaluation_pool": {"score": POOL, "comment": POOL},
    "survey_invitations": {"draft": "a draft holds a known person's answers before they are sent"},
    "expectation_contributions": {"author_key": "the keyed pseudonym that counts an anonymous text's authors"},
}
# Answers whose groups are narrowed only when their collection closes: (table, collection column, the
# collection's table, its group columns). Until the close these columns leave the archive empty.
NARROWED_AT_CLOSE = (("survey_responses", "wave_id", "survey_waves", ("legacy_org_id", "team_id", "tenure_band")),)
OPEN_GROUPS = "the groups of an answer in a wave that is still open: they are narrowed to k answers only at the close"


def withheld(table: str) -> dict[str, str]:
    """{column: why} of a table's columns that never leave in an exit archive for anonymity's sake."""
    return dict(WITHHELD.get(table, {}))


def narrowed_at_close(table: str):
    """(collection column, collection table, group columns) when `table`'s groups wait for the close; else None."""
    for name, column, collection, groups in NARROWED_AT_CLOSE:
        if name == table:
            return column, collection, groups
    return None
