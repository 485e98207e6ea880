"""Proven reoffending: cohorts, binary and frequency rates, live tracker, time to reoffence.

The MoJ/YJB measure (METHODS.md section 1): children enter a cohort at
their first qualifying event in the cohort period (a caution, a court
conviction, or release from custody) and are followed for 12 months; a
proven reoffence is an offence *committed* in the follow-up and *proven*
(cautioned or convicted) by the end of a further six-month waiting period.
Breaches and informal outcomes are neither index events nor reoffences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import (
    TIDY_COLUMNS,
    age_band,
    age_from_months,
    birth_months,
    equal_pairs,
    first_by_min,
    match_codes,
    sort_key,
)
from cohort.measures.pooling import pool_cohorts
from cohort.measures.rate_tables import (
    _as_tuple,
    _authority_universe,
    _check_by,
    _grid,
    _youth_bands,
)
from cohort.periods import (
    calendar_quarter_label,
    financial_year,
    period_table,
    quarter,
)
from cohort.stats import proportion_ci, rate_ci

__all__ = ["MEASURES", "reoffending", "reoffending_cohort"]

CohortPeriod = Literal["3M", "12M"]
PoolWindow = Literal["financial_year", "rolling_12m"]

#: The three reoffending measures, in output order.
MEASURES: tuple[str, ...] = (
    "binary_rate",
    "reoffences_per_reoffender",
    "reoffences_per_offender",
)

#: Extra columns of :func:`reoffending`, after the tidy columns.
REOFFENDING_EXTRA_COLUMNS: tuple[str, ...] = ("cohorts", "incomplete")

#: Columns of :func:`reoffending_cohort`, in order.
MEMBER_COLUMNS: tuple[str, ...] = (
    "child_id", "authority_code", "period", "period_start", "period_end",
    "index_offence_id", "index_outcome", "index_date", "follow_up_end", "proven_by",
    "sex", "ethnicity", "age", "age_band", "reoffences", "reoffender",
    "first_reoffence_date", "incomplete",
)  # fmt: skip

_MONTHS_RE = re.compile(r"^\s*(\d+)\s*M\s*$", re.IGNORECASE)


def _months(value: str | int, name: str) -> int:
    """Whole months from ``"12M"`` (or an int)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number of months like '12M'; got {value!r}")
    if isinstance(value, int | np.integer):
        months = int(value)
    else:
        m = _MONTHS_RE.match(str(value))
        if not m:
            raise ValueError(f"{name} must be a number of months like '12M'; got {value!r}")
        months = int(m.group(1))
    if months < 0:
        raise ValueError(f"{name} must not be negative; got {value!r}")
    return months


def _cohort_periods(
    cohort_period: str, start: object, end: object, dates: pd.Series
) -> pd.DataFrame:
    """Cohort periods with ``period``, ``period_start``, ``period_end``, ``key``.

    ``key`` is the ``Q-MAR`` quarter for 3-month cohorts and the financial
    year label for 12-month cohorts.
    """
    dates = pd.to_datetime(dates).dropna()
    if (start is None or end is None) and dates.empty:
        raise ValueError(
            "no index events to take the default cohort range from; pass start and end"
        )
    if cohort_period == "3M":
        start = quarter(dates.min()) if start is None else start
        end = quarter(dates.max()) if end is None else end
        table = period_table("quarter", start, end)  # type: ignore[arg-type]
        keys = [quarter(s) for s in table["start"]]
        labels = [calendar_quarter_label(k) for k in keys]
    else:
        start = financial_year(dates.min()) if start is None else start
        end = financial_year(dates.max()) if end is None else end
        table = period_table("financial_year", start, end)  # type: ignore[arg-type]
        keys = list(table["period"])
        labels = list(table["period"])
    return pd.DataFrame(
        {
            "period": pd.Series(labels, dtype=object),
            "period_start": table["start"],
            "period_end": table["end"],
            "key": pd.Series(keys, dtype=object),
        }
    )


def _take(children: pd.DataFrame, column: str, rows: np.ndarray):
    """Column ``column`` of ``children`` at positions ``rows`` (-1: missing); all missing
    when ``children`` lacks the column."""
    if column not in children.columns:
        return pd.array([pd.NA] * len(rows), dtype=object)
    return pd.api.extensions.take(children[column].array, rows, allow_fill=True)


def _default_as_of(data: CohortData, as_of: object) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    dates = pd.to_datetime(
        data.select("offences", ["outcome_date"]).get("outcome_date", pd.Series(dtype="datetime64[ns]"))
    )
    if dates.dropna().empty:
        raise ValueError("the data have no outcome dates; pass as_of")
    return pd.Timestamp(dates.max()).normalize()


def _cohort(
    data: CohortData,
    cohort_period: str,
    follow_up: str | int,
    waiting: str | int,
    start: object,
    end: object,
    as_of: object,
    include_index_day: bool,
    include_end_day: bool,
    ages: tuple[int, int],
    columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Members, the cohort periods and ``as_of`` (see :func:`reoffending_cohort`).

    With ``columns``, the members carry only those of :data:`MEMBER_COLUMNS` (and
    come in no particular order): what a table of counts needs.
    """
    _check_choice("cohort_period", cohort_period, get_args(CohortPeriod))
    fu = _months(follow_up, "follow_up")
    wait = _months(waiting, "waiting")
    cols = ["offence_id", "child_id", "authority_code", "offence_date", "outcome_date", "outcome"]
    wanted = MEMBER_COLUMNS if columns is None else [c for c in MEMBER_COLUMNS if c in columns]
    off = data.select("offences", [*cols, "is_breach", "release_date"])
    as_of_ts = _default_as_of(data, as_of)
    dictionary = load_dictionary()
    formal = dictionary.codes("outcome", formal=True)
    custodial = dictionary.codes("outcome", custody=True)

    breach = (
        off["is_breach"].astype("boolean").fillna(False).astype(bool)
        if "is_breach" in off.columns
        else pd.Series(False, index=off.index)
    )
    release = (
        pd.to_datetime(off["release_date"])
        if "release_date" in off.columns
        else pd.Series(pd.NaT, index=off.index, dtype="datetime64[ns]")
    )
    known = off["outcome"].isin(formal) & ~breach & (off["outcome_date"] <= as_of_ts)
    # the qualifying offences (formal, not breaches, known by as_of), as positions in
    # ``off``; below, children and offences are integer codes and positions, and the
    # text columns are taken only for the cohort members at the end
    q = np.flatnonzero(known.to_numpy(dtype=bool))
    qualifying = off[["offence_date", "outcome_date"]].iloc[q]  # the text columns stay where they are
    children = data.select("children", ["child_id", "birth_month", *(c for c in ("sex", "ethnicity") if c in wanted)])
    child, child_row = (a[q] for a in match_codes(children["child_id"], off["child_id"]))
    ids = off["offence_id"]

    # index events: outcome date, or release date for custody (must be known by as_of),
    # of children aged within ``ages`` at the index date
    is_custody = off["outcome"].isin(custodial).to_numpy()[q]
    index_date = qualifying["outcome_date"].where(~is_custody, release.iloc[q])
    e = np.flatnonzero((index_date.notna() & (index_date <= as_of_ts)).to_numpy(dtype=bool))
    # each child's birth month parsed once, then looked up (-1: no child record, or none known)
    months = birth_months(children["birth_month"]) if "birth_month" in children.columns \
        else np.full(len(children), -1, dtype=np.int64)
    born = np.where(child_row >= 0, months[child_row], -1)
    age = age_from_months(born[e], index_date.iloc[e].to_numpy())
    aged = ((age >= ages[0]) & (age <= ages[1])).fillna(False).to_numpy(dtype=bool)
    e = e[aged]
    event_date = index_date.iloc[e]

    periods = _cohort_periods(cohort_period, start, end, event_date)
    if cohort_period == "3M":
        # Q-MAR quarter as an integer key (fiscal end year * 10 + quarter), vectorised
        month = event_date.dt.month
        keys = (event_date.dt.year + (month >= 4)) * 10 + ((month - 4) % 12) // 3 + 1
        slot = {k.qyear * 10 + k.quarter: i for i, k in enumerate(periods["key"])}
    else:
        years = event_date.dt.year + (event_date.dt.month >= 4)
        keys = years.map({y: financial_year(pd.Timestamp(y, 3, 31)) for y in pd.unique(years)})
        slot = {label: i for i, label in enumerate(periods["period"])}
    cohort = keys.map(slot).fillna(-1).to_numpy(dtype=np.int64)  # position in ``periods``
    e, cohort = e[cohort >= 0], cohort[cohort >= 0]
    # the earliest index event of each child in each cohort (ties: outcome date, offence id)
    first = first_by_min(
        pd.factorize(child[e] * len(periods) + cohort)[0],
        [sort_key(index_date.iloc[e]), sort_key(qualifying["outcome_date"].iloc[e]),
         lambda at: sort_key(ids.iloc[q[e[at]]])],  # offence ids ranked only where still tied
    )
    m, cohort = e[first], cohort[first]  # the members: their index events, and cohorts
    start_date = index_date.iloc[m].reset_index(drop=True)
    follow_up_end = start_date + pd.DateOffset(months=fu)
    proven_by = start_date + pd.DateOffset(months=fu + wait)

    # reoffences: the qualifying offences of the same child committed after the index
    # date and within the follow-up, proven by the end of the waiting period
    member, cand = equal_pairs(child[m], child)
    committed = qualifying["offence_date"].to_numpy()[cand]
    proven = qualifying["outcome_date"].to_numpy()[cand]
    day0 = start_date.to_numpy()[member]
    after = committed >= day0 if include_index_day else committed > day0
    if include_end_day:
        within = (committed <= follow_up_end.to_numpy()[member]) & (proven <= proven_by.to_numpy()[member])
    else:
        within = (committed < follow_up_end.to_numpy()[member]) & (proven < proven_by.to_numpy()[member])
    hit = np.flatnonzero(after & within)
    # not the index offence itself (the same offence id; a missing id is another offence),
    # compared only for the pairs in the window
    same = pc.fill_null(pc.equal(*(pa.array(ids.array.take(q[at[hit]]), from_pandas=True)
                                   for at in (cand, m[member]))), False)
    hit = hit[~same.to_numpy(zero_copy_only=False)]
    reoffences = np.bincount(member[hit], minlength=len(m)).astype("int64")
    first_date = pd.Series(pd.NaT, index=range(len(m)), dtype=qualifying["offence_date"].dtype)
    earliest = pd.Series(committed[hit]).groupby(member[hit]).min()
    first_date.iloc[earliest.index.to_numpy()] = earliest.to_numpy()

    window = periods[["period", "period_start", "period_end"]].iloc[cohort].reset_index(drop=True)
    rows = q[m]  # the members' offence records, in ``off``

    def member(column: str) -> pd.Series:
        return off[column].iloc[rows].reset_index(drop=True)

    def member_age() -> pd.Series:  # at the index date
        return pd.Series(age_from_months(born[m], start_date.to_numpy()))

    build = {  # each member column, made only when asked for
        "child_id": lambda: member("child_id"),
        "authority_code": lambda: member("authority_code"),
        "period": lambda: window["period"],
        "period_start": lambda: window["period_start"],
        "period_end": lambda: window["period_end"],
        "index_offence_id": lambda: member("offence_id"),
        "index_outcome": lambda: member("outcome"),
        "index_date": lambda: start_date,
        "follow_up_end": lambda: follow_up_end,
        "proven_by": lambda: proven_by,
        "sex": lambda: _take(children, "sex", child_row[m]),
        "ethnicity": lambda: _take(children, "ethnicity", child_row[m]),
        "age": member_age,
        "age_band": lambda: age_band(out["age"] if "age" in out.columns else member_age()),
        "reoffences": lambda: reoffences,
        "reoffender": lambda: reoffences > 0,
        "first_reoffence_date": lambda: first_date,
        "incomplete": lambda: proven_by > as_of_ts,
    }
    out = pd.DataFrame(index=pd.RangeIndex(len(m)))
    for c in wanted:
        out[c] = build[c]()
    if columns is None:  # in cohort order, then child order
        out = out.iloc[np.lexsort([sort_key(out["child_id"]), sort_key(out["period_start"])])]
    return out.reset_index(drop=True), periods, as_of_ts


def reoffending_cohort(
    data: CohortData,
    cohort_period: CohortPeriod = "3M",
    follow_up: str | int = "12M",
    waiting: str | int = "6M",
    start: str | pd.Period | None = None,
    end: str | pd.Period | None = None,
    as_of: str | pd.Timestamp | None = None,
    include_index_day: bool = False,
    include_end_day: bool = True,
    ages: tuple[int, int] = (10, 17),
) -> pd.DataFrame:
    """The members of each reoffending cohort with their proven reoffences.

    Parameters
    ----------
    data : CohortData
        Needs ``offences`` (offence_id, child_id, authority_code,
        offence_date, outcome_date, outcome, is_breach, release_date) and
        ``children`` (child_id, birth_month, sex, ethnicity).
    cohort_period : {"3M", "12M"}, default "3M"
        Calendar-quarter cohorts (the method since October 2017) or legacy
        April-March 12-month cohorts.
    follow_up : str or int, default "12M"
        Follow-up after the index date, in calendar months.
    waiting : str or int, default "6M"
        Further months in which a reoffence committed in the follow-up may
        be proven ("3M" reproduces the legacy local NI19 measure).
    start, end : optional
        First and last cohort: quarters (``"2022/23 Q4"`` or ``"Jan-Mar
        2023"``) for 3-month cohorts, financial years (``"2022/23"``) for
        12-month ones. Default: the span of the index events.
    as_of : date-like, optional
        The date the data describe (default: the latest ``outcome_date`` in
        the data). Outcomes after it are ignored, as if not yet recorded.
    include_index_day : bool, default False
        Whether an offence committed on the index date can be a reoffence
        [unverified in METHODS.md: a parameter]. The index offence itself
        never is.
    include_end_day : bool, default True
        Whether the last day of the follow-up (index + follow-up) and of the
        waiting period (index + follow-up + waiting) are included.
    ages : (int, int), default (10, 17)
        Age range at the index date (the youth cohort).

    Returns
    -------
    pandas.DataFrame
        One row per child per cohort: ``child_id``, ``authority_code`` (of
        the index offence record), ``period`` (cohort label, e.g. ``"Jan-Mar
        2023"`` or ``"2022/23"``), ``period_start``, ``period_end``,
        ``index_offence_id``, ``index_outcome``, ``index_date``,
        ``follow_up_end``, ``proven_by``, ``sex``, ``ethnicity``, ``age``,
        ``age_band``, ``reoffences`` (count of proven reoffences),
        ``reoffender`` (bool), ``first_reoffence_date`` (offence date of the
        earliest, NaT if none) and ``incomplete`` (``proven_by`` is after
        ``as_of``: the child's count may still rise).

    Notes
    -----
    Index events are formal outcomes (``formal: true`` in the ``outcome``
    code list) that are not breaches, dated by the outcome date, or by
    ``release_date`` for custodial outcomes (``custody: true``; a child
    still in custody has no index event yet). The earliest event in the
    cohort period is the index; a child enters each cohort at most once.
    A reoffence is a formal, non-breach offence with

    .. math:: d_0 < \\text{offence date} \\le d_0 + F, \\qquad
              \\text{outcome date} \\le d_0 + F + W,

    where :math:`d_0` is the index date and :math:`F`, :math:`W` the
    follow-up and waiting months added with calendar-month arithmetic
    (``pandas.DateOffset``, i.e. ``relativedelta``: 29 February 2024 + 12
    months is 28 February 2025; + 18 months is 29 August 2025). Offences
    committed before the index date are never reoffences, whenever proven.
    Each offence counts, so several proven at one hearing count several
    times.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({
    ...     "offence_id": ["i1", "r1", "r2"], "child_id": "a", "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2023-01-02", "2023-06-01", "2023-09-01"]),
    ...     "outcome_date": pd.to_datetime(["2023-02-15", "2023-08-01", "2024-12-01"]),
    ...     "outcome": "Youth caution", "is_breach": False, "release_date": pd.NaT})
    >>> children = pd.DataFrame({"child_id": ["a"], "birth_month": ["2008-01"],
    ...     "sex": ["Male"], "ethnicity": ["White"]})
    >>> members = reoffending_cohort(CohortData({"offences": offences, "children": children}),
    ...                              start="Jan-Mar 2023", end="Jan-Mar 2023")
    >>> members[["period", "index_date", "proven_by", "reoffences"]]
             period index_date  proven_by  reoffences
    0  Jan-Mar 2023 2023-02-15 2024-08-15           1
    """
    members, _, _ = _cohort(
        data, cohort_period, follow_up, waiting, start, end, as_of,
        include_index_day, include_end_day, ages,
    )  # fmt: skip
    return members


def _measures(cells: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
    """The three measures, long on ``measure`` (each cell's three rows together, in
    :data:`MEASURES` order), from cell counts N, R, O."""
    n, r, o = (cells[c].to_numpy(dtype=float) for c in ("N", "R", "O"))
    blocks = {
        "binary_rate": proportion_ci(r, n, method="wilson", level=level),
        "reoffences_per_reoffender": rate_ci(o, r, per=1, level=level),
        "reoffences_per_offender": rate_ci(o, n, per=1, level=level),
    }
    k, each = len(cells), len(MEASURES)
    out = cells[keys].iloc[np.repeat(np.arange(k), each)].reset_index(drop=True)
    out["measure"] = np.tile(np.array(MEASURES, dtype=object), k)
    for c in TIDY_COLUMNS:  # row i * each + j: cell i, measure j
        out[c] = np.stack([blocks[name][c].to_numpy() for name in MEASURES], axis=1).reshape(-1)
    for c in ("cohorts", "incomplete"):
        out[c] = np.repeat(cells[c].to_numpy(), each)
    return out


def reoffending(
    data: CohortData,
    cohort_period: CohortPeriod = "3M",
    follow_up: str | int = "12M",
    waiting: str | int = "6M",
    by: Sequence[str] = ("authority_code",),
    start: str | pd.Period | None = None,
    end: str | pd.Period | None = None,
    pooled: bool = False,
    pool_window: PoolWindow = "financial_year",
    as_of: str | pd.Timestamp | None = None,
    include_index_day: bool = False,
    include_end_day: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Proven reoffending: binary rate, reoffences per reoffender and per offender.

    Parameters
    ----------
    data : CohortData
        Offences with outcomes, breach flags and release dates; children.
    cohort_period : {"3M", "12M"}, default "3M"
        Quarterly cohorts (current method) or legacy April-March cohorts.
    follow_up, waiting : str or int, default "12M" and "6M"
        Follow-up and waiting periods in calendar months.
    by : sequence of str, default ("authority_code",)
        Breakdowns: ``authority_code``, ``sex``, ``ethnicity``, ``age``,
        ``age_band`` (at the index date), ``index_outcome``.
    start, end : optional
        First and last cohort (quarters for "3M", financial years for
        "12M"); default the span of the index events.
    pooled : bool, default False
        Pool quarterly cohorts into 12-month figures (needs ``"3M"``).
    pool_window : {"financial_year", "rolling_12m"}, default "financial_year"
        Pools of the quarters of each financial year (April-March), or of
        the four quarters ending with each quarter. A financial-year pool cut
        by ``start`` or ``end`` holds fewer quarters: see ``cohorts``.
    as_of : date-like, optional
        The date of the data (default the latest outcome date): outcomes
        after it are ignored and cohorts whose waiting period has not ended
        by then are flagged ``incomplete`` -- the live tracker.
    include_index_day, include_end_day : bool
        Boundary days, as in :func:`reoffending_cohort`.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (authority,) cohort, breakdown cell and measure:

        - ``authority_code`` (when in ``by``), ``period`` (cohort or pool
          label), ``period_start``, ``period_end``, other ``by`` columns.
        - ``measure``: ``"binary_rate"`` (reoffenders / cohort),
          ``"reoffences_per_reoffender"`` (reoffences / reoffenders, the
          YJB "frequency") or ``"reoffences_per_offender"`` (reoffences /
          cohort; x100 for "per 100 offenders").
        - ``numerator``, ``denominator``: R and N, O and R, or O and N.
        - ``estimate``: their ratio (a proportion, not a percentage, for the
          binary rate).
        - ``lower``, ``upper``: Wilson limits for the binary rate; Poisson
          limits on the reoffence count (exact below 10, Byar from 10) for
          the frequencies.
        - ``method``, ``confidence``.
        - ``cohorts``: quarterly cohorts summed into the row (1 unpooled).
        - ``incomplete``: True when ``as_of`` is before the end of the
          waiting period of the cohort's last possible member (period end +
          follow-up + waiting), so counts may still rise.

    Notes
    -----
    For a cohort of :math:`N` children with :math:`R` reoffenders and
    :math:`O` proven reoffences: binary rate :math:`R/N`, reoffences per
    reoffender :math:`O/R`, reoffences per offender :math:`O/N`. The
    cohort and the counting rules are those of :func:`reoffending_cohort`.

    The frequency intervals treat :math:`O` as Poisson with the
    denominator fixed (:func:`cohort.stats.rate_ci` with ``per=1``). Reoffences
    cluster within children, so these intervals are too narrow when a few
    children commit many offences; read them as a lower bound on the
    uncertainty.

    Pooling (METHODS.md [M]): a 12-month figure sums the numerators and the
    denominators of its quarterly cohorts, so a child with index events in
    several quarters counts up to four times, as in the MoJ method since
    October 2017 (the legacy ``"12M"`` cohort counts each child once).
    Cohorts with no members have ``NaN`` estimates.

    Sources: MoJ *Guide to Proven Reoffending Statistics*; METHODS.md
    section 1. Validated against the METHODS.md worked example (N = 200,
    R = 70, O = 250 -> 35.0%, Wilson 28.7%-41.8%; 3.57 per reoffender;
    1.25 per child) and the edge cases listed there, on constructed data
    (``tests/measures/test_measures_reoffending.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({
    ...     "offence_id": ["i1", "i2", "r1"], "child_id": ["a", "b", "a"],
    ...     "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2023-01-02", "2023-01-03", "2023-06-01"]),
    ...     "outcome_date": pd.to_datetime(["2023-02-15", "2023-03-01", "2023-08-01"]),
    ...     "outcome": "Youth caution", "is_breach": False, "release_date": pd.NaT})
    >>> children = pd.DataFrame({"child_id": ["a", "b"], "birth_month": ["2008-01", "2007-06"],
    ...     "sex": ["Male", "Female"], "ethnicity": ["White", "White"]})
    >>> data = CohortData({"offences": offences, "children": children})
    >>> reoffending(data, start="Jan-Mar 2023", end="Jan-Mar 2023", as_of="2025-01-01")[
    ...     ["measure", "numerator", "denominator", "estimate", "incomplete"]]
                         measure  numerator  denominator  estimate  incomplete
    0                binary_rate        1.0          2.0       0.5       False
    1  reoffences_per_reoffender        1.0          1.0       1.0       False
    2    reoffences_per_offender        1.0          2.0       0.5       False
    """
    _check_choice("cohort_period", cohort_period, get_args(CohortPeriod))
    _check_choice("pool_window", pool_window, get_args(PoolWindow))
    if pooled and cohort_period != "3M":
        raise ValueError("pooled=True pools quarterly cohorts: use cohort_period='3M'")
    by = _as_tuple(by)
    fu, wait = _months(follow_up, "follow_up"), _months(waiting, "waiting")
    ages = (10, 17)
    _check_by(by, list(MEMBER_COLUMNS))
    members, periods, as_of_ts = _cohort(
        data, cohort_period, fu, wait, start, end, as_of,
        include_index_day, include_end_day, ages,
        columns=["period", "reoffender", "reoffences", *by],
    )  # fmt: skip
    authorities = _authority_universe(data)
    levels: dict[str, list[object]] = {}
    for c in by:
        if c == "authority_code" and authorities:
            levels[c] = authorities
        elif c == "age":
            levels[c] = list(range(ages[0], ages[1] + 1))
        elif c == "age_band":
            levels[c] = _youth_bands(ages)
        else:
            levels[c] = sorted(set(members[c].dropna().astype(str)))
    grid = _grid(periods, by, levels)
    keys = ["period", *by]
    tallies = members.assign(**{c: members[c].astype(str) for c in by if c != "age"})
    counts = tallies.groupby(keys, observed=True, dropna=False).agg(
        N=("reoffences", "size"), R=("reoffender", "sum"), O=("reoffences", "sum")
    )
    cells = grid.merge(counts.reset_index(), on=keys, how="left")
    for c in ("N", "R", "O"):
        cells[c] = cells[c].fillna(0).astype("int64")
    last_proven = periods["period_end"] + pd.DateOffset(months=fu + wait)
    incomplete = dict(zip(periods["period"], last_proven > as_of_ts, strict=True))
    cells["incomplete"] = cells["period"].map(incomplete).astype(bool)
    cells["cohorts"] = 1
    if pooled:
        cells = pool_cohorts(cells, periods, by, pool_window)
    lead = ["authority_code"] if "authority_code" in by else []
    rest = [c for c in by if c != "authority_code"]
    out_keys = [*lead, "period", "period_start", "period_end", *rest]
    # one row per cell and measure: by period, authority and breakdown, then measure
    cells = cells.sort_values(["period_start", *lead, *rest], kind="stable")
    out = _measures(cells, out_keys, level)
    out = out[[*out_keys, "measure", *TIDY_COLUMNS, *REOFFENDING_EXTRA_COLUMNS]]
    return out.astype({"cohorts": "int64", "incomplete": bool})
