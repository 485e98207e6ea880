"""Opening a store: the partitions and columns asked for, checked against the manifest.

Opening is cheap: the manifest is read, every file the call needs is checked
to exist with the size the manifest recorded (a file replaced or truncated
after writing is caught here), and each table is read only when it is first
used, with only the columns asked for, its partition files read side by side
by a few threads. Row counts are checked on every read; the content hashes of
every partition and the data fingerprint are checked on demand
(``verify=True``, :func:`verify_store`, ``cohort verify``), as they were when
the store was written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.store.format import (
    _ATTRITION,
    _NULL_PARTITION,
    _PARTITION_COLUMN,
    _ROW,
    _cast,
    _empty_frame,
    _hash,
    store_info,
)

__all__ = ["open_store", "verify_store"]

try:  # Arrow's Parquet reader itself (see _read_columns)
    from pyarrow._parquet import ParquetReader as _ParquetReader
except ImportError:  # pragma: no cover - a pyarrow that moved it: ParquetFile instead
    _ParquetReader = None

# Arrow allocates from the C library's allocator unless ARROW_DEFAULT_MEMORY_POOL names
# another: its default (mimalloc) gives each of a scan's threads arenas of its own, and in
# a fresh process the pages they touch made reading a store and computing a measure about
# a third slower (benchmarks/national.py; README, "Performance").
if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
    pa.set_memory_pool(pa.system_memory_pool())


def _read_columns(file: str, columns: list[str]) -> pa.Table:
    """The columns ``columns`` of one Parquet file, in one thread.

    Through Arrow's Parquet reader itself when this pyarrow has it where it has long
    been (``pyarrow._parquet.ParquetReader``, which :class:`pyarrow.parquet.ParquetFile`
    wraps): the wrapper's set-up in Python costs more than reading a small partition file
    (a fifth of the time on the national store's 150 files a table). Otherwise, and the
    same table either way (``tests/test_store.py``), through ``ParquetFile``. The read-ahead
    (``pre_buffer``) is off: it costs more than it saves on files of a few hundred KiB.
    """
    if _ParquetReader is None:
        return pq.ParquetFile(file, pre_buffer=False).read(columns=columns, use_threads=False)
    reader = _ParquetReader()
    reader.open(file, pre_buffer=False)
    return reader.read_all(column_indices=[reader.column_name_idx(c) for c in columns], use_threads=False)


def _check_file(root: Path, spec: dict[str, Any], what: str) -> None:
    """The cheap check on open: the file exists with the size the manifest recorded."""
    file = os.path.join(root, spec["path"])  # str, not Path: 1,500 files on a national store
    try:
        size = os.stat(file).st_size
    except FileNotFoundError as err:
        raise CohortError(f"Store file {file} ({what}) is missing.") from err
    if "bytes" in spec and size != spec["bytes"]:
        raise CohortError(
            f"Store file {file} ({what}) is {size:,} bytes where the manifest recorded "
            f"{spec['bytes']:,}: the file was changed after the store was written."
        )


def _read_parquet(root: Path, rel: str, columns: list[str] | None = None) -> pa.Table:
    file = root / rel
    try:
        return pq.read_table(file, columns=columns)
    except FileNotFoundError as err:
        raise CohortError(f"Store file {file} is missing.") from err
    except (pa.ArrowException, OSError) as err:
        raise CohortError(f"Store file {file} cannot be read: {err}") from err


def _finish(df: pd.DataFrame, specs: list[dict[str, Any]], where: str) -> pd.DataFrame:
    names = [c["name"] for c in specs]
    if set(df.columns) - {_ROW} != set(names):
        raise CohortError(f"{where}: columns {list(df.columns)} differ from the manifest {names}.")
    return pd.DataFrame({c["name"]: _cast(df[c["name"]], c) for c in specs})


def _columns(spec: dict[str, Any], wanted: list[str] | None, name: str) -> list[dict[str, Any]]:
    if wanted is None:
        return spec["columns"]
    by_name = {c["name"]: c for c in spec["columns"]}
    unknown = [c for c in wanted if c not in by_name]
    if unknown:
        raise ValueError(f"Table {name!r} has no columns {unknown}; it has {list(by_name)}.")
    return [by_name[c] for c in dict.fromkeys(wanted)]


def _read_file(root: Path, spec: dict[str, Any], name: str, wanted: list[str] | None = None,
               verify: bool = False) -> pd.DataFrame:
    specs = _columns(spec, None if verify else wanted, name)
    table = _read_parquet(root, spec["path"], [c["name"] for c in specs])
    df = _finish(table.to_pandas(), specs, f"{root / spec['path']}")
    if len(df) != spec["rows"] or (verify and _hash(df) != spec["hash"]):
        raise CohortError(f"Store table {name!r} ({root / spec['path']}) does not match its manifest.")
    return df if wanted is None else df[[c["name"] for c in _columns(spec, wanted, name)]]


_READERS: ThreadPoolExecutor | None = None
_WORKERS = max(1, min(8, os.cpu_count() or 1))


def _readers() -> ThreadPoolExecutor:
    """The threads that read partition files side by side (the Parquet reader releases
    the GIL), one per core."""
    global _READERS
    if _READERS is None:
        _READERS = ThreadPoolExecutor(_WORKERS, thread_name_prefix="cohort-store")
    return _READERS


def _forget_readers() -> None:
    """In a forked child the parent's threads do not exist: start a pool of its own."""
    global _READERS
    _READERS = None


if hasattr(os, "register_at_fork"):  # the batch runner forks a child per report
    os.register_at_fork(after_in_child=_forget_readers)


def _scan(root: Path, spec: dict[str, Any], labels: list[str], names: list[str]) -> pa.Table:
    """The columns ``names`` of the partitions ``labels``, each file read whole by one
    thread, its row count checked against the manifest; ``authority_code``, when asked
    for, from the partition labels (as the folder names say)."""
    parts = spec["partitions"]
    stored = [n for n in names if n != _PARTITION_COLUMN]

    def read(label: str) -> pa.Table:
        file = os.path.join(root, parts[label]["path"])
        try:
            table = _read_columns(file, stored)
        except FileNotFoundError as err:
            raise CohortError(f"Store file {file} is missing: the store was refreshed or changed after "
                              "it was opened; open it again.") from err
        except (pa.ArrowException, OSError, KeyError) as err:
            raise CohortError(f"Store file {file} cannot be read: {err!s}") from err
        if table.num_rows != parts[label]["rows"]:
            raise CohortError(f"Store table {spec['path']!r}, partition {label!r} ({file}) has "
                              f"{table.num_rows:,} rows where the manifest recorded {parts[label]['rows']:,}.")
        return table

    # each thread reads a run of files one after another, the runs about equal in bytes: one
    # task per file made the threads queue for the interpreter lock between small files
    # (a third slower on the national store's 150 files a table)
    sizes = np.cumsum([parts[label].get("bytes", 1) for label in labels])
    cuts = np.searchsorted(sizes, sizes[-1] * np.arange(1, _WORKERS) / _WORKERS, side="right")
    batches = [list(b) for b in np.split(np.array(labels, dtype=object), cuts) if len(b)]
    tables = [t for batch in _readers().map(lambda b: [read(label) for label in b], batches) for t in batch]
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowException as err:
        raise CohortError(f"Store table {spec['path']!r}: its partitions' columns differ: {err}") from err
    if _PARTITION_COLUMN in names:
        values = pa.array([None if label == _NULL_PARTITION else label for label in labels], pa.string())
        runs = np.repeat(np.arange(len(labels)), [t.num_rows for t in tables])
        table = table.append_column(_PARTITION_COLUMN, values.take(pa.array(runs)))
    return table


def _partition_column(parts: dict[str, Any], labels: list[str]) -> pa.Array | None:
    """The ``authority_code`` column of these partitions from the manifest alone, when each
    partition's rows are one run of row numbers (as written); None otherwise."""
    spans = []
    for label in labels:
        p = parts[label]
        if "first_row" not in p or p["last_row"] - p["first_row"] + 1 != p["rows"]:
            return None
        spans.append((p["first_row"], label, p["rows"]))
    spans.sort()
    values = pa.array([None if label == _NULL_PARTITION else label for _, label, _ in spans], pa.string())
    return values.take(pa.array(np.repeat(np.arange(len(spans)), [n for _, _, n in spans])))


def _read_partitioned(root: Path, spec: dict[str, Any], name: str, codes: list[str] | None,
                      wanted: list[str] | None = None, verify: bool = False) -> pd.DataFrame:
    parts = spec["partitions"]
    labels = list(parts) if codes is None else [c for c in codes if c in parts]
    specs = _columns(spec, None if verify else wanted, name)
    if not labels:
        return _empty_frame(specs)
    names = [c["name"] for c in specs]
    if names == [_PARTITION_COLUMN] and not verify:
        # the partition column alone: from the manifest, no file read
        column = _partition_column(parts, labels)
        if column is not None:
            return _finish(pa.table({_PARTITION_COLUMN: column}).to_pandas(), specs, f"{root / spec['path']}")
    table = _scan(root, spec, labels, [*names, _ROW])
    # rows back in the order they were written: partitions are read one after another,
    # so the rows are usually in order already and nothing is moved
    row = table.column(_ROW).to_numpy()
    if len(row) > 1 and not (row[1:] > row[:-1]).all():
        table = table.take(pa.array(np.argsort(row, kind="stable")))
    table = table.drop_columns([_ROW])
    df = _finish(table.to_pandas(split_blocks=True, self_destruct=True, memory_pool=pa.default_memory_pool()),
                 specs, f"{root / spec['path']}")
    if verify:
        codes_read = np.where(df[_PARTITION_COLUMN].isna().to_numpy(), _NULL_PARTITION,
                              df[_PARTITION_COLUMN].astype(str).to_numpy())
        _verify_partitions(root, df, codes_read, labels, parts, name)
    return df


def _verify_partitions(root: Path, df: pd.DataFrame, codes_read: np.ndarray, labels: list[str],
                       parts: dict[str, Any], name: str) -> None:
    """Each partition's rows against the content hash recorded when it was written."""
    row_hashes = (pd.util.hash_pandas_object(df, index=False).to_numpy() if len(df)
                  else np.empty(0, dtype="uint64"))
    header = ",".join(map(str, df.columns)).encode()
    positions = pd.Series(codes_read).groupby(codes_read, sort=False).indices if len(df) else {}
    for label in labels:
        rows = positions.get(label, np.empty(0, dtype=np.intp))  # ascending, as the rows were read
        h = hashlib.sha256(header)
        h.update(row_hashes[rows].tobytes())
        if len(rows) != parts[label]["rows"] or h.hexdigest()[:16] != parts[label]["hash"]:
            raise CohortError(
                f"Store table {name!r}, partition {label!r} ({root / parts[label]['path']}) "
                "does not match its manifest: the file was changed after the store was written."
            )


class LazyTables(MutableMapping):
    """The tables of an opened store, each read on first use (then kept).

    Behaves as a dict of DataFrames. :meth:`select` reads only some columns
    of a table (and keeps them, so that a later call or a whole read adds
    only the columns still missing); :meth:`rows` gives a table's row count
    from the manifest without reading it.

    Parameters
    ----------
    loaders : mapping of str to callable
        ``loader(columns)`` reads these columns of the table (all when None).
    rows : mapping of str to int
        Row counts from the manifest.
    columns : mapping of str to list of str
        The columns each table gives, in order.
    """

    def __init__(self, loaders: Mapping[str, Any], rows: Mapping[str, int],
                 columns: Mapping[str, list[str]] | None = None):
        self._loaders = dict(loaders)
        self._rows = dict(rows)
        self._columns = {k: list(v) for k, v in (columns or {}).items()}
        self._frames: dict[str, pd.DataFrame] = {}
        self._parts: dict[str, pd.DataFrame] = {}  # tables read in part: some columns

    def _missing(self, name: str, columns: list[str]) -> list[str]:
        part = self._parts.get(name)
        return [c for c in columns if part is None or c not in part.columns]

    def _add(self, name: str, new: pd.DataFrame) -> None:
        part = self._parts.get(name)
        part = new if part is None else pd.concat([part, new], axis=1)
        every = self._columns.get(name)
        if every is not None and len(part.columns) == len(every):
            self._frames[name] = part[every]
            self._parts.pop(name, None)
            del self._loaders[name]
        else:
            self._parts[name] = part

    def _read(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Columns of an unread table, reading only those not read before."""
        if not columns and name not in self._parts:
            return pd.DataFrame(index=pd.RangeIndex(self._rows.get(name, 0)))
        missing = self._missing(name, columns)
        if missing or name not in self._parts:
            self._add(name, self._loaders[name](missing))
        return (self._frames[name] if name in self._frames else self._parts[name])[columns]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self._loaders:
                raise KeyError(name)
            if name in self._columns:
                self._read(name, self._columns[name])
            else:
                self._frames[name] = self._loaders.pop(name)(None)
        return self._frames[name]

    def select(self, name: str, columns: Iterable[str]) -> pd.DataFrame:
        """The columns of ``columns`` that table ``name`` has, in that order.

        Only the columns not read before are read from the store.
        """
        wanted = list(dict.fromkeys(columns))
        if name in self._frames or name not in self._columns:
            df = self[name]
            return df[[c for c in wanted if c in df.columns]]
        have = set(self._columns[name])
        return self._read(name, [c for c in wanted if c in have])

    def __setitem__(self, name: str, value: pd.DataFrame) -> None:
        self._loaders.pop(name, None)
        self._parts.pop(name, None)
        self._frames[name] = value

    def __delitem__(self, name: str) -> None:
        if name in self._frames:
            del self._frames[name]
        elif name in self._loaders:
            del self._loaders[name]
            self._parts.pop(name, None)
        else:
            raise KeyError(name)

    def __contains__(self, name: object) -> bool:  # without reading the table
        return name in self._frames or name in self._loaders

    def __iter__(self) -> Iterator[str]:
        return iter([*self._frames, *self._loaders])

    def __len__(self) -> int:
        return len(self._frames) + len(self._loaders)

    def rows(self, name: str) -> int:
        """Row count of a table, from the manifest when it has not been read."""
        return len(self._frames[name]) if name in self._frames else int(self._rows.get(name, 0))

    def loaded(self) -> list[str]:
        """The tables read so far, wholly or in part."""
        return [*self._frames, *self._parts]


def open_store(
    path: str | os.PathLike[str],
    authorities: str | Iterable[str] | None = None,
    tables: str | Iterable[str] | None = None,
    *,
    columns: Mapping[str, Iterable[str]] | None = None,
    verify: bool = False,
) -> CohortData:
    """Open a Parquet store written by :func:`write_store`.

    Parameters
    ----------
    path : str or path-like
        The store folder (see :func:`default_store_path`).
    authorities : str or list of str, optional
        Authority codes to load. Only those partitions are opened; tables
        without an ``authority_code`` column are loaded whole. Default: all.
    tables : str or list of str, optional
        Tables to load; default all. The attrition log is always loaded.
    columns : dict of table name to list of columns, optional
        Read only these columns of these tables (column projection); other
        tables are read whole.
    verify : bool, default False
        Check every partition read against the content hash recorded when
        it was written, and a full read against the data fingerprint (as
        :func:`verify_store` does); otherwise files are checked by size on
        open and by row count when read.

    Returns
    -------
    CohortData
        Tables with the dtypes they were written with (datetimes,
        categories with their categories and order, strings, nullable
        integers and booleans), rows in their original order, each read on
        first use; the attrition log and the metadata (``store_fingerprint``,
        and ``extract_date``: the earliest of the authorities read).

    Raises
    ------
    cohort.CohortError
        No store at ``path``; a file missing or of another size than
        written; (on use) a file unreadable or with other row counts; with
        ``verify``, content that differs from the manifest.
    ValueError
        Unknown table names, columns or authority codes (listing the valid ones).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> from cohort.store import write_store
    >>> data = CohortData({"children": pd.DataFrame(
    ...     {"child_id": ["a", "b", "c"], "sex": ["Male", "Female", "Male"],
    ...      "authority_code": ["X01", "X02", "X01"]})})
    >>> path = write_store(data, tempfile.mkdtemp() + "/store")
    >>> one = open_store(path, authorities="X01", columns={"children": ["child_id"]})
    >>> one.children.columns.tolist(), one.children["child_id"].tolist()
    (['child_id'], ['a', 'c'])
    """
    root = Path(path)
    return read_manifest_data(root, store_info(root), authorities, tables, columns=columns,
                              verify=verify, check_fingerprint=verify)


def verify_store(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read every file of a store and check it against the manifest: sizes, row
    counts, each partition's content hash and the data fingerprint.

    Returns
    -------
    dict
        ``fingerprint``, ``tables`` (name -> rows) and ``partitions`` checked.

    Raises
    ------
    cohort.CohortError
        The first file that differs from what was written, naming it.
    """
    root = Path(path)
    manifest = store_info(root)
    data = read_manifest_data(root, manifest, verify=True, check_fingerprint=True)
    rows = {name: len(data.tables[name]) for name in list(data.tables)}
    data.fingerprint()
    parts = sum(len(s.get("partitions", {})) or 1 for s in manifest["tables"].values())
    return {"fingerprint": manifest["fingerprint"], "tables": rows, "partitions": parts}


def read_manifest_data(
    root: Path,
    manifest: dict[str, Any],
    authorities: str | Iterable[str] | None = None,
    tables: str | Iterable[str] | None = None,
    *,
    columns: Mapping[str, Iterable[str]] | None = None,
    verify: bool = False,
    check_fingerprint: bool = False,
) -> CohortData:
    """Read the store at ``root`` as ``manifest`` describes it (see :func:`open_store`)."""
    available = list(manifest["tables"])
    if tables is None:
        names = available
    else:
        names = [tables] if isinstance(tables, str) else list(dict.fromkeys(tables))
        unknown = [t for t in names if t not in manifest["tables"]]
        if unknown:
            raise ValueError(f"Tables {unknown} are not in the store; it has {available}.")
    codes: list[str] | None = None
    if authorities is not None:
        codes = [authorities] if isinstance(authorities, str) else list(authorities)
        codes = list(dict.fromkeys(str(c) for c in codes))
        known = set(manifest["authorities"])
        unknown = [c for c in codes if c not in known]
        if unknown:
            shown = ", ".join(manifest["authorities"][:20])
            more = "" if len(known) <= 20 else f" and {len(known) - 20} more"
            raise ValueError(f"Authorities {unknown} are not in the store; it has {shown}{more}.")
    wanted = {k: list(v) for k, v in (columns or {}).items()}
    unknown = [t for t in wanted if t not in manifest["tables"]]
    if unknown:
        raise ValueError(f"columns= names tables {unknown} that are not in the store; it has {available}.")
    loaders, rows, given = {}, {}, {}
    for name in names:
        spec = manifest["tables"][name]
        cols = wanted.get(name)
        # the columns the table gives (unknown ones fail on open, not on use)
        given[name] = [c["name"] for c in _columns(spec, cols, name)]
        if spec["layout"] == "partitioned":
            labels = list(spec["partitions"]) if codes is None else [c for c in codes if c in spec["partitions"]]
            for label in labels:
                _check_file(root, spec["partitions"][label], f"table {name}, partition {label}")
            loaders[name] = (lambda sel, spec=spec, name=name, cols=cols:
                             _read_partitioned(root, spec, name, codes, cols if sel is None else sel, verify))
            rows[name] = sum(spec["partitions"][label]["rows"] for label in labels)
        else:
            _check_file(root, spec, f"table {name}")
            loaders[name] = (lambda sel, spec=spec, name=name, cols=cols:
                             _read_file(root, spec, name, cols if sel is None else sel, verify))
            rows[name] = spec["rows"]
    _check_file(root, manifest["attrition"], "attrition log")
    attrition = _read_file(root, manifest["attrition"], _ATTRITION, verify=verify)
    metadata = dict(manifest.get("metadata") or {})
    # the whole store's fingerprint, also when only part of it is read, so that
    # every report from one store names the same data version
    metadata["store_fingerprint"] = manifest["fingerprint"]
    # each authority's own extract date: reports default to the last quarter complete
    # for every authority read
    dates = manifest.get("extract_dates") or {}
    chosen = [dates[c] for c in (codes if codes is not None else manifest["authorities"]) if c in dates]
    if chosen:
        metadata["extract_date"] = min(chosen)
    # with verify, every read is of whole partitions (to check their hashes): no column reads
    data = CohortData(LazyTables(loaders, rows, None if verify else given), attrition, metadata)
    if check_fingerprint and codes is None and tables is None and not wanted \
            and data.fingerprint() != manifest["fingerprint"]:
        raise CohortError(
            f"Store {root}: fingerprint {data.fingerprint()} differs from the manifest's "
            f"{manifest['fingerprint']}."
        )
    return data
