"""Pure statistics with no youth-justice knowledge (intervals, funnels, regression, survival,
matching).

Every function returns a tidy pandas DataFrame whose column names never depend
on the arguments; see each function's docstring for its columns, formula,
validation and references.
"""

from cohort.stats.concordance import concordance_index
from cohort.stats.contingency import chi_square_2x2
from cohort.stats.cox import cox
from cohort.stats.funnel import funnel_limits, funnel_table, overdispersion
from cohort.stats.logistic import LogisticResult, logistic
from cohort.stats.matching import (
    balance_table,
    match,
    matched_effect,
    matching_weights,
    propensity_score,
)
from cohort.stats.proportions import proportion_ci, proportion_difference
from cohort.stats.rates import rate_ci
from cohort.stats.ratios import odds_ratio, rate_ratio
from cohort.stats.survival import kaplan_meier, survival_median

__all__ = [
    "LogisticResult",
    "balance_table",
    "chi_square_2x2",
    "concordance_index",
    "cox",
    "funnel_limits",
    "funnel_table",
    "kaplan_meier",
    "logistic",
    "match",
    "matched_effect",
    "matching_weights",
    "odds_ratio",
    "overdispersion",
    "propensity_score",
    "proportion_ci",
    "proportion_difference",
    "rate_ci",
    "rate_ratio",
    "survival_median",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
