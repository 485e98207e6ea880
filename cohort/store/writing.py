"""Writing a whole store, atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.store.format import (
    _ATTRITION,
    _MANIFEST,
    _NAME_RE,
    _NULL_PARTITION,
    _PART,
    _PARTITION_COLUMN,
    _RESERVED,
    _ROW,
    STORE_FORMAT,
    STORE_FORMAT_VERSION,
    _column_spec,
    _hash,
    _package_version,
)


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
        "bytes": dest.stat().st_size,
        "rows": len(df),
        "hash": _hash(df),
        "columns": [_column_spec(c, df[c]) for c in df.columns],
    }


def _write_partitioned(
    df: pd.DataFrame, root: Path, name: str, *, part: str = _PART, first_row: int = 0, exist_ok: bool = False
) -> dict[str, Any]:
    """Write one table partitioned by authority under ``root`` (files called ``part``);
    rows are numbered from ``first_row`` so that they keep their order when read back."""
    rows_numbered = np.arange(first_row, first_row + len(df), dtype="int64")
    table = _to_arrow(df.assign(**{_ROW: rows_numbered}), name)
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
    root.mkdir(exist_ok=exist_ok)
    partitions: dict[str, Any] = {}
    groups = np.split(order, starts[1:]) if len(df) else []
    for label, idx in zip(uniques, groups, strict=True):
        folder = root / f"{_PARTITION_COLUMN}={quote(str(label), safe='')}"
        folder.mkdir(exist_ok=exist_ok)
        pq.write_table(table.take(pa.array(idx)), folder / part)
        size = (folder / part).stat().st_size
        h = hashlib.sha256(",".join(map(str, df.columns)).encode())
        h.update(row_hashes[idx].tobytes())
        partitions[str(label)] = {
            "path": f"{root.name}/{folder.name}/{part}",
            "bytes": size,
            "rows": int(len(idx)),
            "hash": h.hexdigest()[:16],
            # the partition's row numbers: when they run without gaps, a read of the
            # authority_code column alone is answered from the manifest
            "first_row": int(rows_numbered[idx[0]]),
            "last_row": int(rows_numbered[idx[-1]]),
        }
    return {
        "layout": "partitioned",
        "path": root.name,
        "rows": len(df),
        "hash": _hash(df),
        "columns": [_column_spec(c, df[c]) for c in df.columns],
        "partitions": partitions,
        "next_row": first_row + len(df),
    }


def extract_dates(metadata: dict[str, Any], authorities: list[str]) -> dict[str, str]:
    """The extract date of each authority: the data's ``extract_date``, or the end of a
    synthetic dataset's period."""
    day = metadata.get("extract_date") or (metadata.get("period") or {}).get("end")
    return {code: str(day) for code in authorities} if day else {}


def write_store(
    data: CohortData, path: str | os.PathLike[str], overwrite: bool = False, *, ingest: dict[str, Any] | None = None
) -> Path:
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
        (a ``manifest.json``) or an empty folder is ever replaced. To
        refresh some authorities of a store and keep the others, use
        :func:`~cohort.store.update_store`.
    ingest : dict, optional
        A record of the ingest that made the data (files, row counts), kept
        in the manifest's ``ingests`` list.

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
            "extract_dates": extract_dates(data.metadata, authorities),
            "ingests": [ingest] if ingest else [],
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


