"""The report layer: what turns protected measures into reports.

Dependencies run one way: ``measures <- report <- batch <- cli``; inside the
package, ``labels``/``tables``/``plots`` <- ``protection`` (with its units
``kpi_set`` and ``performance_set``) <- ``kpi_layout``/``sections`` <-
``context`` <- ``excel`` <- ``batch``, the modules below importing the ones
above (``context`` and ``excel`` meet only through the report they share).

- :mod:`cohort.report.context`: :class:`Report`, the context every report
  notebook makes (header, edition marking, sections, tables, figures,
  closing statement).
- :mod:`cohort.report.protection`: the protection units: every table of a
  quarter's reports that shares cells or margins, protected together, once
  per quarter and edition (the batch-level step).
- :mod:`cohort.report.sections`, :mod:`cohort.report.kpi_layout`: the report
  sections (profile, KPIs, performance, benchmarks, victims).
- :mod:`cohort.report.tables`: the presented form of a protected table, for
  HTML and Excel alike; :mod:`cohort.report.labels`: words for codes.
- :mod:`cohort.report.plots`: the figures, each with a text alternative.
- :mod:`cohort.report.programme`: :class:`ProgrammeReport` and the tables of
  a programme evaluation report.
- :mod:`cohort.report.excel`: the Excel board pack.
- :mod:`cohort.report.batch`: running the notebooks for authorities x
  quarters x editions, the manifest and the index.
"""

from __future__ import annotations

from cohort.report import plots
from cohort.report.context import AUDIT_MIME, SYNTHETIC_BANNER, Report
from cohort.report.excel import write_workbook
from cohort.report.kpi_layout import kpi_board, kpi_tables
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
from cohort.report.tables import Presented, compact_html, masked, present, render_html

__all__ = [
    "AUDIT_MIME",
    "SYNTHETIC_BANNER",
    "Presented",
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
    "present",
    "render_html",
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
