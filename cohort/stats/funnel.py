"""Funnel-plot control limits, overdispersion and unit classification.

Three functions:

- :func:`funnel_limits`: control limits around a target for any denominators
  (or a smooth grid of them, for plotting), in a long table with one row per
  denominator and level.
- :func:`overdispersion`: Spiegelhalter's (2005) winsorised dispersion
  factor :math:`\\phi` and random-effects variance :math:`\\tau^2`.
- :func:`funnel_table`: one row per unit (area, service) with its limits and
  its position (within / above / below) and flag (none / alert / alarm).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from cohort.stats._common import ArrayLike, _check_choice, _check_level, _prepare

__all__ = ["funnel_limits", "funnel_table", "overdispersion"]

Kind = Literal["proportion", "rate"]
Method = Literal["exact", "normal", "wilson"]
Adjustment = Literal["none", "multiplicative", "additive"]
Scale = Literal["transformed", "untransformed"]

_KINDS = ("proportion", "rate")
_METHODS = ("exact", "normal", "wilson")
_ADJUSTMENTS = ("none", "multiplicative", "additive")
_SCALES = ("transformed", "untransformed")


def _resolve_method(method: Method | None, kind: str, adjustment: str) -> str:
    """Default to exact limits, or normal ones when an adjustment is asked for."""
    if method is None:
        method = "exact" if adjustment == "none" else "normal"
    _check_choice("method", method, _METHODS)
    if adjustment != "none" and method != "normal":
        raise ValueError(
            "overdispersion-adjusted limits are normal-approximation limits on the chosen "
            f"scale: use method='normal' (or leave method=None), not {method!r}"
        )
    if method == "wilson" and kind != "proportion":
        raise ValueError("method='wilson' applies to proportions only; use 'exact' or 'normal'")
    return method


def _unit_target(target: float, kind: str, per: float) -> float:
    if not np.isfinite(per) or per <= 0:
        raise ValueError(f"per must be a positive number; got {per!r}")
    theta = float(target) / per
    if kind == "proportion" and not 0.0 <= theta <= 1.0:
        raise ValueError(f"a proportion target must lie in [0, {per}] (per={per}); got {target!r}")
    if kind == "rate" and not theta >= 0.0:
        raise ValueError(f"a rate target must be non-negative; got {target!r}")
    return theta


def _exact_limit(n: np.ndarray, theta: float, p: np.ndarray, kind: str) -> np.ndarray:
    """Spiegelhalter's interpolated exact limit at tail probability ``p``, per unit.

    A target of 0 (or 1 for a proportion) makes the distribution a point mass:
    the only possible value is the target, which is then both limits.
    """
    if theta == 0.0 or (kind == "proportion" and theta == 1.0):
        return np.full(np.shape(n), theta, dtype=float)
    dist = stats.binom(n, theta) if kind == "proportion" else stats.poisson(n * theta)
    r = dist.ppf(p)
    cdf = dist.cdf(r)
    pmf = dist.pmf(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(pmf > 0, (cdf - p) / pmf, 0.0)
        return (r - alpha) / n


def _wilson_limit(n: np.ndarray, theta: float, p: np.ndarray) -> np.ndarray:
    """Observed proportion whose Wilson limit equals ``theta`` (PHE ``sigma_adjustment``)."""
    z2 = stats.norm.ppf(p) ** 2
    sign = np.sign(stats.norm.ppf(p))
    first = theta * (n / z2 + 1)
    last = 1 / z2 + 1 / n
    constant = theta * (n * (theta * (n / z2 + 2) - 1) + z2 * (theta - 1))
    root = np.sqrt(np.maximum(first**2 - last * constant, 0.0))
    return (first + sign * root) / last / n


def _standard_error(n: np.ndarray, theta: float, kind: str, scale: str) -> np.ndarray:
    """Within-unit standard error of one observation on the analysis scale (per unit)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "transformed":
            # arcsine-square-root for proportions; square root of O/E for rates
            return 1.0 / (2.0 * np.sqrt(n if kind == "proportion" else n * theta))
        if kind == "proportion":
            return np.sqrt(theta * (1 - theta) / n)
        return np.sqrt(theta / n)


def _normal_limit(
    n: np.ndarray,
    theta: float,
    z: np.ndarray,
    kind: str,
    scale: str,
    adjustment: str,
    phi: float,
    tau2: float,
    per: float,
) -> np.ndarray:
    """Normal-approximation limit (signed z) on ``scale``, back on the per-unit scale."""
    s = _standard_error(n, theta, kind, scale)
    if scale == "untransformed":
        s = s * per  # tau2 is expressed in the units of the reported estimate
    if adjustment == "multiplicative":
        spread = np.sqrt(phi) * s
    elif adjustment == "additive":
        spread = np.sqrt(s**2 + tau2)
    else:
        spread = s
    if scale == "untransformed":
        return theta + z * spread / per  # clipped to the valid range by the caller
    if kind == "proportion":
        y = np.arcsin(np.sqrt(theta)) + z * spread
        return np.sin(np.clip(y, 0.0, np.pi / 2)) ** 2
    ratio = np.maximum(1.0 + z * spread, 0.0) ** 2
    return ratio * theta


def _grid(denominators: np.ndarray, points: int, kind: str) -> np.ndarray:
    finite = denominators[np.isfinite(denominators) & (denominators > 0)]
    if finite.size == 0:
        raise ValueError("no positive denominators to build a grid from")
    low, high = max(finite.min(), 1.0), finite.max()
    grid = np.geomspace(low, high, points) if high > low else np.array([low])
    if kind == "proportion":
        grid = np.unique(np.round(grid))
    return grid


def funnel_limits(
    denominators: ArrayLike,
    target: float,
    kind: Kind = "proportion",
    levels: Sequence[float] = (0.95, 0.998),
    method: Method | None = None,
    per: float = 1,
    adjustment: Adjustment = "none",
    phi: float | None = None,
    tau2: float | None = None,
    scale: Scale = "transformed",
    points: int | None = None,
) -> pd.DataFrame:
    """Funnel-plot control limits around a target.

    Parameters
    ----------
    denominators : scalar, array or Series
        Unit sizes: cohort sizes for proportions, populations (or person-time)
        for rates. For exact binomial limits they must be whole numbers.
    target : float
        The target :math:`\\theta_0`, in the units of the output (a proportion
        times ``per``, or a rate per ``per``), usually the pooled value
        :math:`\\sum x / \\sum n`.
    kind : {"proportion", "rate"}, default "proportion"
        Binomial proportions or Poisson rates.
    levels : sequence of float, default (0.95, 0.998)
        Two-sided coverage of each pair of limits (95% "alert" and 99.8%
        "alarm" by convention).
    method : {"exact", "normal", "wilson"}, optional
        ``"exact"`` (the default without adjustment): Spiegelhalter's
        interpolated exact binomial or Poisson limits. ``"normal"``: normal
        approximation on ``scale`` (the default, and the only choice, with an
        overdispersion adjustment). ``"wilson"``: PHE Fingertips' inversion of
        the Wilson score interval (proportions only; see Notes).
    per : float, default 1
        Multiplier of the output scale (100 for percentages, 100_000 for rates
        per 100,000).
    adjustment : {"none", "multiplicative", "additive"}, default "none"
        Overdispersion adjustment: multiply the standard error by
        :math:`\\sqrt{\\phi}`, or add :math:`\\tau^2` to its square.
    phi, tau2 : float, optional
        Dispersion factor and between-unit variance, as returned by
        :func:`overdispersion` with the same ``scale`` (and ``per``). Required
        for the matching adjustment.
    scale : {"transformed", "untransformed"}, default "transformed"
        Scale of the normal approximation: arcsine-square-root for
        proportions and square root of observed/expected for rates (as in
        FunnelPlotR), or the untransformed proportion or rate, on which
        :math:`\\theta_0 \\pm z\\sqrt{\\theta_0(1-\\theta_0)/n}` is the textbook
        formula. Ignored by ``"exact"`` and ``"wilson"``.
    points : int, optional
        If given, the limits are computed on a geometric grid of this many
        denominators spanning the range of ``denominators`` (whole numbers for
        proportions), for drawing smooth funnels.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per denominator and level (all denominators of
        the first level, then the next level):

        - ``denominator``: the unit size.
        - ``level``: the coverage of the limits (e.g. 0.95).
        - ``target``: :math:`\\theta_0` in output units.
        - ``lower``, ``upper``: the control limits in output units, clipped to
          [0, ``per``] for proportions and [0, inf) for rates.
        - ``method``: ``"exact"``, ``"wilson"``, ``"normal"`` (untransformed),
          ``"normal-arcsine"`` or ``"normal-sqrt"``.
        - ``adjustment``: the overdispersion adjustment applied.

    Notes
    -----
    *Exact limits* (Spiegelhalter 2005, appendix A.1.1): for tail probability
    :math:`p` (0.025 and 0.975 for 95%), let :math:`r_p` be the smallest
    :math:`r` with :math:`P(Y \\le r) \\ge p`, :math:`Y \\sim
    \\mathrm{Bin}(n, \\theta_0)` (or Poisson with mean :math:`n\\theta_0`); then
    :math:`\\alpha = [P(Y \\le r_p) - p]/P(Y = r_p)` and the limit is
    :math:`(r_p - \\alpha)/n`. Interpolation makes the steps of the discrete
    distribution into a smooth funnel. A target of 0, or of 1 for a
    proportion, leaves one possible value (the target), so both limits equal
    it and no unit can be flagged.

    *Wilson*: PHE's ``sigma_adjustment`` (PHEindicatormethods, R/Funnels.R)
    solves the Wilson limit formula for the observed count whose interval
    just reaches :math:`\\theta_0`. Because the Wilson interval inverts the
    score test, which uses the variance at :math:`\\theta_0`, this limit is
    algebraically identical to the untransformed normal limit
    :math:`\\theta_0 \\pm z\\sqrt{\\theta_0(1-\\theta_0)/n}` (the tests check
    this); it is offered to reproduce Fingertips charts.

    *Adjusted limits* (Spiegelhalter 2005; FunnelPlotR): on the chosen scale,
    :math:`y_0 \\pm z\\sqrt{\\phi}\\,s` (multiplicative) or
    :math:`y_0 \\pm z\\sqrt{s^2 + \\tau^2}` (additive), then transformed back.
    With :math:`s = 1/(2\\sqrt{n})` on the arcsine scale and
    :math:`s = 1/(2\\sqrt{E})`, :math:`E = n\\theta_0`, on the square-root
    ratio scale. On the untransformed scale :math:`\\tau^2` is in squared
    output units.

    Validated against METHODS.md section 5 (:math:`\\theta_0 = 0.35`:
    n = 50, 95% exact 0.210-0.475 and 99.8% exact 0.142-0.556; n = 20, 95%
    exact 0.120-0.542; normal 0.218-0.482; adjusted limits at n = 100 with
    :math:`\\phi = 7.20`, :math:`\\tau^2 = 0.0239`), the defining tail
    probabilities of the exact limits, and PHE's Wilson formula.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
    performance. *Statistics in Medicine*, 24(8), 1185-1202.

    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance
    indicators. *Quality and Safety in Health Care*, 14(5), 347-351.

    Examples
    --------
    >>> from cohort.stats import funnel_limits
    >>> limits = funnel_limits([20, 50], target=0.35)
    >>> limits[["denominator", "level", "lower", "upper"]].round(3)
       denominator  level  lower  upper
    0         20.0  0.950  0.120  0.542
    1         50.0  0.950  0.210  0.475
    2         20.0  0.998  0.021  0.672
    3         50.0  0.998  0.142  0.556
    """
    _check_choice("kind", kind, _KINDS)
    _check_choice("adjustment", adjustment, _ADJUSTMENTS)
    _check_choice("scale", scale, _SCALES)
    method = _resolve_method(method, kind, adjustment)
    levels = [_check_level(level, "levels") for level in np.atleast_1d(levels)]
    theta = _unit_target(target, kind, per)
    phi_value, tau2_value = _adjustment_parameters(adjustment, phi, tau2)
    arrays, _ = _prepare(denominators=denominators)
    n = arrays["denominators"]
    with np.errstate(invalid="ignore"):
        if np.any(n <= 0):
            raise ValueError("denominators must be positive")
    if points is not None:
        if int(points) < 2:
            raise ValueError(f"points must be at least 2; got {points!r}")
        n = _grid(n, int(points), kind)
    if method == "exact" and kind == "proportion":
        finite = n[np.isfinite(n)]
        if np.any(finite != np.round(finite)):
            raise ValueError(
                "exact binomial limits need whole-number denominators; round them, "
                "use points= for a grid, or use method='normal'"
            )

    frames = []
    for level in levels:
        p = np.array([(1 - level) / 2, (1 + level) / 2])
        if method == "exact":
            lo, hi = (_exact_limit(n, theta, q, kind) for q in p)
            label = "exact"
        elif method == "wilson":
            lo, hi = (_wilson_limit(n, theta, q) for q in p)
            label = "wilson"
        else:
            lo, hi = (
                _normal_limit(
                    n, theta, stats.norm.ppf(q), kind, scale, adjustment, phi_value, tau2_value, per
                )
                for q in p
            )
            label = (
                "normal"
                if scale == "untransformed"
                else ("normal-arcsine" if kind == "proportion" else "normal-sqrt")
            )
        top = 1.0 if kind == "proportion" else np.inf
        frames.append(
            pd.DataFrame(
                {
                    "denominator": n,
                    "level": level,
                    "target": theta * per,
                    "lower": np.clip(lo, 0.0, top) * per,
                    "upper": np.clip(hi, 0.0, top) * per,
                    "method": label,
                    "adjustment": adjustment,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _adjustment_parameters(
    adjustment: str, phi: float | None, tau2: float | None
) -> tuple[float, float]:
    if adjustment == "multiplicative":
        if phi is None or not np.isfinite(phi) or phi <= 0:
            raise ValueError(f"adjustment='multiplicative' needs a positive phi; got {phi!r}")
    if adjustment == "additive":
        if tau2 is None or not np.isfinite(tau2) or tau2 < 0:
            raise ValueError(f"adjustment='additive' needs a non-negative tau2; got {tau2!r}")
    return (1.0 if phi is None else float(phi)), (0.0 if tau2 is None else float(tau2))


def _z_scores(
    x: np.ndarray, n: np.ndarray, theta: float, kind: str, scale: str, per: float
) -> tuple[np.ndarray, np.ndarray]:
    """Unadjusted z-scores and their standard errors on the analysis scale."""
    s = _standard_error(n, theta, kind, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "transformed":
            if kind == "proportion":
                z = (np.arcsin(np.sqrt(x / n)) - np.arcsin(np.sqrt(theta))) / s
            else:
                z = (np.sqrt(x / (n * theta)) - 1.0) / s
            return z, s
        s = s * per
        z = (x / n * per - theta * per) / s
    return z, s


def overdispersion(
    numerators: ArrayLike,
    denominators: ArrayLike,
    target: float | None = None,
    kind: Kind = "proportion",
    winsorise: float = 0.10,
    scale: Scale = "transformed",
    per: float = 1,
    significance: float = 0.05,
) -> pd.DataFrame:
    """Test for overdispersion and estimate :math:`\\phi` and :math:`\\tau^2`.

    Parameters
    ----------
    numerators : array or Series
        Events per unit.
    denominators : array or Series
        Unit sizes (cohort sizes or populations), positive.
    target : float, optional
        Target in output units (times ``per``); default the pooled value
        :math:`\\sum x / \\sum n \\times` ``per``.
    kind : {"proportion", "rate"}, default "proportion"
        Binomial proportions or Poisson rates.
    winsorise : float, default 0.10
        Fraction winsorised at each end of the z-score distribution (0 for
        none). Must be in [0, 0.5).
    scale : {"transformed", "untransformed"}, default "transformed"
        Scale of the z-scores: arcsine-square-root (proportions) or square
        root of observed/expected (rates), as in FunnelPlotR; or the
        untransformed proportion or rate.
    per : float, default 1
        Multiplier of the output scale; on the untransformed scale
        :math:`\\tau^2` is in squared output units.
    significance : float, default 0.05
        Level of the chi-squared test that decides ``overdispersed``.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``units``: number of units :math:`I`.
        - ``target``: :math:`\\theta_0` in output units.
        - ``phi``: the dispersion factor :math:`\\phi`.
        - ``tau2``: the between-unit variance :math:`\\tau^2` on ``scale``.
        - ``chi_square``: the statistic :math:`I\\phi`.
        - ``df``: :math:`I - 1`.
        - ``p_value``: :math:`P(\\chi^2_{I-1} > I\\phi)`.
        - ``overdispersed``: whether ``p_value < significance``.
        - ``scale``, ``winsorise``: the settings used.

    Notes
    -----
    Following Spiegelhalter (2005) as implemented in FunnelPlotR
    (``R/od_adjustment.R``): z-scores :math:`z_i = (y_i - y_0)/s_i`, with
    :math:`y = \\arcsin\\sqrt{p}`, :math:`s = 1/(2\\sqrt{n})` for proportions
    and :math:`y = \\sqrt{O/E}`, :math:`y_0 = 1`, :math:`s = 1/(2\\sqrt{E})`,
    :math:`E = n\\theta_0` for rates (FunnelPlotR's square-root "CQC"
    option: unlike its log option it is finite for units with zero events,
    common in small services). The z-scores are winsorised at the
    ``winsorise`` and ``1 - winsorise`` quantiles (linear interpolation, R's
    type 7), :math:`\\phi = \\sum z_{w,i}^2 / I`, and

    .. math:: \\tau^2 = \\max\\left(0, \\frac{I\\phi - (I - 1)}
              {\\sum w_i - \\sum w_i^2 / \\sum w_i}\\right), \\quad w_i = 1/s_i^2.

    Units with a zero denominator are dropped. At least two units are
    needed.

    Validated against a hand calculation written out in the tests (loop
    over units, explicit winsorisation) and against the chi-squared
    reference distribution under simulated binomial data without
    overdispersion.

    References
    ----------
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance
    indicators. *Quality and Safety in Health Care*, 14(5), 347-351.

    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials.
    *Controlled Clinical Trials*, 7(3), 177-188.

    Examples
    --------
    >>> from cohort.stats import overdispersion
    >>> od = overdispersion([10, 30, 22, 45, 12, 60], [100, 120, 90, 150, 80, 160])
    >>> od[["units", "phi", "chi_square", "df", "overdispersed"]].round(2)
       units   phi  chi_square  df  overdispersed
    0      6  3.81       22.85   5           True
    """
    _check_choice("kind", kind, _KINDS)
    _check_choice("scale", scale, _SCALES)
    if not 0.0 <= winsorise < 0.5:
        raise ValueError(f"winsorise must be in [0, 0.5); got {winsorise!r}")
    _check_level(significance, "significance")
    arrays, _ = _prepare(numerators=numerators, denominators=denominators)
    x, n = arrays["numerators"], arrays["denominators"]
    keep = np.isfinite(x) & np.isfinite(n) & (n > 0)
    x, n = x[keep], n[keep]
    if np.any(x < 0) or (kind == "proportion" and np.any(x > n)):
        raise ValueError("numerators must be non-negative (and at most the denominators)")
    units = x.size
    if units < 2:
        raise ValueError(f"overdispersion needs at least two units with data; got {units}")
    theta = _unit_target(x.sum() / n.sum() * per if target is None else target, kind, per)
    z, s = _z_scores(x, n, theta, kind, scale, per)
    if winsorise > 0:
        low, high = np.quantile(z, [winsorise, 1 - winsorise])
        z = np.clip(z, low, high)
    phi = float(np.mean(z**2))
    df = units - 1
    statistic = units * phi
    w = 1.0 / s**2
    if statistic < df:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (statistic - df) / (w.sum() - (w**2).sum() / w.sum()))
    p_value = float(stats.chi2.sf(statistic, df))
    return pd.DataFrame(
        {
            "units": [units],
            "target": [theta * per],
            "phi": [phi],
            "tau2": [tau2],
            "chi_square": [statistic],
            "df": [df],
            "p_value": [p_value],
            "overdispersed": [p_value < significance],
            "scale": [scale],
            "winsorise": [winsorise],
        }
    )


def funnel_table(
    numerators: ArrayLike,
    denominators: ArrayLike,
    target: float | None = None,
    kind: Kind = "proportion",
    labels: Sequence[object] | pd.Index | None = None,
    levels: tuple[float, float] = (0.95, 0.998),
    method: Method | None = None,
    per: float = 1,
    adjustment: Adjustment = "none",
    winsorise: float = 0.10,
    scale: Scale = "transformed",
) -> pd.DataFrame:
    """Place each unit on the funnel: limits, position and alert/alarm flag.

    Parameters
    ----------
    numerators, denominators : array or Series
        Events and sizes per unit. A Series' index is kept.
    target : float, optional
        Target in output units; default the pooled :math:`\\sum x/\\sum n`
        times ``per``.
    kind : {"proportion", "rate"}, default "proportion"
        Binomial proportions or Poisson rates.
    labels : sequence, optional
        Unit names for the ``unit`` column; default the index.
    levels : (float, float), default (0.95, 0.998)
        Coverage of the alert and the alarm limits.
    method : {"exact", "normal", "wilson"}, optional
        As in :func:`funnel_limits`.
    per : float, default 1
        Multiplier of the output scale.
    adjustment : {"none", "multiplicative", "additive"}, default "none"
        Overdispersion adjustment. :math:`\\phi` and :math:`\\tau^2` are
        estimated by :func:`overdispersion`; as in FunnelPlotR the limits
        are adjusted only if overdispersion is indicated, and the
        ``adjustment`` column says what was applied.
    winsorise : float, default 0.10
        Winsorisation for :func:`overdispersion`.
    scale : {"transformed", "untransformed"}, default "transformed"
        Scale of normal and adjusted limits and of the overdispersion test.

    Returns
    -------
    pandas.DataFrame
        One row per unit:

        - ``unit``: the label.
        - ``numerator``, ``denominator``: the counts.
        - ``estimate``: ``numerator / denominator * per``.
        - ``target``: :math:`\\theta_0` in output units.
        - ``alert_lower``, ``alert_upper``: limits at ``levels[0]``.
        - ``alarm_lower``, ``alarm_upper``: limits at ``levels[1]``.
        - ``position``: ``"within"``, ``"above"`` or ``"below"`` the alert
          limits (missing when the denominator is 0).
        - ``flag``: ``"none"``, ``"alert"`` (outside the alert limits only)
          or ``"alarm"`` (outside the alarm limits).
        - ``method``, ``adjustment``: how the limits were made.

    Notes
    -----
    A point exactly on a limit counts as within. Units are classified, not
    ranked (Spiegelhalter 2005). Always report the target and whether an
    adjustment was used.

    Validated by checking the limits against :func:`funnel_limits` (itself
    checked against METHODS.md section 5) and positions built by hand.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
    performance. *Statistics in Medicine*, 24(8), 1185-1202.

    Examples
    --------
    >>> from cohort.stats import funnel_table
    >>> table = funnel_table([10, 30, 22, 45], [100, 120, 90, 150], labels=list("ABCD"))
    >>> table[["unit", "estimate", "position", "flag"]].round(3)
      unit  estimate position   flag
    0    A     0.100    below  alarm
    1    B     0.250    within   none
    2    C     0.244    within   none
    3    D     0.300    above  alert
    """
    _check_choice("kind", kind, _KINDS)
    _check_choice("adjustment", adjustment, _ADJUSTMENTS)
    if len(levels) != 2 or not levels[0] < levels[1]:
        raise ValueError(f"levels must be (alert, alarm) with alert < alarm; got {levels!r}")
    arrays, index = _prepare(numerators=numerators, denominators=denominators)
    x, n = arrays["numerators"], arrays["denominators"]
    if labels is not None and len(labels) != len(x):
        raise ValueError(f"labels has {len(labels)} entries for {len(x)} units")
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if target is None:
        target = x[ok].sum() / n[ok].sum() * per
    applied = adjustment
    phi = tau2 = None
    if adjustment != "none":
        od = overdispersion(
            x[ok], n[ok], target, kind=kind, winsorise=winsorise, scale=scale, per=per
        ).iloc[0]
        if bool(od["overdispersed"]):
            phi, tau2 = float(od["phi"]), float(od["tau2"])
        else:
            applied = "none"
    method_used = _resolve_method(method, kind, applied)
    limits = funnel_limits(
        np.where(ok, n, 1.0),
        target,
        kind=kind,
        levels=levels,
        method=method_used,
        per=per,
        adjustment=applied,
        phi=phi,
        tau2=tau2,
        scale=scale,
    )
    m = len(n)
    alert, alarm = limits.iloc[:m], limits.iloc[m:]
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(ok, x / n * per, np.nan)
    a_lo, a_hi = alert["lower"].to_numpy(), alert["upper"].to_numpy()
    b_lo, b_hi = alarm["lower"].to_numpy(), alarm["upper"].to_numpy()
    position = np.select([estimate > a_hi, estimate < a_lo], ["above", "below"], "within")
    flag = np.select(
        [(estimate > b_hi) | (estimate < b_lo), (estimate > a_hi) | (estimate < a_lo)],
        ["alarm", "alert"],
        "none",
    )
    position = np.where(ok, position, None)
    flag = np.where(ok, flag, None)
    nan = np.where(ok, 1.0, np.nan)
    return pd.DataFrame(
        {
            "unit": list(index) if labels is None else list(labels),
            "numerator": x,
            "denominator": n,
            "estimate": estimate,
            "target": float(target),
            "alert_lower": a_lo * nan,
            "alert_upper": a_hi * nan,
            "alarm_lower": b_lo * nan,
            "alarm_upper": b_hi * nan,
            "position": position,
            "flag": flag,
            "method": alert["method"].to_numpy(),
            "adjustment": applied,
        },
        index=index,
    )
