"""The store's layout: constants, the manifest, dtypes and content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.exceptions import CohortError, UsageError

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
    except (FileNotFoundError, NotADirectoryError) as err:
        raise UsageError(
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


