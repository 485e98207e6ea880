"""The attrition log: every input row that did not reach a table, with its reason.

Blank rows, exact duplicate rows (one copy is kept), rows with a problem
(``strict=False``), every row of a piece that lacks a column, and rows whose
parent row was rejected (cascading along the foreign keys). Together with
the loaded rows they account for every data row of every file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort.cohortdata import ATTRITION_COLUMNS
from cohort.loaders.cross_table import isin
from cohort.loaders.pieces import ROW, Piece
from cohort.loaders.problems import render_problems
from cohort.loaders.validation import PIECE, Table, problems


def empty_attrition() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRITION_COLUMNS}).astype({"row": "Int64"})


def _authority_of(tables: dict[str, Table], name: str, idx: np.ndarray) -> np.ndarray:
    """Best-effort authority of rows ``idx`` of table ``name`` (their own column, else their child's)."""
    t = tables[name]
    own = t.typed["authority_code"].to_numpy(dtype=object)[idx] if "authority_code" in t.typed else \
        np.full(len(idx), None, dtype=object)
    if "child_id" in t.typed and "children" in tables and name != "children":
        ch = tables["children"].typed.dropna(subset=["child_id"]).drop_duplicates("child_id")
        pos = pd.Index(ch["child_id"]).get_indexer(t.typed["child_id"].to_numpy()[idx])
        via = np.append(ch["authority_code"].to_numpy(dtype=object), None)[pos]
        own = np.where(pd.isna(own), via, own)
    return own


def _removed_rows(pieces: list[Piece], tables: dict[str, Table]) -> list[pd.DataFrame]:
    """Blank rows and exact duplicates, straight into the public form."""
    out = []
    for p in pieces:
        if len(p.blank_rows):
            out.append(pd.DataFrame({
                "file": p.file, "sheet": p.sheet, "table": p.table,
                "row": pd.array(p.blank_rows, dtype="Int64"), "column": "", "rule": "blank_row",
                "reason": "blank row", "authority_code": None,
            }))
    for t in tables.values():
        dup = t.duplicates
        if dup is not None and len(dup):
            out.append(pd.DataFrame({
                "file": dup["__file"].to_numpy(), "sheet": dup["__sheet"].to_numpy(), "table": t.name,
                "row": pd.array(dup[ROW].to_numpy(), dtype="Int64"), "column": "",
                "rule": "duplicate_row",
                "reason": "exact duplicate of row " + dup["first"].astype(str).to_numpy() + " (one copy kept)",
                "authority_code": dup["authority_code"].to_numpy(dtype=object)
                if "authority_code" in dup else None,
            }))
    return out


def attrition(tables: dict[str, Table], internal: pd.DataFrame, pieces: list[Piece],
              extra: list[pd.DataFrame] | None = None) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Rejected-row masks per table and the attrition log, cascading to child rows."""
    rejected: dict[str, np.ndarray] = {}
    records = []
    for name, t in tables.items():
        n = len(t.raw)
        mine = internal[internal["table"] == name]
        bad = np.zeros(n, dtype=bool)
        bad[mine.loc[mine["idx"] >= 0, "idx"].to_numpy()] = True
        whole = mine.loc[mine["idx"] < 0]
        if len(whole):
            bad |= t.raw[PIECE].isin(whole["piece"]).to_numpy()
        row_level = mine[mine["idx"] >= 0]
        # expand whole-piece problems to each row of the piece
        expanded = []
        for rec in whole.itertuples(index=False):
            rows = np.flatnonzero((t.raw[PIECE] == rec.piece).to_numpy())
            expanded.append(problems(name, rows, rec.field, rec.rule, rec.message))
        # cascade: rows whose parent row was rejected
        cascade = []
        for fk in t.schema.foreign_keys:
            if fk.resource not in tables or fk.resource not in rejected:
                continue
            parent = tables[fk.resource]
            kept = parent.typed.loc[~rejected[fk.resource], list(fk.reference_fields)]
            present = t.typed[list(fk.fields)].notna().all(axis=1).to_numpy()
            lost = present & ~isin(t.typed[list(fk.fields)], kept) & ~bad
            if lost.any():
                noun = fk.fields[0].removesuffix("_id").removesuffix("_code")
                cascade.append(
                    problems(name, np.flatnonzero(lost), fk.fields[0], "parent_rejected", f"parent {noun} row rejected")
                )
                bad |= lost
        rejected[name] = bad
        allp = [x for x in [row_level, *expanded, *cascade] if len(x)]
        if allp:
            records.append(pd.concat(allp, ignore_index=True))
    frames = _removed_rows(pieces, tables) + list(extra or [])
    if records:
        rec = pd.concat(records, ignore_index=True)
        pub = render_problems(rec, tables, pieces)
        pub["reason"] = pub["column"].astype(str) + ": " + pub["message"].astype(str)
        keys = ["file", "sheet", "table", "row"]
        # the authority of each rejected row, looked up once per (table, idx)
        auth = np.empty(len(rec), dtype=object)
        for name in rec["table"].unique():
            sel = (rec["table"] == name).to_numpy() & (rec["idx"].to_numpy() >= 0)
            if sel.any():
                auth[sel] = _authority_of(tables, name, rec["idx"].to_numpy()[sel])
        located = render_problems(rec.assign(message=auth), tables, pieces)
        pub["authority_code"] = located["message"].to_numpy()

        def join(s: pd.Series) -> str:
            return "; ".join(dict.fromkeys(s.astype(str)))

        agg = pub.groupby(keys, sort=False, dropna=False).agg(
            column=("column", join), rule=("rule", join), reason=("reason", join),
            authority_code=("authority_code", "first"),
        )
        att = pub.drop_duplicates(keys)[keys].merge(agg.reset_index(), on=keys, how="left")
        frames.append(att)
    frames = [f for f in frames if len(f)]
    if not frames:
        return rejected, empty_attrition()
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    out["authority_code"] = out["authority_code"].where(out["authority_code"].notna(), None)
    out = out.sort_values(["table", "file", "sheet", "row"], kind="stable", na_position="first")
    return rejected, out[list(ATTRITION_COLUMNS)].reset_index(drop=True)
