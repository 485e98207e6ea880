"""The ten YJB key performance indicators (KPIs) by quarter and by financial year.

The Youth Justice Board's ten KPIs (collected from April 2023; METHODS.md
section 3) are modelled as small declarative specifications, one
:class:`KpiSpec` per KPI holding :class:`MeasureSpec` entries (numerator,
denominator, timing, breakdowns), gathered in a versioned
:class:`KpiDefinitions` (``"yjb_2023"``). One generic evaluator turns a spec
into counts, so adding a sub-measure or a later revision of the guidance is a
new spec entry, not new code.

Cohorts (timing rule, ``basis``):

* ``"ended"`` (default): KPI-cohort interventions (programme code list flag
  ``kpi_cohort``: everything except Turnaround, prevention and named
  projects) whose ``end_date`` falls in the period, with the intervention's
  ``kpi_records`` row dated in the period (the latest if there are several).
* ``"open"``: a snapshot: KPI-cohort interventions open at any time in the
  period, each with its latest ``kpi_records`` row dated on or before the
  period's last day.

A quarter counts one record per intervention, as the quarterly return does;
a financial year (:func:`kpis_year`) counts **distinct children**, so a child
whose interventions ended in two quarters is counted once in the year.

Denominators are "records with an answer": a missing value (e.g. an empty
``ete_suitable``) leaves the record out of that measure's denominator, which
is why published denominators differ between measures of one quarter. The
steps of a cascade (need -> offered -> attending) chain instead: each step's
denominator is the previous step's numerator, and a missing later answer
counts as "no".

Every table follows the package's tidy contract (grouping columns, then
``numerator``, ``denominator``, ``estimate``, ``lower``, ``upper``,
``method``, ``confidence``) with the change from the previous period after
them.

Modules: :mod:`~cohort.measures.kpi.definitions` (the specifications),
:mod:`~cohort.measures.kpi.records` (the records each KPI is counted from),
:mod:`~cohort.measures.kpi.engine` (the counting engine) and
:mod:`~cohort.measures.kpi.indicators` (the public functions).
"""

from __future__ import annotations

from cohort.measures.kpi.definitions import (
    CHANGE_COLUMNS,
    DEFINITIONS,
    KEY_COLUMNS,
    YJB_2023,
    KpiDefinitions,
    KpiSpec,
    MeasureSpec,
)
from cohort.measures.kpi.indicators import kpi_cohort, kpi_specs, kpis, kpis_year

__all__ = [
    "DEFINITIONS",
    "KEY_COLUMNS",
    "CHANGE_COLUMNS",
    "YJB_2023",
    "KpiDefinitions",
    "KpiSpec",
    "MeasureSpec",
    "kpi_cohort",
    "kpi_specs",
    "kpis",
    "kpis_year",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
