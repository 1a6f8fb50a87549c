"""The words a comparison is read in, shared by the comparison page and the culture report:
the customary entropy bands and the confidence level of the intervals."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ENTROPY_BANDS = (  # DESIGN.md §5: the customary bands, upper bound in %
    (10, _l("healthy"), "#e3f1e6"),
    (20, _l("minor issues"), "#fbf3d0"),
    (30, _l("significant"), "#fde3c8"),
    (40, _l("serious"), "#f9d0cc"),
    (100, _l("critical"), "#f2b8b5"),
)
LEVEL = "95 %"  # the confidence level of the intervals, put into sentences as a placeholder


def band(percent: float | None):
    if percent is None:
        return None
    for upper, name, _fill in ENTROPY_BANDS:
        if percent <= upper:
            return name
    return ENTROPY_BANDS[-1][1]
