"""Text at the door: every cell is read as text, then parsed into the type its
field declares, so nothing is silently coerced."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from cohort.dictionary import YEARMONTH_PATTERN

__all__ = ["NA_VALUES", "PLAUSIBLE_DATES", "as_text", "parse", "type_message"]

#: Cell values read as missing (after stripping surrounding spaces).
NA_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "nan", "NaN")
#: Accepted spellings of booleans (compared in lower case).
TRUE_VALUES: tuple[str, ...] = ("true", "t", "yes", "y", "1")
FALSE_VALUES: tuple[str, ...] = ("false", "f", "no", "n", "0")
#: Dates outside this range are typing errors (e.g. a 2-digit year read as AD 23).
#: Dates after the extract date are errors too (see :func:`cohort.load_extract`).
PLAUSIBLE_DATES = ("1900-01-01", "2100-12-31")


def as_text(s: pd.Series) -> pd.Series:
    """Text with NaN for missing: ``str`` dtype on pandas 3, object on pandas 2."""
    mask = s.isna()
    out = s.astype(str)
    return out.where(~mask) if mask.any() else out


def column_to_text(s: pd.Series) -> pd.Series:
    """A typed column (Parquet) as the text a CSV would hold."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        fmt = "%Y-%m-%d" if (s.dropna() == s.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
        return as_text(s.dt.strftime(fmt))
    if pd.api.types.is_bool_dtype(s):
        return as_text(s.map({True: "true", False: "false"}))
    if pd.api.types.is_float_dtype(s):
        whole = s.notna() & (s == s.round()) & (s.abs() < 2**53)
        out = as_text(s)
        if whole.any():
            out = out.where(~whole, as_text(s.where(whole).astype("Int64")))
        return out
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime"):
        return column_to_text(pd.to_datetime(s))
    return as_text(s)


def parse(kind: str, s: pd.Series, fmt: str) -> pd.Series:
    """Parse text into the in-memory type of a field; unparseable values become missing.

    Examples
    --------
    >>> parse("date", pd.Series(["31/01/2024", "2024-02-01", "31/02/2024"]), "%d/%m/%Y").tolist()
    [Timestamp('2024-01-31 00:00:00'), Timestamp('2024-02-01 00:00:00'), NaT]
    >>> parse("boolean", pd.Series(["Y", "no", "maybe"]), "").tolist()
    [True, False, <NA>]
    """
    if kind == "string":
        return as_text(s)
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
        # an extract holds few distinct dates (a few thousand in five years): parse each once
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) < len(s) // 2:
            parsed = parse("date", pd.Series(np.asarray(uniques, dtype=object), dtype=object), fmt)
            values = np.append(parsed.to_numpy(), np.datetime64("NaT"))
            return pd.Series(values[codes], index=s.index, dtype="datetime64[ns]")
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
        out = as_text(s.where(good))
        todo = ~good & s.notna()
        if todo.any():
            dates = parse("date", s.where(todo), fmt)
            out = out.where(~todo, as_text(dates.dt.strftime("%Y-%m")))
        return out
    raise ValueError(f"unknown field type {kind!r}")


def _human_format(fmt: str) -> str:
    for a, b in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy"), ("%b", "Mon"), ("%B", "Month")):
        fmt = fmt.replace(a, b)
    return fmt


def type_message(kind: str, fmt: str) -> str:
    """What a value of the wrong type should have looked like."""
    if kind == "date":
        example = _dt.date(2024, 1, 31).strftime(fmt)
        return f"not a valid date (expected {_human_format(fmt)}, e.g. {example}, or yyyy-mm-dd)"
    return {
        "integer": "not a whole number",
        "number": "not a number",
        "boolean": "not a yes/no value (expected true/false, yes/no, y/n or 1/0)",
        "yearmonth": "not a year and month (expected yyyy-mm)",
    }[kind]
