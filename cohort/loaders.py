"""Load case-management extracts into validated tables of the data model.

An extract (CSV, Excel or Parquet files) goes through five steps:

1. **Read** every file as text (``dtype=str``, no NA guessing beyond
   :data:`NA_VALUES`), so nothing is silently coerced. CSV files are read as
   UTF-8 (with or without a byte-order mark), else as Windows-1252.
2. **Map** it onto the data model with a mapping file
   (``data_dictionary/mappings/*.yaml``, see :func:`read_mapping`): which
   sheet or file holds which table, column renames, code recodes, the date
   format, columns to drop, simple derivations.
3. **Protect** privacy at the door: name- and address-like columns must be
   dropped by the mapping (else :class:`~cohort.exceptions.PrivacyError`), a
   full date of birth is reduced to ``birth_month`` and discarded, and
   identifiers are pseudonymised with a keyed hash (:func:`pseudonymise`).
4. **Validate** every row against the data dictionary (types, required
   values and columns, code lists, ranges, patterns, keys, foreign keys and
   cross-field rules) and gather *every* problem into one report.
5. **Decide**: ``strict=True`` raises one
   :class:`~cohort.exceptions.ValidationError` listing all problems;
   ``strict=False`` moves each invalid row, and every row whose parent row
   was rejected, to the attrition log. Every input row ends up either in a
   table or in the attrition log.

Row numbers
-----------
Problems and the attrition log count **data rows from 1, header not
counted**: row 1 is the first row under the header, which is row 2 of the
sheet in Excel and line 2 of a CSV file. Blank rows are counted (so the
numbers stay those of the file) but are skipped, not loaded.

Examples
--------
>>> import cohort.loaders as L
>>> L.read_mapping("childview").tables["children"].columns["YP_ID"]
'child_id'
>>> L.pseudonymise(pd.Series(["YP0001", None]), key="demo-key").tolist()
['5761833b24c30e5a', nan]
"""

from __future__ import annotations

import datetime as _dt
import difflib
import fnmatch
import hashlib
import importlib.resources
import logging
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cohort.cohortdata import ATTRITION_COLUMNS, CohortData
from cohort.dictionary import (
    COMPARISON_RULES,
    YEARMONTH_PATTERN,
    Dictionary,
    TableSchema,
    load_dictionary,
)
from cohort.exceptions import DataQualityWarning, MappingError, PrivacyError, ValidationError
from cohort.periods import latest_event_date

__all__ = [
    "KEY_ENVIRONMENT_VARIABLE",
    "NA_VALUES",
    "PROBLEM_COLUMNS",
    "ExtractMapping",
    "TableMapping",
    "ingest",
    "load_extract",
    "pseudonymise",
    "read_mapping",
    "validate_extract",
]

logger = logging.getLogger(__name__)

#: Cell values read as missing (after stripping surrounding spaces).
NA_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "nan", "NaN")
#: Accepted spellings of booleans (compared in lower case).
TRUE_VALUES: tuple[str, ...] = ("true", "t", "yes", "y", "1")
FALSE_VALUES: tuple[str, ...] = ("false", "f", "no", "n", "0")
#: Environment variable holding the pseudonymisation key when ``key=`` is not given.
KEY_ENVIRONMENT_VARIABLE = "COHORT_PSEUDONYMISATION_KEY"
#: Columns of the problems table (see :class:`~cohort.exceptions.ValidationError`).
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "sheet", "table", "row", "column", "value", "rule", "message")
#: Dates outside this range are treated as typing errors (e.g. a 2-digit year read as AD 23).
PLAUSIBLE_DATES = ("1900-01-01", "2100-12-31")
#: Age of criminal responsibility in England and Wales (Children and Young Persons Act 1933 s.50).
AGE_OF_CRIMINAL_RESPONSIBILITY = 10

_DOB = "date_of_birth"
_DOB_TARGET = "birth_month"
_WITHHELD = "<withheld: date of birth>"
_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3
_ROW, _PIECE = "__row", "__piece"

# Column names that look like direct personal data (matched on the lower-case
# name with every run of non-alphanumerics turned into "_").
_PERSONAL = re.compile(
    r"""(^|_)(
        (fore|sur|first|last|given|family|middle|full|preferred|maiden)?_?names?
      | address(es)?|addr|street|house_?(name|number|no)|post_?code|postal_code|zip_?code
      | e_?mail(_?address)?|(tele)?phone(_?(no|number))?|mobile(_?(no|number))?|tel(_?no)?
      | nhs(_?(no|number))?|upn|pnc(_?(id|no|number))?|ni_?(no|number)
      | national_insurance(_?(no|number))?
      | dob|date_of_birth|birth_?date|birthday
    )($|_)""",
    re.VERBOSE,
)


# =========================================================================== mappings


@dataclass(frozen=True)
class TableMapping:
    """How one table of the data model is found and translated in an extract.

    Attributes
    ----------
    table : str
        Table of the data model.
    sources : tuple of str
        Sheet names or file-name globs (matched case-insensitively on the
        file name and on its stem) that hold the table.
    columns : mapping
        ``{source_column: model_column}``; columns already named as in the
        model need no entry. ``date_of_birth`` is accepted where the table
        has ``birth_month`` and is reduced to it.
    recode : mapping
        ``{model_column: {source_value: model_value}}``; a ``null`` model
        value means missing. Values without an entry pass unchanged.
    date_format : str
        ``strftime`` format of dates in the source; ISO dates
        (``2024-01-31``) and Excel date cells are always understood too.
    drop : tuple of str
        Source columns discarded on reading (names, addresses...).
    derive : mapping
        ``{model_column: spec}`` filled where the column is missing:
        ``{value: X}`` (a constant) or ``{from: column, attribute: name,
        default: X}`` (an attribute of the code list of ``column``, e.g. the
        ``group`` of ``ethnicity_detailed``; ``default`` where ``column`` is
        missing).
    """

    table: str
    sources: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    recode: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    drop: tuple[str, ...] = ()
    derive: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def matches(self, name: str) -> bool:
        """True when a sheet or file called ``name`` holds this table."""
        low = name.lower()
        stem = low.rsplit(".", 1)[0]
        return any(fnmatch.fnmatchcase(low, p.lower()) or fnmatch.fnmatchcase(stem, p.lower()) for p in self.sources)

    def source_column(self, model_column: str) -> str:
        """The source column name of ``model_column`` (itself when not renamed)."""
        for src, dst in self.columns.items():
            if dst == model_column:
                return src
        return model_column


@dataclass(frozen=True)
class ExtractMapping:
    """A parsed, validated mapping file (see :func:`read_mapping`)."""

    name: str
    system: str
    path: str | None
    tables: Mapping[str, TableMapping]

    def table_for(self, name: str) -> str | None:
        """The table held by the sheet or file ``name``, or None."""
        hits = [t for t, m in self.tables.items() if m.matches(name)]
        if len(hits) > 1:
            raise MappingError(
                f"mapping {self.name}: {name!r} matches the sources of several tables "
                f"({', '.join(hits)}); make the `source` patterns more specific"
            )
        return hits[0] if hits else None


_MAPPING_KEYS = {"name", "system", "description", "date_format", "tables"}
_TABLE_MAPPING_KEYS = {"source", "columns", "recode", "date_format", "drop", "derive"}
_DERIVE_KEYS = {"value", "from", "attribute", "default"}


def _closest(name: Any, options: Iterable[Any], cutoff: float = 0.6) -> str | None:
    options = [str(o) for o in options]
    folded = {o.casefold(): o for o in options}
    if str(name).casefold() in folded:
        return folded[str(name).casefold()]
    hit = difflib.get_close_matches(str(name), options, n=1, cutoff=cutoff)
    return hit[0] if hit else None


def _did_you_mean(name: Any, options: Iterable[Any]) -> str:
    hit = _closest(name, options)
    return f" (did you mean {hit!r}?)" if hit else ""


def _check_date_format(fmt: Any) -> bool:
    if not isinstance(fmt, str) or "%" not in fmt:
        return False
    try:
        probe = _dt.datetime(2024, 1, 31)
        return _dt.datetime.strptime(probe.strftime(fmt), fmt).date() == probe.date()
    except ValueError:
        return False


def _parse_mapping(raw: Any, label: str, d: Dictionary) -> ExtractMapping:
    errors: list[str] = []

    def err(key: str, msg: str) -> None:
        errors.append(f"{key}: {msg}")

    if not isinstance(raw, Mapping):
        raise MappingError(f"mapping {label}: expected a YAML mapping with a `tables:` key")
    for k in set(raw) - _MAPPING_KEYS:
        err(str(k), f"unknown key{_did_you_mean(k, _MAPPING_KEYS)}")
    default_fmt = raw.get("date_format", "%Y-%m-%d")
    if not _check_date_format(default_fmt):
        err("date_format", f"{default_fmt!r} is not a strftime date format such as '%d/%m/%Y'")
    tables_raw = raw.get("tables")
    if not isinstance(tables_raw, Mapping) or not tables_raw:
        err("tables", "missing or empty: list each table of the extract under `tables:`")
        tables_raw = {}
    tables: dict[str, TableMapping] = {}
    for tname, spec in tables_raw.items():
        where = f"tables.{tname}"
        if tname not in d.tables:
            err(where, f"unknown table{_did_you_mean(tname, d.tables)}; tables: {', '.join(d.tables)}")
            continue
        schema = d.tables[tname]
        spec = spec or {}
        if not isinstance(spec, Mapping):
            err(where, "expected a mapping of source/columns/recode/date_format/drop/derive")
            continue
        for k in set(spec) - _TABLE_MAPPING_KEYS:
            err(f"{where}.{k}", f"unknown key{_did_you_mean(k, _TABLE_MAPPING_KEYS)}")
        targets = set(schema.field_names)
        if _DOB_TARGET in targets:
            targets.add(_DOB)
        source = spec.get("source", [tname])
        sources = (source,) if isinstance(source, str) else tuple(source or ())
        if not sources or not all(isinstance(s, str) for s in sources):
            err(f"{where}.source", "expected a sheet name, a file-name glob, or a list of them")
        columns = spec.get("columns") or {}
        if not isinstance(columns, Mapping):
            err(f"{where}.columns", "expected {source_column: model_column}")
            columns = {}
        seen: dict[str, str] = {}
        for src, dst in columns.items():
            if dst not in targets:
                err(
                    f"{where}.columns.{src}",
                    f"{dst!r} is not a column of {tname}{_did_you_mean(dst, targets)}",
                )
            elif dst in seen:
                err(f"{where}.columns.{src}", f"{dst!r} is already the target of {seen[dst]!r}")
            seen[str(dst)] = str(src)
        recode: dict[str, dict[str, str | None]] = {}
        for col, table in (spec.get("recode") or {}).items():
            key = f"{where}.recode.{col}"
            if col not in schema.field_names:
                err(key, f"{col!r} is not a column of {tname}{_did_you_mean(col, schema.field_names)}")
                continue
            if not isinstance(table, Mapping):
                err(key, "expected {source_value: model_value}")
                continue
            recode[col] = {}
            for a, b in table.items():
                if isinstance(a, bool) or a is None:
                    err(key, f"source value {a!r} was read by YAML as {type(a).__name__}: quote it")
                    continue
                if isinstance(b, bool):
                    b = "true" if b else "false"
                recode[col][str(a)] = None if b is None else str(b)
        drop = spec.get("drop") or []
        if isinstance(drop, str) or not all(isinstance(c, str) for c in drop):
            err(f"{where}.drop", "expected a list of source column names")
            drop = []
        fmt = spec.get("date_format", default_fmt)
        if not _check_date_format(fmt):
            err(f"{where}.date_format", f"{fmt!r} is not a strftime date format such as '%d/%m/%Y'")
        derive: dict[str, dict[str, Any]] = {}
        for col, how in (spec.get("derive") or {}).items():
            key = f"{where}.derive.{col}"
            if col not in schema.field_names:
                err(key, f"{col!r} is not a column of {tname}{_did_you_mean(col, schema.field_names)}")
                continue
            if not isinstance(how, Mapping) or set(how) - _DERIVE_KEYS:
                bad = set(how) - _DERIVE_KEYS if isinstance(how, Mapping) else how
                err(key, f"expected {{value: X}} or {{from: column, attribute: name}}; got {bad!r}")
                continue
            if ("value" in how) == ("from" in how):
                err(key, "give exactly one of `value` or `from`")
                continue
            if "from" in how:
                src = how["from"]
                if src not in schema.field_names:
                    err(f"{key}.from", f"{src!r} is not a column of {tname}")
                    continue
                cl = schema.field(src).codelist
                attr = how.get("attribute")
                attrs = set(d.codelist(cl).columns) if cl else set()
                if not cl:
                    err(f"{key}.from", f"{src!r} has no code list to take an attribute from")
                    continue
                if attr not in attrs:
                    err(f"{key}.attribute", f"code list {cl!r} has no attribute {attr!r}; has: {', '.join(sorted(attrs))}")
                    continue
            derive[col] = dict(how)
        tables[tname] = TableMapping(
            table=tname,
            sources=sources,
            columns=MappingProxyType({str(k): str(v) for k, v in columns.items()}),
            recode=MappingProxyType({k: MappingProxyType(v) for k, v in recode.items()}),
            date_format=fmt,
            drop=tuple(drop),
            derive=MappingProxyType(derive),
        )
    if errors:
        raise MappingError(f"mapping {label} is invalid:\n  - " + "\n  - ".join(errors))
    return ExtractMapping(
        name=str(raw.get("name", Path(label).stem)),
        system=str(raw.get("system", raw.get("name", Path(label).stem))),
        path=label,
        tables=MappingProxyType(tables),
    )


def _packaged_mappings() -> list[str]:
    root = importlib.resources.files("cohort.data_dictionary.mappings")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def read_mapping(mapping: str | Path | Mapping[str, Any] | ExtractMapping | None = None) -> ExtractMapping:
    """Read and validate a mapping from a source system to the data model.

    Parameters
    ----------
    mapping : str, Path, dict, ExtractMapping or None
        A YAML file; the name of a packaged mapping (``"childview"``,
        ``"identity"``); an already parsed dict; or None for ``identity``
        (extracts already in the data model's layout).

    Returns
    -------
    ExtractMapping

    Raises
    ------
    MappingError
        Naming the mapping file and the key of every mistake found
        (unknown keys, tables or columns, bad date formats, derivations).

    Examples
    --------
    >>> read_mapping({"tables": {"childen": {}}})
    Traceback (most recent call last):
    ...
    cohort.exceptions.MappingError: mapping <dict> is invalid:
      - tables.childen: unknown table (did you mean 'children'?); tables: ...
    """
    if isinstance(mapping, ExtractMapping):
        return mapping
    d = load_dictionary()
    if mapping is None:
        mapping = "identity"
    if isinstance(mapping, Mapping):
        return _parse_mapping(mapping, "<dict>", d)
    path = Path(mapping)
    if not path.exists():
        name = str(mapping)
        if name in _packaged_mappings():
            res = importlib.resources.files("cohort.data_dictionary.mappings") / f"{name}.yaml"
            return _parse_mapping(yaml.safe_load(res.read_text(encoding="utf-8")), f"{name}.yaml", d)
        raise MappingError(
            f"mapping file {name!r} not found; packaged mappings: {', '.join(_packaged_mappings())}"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path.name} is not valid YAML: {exc}") from exc
    return _parse_mapping(raw, path.name, d)


# =========================================================================== privacy


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _looks_personal(name: str) -> bool:
    return bool(_PERSONAL.search(_normalise_name(name)))


def _resolve_key(key: str | bytes | None) -> bytes | None:
    if key is None:
        key = os.environ.get(KEY_ENVIRONMENT_VARIABLE) or None
    if key is None or key == "" or key == b"":
        return None
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def pseudonymise(values: pd.Series, key: str | bytes) -> pd.Series:
    """Replace identifiers by a keyed hash: HMAC-SHA256 of the text, first 16 hex digits.

    The same value and key always give the same pseudonym, so joins between
    tables survive; without the key the pseudonyms cannot be recomputed from
    guessed identifiers. Missing values stay missing. Each distinct value is
    hashed once (a million rows with 100,000 children cost 100,000 hashes).

    Parameters
    ----------
    values : pandas.Series
        Identifiers (compared as text).
    key : str or bytes
        The secret key (keep it out of the repository and the store).

    Returns
    -------
    pandas.Series
        Pseudonyms, same index, string dtype.

    Examples
    --------
    >>> s = pd.Series(["YP0001", "YP0002", "YP0001"])
    >>> out = pseudonymise(s, "k1")
    >>> out[0] == out[2], out[0] == pseudonymise(s, "k2")[0], len(out[0])
    (True, False, 16)
    """
    hasher = _keyed_hasher(key.encode("utf-8") if isinstance(key, str) else bytes(key))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hashed = np.array([hasher(str(v)) for v in np.asarray(uniques, dtype=object)] + [np.nan], dtype=object)
    # code -1 (missing) picks the trailing NaN
    return _as_text(pd.Series(hashed[codes], index=values.index))


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _keyed_hasher(key: bytes):
    """``text -> hmac.new(key, text, sha256).hexdigest()[:16]``, with the keyed
    inner and outer states computed once (RFC 2104), about twice as fast."""
    if len(key) > 64:  # the SHA-256 block size
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))

    def digest(text: str) -> str:
        i = inner.copy()
        i.update(text.encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()[:16]

    return digest


# =========================================================================== reading


def _as_text(s: pd.Series) -> pd.Series:
    """Text with NaN for missing: ``str`` dtype on pandas 3, object on pandas 2."""
    mask = s.isna()
    out = s.astype(str)
    return out.where(~mask) if mask.any() else out


def _column_to_text(s: pd.Series) -> pd.Series:
    """A typed column (Parquet) as the text a CSV would hold."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        fmt = "%Y-%m-%d" if (s.dropna() == s.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
        return _as_text(s.dt.strftime(fmt))
    if pd.api.types.is_bool_dtype(s):
        return _as_text(s.map({True: "true", False: "false"}))
    if pd.api.types.is_float_dtype(s):
        whole = s.notna() & (s == s.round()) & (s.abs() < 2**53)
        out = _as_text(s)
        if whole.any():
            out = out.where(~whole, _as_text(s.where(whole).astype("Int64")))
        return out
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime"):
        return _column_to_text(pd.to_datetime(s))
    return _as_text(s)


@dataclass
class _Piece:
    """One sheet or file holding (part of) one table."""

    table: str
    file: str
    sheet: str
    frame: pd.DataFrame  # text, source column names
    rename: dict[str, str] = field(default_factory=dict)  # source -> model
    missing_required: list[str] = field(default_factory=list)


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    with path.open("rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            df = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=list(NA_VALUES),
                encoding=encoding, skip_blank_lines=False,
            )
        except UnicodeDecodeError:
            continue
        label = "utf-8 (BOM)" if bom else ("utf-8" if encoding == "utf-8-sig" else "windows-1252")
        return df, label
    raise ValueError(f"{path.name}: cannot decode as UTF-8 or Windows-1252")


def _read_excel(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_values=list(NA_VALUES))


def _read_parquet(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    return pd.DataFrame({c: _column_to_text(df[c]) for c in df.columns}, index=df.index)


_SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel", ".parquet": "parquet", ".pq": "parquet"}


def _normalise_paths(paths: Any) -> list[tuple[str | None, Path]]:
    if isinstance(paths, str | os.PathLike):
        return [(None, Path(paths))]
    if isinstance(paths, Mapping):
        return [(str(t), Path(p)) for t, p in paths.items()]
    if isinstance(paths, Iterable):
        return [(None, Path(p)) for p in paths]
    raise TypeError(f"paths must be a path, a list of paths or a dict {{table: path}}, not {type(paths).__name__}")


def _read_pieces(paths: Any, mapping: ExtractMapping, meta: dict[str, Any]) -> list[_Piece]:
    d = load_dictionary()
    pieces: list[_Piece] = []
    for table, path in _normalise_paths(paths):
        if table is not None and table not in d.tables:
            raise ValueError(f"unknown table {table!r}{_did_you_mean(table, d.tables)} for {path.name}")
        if not path.exists():
            raise FileNotFoundError(f"extract file not found: {path}")
        kind = _SUFFIXES.get(path.suffix.lower())
        if kind is None:
            raise ValueError(f"{path.name}: unsupported file type; use one of {', '.join(sorted(_SUFFIXES))}")
        meta["source_files"].append(path.name)
        if kind == "excel":
            sheets = _read_excel(path)
            for sheet, df in sheets.items():
                if table is None:
                    t = mapping.table_for(sheet)
                else:  # {table: workbook}: its only sheet, or the sheets the mapping names
                    tm = mapping.tables.get(table) or TableMapping(table, (table,))
                    t = table if len(sheets) == 1 or tm.matches(sheet) else None
                if t is None:
                    meta["ignored_sheets"].append(f"{path.name}!{sheet}")
                    continue
                pieces.append(_Piece(t, path.name, str(sheet), df))
            continue
        t = table if table is not None else mapping.table_for(path.name)
        if t is None:
            raise MappingError(
                f"cannot tell which table {path.name} holds: no `source` pattern of mapping "
                f"{mapping.name} matches it; add one or pass {{table: path}}"
            )
        if kind == "csv":
            df, encoding = _read_csv(path)
            meta["encodings"][path.name] = encoding
        else:
            df = _read_parquet(path)
        pieces.append(_Piece(t, path.name, "", df))
    if meta["ignored_sheets"]:
        warnings.warn(
            f"sheets not mapped to any table were ignored: {', '.join(meta['ignored_sheets'])}",
            DataQualityWarning, stacklevel=4,
        )
    return pieces


def _prepare_piece(p: _Piece, tm: TableMapping, schema: TableSchema, meta: dict[str, Any]) -> list[str]:
    """Strip, number and drop rows and columns; return the personal columns still present."""
    df = p.frame
    df.columns = [str(c).strip() for c in df.columns]
    df = df.reset_index(drop=True)
    for c in df.columns:
        s = df[c].str.strip()
        df[c] = s.where(~s.isin(NA_VALUES))
    df[_ROW] = np.arange(1, len(df) + 1)
    data_cols = [c for c in df.columns if c != _ROW]
    blank = df[data_cols].isna().all(axis=1) if data_cols else pd.Series(True, index=df.index)
    if blank.any():
        meta["blank_rows_skipped"][f"{p.file}!{p.sheet}" if p.sheet else p.file] = int(blank.sum())
        df = df[~blank].reset_index(drop=True)
    df = df.drop(columns=[c for c in tm.drop if c in df.columns])
    targets = set(schema.field_names) | ({_DOB} if _DOB_TARGET in schema.field_names else set())
    personal, rename, ignored = [], {}, []
    for c in df.columns:
        if c == _ROW:
            continue
        target = tm.columns.get(c, c)
        if target in targets:
            if target in rename.values():
                other = next(k for k, v in rename.items() if v == target)
                raise MappingError(
                    f"{p.file}{' sheet ' + p.sheet if p.sheet else ''}: columns {other!r} and {c!r} "
                    f"both map to {p.table}.{target}; drop one in mapping {tm.table}"
                )
            rename[c] = target
        elif _looks_personal(c) or _looks_personal(target):
            personal.append(c)
        elif not df[c].isna().all() or not c.startswith("Unnamed:"):
            ignored.append(c)
    if ignored:
        meta["ignored_columns"].setdefault(p.file, []).extend(ignored)
    p.rename = rename
    p.frame = df[[*rename, _ROW]].rename(columns=rename)
    derivable = set(tm.derive) | ({_DOB_TARGET} if _DOB in p.frame.columns else set())
    p.missing_required = [
        f.name for f in schema.fields if f.required and f.name not in p.frame.columns and f.name not in derivable
    ]
    return personal


# =========================================================================== parsing


def _parse(kind: str, s: pd.Series, fmt: str) -> pd.Series:
    """Parse text into the in-memory type of a field; unparseable values become missing."""
    if kind == "string":
        return _as_text(s)
    if kind == "integer":
        num = pd.to_numeric(s, errors="coerce")
        ok = num.notna() & (num == num.round()) & (num.abs() < 2**53)
        return num.where(ok).astype("Int64")
    if kind == "number":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if kind == "boolean":
        low = s.str.lower()
        t, f = low.isin(TRUE_VALUES), low.isin(FALSE_VALUES)
        return pd.Series(t.to_numpy(), index=s.index, dtype="boolean").mask(~(t | f))
    if kind == "date":
        out = pd.to_datetime(s, format=fmt, errors="coerce")
        for iso in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
            todo = out.isna() & s.notna()
            if iso != fmt and todo.any():
                out = out.where(~todo, pd.to_datetime(s.where(todo), format=iso, errors="coerce"))
        lo, hi = (pd.Timestamp(x) for x in PLAUSIBLE_DATES)
        out = out.where((out >= lo) & (out <= hi))
        return out.astype("datetime64[ns]").dt.normalize()
    if kind == "yearmonth":
        good = s.str.fullmatch(YEARMONTH_PATTERN).fillna(False).astype(bool)
        out = _as_text(s.where(good))
        todo = ~good & s.notna()
        if todo.any():
            dates = _parse("date", s.where(todo), fmt)
            out = out.where(~todo, _as_text(dates.dt.strftime("%Y-%m")))
        return out
    raise ValueError(f"unknown field type {kind!r}")


def _human_format(fmt: str) -> str:
    for a, b in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy"), ("%b", "Mon"), ("%B", "Month")):
        fmt = fmt.replace(a, b)
    return fmt


def _type_message(kind: str, fmt: str) -> str:
    if kind == "date":
        example = _dt.date(2024, 1, 31).strftime(fmt)
        return f"not a valid date (expected {_human_format(fmt)}, e.g. {example}, or yyyy-mm-dd)"
    return {
        "integer": "not a whole number",
        "number": "not a number",
        "boolean": "not a yes/no value (expected true/false, yes/no, y/n or 1/0)",
        "yearmonth": "not a year and month (expected yyyy-mm)",
    }[kind]


# =========================================================================== validation

# Internal problem records: table, idx (row position in the table frame, -1 for
# a whole piece), piece, field, rule, message.
_P_COLS = ["table", "idx", "piece", "field", "rule", "message"]


def _problems(table: str, idx: Any, field_name: str, rule: str, message: Any) -> pd.DataFrame:
    idx = np.asarray(idx, dtype="int64")
    return pd.DataFrame(
        {"table": table, "idx": idx, "piece": -1, "field": field_name, "rule": rule, "message": message}
    )


@dataclass
class _Table:
    name: str
    schema: TableSchema
    mapping: TableMapping
    raw: pd.DataFrame  # text after strip, model names, with __row and __piece
    typed: pd.DataFrame | None = None
    derived_from: dict[str, str] = field(default_factory=dict)


def _pandera_problems(t: _Table, d: Dictionary) -> pd.DataFrame:
    import pandera.errors

    schema = d.pandera_schema(t.name)
    try:
        schema.validate(t.typed[list(t.schema.field_names)], lazy=True)
    except pandera.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    else:
        return pd.DataFrame(columns=_P_COLS)
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
        left, op, right = COMPARISON_RULES[rule]
        desc = next(r.description for r in t.schema.rules if r.name == rule)
        out.append(_problems(t.name, g["idx"], left, rule, f"should hold: {desc}"))
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
            out.append(_problems(t.name, g["idx"], col, "required", f"{col} is required but missing"))
        elif check in ("code", "enum"):
            out.append(_code_problems(t, g["idx"].to_numpy(), col, check))
        elif check == "minimum":
            out.append(_problems(t.name, g["idx"], col, check, f"below the minimum of {f.minimum:g}"))
        elif check == "maximum":
            out.append(_problems(t.name, g["idx"], col, check, f"above the maximum of {f.maximum:g}"))
        elif check == "pattern":
            out.append(_problems(t.name, g["idx"], col, check, f"does not match the pattern {f.pattern}"))
        else:
            out.append(_problems(t.name, g["idx"], col, str(check), f"fails check {check}"))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=_P_COLS)


def _duplicate_problems(t: _Table, idx: np.ndarray, keys: list[str], fname: str, rule: str) -> pd.DataFrame:
    sub = t.raw.loc[idx, keys].copy()
    sub["where"] = t.raw.loc[idx, _ROW].astype(str).to_numpy()
    many_files = t.raw[_PIECE].nunique() > 1
    if many_files:
        sub["where"] = t.raw.loc[idx, "__file"].to_numpy() + " row " + sub["where"]
    groups = sub.groupby(keys, dropna=False)["where"].agg(", ".join)
    rows = sub.join(groups.rename("rows"), on=keys)["rows"]
    label = " + ".join(keys)
    kind = "primary key " if rule == "primary_key" else ""
    msg = f"duplicate {kind}{label}: the same value is in " + ("" if many_files else "rows ") + rows
    return _problems(t.name, idx, fname, rule, msg.to_numpy())


def _code_problems(t: _Table, idx: np.ndarray, col: str, rule: str) -> pd.DataFrame:
    d = load_dictionary()
    allowed = list(d.allowed_values(t.name, col) or ())
    rec = t.mapping.recode.get(col, {})
    source_col = t.derived_from.get(col, col)
    values = t.raw.loc[idx, source_col]
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
    return _problems(t.name, idx, col, rule, msg.to_numpy())


def _prepare_table(name: str, pieces: list[_Piece], tm: TableMapping, d: Dictionary, offset: int) -> tuple[_Table, list[pd.DataFrame]]:
    schema = d.tables[name]
    frames = []
    for i, p in enumerate(pieces):
        f = p.frame.copy()
        f[_PIECE] = offset + i
        f["__file"] = p.file
        f["__sheet"] = p.sheet
        frames.append(f)
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for c in raw.columns:
        if c not in (_ROW, _PIECE) and not pd.api.types.is_string_dtype(raw[c]):
            raw[c] = _as_text(raw[c])
    t = _Table(name, schema, tm, raw)
    problems: list[pd.DataFrame] = []
    # whole-piece problems: required columns missing
    for i, p in enumerate(pieces):
        for fname in p.missing_required:
            src = tm.source_column(fname)
            msg = (
                f"required column {src!r} ({fname}) is missing"
                if src != fname else f"required column {fname!r} is missing"
            )
            pr = _problems(name, [-1], fname, "required_column", msg)
            pr["piece"] = offset + i
            problems.append(pr)
    work = raw.copy()
    for f in schema.fields:
        if f.name not in work.columns:
            work[f.name] = _as_text(pd.Series(np.nan, index=work.index, dtype=object))
    # recode
    for col, table in tm.recode.items():
        s = work[col]
        hit = s.isin(list(table))
        if hit.any():
            work[col] = _as_text(s.where(~hit, s.map(dict(table))))
    typed = pd.DataFrame(index=work.index)
    # date of birth -> birth month
    if _DOB in work.columns:
        dob = _parse("date", work[_DOB], tm.date_format)
        bad = work[_DOB].notna() & dob.isna()
        if bad.any():
            problems.append(_problems(name, np.flatnonzero(bad), _DOB, "type", _type_message("date", tm.date_format)))
        month = _as_text(dob.dt.strftime("%Y-%m"))
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
        work[col] = _as_text(work[col].where(work[col].notna(), derived))
    # parse
    for f in schema.fields:
        s = work[f.name]
        typed[f.name] = _parse(f.type, s, tm.date_format)
        bad = s.notna() & typed[f.name].isna()
        if bad.any():
            problems.append(_problems(name, np.flatnonzero(bad), f.name, "type", _type_message(f.type, tm.date_format)))
    t.typed = typed
    t.raw = raw
    problems.append(_pandera_problems(t, d))
    return t, problems


def _age_problems(tables: dict[str, _Table]) -> list[pd.DataFrame]:
    if "offences" not in tables or "children" not in tables:
        return []
    off, ch = tables["offences"].typed, tables["children"].typed
    known = ch.dropna(subset=["child_id", "birth_month"]).drop_duplicates("child_id")
    pos = pd.Index(known["child_id"]).get_indexer(off["child_id"])
    months_known = np.append(known["birth_month"].to_numpy(dtype=object), np.nan)
    month = _as_text(pd.Series(months_known[pos], index=off.index))
    ok = month.notna() & off["offence_date"].notna()
    if not ok.any():
        return []
    by = pd.to_numeric(month.str[:4], errors="coerce")
    bm = pd.to_numeric(month.str[5:7], errors="coerce")
    od = off["offence_date"]
    # born on the 1st of the month is the most favourable day: full months of age
    months = (od.dt.year - by) * 12 + (od.dt.month - bm)
    bad = ok & (months < 12 * AGE_OF_CRIMINAL_RESPONSIBILITY)
    if not bad.any():
        return []
    msg = (
        "the child (born " + month[bad].astype(str) + f") was under {AGE_OF_CRIMINAL_RESPONSIBILITY} "
        "at offence_date, below the age of criminal responsibility"
    )
    return [_problems("offences", np.flatnonzero(bad), "offence_date", "age_at_offence_10_to_17", msg.to_numpy())]


def _isin(child: pd.DataFrame, parent: pd.DataFrame) -> np.ndarray:
    """Row-wise: is each key of ``child`` among the (non-missing) keys of ``parent``?"""
    parent = parent.dropna()
    if child.shape[1] == 1:
        # an Index lookup hashes once; Series.isin on arrow strings loops in Python
        return pd.Index(parent.iloc[:, 0].drop_duplicates()).get_indexer(child.iloc[:, 0]) >= 0
    return pd.MultiIndex.from_frame(child).isin(pd.MultiIndex.from_frame(parent))


def _fk_problems(tables: dict[str, _Table], meta: dict[str, Any]) -> list[pd.DataFrame]:
    out = []
    for t in tables.values():
        for fk in t.schema.foreign_keys:
            if fk.resource not in tables:
                meta["foreign_keys_unchecked"].append(f"{t.name}.{','.join(fk.fields)} -> {fk.resource}")
                continue
            parent = tables[fk.resource].typed
            child = t.typed
            present = child[list(fk.fields)].notna().all(axis=1).to_numpy()
            bad = present & ~_isin(child[list(fk.fields)], parent[list(fk.reference_fields)])
            if bad.any():
                out.append(
                    _problems(t.name, np.flatnonzero(bad), fk.fields[0], "foreign_key",
                              f"{' + '.join(fk.fields)} has no row in {fk.resource}")
                )
    return out


def _drop_redundant(p: pd.DataFrame, tables: dict[str, _Table]) -> pd.DataFrame:
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
    whole = p.loc[p["rule"] == "required_column", ["table", "piece", "field"]]
    if not whole.empty:
        pieces = np.full(len(p), -1)
        for tname, t in tables.items():
            sel = (p["table"] == tname).to_numpy() & (p["idx"].to_numpy() >= 0)
            pieces[sel] = t.raw[_PIECE].to_numpy()[p["idx"].to_numpy()[sel]]
        k = pd.DataFrame({"table": p["table"], "piece": pieces, "field": p["field"]})
        hit = k.merge(whole.assign(_w=True), on=["table", "piece", "field"], how="left")["_w"]
        keep &= ~(hit.fillna(False).astype(bool).to_numpy() & (p["rule"] == "required").to_numpy())
    return p[keep].reset_index(drop=True)


def _render_problems(p: pd.DataFrame, tables: dict[str, _Table], pieces: list[_Piece]) -> pd.DataFrame:
    """Internal problem records -> the public problems table (file, sheet, row, source column, value)."""
    if p.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        out["row"] = out["row"].astype("Int64")
        return out
    n = len(p)
    piece = p["piece"].to_numpy().copy()
    row = np.full(n, -1, dtype="int64")
    value = np.full(n, np.nan, dtype=object)
    for tname, t in tables.items():
        sel = np.flatnonzero((p["table"] == tname).to_numpy() & (p["idx"].to_numpy() >= 0))
        if not len(sel):
            continue
        idx = p["idx"].to_numpy()[sel]
        piece[sel] = t.raw[_PIECE].to_numpy()[idx]
        row[sel] = t.raw[_ROW].to_numpy()[idx]
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


def _source_name(piece: _Piece, t: _Table, fname: str) -> str:
    src = t.derived_from.get(fname, fname)
    inverse = {v: k for k, v in piece.rename.items()}
    if src in inverse:
        return inverse[src]
    if fname != src:
        return fname
    return t.mapping.source_column(fname)


# =========================================================================== the pipeline


def _new_meta() -> dict[str, Any]:
    return {
        "source_files": [],
        "encodings": {},
        "ignored_sheets": [],
        "ignored_columns": {},
        "blank_rows_skipped": {},
        "foreign_keys_unchecked": [],
    }


def _run(paths: Any, mapping: Any) -> tuple[dict[str, _Table], pd.DataFrame, pd.DataFrame, list[_Piece], ExtractMapping, dict]:
    d = load_dictionary()
    m = read_mapping(mapping)
    meta = _new_meta()
    pieces = _read_pieces(paths, m, meta)
    personal = []
    for p in pieces:
        tm = m.tables.get(p.table) or TableMapping(p.table, (p.table,))
        for c in _prepare_piece(p, tm, d.tables[p.table], meta):
            personal.append(f"{p.file}{' sheet ' + repr(p.sheet) if p.sheet else ''} ({p.table}): {c!r}")
    if personal:
        raise PrivacyError(
            "columns that look like names, addresses, contact details or other direct identifiers "
            f"must not be loaded; add them to `drop:` for their table in mapping {m.path} "
            "(or remove them from the extract):\n  - " + "\n  - ".join(personal)
        )
    if meta["ignored_columns"]:
        listed = "; ".join(f"{f}: {', '.join(map(repr, cs))}" for f, cs in meta["ignored_columns"].items())
        warnings.warn(f"columns outside the data model were ignored: {listed}", DataQualityWarning, stacklevel=3)
    tables: dict[str, _Table] = {}
    problems: list[pd.DataFrame] = []
    ordered = [n for n in d.tables if any(p.table == n for p in pieces)]
    all_pieces: list[_Piece] = []
    for name in ordered:
        mine = [p for p in pieces if p.table == name]
        tm = m.tables.get(name) or TableMapping(name, (name,))
        t, probs = _prepare_table(name, mine, tm, d, len(all_pieces))
        all_pieces.extend(mine)
        tables[name] = t
        problems.extend(probs)
    for name in ordered:
        for r in tables[name].schema.rules:
            if r.name not in COMPARISON_RULES and r.name != "age_at_offence_10_to_17":
                raise NotImplementedError(f"rule {r.name!r} of table {name} has no implementation")
    problems += _fk_problems(tables, meta)
    problems += _age_problems(tables)
    problems = [p for p in problems if not p.empty]
    internal = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=_P_COLS)
    internal = internal.astype({"idx": "int64", "piece": "int64"})
    internal = _drop_redundant(internal, tables)
    public = _render_problems(internal, tables, all_pieces)
    return tables, internal, public, all_pieces, m, meta


def validate_extract(paths: Any, mapping: Any = None) -> pd.DataFrame:
    """Check an extract against the data dictionary and return every problem found.

    Reads and validates exactly as :func:`load_extract` does, but writes
    nothing, pseudonymises nothing and never raises
    :class:`~cohort.exceptions.ValidationError`.

    Parameters
    ----------
    paths, mapping
        As for :func:`load_extract`.

    Returns
    -------
    pandas.DataFrame
        One row per problem (empty when the extract is valid): ``file``,
        ``sheet`` (empty for CSV and Parquet), ``table``, ``row`` (data row
        counted from 1 under the header; missing for a problem with a whole
        column), ``column`` (as named in the source), ``value`` (as written
        in the source; a date of birth is withheld), ``rule`` and
        ``message``. Rules: ``required_column``, ``required``, ``type``,
        ``code``, ``enum``, ``minimum``, ``maximum``, ``pattern``,
        ``unique``, ``primary_key``, ``foreign_key`` and the dictionary's
        named rules (``outcome_after_offence``, ``age_at_offence_10_to_17``,
        ``end_after_start``, ``attended_within_possible``).

    Raises
    ------
    MappingError, PrivacyError
        For a broken mapping, or personal columns the mapping does not drop.
    """
    return _run(paths, mapping)[2]


def load_extract(
    paths: Any,
    mapping: Any = None,
    strict: bool = True,
    key: str | bytes | None = None,
    source_name: str | None = None,
) -> CohortData:
    """Read, map, validate and pseudonymise a case-management extract.

    Parameters
    ----------
    paths : path, list of paths, or dict {table: path}
        CSV, Excel (``.xlsx``, one sheet per table) or Parquet files. The
        table a sheet or file holds is found from the mapping's ``source``
        patterns, or given by the dict key.
    mapping : str, Path, dict or None
        A mapping file or the name of a packaged one (``"childview"``);
        None means ``identity`` (columns already named as in the data model).
    strict : bool, default True
        True raises one :class:`~cohort.exceptions.ValidationError` listing
        every problem; False moves each invalid row, and each row whose
        parent row was rejected, to the attrition log instead.
    key : str or bytes, optional
        Pseudonymisation key; defaults to the environment variable
        ``COHORT_PSEUDONYMISATION_KEY``. Without one, identifiers are kept
        as given, ``metadata["pseudonymised"]`` is False and a
        :class:`~cohort.exceptions.DataQualityWarning` is issued.
    source_name : str, optional
        Free-text description of the source for ``metadata["source"]``.

    Returns
    -------
    CohortData
        The loaded tables (columns in schema order; dates ``datetime64[ns]``,
        booleans ``boolean``, integers ``Int64``, numbers ``float64``,
        strings ``str``; optional columns absent from the extract are
        all-missing), the attrition log (one row per rejected input row:
        ``file``, ``sheet``, ``table``, ``row``, ``column``, ``rule`` and
        ``reason``, several joined by "; ") and ``metadata``: ``source``,
        ``source_files``, ``mapping``, ``system``, ``rows_in``, ``rows_out``,
        ``rows_rejected`` (per table), ``pseudonymised``, ``synthetic``
        (False), ``encodings``, ``ignored_sheets``, ``ignored_columns``,
        ``blank_rows_skipped``, ``foreign_keys_unchecked``.

    Raises
    ------
    ValidationError
        ``strict=True`` and any problem (see :func:`validate_extract`).
    MappingError
        A malformed mapping, or a file no mapping pattern matches.
    PrivacyError
        Name-, address- or contact-like columns the mapping does not drop.

    Notes
    -----
    Foreign keys are checked only when the referenced table is in the
    extract (``metadata["foreign_keys_unchecked"]`` lists the others). A
    full date of birth (a column mapped to ``date_of_birth``) is reduced to
    ``birth_month`` and never kept; problems show it as withheld.
    """
    tables, internal, public, pieces, m, meta = _run(paths, mapping)
    if strict and len(public):
        raise ValidationError(public)
    rejected, attrition = _attrition(tables, internal, public, pieces)
    kb = _resolve_key(key)
    if kb is None:
        warnings.warn(
            "no pseudonymisation key (key= or COHORT_PSEUDONYMISATION_KEY): identifiers are kept "
            "as given and metadata['pseudonymised'] is False",
            DataQualityWarning, stacklevel=2,
        )
    out: dict[str, pd.DataFrame] = {}
    for name, t in tables.items():
        keep = ~rejected[name]
        df = t.typed.loc[keep, list(t.schema.field_names)].reset_index(drop=True)
        if kb is not None:
            for col in t.schema.identifiers:
                df[col] = pseudonymise(df[col], kb)
        out[name] = df
    if len(attrition):
        warnings.warn(
            f"{len(attrition)} input row(s) failed validation or lost their parent row and were "
            "moved to the attrition log",
            DataQualityWarning, stacklevel=2,
        )
    from cohort import __version__

    files = list(dict.fromkeys(meta["source_files"]))
    metadata = {
        "source": source_name or f"{m.system} extract: {', '.join(files)}",
        "source_files": files,
        "mapping": m.name,
        "system": m.system,
        "rows_in": {n: len(t.raw) for n, t in tables.items()},
        "rows_out": {n: len(df) for n, df in out.items()},
        "rows_rejected": {n: int(rejected[n].sum()) for n in tables},
        "pseudonymised": kb is not None,
        "synthetic": False,
        "strict": strict,
        "package_version": __version__,
        "extract_date": latest_event_date(out),
        **{k: v for k, v in meta.items() if k != "source_files"},
    }
    return CohortData(out, attrition, metadata)


def _attrition(tables: dict[str, _Table], internal: pd.DataFrame, public: pd.DataFrame, pieces: list[_Piece]):
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
            bad |= t.raw[_PIECE].isin(whole["piece"]).to_numpy()
        row_level = mine[mine["idx"] >= 0]
        # expand whole-piece problems to each row of the piece
        expanded = []
        for rec in whole.itertuples(index=False):
            rows = np.flatnonzero((t.raw[_PIECE] == rec.piece).to_numpy())
            expanded.append(_problems(name, rows, rec.field, rec.rule, rec.message))
        # cascade: rows whose parent row was rejected
        cascade = []
        for fk in t.schema.foreign_keys:
            if fk.resource not in tables:
                continue
            parent = tables[fk.resource]
            kept = parent.typed.loc[~rejected[fk.resource], list(fk.reference_fields)]
            present = t.typed[list(fk.fields)].notna().all(axis=1).to_numpy()
            lost = present & ~_isin(t.typed[list(fk.fields)], kept) & ~bad
            if lost.any():
                noun = fk.fields[0].removesuffix("_id").removesuffix("_code")
                cascade.append(
                    _problems(name, np.flatnonzero(lost), fk.fields[0], "parent_rejected", f"parent {noun} row rejected")
                )
                bad |= lost
        rejected[name] = bad
        allp = [x for x in [row_level, *expanded, *cascade] if len(x)]
        if allp:
            records.append(pd.concat(allp, ignore_index=True))
    if not records:
        return rejected, pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRITION_COLUMNS}).astype({"row": "Int64"})
    rec = pd.concat(records, ignore_index=True)
    pub = _render_problems(rec, tables, pieces)
    pub["reason"] = pub["column"].astype(str) + ": " + pub["message"].astype(str)
    keys = ["file", "sheet", "table", "row"]
    first = pub.drop_duplicates(keys)[keys]

    def join(s: pd.Series) -> str:
        return "; ".join(dict.fromkeys(s.astype(str)))

    agg = pub.groupby(keys, sort=False, dropna=False).agg(column=("column", join), rule=("rule", join), reason=("reason", join))
    att = first.merge(agg.reset_index(), on=keys, how="left")
    att["row"] = att["row"].astype("Int64")
    return rejected, att[list(ATTRITION_COLUMNS)].reset_index(drop=True)


def ingest(
    paths: Any,
    mapping: Any,
    store_path: str | Path,
    strict: bool = True,
    key: str | bytes | None = None,
    source_name: str | None = None,
) -> CohortData:
    """Load an extract (:func:`load_extract`) and write it to a Parquet store.

    Parameters
    ----------
    paths, mapping, strict, key, source_name
        As for :func:`load_extract`.
    store_path : str or Path
        Folder of the store (written by :func:`cohort.store.write_store`).

    Returns
    -------
    CohortData
        The data written.
    """
    from cohort.store import write_store

    data = load_extract(paths, mapping=mapping, strict=strict, key=key, source_name=source_name)
    write_store(data, store_path)
    return data
