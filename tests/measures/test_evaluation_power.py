"""Power, minimum detectable differences and E-values, against R and hand calculations.

R values were produced with R 4 (``stats`` package) on this machine, with
``tol = 1e-12`` so that R's own root finder is not the limiting precision
(its default tolerance, 1.2e-4, moves the fourth decimal).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cohort.measures.evaluation import (
    detectability,
    e_value,
    events_needed,
    minimum_detectable_difference,
    minimum_detectable_hazard_ratio,
    sample_size,
)


def test_proportion_decrease_matches_power_prop_test():
    """R: ``power.prop.test(n = 500, p2 = 0.2, power = 0.8, tol = 1e-12)$p1`` = 0.1339917561."""
    mdd = minimum_detectable_difference(500, 500, base=0.2)
    assert 0.2 + mdd == pytest.approx(0.1339917561, abs=1e-6)


def test_proportion_increase_matches_power_prop_test():
    """R: ``power.prop.test(n = 300, p1 = 0.3, power = 0.8, tol = 1e-12)$p2`` = 0.4092171396."""
    mdd = minimum_detectable_difference(300, 300, base=0.3, direction="increase")
    assert 0.3 + mdd == pytest.approx(0.4092171396, abs=1e-6)


def test_proportion_rare_base_matches_power_prop_test():
    """R: ``power.prop.test(n = 2000, p2 = 0.01, power = 0.8, tol = 1e-12)$p1`` = 0.00290780022."""
    mdd = minimum_detectable_difference(2000, 2000, base=0.01)
    assert 0.01 + mdd == pytest.approx(0.00290780022, abs=1e-7)


def test_undetectable_fall_is_nan():
    """R: ``power.prop.test(n = 94, p2 = 0.02, power = 0.8)`` finds no p1 below 0.02 (its
    ``extendInt`` search returns 0.125, above p2): with 94 a group, even a fall from 2% to
    none is detected with power below 80%. Hand check of that power at p1 = 0:
    pbar = 0.01, z = (0.02 - 1.96 sqrt(0.01 x 0.99 x 2/94)) / sqrt(0.02 x 0.98/94)."""
    assert math.isnan(minimum_detectable_difference(94, 94, base=0.02))
    z = (0.02 - 1.959964 * math.sqrt(0.01 * 0.99 * 2 / 94)) / math.sqrt(0.02 * 0.98 / 94)
    assert stats.norm.cdf(z) < 0.8


def test_unequal_groups_reach_the_stated_power():
    """Unequal groups (R's power.prop.test has none): at the returned difference, the power
    of the pooled two-proportion z test written out by hand is 80%."""
    n1, n2, p0 = 120, 6000, 0.35
    p1 = p0 + minimum_detectable_difference(n1, n2, base=p0)
    pbar = (n1 * p1 + n2 * p0) / (n1 + n2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se1 = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n2)
    z = stats.norm.isf(0.025)
    power = stats.norm.cdf((abs(p1 - p0) - z * se0) / se1) + stats.norm.cdf((-abs(p1 - p0) - z * se0) / se1)
    assert power == pytest.approx(0.8, abs=1e-6)


def test_sample_size_proportions_matches_power_prop_test():
    """R: ``power.prop.test(p1 = 0.2, p2 = 0.1, power = 0.8, tol = 1e-12)$n`` = 198.9634133."""
    assert sample_size(-0.1, base=0.2) == pytest.approx(198.9634133, rel=1e-5)
    assert sample_size(0.1, base=0.1) == pytest.approx(198.9634133, rel=1e-5)


def test_means_match_power_t_test():
    """R: ``power.t.test(n = 94, sd = 4.5, power = 0.8, tol = 1e-12)$delta`` = 1.848502325 and
    ``power.t.test(delta = 2, sd = 4.5, power = 0.8, tol = 1e-12)$n`` = 80.44162819
    (statsmodels counts both tails, R one: the difference is below 1e-5)."""
    assert minimum_detectable_difference(94, 94, kind="mean", sd=4.5) == pytest.approx(1.848502325, rel=1e-5)
    assert sample_size(2.0, kind="mean", sd=4.5) == pytest.approx(80.44162819, rel=1e-5)


def test_schoenfeld_by_hand():
    """Schoenfeld (1983): D = (z_0.975 + z_0.8)^2 / (s(1-s) log^2 HR); HR 0.5, s = 0.5:
    (1.959964 + 0.841621)^2 / (0.25 x 0.480453) = 7.848879 / 0.120113 = 65.3457."""
    assert events_needed(0.5) == pytest.approx(65.3457, abs=1e-3)
    assert minimum_detectable_hazard_ratio(65.3457) == pytest.approx(0.5, abs=1e-5)
    # a quarter of the people treated: s(1 - s) = 0.1875
    assert events_needed(0.5, share=0.25) == pytest.approx(7.848879 / (0.1875 * math.log(0.5) ** 2), rel=1e-6)


def test_detectability_zero_events_by_hand():
    """Chance that none of 94 becomes known at a 2% base rate: 0.98^94 = 0.1499."""
    t = detectability(94, base_rates=(0.02,), comparison_ratios=(1.0,), sd_change=4.5)
    row = t[t["outcome"] == "first_formal_outcome"].iloc[0]
    assert row["p_none_if_no_effect"] == pytest.approx(0.98 ** 94, abs=1e-12)
    att = t[t["outcome"] == "attendance_change"].iloc[0]
    assert att["minimum_detectable"] == pytest.approx(1.848502325, rel=1e-5)  # power.t.test above


def test_e_value_worked_example():
    """VanderWeele & Ding (2017), the paper's example: RR 3.9 (95% CI 1.8 to 8.7).
    By hand: 3.9 + sqrt(3.9 x 2.9) = 3.9 + 3.3630 = 7.2630; 1.8 + sqrt(1.8 x 0.8) = 3.0."""
    r = e_value(3.9, 1.8, 8.7).iloc[0]
    assert r["e_value"] == pytest.approx(7.2630, abs=1e-4)
    assert r["limit"] == 1.8
    assert r["e_value_limit"] == pytest.approx(3.0, abs=1e-12)


def test_e_value_protective_and_crossing_one():
    """A ratio below 1 is inverted: HR 0.5 (rare outcome) -> 2 + sqrt(2) = 3.4142; its upper
    limit 0.83 -> 1/0.83 = 1.2048, 1.2048 + sqrt(1.2048 x 0.2048) = 1.7016. An interval that
    includes 1 has limit E-value 1."""
    r = e_value(0.5, 0.3, 0.83, measure="hazard_ratio").iloc[0]
    assert r["e_value"] == pytest.approx(2 + math.sqrt(2), abs=1e-9)
    assert r["e_value_limit"] == pytest.approx(1.7016, abs=1e-4)
    assert e_value(0.5, 0.2, 1.3).iloc[0]["e_value_limit"] == 1.0


def test_e_value_common_outcomes():
    """Common outcomes (VanderWeele & Ding, Table 2): HR 0.5 -> RR = (1 - 0.5^sqrt(0.5)) /
    (1 - 0.5^sqrt(2)) = 0.38745 / 0.62479 = 0.62014, inverted 1.61255, E = 1.61255 +
    sqrt(1.61255 x 0.61255) = 2.6064; OR 2.5 -> sqrt(2.5) = 1.58114, E = 2.5397."""
    assert e_value(0.5, measure="hazard_ratio", rare=False).iloc[0]["e_value"] == pytest.approx(2.6064, abs=1e-4)
    assert e_value(2.5, measure="odds_ratio", rare=False).iloc[0]["e_value"] == pytest.approx(2.5397, abs=1e-4)
    assert np.isnan(e_value(2.5).iloc[0]["e_value_limit"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: minimum_detectable_difference(10, 10, base=1.5), "base"),
        (lambda: minimum_detectable_difference(10, 10, kind="mean"), "sd"),
        (lambda: minimum_detectable_difference(10, 10, base=0.2, kind="ratio"), "kind must be one of"),
        (lambda: minimum_detectable_difference(10, 10, base=0.2, power=1.2), "power"),
        (lambda: events_needed(1.0), "hazard_ratio"),
        (lambda: e_value(-1.0), "positive"),
        (lambda: e_value(2.0, measure="rate_ratio"), "measure must be one of"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
