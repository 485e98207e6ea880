"""First time entrants: counting rules, rates and published figures.

Every dataset here is built by hand so the right answer is known by
construction; reference numbers carry their provenance in the docstrings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.fte import first_time_entrants, fte
from cohort.population import ons

# --------------------------------------------------------------------------- builders


def _data(offences, children=None, population=None, authorities=None) -> CohortData:
    """A CohortData from short offence tuples (child, outcome_date, outcome[, authority])."""
    rows = []
    for i, o in enumerate(offences):
        child, outcome_date, outcome, *rest = o
        authority = rest[0] if rest else "X01"
        when = pd.Timestamp(outcome_date)
        rows.append(
            {
                "offence_id": f"o{i:05d}",
                "child_id": child,
                "authority_code": authority,
                "offence_date": when - pd.Timedelta(days=20),
                "outcome_date": when,
                "outcome": outcome,
                "is_breach": False,
                "release_date": pd.NaT,
            }
        )
    off = pd.DataFrame(rows)
    if children is None:
        ids = sorted(off["child_id"].unique()) if len(off) else []
        children = pd.DataFrame(
            {
                "child_id": ids,
                "authority_code": "X01",
                "birth_month": "2007-01",
                "sex": "Male",
                "ethnicity": "White",
            }
        )
    tables = {"offences": off, "children": children}
    if population is not None:
        tables["population"] = population
    if authorities is not None:
        tables["authorities"] = pd.DataFrame({"authority_code": authorities})
    return CohortData(tables)


def _total_population(pops: dict[str, int], mid_year: int = 2021) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "authority_code": list(pops),
            "mid_year": mid_year,
            "age": pd.array([pd.NA] * len(pops), dtype="Int64"),
            "sex": "All",
            "ethnicity": "All",
            "population": list(pops.values()),
        }
    )


def _detailed_population(
    code: str, mid_year: int, per_cell: int, ethnicity=("All",)
) -> pd.DataFrame:
    rows = [
        (code, mid_year, age, sex, eth, per_cell)
        for age in range(10, 18)
        for sex in ("Female", "Male")
        for eth in ethnicity
    ]
    return pd.DataFrame(
        rows, columns=["authority_code", "mid_year", "age", "sex", "ethnicity", "population"]
    ).astype({"age": "Int64"})


# --------------------------------------------------------------------------- counting rules


def test_second_caution_is_not_an_fte():
    data = _data([("a", "2021-05-01", "Youth caution"), ("a", "2022-05-01", "Youth caution")])
    events = first_time_entrants(data)
    assert events["outcome_date"].tolist() == [pd.Timestamp("2021-05-01")]
    pop = pd.concat([_total_population({"X01": 10_000}, y) for y in (2020, 2021)])
    out = fte(data, population=pop, start=2021, end=2022)
    assert out["numerator"].tolist() == [1.0, 0.0]


@pytest.mark.parametrize("informal", ["Community resolution", "Outcome 22"])
def test_informal_outcomes_never_make_an_fte(informal):
    data = _data(
        [
            ("a", "2021-03-01", informal),
            ("b", "2021-03-01", informal),
            ("b", "2022-04-01", "Youth conditional caution"),
        ]
    )
    events = first_time_entrants(data)
    # a never enters; b enters at the caution, not at the earlier informal outcome
    assert events[["child_id", "outcome"]].values.tolist() == [["b", "Youth conditional caution"]]


def test_conviction_counts_and_first_is_judged_on_whole_history():
    data = _data(
        [
            ("a", "2022-02-01", "Referral order"),
            ("a", "2022-09-01", "Youth caution"),
            ("b", "2019-01-01", "Fine"),
            ("b", "2022-03-01", "Youth caution"),
        ]
    )
    events = first_time_entrants(data)
    assert events.set_index("child_id")["outcome"].to_dict() == {
        "a": "Referral order",
        "b": "Fine",
    }


def test_age_rule_and_age_basis():
    """Born Jan 2005: 17 when offending on 1 Dec 2022, 18 when cautioned on 1 Feb 2023."""
    children = pd.DataFrame(
        {
            "child_id": ["a", "adult"],
            "authority_code": "X01",
            "birth_month": ["2005-01", "2000-01"],
            "sex": "Male",
            "ethnicity": "White",
        }
    )
    offences = pd.DataFrame(
        {
            "offence_id": ["o1", "o2", "o3"],
            "child_id": ["a", "adult", "adult"],
            "authority_code": "X01",
            "offence_date": pd.to_datetime(["2022-12-01", "2019-01-01", "2023-01-01"]),
            "outcome_date": pd.to_datetime(["2023-02-01", "2019-02-01", "2023-02-01"]),
            "outcome": "Youth caution",
        }
    )
    data = CohortData({"offences": offences, "children": children})
    assert first_time_entrants(data).empty  # a is 18 at the outcome; adult too
    by_offence = first_time_entrants(data, age_basis="offence_date")
    assert by_offence["child_id"].tolist() == ["a"]
    assert by_offence["age"].tolist() == [17]
    with pytest.raises(ValueError, match="'outcome_date', 'offence_date'"):
        first_time_entrants(data, age_basis="birthday")


# --------------------------------------------------------------------------- worked numbers


def _worked_example() -> CohortData:
    rows = [(f"a{i}", "2022-06-01", "Youth caution", "X01") for i in range(45)]
    rows += [(f"b{i}", "2022-06-01", "Youth caution", "X02") for i in range(7)]
    pop = _total_population({"X01": 25_000, "X02": 25_000, "X03": 25_000}, 2021)
    return _data(rows, population=pop, authorities=["X01", "X02", "X03"])


def test_worked_example_rates_and_intervals():
    """METHODS.md section 2: 45 FTEs / 25,000 = 180.0 per 100,000 (131.3-240.9);
    7 -> 28.0 (11.3-57.7); 0 -> 0 (exact upper 14.8)."""
    out = fte(_worked_example()).set_index("authority_code")
    assert out["period"].tolist() == ["2022"] * 3
    assert out["numerator"].tolist() == [45, 7, 0]
    assert out["denominator"].tolist() == [25_000] * 3
    assert out.loc["X01", ["estimate", "lower", "upper"]].tolist() == pytest.approx(
        [180.0, 131.3, 240.9], abs=0.05
    )
    assert out.loc["X02", ["estimate", "lower", "upper"]].tolist() == pytest.approx(
        [28.0, 11.3, 57.7], abs=0.05
    )
    assert out.loc["X03", ["estimate", "lower", "upper"]].tolist() == pytest.approx(
        [0.0, 0.0, 14.8], abs=0.05
    )
    assert out["method"].tolist() == ["byar", "exact", "exact"]
    assert (out["population_year"] == 2021).all()
    assert out["note"].isna().all()


def test_columns_are_tidy_and_stable():
    data = _worked_example()
    a = fte(data)
    assert list(a.columns) == [
        "authority_code", "period", "period_start", "period_end", *TIDY_COLUMNS,
        "population_year", "note",
    ]  # fmt: skip
    b = fte(data, by=(), per=1_000, level=0.9)
    assert list(b.columns) == list(a.columns)[1:]
    assert b["numerator"].tolist() == [52]
    # national: the three authorities of the data, not every authority of the population
    assert b["denominator"].tolist() == [75_000]
    assert b["confidence"].tolist() == [0.9]
    assert a["period_start"].tolist()[0] == pd.Timestamp("2022-01-01")
    assert a["period_end"].tolist()[0] == pd.Timestamp("2022-12-31")


def test_population_year_convention():
    rows = [(f"a{i}", "2022-06-01", "Youth caution") for i in range(10)]
    pop = pd.concat(
        [_total_population({"X01": 20_000}, 2021), _total_population({"X01": 40_000}, 2022)]
    )
    data = _data(rows, population=pop)
    prev = fte(data)
    same = fte(data, population_year="same_mid_year")
    assert prev["denominator"].tolist() == [20_000] and prev["estimate"].tolist() == [50.0]
    assert same["denominator"].tolist() == [40_000] and same["estimate"].tolist() == [25.0]
    fy = fte(data, period="financial_year")  # 2022/23 uses mid-2022
    assert fy["period"].tolist() == ["2022/23"] and fy["population_year"].tolist() == [2022]
    with pytest.raises(ValueError, match="'previous_mid_year', 'same_mid_year'"):
        fte(data, population_year="latest")


def test_missing_mid_year_uses_the_latest_and_says_so():
    """Calendar 2024 needs mid-2023; with only mid-2021 the rate uses it and the note
    says so: 1 / 20,000 x 100,000 = 5.0 (hand calculation)."""
    data = _data([("a", "2024-06-01", "Youth caution")], population=_total_population({"X01": 20_000}))
    out = fte(data)
    assert out["numerator"].tolist() == [1]
    assert out["estimate"].iloc[0] == pytest.approx(5.0)
    assert out["population_year"].tolist() == [2021]
    assert out["note"].iloc[0] == "mid-2021 population used; mid-2023 not available"


def test_no_population_at_all_gives_nan_with_reason():
    pop = _total_population({"X01": 20_000}).iloc[:0]
    data = _data([("a", "2024-06-01", "Youth caution")], population=pop)
    out = fte(data)
    assert np.isnan(out["estimate"].iloc[0])
    assert "mid-2023" in out["note"].iloc[0]


def test_periods_financial_and_rolling():
    rows = [
        ("a", "2022-03-31", "Youth caution"),
        ("b", "2022-04-01", "Youth caution"),
        ("c", "2022-12-31", "Youth caution"),
    ]
    pop = pd.concat([_total_population({"X01": 10_000}, y) for y in (2020, 2021, 2022)])
    data = _data(rows, population=pop)
    fy = fte(data, period="financial_year")
    assert fy["period"].tolist() == ["2021/22", "2022/23"]
    assert fy["numerator"].tolist() == [1, 2]
    roll = fte(data, period="rolling_12m", start="2022/23 Q1", end="2022/23 Q3")
    assert roll["period"].tolist() == [
        "12 months to 2022/23 Q1",
        "12 months to 2022/23 Q2",
        "12 months to 2022/23 Q3",
    ]
    # overlapping windows: a (31 Mar 2022) is in the first two, c only in the last
    assert roll["numerator"].tolist() == [2, 2, 3]
    assert roll["period_start"].tolist()[0] == pd.Timestamp("2021-07-01")
    with pytest.raises(ValueError, match="'calendar_year', 'financial_year', 'rolling_12m'"):
        fte(data, period="quarterly")


# --------------------------------------------------------------------------- breakdowns


def _breakdown_data(population: pd.DataFrame) -> CohortData:
    children = pd.DataFrame(
        {
            "child_id": ["f1", "f2", "m1", "m2", "m3"],
            "authority_code": "X01",
            "birth_month": ["2010-01", "2005-01", "2008-01", "2008-01", "2005-01"],
            "sex": ["Female", "Female", "Male", "Male", "Male"],
            "ethnicity": ["White", "Black", "White", "Asian", "White"],
        }
    )
    rows = [(c, "2022-06-01", "Youth caution") for c in children["child_id"]]
    return _data(rows, children=children, population=population)


def test_breakdown_by_sex_and_age_band_use_breakdown_denominators():
    pop = _detailed_population("X01", 2021, per_cell=100)
    data = _breakdown_data(pop)
    sex = fte(data, by=("authority_code", "sex")).set_index("sex")
    assert sex.loc[["Female", "Male"], "numerator"].tolist() == [2, 3]
    assert sex.loc[["Female", "Male"], "denominator"].tolist() == [800, 800]
    assert sex.loc["Male", "estimate"] == pytest.approx(3 / 800 * 100_000)
    band = fte(data, by=("age_band",)).set_index("age_band")
    # ages 12, 17, 14, 14, 17 in June 2022
    assert band["numerator"].to_dict() == {"10-12": 1, "13-14": 2, "15-17": 2}
    assert band["denominator"].to_dict() == {"10-12": 600, "13-14": 400, "15-17": 600}
    age = fte(data, by=("age",))
    assert age["age"].tolist() == list(range(10, 18))
    assert age["denominator"].unique().tolist() == [200]


def test_ethnicity_without_population_breakdown_is_nan_with_reason():
    data = _breakdown_data(_detailed_population("X01", 2021, per_cell=100))
    out = fte(data, by=("authority_code", "ethnicity"))
    assert out.set_index("ethnicity")["numerator"].to_dict() == {"Asian": 1, "Black": 1, "White": 3}
    assert out["estimate"].isna().all() and out["denominator"].isna().all()
    assert out["note"].str.contains("no ethnicity breakdown").all()


def test_ethnicity_with_census_style_population():
    pop = _detailed_population("X01", 2021, per_cell=10, ethnicity=("White", "Asian", "Black"))
    out = fte(_breakdown_data(pop), by=("ethnicity",)).set_index("ethnicity")
    assert out["denominator"].to_dict() == {"Asian": 160, "Black": 160, "White": 160}
    assert out.loc["White", "estimate"] == pytest.approx(3 / 160 * 100_000)


def test_each_mid_year_chooses_its_own_rows():
    """Mid-years of different shapes in one table: mid-2020 has only a total row
    (1,000), mid-2021 only single years of age by sex (8 ages x 2 sexes x 100 = 1,600).
    By hand: calendar 2021 (mid-2020) has the total as its denominator and no sex
    breakdown; calendar 2022 (mid-2021) sums its detailed rows, 800 a sex."""
    pop = pd.concat([_total_population({"X01": 1_000}, 2020), _detailed_population("X01", 2021, per_cell=100)],
                    ignore_index=True)
    data = _breakdown_data(pop)
    total = fte(data, by=(), start=2021, end=2022).set_index("period")
    assert total["denominator"].to_dict() == {"2021": 1_000, "2022": 1_600}
    assert total.loc["2022", "numerator"] == 5
    assert total.loc["2022", "estimate"] == pytest.approx(5 / 1_600 * 100_000)
    sex = fte(data, by=("sex",), start=2021, end=2022).set_index(["period", "sex"])
    assert sex.loc[("2022", "Male"), "denominator"] == 800
    assert sex.loc[("2022", "Female"), "numerator"] == 2
    assert sex.loc["2021", "denominator"].isna().all()
    assert (sex.loc["2021", "note"] == "population has no sex breakdown").all()


def test_breakdown_without_population_dimension():
    data = _breakdown_data(_detailed_population("X01", 2021, per_cell=100))
    out = fte(data, by=("authority_code", "outcome"))
    assert out["numerator"].tolist() == [5]
    assert out["estimate"].isna().all()
    assert "outcome" in out["note"].iloc[0]
    with pytest.raises(ValueError, match="not columns of the events"):
        fte(data, by=("postcode",))


# --------------------------------------------------------------------------- published figures

#: fte_by_authority.csv (project reference folder, transcribed from a borough's
#: Youth Justice Plan 2024/25 performance appendix): service, calendar year,
#: first time entrants, published rate per 100,000 aged 10-17.
PUBLISHED_FTE = [
    ("Cheshire East, Cheshire West, Halton and Warrington", 2022, 160, 158),
    ("Cheshire East, Cheshire West, Halton and Warrington", 2023, 131, 126),
    ("Knowsley", 2022, 30, 206),
    ("Knowsley", 2023, 37, 246),
    ("Lancashire", 2022, 185, 159),
    ("Lancashire", 2023, 162, 136),
    ("Liverpool", 2022, 101, 255),
    ("Liverpool", 2023, 66, 162),
    ("Sefton", 2022, 35, 143),
    ("Sefton", 2023, 36, 146),
    ("St Helens", 2022, 30, 179),
    ("St Helens", 2023, 34, 199),
    ("Wirral", 2022, 36, 118),
    ("Wirral", 2023, 39, 125),
]


def _published_data(counts) -> tuple[CohortData, pd.DataFrame, dict[str, str]]:
    """N children with a first youth caution on 1 July of the year in each service."""
    services = list(dict.fromkeys(s for s, *_ in counts))
    pop = ons(mid_year=[2021, 2022], areas=services)
    code = dict(zip(pop["authority_name"], pop["authority_code"], strict=False))
    off, kids = [], []
    for service, year, n, _ in counts:
        for k in range(n):
            cid = f"{code[service][:9]}-{year}-{k}"
            off.append((cid, f"{year}-07-01", "Youth caution", code[service]))
            kids.append((cid, code[service], f"{year - 14}-03", "Male", "White"))
    children = pd.DataFrame(
        kids, columns=["child_id", "authority_code", "birth_month", "sex", "ethnicity"]
    )
    data = _data(off, children=children, authorities=[code[s] for s in services])
    return data, pop, code


def _half_up(x: pd.Series, decimals: int = 0) -> pd.Series:
    scale = 10.0**decimals
    return np.floor(x * scale + 0.5) / scale


def test_published_fte_rates_reproduce_with_previous_mid_year():
    """All 14 published FTE rates (7 services x calendar 2022, 2023) from the
    counts and the shipped ONS populations, calendar Y over mid-(Y-1)
    (reference README: e.g. Sefton 35 / 24,412 x 100,000 = 143)."""
    data, pop, code = _published_data(PUBLISHED_FTE)
    out = fte(data, start=2022, end=2023, population=pop)
    got = out.set_index(["authority_code", "period"])
    for service, year, n, published in PUBLISHED_FTE:
        row = got.loc[(code[service], str(year))]
        assert row["numerator"] == n
        assert row["population_year"] == year - 1
        assert _half_up(pd.Series([row["estimate"]])).iloc[0] == published, (service, year)
    assert got.loc[(code["Sefton"], "2022"), "denominator"] == 24_412


def test_published_fte_rates_fail_with_same_mid_year():
    data, pop, code = _published_data(PUBLISHED_FTE)
    out = fte(data, start=2022, end=2022, population=pop, population_year="same_mid_year")
    got = out.set_index("authority_code")["estimate"]
    published = {code[s]: r for s, y, _, r in PUBLISHED_FTE if y == 2022}
    matches = [_half_up(pd.Series([got[c]])).iloc[0] == r for c, r in published.items()]
    assert not all(matches)
    assert sum(matches) == 0
