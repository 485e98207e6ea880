"""Confidence intervals for proportions, rates, differences and ratios (old module path).

The functions now live in :mod:`cohort.stats.proportions`,
:mod:`cohort.stats.rates` and :mod:`cohort.stats.ratios`; this module keeps
``from cohort.stats.intervals import ...`` working. New code should import
from :mod:`cohort.stats`.
"""

from cohort.stats._common import ArrayLike
from cohort.stats.proportions import proportion_ci, proportion_difference
from cohort.stats.rates import rate_ci
from cohort.stats.ratios import odds_ratio, rate_ratio

__all__ = [
    "ArrayLike",
    "odds_ratio",
    "proportion_ci",
    "proportion_difference",
    "rate_ci",
    "rate_ratio",
]
