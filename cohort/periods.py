"""UK financial-year quarters, calendar years and rolling 12-month windows.

Youth justice figures in England and Wales are reported over several kinds
of period, and mixing them up is a classic source of wrong denominators:

* **Financial-year quarters** (KPIs). The financial year runs April to March:
  Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar. Labels are written
  ``"2024/25 Q2"``. A quarter is a :class:`pandas.Period` of frequency
  ``Q-MAR``, whose year is the *end* year of the financial year, so
  ``"2024/25 Q2"`` (Jul-Sep 2024) is ``pd.Period("2025Q2", freq="Q-MAR")``.
  Jan-Mar belongs to the financial year that began the previous April.
* **Calendar years** and **rolling 12 months** (first time entrants, custody).
* **Calendar-quarter cohorts** (MoJ proven reoffending): ``"Oct-Dec 2018"``.

Dates are :class:`pandas.Timestamp` at midnight; an ``end`` is the *last
day* of the period, so a date ``d`` is inside ``[start, end]`` when
``start <= d <= end``.

Examples
--------
>>> q = quarter("2024/25 Q2")
>>> q
Period('2025Q2', 'Q-MAR')
>>> quarter_label(q), calendar_quarter_label(q)
('2024/25 Q2', 'Jul-Sep 2024')
>>> quarter_start(q).date(), quarter_end(q).date()
(datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
import pandas as pd

from cohort.exceptions import PeriodError

__all__ = [
    "PeriodKind",
    "QuarterLike",
    "calendar_quarter_label",
    "calendar_year_bounds",
    "financial_year",
    "financial_year_bounds",
    "EVENT_DATE_COLUMNS",
    "latest_complete_quarter",
    "latest_event_date",
    "latest_quarter",
    "period_table",
    "previous_quarter",
    "quarter",
    "quarter_end",
    "quarter_label",
    "quarter_range",
    "quarter_start",
    "rolling_12_months",
]

#: Anything :func:`quarter` understands: a label, a Period, or a date.
QuarterLike: TypeAlias = str | pd.Period | pd.Timestamp | _dt.date | np.datetime64

#: The kinds of period :func:`period_table` can tabulate.
PeriodKind = Literal["quarter", "financial_year", "calendar_year", "rolling_12m"]

_FREQ = "Q-MAR"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# "2024/25", "2024-25", "2024/2025", "2024-2025" (also with an en dash).
_FY = r"(?P<y1>\d{4})\s*[/\-\u2013]\s*(?P<y2>\d{4}|\d{2})"
_FY_RE = re.compile(rf"^(?:FY\s*)?{_FY}$", re.IGNORECASE)
_FYQ_RE = re.compile(rf"^(?:FY\s*)?{_FY}\s*Q(?P<q>\d)$", re.IGNORECASE)
_QFY_RE = re.compile(rf"^Q(?P<q>\d)\s*(?:FY\s*)?{_FY}$", re.IGNORECASE)
# "2024 Q2", "2024Q2", "Q2 2024", "2024-Q2": calendar or financial? Refused.
_AMBIGUOUS_RE = re.compile(
    r"^(?:(?P<y1>\d{4})\s*-?\s*Q(?P<q1>\d)|Q(?P<q2>\d)\s*-?\s*(?P<y2>\d{4}))$", re.IGNORECASE
)
# MoJ calendar-quarter cohort labels: "Oct-Dec 2018", "Jan - Mar 2019".
_CALQ_RE = re.compile(r"^(?P<m1>[A-Za-z]{3})\s*[-\u2013]\s*(?P<m2>[A-Za-z]{3})\s+(?P<y>\d{4})$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fy_end_year(y1: str, y2: str, text: str) -> int:
    """End year of a financial year written ``y1/y2``; checks they are consecutive."""
    start = int(y1)
    if len(y2) == 2:
        ok = int(y2) == (start + 1) % 100
    else:
        ok = int(y2) == start + 1
    if not ok:
        raise PeriodError(
            f"{text!r} is not a financial year: the two years must be consecutive, "
            f"e.g. '{start}/{(start + 1) % 100:02d}'."
        )
    return start + 1


def _fy_label(end_year: int) -> str:
    return f"{end_year - 1}/{end_year % 100:02d}"


def _from_timestamp(ts: pd.Timestamp) -> pd.Period:
    if pd.isna(ts):
        raise PeriodError("Cannot place a missing date (NaT) in a quarter.")
    return pd.Timestamp(ts).to_period(_FREQ)


def _parse_quarter_text(text: str) -> pd.Period:
    s = " ".join(text.strip().split())
    m = _FYQ_RE.match(s) or _QFY_RE.match(s)
    if m:
        q = int(m["q"])
        if not 1 <= q <= 4:
            raise PeriodError(f"{text!r}: a financial year has quarters Q1-Q4, not Q{q}.")
        return pd.Period(year=_fy_end_year(m["y1"], m["y2"], text), quarter=q, freq=_FREQ)
    m = _AMBIGUOUS_RE.match(s)
    if m:
        year = int(m["y1"] or m["y2"])
        q = int(m["q1"] or m["q2"])
        if not 1 <= q <= 4:
            raise PeriodError(f"{text!r}: quarters are Q1-Q4, not Q{q}.")
        cal = pd.Period(year=year, quarter=q, freq="Q-DEC")
        as_fin = cal.asfreq(_FREQ)
        raise PeriodError(
            f"{text!r} is ambiguous: it does not say whether Q{q} is a calendar or a "
            f"financial-year quarter. Write the financial year: calendar Q{q} {year} "
            f"({calendar_quarter_label(as_fin)}) is {quarter_label(as_fin)!r}; "
            f"Q{q} of the financial year starting April {year} is "
            f"'{_fy_label(year + 1)} Q{q}'. A calendar quarter may also be written "
            f"like {calendar_quarter_label(as_fin)!r}."
        )
    m = _CALQ_RE.match(s)
    if m:
        names = [n.title() for n in (m["m1"], m["m2"])]
        if names[0] not in _MONTHS or names[1] not in _MONTHS:
            raise PeriodError(f"{text!r}: unknown month name; use e.g. 'Oct-Dec 2018'.")
        first = _MONTHS.index(names[0])
        if first % 3 != 0 or _MONTHS.index(names[1]) != first + 2:
            raise PeriodError(
                f"{text!r} is not a calendar quarter; calendar quarters are "
                "Jan-Mar, Apr-Jun, Jul-Sep and Oct-Dec."
            )
        return _from_timestamp(pd.Timestamp(year=int(m["y"]), month=first + 1, day=1))
    if _ISO_DATE_RE.match(s):
        try:
            return _from_timestamp(pd.Timestamp(s))
        except ValueError as err:
            raise PeriodError(f"{text!r} is not a valid date.") from err
    if _FY_RE.match(s):
        raise PeriodError(
            f"{text!r} is a financial year, not a quarter; add the quarter, e.g. '{s} Q1'."
        )
    raise PeriodError(
        f"Cannot read {text!r} as a quarter. Write a financial-year quarter like "
        "'2024/25 Q2' (also '2024-25 Q2', '2024/2025 Q2', 'Q2 2024/25'), a calendar "
        "quarter like 'Oct-Dec 2018', or an ISO date like '2024-08-15'."
    )


def quarter(value: QuarterLike) -> pd.Period:
    """The financial-year quarter named by ``value``, as a ``Q-MAR`` Period.

    Parameters
    ----------
    value : str, pandas.Period, pandas.Timestamp, datetime.date or numpy.datetime64
        A label ``"2024/25 Q2"`` (also ``"2024-25 Q2"``, ``"2024/2025 Q2"``,
        ``"Q2 2024/25"``), a calendar-quarter label ``"Jul-Sep 2024"``, an ISO
        date string, a Period no longer than a quarter, or a date (the quarter
        containing it).

    Returns
    -------
    pandas.Period
        Frequency ``Q-MAR``; its ``qyear`` is the financial year's end year.

    Raises
    ------
    cohort.PeriodError
        For anything ambiguous or invalid: ``"2024 Q2"`` (calendar or
        financial?), ``"2024/26 Q1"`` (years not consecutive), ``"2024/25 Q5"``,
        a Period longer than a quarter or straddling two quarters.

    Examples
    --------
    >>> quarter("2024/25 Q2")
    Period('2025Q2', 'Q-MAR')
    >>> quarter("Q4 2024-2025"), quarter(pd.Timestamp("2025-02-14"))
    (Period('2025Q4', 'Q-MAR'), Period('2025Q4', 'Q-MAR'))
    >>> quarter("2024 Q2")
    Traceback (most recent call last):
    ...
    cohort.exceptions.PeriodError: '2024 Q2' is ambiguous: ...
    """
    if isinstance(value, pd.Period):
        if value.freqstr == _FREQ:
            return value
        start = value.start_time.to_period(_FREQ)
        if value.end_time.to_period(_FREQ) != start:
            raise PeriodError(
                f"Period {value} ({value.freqstr}) is not inside a single quarter; "
                "pass a quarter, a month, a day or a date."
            )
        return start
    if isinstance(value, str):
        return _parse_quarter_text(value)
    if isinstance(value, bool | int | float | np.integer | np.floating):
        raise PeriodError(
            f"Cannot read the number {value!r} as a quarter; write e.g. '2024/25 Q2'."
        )
    if isinstance(value, pd.Timestamp | _dt.date | np.datetime64):
        return _from_timestamp(pd.Timestamp(value))
    raise PeriodError(
        f"Cannot read {value!r} ({type(value).__name__}) as a quarter; pass a label "
        "like '2024/25 Q2', a pandas Period or a date."
    )


def quarter_label(q: QuarterLike) -> str:
    """The label of a financial-year quarter, e.g. ``"2024/25 Q2"``.

    Examples
    --------
    >>> quarter_label(pd.Period("2025Q2", freq="Q-MAR"))
    '2024/25 Q2'
    >>> quarter_label(pd.Timestamp("2000-01-01"))
    '1999/00 Q4'
    """
    p = quarter(q)
    return f"{_fy_label(p.qyear)} Q{p.quarter}"


def calendar_quarter_label(q: QuarterLike) -> str:
    """The calendar-quarter label used by MoJ reoffending cohorts, e.g. ``"Oct-Dec 2018"``.

    Examples
    --------
    >>> calendar_quarter_label("2018/19 Q3")
    'Oct-Dec 2018'
    >>> quarter("Jan-Mar 2019") == quarter("2018/19 Q4")
    True
    """
    start = quarter(q).start_time
    m = start.month - 1
    return f"{_MONTHS[m]}-{_MONTHS[m + 2]} {start.year}"


def quarter_start(q: QuarterLike) -> pd.Timestamp:
    """First day of the quarter (midnight).

    Examples
    --------
    >>> quarter_start("2024/25 Q4")
    Timestamp('2025-01-01 00:00:00')
    """
    return quarter(q).start_time.normalize()


def quarter_end(q: QuarterLike) -> pd.Timestamp:
    """Last day of the quarter (midnight of that day, not 23:59:59).

    Examples
    --------
    >>> quarter_end("2023/24 Q4")
    Timestamp('2024-03-31 00:00:00')
    """
    return quarter(q).end_time.normalize()


def previous_quarter(q: QuarterLike) -> pd.Period:
    """The quarter before ``q``.

    Examples
    --------
    >>> quarter_label(previous_quarter("2024/25 Q1"))
    '2023/24 Q4'
    """
    return quarter(q) - 1


def quarter_range(start: QuarterLike, end: QuarterLike) -> list[pd.Period]:
    """Every quarter from ``start`` to ``end`` inclusive, in order.

    Raises
    ------
    cohort.PeriodError
        When ``end`` is before ``start``.

    Examples
    --------
    >>> [quarter_label(p) for p in quarter_range("2023/24 Q3", "2024/25 Q1")]
    ['2023/24 Q3', '2023/24 Q4', '2024/25 Q1']
    """
    a, b = quarter(start), quarter(end)
    if b < a:
        raise PeriodError(
            f"quarter_range: end {quarter_label(b)!r} is before start {quarter_label(a)!r}."
        )
    return list(pd.period_range(a, b, freq=_FREQ))


def _parse_financial_year(value: QuarterLike) -> int:
    """End year of the financial year named or containing ``value``."""
    if isinstance(value, str):
        s = " ".join(value.strip().split())
        m = _FY_RE.match(s)
        if m:
            return _fy_end_year(m["y1"], m["y2"], value)
        if re.fullmatch(r"\d{4}", s):
            raise PeriodError(
                f"{value!r} is ambiguous as a financial year; write "
                f"'{int(s) - 1}/{int(s) % 100:02d}' or '{s}/{(int(s) + 1) % 100:02d}'."
            )
    if isinstance(value, pd.Period) and value.freqstr in ("Y-MAR", "A-MAR"):
        return value.year
    if isinstance(value, bool | int | np.integer):
        raise PeriodError(
            f"The number {value!r} is ambiguous as a financial year; write "
            f"'{value - 1}/{value % 100:02d}' or '{value}/{(value + 1) % 100:02d}'."
        )
    return quarter(value).qyear


def financial_year(value: QuarterLike) -> str:
    """The financial year (April-March) of a quarter or date, e.g. ``"2024/25"``.

    Examples
    --------
    >>> financial_year("2024/25 Q3"), financial_year(pd.Timestamp("2025-03-31"))
    ('2024/25', '2024/25')
    >>> financial_year(pd.Timestamp("2025-04-01"))
    '2025/26'
    """
    return _fy_label(_parse_financial_year(value))


def financial_year_bounds(fy: QuarterLike) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a financial year.

    Parameters
    ----------
    fy : str, pandas.Period or date
        ``"2024/25"`` (also ``"2024-25"``, ``"2024/2025"``), or a quarter or
        date inside the year.

    Examples
    --------
    >>> [t.date().isoformat() for t in financial_year_bounds("2023/24")]
    ['2023-04-01', '2024-03-31']
    """
    end_year = _parse_financial_year(fy)
    return pd.Timestamp(end_year - 1, 4, 1), pd.Timestamp(end_year, 3, 31)


def _parse_calendar_year(year: int | str) -> int:
    if isinstance(year, bool) or not isinstance(year, int | np.integer | str):
        raise PeriodError(f"A calendar year is a whole number like 2023, not {year!r}.")
    if isinstance(year, str):
        if not re.fullmatch(r"\s*\d{4}\s*", year):
            raise PeriodError(f"A calendar year is written like '2023', not {year!r}.")
        return int(year)
    return int(year)


def calendar_year_bounds(year: int | str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a calendar year.

    Examples
    --------
    >>> [t.date().isoformat() for t in calendar_year_bounds(2023)]
    ['2023-01-01', '2023-12-31']
    """
    y = _parse_calendar_year(year)
    return pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)


def rolling_12_months(q: QuarterLike) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the 12 months ending with quarter ``q``.

    Examples
    --------
    >>> [t.date().isoformat() for t in rolling_12_months("2024/25 Q2")]
    ['2023-10-01', '2024-09-30']
    """
    p = quarter(q)
    return quarter_start(p - 3), quarter_end(p)


def latest_complete_quarter(today: QuarterLike | None = None) -> pd.Period:
    """The most recent quarter that has ended before ``today``.

    A quarter is complete from the day after its last day, so on
    30 September 2024 the latest complete quarter is still 2024/25 Q1.

    Parameters
    ----------
    today : date-like, optional
        Defaults to today's date on this machine.

    Examples
    --------
    >>> quarter_label(latest_complete_quarter(pd.Timestamp("2024-09-30")))
    '2024/25 Q1'
    >>> quarter_label(latest_complete_quarter(pd.Timestamp("2024-10-01")))
    '2024/25 Q2'
    """
    day = pd.Timestamp.today().normalize() if today is None else today
    return quarter(day) - 1


#: Columns that record when something happened (not planned future dates).
EVENT_DATE_COLUMNS: tuple[str, ...] = (
    "offence_date", "outcome_date", "start_date", "record_date", "meeting_date",
)


def latest_event_date(tables: Mapping[str, pd.DataFrame]) -> str | None:
    """The latest date on which anything in some tables happened (ISO), or None.

    Only a fallback for data that carry no extract date: the loaders record
    the extract date from outside the rows (see :func:`cohort.load_extract`).

    Examples
    --------
    >>> latest_event_date({"offences": pd.DataFrame({"offence_date": pd.to_datetime(["2024-05-01"])})})
    '2024-05-01'
    """
    latest = [
        pd.to_datetime(df[c], errors="coerce").max()
        for df in tables.values() for c in EVENT_DATE_COLUMNS if c in df
    ]
    latest = [d for d in latest if pd.notna(d)]
    return max(latest).date().isoformat() if latest else None


def latest_quarter(data: Any) -> str:
    """The latest complete quarter of the data, as a label such as "2025/26 Q4".

    The data's end is ``metadata["extract_date"]`` (set by the loaders), or
    the end of a synthetic dataset's period, or else the latest event date in
    the tables; the quarter is the last one that had ended by then. Because
    the store's metadata is the same whichever authorities are read, every
    report from one store defaults to the same quarter.

    Examples
    --------
    >>> from cohort.cohortdata import CohortData
    >>> latest_quarter(CohortData(metadata={"extract_date": "2025-11-10"}))
    '2025/26 Q2'
    >>> latest_quarter(CohortData(metadata={"extract_date": "2025-12-31"}))
    '2025/26 Q3'
    """
    meta = data.metadata
    end = meta.get("extract_date") or (meta.get("period") or {}).get("end") or latest_event_date(data.tables)
    if not end:
        raise PeriodError("the data hold no dated events and no extract date: cannot choose a quarter")
    end = pd.Timestamp(end)
    q = end.to_period("Q-MAR")
    if end.normalize() < quarter_end(q):
        q -= 1
    return quarter_label(q)


def _label_rolling(p: pd.Period) -> str:
    return f"12 months to {quarter_label(p)}"


def period_table(
    kind: PeriodKind,
    start: QuarterLike | int,
    end: QuarterLike | int,
) -> pd.DataFrame:
    """A tidy table of consecutive periods with their first and last days.

    Parameters
    ----------
    kind : {"quarter", "financial_year", "calendar_year", "rolling_12m"}
        ``"quarter"``: financial-year quarters between two quarters.
        ``"financial_year"``: April-March years between two years
        (``"2022/23"`` or any quarter/date inside them).
        ``"calendar_year"``: January-December years between two years (ints).
        ``"rolling_12m"``: the 12-month windows ending with each quarter
        between two quarters (one row per quarter, windows overlap).
    start, end
        First and last period, inclusive.

    Returns
    -------
    pandas.DataFrame
        One row per period, in order, with columns

        * ``period`` -- label (``"2024/25 Q2"``, ``"2024/25"``, ``"2023"`` or
          ``"12 months to 2024/25 Q2"``);
        * ``start`` -- first day (datetime64);
        * ``end`` -- last day (datetime64), so a date is in the period when
          ``start <= date <= end``.

    Examples
    --------
    >>> period_table("financial_year", "2022/23", "2023/24")
        period      start        end
    0  2022/23 2022-04-01 2023-03-31
    1  2023/24 2023-04-01 2024-03-31
    >>> period_table("rolling_12m", "2024/25 Q1", "2024/25 Q2")["period"].tolist()
    ['12 months to 2024/25 Q1', '12 months to 2024/25 Q2']
    """
    kinds = get_args(PeriodKind)
    if kind not in kinds:
        raise ValueError(f"kind must be one of {', '.join(map(repr, kinds))}; got {kind!r}.")
    rows: list[tuple[str, pd.Timestamp, pd.Timestamp]]
    if kind == "quarter" or kind == "rolling_12m":
        qs = quarter_range(start, end)  # type: ignore[arg-type]
        if kind == "quarter":
            rows = [(quarter_label(p), quarter_start(p), quarter_end(p)) for p in qs]
        else:
            rows = [(_label_rolling(p), *rolling_12_months(p)) for p in qs]
    elif kind == "financial_year":
        a, b = _parse_financial_year(start), _parse_financial_year(end)  # type: ignore[arg-type]
        if b < a:
            raise PeriodError(
                f"period_table: end {_fy_label(b)!r} is before start {_fy_label(a)!r}."
            )
        rows = [(_fy_label(y), *financial_year_bounds(_fy_label(y))) for y in range(a, b + 1)]
    else:
        a, b = _parse_calendar_year(start), _parse_calendar_year(end)  # type: ignore[arg-type]
        if b < a:
            raise PeriodError(f"period_table: end {b} is before start {a}.")
        rows = [(str(y), *calendar_year_bounds(y)) for y in range(a, b + 1)]
    labels, starts, ends = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "period": list(labels),
            "start": pd.to_datetime(list(starts)),
            "end": pd.to_datetime(list(ends)),
        }
    )
