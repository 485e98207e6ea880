"""Tests for cohort.periods: financial-year quarters, labels and windows.

Expected values are hand calculations from the calendar: the UK financial
year runs 1 April to 31 March, Q1 = Apr-Jun ... Q4 = Jan-Mar, and a ``Q-MAR``
Period is named by the financial year's end year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohort.exceptions import CohortError, PeriodError
from cohort.periods import (
    calendar_quarter_label,
    calendar_year_bounds,
    financial_year,
    financial_year_bounds,
    latest_complete_quarter,
    period_table,
    previous_quarter,
    quarter,
    quarter_end,
    quarter_label,
    quarter_range,
    quarter_start,
    rolling_12_months,
)

Q2_2024 = pd.Period("2025Q2", freq="Q-MAR")  # Jul-Sep 2024


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    "text",
    [
        "2024/25 Q2",
        "2024-25 Q2",
        "2024/2025 Q2",
        "2024-2025 Q2",
        "Q2 2024/25",
        "q2 2024-25",
        "  2024/25   q2 ",
        "2024/25Q2",
        "FY2024/25 Q2",
        "2024\u201325 Q2",
        "Jul-Sep 2024",
        "2024-08-15",
    ],
)
def test_quarter_accepts_the_documented_spellings(text):
    assert quarter(text) == Q2_2024


@pytest.mark.parametrize(
    "value",
    [
        Q2_2024,
        pd.Timestamp("2024-07-01"),
        pd.Timestamp("2024-09-30 23:59"),
        dt.date(2024, 8, 15),
        dt.datetime(2024, 9, 1, 12, 0),
        np.datetime64("2024-08-15"),
        pd.Period("2024Q3", freq="Q-DEC"),  # calendar Q3 = Jul-Sep
        pd.Period("2024-08", freq="M"),
        pd.Period("2024-08-15", freq="D"),
    ],
)
def test_quarter_accepts_periods_and_dates(value):
    assert quarter(value) == Q2_2024


def test_quarter_returns_q_mar_period():
    q = quarter("2024/25 Q2")
    assert isinstance(q, pd.Period)
    assert q.freqstr == "Q-MAR"
    assert (q.qyear, q.quarter) == (2025, 2)


@pytest.mark.parametrize("text", ["2024 Q2", "Q2 2024", "2024Q2", "2024-Q2", "q4 2023"])
def test_calendar_or_financial_ambiguity_is_refused_with_advice(text):
    with pytest.raises(PeriodError, match="ambiguous") as info:
        quarter(text)
    # the message says how to write both readings
    assert "/" in str(info.value) and "financial year" in str(info.value)


def test_ambiguity_message_gives_both_readings():
    with pytest.raises(PeriodError) as info:
        quarter("2024 Q2")
    msg = str(info.value)
    assert "'2024/25 Q1'" in msg  # calendar Q2 2024 = Apr-Jun 2024
    assert "'2024/25 Q2'" in msg  # Q2 of the financial year starting April 2024


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2024/26 Q1", "consecutive"),
        ("2024/24 Q1", "consecutive"),
        ("2024/2026 Q1", "consecutive"),
        ("2024/25 Q5", "Q1-Q4"),
        ("2024/25 Q0", "Q1-Q4"),
        ("2024/25", "not a quarter"),
        ("Feb-Apr 2024", "not a calendar quarter"),
        ("Foo-Bar 2024", "month"),
        ("2024-02-30", "not a valid date"),
        ("next quarter", "Cannot read"),
        ("", "Cannot read"),
    ],
)
def test_invalid_labels(text, match):
    with pytest.raises(PeriodError, match=match):
        quarter(text)


@pytest.mark.parametrize(
    "value", [2024, 2024.5, True, None, pd.NaT, pd.Period("2024", freq="Y"), [2024, 2]]
)
def test_invalid_values(value):
    with pytest.raises(PeriodError):
        quarter(value)


def test_period_straddling_two_quarters_is_refused():
    inside = pd.Period("2024-07-10", freq="W")  # Mon 8 - Sun 14 July 2024
    assert quarter(inside) == Q2_2024
    straddling = pd.Period("2024-09-30", freq="W")  # Mon 30 Sep - Sun 6 Oct 2024
    with pytest.raises(PeriodError, match="single quarter"):
        quarter(straddling)


def test_period_error_is_value_error_and_cohort_error():
    with pytest.raises(ValueError):
        quarter("2024 Q2")
    with pytest.raises(CohortError):
        quarter("2024 Q2")


# ------------------------------------------------------------------ labels and bounds


@pytest.mark.parametrize(
    ("label", "start", "end", "calendar"),
    [
        ("2024/25 Q1", "2024-04-01", "2024-06-30", "Apr-Jun 2024"),
        ("2024/25 Q2", "2024-07-01", "2024-09-30", "Jul-Sep 2024"),
        ("2024/25 Q3", "2024-10-01", "2024-12-31", "Oct-Dec 2024"),
        ("2024/25 Q4", "2025-01-01", "2025-03-31", "Jan-Mar 2025"),
        ("2018/19 Q3", "2018-10-01", "2018-12-31", "Oct-Dec 2018"),
        ("1999/00 Q4", "2000-01-01", "2000-03-31", "Jan-Mar 2000"),
    ],
)
def test_quarter_bounds_and_labels(label, start, end, calendar):
    assert quarter_label(label) == label
    assert quarter_start(label) == ts(start)
    assert quarter_end(label) == ts(end)
    assert calendar_quarter_label(label) == calendar
    assert quarter(calendar) == quarter(label)


def test_quarter_end_is_midnight_of_last_day():
    end = quarter_end("2024/25 Q2")
    assert end == ts("2024-09-30") and end == end.normalize()


def test_q4_boundary_belongs_to_previous_aprils_year():
    assert quarter_label(ts("2025-03-31")) == "2024/25 Q4"
    assert quarter_label(ts("2025-04-01")) == "2025/26 Q1"
    assert quarter_label(ts("2025-01-01")) == "2024/25 Q4"
    assert quarter_label(ts("2024-12-31")) == "2024/25 Q3"
    assert financial_year(ts("2025-03-31")) == "2024/25"
    assert financial_year(ts("2025-04-01")) == "2025/26"


def test_leap_years():
    assert quarter_label(ts("2024-02-29")) == "2023/24 Q4"
    assert quarter_end("2023/24 Q4") == ts("2024-03-31")
    assert financial_year_bounds("2023/24") == (ts("2023-04-01"), ts("2024-03-31"))
    start, end = rolling_12_months("2023/24 Q4")  # Apr 2023 - Mar 2024, 366 days
    assert (end - start).days + 1 == 366
    start, end = rolling_12_months("2024/25 Q4")
    assert (end - start).days + 1 == 365


def test_financial_year():
    assert financial_year("2024/25 Q2") == "2024/25"
    assert financial_year(Q2_2024) == "2024/25"
    assert financial_year("2024-25") == "2024/25"
    assert financial_year("2024/2025") == "2024/25"
    assert financial_year(pd.Period("2025", freq="Y-MAR")) == "2024/25"
    assert financial_year(dt.date(1999, 12, 1)) == "1999/00"


@pytest.mark.parametrize("value", [2024, "2024", "2024/26"])
def test_financial_year_refuses_ambiguous_or_invalid(value):
    with pytest.raises(PeriodError):
        financial_year_bounds(value)


def test_financial_year_bounds_accept_quarters_and_dates():
    expected = (ts("2024-04-01"), ts("2025-03-31"))
    assert financial_year_bounds("2024/25") == expected
    assert financial_year_bounds("2024/25 Q4") == expected
    assert financial_year_bounds(ts("2025-02-01")) == expected


def test_calendar_year_bounds():
    assert calendar_year_bounds(2023) == (ts("2023-01-01"), ts("2023-12-31"))
    assert calendar_year_bounds("2024") == (ts("2024-01-01"), ts("2024-12-31"))
    assert calendar_year_bounds(np.int64(2020))[1] == ts("2020-12-31")
    for bad in (True, 2023.0, "23", "2023/24"):
        with pytest.raises(PeriodError):
            calendar_year_bounds(bad)


def test_rolling_12_months():
    assert rolling_12_months("2024/25 Q2") == (ts("2023-10-01"), ts("2024-09-30"))
    assert rolling_12_months("2024/25 Q4") == financial_year_bounds("2024/25")
    assert rolling_12_months("2024/25 Q3") == calendar_year_bounds(2024)


def test_quarter_range_and_previous():
    r = quarter_range("2023/24 Q3", "2024/25 Q2")
    assert [quarter_label(q) for q in r] == [
        "2023/24 Q3",
        "2023/24 Q4",
        "2024/25 Q1",
        "2024/25 Q2",
    ]
    assert quarter_range(Q2_2024, Q2_2024) == [Q2_2024]
    with pytest.raises(PeriodError, match="before"):
        quarter_range("2024/25 Q2", "2024/25 Q1")
    assert quarter_label(previous_quarter("2024/25 Q1")) == "2023/24 Q4"
    assert previous_quarter(Q2_2024) == Q2_2024 - 1


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2024-10-01", "2024/25 Q2"),
        ("2024-09-30", "2024/25 Q1"),  # Q2 not over until the end of its last day
        ("2025-04-01", "2024/25 Q4"),
        ("2025-01-01", "2024/25 Q3"),
    ],
)
def test_latest_complete_quarter(today, expected):
    assert quarter_label(latest_complete_quarter(ts(today))) == expected


def test_latest_complete_quarter_defaults_to_today():
    q = latest_complete_quarter()
    assert quarter_end(q) < pd.Timestamp.today().normalize()
    assert quarter_end(q + 1) >= pd.Timestamp.today().normalize()


# ------------------------------------------------------------------ period_table


def test_period_table_quarters():
    t = period_table("quarter", "2023/24 Q4", "2024/25 Q1")
    assert list(t.columns) == ["period", "start", "end"]
    assert t["period"].tolist() == ["2023/24 Q4", "2024/25 Q1"]
    assert t["start"].tolist() == [ts("2024-01-01"), ts("2024-04-01")]
    assert t["end"].tolist() == [ts("2024-03-31"), ts("2024-06-30")]
    assert pd.api.types.is_datetime64_any_dtype(t["start"])
    assert pd.api.types.is_datetime64_any_dtype(t["end"])


def test_period_table_calendar_and_financial_years():
    c = period_table("calendar_year", 2022, 2023)
    assert c["period"].tolist() == ["2022", "2023"]
    assert c["end"].tolist() == [ts("2022-12-31"), ts("2023-12-31")]
    f = period_table("financial_year", "2021/22", "2023-24")
    assert f["period"].tolist() == ["2021/22", "2022/23", "2023/24"]
    assert f["start"].iloc[0] == ts("2021-04-01") and f["end"].iloc[-1] == ts("2024-03-31")


def test_period_table_rolling_windows_overlap():
    r = period_table("rolling_12m", "2024/25 Q1", "2024/25 Q3")
    assert r["period"].tolist() == [
        "12 months to 2024/25 Q1",
        "12 months to 2024/25 Q2",
        "12 months to 2024/25 Q3",
    ]
    assert r["start"].tolist() == [ts("2023-07-01"), ts("2023-10-01"), ts("2024-01-01")]
    assert r["end"].iloc[-1] == ts("2024-12-31")


def test_period_table_columns_do_not_depend_on_kind():
    kinds = {
        "quarter": ("2024/25 Q1", "2024/25 Q2"),
        "financial_year": ("2023/24", "2024/25"),
        "calendar_year": (2023, 2024),
        "rolling_12m": ("2024/25 Q1", "2024/25 Q2"),
    }
    for kind, (a, b) in kinds.items():
        assert list(period_table(kind, a, b).columns) == ["period", "start", "end"]


def test_period_table_errors():
    with pytest.raises(ValueError, match="'quarter', 'financial_year'"):
        period_table("month", "2024/25 Q1", "2024/25 Q2")
    with pytest.raises(PeriodError, match="before"):
        period_table("calendar_year", 2024, 2023)
    with pytest.raises(PeriodError, match="before"):
        period_table("financial_year", "2024/25", "2023/24")
    with pytest.raises(PeriodError):
        period_table("financial_year", 2023, 2024)  # ambiguous: write "2022/23"


# ------------------------------------------------------------------ properties

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
quarters = st.builds(
    lambda y, q: pd.Period(year=y, quarter=q, freq="Q-MAR"),
    st.integers(1990, 2100),
    st.integers(1, 4),
)


@given(quarters)
def test_label_round_trips(q):
    label = quarter_label(q)
    assert quarter(label) == q
    assert quarter(calendar_quarter_label(q)) == q
    assert quarter(label.replace("/", "-")) == q
    y1, rest = label.split("/")
    assert quarter(f"{rest.split()[1]} {y1}/{int(y1) + 1}") == q
    assert financial_year(q) == label.split()[0]


@given(dates)
def test_every_date_falls_in_exactly_one_quarter(d):
    day = pd.Timestamp(d)
    q = quarter(d)
    assert quarter_start(q) <= day <= quarter_end(q)
    assert not quarter_start(q - 1) <= day <= quarter_end(q - 1)
    assert not quarter_start(q + 1) <= day <= quarter_end(q + 1)
    fy_start, fy_end = financial_year_bounds(financial_year(d))
    assert fy_start <= day <= fy_end


@given(quarters)
def test_quarters_partition_time(q):
    assert quarter_end(q) + pd.Timedelta(days=1) == quarter_start(q + 1)
    assert quarter_start(q) < quarter_end(q)
    days = (quarter_end(q) - quarter_start(q)).days + 1
    assert 90 <= days <= 92
    start, end = rolling_12_months(q)
    assert end == quarter_end(q) and start == quarter_start(q - 3)
    assert (end - start).days + 1 in (365, 366)
