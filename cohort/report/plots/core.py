"""Figures used by the report notebooks.

Every function takes a tidy table (the output of a measure, usually after
disclosure control, with suppressed cells missing), draws on ``ax`` (a new
figure when ``None``) and returns the Axes. Nothing here calls ``plt.show()``
or changes global style. Colours are the Okabe-Ito palette (safe for the
common colour-vision deficiencies); labels come from the code lists
(:mod:`cohort.report.labels`); periods are ordered by date, never by name.

Each figure has a companion ``describe_*`` function that writes its text
alternative from the same data (public-sector accessibility regulations ask
for one on every image).
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from cohort.report import labels

#: Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design").
PALETTE: dict[str, str] = {
    "blue": "#0072B2", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "vermillion": "#D55E00", "purple": "#CC79A7", "yellow": "#F0E442", "grey": "#8C8C8C",
}
_BLUE, _GREY, _RED, _AMBER = PALETTE["blue"], PALETTE["grey"], PALETTE["vermillion"], PALETTE["orange"]
_THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}")


def _axes(ax: Axes | None, size=(7, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _order(table: pd.DataFrame, x: str) -> pd.DataFrame:
    """Rows in date order: by ``period_start`` when the table has it, else by ``x``."""
    if "period_start" in table.columns:
        return table.assign(_d=pd.to_datetime(table["period_start"])).sort_values("_d", kind="stable").drop(columns="_d")
    return table.sort_values(x, kind="stable")


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
    ax.barh(y, np.nan_to_num(est), color=_BLUE, alpha=0.9)
    ok = ~np.isnan(est)
    ax.errorbar(est[ok], y[ok], xerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="none", ecolor="black", capsize=3, lw=1)
    for yi, e in zip(y, est, strict=True):
        if np.isnan(e):
            ax.text(0.5, yi, "[c]", va="center", color="#555555")
    ax.set_yticks(y, [textwrap.fill(labels.value(v, variable), 24) for v in d["group_value"]])
    ax.set_xlabel("Share of children (%)" if percent else "Share")
    ax.set_xlim(0, 100 if percent else 1)
    ax.set_title(title or labels.name(variable))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def describe_shares(table: pd.DataFrame, variable: str, what: str = "children") -> str:
    """Text alternative of :func:`shares`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group_variable": "sex", "group_value": ["Male", "Female"],
    ...                   "estimate": [0.9, None]})
    >>> describe_shares(t, "sex")
    'Bar chart of children by sex: Male 90%, Female not shown.'
    """
    d = table[table["group_variable"] == variable]
    parts = [f"{labels.value(v, variable)} {e * 100:.0f}%" if pd.notna(e)
             else f"{labels.value(v, variable)} not shown"
             for v, e in zip(d["group_value"], pd.to_numeric(d["estimate"], errors="coerce"), strict=True)]
    return f"Bar chart of {what} by {labels.name(variable).lower()}: {', '.join(parts)}."


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
    scale: float = 1.0,
    shade: str | None = None,
    hue_labels: dict[str, str] | None = None,
) -> Axes:
    """Line chart of an estimate over periods (in date order) with its interval as a band.

    ``hue`` draws one line per value (e.g. authority); ``highlight`` draws
    that value in colour with its interval and the others in grey, with a
    legend naming both. ``shade`` names a boolean column: periods where it is
    true (e.g. incomplete reoffending cohorts) are shaded and named in the
    legend. Periods are placed in the order of ``period_start`` when present.
    """
    ax = _axes(ax)
    table = _order(table, x)
    order = list(dict.fromkeys(table[x].astype(str)))
    pos = {p: i for i, p in enumerate(order)}
    names = hue_labels or {}
    # positions and values for the whole table at once, then each line's rows (a groupby
    # with a pandas frame a line took most of the drawing of a national report)
    xs_all = table[x].astype(str).map(pos).to_numpy(dtype=float)
    est_all = pd.to_numeric(table[y], errors="coerce").to_numpy(dtype=float) * scale
    rows_of = ({None: np.arange(len(table))} if hue is None
               else table.groupby(hue, sort=False, observed=True).indices)
    handles = []
    others = []  # the grey lines of the other values, drawn together as one collection
    for key, rows in rows_of.items():
        xs, est = xs_all[rows], est_all[rows]
        strong = highlight is None or key == highlight
        colour = _BLUE if strong else _GREY
        if not strong:
            others.append(np.column_stack([xs, est]))
            continue
        g = table.iloc[rows]
        label = None if key is None else names.get(str(key), str(key))
        (line,) = ax.plot(xs, est, marker="o", color=colour, lw=2, label=label, zorder=3)
        if label:
            handles.append(line)
        if strong and {"lower", "upper"} <= set(g.columns):
            band = ax.fill_between(xs, pd.to_numeric(g["lower"], errors="coerce").to_numpy(dtype=float) * scale,
                                   pd.to_numeric(g["upper"], errors="coerce").to_numpy(dtype=float) * scale,
                                   color=colour, alpha=0.25 if highlight is not None else 0.15, lw=0,
                                   label="95% interval", zorder=2.5)
            if not any(h.get_label() == "95% interval" for h in handles):
                handles.append(band)
    if others:
        # one collection rather than a line per authority: 150 lines with markers took most of
        # a national report's drawing time (a gap where a value is missing, as a line would show)
        ax.add_collection(LineCollection(others, colors=_GREY, linewidths=1, alpha=0.6, zorder=2))
        ax.autoscale_view()
        handles.append(Line2D([], [], color=_GREY, lw=1, alpha=0.6, label="Other authorities"))
    if shade is not None and shade in table.columns:
        flagged = table.loc[table[shade].astype(bool), x].astype(str).unique()
        for p in flagged:
            ax.axvspan(pos[p] - 0.5, pos[p] + 0.5, color=PALETTE["yellow"], alpha=0.35, lw=0, zorder=1)
        if len(flagged):
            handles.append(Patch(color=PALETTE["yellow"], alpha=0.35, label="Incomplete: can still rise"))
    ticks, xlabel = _short_periods(order)
    ax.set_xticks(range(len(order)), ticks)
    ax.set_xlabel(xlabel)
    ax.set_title(textwrap.fill(title or "", 64))
    ax.set_ylabel(ylabel or y)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%") if scale == 100 else _adaptive(ax))
    ax.tick_params(axis="x", rotation=35)
    for t in ax.get_xticklabels():
        t.set_horizontalalignment("right")
    ax.spines[["top", "right"]].set_visible(False)
    if handles:
        ax.legend(handles=handles, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _short_periods(order: list[str]) -> tuple[list[str], str]:
    """Tick labels without a prefix every period shares ("12 months to "), and the axis label."""
    prefix = "12 months to "
    if order and all(p.startswith(prefix) for p in order):
        return [p[len(prefix):] for p in order], "12 months ending"
    return order, ""


def _adaptive(ax: Axes) -> FuncFormatter:
    """Thousands separators, with the decimals the axis range needs (0.12 per 1,000 is not 0)."""
    def fmt(v: float, _pos: object) -> str:
        lo, hi = ax.get_ylim()
        span = abs(hi - lo)
        decimals = 0 if span >= 10 else 1 if span >= 1 else 2 if span >= 0.1 else 3
        return f"{v:,.{decimals}f}"
    return FuncFormatter(fmt)


def describe_trend(table: pd.DataFrame, what: str, unit: str, *, x: str = "period", y: str = "estimate",
                   scale: float = 1.0, decimals: int = 0) -> str:
    """Text alternative of :func:`trend` for one line: first, last, lowest, highest.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"period": ["Q1", "Q2", "Q3"], "estimate": [120.0, None, 142.4]})
    >>> describe_trend(t, "First time entrants", "per 100,000")
    'Line chart of first time entrants, per 100,000, Q1 to Q3: 120 in Q1 and 142 in Q3; 1 period has no figure shown (suppressed or no cases).'
    """
    t = _order(table, x)
    v = pd.to_numeric(t[y], errors="coerce") * scale
    shown = t.loc[v.notna(), x].astype(str).tolist()
    periods = t[x].astype(str).tolist()
    fmt = f"{{:,.{decimals}f}}"
    if not shown:
        return f"Line chart of {what.lower()}, {unit}: no figure is shown for {periods[0]} to {periods[-1]}."
    vals = v.dropna()
    text = (f"Line chart of {what.lower()}, {unit}, {periods[0]} to {periods[-1]}: "
            f"{fmt.format(vals.iloc[0])} in {shown[0]} and {fmt.format(vals.iloc[-1])} in {shown[-1]}")
    if len(vals) > 2:
        text += f" (lowest {fmt.format(vals.min())}, highest {fmt.format(vals.max())})"
    hidden = int(v.isna().sum())
    if hidden:
        text += f"; {hidden} period{'s have' if hidden != 1 else ' has'} no figure shown (suppressed or no cases)"
    return text + "."


def funnel(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    ax: Axes | None = None,
    label_col: str | None = "label",
    highlight: str | None = None,
    title: str | None = None,
    ylabel: str = "Rate",
    xlabel: str = "Denominator",
    scale: float = 1.0,
    names: dict[str, str] | None = None,
) -> Axes:
    """Funnel plot: each unit's estimate against its denominator, with control limits.

    Parameters
    ----------
    points : pandas.DataFrame
        ``denominator`` and ``estimate`` per unit (plus ``label_col``); a
        missing estimate (a suppressed one) is not drawn.
    limits : pandas.DataFrame
        Long limits with ``denominator``, ``level``, ``lower``, ``upper`` and
        optionally ``target`` (as from :func:`cohort.stats.funnel_limits`).
    highlight : str, optional
        The label of the unit to draw in orange and name.
    scale : float
        Multiply estimates and limits (e.g. 100 for percentages).
    names : dict, optional
        Labels to show for units (e.g. authority names by code).
    """
    ax = _axes(ax, (8, 4.5))
    styles = {0.95: ("--", PALETTE["sky"]), 0.998: ("-", PALETTE["purple"])}
    for level, g in limits.groupby("level"):
        g = g.sort_values("denominator")
        ls, colour = styles.get(round(float(level), 3), (":", _GREY))
        ax.plot(g["denominator"], g["lower"] * scale, ls=ls, color=colour, lw=1.2, label=f"{float(level):.1%} limits")
        ax.plot(g["denominator"], g["upper"] * scale, ls=ls, color=colour, lw=1.2)
    if "target" in limits:
        ax.axhline(float(limits["target"].iloc[0]) * scale, color="black", lw=1, label="All authorities")
    labs = points[label_col] if label_col in points else pd.Series([None] * len(points))
    est = pd.to_numeric(points["estimate"], errors="coerce") * scale
    mine = (labs == highlight).to_numpy() if highlight is not None else np.zeros(len(points), bool)
    ax.scatter(points["denominator"][~mine], est[~mine], c=_BLUE, s=28, zorder=3, label="Other authorities")
    if mine.any():
        ax.scatter(points["denominator"][mine], est[mine], c=_AMBER, s=60, marker="D", zorder=4,
                   edgecolors="black", label=(names or {}).get(str(highlight), str(highlight)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%") if scale == 100 else _adaptive(ax))
    ax.set_title(textwrap.fill(title or "", 64))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def describe_funnel(points: pd.DataFrame, target: float, what: str, unit: str, *, highlight: str,
                    label_col: str = "label", scale: float = 1.0, names: dict[str, str] | None = None,
                    decimals: int = 0) -> str:
    """Text alternative of :func:`funnel`: the highlighted unit against the target.

    Examples
    --------
    >>> import pandas as pd
    >>> pts = pd.DataFrame({"label": ["X01", "X02"], "estimate": [142.0, 120.0],
    ...                     "lower": [118.0, 100.0], "upper": [170.0, 140.0],
    ...                     "position": ["within", "within"]})
    >>> describe_funnel(pts, 133.0, "First time entrants", "per 100,000", highlight="X01",
    ...                 names={"X01": "Ashbridge"})
    'Funnel plot of first time entrants, per 100,000: Ashbridge 142 (95% interval 118 to 170) against 133 for all authorities, within the funnel limits; 2 authorities shown.'
    """
    fmt = f"{{:,.{decimals}f}}"
    row = points[points[label_col] == highlight]
    who = (names or {}).get(str(highlight), str(highlight))
    shown = int(pd.to_numeric(points["estimate"], errors="coerce").notna().sum())
    tail = f"; {shown} authorit{'ies' if shown != 1 else 'y'} shown."
    if row.empty or pd.isna(row["estimate"].iloc[0]):
        return (f"Funnel plot of {what.lower()}, {unit}: {who}'s figure is not shown; all authorities "
                f"{fmt.format(target * scale)}{tail}")
    r = row.iloc[0]
    ci = ""
    if {"lower", "upper"} <= set(row.columns) and pd.notna(r["lower"]):
        ci = f" (95% interval {fmt.format(r['lower'] * scale)} to {fmt.format(r['upper'] * scale)})"
    pos = ""
    if "position" in row.columns and isinstance(r["position"], str):
        pos = {"within": ", within the funnel limits"}.get(r["position"], f", {labels.value(r['position']).lower()}")
    return (f"Funnel plot of {what.lower()}, {unit}: {who} {fmt.format(r['estimate'] * scale)}{ci} against "
            f"{fmt.format(target * scale)} for all authorities{pos}{tail}")


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
    ax.set_yticks(y, [labels.value(v) for v in d[label]])
    ax.set_xlabel(xlabel)
    ax.set_title(title or "")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def survival(table: pd.DataFrame, *, group: str | None = "group", ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """Kaplan-Meier step curves with confidence bands (from :func:`cohort.stats.kaplan_meier`)."""
    ax = _axes(ax)
    colours = [PALETTE[c] for c in ("blue", "orange", "green", "purple", "sky", "vermillion")]
    groups = [(None, table)] if group is None or group not in table else list(table.groupby(group, sort=False))
    for i, (key, g) in enumerate(groups):
        g = g.sort_values("time")
        line = ax.step(g["time"], g["survival"], where="post", color=colours[i % len(colours)],
                       label=None if key is None else str(key))
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
