"""The Excel board pack (openpyxl): the tables of a report as a board secretary uses them.

Every table the report showed goes to its own sheet, cell for cell as the
HTML shows it (the same :class:`cohort.report.tables.Presented` table, so the
same ``[c]`` cells), with numbers stored as numbers and given number formats
(counts ``#,##0``, percentages ``0%``, rates ``0.0``), text that starts with
``=``, ``+``, ``-`` or ``@`` stored as text (never as a formula), bold
headers, a frozen header row, an autofilter, column widths, print titles,
landscape fit-to-width printing, and the edition marking at the top of every
sheet and in its printed header. A contents sheet links every sheet; the last
sheet holds the *public* disclosure audit only (no cell positions).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cohort.disclosure import MARKER, MISSING

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from cohort.report.context import Report
    from cohort.report.tables import Presented

#: Number formats by column kind.
FORMATS: dict[str, str] = {"count": "#,##0", "percent": "0%", "rate": "#,##0.0", "number": "General",
                           "change": "+0.0;-0.0;0.0"}

_AUDIT_HEADINGS = {"table": "Table", "check": "Check", "status": "Status", "threshold": "Threshold",
                   "unsafe_if": "Unsafe if", "n_cells": "Count cells", "n_suppressed": "Suppressed",
                   "mitigation": "Mitigation", "policy": "Policy", "source": "Source of the rules"}
_FIRST_ROW = 5  # header row of a table sheet: marking, caption, notes and a blank row above it
_NUM = re.compile(r"^[-+]?[\d,]*\.?\d+$")
_FORMULA_START = ("=", "+", "-", "@")


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", name)[:31] or "table"
    out, i = base, 2
    while out.lower() in used:
        out = f"{base[:28]}_{i}"
        i += 1
    used.add(out.lower())
    return out


def _number(text: str, kind: str) -> tuple[Any, str | None]:
    """(value, number format) of one presented cell: a number where the text is one."""
    s = str(text).strip()
    if s in ("", MARKER, MISSING):
        return (s if s else None), None
    pct = s.endswith("%")
    core = s[:-1] if pct else s
    if not _NUM.match(core):
        return s, None
    v = float(core.replace(",", ""))
    if pct:
        return v / 100, "0%" if float(v).is_integer() else "0.0%"
    decimals = len(core.split(".")[1]) if "." in core else 0
    if decimals == 0:
        return int(v), FORMATS["count"] if kind in ("count", "rate", "percent") else "0"
    return v, "#,##0." + "0" * decimals


def _text(cell: Any, value: str) -> None:
    """Store text as text: a leading =, +, - or @ never makes a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True


def _split(p: Presented) -> tuple[pd.DataFrame, dict[str, str]]:
    """Columns for Excel: intervals as Lower and Upper, "a of b" as two counts,
    changes as a number of points beside their arrow and verdict."""
    cols: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for c in p.frame.columns:
        k = p.kinds.get(c, "text")
        s = p.frame[c].astype(str)
        if k == "interval":
            parts = s.str.split(" to ", n=1, expand=True).reindex(columns=[0, 1]).astype(object)
            cols["Lower"], cols["Upper"] = parts[0].where(parts[0].notna(), s), parts[1].where(parts[1].notna(), s)
            kinds["Lower"] = kinds["Upper"] = "rate"
        elif k == "count" and s.str.contains(" of ").any():
            parts = s.str.split(" of ", n=1, expand=True).reindex(columns=[0, 1]).astype(object)
            cols[c], cols[f"{c}: of"] = parts[0].where(parts[0].notna(), s), parts[1].where(parts[1].notna(), "")
            kinds[c] = kinds[f"{c}: of"] = "count"
        elif k == "figure":  # "91% (48 of 53)": percentage, count and base in their own columns
            parts = s.str.extract(r"^(?P<pct>\S+) \((?:(?P<n>[^ ]+) )?of (?P<d>[^)]+)\)$")
            only = parts["pct"].isna()
            cols[f"{c} %"] = parts["pct"].fillna("")
            cols[f"{c}: count"] = parts["n"].fillna(MARKER).where(~only, s)
            cols[f"{c}: of"] = parts["d"].fillna("")
            kinds[f"{c} %"], kinds[f"{c}: count"], kinds[f"{c}: of"] = "percent", "count", "count"
        elif k == "change":
            num = s.str.extract(r"([+-]?\d+(?:\.\d+)?)")[0].fillna("")
            num = num.where(~s.str.contains("no change"), "0")
            cols[f"{c} (pts)"] = num
            kinds[f"{c} (pts)"] = "change"
            cols[f"{c}: direction"] = s.str.replace(r"[+-]?\d+(\.\d+)?( pts)?", "", regex=True).str.strip()
            kinds[f"{c}: direction"] = "text"
        else:
            cols[c], kinds[c] = s, k
    return pd.DataFrame(cols), kinds


def _page_setup(ws: Worksheet, marking: str, footer: str, header_row: int | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = marking
    ws.oddFooter.left.text = footer
    ws.oddFooter.right.text = "Page &P of &N"
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _widths(ws: Worksheet, frame: pd.DataFrame, start: int = 1) -> None:
    from openpyxl.utils import get_column_letter

    for j, c in enumerate(frame.columns, start=start):
        width = max([len(str(c))] + [len(str(v)) for v in frame[c]])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(9, width + 2))


def _write_table(ws: Worksheet, p: Presented, rep: Report, footer: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame, kinds = _split(p)
    bold = Font(bold=True)
    _text(ws.cell(1, 1), rep.marking)
    ws.cell(1, 1).font = Font(bold=True, color="B00020" if rep.edition == "management" else "1F4E79")
    _text(ws.cell(2, 1), p.caption)
    ws.cell(2, 1).font = Font(bold=True, size=12)
    if p.notes:
        _text(ws.cell(3, 1), "; ".join(p.notes))
        ws.cell(3, 1).font = Font(italic=True)
    fill = PatternFill("solid", fgColor="E8EEF3")
    for j, c in enumerate(frame.columns, start=1):
        cell = ws.cell(_FIRST_ROW, j)
        _text(cell, str(c))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False), start=_FIRST_ROW + 1):
        for j, (c, v) in enumerate(zip(frame.columns, row, strict=True), start=1):
            cell = ws.cell(i, j)
            kind = kinds.get(c, "text")
            if kind == "text":
                _text(cell, str(v) if str(v) != "nan" else "")
                continue
            value, fmt = _number(v, kind)
            if isinstance(value, str):
                _text(cell, value)
                cell.alignment = Alignment(horizontal="right")
            else:
                cell.value = value
                if kind == "change":
                    fmt = FORMATS["change"] if isinstance(value, float) else "+0;-0;0"
                if fmt:
                    cell.number_format = fmt
    last = _FIRST_ROW + len(frame)
    ws.freeze_panes = ws.cell(_FIRST_ROW + 1, 1)
    if len(frame) and len(frame.columns):
        ws.auto_filter.ref = f"A{_FIRST_ROW}:{get_column_letter(len(frame.columns))}{last}"
    if p.footnote:
        _text(ws.cell(last + 2, 1), p.footnote)
        ws.cell(last + 2, 1).font = Font(italic=True)
    _widths(ws, frame)
    _page_setup(ws, rep.marking, footer, _FIRST_ROW)


def write_workbook(report: Report, path: str | os.PathLike) -> Path:
    """Write the report's tables to one Excel workbook (the board pack).

    Sheets: "About" (report, edition, authority, period, source, produced
    on, fingerprint and, for synthetic data, the synthetic-data banner),
    "Contents" (a link to every sheet), one sheet per table the report
    showed (:attr:`Report.sheets`, the KPI board on one sheet), and
    "Disclosure" (the public audit: no cell positions, which would tell a
    reader which ``[c]`` hides a small count). The file is written to a
    temporary name and moved into place.

    Parameters
    ----------
    report : cohort.report.Report
    path : path
        The ``.xlsx`` file to write.

    Returns
    -------
    pathlib.Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from cohort import __version__
    from cohort.report.context import SYNTHETIC_BANNER
    from cohort.report.tables import Presented, present

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    footer = f"{report.title}: {report.authority_name}, {report.quarter}"
    sheets = list(report.sheets)
    if not sheets:  # a report that showed its tables by other means: the protected tables as they are
        sheets = [present(p) for p in report.protected.values()]
    wb = Workbook()
    about = wb.active
    about.title = "About"
    used = {"about", "contents", "disclosure"}
    items = [("Report", report.title), ("Edition", report.marking),
             ("Authority", f"{report.authority_name} ({report.authority})"), ("Period", report.quarter),
             ("Data source", report.data_source), ("Produced on", f"{date.today():%-d %B %Y}"),
             ("Data fingerprint", report.fingerprint), ("cohort version", __version__),
             ("Disclosure", report.policy.describe())]
    if report.data.synthetic:
        items.append(("Note", SYNTHETIC_BANNER))
    _text(about.cell(1, 1), report.marking)
    about.cell(1, 1).font = Font(bold=True, color="B00020" if report.edition == "management" else "1F4E79")
    for i, (k, v) in enumerate(items, start=3):
        _text(about.cell(i, 1), k)
        about.cell(i, 1).font = Font(bold=True)
        _text(about.cell(i, 2), v)
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    about.freeze_panes = "A3"
    _page_setup(about, report.marking, footer, None)
    contents = wb.create_sheet("Contents")
    names = []
    for p in sheets:
        ws = wb.create_sheet(_sheet_name(p.name, used))
        names.append((ws.title, p.caption))
        _write_table(ws, p, report, footer)
    audit = report.public_audit().rename(columns=_AUDIT_HEADINGS)
    ws = wb.create_sheet("Disclosure")
    _write_table(ws, Presented(audit.astype(str) if len(audit) else pd.DataFrame({"Table": []}),
                               {c: ("count" if c in ("Threshold", "Count cells", "Suppressed") else "text")
                                for c in audit.columns},
                               "Disclosure checks of every table (public audit)", [], "", "Disclosure"),
                 report, footer)
    _text(contents.cell(1, 1), report.marking)
    contents.cell(1, 1).font = Font(bold=True, color="B00020" if report.edition == "management" else "1F4E79")
    _text(contents.cell(2, 1), "Contents")
    contents.cell(2, 1).font = Font(bold=True, size=12)
    for j, h in enumerate(("Sheet", "Table"), start=1):
        _text(contents.cell(4, j), h)
        contents.cell(4, j).font = Font(bold=True)
    for i, (title, caption) in enumerate([*names, ("Disclosure", "Disclosure checks (public audit)")], start=5):
        cell = contents.cell(i, 1)
        _text(cell, title)
        cell.hyperlink = f"#'{title}'!A1"
        cell.font = Font(color="0563C1", underline="single")
        _text(contents.cell(i, 2), caption)
    contents.column_dimensions["A"].width = 34
    contents.column_dimensions["B"].width = 90
    contents.freeze_panes = "A5"
    _page_setup(contents, report.marking, footer, 4)
    wb.save(tmp)
    os.replace(tmp, path)
    return path
