"""Tests for cohort.stats.cox and cohort.stats.concordance_index against R.

Reference data: R survival's ``veteran`` (Veterans' Administration lung cancer
trial, Kalbfleisch & Prentice 1980; 137 men, 128 deaths, tied times) and
``heart`` (Stanford heart transplant programme, Crowley & Hu 1977; 172
counting-process rows for 103 patients, 75 deaths), written to tests/stats/data
by tests/stats/reference/survival_cox.R, which prints every R value quoted here
(R 4.2.2, survival 3.5-3). The tie method is stated in both calls: R's coxph
defaults to Efron, cohort's cox to Breslow.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cohort.exceptions import SeparationWarning
from cohort.stats import concordance_index, cox

DATA = Path(__file__).parent / "data"
VETERAN = ["trt", "celltype", "karno", "age"]
HEART = ["age", "year", "surgery", "transplant"]


@pytest.fixture(scope="module")
def veteran():
    return pd.read_csv(DATA / "veteran.csv")


@pytest.fixture(scope="module")
def heart():
    return pd.read_csv(DATA / "heart.csv")


def _check_against_r(out, coefficients, model):
    """coefficients: rows (coef, se(coef), Pr(>|z|)); model: loglik (null, fitted),
    logtest, unrounded Wald, score test, concordance and its se, n, events."""
    r = np.array(coefficients)
    np.testing.assert_allclose(out["coefficient"], r[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(out["std_error"], r[:, 1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(out["p_value"], r[:, 2], rtol=1e-5)
    np.testing.assert_allclose(out["hazard_ratio"], np.exp(r[:, 0]), rtol=1e-6)
    first = out.iloc[0]
    df = len(r)
    assert first["df"] == df
    assert (first["log_likelihood_null"], first["log_likelihood"]) == pytest.approx(
        model["loglik"], abs=1e-6
    )
    assert first["lr_statistic"] == pytest.approx(model["logtest"][0], abs=1e-6)
    assert first["lr_p_value"] == pytest.approx(model["logtest"][1], rel=1e-6)
    assert first["wald_statistic"] == pytest.approx(model["wald"][0], abs=1e-6)
    assert first["wald_p_value"] == pytest.approx(model["wald"][1], rel=1e-6)
    assert first["score_statistic"] == pytest.approx(model["score"][0], abs=1e-6)
    assert first["score_p_value"] == pytest.approx(model["score"][1], rel=1e-6)
    assert first["concordance"] == pytest.approx(model["concordance"][0], abs=1e-9)
    assert first["concordance_std_error"] == pytest.approx(model["concordance"][1], abs=1e-9)
    assert (first["n"], first["events"]) == model["n"]


def test_cox_breslow_equals_r_coxph_summary(veteran):
    """R::

    vet$celltype <- relevel(factor(vet$celltype), ref = "squamous")
    fit <- coxph(Surv(time, status) ~ trt + celltype + karno + age, data = vet,
                 ties = "breslow")
    s <- summary(fit); print(s$coefficients)
                                  coef      exp(coef)         se(coef)               z          Pr(>|z|)
    trt                0.2976772550402 1.346727068358 0.20535997375355  1.449538824919 1.47187166029e-01
    celltypeadeno      1.1715211169735 3.226897395628 0.29629210706629  3.953939673160 7.68747999153e-05
    celltypelarge      0.4004285483347 1.492464153640 0.28252397714358  1.417325893481 1.56387668061e-01
    celltypesmallcell  0.8503661885996 2.340503760816 0.27122912427171  3.135231848287 1.71718338313e-03
    karno             -0.0324821109533 0.968039766985 0.00540526100674 -6.009351058677 1.86267394837e-09
    age               -0.0087205036457 0.991317409658 0.00922918789190 -0.944883097823 3.44718561511e-01
    loglik -505.883956283 -475.238106954           # fit$loglik
    logtest 61.2916986578 6 2.45874621639e-11      # s$logtest
    waldtest 61.64 6 2.08839212165e-11 unrounded 61.640152779   # s$waldtest, fit$wald.test
    sctest 65.8096651121 6 2.94770243442e-12       # s$sctest
    concordance 0.737960018174 0.0210999081418     # s$concordance
    n 137 events 128
    """
    out = cox(
        veteran, "time", "status", VETERAN, ties="breslow", reference={"celltype": "squamous"}
    )
    assert list(out["term"]) == [
        "trt", "celltype[adeno]", "celltype[large]", "celltype[smallcell]", "karno", "age",
    ]  # fmt: skip
    _check_against_r(
        out,
        [
            (0.2976772550402, 0.20535997375355, 1.47187166029e-01),
            (1.1715211169735, 0.29629210706629, 7.68747999153e-05),
            (0.4004285483347, 0.28252397714358, 1.56387668061e-01),
            (0.8503661885996, 0.27122912427171, 1.71718338313e-03),
            (-0.0324821109533, 0.00540526100674, 1.86267394837e-09),
            (-0.0087205036457, 0.00922918789190, 3.44718561511e-01),
        ],
        {
            "loglik": (-505.883956283, -475.238106954),
            "logtest": (61.2916986578, 2.45874621639e-11),
            "wald": (61.640152779, 2.08839212165e-11),
            "score": (65.8096651121, 2.94770243442e-12),
            "concordance": (0.737960018174, 0.0210999081418),
            "n": (137, 128),
        },
    )


def test_cox_efron_equals_r_coxph_summary(veteran):
    """R: the same model with ``ties = "efron"`` (R's default)::

                                   coef      exp(coef)         se(coef)              z          Pr(>|z|)
    trt                0.30304809512697 1.353979582696 0.20565590078700  1.47356868423 1.40597758186e-01
    celltypeadeno      1.17880702939424 3.250494144983 0.29644047773989  3.97653869128 6.99256261000e-05
    celltypelarge      0.40233219677004 1.495307986661 0.28254365090109  1.42396474133 1.54456678900e-01
    celltypesmallcell  0.85634037587266 2.354528219255 0.27132236351202  3.15617321325 1.59853900006e-03
    karno             -0.03268548274010 0.967842915026 0.00540884963363 -6.04296383780 1.51308577006e-09
    age               -0.00890316513148 0.991136350684 0.00922428318900 -0.96518774945 3.34450781780e-01
    loglik -505.449054918 -474.457790185
    logtest 61.9825294664 6 1.77877781001e-11
    waldtest 62.35 6 1.49457594832e-11 unrounded 62.35381987
    sctest 66.615357243 6 2.0173463305e-12
    concordance 0.73841435711 0.0210383832283
    """
    out = cox(veteran, "time", "status", VETERAN, ties="efron", reference={"celltype": "squamous"})
    _check_against_r(
        out,
        [
            (0.30304809512697, 0.20565590078700, 1.40597758186e-01),
            (1.17880702939424, 0.29644047773989, 6.99256261000e-05),
            (0.40233219677004, 0.28254365090109, 1.54456678900e-01),
            (0.85634037587266, 0.27132236351202, 1.59853900006e-03),
            (-0.03268548274010, 0.00540884963363, 1.51308577006e-09),
            (-0.00890316513148, 0.00922428318900, 3.34450781780e-01),
        ],
        {
            "loglik": (-505.449054918, -474.457790185),
            "logtest": (61.9825294664, 1.77877781001e-11),
            "wald": (62.35381987, 1.49457594832e-11),
            "score": (66.615357243, 2.0173463305e-12),
            "concordance": (0.73841435711, 0.0210383832283),
            "n": (137, 128),
        },
    )


def test_stratified_cox_equals_r(veteran):
    """R: ``coxph(Surv(time, status) ~ trt + karno + strata(prior), data = vet,
    ties = "breslow")``::

                          coef     exp(coef)        se(coef)              z          Pr(>|z|)
        trt    0.1993537258210 1.22061365211 0.1840713067313  1.08302445048 2.78797570485e-01
        karno -0.0329837491711 0.96755428302 0.0051210890665 -6.44076850506 1.18870061262e-10
        loglik -431.582602775 -411.340429427
        logtest 40.484346695 2 1.61784091118e-09
        waldtest 41.67 2 8.96474782157e-10 unrounded 41.665101905
        sctest 43.8560693248 2 2.99761288682e-10
        concordance 0.712761830877 0.024777142842
    """
    out = cox(veteran, "time", "status", ["trt", "karno"], ties="breslow", strata="prior")
    _check_against_r(
        out,
        [
            (0.1993537258210, 0.1840713067313, 2.78797570485e-01),
            (-0.0329837491711, 0.0051210890665, 1.18870061262e-10),
        ],
        {
            "loglik": (-431.582602775, -411.340429427),
            "logtest": (40.484346695, 1.61784091118e-09),
            "wald": (41.665101905, 8.96474782157e-10),
            "score": (43.8560693248, 2.99761288682e-10),
            "concordance": (0.712761830877, 0.024777142842),
            "n": (137, 128),
        },
    )


@pytest.mark.parametrize(
    ("ties", "coefficients", "model"),
    [
        (
            "breslow",
            [
                (0.0271520807645, 0.0137211312396, 0.0478327312201),
                (-0.1461157500026, 0.0704657060509, 0.0381190317327),
                (-0.6358434755982, 0.3672106957371, 0.0833538144523),
                (-0.0118958509638, 0.3136443767412, 0.9697452229559),
            ],
            {
                "loglik": (-298.325606736, -290.794534648),
                "logtest": (15.0621441776, 0.0045740463472),
                "wald": (14.4465910639, 0.00599802826085),
                "score": (14.9838964681, 0.00473473374073),
                "concordance": (0.635538836026, 0.0331208599582),
                "n": (172, 75),
            },
        ),
        (
            "efron",
            [
                (0.0271666409577, 0.0137141152103, 0.0475996254316),
                (-0.1463463456742, 0.0704679795189, 0.0378220587327),
                (-0.6372098899670, 0.3672259961803, 0.0827057040629),
                (-0.0102507724091, 0.3137547983375, 0.9739367229822),
            ],
            {
                "loglik": (-298.121355673, -290.565616218),
                "logtest": (15.111478909, 0.00447550038546),
                "wald": (14.4930452068, 0.00587686986603),
                "score": (15.034197913, 0.00463081142841),
                "concordance": (0.635760123921, 0.033079624557),
                "n": (172, 75),
            },
        ),
    ],
)
def test_counting_process_cox_equals_r(heart, ties, coefficients, model):
    """Delayed entry / time-varying transplant status as (start, stop] rows. R::

        coxph(Surv(start, stop, event) ~ age + year + surgery + transplant,
              data = hrt, ties = "breslow")     # and ties = "efron"
                               coef      exp(coef)        se(coef)                z        Pr(>|z|)
        age         0.0271520807645 1.027524057526 0.0137211312396  1.9788514729854 0.0478327312201
        year       -0.1461157500026 0.864057682717 0.0704657060509 -2.0735724963435 0.0381190317327
        surgery    -0.6358434755982 0.529488689123 0.3672106957371 -1.7315494428121 0.0833538144523
        transplant -0.0118958509638 0.988174624938 0.3136443767412 -0.0379278311552 0.9697452229559
        loglik -298.325606736 -290.794534648
        logtest 15.0621441776 4 0.0045740463472
        waldtest 14.45 4 0.00599802826085 unrounded 14.4465910639
        sctest 14.9838964681 4 0.00473473374073
        concordance 0.635538836026 0.0331208599582
        n 172 events 75

    (Efron: the values in the parameters above, from the same script.) statsmodels'
    PHReg alone counts a row as at risk at its entry time and gives age 0.02747:
    the test pins R's (start, stop] risk sets.
    """
    out = cox(heart, "stop", "event", HEART, ties=ties, entry="start")
    _check_against_r(out, coefficients, model)


def test_score_test_without_ties_is_the_log_rank_test(veteran):
    """With one binary covariate and no tied event times the Cox score test is
    the log-rank test (Therneau & Grambsch 2000, section 3.3), here scipy's
    ``logrank`` on the two treatment arms. Ties are broken by adding rank/1000
    to the tied times (with ties the two differ in the variance term)."""
    times = veteran["time"] + veteran.groupby("time").cumcount() / 1000
    df = veteran.assign(time=times)
    out = cox(df, "time", "status", ["trt"], ties="breslow").iloc[0]
    arm = df["trt"] == 2
    lr = stats.logrank(
        stats.CensoredData.right_censored(df.loc[arm, "time"], df.loc[arm, "status"] == 0),
        stats.CensoredData.right_censored(df.loc[~arm, "time"], df.loc[~arm, "status"] == 0),
    )
    assert out["score_statistic"] == pytest.approx(lr.statistic**2, rel=1e-9)
    assert out["score_p_value"] == pytest.approx(lr.pvalue, rel=1e-9)


def test_cox_rejects_entry_not_before_duration(heart):
    bad = heart.assign(start=heart["stop"])
    with pytest.raises(ValueError, match="earlier than 'stop'"):
        cox(bad, "stop", "event", ["age"], entry="start")


# --------------------------------------------------------------------------- concordance


@pytest.mark.parametrize(
    ("strata", "r_counts", "r_concordance", "r_se"),
    [
        (None, (1989, 5674, 1141), 0.290720127215, 0.0225587171917),
        ("prior", (1041 + 139, 2833 + 501, 550 + 92), 0.291117145074, 0.0257661772829),
    ],
)
def test_concordance_and_standard_error_equal_r(veteran, strata, r_counts, r_concordance, r_se):
    """R, a risk score where higher means an earlier event (``reverse = TRUE``)::

    cc <- concordance(Surv(time, status) ~ karno, data = vet, reverse = TRUE)
    concordant discordant     tied.x     tied.y    tied.xy
          1989       5674       1141         34          5
    concordance 0.290720127215 se 0.0225587171917       # sqrt(cc$var)
    cc <- concordance(Surv(time, status) ~ karno + strata(prior), data = vet,
                      reverse = TRUE)
         concordant discordant tied.x tied.y tied.xy
    [1,]       1041       2833    550     18       4
    [2,]        139        501     92      2       0
    concordance 0.291117145074 se 0.0257661772829
    """
    groups = None if strata is None else veteran[strata]
    out = concordance_index(veteran["time"], veteran["karno"], veteran["status"], groups=groups)
    row = out.iloc[0]
    assert (row["concordant"], row["discordant"], row["tied_risk"]) == r_counts
    assert row["comparable"] == sum(r_counts)
    assert row["concordance"] == pytest.approx(r_concordance, abs=1e-9)
    assert row["std_error"] == pytest.approx(r_se, abs=1e-9)


def test_concordance_with_delayed_entry_equals_r(heart):
    """R::

    cc <- concordance(Surv(start, stop, event) ~ age, data = hrt, reverse = TRUE)
    concordant discordant     tied.x     tied.y    tied.xy
          2600       1918          1         16          0
    concordance 0.575459172383 se 0.0377558490937
    """
    row = concordance_index(heart["stop"], heart["age"], heart["event"], entry=heart["start"]).iloc[
        0
    ]
    assert (row["concordant"], row["discordant"], row["tied_risk"]) == (2600, 1918, 1)
    assert row["concordance"] == pytest.approx(0.575459172383, abs=1e-9)
    assert row["std_error"] == pytest.approx(0.0377558490937, abs=1e-9)


def test_concordance_standard_error_is_the_jackknife_by_hand():
    """Times 1-4, risks 4, 3, 1, 2, the last censored. Comparable pairs (earlier
    event first): (1,2), (1,3), (1,4), (2,3), (2,4) concordant, (3,4) discordant:
    C = 5, D = 1, P = 6, Somers' d = 4/6, C-index 5/6. Per subject (C_i, D_i):
    (3, 0), (3, 0), (2, 1), (2, 1). Influence (C_i - D_i)/P - d (C_i + D_i)/P,
    SE = sqrt(sum of squares)/2 (R concordancefit)."""
    c_i = np.array([3, 3, 2, 2])
    d_i = np.array([0, 0, 1, 1])
    somers = 4 / 6
    influence = (c_i - d_i) / 6 - somers * (c_i + d_i) / 6
    expected = np.sqrt(np.sum(influence**2)) / 2
    row = concordance_index([1, 2, 3, 4], [4, 3, 1, 2], [1, 1, 1, 0]).iloc[0]
    assert row["concordance"] == pytest.approx(5 / 6)
    assert row["std_error"] == pytest.approx(expected, rel=1e-12)


def test_monotone_likelihood_is_flagged():
    """Everyone with x = 1 has the event before anyone with x = 0 is at risk
    alone, so the partial likelihood increases for ever in beta (Bryson &
    Johnson 1981). R::

        coxph(Surv(t, e) ~ x, data = data.frame(t = 1:6, e = c(1, 1, 1, 0, 0, 0),
              x = c(1, 1, 1, 0, 0, 0)), ties = "breslow")
        Warning: Ran out of iterations and did not converge
               coef exp(coef)  se(coef)     z     p
        x 2.194e+01 3.381e+09 2.480e+04 0.001 0.999
    """
    df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 0, 0], "x": [1, 1, 1, 0, 0, 0]})
    with pytest.warns(SeparationWarning, match=r"\['x'\].*may be infinite"):
        out = cox(df, "t", "e", ["x"]).iloc[0]
    assert out["coefficient"] > 15 and out["std_error"] > 1e3


def test_small_tied_data_converge_where_full_newton_steps_fail():
    """All ten times tied at 1, events for one x = 0 and the one x = 1 person:
    the Breslow partial likelihood is exp(b) / (9 + exp(b))^2, maximised at
    b = log 9 with information 18 * 9 / 18^2 = 0.5, so SE = sqrt(2) (by hand).
    R ``coxph(..., ties = "breslow")``: coef 2.197224577, se 1.414213562.
    (statsmodels' PHReg.fit raises a singular-matrix error here.)"""
    df = pd.DataFrame({"t": [1.0] * 10, "e": [0] * 8 + [1, 1], "x": [0] * 9 + [1]})
    out = cox(df, "t", "e", ["x"], ties="breslow").iloc[0]
    assert out["coefficient"] == pytest.approx(np.log(9), abs=1e-6)
    assert out["std_error"] == pytest.approx(np.sqrt(2), abs=1e-6)
