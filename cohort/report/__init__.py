"""The report layer: what turns protected measures into reports.

Dependencies run one way: ``measures <- report <- batch <- cli``.

- :mod:`cohort.report.context`: :class:`Report`, the context every report
  notebook makes (header, banner, protected tables, closing statement).
- :mod:`cohort.report.tables`: presentation of protected tables (masked
  values for figures, compact HTML, the KPI board).
- :mod:`cohort.report.programme`: :class:`ProgrammeReport` and the tables of
  a programme evaluation report.
- :mod:`cohort.report.plots`: the figures.
- :mod:`cohort.report.excel`: the Excel board pack.
- :mod:`cohort.report.batch`: running the notebooks for authorities x
  quarters, the manifest and the index (imports the modules above, never
  the reverse).
"""

from __future__ import annotations

from cohort.report import plots
from cohort.report.context import AUDIT_MIME, SYNTHETIC_BANNER, Report
from cohort.report.excel import write_workbook
from cohort.report.programme import (
    ProgrammeReport,
    attendance_table,
    balance_table,
    counts_html,
    detectability_table,
    evidence_text,
    flow_table,
    power_table,
    propensity_table,
    published_figures,
    published_text,
    results_table,
    sensitivity_figure,
    sensitivity_rows,
    sensitivity_table,
)
from cohort.report.tables import compact_html, kpi_board, kpi_tables, masked

__all__ = [
    "AUDIT_MIME",
    "SYNTHETIC_BANNER",
    "ProgrammeReport",
    "Report",
    "attendance_table",
    "balance_table",
    "counts_html",
    "detectability_table",
    "evidence_text",
    "flow_table",
    "compact_html",
    "kpi_board",
    "kpi_tables",
    "masked",
    "plots",
    "power_table",
    "propensity_table",
    "published_figures",
    "published_text",
    "results_table",
    "sensitivity_figure",
    "sensitivity_rows",
    "sensitivity_table",
    "write_workbook",
]
