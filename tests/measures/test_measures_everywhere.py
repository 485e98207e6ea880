"""On the synthetic store, every measure runs for every authority and every
quarter, and returns the tidy contract."""

import pandas as pd

import cohort
from cohort.measures._common import TIDY_COLUMNS
from cohort.periods import quarter_label, quarter_range


def _quarters(data):
    starts = pd.to_datetime(data.interventions["start_date"])
    first = starts.min().to_period("Q-MAR") + 4  # a year in, so histories exist
    return [quarter_label(q) for q in quarter_range(first, starts.max().to_period("Q-MAR"))]


def _tidy(table):
    cols = list(table.columns)
    i = cols.index("numerator")
    assert cols[i:i + len(TIDY_COLUMNS)] == list(TIDY_COLUMNS)


def test_quarterly_measures_every_authority_and_quarter(small_data):
    quarters = _quarters(small_data)
    assert len(quarters) >= 12
    for authority in small_data.authorities["authority_code"]:
        for q in quarters:
            for table in (cohort.profile(small_data, authority, q),
                          cohort.kpis(small_data, authority, q),
                          cohort.victims(small_data, authority, q)):
                assert len(table)
                _tidy(table)
                est = table["estimate"].dropna()
                assert ((est >= 0) & (est <= 1)).all()


def test_period_measures_cover_every_authority(small_data):
    codes = set(small_data.authorities["authority_code"])
    for table in (cohort.fte(small_data, period="rolling_12m", start="2023/24 Q1", end="2025/26 Q4"),
                  cohort.custody(small_data, period="financial_year", start="2022/23", end="2025/26"),
                  cohort.reoffending(small_data, cohort_period="3M", start="2022/23 Q1", end="2025/26 Q4")):
        _tidy(table)
        assert set(table["authority_code"]) == codes
        assert table["estimate"].notna().any()
