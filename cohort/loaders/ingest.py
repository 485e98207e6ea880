"""Ingest: load an extract, complete it with the reference tables a real
service's extract does not carry, and write it into a store (a new one, or a
quarterly refresh of an existing one)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.exceptions import MappingError
from cohort.loaders.pipeline import load_extract
from cohort.loaders.reading import normalise_paths
from cohort.loaders.text import as_text, parse

__all__ = ["complete_reference_tables", "ingest"]


def _conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """A table built in code, with the dtypes the loaders give that table."""
    schema = load_dictionary().tables[table]
    out = pd.DataFrame(index=df.index)
    for f in schema.fields:
        col = df[f.name] if f.name in df.columns else pd.Series(None, index=df.index, dtype=object)
        text = as_text(col.astype(object).where(col.notna(), None))
        out[f.name] = parse(f.type, text, "%Y-%m-%d")
    return out.reset_index(drop=True)


def _authority_codes(data: CohortData) -> list[str]:
    codes: set[str] = set()
    for df in data.tables.values():
        if "authority_code" in df.columns:
            codes |= set(df["authority_code"].dropna().astype(str))
    return sorted(codes)


def complete_reference_tables(
    data: CohortData, population_files: Iterable[str | os.PathLike[str]] = ()
) -> CohortData:
    """Add the ``authorities`` and ``population`` tables when the extract lacks them.

    Authorities are named by ONS code in the extract; their names, regions
    and services come from :func:`cohort.population.authorities_table`, and
    their 10-17 populations (every shipped mid-year, plus any newer ONS file
    given) from :func:`cohort.population.population_table`. Tables the
    extract carries are kept as they are.

    Parameters
    ----------
    data : CohortData
        A loaded extract.
    population_files : iterable of path
        ONS files in the published layout (:func:`cohort.population.load_ons_file`),
        e.g. a newer mid-year than the package ships; their years replace
        the shipped ones.

    Returns
    -------
    CohortData
        The same tables plus the completed ones; ``metadata["population_years"]``
        lists the mid-years available and ``metadata["reference_tables"]``
        says which tables were filled in.

    Raises
    ------
    MappingError
        An authority code that is not a real upper-tier authority (the message
        lists close codes).
    """
    from cohort.population import load_ons_file
    from cohort.population.authorities import (
        UnknownAuthorityError,
        authorities_table,
        population_table,
    )
    from cohort.population.ons import shipped_ons

    tables = dict(data.tables)
    codes = _authority_codes(data)
    filled = []
    source = shipped_ons()
    extra = [load_ons_file(p) for p in population_files]
    if extra:
        newer = pd.concat(extra, ignore_index=True)
        source = pd.concat([source[~source["mid_year"].isin(newer["mid_year"])], newer], ignore_index=True)
    try:
        if tables.get("authorities") is None or tables["authorities"].empty:
            tables["authorities"] = _conform(authorities_table(codes, source=source), "authorities")
            filled.append("authorities")
        if tables.get("population") is None or tables["population"].empty:
            tables["population"] = _conform(population_table(codes, source=source), "population")
            filled.append("population")
    except UnknownAuthorityError as err:
        raise MappingError(
            f"{err}\nThe extract's authority_code column (or the mapping's authority_code) must hold "
            "ONS codes of the authorities the service covers"
        ) from err
    years = sorted(int(y) for y in tables["population"]["mid_year"].dropna().unique())
    metadata = {**data.metadata, "population_years": years, "reference_tables": filled}
    return CohortData(tables, data.attrition, metadata)


def _file_record(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def ingest(
    paths: Any,
    mapping: Any,
    store_path: str | Path,
    strict: bool = True,
    key: str | bytes | None = None,
    source_name: str | None = None,
    *,
    extract_date: Any = None,
    population_files: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
) -> CohortData:
    """Load an extract, complete its reference tables and write it to a store.

    A new store is created; into an existing store the extract replaces the
    partitions of the authorities it holds (a full-history extract each
    quarter is the norm) and keeps the others, and the ingest is recorded in
    the store's manifest (file fingerprints, rows in, loaded and set aside,
    the extract date).

    Parameters
    ----------
    paths, mapping, strict, key, source_name, extract_date
        As for :func:`load_extract`. Use the same ``key`` every quarter.
    store_path : str or Path
        Folder of the store.
    population_files : iterable of path
        Newer ONS population files (see :func:`complete_reference_tables`).
    force : bool
        Replace authorities even if the store holds a later extract of them.

    Returns
    -------
    CohortData
        The data written (with the completed reference tables).

    Raises
    ------
    cohort.store.refresh.StaleExtractError
        The store holds a later extract of one of the authorities.
    """
    from cohort.store import update_store

    data = load_extract(paths, mapping=mapping, strict=strict, key=key, source_name=source_name,
                        extract_date=extract_date)
    data = complete_reference_tables(data, population_files)
    meta = data.metadata
    record = {
        "ingested": datetime.now(UTC).isoformat(timespec="seconds"),
        "extract_date": meta["extract_date"],
        "extract_date_source": meta.get("extract_date_source"),
        "mapping": meta.get("mapping"),
        "system": meta.get("system"),
        "files": [_file_record(p) for _, p in normalise_paths(paths)],
        "rows_in": meta.get("rows_in"),
        "rows_loaded": meta.get("rows_out"),
        "rows_attrition": meta.get("rows_rejected"),
        "attrition_rows": int(len(data.attrition)),
        "pseudonymised": meta.get("pseudonymised"),
        "reference_tables": meta.get("reference_tables"),
        "population_years": meta.get("population_years"),
        "package_version": meta.get("package_version"),
    }
    update_store(data, store_path, force=force, ingest=record)
    return data
