"""Confidence intervals for Poisson counts expressed as rates (exact, Byar, the PHE rule).

Every function accepts scalars, arrays or pandas Series (the index of a Series
is kept), is vectorised over its inputs and returns a tidy DataFrame whose
first columns are ``numerator``, ``denominator``, ``estimate``, ``lower``,
``upper``, ``method`` and ``confidence``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from cohort.stats._common import (
    ArrayLike,
    _check_choice,
    _check_level,
    _check_non_negative,
    _prepare,
    _z,
)

__all__ = ["rate_ci"]


def _poisson_exact(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, stats.chi2.ppf(alpha / 2, 2 * count) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    lower[np.isnan(count)] = np.nan
    return lower, upper


def _poisson_byar(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(
            count > 0,
            count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3,
            0.0,
        )
        o1 = count + 1
        upper = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    lower[np.isnan(count)] = np.nan
    return np.maximum(lower, 0.0), upper


def rate_ci(
    count: ArrayLike,
    denominator: ArrayLike,
    per: float = 100_000,
    method: Literal["phe", "exact", "byar"] = "phe",
    level: float = 0.95,
) -> pd.DataFrame:
    """Confidence interval for a Poisson count expressed as a rate.

    Parameters
    ----------
    count : scalar, array or Series
        Number of events (e.g. first time entrants). Non-negative.
    denominator : scalar, array or Series
        Population or person-time. Zero gives ``NaN`` estimate and limits.
    per : float, default 100_000
        Multiplier: the rate is ``count / denominator * per``.
    method : {"phe", "exact", "byar"}, default "phe"
        ``"exact"`` is the exact Poisson (chi-squared) interval; ``"byar"`` is
        Byar's approximation; ``"phe"`` is the PHE/OHID rule: exact below 10
        events, Byar at 10 or more. The ``method`` column records which one
        each row used.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        - ``numerator``: the count.
        - ``denominator``: the population.
        - ``estimate``: ``count / denominator * per``.
        - ``lower``, ``upper``: limits on the same scale as ``estimate``.
        - ``method``: ``"exact"`` or ``"byar"``, per row.
        - ``confidence``: the confidence level.

    Notes
    -----
    For an observed count :math:`O` the exact limits for the expected count
    are :math:`\\chi^2_{\\alpha/2}(2O)/2` (0 when :math:`O = 0`) and
    :math:`\\chi^2_{1-\\alpha/2}(2O + 2)/2`. Byar's limits are

    .. math::

        O\\left(1 - \\frac{1}{9O} - \\frac{z}{3\\sqrt{O}}\\right)^3, \\qquad
        (O + 1)\\left(1 - \\frac{1}{9(O + 1)} + \\frac{z}{3\\sqrt{O + 1}}\\right)^3.

    Both are divided by the denominator and multiplied by ``per``. The PHE
    technical guide notes Byar's 95% interval is within 0.2% of the exact one
    from 10 events; PHEindicatormethods applies exactly this rule. The
    denominator is treated as known without error.

    Validated against the worked numbers in METHODS.md section 5 (45 and 7
    and 0 events per 25,000; 6 custodial sentences per 1,000) and against
    a hand calculation of both formulas.

    References
    ----------
    Breslow, N. E. & Day, N. E. (1987). *Statistical Methods in Cancer
    Research, Vol. II*. IARC (Byar's approximation, p. 69).

    Public Health England (2018). *Technical Guide: Confidence Intervals*.
    PHE Knowledge and Intelligence Team.

    Examples
    --------
    >>> from cohort.stats import rate_ci
    >>> rate_ci([45, 7, 0], 25_000).round({"estimate": 1, "lower": 1, "upper": 1})
       numerator  denominator  estimate  lower  upper method  confidence
    0       45.0      25000.0     180.0  131.3  240.9   byar        0.95
    1        7.0      25000.0      28.0   11.3   57.7  exact        0.95
    2        0.0      25000.0       0.0    0.0   14.8  exact        0.95
    """
    _check_choice("method", method, ("phe", "exact", "byar"))
    level = _check_level(level)
    if not np.isfinite(per) or per <= 0:
        raise ValueError(f"per must be a positive number; got {per!r}")
    arrays, index = _prepare(count=count, denominator=denominator)
    o, d = arrays["count"], arrays["denominator"]
    _check_non_negative(count=o, denominator=d)
    ex_lo, ex_hi = _poisson_exact(o, level)
    by_lo, by_hi = _poisson_byar(o, level)
    if method == "exact":
        use_byar = np.zeros(o.shape, dtype=bool)
    elif method == "byar":
        use_byar = np.ones(o.shape, dtype=bool)
    else:
        use_byar = o >= 10
    lo = np.where(use_byar, by_lo, ex_lo)
    hi = np.where(use_byar, by_hi, ex_hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(d > 0, per / d, np.nan)
    return pd.DataFrame(
        {
            "numerator": o,
            "denominator": d,
            "estimate": o * scale,
            "lower": lo * scale,
            "upper": hi * scale,
            "method": np.where(use_byar, "byar", "exact"),
            "confidence": level,
        },
        index=index,
    )
