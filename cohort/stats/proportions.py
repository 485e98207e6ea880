"""Confidence intervals for a proportion and for the difference of two proportions.

Every function accepts scalars, arrays or pandas Series (the index of a Series
is kept), is vectorised over its inputs and returns a tidy DataFrame whose
first columns are ``numerator``, ``denominator``, ``estimate``, ``lower``,
``upper``, ``method`` and ``confidence``. :func:`proportion_difference` adds
``reference_numerator``, ``reference_denominator`` and ``p_value``; group 1 is
compared with group 2, the reference.

Undefined quantities are ``NaN`` (never an invented number); each function's
Notes say when that happens.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from cohort.stats._common import (
    ArrayLike,
    _binomial_limits,
    _check_choice,
    _check_counts,
    _check_level,
    _prepare,
    _two_sided_normal_p,
    _z,
)

__all__ = ["proportion_ci", "proportion_difference"]


def proportion_ci(
    count: ArrayLike,
    n: ArrayLike,
    method: Literal["wilson", "clopper-pearson", "jeffreys"] = "wilson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Confidence interval for a binomial proportion.

    Parameters
    ----------
    count : scalar, array or Series
        Number of successes (e.g. children who reoffended). Non-negative and at
        most ``n``; ``NaN`` gives a ``NaN`` row.
    n : scalar, array or Series
        Number of trials (the cohort). ``n == 0`` gives ``NaN`` estimate and
        limits: a proportion of nobody is undefined.
    method : {"wilson", "clopper-pearson", "jeffreys"}, default "wilson"
        Interval method. Wilson is the default, as recommended for small
        counts by Brown, Cai & DasGupta (2001) and used by PHE/OHID.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    pandas.DataFrame
        One row per input element (index kept from a Series input):

        - ``numerator``: the count.
        - ``denominator``: ``n``.
        - ``estimate``: ``count / n``.
        - ``lower``, ``upper``: the confidence limits, within [0, 1].
        - ``method``: the interval method used.
        - ``confidence``: the confidence level.

    Notes
    -----
    With :math:`z = \\Phi^{-1}(1 - \\alpha/2)`, the Wilson score limits are

    .. math:: \\frac{2x + z^2 \\mp z\\sqrt{z^2 + 4x(1 - x/n)}}{2(n + z^2)},

    computed by ``statsmodels.stats.proportion.proportion_confint``. The
    Clopper-Pearson ("exact") limits are beta quantiles
    :math:`B(\\alpha/2; x, n - x + 1)` and :math:`B(1 - \\alpha/2; x + 1, n - x)`
    (statsmodels ``method="beta"``). The Jeffreys limits are quantiles of
    :math:`B(x + 1/2, n - x + 1/2)`; following Brown, Cai & DasGupta (2001,
    section 4.1.2) the lower limit is set to 0 when :math:`x = 0` and the upper
    to 1 when :math:`x = n` (statsmodels does not apply this correction). All
    three methods give limits at the boundaries without warnings: Wilson 0/12
    gives 0 to 0.242.

    Validated against the worked numbers in the project's METHODS.md (Wilson
    0/12, 3/12, 37/100, 70/200), a hand calculation of the Wilson formula,
    scipy's ``binomtest(...).proportion_ci`` for Clopper-Pearson and beta
    quantiles for Jeffreys.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *Journal of the American Statistical Association*,
    22(158), 209-212.

    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial
    limits illustrated in the case of the binomial. *Biometrika*, 26(4),
    404-413.

    Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
    binomial proportion. *Statistical Science*, 16(2), 101-133.

    Examples
    --------
    >>> from cohort.stats import proportion_ci
    >>> proportion_ci([0, 3, 37], [12, 12, 100]).round(3)
       numerator  denominator  estimate  lower  upper  method  confidence
    0        0.0         12.0     0.000  0.000  0.242  wilson        0.95
    1        3.0         12.0     0.250  0.089  0.532  wilson        0.95
    2       37.0        100.0     0.370  0.282  0.468  wilson        0.95
    """
    _check_choice("method", method, ("wilson", "clopper-pearson", "jeffreys"))
    level = _check_level(level)
    arrays, index = _prepare(count=count, n=n)
    x, total = arrays["count"], arrays["n"]
    _check_counts(x, total, "count", "n")
    lower, upper = _binomial_limits(x, total, level, method)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(total > 0, x / total, np.nan)
    return pd.DataFrame(
        {
            "numerator": x,
            "denominator": total,
            "estimate": estimate,
            "lower": lower,
            "upper": upper,
            "method": method,
            "confidence": level,
        },
        index=index,
    )


def proportion_difference(
    count1: ArrayLike,
    n1: ArrayLike,
    count2: ArrayLike,
    n2: ArrayLike,
    level: float = 0.95,
    method: Literal["newcombe", "wald"] = "newcombe",
) -> pd.DataFrame:
    """Difference of two independent proportions, group 1 minus reference group 2.

    Parameters
    ----------
    count1, n1 : scalar, array or Series
        Events and size of group 1 (e.g. the treatment group).
    count2, n2 : scalar, array or Series
        Events and size of the reference group 2 (e.g. the comparison group).
    level : float, default 0.95
        Confidence level.
    method : {"newcombe", "wald"}, default "newcombe"
        ``"newcombe"``: Newcombe's hybrid score interval (method 10) with the
        pooled score z-test (the uncorrected Pearson chi-squared test).
        ``"wald"``: the simple normal approximation with unpooled standard
        error and Wald test, the convention of Justice Data Lab tables.

    Returns
    -------
    pandas.DataFrame
        - ``numerator``, ``denominator``: group 1's events and size.
        - ``estimate``: ``count1/n1 - count2/n2`` (a proportion, not
          percentage points).
        - ``lower``, ``upper``: confidence limits for the difference.
        - ``method``: ``"newcombe"`` or ``"wald"``.
        - ``confidence``: the confidence level.
        - ``reference_numerator``, ``reference_denominator``: group 2's
          events and size.
        - ``p_value``: two-sided p-value for no difference.

    Notes
    -----
    Newcombe's method 10 combines the Wilson limits :math:`(l_i, u_i)` of each
    proportion: with :math:`d = p_1 - p_2`,

    .. math::

        d - \\sqrt{(p_1 - l_1)^2 + (u_2 - p_2)^2}, \\qquad
        d + \\sqrt{(u_1 - p_1)^2 + (p_2 - l_2)^2}.

    Its p-value uses :math:`z = d/\\sqrt{\\bar p(1 - \\bar p)(1/n_1 + 1/n_2)}`
    with the pooled :math:`\\bar p`. The Wald interval is
    :math:`d \\pm z\\sqrt{p_1(1 - p_1)/n_1 + p_2(1 - p_2)/n_2}` with the Wald
    test; it collapses to a point when both proportions are 0 or 1, which is
    why Newcombe is the default. A group of size 0 gives ``NaN``; the p-value
    is ``NaN`` when both groups have no events (or only events), as the test
    statistic is then 0/0.

    Validated against Newcombe's (1998) worked example for method 10
    (56/70 vs 48/80: 0.0524 to 0.3339) and METHODS.md section 6 (120 at 25%
    vs 6,000 at 35%: -10.0 pp, Wald 95% CI -17.8 to -2.2, p = 0.012).

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890.

    Examples
    --------
    >>> from cohort.stats import proportion_difference
    >>> proportion_difference(56, 70, 48, 80)[["estimate", "lower", "upper"]].round(4)
       estimate   lower   upper
    0       0.2  0.0524  0.3339
    """
    _check_choice("method", method, ("newcombe", "wald"))
    level = _check_level(level)
    arrays, index = _prepare(count1=count1, n1=n1, count2=count2, n2=n2)
    x1, m1, x2, m2 = arrays["count1"], arrays["n1"], arrays["count2"], arrays["n2"]
    _check_counts(x1, m1, "count1", "n1")
    _check_counts(x2, m2, "count2", "n2")
    valid = (m1 > 0) & (m2 > 0)
    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.where(valid, x1 / m1, np.nan)
        p2 = np.where(valid, x2 / m2, np.nan)
        d = p1 - p2
        if method == "newcombe":
            l1, u1 = _binomial_limits(x1, m1, level, "wilson")
            l2, u2 = _binomial_limits(x2, m2, level, "wilson")
            lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
            upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
            pooled = (x1 + x2) / (m1 + m2)
            se0 = np.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
            p_value = np.where(se0 > 0, _two_sided_normal_p(d / se0), np.nan)
        else:
            se = np.sqrt(p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2)
            lower = d - z * se
            upper = d + z * se
            p_value = np.where(se > 0, _two_sided_normal_p(d / se), np.nan)
    return pd.DataFrame(
        {
            "numerator": x1,
            "denominator": m1,
            "estimate": d,
            "lower": lower,
            "upper": upper,
            "method": method,
            "confidence": level,
            "reference_numerator": x2,
            "reference_denominator": m2,
            "p_value": p_value,
        },
        index=index,
    )
