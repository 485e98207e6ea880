"""Pooling quarterly reoffending cohorts into 12-month windows.

Small services have few children in a 3-month cohort; the MoJ publishes
proven reoffending for quarterly cohorts and for 12-month pools of them.
:func:`pool_cohorts` sums the cohort counts of the quarters in each financial
year or each rolling 12 months (see :func:`cohort.reoffending`, ``pooled=True``).
"""

from __future__ import annotations

import pandas as pd

from cohort.periods import (
    financial_year,
    financial_year_bounds,
    quarter_end,
    quarter_label,
    quarter_start,
)

__all__ = ["pool_cohorts"]


def pool_cohorts(
    cells: pd.DataFrame,
    periods: pd.DataFrame,
    by: tuple[str, ...],
    window: str,
) -> pd.DataFrame:
    """Sum quarterly cohort counts into 12-month pools (financial years or rolling).

    ``cells`` holds one row per quarterly cohort (``period``) and ``by`` cell with
    the counts ``N`` (children), ``R`` (reoffenders), ``O`` (reoffences) and the
    ``incomplete`` flag; ``periods`` the quarters (``key`` a ``Q-MAR`` period,
    ``period`` its label). A pool sums the counts of its quarters, is incomplete
    when any of them is, and says how many ``cohorts`` it holds.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.periods import quarter
    >>> qs = [quarter(f"2023/24 Q{i}") for i in (1, 2, 3, 4)]
    >>> periods = pd.DataFrame({"key": qs, "period": [f"Q{i}" for i in (1, 2, 3, 4)]})
    >>> cells = pd.DataFrame({"period": ["Q1", "Q2", "Q3", "Q4"], "N": [10, 20, 30, 40],
    ...                       "R": [1, 2, 3, 4], "O": [2, 4, 6, 8], "incomplete": [False, False, False, True]})
    >>> pool_cohorts(cells, periods, (), "financial_year")[["period", "N", "R", "O", "incomplete", "cohorts"]]
        period    N   R   O  incomplete  cohorts
    0  2023/24  100  10  20        True        4
    """
    quarters = periods["key"].tolist()
    pools = []
    if window == "financial_year":
        fys = sorted({financial_year(q) for q in quarters}, key=lambda s: s[:4])
        for fy in fys:
            members = [q for q in quarters if financial_year(q) == fy]
            s, e = financial_year_bounds(fy)
            pools.append((fy, s, e, members))
    else:
        for i in range(3, len(quarters)):
            last = quarters[i]
            members = [q for q in quarters if last - 3 <= q <= last]
            pools.append(
                (
                    f"12 months to {quarter_label(last)}",
                    quarter_start(last - 3),
                    quarter_end(last),
                    members,
                )
            )
    label_of = dict(zip(periods["key"], periods["period"], strict=True))
    parts = []
    for label, s, e, members in pools:
        labels = [label_of[q] for q in members]
        part = cells[cells["period"].isin(labels)]
        agg = part.groupby(list(by), dropna=False, observed=True) if by else None
        sums = (
            agg[["N", "R", "O"]].sum().reset_index()
            if agg is not None
            else part[["N", "R", "O"]].sum().to_frame().T
        )
        flags = (
            agg["incomplete"].any().reset_index(drop=True)
            if agg is not None
            else pd.Series([bool(part["incomplete"].any())])
        )
        sums["incomplete"] = flags.to_numpy()
        sums["cohorts"] = len(members)
        sums["period"], sums["period_start"], sums["period_end"] = label, s, e
        parts.append(sums)
    if not parts:
        return cells.iloc[0:0].assign(cohorts=pd.Series(dtype="int64"))
    return pd.concat(parts, ignore_index=True)
