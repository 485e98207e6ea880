"""Presentation of protected tables: masked values for figures, the compact
HTML table, and the KPI board layout."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from cohort.cohortdata import CohortData
    from cohort.report.context import Report

KPI_KEYS: tuple[str, ...] = ("kpi_number", "kpi", "subgroup", "measure", "category")


def masked(protected) -> pd.DataFrame:
    """The statistics of a protected table with every suppressed cell set to missing.

    Use it to draw figures: a chart must not show what the table hides.
    """
    values = protected.values
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    mask = protected.suppressed.reindex(index=frame.index, columns=frame.columns, fill_value=False)
    return frame.mask(mask.astype(bool))


def _arrow(change: float) -> str:
    if pd.isna(change):
        return ""
    if abs(change) < 0.05:
        return f"\u25b6 {change:+.1f} pp"
    return f"\u25b2 {change:+.1f} pp" if change > 0 else f"\u25bc {change:+.1f} pp"


def kpi_board(current, previous, year) -> pd.DataFrame:
    """Lay out the KPIs as boards read them: count, %, change on last quarter, whole year.

    Each argument is a list of :class:`cohort.disclosure.Protected` KPI
    tables (rates, and counts without a denominator) for this quarter, the
    previous quarter and the financial year to date, protected separately so
    every figure shown has passed disclosure control. The change (percentage
    points, with an arrow) is shown only when neither quarter's percentage is
    suppressed, so it cannot reveal a hidden value.

    Returns
    -------
    pandas.DataFrame
        ``KPI``, ``Measure``, ``Category``, ``Count``, ``%``, ``Last quarter %``,
        ``Change``, ``Year count``, ``Year %`` (presentation strings).
    """

    def frame(parts, suffix: str) -> pd.DataFrame:
        frames = []
        for p in parts:
            keys = [k for k in KPI_KEYS if k in p.values.columns]
            shown = pd.DataFrame({k: p.table[k].astype(str) for k in keys})
            shown[f"count{suffix}"] = p.table["numerator"]
            has_rate = "estimate" in p.table.columns
            shown[f"pct{suffix}"] = p.table["estimate"] if has_rate else ""
            shown[f"value{suffix}"] = masked(p)["estimate"] if has_rate else float("nan")
            frames.append(shown)
        return pd.concat(frames, ignore_index=True)

    cur = frame(current, "")
    keys = [k for k in KPI_KEYS if k in cur.columns]
    board = cur.merge(frame(previous, "_prev"), on=keys, how="left").merge(frame(year, "_year"), on=keys, how="left")
    change = (pd.to_numeric(board["value"], errors="coerce")
              - pd.to_numeric(board["value_prev"], errors="coerce")) * 100
    out = pd.DataFrame({
        "KPI": board["kpi_number"].astype(str) + " " + board["kpi"].str.replace("_", " ").str.capitalize(),
        "Measure": board["measure"].str.replace("_", " "),
        "Category": board["category"],
        "Count": board["count"],
        "%": board["pct"],
        "Last quarter %": board["pct_prev"].fillna(""),
        "Change": change.map(_arrow),
        "Year count": board["count_year"].fillna(""),
        "Year %": board["pct_year"].fillna(""),
    })
    if "subgroup" in board:
        sub = board["subgroup"].where(board["subgroup"] != "all", "")
        out["Measure"] = (out["Measure"] + " " + sub.map(lambda s: f"({s.replace('_', ' ')})" if s else "")).str.strip()
    order = pd.to_numeric(board["kpi_number"], errors="coerce")
    return out.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def kpi_tables(report: Report, data: CohortData | None = None):
    """Compute and protect the KPIs for the report's quarter, the previous
    quarter and the financial year, and lay them out with :func:`kpi_board`.

    KPI rows that are counts without a denominator (serious violence by
    offence group, whose total counts distinct children) are protected as a
    separate count table. Returns the board layout.
    """
    from cohort.measures.kpi import CHANGE_COLUMNS, kpis, kpis_year
    from cohort.periods import financial_year, previous_quarter, quarter_label

    data = data if data is not None else report.data
    drop = list(CHANGE_COLUMNS)
    rate_cols = ["denominator", "estimate", "lower", "upper", "method", "confidence"]
    prev_label = quarter_label(previous_quarter(report.quarter))
    tables = {
        "kpis": kpis(data, report.authority, report.quarter),
        "kpis_previous_quarter": kpis(data, report.authority, prev_label),
        "kpis_financial_year": kpis_year(data, report.authority, financial_year(report.quarter)),
    }
    parts = {}
    for name, t in tables.items():
        t = t.drop(columns=drop, errors="ignore")
        counts = t["denominator"].isna()
        meetings = t["kpi"].eq("board_attendance")  # counts agencies at meetings, not children
        parts[name] = [report.table(t[~counts & ~meetings].reset_index(drop=True), name, within="category")]
        if meetings.any():
            parts[name].append(report.table(t[meetings].reset_index(drop=True), f"{name}_board",
                                            within="category", margin="rates", policy="non_personal"))
        if counts.any():
            parts[name].append(report.table(
                t[counts].drop(columns=rate_cols).reset_index(drop=True), f"{name}_counts", margin="sum"))
    return kpi_board(parts["kpis"], parts["kpis_previous_quarter"], parts["kpis_financial_year"])


_STAT_COLUMNS = ("numerator", "denominator", "estimate", "lower", "upper")
_CONSTANT_COLUMNS = ("authority_code", "quarter", "financial_year", "period_start", "period_end",
                     "method", "confidence", "basis", "definitions", "change_unit", "subgroup")
_RENAME = {
    "authority_code": "Authority", "group_variable": "Characteristic", "group_value": "Group",
    "numerator": "Count", "denominator": "Of", "estimate": "Estimate", "period": "Period",
    "measure": "Measure", "category": "Category", "kpi": "KPI", "comparison_group": "Comparison group",
    "position": "Position", "flag": "Flag", "incomplete": "Incomplete", "role": "Role",
    "cohorts": "Cohorts", "population_year": "Population mid-year", "note": "Note",
}


def compact_html(table, caption: str | None = None) -> str:
    """HTML of a protected table in the compact form used by :meth:`Report.show`."""
    footnote = ""
    if hasattr(table, "footnote"):
        footnote = table.footnote()
        caption = caption or table.name.replace("_", " ").capitalize()
        frame = table.table.copy()
        # Only the presentation table is read: descriptive columns (labels,
        # dates, flags) hold their values as given there, and a cell that
        # protect() hid stays hidden (never copied back from .values).
        for col in frame.columns:
            if col in _STAT_COLUMNS:
                continue
            hidden = table.suppressed[col].to_numpy(dtype=bool)
            v = frame[col]
            if v.map(lambda x: isinstance(x, pd.Timestamp)).any():
                shown = v.map(lambda x: x.strftime("%Y-%m-%d") if isinstance(x, pd.Timestamp) else x)
            elif v.map(lambda x: isinstance(x, float) and x.is_integer()).all():
                shown = v.map(lambda x: str(int(x)))
            else:
                shown = v
            frame[col] = shown.where(~hidden, v)
    else:
        frame = table.copy()
    if "period" in frame:
        frame = frame.drop(columns=[c for c in ("period_start", "period_end") if c in frame])
    empty = [c for c in frame.columns if frame[c].astype(str).str.strip().isin(["", "nan", "None", "<NA>"]).all()]
    frame = frame.drop(columns=empty)
    notes = []
    for col in _CONSTANT_COLUMNS:
        if col in frame and frame[col].astype(str).nunique() <= 1 and len(frame):
            value = frame[col].iloc[0]
            if col == "confidence":
                try:
                    value = f"{float(value):.0%}"
                except (TypeError, ValueError):
                    pass
            if col not in ("period_start", "period_end"):
                notes.append(f"{col.replace('_', ' ')}: {value}")
            frame = frame.drop(columns=col)
    if {"lower", "upper"} <= set(frame.columns):
        lo, hi = frame["lower"].astype(str), frame["upper"].astype(str)
        ci = lo + " to " + hi
        ci = ci.where(~((lo == "[c]") | (hi == "[c]")), "[c]").where(~((lo == "") | (hi == "")), "")
        pos = frame.columns.get_loc("lower")
        frame = frame.drop(columns=["lower", "upper"])
        frame.insert(pos, "Interval", ci)
    for col in ("group_variable", "group_value", "measure", "category", "kpi"):
        if col in frame:
            frame[col] = frame[col].astype(str).str.replace("_", " ")
    frame = frame.rename(columns=_RENAME)
    head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    meta = f"<p class='cohort-meta'>{html.escape('; '.join(notes))}</p>" if notes else ""
    foot = f"<p class='cohort-meta'>{html.escape(footnote)}</p>" if footnote else ""
    return f"<div class='cohort-table'>{head}{meta}{frame.to_html(index=False, escape=True, na_rep='')}{foot}</div>"
