"""Custody: custodial sentences and rates per 1,000, incl. the published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.custody import custodial_sentences, custody
from cohort.population import ons

DTO = "Detention and training order"


def _data(rows, population=None, authorities=None, birth_month="2007-01") -> CohortData:
    """Offences from tuples (child, outcome_date, outcome[, authority])."""
    recs = []
    for i, (child, when, outcome, *rest) in enumerate(rows):
        recs.append(
            {
                "offence_id": f"o{i:05d}",
                "child_id": child,
                "authority_code": rest[0] if rest else "X01",
                "offence_date": pd.Timestamp(when) - pd.Timedelta(days=30),
                "outcome_date": pd.Timestamp(when),
                "outcome": outcome,
                "is_breach": False,
                "release_date": pd.NaT,
            }
        )
    off = pd.DataFrame(recs)
    children = pd.DataFrame(
        {
            "child_id": sorted(off["child_id"].unique()),
            "authority_code": "X01",
            "birth_month": birth_month,
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


def _population(pops: dict[str, int], mid_year: int = 2021) -> pd.DataFrame:
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


def test_worked_example_per_1000():
    """METHODS.md section 2: 6 custodial sentences / 25,000 = 0.24 per 1,000
    (exact Poisson 95% CI 0.088-0.522)."""
    rows = [(f"c{i}", "2022-05-01", DTO) for i in range(6)]
    out = custody(_data(rows, population=_population({"X01": 25_000})))
    assert list(out.columns) == [
        "authority_code", "period", "period_start", "period_end", *TIDY_COLUMNS,
        "population_year", "note",
    ]  # fmt: skip
    row = out.iloc[0]
    assert row["numerator"] == 6 and row["denominator"] == 25_000
    assert [row["estimate"], row["lower"], row["upper"]] == pytest.approx(
        [0.24, 0.088, 0.522], abs=5e-4
    )
    assert row["method"] == "exact"


def test_only_custodial_outcomes_of_children_count():
    rows = [
        ("a", "2022-05-01", DTO),
        ("b", "2022-05-01", "Section 250 detention"),
        ("c", "2022-05-01", "Youth rehabilitation order"),
        ("d", "2022-05-01", "Referral order"),
    ]
    events = custodial_sentences(_data(rows))
    assert sorted(events["child_id"]) == ["a", "b"]
    # born Jan 2004: 18 in May 2022, so an adult sentence
    assert custodial_sentences(_data(rows, birth_month="2004-01")).empty


def test_counting_unit():
    rows = [
        ("a", "2022-05-01", DTO),  # two offences, one sentencing occasion
        ("a", "2022-05-01", DTO),
        ("a", "2022-10-01", DTO),  # second sentence of the same child
        ("b", "2022-06-01", DTO),
    ]
    data = _data(rows, population=_population({"X01": 10_000}))
    assert custody(data)["numerator"].tolist() == [3]
    assert custody(data, count="offences")["numerator"].tolist() == [4]
    assert custody(data, count="children")["numerator"].tolist() == [2]
    with pytest.raises(ValueError, match="'sentences', 'offences', 'children'"):
        custody(data, count="orders")


def test_multiplier_and_zero_authorities():
    rows = [("a", "2022-05-01", DTO, "X01")]
    data = _data(
        rows, population=_population({"X01": 5_000, "X02": 5_000}), authorities=["X01", "X02"]
    )
    out = custody(data, per=100_000).set_index("authority_code")
    assert out.loc["X01", "estimate"] == pytest.approx(20.0)
    assert out.loc["X02", "numerator"] == 0 and out.loc["X02", "estimate"] == 0
    assert out.loc["X02", "upper"] == pytest.approx(3.689 / 5_000 * 100_000, abs=0.01)


#: custody_by_authority.csv (project reference folder): service, calendar year,
#: custodial sentences, published rate (labelled "per 100 000" in the source but
#: per 1,000 aged 10-17 with the previous year's mid-year estimate, as the
#: reference README established).
PUBLISHED_CUSTODY = [
    ("Cheshire East, Cheshire West, Halton and Warrington", 2022, 12, 0.12),
    ("Cheshire East, Cheshire West, Halton and Warrington", 2023, 9, 0.09),
    ("Knowsley", 2022, 1, 0.07),
    ("Knowsley", 2023, 1, 0.07),
    ("Lancashire", 2022, 15, 0.13),
    ("Lancashire", 2023, 16, 0.13),
    ("Liverpool", 2022, 19, 0.48),
    ("Liverpool", 2023, 9, 0.22),
    ("Sefton", 2022, 2, 0.08),
    ("Sefton", 2023, 0, 0.00),
    ("St Helens", 2022, 5, 0.30),
    ("St Helens", 2023, 7, 0.41),
    ("Wirral", 2022, 4, 0.13),
    ("Wirral", 2023, 3, 0.10),
]


def _published_data() -> tuple[CohortData, pd.DataFrame, dict[str, str]]:
    """N children each sentenced to a DTO on 1 August of the year in each service."""
    services = list(dict.fromkeys(s for s, *_ in PUBLISHED_CUSTODY))
    pop = ons(mid_year=[2021, 2022], areas=services)
    code = dict(zip(pop["authority_name"], pop["authority_code"], strict=False))
    rows = [
        (f"{code[s][:9]}-{y}-{k}", f"{y}-08-01", DTO, code[s])
        for s, y, n, _ in PUBLISHED_CUSTODY
        for k in range(n)
    ]
    data = _data(rows, authorities=[code[s] for s in services], birth_month="2007-03")
    return data, pop, code


def _half_up(x: float, decimals: int = 2) -> float:
    return float(np.floor(x * 10**decimals + 0.5) / 10**decimals)


def test_published_custody_rates_reproduce_per_1000_previous_mid_year():
    """All 14 published custody rates reproduce to 2 dp per 1,000 with mid-(Y-1)."""
    data, pop, code = _published_data()
    out = custody(data, start=2022, end=2023, population=pop)
    got = out.set_index(["authority_code", "period"])
    assert len(got) == 14
    for service, year, n, published in PUBLISHED_CUSTODY:
        row = got.loc[(code[service], str(year))]
        assert row["numerator"] == n
        assert row["population_year"] == year - 1
        assert _half_up(row["estimate"]) == pytest.approx(published, abs=1e-9), (service, year)


def test_published_custody_rates_fail_with_same_mid_year():
    data, pop, code = _published_data()
    out = custody(data, start=2022, end=2022, population=pop, population_year="same_mid_year")
    got = out.set_index("authority_code")["estimate"]
    misses = [s for s, y, _, r in PUBLISHED_CUSTODY if y == 2022 and _half_up(got[code[s]]) != r]
    assert misses  # at least one published 2022 rate is not reproduced
