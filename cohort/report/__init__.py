"""The report layer: what turns protected measures into reports.

Dependencies run one way: ``measures <- report <- batch <- cli``; inside the
package, ``labels``/``tables``/``plots`` and ``protection`` <- ``kpi_set``,
``performance_set`` <- ``units`` <- ``kpi_layout``/``sections`` <-
``context`` <- ``excel`` <- ``html``/``index`` <- ``batch`` (``context``
reaches ``sections``, ``units`` and ``excel`` only inside its methods, and
``excel`` takes the report it writes as an argument).

- :mod:`cohort.report.context`: :class:`Report`, the context every report
  notebook makes (header, edition marking, sections, tables, figures,
  closing statement).
- :mod:`cohort.report.protection`: the protection units: every table of a
  quarter's reports that shares cells or margins, protected together;
  :mod:`cohort.report.kpi_set` and :mod:`cohort.report.performance_set` build
  them and :mod:`cohort.report.units` computes, caches and prepares them once
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
  quarters x editions (:mod:`cohort.report.planning` the plan and its
  checks, :mod:`cohort.report.checks` quarters, authorities and coverage,
  :mod:`cohort.report.executor` warm workers forking a child per report,
  :mod:`cohort.report.engine` the in-process papermill engine,
  :mod:`cohort.report.journal` the manifest, :mod:`cohort.report.html` the
  HTML page, :mod:`cohort.report.index` the index page).
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

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
