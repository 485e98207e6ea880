"""Board-pack workbook export (openpyxl): the protected tables of a report."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from cohort.report.context import Report


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
    out, i = base, 2
    while out.lower() in used:
        out = f"{base[:28]}_{i}"
        i += 1
    used.add(out.lower())
    return out


def write_workbook(report: Report, path: str | os.PathLike) -> Path:
    """Write every protected table of a report to one Excel workbook.

    The first sheet, "About", states the authority, period, data source,
    disclosure policy and (for synthetic data) the synthetic-data banner; then
    one sheet per table holds its *presentation* values (suppressed cells
    read ``[c]``); the last sheet, "Disclosure", holds the *public* audit of
    every check (:meth:`cohort.disclosure.Protected.public_audit`: no cell
    positions, which would tell a reader which ``[c]`` hides a small count).
    The file is written to a temporary name and moved into place.

    Parameters
    ----------
    report : cohort.report.Report
    path : path
        The ``.xlsx`` file to write.

    Returns
    -------
    pathlib.Path
    """
    from cohort import __version__
    from cohort.report.context import SYNTHETIC_BANNER

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    about = pd.DataFrame(
        {
            "item": ["Report", "Edition", "Authority", "Period", "Data source", "Disclosure policy",
                     "Data fingerprint", "cohort version", "Note"],
            "value": [
                report.title, report.marking, f"{report.authority_name} ({report.authority})", report.quarter,
                str(report.data.metadata.get("source", "unknown")),
                f"{report.policy.name}: {report.policy.source}",
                report.fingerprint, __version__,
                SYNTHETIC_BANNER if report.data.synthetic else "",
            ],
        }
    )
    used: set[str] = {"about", "disclosure"}
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        about.to_excel(xw, sheet_name="About", index=False)
        for name, protected in report.protected.items():
            protected.table.to_excel(xw, sheet_name=_sheet_name(name, used), index=False)
        public = [p.public_audit() for p in report.protected.values()]
        audit = pd.concat(public, ignore_index=True) if public else pd.DataFrame()
        audit.to_excel(xw, sheet_name="Disclosure", index=False)
        for ws in xw.book.worksheets:
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
    os.replace(tmp, path)
    return path
