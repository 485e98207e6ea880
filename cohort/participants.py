"""Read a programme's participant list (pseudonymous ids and start dates) from a file.

A project that asks for an evaluation sends a list of the children it worked
with. The list is read here, at the door, like any extract: identifiers are
pseudonymised with the same keyed hash as :func:`cohort.load_extract` (so they
join the store's ``child_id``), and every problem is reported at once with the
file, row and column. :func:`cohort.evaluate` then takes the returned table;
the measures never read files.
"""

from __future__ import annotations

import datetime
import os
import warnings
from pathlib import Path

import pandas as pd

from cohort.exceptions import DataQualityWarning, ValidationError
from cohort.loaders import KEY_ENVIRONMENT_VARIABLE, pseudonymise

__all__ = ["PARTICIPANT_COLUMNS", "read_participants"]

#: Columns of the table :func:`read_participants` returns.
PARTICIPANT_COLUMNS: tuple[str, ...] = ("child_id", "start_date", "source_row")

#: Column names accepted for the identifier and the start date, first match wins
#: (compared after lower-casing and turning spaces and hyphens into underscores).
_ID_NAMES = ("child_id", "id", "young_person_id", "yp_id", "person_id", "pupil_id", "upn")
_START_NAMES = ("start_date", "programme_start", "start", "date_started", "referral_date")


def _normalise(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _read(path: Path, sheet: str | int | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    if suffix in (".csv", ".txt"):
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return pd.read_csv(path, dtype=object, encoding=encoding, keep_default_na=False,
                                   na_values=[""])
            except UnicodeDecodeError:
                continue
    raise ValueError(
        f"{path.name}: participant lists must be CSV (.csv) or Excel (.xlsx); got {suffix or 'no suffix'!r}"
    )


def _problem(file: str, sheet: str, row: object, column: str, value: object, rule: str,
             message: str) -> dict[str, object]:
    return {"file": file, "sheet": sheet, "table": "participants", "row": row, "column": column,
            "value": value, "rule": rule, "message": message}


def read_participants(
    path: str | os.PathLike[str],
    key: str | bytes | None = None,
    *,
    id_column: str | None = None,
    start_column: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a participant list (CSV or Excel) and pseudonymise its identifiers.

    Parameters
    ----------
    path : path
        A ``.csv`` (UTF-8, with or without BOM, or Windows-1252) or ``.xlsx``
        file with one row per participant and a header row.
    key : str or bytes, optional
        Pseudonymisation key, the same one the extracts were ingested with;
        default the environment variable ``COHORT_PSEUDONYMISATION_KEY``.
        Without a key the identifiers are kept as given (right for a store
        whose ids were never pseudonymised, such as the synthetic demo) and a
        :class:`~cohort.exceptions.DataQualityWarning` says so.
    id_column : str, optional
        The identifier column; default the first of ``child_id``, ``id``,
        ``young_person_id``, ``yp_id``, ``person_id``, ``pupil_id``, ``upn``
        (case, spaces and hyphens ignored).
    start_column : str, optional
        The programme start date column; default the first of
        ``start_date``, ``programme_start``, ``start``, ``date_started``,
        ``referral_date``. Optional: without one, :func:`cohort.evaluate`
        takes start dates from the programme's intervention records.
    sheet : str or int, optional
        Excel sheet (default the first).

    Returns
    -------
    pandas.DataFrame
        One row per listed participant, in file order (duplicates kept, so
        that the evaluation's flow can count them):

        - ``child_id``: the pseudonymised identifier (text).
        - ``start_date``: the programme start date (``datetime64``; missing
          when the file has no start column).
        - ``source_row``: the 1-based data row in the file (header excluded).

    Raises
    ------
    ValidationError
        Listing every problem with file, sheet, row and column: no
        identifier column, blank identifiers, unreadable start dates.
    ValueError
        A file type other than CSV or Excel.
    FileNotFoundError
        The file does not exist.

    Notes
    -----
    Other columns (names, dates of birth, schools) are dropped without
    being read into the result: only the identifier and the start date
    leave this function. Dates are read day first (``31/01/2024``) or ISO
    (``2024-01-31``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "cyc.csv").write_text("Child ID,Start date\\nC1,15/09/2023\\nC2,2023-10-02\\n")
    >>> read_participants(folder / "cyc.csv", key="secret")[["start_date", "source_row"]]
      start_date  source_row
    0 2023-09-15           1
    1 2023-10-02           2
    >>> len(read_participants(folder / "cyc.csv", key="secret")["child_id"][0])
    16
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"participant list not found: {path}")
    raw = _read(path, sheet)
    sheet_name = "" if path.suffix.lower() == ".csv" else str(sheet if sheet is not None else "first sheet")
    columns = {_normalise(c): c for c in raw.columns}
    problems: list[dict[str, object]] = []

    def find(given: str | None, names: tuple[str, ...]) -> object | None:
        if given is not None:
            return columns.get(_normalise(given))
        return next((columns[n] for n in names if n in columns), None)

    id_col = find(id_column, _ID_NAMES)
    start_col = find(start_column, _START_NAMES)
    if id_col is None:
        wanted = repr(id_column) if id_column else "one of " + ", ".join(_ID_NAMES)
        problems.append(_problem(path.name, sheet_name, None, wanted, None, "id_column",
                                 f"no identifier column ({wanted}); the file has "
                                 f"{[str(c) for c in raw.columns]}"))
    if start_column is not None and start_col is None:
        problems.append(_problem(path.name, sheet_name, None, start_column, None, "start_column",
                                 f"no start date column {start_column!r}; the file has "
                                 f"{[str(c) for c in raw.columns]}"))
    if problems:
        raise ValidationError(pd.DataFrame(problems))
    rows = pd.RangeIndex(1, len(raw) + 1)
    ids = raw[id_col].astype(object).map(lambda v: str(v).strip() if pd.notna(v) else "")
    ids.index = rows
    for r in ids.index[ids == ""]:
        problems.append(_problem(path.name, sheet_name, int(r), str(id_col), None, "required",
                                 "blank identifier"))
    if start_col is not None:
        text = raw[start_col]
        text.index = rows
        starts = _parse_dates(text)
        bad = text.notna() & (text.astype(str).str.strip() != "") & starts.isna()
        for r in text.index[bad]:
            problems.append(_problem(path.name, sheet_name, int(r), str(start_col), text[r], "date",
                                     "not a date (write 31/01/2024 or 2024-01-31)"))
    else:
        starts = pd.Series(pd.NaT, index=rows, dtype="datetime64[ns]")
    if problems:
        raise ValidationError(pd.DataFrame(problems))
    resolved = key if key is not None else os.environ.get(KEY_ENVIRONMENT_VARIABLE) or None
    if resolved is None:
        warnings.warn(
            f"{path.name}: no pseudonymisation key (key= or {KEY_ENVIRONMENT_VARIABLE}): "
            "participant identifiers are kept as given",
            DataQualityWarning, stacklevel=2,
        )
        child_id = ids.astype(object)
    else:
        child_id = pseudonymise(ids, resolved).astype(object)
    return pd.DataFrame(
        {
            "child_id": child_id.to_numpy(),
            "start_date": starts.to_numpy(dtype="datetime64[ns]"),
            "source_row": rows.to_numpy(),
        }
    )


def _parse_dates(values: pd.Series) -> pd.Series:
    """Dates from Excel datetimes, ISO text or day-first text; unreadable ones missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for i, v in values.items():
        if v is None or (isinstance(v, float) and pd.isna(v)):
            continue
        if isinstance(v, datetime.date):  # Excel cells arrive as datetime
            out[i] = pd.Timestamp(v)
            continue
        s = str(v).strip()
        if not s:
            continue
        iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        if pd.isna(iso):
            iso = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce")
        if pd.isna(iso):
            iso = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
        out[i] = iso
    return out
