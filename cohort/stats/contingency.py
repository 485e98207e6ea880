"""Pearson's chi-squared test of a 2x2 table, with or without Yates' continuity correction.

Vectorised over tables given as four counts ``a, b, c, d`` (group 1 with and
without the event, reference group 2 with and without), like
:func:`cohort.stats.odds_ratio`.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from cohort.exceptions import SmallCountWarning
from cohort.stats._common import ArrayLike, _check_choice, _check_non_negative, _prepare

__all__ = ["chi_square_2x2"]


def chi_square_2x2(
    a: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    d: ArrayLike,
    method: Literal["yates", "pearson"] = "yates",
) -> pd.DataFrame:
    """Chi-squared test of independence of a 2x2 table (group by outcome).

    Parameters
    ----------
    a, b : scalar, array or Series
        Group 1: number with the event, number without.
    c, d : scalar, array or Series
        Reference group 2: number with the event, number without.
    method : {"yates", "pearson"}, default "yates"
        ``"yates"``: with Yates' continuity correction (R ``chisq.test``'s
        and scipy's default for 2x2 tables). ``"pearson"``: without it; this
        p-value equals the pooled two-proportion z-test of
        :func:`cohort.stats.proportion_difference`.

    Returns
    -------
    pandas.DataFrame
        One row per table (index kept from a Series input):

        - ``numerator``, ``denominator``: group 1's events ``a`` and size
          ``a + b``.
        - ``reference_numerator``, ``reference_denominator``: ``c`` and
          ``c + d``.
        - ``statistic``: the chi-squared statistic.
        - ``df``: degrees of freedom (1).
        - ``p_value``: upper tail of :math:`\\chi^2_1` at the statistic.
        - ``method``: ``"yates"`` or ``"pearson"``.
        - ``min_expected``: the smallest expected count.

    Notes
    -----
    With expected counts :math:`E = \\text{row total} \\times \\text{column
    total} / N`, Pearson's statistic is :math:`\\sum (O - E)^2/E`; Yates'
    is :math:`\\sum (|O - E| - \\min(0.5, |O - E|))^2/E`, the correction
    capped at :math:`|O - E|` as in R and scipy
    (``scipy.stats.chi2_contingency``, which computes both here). A table
    with an empty row or column has no test (``NaN``). When an expected
    count is below 5 the chi-squared approximation is poor and a
    :class:`~cohort.exceptions.SmallCountWarning` recommends Fisher's exact
    test (the ``p_value`` of :func:`cohort.stats.odds_ratio` with
    ``method="exact"``), as R warns "Chi-squared approximation may be
    incorrect".

    Validated against R 4.2.2 ``chisq.test(m, correct = TRUE/FALSE)`` on
    five tables, including expected counts below 5, a zero cell and a table
    where the correction is capped (tests/stats/test_stats_contingency.py).

    References
    ----------
    Yates, F. (1934). Contingency tables involving small numbers and the
    chi-squared test. *Supplement to the Journal of the Royal Statistical
    Society*, 1(2), 217-235.

    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Wiley,
    sections 3.2 and 3.5.

    Examples
    --------
    >>> from cohort.stats import chi_square_2x2
    >>> chi_square_2x2(12, 48, 20, 180)[["statistic", "p_value", "method"]].round(4)
       statistic  p_value method
    0       3.40   0.0652  yates
    >>> chi_square_2x2(12, 48, 20, 180, method="pearson")[["statistic", "p_value"]].round(4)
       statistic  p_value
    0     4.2763   0.0386
    """
    _check_choice("method", method, ("yates", "pearson"))
    arrays, index = _prepare(a=a, b=b, c=c, d=d)
    ca, cb, cc, cd = arrays["a"], arrays["b"], arrays["c"], arrays["d"]
    _check_non_negative(a=ca, b=cb, c=cc, d=cd)
    statistic = np.full(ca.shape, np.nan)
    p_value = np.full(ca.shape, np.nan)
    min_expected = np.full(ca.shape, np.nan)
    valid = np.isfinite(ca + cb + cc + cd)
    for i in np.flatnonzero(valid):
        table = np.array([[ca[i], cb[i]], [cc[i], cd[i]]])
        expected = stats.contingency.expected_freq(table)
        min_expected[i] = expected.min()
        if min_expected[i] == 0:
            continue  # an empty row or column: no test
        result = stats.chi2_contingency(table, correction=method == "yates")
        statistic[i], p_value[i] = result.statistic, result.pvalue
    small = valid & (min_expected < 5)
    if small.any():
        warnings.warn(
            f"{int(small.sum())} table(s) have an expected count below 5, so the "
            "chi-squared approximation may be poor; use Fisher's exact test "
            "(odds_ratio(..., method='exact')).",
            SmallCountWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        {
            "numerator": ca,
            "denominator": ca + cb,
            "reference_numerator": cc,
            "reference_denominator": cc + cd,
            "statistic": statistic,
            "df": 1,
            "p_value": p_value,
            "method": method,
            "min_expected": min_expected,
        },
        index=index,
    )
