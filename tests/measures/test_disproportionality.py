"""Representation and the relative rate index by decision point.

Expected values are independent of the code under test:

* METHODS.md section 4 worked examples (computed there with scipy):
  custody given conviction, Black 12/60 vs White 20/200: RR 2.00, Katz 95%
  CI 1.04-3.85, Fisher p = 0.046; first time entrants by population,
  30/2,000 vs 100/20,000: RR 3.00, Poisson-log CI 1.99-4.51, exact CI
  1.93-4.55, conditional binomial p = 1.6e-6; the RRI matrix, Black vs White:
  arrests per 1,000 60 vs 30 -> 2.00 (1.64-2.43), referrals per 100 arrests
  83.3 vs 75.0 -> 1.11 (1.01-1.22), detentions per 100 referrals 30 vs 20 ->
  1.50 (1.06-2.13). METHODS.md gives rates, not counts; the counts used here
  (populations 2,000 and 20,000; arrests 120 and 600; referrals 100 and
  450; detentions 30 and 90) are the smallest whole numbers that reproduce
  all nine published figures to two decimals (found by search over
  multiples of the rates).
* Census 2021 (Wirral): 27,870 White of 30,445 children aged 10-17, so a
  non-White share of 2,575 / 30,445 = 8.46% (the inspection's "just under
  nine per cent").
* Hand calculations written out in each test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cohort
from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.disproportionality import (
    RRI_COLUMNS,
    disproportionality,
    period_window,
    resolve_stages,
    stage_membership,
)

PERIOD = "2023/24"


def make_data(groups: dict[str, dict[str, int]], authority: str = "X01",
              variable: str = "ethnicity", other: dict[str, str] | None = None) -> CohortData:
    """Children counted into stages by construction.

    ``groups`` maps a value of ``variable`` to ``pop`` (children aged 10-17
    in the population), ``offence``, ``court`` and ``custody`` (nested
    counts of children at each stage). Every child has one outcome on
    1 June 2023 (financial year 2023/24) and is 15: a custodial sentence, a
    referral order (court) or a community resolution.
    """
    kids, offs, pops = [], [], []
    n = 0
    for value, c in groups.items():
        for i in range(c.get("offence", 0)):
            n += 1
            outcome = ("Detention and training order" if i < c.get("custody", 0)
                       else "Referral order" if i < c.get("court", 0) else "Community resolution")
            kid = {"child_id": f"c{n}", "authority_code": authority, "birth_month": "2008-01",
                   "sex": "Male", "ethnicity": "White", "send_level": "No SEN Identified",
                   "care_status": "Not looked after", **(other or {})}
            kid[variable] = value
            kids.append(kid)
            offs.append({"offence_id": f"o{n}", "child_id": f"c{n}", "authority_code": authority,
                         "offence_date": pd.Timestamp("2023-04-20"),
                         "outcome_date": pd.Timestamp("2023-06-01"), "outcome": outcome})
        if "pop" in c:
            pops.append({"authority_code": authority, "mid_year": 2022, "age": 15, "sex": "Male",
                         "ethnicity": value if variable == "ethnicity" else "White",
                         "population": c["pop"]})
    tables = {
        "authorities": pd.DataFrame({"authority_code": [authority], "authority_name": ["Test"]}),
        "children": pd.DataFrame(kids),
        "offences": pd.DataFrame(offs),
        "population": pd.DataFrame(pops, columns=["authority_code", "mid_year", "age", "sex",
                                                  "ethnicity", "population"]),
    }
    return CohortData(tables)


def row(table: pd.DataFrame, stage: str, value: str) -> pd.Series:
    hit = table[(table["stage"] == stage) & (table["group_value"] == value)]
    assert len(hit) == 1, (stage, value, len(hit))
    return hit.iloc[0]


# --------------------------------------------------------------------------- worked examples


def test_custody_given_conviction_worked_example():
    """Black 12/60 vs White 20/200 custody given conviction: RR 2.00, Katz 1.04-3.85, Fisher p 0.046."""
    data = make_data({"White": {"offence": 200, "court": 200, "custody": 20},
                      "Black": {"offence": 60, "court": 60, "custody": 12}})
    katz = disproportionality(data, period=PERIOD, stages=["court", "custody"], method="katz")
    r = row(katz, "custody", "Black")
    assert (r["numerator"], r["denominator"]) == (12, 60)
    assert (r["reference_numerator"], r["reference_denominator"]) == (20, 200)
    assert r["relative_rate"] == pytest.approx(2.00)
    assert (round(r["relative_lower"], 2), round(r["relative_upper"], 2)) == (1.04, 3.85)
    assert r["relative_method"] == "katz" and r["denominator_stage"] == "court"
    exact = disproportionality(data, period=PERIOD, stages=["court", "custody"], method="exact")
    assert round(row(exact, "custody", "Black")["p_value"], 3) == 0.046
    # fewer than 50 children in custody: flagged, and "auto" gives the exact result
    auto = disproportionality(data, period=PERIOD, stages=["court", "custody"])
    r = row(auto, "custody", "Black")
    assert not r["calculable"]
    assert r["reason"] == "fewer than 50 children; fewer than 50 White children"
    assert r["relative_method"] == "miettinen-nurminen"
    assert round(r["p_value"], 3) == 0.046
    assert r["relative_lower"] < 2.0 < r["relative_upper"]


def test_first_time_entrants_by_population_worked_example():
    """30/2,000 vs 100/20,000: RR 3.00, Poisson-log 1.99-4.51, exact 1.93-4.55, p 1.6e-6."""
    data = make_data({"White": {"pop": 20_000, "offence": 100, "court": 100},
                      "Black": {"pop": 2_000, "offence": 30, "court": 30}})
    log = disproportionality(data, period=PERIOD, stages=["first_time_entrant"], method="katz",
                             min_count=0)
    r = row(log, "first_time_entrant", "Black")
    assert r["denominator_stage"] == "population" and r["denominator"] == 2000
    assert r["relative_rate"] == pytest.approx(3.0)
    assert (round(r["relative_lower"], 2), round(r["relative_upper"], 2)) == (1.99, 4.51)
    assert r["relative_method"] == "poisson-log"
    ex = disproportionality(data, period=PERIOD, stages=["first_time_entrant"], method="exact")
    r = row(ex, "first_time_entrant", "Black")
    assert (round(r["relative_lower"], 2), round(r["relative_upper"], 2)) == (1.93, 4.55)
    assert r["relative_method"] == "conditional-binomial"
    assert r["p_value"] == pytest.approx(1.6e-6, rel=0.05)


def test_three_stage_matrix():
    """METHODS.md RRI matrix: 2.00 (1.64-2.43), 1.11 (1.01-1.22), 1.50 (1.06-2.13).

    Arrests are the ``offence`` stage (over the population), referrals the
    ``court`` stage (over arrests), detentions the ``custody`` stage (over
    referrals); populations 2,000 and 20,000.
    """
    data = make_data({"White": {"pop": 20_000, "offence": 600, "court": 450, "custody": 90},
                      "Black": {"pop": 2_000, "offence": 120, "court": 100, "custody": 30}})
    t = disproportionality(data, period=PERIOD, stages=["offence", "court", "custody"],
                           method="katz", min_count=0)
    got = {s: tuple(round(row(t, s, "Black")[c], 2) for c in
                    ("relative_rate", "relative_lower", "relative_upper"))
           for s in ("offence", "court", "custody")}
    assert got == {"offence": (2.00, 1.64, 2.43), "court": (1.11, 1.01, 1.22),
                   "custody": (1.50, 1.06, 2.13)}
    per = {s: round(row(t, s, "Black")["estimate"] * k, 1) for s, k in
           (("offence", 1000), ("court", 100), ("custody", 100))}
    assert per == {"offence": 60.0, "court": 83.3, "custody": 30.0}
    assert row(t, "court", "White")["estimate"] == pytest.approx(0.75)
    assert row(t, "offence", "White")["relative_rate"] == 1.0


def test_population_denominator_is_cumulative():
    """``denominator="population"``: custody per population, 30/2,000 vs 90/20,000.

    Hand calculation: RR = 0.015 / 0.0045 = 3.333; SE(ln RR) = sqrt(1/30 +
    1/90) = 0.210819; z x SE = 1.95996 x 0.210819 = 0.413197; 95% CI
    3.3333 x exp(-0.413197) = 2.2051 to 3.3333 x exp(0.413197) = 5.0388.
    The stage RRIs multiply to the same cumulative ratio:
    2.00 x 1.111 x 1.50 = 3.333.
    """
    data = make_data({"White": {"pop": 20_000, "offence": 600, "court": 450, "custody": 90},
                      "Black": {"pop": 2_000, "offence": 120, "court": 100, "custody": 30}})
    t = disproportionality(data, period=PERIOD, stages=["offence", "court", "custody"],
                           denominator="population", method="katz", min_count=0)
    r = row(t, "custody", "Black")
    assert r["denominator_stage"] == "population" and r["denominator"] == 2000
    assert r["relative_rate"] == pytest.approx(10 / 3)
    assert r["relative_lower"] == pytest.approx(2.2051, abs=1e-4)
    assert r["relative_upper"] == pytest.approx(5.0388, abs=1e-4)
    assert r["relative_method"] == "poisson-log"


# --------------------------------------------------------------------------- representation


def test_wirral_representation_15_percent_vs_census():
    """A caseload of 200 children, 30 (15%) not White, in Wirral (Census share 8.46%).

    Hand calculation: population share 2,575 / 30,445 = 0.084579; ratio
    0.15 / 0.084579 = 1.7735. Wilson 95% interval of 30/200 (z = 1.95996):
    centre (30 + z^2/2) / (200 + z^2) = 31.9207 / 203.8415 = 0.156595,
    half-width z sqrt(200 x 0.15 x 0.85 + z^2/4) / 203.8415 = 0.049460, so
    0.10714-0.20606; divided by 0.084579: 1.2667-2.4363.
    """
    groups = {"White": {"offence": 170}, "Black": {"offence": 10}, "Asian": {"offence": 10},
              "Mixed": {"offence": 6}, "Other": {"offence": 4}}
    data = make_data(groups, authority="E08000015")
    combine = {"Black, Asian and minority ethnic": ["Asian", "Black", "Mixed", "Other"]}
    t = disproportionality(data, period=PERIOD, stages=["offence"], combine=combine)
    r = row(t, "offence", "Black, Asian and minority ethnic")
    assert r["population_source"].startswith("Census 2021") and r["population_year"] == 2021
    assert (r["numerator"], r["stage_total"], r["population"]) == (30, 200, 2575)
    assert r["share"] == pytest.approx(0.15)
    assert r["population_share"] == pytest.approx(0.084579, abs=1e-6)
    assert r["representation_ratio"] == pytest.approx(1.7735, abs=1e-4)
    assert r["representation_lower"] == pytest.approx(1.2667, abs=1e-4)
    assert r["representation_upper"] == pytest.approx(2.4363, abs=1e-4)
    # the rate over the population: 30 / 2,575 vs 170 / 27,870
    assert r["relative_rate"] == pytest.approx((30 / 2575) / (170 / 27870))


def test_three_children_low_volume_flag_and_exact_interval():
    """A group with 3 children at the feeding stage, 1 at the stage.

    Rate 1/3 against the reference's 100/400 = 0.25: RR 1.333. Fewer than 50
    children, so not calculable; the exact interval (Miettinen-Nurminen
    score, Fisher's p) is still returned and is wide. Fisher's exact test
    of [[1, 2], [100, 300]]: p = 1.0 (scipy.stats.fisher_exact; the observed
    table is the most likely one).
    """
    data = make_data({"White": {"offence": 400, "court": 100},
                      "Other": {"offence": 3, "court": 1}})
    t = disproportionality(data, period=PERIOD, stages=["offence", "court"])
    r = row(t, "court", "Other")
    assert (r["numerator"], r["denominator"]) == (1, 3)
    assert r["estimate"] == pytest.approx(1 / 3)
    assert r["relative_rate"] == pytest.approx(4 / 3)
    assert not r["calculable"] and r["reason"].startswith("fewer than 50 children")
    assert r["relative_method"] == "miettinen-nurminen"
    assert r["relative_lower"] < 0.35 and r["relative_upper"] > 2.5  # wide
    assert r["p_value"] == pytest.approx(1.0)
    # its own rate: Wilson interval of 1/3 is 0.0615-0.7924
    assert (round(r["lower"], 4), round(r["upper"], 4)) == (0.0615, 0.7923)


def test_unknown_is_its_own_line_and_small_groups_are_flagged():
    groups = {"White": {"pop": 9_950, "offence": 300, "court": 120},
              "Other": {"pop": 50, "offence": 60, "court": 55},  # 0.5% of the population
              "Unknown": {"offence": 20, "court": 5}}
    t = disproportionality(make_data(groups), period=PERIOD, stages=["offence", "court"],
                           min_count=5)
    unknown = row(t, "offence", "Unknown")
    assert unknown["share"] == pytest.approx(20 / 380)
    assert np.isnan(unknown["population_share"]) and np.isnan(unknown["representation_ratio"])
    assert not unknown["calculable"] and "no population" in unknown["reason"]
    court = row(t, "court", "Unknown")
    assert court["calculable"] and court["relative_rate"] == pytest.approx((5 / 20) / (120 / 300))
    # shares of known groups are compared with the population: 60 / 360 vs 50 / 10,000
    other = row(t, "offence", "Other")
    assert other["representation_ratio"] == pytest.approx((60 / 360) / 0.005)
    for stage in ("offence", "court"):
        r = row(t, stage, "Other")
        assert not r["calculable"] and "under 1% of the population" in r["reason"]
    assert list(t.loc[t["stage"] == "offence", "group_value"]) == ["White", "Other", "Unknown"]


def test_characteristics_without_population_start_at_case_stages():
    groups = {"No SEN Identified": {"offence": 300, "court": 90},
              "EHCP": {"offence": 100, "court": 50}}
    data = make_data(groups, variable="send_level")
    t = disproportionality(data, group="send_level", reference="No SEN Identified",
                           period=PERIOD, stages=["offence", "court"])
    off = row(t, "offence", "EHCP")
    assert not off["calculable"] and "no population count of children by send_level" in off["reason"]
    assert off["share"] == pytest.approx(0.25)
    court = row(t, "court", "EHCP")
    assert court["calculable"]
    assert court["relative_rate"] == pytest.approx((50 / 100) / (90 / 300))


def test_intersection_of_ethnicity_and_sex_on_synthetic_data():
    data = cohort.synthetic.generate(seed=11, authorities=1, scale=0.5)
    t = disproportionality(data, group=("ethnicity", "sex"), reference=("White", "Male"),
                           period=("2022/23", "2024/25"), stages=["offence", "court"])
    assert set(t["group_variable"]) == {"ethnicity x sex"}
    assert "Black, Female" in set(t["group_value"]) and t["reference"].iloc[0] == "White, Male"
    # populations by ethnicity and sex from the synthetic table (mid-2024)
    pop = data.population[(data.population["mid_year"] == 2024)
                          & (data.population["ethnicity"] == "Black")
                          & (data.population["sex"] == "Female")]["population"].sum()
    assert row(t, "offence", "Black, Female")["population"] == pop
    kids = stage_membership(data, *period_window(("2022/23", "2024/25"))[:2])
    n = ((kids["ethnicity"] == "Black") & (kids["sex"] == "Female")).sum()
    assert row(t, "offence", "Black, Female")["numerator"] == n


# --------------------------------------------------------------------------- counting


def test_stage_membership_counts_children_not_offences():
    """Hand-made histories; each expectation is written beside its child."""
    d = pd.Timestamp
    off = pd.DataFrame([
        # a: three court outcomes in the year -> one child at court; first formal in 2021
        ("a", "2021-01-01", "2021-02-01", "Youth caution"),
        ("a", "2023-05-01", "2023-07-01", "Referral order"),
        ("a", "2023-08-01", "2023-10-01", "Youth rehabilitation order"),
        ("a", "2023-11-01", "2024-01-10", "Detention and training order"),
        # b: diversion only
        ("b", "2023-05-01", "2023-05-20", "Outcome 22"),
        # c: 18 at the first outcome in the year -> in no stage
        ("c", "2023-05-01", "2023-06-01", "Referral order"),
        # d: first formal outcome in the year; remanded for the case; outcome after the year too
        ("d", "2023-09-01", "2023-12-01", "Fine"),
        ("d", "2024-04-02", "2024-05-01", "Youth caution"),
        # e: outcome just outside the year
        ("e", "2023-03-01", "2023-03-31", "Referral order"),
    ], columns=["child_id", "offence_date", "outcome_date", "outcome"])
    off = off.assign(offence_id=[f"o{i}" for i in range(len(off))], authority_code="X01",
                     offence_date=pd.to_datetime(off["offence_date"]),
                     outcome_date=pd.to_datetime(off["outcome_date"]))
    kids = pd.DataFrame({"child_id": list("abcde"), "authority_code": "X01",
                         "birth_month": ["2008-01", "2009-01", "2005-01", "2007-06", "2008-01"],
                         "sex": "Male", "ethnicity": ["Black", "White", "White", None, "White"],
                         "send_level": "EHCP", "care_status": "Looked after"})
    iv = pd.DataFrame({"intervention_id": ["i1", "i2"], "child_id": ["d", "b"],
                       "authority_code": "X01", "programme": ["Bail and remand"] * 2,
                       "start_date": [d("2023-09-10"), d("2023-05-02")],
                       "end_date": [d("2023-12-01"), d("2023-05-10")],
                       "status": "Completed", "offence_id": None})
    data = CohortData({"offences": off, "children": kids, "interventions": iv})
    m = stage_membership(data, d("2023-04-01"), d("2024-03-31")).set_index("child_id")
    assert list(m.index) == ["a", "b", "d"]
    assert m.loc["a", ["offence", "formal", "first_time_entrant", "court", "remand",
                       "custody"]].tolist() == [True, True, False, True, False, True]
    assert m.loc["b", ["formal", "court", "remand"]].tolist() == [False, False, False]
    assert m.loc["d", ["first_time_entrant", "court", "remand", "custody"]].tolist() == [
        True, True, True, False]
    assert m.loc["d", "ethnicity"] == "Unknown" and m.loc["a", "age"] == 15
    t = disproportionality(data, period=PERIOD, stages=["offence", "court", "custody"],
                           min_count=0)
    assert row(t, "court", "Black")[["numerator", "denominator"]].tolist() == [1, 1]
    assert int(t.loc[t["stage"] == "court", "numerator"].sum()) == 2


def test_resolve_stages():
    assert [(s.name, f) for s, f in resolve_stages(None)] == [
        ("offence", "population"), ("first_time_entrant", "offence"), ("court", "offence"),
        ("remand", "court"), ("custody", "court")]
    assert [(s.name, f) for s, f in resolve_stages(["offence", "custody"])] == [
        ("offence", "population"), ("custody", "offence")]
    with pytest.raises(ValueError, match="unknown stage"):
        resolve_stages(["arrest"])
    with pytest.raises(ValueError, match="not among the stages"):
        resolve_stages({"custody": "court"})


# --------------------------------------------------------------------------- contract


def test_columns_never_change_and_errors():
    data = make_data({"White": {"pop": 1000, "offence": 60, "court": 20},
                      "Black": {"pop": 100, "offence": 10, "court": 5}})
    a = disproportionality(data, period=PERIOD)
    b = disproportionality(data, period=PERIOD, by=(), denominator="population",
                           method="exact", stages=["court"], level=0.9)
    assert list(a.columns) == list(b.columns)[:0] + ["authority_code", *list(b.columns)]
    i = list(b.columns).index("numerator")
    assert list(b.columns)[i:i + len(TIDY_COLUMNS)] == list(TIDY_COLUMNS)
    assert list(b.columns)[-len(RRI_COLUMNS):] == list(RRI_COLUMNS)
    assert (b["confidence"] == 0.9).all()
    with pytest.raises(ValueError, match="group must be one of"):
        disproportionality(data, group="religion", period=PERIOD)
    with pytest.raises(ValueError, match="reference 'Purple' is not a value"):
        disproportionality(data, reference="Purple", period=PERIOD)
    with pytest.raises(ValueError, match="by must be"):
        disproportionality(data, by=("sex",), period=PERIOD)
    with pytest.raises(ValueError, match="denominator must be one of"):
        disproportionality(data, denominator="stages", period=PERIOD)
    with pytest.raises(ValueError, match="method must be one of"):
        disproportionality(data, method="wald", period=PERIOD)
    with pytest.raises(ValueError, match="name one value of each"):
        disproportionality(data, group=("ethnicity", "sex"), reference="White", period=PERIOD)


def test_no_warnings_on_default_synthetic_call():
    data = cohort.synthetic.generate(seed=2, authorities=2, scale=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = disproportionality(data, period="2024/25")
    assert set(t["authority_code"]) == {"X01", "X02"}
    assert t["population_source"].str.startswith("population table").all()


def test_real_authority_store_uses_census_denominators(tmp_path):
    """A real service's store (the ChildView fixture, Sefton E08000014) holds ONS
    populations without ethnicity; the population stage takes Census 2021:
    Sefton's children aged 10-17 are Asian 431, Black 201, Mixed 814, Other 258,
    White 22,722."""
    from cohort import ingest

    fixture = Path(__file__).parents[1] / "data" / "childview_extract.xlsx"
    ingest(fixture, "childview", tmp_path / "store", key="test-key", extract_date="2024-06-01")
    data = cohort.open_store(tmp_path / "store")
    assert set(data.population["ethnicity"]) == {"All"}
    t = disproportionality(data, period=("2022/23", "2023/24"), stages=["offence"])
    assert set(t["authority_code"]) == {"E08000014"}
    assert (t["population_source"] == "Census 2021 (21 March 2021)").all()
    pop = t.set_index("group_value")["population"].dropna().astype(int).to_dict()
    assert pop == {"White": 22_722, "Asian": 431, "Black": 201, "Mixed": 814, "Other": 258}
    black = row(t, "offence", "Black")
    assert black["population_share"] == pytest.approx(201 / 24_426)
    assert not black["calculable"] and "under 1% of the population" in black["reason"]


def test_sex_age_band_and_care_status_use_the_same_engine():
    """Denominators by sex and age band come from the synthetic population table
    (mid-2024 for 2024/25: the calendar year before the period ends); care
    status has none and starts at the first case stage."""
    data = cohort.synthetic.generate(seed=5, authorities=1, scale=0.5)
    pop = data.population[data.population["mid_year"] == 2024]
    by_sex = disproportionality(data, group="sex", period="2024/25", stages=["offence", "court"])
    assert by_sex["reference"].iloc[0] == "Male"  # the larger population
    assert row(by_sex, "offence", "Female")["population"] == pop.loc[
        pop["sex"] == "Female", "population"].sum()
    bands = disproportionality(data, group="age_band", period="2024/25", stages=["offence"])
    assert row(bands, "offence", "15-17")["population"] == pop.loc[
        pop["age"].between(15, 17), "population"].sum()
    kids = stage_membership(data, *period_window("2024/25")[:2])
    assert row(bands, "offence", "13-14")["numerator"] == (kids["age_band"] == "13-14").sum()
    care = disproportionality(data, group="care_status", reference="Not looked after",
                              period="2024/25", stages=["offence", "court"], min_count=0)
    looked_after = row(care, "offence", "Looked after")
    assert not looked_after["calculable"]
    assert "no population count of children by care_status" in looked_after["reason"]
    court = row(care, "court", "Looked after")
    assert court["calculable"] and court["denominator"] == looked_after["numerator"]
