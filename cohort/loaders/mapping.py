"""Mapping files: how a source system's extract is translated into the data model.

A mapping (``data_dictionary/mappings/*.yaml``) says, per table of the data
model, which sheets or files hold it, how its columns are named, how its
codes translate, its date format, which columns to drop at the door, what to
derive, which mapped columns the system may leave out, and which other files
add columns to it (e.g. custody release dates kept in a file of their own).
See ``data_dictionary/mappings/childview.yaml`` for the documented format.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import fnmatch
import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from cohort.dictionary import Dictionary, load_dictionary
from cohort.exceptions import MappingError

__all__ = ["ExtractMapping", "JoinMapping", "TableMapping", "read_mapping"]

_DOB = "date_of_birth"
_DOB_TARGET = "birth_month"


def _fold(name: Any) -> str:
    """A column name as compared: case, surrounding and repeated spaces ignored."""
    return " ".join(str(name).split()).casefold()


def _matches(name: str, patterns: Iterable[str]) -> bool:
    low = name.lower()
    stem = low.rsplit(".", 1)[0]
    return any(
        fnmatch.fnmatchcase(low, p.lower()) or fnmatch.fnmatchcase(stem, p.lower()) for p in patterns
    )


@dataclass(frozen=True)
class JoinMapping:
    """A file that adds columns to a table, matched on a key.

    Attributes
    ----------
    sources : tuple of str
        Sheet names or file-name globs of the file(s).
    on : tuple of (str, str)
        ``(source key column, model key column)``: the key of the table the
        rows attach to (e.g. ``("CaseNo", "offence_id")``).
    columns : mapping
        ``{source_column: model_column}`` added to the table.
    date_format : str
        ``strftime`` format of dates in the file.
    """

    sources: tuple[str, ...]
    on: tuple[str, str]
    columns: Mapping[str, str]
    date_format: str = "%Y-%m-%d"

    def matches(self, name: str) -> bool:
        """True when a sheet or file called ``name`` is this join's file."""
        return _matches(name, self.sources)


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
        has ``birth_month`` and is reduced to it. Every source column named
        here must be in the file unless it is listed in ``optional``.
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
    optional : tuple of str
        Source columns of ``columns`` that the system may leave out.
    joins : tuple of JoinMapping
        Other files adding columns to this table.
    """

    table: str
    sources: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    recode: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    drop: tuple[str, ...] = ()
    derive: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    joins: tuple[JoinMapping, ...] = ()

    def matches(self, name: str) -> bool:
        """True when a sheet or file called ``name`` holds this table."""
        return _matches(name, self.sources)

    def source_column(self, model_column: str) -> str:
        """The source column name of ``model_column`` (itself when not renamed)."""
        for src, dst in self.columns.items():
            if dst == model_column:
                return src
        return model_column


@dataclass(frozen=True)
class ExtractDateRule:
    """Where a mapping finds the extract date: a fixed date or a file-name pattern."""

    value: str | None = None
    pattern: str | None = None
    format: str = "%Y%m%d"

    def resolve(self, names: Iterable[str]) -> str | None:
        """The extract date (ISO) found in ``names`` of files, or the fixed value."""
        if self.value:
            return self.value
        found = set()
        for n in names:
            m = re.search(self.pattern or "", n)
            if m:
                text = m.groupdict().get("date") or m.group(0)
                try:
                    found.add(_dt.datetime.strptime(text, self.format).date().isoformat())
                except ValueError as err:
                    raise MappingError(
                        f"extract_date: {text!r} in file name {n!r} is not a date in format "
                        f"{self.format!r}"
                    ) from err
        if len(found) > 1:
            raise MappingError(
                f"the file names carry different extract dates ({', '.join(sorted(found))}); "
                "give one with --extract-date"
            )
        return found.pop() if found else None


@dataclass(frozen=True)
class ExtractMapping:
    """A parsed, validated mapping file (see :func:`read_mapping`)."""

    name: str
    system: str
    path: str | None
    tables: Mapping[str, TableMapping]
    authority_code: str | None = None
    extract_date: ExtractDateRule | None = None

    def table_for(self, name: str) -> str | None:
        """The table held by the sheet or file ``name``, or None."""
        hits = [t for t, m in self.tables.items() if m.matches(name)]
        if len(hits) > 1:
            raise MappingError(
                f"mapping {self.name}: {name!r} matches the sources of several tables "
                f"({', '.join(hits)}); make the `source` patterns more specific"
            )
        return hits[0] if hits else None

    def join_for(self, name: str) -> tuple[str, int] | None:
        """``(table, join index)`` when ``name`` is a file that adds columns to a table."""
        for t, m in self.tables.items():
            for i, j in enumerate(m.joins):
                if j.matches(name):
                    return t, i
        return None


_MAPPING_KEYS = {"name", "system", "description", "date_format", "tables", "authority_code", "extract_date"}
_TABLE_MAPPING_KEYS = {"source", "columns", "recode", "date_format", "drop", "derive", "optional", "join"}
_JOIN_KEYS = {"source", "key", "columns", "date_format"}
_DERIVE_KEYS = {"value", "from", "attribute", "default"}


def _closest(name: Any, options: Iterable[Any], cutoff: float = 0.6) -> str | None:
    options = [str(o) for o in options]
    folded = {_fold(o): o for o in options}
    if _fold(name) in folded:
        return folded[_fold(name)]
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


def _sources(spec: Mapping[str, Any], default: str) -> tuple[str, ...] | None:
    source = spec.get("source", [default])
    sources = (source,) if isinstance(source, str) else tuple(source or ())
    if not sources or not all(isinstance(s, str) for s in sources):
        return None
    return sources


def _parse_extract_date(raw: Any, err) -> ExtractDateRule | None:
    if raw is None:
        return None
    if isinstance(raw, _dt.date):
        return ExtractDateRule(value=raw.isoformat())
    if isinstance(raw, str):
        try:
            return ExtractDateRule(value=_dt.date.fromisoformat(raw).isoformat())
        except ValueError:
            err("extract_date", f"{raw!r} is not an ISO date (yyyy-mm-dd)")
            return None
    if isinstance(raw, Mapping) and "pattern" in raw and not set(raw) - {"pattern", "format"}:
        try:
            re.compile(raw["pattern"])
        except re.error as exc:
            err("extract_date.pattern", f"not a regular expression: {exc}")
            return None
        fmt = raw.get("format", "%Y%m%d")
        if not _check_date_format(fmt):
            err("extract_date.format", f"{fmt!r} is not a strftime date format")
            return None
        return ExtractDateRule(pattern=raw["pattern"], format=fmt)
    err("extract_date", "expected a date (yyyy-mm-dd) or {pattern: regex on file names, format: strftime}")
    return None


def _parse_joins(raw: Any, where: str, tname: str, targets: set[str], default_fmt: str, err) -> list[JoinMapping]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for k, spec in enumerate(items):
        key = f"{where}.join[{k}]"
        if not isinstance(spec, Mapping):
            err(key, "expected {source, key: {source key: model key}, columns: {source: model}}")
            continue
        for x in set(spec) - _JOIN_KEYS:
            err(f"{key}.{x}", f"unknown key{_did_you_mean(x, _JOIN_KEYS)}")
        sources = _sources(spec, "")
        if not sources or sources == ("",):
            err(f"{key}.source", "expected a sheet name, a file-name glob, or a list of them")
            continue
        on = spec.get("key")
        if not isinstance(on, Mapping) or len(on) != 1:
            err(f"{key}.key", "expected one {source key column: model key column}")
            continue
        (src_key, model_key), = on.items()
        if model_key not in targets:
            err(f"{key}.key", f"{model_key!r} is not a column of {tname}{_did_you_mean(model_key, targets)}")
            continue
        columns = spec.get("columns") or {}
        if not isinstance(columns, Mapping) or not columns:
            err(f"{key}.columns", "expected {source_column: model_column}")
            continue
        bad = [v for v in columns.values() if v not in targets]
        if bad:
            err(f"{key}.columns", f"{bad!r} are not columns of {tname}")
            continue
        fmt = spec.get("date_format", default_fmt)
        if not _check_date_format(fmt):
            err(f"{key}.date_format", f"{fmt!r} is not a strftime date format such as '%d/%m/%Y'")
        out.append(JoinMapping(sources, (str(src_key), str(model_key)),
                               MappingProxyType({str(a): str(b) for a, b in columns.items()}), fmt))
    return out


def _parse_table(tname: str, spec: Any, where: str, d: Dictionary, default_fmt: str, err) -> TableMapping | None:
    schema = d.tables[tname]
    spec = spec or {}
    if not isinstance(spec, Mapping):
        err(where, "expected a mapping of source/columns/recode/date_format/drop/derive/optional/join")
        return None
    for k in set(spec) - _TABLE_MAPPING_KEYS:
        err(f"{where}.{k}", f"unknown key{_did_you_mean(k, _TABLE_MAPPING_KEYS)}")
    targets = set(schema.field_names)
    if _DOB_TARGET in targets:
        targets.add(_DOB)
    sources = _sources(spec, tname)
    if sources is None:
        err(f"{where}.source", "expected a sheet name, a file-name glob, or a list of them")
        sources = ()
    columns = spec.get("columns") or {}
    if not isinstance(columns, Mapping):
        err(f"{where}.columns", "expected {source_column: model_column}")
        columns = {}
    seen: dict[str, str] = {}
    for src, dst in columns.items():
        if dst not in targets:
            err(f"{where}.columns.{src}", f"{dst!r} is not a column of {tname}{_did_you_mean(dst, targets)}")
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
    optional = spec.get("optional") or []
    if isinstance(optional, str) or not all(isinstance(c, str) for c in optional):
        err(f"{where}.optional", "expected a list of source column names from `columns`")
        optional = []
    for c in optional:
        if c not in columns:
            err(f"{where}.optional", f"{c!r} is not a source column of `columns`{_did_you_mean(c, columns)}")
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
            if not cl:
                err(f"{key}.from", f"{src!r} has no code list to take an attribute from")
                continue
            attrs = set(d.codelist(cl).columns)
            if how.get("attribute") not in attrs:
                err(f"{key}.attribute", f"code list {cl!r} has no attribute {how.get('attribute')!r}; "
                    f"has: {', '.join(sorted(attrs))}")
                continue
        derive[col] = dict(how)
    joins = _parse_joins(spec.get("join"), where, tname, targets, fmt, err)
    return TableMapping(
        table=tname,
        sources=sources,
        columns=MappingProxyType({str(k): str(v) for k, v in columns.items()}),
        recode=MappingProxyType({k: MappingProxyType(v) for k, v in recode.items()}),
        date_format=fmt,
        drop=tuple(drop),
        derive=MappingProxyType(derive),
        optional=tuple(optional),
        joins=tuple(joins),
    )


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
    authority = raw.get("authority_code")
    if authority is not None and not (isinstance(authority, str) and re.fullmatch(r"[A-Z][0-9A-Z]{2,8}", authority)):
        err("authority_code", f"{authority!r} is not an authority code such as 'E08000014'")
        authority = None
    extract_date = _parse_extract_date(raw.get("extract_date"), err)
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
        tm = _parse_table(tname, spec, where, d, default_fmt, err)
        if tm is None:
            continue
        if authority and "authority_code" in d.tables[tname].field_names \
                and "authority_code" not in tm.columns.values() and "authority_code" not in tm.derive:
            tm = TableMapping(**{**tm.__dict__, "derive": MappingProxyType(
                {**tm.derive, "authority_code": {"value": authority}})})
        tables[tname] = tm
    if errors:
        raise MappingError(f"mapping {label} is invalid:\n  - " + "\n  - ".join(errors))
    return ExtractMapping(
        name=str(raw.get("name", Path(label).stem)),
        system=str(raw.get("system", raw.get("name", Path(label).stem))),
        path=label,
        tables=MappingProxyType(tables),
        authority_code=authority,
        extract_date=extract_date,
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
        ``"youthtrack"``, ``"identity"``); an already parsed dict; or None
        for ``identity`` (extracts already in the data model's layout).

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
    >>> read_mapping("childview").tables["children"].columns["YP_ID"]
    'child_id'
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
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"mapping {path.name} cannot be read: {exc}") from exc
    return _parse_mapping(raw, path.name, d)
