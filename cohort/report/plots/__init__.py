"""Figures for the reports: each takes a tidy (protected) table and ``ax=None``
and returns the Axes; none calls ``plt.show()`` or sets global style.

One module per report topic; every public figure is re-exported here, so
``cohort.plots.funnel`` and ``cohort.report.plots.funnel`` are the same. Each
figure has a ``describe_*`` companion that writes its text alternative.
"""

from __future__ import annotations

from cohort.report.plots.core import (
    PALETTE,
    describe_funnel,
    describe_shares,
    describe_trend,
    forest,
    funnel,
    love,
    shares,
    survival,
    trend,
)

__all__ = ["PALETTE", "describe_funnel", "describe_shares", "describe_trend", "forest", "funnel", "love",
           "shares", "survival", "trend"]
