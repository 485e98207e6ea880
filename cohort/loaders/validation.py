"""Validation of one table: recode, derive, parse, then every rule of the data
dictionary (pandera), gathered as internal problem records.

Internal problem records have the columns ``table``, ``idx`` (row position
in the table's frame, -1 for a problem with a whole piece), ``piece``,
``field``, ``rule`` and ``message``; :mod:`cohort.loaders.problems` renders
them with file, sheet, row, source column and value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cohort.dictionary import COMPARISON_RULES, Dictionary, TableSchema, load_dictionary
from cohort.loaders.joins import apply_joins
from cohort.loaders.mapping import TableMapping, _closest
from cohort.loaders.pieces import ROW, Piece
from cohort.loaders.text import as_text, parse, type_message

P_COLS = ["table", "idx", "piece", "field", "rule", "message"]
PIECE = "__piece"
_DOB = "date_of_birth"
_DOB_TARGET = "birth_month"


def problems(table: str, idx: Any, field_name: str, rule: str, message: Any) -> pd.DataFrame:
    """Internal problem records for rows ``idx`` of ``table``."""
    idx = np.asarray(idx, dtype="int64")
    return pd.DataFrame(
        {"table": table, "idx": idx, "piece": -1, "field": field_name, "rule": rule, "message": message}
    )


def no_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("idx", "piece") else object) for c in P_COLS})


@dataclass
class Table:
    """One table of the extract on its way in: its text and its typed values."""

    name: str
    schema: TableSchema
    mapping: TableMapping
    raw: pd.DataFrame  # text after strip, model names, with __row, __piece, __file, __sheet
    typed: pd.DataFrame | None = None
    derived_from: dict[str, str] = field(default_factory=dict)
    duplicates: pd.DataFrame | None = None  # exact duplicate rows removed: __piece, __row, first
    missing_fields: set[str] = field(default_factory=set)  # columns absent from every piece

    @property
    def rows_in(self) -> int:
        return len(self.raw)


def _pandera_problems(t: Table, d: Dictionary) -> pd.DataFrame:
    import pandera.errors

    schema = d.pandera_schema(t.name)
    try:
        schema.validate(t.typed[list(t.schema.field_names)], lazy=True)
    except pandera.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    else:
        return no_problems()
    if fc["index"].isna().any():
        raise RuntimeError(
            f"internal error: table {t.name} does not have the dictionary's dtypes:\n"
            + fc[fc["index"].isna()].to_string()
        )
    fc = fc.copy()
    fc["idx"] = fc["index"].astype("int64")
    fc["check"] = fc["check"].astype(str)
    out = []
    pk = t.schema.primary_key
    # dataframe-level checks are reported once per column: keep one row per index
    rules = fc[fc["check"].isin(list(COMPARISON_RULES))].drop_duplicates(["check", "idx"])
    for rule, g in rules.groupby("check"):
        left, _op, _right = COMPARISON_RULES[rule]
        desc = next(r.description for r in t.schema.rules if r.name == rule)
        out.append(problems(t.name, g["idx"], left, rule, f"should hold: {desc}"))
    dup = fc[fc["check"].isin(["field_uniqueness", "multiple_fields_uniqueness"])].copy()
    if not dup.empty:
        dup["field"] = np.where(dup["check"] == "multiple_fields_uniqueness", pk[0], dup["column"])
        for fname, g in dup.drop_duplicates(["field", "idx"]).groupby("field"):
            keys = list(pk) if fname in pk else [fname]
            rule = "primary_key" if fname in pk else "unique"
            out.append(_duplicate_problems(t, g["idx"].to_numpy(), keys, fname, rule))
    cols = fc[~fc["check"].isin([*COMPARISON_RULES, "field_uniqueness", "multiple_fields_uniqueness"])]
    for (col, check), g in cols.groupby(["column", "check"]):
        f = t.schema.field(col)
        if check == "not_nullable":
            if col in t.missing_fields:
                continue  # the whole column is missing: reported once per piece
            out.append(problems(t.name, g["idx"], col, "required", f"{col} is required but missing"))
        elif check in ("code", "enum"):
            out.append(_code_problems(t, g["idx"].to_numpy(), col, check))
        elif check == "minimum":
            out.append(problems(t.name, g["idx"], col, check, f"below the minimum of {f.minimum:g}"))
        elif check == "maximum":
            out.append(problems(t.name, g["idx"], col, check, f"above the maximum of {f.maximum:g}"))
        elif check == "pattern":
            out.append(problems(t.name, g["idx"], col, check, f"does not match the pattern {f.pattern}"))
        else:
            out.append(problems(t.name, g["idx"], col, str(check), f"fails check {check}"))
    return pd.concat(out, ignore_index=True) if out else no_problems()


def _duplicate_problems(t: Table, idx: np.ndarray, keys: list[str], fname: str, rule: str) -> pd.DataFrame:
    sub = t.raw.loc[idx, keys].copy()
    sub["where"] = t.raw.loc[idx, ROW].astype(str).to_numpy()
    many_files = t.raw[PIECE].nunique() > 1
    if many_files:
        sub["where"] = t.raw.loc[idx, "__file"].to_numpy() + " row " + sub["where"]
    groups = sub.groupby(keys, dropna=False)["where"].agg(", ".join)
    rows = sub.join(groups.rename("rows"), on=keys)["rows"]
    label = " + ".join(keys)
    kind = "primary key " if rule == "primary_key" else ""
    msg = (f"duplicate {kind}{label} with different contents: the same value is in "
           + ("" if many_files else "rows ") + rows)
    return problems(t.name, idx, fname, rule, msg.to_numpy())


def _code_problems(t: Table, idx: np.ndarray, col: str, rule: str) -> pd.DataFrame:
    d = load_dictionary()
    allowed = list(d.allowed_values(t.name, col) or ())
    rec = t.mapping.recode.get(col, {})
    source_col = t.derived_from.get(col, col)
    values = t.raw.loc[idx, source_col] if source_col in t.raw.columns else pd.Series(np.nan, index=idx)
    if rec:
        candidates, where = [k for k, v in rec.items() if v is not None], "source codes"
    else:
        candidates, where = allowed, "allowed"
    listed = ", ".join(candidates) if len(candidates) <= 12 else f"{len(candidates)} codes, see the code list"
    f = t.schema.field(col)
    base = f"unknown {col} code ({where}: {listed})" if f.codelist else f"not one of: {listed}"
    hints = {}
    for v in pd.unique(values.dropna()):
        hit = _closest(v, candidates, cutoff=0.5)
        hints[v] = f"; closest: {hit!r}" if hit else ""
    msg = base + values.map(hints).fillna("").astype(str)
    return problems(t.name, idx, col, rule, msg.to_numpy())


def _exact_duplicates(raw: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off rows identical in every loaded column to an earlier row."""
    if not len(raw) or not columns:
        return raw, raw.iloc[:0].assign(first=pd.Series(dtype=object))
    dup = raw.duplicated(subset=columns, keep="first")
    if not dup.any():
        return raw, raw.iloc[:0].assign(first=pd.Series(dtype=object))
    firsts = raw[~dup].drop_duplicates(subset=columns)
    key = pd.MultiIndex.from_frame(raw[columns].fillna("\0"))
    first_key = pd.MultiIndex.from_frame(firsts[columns].fillna("\0"))
    pos = first_key.get_indexer(key[dup.to_numpy()])
    many = raw[PIECE].nunique() > 1
    where = firsts[ROW].astype(str).to_numpy()
    if many:
        where = firsts["__file"].to_numpy() + " row " + where
    removed = raw[dup].assign(first=where[pos])
    return raw[~dup].reset_index(drop=True), removed


def prepare_table(name: str, pieces: list[Piece], tm: TableMapping, d: Dictionary, offset: int,
                  joins: list[Piece] = (), meta: dict[str, Any] | None = None,
                  ) -> tuple[Table, list[pd.DataFrame], list[dict], list[pd.DataFrame]]:
    """Concatenate a table's pieces, remove exact duplicate rows, add joined
    columns, recode, derive, parse and validate.

    Returns the table, its internal problem records, and the problems and
    attrition of its join files (already in public form).
    """
    schema = d.tables[name]
    frames = []
    for i, p in enumerate(pieces):
        f = p.frame.copy()
        f[PIECE] = offset + i
        f["__file"] = p.file
        f["__sheet"] = p.sheet
        frames.append(f)
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for c in raw.columns:
        if c not in (ROW, PIECE) and not pd.api.types.is_string_dtype(raw[c]):
            raw[c] = as_text(raw[c])
    loaded = [c for c in raw.columns if not c.startswith("__")]
    raw, removed = _exact_duplicates(raw, loaded)
    join_problems: list[dict] = []
    join_attrition: list[pd.DataFrame] = []
    if joins:
        raw, join_problems, join_attrition = apply_joins(raw, list(joins), schema, meta if meta is not None else {"joins": {}})
    t = Table(name, schema, tm, raw, duplicates=removed)
    out: list[pd.DataFrame] = []
    # whole-piece problems: mapped or required columns missing
    missing_everywhere = None
    for i, p in enumerate(pieces):
        gone = {fname for fname, *_ in p.missing}
        missing_everywhere = gone if missing_everywhere is None else missing_everywhere & gone
        for fname, _src, rule, msg in p.missing:
            pr = problems(name, [-1], fname, rule, msg)
            pr["piece"] = offset + i
            out.append(pr)
    t.missing_fields = missing_everywhere or set()
    work = raw.copy()
    for f in schema.fields:
        if f.name not in work.columns:
            work[f.name] = as_text(pd.Series(np.nan, index=work.index, dtype=object))
    for col, table in tm.recode.items():
        s = work[col]
        hit = s.isin(list(table))
        if hit.any():
            work[col] = as_text(s.where(~hit, s.map(dict(table))))
    typed = pd.DataFrame(index=work.index)
    # date of birth -> birth month
    if _DOB in work.columns:
        dob = parse("date", work[_DOB], tm.date_format)
        bad = work[_DOB].notna() & dob.isna()
        if bad.any():
            out.append(problems(name, np.flatnonzero(bad), _DOB, "type", type_message("date", tm.date_format)))
        month = as_text(dob.dt.strftime("%Y-%m"))
        work[_DOB_TARGET] = work[_DOB_TARGET].where(work[_DOB_TARGET].notna(), month)
        if _DOB_TARGET not in raw.columns:
            t.derived_from[_DOB_TARGET] = _DOB
        work = work.drop(columns=[_DOB])
    # derivations (fill where missing)
    for col, how in tm.derive.items():
        if "value" in how:
            derived = pd.Series(str(how["value"]), index=work.index)
        else:
            src = how["from"]
            cl = d.codelist(schema.field(src).codelist)
            lookup = dict(zip(cl["code"].astype(str), cl[how["attribute"]].astype(str), strict=True))
            derived = work[src].map(lookup)
            if "default" in how:
                derived = derived.where(work[src].notna(), str(how["default"]))
            if col not in raw.columns:
                t.derived_from[col] = src
        work[col] = as_text(work[col].where(work[col].notna(), derived))
        if col in t.missing_fields:
            t.missing_fields.discard(col)
    for f in schema.fields:
        s = work[f.name]
        typed[f.name] = parse(f.type, s, tm.date_format)
        bad = s.notna() & typed[f.name].isna()
        if bad.any():
            out.append(problems(name, np.flatnonzero(bad), f.name, "type", type_message(f.type, tm.date_format)))
    t.typed = typed
    out.append(_pandera_problems(t, d))
    return t, out, join_problems, join_attrition
