"""Small shared pieces of the measures: periods, ages, open episodes, long share tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cohort.periods import quarter, quarter_end, quarter_start

#: Age bands used in profiles (age at the end of the period).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("10-12", 10, 12),
    ("13-14", 13, 14),
    ("15-17", 15, 17),
    ("18+", 18, 200),
)

TIDY_COLUMNS: tuple[str, ...] = (
    "numerator", "denominator", "estimate", "lower", "upper", "method", "confidence",
)


def quarter_window(q) -> tuple[pd.Period, pd.Timestamp, pd.Timestamp]:
    """The quarter as a ``Q-MAR`` Period with its first and last day."""
    p = quarter(q)
    return p, quarter_start(p), quarter_end(p)


def age_at(birth_month: pd.Series, when: pd.Timestamp | pd.Series) -> pd.Series:
    """Age in whole years at ``when`` from a ``YYYY-MM`` birth month.

    The day of birth is unknown (only the month is kept), so the birthday is
    taken as the 15th of the month: the age is exact except in the birth
    month itself, where it may be one year low or high for half the children.

    Examples
    --------
    >>> import pandas as pd
    >>> age_at(pd.Series(["2010-03", "2010-04"]), pd.Timestamp("2024-03-31")).tolist()
    [14, 13]
    """
    born = pd.to_datetime(birth_month.astype(str) + "-15", format="%Y-%m-%d", errors="coerce")
    when = pd.to_datetime(when)
    if isinstance(when, pd.Series):
        wy, wm, wd = when.dt.year, when.dt.month, when.dt.day
    else:
        wy, wm, wd = when.year, when.month, when.day
    years = wy - born.dt.year
    before = (wm < born.dt.month) | ((wm == born.dt.month) & (wd < 15))
    return (years - before.astype(int)).astype("Int64")


def age_band(age: pd.Series) -> pd.Series:
    """Label ages with :data:`AGE_BANDS` ("Under 10" below the first band)."""
    bins = [-np.inf] + [lo for _, lo, _ in AGE_BANDS] + [np.inf]
    labels = ["Under 10"] + [name for name, _, _ in AGE_BANDS]
    return pd.cut(age.astype("float"), bins=bins, labels=labels, right=False).astype(str)


def open_between(episodes: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Episodes open at any time in ``[start, end]`` (start on or before the end
    of the window and no end date, or an end date on or after its start)."""
    s = pd.to_datetime(episodes["start_date"])
    e = pd.to_datetime(episodes["end_date"])
    return (s <= end) & (e.isna() | (e >= start))


def long_shares(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    id_col: str = "child_id",
    denominator: int | None = None,
    level: float = 0.95,
    categories: dict[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Count distinct ids per value of each variable, with Wilson intervals.

    Each variable becomes a block of rows (``group_variable``,
    ``group_value``); the denominator is the number of distinct ids in
    ``frame`` unless given. Values listed in ``categories`` appear even when
    their count is zero, so tables keep their shape from quarter to quarter.
    """
    from cohort.stats import proportion_ci

    n = frame[id_col].nunique() if denominator is None else denominator
    blocks = []
    for var in variables:
        counts = frame.drop_duplicates([id_col, var]).groupby(var, observed=True)[id_col].nunique()
        if categories and var in categories:
            counts = counts.reindex(list(categories[var]), fill_value=0)
        counts = counts.sort_index() if not (categories and var in categories) else counts
        ci = proportion_ci(counts.to_numpy(), np.full(len(counts), n), level=level)
        ci.insert(0, "group_value", counts.index.astype(str))
        ci.insert(0, "group_variable", var)
        blocks.append(ci)
    if not blocks:
        return pd.DataFrame(columns=["group_variable", "group_value", *TIDY_COLUMNS])
    return pd.concat(blocks, ignore_index=True)
