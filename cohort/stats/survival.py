"""Kaplan-Meier curves and median survival times, with delayed entry.

The product-limit estimate, Greenwood's variance and the pointwise limits are
computed here from the risk sets (so that delayed entry, counting-process
``(entry, duration]`` data, is handled exactly as R ``survfit`` does). Cox
regression is in :mod:`cohort.stats.cox` and Harrell's C in
:mod:`cohort.stats.concordance`; both are re-exported here for code that
imports them from this module.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from cohort.stats._common import ArrayLike, _check_choice, _check_level, _prepare, _z
from cohort.stats.concordance import concordance_index
from cohort.stats.cox import cox

__all__ = ["concordance_index", "cox", "kaplan_meier", "survival_median"]

Transform = Literal["log-log", "log", "plain"]
_TRANSFORMS = ("log-log", "log", "plain")


def _survival_inputs(
    durations: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None,
    entry: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked float arrays of durations, events and entry times (``-inf`` when
    there is no delayed entry), and the group of each row."""
    given = {"durations": durations, "events": events}
    if entry is not None:
        given["entry"] = entry
    arrays, index = _prepare(**given)
    t, e = arrays["durations"], arrays["events"]
    if np.any(~np.isfinite(t)) or np.any(~np.isfinite(e)):
        raise ValueError("durations and events must not contain missing or infinite values")
    if np.any(t < 0):
        raise ValueError("durations must be non-negative")
    if not np.isin(e, (0.0, 1.0)).all():
        raise ValueError("events must be 0 (censored) or 1 (event)")
    if entry is None:
        start = np.full(t.shape, -np.inf)
    else:
        start = arrays["entry"]
        if not np.isfinite(start).all():
            raise ValueError("entry must not contain missing or infinite values")
        if np.any(start >= t):
            raise ValueError(
                "entry must be earlier than duration in every row: a row covers the "
                "interval (entry, duration]"
            )
    if groups is None:
        g = np.full(t.shape, "all", dtype=object)
    else:
        series_given = any(isinstance(v, pd.Series) for v in given.values())
        if isinstance(groups, pd.Series) and series_given and not groups.index.equals(index):
            raise ValueError("groups must share the index of durations and events")
        g = np.asarray(groups.to_numpy() if isinstance(groups, pd.Series) else groups, dtype=object)
        if g.shape != t.shape:
            raise ValueError(f"groups has {g.size} values for {t.size} durations")
        if pd.isna(g).any():
            raise ValueError("groups must not contain missing values")
    return t, e, start, g


def _product_limit(t: np.ndarray, e: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, ...]:
    """Times, risk sets, events, censorings, survival and Greenwood's sum.

    A row is at risk at time ``u`` when ``start < u <= t``; its event or
    censoring is counted at ``t``.
    """
    times, inverse = np.unique(t, return_inverse=True)
    n_events = np.bincount(inverse, weights=e, minlength=times.size)
    n_censored = np.bincount(inverse, weights=1 - e, minlength=times.size)
    ends, starts = np.sort(t), np.sort(start)
    at_risk = (t.size - np.searchsorted(ends, times, side="left")) - (
        t.size - np.searchsorted(starts, times, side="left")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_events / at_risk)
        greenwood = np.cumsum(
            np.where(n_events > 0, n_events / (at_risk * (at_risk - n_events)), 0.0)
        )
    return times, at_risk, n_events, n_censored, survival, greenwood


def _group_values(g: np.ndarray) -> list[object]:
    return list(pd.unique(pd.Series(g)).tolist()) if g.size else []


def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None = None,
    level: float = 0.95,
    ci_transform: Transform = "log-log",
    entry: ArrayLike | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier survival curves with pointwise confidence limits.

    Parameters
    ----------
    durations : array or Series
        Time from the index date to the event or to censoring, non-negative.
    events : array or Series
        1 if the event (e.g. a proven reoffence) was observed, 0 if censored.
    groups : array or Series, optional
        Group of each subject; one curve per group, in order of first
        appearance. Without groups the ``group`` column holds ``"all"``.
    level : float, default 0.95
        Confidence level of the pointwise limits.
    ci_transform : {"log-log", "log", "plain"}, default "log-log"
        Scale on which the Greenwood standard error is applied. The
        complementary log-log scale (as in lifelines and Stata) keeps the
        limits inside [0, 1]; ``"log"`` is R ``survfit``'s default.
    entry : array or Series, optional
        Delayed entry: the time at which each row enters the risk set, on
        the same clock as ``durations`` and earlier than it. A row is at
        risk over ``(entry, duration]``, as R's ``Surv(start, stop,
        event)``; e.g. children who join the service after the cohort's
        index date, or the rows of counting-process data. Default: everyone
        is at risk from time 0.

    Returns
    -------
    pandas.DataFrame
        One row per group and distinct observed time (event or censoring):

        - ``group``: the group.
        - ``time``: the time.
        - ``at_risk``: rows at risk: duration >= time (and, with ``entry``,
          entry < time).
        - ``events``: events at the time.
        - ``censored``: censorings at the time.
        - ``survival``: the product-limit estimate :math:`\\hat S(t)` just
          after the time.
        - ``lower``, ``upper``: pointwise confidence limits.
        - ``method``: ``"km-" + ci_transform``.
        - ``confidence``: the confidence level.
        - ``std_error``: Greenwood standard error of :math:`\\hat S(t)`.

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j/n_j)` and Greenwood's
    :math:`\\widehat{\\mathrm{Var}}\\,\\hat S = \\hat S^2 \\sum d_j/(n_j(n_j -
    d_j))`, with :math:`n_j` the rows at risk just before :math:`t_j` (those
    with entry :math:`< t_j \\le` duration) and :math:`d_j` the events at
    :math:`t_j`. With :math:`v = \\sum d_j/(n_j(n_j - d_j))` the limits are
    :math:`\\hat S^{\\exp(\\pm z\\sqrt{v}/|\\ln \\hat S|)}` (log-log; the
    + sign gives the lower limit; Kalbfleisch & Prentice 2002, section 1.4),
    :math:`\\hat S e^{\\pm z\\sqrt{v}}` capped at 1 (log) or
    :math:`\\hat S(1 \\pm z\\sqrt{v})` clipped to [0, 1] (plain). Before the
    first event (:math:`\\hat S = 1`) the limits are 1; where
    :math:`\\hat S = 0` the Greenwood variance is undefined and the standard
    error and limits are ``NaN`` (as in R). Events are counted before
    censorings at tied times.

    With delayed entry the risk set can be small early on, when few have
    entered, and the curve is then very uncertain there; read ``at_risk``.

    Validated against R ``survfit`` (survival 3.5-3): the log-log limits of
    a small data set and of the Freireich (1963) 6-MP arm, and, with delayed
    entry, ``survfit(Surv(start, stop, event) ~ 1)`` on the Stanford heart
    transplant data (counting-process rows) to 1e-9; and a hand product-limit
    calculation on the 6-MP data (tests/stats/test_stats_survival.py).

    References
    ----------
    Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from
    incomplete observations. *Journal of the American Statistical
    Association*, 53(282), 457-481.

    Kalbfleisch, J. D. & Prentice, R. L. (2002). *The Statistical Analysis
    of Failure Time Data* (2nd ed.). Wiley, section 1.4.

    Examples
    --------
    >>> from cohort.stats import kaplan_meier
    >>> km = kaplan_meier([1, 2, 2, 3, 5, 6], [1, 1, 0, 1, 0, 1])
    >>> km[["time", "at_risk", "events", "censored", "survival"]].round(3)
       time  at_risk  events  censored  survival
    0   1.0        6       1         0     0.833
    1   2.0        5       1         1     0.667
    2   3.0        3       1         0     0.444
    3   5.0        2       0         1     0.444
    4   6.0        1       1         0     0.000
    """
    _check_choice("ci_transform", ci_transform, _TRANSFORMS)
    level = _check_level(level)
    t, e, start, g = _survival_inputs(durations, events, groups, entry)
    z = _z(level)
    frames = []
    for value in _group_values(g):
        mask = g == value
        times, at_risk, n_events, n_censored, survival, greenwood = _product_limit(
            t[mask], e[mask], start[mask]
        )
        with np.errstate(invalid="ignore"):
            se = np.where(survival > 0, survival * np.sqrt(greenwood), np.nan)
        lower, upper = _pointwise_limits(survival, se, z, ci_transform)
        frames.append(
            pd.DataFrame(
                {
                    "group": value,
                    "time": times,
                    "at_risk": at_risk.astype(int),
                    "events": n_events.astype(int),
                    "censored": n_censored.astype(int),
                    "survival": survival,
                    "lower": lower,
                    "upper": upper,
                    "method": f"km-{ci_transform}",
                    "confidence": level,
                    "std_error": se,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _pointwise_limits(
    survival: np.ndarray, se: np.ndarray, z: float, transform: str
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        sd_log = se / survival  # sqrt of Greenwood's sum
        if transform == "log-log":
            # log(-log S) +/- z sd_log/|log S|, mapped back: the larger exponent
            # gives the smaller survival, so the + side is the lower limit
            theta = np.exp(z * sd_log / np.abs(np.log(survival)))
            lower = survival**theta
            upper = survival ** (1.0 / theta)
        elif transform == "log":
            lower = survival * np.exp(-z * sd_log)
            upper = np.minimum(survival * np.exp(z * sd_log), 1.0)
        else:
            lower = np.clip(survival - z * se, 0.0, 1.0)
            upper = np.clip(survival + z * se, 0.0, 1.0)
    start = survival == 1.0
    lower[start], upper[start] = 1.0, 1.0
    gone = survival == 0.0
    lower[gone], upper[gone] = np.nan, np.nan
    return lower, upper


def _median_time(time: np.ndarray, curve: np.ndarray) -> float:
    """The first time a survival curve is below 0.5, R's rule for ties at 0.5.

    A port of ``minmin`` in R ``survival:::survmean`` (what ``print(survfit)``
    shows): the first time with curve < 0.5 + tol; if the curve is 0.5 there
    (within tol = sqrt(machine epsilon)) and drops below later, the midpoint
    of that time and the time it drops. Missing values (limits where the
    curve is 0) are skipped; ``NaN`` if the curve never gets there.
    """
    tol = np.sqrt(np.finfo(float).eps)
    keep = ~np.isnan(curve) & (curve < 0.5 + tol)
    if not keep.any():
        return np.nan
    x, y = time[keep], curve[keep]
    if abs(y[0] - 0.5) < tol and (y < y[0]).any():
        return float((x[0] + x[np.argmax(y < y[0])]) / 2)
    return float(x[0])


def survival_median(
    durations: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None = None,
    level: float = 0.95,
    ci_transform: Transform = "log-log",
    entry: ArrayLike | None = None,
) -> pd.DataFrame:
    """Median survival time with its confidence interval, as R ``survfit`` prints it.

    Parameters
    ----------
    durations, events, groups, level, ci_transform, entry
        As in :func:`kaplan_meier`.

    Returns
    -------
    pandas.DataFrame
        One row per group:

        - ``group``: the group (``"all"`` without groups).
        - ``n``: rows (subjects, or counting-process records with ``entry``).
        - ``events``: events observed.
        - ``estimate``: the median: the first time at which
          :math:`\\hat S(t) < 0.5`, or, where :math:`\\hat S` equals 0.5
          exactly over an interval, the midpoint of that interval (see
          Notes); ``NaN`` if the curve never reaches 0.5 (median not
          reached).
        - ``lower``, ``upper``: confidence limits; ``NaN`` where not reached
          (typically the upper limit in a well-censored cohort).
        - ``method``: ``"brookmeyer-crowley-" + ci_transform``.
        - ``confidence``: the confidence level.

    Notes
    -----
    *Convention.* The median is the smallest time with
    :math:`\\hat S(t) \\le 0.5`, except that when :math:`\\hat S` is exactly
    0.5 from an event time :math:`t_j` until the next event time
    :math:`t_{j+1}`, any time in between is a median and the midpoint
    :math:`(t_j + t_{j+1})/2` is reported. This is R ``survfit``'s rule as
    printed by ``print(survfit(...))``, with the same tolerance
    (:math:`\\sqrt{\\epsilon}` for "exactly"): two children with events at 1
    and 2 give 1.5. When the curve ends flat at exactly 0.5 (censored
    thereafter) the median is :math:`t_j`, as ``print(survfit)`` shows
    (R's ``quantile()`` would report the midpoint with the last follow-up
    time instead).

    *Interval* (Brookmeyer & Crowley 1982): the times at which the pointwise
    ``ci_transform`` limits of :func:`kaplan_meier` contain 0.5; computed as
    R does, by applying the median rule above to the lower and to the upper
    limit curves.

    Validated against R ``survfit`` (survival 3.5-3) medians and limits on
    the Freireich 6-MP data and small data sets with ties at 0.5, and a
    hand Brookmeyer-Crowley calculation (tests/stats/test_stats_survival.py).

    References
    ----------
    Brookmeyer, R. & Crowley, J. (1982). A confidence interval for the
    median survival time. *Biometrics*, 38(1), 29-41.

    Therneau, T. M. (2023). *A Package for Survival Analysis in R*. R
    package ``survival`` version 3.5-3 (``print.survfit``, ``survmean``).

    Examples
    --------
    >>> from cohort.stats import survival_median
    >>> survival_median([1, 2, 2, 3, 5, 6, 8, 9], [1, 1, 0, 1, 0, 1, 1, 0])[
    ...     ["n", "events", "estimate"]
    ... ]
       n  events  estimate
    0  8       5       6.0
    >>> float(survival_median([1, 2], [1, 1])["estimate"].iloc[0])
    1.5
    """
    km = kaplan_meier(
        durations, events, groups, level=level, ci_transform=ci_transform, entry=entry
    )
    rows = []
    for value, curve in km.groupby("group", sort=False):
        time = curve["time"].to_numpy()
        rows.append(
            {
                "group": value,
                "n": int(curve["events"].sum() + curve["censored"].sum()),
                "events": int(curve["events"].sum()),
                "estimate": _median_time(time, curve["survival"].to_numpy()),
                "lower": _median_time(time, curve["lower"].to_numpy()),
                "upper": _median_time(time, curve["upper"].to_numpy()),
                "method": f"brookmeyer-crowley-{ci_transform}",
                "confidence": level,
            }
        )
    return pd.DataFrame(rows)
