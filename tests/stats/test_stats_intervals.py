"""Tests for cohort.stats.intervals against independent reference values.

Sources of the expected numbers, stated per test:
- METHODS.md (project shared methods notes), sections 4, 5 and 6: worked numbers
  copied here with their section, because the package must never read that file;
- published tables (Newcombe 1998a, 1998b);
- hand calculations of the formulas written out in the test;
- the defining property of an exact interval (tail probabilities at the limits).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from cohort.exceptions import SmallCountWarning
from cohort.stats import (
    odds_ratio,
    proportion_ci,
    proportion_difference,
    rate_ci,
    rate_ratio,
)

INTERVAL_COLUMNS = [
    "numerator",
    "denominator",
    "estimate",
    "lower",
    "upper",
    "method",
    "confidence",
]
COMPARISON_COLUMNS = [*INTERVAL_COLUMNS, "reference_numerator", "reference_denominator", "p_value"]
Z95 = 1.959963984540054


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    """Counts of 0 and n must be handled without numpy warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# --------------------------------------------------------------------------- proportions


@pytest.mark.parametrize(
    ("count", "n", "lower", "upper"),
    [
        (0, 12, 0.0, 0.242),  # METHODS.md s5: "0/12 gives 0-24.2%"
        (3, 12, 0.089, 0.532),  # METHODS.md s5: "3/12 gives 8.9%-53.2%"
        (37, 100, 0.282, 0.468),  # METHODS.md s5: "37/100 gives 28.2%-46.8%"
        (70, 200, 0.287, 0.418),  # issue 3 brief: 70/200 -> 28.7-41.8%
    ],
)
def test_wilson_matches_methods_worked_numbers(count, n, lower, upper):
    row = proportion_ci(count, n).iloc[0]
    assert row["lower"] == pytest.approx(lower, abs=5e-4)
    assert row["upper"] == pytest.approx(upper, abs=5e-4)
    assert row["estimate"] == pytest.approx(count / n, abs=1e-12)


def test_wilson_and_clopper_pearson_match_newcombe_1998a_table():
    """Newcombe (1998a) Stat Med 17:857, Table I: method 3 (Wilson score, no
    continuity correction) and method 5 (Clopper-Pearson), to 4 dp."""
    counts, ns = [81, 15, 0, 1], [263, 148, 20, 29]
    wilson = proportion_ci(counts, ns, method="wilson")
    exact = proportion_ci(counts, ns, method="clopper-pearson")
    assert wilson["lower"].to_numpy() == pytest.approx([0.2553, 0.0624, 0.0, 0.0061], abs=5e-5)
    assert wilson["upper"].to_numpy() == pytest.approx([0.3662, 0.1605, 0.1611, 0.1718], abs=5e-5)
    assert exact["lower"].to_numpy() == pytest.approx([0.2527, 0.0578, 0.0, 0.0009], abs=5e-5)
    assert exact["upper"].to_numpy() == pytest.approx([0.3676, 0.1617, 0.1684, 0.1776], abs=5e-5)


def test_wilson_matches_hand_formula():
    """Hand calculation: [2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))] / [2(n + z^2)]."""
    x = np.array([0, 1, 5, 17, 49, 50], dtype=float)
    n = np.array([50, 50, 50, 50, 50, 50], dtype=float)
    root = Z95 * np.sqrt(Z95**2 + 4 * x * (1 - x / n))
    lower = (2 * x + Z95**2 - root) / (2 * (n + Z95**2))
    upper = (2 * x + Z95**2 + root) / (2 * (n + Z95**2))
    out = proportion_ci(x, n)
    assert out["lower"].to_numpy() == pytest.approx(np.clip(lower, 0, 1), abs=1e-12)
    assert out["upper"].to_numpy() == pytest.approx(np.clip(upper, 0, 1), abs=1e-12)


def test_clopper_pearson_matches_scipy_binomtest():
    for x, n in [(0, 7), (3, 12), (12, 12), (45, 94)]:
        ref = stats.binomtest(x, n).proportion_ci(confidence_level=0.9, method="exact")
        row = proportion_ci(x, n, method="clopper-pearson", level=0.9).iloc[0]
        assert row["lower"] == pytest.approx(ref.low, abs=1e-10)
        assert row["upper"] == pytest.approx(ref.high, abs=1e-10)


def test_jeffreys_is_beta_quantiles_with_boundary_rule():
    """Jeffreys: Beta(x + 1/2, n - x + 1/2) quantiles; lower 0 at x = 0 and upper 1
    at x = n (Brown, Cai & DasGupta 2001, section 4.1.2)."""
    x, n = np.array([0, 4, 20]), np.array([20, 20, 20])
    out = proportion_ci(x, n, method="jeffreys")
    assert out["lower"].iloc[0] == 0.0
    assert out["upper"].iloc[2] == 1.0
    assert out["lower"].iloc[1] == pytest.approx(stats.beta.ppf(0.025, 4.5, 16.5), abs=1e-12)
    assert out["upper"].iloc[1] == pytest.approx(stats.beta.ppf(0.975, 4.5, 16.5), abs=1e-12)
    assert out["upper"].iloc[0] == pytest.approx(stats.beta.ppf(0.975, 0.5, 20.5), abs=1e-12)


def test_proportion_ci_contract_and_index():
    counts = pd.Series([2, 0], index=pd.Index(["Sefton", "Wirral"], name="authority"))
    out = proportion_ci(counts, pd.Series([70, 94], index=counts.index))
    assert list(out.columns) == INTERVAL_COLUMNS
    assert out.index.equals(counts.index)
    assert (out["method"] == "wilson").all() and (out["confidence"] == 0.95).all()


def test_proportion_ci_undefined_and_missing_rows_are_nan():
    out = proportion_ci([0, np.nan, 3], [0, 10, 10])
    assert out.loc[[0, 1], ["estimate", "lower", "upper"]].isna().all().all()
    assert out.loc[2, "lower"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "wald"}, "'wilson', 'clopper-pearson', 'jeffreys'"),
        ({"method": "wils"}, "got 'wils'"),  # no forgiving prefix matching
        ({"level": 95}, "level"),
    ],
)
def test_proportion_ci_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        proportion_ci(3, 12, **kwargs)


def test_proportion_ci_rejects_impossible_counts_and_misaligned_series():
    with pytest.raises(ValueError, match="must not exceed"):
        proportion_ci(13, 12)
    with pytest.raises(ValueError, match="non-negative"):
        proportion_ci(-1, 12)
    with pytest.raises(ValueError, match="index"):
        proportion_ci(pd.Series([1, 2], index=[0, 1]), pd.Series([5, 5], index=[1, 2]))


METHODS_P = st.sampled_from(["wilson", "clopper-pearson", "jeffreys"])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(n=st.integers(1, 2000), frac=st.floats(0, 1), method=METHODS_P)
def test_proportion_limits_are_ordered_and_inside_unit_interval(n, frac, method):
    x = round(frac * n)
    row = proportion_ci(x, n, method=method).iloc[0]
    assert 0.0 <= row["lower"] <= row["estimate"] <= row["upper"] <= 1.0


@settings(max_examples=100, deadline=None, derandomize=True)
@given(n=st.integers(1, 500), frac=st.floats(0, 1), method=METHODS_P)
def test_proportion_intervals_widen_with_level(n, frac, method):
    x = round(frac * n)
    out = proportion_ci([x] * 3, [n] * 3, method=method, level=0.9)
    wider = proportion_ci([x] * 3, [n] * 3, method=method, level=0.99)
    assert (wider["lower"] <= out["lower"] + 1e-12).all()
    assert (wider["upper"] >= out["upper"] - 1e-12).all()
    assert ((wider["upper"] - wider["lower"]) > (out["upper"] - out["lower"])).all()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(n=st.integers(1, 300), frac=st.floats(0, 1), m=st.integers(2, 10), method=METHODS_P)
def test_proportion_intervals_narrow_as_n_grows(n, frac, m, method):
    """Same observed proportion, m times the sample: a narrower interval."""
    x = round(frac * n)
    small = proportion_ci(x, n, method=method).iloc[0]
    large = proportion_ci(m * x, m * n, method=method).iloc[0]
    assert large["upper"] - large["lower"] < small["upper"] - small["lower"]


# --------------------------------------------------------------------------- rates


def test_rate_ci_matches_methods_worked_numbers():
    """METHODS.md s5 / issue 3: 45/25,000 -> 180.0 per 100k (131.3-240.9, Byar);
    7 -> 28.0 (11.3-57.7, exact); 0 -> upper 14.8 (exact)."""
    out = rate_ci([45, 7, 0], 25_000)
    assert out["estimate"].to_numpy() == pytest.approx([180.0, 28.0, 0.0], abs=1e-9)
    assert out["lower"].to_numpy() == pytest.approx([131.3, 11.3, 0.0], abs=0.05)
    assert out["upper"].to_numpy() == pytest.approx([240.9, 57.7, 14.8], abs=0.05)
    assert list(out["method"]) == ["byar", "exact", "exact"]
    assert list(out.columns) == INTERVAL_COLUMNS


def test_custody_rate_per_thousand():
    """Issue 3 brief: custody 6/25,000 = 0.24 per 1,000 (0.088-0.522)."""
    row = rate_ci(6, 25_000, per=1_000).iloc[0]
    assert row["estimate"] == pytest.approx(0.24, abs=1e-12)
    assert row["lower"] == pytest.approx(0.088, abs=5e-4)
    assert row["upper"] == pytest.approx(0.522, abs=5e-4)


def test_byar_matches_hand_formula():
    """Byar: O(1 - 1/(9O) - z/(3 sqrt O))^3 and (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3."""
    o = 45.0
    lower = o * (1 - 1 / (9 * o) - Z95 / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * np.sqrt(o + 1))) ** 3
    row = rate_ci(o, 1, per=1, method="byar").iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper), abs=1e-10)


def test_exact_poisson_limits_have_the_defining_tail_probabilities():
    """At the exact limits mu_L, mu_U: P(X >= O | mu_L) = P(X <= O | mu_U) = alpha/2."""
    counts = np.array([1, 3, 9, 25])
    out = rate_ci(counts, 1, per=1, method="exact", level=0.9)
    assert stats.poisson.sf(counts - 1, out["lower"]) == pytest.approx(0.05, abs=1e-9)
    assert stats.poisson.cdf(counts, out["upper"]) == pytest.approx(0.05, abs=1e-9)


def test_phe_rule_switches_at_ten_and_byar_is_close_to_exact():
    """PHE technical guide: Byar's 95% interval is within 0.2% of exact from O = 10."""
    counts = np.arange(0, 300)
    out = rate_ci(counts, 1, per=1)
    assert (out["method"] == np.where(counts >= 10, "byar", "exact")).all()
    exact = rate_ci(counts[10:], 1, per=1, method="exact")
    byar = out.iloc[10:]
    assert np.max(np.abs(byar["lower"].to_numpy() / exact["lower"].to_numpy() - 1)) < 0.002
    assert np.max(np.abs(byar["upper"].to_numpy() / exact["upper"].to_numpy() - 1)) < 0.002


def test_rate_ci_zero_denominator_is_nan_and_bad_per_raises():
    out = rate_ci([3, 3], [0, 100])
    assert out.loc[0, ["estimate", "lower", "upper"]].isna().all()
    with pytest.raises(ValueError, match="per"):
        rate_ci(3, 100, per=0)
    with pytest.raises(ValueError, match="'phe', 'exact', 'byar'"):
        rate_ci(3, 100, method="poisson")


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    count=st.integers(0, 5000),
    pop=st.floats(10, 1e6),
    method=st.sampled_from(["phe", "exact", "byar"]),
)
def test_rate_limits_ordered_and_widen_with_level(count, pop, method):
    low = rate_ci(count, pop, method=method, level=0.9).iloc[0]
    high = rate_ci(count, pop, method=method, level=0.998).iloc[0]
    assert 0 <= low["lower"] <= low["estimate"] <= low["upper"]
    assert high["lower"] <= low["lower"] and high["upper"] > low["upper"]


# --------------------------------------------------------------------------- rate ratios


def test_katz_risk_ratio_methods_example():
    """METHODS.md s4: custody given conviction, Black 12/60 vs White 20/200:
    RR 2.00, Katz 95% CI 1.04-3.85; Fisher p = 0.046 (exact method)."""
    katz = rate_ratio(12, 60, 20, 200).iloc[0]
    assert katz["estimate"] == pytest.approx(2.0, abs=1e-12)
    assert (katz["lower"], katz["upper"]) == pytest.approx((1.04, 3.85), abs=0.005)
    exact = rate_ratio(12, 60, 20, 200, method="exact").iloc[0]
    assert exact["p_value"] == pytest.approx(0.046, abs=0.0005)
    assert list(rate_ratio(12, 60, 20, 200).columns) == COMPARISON_COLUMNS


def test_katz_matches_hand_formula():
    """SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n2); Wald p from ln RR / SE."""
    a, n1, c, n2 = 12, 60, 20, 200
    se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    rr = (a / n1) / (c / n2)
    row = rate_ratio(a, n1, c, n2).iloc[0]
    assert row["lower"] == pytest.approx(rr * np.exp(-Z95 * se), abs=1e-12)
    assert row["upper"] == pytest.approx(rr * np.exp(Z95 * se), abs=1e-12)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(np.log(rr) / se), abs=1e-12)


def test_poisson_rate_ratio_methods_example():
    """METHODS.md s4: FTE by population 30/2,000 vs 100/20,000: RR 3.00, Poisson log
    CI 1.99-4.51; exact CI 1.93-4.55; conditional binomial p = 1.6e-6."""
    log = rate_ratio(30, 2_000, 100, 20_000, kind="rate").iloc[0]
    assert log["estimate"] == pytest.approx(3.0, abs=1e-12)
    assert (log["lower"], log["upper"]) == pytest.approx((1.99, 4.51), abs=0.005)
    assert log["method"] == "poisson-log"
    exact = rate_ratio(30, 2_000, 100, 20_000, kind="rate", method="exact").iloc[0]
    assert (exact["lower"], exact["upper"]) == pytest.approx((1.93, 4.55), abs=0.005)
    assert exact["p_value"] == pytest.approx(1.6e-6, abs=0.05e-6)
    assert exact["method"] == "conditional-binomial"


def test_rri_matrix_rows():
    """METHODS.md s4 RRI matrix, Black vs White. The file gives rates only; the
    counts below reproduce them and are consistent from stage to stage:
    arrests 150/2,500 vs 300/10,000 (60 vs 30 per 1,000) -> 2.00 (1.64-2.43),
    Poisson log interval; referrals 125/150 vs 225/300 (83.3 vs 75.0 per 100)
    -> 1.11 (1.01-1.22), Katz. (The detention row, 30 vs 20 per 100 referrals,
    is not reproducible from these referral counts, as 30% of 125 is not whole.)"""
    arrests = rate_ratio(150, 2_500, 300, 10_000, kind="rate").iloc[0]
    assert (arrests["estimate"], arrests["lower"], arrests["upper"]) == pytest.approx(
        (2.00, 1.64, 2.43), abs=0.005
    )
    referrals = rate_ratio(125, 150, 225, 300, kind="risk").iloc[0]
    assert (referrals["estimate"], referrals["lower"], referrals["upper"]) == pytest.approx(
        (1.11, 1.01, 1.22), abs=0.005
    )


def test_exact_rate_ratio_limits_have_defining_tail_probabilities():
    """Conditional binomial: at RR_L, pi_L = P1 RR_L / (P1 RR_L + P2) and
    P(A >= a | a + c, pi_L) = alpha/2; likewise P(A <= a | pi_U) = alpha/2."""
    a, p1, c, p2 = 7, 3_000, 20, 25_000
    row = rate_ratio(a, p1, c, p2, kind="rate", method="exact").iloc[0]
    pi_l = p1 * row["lower"] / (p1 * row["lower"] + p2)
    pi_u = p1 * row["upper"] / (p1 * row["upper"] + p2)
    assert stats.binom.sf(a - 1, a + c, pi_l) == pytest.approx(0.025, abs=1e-9)
    assert stats.binom.cdf(a, a + c, pi_u) == pytest.approx(0.025, abs=1e-9)


def _mn_score_statistic(phi, a, n1, c, n2):
    """Miettinen-Nurminen score statistic for RR = phi, restricted MLE found numerically."""

    def negloglik(p2):
        p1 = phi * p2
        return -(stats.binom.logpmf(a, n1, p1) + stats.binom.logpmf(c, n2, p2))

    upper = min(1.0, 1.0 / phi) - 1e-12
    p2 = optimize.minimize_scalar(
        negloglik, bounds=(1e-12, upper), method="bounded", options={"xatol": 1e-13}
    ).x
    p1 = phi * p2
    var = (p1 * (1 - p1) / n1 + phi**2 * p2 * (1 - p2) / n2) * (n1 + n2) / (n1 + n2 - 1)
    return (a / n1 - phi * c / n2) ** 2 / var


def test_exact_risk_ratio_interval_is_the_miettinen_nurminen_score_interval():
    """At each limit the score statistic equals chi-squared(1) 0.95 = 3.8415."""
    a, n1, c, n2 = 12, 60, 20, 200
    row = rate_ratio(a, n1, c, n2, method="exact").iloc[0]
    crit = stats.chi2.ppf(0.95, 1)
    assert row["method"] == "miettinen-nurminen"
    for limit in (row["lower"], row["upper"]):
        assert _mn_score_statistic(limit, a, n1, c, n2) == pytest.approx(crit, abs=1e-3)


def test_zero_cells_katz_nan_with_warning_exact_finite():
    with pytest.warns(SmallCountWarning, match="exact"):
        katz = rate_ratio([0, 4], [40, 40], [6, 0], [300, 300])
    assert katz.loc[0, "estimate"] == 0.0
    assert katz.loc[1, "estimate"] == np.inf  # 4/40 against 0/300
    assert katz[["lower", "upper", "p_value"]].isna().all().all()
    exact = rate_ratio([0, 4], [40, 40], [6, 0], [300, 300], method="exact")
    assert exact.loc[0, "lower"] == 0.0 and np.isfinite(exact.loc[0, "upper"])
    assert np.isfinite(exact.loc[1, "lower"]) and exact.loc[1, "upper"] == np.inf
    rates = rate_ratio([0, 4], [400, 400], [6, 0], [3000, 3000], kind="rate", method="exact")
    assert rates.loc[0, "lower"] == 0.0 and np.isfinite(rates.loc[0, "upper"])
    assert rates.loc[1, "upper"] == np.inf
    assert rates["p_value"].between(0, 1).all()


# R 4.2.2, tests/stats/reference/ratios_mn.R: an independent base-R implementation
# of the Miettinen-Nurminen score interval (closed-form restricted MLE of Farrington &
# Manning 1990, variance times N/(N - 1), uniroot on log RR) and fisher.test:
#                            lower           upper        fisher_p
# [1,]  5 10 10  10 0.231702617753  0.803273064792 0.0325077399381
# [2,] 10 10  5  10 1.244906674743  4.315877005176 0.0325077399381
# [3,] 20 20 18  20 0.919837966566  1.437190842018 0.4871794871795
# [4,] 18 20 20  20 0.695801817521  1.087147993829 0.4871794871795
# [5,] 10 10 20  20 0.715618660466  1.198696145898 1.0000000000000
# [6,] 12 60 20 200 1.034915957506  3.762259673893 0.0455748635155
# [7,]  0 10  5  10 0.000000000000  0.641177872968 0.0325077399381
# [8,]  3  3  1   7 1.404569042501 41.999963487407 0.0333333333333
R_MIETTINEN_NURMINEN = [
    (5, 10, 10, 10, 0.231702617753, 0.803273064792, 0.0325077399381),
    (10, 10, 5, 10, 1.244906674743, 4.315877005176, 0.0325077399381),
    (20, 20, 18, 20, 0.919837966566, 1.437190842018, 0.4871794871795),
    (18, 20, 20, 20, 0.695801817521, 1.087147993829, 0.4871794871795),
    (10, 10, 20, 20, 0.715618660466, 1.198696145898, 1.0),
    (12, 60, 20, 200, 1.034915957506, 3.762259673893, 0.0455748635155),
    (0, 10, 5, 10, 0.0, 0.641177872968, 0.0325077399381),
    (3, 3, 1, 7, 1.404569042501, 41.999963487407, 0.0333333333333),
]


@pytest.mark.parametrize(("a", "n1", "c", "n2", "lower", "upper", "p"), R_MIETTINEN_NURMINEN)
def test_miettinen_nurminen_equals_r_root_finding(a, n1, c, n2, lower, upper, p):
    """Defect 2 of issue 12: with all events in a group the interval was wrong
    (5/10 vs 10/10 gave 0.750-0.803, excluding its own estimate 0.5; 20/20 vs
    18/20 gave 1.053-1.437 with Fisher p = 0.49) or complex (10/10 vs 5/10).
    Values from R, table above; the estimate must lie inside the interval."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no complex-number or numpy warnings
        row = rate_ratio(a, n1, c, n2, method="exact").iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper), rel=1e-9, abs=1e-12)
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert row["lower"] <= row["estimate"] <= row["upper"]
    assert isinstance(row["lower"], float) and isinstance(row["upper"], float)


def test_miettinen_nurminen_with_no_reference_events_mirrors_the_reversed_comparison():
    """5/10 against 0/10: the ratio is unbounded above and the lower limit is the
    reciprocal of the upper limit of 0/10 against 5/10 (R row 7 above: 0.641177872968)."""
    row = rate_ratio(5, 10, 0, 10, method="exact").iloc[0]
    assert row["estimate"] == np.inf and row["upper"] == np.inf
    assert row["lower"] == pytest.approx(1 / 0.641177872968, rel=1e-9)
    none = rate_ratio(0, 10, 0, 10, method="exact").iloc[0]
    assert np.isnan(none[["estimate", "lower", "upper"]].astype(float)).all()
    assert none["p_value"] == 1.0


def test_exact_ratio_with_no_reference_events_has_infinite_estimate():
    """Defect 4 of issue 12: count2 = 0 gave estimate NaN beside upper inf. 3 events
    in 1,000 against none in 2,000: the ratio of a positive rate to zero is inf,
    its lower limit finite (conditional binomial: pi_L is the Clopper-Pearson
    lower limit for 3 of 3, (alpha/2)^(1/3) = 0.2924, RR_L = pi_L/(1 - pi_L) * 2)."""
    row = rate_ratio(3, 1_000, 0, 2_000, kind="rate", method="exact").iloc[0]
    pi_l = 0.025 ** (1 / 3)
    assert row["estimate"] == np.inf and row["upper"] == np.inf
    assert row["lower"] == pytest.approx(pi_l / (1 - pi_l) * 2, rel=1e-9)


def test_katz_with_everyone_having_the_event_is_undefined_not_a_point():
    """Defect 4 of issue 12: 10/10 against 20/20 gave the interval [1, 1] with
    p = NaN. Katz's SE is sqrt(1/10 - 1/10 + 1/20 - 1/20) = 0, so the log
    interval is undefined: NaN with a SmallCountWarning pointing to 'exact',
    whose Miettinen-Nurminen interval is 0.7156-1.1987 (R row 5 above)."""
    with pytest.warns(SmallCountWarning, match="everyone in both groups"):
        katz = rate_ratio(10, 10, 20, 20).iloc[0]
    assert katz["estimate"] == 1.0
    assert np.isnan(katz["lower"]) and np.isnan(katz["upper"]) and np.isnan(katz["p_value"])
    exact = rate_ratio(10, 10, 20, 20, method="exact").iloc[0]
    assert (exact["lower"], exact["upper"]) == pytest.approx((0.715618660466, 1.198696145898))


def test_rate_ratio_rejects_bad_choices():
    with pytest.raises(ValueError, match="'risk', 'rate'"):
        rate_ratio(1, 10, 2, 20, kind="odds")
    with pytest.raises(ValueError, match="'katz', 'exact'"):
        rate_ratio(1, 10, 2, 20, method="wald")
    with pytest.raises(ValueError, match="must not exceed"):
        rate_ratio(11, 10, 2, 20, kind="risk")


# --------------------------------------------------------------------------- differences


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lower", "upper"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_matches_published_table(x1, n1, x2, n2, lower, upper):
    """Newcombe (1998b) Stat Med 17:873, Table II, method 10 (examples a-h)."""
    row = proportion_difference(x1, n1, x2, n2).iloc[0]
    assert row["estimate"] == pytest.approx(x1 / n1 - x2 / n2, abs=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper), abs=5e-5)


def test_newcombe_p_value_is_pearson_chi_square():
    """The pooled z-test equals the uncorrected Pearson chi-squared test."""
    row = proportion_difference(56, 70, 48, 80).iloc[0]
    table = np.array([[56, 14], [48, 32]])
    chi2 = stats.chi2_contingency(table, correction=False)
    assert row["p_value"] == pytest.approx(chi2.pvalue, abs=1e-12)


def test_jdl_wald_example():
    """METHODS.md s6: treatment 120 at 25% vs comparison 6,000 at 35%:
    -10.0 pp (95% CI -17.8 to -2.2; p = 0.012), normal approximation."""
    row = proportion_difference(30, 120, 2_100, 6_000, method="wald").iloc[0]
    assert row["estimate"] == pytest.approx(-0.100, abs=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx((-0.178, -0.022), abs=5e-4)
    assert row["p_value"] == pytest.approx(0.012, abs=5e-4)
    assert list(proportion_difference(30, 120, 2_100, 6_000).columns) == COMPARISON_COLUMNS


@settings(max_examples=100, deadline=None, derandomize=True)
@given(n1=st.integers(1, 300), n2=st.integers(1, 300), f1=st.floats(0, 1), f2=st.floats(0, 1))
def test_newcombe_limits_are_ordered_and_inside_minus_one_one(n1, n2, f1, f2):
    x1, x2 = round(f1 * n1), round(f2 * n2)
    row = proportion_difference(x1, n1, x2, n2).iloc[0]
    assert -1 <= row["lower"] <= row["estimate"] <= row["upper"] <= 1


# --------------------------------------------------------------------------- odds ratios


def test_woolf_matches_hand_formula():
    a, b, c, d = 12, 48, 20, 180
    or_ = a * d / (b * c)
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    row = odds_ratio(a, b, c, d).iloc[0]
    assert row["estimate"] == pytest.approx(2.25, abs=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx(
        (or_ * np.exp(-Z95 * se), or_ * np.exp(Z95 * se)), abs=1e-12
    )
    assert (row["numerator"], row["denominator"]) == (12, 60)
    assert (row["reference_numerator"], row["reference_denominator"]) == (20, 200)


def test_exact_odds_ratio_by_noncentral_hypergeometric_definition():
    """Conditional MLE: E[A | psi] = a under Fisher's noncentral hypergeometric
    distribution; exact limits: P(A >= a | psi_L) = P(A <= a | psi_U) = alpha/2.
    Fisher p = 0.046 for the METHODS.md s4 custody table (12/60 vs 20/200)."""
    a, b, c, d = 12, 48, 20, 180
    row = odds_ratio(a, b, c, d, method="exact").iloc[0]
    total, row1, col1 = a + b + c + d, a + b, a + c

    def dist(psi):
        return stats.nchypergeom_fisher(total, row1, col1, psi)

    assert dist(row["estimate"]).mean() == pytest.approx(a, abs=1e-4)
    assert dist(row["lower"]).sf(a - 1) == pytest.approx(0.025, abs=1e-5)
    assert dist(row["upper"]).cdf(a) == pytest.approx(0.025, abs=1e-5)
    assert row["p_value"] == pytest.approx(0.046, abs=0.0005)


def test_odds_ratio_zero_cells():
    with pytest.warns(SmallCountWarning):
        woolf = odds_ratio(0, 5, 3, 4)
    assert woolf.loc[0, "estimate"] == 0.0 and np.isnan(woolf.loc[0, "upper"])
    exact = odds_ratio(0, 5, 3, 4, method="exact").iloc[0]
    assert exact["lower"] == 0.0 and np.isfinite(exact["upper"])
