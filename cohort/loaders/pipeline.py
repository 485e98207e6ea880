"""The loading pipeline: read, map, protect, validate, decide.

:func:`validate_extract` returns every problem; :func:`load_extract` returns
the tables and the attrition log, or raises one
:class:`~cohort.exceptions.ValidationError` listing every problem.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import COMPARISON_RULES, load_dictionary
from cohort.exceptions import DataQualityWarning, PrivacyError, UsageError, ValidationError
from cohort.loaders.attrition import attrition
from cohort.loaders.cross_table import age_problems, fk_problems, future_problems
from cohort.loaders.mapping import ExtractMapping, read_mapping
from cohort.loaders.personal_data import pseudonymise, resolve_key
from cohort.loaders.pieces import Piece, _mapping_for, collect_pieces, prepare_piece
from cohort.loaders.problems import PROBLEM_COLUMNS, drop_redundant, public_frame, render_problems
from cohort.loaders.validation import P_COLS, Table, no_problems, prepare_table

#: Rules of the data dictionary implemented outside pandera (see cross_table).
_CROSS_TABLE_RULES = {"age_at_offence_10_to_17"}


def _new_meta() -> dict[str, Any]:
    return {
        "source_files": [],
        "encodings": {},
        "delimiters": {},
        "headers_matched": {},
        "ignored_sheets": [],
        "ignored_columns": {},
        "blank_rows_skipped": {},
        "joins": {},
        "foreign_keys_unchecked": [],
        "tables_absent": [],
    }


def _extract_date(given: Any, m: ExtractMapping, files: list[str]) -> tuple[pd.Timestamp, str]:
    """The extract date and where it came from: given, the mapping, or today."""
    if given is not None and given != "":
        try:
            day = pd.Timestamp(given)
        except (ValueError, TypeError) as err:
            raise UsageError(f"extract date {given!r} is not a date; write it as yyyy-mm-dd") from err
        if pd.isna(day):
            raise UsageError(f"extract date {given!r} is not a date; write it as yyyy-mm-dd")
        source = "given"
    elif m.extract_date is not None and (found := m.extract_date.resolve(files)):
        day, source = pd.Timestamp(found), ("mapping" if m.extract_date.value else "file name")
    else:
        day, source = pd.Timestamp(_dt.date.today()), "day of loading"
    if day.normalize() > pd.Timestamp(_dt.date.today()):
        raise UsageError(f"extract date {day:%Y-%m-%d} is in the future; give the day the extract was taken")
    return day.normalize(), source


def _empty_pieces(pieces: list[Piece]) -> list[dict]:
    out = []
    for p in pieces:
        if p.join is None and len(p.frame) == 0:
            what = "only blank rows" if len(p.blank_rows) else "no data rows (only a header)"
            out.append({"file": p.file, "sheet": p.sheet, "table": p.table, "row": None, "column": "",
                        "value": None, "rule": "no_data_rows",
                        "message": f"the {p.table} {'sheet' if p.sheet else 'file'} holds {what}; "
                                   "an extract must carry the rows of every table it includes"})
    return out


def _run(paths: Any, mapping: Any, extract_date: Any = None) -> dict[str, Any]:
    d = load_dictionary()
    m = read_mapping(mapping)
    meta = _new_meta()
    pieces, file_problems = collect_pieces(paths, m, d, meta)
    day, day_source = _extract_date(extract_date, m, meta["source_files"])
    personal = []
    for p in pieces:
        for c in prepare_piece(p, _mapping_for(m, p.table), d.tables[p.table], meta):
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
    file_problems += _empty_pieces(pieces)
    tables: dict[str, Table] = {}
    found: list[pd.DataFrame] = []
    join_problems: list[dict] = []
    join_attrition: list[pd.DataFrame] = []
    ordered = [n for n in d.tables if any(p.table == n and p.join is None for p in pieces)]
    main_pieces: list[Piece] = []
    for name in ordered:
        mine = [p for p in pieces if p.table == name and p.join is None]
        joins = [p for p in pieces if p.table == name and p.join is not None]
        t, probs, jp, ja = prepare_table(name, mine, _mapping_for(m, name), d, len(main_pieces), joins, meta)
        main_pieces.extend(mine)
        tables[name] = t
        found.extend(probs)
        join_problems += jp
        join_attrition += ja
    orphan_joins = [p for p in pieces if p.join is not None and p.table not in tables]
    for p in orphan_joins:
        file_problems.append({"file": p.file, "sheet": p.sheet, "table": p.table, "row": None, "column": "",
                              "value": None, "rule": "join_without_table",
                              "message": f"adds columns to {p.table}, but the extract has no {p.table} file"})
    meta["tables_absent"] = [n for n in m.tables if n not in tables]
    for name in ordered:
        for r in tables[name].schema.rules:
            if r.name not in COMPARISON_RULES and r.name not in _CROSS_TABLE_RULES:
                raise NotImplementedError(f"rule {r.name!r} of table {name} has no implementation")
    found += fk_problems(tables, meta)
    found += age_problems(tables)
    found += future_problems(tables, day)
    found = [f for f in found if not f.empty]
    internal = pd.concat(found, ignore_index=True) if found else no_problems()
    internal = internal[P_COLS].astype({"idx": "int64", "piece": "int64"})
    internal = drop_redundant(internal, tables)
    row_level = render_problems(internal, tables, main_pieces)
    public = pd.concat(
        [x for x in (public_frame(file_problems), row_level,
                     public_frame(join_problems).sort_values(["file", "sheet", "row"], kind="stable"))
         if len(x)]
        or [row_level], ignore_index=True,
    )[list(PROBLEM_COLUMNS)]
    return {
        "tables": tables, "internal": internal, "public": public, "pieces": main_pieces,
        "mapping": m, "meta": meta, "file_problems": file_problems, "join_attrition": join_attrition,
        "extract_date": day, "extract_date_source": day_source,
    }


def validate_extract(paths: Any, mapping: Any = None, extract_date: Any = None) -> pd.DataFrame:
    """Check an extract against the data dictionary and return every problem found.

    Reads and validates exactly as :func:`load_extract` does, but writes
    nothing, pseudonymises nothing and never raises
    :class:`~cohort.exceptions.ValidationError`.

    Parameters
    ----------
    paths, mapping, extract_date
        As for :func:`load_extract`.

    Returns
    -------
    pandas.DataFrame
        One row per problem (empty when the extract is valid): ``file``,
        ``sheet`` (empty for CSV and Parquet), ``table``, ``row`` (data row
        counted from 1 under the header; missing for a problem with a whole
        file or column), ``column`` (as named in the source), ``value`` (as
        written in the source; a date of birth is withheld), ``rule`` and
        ``message``. File rules: ``file_empty``, ``file_type``,
        ``encoding``, ``malformed_csv``, ``unreadable``,
        ``no_sheet_matches``, ``no_data_rows``. Column rules:
        ``required_column``, ``mapped_column``. Row rules: ``required``,
        ``type``, ``code``, ``enum``, ``minimum``, ``maximum``,
        ``pattern``, ``unique``, ``primary_key``, ``foreign_key``,
        ``after_extract_date``, ``born_after_offence``, the joins'
        ``join_unmatched`` and ``join_duplicate``, and the dictionary's
        named rules (``outcome_after_offence``, ``age_at_offence_10_to_17``,
        ``end_after_start``, ``attended_within_possible``).
        ``attrs["metadata"]`` holds what :func:`load_extract` would record
        (tables absent, blank and duplicate rows, encodings...).

    Raises
    ------
    MappingError, PrivacyError, UsageError
        For a broken mapping, personal columns the mapping does not drop,
        or files that do not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "offences.csv").write_text(
    ...     "offence_id,child_id,authority_code,offence_date,outcome_date,outcome,offence_group,"
    ...     "gravity_score,is_breach\\n"
    ...     "F1,C1,E08000014,2024-01-02,2024-02-03,Fine,Drugs,3,no\\n"
    ...     "F2,C1,E08000014,2034-01-02,2034-02-03,Fine,Drugs,eleven,no\\n")
    >>> p = validate_extract(folder / "offences.csv", extract_date="2025-04-07")
    >>> p[["row", "column", "rule"]].values.tolist()
    [[2, 'offence_date', 'after_extract_date'], [2, 'outcome_date', 'after_extract_date'], [2, 'gravity_score', 'type']]
    """
    run = _run(paths, mapping, extract_date)
    out = run["public"]
    out.attrs["metadata"] = {**run["meta"], "extract_date": run["extract_date"].date().isoformat()}
    return out


def load_extract(
    paths: Any,
    mapping: Any = None,
    strict: bool = True,
    key: str | bytes | None = None,
    source_name: str | None = None,
    extract_date: Any = None,
) -> CohortData:
    """Read, map, validate and pseudonymise a case-management extract.

    Parameters
    ----------
    paths : path, list of paths, or dict {table: path}
        CSV (encoding and delimiter detected), Excel (``.xlsx``, one sheet
        per table) or Parquet files. The table a sheet or file holds is
        found from the mapping's ``source`` patterns, or given by the dict
        key.
    mapping : str, Path, dict or None
        A mapping file or the name of a packaged one (``"childview"``,
        ``"youthtrack"``); None means ``identity`` (columns already named as
        in the data model).
    strict : bool, default True
        True raises one :class:`~cohort.exceptions.ValidationError` listing
        every problem; False moves each invalid row, and each row whose
        parent row was rejected, to the attrition log instead. Files that
        cannot be read at all raise in both modes.
    key : str or bytes, optional
        Pseudonymisation key; defaults to the environment variable
        ``COHORT_PSEUDONYMISATION_KEY``. Without one, identifiers are kept
        as given, ``metadata["pseudonymised"]`` is False and a
        :class:`~cohort.exceptions.DataQualityWarning` is issued. Keep the
        same key every quarter so that children keep their pseudonyms.
    source_name : str, optional
        Free-text description of the source for ``metadata["source"]``.
    extract_date : date-like, optional
        The day the extract was taken. Default: the mapping's
        ``extract_date`` (a fixed date, or a pattern on the file names),
        else today. Never taken from the rows: a date after it is a problem
        (``after_extract_date``), and reports default to the last quarter
        complete by then.

    Returns
    -------
    CohortData
        The loaded tables (columns in schema order; dates ``datetime64[ns]``,
        booleans ``boolean``, integers ``Int64``, numbers ``float64``,
        strings ``str``; optional columns absent from the extract are
        all-missing), the attrition log (one row per input row not loaded:
        ``file``, ``sheet``, ``table``, ``row``, ``column``, ``rule``,
        ``reason`` (several joined by "; ") and ``authority_code`` where it
        is known; blank rows have rule ``blank_row`` and exact duplicates
        ``duplicate_row``, of which one copy is loaded) and ``metadata``:
        ``source``, ``source_files``, ``mapping``, ``system``, ``rows_in``
        (data rows per table, blank and duplicate rows included),
        ``rows_out``, ``rows_rejected`` (so that ``rows_in = rows_out +
        rows_rejected``), ``pseudonymised``, ``synthetic`` (False),
        ``extract_date`` and ``extract_date_source``, ``encodings``,
        ``delimiters``, ``headers_matched``, ``ignored_sheets``,
        ``ignored_columns``, ``blank_rows_skipped``, ``joins`` (rows in,
        merged and set aside per join file), ``tables_absent`` (tables of
        the mapping not in the extract), ``foreign_keys_unchecked``.

    Raises
    ------
    ValidationError
        ``strict=True`` and any problem (see :func:`validate_extract`), or
        a file that cannot be read as a table.
    MappingError
        A malformed mapping, or a file no mapping pattern matches.
    PrivacyError
        Name-, address- or contact-like columns the mapping does not drop.
    UsageError
        A file that does not exist, or an extract date that is not a date.

    Notes
    -----
    Foreign keys are checked only when the referenced table is in the
    extract (``metadata["foreign_keys_unchecked"]`` lists the others). A
    full date of birth (a column mapped to ``date_of_birth``) is reduced to
    ``birth_month`` and never kept; problems show it as withheld.
    """
    run = _run(paths, mapping, extract_date)
    public, tables, meta, m = run["public"], run["tables"], run["meta"], run["mapping"]
    if len(public) and (strict or run["file_problems"]):
        raise ValidationError(public)
    rejected, log = attrition(tables, run["internal"], run["pieces"], run["join_attrition"])
    kb = resolve_key(key)
    if kb is None:
        warnings.warn(
            "no pseudonymisation key (key= or COHORT_PSEUDONYMISATION_KEY): identifiers are kept "
            "as given and metadata['pseudonymised'] is False",
            DataQualityWarning, stacklevel=2,
        )
    out: dict[str, pd.DataFrame] = {}
    pseudonyms: dict[str, str] = {}  # one hash per identifier, whichever tables hold it
    for name, t in tables.items():
        df = t.typed.loc[~rejected[name], list(t.schema.field_names)].reset_index(drop=True)
        if kb is not None:
            for col in t.schema.identifiers:
                df[col] = pseudonymise(df[col], kb, cache=pseudonyms)
        out[name] = df
    join_files = set(meta["joins"])
    own = log[~(log["file"] + log["sheet"].map(lambda s: f"!{s}" if s else "")).isin(join_files)]
    set_aside = own.groupby("table").size()
    problem_rows = log[~log["rule"].isin(["blank_row", "duplicate_row"])]
    if len(problem_rows):
        warnings.warn(
            f"{len(problem_rows)} input row(s) failed validation or lost their parent row and were "
            "moved to the attrition log",
            DataQualityWarning, stacklevel=2,
        )
    from cohort import __version__

    files = list(dict.fromkeys(meta["source_files"]))
    rows_in = {n: int(sum(p.rows_in for p in run["pieces"] if p.table == n)) for n in tables}
    metadata = {
        "source": source_name or f"{m.system} extract: {', '.join(files)}",
        "source_files": files,
        "mapping": m.name,
        "system": m.system,
        "rows_in": rows_in,
        "rows_out": {n: len(df) for n, df in out.items()},
        "rows_rejected": {n: int(set_aside.get(n, 0)) for n in tables},
        "pseudonymised": kb is not None,
        "synthetic": False,
        "strict": strict,
        "package_version": __version__,
        "extract_date": run["extract_date"].date().isoformat(),
        "extract_date_source": run["extract_date_source"],
        **{k: v for k, v in meta.items() if k != "source_files"},
    }
    return CohortData(out, log, metadata)
