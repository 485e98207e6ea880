"""Tests for cohort.stats.funnel.

Reference values: METHODS.md (project methods notes) section 5, copied here
with their source; hand calculations of Spiegelhalter's (2005) interpolated
exact limits and of the FunnelPlotR overdispersion steps, written out below
as plain loops; PHE's published Wilson-inversion formula (PHEindicatormethods,
R/Funnels.R, ``sigma_adjustment``) transcribed into Python.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from cohort.stats import funnel_limits, funnel_table, overdispersion, proportion_ci


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def _limits(out, n, level):
    row = out[(out["denominator"] == n) & (out["level"] == level)].iloc[0]
    return row["lower"], row["upper"]


def test_exact_limits_match_methods_example():
    """METHODS.md s5, theta0 = 0.35: n = 50: 95% exact 0.210-0.475, 99.8% exact
    0.142-0.556; n = 20: 95% exact 0.120-0.542."""
    out = funnel_limits([20, 50], 0.35)
    assert _limits(out, 50, 0.95) == pytest.approx((0.210, 0.475), abs=5e-4)
    assert _limits(out, 50, 0.998) == pytest.approx((0.142, 0.556), abs=5e-4)
    assert _limits(out, 20, 0.95) == pytest.approx((0.120, 0.542), abs=5e-4)
    assert list(out.columns) == [
        "denominator",
        "level",
        "target",
        "lower",
        "upper",
        "method",
        "adjustment",
    ]


def test_normal_limits_match_methods_example():
    """METHODS.md s5, theta0 = 0.35: normal n = 50: 95% 0.218-0.482, 99.8% 0.142-0.558;
    n = 20: 95% 0.141-0.559."""
    out = funnel_limits([20, 50], 0.35, method="normal", scale="untransformed")
    assert _limits(out, 50, 0.95) == pytest.approx((0.218, 0.482), abs=5e-4)
    assert _limits(out, 50, 0.998) == pytest.approx((0.142, 0.558), abs=5e-4)
    assert _limits(out, 20, 0.95) == pytest.approx((0.141, 0.559), abs=5e-4)
    assert (out["method"] == "normal").all()


def _hand_exact_limit(n, theta, p, dist):
    """Spiegelhalter (2005) A.1.1 by hand: smallest r with P(Y <= r) >= p by a loop,
    alpha = (P(Y <= r) - p) / (P(Y <= r) - P(Y <= r - 1)), limit (r - alpha) / n."""
    r = 0
    while dist.cdf(r) < p:
        r += 1
    below = dist.cdf(r - 1) if r > 0 else 0.0
    alpha = (dist.cdf(r) - p) / (dist.cdf(r) - below)
    return max((r - alpha) / n, 0.0)


@pytest.mark.parametrize("n", [7, 20, 94, 311])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_binomial_limits_match_hand_calculation(n, level):
    theta = 0.27
    out = funnel_limits(n, theta, levels=[level])
    dist = stats.binom(n, theta)
    lower = _hand_exact_limit(n, theta, (1 - level) / 2, dist)
    upper = _hand_exact_limit(n, theta, (1 + level) / 2, dist)
    assert _limits(out, n, level) == pytest.approx((lower, upper), abs=1e-12)


@pytest.mark.parametrize("population", [800.0, 5_000.0, 123_456.0])
def test_exact_poisson_limits_match_hand_calculation(population):
    """Rates per 100,000 around a target of 180 per 100,000."""
    theta = 180 / 100_000
    out = funnel_limits(population, 180, kind="rate", per=100_000, levels=[0.95])
    dist = stats.poisson(population * theta)
    lower = _hand_exact_limit(population, theta, 0.025, dist) * 100_000
    upper = _hand_exact_limit(population, theta, 0.975, dist) * 100_000
    assert _limits(out, population, 0.95) == pytest.approx((lower, upper), rel=1e-12)


def _phe_sigma_adjustment(p, population, average, side):
    """PHEindicatormethods R/Funnels.R sigma_adjustment, transcribed (multiplier 1)."""
    z2 = stats.norm.ppf(p) ** 2
    first = average * (population / z2 + 1)
    adj = math.sqrt(
        (-8 * average * (population / z2 + 1)) ** 2
        - 64
        * (1 / z2 + 1 / population)
        * average
        * (population * (average * (population / z2 + 2) - 1) + z2 * (average - 1))
    )
    last = 1 / z2 + 1 / population
    return ((first - adj / 8) if side == "low" else (first + adj / 8)) / last / population


def test_wilson_limits_follow_phe_and_equal_normal_limits():
    """PHE's Wilson inversion at p = 0.975 / 0.999; algebraically the untransformed
    normal limit; and the Wilson interval of the limiting proportion just reaches
    the target."""
    theta, ns = 0.35, [20, 50, 300]
    wilson = funnel_limits(ns, theta, method="wilson")
    normal = funnel_limits(ns, theta, method="normal", scale="untransformed")
    assert wilson["lower"].to_numpy() == pytest.approx(normal["lower"].to_numpy(), abs=1e-12)
    assert wilson["upper"].to_numpy() == pytest.approx(normal["upper"].to_numpy(), abs=1e-12)
    for n in ns:
        for level, p in ((0.95, 0.975), (0.998, 0.999)):
            lo, hi = _limits(wilson, n, level)
            assert lo == pytest.approx(_phe_sigma_adjustment(p, n, theta, "low"), abs=1e-12)
            assert hi == pytest.approx(_phe_sigma_adjustment(p, n, theta, "high"), abs=1e-12)
            upper_of_low = proportion_ci(lo * n, n, level=level)["upper"].iloc[0]
            assert upper_of_low == pytest.approx(theta, abs=1e-9)


def test_adjusted_limits_match_methods_example():
    """METHODS.md s5 illustrative example, untransformed scale, theta0 = 0.44,
    phi = 7.20, tau2 = 0.0239, 95% limits at n = 100: unadjusted 0.343-0.537,
    multiplicative 0.179-0.701, additive 0.122-0.758."""
    common = dict(levels=[0.95], method="normal", scale="untransformed")
    none = funnel_limits(100, 0.44, **common).iloc[0]
    mult = funnel_limits(100, 0.44, adjustment="multiplicative", phi=7.20, **common).iloc[0]
    add = funnel_limits(100, 0.44, adjustment="additive", tau2=0.0239, **common).iloc[0]
    assert (none["lower"], none["upper"]) == pytest.approx((0.343, 0.537), abs=5e-4)
    assert (mult["lower"], mult["upper"]) == pytest.approx((0.179, 0.701), abs=5e-4)
    assert (add["lower"], add["upper"]) == pytest.approx((0.122, 0.758), abs=5e-4)
    assert add["adjustment"] == "additive"


def test_transformed_adjusted_limits_by_hand():
    """Arcsine scale: sin^2(asin(sqrt(theta)) +/- z sqrt(s^2 + tau2)), s = 1/(2 sqrt n);
    square-root scale for rates: theta (1 +/- z sqrt(phi) / (2 sqrt(E)))^2, E = n theta."""
    z = stats.norm.ppf(0.975)
    theta, n, tau2 = 0.3, 80, 0.004
    spread = math.sqrt(1 / (4 * n) + tau2)
    y0 = math.asin(math.sqrt(theta))
    row = funnel_limits(n, theta, levels=[0.95], adjustment="additive", tau2=tau2).iloc[0]
    assert row["method"] == "normal-arcsine"
    assert row["lower"] == pytest.approx(math.sin(y0 - z * spread) ** 2, abs=1e-12)
    assert row["upper"] == pytest.approx(math.sin(y0 + z * spread) ** 2, abs=1e-12)
    rate, pop, phi = 0.002, 40_000, 2.5
    e = pop * rate
    row = funnel_limits(
        pop, rate, kind="rate", levels=[0.95], adjustment="multiplicative", phi=phi
    ).iloc[0]
    assert row["lower"] == pytest.approx(rate * (1 - z * math.sqrt(phi) / (2 * math.sqrt(e))) ** 2)
    assert row["upper"] == pytest.approx(rate * (1 + z * math.sqrt(phi) / (2 * math.sqrt(e))) ** 2)


def test_funnel_limits_argument_errors():
    with pytest.raises(ValueError, match="method='normal'"):
        funnel_limits(50, 0.3, method="exact", adjustment="additive", tau2=0.01)
    with pytest.raises(ValueError, match="tau2"):
        funnel_limits(50, 0.3, adjustment="additive")
    with pytest.raises(ValueError, match="proportions only"):
        funnel_limits(500, 0.3, kind="rate", method="wilson")
    with pytest.raises(ValueError, match="whole-number"):
        funnel_limits(50.5, 0.3)
    with pytest.raises(ValueError, match="'none', 'multiplicative', 'additive'"):
        funnel_limits(50, 0.3, adjustment="random")
    with pytest.raises(ValueError, match="proportion target"):
        funnel_limits(50, 35)


def test_points_gives_a_smooth_integer_grid():
    out = funnel_limits([12, 30, 640], 0.35, points=50, levels=[0.95])
    grid = out["denominator"].to_numpy()
    assert grid[0] == 12 and grid[-1] == 640
    assert np.all(np.diff(grid) > 0) and np.all(grid == np.round(grid))
    assert len(grid) <= 50


@settings(max_examples=80, deadline=None, derandomize=True)
@given(n=st.integers(1, 5000), theta=st.floats(0.01, 0.99))
def test_exact_limits_are_ordered_and_nested(n, theta):
    """With fewer than one expected event (or non-event) the 97.5% point of the
    binomial is 0 events, so a limit may fall on the wrong side of the target:
    e.g. n = 1, theta = 0.016 has upper limit 0. The order holds from there on."""
    assume(n * min(theta, 1 - theta) >= 1)
    out = funnel_limits(n, theta)
    lo95, hi95 = _limits(out, n, 0.95)
    lo998, hi998 = _limits(out, n, 0.998)
    assert 0 <= lo998 <= lo95 <= theta <= hi95 <= hi998 <= 1


@settings(max_examples=80, deadline=None, derandomize=True)
@given(n=st.integers(1, 5000), theta=st.floats(0.01, 0.99))
def test_exact_limits_narrow_as_n_grows(n, theta):
    """Holds once the expected count of the rarer outcome is at least 5; below that
    the interpolation between the steps of a very skewed binomial need not narrow
    (e.g. n = 1 vs 4 at theta = 0.03, where both funnels are mostly the 0 floor)."""
    assume(n * min(theta, 1 - theta) >= 5)
    out = funnel_limits([n, 4 * n], theta, levels=[0.95])
    width = (out["upper"] - out["lower"]).to_numpy()
    assert width[1] < width[0]


# --------------------------------------------------------------------------- overdispersion


def _r_type7_quantile(values, prob):
    """R's default quantile (type 7), written out."""
    x = sorted(values)
    h = (len(x) - 1) * prob
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def _hand_overdispersion(x, n, transformed=True):
    """FunnelPlotR steps (R/od_adjustment.R) for proportions, as plain loops."""
    theta = sum(x) / sum(n)
    z, s = [], []
    for xi, ni in zip(x, n, strict=True):
        if transformed:
            si = 1 / (2 * math.sqrt(ni))
            zi = (math.asin(math.sqrt(xi / ni)) - math.asin(math.sqrt(theta))) / si
        else:
            si = math.sqrt(theta * (1 - theta) / ni)
            zi = (xi / ni - theta) / si
        z.append(zi)
        s.append(si)
    low, high = _r_type7_quantile(z, 0.1), _r_type7_quantile(z, 0.9)
    zw = [min(max(v, low), high) for v in z]
    units = len(x)
    phi = sum(v * v for v in zw) / units
    w = [1 / v**2 for v in s]
    if units * phi < units - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (units * phi - (units - 1)) / (sum(w) - sum(v * v for v in w) / sum(w)))
    return phi, tau2


DATA_X = [8, 52, 22, 81, 12, 35, 80, 5, 37, 24, 30, 71]
DATA_N = [70, 94, 60, 150, 55, 110, 160, 41, 66, 120, 75, 130]


@pytest.mark.parametrize("scale", ["transformed", "untransformed"])
def test_overdispersion_matches_hand_calculation(scale):
    phi, tau2 = _hand_overdispersion(DATA_X, DATA_N, transformed=scale == "transformed")
    od = overdispersion(DATA_X, DATA_N, scale=scale).iloc[0]
    assert od["phi"] == pytest.approx(phi, abs=1e-12)
    assert od["tau2"] == pytest.approx(tau2, abs=1e-12)
    assert od["chi_square"] == pytest.approx(len(DATA_X) * phi, abs=1e-10)
    assert od["df"] == len(DATA_X) - 1
    assert od["p_value"] == pytest.approx(stats.chi2.sf(len(DATA_X) * phi, 11), abs=1e-12)
    assert od["overdispersed"] == (len(DATA_X) * phi > stats.chi2.ppf(0.95, 11))


def test_overdispersion_rates_use_square_root_scale():
    """z = (sqrt(O/E) - 1) / (1/(2 sqrt(E))) = 2(sqrt(O) - sqrt(E)); no winsorising."""
    x, pop = np.array([3, 0, 12, 7, 25]), np.array([2e4, 1.5e4, 3e4, 4e4, 5e4])
    theta = x.sum() / pop.sum()
    z = 2 * (np.sqrt(x) - np.sqrt(pop * theta))
    od = overdispersion(x, pop, kind="rate", winsorise=0).iloc[0]
    assert od["phi"] == pytest.approx(np.mean(z**2), abs=1e-12)


def test_overdispersion_test_size_and_power_by_simulation():
    """Binomial data without overdispersion are flagged at most at about the nominal
    5% (winsorising makes the test conservative); beta-binomial data with strong
    overdispersion are flagged almost always. Fixed seed."""
    rng = np.random.default_rng(20240601)
    n = rng.integers(40, 300, size=30)
    null_flags = [
        bool(overdispersion(rng.binomial(n, 0.3), n)["overdispersed"].iloc[0]) for _ in range(200)
    ]
    od_flags = [
        bool(
            overdispersion(rng.binomial(n, rng.beta(6, 14, size=n.size)), n)["overdispersed"].iloc[
                0
            ]
        )
        for _ in range(100)
    ]
    assert np.mean(null_flags) <= 0.10
    assert np.mean(od_flags) >= 0.90


def test_overdispersion_needs_two_units():
    with pytest.raises(ValueError, match="two units"):
        overdispersion([3], [10])


# --------------------------------------------------------------------------- funnel_table


def test_funnel_table_positions_by_hand():
    x = np.array([10, 30, 22, 45, 0])
    n = np.array([100, 120, 90, 150, 0])
    table = funnel_table(x, n, labels=["A", "B", "C", "D", "E"])
    target = x.sum() / n.sum()
    limits = funnel_limits(n[:4], target)
    alert = limits[limits["level"] == 0.95]
    alarm = limits[limits["level"] == 0.998]
    p = x[:4] / n[:4]
    expected_position = np.where(
        p > alert["upper"].to_numpy(),
        "above",
        np.where(p < alert["lower"].to_numpy(), "below", "within"),
    )
    outside_alarm = (p > alarm["upper"].to_numpy()) | (p < alarm["lower"].to_numpy())
    outside_alert = (p > alert["upper"].to_numpy()) | (p < alert["lower"].to_numpy())
    expected_flag = np.where(outside_alarm, "alarm", np.where(outside_alert, "alert", "none"))
    assert list(table["position"].iloc[:4]) == list(expected_position)
    assert list(table["flag"].iloc[:4]) == list(expected_flag)
    assert list(table["flag"].iloc[:4]) == ["alarm", "none", "none", "alert"]
    assert table["target"].iloc[0] == pytest.approx(target, abs=1e-15)
    assert table["alert_lower"].iloc[:4].to_numpy() == pytest.approx(alert["lower"].to_numpy())
    last = table.iloc[4]
    assert last["unit"] == "E" and np.isnan(last["estimate"]) and np.isnan(last["alert_lower"])
    assert last[["position", "flag"]].isna().all()
    assert list(table.columns) == [
        "unit",
        "numerator",
        "denominator",
        "estimate",
        "target",
        "alert_lower",
        "alert_upper",
        "alarm_lower",
        "alarm_upper",
        "position",
        "flag",
        "method",
        "adjustment",
    ]


def test_funnel_table_adjusts_only_when_overdispersed():
    """Overdispersed data get additive limits (wider than unadjusted); data without
    overdispersion keep the exact limits, and the adjustment column says so."""
    wide = funnel_table(DATA_X, DATA_N, adjustment="additive")
    od = overdispersion(DATA_X, DATA_N).iloc[0]
    assert bool(od["overdispersed"])
    assert (wide["adjustment"] == "additive").all()
    expected = funnel_limits(
        DATA_N, od["target"], levels=[0.95], adjustment="additive", tau2=od["tau2"]
    )
    assert wide["alert_lower"].to_numpy() == pytest.approx(expected["lower"].to_numpy())
    calm_n = np.array([100, 120, 90, 150, 80, 110])
    calm_x = np.round(calm_n * 0.3).astype(int)
    calm = funnel_table(calm_x, calm_n, adjustment="multiplicative")
    assert (calm["adjustment"] == "none").all() and (calm["method"] == "exact").all()


def test_funnel_table_keeps_series_index_and_checks_labels():
    import pandas as pd

    idx = pd.Index(["E06000001", "E06000002"], name="authority_code")
    table = funnel_table(pd.Series([5, 9], index=idx), pd.Series([60, 70], index=idx))
    assert table.index.equals(idx) and list(table["unit"]) == list(idx)
    with pytest.raises(ValueError, match="labels"):
        funnel_table([5, 9], [60, 70], labels=["only one"])


def test_exact_limits_at_a_degenerate_target_flag_nothing():
    """Defect 4 of issue 12: with target 1, 10/10 was flagged an alarm although
    Y ~ Bin(10, 1) is 10 with probability 1 (the interpolated limits were
    0.9025-0.9975 and 0.9001-0.9999). By hand: a point mass at n has every
    quantile at n, so both limits are 1; likewise a target of 0 (binomial or
    Poisson) has both limits 0 and 0/n is within them."""
    ones = funnel_limits([10, 25], target=1.0)
    assert (ones["lower"] == 1.0).all() and (ones["upper"] == 1.0).all()
    table = funnel_table([10, 25], [10, 25], target=1.0)
    assert table["flag"].tolist() == ["none", "none"]
    assert table["position"].tolist() == ["within", "within"]
    zeros = funnel_table([0, 0], [10, 25], target=0.0)
    assert zeros["flag"].tolist() == ["none", "none"]
    rates = funnel_table([0, 0], [1_000, 5_000], target=0.0, kind="rate")
    assert rates["flag"].tolist() == ["none", "none"]
    assert (rates[["alert_lower", "alert_upper", "alarm_lower", "alarm_upper"]] == 0).all().all()
