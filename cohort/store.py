"""The validated Parquet store: write once, read one authority fast.

A store is a folder::

    store/
      manifest.json                          fingerprint, version, schema, row counts
      attrition.parquet                      the attrition log
      authorities/authority_code=E08000014/part-0.parquet
      offences/authority_code=E08000014/part-0.parquet
      offences/authority_code=E08000015/part-0.parquet
      ...
      <table>.parquet                        tables without an authority_code column

Tables with an ``authority_code`` column are hive-partitioned by it (the
column lives in the folder name, as Hive, Spark, DuckDB and
``pyarrow.dataset`` expect), so :func:`open_store` with ``authorities=[...]``
opens only those authorities' files. Each partition file also keeps a hidden
row-number column, so rows come back in their original order and a reopened
store has the same :meth:`~cohort.cohortdata.CohortData.fingerprint` as the
data written.

``manifest.json`` records the data fingerprint, the package version, the
creation time, each table's columns and dtypes (categories included), row
counts and a content hash per partition, and the data's ``metadata``.
:func:`open_store` restores the dtypes from it and checks every file it reads
against its hash, and a full read against the fingerprint.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cohort.cohortdata import CohortData
>>> data = CohortData({"children": pd.DataFrame(
...     {"child_id": ["a", "b", "c"], "authority_code": ["X01", "X02", "X01"]})},
...     metadata={"synthetic": True})
>>> folder = tempfile.mkdtemp()
>>> path = write_store(data, folder + "/store")
>>> open_store(path, authorities=["X01"]).children["child_id"].tolist()
['a', 'c']
>>> open_store(path).fingerprint() == data.fingerprint() == store_info(path)["fingerprint"]
True
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError

__all__ = [
    "STORE_FORMAT",
    "STORE_FORMAT_VERSION",
    "default_store_path",
    "open_store",
    "store_info",
    "write_store",
]

#: Name written in every manifest; :func:`open_store` refuses other folders.
STORE_FORMAT = "cohort-store"
#: Version of the layout; bumped when it changes incompatibly.
STORE_FORMAT_VERSION = 1

_MANIFEST = "manifest.json"
_ATTRITION = "attrition"
_PARTITION_COLUMN = "authority_code"
_ROW = "__cohort_row__"
_PART = "part-0.parquet"
_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # Hive's name for a missing key
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {_ATTRITION, "manifest"}
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def default_store_path() -> Path:
    """Where the store is when none is named.

    ``$COHORT_STORE`` if set and not empty; otherwise the nearest folder
    called ``demo_store`` holding a store, looking in the working directory
    and then its parents (so a notebook run from ``notebooks/`` finds the
    repository's demo store); otherwise ``./demo_store`` (where ``cohort demo``
    writes it).

    Examples
    --------
    >>> import os
    >>> os.environ.get("COHORT_STORE") is not None or default_store_path().name == "demo_store"
    True
    """
    env = os.environ.get("COHORT_STORE", "").strip()
    if env:
        return Path(env).expanduser()
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / "demo_store"
        if (candidate / _MANIFEST).is_file():
            return candidate if folder != here else Path("demo_store")
    return Path("demo_store")


def _package_version() -> str:
    try:
        return version("cohort")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


# ---------------------------------------------------------------- dtypes


def _column_spec(name: str, s: pd.Series) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "dtype": str(s.dtype)}
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        spec["categories"] = cats.tolist()
        spec["categories_dtype"] = str(cats.dtype)
        spec["ordered"] = bool(s.cat.ordered)
    return spec


def _dtype(name: str):
    """A pandas dtype from its ``str()``; ``"str"`` is pandas 3's default string."""
    if name == "str" and _PANDAS_MAJOR < 3:  # pragma: no cover - pandas 2.x
        return object
    return pd.api.types.pandas_dtype(name)


def _categorical_dtype(spec: dict[str, Any]) -> pd.CategoricalDtype:
    cats = pd.Index(spec["categories"])
    if str(cats.dtype) != spec["categories_dtype"] and len(cats):
        cats = cats.astype(_dtype(spec["categories_dtype"]))
    elif not len(cats):
        cats = pd.Index([], dtype=_dtype(spec["categories_dtype"]))
    return pd.CategoricalDtype(cats, ordered=spec["ordered"])


def _cast(s: pd.Series, spec: dict[str, Any]) -> pd.Series:
    """Give ``s`` the dtype recorded in ``spec`` (no-op when it already has it)."""
    if spec["dtype"] == "category":
        want = _categorical_dtype(spec)
        if s.dtype == want:
            return s
        values = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        cats_dtype = want.categories.dtype
        if values.dtype != cats_dtype and values.notna().any():
            values = values.astype(cats_dtype)
        return values.astype(want)
    if str(s.dtype) == spec["dtype"]:
        return s
    if spec["dtype"] == "object":
        # text columns come back as pandas' string dtype; missing values as None again
        return s.astype(object).where(s.notna(), None)
    return s.astype(_dtype(spec["dtype"]))


def _empty_frame(columns: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c["name"]: pd.Series(
                [],
                dtype=_categorical_dtype(c) if c["dtype"] == "category" else _dtype(c["dtype"]),
            )
            for c in columns
        }
    )


def _hash(df: pd.DataFrame) -> str:
    h = hashlib.sha256(",".join(map(str, df.columns)).encode())
    if len(df):
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- writing


def _to_arrow(df: pd.DataFrame, name: str) -> pa.Table:
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
        raise CohortError(
            f"Table {name!r} cannot be stored as Parquet: {err}. A column probably "
            "mixes types (e.g. numbers and text); give it one type first."
        ) from err


def _check_table(name: str, df: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Table {name!r} is a {type(df).__name__}, not a pandas DataFrame.")
    bad = [c for c in df.columns if not isinstance(c, str)]
    if bad:
        raise ValueError(f"Table {name!r} has column names that are not text: {bad!r}.")
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise ValueError(f"Table {name!r} has duplicate columns {dup!r}.")
    if _ROW in df.columns:
        raise ValueError(f"Table {name!r} uses the reserved column name {_ROW!r}.")


def _write_file(df: pd.DataFrame, dest: Path, name: str) -> dict[str, Any]:
    pq.write_table(_to_arrow(df, name), dest)
    return {
        "layout": "file",
        "path": dest.name,
        "rows": len(df),
        "hash": _hash(df),
        "columns": [_column_spec(c, df[c]) for c in df.columns],
    }


def _write_partitioned(df: pd.DataFrame, root: Path, name: str) -> dict[str, Any]:
    table = _to_arrow(df.assign(**{_ROW: np.arange(len(df), dtype="int64")}), name)
    table = table.drop_columns([_PARTITION_COLUMN])
    codes = df[_PARTITION_COLUMN]
    labels = np.where(codes.isna().to_numpy(), _NULL_PARTITION, codes.astype(str).to_numpy())
    order = np.argsort(labels, kind="stable")
    uniques, starts = np.unique(labels[order], return_index=True)
    row_hashes = (
        pd.util.hash_pandas_object(df, index=False).to_numpy()
        if len(df)
        else np.empty(0, dtype="uint64")
    )
    root.mkdir()
    partitions: dict[str, Any] = {}
    groups = np.split(order, starts[1:]) if len(df) else []
    for label, idx in zip(uniques, groups, strict=True):
        folder = root / f"{_PARTITION_COLUMN}={quote(str(label), safe='')}"
        folder.mkdir()
        pq.write_table(table.take(pa.array(idx)), folder / _PART)
        h = hashlib.sha256(",".join(map(str, df.columns)).encode())
        h.update(row_hashes[idx].tobytes())
        partitions[str(label)] = {
            "path": f"{root.name}/{folder.name}/{_PART}",
            "rows": int(len(idx)),
            "hash": h.hexdigest()[:16],
        }
    return {
        "layout": "partitioned",
        "path": root.name,
        "rows": len(df),
        "hash": _hash(df),
        "columns": [_column_spec(c, df[c]) for c in df.columns],
        "partitions": partitions,
    }


def write_store(data: CohortData, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write a :class:`~cohort.cohortdata.CohortData` to a Parquet store.

    The store is written into a temporary folder beside ``path`` and renamed
    into place only when complete, so a reader never sees half a store.

    Parameters
    ----------
    data : CohortData
        Tables, attrition log and metadata. Table names must be identifiers;
        column names must be text. The index is not stored. ``metadata`` is
        kept in the manifest as JSON: values JSON cannot hold (timestamps,
        sets) come back as text.
    path : str or path-like
        Folder to create.
    overwrite : bool
        Replace an existing store at ``path``. Only a folder holding a store
        (a ``manifest.json``) or an empty folder is ever replaced.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    cohort.CohortError
        ``path`` exists but is not a store; or a column cannot be stored
        (mixed types).

    Notes
    -----
    With ``overwrite=True`` the old store is renamed aside, the new one
    renamed in, and the old one deleted: a reader opening the store at that
    instant may find no store, never a mixture of two.
    """
    if not isinstance(data, CohortData):
        raise TypeError(f"data must be a CohortData, not {type(data).__name__}.")
    for name, df in data.tables.items():
        if not isinstance(name, str) or not _NAME_RE.match(name) or name in _RESERVED:
            raise ValueError(
                f"Table name {name!r} cannot be stored: use letters, digits and _, "
                f"not {sorted(_RESERVED)}."
            )
        _check_table(name, df)
    _check_table(_ATTRITION, data.attrition)

    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it.")
        if not path.is_dir() or not ((path / _MANIFEST).is_file() or not any(path.iterdir())):
            raise CohortError(f"{path} exists and is not a cohort store; refusing to replace it.")
    parent = path.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
    try:
        tables: dict[str, Any] = {}
        for name, df in data.tables.items():
            df = df.reset_index(drop=True)
            if _PARTITION_COLUMN in df.columns:
                tables[name] = _write_partitioned(df, tmp / name, name)
            else:
                tables[name] = _write_file(df, tmp / f"{name}.parquet", name)
        attrition = _write_file(
            data.attrition.reset_index(drop=True), tmp / f"{_ATTRITION}.parquet", _ATTRITION
        )
        authorities = sorted(
            {
                code
                for spec in tables.values()
                for code in spec.get("partitions", {})
                if code != _NULL_PARTITION
            }
        )
        manifest = {
            "format": STORE_FORMAT,
            "format_version": STORE_FORMAT_VERSION,
            "fingerprint": data.fingerprint(),
            "package_version": _package_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "metadata": data.metadata,
            "authorities": authorities,
            "row_counts": {name: spec["rows"] for name, spec in tables.items()},
            "tables": tables,
            "attrition": attrition,
        }
        text = json.dumps(manifest, indent=2, default=str, ensure_ascii=False)
        (tmp / _MANIFEST).write_text(text + "\n", encoding="utf-8")
        if path.exists():
            old = parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


# ---------------------------------------------------------------- reading


def store_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a store: fingerprint, version, created, tables, metadata.

    Raises
    ------
    cohort.CohortError
        ``path`` holds no store, or a store of a newer, unknown format.
    """
    file = Path(path) / _MANIFEST
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CohortError(
            f"{Path(path)} is not a cohort store (no {_MANIFEST}); write one with "
            "write_store() or `cohort demo`."
        ) from err
    except json.JSONDecodeError as err:
        raise CohortError(f"{file} is not valid JSON: {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != STORE_FORMAT:
        raise CohortError(f"{file} is not a cohort store manifest.")
    if manifest.get("format_version", 0) > STORE_FORMAT_VERSION:
        raise CohortError(
            f"{Path(path)} was written in store format {manifest['format_version']} by "
            f"cohort {manifest.get('package_version')}; this version reads format "
            f"{STORE_FORMAT_VERSION}. Upgrade cohort."
        )
    return manifest


def _read_parquet(root: Path, rel: str) -> pa.Table:
    file = root / rel
    try:
        return pq.read_table(file)
    except FileNotFoundError as err:
        raise CohortError(f"Store file {file} is missing.") from err
    except (pa.ArrowException, OSError) as err:
        raise CohortError(f"Store file {file} cannot be read: {err}") from err


def _finish(df: pd.DataFrame, spec: dict[str, Any], where: str) -> pd.DataFrame:
    names = [c["name"] for c in spec["columns"]]
    if set(df.columns) - {_ROW} != set(names):
        raise CohortError(f"{where}: columns {list(df.columns)} differ from the manifest {names}.")
    return pd.DataFrame({c["name"]: _cast(df[c["name"]], c) for c in spec["columns"]})


def _read_file(root: Path, spec: dict[str, Any], name: str) -> pd.DataFrame:
    table = _read_parquet(root, spec["path"])
    df = _finish(table.to_pandas(), spec, f"{root / spec['path']}")
    if len(df) != spec["rows"] or _hash(df) != spec["hash"]:
        raise CohortError(
            f"Store table {name!r} ({root / spec['path']}) does not match its manifest."
        )
    return df


def _read_partitioned(
    root: Path, spec: dict[str, Any], name: str, codes: list[str] | None
) -> pd.DataFrame:
    parts = spec["partitions"]
    labels = list(parts) if codes is None else [c for c in codes if c in parts]
    if not labels:
        return _empty_frame(spec["columns"])
    pieces = []
    for label in labels:
        t = _read_parquet(root, parts[label]["path"])
        value = None if label == _NULL_PARTITION else label
        pieces.append(
            t.append_column(_PARTITION_COLUMN, pa.array([value] * t.num_rows, pa.string()))
        )
    table = pa.concat_tables(pieces, promote_options="default") if len(pieces) > 1 else pieces[0]
    df = table.to_pandas()
    df = df.sort_values(_ROW, kind="stable").reset_index(drop=True)
    df = _finish(df, spec, f"{root / spec['path']}")
    # check each partition's rows against its hash (the rows of one label are contiguous
    # only by authority, so select them by label)
    codes_read = np.where(
        df[_PARTITION_COLUMN].isna().to_numpy(),
        _NULL_PARTITION,
        df[_PARTITION_COLUMN].astype(str).to_numpy(),
    )
    row_hashes = (
        pd.util.hash_pandas_object(df, index=False).to_numpy()
        if len(df)
        else np.empty(0, dtype="uint64")
    )
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
    return df


def open_store(
    path: str | os.PathLike[str],
    authorities: str | Iterable[str] | None = None,
    tables: str | Iterable[str] | None = None,
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

    Returns
    -------
    CohortData
        Tables with the dtypes they were written with (datetimes,
        categories with their categories and order, strings, nullable
        integers and booleans), rows in their original order, the attrition
        log and the metadata.

    Raises
    ------
    cohort.CohortError
        No store at ``path``; a file missing, unreadable or changed since it
        was written; a full read whose fingerprint differs from the manifest.
    ValueError
        Unknown table names or authority codes (listing the valid ones).
    """
    root = Path(path)
    manifest = store_info(root)
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
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        spec = manifest["tables"][name]
        if spec["layout"] == "partitioned":
            out[name] = _read_partitioned(root, spec, name, codes)
        else:
            out[name] = _read_file(root, spec, name)
    attrition = _read_file(root, manifest["attrition"], _ATTRITION)
    metadata = dict(manifest.get("metadata") or {})
    # the whole store's fingerprint, also when only part of it is read, so that
    # every report from one store names the same data version
    metadata["store_fingerprint"] = manifest["fingerprint"]
    data = CohortData(out, attrition, metadata)
    if codes is None and tables is None and data.fingerprint() != manifest["fingerprint"]:
        raise CohortError(
            f"Store {root}: fingerprint {data.fingerprint()} differs from the manifest's "
            f"{manifest['fingerprint']}."
        )
    return data
