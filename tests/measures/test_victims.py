"""Tests for cohort.measures.victims: restorative justice cascade, support, reasons, profile.

The published victims counts come from a borough's 2023/24 KPI tables (Sefton
Youth Justice Plan 2024/25; tests/data/sefton_kpi_counts_2023_24.csv, copied
from the project's reference figures). The profile and reasons are checked
against hand counts of a small constructed table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.kpi import CHANGE_COLUMNS, kpis
from cohort.measures.victims import NOT_RECORDED, victims
from cohort.periods import quarter_start

DATA = Path(__file__).resolve().parents[1] / "data"
COUNTS = pd.read_csv(DATA / "sefton_kpi_counts_2023_24.csv", comment="#")
QUARTERS = ("2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4")
AUTH = "E08000014"


def published(q: str, category: str) -> int:
    row = COUNTS[(COUNTS["kpi"] == "victims") & (COUNTS["quarter"] == q)
                 & (COUNTS["category"] == category)]
    return int(row["count"].iloc[0])


def _victims(rows: list[dict], authority: str = AUTH) -> pd.DataFrame:
    defaults = {"victim_type": "Individual", "consented_contact": False, "contacted": False,
                "offered_rj": False, "accepted_rj": False, "support_requested": False,
                "support_provided": False}
    v = pd.DataFrame([{**defaults, **r} for r in rows])
    v["victim_id"] = [f"V{i:04d}" for i in range(len(v))]
    v["offence_id"] = "O" + v["victim_id"]
    v["authority_code"] = authority
    for c in ("consented_contact", "contacted", "offered_rj", "accepted_rj",
              "support_requested", "support_provided"):
        v[c] = v[c].astype("boolean")
    return v


def build_published() -> CohortData:
    """Per quarter: the published contacted / offered / accepted victims (nested), two
    consenting victims never reached, three who did not consent, and one inconsistent
    record (offered RJ but not contacted) that must not count as offered."""
    rows = []
    for q in QUARTERS:
        c, o, a = (published(q, k) for k in ("Victims contacted", "Offered RJ", "Accepted RJ"))
        day = quarter_start(q) + pd.Timedelta(days=20)
        rows += [{"record_date": day, "consented_contact": True, "contacted": True,
                  "offered_rj": i < o, "accepted_rj": i < a} for i in range(c)]
        rows += [{"record_date": day, "consented_contact": True}] * 2
        rows += [{"record_date": day}] * 3
        rows += [{"record_date": day, "consented_contact": True, "offered_rj": True}]
    v = _victims(rows)
    other = _victims(rows[:10], authority="E08000011")
    return CohortData({"victims": pd.concat([v, other], ignore_index=True)})


@pytest.fixture(scope="module")
def sefton() -> CohortData:
    return build_published()


def _rows(t: pd.DataFrame, measure: str) -> pd.DataFrame:
    return t[t["measure"] == measure].set_index("category")


@pytest.mark.parametrize("q", QUARTERS)
def test_published_contact_offer_acceptance(sefton, q):
    """Victims contacted, offered and accepting RJ as published for each quarter."""
    rj = _rows(victims(sefton, AUTH, q), "restorative_justice")
    assert rj.loc["contacted", "numerator"] == published(q, "Victims contacted")
    assert rj.loc["offered_rj", "numerator"] == published(q, "Offered RJ")
    assert rj.loc["accepted_rj", "numerator"] == published(q, "Accepted RJ")
    # rates: contacted of consenting, offered of contacted, accepted of offered
    assert rj["denominator"].iloc[1:].tolist() == rj["numerator"].iloc[:-1].tolist()
    assert rj.loc["contacted", "denominator"] == published(q, "Victims contacted") + 3


def test_rates_and_intervals(sefton):
    t = victims(sefton, AUTH, "2023/24 Q4")
    rj = _rows(t, "restorative_justice")
    assert rj.loc["accepted_rj", "estimate"] == pytest.approx(34 / 54)
    assert (rj["lower"] <= rj["estimate"]).all() and (rj["estimate"] <= rj["upper"]).all()
    engaged = _rows(t, "engagement").loc["accepted_rj"]
    assert (engaged["numerator"], engaged["denominator"]) == (34, 56 + 3)
    # change from Q3 (2 of 16 accepted) to Q4 (34 of 54): up, in percentage points
    assert rj.loc["accepted_rj", "change"] == pytest.approx((34 / 54 - 2 / 16) * 100)
    assert rj.loc["accepted_rj", "direction"] == "up"


def test_matches_kpi_10(sefton):
    """kpis() reports the same restorative justice cascade as KPI 10."""
    v = _rows(victims(sefton, AUTH, "2023/24 Q2"), "restorative_justice")
    k = kpis(sefton, AUTH, "2023/24 Q2")
    k = k[(k["kpi"] == "victims") & (k["measure"] == "restorative_justice")].set_index("category")
    assert k["kpi_number"].eq(10).all()
    assert v[["numerator", "denominator"]].equals(k[["numerator", "denominator"]])


def _hand_example() -> CohortData:
    """Ten victims in 2024/25 Q1, counted by hand below; one in Q4 of the year before."""
    q1 = pd.Timestamp("2024-05-10")
    rows = [
        # accepted RJ, support requested and provided
        {"sex": "Female", "age_band": "18-24", "ethnicity": "White", "consented_contact": True,
         "contacted": True, "offered_rj": True, "accepted_rj": True, "support_requested": True,
         "support_provided": True},
        # offered, declined; support requested, not provided
        {"sex": "Female", "age_band": "25-64", "ethnicity": "Asian", "consented_contact": True,
         "contacted": True, "offered_rj": True, "support_requested": True,
         "non_engagement_reason": "Declined restorative justice"},
        # contacted, not offered (not suitable)
        {"sex": "Male", "age_band": "Under 18", "ethnicity": "White", "consented_contact": True,
         "contacted": True, "non_engagement_reason": "Not suitable for restorative justice"},
        # consented, could not be contacted
        {"sex": "Male", "age_band": "25-64", "ethnicity": "Black", "consented_contact": True,
         "non_engagement_reason": "Could not be contacted"},
        # did not consent (x3), one with no reason recorded, one with unknown sex
        {"sex": "Male", "age_band": "65 and over", "ethnicity": "White",
         "non_engagement_reason": "Did not consent to contact"},
        {"sex": "Female", "age_band": "25-64", "ethnicity": "Mixed",
         "non_engagement_reason": "Did not consent to contact"},
        {"sex": None, "age_band": None, "ethnicity": None},
        # "contacted" without consent: inconsistent, not counted as contacted
        {"sex": "Male", "age_band": "18-24", "ethnicity": "White", "contacted": True,
         "non_engagement_reason": "Other"},
        # two businesses: no sex, age or ethnicity
        {"victim_type": "Business or organisation", "consented_contact": True, "contacted": True,
         "offered_rj": True, "accepted_rj": True},
        {"victim_type": "Business or organisation",
         "non_engagement_reason": "Did not consent to contact"},
    ]
    rows = [{"record_date": q1, **r} for r in rows]
    rows.append({"record_date": pd.Timestamp("2024-03-01"), "sex": "Female", "consented_contact": True,
                 "contacted": True, "offered_rj": True})
    return CohortData({"victims": _victims(rows)})


def test_hand_counted_example():
    t = victims(_hand_example(), AUTH, "2024/25 Q1")
    rj = _rows(t, "restorative_justice")
    assert rj[["numerator", "denominator"]].to_numpy().tolist() == [
        [5, 10],  # consented / all victims
        [4, 5],  # contacted / consented (the unconsented "contacted" is not counted)
        [3, 4],  # offered / contacted
        [2, 3],  # accepted / offered
    ]
    support = _rows(t, "support").loc["support_provided"]
    assert (support["numerator"], support["denominator"]) == (1, 2)
    reasons = _rows(t, "non_engagement_reason")
    assert reasons["denominator"].eq(8).all()  # victims who did not accept RJ
    assert reasons.loc["Did not consent to contact", "numerator"] == 3
    assert reasons.loc[NOT_RECORDED, "numerator"] == 1
    assert reasons["numerator"].sum() == 8
    kind = _rows(t, "victim_type")
    assert kind.loc["Business or organisation", ["numerator", "denominator"]].tolist() == [2, 10]
    sex = _rows(t, "sex")
    assert sex["denominator"].eq(8).all()  # individual victims only
    assert sex.loc["Female", "numerator"] == 3 and sex.loc["Male", "numerator"] == 4
    assert sex.loc[NOT_RECORDED, "numerator"] == 1
    assert sex.loc["Female", "estimate"] == pytest.approx(3 / 8)
    age = _rows(t, "age_band")
    assert age.loc["25-64", "numerator"] == 3 and age.loc[NOT_RECORDED, "numerator"] == 1
    eth = _rows(t, "ethnicity")
    assert eth.loc["White", "numerator"] == 4 and eth["numerator"].sum() == 8
    # previous quarter: one victim offered RJ but not accepting
    prev = rj.loc["accepted_rj"]
    assert (prev["previous_numerator"], prev["previous_denominator"]) == (0, 1)
    assert prev["direction"] == "up"


def test_contract():
    t = victims(_hand_example(), AUTH, "2024/25 Q1")
    assert t.columns.tolist() == ["authority_code", "quarter", "measure", "category",
                                  *TIDY_COLUMNS, *CHANGE_COLUMNS]
    assert t["quarter"].eq("2024/25 Q1").all() and t["authority_code"].eq(AUTH).all()
    assert not t.duplicated(["measure", "category"]).any()
    empty = victims(CohortData(), AUTH, "2024/25 Q1")
    assert empty.columns.tolist() == t.columns.tolist()
    assert len(empty) == len(t) and empty["numerator"].eq(0).all()
    assert empty["estimate"].isna().all()
