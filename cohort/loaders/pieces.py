"""From files to pieces: which sheet or file holds which table, and its columns
matched to the mapping (case and surrounding spaces forgiven, close names
suggested), dropped at the door, or refused as personal data."""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cohort.dictionary import Dictionary, TableSchema
from cohort.exceptions import DataQualityWarning, MappingError
from cohort.loaders.mapping import ExtractMapping, JoinMapping, TableMapping, _fold
from cohort.loaders.personal_data import looks_personal
from cohort.loaders.reading import RawFile, blank_mask, normalise_paths, read_file
from cohort.loaders.text import NA_VALUES

_DOB = "date_of_birth"
_DOB_TARGET = "birth_month"
ROW = "__row"


@dataclass
class Piece:
    """One sheet or file holding (part of) one table, or adding columns to it (a join)."""

    table: str
    file: str
    sheet: str
    frame: pd.DataFrame  # text, model column names, with __row (data rows from 1)
    join: JoinMapping | None = None
    rename: dict[str, str] = field(default_factory=dict)  # source -> model
    missing: list[tuple[str, str, str, str]] = field(default_factory=list)  # field, source, rule, message
    blank_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    rows_in: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}!{self.sheet}" if self.sheet else self.file


def _mapping_for(m: ExtractMapping, table: str) -> TableMapping:
    return m.tables.get(table) or TableMapping(table, (table,))


def collect_pieces(paths: Any, m: ExtractMapping, d: Dictionary, meta: dict[str, Any]) -> tuple[list[Piece], list[dict]]:
    """Read every file and split it into pieces; return them with the file problems."""
    items = normalise_paths(paths)
    pieces: list[Piece] = []
    problems: list[dict] = []
    for table, path in items:
        if table is not None and table not in d.tables:
            raise MappingError(f"unknown table {table!r} for {path.name}; tables: {', '.join(d.tables)}")
        raw: RawFile = read_file(path)
        meta["source_files"].append(path.name)
        if raw.encoding:
            meta["encodings"][path.name] = raw.encoding
        if raw.delimiter:
            meta["delimiters"][path.name] = raw.delimiter
        problems.extend(raw.problems)
        if raw.problems:
            continue
        is_workbook = path.suffix.lower() in (".xlsx", ".xlsm")
        matched = []
        for sheet, df in raw.sheets.items():
            label = sheet if is_workbook else path.name
            join = None
            if table is not None:
                tm = _mapping_for(m, table)
                t = table if (not is_workbook or len(raw.sheets) == 1 or tm.matches(sheet)) else None
            else:
                t = m.table_for(label)
                if t is None and (hit := m.join_for(label)):
                    t, k = hit
                    join = m.tables[t].joins[k]
            if t is None:
                if is_workbook:
                    meta["ignored_sheets"].append(f"{path.name}!{sheet}")
                    continue
                raise MappingError(
                    f"cannot tell which table {path.name} holds: no `source` pattern of mapping "
                    f"{m.name} matches it; add one or pass {{table: path}}"
                )
            matched.append(sheet)
            pieces.append(Piece(t, path.name, sheet if is_workbook else "", df, join=join))
        if is_workbook and not matched:
            expected = sorted({s for tm in m.tables.values() for s in tm.sources})
            problems.append({
                "file": path.name, "sheet": "", "row": None, "rule": "no_sheet_matches",
                "message": f"no sheet of this workbook holds a table of mapping {m.name}: it has sheets "
                           f"{', '.join(map(repr, raw.sheets))}; the mapping expects sheets named "
                           f"{', '.join(map(repr, expected[:12]))}",
            })
    if meta["ignored_sheets"]:
        warnings.warn(
            f"sheets not mapped to any table were ignored: {', '.join(meta['ignored_sheets'])}",
            DataQualityWarning, stacklevel=4,
        )
    return pieces, problems


def _header_lookup(expected: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in expected:
        out.setdefault(_fold(e), e)
    return out


def _suggest(name: str, unused: list[str]) -> str:
    if not unused:
        return ""
    folded = {_fold(u): u for u in unused}
    hit = difflib.get_close_matches(_fold(name), list(folded), n=1, cutoff=0.6)
    return f"; the file has {folded[hit[0]]!r}: did you mean it?" if hit else ""


def prepare_piece(p: Piece, tm: TableMapping, schema: TableSchema, meta: dict[str, Any]) -> list[str]:
    """Strip, number and match the piece's rows and columns; return personal columns still present.

    Records in the piece: the rename, blank rows (kept out of the table and
    logged in the attrition log), and the mapped or required columns it lacks.
    """
    df = p.frame.reset_index(drop=True)
    df.columns = [" ".join(str(c).split()) for c in df.columns]
    for c in df.columns:
        s = df[c].str.strip()
        df[c] = s.where(~s.isin(NA_VALUES))
    p.rows_in = len(df)
    df[ROW] = np.arange(1, len(df) + 1)
    data_cols = [c for c in df.columns if c != ROW]
    blank = blank_mask(df[data_cols])
    if blank.any():
        p.blank_rows = df.loc[blank, ROW].to_numpy()
        meta["blank_rows_skipped"][p.where] = int(blank.sum())
        df = df[~blank].reset_index(drop=True)

    if p.join is not None:
        source_map = {p.join.on[0]: p.join.on[1], **p.join.columns}
        drop: tuple[str, ...] = ()
        optional: tuple[str, ...] = ()
        targets = set(source_map.values())
    else:
        source_map = dict(tm.columns)
        drop, optional = tm.drop, tm.optional
        targets = set(schema.field_names) | ({_DOB} if _DOB_TARGET in schema.field_names else set())
    # headers: forgive case and repeated or surrounding spaces
    lookup = _header_lookup([*source_map, *drop, *sorted(targets)])
    renamed_headers = {}
    for c in data_cols:
        want = lookup.get(_fold(c))
        if want is not None and want != c and want not in df.columns:
            renamed_headers[c] = want
    if renamed_headers:
        df = df.rename(columns=renamed_headers)
        meta["headers_matched"].setdefault(p.where, {}).update(renamed_headers)
    df = df.drop(columns=[c for c in drop if c in df.columns])
    personal, rename, ignored = [], {}, []
    for c in df.columns:
        if c == ROW:
            continue
        target = source_map.get(c, c)
        if target in targets:
            if target in rename.values():
                other = next(k for k, v in rename.items() if v == target)
                raise MappingError(
                    f"{p.file}{' sheet ' + p.sheet if p.sheet else ''}: columns {other!r} and {c!r} "
                    f"both map to {p.table}.{target}; drop one in mapping {tm.table}"
                )
            rename[c] = target
        elif looks_personal(c) or looks_personal(target):
            personal.append(c)
        elif not df[c].isna().all() or not c.startswith("Unnamed:"):
            ignored.append(c)
    if ignored:
        meta["ignored_columns"].setdefault(p.file, []).extend(ignored)
    p.rename = rename
    p.frame = df[[*rename, ROW]].rename(columns=rename)
    present = set(p.frame.columns)
    unused = list(ignored)
    # mapped source columns that are absent (required or not), unless optional
    for src, dst in source_map.items():
        if dst in present or src in optional:
            continue
        model = _DOB_TARGET if dst == _DOB else dst
        required = p.join is not None or _field_is_required(schema, model)
        rule = "required_column" if required else "mapped_column"
        what = "required column" if required else "column"
        msg = f"{what} {src!r} ({dst}) named in the mapping is missing from the file{_suggest(src, unused)}"
        if not required:
            msg += "; if the system may leave it out, list it under `optional:` for this table"
        p.missing.append((model, src, rule, msg))
    if p.join is None:
        derivable = set(tm.derive) | ({_DOB_TARGET} if _DOB in present else set())
        named = {(_DOB_TARGET if d == _DOB else d) for d in source_map.values()}
        for f in schema.fields:
            if f.required and f.name not in present and f.name not in derivable and f.name not in named:
                msg = f"required column {f.name!r} is missing{_suggest(f.name, unused)}"
                p.missing.append((f.name, f.name, "required_column", msg))
    return personal


def _field_is_required(schema: TableSchema, name: str) -> bool:
    return name in schema.field_names and schema.field(name).required
