"""The quarterly refresh: replace some authorities of a store, keep the others.

A service sends its whole history each quarter (the documented norm), so an
ingest into an existing store replaces every partition of the authorities
in the new extract and leaves the other authorities' files untouched. The
new files are written beside the old ones under new names, then the
manifest is replaced in one atomic rename (the commit point), then the
old files are deleted: a reader sees the old store or the new one, never a
mixture, and a crash leaves the old store readable (stray new files are
swept by the next refresh).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.store.format import (
    _ATTRITION,
    _MANIFEST,
    _NULL_PARTITION,
    _PARTITION_COLUMN,
    _ROW,
    _column_spec,
    _hash,
    _package_version,
    store_info,
)
from cohort.store.reading import read_manifest_data
from cohort.store.writing import (
    _check_table,
    _write_file,
    _write_partitioned,
    extract_dates,
    write_store,
)

__all__ = ["StaleExtractError", "update_store"]


class StaleExtractError(CohortError):
    """The extract is older than the one the store already holds for an authority."""


def _authorities_in(data: CohortData) -> list[str]:
    codes: set[str] = set()
    for df in data.tables.values():
        if _PARTITION_COLUMN in df.columns:
            codes |= set(df[_PARTITION_COLUMN].dropna().astype(str))
    return sorted(codes)


def _compatible(name: str, stored: dict[str, Any], df: pd.DataFrame) -> None:
    want = [(c["name"], c["dtype"]) for c in stored["columns"]]
    have = [(c, str(df[c].dtype)) for c in df.columns]
    if want != have:
        raise CohortError(
            f"table {name!r} of the new extract does not have the store's columns and types "
            f"(store: {want}; extract: {have}); write a new store instead"
        )


def _next_row(root: Path, spec: dict[str, Any]) -> int:
    if "next_row" in spec:
        return int(spec["next_row"])
    import pyarrow.parquet as pq

    rows = [pq.read_table(root / p["path"], columns=[_ROW]).column(0) for p in spec["partitions"].values()]
    return int(max((r.to_numpy().max() for r in rows if len(r)), default=-1)) + 1


def _sweep(root: Path, manifest: dict[str, Any]) -> None:
    """Delete partition files the manifest does not list (left by an interrupted refresh)."""
    listed = {root / p["path"] for spec in manifest["tables"].values() for p in spec.get("partitions", {}).values()}
    for spec in manifest["tables"].values():
        folder = root / spec["path"]
        if spec["layout"] != "partitioned" or not folder.is_dir():
            continue
        for f in folder.glob(f"{_PARTITION_COLUMN}=*/*.parquet"):
            if f not in listed:
                f.unlink()
        for d in folder.glob(f"{_PARTITION_COLUMN}=*"):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()


def update_store(
    data: CohortData,
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    ingest: dict[str, Any] | None = None,
) -> Path:
    """Write ``data`` into a store, replacing only the authorities it holds.

    With no store at ``path`` this is :func:`~cohort.store.write_store`.
    Otherwise every partition of the authorities in ``data`` is replaced (in
    every table, including tables the new extract lacks, whose rows for
    those authorities are removed), the other authorities' files are left
    as they are, the attrition log keeps the other authorities' rows, and
    the ingest is recorded in the manifest's ``ingests`` list.

    Parameters
    ----------
    data : CohortData
        A loaded extract (from :func:`cohort.load_extract`), with
        ``metadata["extract_date"]``.
    path : str or path-like
        The store folder.
    force : bool
        Replace authorities even when the store holds a later extract of them.
    ingest : dict, optional
        The record of this ingest (files with fingerprints, row counts).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    StaleExtractError
        The store holds a later extract of one of the authorities and
        ``force`` is False.
    cohort.CohortError
        The store was made from synthetic data (``cohort demo``), or a table's
        columns or types differ from the store's.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> def extract(code, ids, day):
    ...     return CohortData({"children": pd.DataFrame({"child_id": ids, "authority_code": code})},
    ...                       metadata={"extract_date": day})
    >>> folder = tempfile.mkdtemp() + "/store"
    >>> _ = update_store(extract("E08000014", ["a", "b"], "2026-01-05"), folder)
    >>> _ = update_store(extract("E08000015", ["c"], "2026-01-05"), folder)
    >>> _ = update_store(extract("E08000015", ["c", "d"], "2026-04-06"), folder)
    >>> from cohort.store import open_store
    >>> open_store(folder).children["child_id"].tolist()
    ['a', 'b', 'c', 'd']
    >>> update_store(extract("E08000015", ["c"], "2026-01-05"), folder)
    Traceback (most recent call last):
    ...
    cohort.store.refresh.StaleExtractError: the store holds a later extract of E08000015 (2026-04-06) than this one (2026-01-05); pass force=True (cohort ingest --force) to replace it anyway
    """
    root = Path(path)
    if not (root / _MANIFEST).is_file():
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise CohortError(f"{root} exists and is not a cohort store; choose an empty or new folder")
        ingest_id = uuid.uuid4().hex[:8]
        first = CohortData(data.tables, data.attrition.assign(ingest=ingest_id), data.metadata)
        record = {**(ingest or {}), "id": ingest_id, "authorities": _authorities_in(data)}
        return write_store(first, root, overwrite=root.exists(), ingest=record)
    manifest = store_info(root)
    if (manifest.get("metadata") or {}).get("synthetic"):
        raise CohortError(
            f"{root} holds synthetic demo data (made by cohort demo); ingest a real extract into a new store"
        )
    for name, df in data.tables.items():
        _check_table(name, df)
    codes = _authorities_in(data)
    new_day = str(data.metadata.get("extract_date") or "")
    stored_days = manifest.get("extract_dates") or {}
    stale = [c for c in codes if c in stored_days and new_day and stored_days[c] > new_day]
    if stale and not force:
        raise StaleExtractError(
            f"the store holds a later extract of {', '.join(stale)} ({stored_days[stale[0]]}) than this one "
            f"({new_day}); pass force=True (cohort ingest --force) to replace it anyway"
        )
    _sweep(root, manifest)
    ingest_id = uuid.uuid4().hex[:8]
    part = f"part-{ingest_id}.parquet"
    tables = dict(manifest["tables"])
    removed_for_absent = []
    for name in sorted(set(tables) | set(data.tables)):
        spec = tables.get(name)
        df = data.tables.get(name)
        if spec is not None and spec["layout"] != "partitioned":
            raise CohortError(f"table {name!r} of the store is not partitioned by authority; it cannot be refreshed")
        if df is not None and _PARTITION_COLUMN not in df.columns:
            raise CohortError(f"table {name!r} has no authority_code column; it cannot be refreshed by authority")
        kept = {k: v for k, v in (spec or {}).get("partitions", {}).items() if k not in codes}
        if df is None:
            if spec is not None and len(kept) < len(spec["partitions"]):
                removed_for_absent.append(name)
            if spec is not None:
                tables[name] = {**spec, "partitions": kept, "rows": sum(p["rows"] for p in kept.values())}
            continue
        df = df.reset_index(drop=True)
        if spec is not None:
            _compatible(name, spec, df)
        first = _next_row(root, spec) if spec is not None else 0
        written = _write_partitioned(df, root / name, name, part=part, first_row=first, exist_ok=True)
        partitions = {**kept, **written["partitions"]}
        tables[name] = {
            **written,
            "path": name,
            "partitions": dict(sorted(partitions.items())),
            "rows": sum(p["rows"] for p in partitions.values()),
        }
    # the combined data, in the order open_store returns it: fingerprint and table hashes
    codes_all = sorted({c for s in tables.values() for c in s["partitions"] if c != _NULL_PARTITION})
    draft = {**manifest, "tables": tables, "authorities": codes_all, "attrition": manifest["attrition"]}
    tmp_manifest = root / f".{_MANIFEST}.{ingest_id}"
    attrition = _merged_attrition(root, manifest, data, codes, ingest_id)
    try:
        combined = read_manifest_data(root, draft, check_fingerprint=False)
        for name, spec in tables.items():
            spec["hash"] = _hash(combined.tables[name])
            spec["columns"] = [_column_spec(c, combined.tables[name][c]) for c in combined.tables[name].columns] \
                if len(combined.tables[name].columns) else spec["columns"]
        att_name = f"{_ATTRITION}-{ingest_id}.parquet"
        att_spec = _write_file(attrition, root / att_name, _ATTRITION)
        dates = {**stored_days, **extract_dates(data.metadata, codes)}
        metadata = {**data.metadata, "extract_date": min(dates.values()) if dates else new_day}
        record = {**(ingest or {}), "id": ingest_id, "authorities": codes,
                  "tables_removed_for_absent": removed_for_absent}
        final = {
            **manifest,
            "fingerprint": combined.fingerprint(),
            "package_version": _package_version(),
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
            "metadata": metadata,
            "authorities": codes_all,
            "row_counts": {name: spec["rows"] for name, spec in tables.items()},
            "tables": tables,
            "attrition": att_spec,
            "extract_dates": dict(sorted(dates.items())),
            "ingests": [*manifest.get("ingests", []), record],
        }
        tmp_manifest.write_text(json.dumps(final, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp_manifest, root / _MANIFEST)  # the commit point
    except BaseException:
        tmp_manifest.unlink(missing_ok=True)
        _sweep(root, manifest)
        raise
    old_attrition = root / manifest["attrition"]["path"]
    if old_attrition.name != att_name:
        old_attrition.unlink(missing_ok=True)
    _sweep(root, final)
    return root


def _merged_attrition(root: Path, manifest: dict[str, Any], data: CohortData, codes: list[str],
                      ingest_id: str) -> pd.DataFrame:
    """The store's attrition log without the refreshed authorities' rows, plus the new rows.

    Rows whose authority is unknown (a blank row, a row without an authority)
    go with the ingest that produced them: they are dropped when every
    authority of that ingest has been replaced.
    """
    import pyarrow.parquet as pq

    old = pq.read_table(root / manifest["attrition"]["path"]).to_pandas()
    new = data.attrition.copy()
    new["ingest"] = ingest_id
    if not len(old):
        return new.reset_index(drop=True)
    if "ingest" not in old.columns:
        old["ingest"] = None
    if "authority_code" not in old.columns:
        old["authority_code"] = None
    live: dict[str, set[str]] = {}
    for rec in manifest.get("ingests", []):
        live[rec.get("id")] = set(rec.get("authorities", [])) - set(codes)
    known = old["authority_code"].notna()
    keep = (known & ~old["authority_code"].isin(codes)) | (~known & old["ingest"].map(lambda i: bool(live.get(i, {True}))))
    out = pd.concat([old[keep], new], ignore_index=True)
    return out[[c for c in new.columns]]
