"""The index page of a batch's reports, written from its manifest."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from cohort.report.html import css
from cohort.report.journal import atomic_write
from cohort.report.planning import REPORT_NOTEBOOKS

__all__ = ["write_index"]


_EDITION_LABELS = {"management": "Management information (not for publication)",
                   "publication": "Publication (small counts suppressed)"}


def _title(record: dict[str, Any]) -> str:
    d = record.get("disclosure") or {}
    return str(d.get("title") or record["notebook"].replace("_", " ").capitalize())


def _rel(path: str, output: Path) -> str:
    """A path as the manifest holds it (relative to the output folder); older
    manifests held absolute paths."""
    p = Path(path)
    return os.path.relpath(p, output) if p.is_absolute() else str(p)


def failure_text(error: dict[str, Any]) -> str:
    """A failed report's error in one line: the cell, its failing source line, the error.

    Examples
    --------
    >>> failure_text({"cell": 4, "line": 2, "source_line": "x = 1 / 0", "ename": "ZeroDivisionError",
    ...               "evalue": "division by zero"})
    'failed in cell 4, line 2 (x = 1 / 0): ZeroDivisionError: division by zero'
    """
    where = ""
    if error.get("cell") is not None:
        where = f" in cell {error['cell']}"
        if error.get("line"):
            where += f", line {error['line']}"
        if error.get("source_line"):
            where += f" ({error['source_line']})"
    return f"failed{where}: {error.get('ename', '')}: {error.get('evalue', '')}"


def write_index(manifest: dict[str, Any], output: str | os.PathLike) -> Path:
    """Write ``index.html`` linking every report of a manifest and its Excel pack.

    One row per authority, quarter and report, with one column per edition
    (management information, publication) holding the links to the HTML
    report and the Excel board pack, or the error of a failed run.
    """
    output = Path(output)
    runs = manifest["runs"]
    editions = list(dict.fromkeys(r.get("edition") or "" for r in runs))
    order = {n: i for i, n in enumerate(REPORT_NOTEBOOKS)}
    groups: dict[tuple, dict[str, dict[str, Any]]] = {}
    for r in sorted(runs, key=lambda r: (str(r.get("authority_name") or r["authority"]), r["quarter"],
                                         order.get(r["notebook"], 99), r["notebook"])):
        key = (r["authority"], r.get("authority_name") or r["authority"], r["quarter"], r["notebook"])
        groups.setdefault(key, {})[r.get("edition") or ""] = r
    rows = []
    for (code, name, quarter, _nb), by_edition in groups.items():
        first = next(iter(by_edition.values()))
        title = html.escape(_title(first))
        cells = []
        for e in editions:
            r = by_edition.get(e)
            if r is None:
                cells.append("<td></td>")
                continue
            what = f"{_title(r)}, {name}, {quarter}, {_EDITION_LABELS.get(e, e or 'report')}"
            if r["status"] in ("ok", "skipped"):
                links = [f"<a href='{html.escape(_rel(r['html'], output))}' "
                         f"aria-label='{html.escape(what, quote=True)} (web page)'>Report</a>"]
                workbook = r.get("workbook") or (r.get("disclosure") or {}).get("workbook")
                if workbook and (output / _rel(workbook, output)).exists():
                    links.append(f"<a href='{html.escape(_rel(workbook, output))}' "
                                 f"aria-label='{html.escape(what, quote=True)} (Excel)'>Excel</a>")
                cells.append(f"<td>{' | '.join(links)}</td>")
            else:
                cells.append(f"<td class='cohort-failed'>{html.escape(failure_text(r.get('error') or {}))}</td>")
        who = (f"{html.escape(str(name))} ({html.escape(code)})" if code else  # a programme-level report
               html.escape(str((first.get("parameters") or {}).get("programme", ""))))
        rows.append(f"<tr><th scope='row'>{who}</th>"
                    f"<td>{html.escape(quarter)}</td><td>{title}</td>{''.join(cells)}</tr>")
    banner = (
        "<div class='cohort-banner'>SYNTHETIC DATA: these reports are built from fictional "
        "authorities and children made by cohort.synthetic. They describe no real person or place.</div>"
        if manifest.get("synthetic") else ""
    )
    n_ok = sum(r["status"] in ("ok", "skipped") for r in runs)
    heads = "".join(f"<th scope='col'>{html.escape(_EDITION_LABELS.get(e, e or 'Report'))}</th>" for e in editions)
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Youth justice reports</title>"
        f"<style>{css()}</style></head><body><main><h1>Youth justice reports</h1>{banner}"
        "<p>Each report comes in two editions. The <strong>management information</strong> edition "
        "shows every figure and is for the partnership board only: do not publish it. The "
        "<strong>publication</strong> edition suppresses small counts and is the one to share outside "
        "the partnership.</p>"
        f"<p class='cohort-meta'>{n_ok} of {len(runs)} reports available. Data fingerprint "
        f"{html.escape(manifest.get('fingerprint', ''))}; cohort {html.escape(manifest.get('package_version', ''))}; "
        f"built {html.escape(manifest.get('created', ''))}.</p>"
        "<div class='cohort-table' tabindex='0' role='region' aria-label='Reports'>"
        "<table><caption>Reports by authority, quarter and edition</caption><thead><tr>"
        "<th scope='col'>Authority</th><th scope='col'>Quarter</th><th scope='col'>Report</th>"
        f"{heads}</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></main></body></html>\n"
    )
    path = output / "index.html"
    atomic_write(path, page)
    return path


