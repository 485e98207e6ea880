"""Scan produced outputs for identifiers taken from the input data.

Reports and board packs must never carry a child's identifier, a
pseudonymised identifier, a date or month of birth or a postcode.
:func:`identifiers_from` gathers such values from the input tables;
:func:`scan_outputs` searches every HTML, Excel (``.xlsx``: every cell of
every sheet, sheet names and comments), executed notebook (``.ipynb``: every
source, output and metadata) and text file for them and returns a tidy table
of findings with the matched value masked; :func:`assert_no_identifiers`
raises :class:`~cohort.exceptions.PrivacyError` if there is any.

Matching
--------
Every spelling of every value goes into a set; each text is split once into
maximal runs of letters and digits and looked up run by run (one pass over
each text, however many identifiers, with a fast path that skips a text
sharing no run with any value). Matches are case-insensitive and whole
tokens: the characters before and after a match are not letters or digits
(``C000123`` is not found inside ``XC0001234``), except that an ISO date may
be followed by ``T`` and a time. Whitespace inside a value matches any run
of whitespace (``14 March 2009``, ``14&nbsp;March 2009``); other separators
must match exactly.
Identifiers shorter than ``min_length`` characters (6 by default) are skipped
with a warning, because short numbers occur in ordinary text and tables.

Not scanned: the pixels of images (a child's identifier drawn into a figure
is not found), embedded base64 images, and binary formats other than
``.xlsx`` (``.pdf``, ``.docx``), which are listed in a warning.
"""

from __future__ import annotations

import html
import json
import os
import re
import string
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from cohort.exceptions import CohortWarning, PrivacyError

__all__ = [
    "FINDING_COLUMNS",
    "ID_COLUMNS",
    "assert_no_identifiers",
    "identifiers_from",
    "scan_outputs",
]

#: Columns gathered as identifiers by :func:`identifiers_from`.
ID_COLUMNS: tuple[str, ...] = ("child_id", "offence_id", "intervention_id", "victim_id", "record_id")
#: Columns of the findings table returned by :func:`scan_outputs`.
FINDING_COLUMNS: tuple[str, ...] = ("file", "location", "kind", "masked_value")

Kind = Literal["identifier", "postcode", "birth_date", "birth_month"]
_KINDS: tuple[str, ...] = get_args(Kind)
_BIRTH_DATE_COLUMNS = ("date_of_birth", "dob", "birth_date")
_BIRTH_MONTH_COLUMNS = ("birth_month",)
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".tif", ".tiff"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


# ---------------------------------------------------------------------------
# Gathering identifiers
# ---------------------------------------------------------------------------


def identifiers_from(
    data: Mapping[str, pd.DataFrame] | Any,
    *,
    id_columns: Iterable[str] = ID_COLUMNS,
) -> pd.DataFrame:
    """Gather identifier-like values from input tables.

    Parameters
    ----------
    data : mapping of str to DataFrame, or CohortData
        Tables by name; an object with a ``.tables`` mapping (such as
        :class:`cohort.cohortdata.CohortData`) is accepted.
    id_columns : iterable of str
        Columns whose values are identifiers (default :data:`ID_COLUMNS`).
        Every column whose name contains ``postcode`` gives postcodes;
        ``date_of_birth``, ``dob`` and ``birth_date`` give birth dates;
        ``birth_month`` gives birth year-months.

    Returns
    -------
    pandas.DataFrame
        One row per distinct (``value``, ``kind``), with the first ``table``
        and ``column`` it was found in. ``kind`` is ``"identifier"``,
        ``"postcode"``, ``"birth_date"`` (ISO ``YYYY-MM-DD``) or
        ``"birth_month"`` (``YYYY-MM``). Confidential: keep it in memory.

    Examples
    --------
    >>> import pandas as pd
    >>> children = pd.DataFrame({"child_id": ["C000123", "C000124"], "birth_month": ["2009-03", "2010-11"],
    ...                          "home_postcode": ["sw1a 1aa", None]})
    >>> identifiers_from({"children": children})[["value", "kind"]]
         value         kind
    0  C000123   identifier
    1  C000124   identifier
    2  2009-03  birth_month
    3  2010-11  birth_month
    4  SW1A1AA     postcode
    """
    tables = getattr(data, "tables", data)
    if not isinstance(tables, Mapping):
        raise TypeError("data must be a mapping of table name to DataFrame, or have a .tables mapping")
    ids = set(id_columns)
    rows: list[tuple[str, str, str, str]] = []
    for tname, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        for col in frame.columns:
            cname = str(col)
            low = cname.lower()
            kind = (
                "identifier" if cname in ids
                else "postcode" if "postcode" in low
                else "birth_date" if low in _BIRTH_DATE_COLUMNS
                else "birth_month" if low in _BIRTH_MONTH_COLUMNS
                else None
            )
            if kind is None:
                continue
            for v in dict.fromkeys(_normalise(frame[col].dropna().drop_duplicates(), kind)):
                rows.append((v, kind, str(tname), cname))
    out = pd.DataFrame(rows, columns=["value", "kind", "table", "column"], dtype=object)
    return out.drop_duplicates(["value", "kind"]).reset_index(drop=True)


def _normalise(values: Iterable[Any], kind: str) -> list[str]:
    out = []
    for x in values:
        v = _norm_value(x, kind)
        if v is not None:
            out.append(v)
    return out


_ISO = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T].*)?")


def _norm_value(x: Any, kind: str) -> str | None:
    """The canonical form of one value, or None if it is not one of ``kind``."""
    if kind in ("birth_date", "birth_month"):
        if hasattr(x, "strftime") and not _isna(x):
            return x.strftime("%Y-%m-%d" if kind == "birth_date" and not isinstance(x, pd.Period) else "%Y-%m")
        m = _ISO.fullmatch(str(x).strip())
        if m is None or (kind == "birth_date" and m.group(3) is None):
            return None
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        if kind == "birth_month":
            return f"{y:04d}-{mo:02d}"
        d = int(m.group(3))
        return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= d <= 31 else None
    if kind == "postcode":
        s = re.sub(r"\s+", "", str(x)).upper()
        return s or None
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    s = str(x).strip()
    return s or None


def _isna(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# Renderings and the compiled matcher
# ---------------------------------------------------------------------------


def _renderings(value: str, kind: str) -> list[str]:
    """The spellings of a value that count as a match."""
    if kind == "postcode":
        compact = re.sub(r"\s+", "", value).upper()
        if 5 <= len(compact) <= 7:
            return [f"{compact[:-3]} {compact[-3:]}", compact]
        return [compact]
    if kind == "birth_date":
        y, m, day = (int(p) for p in value.split("-"))
        month, mon = _MONTHS[m - 1], _MONTHS[m - 1][:3]
        return [
            f"{y:04d}-{m:02d}-{day:02d}", f"{y:04d}/{m:02d}/{day:02d}", f"{y:04d}{m:02d}{day:02d}",
            f"{day:02d}/{m:02d}/{y:04d}", f"{day}/{m}/{y:04d}", f"{day:02d}-{m:02d}-{y:04d}",
            f"{day:02d}.{m:02d}.{y:04d}", f"{m:02d}/{day:02d}/{y:04d}",
            f"{day} {month} {y}", f"{day:02d} {month} {y}", f"{day} {mon} {y}", f"{day:02d} {mon} {y}",
            f"{month} {day}, {y}", f"{mon} {day}, {y}", f"{day}-{mon}-{y}", f"{day:02d}-{mon}-{y}",
        ]
    if kind == "birth_month":
        y, m = value.split("-")
        month = _MONTHS[int(m) - 1]
        return [f"{y}-{m}", f"{m}/{y}", f"{int(m)}/{y}", f"{m}-{y}", f"{month} {y}", f"{month[:3]} {y}",
                f"{month[:3]}-{y}"]
    return [value]


_TOKEN = re.compile(r"[0-9]+(?=[Tt][0-9])|[A-Za-z0-9]+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text.translate(_ASCII_LOWER))


class _Matcher:
    """Token-level set lookup of every spelling of every identifier.

    A text is split into maximal runs of ASCII letters and digits (a run of
    digits followed by ``T`` and a digit ends there, so ISO timestamps split
    into date and time). A value of one run is found by a set lookup of each
    run; a value of ``k`` runs by looking up the text from a run that starts
    such a value (indexed by its first two runs) to the ``k``-th run, with
    whitespace collapsed. Because runs are maximal, every match is a whole
    token.
    """

    def __init__(self, identifiers: Any, min_length: int) -> None:
        self.single: dict[str, str] = {}
        self.multi: dict[str, str] = {}
        self.pairs: dict[tuple[str, str], list[int]] = {}
        short: list[str] = []
        for value, kind in _identifier_pairs(identifiers):
            if kind == "identifier" and len(value) < min_length:
                short.append(value)
                continue
            for r in _renderings(value, kind):
                low = _norm(r)
                toks = list(_TOKEN.finditer(low))
                if not toks:
                    continue
                key = low[toks[0].start() : toks[-1].end()]
                if len(toks) == 1:
                    self.single.setdefault(key, kind)
                else:
                    self.multi.setdefault(key, kind)
                    ks = self.pairs.setdefault((toks[0].group(), toks[1].group()), [])
                    if len(toks) not in ks:
                        ks.append(len(toks))
                        ks.sort(reverse=True)
        if short:
            warnings.warn(
                f"{len(short)} identifiers shorter than {min_length} characters were not searched for "
                "(short values occur in ordinary numbers and words); lower min_length to include them",
                CohortWarning,
                stacklevel=3,
            )

    def find(self, text: str) -> Iterator[tuple[int, str, str]]:
        if not text or not (self.single or self.pairs):
            return
        low = text.translate(_ASCII_LOWER)
        toks = _TOKEN.findall(low)
        single, pairs = self.single, self.pairs
        cand = [i for i, ab in enumerate(zip(toks, [*toks[1:], ""], strict=True)) if ab[0] in single or ab in pairs]
        if not cand:
            return
        # start offsets of runs, up to the last one a candidate can reach: runs are
        # separated by non-alphanumerics only, so each is the next occurrence of itself
        last = min(len(toks), cand[-1] + max((k for ks in pairs.values() for k in ks), default=1))
        starts, pos = [], 0
        for tok in toks[:last]:
            pos = low.find(tok, pos)
            starts.append(pos)
            pos += len(tok)
        taken = -1
        for i in cand:
            start = starts[i]
            if start < taken:
                continue
            hit = None
            for k in pairs.get((toks[i], toks[i + 1]) if i + 1 < len(toks) else ("", ""), ()):
                if i + k <= len(toks):
                    end = starts[i + k - 1] + len(toks[i + k - 1])
                    kind = self.multi.get(_WS.sub(" ", low[start:end]))
                    if kind is not None:
                        hit = (end, kind)
                        break
            if hit is None and toks[i] in single:
                hit = (start + len(toks[i]), single[toks[i]])
            if hit is not None:
                taken = hit[0]
                yield start, text[start : hit[0]], hit[1]


def _identifier_pairs(identifiers: Any) -> list[tuple[str, str]]:
    if isinstance(identifiers, pd.DataFrame):
        if "value" not in identifiers.columns:
            raise ValueError("an identifiers DataFrame needs a 'value' column (and optionally 'kind')")
        kinds = identifiers["kind"] if "kind" in identifiers.columns else pd.Series("identifier", index=identifiers.index)
        pairs = list(zip(identifiers["value"].astype(str), kinds.astype(str), strict=True))
    elif isinstance(identifiers, Mapping):
        pairs = [(str(v), str(k)) for k, vals in identifiers.items() for v in _as_list(vals)]
    elif isinstance(identifiers, (str, bytes)):
        raise ValueError("identifiers must be a collection of values, not a single string")
    else:
        pairs = [(str(v), "identifier") for v in identifiers]
    bad = sorted({k for _, k in pairs if k not in _KINDS})
    if bad:
        raise ValueError(f"unknown identifier kinds {bad}; choose from {list(_KINDS)}")
    out = []
    for v, k in pairs:
        v = v.strip()
        if not v:
            continue
        norm = _norm_value(v, k)
        if norm is None:
            raise ValueError(f"{k} value {v!r} is not a date (use YYYY-MM-DD or YYYY-MM)")
        out.append((norm, k))
    return out


def _as_list(vals: Any) -> list[Any]:
    if isinstance(vals, (str, bytes)):
        return [vals]
    return list(vals)


# ---------------------------------------------------------------------------
# Reading outputs
# ---------------------------------------------------------------------------


def _files(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[Path] = []
    for p in items:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or directory: {p}")
    return out


def _lines_of(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch == "\n"]


def _scan_block(matcher: _Matcher, text: str, file: str, where: str, found: list[tuple[str, str, str, str]],
                line_numbers: bool = True) -> None:
    newlines: list[int] | None = None
    for pos, matched, kind in matcher.find(text):
        loc = where
        if line_numbers:
            if newlines is None:
                newlines = _lines_of(text)
            loc = f"{where}line {bisect_right(newlines, pos - 1) + 1}".strip()
        found.append((file, loc, kind, _mask(matched)))


def _mask(value: str) -> str:
    return value[:2] + "*" * max(len(value) - 2, 0)


def _scan_xlsx(matcher: _Matcher, path: Path, found: list[tuple[str, str, str, str]]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=False)
    try:
        for ws in wb.worksheets:
            _scan_block(matcher, ws.title, str(path), f"sheet name {ws.title!r}", found, line_numbers=False)
            coords, texts = [], []
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    if v is None:
                        continue
                    if isinstance(v, float) and v.is_integer():
                        v = int(v)
                    coords.append(f"{ws.title}!{cell.coordinate}")
                    texts.append(str(v).replace("\n", " "))
                    if cell.comment is not None:
                        coords.append(f"{ws.title}!{cell.coordinate} (comment)")
                        texts.append(str(cell.comment.text).replace("\n", " "))
            if not texts:
                continue
            joined = "\n".join(texts)
            starts = [0]
            for t in texts[:-1]:
                starts.append(starts[-1] + len(t) + 1)
            for pos, matched, kind in matcher.find(joined):
                found.append((str(path), coords[bisect_right(starts, pos) - 1], kind, _mask(matched)))
    finally:
        wb.close()


def _as_text(x: Any) -> str:
    if isinstance(x, list):
        return "".join(map(str, x))
    if isinstance(x, str):
        return x
    return json.dumps(x, ensure_ascii=False, default=str)


def _scan_ipynb(matcher: _Matcher, path: Path, found: list[tuple[str, str, str, str]]) -> None:
    raw = path.read_text(encoding="utf-8", errors="replace")
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError:
        _scan_block(matcher, raw, str(path), "", found)
        return
    f = str(path)
    _scan_block(matcher, _as_text(nb.get("metadata", {})), f, "notebook metadata ", found, line_numbers=False)
    for ci, cell in enumerate(nb.get("cells", []), start=1):
        _scan_block(matcher, _as_text(cell.get("source", "")), f, f"cell {ci} source ", found)
        if cell.get("metadata"):
            _scan_block(matcher, _as_text(cell["metadata"]), f, f"cell {ci} metadata", found, line_numbers=False)
        for k in ("attachments",):
            if k in cell:
                _scan_block(matcher, _DATA_URI.sub(" ", _as_text(cell[k])), f, f"cell {ci} {k}", found,
                            line_numbers=False)
        for oi, out in enumerate(cell.get("outputs", []), start=1):
            where = f"cell {ci} output {oi}"
            if "text" in out:
                _scan_block(matcher, _as_text(out["text"]), f, f"{where} {out.get('name', 'stream')} ", found)
            for mime, payload in (out.get("data") or {}).items():
                if mime.startswith("image/") and mime != "image/svg+xml":
                    continue
                text = _as_text(payload)
                if "html" in mime:
                    text = html.unescape(_DATA_URI.sub(" ", text))
                _scan_block(matcher, text, f, f"{where} {mime} ", found)
            if out.get("output_type") == "error":
                err = " ".join([str(out.get("ename", "")), str(out.get("evalue", "")),
                                *map(str, out.get("traceback", []))])
                _scan_block(matcher, err, f, f"{where} error", found, line_numbers=False)
            if out.get("metadata"):
                _scan_block(matcher, _as_text(out["metadata"]), f, f"{where} metadata", found, line_numbers=False)


def scan_outputs(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    identifiers: pd.DataFrame | Mapping[str, Iterable[Any]] | Iterable[Any],
    *,
    min_length: int = 6,
) -> pd.DataFrame:
    """Search produced files for identifiers from the input data.

    Parameters
    ----------
    paths : path or iterable of paths
        Files and directories (searched recursively): ``.html``, ``.xlsx``,
        ``.ipynb`` and any text file (``.csv``, ``.md``, ``.json``, ``.txt``,
        ``.svg`` ...). Images are skipped; other binary files are skipped
        with a warning.
    identifiers : DataFrame, mapping or iterable
        The output of :func:`identifiers_from`; or a mapping of kind
        (``"identifier"``, ``"postcode"``, ``"birth_date"``,
        ``"birth_month"``) to values; or plain identifier values.
    min_length : int
        Identifiers (kind ``"identifier"``) shorter than this are not
        searched for, with a warning (default 6). Postcodes and dates are
        always searched for, in their common spellings: a birth date
        2009-03-14 also as 14/03/2009, 14-03-2009, 14.03.2009, 20090314,
        14 March 2009, 14 Mar 2009, March 14, 2009 ...; a birth month
        2009-03 also as 03/2009, 3/2009, 03-2009, March 2009, Mar 2009; a
        postcode with and without its space.

    Returns
    -------
    pandas.DataFrame
        One row per occurrence: ``file``, ``location`` (``line 12``,
        ``Sheet1!B3``, ``cell 4 output 1 text/html line 7`` ...), ``kind`` and
        ``masked_value`` (the first two characters of the matched text, the
        rest as ``*``). Empty when nothing was found.

    Notes
    -----
    Each text is tokenised once and every token looked up in a set of all
    spellings, so the cost grows with the size of the outputs, not with the
    number of identifiers times the size. Birth months in ISO form
    (``2011-12``) can coincide with financial years written with a hyphen;
    such findings are listed with ``kind="birth_month"`` for review.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "report.html").write_text("<td>C000123</td><td>born 14/03/2009</td><td>C0001234</td>")
    >>> scan_outputs(d, {"identifier": ["C000123"], "birth_date": ["2009-03-14"]})[["location", "kind", "masked_value"]]
      location        kind masked_value
    0   line 1  identifier      C0*****
    1   line 1  birth_date   14********
    """
    if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
        raise ValueError(f"min_length must be a whole number >= 1, got {min_length!r}")
    matcher = _Matcher(identifiers, min_length)
    found: list[tuple[str, str, str, str]] = []
    skipped: list[str] = []
    for path in _files(paths):
        suffix = path.suffix.lower()
        if suffix in _IMAGE_SUFFIXES:
            continue
        if suffix in _XLSX_SUFFIXES:
            _scan_xlsx(matcher, path, found)
        elif suffix == ".ipynb":
            _scan_ipynb(matcher, path, found)
        else:
            data = path.read_bytes()
            if b"\x00" in data[:8192]:
                skipped.append(path.name)
                continue
            text = data.decode("utf-8", errors="replace")
            if suffix in (".html", ".htm", ".xhtml", ".svg", ".xml"):
                text = html.unescape(_DATA_URI.sub(" ", text))
            _scan_block(matcher, text, str(path), "", found)
    if skipped:
        warnings.warn(
            f"{len(skipped)} binary files were not scanned for identifiers: {skipped[:10]}",
            CohortWarning,
            stacklevel=2,
        )
    return pd.DataFrame(found, columns=list(FINDING_COLUMNS), dtype=object)


def assert_no_identifiers(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    identifiers: pd.DataFrame | Mapping[str, Iterable[Any]] | Iterable[Any],
    *,
    min_length: int = 6,
) -> None:
    """Raise :class:`~cohort.exceptions.PrivacyError` if any output holds an identifier.

    Parameters
    ----------
    paths, identifiers, min_length
        As in :func:`scan_outputs`.

    Raises
    ------
    PrivacyError
        Listing the files, locations and kinds (values masked); the findings
        table is attached as ``.findings``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("Caseload 123 children, 14 in care.")
    >>> assert_no_identifiers(d, ["C000123"])
    """
    findings = scan_outputs(paths, identifiers, min_length=min_length)
    if len(findings):
        lines = [f"  - {r.file}: {r.location}: {r.kind} {r.masked_value}" for r in findings.head(50).itertuples()]
        more = f"\n  ... and {len(findings) - 50} more" if len(findings) > 50 else ""
        err = PrivacyError(f"{len(findings)} identifiers from the input data found in outputs:\n"
                           + "\n".join(lines) + more)
        err.findings = findings  # type: ignore[attr-defined]
        raise err
