"""Confidence intervals for proportions, rates, differences and ratios.

Every function accepts scalars, arrays or pandas Series (the index of a Series
is kept), is vectorised over its inputs and returns a tidy DataFrame whose
first columns are ``numerator``, ``denominator``, ``estimate``, ``lower``,
``upper``, ``method`` and ``confidence``. Comparisons of two groups add
``reference_numerator``, ``reference_denominator`` and ``p_value``; group 1
(``numerator``/``denominator``) is always compared with group 2, the
reference.

Undefined quantities are ``NaN`` (never an invented number); each function's
Notes say when that happens.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from cohort._validate import check_choice as _check_choice
from cohort.exceptions import SmallCountWarning

__all__ = [
    "odds_ratio",
    "proportion_ci",
    "proportion_difference",
    "rate_ci",
    "rate_ratio",
]

ArrayLike = float | int | Iterable[float] | np.ndarray | pd.Series


# --------------------------------------------------------------------------- helpers
# (shared with the other modules of cohort.stats; private to the package)




def _check_level(level: float, name: str = "level") -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {level!r}")
    return level


def _z(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _prepare(**values: ArrayLike) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Broadcast the inputs to 1-D float arrays and pick the output index.

    The index is that of the (first) Series among the inputs; several Series
    must share one index. Nothing is aligned silently.
    """
    index: pd.Index | None = None
    raw: dict[str, np.ndarray] = {}
    for name, value in values.items():
        if isinstance(value, pd.DataFrame):
            raise ValueError(f"{name} must be a scalar, a 1-D array or a Series, not a DataFrame")
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not value.index.equals(index):
                raise ValueError(
                    f"{name} is a Series whose index differs from another argument's; "
                    "align the inputs first"
                )
            arr = value.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(value, dtype=float)
        if arr.ndim > 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
        raw[name] = arr
    try:
        shaped = np.broadcast_arrays(*[np.atleast_1d(a) for a in raw.values()])
    except ValueError as err:
        lengths = {k: np.size(v) for k, v in raw.items()}
        raise ValueError(f"inputs have incompatible lengths: {lengths}") from err
    out = {k: np.array(a, dtype=float) for k, a in zip(raw, shaped, strict=True)}
    length = len(next(iter(out.values())))
    if index is None:
        index = pd.RangeIndex(length)
    elif len(index) != length:
        raise ValueError(f"inputs have incompatible lengths: Series of {len(index)} vs {length}")
    return out, index


def _check_non_negative(**arrays: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first argument with a negative value; NaN passes."""
    for name, values in arrays.items():
        if np.any(np.nan_to_num(values, nan=0.0) < 0):
            raise ValueError(f"{name} must be non-negative")


def _check_counts(count: np.ndarray, total: np.ndarray, count_name: str, total_name: str) -> None:
    """Counts are non-negative and at most their total (proportions); NaN passes."""
    _check_non_negative(**{count_name: count, total_name: total})
    with np.errstate(invalid="ignore"):
        if np.any(count > total):
            raise ValueError(f"{count_name} must not exceed {total_name}")


def _two_sided_normal_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * stats.norm.sf(np.abs(z))


def _binomial_limits(
    count: np.ndarray, n: np.ndarray, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Limits for count/n by ``method``; exactly 0 at count 0 and 1 at count n; NaN if n is 0."""
    lower = np.full(count.shape, np.nan)
    upper = np.full(count.shape, np.nan)
    ok = np.isfinite(count) & np.isfinite(n) & (n > 0)
    x, m, alpha = count[ok], n[ok], 1.0 - level
    if method == "jeffreys":
        lo = stats.beta.ppf(alpha / 2, x + 0.5, m - x + 0.5)
        hi = stats.beta.ppf(1 - alpha / 2, x + 0.5, m - x + 0.5)
    elif x.size:
        sm_name = {"wilson": "wilson", "clopper-pearson": "beta"}[method]
        lo, hi = proportion_confint(x, m, alpha=alpha, method=sm_name)
    else:
        lo = hi = x
    lower[ok] = np.clip(lo, 0.0, 1.0)
    upper[ok] = np.clip(hi, 0.0, 1.0)
    lower[ok & (count == 0)] = 0.0
    upper[ok & (count == n)] = 1.0
    return lower, upper


# --------------------------------------------------------------------------- proportions


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


# --------------------------------------------------------------------------- counts and rates


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


# --------------------------------------------------------------------------- ratios


def _warn_zero_cells(mask: np.ndarray, what: str) -> None:
    if mask.any():
        warnings.warn(
            f"{int(mask.sum())} row(s) have a zero count, so the log interval for the {what} "
            "is undefined (NaN); use method='exact' for those rows.",
            SmallCountWarning,
            stacklevel=3,
        )


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
    (1984) with the variance inflated by :math:`N/(N - 1)`
    (``statsmodels.stats.proportion.confint_proportions_2indep``,
    ``method="score"``), which stays finite and well-behaved with small and
    zero counts.

    *Zero cells.* With ``"katz"`` a zero count in either group makes the log
    interval and p-value undefined: they are ``NaN`` and a
    :class:`~cohort.exceptions.SmallCountWarning` suggests ``"exact"``
    (METHODS.md section 4 prefers exact methods to adding 0.5). The estimate
    is 0 when only ``count1`` is 0, and ``NaN`` (division by zero) when
    ``count2`` is 0. With ``"exact"`` the lower limit is 0 when ``count1`` is 0
    and the upper limit is ``inf`` (unbounded) when ``count2`` is 0. A zero
    denominator gives ``NaN`` throughout.

    Validated against METHODS.md section 4 (custody 12/60 vs 20/200: RR 2.00,
    Katz 1.04-3.85, Fisher p = 0.046; FTE 30/2,000 vs 100/20,000: RR 3.00,
    log 1.99-4.51, exact 1.93-4.55, p = 1.6e-6; RRI matrix rows), hand
    calculations of the formulas, and the score-test definition of the
    Miettinen-Nurminen interval (the score statistic equals the critical
    value at both limits).

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
    lower = np.full(a.shape, np.nan)
    upper = np.full(a.shape, np.nan)
    p_value = np.full(a.shape, np.nan)
    z = _z(level)

    if method == "katz":
        label = "katz" if kind == "risk" else "poisson-log"
        ok = valid & (a > 0) & (c > 0)
        _warn_zero_cells(valid & ~ok, "ratio")
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
            if a[i] + c[i] == 0:
                continue  # no events at all: the ratio is unidentified
            if c[i] == 0:
                # unbounded above; the lower limit is the reciprocal of the
                # upper limit of the reversed comparison (reference vs group 1)
                _, hi_rev = confint_proportions_2indep(
                    c[i], n2[i], a[i], n1[i], method="score", compare="ratio", alpha=1 - level
                )
                lower[i], upper[i] = 1.0 / hi_rev, np.inf
                continue
            lo, hi = confint_proportions_2indep(
                a[i], n1[i], c[i], n2[i], method="score", compare="ratio", alpha=1 - level
            )
            lower[i] = 0.0 if a[i] == 0 else lo
            upper[i] = hi
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
