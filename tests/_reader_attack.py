"""An outside reader's attack on published reports, written independently of
``cohort.disclosure`` (its own parser, its own model of what a reader knows, its own
``scipy.optimize.linprog`` calls).

The reader holds the published files (HTML pages and Excel packs), reads every
count and base out of them, writes down the identities a reader of youth justice
tables knows (categories add up to their base, each step of a cascade is counted
out of the step before, all children = school age + post-16, a pooled year is its
four cohorts, a rolling year is four quarters, a comparison group is its members,
the all-authority tables are the same in every authority's report...) and solves,
for every suppressed count, the smallest and largest value consistent with
everything published. A suppressed count whose true value is small (below the
threshold) must not be narrowed to a range narrower than the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl

MARK = "[c]"
LABELS = ("KPI", "Measure", "Category", "Characteristic", "Group", "Period", "Authority name", "Stage",
          "Compared with", "Model")
_FIG = re.compile(r"^(?P<pct>\S+) \((?:(?P<n>[^ ]+) )?of (?P<d>[^)]+)\)$")


# --------------------------------------------------------------------------- reading files


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def _number(text: object) -> float | None:
    s = str(text).strip().replace(",", "")
    if s == MARK:
        return None
    try:
        return float(s)
    except ValueError:
        return float("nan")


@dataclass
class Published:
    """Count cells of a set of published files: key -> value (None when suppressed)."""

    cells: dict[tuple, float | None] = field(default_factory=dict)
    rows: dict[tuple, list[dict[str, str]]] = field(default_factory=dict)  # (ns, caption) -> row labels
    disagreements: list[str] = field(default_factory=list)

    def add(self, key: tuple, value: float | None, where: str) -> None:
        if value is not None and np.isnan(value):
            return
        if key in self.cells and self.cells[key] != value:
            self.disagreements.append(f"{where}: {key} is {value} here and {self.cells[key]} elsewhere")
            # the reader keeps whatever was shown
            if value is not None:
                self.cells[key] = value
            return
        self.cells.setdefault(key, value)


def _row_cells(ns: str, caption: str, header: list[str], row: list[str]
               ) -> tuple[dict[str, str], dict[tuple, float | None]]:
    """Labels and count cells of one HTML row: Count/Of columns and "p% (n of d)" figures."""
    labels = {h: v for h, v in zip(header, row, strict=False) if h in LABELS}
    label = tuple(labels.get(h, "") for h in LABELS)
    out: dict[tuple, float | None] = {}
    for h, v in zip(header, row, strict=False):
        if h in ("Count", "Of"):
            out[(ns, caption, label, h)] = _number(v)
        elif h in ("This quarter", "Year to date"):
            m = _FIG.match(v)
            if m:
                out[(ns, caption, label, f"{h}: count")] = _number(m["n"] or MARK)
                out[(ns, caption, label, f"{h}: of")] = _number(m["d"])
            elif v == MARK:
                out[(ns, caption, label, f"{h}: count")] = None
                out[(ns, caption, label, f"{h}: of")] = None
            elif re.fullmatch(r"[\d,]+", v):
                out[(ns, caption, label, f"{h}: count")] = _number(v)
    return labels, out


def namespace(authority: str, header: Sequence[str]) -> str:
    """Tables that list every authority (an "Authority name" column) are the same in every
    authority's report: one namespace for them all."""
    return "ALL" if "Authority name" in header else authority


def read(files: Iterable[Path], authority: str, pub: Published | None = None) -> Published:
    """Read the count cells of one authority's HTML pages and Excel packs."""
    pub = pub or Published()
    for path in files:
        if path.suffix == ".html":
            parser = _Tables()
            parser.feed(path.read_text(encoding="utf-8"))
            for t in parser.tables:
                if not t["rows"] or not t["caption"]:
                    continue
                header, rows = t["rows"][0], t["rows"][1:]
                ns = namespace(authority, header)
                pub.rows.setdefault((ns, t["caption"]), [])
                known = {tuple(r.items()) for r in pub.rows[(ns, t["caption"])]}
                for row in rows:
                    labels, cells = _row_cells(ns, t["caption"], header, row)
                    if tuple(labels.items()) not in known:
                        pub.rows[(ns, t["caption"])].append(labels)
                        known.add(tuple(labels.items()))
                    for k, v in cells.items():
                        pub.add(k, v, path.name)
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                if ws.title in ("About", "Contents", "Disclosure"):
                    continue
                values = list(ws.iter_rows(values_only=True))
                caption = str(values[1][0]) if len(values) > 1 and values[1][0] else ""
                header = [str(h) if h is not None else "" for h in values[4]] if len(values) > 4 else []
                ns = namespace(authority, header)
                for row in values[5:]:
                    if all(v is None for v in row):
                        break
                    labels = {h: str(v) for h, v in zip(header, row, strict=False) if h in LABELS and v is not None}
                    label = tuple(labels.get(h, "") for h in LABELS)
                    for h, v in zip(header, row, strict=False):
                        col = {"Count": "Count", "Of": "Of", "This quarter: count": "This quarter: count",
                               "This quarter: of": "This quarter: of", "Year to date: count": "Year to date: count",
                               "Year to date: of": "Year to date: of"}.get(h)
                        if col is None or v in (None, ""):
                            continue
                        pub.add((ns, caption, label, col), None if v == MARK else float(v), path.name)
    return pub


# --------------------------------------------------------------------------- the reader's linear system


@dataclass
class Knowledge:
    """What the reader writes down: sums (whole = parts), orders (a <= b) and lower bounds."""

    sums: list[tuple[tuple, list[tuple]]] = field(default_factory=list)
    orders: list[tuple[tuple, tuple]] = field(default_factory=list)
    lower: dict[tuple, float] = field(default_factory=dict)

    at_least: list[tuple[tuple, list[tuple]]] = field(default_factory=list)

    def sum(self, whole: tuple | None, parts: Sequence[tuple | None], exact: bool = True) -> None:
        """whole = sum(parts), or whole >= sum(parts) when not ``exact``."""
        if whole is not None and parts and all(p is not None for p in parts):
            (self.sums if exact else self.at_least).append((whole, list(parts)))

    def order(self, small: tuple | None, big: tuple | None) -> None:
        if small is not None and big is not None:
            self.orders.append((small, big))


def feasible_ranges(pub: Published, know: Knowledge, targets: Sequence[tuple]) -> dict[tuple, tuple[float, float]]:
    """Min and max of each target consistent with the published cells and the knowledge."""
    from scipy.optimize import linprog

    keys = set(pub.cells)
    for w, ps in know.sums:
        keys |= {w, *ps}
    for w, ps in know.at_least:
        keys |= {w, *ps}
    for a, b in know.orders:
        keys |= {a, b}
    unknown = sorted((k for k in keys if pub.cells.get(k) is None), key=str)
    pos = {k: i for i, k in enumerate(unknown)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []

    def row(terms: list[tuple[tuple, float]]) -> tuple[np.ndarray, float]:
        r, b = np.zeros(len(unknown)), 0.0
        for k, coef in terms:
            v = pub.cells.get(k)
            if v is None:
                r[pos[k]] += coef
            else:
                b -= coef * v
        return r, b

    for w, ps in know.sums:
        r, b = row([(w, 1.0), *((p, -1.0) for p in ps)])
        if r.any():
            a_eq.append(r)
            b_eq.append(b)
    for s, big in know.orders:
        r, b = row([(s, 1.0), (big, -1.0)])
        if r.any():
            a_ub.append(r)
            b_ub.append(b)
    for w, ps in know.at_least:
        r, b = row([*((p, 1.0) for p in ps), (w, -1.0)])
        if r.any():
            a_ub.append(r)
            b_ub.append(b)
    bounds = [(know.lower.get(k, 0.0), None) for k in unknown]
    out = {}
    for t in targets:
        c = np.zeros(len(unknown))
        c[pos[t]] = 1.0
        kw = dict(A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                  A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None, bounds=bounds, method="highs")
        lo = linprog(c, **kw)
        hi = linprog(-c, **kw)
        assert lo.status in (0, 3) and hi.status in (0, 3), (t, lo.message, hi.message)
        out[t] = (lo.fun if lo.status == 0 else -np.inf, -hi.fun if hi.status == 0 else np.inf)
    return out
