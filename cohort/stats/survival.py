"""Kaplan-Meier curves, medians, Cox proportional hazards and Harrell's C.

Built on ``statsmodels.duration`` (``SurvfuncRight`` and ``PHReg``); this
module adds tidy tables, pointwise confidence limits on a chosen scale and
Harrell's concordance index, which statsmodels lacks.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from cohort.exceptions import SmallCountWarning
from cohort.stats._common import ArrayLike, _check_choice, _check_level, _prepare, _z
from cohort.stats._design import _column_list, _design_matrix, _require_complete

__all__ = ["concordance_index", "cox", "kaplan_meier", "survival_median"]

Transform = Literal["log-log", "log", "plain"]
_TRANSFORMS = ("log-log", "log", "plain")


def _survival_inputs(
    durations: ArrayLike, events: ArrayLike, groups: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays, index = _prepare(durations=durations, events=events)
    t, e = arrays["durations"], arrays["events"]
    if np.any(~np.isfinite(t)) or np.any(~np.isfinite(e)):
        raise ValueError("durations and events must not contain missing or infinite values")
    if np.any(t < 0):
        raise ValueError("durations must be non-negative")
    if not np.isin(e, (0.0, 1.0)).all():
        raise ValueError("events must be 0 (censored) or 1 (event)")
    if groups is None:
        g = np.full(t.shape, "all", dtype=object)
    else:
        series_given = isinstance(durations, pd.Series) or isinstance(events, pd.Series)
        if isinstance(groups, pd.Series) and series_given and not groups.index.equals(index):
            raise ValueError("groups must share the index of durations and events")
        g = np.asarray(groups.to_numpy() if isinstance(groups, pd.Series) else groups, dtype=object)
        if g.shape != t.shape:
            raise ValueError(f"groups has {g.size} values for {t.size} durations")
        if pd.isna(g).any():
            raise ValueError("groups must not contain missing values")
    return t, e, g


def _group_values(g: np.ndarray) -> list[object]:
    return list(pd.unique(pd.Series(g)).tolist()) if g.size else []


def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None = None,
    level: float = 0.95,
    ci_transform: Transform = "log-log",
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

    Returns
    -------
    pandas.DataFrame
        One row per group and distinct observed time (event or censoring):

        - ``group``: the group.
        - ``time``: the time.
        - ``at_risk``: subjects with duration >= time.
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
    d_j))`, both from ``statsmodels.duration.survfunc.SurvfuncRight``. With
    :math:`v = \\sum d_j/(n_j(n_j - d_j))` the limits are
    :math:`\\hat S^{\\exp(\\pm z\\sqrt{v}/|\\ln \\hat S|)}` (log-log; the
    + sign gives the lower limit; Kalbfleisch & Prentice 2002, section 1.4),
    :math:`\\hat S e^{\\pm z\\sqrt{v}}` capped at 1 (log) or
    :math:`\\hat S(1 \\pm z\\sqrt{v})` clipped to [0, 1] (plain). Before the
    first event (:math:`\\hat S = 1`) the limits are 1; where
    :math:`\\hat S = 0` the Greenwood variance is undefined and the limits
    are ``NaN``. Events are counted before censorings at tied times.

    Validated against a hand product-limit calculation, written out in the
    tests, on the Freireich (1963) 6-MP leukaemia data, which have tied
    event times and censoring.

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
    t, e, g = _survival_inputs(durations, events, groups)
    z = _z(level)
    frames = []
    for value in _group_values(g):
        mask = g == value
        tg, eg = t[mask], e[mask]
        times, inverse = np.unique(tg, return_inverse=True)
        n_events = np.bincount(inverse, weights=eg, minlength=times.size)
        n_censored = np.bincount(inverse, weights=1 - eg, minlength=times.size)
        at_risk = tg.size - np.concatenate([[0], np.cumsum(n_events + n_censored)[:-1]])
        survival = np.ones(times.size)
        se = np.zeros(times.size)
        if n_events.sum() > 0:
            fit = SurvfuncRight(tg, eg)
            # SurvfuncRight reports event times only; carry its values forward
            pos = np.searchsorted(fit.surv_times, times, side="right") - 1
            seen = pos >= 0
            survival[seen] = fit.surv_prob[pos[seen]]
            se[seen] = fit.surv_prob_se[pos[seen]]
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
) -> pd.DataFrame:
    """Median survival time with its confidence interval, as R ``survfit`` prints it.

    Parameters
    ----------
    durations, events, groups, level, ci_transform
        As in :func:`kaplan_meier`.

    Returns
    -------
    pandas.DataFrame
        One row per group:

        - ``group``: the group (``"all"`` without groups).
        - ``n``: subjects.
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
    km = kaplan_meier(durations, events, groups, level=level, ci_transform=ci_transform)
    rows = []
    for value, curve in km.groupby("group", sort=False):
        time = curve["time"].to_numpy()
        rows.append(
            {
                "group": value,
                "n": int(curve["at_risk"].iloc[0]),
                "events": int(curve["events"].sum()),
                "estimate": _median_time(time, curve["survival"].to_numpy()),
                "lower": _median_time(time, curve["lower"].to_numpy()),
                "upper": _median_time(time, curve["upper"].to_numpy()),
                "method": f"brookmeyer-crowley-{ci_transform}",
                "confidence": level,
            }
        )
    return pd.DataFrame(rows)


def concordance_index(
    durations: ArrayLike,
    risk: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None = None,
    chunk_size: int = 2048,
) -> pd.DataFrame:
    """Harrell's concordance index (C statistic) for a risk score.

    Parameters
    ----------
    durations : array or Series
        Observed times.
    risk : array or Series
        Risk score: **higher means an earlier event** (e.g. a Cox linear
        predictor or a reoffending risk score).
    events : array or Series
        1 for an observed event, 0 for censored.
    groups : array or Series, optional
        Strata: only pairs within the same stratum are compared.
    chunk_size : int, default 2048
        Events compared at once; bounds memory at ``chunk_size * n`` booleans.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``concordance``: :math:`(C + T/2)/P`.
        - ``comparable``: :math:`P`, the number of comparable pairs.
        - ``concordant``: :math:`C`, pairs where the earlier event has the
          higher risk.
        - ``discordant``: pairs where it has the lower risk.
        - ``tied_risk``: :math:`T`, comparable pairs with equal risk.

    Notes
    -----
    A pair is comparable when the shorter time is an event; a subject
    censored at the same time as another's event counts as surviving longer,
    and pairs of events at the same time are not comparable (Harrell et al.
    1996; R ``survival::concordance``). ``NaN`` if no pair is comparable.
    Vectorised over chunks of events: time :math:`O(n_{events} \\times n)`.

    Validated against a brute-force double loop over all pairs in the tests.

    References
    ----------
    Harrell, F. E., Lee, K. L. & Mark, D. B. (1996). Multivariable
    prognostic models. *Statistics in Medicine*, 15(4), 361-387.

    Examples
    --------
    >>> from cohort.stats import concordance_index
    >>> concordance_index([1, 2, 3, 4], [4, 3, 1, 2], [1, 1, 1, 0])
       concordance  comparable  concordant  discordant  tied_risk
    0     0.833333           6           5           1          0
    """
    arrays, _ = _prepare(durations=durations, risk=risk, events=events)
    t, r, e = arrays["durations"], arrays["risk"], arrays["events"]
    if not (np.isfinite(t).all() and np.isfinite(r).all() and np.isin(e, (0.0, 1.0)).all()):
        raise ValueError("durations and risk must be finite and events 0 or 1")
    if groups is None:
        codes = np.zeros(t.size, dtype=np.int64)
    else:
        codes = pd.factorize(pd.Series(np.asarray(groups, dtype=object)))[0]
        if codes.size != t.size:
            raise ValueError(f"groups has {codes.size} values for {t.size} durations")
    event_idx = np.flatnonzero(e == 1)
    concordant = discordant = tied = 0
    for start in range(0, event_idx.size, chunk_size):
        i = event_idx[start : start + chunk_size]
        ti, ri, gi = t[i, None], r[i, None], codes[i, None]
        comparable = ((t > ti) | ((t == ti) & (e == 0))) & (codes == gi)
        concordant += int(np.count_nonzero(comparable & (ri > r)))
        discordant += int(np.count_nonzero(comparable & (ri < r)))
        tied += int(np.count_nonzero(comparable & (ri == r)))
    pairs = concordant + discordant + tied
    c_index = (concordant + 0.5 * tied) / pairs if pairs else np.nan
    return pd.DataFrame(
        {
            "concordance": [c_index],
            "comparable": [pairs],
            "concordant": [concordant],
            "discordant": [discordant],
            "tied_risk": [tied],
        }
    )


def cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: Literal["breslow", "efron"] = "breslow",
    strata: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cox proportional hazards model summarised as hazard ratios.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject. It is not modified.
    duration : str
        Column of follow-up times.
    event : str
        Column of event indicators (1 event, 0 censored).
    covariates : sequence of str
        Columns entering the model. Numeric and boolean columns enter as
        they are; other columns are expanded into indicator columns, the
        first category (sorted) being the reference.
    ties : {"breslow", "efron"}, default "breslow"
        Handling of tied event times. Breslow matches SAS and Stata's
        default; Efron is R ``coxph``'s default.
    strata : str, optional
        Column defining strata with separate baseline hazards.
    level : float, default 0.95
        Confidence level of the hazard-ratio limits.

    Returns
    -------
    pandas.DataFrame
        One row per model term:

        - ``term``: the covariate (``column[category]`` for indicators).
        - ``coefficient``: the log hazard ratio :math:`\\hat\\beta`.
        - ``std_error``: its standard error (inverse observed information).
        - ``hazard_ratio``: :math:`e^{\\hat\\beta}`.
        - ``lower``, ``upper``: :math:`e^{\\hat\\beta \\pm z\\,SE}`.
        - ``p_value``: two-sided Wald test of :math:`\\beta = 0`.
        - ``confidence``: the confidence level.
        - ``n``, ``events``: subjects and events used (model-level).
        - ``concordance``: Harrell's C of the fitted linear predictor,
          within strata (model-level).
        - ``ties``: the tie method.

    Notes
    -----
    Fitted by ``statsmodels.duration.hazard_regression.PHReg`` (Newton-
    Raphson on the partial likelihood). Rows with missing values raise an
    error rather than being dropped silently. Proportional hazards is
    assumed, not checked. With no events the partial likelihood is flat:
    the estimates are ``NaN`` (R ``coxph`` reports ``NA``) with a
    :class:`~cohort.exceptions.SmallCountWarning`.

    Validated against the Gehan (1965) / Freireich 6-MP data: placebo vs
    6-MP with Breslow ties gives :math:`\\hat\\beta = 1.509` (SE 0.410),
    checked in the tests against published values and an independent
    Newton-Raphson on the Breslow partial likelihood.

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *Journal of the
    Royal Statistical Society B*, 34(2), 187-220.

    Breslow, N. (1974). Covariance analysis of censored survival data.
    *Biometrics*, 30(1), 89-99.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import cox
    >>> df = pd.DataFrame({"weeks": [1, 3, 4, 6, 8, 9, 11, 14, 15, 20],
    ...                    "relapse": [1, 1, 1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "older": [1, 1, 0, 1, 1, 0, 0, 1, 0, 0]})
    >>> cox(df, "weeks", "relapse", ["older"])[["term", "hazard_ratio", "concordance"]].round(2)
        term  hazard_ratio  concordance
    0  older          1.78         0.62
    """
    _check_choice("ties", ties, ("breslow", "efron"))
    level = _check_level(level)
    covariates = _column_list(covariates)
    needed = [duration, event, *covariates] + ([strata] if strata is not None else [])
    _require_complete(data, needed)
    subset = data[needed]
    X = _design_matrix(subset, covariates)
    time = subset[duration].to_numpy(dtype=float)
    status = subset[event].to_numpy(dtype=float)
    if not np.isin(status, (0.0, 1.0)).all():
        raise ValueError(f"column {event!r} must be 0 (censored) or 1 (event)")
    strata_values = None if strata is None else subset[strata].to_numpy()
    if status.sum() == 0:
        warnings.warn(
            "no events: the partial likelihood is flat, so the hazard ratios cannot be "
            "estimated (NaN)",
            SmallCountWarning,
            stacklevel=2,
        )
        beta = se = np.full(X.shape[1], np.nan)
        c = np.nan
    else:
        model = PHReg(time, X.to_numpy(), status=status, ties=ties, strata=strata_values)
        fit = model.fit(disp=False)
        beta = np.asarray(fit.params)
        se = np.asarray(fit.bse)
        risk = X.to_numpy() @ beta
        c = concordance_index(time, risk, status, groups=strata_values)["concordance"].iloc[0]
    z = _z(level)
    return pd.DataFrame(
        {
            "term": list(X.columns),
            "coefficient": beta,
            "std_error": se,
            "hazard_ratio": np.exp(beta),
            "lower": np.exp(beta - z * se),
            "upper": np.exp(beta + z * se),
            "p_value": 2 * stats.norm.sf(np.abs(beta / se)),
            "confidence": level,
            "n": len(time),
            "events": int(status.sum()),
            "concordance": c,
            "ties": ties,
        }
    )
