"""Figures used by the report notebooks.

Every function takes a tidy table (the output of a measure, usually after
disclosure control, with suppressed cells missing), draws on ``ax`` (a new
figure when ``None``) and returns the Axes. Nothing here calls ``plt.show()``
or changes global style.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

_BLUE = "#1f5f8b"
_GREY = "#8a9aa6"
_RED = "#b23a48"
_AMBER = "#d68c00"


def _axes(ax: Axes | None, size=(7, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def shares(
    table: pd.DataFrame,
    variable: str,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    percent: bool = True,
) -> Axes:
    """Horizontal bars of the share of each value of one characteristic, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        Long table with ``group_variable``, ``group_value``, ``estimate``,
        ``lower``, ``upper`` (e.g. :func:`cohort.profile`). Missing estimates
        (suppressed cells) are drawn as a gap labelled ``[c]``.
    variable : str
        The ``group_variable`` to draw.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group_variable": "sex", "group_value": ["Male", "Female"],
    ...                   "estimate": [0.9, 0.1], "lower": [0.8, 0.05], "upper": [0.95, 0.2]})
    >>> shares(t, "sex").get_xlabel()
    'Share of children (%)'
    """
    d = table[table["group_variable"] == variable].reset_index(drop=True)
    ax = _axes(ax, (7, 0.45 * max(len(d), 2) + 1))
    k = 100.0 if percent else 1.0
    y = np.arange(len(d))[::-1]
    est = pd.to_numeric(d["estimate"], errors="coerce").to_numpy(dtype=float) * k
    lo = pd.to_numeric(d["lower"], errors="coerce").to_numpy(dtype=float) * k
    hi = pd.to_numeric(d["upper"], errors="coerce").to_numpy(dtype=float) * k
    ax.barh(y, np.nan_to_num(est), color=_BLUE, alpha=0.85)
    ok = ~np.isnan(est)
    ax.errorbar(est[ok], y[ok], xerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="none", ecolor="black", capsize=3, lw=1)
    for yi, e in zip(y, est, strict=True):
        if np.isnan(e):
            ax.text(0.5, yi, "[c]", va="center", color=_GREY)
    ax.set_yticks(y, d["group_value"].astype(str))
    ax.set_xlabel("Share of children (%)" if percent else "Share")
    ax.set_xlim(0, 100 if percent else 1)
    ax.set_title(title or variable.replace("_", " ").capitalize())
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def trend(
    table: pd.DataFrame,
    *,
    x: str = "period",
    y: str = "estimate",
    hue: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    highlight: str | None = None,
) -> Axes:
    """Line chart of an estimate over periods with its interval as a band.

    ``hue`` draws one line per value (e.g. authority); ``highlight`` draws
    that value in colour and the others in grey.
    """
    ax = _axes(ax)
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=False))
    for key, g in groups:
        g = g.sort_values(x)
        xs = g[x].astype(str).to_numpy()
        est = pd.to_numeric(g[y], errors="coerce").to_numpy(dtype=float)
        strong = highlight is None or key == highlight
        colour = _BLUE if strong else _GREY
        ax.plot(xs, est, marker="o", color=colour, lw=2 if strong else 1, alpha=1 if strong else 0.6,
                label=None if key is None else str(key), zorder=3 if strong else 2)
        if strong and {"lower", "upper"} <= set(g.columns):
            ax.fill_between(xs, pd.to_numeric(g["lower"], errors="coerce").to_numpy(dtype=float),
                            pd.to_numeric(g["upper"], errors="coerce").to_numpy(dtype=float),
                            color=colour, alpha=0.15, lw=0)
    ax.set_title(title or "")
    ax.set_ylabel(ylabel or y)
    ax.tick_params(axis="x", rotation=45)
    ax.spines[["top", "right"]].set_visible(False)
    if hue is not None and highlight is None:
        ax.legend(frameon=False, fontsize=8)
    return ax


def funnel(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    ax: Axes | None = None,
    label_col: str | None = "label",
    highlight: str | None = None,
    title: str | None = None,
    ylabel: str = "Rate",
    scale: float = 1.0,
) -> Axes:
    """Funnel plot: each unit's estimate against its denominator, with control limits.

    Parameters
    ----------
    points : pandas.DataFrame
        ``denominator`` and ``estimate`` per unit (plus ``label_col``).
    limits : pandas.DataFrame
        Long limits with ``denominator``, ``level``, ``lower``, ``upper`` and
        optionally ``target`` (as from :func:`cohort.stats.funnel_limits`).
    highlight : str, optional
        The label of the unit to draw in red.
    scale : float
        Multiply estimates and limits (e.g. 100 for percentages).
    """
    ax = _axes(ax, (7, 4.5))
    styles = {0.95: ("--", _AMBER), 0.998: ("-", _RED)}
    for level, g in limits.groupby("level"):
        g = g.sort_values("denominator")
        ls, colour = styles.get(round(float(level), 3), (":", _GREY))
        ax.plot(g["denominator"], g["lower"] * scale, ls=ls, color=colour, lw=1, label=f"{float(level):.1%} limits")
        ax.plot(g["denominator"], g["upper"] * scale, ls=ls, color=colour, lw=1)
    if "target" in limits:
        ax.axhline(float(limits["target"].iloc[0]) * scale, color="black", lw=1, label="target")
    colours = [_RED if (highlight is not None and label_col and lab == highlight) else _BLUE
               for lab in (points[label_col] if label_col in points else [None] * len(points))]
    ax.scatter(points["denominator"], pd.to_numeric(points["estimate"], errors="coerce") * scale,
               c=colours, s=28, zorder=3)
    if highlight is not None and label_col in points:
        h = points[points[label_col] == highlight]
        for r in h.itertuples():
            ax.annotate(str(highlight), (r.denominator, float(r.estimate) * scale),
                        textcoords="offset points", xytext=(5, 5), color=_RED)
    ax.set_xlabel("Denominator")
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def forest(
    table: pd.DataFrame,
    *,
    label: str = "group_value",
    estimate: str = "estimate",
    ax: Axes | None = None,
    reference_line: float = 1.0,
    log: bool = True,
    title: str | None = None,
    xlabel: str = "Relative rate",
) -> Axes:
    """Forest plot of ratios (or differences) with intervals, e.g. RRIs by stage."""
    d = table.reset_index(drop=True)
    ax = _axes(ax, (7, 0.4 * max(len(d), 2) + 1.2))
    y = np.arange(len(d))[::-1]
    est = pd.to_numeric(d[estimate], errors="coerce").to_numpy(dtype=float)
    lo = pd.to_numeric(d["lower"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(d["upper"], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(est)
    ax.errorbar(est[ok], y[ok], xerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="o", color=_BLUE, capsize=3)
    ax.axvline(reference_line, color="black", lw=1, ls="--")
    if log:
        ax.set_xscale("log")
    ax.set_yticks(y, d[label].astype(str))
    ax.set_xlabel(xlabel)
    ax.set_title(title or "")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def survival(table: pd.DataFrame, *, group: str | None = "group", ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """Kaplan-Meier step curves with confidence bands (from :func:`cohort.stats.kaplan_meier`)."""
    ax = _axes(ax)
    groups = [(None, table)] if group is None or group not in table else list(table.groupby(group, sort=False))
    for key, g in groups:
        g = g.sort_values("time")
        line = ax.step(g["time"], g["survival"], where="post", label=None if key is None else str(key))
        if {"lower", "upper"} <= set(g.columns):
            ax.fill_between(g["time"], g["lower"], g["upper"], step="post", alpha=0.15, color=line[0].get_color(), lw=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Days")
    ax.set_ylabel("Proportion not yet reoffended")
    ax.set_title(title or "")
    if group is not None and group in table:
        ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def love(balance: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Love plot: absolute standardised mean differences before and after matching.

    ``balance`` has ``variable``, ``smd_before`` and ``smd_after`` (percent).
    """
    d = balance.reset_index(drop=True)
    ax = _axes(ax, (7, 0.35 * max(len(d), 2) + 1.2))
    y = np.arange(len(d))[::-1]
    ax.scatter(d["smd_before"].abs(), y, color=_GREY, label="before matching")
    ax.scatter(d["smd_after"].abs(), y, color=_BLUE, label="after matching")
    for v, c in ((5, _GREY), (10, _RED)):
        ax.axvline(v, ls="--", lw=1, color=c)
    ax.set_yticks(y, d["variable"].astype(str))
    ax.set_xlabel("|Standardised mean difference| (%)")
    ax.set_title(title or "")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
