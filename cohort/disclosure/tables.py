"""Reading wide and long tables into the constraint graph."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cohort.disclosure.graph import _Graph, _safe
from cohort.disclosure.policies import (
    _ESTIMATE_COLUMNS,
    _TIDY_FIXED,
    DESCRIPTIVE_COLUMNS,
    MARKER,
    MISSING,
    TOTAL_WORDS,
    Margin,
    Policy,
    _choice,
)
from cohort.exceptions import DisclosureWarning


@dataclass
class _Layout:
    name: str
    kind: str  # "wide" | "long"
    frame: pd.DataFrame
    original: pd.DataFrame | pd.Series
    count_cells: dict[tuple[int, int], int]
    derived: dict[tuple[int, int], tuple[int, int | None]]
    shown_derived: set[tuple[int, int]]
    options: dict[str, Any]
    layouts: dict[str, int]
    row_labels: list[str] | None = None


def _parse_numbers(s: pd.Series) -> np.ndarray:
    """Numbers from a column that may hold presentation strings ("1,234", "[c]", "12%")."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = s.astype(object).map(lambda x: x if isinstance(x, str) else ("" if pd.isna(x) else str(x)))
    text = text.str.replace(",", "", regex=False).str.replace("%", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_count(v: float) -> bool:
    return math.isfinite(v) and v >= 0 and float(v).is_integer()


def _raise_problems(what: str, problems: list[str]) -> None:
    if problems:
        shown = problems[:10]
        more = f" ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise ValueError(f"{what}: " + "; ".join(shown) + more)


def _build(g: _Graph, name: str, table: Any, opts: Mapping[str, Any], policy: Policy, mode: str) -> _Layout:
    if isinstance(table, pd.DataFrame) and "numerator" in table.columns:
        if opts.get("row_total") is not None or opts.get("col_total") is not None:
            raise ValueError("row_total and col_total are for wide tables; a long table's margins come from margin=")
        return _build_long(g, name, table, opts, policy, mode)
    if isinstance(table, (pd.DataFrame, pd.Series)):
        return _build_wide(g, name, table, opts, policy, mode)
    raise TypeError(f"table must be a pandas DataFrame or Series, got {type(table).__name__}")


def _build_wide(g: _Graph, name: str, table: pd.DataFrame | pd.Series, opts: Mapping[str, Any],
                policy: Policy, mode: str) -> _Layout:
    if isinstance(table, pd.Series):
        if opts.get("col_total") is not None:
            raise ValueError("col_total cannot be given for a Series (a 1-D table); use row_total")
        frame = table.to_frame(name=table.name if table.name is not None else "count")
    else:
        frame = table
    rows, cols = list(frame.index), list(frame.columns)
    if not frame.index.is_unique or not frame.columns.is_unique:
        raise ValueError("row and column labels of a wide table must be unique")
    ri = _label_position(rows, opts.get("row_total"), "row_total", "row")
    ci = _label_position(cols, opts.get("col_total"), "col_total", "column")
    vals = np.column_stack([_parse_numbers(frame.iloc[:, j]) for j in range(frame.shape[1])]) if cols else np.empty((len(rows), 0))
    if mode == "protect":
        bad = [f"{rows[i]}/{cols[j]} = {frame.iat[i, j]!r}" for i in range(len(rows)) for j in range(len(cols))
               if not _is_count(vals[i, j])]
        _raise_problems("a wide table must hold counts (whole numbers >= 0, no missing values)", bad)
    implicit = bool(opts.get("implicit_margins", True))
    node: dict[tuple[int, int], int] = {}
    series = isinstance(table, pd.Series)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            node[(i, j)] = g.add(vals[i, j], "shown", "full", str(r) if series else f"{r}/{c}", name,
                                 key=(r,) if series else (r, c))
    if mode == "protect" and opts.get("warn_totals", True) and policy.edition != "management":
        _undeclared_totals_wide(name, rows, cols, vals, ri, ci, series)
    int_rows = [i for i in range(len(rows)) if i != ri]
    int_cols = [j for j in range(len(cols)) if j != ci]
    # Implied totals are assumed known only as a family: if one row total is
    # unsafe, the others (and the grand total) would reveal it, so none is known.
    row_sums = [float(np.sum(vals[i, int_cols])) for i in range(len(rows))]
    col_sums = [float(np.sum(vals[int_rows, j])) for j in range(len(cols))]
    rows_known = ci is None and all(_safe(policy, v) for v in row_sums)
    cols_known = ri is None and all(_safe(policy, v) for v in col_sums)
    row_tot: dict[int, int] = {}
    for i in range(len(rows)):
        parts = [node[(i, j)] for j in int_cols]
        mode_ = "symmetric" if i != ri else "none"
        if ci is not None:
            g.line(node[(i, ci)], parts, mode_)
        elif implicit and len(parts) >= 2:
            row_tot[i] = g.implied(row_sums[i], policy, f"{rows[i]}/(row total, not shown)", name, rows_known)
            g.line(row_tot[i], parts, mode_)
    col_tot: dict[int, int] = {}
    for j in range(len(cols)):
        parts = [node[(i, j)] for i in int_rows]
        mode_ = "symmetric" if j != ci else "none"
        if ri is not None:
            g.line(node[(ri, j)], parts, mode_)
        elif implicit and len(parts) >= 2:
            col_tot[j] = g.implied(col_sums[j], policy, f"(column total, not shown)/{cols[j]}", name,
                                   cols_known)
            g.line(col_tot[j], parts, mode_)
    # totals of the implied totals
    if ri is not None and ci is None and row_tot and ri in row_tot:
        inner = [row_tot[i] for i in int_rows if i in row_tot]
        if len(inner) == len(int_rows) and len(inner) >= 2:
            g.line(row_tot[ri], inner)
    if ci is not None and ri is None and col_tot and ci in col_tot:
        inner = [col_tot[j] for j in int_cols if j in col_tot]
        if len(inner) == len(int_cols) and len(inner) >= 2:
            g.line(col_tot[ci], inner)
    if ri is None and ci is None and row_tot and col_tot and len(row_tot) == len(rows) and len(col_tot) == len(cols):
        grand = g.implied(_fsum(vals), policy, "(grand total, not shown)", name, rows_known and cols_known)
        g.line(grand, list(row_tot.values()))
        g.line(grand, list(col_tot.values()))
    return _Layout(name, "wide", frame, table, node, {}, set(), dict(opts), {})


def _looks_like_total(label: Hashable) -> bool:
    text = str(label).strip().lower()
    return any(text == w or text.startswith(w + " ") for w in TOTAL_WORDS)


def _undeclared_totals_wide(name: str, rows: list, cols: list, vals: np.ndarray, ri: int | None,
                            ci: int | None, series: bool) -> None:
    """Refuse a row or column labelled as a total that was not declared; warn
    about one that equals the sum of the others."""
    labelled = [f"row {r!r} (row_total={r!r})" for i, r in enumerate(rows) if i != ri and _looks_like_total(r)]
    if not series:
        labelled += [f"column {c!r} (col_total={c!r})" for j, c in enumerate(cols)
                     if j != ci and _looks_like_total(c)]
    if labelled:
        raise ValueError(
            f"table {name!r}: {', '.join(labelled)} looks like a total but is not declared as one; a "
            "total protected as an ordinary cell lets a reader subtract the others from it. Declare it "
            "with the argument in brackets, or rename it if it is not a total")
    if not np.all(np.isfinite(vals)):
        return
    found = []
    for axis, labels, skip in ((0, rows, ri), (1, cols, ci)):
        if axis == 1 and series:
            continue
        inner = [k for k in range(len(labels)) if k != skip]
        if len(inner) < 3:
            continue
        m = vals if axis == 0 else vals.T
        tot = m[inner].sum(axis=0)
        for k in inner:
            if np.allclose(m[k] * 2, tot) and m[k].sum() > 0:
                found.append(f"{'row' if axis == 0 else 'column'} {labels[k]!r}")
    if found:
        warnings.warn(
            f"table {name!r}: {', '.join(found)} equals the sum of the others; if it is a total, declare "
            "it with row_total=/col_total= so that it is protected as one", DisclosureWarning, stacklevel=5)


def _undeclared_totals_long(name: str, df: pd.DataFrame, within: str, blocks: Mapping[tuple, list[int]],
                            num: np.ndarray, den: np.ndarray, has_den: bool) -> None:
    """Warn when a category labelled as a total equals the sum of its block's other rows."""
    found = []
    for rows_ in blocks.values():
        for r in rows_:
            label = df[within].iat[r]
            if not _looks_like_total(label):
                continue
            others = [x for x in rows_ if x != r]
            if len(others) < 2:
                continue
            same_num = math.isclose(num[r], float(np.sum(num[others])))
            same_den = (not has_den) or math.isclose(den[r], float(np.sum(den[others])))
            if same_num and same_den and num[r] > 0:
                found.append(str(label))
    if found:
        warnings.warn(
            f"table {name!r}: the row(s) {sorted(set(found))} of {within!r} add up the other rows of their "
            "block but are protected as ordinary cells, so a reader could subtract; protect them with "
            "protect_linked and a Relation (whole = sum of parts), or leave them out",
            DisclosureWarning, stacklevel=5)


def _label_position(labels: list[Hashable], label: Hashable | None, arg: str, what: str) -> int | None:
    if label is None:
        return None
    if label not in labels:
        raise ValueError(f"{arg}={label!r} is not a {what} label of the table; {what} labels: {labels[:20]}")
    return labels.index(label)


def _build_long(g: _Graph, name: str, df: pd.DataFrame, opts: Mapping[str, Any], policy: Policy,
                mode: str) -> _Layout:
    cols = list(df.columns)
    if len(set(map(str, cols))) != len(cols):
        raise ValueError("column names of a long table must be unique")
    within = opts.get("within", "auto")
    if within == "auto":
        # the package's long tables name a block's categories group_value
        # (profiles) or category (KPIs, victims)
        within = next((c for c in ("group_value", "category") if c in cols), None)
    elif within is not None and within not in cols:
        raise ValueError(f"within={within!r} is not a column; columns: {cols}")
    by = opts.get("by")
    if by is None:
        by = [c for c in cols[: cols.index("numerator")] if c != within]
    else:
        by = [by] if isinstance(by, str) else list(by)
        missing = [c for c in by if c not in cols]
        if missing:
            raise ValueError(f"by={missing} are not columns; columns: {cols}")
    margin = opts.get("margin", "auto")
    _choice("margin", margin, Margin)
    has_den = "denominator" in cols
    if margin in ("denominator", "rates") and not has_den:
        raise ValueError(f"margin={margin!r} needs a 'denominator' column")
    key_cols = by + ([within] if within is not None else [])
    descriptive = opts.get("descriptive")
    skip = set(key_cols) | set(_TIDY_FIXED) | set(DESCRIPTIVE_COLUMNS if descriptive is None else descriptive)
    derived_cols = [
        c for c in cols
        if c not in skip and (
            (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))
            or (mode == "check" and (c in _ESTIMATE_COLUMNS or df[c].astype(object).isin([MARKER]).any()))
        )
    ]
    nr = len(df)
    num = _parse_numbers(df["numerator"])
    den = _parse_numbers(df["denominator"]) if has_den else np.full(nr, np.nan)
    if mode == "protect":
        bad = [f"row {r}: numerator {df['numerator'].iat[r]!r}" for r in range(nr) if not _is_count(num[r])]
        if has_den:
            bad += [f"row {r}: denominator {df['denominator'].iat[r]!r}" for r in range(nr)
                    if not (math.isfinite(den[r]) and den[r] >= 0)]
        _raise_problems("numerators must be counts (whole numbers >= 0) and denominators numbers >= 0", bad)
    values_of = {c: df[c].tolist() for c in cols}  # plain lists: per-cell pandas access is slow
    key_values = [values_of[c] for c in key_cols]
    labels = [
        " | ".join(str(v[r]) for v in key_values) if key_cols else str(df.index[r]) for r in range(nr)
    ]
    row_keys = [
        tuple("<NA>" if _isna(v[r]) else v[r] for v in key_values) if key_cols else df.index[r]
        for r in range(nr)
    ]
    by_values = [values_of[c] for c in by]
    blocks: dict[tuple, list[int]] = {}
    for r in range(nr):
        k = tuple("<NA>" if _isna(v[r]) else v[r] for v in by_values)
        blocks.setdefault(k, []).append(r)
    col_num = cols.index("numerator")
    col_den = cols.index("denominator") if has_den else None
    count_cells: dict[tuple[int, int], int] = {}
    num_node: dict[int, int] = {}
    den_node: dict[int, int | None] = {}
    seen_layouts: dict[str, int] = {}
    dups: list[str] = []
    for bkey, rows_ in blocks.items():
        blabel = " | ".join(map(str, bkey)) if bkey else name
        if within is not None:
            wv = [str(values_of[within][r]) for r in rows_]
            if len(set(wv)) != len(wv):
                dups.append(blabel)
        nv, dv = num[rows_], den[rows_]
        lay = margin
        if lay == "auto":
            if not has_den:
                lay = "sum"
            else:
                dk = dv[np.isfinite(dv)]
                same = len(np.unique(dk)) <= 1 and len(dk) in (0, len(rows_))
                fits = (not len(dk)) or (not np.all(np.isfinite(nv))) or nv.sum() <= dk[0] + 1e-9
                lay = "denominator" if (len(rows_) >= 2 and same and fits) else "rates"
        seen_layouts[lay] = seen_layouts.get(lay, 0) + 1
        for r in rows_:
            num_node[r] = g.add(num[r], "shown", "full", f"{labels[r]} / numerator", name,
                                key=(row_keys[r], "numerator"))
            count_cells[(r, col_num)] = num_node[r]
        if lay == "sum":
            for r in rows_:
                den_node[r] = None
                if has_den:
                    den_node[r] = g.add(den[r], "shown", "full", f"{labels[r]} / denominator", name,
                                        key=(row_keys[r], "denominator"))
                    count_cells[(r, col_den)] = den_node[r]
            if len(rows_) >= 2:
                nsum = float(np.sum(nv))
                tot = g.implied(nsum, policy, f"{blabel} / (total of numerators, not shown)", name,
                                bool(opts.get("implicit_margins", True)))
                g.line(tot, [num_node[r] for r in rows_], "symmetric")
        elif lay == "denominator":
            d0 = dv[np.isfinite(dv)]
            d_val = float(d0[0]) if len(d0) == len(rows_) else np.nan
            dn = g.add(d_val, "shown", "full", f"{blabel} / denominator", name, key=(bkey, "denominator"))
            for r in rows_:
                den_node[r] = dn
                count_cells[(r, col_den)] = dn
            parts = [num_node[r] for r in rows_]
            resid = d_val - float(np.sum(nv)) if math.isfinite(d_val) and np.all(np.isfinite(nv)) else np.nan
            if math.isfinite(resid) and resid < -1e-9:
                raise ValueError(
                    f"{blabel}: the numerators sum to more than the denominator, so the block is not a "
                    "partition of it; use margin='rates'"
                )
            if not math.isfinite(resid) or resid > 0:
                parts.append(g.add(resid, "hidden", "positive" if mode == "protect" else "none",
                                   f"{blabel} / (denominator minus the rows shown, not shown)", name))
            g.line(dn, parts, "symmetric")
        else:  # rates
            comps: list[int] = []
            for r in rows_:
                den_node[r] = g.add(den[r], "shown", "full", f"{labels[r]} / denominator", name,
                                    key=(row_keys[r], "denominator"))
                count_cells[(r, col_den)] = den_node[r]
                n_r, d_r = num[r], den[r]
                known = math.isfinite(n_r) and math.isfinite(d_r)
                if opts.get("complements", True) and (not known or (n_r <= d_r and float(d_r).is_integer())):
                    cv = d_r - n_r if known else np.nan
                    chk = "full" if (policy.check_complements and mode == "protect") else "none"
                    c = g.add(cv, "hidden", chk, f"{labels[r]} / (denominator minus numerator, not shown)", name)
                    g.line(den_node[r], [num_node[r], c], "complement")
                    comps.append(c)
            if opts.get("implicit_margins", True) and len(rows_) >= 2:
                # D = N + C: never assume two of them known when that reveals an unsafe third
                nsum, dsum = _fsum(nv), _fsum(dv)
                csum = _fsum(np.asarray([g.values[c] for c in comps])) if len(comps) == len(rows_) else np.nan
                c_unsafe = math.isfinite(csum) and not _safe(policy, csum) and policy.check_complements
                ntot = g.implied(nsum, policy, f"{blabel} / (total of numerators, not shown)", name,
                                 not c_unsafe)
                g.line(ntot, [num_node[r] for r in rows_])
                dtot = g.implied(dsum, policy, f"{blabel} / (total of denominators, not shown)", name)
                g.line(dtot, [den_node[r] for r in rows_])  # type: ignore[misc]
                if len(comps) == len(rows_):
                    ctot = g.implied(csum, policy, f"{blabel} / (total of complements, not shown)", name,
                                     _safe(policy, nsum))
                    g.line(ctot, comps)
                    g.line(dtot, [ntot, ctot])
    if mode == "protect" and within is not None and opts.get("warn_totals", True) and policy.edition != "management":
        _undeclared_totals_long(name, df, within, blocks, num, den, has_den)
    if dups:
        raise ValueError(f"{within!r} repeats a value within a block: {dups[:10]}; pass by= to say what a block is")
    derived: dict[tuple[int, int], tuple[int, int | None]] = {}
    shown_derived: set[tuple[int, int]] = set()
    for c in derived_cols:
        j = cols.index(c)
        for r in range(nr):
            derived[(r, j)] = (num_node[r], den_node.get(r))
            x = values_of[c][r]
            if not (_isna(x) or (isinstance(x, str) and (x.strip() in ("", MARKER, MISSING)))):
                shown_derived.add((r, j))
    options = {**dict(opts), "within": within, "by": by}
    return _Layout(name, "long", df, df, count_cells, derived, shown_derived, options, seen_layouts, labels)


def _isna(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _fsum(a: np.ndarray) -> float:
    return float(np.sum(a)) if np.all(np.isfinite(a)) else np.nan


def _row_key(df: pd.DataFrame, key_cols: list[str], r: int) -> Hashable:
    if not key_cols:
        return df.index[r]
    return tuple("<NA>" if _isna(df[c].iat[r]) else df[c].iat[r] for c in key_cols)
