"""Tables protected together: :func:`protect_linked` and :func:`check_differencing`."""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cohort.disclosure.graph import _components, _Graph, _primaries
from cohort.disclosure.lp_audit import _ranges, _solve, _width_ok
from cohort.disclosure.policies import (
    _OPTION_KEYS,
    AUDIT_COLUMNS,
    EstimateScale,
    Mitigation,
    OnFail,
    Policy,
    _choice,
    load_policy,
)
from cohort.disclosure.protected import (
    Protected,
    _finish,
    _options,
    _presentation_args,
    _raise_if_failed,
    _record,
)
from cohort.disclosure.relations import Relation, Together, _relate
from cohort.disclosure.tables import _build, _Layout, _raise_problems


def _link(g: _Graph, layouts: Mapping[str, _Layout], links: Sequence[tuple[str, Sequence[str]]]) -> None:
    problems: list[str] = []
    by_table: dict[str, dict[Hashable, int]] = {}
    for (t, k), i in g.keys.items():
        by_table.setdefault(t, {})[k] = i
    for link in links:
        try:
            whole, parts = link
        except (TypeError, ValueError):
            raise ValueError(f"each link must be (whole, [parts]), got {link!r}") from None
        if isinstance(parts, str):
            raise ValueError(f"the parts of link {link!r} must be a list of table names")
        unknown = [t for t in (whole, *parts) if t not in layouts]
        if unknown:
            raise ValueError(f"link {link!r} names tables not given: {unknown}; tables: {list(layouts)}")
        wk = by_table.get(whole, {})
        for p in parts:
            extra = set(by_table.get(p, {})) - set(wk)
            problems += [f"{p}: cell {k!r} has no counterpart in {whole}" for k in sorted(extra, key=str)[:5]]
        for k, w in wk.items():
            nodes = [by_table[p][k] for p in parts if k in by_table.get(p, {})]
            total = sum(g.values[i] for i in nodes)
            if all(math.isfinite(g.values[i]) for i in [w, *nodes]) and abs(total - g.values[w]) > 1e-9:
                problems.append(f"{whole} cell {k!r} is {g.values[w]:g} but its parts sum to {total:g}")
            g.line(w, nodes)
    _raise_problems(
        "linked tables must add up (whole = sum of parts, cell by cell; give linked long tables the same "
        "margin= and grouping)", problems)


def protect_linked(
    tables: Mapping[str, pd.DataFrame | pd.Series],
    links: Sequence[tuple[str, Sequence[str]]] = (),
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "publication",
    *,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    unpublished: Collection[str] = (),
    relations: Sequence[Relation] = (),
    together: Sequence[Together] = (),
    mitigation: Mitigation | None = None,
    estimate: EstimateScale = "proportion",
    percent_decimals: int | None = None,
    on_fail: OnFail = "raise",
) -> dict[str, Protected]:
    """Protect tables that overlap, jointly, so that differencing reveals nothing.

    Parameters
    ----------
    tables : mapping of str to DataFrame or Series
        The tables, by name. Cells correspond across tables by their row and
        column labels (wide) or by grouping values and column (long).
    links : list of (whole, [parts])
        Additive relations, cell by cell: e.g. ``("year", ["q1", "q2", "q3",
        "q4"])`` or ``("authority", ["north", "south"])``. A cell missing from
        a part counts as a published zero; every cell of a part must exist in
        the whole, and the values must add up.
    policy : str, path, mapping or Policy
        One policy for all the tables.
    options : mapping of str to mapping, optional
        Per-table arguments of :func:`protect` (``row_total``,
        ``col_total``, ``within``, ``by``, ``margin``, ``implicit_margins``,
        ``descriptive``; ``complements=False`` for a rate whose numerator is
        not a subset of its denominator, such as reoffences per child; and
        ``estimate`` to override the scale for one table).
    unpublished : collection of str
        Tables that are never shown but whose relation matters (e.g. the
        quarter that a rolling year and the other quarters would reveal). Their
        cells are unknown to the reader; small ones are protected like any other.
    relations : sequence of Relation
        Identities between single cells of long tables (within one table or
        across tables): ``whole = sum(parts)``, exactly or with an unpublished
        remainder (see :class:`~cohort.disclosure.relations.Relation`).
    together : sequence of Together
        Cells that bound each other without adding up and are suppressed
        together (see :class:`~cohort.disclosure.relations.Together`).
    mitigation, estimate, percent_decimals, on_fail
        As in :func:`protect`.

    Returns
    -------
    dict of str to Protected
        One result per published table; their audits' ``interval_protection``
        records are computed jointly.

    Examples
    --------
    >>> import pandas as pd
    >>> q1 = pd.Series({"Male": 9, "Female": 3, "Total": 12}, name="Q1")
    >>> q2 = pd.Series({"Male": 11, "Female": 8, "Total": 19}, name="Q2")
    >>> half = pd.Series({"Male": 20, "Female": 11, "Total": 31}, name="H1")
    >>> out = protect_linked({"H1": half, "Q1": q1, "Q2": q2}, [("H1", ["Q1", "Q2"])],
    ...                      options={k: {"row_total": "Total"} for k in ("H1", "Q1", "Q2")})
    >>> [list(out[k].table.iloc[:, 0]) for k in ("H1", "Q1", "Q2")]
    [['20', '11', '31'], ['[c]', '[c]', '12'], ['[c]', '[c]', '19']]

    Q2 is suppressed too: otherwise H1 - Q2 would give Q1's hidden cells.

    Cells of one long table can be related too: here the "all" block is the
    sum of the "girls" and "boys" blocks, so hiding the 3 girls alone is not
    enough (all - boys would give it back):

    >>> from cohort.disclosure import CellRef, Relation
    >>> t = pd.DataFrame({"group": ["all", "all", "girls", "girls", "boys", "boys"],
    ...                   "category": ["in ETE", "not in ETE"] * 3,
    ...                   "numerator": [30, 20, 3, 9, 27, 11], "denominator": [50, 50, 12, 12, 38, 38]})
    >>> cell = lambda g, c, col="numerator": CellRef("ete", {"group": g, "category": c}, col)
    >>> rel = [Relation(cell("all", c, col), [cell("girls", c, col), cell("boys", c, col)])
    ...        for c in ("in ETE", "not in ETE") for col in ("numerator", "denominator")]
    >>> out = protect_linked({"ete": t}, relations=rel)["ete"]
    >>> out.table["numerator"].tolist()
    ['30', '20', '[c]', '[c]', '[c]', '[c]']
    """
    pol = load_policy(policy)
    mit, pct = _presentation_args(pol, mitigation, estimate, percent_decimals, on_fail)
    options = dict(options or {})
    unknown = sorted(set(options) - set(tables)) + sorted(set(unpublished) - set(tables))
    if unknown:
        raise ValueError(f"options/unpublished name tables not given: {unknown}; tables: {list(tables)}")
    g = _Graph()
    layouts: dict[str, _Layout] = {}
    scales: dict[str, str] = {}
    related = {r.whole.table for r in relations}
    for tname, t in tables.items():
        o = dict(options.get(tname, {}))
        scales[tname] = o.pop("estimate", estimate)
        _choice("estimate", scales[tname], EstimateScale)
        bad = sorted(set(o) - set(_OPTION_KEYS))
        if bad:
            raise ValueError(f"options for {tname!r}: unknown keys {bad}; valid: {list(_OPTION_KEYS)}")
        opts = _options(o.get("row_total"), o.get("col_total"), o.get("within", "auto"), o.get("by"),
                        o.get("margin", "auto"), o.get("implicit_margins", True),
                        o.get("descriptive"), o.get("complements", True))
        opts["warn_totals"] = tname not in related  # a total line related to its parts is declared
        start = len(g.values)
        layouts[tname] = _build(g, tname, t, opts, pol, "protect")
        if tname in unpublished:
            for i in range(start, len(g.values)):
                if g.state[i] == "shown":
                    g.state[i], g.check[i] = "hidden", "positive"
    _link(g, layouts, links)
    _relate(g, layouts, relations, together)
    sol = _solve(g, pol, mit)
    published = [k for k in tables if k not in unpublished]
    results = {
        k: _finish(layouts[k], g, sol, pol, mit, scales[k], pct, [x for x in tables if x != k])
        for k in published
    }
    if on_fail == "raise":
        _raise_if_failed(results)
    return results


def check_differencing(
    protected: Mapping[str, Protected],
    links: Sequence[tuple[str, Sequence[str]]],
    *,
    unpublished: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Check that tables protected separately cannot be differenced.

    Rebuilds the linear system of every published cell of every table plus
    the declared additive links and reports, per table, whether any primary
    cell can be narrowed to a range below the threshold.

    Parameters
    ----------
    protected : mapping of str to Protected
        Results of :func:`protect` (one policy, ``mitigation="suppress"``).
    links : list of (whole, [parts])
        As in :func:`protect_linked`.
    unpublished : mapping of str to DataFrame or Series, optional
        Tables that are part of a link but never shown.
    options : mapping of str to mapping, optional
        Structure arguments for the unpublished tables.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`, check ``"differencing"``, one row per
        published table; status ``"fail"`` names the cells at risk.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.disclosure import protect
    >>> q1 = protect(pd.Series({"Male": 9, "Female": 3, "Total": 12}), row_total="Total")
    >>> q2 = protect(pd.Series({"Male": 11, "Female": 8, "Total": 19}), row_total="Total")
    >>> h1 = protect(pd.Series({"Male": 20, "Female": 11, "Total": 31}), row_total="Total")
    >>> check_differencing({"H1": h1, "Q1": q1, "Q2": q2}, [("H1", ["Q1", "Q2"])])[["table", "status"]]
      table status
    0    H1   pass
    1    Q1   fail
    2    Q2   pass
    """
    if not protected:
        raise ValueError("protected must name at least one Protected table")
    pols = {p.policy for p in protected.values()}
    if len(pols) != 1:
        raise ValueError("check_differencing needs tables protected under one policy")
    pol = next(iter(pols))
    if any(p.mitigation != "suppress" for p in protected.values()):
        raise ValueError("check_differencing applies to suppressed tables, not rounded ones")
    g = _Graph()
    layouts: dict[str, _Layout] = {}
    for tname, p in protected.items():
        layouts[tname] = _build(g, tname, p.values, p._layout.options, pol, "protect")
    for tname, t in (unpublished or {}).items():
        o = dict((options or {}).get(tname, {}))
        opts = _options(o.get("row_total"), o.get("col_total"), o.get("within", "auto"), o.get("by"),
                        o.get("margin", "auto"), o.get("implicit_margins", True),
                        o.get("descriptive"), o.get("complements", True))
        start = len(g.values)
        layouts[tname] = _build(g, tname, t, opts, pol, "protect")
        for i in range(start, len(g.values)):
            if g.state[i] == "shown":
                g.state[i], g.check[i] = "hidden", "positive"
    _link(g, layouts, links)
    n = len(g.values)
    suppressed = np.zeros(n, bool)
    for tname, p in protected.items():
        for (r, j), node in layouts[tname].count_cells.items():
            if p.suppressed.iat[r, j]:
                suppressed[node] = True
    unknown = (np.asarray(g.state, dtype=object) == "hidden") | suppressed
    primary = _primaries(g, pol)
    targets = sorted(primary)
    lo, hi = _ranges(g, unknown, targets, _components(n, g.lines))
    rec = []
    for tname, p in protected.items():
        bad = [i for i in targets if g.table[i] == tname and not _width_ok(pol, lo[i], hi[i])]
        shown_bad = [i for i in targets if g.table[i] == tname and g.state[i] == "shown" and not suppressed[i]]
        affected = [g.label[i] for i in bad]
        msg = (f"{len(bad)} protected cells can be narrowed below the threshold by combining this table "
               f"with {', '.join(x for x in layouts if x != tname)}; protect them jointly with protect_linked"
               if bad else "no protected cell can be narrowed below the threshold by differencing")
        if shown_bad:
            msg += f"; {len(shown_bad)} unsafe cells are shown"
        rec.append(_record(tname, "differencing", "fail" if bad else "pass", pol,
                           len(layouts[tname].count_cells), p.n_suppressed, affected, "none", msg))
    return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))
