"""Property tests (hypothesis) at the boundaries of cohort.stats.

The boundaries issue 12 names: all events in a group, zero events, n = 1 and
ties at every time. Each property is checked against a definition written out
here (the score statistic at the limits, a brute-force product limit or pair
count), an identity (group swap, Yates never above Pearson), or the output
contract (limits ordered, inside their range, the estimate inside its
interval), never against the function's own formula.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import score_test_proportions_2indep

from cohort.exceptions import SeparationWarning, SmallCountWarning
from cohort.stats import (
    chi_square_2x2,
    concordance_index,
    cox,
    funnel_limits,
    kaplan_meier,
    logistic,
    proportion_ci,
    rate_ratio,
    survival_median,
)

Z95 = 1.959963984540054
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def two_groups(draw, max_n=40):
    """(a, n1, c, n2) with boundaries over-represented: n = 1, no events, all events."""
    n1 = draw(st.one_of(st.just(1), st.integers(1, max_n)))
    n2 = draw(st.one_of(st.just(1), st.integers(1, max_n)))
    a = draw(st.one_of(st.sampled_from([0, n1]), st.integers(0, n1)))
    c = draw(st.one_of(st.sampled_from([0, n2]), st.integers(0, n2)))
    return a, n1, c, n2


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        warnings.simplefilter("error", RuntimeWarning)  # no numpy noise at boundaries
        return func(*args, **kwargs)


# --------------------------------------------------------------------------- ratios


@SETTINGS
@given(two_groups())
def test_miettinen_nurminen_limits_are_roots_of_the_score_statistic(groups):
    """At every finite positive limit the MN score statistic (statsmodels, with the
    N/(N - 1) correction) equals -/+ z; the estimate lies inside the interval;
    limits are real, ordered and non-negative."""
    a, n1, c, n2 = groups
    row = _quiet(rate_ratio, a, n1, c, n2, method="exact").iloc[0]
    lower, upper, estimate = row["lower"], row["upper"], row["estimate"]
    assert 0.0 <= row["p_value"] <= 1.0 + 1e-12
    if a + c == 0:
        assert math.isnan(lower) and math.isnan(upper) and math.isnan(estimate)
        return
    assert isinstance(lower, float) and isinstance(upper, float)
    assert 0.0 <= lower <= upper
    assert lower <= estimate <= upper
    for limit, sign in ((lower, 1.0), (upper, -1.0)):
        if 0.0 < limit < math.inf:
            stat, _ = score_test_proportions_2indep(
                a, n1, c, n2, value=limit, compare="ratio", correction=True, return_results=False
            )
            assert stat == pytest.approx(sign * Z95, abs=1e-6)
    assert (lower == 0.0) == (a == 0)
    assert (upper == math.inf) == (c == 0)


@SETTINGS
@given(two_groups())
def test_risk_ratio_interval_swaps_with_the_groups(groups):
    """Swapping group and reference inverts the ratio and its MN interval."""
    a, n1, c, n2 = groups
    assume(a > 0 and c > 0)
    one = _quiet(rate_ratio, a, n1, c, n2, method="exact").iloc[0]
    two = _quiet(rate_ratio, c, n2, a, n1, method="exact").iloc[0]
    assert one["estimate"] == pytest.approx(1 / two["estimate"], rel=1e-12)
    assert one["lower"] == pytest.approx(1 / two["upper"], rel=1e-7)
    assert one["upper"] == pytest.approx(1 / two["lower"], rel=1e-7)
    assert one["p_value"] == pytest.approx(two["p_value"], rel=1e-9)


@SETTINGS
@given(two_groups())
def test_katz_interval_is_defined_exactly_when_its_standard_error_is(groups):
    """Katz: NaN limits when a count is 0 or everyone in both groups has the
    event (SE 0); otherwise ordered limits around the estimate."""
    a, n1, c, n2 = groups
    row = _quiet(rate_ratio, a, n1, c, n2).iloc[0]
    undefined = a == 0 or c == 0 or (a == n1 and c == n2)
    assert math.isnan(row["lower"]) == undefined
    if not undefined:
        assert row["lower"] < row["estimate"] < row["upper"]
        assert 0.0 <= row["p_value"] <= 1.0


@SETTINGS
@given(two_groups())
def test_chi_square_yates_never_exceeds_pearson(groups):
    a, n1, c, n2 = groups
    yates = _quiet(chi_square_2x2, a, n1 - a, c, n2 - c).iloc[0]
    pearson = _quiet(chi_square_2x2, a, n1 - a, c, n2 - c, method="pearson").iloc[0]
    if a + c == 0 or a + c == n1 + n2:  # an empty column: no test
        assert math.isnan(yates["statistic"]) and math.isnan(pearson["statistic"])
        return
    assert 0.0 <= yates["statistic"] <= pearson["statistic"] + 1e-12
    assert pearson["p_value"] <= yates["p_value"] + 1e-12 <= 1.0 + 1e-12


@SETTINGS
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_proportion_limits_at_zero_all_and_one(pair):
    x, n = pair
    for method in ("wilson", "clopper-pearson", "jeffreys"):
        row = _quiet(proportion_ci, x, n, method=method).iloc[0]
        assert 0.0 <= row["lower"] <= row["estimate"] <= row["upper"] <= 1.0
        if x == 0:
            assert row["lower"] == 0.0
        if x == n:
            assert row["upper"] == 1.0


@SETTINGS
@given(st.integers(1, 200), st.sampled_from([0.0, 1.0]), st.sampled_from(["proportion", "rate"]))
def test_funnel_limits_at_a_degenerate_target_equal_it(n, target, kind):
    assume(not (kind == "rate" and target == 1.0))
    limits = funnel_limits([n], target=target, kind=kind)
    assert (limits["lower"] == target).all() and (limits["upper"] == target).all()


# --------------------------------------------------------------------------- survival


@st.composite
def survival_data(draw, max_n=25, entry=False):
    """Small data sets with heavy ties: times drawn from few values (possibly one)."""
    n = draw(st.integers(1, max_n))
    n_values = draw(st.integers(1, 4))
    times = draw(st.lists(st.integers(1, n_values), min_size=n, max_size=n))
    events = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    if not entry:
        return np.array(times, float), np.array(events, float), None
    # entry strictly before the time, on a half-step grid so ties with times occur
    starts = [draw(st.integers(0, 2 * t - 1)) / 2 for t in times]
    return np.array(times, float), np.array(events, float), np.array(starts, float)


def _brute_product_limit(times, events, starts):
    """Definition: at each distinct time u, n = #{start < u <= time}, d = events at
    u; S(u) = prod (1 - d/n); Greenwood sum of d/(n(n - d))."""
    out, surv, green = [], 1.0, 0.0
    for u in sorted(set(times)):
        n = sum(1 for s, t in zip(starts, times, strict=True) if s < u <= t)
        d = sum(1 for t, e in zip(times, events, strict=True) if t == u and e == 1)
        if d:
            surv *= 1 - d / n
            green = green + d / (n * (n - d)) if n > d else math.inf
        out.append((u, n, d, surv, green))
    return out


@SETTINGS
@given(st.one_of(survival_data(), survival_data(entry=True)))
def test_kaplan_meier_equals_the_product_limit_definition(data):
    times, events, starts = data
    km = _quiet(kaplan_meier, times, events, entry=starts)
    brute = _brute_product_limit(
        list(times), list(events), list(starts) if starts is not None else [-math.inf] * len(times)
    )
    assert len(km) == len(brute)
    for row, (u, n, d, s, g) in zip(km.itertuples(), brute, strict=True):
        assert (row.time, row.at_risk, row.events) == (u, n, d)
        assert row.survival == pytest.approx(s, abs=1e-12)
        if 0 < s < 1:
            assert row.std_error == pytest.approx(s * math.sqrt(g), rel=1e-9)
            assert 0.0 <= row.lower <= s <= row.upper <= 1.0
        elif s == 1:
            assert row.lower == row.upper == 1.0
        else:
            assert math.isnan(row.lower) and math.isnan(row.upper)


@SETTINGS
@given(survival_data())
def test_median_lies_inside_its_interval(data):
    """Where defined, lower <= median <= upper within the observed times; a
    limit is missing where its band never reaches 0.5 or is undefined (R gives
    NA for the lower limit of one person with an event, ``Surv(1, 1)``)."""
    times, events, _ = data
    row = _quiet(survival_median, times, events).iloc[0]
    if math.isnan(row["estimate"]):
        assert math.isnan(row["upper"])
        return
    assert times.min() <= row["estimate"] <= times.max()
    if not math.isnan(row["lower"]):
        assert times.min() <= row["lower"] <= row["estimate"]
    if not math.isnan(row["upper"]):
        assert row["estimate"] <= row["upper"] <= times.max()


def _brute_pairs(times, risk, events, starts):
    conc = disc = tied = 0
    for i in range(len(times)):
        if not events[i]:
            continue
        for j in range(len(times)):
            if i == j or not starts[j] < times[i]:
                continue
            if times[j] > times[i] or (times[j] == times[i] and not events[j]):
                if risk[i] > risk[j]:
                    conc += 1
                elif risk[i] < risk[j]:
                    disc += 1
                else:
                    tied += 1
    return conc, disc, tied


@SETTINGS
@given(st.one_of(survival_data(), survival_data(entry=True)), st.data())
def test_concordance_counts_equal_brute_force_with_ties_everywhere(data, draw):
    times, events, starts = data
    risk = np.array(
        draw.draw(st.lists(st.integers(0, 2), min_size=len(times), max_size=len(times)))
    )
    out = concordance_index(times, risk, events, entry=starts, chunk_size=3).iloc[0]
    brute = _brute_pairs(
        times, risk, events, starts if starts is not None else np.full(len(times), -np.inf)
    )
    assert (out["concordant"], out["discordant"], out["tied_risk"]) == brute
    if sum(brute):
        assert 0.0 <= out["concordance"] <= 1.0 and out["std_error"] >= 0.0
    else:
        assert math.isnan(out["concordance"]) and math.isnan(out["std_error"])


@SETTINGS
@given(survival_data(max_n=15), st.data())
def test_cox_at_the_boundaries_is_nan_or_finite_never_an_exception(data, draw):
    """Zero events, n = 1 and every time tied: either NaN estimates with a
    SmallCountWarning (flat partial likelihood) or finite estimates; an
    uninformative covariate raises ValueError naming it."""
    times, events, _ = data
    x = np.array(draw.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times))))
    df = pd.DataFrame({"t": times, "e": events, "x": x})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = cox(df, "t", "e", ["x"]).iloc[0]
        except ValueError as err:
            assert "cannot be estimated" in str(err)
            return
    if math.isnan(out["coefficient"]):
        assert any(issubclass(w.category, SmallCountWarning) for w in caught)
        assert math.isnan(out["lr_statistic"]) and math.isnan(out["std_error"])
    else:
        assert out["events"] == events.sum() > 0
        assert out["lr_statistic"] >= -1e-9 and out["score_statistic"] >= -1e-9


# --------------------------------------------------------------------------- logistic


@SETTINGS
@given(st.integers(2, 12), st.integers(2, 12), st.integers(1, 8), st.data())
def test_logistic_flags_a_level_with_all_or_no_events(n_ref, n_other, n_sep, draw):
    """A level in which everyone (or no one) has the outcome makes its
    coefficient infinite: the term is flagged and its profile interval is
    unbounded on that side (Albert & Anderson 1984)."""
    all_events = draw.draw(st.booleans())
    ref = draw.draw(st.lists(st.integers(0, 1), min_size=n_ref, max_size=n_ref))
    other = draw.draw(st.lists(st.integers(0, 1), min_size=n_other, max_size=n_other))
    assume(0 < sum(ref) < n_ref and 0 < sum(other) < n_other)
    sep = [int(all_events)] * n_sep
    df = pd.DataFrame(
        {"y": ref + other + sep, "g": ["a"] * n_ref + ["b"] * n_other + ["c"] * n_sep}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        with pytest.warns(SeparationWarning):
            fit = logistic(df, "y", ["g"])
    c = fit.coefficients.set_index("term")
    assert bool(c.loc["g[c]", "separation"]) and not c.loc["g[b]", "separation"]
    assert fit.fit["separation"] == "quasi-complete"
    if all_events:
        assert c.loc["g[c]", "profile_upper"] == math.inf
        assert np.isfinite(c.loc["g[c]", "profile_lower"])
    else:
        assert c.loc["g[c]", "profile_lower"] == -math.inf
        assert np.isfinite(c.loc["g[c]", "profile_upper"])


def test_logistic_needs_both_outcomes_and_rejects_n_of_one():
    with pytest.raises(ValueError, match="1 events in 1 rows"):
        logistic(pd.DataFrame({"y": [1], "x": [0.3]}), "y", ["x"])
