"""Reading the shipped reference files of :mod:`cohort.population`."""

from __future__ import annotations

import os
from importlib.resources import files

import pandas as pd


def _shipped(name: str):
    return files("cohort.data").joinpath(name)


def _read_csv(source) -> pd.DataFrame:
    """Read a CSV as text columns (blank stays blank, "NA" stays "NA")."""
    if isinstance(source, str | os.PathLike):
        return pd.read_csv(source, dtype=str, keep_default_na=False)
    with source.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)
