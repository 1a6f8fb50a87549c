"""The words a comparison is read in, shared by the comparison page and the culture report:
the customary entropy bands and the confidence level of the intervals."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

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
    """The band of an entropy in %, decided on the whole percent the reader sees (rounded as
    saas.kernel.formatting.percent_of_100 rounds it): "40 %" is "up to 40 %: serious", as the legend
    says, even when it was 40.3 before rounding; 41 % is critical."""
    if percent is None:
        return None
    shown = Decimal(str(percent / 100)).scaleb(2).quantize(Decimal(1), ROUND_HALF_EVEN)
    for upper, name, _fill in ENTROPY_BANDS:
        if shown <= upper:
            return name
    return ENTROPY_BANDS[-1][1]
