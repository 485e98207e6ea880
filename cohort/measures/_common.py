"""Small shared pieces of the measures: periods, ages, open episodes, long share tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    return pd.Series(age_from_months(birth_months(birth_month), when), index=birth_month.index)


def birth_months(birth_month: pd.Series) -> np.ndarray:
    """``YYYY-MM`` birth months as integers (``year * 12 + month - 1``), -1 where missing
    or not a month; each distinct value parsed once.

    Examples
    --------
    >>> import pandas as pd
    >>> birth_months(pd.Series(["2010-03", None, "2010-13"])).tolist()
    [24122, -1, -1]
    """
    codes, months = pd.factorize(birth_month)
    parsed = pd.to_datetime(pd.Index(months).astype(str) + "-15", format="%Y-%m-%d", errors="coerce")
    year = parsed.year.to_numpy(dtype=float, na_value=np.nan)
    month = parsed.month.to_numpy(dtype=float, na_value=np.nan)
    value = np.nan_to_num(year * 12 + month - 1, nan=-1).astype(np.int64)
    return np.append(value, -1)[codes]  # code -1 (a missing value) takes the last slot


def age_from_months(months: np.ndarray, when: pd.Timestamp | pd.Series | np.ndarray) -> pd.arrays.IntegerArray:
    """Ages at ``when`` from birth months of :func:`birth_months` (see :func:`age_at`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> age_from_months(np.array([24122, -1]), pd.Timestamp("2024-03-31")).tolist()
    [14, <NA>]
    """
    months = np.asarray(months, dtype=np.int64)
    if isinstance(when, (pd.Series, pd.Index, np.ndarray)):
        if not pd.api.types.is_datetime64_dtype(when.dtype):
            when = pd.to_datetime(when)
        stamps = np.asarray(when, dtype="datetime64[ns]")
    else:
        stamps = np.full(len(months), np.datetime64(pd.Timestamp(when).to_datetime64(), "ns"))
    ok = (months >= 0) & ~np.isnat(stamps)
    wy, wm, wd = civil_dates(np.where(ok, stamps, np.datetime64(0, "ns")).astype("datetime64[D]"))
    born_y, born_m = months // 12, months % 12 + 1
    before = (wm < born_m) | ((wm == born_m) & (wd < 15))
    return pd.arrays.IntegerArray(wy - born_y - before, ~ok)


def civil_dates(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of ``datetime64[D]`` values, as integer arrays.

    The calendar of the days between the earliest and the latest is made once
    and looked up: for many values over a few decades, several times faster
    than the datetime fields of pandas or numpy.

    Examples
    --------
    >>> import numpy as np
    >>> y, m, d = civil_dates(np.array(["2024-02-29", "1969-12-31", "2000-03-01"], dtype="datetime64[D]"))
    >>> y.tolist(), m.tolist(), d.tolist()
    ([2024, 1969, 2000], [2, 12, 3], [29, 31, 1])
    """
    days = np.asarray(days, dtype="datetime64[D]")
    if not len(days):
        return (np.empty(0, dtype=np.int64),) * 3
    first = days.min()
    offset = (days - first).astype(np.int64)
    calendar = pd.DatetimeIndex(np.arange(first, days.max() + 1).astype("datetime64[s]"))
    return tuple(np.asarray(f, dtype=np.int64)[offset] for f in (calendar.year, calendar.month, calendar.day))


def age_band(age: pd.Series) -> pd.Series:
    """Label ages with :data:`AGE_BANDS` ("Under 10" below the first band)."""
    bins = [-np.inf] + [lo for _, lo, _ in AGE_BANDS] + [np.inf]
    labels = ["Under 10"] + [name for name, _, _ in AGE_BANDS]
    return pd.cut(age.astype("float"), bins=bins, labels=labels, right=False).astype(str)


def sort_key(values: pd.Series) -> np.ndarray:
    """Integers that order ``values`` as ``sort_values`` does, missing values last.

    Equal values get equal keys, so a stable ``numpy.lexsort`` of such keys
    gives the order of a stable ``DataFrame.sort_values`` on the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> sort_key(pd.Series(["b", None, "a", "b"])).tolist()
    [1, 2, 0, 1]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.to_numpy()
        keys = stamps.view("i8").copy()
        keys[np.isnat(stamps)] = np.iinfo(np.int64).max
        return keys
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.CategoricalDtype):
        if not values.hasnans:
            return values.to_numpy(dtype=np.int64)
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # Arrow's text order is the order sort_values uses for these columns
        ranks = pc.rank(pa.array(values), tiebreaker="dense")  # missing values last
        return ranks.to_numpy().astype(np.int64) - 1
    codes, _ = pd.factorize(values, sort=True)
    codes = codes.astype(np.int64, copy=False)
    codes[codes < 0] = codes.max(initial=-1) + 1
    return codes


def first_by_min(groups: np.ndarray, keys: Sequence[np.ndarray | Callable[[np.ndarray], np.ndarray]]) -> np.ndarray:
    """Positions of the first row of each group when ordered by ``keys``: the rows a
    stable sort by ``groups`` then ``keys`` puts first in each group, in position order.

    ``groups`` are non-negative integer codes; each key is an integer array (e.g. from
    :func:`sort_key`) or a function giving the keys of the rows it is passed (positions),
    called only for the rows still tied (e.g. a text column ranked with :func:`sort_key`:
    the rank of a subset orders it as the rank of the whole). Each key keeps the rows at
    their group's minimum, a pass over the rows rather than a sort; rows tied on every key
    give the earliest.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> groups, day = np.array([1, 0, 1, 0]), np.array([5, 3, 2, 3])
    >>> names = pd.Series(["d", "c", "b", "a"])
    >>> first_by_min(groups, [day, lambda rows: sort_key(names.iloc[rows])]).tolist()
    [2, 3]
    """
    rows = np.arange(len(groups))
    if not len(rows):
        return rows
    size = int(groups.max()) + 1
    n_groups = int(np.count_nonzero(np.bincount(groups, minlength=size)))
    for key in keys:
        if len(rows) == n_groups:  # one row left in every group
            break
        k = np.asarray(key(rows) if callable(key) else key[rows], dtype=np.int64)
        g = groups[rows]
        best = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, g, k)
        rows = rows[k == best[g]]
    _, first = np.unique(groups[rows], return_index=True)  # the earliest of those still tied
    return np.sort(rows[first])


def match_codes(keys: pd.Series, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` (equal values, missing ones included, share a code) and
    the position of each value's first occurrence in ``keys`` (-1 if none).

    Missing values match missing values, as in :meth:`pandas.DataFrame.merge`.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, first = match_codes(pd.Series(["a", "b", "a"]), pd.Series(["a", "c", "b", "c"]))
    >>> codes.tolist(), first.tolist()
    ([0, 2, 1, 2], [0, -1, 1, -1])
    """
    both = pd.concat([pd.Series(keys, copy=False), pd.Series(values, copy=False)], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=False)
    first = np.full(len(uniques), -1, dtype=np.intp)
    seen, at = np.unique(codes[: len(keys)], return_index=True)
    first[seen] = at
    value_codes = codes[len(keys):]
    return value_codes, first[value_codes]


def equal_pairs(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)`` with ``left[i] == right[j]`` (non-negative integer codes):
    an inner join on one integer key, ordered by ``i`` then ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> i, j = equal_pairs(np.array([1, 0, 1]), np.array([1, 1, 0]))
    >>> i.tolist(), j.tolist()
    ([0, 0, 1, 2, 2], [0, 1, 2, 0, 1])
    """
    size = int(max(left.max(initial=-1), right.max(initial=-1))) + 1
    order = np.argsort(right, kind="stable")
    counts = np.bincount(right, minlength=size)
    starts = np.cumsum(counts) - counts
    lengths = counts[left]
    i = np.repeat(np.arange(len(left)), lengths)
    offsets = np.arange(len(i)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    j = order[np.repeat(starts[left], lengths) + offsets]
    return i, j


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
