"""Relations between single cells of the tables that :func:`protect_linked`
protects together.

A table-level link (``("year", ["q1", "q2"])``) says that two tables add up
cell by cell. Report tables are rarely that regular: a KPI block for all
children is the sum of the school-age and post-16 blocks *of the same table*;
the denominator of one step of a cascade is the numerator of the step before;
a pooled cohort is the sum of four 3-month cohorts of another table. A
:class:`Relation` states one such identity between named cells, and
:class:`Together` names cells that bound each other without adding up
(reoffenders and reoffences of one cohort) and are therefore suppressed
together. Both are read into the constraint graph that the secondary
suppression and the linear-programming audit work on.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cohort.disclosure.graph import _Graph
from cohort.disclosure.tables import _isna, _Layout, _raise_problems

Slack = Literal["none", "whole", "parts"]


@dataclass(frozen=True)
class CellRef:
    """One count cell of a long table, named by the values of its row.

    Parameters
    ----------
    table : str
        Name of the table in :func:`protect_linked`'s ``tables``.
    where : mapping of str to value
        Column values that select exactly one row (e.g. ``{"authority_code":
        "X01", "measure": "suitability", "category": "Suitable"}``).
    column : {"numerator", "denominator"}
        The count cell of that row.

    Examples
    --------
    >>> CellRef("kpis", {"measure": "suitability", "category": "Suitable"})
    CellRef(table='kpis', where={'measure': 'suitability', 'category': 'Suitable'}, column='numerator')
    """

    table: str
    where: Mapping[str, Any]
    column: str = "numerator"

    def __post_init__(self) -> None:
        if self.column not in ("numerator", "denominator"):
            raise ValueError(f"column={self.column!r} is not valid; choose one of 'numerator', 'denominator'")


@dataclass(frozen=True)
class Relation:
    """An additive identity between cells: ``whole = sum(parts)``.

    Parameters
    ----------
    whole : CellRef
    parts : sequence of CellRef
        One part states an equality (the same count shown twice).
    slack : {"none", "whole", "parts"}
        ``"none"``: the identity is exact. ``"whole"``: the whole also holds
        rows the parts leave out (``whole = sum(parts) + r``, e.g. records
        with no school age in an all-ages block). ``"parts"``: the parts
        overlap (``sum(parts) = whole + r``, e.g. distinct children over
        offence groups). The remainder ``r >= 0`` is never published.
    slack_counts_people : bool
        Whether the remainder counts people, and so is protected like a
        count (a small remainder must not be recoverable).
    slack_known : bool
        Assume the reader knows the remainder (protect as if the identity
        were exact with a known offset). The conservative choice when a
        reader could guess it (most often it is zero, and a reader who
        assumes so is right); the remainder itself is then not protected.

    Examples
    --------
    >>> r = Relation(CellRef("t", {"group": "all"}), [CellRef("t", {"group": "girls"}),
    ...                                              CellRef("t", {"group": "boys"})])
    >>> r.slack
    'none'
    """

    whole: CellRef
    parts: Sequence[CellRef]
    slack: Slack = "none"
    slack_counts_people: bool = True
    slack_known: bool = False

    def __post_init__(self) -> None:
        if self.slack not in ("none", "whole", "parts"):
            raise ValueError(f"slack={self.slack!r} is not valid; choose one of 'none', 'whole', 'parts'")
        if not len(self.parts):
            raise ValueError("a relation needs at least one part")


@dataclass(frozen=True)
class Together:
    """Cells suppressed together: if one is hidden, every other one is hidden too.

    For counts that bound each other without adding up, such as the
    reoffenders and the reoffences of a cohort (reoffences >= reoffenders,
    and reoffences > 0 tells that someone reoffended).

    Examples
    --------
    >>> Together([CellRef("binary", {"period": "Q1"}), CellRef("frequency", {"period": "Q1"})]).cells[1].table
    'frequency'
    """

    cells: Sequence[CellRef]


@dataclass
class _Resolver:
    layouts: Mapping[str, _Layout]
    index: dict[tuple[str, tuple[str, ...]], dict[tuple, list[int]]] = field(default_factory=dict)

    def rows(self, ref: CellRef) -> list[int]:
        lay = self.layouts.get(ref.table)
        if lay is None:
            raise ValueError(f"{ref}: no table named {ref.table!r}; tables: {list(self.layouts)}")
        if lay.kind != "long":
            raise ValueError(f"{ref}: relations name cells of long tables only")
        cols = tuple(sorted(ref.where))
        missing = [c for c in cols if c not in lay.frame.columns]
        if missing:
            raise ValueError(f"{ref}: {ref.table!r} has no column(s) {missing}")
        key = (ref.table, cols)
        if key not in self.index:
            values = lay.frame[list(cols)].astype(object).to_numpy()
            idx: dict[tuple, list[int]] = {}
            for r, row in enumerate(values):
                idx.setdefault(tuple(_norm(v) for v in row), []).append(r)
            self.index[key] = idx
        return self.index[key].get(tuple(_norm(ref.where[c]) for c in cols), [])

    def node(self, ref: CellRef, problems: list[str]) -> int | None:
        rows = self.rows(ref)
        if len(rows) != 1:
            problems.append(f"{ref.table} {dict(ref.where)}: selects {len(rows)} rows, not one")
            return None
        lay = self.layouts[ref.table]
        if ref.column not in lay.frame.columns:
            problems.append(f"{ref.table} has no {ref.column!r} column")
            return None
        j = list(lay.frame.columns).index(ref.column)
        node = lay.count_cells.get((rows[0], j))
        if node is None:
            problems.append(f"{ref.table} {dict(ref.where)} / {ref.column}: not a count cell")
        return node


def _norm(v: Any) -> Hashable:
    if _isna(v):
        return "<NA>"
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v.item() if hasattr(v, "item") else v


def _relate(g: _Graph, layouts: Mapping[str, _Layout], relations: Sequence[Relation],
            together: Sequence[Together]) -> None:
    """Add the relations' lines (and remainder cells) and the together groups to ``g``."""
    res = _Resolver(layouts)
    problems: list[str] = []
    for rel in relations:
        if not isinstance(rel, Relation):
            raise TypeError(f"relations must be Relation objects, got {type(rel).__name__}")
        whole = res.node(rel.whole, problems)
        parts = [res.node(p, problems) for p in rel.parts]
        if whole is None or any(p is None for p in parts):
            continue
        nodes = [p for p in parts if p is not None]
        total = sum(g.values[p] for p in nodes)
        w = g.values[whole]
        finite = math.isfinite(w) and math.isfinite(total)
        label = f"{g.label[whole]} (remainder, not shown)"
        check = "positive" if rel.slack_counts_people and not rel.slack_known else "none"
        state = "known" if rel.slack_known else "hidden"
        if rel.slack == "none":
            if finite and abs(w - total) > 1e-9:
                problems.append(f"{g.label[whole]} is {w:g} but its parts sum to {total:g}")
            g.line(whole, nodes)
        elif rel.slack == "whole":
            if finite and w < total - 1e-9:
                problems.append(f"{g.label[whole]} is {w:g}, less than its parts ({total:g})")
            rest = g.add(w - total if finite else math.nan, state, check, label, g.table[whole])
            g.line(whole, [*nodes, rest])
        else:
            if finite and w > total + 1e-9:
                problems.append(f"{g.label[whole]} is {w:g}, more than its parts ({total:g})")
            rest = g.add(total - w if finite else math.nan, state, check, label, g.table[whole])
            summed = g.add(total, "hidden", "none", f"{g.label[whole]} (sum of parts, not shown)",
                           g.table[whole])
            g.line(summed, nodes)
            g.line(summed, [whole, rest])
    for grp in together:
        nodes = [res.node(c, problems) for c in grp.cells]
        if all(n is not None for n in nodes) and len(nodes) >= 2:
            g.together.append(tuple(n for n in nodes if n is not None))
    _raise_problems("relations between linked tables must name one count cell each and hold", problems)
