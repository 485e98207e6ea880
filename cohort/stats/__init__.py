"""Pure statistics with no youth-justice knowledge (intervals, funnels, survival, matching)."""

from cohort.stats.funnel import funnel_limits, funnel_table, overdispersion
from cohort.stats.intervals import (
    odds_ratio,
    proportion_ci,
    proportion_difference,
    rate_ci,
    rate_ratio,
)

__all__ = [
    "funnel_limits",
    "funnel_table",
    "overdispersion",
    "odds_ratio",
    "proportion_ci",
    "proportion_difference",
    "rate_ci",
    "rate_ratio",
]
