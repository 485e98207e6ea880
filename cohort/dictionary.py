"""The data dictionary: table schemas, code lists, validation schemas and the README.

Everything here is read from ``data_dictionary/`` (installed as the package
``cohort.data_dictionary``): one Frictionless Table Schema per table in
``tables/*.yaml`` and the code lists in ``codelists.yaml``. Nothing about
the data model is written twice: :func:`pandera_schema` builds the
validation of a table and :func:`render_readme` the human-readable
``data_dictionary/README.md`` from the same YAML.

Examples
--------
>>> from cohort.dictionary import load_dictionary
>>> d = load_dictionary()
>>> d.table("offences").primary_key
('offence_id',)
>>> d.codes("outcome", custody=True)
['Detention and training order', 'Section 250 detention']
>>> d.codes("programme", oocd=True)[:2]
['Outcome 22', 'Community resolution']
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

__all__ = [
    "FIELD_TYPES",
    "CodeList",
    "Dictionary",
    "Field",
    "ForeignKey",
    "Rule",
    "TableSchema",
    "codelist",
    "codes",
    "load_dictionary",
    "pandera_schema",
    "render_readme",
    "write_readme",
]

#: Field types of the data model (a subset of Frictionless Table Schema types).
FIELD_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "date", "yearmonth")

#: How each field type is held in memory once loaded (see :func:`pandera_schema`).
#: ``yearmonth`` values are strings ``YYYY-MM``; ``number`` is float64 with NaN.
PANDAS_DTYPES: Mapping[str, Any] = MappingProxyType(
    {
        "string": str,
        "integer": "Int64",
        "number": "float64",
        "boolean": "boolean",
        "date": "datetime64[ns]",
        "yearmonth": str,
    }
)

#: Pattern every ``yearmonth`` value matches.
YEARMONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

#: Within-table rules: rule name -> (left field, comparison, right field). The
#: row passes when either side is missing or ``left <comparison> right`` holds.
#: The YAML names and describes each rule; its logic can only live in code.
COMPARISON_RULES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "outcome_after_offence": ("outcome_date", ">=", "offence_date"),
        "end_after_start": ("end_date", ">=", "start_date"),
        "attended_within_possible": ("attended_sessions", "<=", "possible_sessions"),
    }
)

#: Rules that need another table (implemented by :mod:`cohort.loaders`).
CROSS_TABLE_RULES: tuple[str, ...] = ("age_at_offence_10_to_17",)

_FIELD_KEYS = {"name", "type", "title", "description", "constraints", "codelist", "privacy", "format"}
_CONSTRAINT_KEYS = {"required", "unique", "pattern", "minimum", "maximum", "enum"}
_TABLE_KEYS = {"name", "title", "description", "primaryKey", "foreignKeys", "rules", "fields"}
_CODELIST_KEYS = {"description", "source", "codes"}
_PRIVACY = {"identifier", "quasi_identifier"}


@dataclass(frozen=True)
class Field:
    """One field (column) of a table schema.

    ``minimum`` and ``maximum`` are inclusive; ``enum`` lists allowed values
    written in the schema itself, ``codelist`` names a list in
    ``codelists.yaml``; ``privacy`` is ``"identifier"`` (pseudonymised at
    load), ``"quasi_identifier"`` or ``None``.
    """

    name: str
    type: str
    description: str = ""
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    codelist: str | None = None
    privacy: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    """``fields`` of this table refer to ``reference_fields`` of ``resource``."""

    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A named cross-field rule; its logic is in :data:`COMPARISON_RULES` or the loader."""

    name: str
    description: str


@dataclass(frozen=True)
class TableSchema:
    """The schema of one table of the data model."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    rules: tuple[Rule, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        """Field names in schema order (the column order of a loaded table)."""
        return tuple(f.name for f in self.fields)

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Fields marked ``privacy: identifier`` (pseudonymised at load)."""
        return tuple(f.name for f in self.fields if f.privacy == "identifier")

    def field(self, name: str) -> Field:
        """The field called ``name``; ValueError naming the known fields otherwise."""
        for f in self.fields:
            if f.name == name:
                return f
        raise ValueError(
            f"table {self.name!r} has no field {name!r}{_closest(name, self.field_names)}; "
            f"fields: {', '.join(self.field_names)}"
        )


@dataclass(frozen=True)
class CodeList:
    """A code list: ``codes`` holds one mapping per code (``code`` plus attributes)."""

    name: str
    description: str
    source: str
    codes: tuple[Mapping[str, Any], ...]

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed codes, in list order."""
        return tuple(str(c["code"]) for c in self.codes)

    def frame(self) -> pd.DataFrame:
        """One row per code: ``code``, ``label`` (the code when none is given), attributes."""
        df = pd.DataFrame([dict(c) for c in self.codes])
        if "label" not in df.columns:
            df["label"] = df["code"]
        df["label"] = df["label"].fillna(df["code"])
        first = ["code", "label"]
        return df[first + [c for c in df.columns if c not in first]]


@dataclass(frozen=True)
class Dictionary:
    """The whole data model: table schemas and code lists, read-only."""

    tables: Mapping[str, TableSchema]
    codelists: Mapping[str, CodeList]

    def table(self, name: str) -> TableSchema:
        """The schema of table ``name``."""
        if name not in self.tables:
            raise ValueError(
                f"unknown table {name!r}{_closest(name, self.tables)}; tables: {', '.join(self.tables)}"
            )
        return self.tables[name]

    def _codelist(self, name: str) -> CodeList:
        if name not in self.codelists:
            raise ValueError(
                f"unknown code list {name!r}{_closest(name, self.codelists)}; "
                f"code lists: {', '.join(self.codelists)}"
            )
        return self.codelists[name]

    def codelist(self, name: str) -> pd.DataFrame:
        """The code list ``name`` as a DataFrame: ``code``, ``label`` and attributes.

        Examples
        --------
        >>> load_dictionary().codelist("outcome").columns.tolist()
        ['code', 'label', 'tier', 'formal', 'custody', 'court']
        """
        return self._codelist(name).frame()

    def codes(self, name: str, **attributes: Any) -> list[str]:
        """Codes of list ``name`` whose attributes equal the given values.

        A value may be a list, tuple or set to allow several values.

        Examples
        --------
        >>> load_dictionary().codes("outcome", formal=False)
        ['Outcome 22', 'Community resolution']
        >>> load_dictionary().codes("outcome", tier=["custody"])
        ['Detention and training order', 'Section 250 detention']
        """
        df = self.codelist(name)
        keep = pd.Series(True, index=df.index)
        for attr, value in attributes.items():
            if attr not in df.columns:
                raise ValueError(
                    f"code list {name!r} has no attribute {attr!r}; "
                    f"attributes: {', '.join(c for c in df.columns if c != 'code')}"
                )
            if isinstance(value, list | tuple | set | frozenset):
                keep &= df[attr].isin(list(value))
            else:
                keep &= (df[attr] == value).fillna(False).astype(bool)
        return [str(c) for c in df.loc[keep, "code"]]

    def allowed_values(self, table: str, field_name: str) -> tuple[str, ...] | None:
        """The values a field may take (code list or ``enum``), or None when free."""
        f = self.table(table).field(field_name)
        if f.codelist:
            return self._codelist(f.codelist).values
        return f.enum

    def pandera_schema(self, table: str):
        """See :func:`pandera_schema`."""
        return _build_pandera_schema(self, self.table(table))


# --------------------------------------------------------------------------- loading


def _closest(name: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


# libyaml's C loader when PyYAML was built with it (the same documents, about 10x faster)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path) -> Any:
    with path.open("r", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)  # a safe loader


def _default_root():
    return importlib.resources.files("cohort.data_dictionary")


def _parse_field(raw: Mapping[str, Any], where: str, problems: list[str]) -> Field | None:
    if not isinstance(raw, Mapping) or "name" not in raw:
        problems.append(f"{where}: a field needs at least a name and a type")
        return None
    where = f"{where}.{raw['name']}"
    for k in set(raw) - _FIELD_KEYS:
        problems.append(f"{where}: unknown key {k!r}{_closest(k, _FIELD_KEYS)}")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        problems.append(f"{where}: type {ftype!r} is not one of {', '.join(FIELD_TYPES)}")
    cons = raw.get("constraints") or {}
    for k in set(cons) - _CONSTRAINT_KEYS:
        problems.append(f"{where}.constraints: unknown key {k!r}{_closest(k, _CONSTRAINT_KEYS)}")
    privacy = raw.get("privacy")
    if privacy is not None and privacy not in _PRIVACY:
        problems.append(f"{where}: privacy {privacy!r} is not one of {', '.join(sorted(_PRIVACY))}")
    pattern = cons.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{where}: pattern {pattern!r} is not a valid regular expression ({exc})")
    enum = cons.get("enum")
    return Field(
        name=str(raw["name"]),
        type=str(ftype),
        description=" ".join(str(raw.get("description", "")).split()),
        required=bool(cons.get("required", False)),
        unique=bool(cons.get("unique", False)),
        pattern=pattern,
        minimum=cons.get("minimum"),
        maximum=cons.get("maximum"),
        enum=tuple(str(v) for v in enum) if enum is not None else None,
        codelist=raw.get("codelist"),
        privacy=privacy,
    )


def _parse_table(raw: Mapping[str, Any], source: str, problems: list[str]) -> TableSchema:
    for k in set(raw) - _TABLE_KEYS:
        problems.append(f"{source}: unknown key {k!r}{_closest(k, _TABLE_KEYS)}")
    fields = tuple(
        f
        for f in (_parse_field(r, f"{source}: fields", problems) for r in raw.get("fields") or [])
        if f is not None
    )
    fks = tuple(
        ForeignKey(
            fields=tuple(fk["fields"]),
            resource=str(fk["reference"]["resource"]),
            reference_fields=tuple(fk["reference"]["fields"]),
        )
        for fk in raw.get("foreignKeys") or []
    )
    rules = tuple(
        Rule(str(r["name"]), " ".join(str(r.get("description", "")).split()))
        for r in raw.get("rules") or []
    )
    return TableSchema(
        name=str(raw.get("name", "")),
        title=str(raw.get("title", raw.get("name", ""))),
        description=" ".join(str(raw.get("description", "")).split()),
        fields=fields,
        primary_key=tuple(raw.get("primaryKey") or ()),
        foreign_keys=fks,
        rules=rules,
    )


def _check_references(d: Dictionary, problems: list[str]) -> None:
    for t in d.tables.values():
        names = t.field_names
        if len(set(names)) != len(names):
            problems.append(f"{t.name}: duplicate field names")
        for k in t.primary_key:
            if k not in names:
                problems.append(f"{t.name}: primaryKey field {k!r} is not a field")
        for f in t.fields:
            if f.codelist and f.codelist not in d.codelists:
                problems.append(
                    f"{t.name}.{f.name}: unknown codelist {f.codelist!r}{_closest(f.codelist, d.codelists)}"
                )
        for fk in t.foreign_keys:
            if fk.resource not in d.tables:
                problems.append(f"{t.name}: foreign key to unknown table {fk.resource!r}")
                continue
            for k in fk.fields:
                if k not in names:
                    problems.append(f"{t.name}: foreign key field {k!r} is not a field")
            for k in fk.reference_fields:
                if k not in d.tables[fk.resource].field_names:
                    problems.append(f"{t.name}: foreign key refers to unknown {fk.resource}.{k}")
        for r in t.rules:
            if r.name in COMPARISON_RULES:
                left, _, right = COMPARISON_RULES[r.name]
                for k in (left, right):
                    if k not in names:
                        problems.append(f"{t.name}: rule {r.name!r} needs field {k!r}")
            elif r.name not in CROSS_TABLE_RULES:
                problems.append(f"{t.name}: rule {r.name!r} has no implementation in cohort")
    for cl in d.codelists.values():
        vals = cl.values
        if len(set(vals)) != len(vals):
            problems.append(f"codelists.yaml: {cl.name}: duplicate codes")


def _load(root) -> Dictionary:
    problems: list[str] = []
    raw_lists = _read_yaml(root / "codelists.yaml") or {}
    codelists = {}
    for name, raw in raw_lists.items():
        for k in set(raw) - _CODELIST_KEYS:
            problems.append(f"codelists.yaml: {name}: unknown key {k!r}")
        codes = tuple(MappingProxyType(dict(c)) for c in raw.get("codes") or [])
        if any("code" not in c for c in codes):
            problems.append(f"codelists.yaml: {name}: every entry needs a code")
        codelists[name] = CodeList(
            name=name,
            description=" ".join(str(raw.get("description", "")).split()),
            source=" ".join(str(raw.get("source", "")).split()),
            codes=codes,
        )
    tables = {}
    files = sorted((p for p in (root / "tables").iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    for path in files:
        t = _parse_table(_read_yaml(path) or {}, f"tables/{path.name}", problems)
        if t.name != path.name.removesuffix(".yaml"):
            problems.append(f"tables/{path.name}: name {t.name!r} differs from the file name")
        tables[t.name] = t
    # dependency order of cohort.cohortdata.TABLES first, anything else after
    from cohort.cohortdata import TABLES

    order = [n for n in TABLES if n in tables] + sorted(n for n in tables if n not in TABLES)
    d = Dictionary(
        tables=MappingProxyType({n: tables[n] for n in order}),
        codelists=MappingProxyType(codelists),
    )
    _check_references(d, problems)
    if problems:
        raise ValueError("the data dictionary is inconsistent:\n  - " + "\n  - ".join(problems))
    return d


@functools.cache
def _load_default() -> Dictionary:
    return _load(_default_root())


def load_dictionary(root: str | Path | None = None) -> Dictionary:
    """Read the data dictionary (table schemas and code lists).

    Parameters
    ----------
    root : str or Path, optional
        A folder laid out like ``data_dictionary/`` (``tables/*.yaml`` and
        ``codelists.yaml``). By default the packaged dictionary, read once
        and cached; the result is read-only.

    Returns
    -------
    Dictionary
        ``tables`` (name -> :class:`TableSchema`, in dependency order) and
        ``codelists`` (name -> :class:`CodeList`).

    Raises
    ------
    ValueError
        When the YAML is inconsistent (unknown keys or types, references to
        missing fields, tables or code lists, rules without an implementation);
        every problem is listed.
    """
    if root is None:
        return _load_default()
    return _load(Path(root))


def codelist(name: str) -> pd.DataFrame:
    """Code list ``name`` of the packaged dictionary (see :meth:`Dictionary.codelist`)."""
    return load_dictionary().codelist(name)


def codes(name: str, **attributes: Any) -> list[str]:
    """Codes of list ``name`` filtered on attributes (see :meth:`Dictionary.codes`).

    Examples
    --------
    >>> codes("programme", kpi_cohort=True, kind="court_order")
    ['Referral order', 'Youth rehabilitation order']
    """
    return load_dictionary().codes(name, **attributes)


# --------------------------------------------------------------------------- pandera


def _comparison_check(rule: str, left: str, op: str, right: str):
    import pandera.pandas as pa

    def check(df: pd.DataFrame) -> pd.Series:
        a, b = df[left], df[right]
        bad = (a < b) if op == ">=" else (a > b)
        return ~bad.fillna(False).astype(bool)

    return pa.Check(check, error=rule)


def _build_pandera_schema(d: Dictionary, t: TableSchema):
    import pandera.pandas as pa

    columns = {}
    for f in t.fields:
        checks = []
        allowed = d.allowed_values(t.name, f.name)
        if allowed is not None:
            checks.append(pa.Check.isin(list(allowed), error="code" if f.codelist else "enum"))
        if f.minimum is not None:
            checks.append(pa.Check.ge(f.minimum, error="minimum"))
        if f.maximum is not None:
            checks.append(pa.Check.le(f.maximum, error="maximum"))
        if f.pattern is not None:
            checks.append(pa.Check.str_matches(rf"(?:{f.pattern})\Z", error="pattern"))
        if f.type == "yearmonth":
            checks.append(pa.Check.str_matches(YEARMONTH_PATTERN, error="yearmonth"))
        single_pk = t.primary_key == (f.name,)
        columns[f.name] = pa.Column(
            PANDAS_DTYPES[f.type],
            checks=checks,
            nullable=not f.required,
            unique=f.unique or single_pk,
            report_duplicates="all",
            description=f.description or None,
        )
    table_checks = [
        _comparison_check(r.name, *COMPARISON_RULES[r.name]) for r in t.rules if r.name in COMPARISON_RULES
    ]
    unique = list(t.primary_key) if len(t.primary_key) > 1 else None
    return pa.DataFrameSchema(
        columns,
        checks=table_checks,
        unique=unique,
        report_duplicates="all",
        strict=True,
        name=t.name,
        description=t.description,
    )


def pandera_schema(table: str):
    """A pandera ``DataFrameSchema`` for a loaded table of the data model.

    Built from the YAML: dtype per field type (string and yearmonth ``str``,
    integer ``Int64``, number ``float64``, boolean ``boolean``, date
    ``datetime64[ns]``), ``required`` (not nullable), ``unique`` and the
    primary key (every duplicate reported), ``minimum``/``maximum``,
    ``pattern``, allowed codes (code list or ``enum``) and the within-table
    rules. Columns outside the schema are refused (``strict=True``). The
    cross-table rule ``age_at_offence_10_to_17`` and foreign keys need other
    tables and are checked by :mod:`cohort.loaders`. Each check's ``error``
    is the rule name used in problem reports (``code``, ``enum``,
    ``minimum``, ``maximum``, ``pattern``, ``yearmonth`` or a rule name).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pandera_schema("population")
    >>> df = pd.DataFrame({"authority_code": ["X01"], "mid_year": pd.array([2023], dtype="Int64"),
    ...     "age": pd.array([9], dtype="Int64"), "sex": ["Male"], "ethnicity": ["All"],
    ...     "population": pd.array([100], dtype="Int64")})
    >>> import pandera.errors
    >>> try:
    ...     s.validate(df, lazy=True)
    ... except pandera.errors.SchemaErrors as e:
    ...     print(e.failure_cases[["column", "check", "failure_case"]].to_string(index=False))
    column   check failure_case
       age minimum            9
    """
    return load_dictionary().pandera_schema(table)


# --------------------------------------------------------------------------- README


def _md(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _allowed_text(d: Dictionary, f: Field) -> str:
    parts = []
    if f.codelist:
        vals = d.codelists[f.codelist].values
        shown = ", ".join(vals) if len(vals) <= 6 else f"{len(vals)} codes"
        parts.append(f"[`{f.codelist}`](#codelist-{f.codelist}): {shown}")
    if f.enum is not None:
        parts.append("one of " + ", ".join(f.enum))
    if f.minimum is not None and f.maximum is not None:
        parts.append(f"{_num(f.minimum)} to {_num(f.maximum)}")
    elif f.minimum is not None:
        parts.append(f"at least {_num(f.minimum)}")
    elif f.maximum is not None:
        parts.append(f"at most {_num(f.maximum)}")
    if f.pattern is not None:
        parts.append(f"pattern `{f.pattern}`")
    if f.type == "yearmonth":
        parts.append("YYYY-MM")
    if f.unique:
        parts.append("unique")
    return _md("; ".join(parts))


def render_readme(dictionary: Dictionary | None = None) -> str:
    """The data dictionary as Markdown: every table, then every code list.

    Each table shows its description, keys, foreign keys, a field table
    (type, required, allowed codes or ranges, privacy class, description)
    and its rules; each code list shows its description, source and codes
    with their attributes.

    Examples
    --------
    >>> text = render_readme()
    >>> text.splitlines()[0]
    '# Data dictionary'
    >>> "| `gravity_score` | integer | yes | 1 to 8 |" in text
    True
    """
    d = dictionary or load_dictionary()
    out = [
        "# Data dictionary",
        "",
        "<!-- Generated from tables/*.yaml and codelists.yaml by cohort.dictionary.write_readme()"
        " (`make dictionary`). Do not edit by hand. -->",
        "",
        "The data model of `cohort`: one Frictionless Table Schema per table in `tables/`,"
        " code lists in `codelists.yaml`, and mappings from source systems in `mappings/`."
        " Validation (`cohort.dictionary.pandera_schema`, `cohort.load_extract`) and this page"
        " are generated from the same files.",
        "",
        "Loaded tables hold strings as `str`, integers as `Int64`, numbers as `float64`,"
        " booleans as `boolean`, dates as `datetime64[ns]` and year-months as `YYYY-MM` strings."
        " Fields marked *identifier* are pseudonymised with a keyed hash when loaded;"
        " *quasi-identifier* fields are kept coarse (birth month, never a full date of birth).",
        "",
        "## Tables",
        "",
        "| table | one row per | primary key |",
        "| --- | --- | --- |",
    ]
    for t in d.tables.values():
        out.append(f"| [{t.name}](#table-{t.name}) | {_md(t.description)} | {', '.join(t.primary_key)} |")
    out.append("")
    for t in d.tables.values():
        out += [f'<a id="table-{t.name}"></a>', "", f"### {t.name}: {_md(t.title)}", "", _md(t.description), ""]
        out.append(f"- Primary key: {', '.join(f'`{k}`' for k in t.primary_key) or 'none'}")
        for fk in t.foreign_keys:
            src = ", ".join(f"`{k}`" for k in fk.fields)
            ref = ", ".join(f"`{k}`" for k in fk.reference_fields)
            out.append(f"- Foreign key: {src} refers to [{fk.resource}](#table-{fk.resource}) {ref}")
        out += ["", "| field | type | required | allowed values | privacy | description |"]
        out.append("| --- | --- | --- | --- | --- | --- |")
        for f in t.fields:
            privacy = (f.privacy or "").replace("_", "-")
            out.append(
                f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | {_allowed_text(d, f)} "
                f"| {privacy} | {_md(f.description)} |"
            )
        if t.rules:
            out += ["", "Rules:", ""]
            out += [f"- `{r.name}`: {_md(r.description)}" for r in t.rules]
        out.append("")
    out += ["## Code lists", ""]
    out += [f"- [{c.name}](#codelist-{c.name}): {_md(c.description)}" for c in d.codelists.values()]
    out.append("")
    for c in d.codelists.values():
        df = c.frame()
        out += [f'<a id="codelist-{c.name}"></a>', "", f"### {c.name}", "", _md(c.description), ""]
        if c.source:
            out += [f"Source: {_md(c.source)}", ""]
        cols = list(df.columns)
        if (df["label"] == df["code"]).all():
            cols.remove("label")
        out.append("| " + " | ".join(cols) + " |")
        out.append("| " + " | ".join("---" for _ in cols) + " |")
        for rec in df[cols].itertuples(index=False):
            cells = ["" if pd.isna(v) else ("yes" if v is True else "no" if v is False else _md(v)) for v in rec]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def write_readme(path: str | Path | None = None) -> Path:
    """Write :func:`render_readme` to ``path`` (default ``data_dictionary/README.md``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path) if path is not None else Path(str(_default_root() / "README.md"))
    target.write_text(render_readme(), encoding="utf-8")
    return target
