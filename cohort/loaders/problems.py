"""Problems as the user reads them: file, sheet, row (data rows from 1 under
the header), the column as named in the source, the value as written, the
rule and a message; consequences of an earlier problem are left out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cohort.dictionary import TableSchema
from cohort.loaders.pieces import ROW, Piece
from cohort.loaders.validation import PIECE, Table

__all__ = ["PROBLEM_COLUMNS"]

#: Columns of the problems table (see :class:`~cohort.exceptions.ValidationError`).
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "sheet", "table", "row", "column", "value", "rule", "message")
_DOB = "date_of_birth"
_WITHHELD = "<withheld: date of birth>"


def empty_problems() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    out["row"] = out["row"].astype("Int64")
    return out


def public_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Problems already in the public form (file-level problems, joins) as a table."""
    rows = list(records)
    if not rows:
        return empty_problems()
    out = pd.DataFrame(rows)
    for c in PROBLEM_COLUMNS:
        if c not in out.columns:
            out[c] = None
    out["row"] = pd.array(out["row"], dtype="Int64")
    return out[list(PROBLEM_COLUMNS)]


def drop_redundant(p: pd.DataFrame, tables: dict[str, Table]) -> pd.DataFrame:
    """Remove consequences of an earlier problem: `required` after a parse failure,
    a missing column or a failed derivation."""
    if p.empty:
        return p
    typ = p.loc[p["rule"] == "type", ["table", "idx", "field"]]
    derived = [(t.name, dst, src) for t in tables.values() for dst, src in t.derived_from.items()]
    extra = []
    for tname, dst, src in derived:
        src_bad = p.loc[(p["table"] == tname) & (p["field"] == src), ["table", "idx"]]
        extra.append(src_bad.assign(field=dst))
    cause = pd.concat([typ, *extra], ignore_index=True).drop_duplicates()
    req = p["rule"].isin(["required", "code"])
    m = p[req].merge(cause.assign(_c=True), on=["table", "idx", "field"], how="left")
    drop_req = m["_c"].fillna(False).astype(bool).to_numpy()
    keep = np.ones(len(p), dtype=bool)
    keep[np.flatnonzero(req.to_numpy())[drop_req]] = False
    # `required` problems in a piece that lacks the whole column
    whole = p.loc[p["rule"].isin(["required_column", "mapped_column"]), ["table", "piece", "field"]]
    if not whole.empty:
        pieces = np.full(len(p), -1)
        for tname, t in tables.items():
            sel = (p["table"] == tname).to_numpy() & (p["idx"].to_numpy() >= 0)
            pieces[sel] = t.raw[PIECE].to_numpy()[p["idx"].to_numpy()[sel]]
        k = pd.DataFrame({"table": p["table"], "piece": pieces, "field": p["field"]})
        hit = k.merge(whole.assign(_w=True), on=["table", "piece", "field"], how="left")["_w"]
        keep &= ~(hit.fillna(False).astype(bool).to_numpy() & (p["rule"] == "required").to_numpy())
    return p[keep].reset_index(drop=True)


def render_problems(p: pd.DataFrame, tables: dict[str, Table], pieces: list[Piece]) -> pd.DataFrame:
    """Internal problem records -> the public problems table (file, sheet, row, source column, value)."""
    if p.empty:
        return empty_problems()
    n = len(p)
    piece = p["piece"].to_numpy().copy()
    row = np.full(n, -1, dtype="int64")
    value = np.full(n, np.nan, dtype=object)
    for tname, t in tables.items():
        sel = np.flatnonzero((p["table"] == tname).to_numpy() & (p["idx"].to_numpy() >= 0))
        if not len(sel):
            continue
        idx = p["idx"].to_numpy()[sel]
        piece[sel] = t.raw[PIECE].to_numpy()[idx]
        row[sel] = t.raw[ROW].to_numpy()[idx]
        fields = p["field"].to_numpy()[sel]
        for fname in pd.unique(fields):
            m = fields == fname
            src = t.derived_from.get(fname, fname) if fname not in t.raw.columns else fname
            if src == _DOB:
                value[sel[m]] = _WITHHELD
            elif src in t.raw.columns:
                value[sel[m]] = t.raw[src].to_numpy()[idx[m]]
    files = np.array([pc.file for pc in pieces], dtype=object)
    sheets = np.array([pc.sheet for pc in pieces], dtype=object)
    combos = pd.DataFrame({"piece": piece, "table": p["table"].to_numpy(), "field": p["field"].to_numpy()})
    uniq = combos.drop_duplicates()
    combo_keys = list(uniq.itertuples(index=False, name=None))
    uniq["column"] = [_source_name(pieces[pc], tables[tn], fn) for pc, tn, fn in combo_keys]
    uniq["order"] = [_field_order(tables[tn].schema, fn) for _, tn, fn in combo_keys]
    looked = combos.merge(uniq, on=["piece", "table", "field"], how="left")
    out = pd.DataFrame(
        {
            "file": files[piece],
            "sheet": sheets[piece],
            "table": p["table"].to_numpy(),
            "row": pd.array(np.where(row >= 0, row, 0), dtype="Int64"),
            "column": looked["column"].to_numpy(),
            "value": value,
            "rule": p["rule"].to_numpy(),
            "message": p["message"].to_numpy(),
            "_piece": piece,
            "_order": looked["order"].to_numpy(),
        }
    )
    out.loc[row < 0, "row"] = pd.NA
    out = out.sort_values(["_piece", "row", "_order"], na_position="first", kind="stable")
    return out[list(PROBLEM_COLUMNS)].reset_index(drop=True)


def _field_order(schema: TableSchema, fname: str) -> int:
    names = schema.field_names
    return names.index(fname) if fname in names else -1


def _source_name(piece: Piece, t: Table, fname: str) -> str:
    src = t.derived_from.get(fname, fname)
    inverse = {v: k for k, v in piece.rename.items()}
    if src in inverse:
        return inverse[src]
    if fname != src:
        return fname
    return t.mapping.source_column(fname)


