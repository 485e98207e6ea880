"""cohort.evaluate: the flow, the pool, balance, the gate and its wording, errors.

Recovery of the planted effects and the coverage study are in
test_evaluation_recovery.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cohort
from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.measures.evaluation import Comparison, Evaluation, evaluate
from cohort.measures.evaluation.flow import FLOW_STAGES, build_units
from cohort.measures.evaluation.outcomes import apply_gate, verdict
from cohort.measures.evaluation.spec import load_gate
from cohort.stats import matched_effect

CYC = "Community Youth Connectors"


@pytest.fixture(scope="module")
def demo():
    return cohort.synthetic.generate()  # the demo store's data: seed 2024, five authorities


@pytest.fixture(scope="module")
def demo_ev(demo):
    return evaluate(demo, CYC)


def _adds_up(flow: pd.DataFrame) -> bool:
    n = flow.set_index("stage")["n"]
    return int(n["submitted"]) == int(n["analysed"]) + int(n.drop(["submitted", "analysed"]).sum())


def test_flow_stages_and_sum(demo_ev):
    f = demo_ev.flow_
    assert f["stage"].tolist() == [s for s, _ in FLOW_STAGES]
    assert _adds_up(f)
    assert f["remaining"].is_monotonic_decreasing
    assert int(f["n"].iloc[-1]) == int((demo_ev.units_["matched"] & (demo_ev.units_["treated"] == 1)).sum())


def test_flow_of_a_submitted_list_counts_every_exclusion(demo):
    """A list with 2 duplicates, 3 unknown ids, 1 child from another authority, 4 starts
    outside the period and 2 ids with neither a start date nor a programme record."""
    iv = demo.interventions
    cyc = iv[iv["programme"] == CYC].sort_values("start_date")
    inside = cyc[cyc["start_date"].between("2022-04-01", "2023-03-31")]
    later = cyc[cyc["start_date"] > "2023-04-01"].head(4)
    other = demo.children[demo.children["authority_code"] == "X01"]["child_id"].iloc[:3]
    lst = pd.concat([
        inside[["child_id", "start_date"]],
        inside[["child_id", "start_date"]].head(2),                      # duplicates
        pd.DataFrame({"child_id": ["nobody1", "nobody2", "nobody3"]}),    # not found
        pd.DataFrame({"child_id": [other.iloc[0]], "start_date": [pd.Timestamp("2022-10-01")]}),
        later[["child_id", "start_date"]],                                # outside the period
        pd.DataFrame({"child_id": other.iloc[1:3].tolist()}),             # no start date anywhere
    ], ignore_index=True)
    ev = evaluate(demo, CYC, participants=lst, authorities=["X03", "X05"], period="2022/23",
                  sensitivity=False)
    n = ev.flow_.set_index("stage")["n"]
    assert n["submitted"] == len(lst)
    assert (n["duplicate"], n["not_found"], n["no_start_date"]) == (2, 3, 2)
    assert (n["outside_authorities"], n["outside_period"]) == (1, 4)
    assert _adds_up(ev.flow_)
    assert n["analysed"] + n["unmatched"] + n["follow_up_incomplete"] == len(inside)


def test_balance_after_matching_below_ten_percent(demo_ev):
    """Every |SMD| after matching is below 10% on the demo data (largest 5.1%, SEND: No SEN
    Identified; before matching baseline attendance differed by 97.5% and free school meals
    by 66%)."""
    b = demo_ev.balance_
    after = b[b["sample"] == "after"]
    assert after["smd"].abs().max() < 10
    assert b[b["sample"] == "before"]["smd"].abs().max() > 50
    assert set(after["band"]) <= {"<5%", "5-10%"}


def test_small_programme_is_inconclusive_with_wide_intervals(demo_ev):
    """A programme of 60-100 participants (the test store's data: one authority, scale 0.3):
    offending is inconclusive, the attendance interval is about twice as wide as the demo's,
    the power table gives the minimum detectable differences, and nothing says "worked"."""
    small = cohort.synthetic.generate(seed=11, authorities=2, scale=0.3)
    ev = evaluate(small, CYC)
    n = int(ev.flow_["n"].iloc[-1])
    assert 60 <= n <= 100
    o = ev.outcomes_.set_index("outcome")
    for outcome in ("first_formal_outcome", "proven_offences", "time_to_first_offence"):
        assert not o.loc[outcome, "significant"]
        assert o.loc[outcome, "verdict"].startswith("Inconclusive")
    big = demo_ev.outcomes_.set_index("outcome").loc["attendance_change"]
    width = o.loc["attendance_change", "upper"] - o.loc["attendance_change", "lower"]
    assert width > 2 * (big["upper"] - big["lower"]) * 0.9
    mdd = ev.power_.set_index("outcome").loc["attendance_change", "minimum_detectable"]
    assert 1.5 < mdd < 4
    assert not ev.outcomes_["verdict"].str.contains("worked|no effect", case=False).any()


def test_gate_and_wording_on_the_methods_example():
    """METHODS.md section 6: treatment 120 at 25% vs comparison 6,000 at 35% gives -10.0 pp
    (95% CI -17.8 to -2.2; p = 0.012; np = 30 >= 10 and 30 reoffenders >= 30): significant.
    The matched-effect regression with unit weights reproduces the normal approximation."""
    df = pd.DataFrame({"t": [1] * 120 + [0] * 6000,
                       "y": [1] * 30 + [0] * 90 + [1] * 2100 + [0] * 3900, "w": 1.0})
    est = matched_effect(df, "y", "t", "w").iloc[0]
    assert 100 * est["estimate"] == pytest.approx(-10.0, abs=1e-9)
    assert (100 * est["lower"], 100 * est["upper"]) == (pytest.approx(-17.8, abs=0.1), pytest.approx(-2.2, abs=0.1))
    assert est["p_value"] == pytest.approx(0.012, abs=0.001)
    gate = load_gate()
    ok, note = apply_gate("first_formal_outcome", est["p_value"], 120, 30, 30, gate)
    assert ok and note == "gate met"
    assert verdict("first_formal_outcome", -10.0, -17.8, -2.2, ok, note, 12) == (
        "Reduced offences leading to a first formal outcome within 12 months by between 2.2 and 17.8 "
        "percentage points.")
    ok, note = apply_gate("first_formal_outcome", est["p_value"], 120, 30, 29, gate)
    assert not ok and note == "29 participants offended, fewer than 30"
    assert verdict("first_formal_outcome", -10.0, -17.8, -2.2, ok, note, 12).startswith(
        "Inconclusive: the difference runs from -17.8 to -2.2 percentage points (29 participants")
    ok, note = apply_gate("attendance_change", 0.2, 50, np.inf, 0, gate)
    assert note == "p = 0.2 is above 0.05; 50 matched participants, fewer than 60"


def test_hazard_ratio_verdict_wording():
    assert verdict("time_to_first_offence", 0.5, 0.3, 0.83, True, "gate met", 12) == (
        "Reduced the rate (hazard) of offences leading to a first formal outcome by between 17% and 70% "
        "(hazard ratio 0.50).")


def _tiny() -> CohortData:
    """Two participants (P1, P2) and three girls in the pool, one authority, with offences placed
    around the start (P1 starts 2022-10-01, P2 2022-10-31; the pool's reference date is the
    median, 2022-10-16)."""
    children = pd.DataFrame({
        "child_id": ["P1", "P2", "C1", "C2", "C3", "B1"],
        "authority_code": "X01",
        "birth_month": ["2009-05", "2010-01", "2009-07", "2010-03", "2009-11", "2009-01"],
        "sex": ["Female"] * 5 + ["Male"],
        "ethnicity": ["White", "Asian", "White", "Asian", "White", "White"],
        "send_level": ["No SEN Identified"] * 6, "care_status": ["Not looked after"] * 6,
        "fsm_eligible": pd.array([True, False, True, False, True, True], dtype="boolean"),
    })
    iv = pd.DataFrame({"intervention_id": ["i1", "i2"], "child_id": ["P1", "P2"], "authority_code": "X01",
                       "programme": CYC, "start_date": pd.to_datetime(["2022-10-01", "2022-10-31"]),
                       "end_date": pd.NaT, "status": "Completed", "offence_id": None})
    off = pd.DataFrame({
        "offence_id": [f"o{i}" for i in range(7)],
        "child_id": ["P1", "P1", "P1", "P2", "C1", "C2", "C3"],
        "authority_code": "X01",
        # P1: caution day 30, conviction day 100, breach day 120; P2: offence after 12 months;
        # C1: offence before the reference date (known); C2: community resolution (informal);
        # C3: caution whose outcome comes after the 6-month wait
        "offence_date": pd.to_datetime(["2022-10-31", "2023-01-09", "2023-01-29", "2023-11-15",
                                        "2022-09-01", "2023-02-01", "2023-09-01"]),
        "outcome_date": pd.to_datetime(["2022-11-20", "2023-03-01", "2023-03-01", "2023-12-01",
                                        "2022-09-20", "2023-03-01", "2024-06-01"]),
        "outcome": ["Youth caution", "Referral order", "Referral order", "Youth caution",
                    "Youth caution", "Community resolution", "Youth caution"],
        "is_breach": [False, False, True, False, False, False, False],
    })
    rows = []
    for c, base, prog in [("P1", 80, 90), ("P2", 85, 88), ("C1", 90, 91), ("C2", 82, 83), ("C3", 88, 86),
                          ("B1", 90, 90)]:
        for year, rate in (("2021/22", base), ("2022/23", prog)):
            rows.append({"child_id": c, "authority_code": "X01", "academic_year": year, "term": "Autumn",
                         "possible_sessions": 100, "attended_sessions": rate})
    authorities = pd.DataFrame({"authority_code": ["X01"], "authority_name": ["Tiny"]})
    return CohortData({"authorities": authorities, "children": children, "interventions": iv,
                       "offences": off, "attendance": pd.DataFrame(rows)},
                      metadata={"period": {"end": "2026-03-31"}})


def test_outcome_windows_by_hand():
    """Proven offences count formal, non-breach offences committed after the start, within 12
    months, proven within 6 more; children with an offence before the start are known."""
    u = build_units(_tiny(), CYC, None, None, None, Comparison(), 12, 6, True,
                    ["age", "fsm_eligible", "baseline_attendance"])
    f = u.frame.set_index("child_id")
    assert sorted(f.index) == ["C2", "C3", "P1", "P2"]  # C1 known at the start, B1 a boy
    assert f.loc["P1", "first_formal_outcome"] == 1 and f.loc["P1", "proven_offences"] == 2
    assert f.loc["P1", "time_to_first_offence"] == 30  # 2022-10-01 to 2022-10-31
    assert f.loc["P2", "first_formal_outcome"] == 0  # offence 380 days after the start
    assert f.loc["P2", "time_to_first_offence"] == 365  # censored at 12 months
    assert f.loc["C2", "first_formal_outcome"] == 0  # informal outcome
    assert f.loc["C3", "first_formal_outcome"] == 0  # proven after the waiting period
    assert f.loc["C2", "index_date"] == pd.Timestamp("2022-10-16")
    assert f.loc["P1", "attendance_change"] == pytest.approx(10.0)
    assert f.loc["C3", "baseline_attendance"] == pytest.approx(88.0)
    pool = u.pool.set_index("criterion")["remaining"]
    assert pool["sex"] == 5 and pool["not_in_programme"] == 3 and pool["not_known"] == 2
    assert u.flow["already_known"] == 0


def test_comparison_settings(demo):
    ev = evaluate(demo, CYC, comparison={"within": "all", "ages": (11, 16)}, outcomes=["attendance_change"],
                  sensitivity=False)
    assert ev.strata_["stratum"].str.fullmatch(r"\d{4}").all()  # one stratum per school year
    assert "ages" in set(ev.pool_["criterion"])
    with pytest.raises(ValueError, match="unknown comparison setting"):
        evaluate(demo, CYC, comparison={"school": True})
    with pytest.raises(ValueError, match="within must be one of"):
        Comparison(within="school")


def test_errors(demo):
    with pytest.raises(ValueError, match="no intervention records of the programme 'Mentoring'"):
        evaluate(demo, "Mentoring")
    with pytest.raises(ValueError, match="outcome must be one of"):
        Evaluation(CYC, outcomes=["reoffending"])
    with pytest.raises(ValueError, match="unknown match setting"):
        Evaluation(CYC, match={"ratio": 2})
    with pytest.raises(ValueError, match="radius matching needs"):
        Evaluation(CYC, match={"method": "radius", "caliper": None})
    with pytest.raises(ValueError, match="period must be like"):
        Evaluation(CYC, period="2022/23 to 2023/24 to 2024/25")
    no_att = CohortData({k: v for k, v in demo.tables.items() if k != "attendance"}, metadata=demo.metadata)
    with pytest.raises(CohortError, match="attendance table"):
        evaluate(no_att, CYC, outcomes=["attendance_change"])
    ev = evaluate(no_att, CYC)  # by default, what the data allow
    assert "attendance_change" not in set(ev.outcomes_["outcome"]) | set(ev.sensitivity_["outcome"])
    assert "baseline_attendance" not in ev.covariates_
    with pytest.raises(CohortError, match="not fitted"):
        _ = Evaluation(CYC).summary


def test_display_and_no_identifiers_in_result_tables(demo_ev, demo):
    assert repr(demo_ev) == (f"<Evaluation of {CYC}: 417 of 431 participants matched to 888 comparison children; "
                             "2 participants with an offence; 4 outcomes>")
    html = demo_ev._repr_html_()
    assert "Increased school attendance" in html and "X03, X05" in html
    ids = set(demo.children["child_id"])
    for name in ("flow_", "pool_", "strata_", "propensity_", "propensity_model_", "matching_", "balance_", "support_", "overlap_",
                 "outcomes_", "events_", "naive_", "attendance_", "survival_", "power_", "sensitivity_",
                 "e_value_"):
        table = getattr(demo_ev, name)
        values = set(table.astype(str).to_numpy().ravel()) | set(map(str, table.index))
        assert not values & ids, name
    assert list(demo_ev.summary.columns)[:2] == ["label", "unit"]


def test_sensitivity_lists_each_specification_once(demo_ev):
    specs = demo_ev.sensitivity_["specification"].unique().tolist()
    assert specs[0].startswith("as analysed (1:3 nearest")
    assert "1:3 nearest" not in specs  # the analysis itself is not repeated
    assert specs[-1].startswith("no matching")
    assert len(demo_ev.sensitivity_) == len(specs) * len(demo_ev.outcomes_)


def test_propensity_model_shows_the_planted_selection(demo_ev):
    """The generator selects on lower attendance the year before, SEND, free school meals,
    being looked after and age (docs/synthetic.md): each raises the odds of taking part."""
    m = demo_ev.propensity_model_.set_index("term")
    assert m.loc["baseline_attendance", "odds_ratio"] < 1
    for term in ("fsm_eligible", "send_level[EHCP]", "send_level[SEN Support]", "care_status[Looked after]", "age"):
        assert m.loc[term, "odds_ratio"] > 1, term
    assert m.loc["fsm_eligible", "lower"] > 1 and m.loc["baseline_attendance", "upper"] < 1
