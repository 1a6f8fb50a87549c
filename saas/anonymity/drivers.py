"""When a group's drivers may be shown (issue 21 point 4, DESIGN.md §3).

Drivers are relative-importance weights from a regression over a group's respondents
(saas.reports.drivers computes them in the release job). A regression is not an aggregate like a mean:
with few respondents per predictor one person's answers move the weights visibly, and a 0/1 predictor
held by a handful of people contrasts exactly those people's outcome with everyone else's. So drivers
are shown only for a group the release shows anyway (at least k answers, saas.anonymity.audit), and only
where

- the respondents number at least `drivers_min_n(predictors, k)` = max(k, 10 × predictors, 30):
  k because the group itself must be releasable; 10 per predictor, the customary floor for a stable
  linear regression (Harrell, *Regression Modeling Strategies*: about 10–20 observations per
  parameter), so that the weights say something about the group and nothing about one person (one
  respondent of n ≥ 10 p moves a correlation by roughly 1/n); and 30 at least, because below that the
  bootstrap percentile interval itself is unreliable and one answer shifts R² noticeably;
- every 0/1 predictor (a value, saas.reports.drivers) is held by at least k of those respondents and
  lacked by at least k (`indicator_usable`): its weight compares the two sides, so each must be a group
  that could be shown on its own. A value that fails this in a group is left out of that group's
  regression; that it is left out says no more than the group's released top values with their shares
  already do.

Regression weights are not sums over people: subtracting one group's weights from another's gives no
figure of the people in between, so no complementary hiding is needed beyond the groups' own release.
Teams and cells get no drivers (too small for the rule by design, and nothing is lost for the whole
organisation and the legacy organisations, which the rule is about).
"""
from __future__ import annotations

REGRESSION_MIN = 30  # respondents, whatever the number of predictors
PER_PREDICTOR = 10  # respondents per predictor

TOO_FEW_FOR_DRIVERS = "too_few_for_drivers"  # the reason a group's drivers are not shown


def drivers_min_n(predictors: int, k: int) -> int:
    """The fewest respondents (with every predictor and outcome answered) a group's drivers rest on."""
    return max(k, PER_PREDICTOR * max(predictors, 1), REGRESSION_MIN)


def drivers_shown(respondents: int, predictors: int, k: int) -> bool:
    """Whether a group's drivers may be shown: a shown group with enough respondents and a predictor at least."""
    return predictors > 0 and respondents >= drivers_min_n(predictors, k)


def indicator_usable(ones: int, respondents: int, k: int) -> bool:
    """Whether a 0/1 predictor may enter a group's regression: at least k have it and at least k do not."""
    return ones >= k and respondents - ones >= k

