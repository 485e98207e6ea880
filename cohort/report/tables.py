"""Presentation of protected tables: one presented form for HTML and Excel.

:func:`present` turns a :class:`cohort.disclosure.Protected` result (or a
presentation DataFrame) into a :class:`Presented` table: human headings and
labels, the interval as one column, constant columns moved to a note, and the
kind of every column (text, count, percent, rate, ...). :func:`render_html`
writes it as an accessible HTML table (caption, header cells with scope, text
left-aligned and numbers right-aligned) and :mod:`cohort.report.excel` writes
the same cells to a workbook, so the two never disagree on what is shown or
which cells are ``[c]``. Only the presentation table is ever read: a value
that :func:`cohort.disclosure.protect` hid is never copied back.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cohort.disclosure import MARKER, MISSING
from cohort.report import labels

#: Column kinds of a presented table, which decide alignment and Excel number formats.
KINDS = ("text", "count", "percent", "rate", "number", "interval", "date", "change", "figure")

_STAT = ("numerator", "denominator", "estimate", "lower", "upper")
_CONSTANT = ("authority_code", "quarter", "financial_year", "period", "period_start", "period_end", "method",
             "confidence", "basis", "definitions", "change_unit", "subgroup", "cohorts", "per", "kind",
             "limit_method", "adjustment", "phi", "tau2", "measure", "group_variable")
_SILENT = ("period_start", "period_end", "subgroup", "definitions", "basis", "change_unit", "cohorts", "per",
           "kind", "limit_method", "adjustment", "phi", "tau2", "measure", "group_variable")
_LABELLED = ("group_variable", "measure", "kpi")
_VALUED = ("group_value", "category", "position", "flag", "role")
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


@dataclass
class Presented:
    """A table as a report shows it.

    Attributes
    ----------
    frame : pandas.DataFrame
        Strings, with human headings; ``[c]`` where a value is suppressed.
    kinds : dict of str to str
        The kind of each column (:data:`KINDS`).
    caption : str
    notes : list of str
        Constant columns said once (e.g. "Interval: Wilson, 95%").
    footnote : str
        The table's disclosure note.
    name : str
        Short name (the Excel sheet name).
    row_header : bool
        Whether the first column names the row (written as header cells).
    """

    frame: pd.DataFrame
    kinds: dict[str, str]
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    footnote: str = ""
    name: str = "table"
    row_header: bool = True


def masked(protected: Any) -> pd.DataFrame:
    """The statistics of a protected table with every suppressed cell set to missing.

    Use it to draw figures: a chart must not show what the table hides.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.disclosure import protect
    >>> t = pd.DataFrame({"group_value": ["a", "b", "c"], "numerator": [3, 20, 30],
    ...                   "denominator": [53, 53, 53]})
    >>> masked(protect(t, "publication"))["numerator"].isna().tolist()
    [True, True, False]
    """
    values = protected.values
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    mask = protected.suppressed.reindex(index=frame.index, columns=frame.columns, fill_value=False)
    return frame.mask(mask.astype(bool))


def _scale_of(protected: Any) -> str:
    """proportion / percent / rate, read from the presentation of the estimate column."""
    if "estimate" not in protected.table.columns:
        return "rate"
    shown = protected.table["estimate"].astype(str)
    return "percent" if shown.str.endswith("%").any() else "rate"


def _cell_text(x: Any) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, pd.Timestamp):
        return x.strftime("%d %b %Y").lstrip("0")
    if isinstance(x, (bool, np.bool_)):
        return "Yes" if x else "No"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    try:
        if pd.isna(x):
            return ""
    except (TypeError, ValueError):
        pass
    return str(x)


def _footnote(protected: Any) -> str:
    if not hasattr(protected, "policy"):
        return ""
    if protected.mitigation == "none":
        return ""
    n = protected.n_suppressed
    if not n:
        return "No figure in this table needed suppressing."
    # [x] (no cases) is explained in the report's closing statement
    return (f"[c]: not shown to protect confidentiality ({n} figure{'s' if n != 1 else ''} in this table); "
            "small counts and the cells that would reveal them are suppressed.")


def present(table: Any, caption: str | None = None, *, name: str | None = None,
            drop: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> Presented:
    """The presented form of a protected table (or of a presentation DataFrame).

    Parameters
    ----------
    table : Protected or pandas.DataFrame
    caption : str, optional
        Default: the table's name in words.
    name : str, optional
        Short name (Excel sheet); default the table's name.
    drop : tuple of str
        Columns not to show.
    keep : tuple of str
        Columns to show even when they hold one value throughout.

    Returns
    -------
    Presented

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.disclosure import protect
    >>> t = pd.DataFrame({"authority_code": "X01", "group_variable": "sex",
    ...                   "group_value": ["Male", "Female"], "numerator": [40, 3],
    ...                   "denominator": [43, 43], "estimate": [40 / 43, 3 / 43],
    ...                   "lower": [0.81, 0.02], "upper": [0.98, 0.19], "method": "wilson",
    ...                   "confidence": 0.95})
    >>> p = present(protect(t, "publication", name="sex"), "Children by sex")
    >>> list(p.frame.columns), p.frame.iloc[1].tolist(), p.notes
    (['Group', 'Count', 'Of', 'Estimate', '95% interval'], ['Female', '[c]', '43', '[c]', '[c]'], ['Authority: X01', 'Interval: Wilson, 95%'])
    """
    if hasattr(table, "footnote"):
        frame = table.table.copy()
        scale = _scale_of(table)
        footnote = _footnote(table)
        name = name or table.name
    else:
        frame = table.copy()
        scale, footnote = "rate", ""
        name = name or "table"
    frame = frame.reset_index(drop=True).drop(columns=[c for c in drop if c in frame.columns])
    if "period" in frame:
        frame = frame.drop(columns=[c for c in ("period_start", "period_end") if c in frame])
    notes: list[str] = []
    method = confidence = None
    for col in list(frame.columns):
        vals = frame[col].map(_cell_text)
        if col not in keep and col not in _STAT and (vals.eq("").all()):
            frame = frame.drop(columns=col)
            continue
        if col in _CONSTANT and col not in keep and vals.nunique() <= 1 and len(frame):
            v = vals.iloc[0]
            if col == "method":
                method = v
            elif col == "confidence":
                try:
                    confidence = f"{float(v):.0%}"
                except ValueError:
                    confidence = v
            elif col == "authority_code":
                notes.append(f"Authority: {v}")
            elif col not in _SILENT:
                notes.append(f"{labels.column(col)}: {v}")
            frame = frame.drop(columns=col)
    if method or confidence:
        m = "" if method in (None, "none") else method.replace("_", " ").capitalize()
        notes.append("Interval: " + ", ".join(x for x in (m, confidence) if x))
    kinds: dict[str, str] = {}
    out: dict[str, pd.Series] = {}
    for col in frame.columns:
        if col == "upper":
            continue
        if col == "lower" and "upper" in frame:
            lo, hi = frame["lower"].map(_cell_text), frame["upper"].map(_cell_text)
            ci = lo + " to " + hi
            ci = ci.where(~(lo.eq(MARKER) | hi.eq(MARKER)), MARKER).where(~(lo.eq("") | hi.eq("")), "")
            ci = ci.where(~(lo.eq(MISSING) | hi.eq(MISSING)), MISSING)
            out["interval"], kinds["interval"] = ci, "interval"
            continue
        vals = frame[col]
        if col in _LABELLED:
            text = vals.map(lambda v: labels.name(str(v)))
        elif col in _VALUED:
            by = {"group_value": "group_variable", "category": "measure"}.get(col)
            if by in frame.columns:
                text = pd.Series([labels.value(v, str(w)) for v, w in zip(vals, frame[by], strict=True)],
                                 index=vals.index)
            else:
                text = vals.map(labels.value)
        elif col == "incomplete":
            text = vals.map(lambda v: "incomplete" if str(v) == "True" else "complete")
        elif col == "method":
            text = vals.map(lambda v: _cell_text(v).replace("_", " ").capitalize())
        else:
            text = vals.map(_cell_text)
        out[col] = text
        if col in ("numerator", "denominator"):
            kinds[col] = "count"
        elif col == "estimate":
            kinds[col] = "percent" if scale == "percent" else "rate"
        elif col in ("population_year",):
            kinds[col] = "number"
        elif len(text) and text.map(lambda s: s in ("", MARKER, MISSING) or bool(_NUMBER.match(s))).all() \
                and not text.eq("").all() and col not in _VALUED:
            kinds[col] = "number"
        else:
            kinds[col] = "text"
    presented = pd.DataFrame(out)
    if "incomplete" in presented:
        presented = presented.rename(columns={"incomplete": "follow_up"})
        kinds["follow_up"] = kinds.pop("incomplete")
    headings = {c: ("Follow-up" if c == "follow_up" else labels.column(c)) for c in presented.columns}
    kinds = {headings[c]: k for c, k in kinds.items()}
    presented = presented.rename(columns=headings)
    cap = caption or labels.name(str(name))
    return Presented(presented, kinds, cap, notes, footnote, str(name))


def _cell_class(kind: str) -> str:
    return "num" if kind in ("count", "percent", "rate", "number", "interval", "change", "figure") else "text"


def render_html(p: Presented) -> str:
    """An accessible HTML table: caption, column and row header cells, aligned cells.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Presented(pd.DataFrame({"Group": ["Girls"], "Count": ["12"]}),
    ...               {"Group": "text", "Count": "count"}, caption="Children by sex")
    >>> html = render_html(p)
    >>> "<caption>Children by sex</caption>" in html, "<th scope='row' class='text'>Girls</th>" in html
    (True, True)
    """
    head = "".join(f"<th scope='col' class='{_cell_class(p.kinds.get(c, 'text'))}'>{html.escape(str(c))}</th>"
                   for c in p.frame.columns)
    rows = []
    cols = list(p.frame.columns)
    for r in p.frame.itertuples(index=False):
        cells = []
        for j, (c, v) in enumerate(zip(cols, r, strict=True)):
            cls = _cell_class(p.kinds.get(c, "text"))
            text = html.escape(str(v))
            if str(v) == MARKER:
                text = f"<abbr title='suppressed to protect confidentiality'>{MARKER}</abbr>"
            if p.kinds.get(c) == "change":
                cls += " better" if "(better)" in str(v) else " worse" if "(worse)" in str(v) else ""
            if j == 0 and p.row_header:
                cells.append(f"<th scope='row' class='{cls}'>{text}</th>")
            else:
                cells.append(f"<td class='{cls}'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes = f"<p class='cohort-meta'>{html.escape('; '.join(p.notes))}.</p>" if p.notes else ""
    foot = f"<p class='cohort-meta'>{html.escape(p.footnote)}</p>" if p.footnote else ""
    # a wide table scrolls inside its box: the box takes the keyboard focus and is named
    # after the table, so a keyboard user can scroll it (WCAG 2.1.1)
    return (f"<div class='cohort-table' tabindex='0' role='region' aria-label='{html.escape(p.caption, quote=True)}'>"
            f"<table><caption>{html.escape(p.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{notes}{foot}</div>")


def compact_html(table: Any, caption: str | None = None) -> str:
    """HTML of a protected table as :meth:`Report.show` shows it (see :func:`present`)."""
    return render_html(present(table, caption))
