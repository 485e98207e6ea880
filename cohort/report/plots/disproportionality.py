"""Figures of disproportionality: the relative rate index by stage (a forest
plot) and representation (shares of children at each stage against the
population), each with a text alternative derived from the same table.

The figures take the report views of :func:`cohort.disproportionality`
(:func:`~cohort.measures.disproportionality.relative_rate_table` and
:func:`~cohort.measures.disproportionality.representation_table`, after
disclosure control, suppressed cells missing) and ``ax=None``, return the
Axes, and set no global style. The ``*_alt`` functions return the text alternative for the
figure drawn from the same rows: what a reader who cannot see the figure
needs to know, in numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

__all__ = [
    "adjusted_findings",
    "paragraph",
    "representation",
    "representation_alt",
    "rri_findings",
    "rri_forest",
    "rri_forest_alt",
    "with_alt",
]

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


def _calculable(d: pd.DataFrame) -> np.ndarray:
    if "calculable" in d:
        return d["calculable"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return d["note"].isna().to_numpy()


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
        Rows of :func:`~cohort.measures.disproportionality.relative_rate_table`
        (``stage``, ``stage_label``, ``group_value``, ``reference``,
        ``estimate`` (the relative rate), ``lower``, ``upper``, ``note``
        (missing where the ratio is calculable)); reference rows are left out.
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
    >>> t = pd.DataFrame({"stage": ["court"], "stage_label": ["Court"],
    ...     "group_value": ["Black"], "reference": "White", "estimate": [1.6],
    ...     "lower": [1.1], "upper": [2.3], "note": [None]})
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
    est, lo, hi = _num(d["estimate"]), _num(d["lower"]), _num(d["upper"])
    calc = _calculable(d)
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
    lo_x, hi_x = ax.get_xlim()
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32) if lo_x <= t <= hi_x]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks([pos[s] for s in stages], [labels[s] for s in stages])
    ax.set_ylim(-0.7, len(stages) - 0.3)
    ref = str(table["reference"].iloc[0]) if len(table) else "reference"
    ax.set_xlabel(f"Relative rate index (against {ref}; log scale)")
    drawn = {d.at[r, "group_value"] for r in range(len(d)) if np.isfinite(est[r]) and est[r] > 0}
    handles = [Line2D([], [], color=_PALETTE[i % len(_PALETTE)], marker=markers[i % len(markers)],
                      ls="-", label=v) for i, v in enumerate(values) if v in drawn]
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
    >>> t = pd.DataFrame({"stage": ["court"], "stage_label": ["Court"],
    ...     "group_value": ["Black"], "reference": "White", "estimate": [1.6],
    ...     "lower": [1.1], "upper": [2.3],
    ...     "note": ["not calculable (fewer than 50 children)"]})
    >>> print(rri_forest_alt(t))
    Relative rate index against White children by decision point (1 = parity). Court: Black 1.60 (95% CI 1.10 to 2.30; not calculable (fewer than 50 children)).
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
        est, lo, hi = _num(rows["estimate"]), _num(rows["lower"]), _num(rows["upper"])
        for i, (_, r) in enumerate(rows.iterrows()):
            if not np.isfinite(est[i]):
                items.append(f"{r['group_value']} not shown")
                continue
            text = f"{r['group_value']} {est[i]:.2f}"
            calc = pd.isna(r.get("note")) if "calculable" not in r else bool(r["calculable"])
            if np.isfinite(lo[i]) or np.isfinite(hi[i]):
                text += f" ({level:.0%} CI {_fmt(lo[i])} to {_fmt(hi[i])}"
                text += ")" if calc else f"; {r['note']})"
            elif not calc:
                text += f" ({r['note']})"
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
        Rows of :func:`~cohort.measures.disproportionality.representation_table`
        (``estimate`` is the share at the stage, ``lower``, ``upper`` its
        interval) with ``population_share``.
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
    ...     "group_value": ["White", "Black"], "estimate": [0.8, 0.2], "lower": [0.7, 0.1],
    ...     "upper": [0.9, 0.3], "population_share": [0.95, 0.05]})
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
                v = _num(rows["population_share"])
                if np.isfinite(v).any():
                    ax.barh(y, 100 * np.nanmax(v), height=height, color=colours[bar])
                continue
            if bar not in rows.index:
                continue
            s = _num(rows.loc[[bar], "estimate"])[0]
            lo, hi = _num(rows.loc[[bar], "lower"])[0], _num(rows.loc[[bar], "upper"])[0]
            if not np.isfinite(s):
                ax.text(0.3, y, "[c]", va="center", fontsize=6, color=_GREY)
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
    ...     "group_value": ["White", "Black"], "estimate": [0.8, 0.2], "lower": [0.7, 0.1],
    ...     "upper": [0.9, 0.3], "population_share": [0.95, 0.05]})
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
        ps = _num(rows["population_share"])
        items = [f"population {100 * np.nanmax(ps):.1f}%" if np.isfinite(ps).any()
                 else "population share not shown"]
        shares = []
        for s in order:
            if s in rows.index:
                v = _num(rows.loc[[s], "estimate"])[0]
                shares.append(f"{labels.get(s, s)} {100 * v:.1f}%" if np.isfinite(v)
                              else f"{labels.get(s, s)} not shown")
        parts.append(f"{value}: " + "; ".join(items + [", ".join(shares)]) + ".")
    return " ".join(parts)


def _name(stage_label: str) -> str:
    return stage_label[0].lower() + stage_label[1:] if stage_label else stage_label


def rri_findings(table: pd.DataFrame) -> str:
    """The relative rate index in sentences: where disparity arises, and how sure we are.

    Takes the (protected, masked) :func:`~cohort.measures.disproportionality.relative_rate_table`
    rows; suppressed ratios are not mentioned by value.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["court", "custody"], "stage_label": ["Court outcome",
    ...     "Custodial sentence"], "group_value": ["Black", "Black"], "reference": "White",
    ...     "estimate": [1.35, 1.75], "lower": [1.19, 1.12], "upper": [1.55, 2.69],
    ...     "confidence": 0.95,
    ...     "note": [None, "not calculable (fewer than 50 children)"]})
    >>> print(rri_findings(t))
    Court outcome: Black children 1.35 times as likely as White children (95% CI 1.19 to 1.55). Custodial sentence: Black 1.75 (95% CI 1.12 to 2.69), not calculable (fewer than 50 children); read the interval, not the ratio.
    """
    if table.empty:
        return "No relative rates to report."
    ref = str(table["reference"].iloc[0])
    level = float(table["confidence"].iloc[0]) if "confidence" in table else 0.95
    labels = _stage_labels(table)
    parts = []
    for stage in _stage_order(table):
        rows = table[table["stage"] == stage]
        est, lo, hi = _num(rows["estimate"]), _num(rows["lower"]), _num(rows["upper"])
        calc = _calculable(rows)
        clear, small = [], []
        for i, value in enumerate(rows["group_value"]):
            if not np.isfinite(est[i]):
                continue
            ci = f"{level:.0%} CI {_fmt(lo[i])} to {_fmt(hi[i])}"
            if calc[i] and np.isfinite(lo[i]) and (lo[i] > 1 or hi[i] < 1):
                clear.append(f"{value} children {est[i]:.2f} times as likely as {ref} "
                             f"children ({ci})")
            elif not calc[i]:
                small.append(f"{value} {est[i]:.2f} ({ci}), {rows['note'].iloc[i]}")
        text = []
        if clear:
            text.append("; ".join(clear))
        if small:
            text.append("; ".join(small) + "; read the interval, not the ratio")
        if not text:
            text.append(f"no group differs clearly from {ref} children (every {level:.0%} "
                        "interval includes 1, or the ratios are suppressed)")
        parts.append(f"{labels[stage]}: " + ". ".join(text) + ".")
    return " ".join(parts)


def adjusted_findings(table: pd.DataFrame, groups=None) -> str:
    """What adjustment changes, in sentences, from :func:`cohort.adjusted_disparity`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"model": [0, 1], "model_label": ["unadjusted", "+ gravity score"],
    ...     "group_value": "Black", "reference": "White", "estimate": [1.97, 1.74],
    ...     "lower": [1.30, 1.14], "upper": [2.98, 2.65], "confidence": 0.95,
    ...     "explained_by_block": [None, 0.18], "separation": False, "sparse": False})
    >>> print(adjusted_findings(t))
    Black against White: odds ratio 1.97 (95% CI 1.30 to 2.98) unadjusted, 1.74 (95% CI 1.14 to 2.65) with every block; + gravity score explains 18% of the unadjusted gap.
    """
    if table.empty:
        return "No model could be fitted."
    level = float(table["confidence"].iloc[0])
    ref = str(table["reference"].iloc[0])
    last = int(table["model"].max())
    parts = []
    values = list(dict.fromkeys(table["group_value"])) if groups is None else list(groups)
    for value in values:
        rows = table[table["group_value"] == value].set_index("model")
        if 0 not in rows.index:
            continue
        first, final = rows.loc[0], rows.loc[last]

        def show(r) -> str:
            e = float(r["estimate"])
            if bool(r.get("separation", False)):
                return "not estimable (separation)"
            if not np.isfinite(e):
                return "not shown"
            return (f"{e:.2f} ({level:.0%} CI {_fmt(float(r['lower']))} to "
                    f"{_fmt(float(r['upper']))})")

        text = f"{value} against {ref}: odds ratio {show(first)} unadjusted"
        lo0, hi0 = float(first["lower"]), float(first["upper"])
        clear_gap = np.isfinite(lo0) and np.isfinite(hi0) and (lo0 > 1 or hi0 < 1)
        if last > 0:
            text += f", {show(final)} with every block"
            share = pd.to_numeric(rows["explained_by_block"], errors="coerce").drop(0)
            if not clear_gap:
                text += "; no clear unadjusted gap to explain"
            elif share.notna().any():
                k = int(share.abs().idxmax())
                verb = "explains" if share[k] > 0 else "widens the gap by"
                text += (f"; {rows.loc[k, 'model_label']} {verb} "
                         f"{abs(share[k]):.0%} of the unadjusted gap")
        if bool(rows["sparse"].any()):
            text += " (few events: unstable)"
        parts.append(text + ".")
    return " ".join(parts)


class FigureWithAlt:
    """A rendered figure that carries its text alternative into the report.

    Jupyter shows the PNG; the HTML report (nbconvert's templates read the
    ``alt`` output metadata) writes ``alt="..."`` on the ``<img>``; the
    plain-text form is the alt text itself. The figure is closed once
    rendered, so it is not shown twice.
    """

    def __init__(self, ax: Axes, alt: str, dpi: int = 100):
        import io

        fig = ax.figure
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                    metadata={"Software": None})
        plt.close(fig)
        self.png = buf.getvalue()
        self.alt = alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}
        return data, {"image/png": {"alt": self.alt}}

    def __repr__(self) -> str:
        return self.alt


def with_alt(ax: Axes, alt: str) -> FigureWithAlt:
    """Show a figure with its text alternative (``alt`` on the report's image).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> shown = with_alt(ax, "An empty figure.")
    >>> shown._repr_mimebundle_()[1]
    {'image/png': {'alt': 'An empty figure.'}}
    """
    return FigureWithAlt(ax, alt)


class Paragraph:
    """Text for a report: shown as an HTML paragraph, plain text elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        import html

        return f"<p class='cohort-findings'>{html.escape(self.text)}</p>"

    def __repr__(self) -> str:
        return self.text


def paragraph(text: str) -> Paragraph:
    """Show generated text (e.g. :func:`rri_findings`) as a paragraph of the report.

    Examples
    --------
    >>> paragraph("Court: Black 1.35 & more")._repr_html_()
    "<p class='cohort-findings'>Court: Black 1.35 &amp; more</p>"
    """
    return Paragraph(text)
