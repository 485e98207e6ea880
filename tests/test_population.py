"""Tests for cohort.population: ONS denominators and the population-year convention.

Reference values are published figures, copied here with their source so the
tests never read the project's shared notes at run time.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cohort.exceptions import ValidationError
from cohort.population import (
    ONS_COLUMNS,
    POPULATION_COLUMNS,
    load_ons_file,
    ons,
    population_for_period,
    service_areas,
    total_10_17,
    yjb_service_table,
)

CHWH = "Cheshire East, Cheshire West, Halton and Warrington"

# Source: fte_by_authority.csv in the project's reference figures, transcribed
# from a North West borough's Youth Justice Plan 2024/25 performance appendix
# (YJB local performance series): first time entrants aged 10-17, calendar
# years, count and the published rate per 100,000 aged 10-17 (integer).
FTE_PUBLISHED = [
    (CHWH, 2022, 160, 158),
    (CHWH, 2023, 131, 126),
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

# Source: custody_by_authority.csv in the project's reference figures (same
# document): custodial sentences, calendar years, and the rate as published
# (labelled "per 100 000" in the source but numerically per 1,000 aged 10-17,
# 2 decimal places).
CUSTODY_PUBLISHED = [
    (CHWH, 2022, 12, 0.12),
    (CHWH, 2023, 9, 0.09),
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

AUTHORITIES = sorted({row[0] for row in FTE_PUBLISHED})

# YJB services covering two-tier counties: mid-2021 has only their districts,
# which the shipped lookup does not list (all except Lancashire and Cumbria).
COUNTY_SERVICES = {
    "Derbyshire",
    "Leicestershire",
    "Lincolnshire",
    "Nottinghamshire",
    "Cambridgeshire",
    "Essex",
    "Hertfordshire",
    "Norfolk",
    "Suffolk",
    "East Sussex",
    "Hampshire",
    "Kent",
    "Oxfordshire",
    "Surrey",
    "West Sussex",
    "Devon",
    "Gloucestershire",
    "Somerset",
    "Staffordshire",
    "Warwickshire",
    "North Yorkshire",
}


def round_half_up(x: float, dp: int = 0) -> float:
    """Rounding as published tables do (0.5 goes up), not Python's banker's rounding."""
    f = 10**dp
    return math.floor(x * f + 0.5 + 1e-9) / f


@pytest.fixture(scope="module")
def totals() -> pd.DataFrame:
    """Total 10-17 population of the seven reference authorities, mid-2021 and mid-2022."""
    return total_10_17(areas=AUTHORITIES)


def denominator(totals, authority, year, convention="previous_mid_year") -> int:
    pop = totals[totals["authority_name"] == authority]
    rows = population_for_period(pop, "calendar_year", year, convention=convention)
    assert len(rows) == 1
    return int(rows["population"].iloc[0])


# ------------------------------------------------------------------ published rates


@pytest.mark.parametrize(("authority", "year", "count", "published"), FTE_PUBLISHED)
def test_fte_rates_reproduce_with_previous_mid_year(totals, authority, year, count, published):
    """FTE rate per 100,000 = count / 10-17 population of mid-(year - 1) x 100,000.

    Worked example (Sefton 2022): 35 / 24,412 x 100,000 = 143.37 -> 143.
    """
    rate = count / denominator(totals, authority, year) * 100_000
    assert round_half_up(rate) == published


@pytest.mark.parametrize(("authority", "year", "count", "published"), CUSTODY_PUBLISHED)
def test_custody_rates_reproduce_with_previous_mid_year(totals, authority, year, count, published):
    """Custody rate per 1,000 = sentences / 10-17 population of mid-(year - 1) x 1,000, 2 dp."""
    rate = count / denominator(totals, authority, year) * 1_000
    assert round_half_up(rate, 2) == pytest.approx(published, abs=1e-9)


def test_sefton_worked_example(totals):
    assert denominator(totals, "Sefton", 2022) == 24_412
    assert round(35 / 24_412 * 100_000) == 143


def test_same_mid_year_convention_does_not_reproduce_published_rates(totals):
    """The convention matters: with mid-2022 for calendar 2022 none of the seven
    FTE rates comes out as published, and not all custody rates do either."""
    fte_2022 = [r for r in FTE_PUBLISHED if r[1] == 2022]
    hits = [
        round_half_up(c / denominator(totals, a, y, "same_mid_year") * 100_000) == pub
        for a, y, c, pub in fte_2022
    ]
    assert not any(hits)
    custody_2022 = [r for r in CUSTODY_PUBLISHED if r[1] == 2022]
    hits = [
        round_half_up(c / denominator(totals, a, y, "same_mid_year") * 1_000, 2) == pub
        for a, y, c, pub in custody_2022
    ]
    assert not all(hits)
    # and 2024 would need mid-2024, which is not shipped
    with pytest.raises(ValueError, match="mid-2024"):
        denominator(totals, "Sefton", 2024, "same_mid_year")


# ------------------------------------------------------------------ the YJB financial-year table


@pytest.fixture(scope="module")
def yjb_children() -> pd.DataFrame:
    t = yjb_service_table()
    return t[(t["level"] == "service") & (t["measure"] == "children")]


def _buildable(yjb_children) -> list[str]:
    names = yjb_children["service"].drop_duplicates()
    return [n for n in names if n not in COUNTY_SERVICES and n != "Cornwall"]


def test_yjb_2021_22_uses_mid_2021(yjb_children):
    """Finding: the YJB's 2021-22 local table used the mid-2021 estimates.

    Every service whose area can be built from the shipped mid-2021 districts
    (132 by name or shipped lookup, plus Cornwall with the Isles of Scilly)
    reproduces the YJB's population_10_17 exactly; so does
    population_for_period(..., "financial_year", "2021/22") by default.
    """
    fy = yjb_children[yjb_children["financial_year"] == "2021/22"].set_index("service")
    names = _buildable(yjb_children)
    assert len(names) == 132
    ours = total_10_17(2021, names).set_index("authority_name")["population"]
    assert (ours == fy.loc[names, "population"]).all()
    cornwall = total_10_17(2021, {"Cornwall": ["Cornwall", "Isles of Scilly"]})
    assert int(cornwall["population"].iloc[0]) == int(fy.loc["Cornwall", "population"]) == 49_353

    pop = total_10_17(areas=["Sefton"])
    chosen = population_for_period(pop, "financial_year", "2021/22")
    assert chosen["mid_year"].tolist() == [2021]
    assert int(chosen["population"].iloc[0]) == int(fy.loc["Sefton", "population"])


def test_yjb_2021_22_does_not_use_mid_2022_and_2020_21_does_not_use_mid_2021(yjb_children):
    names = _buildable(yjb_children)
    by_fy = {
        fy: g.set_index("service").loc[names, "population"]
        for fy, g in yjb_children.groupby("financial_year")
    }
    mid2022 = total_10_17(2022, names).set_index("authority_name")["population"]
    assert not (mid2022 == by_fy["2021/22"]).any()
    mid2021 = total_10_17(2021, names).set_index("authority_name")["population"]
    # one coincidence (South Tyneside) among 132: 2020-21 used an earlier estimate
    assert (mid2021 == by_fy["2020/21"]).sum() <= 1


def test_every_shipped_service_reproduces_the_yjb_population(yjb_children):
    lookup = service_areas()
    services = sorted(set(lookup.loc[lookup["kind"] == "yjs", "name"]))
    fy = yjb_children[yjb_children["financial_year"] == "2021/22"].set_index("service")
    ours = total_10_17(2021, services).set_index("authority_name")["population"]
    assert (ours == fy.loc[services, "population"]).all()


def test_yjb_service_table_shape_and_rates():
    t = yjb_service_table()
    assert list(t.columns) == [
        "financial_year",
        "level",
        "region",
        "service",
        "measure",
        "count",
        "population",
        "rate_per_1000",
    ]
    assert len(t) == 984
    assert set(t["financial_year"]) == {"2020/21", "2021/22"}
    assert set(t["measure"]) == {"children", "offences", "outcomes"}
    assert t.groupby(["financial_year", "measure", "level"]).size().unique().tolist() in (
        [10, 154],
        [154, 10],
    )
    assert t.loc[t["level"] == "region", "service"].isna().all()
    # "Rates recompute exactly from count / population" (reference README), 1 dp
    recomputed = (t["count"] / t["population"] * 1000).map(lambda x: round_half_up(x, 1))
    assert (recomputed - t["rate_per_1000"]).abs().max() < 1e-9


# ------------------------------------------------------------------ ons()


def test_ons_schema():
    p = ons(mid_year=2021, areas=["Sefton"])
    assert list(p.columns) == list(POPULATION_COLUMNS)
    assert len(p) == 16
    assert set(p["sex"]) == {"Female", "Male"}
    assert sorted(p["age"].unique().tolist()) == list(range(10, 18))
    assert set(p["ethnicity"]) == {"All"}
    assert str(p["age"].dtype) == "Int64"
    assert p["population"].dtype == "int64" and p["mid_year"].dtype == "int64"
    assert not p.duplicated(["authority_code", "mid_year", "age", "sex", "ethnicity"]).any()


def test_ons_all_areas_and_years():
    p = ons()
    per_year = p.groupby("mid_year")["authority_code"].nunique().to_dict()
    assert per_year == {2021: 331, 2022: 356, 2023: 356}
    assert len(p) == (331 + 356 + 356) * 16


def test_mid_2023_estimates_match_the_published_totals():
    """ONS mid-2023 (mye23tablesew.xlsx, MYE2), ages 10-17, as checked in the reference
    README: Sefton 25,073, Wirral 31,534, Liverpool 41,829; England and Wales (the
    318 lower-tier authorities) 5,881,485 = 3,015,990 male + 2,865,495 female."""
    t = total_10_17(2023, ["Sefton", "Wirral", "Liverpool"])
    assert t["population"].tolist() == [25_073, 31_534, 41_829]
    p = ons(mid_year=2023, by=("sex",))
    lower = p[p["authority_code"].str[:3].isin(["E06", "E07", "E08", "E09", "W06"])]
    assert lower["authority_code"].nunique() == 318
    assert int(lower["population"].sum()) == 5_881_485
    assert lower.groupby("sex")["population"].sum().to_dict() == {"Female": 2_865_495, "Male": 3_015_990}


@pytest.mark.parametrize(
    "name", ["St Helens", "St. Helens", "st helens", "ST. HELENS", "E08000013"]
)
def test_name_normalisation(name):
    t = total_10_17(2021, [name])
    assert t["authority_code"].tolist() == ["E08000013"]
    assert int(t["population"].iloc[0]) == 16_768
    expected = "St. Helens" if name == "E08000013" else name
    assert t["authority_name"].tolist() == [expected]


def test_other_name_spellings():
    assert total_10_17(2022, ["Bristol"])["authority_code"].tolist() == ["E06000023"]
    assert total_10_17(2022, ["Kingston-upon-Hull"])["authority_code"].tolist() == ["E06000010"]
    assert total_10_17(2022, ["Durham"])["authority_code"].tolist() == ["E06000047"]


def test_by_breakdowns_sum_consistently():
    full = ons(areas=["Wirral"])
    by_sex = ons(areas=["Wirral"], by=("sex",))
    by_age = ons(areas=["Wirral"], by=["age"])
    tot = total_10_17(areas=["Wirral"])
    assert list(by_sex.columns) == list(tot.columns) == list(POPULATION_COLUMNS)
    assert len(by_sex) == 6 and by_sex["age"].isna().all()
    assert len(by_age) == 24 and set(by_age["sex"]) == {"All"}
    assert len(tot) == 3 and tot["age"].isna().all() and set(tot["sex"]) == {"All"}
    for df in (by_sex, by_age, tot):
        assert df.groupby("mid_year")["population"].sum().to_dict() == (
            full.groupby("mid_year")["population"].sum().to_dict()
        )
    assert tot["population"].tolist() == [30_541, 31_150, 31_534]


def test_ons_orders_rows_as_requested():
    t = total_10_17(2021, ["Wirral", "Knowsley", "Sefton"])
    assert t["authority_name"].tolist() == ["Wirral", "Knowsley", "Sefton"]


def test_multi_authority_services():
    t = total_10_17(areas=[CHWH, "Lancashire", "Merseyside"])
    got = {(r.authority_name, r.mid_year): r.population for r in t.itertuples()}
    assert got[(CHWH, 2021)] == 101_415
    assert got[(CHWH, 2022)] == 103_841
    assert got[("Lancashire", 2021)] == 116_530
    # mid-2022 has county rows: the districts add up to them
    county = total_10_17(2022, ["E10000017", "E11000002"])["population"].tolist()
    assert got[("Lancashire", 2022)] == county[0] == 119_017
    assert got[("Merseyside", 2022)] == county[1] == 128_691
    assert got[("Merseyside", 2021)] == 14_542 + 39_681 + 24_412 + 16_768 + 30_541
    codes = t.loc[t["authority_name"] == CHWH, "authority_code"].unique().tolist()
    assert codes == ["E06000006+E06000007+E06000049+E06000050"]


def test_lancashire_service_is_its_twelve_districts():
    lookup = service_areas()
    districts = lookup.loc[lookup["name"] == "Lancashire", "area_name"].tolist()
    assert districts == [
        "Burnley",
        "Chorley",
        "Fylde",
        "Hyndburn",
        "Lancaster",
        "Pendle",
        "Preston",
        "Ribble Valley",
        "Rossendale",
        "South Ribble",
        "West Lancashire",
        "Wyre",
    ]
    by_list = total_10_17(2021, {"Lancs": districts})["population"].iloc[0]
    assert by_list == 116_530


def test_cumbria_follows_the_2023_boundary_change():
    t = total_10_17(areas=["Cumbria"])
    assert t["population"].tolist()[0] == 42_848  # six districts, mid-2021
    assert t["authority_code"].tolist()[1] == "E06000063+E06000064"  # two unitaries, mid-2022


def test_dict_areas():
    t = total_10_17(2022, {"Wirral and Sefton": ["Wirral", "E08000014"]})
    assert t["authority_name"].tolist() == ["Wirral and Sefton"]
    assert t["authority_code"].tolist() == ["E08000014+E08000015"]
    assert t["population"].tolist() == [31_150 + 24_653]
    with pytest.raises(ValueError, match="same area twice"):
        total_10_17(2022, {"x": ["Sefton", "E08000014"]})
    with pytest.raises(ValueError, match="no areas"):
        total_10_17(2022, {"x": []})
    with pytest.raises(ValueError, match="list of area codes"):
        total_10_17(2022, {"x": "Sefton"})


def test_argument_errors():
    with pytest.raises(ValueError, match="'age', 'sex'"):
        ons(by=("ethnicity",))
    with pytest.raises(ValueError, match=r"available: \[2021, 2022, 2023\]"):
        ons(mid_year=2019)
    with pytest.raises(ValueError, match="Did you mean 'sefton'"):
        ons(areas=["Sefon"])
    with pytest.raises(ValueError, match="mid-2021"):
        ons(areas=["E10000017"])  # the county row exists in mid-2022 only
    assert len(ons(mid_year=2022, areas="E10000017")) == 16
    with pytest.raises(ValueError, match="empty"):
        ons(areas=[])


def test_ambiguous_name_asks_for_a_code():
    # mid-2022 has both the WEST MIDLANDS region and West Midlands (Met County)
    assert total_10_17(2022, ["West Midlands (Met County)"])["authority_code"].tolist() == [
        "E11000005"
    ]
    assert total_10_17(2022, ["west midlands"])["authority_code"].tolist() == ["E12000005"]


# ------------------------------------------------------------------ population_for_period


@pytest.mark.parametrize(
    ("kind", "period", "previous", "same"),
    [
        ("calendar_year", 2022, 2021, 2022),
        ("calendar_year", 2023, 2022, 2023),
        ("financial_year", "2021/22", 2021, 2022),
        ("financial_year", "2022-23", 2022, 2023),
        ("rolling_12m", "2022/23 Q2", 2021, 2022),  # Oct 2021 - Sep 2022
        ("rolling_12m", "2022/23 Q4", 2022, 2023),  # = financial year 2022/23
        ("quarter", "2022/23 Q3", 2021, 2022),  # Oct-Dec 2022
    ],
)
def test_population_for_period_conventions(kind, period, previous, same):
    pop = pd.DataFrame({"mid_year": range(2019, 2025), "population": range(6)})
    assert population_for_period(pop, kind, period)["mid_year"].tolist() == [previous]
    got = population_for_period(pop, kind, period, convention="same_mid_year")
    assert got["mid_year"].tolist() == [same]
    assert list(got.columns) == ["period", "mid_year", "population", "population_note"]
    assert got["population_note"].isna().all()


def test_population_for_period_labels_and_errors():
    pop = total_10_17(areas=["Sefton", "Wirral"])
    got = population_for_period(pop, "financial_year", "2022/23")
    assert got["period"].tolist() == ["2022/23", "2022/23"]
    assert len(got) == 2 and list(got.columns[1:-1]) == list(pop.columns)
    assert population_for_period(pop, "rolling_12m", "2022/23 Q3")["period"].iloc[0] == (
        "12 months to 2022/23 Q3"
    )
    with pytest.raises(ValueError, match="'calendar_year', 'financial_year'"):
        population_for_period(pop, "month", 2022)
    with pytest.raises(ValueError, match="'previous_mid_year', 'same_mid_year'"):
        population_for_period(pop, "calendar_year", 2022, convention="latest")
    with pytest.raises(ValueError, match="mid-2024"):
        population_for_period(pop, "calendar_year", 2025)
    # with fallback, the nearest year stands in and says so
    got = population_for_period(pop, "calendar_year", 2025, fallback=True)
    assert got["mid_year"].unique().tolist() == [2023]
    assert got["population_note"].unique().tolist() == ["mid-2023 population used; mid-2024 not available"]
    early = population_for_period(pop, "calendar_year", 2020, fallback=True)
    assert early["population_note"].iloc[0] == "mid-2021 population used; mid-2019 not available"
    with pytest.raises(ValueError):
        population_for_period(pop, "financial_year", 2022)  # ambiguous: 2021/22 or 2022/23?
    with pytest.raises(ValueError, match="mid_year"):
        population_for_period(pop.drop(columns="mid_year"), "calendar_year", 2022)


# ------------------------------------------------------------------ load_ons_file


def test_shipped_file_passes_validation():
    from importlib.resources import files

    path = Path(str(files("cohort.data").joinpath("ons_population_10_17.csv")))
    df = load_ons_file(path)
    assert list(df.columns) == list(ONS_COLUMNS)
    assert len(df) == 10_992
    assert df["population"].dtype == "int64"


def _sefton_2023(tmp_path: Path) -> Path:
    rows = [
        ("E08000014", "Sefton", "Metropolitan District", 2023, sex, age, 1500 + age)
        for sex in "FM"
        for age in range(10, 18)
    ]
    path = tmp_path / "mid2023.csv"
    pd.DataFrame(rows, columns=list(ONS_COLUMNS)).to_csv(path, index=False)
    return path


def test_newer_file_can_be_added(tmp_path):
    new = load_ons_file(_sefton_2023(tmp_path))
    assert new["mid_year"].unique().tolist() == [2023]
    shipped = ons(areas=["Sefton"])  # default source unchanged
    assert shipped["mid_year"].unique().tolist() == [2021, 2022, 2023]
    pop = total_10_17(areas=["Sefton"], source=new)
    assert pop["population"].tolist() == [2 * sum(1500 + a for a in range(10, 18))]
    assert population_for_period(pop, "calendar_year", 2024)["mid_year"].tolist() == [2023]
    assert len(ons(source=_sefton_2023(tmp_path))) == 16  # a path works too


def test_invalid_file_lists_every_problem(tmp_path):
    bad = pd.read_csv(_sefton_2023(tmp_path), dtype=str)
    bad.loc[0, "sex"] = "X"
    bad.loc[1, "age"] = "18"
    bad.loc[2, "population"] = "-4"
    bad.loc[3, "area_code"] = "Sefton"
    bad.loc[4, "mid_year"] = "2023.5"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        load_ons_file(path)
    problems = info.value.problems
    assert set(problems["rule"]) == {"codelist", "range", "pattern", "type"}
    assert sorted(problems["row"].tolist()) == [1, 2, 3, 4, 5]
    assert set(problems["column"]) == {"sex", "age", "population", "area_code", "mid_year"}


def test_incomplete_or_duplicated_cells(tmp_path):
    good = pd.read_csv(_sefton_2023(tmp_path))
    path = tmp_path / "dup.csv"
    pd.concat([good.iloc[1:], good.iloc[[1]]]).to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        load_ons_file(path)
    assert set(info.value.problems["rule"]) == {"unique", "complete"}


def test_wrong_layout(tmp_path):
    path = tmp_path / "layout.csv"
    pd.read_csv(_sefton_2023(tmp_path)).rename(columns={"population": "count"}).to_csv(
        path, index=False
    )
    with pytest.raises(ValidationError) as info:
        load_ons_file(path)
    p = info.value.problems
    assert set(zip(p["column"], p["rule"], strict=True)) == {
        ("population", "required_column"),
        ("count", "unexpected_column"),
    }
