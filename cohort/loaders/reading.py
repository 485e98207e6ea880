"""Reading extract files as text: CSV (encoding and delimiter sniffed), Excel
and Parquet.

Nothing here guesses silently: a file that cannot be read as a table becomes a
*file problem* (file, sheet, rule, message) that names what was tried and
what was found, e.g. "cannot decode as UTF-8, UTF-16 or Windows-1252" or "this
is an Excel workbook saved with a .csv name".
"""

from __future__ import annotations

import codecs
import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cohort.exceptions import UsageError
from cohort.loaders.text import NA_VALUES, column_to_text

__all__ = ["RawFile", "read_file", "normalise_paths"]

_SUFFIXES = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet",
}
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


@dataclass
class RawFile:
    """One file of an extract read as text: its sheets (one for CSV/Parquet),
    how it was decoded, and the problems that stopped it being read."""

    path: Path
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def problem(self, rule: str, message: str, sheet: str = "", row: int | None = None) -> None:
        self.problems.append({"file": self.name, "sheet": sheet, "row": row, "rule": rule, "message": message})


def normalise_paths(paths: Any) -> list[tuple[str | None, Path]]:
    """``paths`` as ``[(table or None, Path)]``; missing files are a :class:`UsageError`."""
    if isinstance(paths, str | os.PathLike):
        items: list[tuple[str | None, Path]] = [(None, Path(paths))]
    elif isinstance(paths, Mapping):
        items = [(str(t), Path(p)) for t, p in paths.items()]
    elif isinstance(paths, Iterable):
        items = [(None, Path(p)) for p in paths]
    else:
        raise TypeError(f"paths must be a path, a list of paths or a dict {{table: path}}, not {type(paths).__name__}")
    if not items:
        raise UsageError("no extract files given")
    missing = [str(p) for _, p in items if not p.is_file()]
    if missing:
        folders = [m for m in missing if Path(m).is_dir()]
        hint = (f"; {folders[0]} is a folder: pass the files in it (e.g. {folders[0]}/*.csv)"
                if folders else "")
        raise UsageError(f"extract file(s) not found: {', '.join(missing)}{hint}")
    return items


# ---------------------------------------------------------------- CSV


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(raw: RawFile, data: bytes) -> tuple[str, str] | None:
    """Decode CSV bytes; None (with a problem recorded) when they are not text."""
    if data.startswith(b"PK\x03\x04"):
        raw.problem("file_type", "this is a zip file (probably an Excel .xlsx workbook) with a "
                    f"{raw.path.suffix} name: save it as CSV, or give it its .xlsx name")
        return None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raw.problem("file_type", "this is an old Excel 97-2003 workbook (.xls) with a "
                    f"{raw.path.suffix} name: save it as CSV (UTF-8) or as .xlsx")
        return None
    if data.startswith(b"%PDF"):
        raw.problem("file_type", "this is a PDF document, not a CSV file")
        return None
    boms = ((codecs.BOM_UTF8, "utf-8-sig", "utf-8 (BOM)"), (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16", "utf-16"))
    for bom, codec, label in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as err:
                at = err.start + (len(bom) if codec == "utf-8-sig" else 0)
                raw.problem("encoding", f"cannot decode: the file starts with a {label.split(' ')[0].upper()} "
                            f"byte-order mark but byte {data[at]:#04x} at line {_line_of(data, at)} is not "
                            f"{label.split(' ')[0].upper()} (tried the encoding its byte-order mark names); "
                            "save the file as 'CSV UTF-8'")
                return None
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is zero
        codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        first_nul = _line_of(data, data.index(b"\x00"))
        raw.problem("file_type", f"contains NUL bytes (first at line {first_nul}): "
                    "not a text (CSV) file; tried UTF-8, UTF-16 and Windows-1252")
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_err = err
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:
        raw.problem(
            "encoding",
            f"cannot decode: byte {data[utf8_err.start]:#04x} at line {_line_of(data, utf8_err.start)} "
            f"is not UTF-8, and byte {data[err.start]:#04x} at line {_line_of(data, err.start)} is not "
            "Windows-1252 (tried UTF-8, UTF-16 and Windows-1252); save the file as 'CSV UTF-8'",
        )
        return None
    controls = len(re.findall(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text[:20000]))
    if controls > 20:
        raw.problem("file_type", f"does not look like text: {controls} control characters in its first "
                    "20,000 characters (tried UTF-8, UTF-16 and Windows-1252)")
        return None
    return text, "windows-1252"


def _delimiter(text: str) -> str:
    """The delimiter of a CSV text: the candidate most frequent in its header line."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(raw: RawFile) -> None:
    data = raw.path.read_bytes()
    if not data.strip(b"\r\n\t \xef\xbb\xbf"):
        raw.problem("file_empty", "the file is empty (0 bytes)" if not data else "the file holds only blank lines")
        return
    decoded = _decode(raw, data)
    if decoded is None:
        return
    text, raw.encoding = decoded
    raw.delimiter = _delimiter(text)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=raw.delimiter, dtype=str, keep_default_na=False,
            na_values=list(NA_VALUES), skip_blank_lines=False, engine="c",
        )
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m:
            raw.problem("malformed_csv",
                        f"line {m[2]} has {m[3]} fields where the header has {m[1]} "
                        f"({_DELIMITER_NAMES[raw.delimiter]}-delimited, {raw.encoding}); "
                        "a value with a delimiter in it must be quoted", row=int(m[2]) - 1)
        else:
            raw.problem("malformed_csv", f"cannot be read as CSV ({raw.encoding}, "
                        f"{_DELIMITER_NAMES[raw.delimiter]}-delimited): {err}")
        return
    except pd.errors.EmptyDataError:
        raw.problem("file_empty", "the file has no header row")
        return
    raw.sheets[""] = df


# ---------------------------------------------------------------- Excel and Parquet


def _read_excel(raw: RawFile) -> None:
    try:
        sheets = pd.read_excel(raw.path, sheet_name=None, dtype=str, keep_default_na=False,
                               na_values=list(NA_VALUES))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raw.problem("unreadable", f"cannot be read as an Excel workbook (.xlsx): {err}")
        return
    except Exception as err:  # openpyxl raises its own classes for damaged workbooks
        raw.problem("unreadable", f"cannot be read as an Excel workbook (.xlsx): {type(err).__name__}: {err}")
        return
    raw.sheets = {str(k): v for k, v in sheets.items()}


def _read_parquet(raw: RawFile) -> None:
    try:
        df = pd.read_parquet(raw.path)
    except Exception as err:  # pyarrow raises several classes for a damaged file
        raw.problem("unreadable", f"cannot be read as Parquet: {type(err).__name__}: {err}")
        return
    raw.sheets[""] = pd.DataFrame({c: column_to_text(df[c]) for c in df.columns}, index=df.index)


def read_file(path: Path) -> RawFile:
    """Read one extract file as text sheets, recording why it could not be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "offences.csv"
    >>> _ = p.write_text("Offence Ref;Gravity\\nOF1;2\\n", encoding="utf-16")
    >>> f = read_file(p)
    >>> f.encoding, f.delimiter, f.sheets[""].columns.tolist()
    ('utf-16', ';', ['Offence Ref', 'Gravity'])
    >>> _ = p.write_bytes(b"")
    >>> read_file(p).problems[0]["message"]
    'the file is empty (0 bytes)'
    """
    raw = RawFile(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if path.suffix.lower() == ".xls":
        raw.problem("file_type", "old Excel 97-2003 format (.xls) is not supported: open it in Excel "
                    "and save it as an Excel Workbook (.xlsx) or as CSV UTF-8")
    elif kind is None:
        raw.problem("file_type", f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"use one of {', '.join(sorted(_SUFFIXES))}")
    elif kind == "csv":
        _read_csv(raw)
    elif kind == "excel":
        _read_excel(raw)
    else:
        _read_parquet(raw)
    return raw


def blank_mask(df: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is missing or spaces."""
    if not df.shape[1]:
        return np.ones(len(df), dtype=bool)
    return df.isna().all(axis=1).to_numpy()
