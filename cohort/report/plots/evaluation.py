"""Figures of an intervention evaluation, each with a text alternative made from its data.

Every plot takes one of the :class:`cohort.measures.evaluation.Evaluation`
tables (after disclosure control where it holds counts) and ``ax=None`` and
returns the Axes; its twin ``*_text`` returns a sentence or two describing
what the figure shows, computed from the same table, for readers who cannot
see it. :func:`figure_html` puts the two together as an ``<img>`` with that
``alt`` text and a visible caption.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from cohort.report.context import _HTML

__all__ = [
    "figure_html",
    "flow_plot",
    "flow_plot_text",
    "forest_plot",
    "forest_plot_text",
    "km_plot",
    "km_plot_text",
    "love_plot",
    "love_plot_text",
    "overlap_plot",
    "overlap_plot_text",
]

_BLUE = "#1f5f8b"
_GREY = "#8a9aa6"
_RED = "#b23a48"
_AMBER = "#d68c00"


def _axes(ax: Axes | None, size=(7, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def figure_html(ax: Axes, alt: str, caption: str | None = None) -> _HTML:
    """The figure as an HTML ``<figure>``: a PNG whose ``alt`` is the text alternative,
    and a caption (the text alternative unless ``caption`` is given). Closes the figure,
    so Jupyter does not show it twice.

    Examples
    --------
    >>> ax = love_plot(pd.DataFrame({"label": ["Age"], "sample": ["before"], "smd": [20.0]}))
    >>> "alt=" in figure_html(ax, "Age was unbalanced")._repr_html_()
    True
    """
    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    text = html.escape(alt, quote=True)
    cap = html.escape(caption if caption is not None else alt)
    return _HTML(f"<figure><img src='data:image/png;base64,{data}' alt=\"{text}\">"
                 f"<figcaption>{cap}</figcaption></figure>")


# --------------------------------------------------------------------------- love plot


def _smd_wide(balance: pd.DataFrame) -> pd.DataFrame:
    wide = balance.pivot_table(index="label", columns="sample", values="smd", sort=False)
    return wide.reindex(columns=[c for c in ("before", "after") if c in wide.columns])


def love_plot(balance: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
              bands: tuple[float, float] = (5.0, 10.0)) -> Axes:
    """Love plot: absolute standardised differences of each characteristic before and after matching.

    Parameters
    ----------
    balance : pandas.DataFrame
        ``label`` (or ``covariate``), ``sample`` ("before"/"after") and
        ``smd`` in percent, as in ``Evaluation.balance_``.
    bands : (float, float)
        Dashed lines at the good / acceptable cut-offs (JDL 5% and 10%).
    """
    b = balance if "label" in balance.columns else balance.assign(label=balance["covariate"])
    wide = _smd_wide(b)
    ax = _axes(ax, (7, 0.32 * max(len(wide), 2) + 1.3))
    y = np.arange(len(wide))[::-1]
    if "before" in wide:
        ax.scatter(wide["before"].abs(), y, color=_GREY, label="before matching", zorder=3)
    if "after" in wide:
        ax.scatter(wide["after"].abs(), y, color=_BLUE, label="after matching", zorder=4)
    for v, c in zip(bands, (_AMBER, _RED), strict=True):
        ax.axvline(v, ls="--", lw=1, color=c)
    ax.set_yticks(y, wide.index.astype(str))
    ax.set_xlabel("|Standardised difference| (%)")
    ax.set_title(title or "Balance of characteristics")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def love_plot_text(balance: pd.DataFrame, threshold: float = 10.0) -> str:
    """Text alternative of :func:`love_plot`.

    Examples
    --------
    >>> b = pd.DataFrame({"label": ["Age", "Age", "FSM", "FSM"], "sample": ["before", "after"] * 2,
    ...                   "smd": [52.0, 2.0, 64.0, -4.0]})
    >>> love_plot_text(b)
    'Standardised differences of 2 characteristics. Before matching 2 were above 10% (largest FSM, 64%). After matching the largest is FSM at 4%; all are below 10%.'
    """
    b = balance if "label" in balance.columns else balance.assign(label=balance["covariate"])
    wide = _smd_wide(b).abs()
    parts = [f"Standardised differences of {len(wide)} characteristics."]
    if "before" in wide:
        over = int((wide["before"] > threshold).sum())
        top = wide["before"].idxmax()
        parts.append(f"Before matching {over} were above {threshold:g}% (largest {top}, "
                     f"{wide['before'].max():.0f}%).")
    if "after" in wide:
        over = wide.index[wide["after"] >= threshold].tolist()
        top = wide["after"].idxmax()
        tail = f"all are below {threshold:g}%." if not over else \
            f"{len(over)} at or above {threshold:g}%: {', '.join(over)}."
        parts.append(f"After matching the largest is {top} at {wide['after'].max():.0f}%; {tail}")
    return " ".join(parts)


# --------------------------------------------------------------------------- overlap


def overlap_plot(overlap: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Propensity overlap: participants' scores above the line, comparison children's below.

    ``overlap`` is ``Evaluation.overlap_`` (binned logit scores, ``share`` per
    group and sample). The whole pool before matching is drawn as a grey
    outline, the matched comparison (weighted) in blue.
    """
    ax = _axes(ax, (7, 3.6))
    o = overlap
    for sample, group, sign, style in (
        ("before", "Participants", 1, {"color": _RED, "alpha": 0.75, "label": "participants"}),
        ("before", "Comparison", -1, {"color": "none", "edgecolor": _GREY, "label": "comparison pool (all)"}),
        ("after", "Comparison", -1, {"color": _BLUE, "alpha": 0.6, "label": "matched comparison (weighted)"}),
    ):
        d = o[(o["sample"] == sample) & (o["group"] == group)]
        if d.empty:
            continue
        width = (d["bin_upper"] - d["bin_lower"]).to_numpy()
        ax.bar(d["bin_lower"], sign * d["share"].fillna(0).to_numpy(), width=width, align="edge", **style)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Propensity score (logit scale)")
    ax.set_ylabel("Share of group\n(participants up, comparison down)")
    ticks = ax.get_yticks()
    ax.set_yticks(ticks, [f"{abs(t):.0%}" for t in ticks])
    ax.set_title(title or "Overlap of propensity scores")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def overlap_plot_text(overlap: pd.DataFrame) -> str:
    """Text alternative of :func:`overlap_plot`.

    Examples
    --------
    >>> o = pd.DataFrame({"sample": "before", "group": ["Participants"] * 2 + ["Comparison"] * 2,
    ...                   "bin_lower": [0.0, 1.0] * 2, "bin_upper": [1.0, 2.0] * 2,
    ...                   "n": [5, 5, 10, 0], "share": [0.5, 0.5, 1.0, 0.0]})
    >>> print(overlap_plot_text(o))
    Propensity scores of participants lie mostly between 0.0 and 2.0 on the logit scale, the comparison pool's between 0.0 and 1.0. 50% of participants fall where the pool has no one (no common support).
    """
    before = overlap[overlap["sample"] == "before"]
    p = before[before["group"] == "Participants"]
    c = before[before["group"] == "Comparison"]

    def span(d: pd.DataFrame) -> tuple[float, float]:
        d = d[d["share"] > 0]
        return float(d["bin_lower"].min()), float(d["bin_upper"].max())

    (pl, ph), (cl, ch) = span(p), span(c)
    merged = p.merge(c, on=["bin_lower", "bin_upper"], suffixes=("_p", "_c"))
    outside = float(merged.loc[merged["share_c"] <= 0, "share_p"].sum())
    text = (f"Propensity scores of participants lie mostly between {pl:.1f} and {ph:.1f} on the logit scale, "
            f"the comparison pool's between {cl:.1f} and {ch:.1f}.")
    if outside > 0:
        text += f" {outside:.0%} of participants fall where the pool has no one (no common support)."
    else:
        text += " Every participant's score has comparison children at a similar score (common support)."
    return text


# --------------------------------------------------------------------------- Kaplan-Meier


def km_plot(survival: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
            min_events: int = 0, horizon: float | None = None) -> Axes:
    """Kaplan-Meier curves of time to an offence: participants and matched comparison.

    Parameters
    ----------
    survival : pandas.DataFrame
        ``Evaluation.survival_`` (:func:`cohort.stats.kaplan_meier` output).
    min_events : int, default 0
        A group with fewer events is not drawn (pass the disclosure
        threshold: a curve's steps reveal how many children offended); the
        plot says so instead.
    horizon : float, optional
        Last day shown (default the longest follow-up).
    """
    ax = _axes(ax, (7, 3.6))
    hidden = []
    lowest = 1.0
    if (survival.groupby("group", sort=False)["events"].sum() < min_events).all():
        ax.set_axis_off()
        ax.figure.set_size_inches(7, 1.0)
        ax.text(0.5, 0.5, f"Not shown: fewer than {min_events} children with an offence in each group",
                transform=ax.transAxes, ha="center", va="center", color=_GREY)
        ax.set_title(title or "Time to an offence leading to a first formal outcome")
        return ax
    for (group, g), colour in zip(survival.groupby("group", sort=False), (_RED, _BLUE, _GREY), strict=False):
        if g["events"].sum() < min_events:
            hidden.append(str(group))
            continue
        g = g.sort_values("time")
        t = np.concatenate([[0.0], g["time"].to_numpy(dtype=float)])
        s = np.concatenate([[1.0], g["survival"].to_numpy(dtype=float)])
        ax.step(t, 100 * s, where="post", color=colour, label=str(group))
        lo = np.concatenate([[1.0], g["lower"].to_numpy(dtype=float)])
        hi = np.concatenate([[1.0], g["upper"].to_numpy(dtype=float)])
        ax.fill_between(t, 100 * lo, 100 * hi, step="post", color=colour, alpha=0.15, lw=0)
        lowest = min(lowest, float(np.nanmin(lo)))
    note = (f"\n(not shown: {' and '.join(hidden).lower()}, fewer than {min_events} children with an offence)"
            if hidden else "")
    ax.set_ylim(max(0.0, 100 * lowest - 1), 100.2)
    if horizon is not None:
        ax.set_xlim(0, horizon)
    ax.set_xlabel("Days since the start")
    ax.set_ylabel("% without an offence\nleading to a formal outcome")
    ax.set_title((title or "Time to an offence leading to a first formal outcome") + note)
    if len(survival["group"].unique()) > len(hidden):
        ax.legend(frameon=False, fontsize=8, loc="lower left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def km_plot_text(survival: pd.DataFrame, min_events: int = 0) -> str:
    """Text alternative of :func:`km_plot`: each group's share without an offence at the end.

    Examples
    --------
    >>> s = pd.DataFrame({"group": ["Participants", "Matched comparison"], "time": [365, 365],
    ...                   "events": [6, 20], "survival": [0.98, 0.95], "lower": [0.96, 0.93],
    ...                   "upper": [0.99, 0.97]})
    >>> km_plot_text(s)
    'After 365 days, 98.0% of participants (95% CI 96.0% to 99.0%) and 95.0% of matched comparison (95% CI 93.0% to 97.0%) had no offence leading to a formal outcome.'
    """
    parts = []
    for group, g in survival.groupby("group", sort=False):
        last = g.sort_values("time").iloc[-1]
        if g["events"].sum() < min_events:
            parts.append(f"{str(group).lower()} (not shown: fewer than {min_events} with an offence)")
        else:
            lo, hi = sorted([100 * last["lower"], 100 * last["upper"]])
            parts.append(f"{100 * last['survival']:.1f}% of {str(group).lower()} (95% CI "
                         f"{lo:.1f}% to {hi:.1f}%)")
    days = float(survival["time"].max())
    return f"After {days:.0f} days, {' and '.join(parts)} had no offence leading to a formal outcome."


# --------------------------------------------------------------------------- forest plot


def _reference(table: pd.DataFrame) -> tuple[float, bool]:
    ratio = "measure" in table and (table["measure"] == "hazard_ratio").any() or \
        ("outcome" in table and (table["outcome"] == "time_to_first_offence").all())
    return (1.0, True) if ratio else (0.0, False)


def forest_plot(table: pd.DataFrame, *, ax: Axes | None = None, label: str = "specification",
                title: str | None = None, xlabel: str | None = None) -> Axes:
    """Forest plot of one outcome's difference (or hazard ratio) with its interval.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of ``Evaluation.sensitivity_`` (or ``outcomes_``) for one
        outcome: ``estimate``, ``lower``, ``upper`` and the ``label`` column.
        Missing estimates (suppressed) are left out.
    label : str
        Column naming each row (``"specification"``, or ``"label"`` for
        ``outcomes_``).
    """
    d = table.reset_index(drop=True)
    ax = _axes(ax, (7, 0.38 * max(len(d), 2) + 1.2))
    ref, log = _reference(d)
    y = np.arange(len(d))[::-1]
    est = pd.to_numeric(d["estimate"], errors="coerce").to_numpy(dtype=float)
    lo = pd.to_numeric(d["lower"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(d["upper"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi)
    colours = [_BLUE if i == 0 else _GREY for i in range(len(d))]
    for i in np.flatnonzero(ok):
        ax.errorbar(est[i], y[i], xerr=[[est[i] - lo[i]], [hi[i] - est[i]]], fmt="o", color=colours[i],
                    capsize=3)
    ax.axvline(ref, color="black", lw=1, ls="--")
    if log:
        ax.set_xscale("log")
    ax.set_yticks(y, d[label].astype(str))
    ax.set_xlabel(xlabel or ("Hazard ratio (participants / comparison)" if log else
                             "Difference (participants minus comparison)"))
    ax.set_title(title or "")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def forest_plot_text(table: pd.DataFrame, label: str = "specification", unit: str = "") -> str:
    """Text alternative of :func:`forest_plot`.

    Examples
    --------
    >>> t = pd.DataFrame({"specification": ["as analysed", "no matching"], "estimate": [6.1, 7.3],
    ...                   "lower": [5.5, 6.9], "upper": [6.7, 7.7]})
    >>> forest_plot_text(t, unit="percentage points")
    'as analysed: 6.1 (95% CI 5.5 to 6.7) percentage points; no matching: 7.3 (95% CI 6.9 to 7.7) percentage points. The dashed line marks no difference.'
    """
    ref, log = _reference(table)
    parts = []
    for r in table.itertuples(index=False):
        e, lo, hi = (pd.to_numeric(getattr(r, c), errors="coerce") for c in ("estimate", "lower", "upper"))
        if not np.isfinite(e):
            parts.append(f"{getattr(r, label)}: not shown")
            continue
        fmt = ".2f" if log or abs(e) < 1 else ".1f"
        u = f" {unit}" if unit else ""
        parts.append(f"{getattr(r, label)}: {e:{fmt}} (95% CI {lo:{fmt}} to {hi:{fmt}}){u}")
    line = "a hazard ratio of 1" if log else "no difference"
    return "; ".join(parts) + f". The dashed line marks {line}."


# --------------------------------------------------------------------------- flow diagram


def flow_plot(flow: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """CONSORT-style flow diagram from submitted participants to the analysed group.

    ``flow`` has ``stage``, ``description`` and ``n`` (as in
    ``Evaluation.flow_``; ``n`` may be the protected table's text, with
    ``[c]`` for suppressed counts). Exclusion steps with a count of 0 are
    left out.
    """
    d = flow.reset_index(drop=True)
    main = d.iloc[[0, len(d) - 1]]
    excl = d.iloc[1:-1]
    excl = excl[excl["n"].astype(str).str.strip().isin(["0", "0.0"]) == False]  # noqa: E712
    ax = _axes(ax, (8, 1.0 + 0.55 * max(len(excl), 1)))
    ax.set_axis_off()
    height = max(len(excl), 1) + 1
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.5, height + 0.5)

    def box(x: float, y: float, w: float, text: str, colour: str) -> None:
        ax.add_patch(FancyBboxPatch((x, y - 0.3), w, 0.6, boxstyle="round,pad=0.02", fc="white",
                                    ec=colour, lw=1.2))
        ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=8, wrap=True)

    top, bottom = height, 0
    box(0.2, top, 3.6, f"{main.iloc[0]['description']}\nn = {main.iloc[0]['n']}", _BLUE)
    box(0.2, bottom, 3.6, f"{main.iloc[1]['description']}\nn = {main.iloc[1]['n']}", _BLUE)
    ax.annotate("", xy=(2.0, bottom + 0.32), xytext=(2.0, top - 0.32),
                arrowprops={"arrowstyle": "->", "color": "black"})
    for i, r in enumerate(excl.itertuples(index=False)):
        y = top - 1 - i * (top - 1) / max(len(excl), 1) if len(excl) > 1 else (top + bottom) / 2
        box(4.6, y, 5.2, f"{r.description}: {r.n}", _GREY)
        ax.annotate("", xy=(4.6, y), xytext=(2.0, y), arrowprops={"arrowstyle": "->", "color": _GREY})
    ax.set_title(title or "Who was analysed")
    return ax


def flow_plot_text(flow: pd.DataFrame) -> str:
    """Text alternative of :func:`flow_plot`.

    Examples
    --------
    >>> f = pd.DataFrame({"stage": ["submitted", "unmatched", "analysed"],
    ...                   "description": ["Participants submitted", "Not matched", "Analysed"],
    ...                   "n": [100, 4, 96]})
    >>> flow_plot_text(f)
    'Participants submitted: 100. Excluded: not matched 4. Analysed: 96.'
    """
    d = flow.reset_index(drop=True)
    excl = d.iloc[1:-1]
    excl = excl[~excl["n"].astype(str).str.strip().isin(["0", "0.0"])]
    parts = [f"{d.iloc[0]['description']}: {d.iloc[0]['n']}."]
    if len(excl):
        parts.append("Excluded: " + "; ".join(f"{r.description[0].lower()}{r.description[1:]} {r.n}"
                                              for r in excl.itertuples(index=False)) + ".")
    parts.append(f"{d.iloc[-1]['description']}: {d.iloc[-1]['n']}.")
    return " ".join(parts)
