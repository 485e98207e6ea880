"""Checking a table produced elsewhere: :func:`check`, with the magnitude rules."""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cohort.disclosure.graph import _attribute_zeros, _components, _Graph
from cohort.disclosure.lp_audit import _ranges, _width_ok
from cohort.disclosure.policies import AUDIT_COLUMNS, Margin, Policy, load_policy
from cohort.disclosure.protected import _options, _pos_label, _record
from cohort.disclosure.tables import _build


def check(
    table: pd.DataFrame | pd.Series,
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "publication",
    name: str | None = None,
    *,
    row_total: Hashable | None = None,
    col_total: Hashable | None = None,
    within: str | None = "auto",
    by: str | Sequence[str] | None = None,
    margin: Margin = "auto",
    implicit_margins: bool = True,
    descriptive: Sequence[str] | None = None,
    contributors: pd.DataFrame | None = None,
    cells: str | Sequence[str] | None = None,
    value: str | None = None,
) -> pd.DataFrame:
    """Report on a table produced elsewhere, without changing it.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        A wide or long table as in :func:`protect`, numeric or already
        formatted: ``[c]``, ``[x]``, empty strings and ``NaN`` in a count
        column are read as suppressed (unknown to the reader); ``"1,234"``
        and ``"12%"`` are read as numbers.
    policy, name, row_total, col_total, within, by, margin, implicit_margins, descriptive
        As in :func:`protect`. Totals the table does not show are known to
        the checker only when every part is shown.
    contributors : pandas.DataFrame, optional
        Contributor-level data for a *magnitude* table (e.g. one row per
        child with days in custody): adds the ACRO ``nk_dominance`` and
        ``p_ratio`` checks per cell.
    cells : str or list of str, optional
        Columns of ``contributors`` that define a cell.
    value : str, optional
        Column of ``contributors`` holding the magnitude.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`, ``mitigation`` always ``"none"``.
        Checks: ``threshold`` and ``zeros`` (shown cells that break the
        rules: ``fail``), ``interval_protection`` (every suppressed cell's
        feasible range must be at least the threshold wide, since the checker
        cannot tell primary from secondary cells: ``fail`` otherwise),
        ``rates`` (rates shown on a suppressed or small numerator or
        denominator: ``fail``), ``nk_dominance`` / ``p_ratio`` with
        contributor data, and ``magnitude`` (``review``) when a wide table
        holds values that are not counts and no contributor data is given.

    Notes
    -----
    The nk rule (ACRO ``safe_nk_n``, ``safe_nk_k``): a cell is unsafe if its
    ``nk_n`` largest contributors make up more than ``nk_k`` of its total.
    The p% rule (ACRO ``safe_pratio_p``): unsafe if ``(total - largest -
    second largest) / largest < p_ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.disclosure import protect
    >>> t = pd.DataFrame({"A": [3, 12], "B": [11, 11]}, index=["x", "y"])
    >>> check(t, "publication")[["check", "status", "affected_cells"]]
                     check status affected_cells
    0            threshold   fail            x/A
    1                zeros   pass
    2  interval_protection   pass
    >>> check(protect(t).table, "publication")["status"].tolist()
    ['pass', 'pass', 'pass']
    """
    pol = load_policy(policy)
    opts = _options(row_total, col_total, within, by, margin, implicit_margins, descriptive)
    if name is None:
        name = str(table.name) if isinstance(table, pd.Series) and table.name is not None else "table"
    g = _Graph()
    lay = _build(g, name, table, opts, pol, "check")
    n = len(g.values)
    state = np.asarray(g.state, dtype=object)
    vals = np.asarray(g.values)
    shown_known = (state == "shown") & np.isfinite(vals)
    unknown = ((state == "hidden") | ((state == "shown") & ~np.isfinite(vals)))
    n_cells = len(lay.count_cells)
    n_supp = sum(1 for (r, j), node in lay.count_cells.items() if unknown[node]) + sum(
        1 for rj in lay.derived if rj not in lay.shown_derived)
    cmp = "below" if pol.unsafe_if == "below" else "at or below"
    rec = []
    thr = [i for i in range(n) if shown_known[i] and pol.unsafe(vals[i])]
    rec.append(_record(name, "threshold", "fail" if thr else "pass", pol, n_cells, n_supp,
                       [g.label[i] for i in thr], "none",
                       f"{len(thr)} published counts {cmp} {pol.threshold}" if thr else
                       f"no published count {cmp} {pol.threshold}"))
    if pol.zeros != "safe":
        zs = [i for i in range(n) if shown_known[i] and vals[i] == 0 and g.check[i] == "full"
              and (pol.zeros == "disclosive")]
        zs += [i for i, k in _attribute_zeros(g, pol).items() if shown_known[i]]
        rec.append(_record(name, "zeros", "fail" if zs else "pass", pol, n_cells, n_supp,
                           [g.label[i] for i in sorted(set(zs))], "none",
                           f"{len(set(zs))} published zeros break the '{pol.zeros}' rule" if zs else
                           "no published zero breaks the rule"))
    targets = [i for i in range(n) if state[i] == "shown" and unknown[i]]
    lo, hi = _ranges(g, unknown, targets, _components(n, g.lines))
    bad = [i for i in targets if not _width_ok(pol, lo[i], hi[i])]
    rec.append(_record(name, "interval_protection", "fail" if bad else "pass", pol, n_cells, n_supp,
                       [g.label[i] for i in bad], "none",
                       f"{len(bad)} suppressed cells can be narrowed to a range {cmp} {pol.threshold} wide "
                       "from the published cells and totals" if bad else
                       "no suppressed cell can be narrowed below the threshold" if targets else
                       "no suppressed cells"))
    if lay.derived:
        risky = []
        for (r, j), (nn, dn) in lay.derived.items():
            if (r, j) not in lay.shown_derived:
                continue
            nv, dv = vals[nn], (vals[dn] if dn is not None else np.nan)
            if (not math.isfinite(nv) or nv < pol.rate_min_numerator
                    or (dn is not None and (not math.isfinite(dv) or dv < pol.rate_min_denominator))):
                risky.append(f"{_pos_label(lay, r)} / {lay.frame.columns[j]}")
        rec.append(_record(name, "rates", "fail" if risky else "pass", pol, n_cells, n_supp, risky, "none",
                           f"{len(risky)} rates shown on a suppressed or small numerator or denominator"
                           if risky else "no rate shown on a suppressed or small base"))
    if contributors is not None:
        rec += _magnitude(name, contributors, cells, value, pol)
    elif lay.kind == "wide":
        fractional = [g.label[i] for i in range(n) if shown_known[i] and not float(vals[i]).is_integer()]
        if fractional:
            rec.append(_record(name, "magnitude", "review", pol, n_cells, n_supp, fractional[:20], "none",
                               "values are not counts: if this is a magnitude table (sums of days, costs), "
                               "pass contributors=, cells= and value= for the nk and p% rules"))
    return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))


def _magnitude(name: str, contributors: pd.DataFrame, cells: str | Sequence[str] | None, value: str | None,
               pol: Policy) -> list[dict[str, Any]]:
    if cells is None or value is None:
        raise ValueError("magnitude checks need cells= (columns defining a cell) and value= (the magnitude column)")
    keys = [cells] if isinstance(cells, str) else list(cells)
    missing = [c for c in (*keys, value) if c not in contributors.columns]
    if missing:
        raise ValueError(f"contributors has no columns {missing}; columns: {list(contributors.columns)}")
    d = contributors[[*keys, value]].copy()
    d["_v"] = pd.to_numeric(d[value], errors="coerce").abs()
    d = d.sort_values([*keys, "_v"], ascending=[True] * len(keys) + [False], kind="mergesort")
    d["_rank"] = d.groupby(keys, sort=False, dropna=False).cumcount()
    grp = d.groupby(keys, sort=True, dropna=False)
    total = grp["_v"].sum()
    top_n = d[d["_rank"] < pol.nk_n].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    top1 = d[d["_rank"] == 0].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    top2 = d[d["_rank"] == 1].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    nk_bad = total.index[(total > 0) & (top_n > pol.nk_k * total)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (total - top1 - top2) / top1
    p_bad = total.index[(top1 > 0) & (ratio < pol.p_ratio)]
    lab = lambda k: "/".join(map(str, k)) if isinstance(k, tuple) else str(k)  # noqa: E731
    n_cells = len(total)
    return [
        _record(name, "nk_dominance", "fail" if len(nk_bad) else "pass", pol, n_cells, 0,
                [lab(k) for k in nk_bad], "none",
                f"{len(nk_bad)} cells where the largest {pol.nk_n} contributors exceed {pol.nk_k:.0%} of the total"
                if len(nk_bad) else f"no cell dominated by its {pol.nk_n} largest contributors"),
        _record(name, "p_ratio", "fail" if len(p_bad) else "pass", pol, n_cells, 0,
                [lab(k) for k in p_bad], "none",
                f"{len(p_bad)} cells where the rest of the total is within {pol.p_ratio:.0%} of the largest "
                "contributor" if len(p_bad) else "no cell fails the p% rule"),
    ]
