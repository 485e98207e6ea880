"""What every report notebook needs around the measures: header, banner,
disclosure-controlled tables, the closing disclosure statement and exports.

A notebook makes one :class:`Report`, passes every table it shows through
:meth:`Report.table` (which applies :func:`cohort.disclosure.protect`), and
ends with :meth:`Report.finish`. Keeping this here, and not in each notebook,
means the banner, provenance and disclosure statement are the same in every
report and are tested.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError

SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: this report is built from fictional authorities and children made by "
    "cohort.synthetic for demonstration and testing. It describes no real person or place."
)


#: MIME type under which :meth:`Report.finish` leaves the public disclosure
#: audit in the executed notebook, for the batch manifest to collect.
AUDIT_MIME = "application/vnd.cohort.audit+json"


class _HTML:
    """Minimal rich-display wrapper (avoids importing IPython in the library)."""

    def __init__(self, body: str, data: dict[str, Any] | None = None):
        self.body = body
        self.data = data

    def _repr_html_(self) -> str:
        return self.body

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/html": self.body, "text/plain": repr(self)}
        if self.data is not None:
            bundle[AUDIT_MIME] = self.data
        return bundle

    def __repr__(self) -> str:  # plain-text fallback
        import re

        return re.sub(r"<[^>]+>", "", self.body)


class Report:
    """Context of one report: data, authority, period, disclosure policy.

    Parameters
    ----------
    data : CohortData
        The data (usually ``cohort.open_store(store, authorities=[authority])``).
    authority : str
        Authority code.
    quarter : str
        Financial-year quarter label; empty means the latest in the data.
    title : str
        Report title.
    policy : str
        Disclosure policy name (see ``cohort/data/disclosure_policies.yaml``).
    output_dir : str, optional
        Where :meth:`finish` writes the Excel tables and the disclosure audit;
        empty writes nothing.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=1, authorities=1, scale=0.2)
    >>> rep = cohort.Report(data, "X01", "2024/25 Q2", title="Profile")
    >>> rep.quarter
    '2024/25 Q2'
    """

    def __init__(
        self,
        data: CohortData,
        authority: str,
        quarter: str = "",
        *,
        title: str,
        policy: str = "local_board",
        output_dir: str | os.PathLike | None = None,
    ):
        from cohort.batch import latest_quarter
        from cohort.disclosure import load_policy
        from cohort.periods import quarter as as_quarter
        from cohort.periods import quarter_label

        codes = set(data.authorities.get("authority_code", pd.Series(dtype=str)))
        if authority not in codes:
            raise CohortError(f"authority {authority!r} is not in the data; it holds {sorted(codes)}")
        self.data = data
        self.authority = authority
        self.quarter = quarter_label(as_quarter(quarter)) if quarter else latest_quarter(data)
        self.title = title
        self.policy = load_policy(policy)
        self.output_dir = Path(output_dir) if output_dir else None
        self.protected: dict[str, Any] = {}

    @property
    def fingerprint(self) -> str:
        """The store's data fingerprint (the whole store's, when one authority was read)."""
        return str(self.data.metadata.get("store_fingerprint") or self.data.fingerprint())

    @property
    def authority_name(self) -> str:
        a = self.data.authorities
        return str(a.loc[a["authority_code"] == self.authority, "authority_name"].iloc[0])

    def header(self) -> _HTML:
        """Title, period, data provenance and, for synthetic data, the banner."""
        from cohort import __version__
        from cohort.periods import quarter, quarter_end, quarter_start

        q = quarter(self.quarter)
        banner = f"<div class='cohort-banner'>{html.escape(SYNTHETIC_BANNER)}</div>" if self.data.synthetic else ""
        meta = self.data.metadata
        return _HTML(
            f"<h1>{html.escape(self.title)}: {html.escape(self.authority_name)}</h1>{banner}"
            f"<p><b>Period:</b> {html.escape(self.quarter)} ({quarter_start(q):%d %B %Y} to "
            f"{quarter_end(q):%d %B %Y})</p>"
            f"<p class='cohort-meta'>Data source: {html.escape(str(meta.get('source', 'unknown')))}. "
            f"Data fingerprint {html.escape(self.fingerprint)}; cohort {html.escape(__version__)}. "
            f"Tables are disclosure-controlled under the policy "
            f"\"{html.escape(self.policy.name)}\" ({html.escape(self.policy.source)}).</p>"
        )

    def table(self, table: pd.DataFrame, name: str, **kwargs: Any):
        """Protect a table for publication and remember it for the audit and Excel.

        Keyword arguments go to :func:`cohort.disclosure.protect`; ``policy=``
        overrides the report's policy for this table (used only for tables
        that count no people, such as board attendance). Returns
        the protected result, which Jupyter displays as the published table.
        """
        from cohort.disclosure import protect

        if name in self.protected:
            raise CohortError(f"a table named {name!r} is already in this report")
        policy = kwargs.pop("policy", self.policy)
        result = protect(table, policy=policy, name=name, **kwargs)
        self.protected[name] = result
        return result

    def show(self, table, caption: str | None = None) -> _HTML:
        """Display a protected table (or a presentation DataFrame) compactly.

        Columns that hold one value throughout (authority, quarter, interval
        method, confidence level) move into the caption, the interval becomes
        one ``95% CI`` column, and grouping labels lose their underscores.
        Suppressed cells keep their ``[c]`` marker.
        """
        return _HTML(compact_html(table, caption))

    def audit(self) -> pd.DataFrame:
        """Every disclosure check of every table in the report."""
        frames = [p.audit for p in self.protected.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> dict[str, Any]:
        """The publishable disclosure summary: policy, tables, cells suppressed,
        and the audit without cell positions (:meth:`Protected.public_audit`)."""
        public = [p.public_audit() for p in self.protected.values()]
        audit = pd.concat(public, ignore_index=True) if public else pd.DataFrame()
        return {
            "authority": self.authority,
            "quarter": self.quarter,
            "policy": self.policy.name,
            "tables": len(self.protected),
            "table_names": list(self.protected),
            "cells_suppressed": int(sum(p.n_suppressed for p in self.protected.values())),
            "checks_failed": int((audit["status"] == "fail").sum()) if len(audit) else 0,
            "audit": json.loads(audit.to_json(orient="records")) if len(audit) else [],
        }

    def finish(self) -> _HTML:
        """The closing disclosure statement; writes the audit and Excel tables.

        The returned display also carries :meth:`summary` under
        :data:`AUDIT_MIME`, which :func:`cohort.batch.run` copies into the
        manifest.
        """
        summary = self.summary()
        if self.output_dir is not None:
            from cohort.excel import write_workbook

            self.output_dir.mkdir(parents=True, exist_ok=True)
            slug = self.quarter.replace("/", "-").replace(" ", "")
            stem = f"{self.title.lower().split(':')[0].replace(' ', '_')}_{self.authority}_{slug}"
            write_workbook(self, self.output_dir / f"{stem}.xlsx")
            (self.output_dir / f"{stem}.audit.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        return _HTML(
            "<div class='cohort-disclosure'><h2>Disclosure control</h2>"
            f"<p>All {summary['tables']} tables in this report were checked under the policy "
            f"\"{html.escape(self.policy.name)}\" ({html.escape(self.policy.source)}). "
            f"{summary['cells_suppressed']} cell(s) were suppressed and are shown as [c]; rates and "
            f"percentages whose numerator is suppressed are hidden too; figures are drawn from the "
            f"protected tables. {summary['checks_failed']} check(s) remain open after mitigation.</p>"
            "<p>No child's name, identifier or date of birth appears in this report.</p></div>",
            data=summary,
        )


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
        values = table.values if isinstance(table.values, pd.DataFrame) else None
        if values is not None:
            # descriptive columns (labels, dates, flags) are not disclosure cells:
            # show their values as given rather than as formatted numbers
            for col in frame.columns:
                if col in _STAT_COLUMNS or col not in values:
                    continue
                v = values[col]
                if pd.api.types.is_datetime64_any_dtype(v):
                    frame[col] = v.dt.strftime("%Y-%m-%d").fillna("")
                elif pd.api.types.is_float_dtype(v) and v.dropna().mod(1).eq(0).all():
                    frame[col] = v.astype("Int64").astype(str).replace("<NA>", "")
                else:
                    frame[col] = v.astype(object).where(v.notna(), "")
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
