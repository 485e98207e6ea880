"""The disproportionality report's tables, protected as one set.

The report shows the same children in three tables: the representation table
(children of each group at each stage, out of the stage's total), the relative
rate table (the same count, out of the group's count at the stage that feeds
it, or its population) and the cumulative table (the same count, out of the
population). Protected one by one, a count hidden as a secondary suppression
in one table is printed in another, and the stage total less the shown groups
gives back a small count. :func:`disproportionality_set` states how their
cells relate and :func:`cohort.report.protection.protect_set` protects them in
one pass:

- a stage and group's count is the same cell in the three tables;
- a relative rate's base is the same group's count at the feeding stage (or
  its population, the base of every cumulative rate of that group);
- a stage's count of a group is at most its count at the feeding stage (the
  children who went no further are never published, and are not protected
  as a count).

The groups adding up to the stage's total is the representation table's own
margin (each stage's groups out of its total).
"""

from __future__ import annotations

import pandas as pd

from cohort.disclosure import CellRef, Relation
from cohort.report.protection import TableSet

#: The tables of the set, by the names the report gives them.
NAMES = ("representation", "relative_rate_index", "cumulative_relative_rate")


def _where(row: dict, *cols: str) -> dict:
    return {c: row[c] for c in ("authority_code", *cols) if c in row}


def disproportionality_set(representation: pd.DataFrame, relative: pd.DataFrame,
                           cumulative: pd.DataFrame) -> TableSet:
    """The report's three count tables and how their cells relate.

    Parameters
    ----------
    representation, relative, cumulative : pandas.DataFrame
        :func:`cohort.measures.disproportionality.representation_table` of the
        stage-by-stage table, and
        :func:`~cohort.measures.disproportionality.relative_rate_table` of the
        stage-by-stage and of the population-based (cumulative) tables.

    Returns
    -------
    TableSet
        Tables ``representation``, ``relative_rate_index`` and
        ``cumulative_relative_rate`` with their options and relations.

    Examples
    --------
    >>> import cohort
    >>> from cohort.measures.disproportionality import relative_rate_table, representation_table
    >>> data = cohort.synthetic.generate(seed=1, authorities=1, scale=0.2)
    >>> rri = cohort.disproportionality(data)
    >>> cum = cohort.disproportionality(data, denominator="population")
    >>> ts = disproportionality_set(representation_table(rri), relative_rate_table(rri), relative_rate_table(cum))
    >>> r = ts.relations[0]  # the same stage and group's count in two tables
    >>> (r.whole.table, r.parts[0].table, r.whole.where == r.parts[0].where)
    ('cumulative_relative_rate', 'representation', True)
    """
    ts = TableSet("disproportionality")
    ts.tables = {"representation": representation.reset_index(drop=True),
                 "relative_rate_index": relative.reset_index(drop=True),
                 "cumulative_relative_rate": cumulative.reset_index(drop=True)}
    # a rate table's rows are not categories of a published whole (the reference group is left
    # out, and the bases differ): no margin within it, none implied
    rates = {"estimate": "rate", "margin": "rates", "within": None, "implicit_margins": False}
    ts.options = {"relative_rate_index": dict(rates), "cumulative_relative_rate": dict(rates)}
    counts = {(r["stage"], r["group_value"]): r for r in representation.to_dict("records")}
    population: dict[str, CellRef] = {}
    for name in ("cumulative_relative_rate", "relative_rate_index"):
        for r in ts.tables[name].to_dict("records"):
            here = CellRef(name, _where(r, "stage", "group_value"))
            if (r["stage"], r["group_value"]) in counts:
                ts.relations.append(Relation(here, [CellRef("representation", _where(r, "stage", "group_value"))]))
            base = CellRef(name, _where(r, "stage", "group_value"), "denominator")
            feeder = counts.get((r["compared_with"], r["group_value"]))
            if feeder is not None:
                ts.relations.append(Relation(base, [CellRef("representation",
                                                            _where(feeder, "stage", "group_value"))]))
                if (r["stage"], r["group_value"]) in counts:
                    # the children who went no further: never published, bounded by zero
                    ts.relations.append(Relation(base, [here], slack="whole", slack_counts_people=False))
            elif pd.notna(r["denominator"]):  # the group's population
                first = population.setdefault(r["group_value"], base)
                if first != base:
                    ts.relations.append(Relation(base, [first]))
    return ts
