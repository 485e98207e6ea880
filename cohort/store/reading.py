"""Opening a store: the partitions asked for, checked against the manifest."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
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
    return read_manifest_data(root, store_info(root), authorities, tables)


def read_manifest_data(
    root: Path,
    manifest: dict[str, Any],
    authorities: str | Iterable[str] | None = None,
    tables: str | Iterable[str] | None = None,
    *,
    check_fingerprint: bool = True,
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
    # each authority's own extract date: reports default to the last quarter complete
    # for every authority read
    dates = manifest.get("extract_dates") or {}
    chosen = [dates[c] for c in (codes if codes is not None else manifest["authorities"]) if c in dates]
    if chosen:
        metadata["extract_date"] = min(chosen)
    data = CohortData(out, attrition, metadata)
    if check_fingerprint and codes is None and tables is None and data.fingerprint() != manifest["fingerprint"]:
        raise CohortError(
            f"Store {root}: fingerprint {data.fingerprint()} differs from the manifest's "
            f"{manifest['fingerprint']}."
        )
    return data
