"""Tests for cohort.stats.chi_square_2x2 against R's chisq.test.

R 4.2.2, tests/stats/reference/contingency_chisq.R::

    m <- matrix(c(a, b, c, d), 2, byrow = TRUE)
    chisq.test(m, correct = TRUE); chisq.test(m, correct = FALSE)
                                yates           p_yates          pearson         p_pearson   min_expected
    [1,] 12   48  20   180  3.39996801901 6.51976831345e-02  4.2763157894737 3.86470310510e-02  7.38461538462
    [2,]  3    7   1     9  0.31250000000 5.76150122031e-01  1.2500000000000 2.63552477283e-01  2.00000000000
    [3,]  5    5   5     6  0.00000000000 1.00000000000e+00  0.0433884297521 8.34995594211e-01  4.76190476190
    [4,] 30 1970 100 19900 29.27317013119 6.28600558335e-08 30.9521297175618 2.64471710083e-08 11.81818181818
    [5,]  0   10   4     6  2.81250000000 9.35325126891e-02  5.0000000000000 2.53473186775e-02  2.00000000000

Row 3 has every |O - E| below 0.5, so the capped correction gives exactly 0.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from cohort.exceptions import SmallCountWarning
from cohort.stats import chi_square_2x2, proportion_difference

R_TABLE = [
    (12, 48, 20, 180, 3.39996801901, 6.51976831345e-02, 4.2763157894737, 3.86470310510e-02, 7.38461538462),
    (3, 7, 1, 9, 0.31250000000, 5.76150122031e-01, 1.2500000000000, 2.63552477283e-01, 2.0),
    (5, 5, 5, 6, 0.0, 1.0, 0.0433884297521, 8.34995594211e-01, 4.76190476190),
    (30, 1970, 100, 19900, 29.27317013119, 6.28600558335e-08, 30.9521297175618, 2.64471710083e-08, 11.81818181818),
    (0, 10, 4, 6, 2.81250000000, 9.35325126891e-02, 5.0, 2.53473186775e-02, 2.0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b", "c", "d", "yates", "p_yates", "pearson", "p_pearson", "emin"), R_TABLE
)
def test_chi_square_equals_r_chisq_test(a, b, c, d, yates, p_yates, pearson, p_pearson, emin):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCountWarning)
        corrected = chi_square_2x2(a, b, c, d).iloc[0]
        plain = chi_square_2x2(a, b, c, d, method="pearson").iloc[0]
    assert corrected["method"] == "yates" and plain["method"] == "pearson"
    assert corrected["statistic"] == pytest.approx(yates, abs=1e-9)
    assert corrected["p_value"] == pytest.approx(p_yates, rel=1e-9)
    assert plain["statistic"] == pytest.approx(pearson, abs=1e-9)
    assert plain["p_value"] == pytest.approx(p_pearson, rel=1e-9)
    assert plain["min_expected"] == pytest.approx(emin, rel=1e-9)
    assert (plain["numerator"], plain["denominator"]) == (a, a + b)
    assert (plain["reference_numerator"], plain["reference_denominator"]) == (c, c + d)
    assert plain["df"] == 1


def test_pearson_p_value_equals_the_pooled_z_test():
    """Without correction the 2x2 chi-squared test is the square of the pooled
    two-proportion z-test (Agresti 2013, section 3.2)."""
    chi = chi_square_2x2([12, 30], [48, 1970], [20, 100], [180, 19900], method="pearson")
    z = proportion_difference([12, 30], [60, 2000], [20, 100], [200, 20000])
    np.testing.assert_allclose(chi["p_value"], z["p_value"], rtol=1e-10)


def test_vectorised_small_counts_warn_and_empty_margins_are_nan():
    with pytest.warns(SmallCountWarning, match="1 table"):
        out = chi_square_2x2(pd.Series([12, 3], index=["x", "y"]), [48, 7], [20, 1], [180, 9])
    assert list(out.index) == ["x", "y"]
    with pytest.warns(SmallCountWarning):
        empty = chi_square_2x2(0, 0, 3, 7).iloc[0]
    assert np.isnan(empty["statistic"]) and np.isnan(empty["p_value"])
    assert empty["min_expected"] == 0
    with pytest.raises(ValueError, match="'yates', 'pearson'"):
        chi_square_2x2(1, 2, 3, 4, method="fisher")
    with pytest.raises(ValueError, match="non-negative"):
        chi_square_2x2(-1, 2, 3, 4)
