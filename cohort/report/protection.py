"""Protection units: the tables of every report for one quarter, protected together.

A reader of the publication edition holds every file: the HTML reports and
the Excel packs of an authority, and those of the other authorities. Tables
that share cells or margins must therefore be protected *together*, not one
by one as each notebook draws them: KPI sub-groups with their totals, the
victims cascade with its non-engagement reasons and KPI 10, 3-month
reoffending cohorts with their pooled year and their reoffences, rolling
12-month rates with the quarters inside them, and the all-authority tables
(benchmarks, comparators, trends) that every authority's report shows.

Where it is computed
--------------------
Each *unit* (:data:`UNITS`) is a pure function of the store, the quarter and
the disclosure policy: its tables hold **every authority** in the store, its
relations say how their cells add up (:class:`cohort.disclosure.Relation`),
and :func:`cohort.disclosure.protect_linked` protects it in one pass. Every
report of every authority publishes a slice of the same protected unit
(:meth:`cohort.disclosure.Protected.rows`), so all reports show one
suppression pattern and a reader holding several authorities' reports learns
nothing the whole unit would not tell.

The batch runner computes each unit once per quarter and edition before any
report runs (:func:`cohort.report.units.prepare`) into a private temporary
folder (never the output folder: a unit holds every authority's unprotected
statistics) named to each report by ``$COHORT_SHARED_DIR``; a report reads it
from there (:func:`cohort.report.units.shared`) and a notebook run on its own,
with no prepared unit, recomputes it from the whole store, identically. A cached unit
is used only when the store fingerprint, the package version, the quarter and
the policy all match.

This module holds the unit's form (:class:`TableSet`) and its protection
(:func:`protect_set`); the units themselves are built by
:mod:`cohort.report.kpi_set` and :mod:`cohort.report.performance_set`, and
:mod:`cohort.report.units` computes, caches and prepares them (imports run
one way: ``protection <- kpi_set, performance_set <- units``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cohort.disclosure import (
    Policy,
    Protected,
    Relation,
    Together,
    load_policy,
    protect,
    protect_linked,
)

log = logging.getLogger(__name__)



@dataclass
class TableSet:
    """The raw tables of a unit and how their cells relate.

    Attributes
    ----------
    name : str
        The unit (``"kpi"``, ``"performance"``).
    tables : dict of str to DataFrame
        Long measure tables, every authority's rows.
    options : dict of str to dict
        Per-table arguments of :func:`cohort.disclosure.protect`
        (``within``, ``by``, ``margin``, ``estimate``, ...).
    relations : list of Relation
    together : list of Together
    unpublished : set of str
        Tables never shown whose cells matter (quarters inside rolling years).
    separate : dict of str to (DataFrame, dict, str, list of Relation)
        Tables protected on their own under another policy, with their
        options, that policy and their own relations (board attendance
        counts no people: ``non_personal``).
    notes : list of str
        What the unit could not relate (told in the disclosure statement).
    """

    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    together: list[Together] = field(default_factory=list)
    unpublished: set[str] = field(default_factory=set)
    separate: dict[str, tuple[pd.DataFrame, dict[str, Any], str, list[Relation]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def protect_set(tset: TableSet, policy: str | Policy) -> dict[str, Protected]:
    """Protect a unit's tables jointly under ``policy``.

    Parameters
    ----------
    tset : TableSet
    policy : str or Policy
        ``"management"`` shows every figure (each table is still audited);
        ``"publication"`` suppresses jointly (:func:`cohort.disclosure.protect_linked`
        with the unit's relations). Tables in ``tset.separate`` keep their
        own policy in a publication edition (a management edition shows them
        as it shows everything).

    Returns
    -------
    dict of str to Protected
        One entry per published table.
    """
    pol = load_policy(policy)
    out: dict[str, Protected] = {}
    tables = {k: v for k, v in tset.tables.items() if len(v)}
    if tables:
        options = {k: v for k, v in tset.options.items() if k in tables}
        management = pol.edition == "management"  # shows every figure: no relation changes anything
        out.update(protect_linked(
            tables, (), pol, options=options, unpublished=[u for u in tset.unpublished if u in tables],
            relations=[] if management else [r for r in tset.relations if _present(r, tables)],
            together=[] if management else [t for t in tset.together if all(c.table in tables for c in t.cells)],
            on_fail="audit",
        ))
    for name, (t, opts, own, rels) in tset.separate.items():
        if not len(t):
            continue
        if pol.edition == "management":
            out[name] = protect(t, pol, name=name, **opts)
        else:
            out[name] = protect_linked({name: t}, (), own, options={name: opts}, relations=rels,
                                       on_fail="audit")[name]
    return out


def _present(rel: Relation, tables: Mapping[str, pd.DataFrame]) -> bool:
    return all(c.table in tables for c in (rel.whole, *rel.parts))
