"""Risk ratios, Poisson rate ratios and odds ratios of two groups, with tests.

Every function accepts scalars, arrays or pandas Series (the index of a Series
is kept), is vectorised over its inputs and returns a tidy DataFrame whose
first columns are ``numerator``, ``denominator``, ``estimate``, ``lower``,
``upper``, ``method`` and ``confidence``. Each adds ``reference_numerator``,
``reference_denominator`` and ``p_value``; group 1 (``numerator``/
``denominator``) is always compared with group 2, the reference.

Undefined quantities are ``NaN`` (never an invented number); each function's
Notes say when that happens.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.proportion import score_test_proportions_2indep

from cohort.exceptions import SmallCountWarning
from cohort.stats._common import (
    ArrayLike,
    _binomial_limits,
    _check_choice,
    _check_counts,
    _check_level,
    _check_non_negative,
    _prepare,
    _two_sided_normal_p,
    _warn_zero_cells,
    _z,
)

__all__ = ["odds_ratio", "rate_ratio"]


def _mn_statistic(theta: float, a: float, n1: float, c: float, n2: float) -> float:
    """Miettinen-Nurminen score statistic for H0: p1 = theta p2 (0 at the estimate)."""
    if a / n1 == theta * c / n2:
        return 0.0  # also where the restricted variance is 0 (everyone has the event)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        statistic, _ = score_test_proportions_2indep(
            a, n1, c, n2, value=theta, compare="ratio", correction=True, return_results=False
        )
    return float(statistic)


def _root_outward(f, start: float, direction: float) -> float:
    """Root of ``f`` (which is negative at ``start``) moving away from ``start`` in
    ``direction`` on the log scale, or +/-inf if none within exp(+/-40)."""
    inner, step = start, 0.25
    while abs(inner) < 40:
        outer = inner + direction * step
        if f(outer) >= 0:
            lo, hi = sorted((inner, outer))
            return optimize.brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps)
        inner, step = outer, 2 * step
    return direction * np.inf


def _mn_limits(a: float, n1: float, c: float, n2: float, z: float) -> tuple[float, float]:
    """Miettinen-Nurminen limits for (a/n1)/(c/n2): the ratios at which the score
    statistic equals +z (lower) and -z (upper), found by Brent's method on log ratio."""
    if a + c == 0:
        return np.nan, np.nan  # no events at all: the ratio is unidentified
    if c == 0:  # unbounded above; the lower limit mirrors the reversed comparison
        _, upper_reversed = _mn_limits(c, n2, a, n1, z)
        return 1.0 / upper_reversed, np.inf

    def stat(u: float) -> float:
        return _mn_statistic(float(np.exp(u)), a, n1, c, n2)

    if a > 0:
        start = float(np.log((a / n1) / (c / n2)))
        lower = float(np.exp(_root_outward(lambda u: stat(u) - z, start, -1.0)))
    else:  # the statistic tends to 0 as the ratio tends to 0: start where it is small
        start = float(np.log((0.5 / n1) / (c / n2)))
        while stat(start) <= -z and start > -40:
            start -= 1.0
        lower = 0.0
    upper = float(np.exp(_root_outward(lambda u: -z - stat(u), start, 1.0)))
    return lower, upper


def rate_ratio(
    count1: ArrayLike,
    denom1: ArrayLike,
    count2: ArrayLike,
    denom2: ArrayLike,
    kind: Literal["risk", "rate"] = "risk",
    method: Literal["katz", "exact"] = "katz",
    level: float = 0.95,
) -> pd.DataFrame:
    """Risk ratio or Poisson rate ratio of group 1 against reference group 2.

    Parameters
    ----------
    count1, denom1 : scalar, array or Series
        Events and denominator of the compared group (e.g. Black children
        sentenced to custody, and convicted).
    count2, denom2 : scalar, array or Series
        Events and denominator of the reference group (e.g. White children).
    kind : {"risk", "rate"}, default "risk"
        ``"risk"``: binomial stage, the denominator is the number of people
        who could have the event (``count <= denom``). ``"rate"``: Poisson
        stage, the denominator is a population or person-time.
    method : {"katz", "exact"}, default "katz"
        ``"katz"`` is the log (delta-method) interval with a Wald p-value:
        Katz et al. for risks, its Poisson analogue for rates. ``"exact"`` uses
        small-sample methods: for rates the conditional binomial interval and
        test; for risks Fisher's exact test with the Miettinen-Nurminen score
        interval (see Notes).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        - ``numerator``, ``denominator``: group 1's events and denominator.
        - ``estimate``: the ratio ``(count1/denom1) / (count2/denom2)``.
        - ``lower``, ``upper``: confidence limits for the ratio.
        - ``method``: ``"katz"``, ``"poisson-log"``, ``"conditional-binomial"``
          or ``"miettinen-nurminen"``: how the interval was made.
        - ``confidence``: the confidence level.
        - ``reference_numerator``, ``reference_denominator``: group 2's
          events and denominator.
        - ``p_value``: two-sided p-value for ratio = 1 (Wald z on the log
          scale for ``"katz"``; Fisher's exact test for risks and the exact
          conditional binomial test for rates with ``"exact"``).

    Notes
    -----
    *Log intervals.* With :math:`a` of :math:`n_1` against :math:`c` of
    :math:`n_2`, :math:`RR = (a/n_1)/(c/n_2)` and the interval is
    :math:`\\exp(\\ln RR \\pm z\\,SE)` with
    :math:`SE = \\sqrt{1/a - 1/n_1 + 1/c - 1/n_2}` for risks (Katz et al.
    1978) and :math:`SE = \\sqrt{1/a + 1/c}` for Poisson rates.

    *Exact, rates.* Given :math:`a + c` events, :math:`a \\sim
    \\mathrm{Bin}(a + c, \\pi)` with :math:`\\pi = P_1 RR / (P_1 RR + P_2)`.
    The Clopper-Pearson interval for :math:`\\pi` maps to
    :math:`RR = \\pi/(1 - \\pi) \\cdot P_2/P_1`; the p-value is
    ``scipy.stats.binomtest`` at :math:`\\pi_0 = P_1/(P_1 + P_2)`.

    *Exact, risks.* Fisher's exact test (``scipy.stats.fisher_exact``) gives
    the p-value. Fisher's conditional distribution depends on the odds ratio
    only, so no exact conditional interval exists for a risk ratio; the
    interval is the Miettinen-Nurminen (1985) score interval, Koopman's
    (1984) with the variance inflated by :math:`N/(N - 1)`: the ratios
    :math:`\\theta` at which the score statistic
    :math:`(\\hat p_1 - \\theta\\hat p_2)/\\sqrt{[\\tilde p_1(1-\\tilde p_1)/n_1 +
    \\theta^2\\tilde p_2(1-\\tilde p_2)/n_2]\\,N/(N-1)}` (restricted estimates
    :math:`\\tilde p_1 = \\theta\\tilde p_2`) equals :math:`\\pm z`. The
    statistic is ``statsmodels.stats.proportion.score_test_proportions_2indep``
    (``compare="ratio"``, ``correction=True``); the roots are found by Brent's
    method on :math:`\\log\\theta`, moving out from the estimate. (statsmodels'
    own ``confint_proportions_2indep`` fails when a group has all events.)
    The interval stays finite and well-behaved with small counts and with
    events for everyone.

    *Zero cells.* With ``"katz"`` a zero count in either group makes the log
    interval and p-value undefined: they are ``NaN`` and a
    :class:`~cohort.exceptions.SmallCountWarning` suggests ``"exact"``
    (METHODS.md section 4 prefers exact methods to adding 0.5). Katz's
    standard error is 0 when everyone in both groups has the event; the
    interval and p-value are then ``NaN`` with the same warning. The
    estimate is 0 when only ``count1`` is 0, ``inf`` when only ``count2`` is 0
    (a positive risk or rate against none) and ``NaN`` when both are 0. With
    ``"exact"`` the lower limit is 0 when ``count1`` is 0 and the upper limit
    is ``inf`` (unbounded) when ``count2`` is 0; with no events at all the
    ratio is unidentified and its limits are ``NaN``. A zero denominator
    gives ``NaN`` throughout.

    Validated against METHODS.md section 4 (custody 12/60 vs 20/200: RR 2.00,
    Katz 1.04-3.85, Fisher p = 0.046; FTE 30/2,000 vs 100/20,000: RR 3.00,
    log 1.99-4.51, exact 1.93-4.55, p = 1.6e-6; RRI matrix rows), hand
    calculations of the formulas, the score-test definition of the
    Miettinen-Nurminen interval (the score statistic equals the critical
    value at both limits), and an independent R implementation of it
    (tests/stats/reference/ratios_mn.R) to 1e-9, including groups where
    everyone or no one has the event.

    References
    ----------
    Katz, D., Baptista, J., Azen, S. P. & Pike, M. C. (1978). Obtaining
    confidence intervals for the risk ratio in cohort studies.
    *Biometrics*, 34(3), 469-474.

    Koopman, P. A. R. (1984). Confidence intervals for the ratio of two
    binomial proportions. *Biometrics*, 40(2), 513-517.

    Miettinen, O. & Nurminen, M. (1985). Comparative analysis of two rates.
    *Statistics in Medicine*, 4(2), 213-226.

    Breslow, N. E. & Day, N. E. (1987). *Statistical Methods in Cancer
    Research, Vol. II*. IARC (section 2.2, conditional test for rate ratios).

    Examples
    --------
    >>> from cohort.stats import rate_ratio
    >>> rr = rate_ratio(12, 60, 20, 200)
    >>> rr[["estimate", "lower", "upper", "p_value"]].round(3)
       estimate  lower  upper  p_value
    0       2.0  1.039   3.85    0.038
    >>> rate_ratio(30, 2_000, 100, 20_000, kind="rate", method="exact").round(2).iloc[0, 2:6]
    estimate                    3.0
    lower                      1.93
    upper                      4.55
    method     conditional-binomial
    Name: 0, dtype: object
    """
    _check_choice("kind", kind, ("risk", "rate"))
    _check_choice("method", method, ("katz", "exact"))
    level = _check_level(level)
    arrays, index = _prepare(count1=count1, denom1=denom1, count2=count2, denom2=denom2)
    a, n1, c, n2 = arrays["count1"], arrays["denom1"], arrays["count2"], arrays["denom2"]
    if kind == "risk":
        _check_counts(a, n1, "count1", "denom1")
        _check_counts(c, n2, "count2", "denom2")
    else:
        _check_non_negative(count1=a, denom1=n1, count2=c, denom2=n2)
    valid = np.isfinite(a + n1 + c + n2) & (n1 > 0) & (n2 > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(valid & (c > 0), (a / n1) / (c / n2), np.nan)
    estimate[valid & (c == 0) & (a > 0)] = np.inf  # a positive rate against none
    lower = np.full(a.shape, np.nan)
    upper = np.full(a.shape, np.nan)
    p_value = np.full(a.shape, np.nan)
    z = _z(level)

    if method == "katz":
        label = "katz" if kind == "risk" else "poisson-log"
        ok = valid & (a > 0) & (c > 0)
        _warn_zero_cells(valid & ~ok, "ratio")
        if kind == "risk":
            everyone = ok & (a == n1) & (c == n2)
            if everyone.any():
                warnings.warn(
                    f"{int(everyone.sum())} row(s) have events for everyone in both groups, so "
                    "the Katz standard error is 0 and the log interval and p-value are "
                    "undefined (NaN); use method='exact' for those rows.",
                    SmallCountWarning,
                    stacklevel=2,
                )
            ok = ok & ~everyone
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "risk":
                se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
            else:
                se = np.sqrt(1 / a + 1 / c)
            log_rr = np.log(estimate)
            lower = np.where(ok, np.exp(log_rr - z * se), np.nan)
            upper = np.where(ok, np.exp(log_rr + z * se), np.nan)
            p_value = np.where(ok & (se > 0), _two_sided_normal_p(log_rr / se), np.nan)
    elif kind == "rate":
        label = "conditional-binomial"
        events = a + c
        ok = valid & (events > 0)
        lo_pi, hi_pi = _binomial_limits(
            np.where(ok, a, np.nan), np.where(ok, events, np.nan), level, "clopper-pearson"
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            lower = np.where(ok, lo_pi / (1 - lo_pi) * n2 / n1, np.nan)
            upper = np.where(ok, np.where(hi_pi < 1, hi_pi / (1 - hi_pi) * n2 / n1, np.inf), np.nan)
        for i in np.flatnonzero(ok):
            p_value[i] = stats.binomtest(
                int(round(a[i])), int(round(events[i])), n1[i] / (n1[i] + n2[i])
            ).pvalue
    else:
        label = "miettinen-nurminen"
        for i in np.flatnonzero(valid):
            table = np.array([[a[i], n1[i] - a[i]], [c[i], n2[i] - c[i]]]).round().astype(int)
            p_value[i] = stats.fisher_exact(table).pvalue
            lower[i], upper[i] = _mn_limits(a[i], n1[i], c[i], n2[i], z)
    return pd.DataFrame(
        {
            "numerator": a,
            "denominator": n1,
            "estimate": estimate,
            "lower": lower,
            "upper": upper,
            "method": label,
            "confidence": level,
            "reference_numerator": c,
            "reference_denominator": n2,
            "p_value": p_value,
        },
        index=index,
    )


def odds_ratio(
    a: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    d: ArrayLike,
    method: Literal["woolf", "exact"] = "woolf",
    level: float = 0.95,
) -> pd.DataFrame:
    """Odds ratio of a 2x2 table, group 1 (a, b) against reference group 2 (c, d).

    Parameters
    ----------
    a, b : scalar, array or Series
        Group 1: number with the event, number without.
    c, d : scalar, array or Series
        Reference group 2: number with the event, number without.
    method : {"woolf", "exact"}, default "woolf"
        ``"woolf"``: log interval with Wald p-value. ``"exact"``: conditional
        maximum-likelihood estimate with the exact conditional interval
        (``scipy.stats.contingency.odds_ratio``) and Fisher's exact p-value.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        - ``numerator``, ``denominator``: group 1's events ``a`` and size
          ``a + b``.
        - ``estimate``: the sample odds ratio :math:`ad/(bc)` (``"woolf"``)
          or the conditional MLE (``"exact"``).
        - ``lower``, ``upper``: confidence limits.
        - ``method``: ``"woolf"`` or ``"exact"``.
        - ``confidence``: the confidence level.
        - ``reference_numerator``, ``reference_denominator``: ``c`` and
          ``c + d``.
        - ``p_value``: two-sided p-value for OR = 1.

    Notes
    -----
    Woolf: :math:`\\exp(\\ln OR \\pm z\\sqrt{1/a + 1/b + 1/c + 1/d})`. A zero
    cell makes this undefined, so the limits and p-value are ``NaN`` and a
    :class:`~cohort.exceptions.SmallCountWarning` suggests ``"exact"``
    (adding 0.5 to every cell is deliberately not done). The estimate is 0
    when ``a`` or ``d`` is 0 and ``NaN`` when ``b`` or ``c`` is 0. The exact
    interval is finite where it exists (lower 0 or upper ``inf`` otherwise).

    Validated against a hand calculation of Woolf's formula and against
    scipy's conditional odds ratio and Fisher test on the METHODS.md section
    4 custody table (12/60 vs 20/200).

    References
    ----------
    Woolf, B. (1955). On estimating the relation between blood group and
    disease. *Annals of Human Genetics*, 19(4), 251-253.

    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Wiley,
    sections 3.1 and 16.6.

    Examples
    --------
    >>> from cohort.stats import odds_ratio
    >>> odds_ratio(12, 48, 20, 180)[["estimate", "lower", "upper"]].round(2)
       estimate  lower  upper
    0      2.25   1.03   4.92
    """
    _check_choice("method", method, ("woolf", "exact"))
    level = _check_level(level)
    arrays, index = _prepare(a=a, b=b, c=c, d=d)
    ca, cb, cc, cd = arrays["a"], arrays["b"], arrays["c"], arrays["d"]
    _check_non_negative(a=ca, b=cb, c=cc, d=cd)
    valid = np.isfinite(ca + cb + cc + cd)
    lower = np.full(ca.shape, np.nan)
    upper = np.full(ca.shape, np.nan)
    p_value = np.full(ca.shape, np.nan)
    if method == "woolf":
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate = np.where(valid & (cb > 0) & (cc > 0), ca * cd / (cb * cc), np.nan)
            ok = valid & (ca > 0) & (cb > 0) & (cc > 0) & (cd > 0)
            _warn_zero_cells(valid & ~ok, "odds ratio")
            se = np.sqrt(1 / ca + 1 / cb + 1 / cc + 1 / cd)
            log_or = np.log(estimate)
            z = _z(level)
            lower = np.where(ok, np.exp(log_or - z * se), np.nan)
            upper = np.where(ok, np.exp(log_or + z * se), np.nan)
            p_value = np.where(ok, _two_sided_normal_p(log_or / se), np.nan)
    else:
        estimate = np.full(ca.shape, np.nan)
        for i in np.flatnonzero(valid):
            table = np.array([[ca[i], cb[i]], [cc[i], cd[i]]]).round().astype(int)
            p_value[i] = stats.fisher_exact(table).pvalue
            if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
                continue  # an empty row or column: the odds ratio is unidentified
            res = stats.contingency.odds_ratio(table, kind="conditional")
            ci = res.confidence_interval(confidence_level=level)
            estimate[i], lower[i], upper[i] = res.statistic, ci.low, ci.high
    return pd.DataFrame(
        {
            "numerator": ca,
            "denominator": ca + cb,
            "estimate": estimate,
            "lower": lower,
            "upper": upper,
            "method": method,
            "confidence": level,
            "reference_numerator": cc,
            "reference_denominator": cc + cd,
            "p_value": p_value,
        },
        index=index,
    )
