"""Regression-adjusted disparity (cohort.adjusted_disparity).

Reference values:

* R 4 ``glm(..., family = binomial)`` and ``confint`` (profile likelihood)
  on ``tests/data/adjusted_disparity_occasions.csv`` (160 court sentencing
  occasions, one per child, 40 custodial; made by
  ``tests/reference/adjusted_disparity_fixture.py``), with the script
  ``tests/reference/adjusted_disparity.R``::

      d$ethnicity <- relevel(factor(d$ethnicity), ref = "White")
      d$sex <- relevel(factor(d$sex), ref = "Male")
      d$offence_group <- relevel(factor(d$offence_group),
                                 ref = "Violence against the person")
      fit <- glm(custody ~ ethnicity + age + sex + offence_group + gravity_score
                 + prior_outcomes, family = binomial, data = d,
                 control = glm.control(epsilon = 1e-14, maxit = 100))  # and smaller models
      coef(fit); sqrt(diag(vcov(fit))); confint(fit)

  printed (ethnicity terms; coefficient, standard error, p, profile limits)::

      model 0  Asian 0.6131044729 0.5562186776 0.2703432831 -0.5351932122 1.677940436
               Black 0.6603573577 0.4058499783 0.1037164585 -0.1429470633 1.456986504
      model 1  Asian 0.6047495590 0.5588017546 0.27915229992 -0.5481358402 1.674969360
               Black 0.6980698334 0.4095749169 0.08831078497 -0.1113621892 1.503411096
      model 2  Asian 0.6829074198 0.6254219461 0.2748705936 -0.5861768887 1.899713596
               Black 0.7466907969 0.4549556510 0.1007478863 -0.1471812316 1.648271942
      model 3  Asian 0.5655930091 0.6771991559 0.4036082070 -0.8070911698 1.885377078
               Black 0.5792198193 0.4891642836 0.2363731637 -0.3886038178 1.543575832

  (``glm.control(epsilon = 1e-14)``: R's default stops at a relative
  deviance change of 1e-8, where the standard errors still move in the
  sixth decimal.)

* The synthetic generator's planted custody model: conditional odds ratio
  (given gravity, earlier formal outcomes, age and authority) Black 1.8,
  Mixed 1.4, Other 1.2, Asian 1.0; gravity one point higher for 70% of
  Black and 35% of Asian children's offences (and 40% Mixed, 25% Other).
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
from cohort.measures.disproportionality import ADJUSTED_COLUMNS, model_frame, period_window

FIXTURE = Path(__file__).parents[1] / "data" / "adjusted_disparity_occasions.csv"

#: model -> group -> (coefficient, standard error, p, profile lower, profile upper), from R.
R_GLM = {
    0: {"Asian": (0.6131044729, 0.5562186776, 0.2703432831, -0.5351932122, 1.677940436),
        "Black": (0.6603573577, 0.4058499783, 0.1037164585, -0.1429470633, 1.456986504)},
    1: {"Asian": (0.6047495590, 0.5588017546, 0.27915229992, -0.5481358402, 1.674969360),
        "Black": (0.6980698334, 0.4095749169, 0.08831078497, -0.1113621892, 1.503411096)},
    2: {"Asian": (0.6829074198, 0.6254219461, 0.2748705936, -0.5861768887, 1.899713596),
        "Black": (0.7466907969, 0.4549556510, 0.1007478863, -0.1471812316, 1.648271942)},
    3: {"Asian": (0.5655930091, 0.6771991559, 0.4036082070, -0.8070911698, 1.885377078),
        "Black": (0.5792198193, 0.4891642836, 0.2363731637, -0.3886038178, 1.543575832)},
}


def fixture_data() -> tuple[CohortData, pd.DataFrame]:
    """Case records that reproduce the fixture's occasions.

    Each child has ``prior_outcomes`` youth cautions (one a month from
    January 2021) and one court sentencing occasion on 15 September 2023
    (offence 1 August 2023): a detention and training order when custodial,
    else a referral order. Born in January of 2023 - age, so the age at the
    outcome is the fixture's.
    """
    f = pd.read_csv(FIXTURE)
    ids = "c" + f["child"].astype(str)
    children = pd.DataFrame({
        "child_id": ids, "authority_code": "X01",
        "birth_month": (2023 - f["age"]).astype(str) + "-01", "sex": f["sex"],
        "ethnicity": f["ethnicity"], "send_level": "No SEN Identified",
        "care_status": "Not looked after"})
    rows = []
    for r, cid in zip(f.itertuples(index=False), ids, strict=True):
        for i in range(r.prior_outcomes):
            day = pd.Timestamp("2021-01-10") + pd.DateOffset(months=i)
            rows.append((cid, day - pd.Timedelta(days=10), day, "Youth caution",
                         "Theft and handling stolen goods", 2))
        rows.append((cid, pd.Timestamp("2023-08-01"), pd.Timestamp("2023-09-15"),
                     "Detention and training order" if r.custody else "Referral order",
                     r.offence_group, r.gravity_score))
    offences = pd.DataFrame(rows, columns=["child_id", "offence_date", "outcome_date", "outcome",
                                           "offence_group", "gravity_score"])
    offences.insert(0, "offence_id", [f"o{i}" for i in range(len(offences))])
    offences["authority_code"] = "X01"
    offences["is_breach"] = False
    authorities = pd.DataFrame({"authority_code": ["X01"], "authority_name": ["Test"]})
    data = CohortData({"authorities": authorities, "children": children, "offences": offences})
    return data, f


def test_model_frame_rebuilds_the_occasions():
    data, f = fixture_data()
    s, e, _ = period_window("2023/24")
    m = model_frame(data, "custody", s, e).sort_values("child_id", key=lambda c: c.str[1:].astype(int))
    assert len(m) == 160
    for col in ("custody", "ethnicity", "sex", "age", "offence_group", "gravity_score",
                "prior_outcomes"):
        assert m[col].tolist() == f[col].tolist(), col
    # the cautions are before the period, so they are history, not occasions of their own
    assert (m["prior_court"] == 0).all()


def test_odds_ratios_equal_r_glm():
    """Coefficients, standard errors and p to 1e-6; profile limits to 1e-4 (R interpolates)."""
    data, _ = fixture_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Theft: 4 custodial occasions, a sparse cell
        t = cohort.adjusted_disparity(data, period="2023/24", reference="White")
    assert t["model_label"].unique().tolist() == [
        "unadjusted", "+ age, sex", "+ offence group, gravity score", "+ prior outcomes"]
    for model, groups in R_GLM.items():
        for group, (coef, se, p, lo, hi) in groups.items():
            r = t[(t["model"] == model) & (t["group_value"] == group)].iloc[0]
            assert r["log_odds_ratio"] == pytest.approx(coef, abs=1e-6)
            assert r["std_error"] == pytest.approx(se, abs=1e-6)
            assert r["p_value"] == pytest.approx(p, abs=1e-6)
            assert r["estimate"] == pytest.approx(np.exp(coef), rel=1e-6)
            assert np.log(r["lower"]) == pytest.approx(lo, abs=1e-4)
            assert np.log(r["upper"]) == pytest.approx(hi, abs=1e-4)
            assert r["method"] == "profile-likelihood"
    black = t[t["group_value"] == "Black"].set_index("model")
    # counts: 15 of 46 Black occasions custodial, 19 of 95 White
    assert black.loc[0, ["numerator", "denominator", "reference_numerator",
                         "reference_denominator"]].tolist() == [15, 46, 19, 95]
    # share of the unadjusted gap explained, by hand from the R coefficients:
    # block 2: (0.6980698334 - 0.7466907969) / 0.6603573577 = -0.073627
    # cumulative after block 3: (0.6603573577 - 0.5792198192) / 0.6603573577 = 0.122869
    assert black.loc[2, "explained_by_block"] == pytest.approx(-0.073627, abs=1e-5)
    assert black.loc[3, "explained_cumulative"] == pytest.approx(0.122869, abs=1e-5)
    assert np.isnan(black.loc[0, "explained_by_block"])
    assert (t["n"] == 160).all() and (t["events"] == 40).all()


def test_sparse_cells_and_separation_are_flagged():
    data, f = fixture_data()
    with pytest.warns(cohort.SmallCountWarning, match="offence_group=Theft"):
        cohort.adjusted_disparity(data, period="2023/24", profile=False)
    # a group whose every occasion is custodial: separation, an infinite odds ratio
    data.children.loc[data.children["child_id"] == "c3", "ethnicity"] = "Other"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = cohort.adjusted_disparity(data, period="2023/24", blocks=[["age"]], profile=False)
    other = t[t["group_value"] == "Other"]
    assert f.loc[2, "custody"] == 0 and (other["separation"]).all()
    assert (other["estimate"] == 0).all() and other["lower"].isna().all()
    assert other["warning"].str.contains("separation").all()


def test_columns_and_errors():
    data, _ = fixture_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = cohort.adjusted_disparity(data, period="2023/24", blocks=[["gravity_score"]],
                                      profile=False, level=0.9)
    cols = list(t.columns)
    i = cols.index("numerator")
    assert cols[i:i + len(TIDY_COLUMNS)] == list(TIDY_COLUMNS)
    assert cols[-len(ADJUSTED_COLUMNS):] == list(ADJUSTED_COLUMNS)
    assert (t["method"] == "wald").all() and (t["confidence"] == 0.9).all()
    with pytest.raises(ValueError, match="unknown covariate"):
        cohort.adjusted_disparity(data, period="2023/24", blocks=[["plea"]])
    with pytest.raises(ValueError, match="cannot also be a covariate"):
        cohort.adjusted_disparity(data, period="2023/24", blocks=[["ethnicity"]])
    with pytest.raises(ValueError, match="outcome must be one of"):
        cohort.adjusted_disparity(data, outcome="arrest", period="2023/24")
    with pytest.warns(cohort.SmallCountWarning, match="no custody decisions to model in 2021/22"):
        empty = cohort.adjusted_disparity(data, period="2021/22")
    assert empty.empty and list(empty.columns) == cols


def test_small_data_never_stop_a_report():
    """One value of a covariate is left out and said; an unfittable model gives a reason."""
    data, _ = fixture_data()
    data.children["sex"] = "Male"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = cohort.adjusted_disparity(data, period="2023/24", blocks=[["sex"], ["age"]],
                                      profile=False)
    sex = t[t["model"] == 1]
    assert sex["warning"].str.startswith("sex left out (one value only)").all()
    # same odds ratios as the unadjusted model, since nothing was added
    assert sex["estimate"].tolist() == pytest.approx(t.loc[t["model"] == 0, "estimate"].tolist())
    # a covariate that copies the group exactly cannot be fitted alongside it
    data.children["care_status"] = data.children["ethnicity"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = cohort.adjusted_disparity(data, period="2023/24", blocks=[["care_status"]],
                                      profile=False)
    aliased = t[t["model"] == 1]
    assert aliased["estimate"].isna().all()
    assert aliased["warning"].str.contains("not fitted").all()


def test_adjustment_for_the_planted_confounder_moves_towards_one():
    """Five default authorities at scale 5, every court sentencing occasion 2021/22-2025/26.

    Planted: custody conditional odds ratios Black 1.8, Asian 1.0; the
    confounder (gravity) is in the offence block. Adding it moves both
    odds ratios towards 1; with every block and the authority (whose
    custody practice differs) the interval covers the planted conditional
    odds ratio.
    """
    data = cohort.synthetic.generate(seed=2024, authorities=5, scale=5)
    blocks = [["age", "sex"], ["offence_group", "gravity_score"], ["prior_outcomes"],
              ["authority_code"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = cohort.adjusted_disparity(data, period=("2021/22", "2025/26"), blocks=blocks,
                                      profile=False)
    planted = data.metadata["planted_effects"]["ethnicity"]["custody_conditional_odds_ratio"]
    est = t.set_index(["group_value", "model"])
    print("\n" + t.loc[t["group_value"].isin(["Black", "Asian"]),
                       ["model_label", "group_value", "estimate", "lower", "upper",
                        "explained_by_block"]].round(3).to_string(index=False))
    for group in ("Black", "Asian"):
        before, after = est.loc[(group, 1), "estimate"], est.loc[(group, 2), "estimate"]
        assert abs(np.log(after)) < abs(np.log(before)), group
        assert est.loc[(group, 2), "explained_by_block"] > 0.1
        final = est.loc[(group, 4)]
        assert final["lower"] <= planted[group] <= final["upper"], group
    assert est.loc[("Black", 0), "lower"] > 1  # an unadjusted disparity to explain
