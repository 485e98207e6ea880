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
from cohort.report.plots.disproportionality import (
    adjusted_findings,
    paragraph,
    representation,
    representation_alt,
    rri_findings,
    rri_forest,
    rri_forest_alt,
    with_alt,
)
from cohort.report.plots.evaluation import (
    figure_html,
    flow_plot,
    flow_plot_text,
    forest_plot,
    forest_plot_text,
    km_plot,
    km_plot_text,
    love_plot,
    love_plot_text,
    overlap_plot,
    overlap_plot_text,
)

__all__ = [
    "PALETTE",
    "adjusted_findings",
    "describe_funnel",
    "describe_shares",
    "describe_trend",
    "figure_html",
    "flow_plot",
    "flow_plot_text",
    "forest",
    "forest_plot",
    "forest_plot_text",
    "funnel",
    "km_plot",
    "km_plot_text",
    "love",
    "love_plot",
    "love_plot_text",
    "overlap_plot",
    "overlap_plot_text",
    "paragraph",
    "representation",
    "representation_alt",
    "rri_findings",
    "rri_forest",
    "rri_forest_alt",
    "shares",
    "survival",
    "trend",
    "with_alt",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
