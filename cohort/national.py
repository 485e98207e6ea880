"""Shared national tables: every authority's FTE, reoffending, custody and
disproportionality models, computed once.

Each authority's report sets its figures beside every other authority's (trend
lines in grey, funnel plots, the pooled rate, a custody model fitted on every
authority), so a batch of reports for 150 authorities would compute the same
all-authority tables 150 times. Instead the
batch computes them once with :func:`national_tables` (``cache=`` a folder),
and each report reads them back; a report run on its own computes them itself.
Either way a report asks for a table as it would ask the measure, e.g.
``shared.fte(period="rolling_12m", start=..., end=...)`` for
``cohort.fte(data, period="rolling_12m", start=..., end=...)``, and gets the
same table, row for row and dtype for dtype.

The cache is keyed by the store's data fingerprint, the package version and a
digest of the code that computes the tables, so a refreshed store, an upgrade
or an edited measure never reads stale tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.measures.custody import custody
from cohort.measures.disproportionality import adjusted_disparity, disproportionality
from cohort.measures.fte import fte
from cohort.measures.rate_tables import _as_tuple, _period_frame
from cohort.measures.reoffending import _cohort_periods, reoffending
from cohort.store.format import _cast, _column_spec, _package_version, store_info
from cohort.store.reading import open_store

__all__ = ["NATIONAL_TABLES", "NationalTables", "national_tables"]

_MEASURES: dict[str, Callable[..., pd.DataFrame]] = {
    "fte": fte,
    "reoffending": reoffending,
    "custody": custody,
    "disproportionality": disproportionality,
    "adjusted_disparity": adjusted_disparity,
}
_SLICEABLE = ("fte", "reoffending", "custody")
_SIGNATURES = {name: inspect.signature(f) for name, f in _MEASURES.items()}

#: The shared tables: name -> (measure, arguments). Each is the measure for
#: every authority in the store over the whole span of the data; the
#: performance report takes its periods from them.
NATIONAL_TABLES: dict[str, tuple[str, dict[str, Any]]] = {
    "fte_rolling_12m": ("fte", {"period": "rolling_12m"}),
    "custody_rolling_12m": ("custody", {"period": "rolling_12m"}),
    "reoffending_3m": ("reoffending", {"cohort_period": "3M"}),
    "reoffending_pooled_financial_year": (
        "reoffending",
        {"cohort_period": "3M", "pooled": True, "pool_window": "financial_year"},
    ),
}

_INDEX = "national.json"
_FORMAT = "cohort-national-tables"
# the code the tables depend on: a change to any of it changes the cache key
_CODE = ("measures", "stats", "population", "periods.py", "dictionary.py", "national.py")


def _arguments(measure: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Every argument of a measure call, defaults filled in (``data`` left out)."""
    bound = _SIGNATURES[measure].bind(None, **kwargs)
    bound.apply_defaults()
    args = dict(bound.arguments)
    args.pop("data")
    if "by" in args and measure in _SLICEABLE:
        args["by"] = _as_tuple(args["by"])
    return args


def _call_key(measure: str, args: Mapping[str, Any]) -> str:
    text = json.dumps([measure, args], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _to_parquet(df: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    """Write ``df`` with its columns' dtypes (and ``meta``) in the file, atomically."""
    meta = {**meta, "rows": len(df), "columns": [_column_spec(c, df[c]) for c in df.columns]}
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"cohort": json.dumps(meta, default=str).encode()})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _from_parquet(path: Path) -> pd.DataFrame:
    """A table written by :func:`_to_parquet`, with its dtypes."""
    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[b"cohort"])
    except (OSError, pa.ArrowException, KeyError, ValueError) as err:
        raise CohortError(f"Shared table {path} cannot be read: {err}") from err
    if table.num_rows != meta["rows"]:
        raise CohortError(f"Shared table {path} has {table.num_rows} rows, not {meta['rows']}.")
    df = table.to_pandas()
    return pd.DataFrame({c["name"]: _cast(df[c["name"]], c) for c in meta["columns"]})


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (a lock file) between processes, where the system has
    ``fcntl`` (elsewhere no lock: two reports may then compute the same table)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _code_digest() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for part in _CODE:
        path = root / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(f.relative_to(root).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _periods(measure: str, args: Mapping[str, Any]) -> list[str] | None:
    """The period labels a call with both ``start`` and ``end`` covers (None when it
    cannot be told without the data)."""
    if args.get("start") is None or args.get("end") is None:
        return None
    empty = pd.Series(dtype="datetime64[ns]")
    try:
        if measure == "reoffending":
            frame = _cohort_periods(args["cohort_period"], args["start"], args["end"], empty)
        else:
            frame = _period_frame(args["period"], args["start"], args["end"], empty)
    except (ValueError, TypeError):
        return None  # the measure itself will say what is wrong
    return [str(p) for p in frame["period"]]


class NationalTables:
    """The all-authority tables of one store, computed once or read from a cache.

    Made by :func:`national_tables`. Ask for a table as you would ask the
    measure: :meth:`fte`, :meth:`reoffending`, :meth:`custody`,
    :meth:`disproportionality` and :meth:`adjusted_disparity` take the
    measure's arguments (without ``data``) and return what the measure
    returns on the whole store.

    A call whose arguments are those of a shared table (see
    :data:`NATIONAL_TABLES`) except for ``start`` and ``end`` is answered
    from it: the whole table, or the rows of the periods asked for (cohorts
    and periods are computed independently of one another, so these rows
    are the ones the measure gives for that range); pooled reoffending is
    answered only for its whole span, since a pool cut by ``start`` or
    ``end`` holds fewer quarters. Any other call is computed from the store
    once: kept in memory, and, with a cache folder, written there for every
    later report of the batch (``calls/<measure>-<arguments digest>.parquet``).
    Warnings a computation gives are not repeated when its table is read.

    Attributes
    ----------
    key : str
        ``<fingerprint>-<package version>-<code digest>``.
    folder : pathlib.Path or None
        Where the tables are cached, if they are.
    """

    def __init__(self, data: CohortData | Callable[[], CohortData], key: str,
                 names: Iterable[str], folder: Path | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None):
        self._data = data
        self.key = key
        self.names = list(names)
        self.folder = folder
        self._tables: dict[str, pd.DataFrame] = dict(tables or {})
        self._calls: dict[str, pd.DataFrame] = {}

    @property
    def data(self) -> CohortData:
        """The store's data (opened, lazily, on first use)."""
        if not isinstance(self._data, CohortData):
            self._data = self._data()
        return self._data

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A shared table, whole."""
        if name not in self.names:
            raise KeyError(f"{name!r} is not a shared table here; these are: {', '.join(self.names)}")
        if name not in self._tables:
            self._tables[name] = self._read(name) if self.folder is not None else self._compute(name)
        return self._tables[name]

    def _compute(self, name: str) -> pd.DataFrame:
        measure, kwargs = NATIONAL_TABLES[name]
        return _MEASURES[measure](self.data, **kwargs)

    def _read(self, name: str) -> pd.DataFrame:
        assert self.folder is not None
        return _from_parquet(self.folder / f"{name}.parquet")

    def _sliced(self, measure: str, args: dict[str, Any]) -> pd.DataFrame | None:
        """The call answered from a shared table, or None."""
        if measure not in _SLICEABLE:
            return None
        for name in self.names:
            shared_measure, shared_kwargs = NATIONAL_TABLES[name]
            if shared_measure != measure:
                continue
            shared = _arguments(measure, shared_kwargs)
            if {k: v for k, v in args.items() if k not in ("start", "end")} != \
                    {k: v for k, v in shared.items() if k not in ("start", "end")}:
                continue
            if args["start"] is None and args["end"] is None:
                return self[name]
            labels = None if args.get("pooled") else _periods(measure, args)
            if labels is None:
                return None
            table = self[name]
            period = table["period"].astype(str)
            if not set(labels) <= set(period):
                return None  # periods outside the data's span: the measure fills them in
            return table[period.isin(labels)].reset_index(drop=True)
        return None

    def _answer(self, measure: str, kwargs: dict[str, Any]) -> pd.DataFrame:
        args = _arguments(measure, kwargs)
        key = _call_key(measure, args)
        if key not in self._calls:
            table = self._sliced(measure, args)
            path = self.folder / "calls" / f"{measure}-{key}.parquet" if self.folder is not None else None
            if table is None and path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # one computation per batch: a report that asks while another computes the
                # same call waits for it and reads its table
                with _locked(path.with_name(f".{path.name}.lock")):
                    if path.is_file():
                        table = _from_parquet(path)
                    else:
                        table = _MEASURES[measure](self.data, **kwargs)
                        _to_parquet(table, path, {"measure": measure, "arguments": args})
            if table is None:
                table = _MEASURES[measure](self.data, **kwargs)
            self._calls[key] = table
        return self._calls[key].copy()

    def fte(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`cohort.fte` on the whole store (arguments as there, without ``data``)."""
        return self._answer("fte", kwargs)

    def reoffending(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`cohort.reoffending` on the whole store (arguments as there, without ``data``)."""
        return self._answer("reoffending", kwargs)

    def custody(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`cohort.custody` on the whole store (arguments as there, without ``data``)."""
        return self._answer("custody", kwargs)

    def disproportionality(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`cohort.disproportionality` on the whole store (arguments as there)."""
        return self._answer("disproportionality", kwargs)

    def adjusted_disparity(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`cohort.adjusted_disparity` on the whole store (arguments as there): the
        all-authority models, fitted once per batch rather than once per report."""
        return self._answer("adjusted_disparity", kwargs)

    def __repr__(self) -> str:
        where = f"cached in {self.folder}" if self.folder is not None else "computed on use"
        return f"<NationalTables {self.key}: {', '.join(self.names)}; {where}>"


def _index(folder: Path) -> dict[str, Any]:
    try:
        index = json.loads((folder / _INDEX).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return index if index.get("format") == _FORMAT else {}


def _write(folder: Path, key: str, fingerprint: str, tables: Mapping[str, pd.DataFrame]) -> None:
    """Add the tables to ``folder``: a new folder appears whole (renamed into place); in an
    existing one each file, then the index listing it, is replaced atomically."""
    index = _index(folder) or {
        "format": _FORMAT, "key": key, "fingerprint": fingerprint, "package_version": _package_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "tables": {},
    }
    fresh = not folder.is_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent)) if fresh else folder
    try:
        for name, df in tables.items():
            measure, kwargs = NATIONAL_TABLES[name]
            _to_parquet(df, target / f"{name}.parquet", {"measure": measure, "arguments": kwargs})
            index["tables"][name] = {"measure": measure, "arguments": kwargs, "rows": len(df)}
        fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{_INDEX}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(index, indent=2, default=str) + "\n")
        os.replace(tmp, target / _INDEX)
        if fresh:
            try:
                os.rename(target, folder)
            except OSError:  # another process wrote these tables first: keep theirs
                if not (folder / _INDEX).is_file():
                    raise
                shutil.rmtree(target, ignore_errors=True)
    except BaseException:
        if fresh:
            shutil.rmtree(target, ignore_errors=True)
        raise
    # tables of other keys (an older store, another version) are stale: remove them
    for other in folder.parent.iterdir():
        if other != folder and other.is_dir() and _index(other):
            shutil.rmtree(other, ignore_errors=True)


def national_tables(
    source: str | os.PathLike[str] | CohortData,
    cache: str | os.PathLike[str] | bool | None = None,
    *,
    tables: Iterable[str] | None = None,
) -> NationalTables:
    """The all-authority tables of a store (FTE, reoffending, custody, disproportionality),
    computed once.

    Parameters
    ----------
    source : path or CohortData
        A store (see :func:`cohort.open_store`), or data in memory (then
        ``cache`` must be None).
    cache : path, True or None, default None
        None: each table is computed from the store when first used (what a
        report run on its own does). A folder: the tables are read from
        ``<cache>/<key>/`` when there, else all computed now and written
        there (what a batch does once, before its reports). True: the folder
        ``<store>.national`` beside the store.
    tables : list of str, optional
        Names from :data:`NATIONAL_TABLES`; default all.

    Returns
    -------
    NationalTables
        Tables by name (``shared["fte_rolling_12m"]``) and the measure calls
        :meth:`~NationalTables.fte`, :meth:`~NationalTables.reoffending`,
        :meth:`~NationalTables.custody`,
        :meth:`~NationalTables.disproportionality` and
        :meth:`~NationalTables.adjusted_disparity`, each returning exactly
        what ``cohort.fte(data, ...)`` etc. return on the whole store: the
        measures' tidy columns (see :func:`cohort.fte`,
        :func:`cohort.reoffending`, :func:`cohort.custody`,
        :func:`cohort.disproportionality`, :func:`cohort.adjusted_disparity`).

    Raises
    ------
    cohort.CohortError
        No store at ``source``; a cached table that cannot be read.
    ValueError
        Unknown table names; a cache asked for data in memory.

    Notes
    -----
    The shared tables (:data:`NATIONAL_TABLES`) are each measure's table by
    authority over the whole span of the data: ``fte`` and ``custody`` for
    rolling 12 months, ``reoffending`` for 3-month cohorts, unpooled and
    pooled by financial year. A report's call for a range of periods is
    answered with those periods' rows, which are the rows the measure gives
    for that range: periods and cohorts are counted independently, the
    authorities are those of the store, and ``as_of`` (reoffending) is the
    store's latest outcome date whatever the range. The tests check this
    against the measures for every range a report uses. Other calls (another
    breakdown, a disproportionality model of every authority) are computed
    on first use and, with a cache folder, kept there for the batch's other
    reports.

    The cache key is ``<data fingerprint>-<package version>-<code digest>``
    (the digest covers the measures, statistics, populations, periods and
    code lists), so a refreshed store, an upgrade or a changed measure
    computes the tables again; a folder's tables of other keys are removed
    when new ones are written.

    Examples
    --------
    >>> import tempfile, cohort
    >>> folder = tempfile.mkdtemp()
    >>> store = cohort.write_store(cohort.synthetic.generate(seed=1, authorities=2, scale=0.2),
    ...                            folder + "/store")
    >>> shared = national_tables(store, cache=folder + "/national")  # once, in the batch
    >>> sorted(shared.names)[:2]
    ['custody_rolling_12m', 'fte_rolling_12m']
    >>> mine = national_tables(store, cache=folder + "/national")  # in each report: read back
    >>> table = mine.fte(period="rolling_12m", start="2024/25 Q1", end="2024/25 Q4")
    >>> data = cohort.open_store(store)
    >>> table.equals(cohort.fte(data, period="rolling_12m", start="2024/25 Q1", end="2024/25 Q4"))
    True
    """
    names = list(NATIONAL_TABLES) if tables is None else list(dict.fromkeys(tables))
    unknown = [n for n in names if n not in NATIONAL_TABLES]
    if unknown:
        raise ValueError(f"Unknown shared tables {unknown}; choose from {list(NATIONAL_TABLES)}.")
    if isinstance(source, CohortData):
        if cache is not None and cache is not False:
            raise ValueError("national_tables() caches the tables of a store: pass the store's path, "
                             "or cache=None for data in memory.")
        fingerprint = str(source.metadata.get("store_fingerprint") or "in-memory")
        return NationalTables(source, f"{fingerprint}-{_package_version()}-{_code_digest()}", names)
    store = Path(source)
    fingerprint = store_info(store)["fingerprint"]
    key = f"{fingerprint}-{_package_version()}-{_code_digest()}"
    shared = NationalTables(lambda: open_store(store), key, names)
    if cache is None or cache is False:
        return shared
    root = Path(f"{store}.national") if cache is True else Path(cache)
    folder = root / key
    have = _index(folder).get("tables", {})
    if set(names) <= set(have):
        return NationalTables(shared._data, key, names, folder)
    computed = {name: shared[name] for name in names if name not in have}
    _write(folder, key, fingerprint, computed)
    return NationalTables(shared.data, key, names, folder, computed)
