"""Tests for cohort.stats.logistic against R's glm and confint.

Reference data: R's ``datasets::infert`` (Trichopoulos et al. 1976, secondary
infertility after abortion; 248 women, 83 cases), written to
tests/stats/data/infert.csv by tests/stats/reference/logistic_infert.R, which
also prints every R value quoted below (R 4.2.2, MASS 7.3-58.2).
"""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cohort.exceptions import SeparationWarning, SmallCountWarning
from cohort.stats import LogisticResult, logistic

DATA = Path(__file__).parent / "data"
COVARIATES = ["age", "parity", "education", "spontaneous", "induced"]
TERMS = [
    "(Intercept)",
    "age",
    "parity",
    "education[0-5yrs]",
    "education[12+ yrs]",
    "spontaneous",
    "induced",
]


@pytest.fixture(scope="module")
def infert():
    return pd.read_csv(DATA / "infert.csv")


@pytest.fixture(scope="module")
def infert_fit(infert):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)  # 0-5yrs: 4 cases of 12
        return logistic(infert, "case", COVARIATES, reference={"education": "6-11yrs"})


def test_coefficients_and_standard_errors_equal_r_glm(infert_fit):
    """R::

        d$education <- relevel(factor(d$education), ref = "6-11yrs")
        fit <- glm(case ~ age + parity + education + spontaneous + induced,
                   data = d, family = binomial())
        fit14 <- update(fit, control = glm.control(epsilon = 1e-14, maxit = 100))
        print(coef(summary(fit14)))   # options(digits = 12)
                                 Estimate      Std. Error        z value          Pr(>|z|)
        (Intercept)      -2.1934801193181 1.0987534212123 -1.99633518947 4.58974501682e-02
        age               0.0395820016977 0.0312028090607  1.26853968887 2.04605286656e-01
        parity           -0.8282773822931 0.1964938941234 -4.21528305492 2.49465102242e-05
        education0-5yrs   1.0442435837275 0.7925590697067  1.31755931342 1.87651213237e-01
        education12+ yrs -0.3589615057488 0.3341812109640 -1.07415226821 2.82754441451e-01
        spontaneous       2.0459050216801 0.3101633246601  6.59621837599 4.21777537927e-11
        induced           1.2887573809390 0.3014661869563  4.27496494367 1.91167371956e-05

    With R's default control (``print(coef(summary(fit)))``, 4 Fisher scoring
    iterations) the estimates agree to 3e-9 but the standard errors are::

        1.0987427430963 0.0312025330642 0.1964894921449 0.7925497626709
        0.3341778937920 0.3101565211575 0.3014601927761

    because glm.fit stops at a relative deviance change below 1e-8 and takes the
    information from the weights of the iterate before the last; they are within
    1.1e-5 of the information at the maximum, which cohort reports.
    """
    r = pd.DataFrame(
        [
            (-2.1934801193181, 1.0987534212123, -1.99633518947, 4.58974501682e-02),
            (0.0395820016977, 0.0312028090607, 1.26853968887, 2.04605286656e-01),
            (-0.8282773822931, 0.1964938941234, -4.21528305492, 2.49465102242e-05),
            (1.0442435837275, 0.7925590697067, 1.31755931342, 1.87651213237e-01),
            (-0.3589615057488, 0.3341812109640, -1.07415226821, 2.82754441451e-01),
            (2.0459050216801, 0.3101633246601, 6.59621837599, 4.21777537927e-11),
            (1.2887573809390, 0.3014661869563, 4.27496494367, 1.91167371956e-05),
        ],
        columns=["coefficient", "std_error", "z", "p_value"],
    )
    r_default_se = [1.0987427430963, 0.0312025330642, 0.1964894921449, 0.7925497626709,
                    0.3341778937920, 0.3101565211575, 0.3014601927761]  # fmt: skip
    c = infert_fit.coefficients
    assert list(c["term"]) == TERMS
    np.testing.assert_allclose(c["coefficient"], r["coefficient"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(c["std_error"], r["std_error"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(c["z"], r["z"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(c["p_value"], r["p_value"], rtol=1e-6)
    np.testing.assert_allclose(c["std_error"], r_default_se, rtol=0, atol=1.1e-5)
    assert pd.isna(c["variable"][0]) and pd.isna(c["category"][0])
    assert list(c["variable"][1:]) == [*COVARIATES[:3], "education", *COVARIATES[3:]]
    assert list(c["category"][3:5]) == ["0-5yrs", "12+ yrs"]
    assert list(c["reference"][3:5]) == ["6-11yrs", "6-11yrs"]


def test_model_fit_equals_r_glm(infert_fit):
    """R (same fit)::

        cat("deviance", deviance(fit), "null", fit$null.deviance, "AIC", AIC(fit),
            "logLik", as.numeric(logLik(fit)), "BIC", BIC(fit), "\\n")
        deviance 257.797690206 null 316.171110816 AIC 271.797690206
        logLik -128.898845103 BIC 296.391691429

    and from ``summary(fit)``: 241 residual and 247 null degrees of freedom.
    The likelihood-ratio test is null minus residual deviance on 6 df.
    """
    f = infert_fit.fit
    assert f["deviance"] == pytest.approx(257.797690206, abs=1e-6)
    assert f["null_deviance"] == pytest.approx(316.171110816, abs=1e-6)
    assert f["aic"] == pytest.approx(271.797690206, abs=1e-6)
    assert f["log_likelihood"] == pytest.approx(-128.898845103, abs=1e-6)
    assert f["bic"] == pytest.approx(296.391691429, abs=1e-6)
    assert (f["n"], f["events"], f["df_residual"], f["df_null"]) == (248, 83, 241, 247)
    assert f["lr_statistic"] == pytest.approx(316.171110816 - 257.797690206, abs=1e-6)
    assert f["lr_df"] == 6
    assert f["lr_p_value"] == pytest.approx(stats.chi2.sf(58.37342061, 6), rel=1e-6)
    assert f["converged"] and f["separation"] == "none" and f["n_dropped"] == 0


def test_wald_limits_equal_r_confint_default(infert_fit):
    """R: ``print(confint.default(fit14))`` (the converged fit above)::

                                2.5 %           97.5 %
    (Intercept)      -4.3469972527844 -0.0399629858518
    age              -0.0215743802777  0.1007383836731
    parity           -1.2133983379570 -0.4431564266293
    education0-5yrs  -0.5091436485182  2.5976308159731
    education12+ yrs -1.0139446435482  0.2960216320506
    spontaneous       1.4379960760211  2.6538139673392
    induced           0.6978945119479  1.8796202499300
    """
    lower = [-4.3469972527844, -0.0215743802777, -1.2133983379570, -0.5091436485182,
             -1.0139446435482, 1.4379960760211, 0.6978945119479]  # fmt: skip
    upper = [-0.0399629858518, 0.1007383836731, -0.4431564266293, 2.5976308159731,
             0.2960216320506, 2.6538139673392, 1.8796202499300]  # fmt: skip
    c = infert_fit.coefficients
    np.testing.assert_allclose(c["wald_lower"], lower, rtol=0, atol=1e-6)
    np.testing.assert_allclose(c["wald_upper"], upper, rtol=0, atol=1e-6)
    np.testing.assert_allclose(c["or_wald_lower"], np.exp(lower), rtol=1e-6)
    np.testing.assert_allclose(c["or_wald_upper"], np.exp(upper), rtol=1e-6)
    np.testing.assert_allclose(c["odds_ratio"], np.exp(c["coefficient"]), rtol=1e-12)


def test_profile_limits_equal_r_confint_and_exact_roots(infert_fit):
    """R ``print(confint(fit))`` (MASS ``profile.glm``, which evaluates the
    profile on a grid and interpolates the limits with a spline)::

                                    2.5 %          97.5 %
        (Intercept)      -4.3947485330678 -0.068709290164
        age              -0.0211157972078  0.101709561896
        parity           -1.2334867884616 -0.460017125043
        education0-5yrs  -0.5559976453037  2.613490215838
        education12+ yrs -1.0219410085023  0.292372131585
        spontaneous       1.4658207943946  2.686444817443
        induced           0.7156219867672  1.902736310969

    and the exact roots of :math:`D_j(b) - D = \\chi^2_{1,0.95}` found in R by
    ``uniroot`` on ``glm.fit`` with the coefficient as an offset
    (``profile_roots`` in reference/logistic_infert.R)::

                                     [,1]             [,2]
        (Intercept)      -4.3946637364589 -0.0686939889963
        age              -0.0211157088196  0.1017074449380
        parity           -1.2334818652675 -0.4600137425350
        education0-5yrs  -0.5558817568004  2.6133950802099
        education12+ yrs -1.0219225034912  0.2923709840330
        spontaneous       1.4658197258498  2.6864332596841
        induced           0.7156078023708  1.9027201352099

    cohort finds the exact roots, so it equals R's uniroot to 1e-6 and R's
    interpolated confint to its interpolation error: at most 1.2e-4 here
    (education0-5yrs lower limit), hence the 1.5e-4 tolerance.
    """
    confint = np.array(
        [
            (-4.3947485330678, -0.068709290164),
            (-0.0211157972078, 0.101709561896),
            (-1.2334867884616, -0.460017125043),
            (-0.5559976453037, 2.613490215838),
            (-1.0219410085023, 0.292372131585),
            (1.4658207943946, 2.686444817443),
            (0.7156219867672, 1.902736310969),
        ]
    )
    roots = np.array(
        [
            (-4.3946637364589, -0.0686939889963),
            (-0.0211157088196, 0.1017074449380),
            (-1.2334818652675, -0.4600137425350),
            (-0.5558817568004, 2.6133950802099),
            (-1.0219225034912, 0.2923709840330),
            (1.4658197258498, 2.6864332596841),
            (0.7156078023708, 1.9027201352099),
        ]
    )
    c = infert_fit.coefficients
    mine = c[["profile_lower", "profile_upper"]].to_numpy()
    np.testing.assert_allclose(mine, roots, rtol=0, atol=1e-6)
    np.testing.assert_allclose(mine, confint, rtol=0, atol=1.5e-4)
    np.testing.assert_allclose(
        c[["or_profile_lower", "or_profile_upper"]].to_numpy(), np.exp(roots), rtol=1e-6
    )


def test_profile_of_some_covariates_gives_their_r_limits_only(infert):
    """``profile=["education"]`` profiles the education terms alone: their limits are R's
    uniroot roots quoted in the test above (rows education0-5yrs and education12+ yrs), to
    1e-6; the other terms' profile limits are left NaN (a model adjusted for 150
    authorities is profiled only where its interval is read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        fit = logistic(infert, "case", COVARIATES, reference={"education": "6-11yrs"}, profile=["education"])
    c = fit.coefficients.set_index("term")
    roots = {"education[0-5yrs]": (-0.5558817568004, 2.6133950802099),
             "education[12+ yrs]": (-1.0219225034912, 0.2923709840330)}
    for term, (lo, hi) in roots.items():
        assert c.loc[term, "profile_lower"] == pytest.approx(lo, abs=1e-6)
        assert c.loc[term, "profile_upper"] == pytest.approx(hi, abs=1e-6)
    others = c.drop(index=list(roots))
    assert others[["profile_lower", "profile_upper"]].isna().all().all()
    with pytest.raises(ValueError, match="not covariates"):
        logistic(infert, "case", COVARIATES, profile=["ethnicity"])


def test_profile_limits_of_a_model_with_many_area_terms():
    """A custody model adjusted for 40 areas (indicator columns: the refits use a sparse
    design) against R, ``tests/stats/reference/logistic_many_areas.R``::

        fit <- glm(custody ~ group + gravity + area, data = d, family = binomial())
        coef(summary(fit))[c("groupAsian", "groupBlack"), ]
                         Estimate     Std. Error        z value          Pr(>|z|)
        groupAsian 0.227357100115 0.237579734580 0.956971774198 0.338581501833052
        groupBlack 0.798860538008 0.204472132389 3.906940905228 0.000093472002401
        profile_roots(fit, d$custody, c("groupAsian", "groupBlack"))   # uniroot, as above
                              [,1]           [,2]
        groupAsian -0.249940342271 0.683981056288
        groupBlack  0.394769298877 1.197576539394
    """
    d = pd.read_csv(DATA / "many_areas.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        fit = logistic(d, "custody", ["group", "gravity", "area"], reference={"group": "White"},
                       profile=["group"])
    c = fit.coefficients.set_index("term")
    expected = {"group[Asian]": (0.227357100115, 0.237579734580, -0.249940342271, 0.683981056288),
                "group[Black]": (0.798860538008, 0.204472132389, 0.394769298877, 1.197576539394)}
    for term, (b, se, lo, hi) in expected.items():
        assert c.loc[term, "coefficient"] == pytest.approx(b, abs=1e-6)
        assert c.loc[term, "std_error"] == pytest.approx(se, abs=1e-6)
        assert c.loc[term, "profile_lower"] == pytest.approx(lo, abs=1e-6)
        assert c.loc[term, "profile_upper"] == pytest.approx(hi, abs=1e-6)


def test_profile_limit_is_where_the_likelihood_ratio_statistic_is_critical(infert):
    """Definition check, independent of R: refitting with parity fixed at each
    profile limit (as a constant column moved into the outcome's offset, by
    statsmodels GLM) raises the deviance by exactly chi2(0.95, 1) = 3.841459."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        fit = logistic(infert, "case", ["age", "parity", "spontaneous", "induced"])
    row = fit.coefficients.set_index("term").loc["parity"]
    X = sm.add_constant(infert[["age", "spontaneous", "induced"]].astype(float))
    for b in (row["profile_lower"], row["profile_upper"]):
        restricted = sm.GLM(
            infert["case"], X, family=sm.families.Binomial(), offset=b * infert["parity"]
        ).fit(tol=1e-12)
        rise = restricted.deviance - fit.fit["deviance"]
        assert rise == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-7)


def test_cells_count_each_level_and_flag_sparse_ones(infert, infert_fit):
    """Cells by hand: education 6-11yrs 120 women (40 cases), 0-5yrs 12 (4),
    12+ yrs 116 (39) (``table(infert$education, infert$case)`` in R)."""
    cells = infert_fit.cells.set_index("level")
    assert cells.loc["6-11yrs", ["n", "events", "non_events"]].tolist() == [120, 40, 80]
    assert cells.loc["0-5yrs", ["n", "events", "non_events"]].tolist() == [12, 4, 8]
    assert cells.loc["12+ yrs", ["n", "events", "non_events"]].tolist() == [116, 39, 77]
    assert cells["reference"].tolist() == [True, False, False]
    assert cells["sparse"].tolist() == [False, True, False]
    sparse = infert_fit.coefficients.set_index("term")["sparse"]
    assert sparse["education[0-5yrs]"] and not sparse["education[12+ yrs]"]
    with pytest.warns(SmallCountWarning, match="education=0-5yrs: 4 events, 8 non-events"):
        logistic(infert, "case", ["education"])


QUASI = pd.DataFrame(
    {
        "custody": [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        "group": list("AAAAAAABBBBBBBCCCCCC"),
        "gravity": [3, 2, 1, 5, 2, 4, 3, 2, 3, 4, 6, 2, 1, 5, 4, 2, 6, 1, 3, 5],
    }
)


def test_quasi_complete_separation_is_detected_and_finite_terms_equal_r():
    """No child in group C has the outcome, so the MLE of group[C] is -inf.

    R::

        qfit <- glm(custody ~ group + gravity, data = q, family = binomial())
        Warning message: glm.fit: fitted probabilities numerically 0 or 1 occurred
        print(coef(summary(qfit)))
                        Estimate       Std. Error           z value        Pr(>|z|)
        (Intercept)  -4.012065180863    2.20080360023 -1.82300009889638 0.0683033759135
        groupB        0.517930644992    1.40706941284  0.36809175174110 0.7128048209598
        groupC      -21.306708987074 3553.56945081360 -0.00599586114243 0.9952160236300
        gravity       1.273240469940    0.67722032016  1.88009785299795 0.0600947430446

    (R's groupC estimate is where its iterations stopped.) Exact profile limits
    by uniroot (reference/logistic_infert.R)::

        groupC upper profile limit -1.55515776255
                       [,1]          [,2]
        groupB  -2.306374730579 3.60073044761
        gravity  0.236198555075 3.09814167773
    """
    with (
        pytest.warns(SeparationWarning, match=r"quasi-complete.*\['group\[C\]'\]"),
        pytest.warns(SmallCountWarning, match="group=C: 0 events, 6 non-events"),
    ):
        fit = logistic(QUASI, "custody", ["group", "gravity"])
    c = fit.coefficients.set_index("term")
    assert fit.fit["separation"] == "quasi-complete"
    assert c["separation"].tolist() == [False, False, True, False]
    for term, (b, se) in {
        "(Intercept)": (-4.012065180863, 2.20080360023),
        "group[B]": (0.517930644992, 1.40706941284),
        "gravity": (1.273240469940, 0.67722032016),
    }.items():
        assert (c.loc[term, "coefficient"], c.loc[term, "std_error"]) == pytest.approx(
            (b, se), abs=1e-6
        )
    assert c.loc["group[C]", "profile_lower"] == -math.inf
    assert c.loc["group[C]", "or_profile_lower"] == 0.0
    assert c.loc["group[C]", "profile_upper"] == pytest.approx(-1.55515776255, abs=1e-6)
    assert (c.loc["group[B]", "profile_lower"], c.loc["group[B]", "profile_upper"]) == (
        pytest.approx((-2.306374730579, 3.60073044761), abs=1e-6)
    )
    assert (c.loc["gravity", "profile_lower"], c.loc["gravity", "profile_upper"]) == (
        pytest.approx((0.236198555075, 3.09814167773), abs=1e-6)
    )
    cells = fit.cells.set_index("level")
    assert cells.loc["C", ["n", "events", "non_events", "sparse"]].tolist() == [6, 0, 6, True]


def test_complete_separation_is_detected():
    """x = 1..6 with outcome 0,0,0,1,1,1: x > 3.5 predicts the outcome exactly
    (complete separation, Albert & Anderson 1984); both coefficients diverge
    and the slope's profile interval is unbounded above."""
    df = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "x": [1, 2, 3, 4, 5, 6]})
    with pytest.warns(SeparationWarning, match="complete separation"):
        fit = logistic(df, "y", ["x"])
    assert fit.fit["separation"] == "complete"
    assert fit.coefficients["separation"].tolist() == [True, True]
    slope = fit.coefficients.iloc[1]
    assert slope["profile_upper"] == math.inf and np.isfinite(slope["profile_lower"])
    assert fit.fit["deviance"] < 1e-6


def test_no_separation_with_overlap():
    """One tied pattern with both outcomes (x = 3) breaks the separation."""
    df = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 1, 0], "x": [1, 2, 3, 4, 5, 6, 3, 4]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        fit = logistic(df, "y", ["x"])
    assert fit.fit["separation"] == "none"
    assert np.isfinite(fit.coefficients[["profile_lower", "profile_upper"]].to_numpy()).all()


def test_contract_inputs_and_errors(infert):
    before = infert.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        fit = logistic(infert, "case", ["age", "education"], profile=False)
    pd.testing.assert_frame_equal(infert, before)
    assert isinstance(fit, LogisticResult)
    assert list(fit.coefficients.columns) == [
        "term", "variable", "category", "reference", "coefficient", "std_error", "z",
        "p_value", "wald_lower", "wald_upper", "profile_lower", "profile_upper", "odds_ratio",
        "or_wald_lower", "or_wald_upper", "or_profile_lower", "or_profile_upper",
        "confidence", "separation", "sparse",
    ]  # fmt: skip
    assert fit.coefficients["profile_lower"].isna().all()
    assert list(fit.coefficients["term"][2:]) == ["education[12+ yrs]", "education[6-11yrs]"]
    assert fit.fitted.index.equals(infert.index)
    eta = fit.fitted["linear_predictor"]
    np.testing.assert_allclose(fit.fitted["probability"], 1 / (1 + np.exp(-eta)), rtol=1e-12)
    assert "n=248, events=83" in repr(fit)
    # a boolean outcome is the same as 0/1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        as_bool = logistic(infert.assign(case=infert["case"] == 1), "case", ["age"])
    plain = logistic(infert, "case", ["age"])
    np.testing.assert_allclose(
        as_bool.coefficients["coefficient"], plain.coefficients["coefficient"], rtol=1e-12
    )

    with pytest.raises(ValueError, match="reference level 'none' of 'education'.*'0-5yrs'"):
        logistic(infert, "case", ["education"], reference={"education": "none"})
    with pytest.raises(ValueError, match="not covariates: \\['sex'\\]"):
        logistic(infert, "case", ["age"], reference={"sex": "F"})
    with pytest.raises(ValueError, match="not found"):
        logistic(infert, "case", ["weight"])
    with pytest.raises(ValueError, match="list of column names"):
        logistic(infert, "case", "age")
    with pytest.raises(ValueError, match="0/1 or boolean"):
        logistic(infert, "parity", ["age"])
    with pytest.raises(ValueError, match="0 events in 248 rows"):
        logistic(infert.assign(case=0), "case", ["age"])
    with pytest.raises(ValueError, match="aliased"):
        logistic(infert.assign(age2=2 * infert["age"]), "case", ["age", "age2"])
    with pytest.raises(ValueError, match="'raise', 'drop'"):
        logistic(infert, "case", ["age"], missing="ignore")


def test_missing_rows_raise_or_are_dropped(infert):
    holey = infert.astype({"age": float})
    holey.loc[[0, 5, 9], "age"] = np.nan
    with pytest.raises(ValueError, match="missing values: \\['age'\\]"):
        logistic(holey, "case", ["age"])
    dropped = logistic(holey, "case", ["age"], missing="drop")
    kept = logistic(infert.drop(index=[0, 5, 9]), "case", ["age"])
    assert dropped.fit["n_dropped"] == 3 and dropped.fit["n"] == 245
    np.testing.assert_allclose(
        dropped.coefficients["coefficient"], kept.coefficients["coefficient"], rtol=1e-12
    )
    assert dropped.fitted.index.equals(kept.fitted.index)


def test_numeric_column_named_in_reference_is_categorical(infert):
    """``reference={"induced": 0}`` makes induced (0, 1, 2) a factor, as R's
    ``factor(induced)``: terms induced[1] and induced[2] against 0; the fit of a
    single factor is saturated, so the odds ratios equal the 2x2 odds ratios
    computed by hand from the cells."""
    fit = logistic(infert, "case", ["induced"], reference={"induced": 0})
    c = fit.coefficients.set_index("term")
    assert list(c.index) == ["(Intercept)", "induced[1]", "induced[2]"]
    cells = fit.cells.set_index("level")
    odds = cells["events"] / cells["non_events"]
    assert c.loc["induced[1]", "odds_ratio"] == pytest.approx(odds[1] / odds[0], rel=1e-9)
    assert c.loc["induced[2]", "odds_ratio"] == pytest.approx(odds[2] / odds[0], rel=1e-9)
    assert c.loc["(Intercept)", "coefficient"] == pytest.approx(math.log(odds[0]), rel=1e-9)
