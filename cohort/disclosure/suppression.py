"""Suppression of one table: :func:`protect`."""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd

from cohort.disclosure.graph import _Graph
from cohort.disclosure.lp_audit import _solve
from cohort.disclosure.policies import (
    EstimateScale,
    Margin,
    Mitigation,
    OnFail,
    Policy,
    load_policy,
)
from cohort.disclosure.protected import (
    Protected,
    _finish,
    _options,
    _presentation_args,
    _raise_if_failed,
)
from cohort.disclosure.tables import _build


def protect(
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
    mitigation: Mitigation | None = None,
    estimate: EstimateScale = "proportion",
    percent_decimals: int | None = None,
    on_fail: OnFail = "raise",
) -> Protected:
    """Apply disclosure control to a frequency table or a long measure table.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        Either a *wide* table of counts (a Series is a 1-D table, a DataFrame a
        2-D one) or a *long* measure table, recognised by its ``numerator``
        column (the package's tidy contract: grouping columns, then
        ``numerator``, ``denominator``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``confidence``). Never modified.
    policy : str, path, mapping or Policy
        See :func:`load_policy`; ``"publication"`` by default.
    name : str, optional
        Table name for the audit (the Series name, else ``"table"``).
    row_total, col_total : label, optional
        Wide tables: the label of the total row and of the total column, if
        the table has them. Totals are checked and kept.
    within : str or None
        Long tables: the column whose values are the cells of a block's 1-D
        distribution (default ``"group_value"``, else ``"category"``, when present).
    by : str or list of str, optional
        Long tables: the columns that define a block (default: every column
        before ``numerator`` except ``within``, e.g. ``authority_code``,
        ``quarter``, ``group_variable``).
    margin : {"auto", "denominator", "rates", "sum"}
        Long tables, how a block adds up. ``"denominator"``: the numerators
        partition the block's (single) denominator, any remainder being an
        unshown cell that is protected too. ``"rates"``: each row is a rate
        with its own denominator (``numerator`` events out of
        ``denominator``). ``"sum"``: the block total is the sum of the
        numerators. ``"auto"`` uses ``"denominator"`` when a block of two or
        more rows has one denominator that its numerators do not exceed,
        ``"rates"`` otherwise, and ``"sum"`` without a denominator column.
        The audit's ``structure`` record says which was used.
    descriptive : list of str, optional
        Long tables: numeric columns that describe a row (a population year,
        the number of cohorts pooled) and are shown as given, neither counts
        nor derived from the numerator. Default
        :data:`~cohort.disclosure.policies.DESCRIPTIVE_COLUMNS`. Every other
        numeric column after the grouping columns is treated as derived from
        the row's numerator and hidden with it.
    implicit_margins : bool
        Treat the totals a table does not show (row and column sums, the
        totals of a rate block) as known to the reader, because they are
        usually published elsewhere in a report; only totals that are
        themselves safe are assumed known. Set ``False`` only when no total is
        published anywhere.
    mitigation : {"suppress", "round", "none"}, optional
        Default from the policy. ``"round"`` rounds counts half up to the
        policy's base instead of suppressing them; totals are recomputed from
        the rounded cells (the ACRO convention) and rates on unsafe
        numerators are hidden. ``"none"`` (the management edition, and only
        it) shows every figure; the audit still counts the small ones.
    estimate : {"proportion", "percent", "rate"}
        Scale of ``estimate``, ``lower`` and ``upper`` in a long table:
        a proportion (shown as a percentage), a percentage, or a rate (shown
        to the policy's decimal places). Other numeric columns derived from
        the numerator (e.g. ``p_value``) are shown to 3 significant figures
        and hidden with the rate.
    percent_decimals : {0, 1}, optional
        Decimal places of percentages (default from the policy).
    on_fail : {"raise", "audit"}
        Raise :class:`~cohort.exceptions.DisclosureError` when a check fails
        (a protected cell can still be narrowed, which happens only through
        totals assumed known), or only record it in the audit.

    Returns
    -------
    Protected
        ``.table`` (presentation), ``.values`` (statistics, unaltered),
        ``.suppressed`` (mask), ``.reasons``, ``.audit`` (columns
        :data:`AUDIT_COLUMNS`; checks ``threshold``, ``zeros``,
        ``secondary``, ``interval_protection``, ``rates``, ``rounding``,
        ``structure`` as they apply) and ``.cells`` (evidence).

    Raises
    ------
    ValueError
        Counts that are not whole numbers >= 0, unknown labels or choices.
    DisclosureError
        With ``on_fail="raise"``, when protection cannot be achieved.

    Notes
    -----
    Primary suppression: a count ``c > 0`` is unsafe when ``c < threshold``
    (``c <= threshold`` with ``unsafe_if="at_or_below"``); zeros follow the
    policy's ``zeros`` rule. Secondary suppression follows mojSuppression:
    in every line (a row, a column, a block, a rate's ``numerator +
    (denominator - numerator) = denominator``), a line with exactly one
    unknown cell gets its smallest other cell suppressed (positive cells
    before zeros, inner cells before totals, then cells whose other line
    already has a suppression, then position), and a line whose suppressed
    cells sum to less than the threshold gets more, to a fixed point. A
    linear-programming audit then computes, for every primary cell, the
    range a reader can derive from the published figures, and adds
    suppressions until every range is at least the threshold wide. Validated
    against an independent ``scipy.optimize.linprog`` attack in
    ``tests/test_disclosure.py``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Custody": [3, 11, 14], "Community": [11, 11, 22],
    ...                   "Total": [14, 22, 36]}, index=["In care", "Not in care", "Total"])
    >>> p = protect(t, "publication", name="outcomes", row_total="Total", col_total="Total")
    >>> p.table
                Custody Community Total
    In care         [c]       [c]    14
    Not in care     [c]       [c]    22
    Total            14        22    36
    >>> p.values.iat[0, 0], p.reasons.iat[0, 0], p.reasons.iat[0, 1]
    (np.int64(3), 'primary', 'secondary')
    >>> p.audit[["check", "status", "n_affected"]]
                     check status  n_affected
    0            threshold   pass           1
    1                zeros   pass           0
    2            secondary   pass           3
    3  interval_protection   pass           0

    The management edition shows every figure and records how many are small:

    >>> m = protect(t, "management", name="outcomes", row_total="Total", col_total="Total")
    >>> m.table.iat[0, 0], m.n_suppressed, m.audit["message"].iloc[0]
    ('3', 0, 'management edition, not for publication: every figure shown, 1 counts below 5 included')
    """
    pol = load_policy(policy)
    mit, pct = _presentation_args(pol, mitigation, estimate, percent_decimals, on_fail)
    opts = _options(row_total, col_total, within, by, margin, implicit_margins, descriptive)
    if name is None:
        name = str(table.name) if isinstance(table, pd.Series) and table.name is not None else "table"
    g = _Graph()
    lay = _build(g, name, table, opts, pol, "protect")
    sol = _solve(g, pol, mit)
    result = _finish(lay, g, sol, pol, mit, estimate, pct)
    if on_fail == "raise":
        _raise_if_failed({name: result})
    return result
