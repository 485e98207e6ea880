"""Files that add columns to a table, matched on its key (a mapping's ``join:``),
e.g. custody release dates kept in a file of their own.

Each row of such a file ends either in the table (its values fill the
matched row where that row has none) or in the attrition log: a blank or
exactly duplicated row, a key that matches no row of the table, a key given
twice with different values, or a value that cannot be read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cohort.dictionary import TableSchema
from cohort.loaders.pieces import ROW, Piece
from cohort.loaders.text import as_text, parse, type_message


def _record(p: Piece, rows, column, values, rule, message) -> list[dict[str, Any]]:
    rows = np.atleast_1d(rows)
    values = np.atleast_1d(values) if values is not None else [None] * len(rows)
    msgs = np.atleast_1d(message) if not isinstance(message, str) else [message] * len(rows)
    return [
        {"file": p.file, "sheet": p.sheet, "table": p.table, "row": int(r), "column": column,
         "value": v, "rule": rule, "message": m}
        for r, v, m in zip(rows, values, msgs, strict=True)
    ]


def _to_attrition(recs: list[dict[str, Any]]) -> pd.DataFrame:
    if not recs:
        return pd.DataFrame()
    df = pd.DataFrame(recs)
    df["reason"] = df["column"].astype(str) + ": " + df["message"].astype(str)
    df["authority_code"] = None
    return df.drop(columns=["value", "message"])


def apply_joins(raw: pd.DataFrame, joins: list[Piece], schema: TableSchema,
                meta: dict[str, Any]) -> tuple[pd.DataFrame, list[dict], list[pd.DataFrame]]:
    """Merge the join pieces of one table into its text frame.

    Returns the frame with the joined columns, the problems (public form)
    and the attrition frames for rows of the join files that were not used.
    """
    problems: list[dict] = []
    attrition: list[pd.DataFrame] = []
    raw = raw.copy()
    for p in joins:
        j = p.join
        src_of = {v: k for k, v in p.rename.items()}
        stats = {"table": p.table, "rows_in": p.rows_in, "merged": 0, "attrition": 0}
        meta["joins"][p.where] = stats
        gone: list[dict] = []
        if len(p.blank_rows):
            gone += _record(p, p.blank_rows, "", None, "blank_row", "blank row")
        df = p.frame
        if p.missing:
            for _field, src, _rule, msg in p.missing:
                problems.append({"file": p.file, "sheet": p.sheet, "table": p.table, "row": None,
                                 "column": src, "value": None, "rule": "required_column", "message": msg})
            gone += _record(p, df[ROW].to_numpy(), p.missing[0][1], None, "required_column", p.missing[0][3])
            attrition.append(_to_attrition(gone))
            stats["attrition"] = len(gone)
            continue
        key = j.on[1]
        values = [c for c in df.columns if c not in (ROW, key)]
        dup = df.duplicated(subset=[key, *values], keep="first").to_numpy()
        if dup.any():
            gone += _record(p, df.loc[dup, ROW].to_numpy(), "", None, "duplicate_row",
                            "exact duplicate of an earlier row (one copy kept)")
            df = df[~dup]
        bad = np.zeros(len(df), dtype=bool)
        typed = {}
        for c in values:
            f = schema.field(c)
            parsed = parse(f.type, df[c], j.date_format)
            wrong = (df[c].notna() & parsed.isna()).to_numpy()
            if wrong.any():
                recs = _record(p, df.loc[wrong, ROW].to_numpy(), src_of.get(c, c), df.loc[wrong, c].to_numpy(),
                               "type", type_message(f.type, j.date_format))
                problems += recs
                bad |= wrong
            typed[c] = as_text(parsed.dt.strftime("%Y-%m-%d")) if f.type == "date" else as_text(parsed)
        keys = df[key]
        missing_key = keys.isna().to_numpy()
        if missing_key.any():
            recs = _record(p, df.loc[missing_key, ROW].to_numpy(), src_of.get(key, key), None,
                           "required", f"{key} is required to match the row to {p.table}")
            problems += recs
            bad |= missing_key
        twice = (keys.duplicated(keep=False) & keys.notna()).to_numpy()
        if twice.any():
            recs = _record(p, df.loc[twice, ROW].to_numpy(), src_of.get(key, key), keys[twice].to_numpy(),
                           "join_duplicate", f"the same {key} is given twice with different values")
            problems += recs
            bad |= twice
        known = pd.Index(raw[key].dropna()) if key in raw.columns else pd.Index([])
        unmatched = ~bad & ~keys.isin(known).to_numpy()
        if unmatched.any():
            recs = _record(p, df.loc[unmatched, ROW].to_numpy(), src_of.get(key, key), keys[unmatched].to_numpy(),
                           "join_unmatched", f"no {p.table} row has this {key}")
            problems += recs
            bad |= unmatched
        if bad.any():
            lost = df.loc[bad, ROW].to_numpy()
            mine = [r for r in problems if r["file"] == p.file and r["sheet"] == p.sheet and r["row"] in set(lost)]
            gone += [{**r} for r in mine]
        good = ~bad
        lookup = pd.DataFrame({c: typed[c][good] for c in values}).set_index(keys[good].to_numpy())
        pos = lookup.index.get_indexer(raw[key]) if key in raw.columns else np.full(len(raw), -1)
        hit = pos >= 0
        for c in values:
            fill = np.where(hit, lookup[c].to_numpy(dtype=object)[pos.clip(0)], None)
            current = raw[c] if c in raw.columns else pd.Series(np.nan, index=raw.index, dtype=object)
            raw[c] = as_text(current.where(current.notna(), pd.Series(fill, index=raw.index)))
        stats["merged"] = int(good.sum())
        stats["attrition"] = len({(r["row"]) for r in gone})
        attrition.append(_to_attrition(_one_per_row(gone)))
    return raw, problems, [a for a in attrition if len(a)]


def _one_per_row(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple, dict[str, Any]] = {}
    for r in recs:
        k = (r["file"], r["sheet"], r["row"])
        if k in seen:
            seen[k]["message"] += "; " + r["message"]
        else:
            seen[k] = {**r}
    return list(seen.values())
