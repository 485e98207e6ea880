"""Figures of disproportionality: the relative rate index by stage (a forest
plot) and representation (shares of children at each stage against the
population), each with a text alternative derived from the same table.

Both take the table of :func:`cohort.disproportionality` (after disclosure
control, suppressed cells missing) and ``ax=None``, return the Axes, and set
no global style. The ``*_alt`` functions return the text alternative for the
figure drawn from the same rows: what a reader who cannot see the figure
needs to know, in numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

__all__ = ["representation", "representation_alt", "rri_forest", "rri_forest_alt"]

# Okabe-Ito (colour-blind safe)
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
            "#000000")
_GREY = "#7a7a7a"


def _stage_order(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["stage"]))


def _stage_labels(table: pd.DataFrame) -> dict[str, str]:
    if "stage_label" in table:
        return dict(zip(table["stage"], table["stage_label"], strict=False))
    return {s: s.replace("_", " ") for s in table["stage"]}


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "unbounded" if x > 0 else "not available"
    return f"{x:.2f}"


def _rri_rows(table: pd.DataFrame, groups) -> pd.DataFrame:
    d = table[table["group_value"] != table["reference"]]
    if groups is not None:
        d = d[d["group_value"].isin(list(groups))]
    return d.reset_index(drop=True)


def rri_forest(
    table: pd.DataFrame,
    *,
    groups=None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Relative rate index of each group at each decision point, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`cohort.disproportionality` (``stage``,
        ``stage_label``, ``group_value``, ``reference``, ``relative_rate``,
        ``relative_lower``, ``relative_upper``, ``calculable``, ``reason``);
        the reference group's rows are left out.
    groups : list of str, optional
        Group values to draw (default all but the reference).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Stages top to bottom, one marker per group (colour and shape by
        group); filled where the relative rate is calculable, hollow (with
        its exact interval) where it is not; a dashed parity line at 1; log
        scale. Missing (suppressed) ratios are left out and listed in the
        text alternative.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["court", "court"], "stage_label": ["Court", "Court"],
    ...     "group_value": ["White", "Black"], "reference": "White",
    ...     "relative_rate": [1.0, 1.6], "relative_lower": [None, 1.1],
    ...     "relative_upper": [None, 2.3], "calculable": [True, True], "reason": [None, None]})
    >>> rri_forest(t).get_xlabel()
    'Relative rate index (against White; log scale)'
    """
    d = _rri_rows(table, groups)
    stages = _stage_order(table)
    labels = _stage_labels(table)
    values = list(dict.fromkeys(d["group_value"]))
    k = max(len(values), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.55 * len(stages) * max(k, 2) / 2 + 1.6),
                             layout="constrained")
    markers = ("o", "s", "D", "^", "v", "P", "X", "*")
    est, lo, hi = _num(d["relative_rate"]), _num(d["relative_lower"]), _num(d["relative_upper"])
    calc = d["calculable"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    pos = {s: len(stages) - 1 - i for i, s in enumerate(stages)}
    offsets = np.linspace(-0.3, 0.3, k) if k > 1 else np.array([0.0])
    finite_hi = hi[np.isfinite(hi) & (hi > 0)]
    cap = float(np.nanmax(finite_hi)) * 1.5 if finite_hi.size else 10.0
    for gi, value in enumerate(values):
        rows = np.flatnonzero(d["group_value"].to_numpy() == value)
        colour, marker = _PALETTE[gi % len(_PALETTE)], markers[gi % len(markers)]
        for r in rows:
            if not np.isfinite(est[r]) or est[r] <= 0:
                continue
            y = pos[d.at[r, "stage"]] + offsets[gi]
            left = lo[r] if np.isfinite(lo[r]) and lo[r] > 0 else np.nan
            right = min(hi[r], cap) if np.isfinite(hi[r]) or hi[r] == np.inf else np.nan
            if np.isfinite(left) and np.isfinite(right):
                ax.plot([left, right], [y, y], color=colour, lw=1.6,
                        ls="-" if calc[r] else ":")
            ax.plot(est[r], y, marker=marker, ms=7, color=colour,
                    mfc=colour if calc[r] else "white", mew=1.5, ls="none")
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yticks([pos[s] for s in stages], [labels[s] for s in stages])
    ax.set_ylim(-0.7, len(stages) - 0.3)
    ref = str(table["reference"].iloc[0]) if len(table) else "reference"
    ax.set_xlabel(f"Relative rate index (against {ref}; log scale)")
    handles = [Line2D([], [], color=_PALETTE[i % len(_PALETTE)], marker=markers[i % len(markers)],
                      ls="-", label=v) for i, v in enumerate(values)]
    if (~calc).any():
        handles.append(Line2D([], [], color=_GREY, marker="o", mfc="white", ls=":",
                              label="not calculable (hollow, dotted)"))
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=8, frameon=False)
    ax.set_title(title or "Relative rate index by decision point")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def rri_forest_alt(table: pd.DataFrame, *, groups=None) -> str:
    """Text alternative of :func:`rri_forest` for the same rows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["court", "court"], "stage_label": ["Court", "Court"],
    ...     "group_value": ["White", "Black"], "reference": "White",
    ...     "relative_rate": [1.0, 1.6], "relative_lower": [None, 1.1],
    ...     "relative_upper": [None, 2.3], "calculable": [True, False],
    ...     "reason": [None, "fewer than 50 children at the stage"]})
    >>> print(rri_forest_alt(t))
    Relative rate index against White children by decision point (1 = parity). Court: Black 1.60 (95% CI 1.10 to 2.30; not calculable: fewer than 50 children at the stage).
    """
    d = _rri_rows(table, groups)
    ref = str(table["reference"].iloc[0]) if len(table) else "the reference group"
    level = float(table["confidence"].iloc[0]) if "confidence" in table and len(table) else 0.95
    labels = _stage_labels(table)
    parts = [f"Relative rate index against {ref} children by decision point (1 = parity)."]
    for stage in _stage_order(table):
        rows = d[d["stage"] == stage]
        if rows.empty:
            continue
        items = []
        for _, r in rows.iterrows():
            est = pd.to_numeric(pd.Series([r["relative_rate"]]), errors="coerce").iloc[0]
            if pd.isna(est):
                items.append(f"{r['group_value']} not shown")
                continue
            lo = pd.to_numeric(pd.Series([r["relative_lower"]]), errors="coerce").iloc[0]
            hi = pd.to_numeric(pd.Series([r["relative_upper"]]), errors="coerce").iloc[0]
            text = f"{r['group_value']} {est:.2f}"
            if pd.notna(lo) and pd.notna(hi):
                text += f" ({level:.0%} CI {_fmt(lo)} to {_fmt(hi)}"
                text += ")" if bool(r.get("calculable", True)) else (
                    f"; not calculable: {r['reason']})")
            elif not bool(r.get("calculable", True)):
                text += f" (not calculable: {r['reason']})"
            items.append(text)
        parts.append(f"{labels[stage]}: " + "; ".join(items) + ".")
    return " ".join(parts)


def representation(
    table: pd.DataFrame,
    *,
    stages=None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Share of children from each group at each stage, against the population.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`cohort.disproportionality` with ``share``,
        ``share_lower``, ``share_upper`` and ``population_share``.
    stages : list of str, optional
        Stages to draw (default all).

    Returns
    -------
    matplotlib.axes.Axes
        One panel row per group: the population share (grey bar) and the
        share at each stage (coloured bars with Wilson intervals), in
        percent. Groups without a population count (Unknown) show stages
        only.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["offence", "offence"], "stage_label": ["Offence"] * 2,
    ...     "group_value": ["White", "Black"], "share": [0.8, 0.2], "share_lower": [0.7, 0.1],
    ...     "share_upper": [0.9, 0.3], "population_share": [0.95, 0.05]})
    >>> representation(t).get_xlabel()
    'Share of children (%)'
    """
    order = _stage_order(table) if stages is None else list(stages)
    labels = _stage_labels(table)
    d = table[table["stage"].isin(order)]
    values = list(dict.fromkeys(d["group_value"]))
    bars = ["population", *order]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.28 * len(values) * len(bars) + 1.4),
                             layout="constrained")
    height = 0.8 / len(bars)
    colours = {"population": _GREY, **{s: _PALETTE[i % len(_PALETTE)] for i, s in
                                        enumerate(order)}}
    for gi, value in enumerate(values):
        rows = d[d["group_value"] == value].set_index("stage")
        base = len(values) - 1 - gi
        for bi, bar in enumerate(bars):
            y = base + 0.4 - (bi + 0.5) * height
            if bar == "population":
                v = _num(rows["population_share"].head(1))
                if v.size and np.isfinite(v[0]):
                    ax.barh(y, 100 * v[0], height=height, color=colours[bar])
                continue
            if bar not in rows.index:
                continue
            s = _num(rows.loc[[bar], "share"])[0]
            lo, hi = _num(rows.loc[[bar], "share_lower"])[0], _num(rows.loc[[bar],
                                                                        "share_upper"])[0]
            if not np.isfinite(s):
                ax.text(0.2, y, "[c]", va="center", fontsize=7, color=_GREY)
                continue
            ax.barh(y, 100 * s, height=height, color=colours[bar])
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar(100 * s, y, xerr=[[100 * (s - lo)], [100 * (hi - s)]], fmt="none",
                            ecolor="black", lw=0.8, capsize=2)
    ax.set_yticks(range(len(values) - 1, -1, -1), values)
    ax.set_xlabel("Share of children (%)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[b]) for b in bars]
    names = ["Population aged 10-17", *[labels.get(s, s) for s in order]]
    ax.legend(handles, names, fontsize=8, frameon=False, loc="lower right")
    ax.set_title(title or "Children at each stage against the population, by group")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def representation_alt(table: pd.DataFrame, *, stages=None) -> str:
    """Text alternative of :func:`representation` for the same rows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["offence", "offence"], "stage_label": ["Offence"] * 2,
    ...     "group_value": ["White", "Black"], "share": [0.8, 0.2], "share_lower": [0.7, 0.1],
    ...     "share_upper": [0.9, 0.3], "population_share": [0.95, 0.05]})
    >>> print(representation_alt(t))
    Share of children from each group at each stage, against the population aged 10-17. White: population 95.0%; Offence 80.0%. Black: population 5.0%; Offence 20.0%.
    """
    order = _stage_order(table) if stages is None else list(stages)
    labels = _stage_labels(table)
    d = table[table["stage"].isin(order)]
    parts = ["Share of children from each group at each stage, against the population aged "
             "10-17."]
    for value in dict.fromkeys(d["group_value"]):
        rows = d[d["group_value"] == value].set_index("stage")
        ps = _num(rows["population_share"].head(1))
        items = [f"population {100 * ps[0]:.1f}%" if ps.size and np.isfinite(ps[0])
                 else "no population count"]
        shares = []
        for s in order:
            if s in rows.index:
                v = _num(rows.loc[[s], "share"])[0]
                shares.append(f"{labels.get(s, s)} {100 * v:.1f}%" if np.isfinite(v)
                              else f"{labels.get(s, s)} not shown")
        parts.append(f"{value}: " + "; ".join(items + [", ".join(shares)]) + ".")
    return " ".join(parts)
