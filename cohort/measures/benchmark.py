"""Benchmarking authorities without league tables: funnel plots and neighbour groups.

Every function takes a tidy measure table (from :func:`cohort.measures.fte.fte`,
:func:`cohort.measures.custody.custody` or
:func:`cohort.measures.reoffending.reoffending`) with one row per authority
and the usual ``numerator``/``denominator`` columns. The columns before
``numerator`` are its grouping columns; every combination of them other
than ``authority_code`` (period, measure, breakdown) is benchmarked
separately. Authorities are placed within, above or below control limits
around a target, never ranked (Spiegelhalter 2005).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.measures._common import TIDY_COLUMNS
from cohort.stats import funnel_limits, funnel_table, overdispersion, proportion_ci, rate_ci

__all__ = ["benchmark", "funnel_data", "neighbours"]

Kind = Literal["auto", "rate", "proportion"]
Overdispersion = Literal["auto", "none", "multiplicative", "additive"]

#: Extra columns of :func:`benchmark`, after the tidy columns.
BENCHMARK_EXTRA_COLUMNS: tuple[str, ...] = (
    "target",
    "alert_lower",
    "alert_upper",
    "alarm_lower",
    "alarm_upper",
    "position",
    "flag",
    "kind",
    "per",
    "limit_method",
    "adjustment",
    "phi",
    "tau2",
)

_PROPORTION_METHODS = ("wilson", "clopper-pearson", "jeffreys")
_UNIT = "authority_code"




def _grouping(table: pd.DataFrame) -> list[str]:
    """Grouping columns of a tidy table (those before ``numerator``), minus the unit."""
    missing = [c for c in (_UNIT, "numerator", "denominator", "estimate") if c not in table]
    if missing:
        raise ValueError(
            f"table lacks columns {missing}; pass a tidy measure table with one row "
            "per authority (by including 'authority_code')"
        )
    cols = list(table.columns)
    return [c for c in cols[: cols.index("numerator")] if c != _UNIT]


def _blocks(table: pd.DataFrame, keys: list[str]) -> list[pd.Index]:
    """Row labels of each combination of ``keys`` (all rows when there are none)."""
    if not keys:
        return [table.index]
    by = keys[0] if len(keys) == 1 else keys
    return list(table.groupby(by, sort=False, dropna=False, observed=True).groups.values())


def _kind_of(rows: pd.DataFrame, kind: str) -> str:
    if kind != "auto":
        return kind
    if "measure" in rows and (rows["measure"] == "binary_rate").all():
        return "proportion"
    if "method" in rows and rows["method"].isin(_PROPORTION_METHODS).all():
        return "proportion"
    return "rate"


def _scale_of(rows: pd.DataFrame) -> float:
    """The multiplier the table's estimates were made with (1 if it cannot be told)."""
    x = rows["numerator"].to_numpy(dtype=float)
    n = rows["denominator"].to_numpy(dtype=float)
    e = rows["estimate"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = e / (x / n)
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    if ratio.size == 0:
        return 1.0
    return float(f"{np.median(ratio):.6g}")


def _comparison_labels(
    table: pd.DataFrame, comparison: str | Mapping[str, str] | pd.Series | None
) -> pd.Series:
    if comparison is None:
        return pd.Series("All", index=table.index, dtype=object)
    if isinstance(comparison, str):
        if comparison not in table:
            raise ValueError(
                f"comparison {comparison!r} is not a column of the table; merge it in "
                "(e.g. the region from data.authorities) or pass a mapping "
                "authority_code -> group"
            )
        return table[comparison].astype(object)
    mapping = comparison if isinstance(comparison, pd.Series) else pd.Series(dict(comparison))
    labels = table[_UNIT].map(mapping)
    if labels.isna().any():
        missing = sorted(table.loc[labels.isna(), _UNIT].astype(str).unique())
        raise ValueError(f"comparison has no group for authorities {missing}")
    return labels.astype(object)


def _funnel_block(
    rows: pd.DataFrame,
    target: float | str,
    kind: str,
    per: float | None,
    levels: tuple[float, float],
    overdispersion_: str,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Funnel classification of one block; also the settings used (for limit curves)."""
    k = _kind_of(rows, kind)
    table_per = _scale_of(rows)
    scale_to = table_per if per is None else float(per)
    x = rows["numerator"].to_numpy(dtype=float)
    n = rows["denominator"].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if target == "pooled":
        theta = x[ok].sum() / n[ok].sum() * scale_to if ok.any() else np.nan
    else:
        theta = float(target)
    requested = "additive" if overdispersion_ == "auto" else overdispersion_
    if ok.sum() < 2:
        requested = "none"
    settings: dict[str, object] = {
        "kind": k,
        "per": scale_to,
        "target": theta,
        "adjustment": "none",
        "phi": np.nan,
        "tau2": np.nan,
        "denominators": n[ok],
    }
    out = pd.DataFrame(index=rows.index)
    for c in ("numerator", "denominator"):
        out[c] = x if c == "numerator" else n
    factor = scale_to / table_per
    out["estimate"] = np.where(ok, x / np.where(ok, n, 1.0) * scale_to, np.nan)
    out["lower"] = rows["lower"].to_numpy(dtype=float) * factor if "lower" in rows else np.nan
    out["upper"] = rows["upper"].to_numpy(dtype=float) * factor if "upper" in rows else np.nan
    out["method"] = rows["method"].to_numpy() if "method" in rows else None
    out["confidence"] = rows["confidence"].to_numpy() if "confidence" in rows else np.nan
    out["target"] = theta
    for c in ("alert_lower", "alert_upper", "alarm_lower", "alarm_upper", "phi", "tau2"):
        out[c] = np.nan
    out["position"] = None
    out["flag"] = None
    out["kind"] = k
    out["per"] = scale_to
    out["limit_method"] = None
    out["adjustment"] = "none"
    if not ok.any() or not np.isfinite(theta):
        return out, settings
    ft = funnel_table(
        np.where(ok, x, np.nan),
        np.where(ok, n, np.nan),
        target=theta,
        kind=k,  # type: ignore[arg-type]
        levels=levels,
        per=scale_to,
        adjustment=requested,  # type: ignore[arg-type]
    )
    for c in ("alert_lower", "alert_upper", "alarm_lower", "alarm_upper", "position", "flag"):
        out[c] = ft[c].to_numpy()
    out["limit_method"] = ft["method"].to_numpy()
    applied = str(ft["adjustment"].iloc[0])
    out["adjustment"] = applied
    settings["adjustment"] = applied
    if requested != "none":
        od = overdispersion(x[ok], n[ok], theta, kind=k, per=scale_to).iloc[0]  # type: ignore[arg-type]
        out["phi"], out["tau2"] = float(od["phi"]), float(od["tau2"])
        settings["phi"], settings["tau2"] = float(od["phi"]), float(od["tau2"])
    return out, settings


def _check_common(kind: str, overdispersion_: str, target: float | str, levels) -> tuple:
    _check_choice("kind", kind, get_args(Kind))
    _check_choice("overdispersion", overdispersion_, get_args(Overdispersion))
    if isinstance(target, str) and target != "pooled":
        raise ValueError(f"target must be 'pooled' or a number; got {target!r}")
    levels = tuple(float(v) for v in levels)
    if len(levels) != 2 or not levels[0] < levels[1]:
        raise ValueError(f"levels must be (alert, alarm) with alert < alarm; got {levels!r}")
    return levels


def benchmark(
    table: pd.DataFrame,
    target: Literal["pooled"] | float = "pooled",
    kind: Kind = "auto",
    per: float | None = None,
    comparison: str | Mapping[str, str] | pd.Series | None = None,
    levels: tuple[float, float] = (0.95, 0.998),
    overdispersion: Overdispersion = "auto",
) -> pd.DataFrame:
    """Place every authority's figure on a funnel around a target.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy measure table with ``authority_code`` among its grouping
        columns (those before ``numerator``), e.g. ``fte(data)``,
        ``custody(data)`` or ``reoffending(data)``. Each combination of the
        other grouping columns (period, measure, breakdown) is a separate
        funnel.
    target : "pooled" or float, default "pooled"
        The target :math:`\\theta_0`: the pooled figure
        :math:`\\sum x / \\sum n` of the authorities compared (national, or
        per comparison group), or a fixed value in the table's units (e.g.
        a published national rate per 100,000).
    kind : {"auto", "rate", "proportion"}, default "auto"
        Poisson rates or binomial proportions. ``"auto"``: proportions for
        the reoffending ``binary_rate`` and for rows whose interval
        ``method`` is a proportion method (Wilson ...), rates otherwise
        (FTE, custody, reoffence frequencies).
    per : float, optional
        Multiplier of the output scale; default the one the table's
        estimates were made with (100,000 for FTE, 1,000 for custody, 1 for
        reoffending). Estimates and intervals are rescaled when given.
    comparison : str, mapping or Series, optional
        Comparison groups, each with its own pooled target: a column of
        ``table`` (e.g. ``"region"`` merged from ``data.authorities``) or a
        mapping ``authority_code -> group``. Default: all authorities in the
        table form one group (the national comparison).
    levels : (float, float), default (0.95, 0.998)
        Coverage of the "alert" and "alarm" limits.
    overdispersion : {"auto", "none", "multiplicative", "additive"}
        Overdispersion adjustment. As in FunnelPlotR and
        :func:`cohort.stats.funnel_table`, an adjustment is applied only when
        the chi-squared test on 10%-winsorised z-scores indicates
        overdispersion; ``"auto"`` then uses the additive (random-effects)
        :math:`\\tau^2` adjustment, the FunnelPlotR default; ``"none"`` never
        adjusts. The ``adjustment`` column says what was applied.

    Returns
    -------
    pandas.DataFrame
        One row per input row, in input order (never sorted by value):

        - the table's grouping columns (``authority_code`` first), then
          ``comparison_group``;
        - ``numerator``, ``denominator``, ``estimate`` (on the ``per``
          scale), ``lower``, ``upper``, ``method``, ``confidence``: the
          authority's own figure and interval, from the table;
        - ``target``: :math:`\\theta_0` of its funnel;
        - ``alert_lower``, ``alert_upper``, ``alarm_lower``, ``alarm_upper``:
          the control limits at the authority's denominator;
        - ``position``: ``"within"``, ``"above"`` or ``"below"`` the alert
          limits; ``flag``: ``"none"``, ``"alert"`` or ``"alarm"`` (outside
          the alarm limits); missing where there is no denominator;
        - ``kind``, ``per``, ``limit_method`` (``"exact"``, or
          ``"normal-arcsine"`` / ``"normal-sqrt"`` when adjusted),
          ``adjustment`` (applied), ``phi``, ``tau2`` (the overdispersion
          estimates, whether or not applied; ``NaN`` with ``"none"``).

    Notes
    -----
    Limits are Spiegelhalter's (2005) interpolated exact binomial or Poisson
    limits around :math:`\\theta_0` (:func:`cohort.stats.funnel_limits`);
    with an adjustment, normal limits on the arcsine (proportions) or
    square-root (rates) scale, :math:`y_0 \\pm z\\sqrt{s^2 + \\tau^2}` or
    :math:`y_0 \\pm z\\sqrt{\\phi}\\,s`. Report the target, the adjustment and
    the period with every chart. Poisson limits for reoffences per
    reoffender or per offender ignore the clustering of reoffences within
    children and are too narrow; prefer the binary rate for benchmarking.

    Validated on constructed authorities with one planted outlier and on
    overdispersed sets (``tests/measures/test_measures_benchmark.py``); the
    limits themselves are validated in ``cohort.stats``.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
    performance. *Statistics in Medicine*, 24(8), 1185-1202.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import rate_ci
    >>> table = rate_ci([28, 36, 70, 25], [10_000, 12_000, 11_000, 9_000], per=100_000)
    >>> table.insert(0, "authority_code", ["A", "B", "C", "D"])
    >>> b = benchmark(table, overdispersion="none")
    >>> b[["authority_code", "estimate", "target", "position", "flag"]].round(1)
      authority_code  estimate  target position   flag
    0              A     280.0   378.6   within   none
    1              B     300.0   378.6   within   none
    2              C     636.4   378.6    above  alarm
    3              D     277.8   378.6   within   none

    With four authorities, one outlier is enough for the chi-squared test
    to indicate overdispersion, and the default ``"auto"`` then widens the
    limits (additive adjustment):

    >>> benchmark(table)[["flag", "adjustment"]].drop_duplicates()
       flag adjustment
    0  none   additive
    """
    levels = _check_common(kind, overdispersion, target, levels)
    keys = _grouping(table)
    table = table.reset_index(drop=True)
    labels = _comparison_labels(table, comparison)
    work = table.assign(comparison_group=labels.to_numpy())
    parts = []
    for idx in _blocks(work, [*keys, "comparison_group"]):
        rows = work.loc[idx]
        result, _ = _funnel_block(rows, target, kind, per, levels, overdispersion)
        lead = rows[[_UNIT, *keys, "comparison_group"]]
        parts.append(pd.concat([lead, result], axis=1))
    out = pd.concat(parts).loc[table.index]
    columns = [_UNIT, *keys, "comparison_group", *TIDY_COLUMNS, *BENCHMARK_EXTRA_COLUMNS]
    return out[columns].reset_index(drop=True)


def funnel_data(
    table: pd.DataFrame,
    target: Literal["pooled"] | float = "pooled",
    kind: Kind = "auto",
    per: float | None = None,
    levels: tuple[float, float] = (0.95, 0.998),
    overdispersion: Overdispersion = "auto",
    label: str = _UNIT,
    points: int = 200,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Points and limit curves for a funnel plot of one period and measure.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy measure table filtered to one funnel: apart from
        ``authority_code``, its grouping columns must each hold one value
        (one period, one measure, one breakdown cell).
    target, kind, per, levels, overdispersion
        As in :func:`benchmark`.
    label : str, default "authority_code"
        Column of ``table`` used to label the points (e.g. an
        ``authority_name`` column merged in).
    points : int, default 200
        Number of denominators on the limit curves (geometric grid over the
        authorities' range).

    Returns
    -------
    (points, limits) : tuple of pandas.DataFrame
        ``points``: ``label``, ``authority_code``, ``numerator``,
        ``denominator``, ``estimate``, ``position``, ``flag``; ``limits``:
        ``denominator``, ``level``, ``lower``, ``upper``, ``target``,
        ``method``, ``adjustment`` -- the inputs of
        :func:`cohort.plots.funnel`. The curves use the same target and
        adjustment as :func:`benchmark`.

    Examples
    --------
    >>> from cohort.stats import rate_ci
    >>> table = rate_ci([28, 36, 70, 25], [10_000, 12_000, 11_000, 9_000], per=100_000)
    >>> table.insert(0, "authority_code", ["A", "B", "C", "D"])
    >>> pts, lim = funnel_data(table, overdispersion="none", points=5)
    >>> pts[["label", "estimate", "flag"]].round(1)
      label  estimate   flag
    0     A     280.0   none
    1     B     300.0   none
    2     C     636.4  alarm
    3     D     277.8   none
    >>> lim["level"].unique().tolist(), len(lim)
    ([0.95, 0.998], 10)
    """
    levels = _check_common(kind, overdispersion, target, levels)
    keys = _grouping(table)
    several = [c for c in keys if table[c].nunique(dropna=False) > 1]
    if several:
        raise ValueError(
            f"a funnel plot shows one period and measure; the table has several values "
            f"of {several}: filter it first"
        )
    if label not in table:
        raise ValueError(f"label column {label!r} is not in the table")
    result, settings = _funnel_block(table, target, kind, per, levels, overdispersion)
    pts = pd.DataFrame(
        {
            "label": table[label].astype(str).to_numpy(),
            _UNIT: table[_UNIT].to_numpy(),
            "numerator": result["numerator"].to_numpy(),
            "denominator": result["denominator"].to_numpy(),
            "estimate": result["estimate"].to_numpy(),
            "position": result["position"].to_numpy(),
            "flag": result["flag"].to_numpy(),
        }
    )
    dens = np.asarray(settings["denominators"], dtype=float)
    theta = float(settings["target"])  # type: ignore[arg-type]
    if dens.size == 0 or not np.isfinite(theta):
        empty = pd.DataFrame(columns=["denominator", "level", "lower", "upper", "target"])
        return pts, empty
    applied = str(settings["adjustment"])
    limits = funnel_limits(
        dens,
        theta,
        kind=settings["kind"],  # type: ignore[arg-type]
        levels=levels,
        per=float(settings["per"]),  # type: ignore[arg-type]
        adjustment=applied,  # type: ignore[arg-type]
        phi=settings["phi"] if applied == "multiplicative" else None,  # type: ignore[arg-type]
        tau2=settings["tau2"] if applied == "additive" else None,  # type: ignore[arg-type]
        points=points,
    )
    return pts, limits


def neighbours(
    table: pd.DataFrame,
    authority: str,
    group: str | Sequence[str] | None = None,
    authorities: pd.DataFrame | None = None,
    include_self: bool = False,
    kind: Kind = "auto",
    level: float = 0.95,
) -> pd.DataFrame:
    """An authority's figure beside its comparison group of neighbours.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy measure table with ``authority_code`` among its grouping
        columns (see :func:`benchmark`).
    authority : str
        The authority code.
    group : str or sequence of str, optional
        A named comparison group (a value of the ``comparison_group``
        column of ``authorities``, or of ``table`` if it has that column),
        or an explicit list of neighbour authority codes. Default: the
        authority's own ``comparison_group``.
    authorities : pandas.DataFrame, optional
        The ``authorities`` table (``data.authorities``), needed to resolve a
        named group unless ``table`` carries ``comparison_group``.
    include_self : bool, default False
        Whether the authority's own counts enter the group's pooled figure
        (by default the group figure is that of its neighbours only).
    kind : {"auto", "rate", "proportion"}, default "auto"
        As in :func:`benchmark`; the group figure is on the table's own scale.
    level : float, default 0.95
        Confidence level of the group's interval and of the limits used
        for ``position``.

    Returns
    -------
    pandas.DataFrame
        For each combination of the table's other grouping columns: one row
        for the authority (``role`` ``"authority"``), one per neighbour
        (``"neighbour"``, in code order) and one for the group's pooled
        figure (``"group"``, ``authority_code`` missing). Columns: the
        grouping columns, ``comparison_group``, ``role``, ``authority_code``,
        ``numerator``, ``denominator``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``confidence``, ``target`` (the group's pooled
        estimate), ``position`` (``"within"``, ``"above"`` or ``"below"``
        the exact ``level`` funnel limits around the group figure at the
        row's denominator) and ``neighbours`` (authorities pooled).

    Notes
    -----
    The group figure is :math:`\\sum x / \\sum n` over the neighbours, with
    a Wilson (proportions) or PHE Poisson (rates) interval. Positions are
    relative to the group, not a ranking; rows are not sorted by value.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import rate_ci
    >>> table = rate_ci([28, 36, 70, 25], [10_000, 12_000, 11_000, 9_000], per=100_000)
    >>> table.insert(0, "authority_code", ["A", "B", "C", "D"])
    >>> la = pd.DataFrame({"authority_code": list("ABCD"), "comparison_group": "Metro"})
    >>> nb = neighbours(table, "C", authorities=la)
    >>> nb[["role", "authority_code", "estimate", "target", "position"]].head(4).round(1)
            role authority_code  estimate  target position
    0  authority              C     636.4   287.1    above
    1  neighbour              A     280.0   287.1   within
    2  neighbour              B     300.0   287.1   within
    3  neighbour              D     277.8   287.1   within
    >>> [str(nb.loc[4, "role"]), float(nb.loc[4, "numerator"]), float(nb.loc[4, "denominator"])]
    ['group', 89.0, 31000.0]
    """
    _check_choice("kind", kind, get_args(Kind))
    keys = _grouping(table)
    table = table.reset_index(drop=True)
    codes = table[_UNIT].astype(str)
    if authority not in set(codes):
        raise ValueError(f"authority {authority!r} is not in the table")
    lookup = authorities
    if lookup is None and "comparison_group" in table:
        lookup = table[[_UNIT, "comparison_group"]].drop_duplicates()
    if group is None or isinstance(group, str):
        if lookup is None or "comparison_group" not in lookup:
            raise ValueError(
                "a named comparison group needs the authorities table (with "
                "comparison_group) or a comparison_group column in the table"
            )
        groups = lookup.assign(_code=lookup[_UNIT].astype(str))
        if group is None:
            own = groups.loc[groups["_code"] == authority, "comparison_group"].dropna()
            if own.empty:
                raise ValueError(f"authority {authority!r} has no comparison_group")
            group = str(own.iloc[0])
        members = sorted(set(groups.loc[groups["comparison_group"] == group, "_code"]))
        if not members:
            valid = sorted(groups["comparison_group"].dropna().astype(str).unique())
            raise ValueError(f"no authorities in comparison group {group!r}; groups: {valid}")
        name = group
    else:
        members = sorted({str(c) for c in group})
        name = "custom"
    pool = [c for c in members if include_self or c != authority]
    if not pool:
        raise ValueError(f"comparison group {name!r} has no neighbours of {authority!r}")
    parts = []
    for idx in _blocks(table, keys):
        rows = table.loc[idx]
        rcodes = rows[_UNIT].astype(str)
        k = _kind_of(rows, kind)
        scale = _scale_of(rows)
        own = rows[rcodes == authority].assign(role="authority")
        nbrs = rows[rcodes.isin([c for c in members if c != authority])].assign(role="neighbour")
        nbrs = nbrs.assign(_code=nbrs[_UNIT].astype(str)).sort_values("_code").drop(columns="_code")
        pooled_rows = rows[rcodes.isin(pool)]
        x = pooled_rows["numerator"].to_numpy(dtype=float)
        n = pooled_rows["denominator"].to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
        sx, sn = x[ok].sum(), n[ok].sum()
        if k == "proportion":
            ci = proportion_ci(sx, sn, level=level)
            for c in ("estimate", "lower", "upper"):
                ci[c] = ci[c] * scale
        else:
            ci = rate_ci(sx, sn, per=scale, level=level)
        grp = ci.assign(role="group", **{_UNIT: None})
        for c in keys:
            grp[c] = rows[c].iloc[0]
        shown = pd.concat([own, nbrs], ignore_index=True)
        ft_x = shown["numerator"].to_numpy(dtype=float)
        ft_n = shown["denominator"].to_numpy(dtype=float)
        valid = np.isfinite(ft_x) & np.isfinite(ft_n) & (ft_n > 0)
        theta = float(grp["estimate"].iloc[0])
        position = np.full(len(shown), None, dtype=object)
        if valid.any() and np.isfinite(theta):
            ft = funnel_table(
                np.where(valid, ft_x, np.nan),
                np.where(valid, ft_n, np.nan),
                target=theta,
                kind=k,  # type: ignore[arg-type]
                levels=(level, (1 + level) / 2),
                per=scale,
            )
            position = ft["position"].to_numpy()
        shown["position"] = position
        grp["position"] = None
        block = pd.concat([shown, grp], ignore_index=True)
        block["target"] = theta
        block["neighbours"] = len(pool)
        block["comparison_group"] = name
        parts.append(block)
    out = pd.concat(parts, ignore_index=True)
    columns = [
        *keys,
        "comparison_group",
        "role",
        _UNIT,
        *TIDY_COLUMNS,
        "target",
        "position",
        "neighbours",
    ]
    for c in TIDY_COLUMNS:
        if c not in out:
            out[c] = np.nan
    return out[columns]
