"""The planted Community Youth Connectors effects are recovered, and the naive comparison is not.

What the generator plants (docs/synthetic.md, ``metadata["planted_effects"]``):
attendance +6.5 points in the programme year (before clipping at 100%, which
leaves 6.04 on average for the participants: tests/reference/cyc_attendance_truth.py),
a hazard ratio of 0.5 for an offence leading to a first formal outcome in
the 12 months after the start, and selection into the programme on observed
characteristics (lower attendance the year before, SEND, free school meals,
looked after, older).
"""

from __future__ import annotations

import numpy as np
import pytest

import cohort
from cohort.measures.evaluation import evaluate

CYC = "Community Youth Connectors"
#: The effect participants receive, by simulation of the documented model (see module docstring).
ATTENDANCE_TRUTH = 6.04


@pytest.fixture(scope="module")
def scale1():
    data = cohort.synthetic.generate()  # seed 2024, the demo data
    return data, evaluate(data, CYC, sensitivity=False)


@pytest.fixture(scope="module")
def scale6():
    data = cohort.synthetic.generate(scale=6)  # seed 2024, six times the demo's populations
    return data, evaluate(data, CYC, sensitivity=False)


def test_planted_values_are_what_the_tests_assume(scale1):
    planted = scale1[0].metadata["planted_effects"]
    assert planted["cyc_attendance_change_pp"] == 6.5
    assert planted["cyc_first_formal_hazard_ratio"] == 0.5


def test_attendance_effect_recovered_at_scale_1(scale1):
    """Planted +6.5 (6.04 after clipping). Matched difference in differences, 417 participants:
    6.07 (95% CI 5.52 to 6.63, SE 0.28); naive (every eligible non-participant girl, unmatched):
    7.27."""
    o = scale1[1].outcomes_.set_index("outcome").loc["attendance_change"]
    assert o["estimate"] == pytest.approx(6.07, abs=0.01)
    assert o["lower"] <= 6.5 <= o["upper"]
    assert o["lower"] <= ATTENDANCE_TRUTH <= o["upper"]
    assert o["significant"]


def test_naive_attendance_comparison_is_biased_upwards(scale1):
    """Participants were chosen for low attendance the year before, which recovers by itself
    (regression to the mean, about +1 point in docs/synthetic.md), so comparing their change
    with every non-participant's overstates the effect: naive 7.27 - matched 6.07 = 1.20, more
    than the matched SE 0.28, and upwards."""
    ev = scale1[1]
    naive = ev.naive_.set_index("outcome").loc["attendance_change", "estimate"]
    matched = ev.outcomes_.set_index("outcome").loc["attendance_change"]
    assert naive == pytest.approx(7.27, abs=0.01)
    assert naive - matched["estimate"] > matched["std_error"]
    assert naive - matched["estimate"] > 0


def test_hazard_ratio_recovered_at_scale_6(scale6):
    """Planted hazard ratio 0.5. At scale 6 (seed 2024: 2,509 matched participants, 10 of them
    and 41 comparison children with an event in the matched sets), the matched hazard ratio is
    0.39 (95% CI 0.20 to 0.75): it covers 0.5 and its upper limit is below 1. Seed to seed it
    varies: at scale 10 on 16 other seeds 15 intervals covered 0.5 and 11 had an upper limit
    below 1 (tests/reference/evaluation_hazard_seeds.py)."""
    h = scale6[1].outcomes_.set_index("outcome").loc["time_to_first_offence"]
    assert h["estimate"] == pytest.approx(0.39, abs=0.01)
    assert h["lower"] <= 0.5 <= h["upper"] < 1


def test_naive_hazard_ratio_is_biased_upwards(scale6):
    """Participants were chosen for characteristics that also raise their risk of offending
    (free school meals, SEND, low attendance), so comparing them with every non-participant girl
    makes the programme look harmful: naive hazard ratio 1.14 against the matched 0.39; the gap
    on the log scale, log(1.14/0.39) = 1.07, is three times the matched SE 0.34."""
    ev = scale6[1]
    naive = ev.naive_.set_index("outcome").loc["time_to_first_offence", "estimate"]
    matched = ev.outcomes_.set_index("outcome").loc["time_to_first_offence"]
    assert naive == pytest.approx(1.14, abs=0.01)
    assert np.log(naive) - np.log(matched["estimate"]) > matched["std_error"]


def test_attendance_effect_and_balance_at_scale_6(scale6):
    """Matched 6.27 (6.01 to 6.52): the interval covers the effect participants receive (6.04);
    every |SMD| below 4% after matching."""
    ev = scale6[1]
    o = ev.outcomes_.set_index("outcome").loc["attendance_change"]
    assert o["estimate"] == pytest.approx(6.27, abs=0.01)
    assert o["lower"] <= ATTENDANCE_TRUTH <= o["upper"]
    assert ev.balance_.loc[ev.balance_["sample"] == "after", "smd"].abs().max() < 4


@pytest.mark.slow
def test_attendance_interval_coverage_over_100_seeds():
    """Coverage of the 95% interval of the matched attendance effect over seeds 1-100
    (``generate(seed, authorities=3, scale=1)``: two authorities run the project, about 420
    matched participants each time). Measured: 96 of 100 intervals cover the participants'
    effect 6.04; mean estimate 6.00, SD 0.31 against a mean SE of 0.30. Only 65 of 100
    cover the planted 6.5, which clipping at 100% attendance makes unreachable. About 100 s."""
    hits, estimates = [], []
    for seed in range(1, 101):
        data = cohort.synthetic.generate(seed=seed, authorities=3, scale=1)
        ev = evaluate(data, CYC, outcomes=["attendance_change"], sensitivity=False)
        o = ev.outcomes_.iloc[0]
        hits.append(o["lower"] <= ATTENDANCE_TRUTH <= o["upper"])
        estimates.append(o["estimate"])
    coverage = float(np.mean(hits))
    assert 0.90 <= coverage <= 0.99, coverage
    assert abs(np.mean(estimates) - ATTENDANCE_TRUTH) < 0.1
