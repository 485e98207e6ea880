"""Shared constants, small helpers and containers of the synthetic generator."""

from __future__ import annotations

import csv
import importlib.resources
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cohort.cohortdata import TABLES

#: Largest number of outcome events simulated per child.
MAX_EVENTS = 30

_YEAR = 365.25
_EPOCH = np.datetime64("1970-01-01", "D")
_ETHNIC = ("White", "Mixed", "Asian", "Black", "Other")
_AGES = np.arange(10, 18)
_SEXES = ("Male", "Female")
_BURN_IN_YEARS = 3
_TURNAROUND_START = np.datetime64("2022-12-01", "D")

def _day(text: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int((np.datetime64(text, "D") - _EPOCH).astype(np.int64))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _choice(rng: np.random.Generator, p: np.ndarray, n: int | None = None) -> np.ndarray:
    """Vectorised categorical draw: one row of probabilities per draw (or one for all)."""
    p = np.asarray(p, dtype=float)
    if p.ndim == 1:
        cum = np.cumsum(p / p.sum())
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(p) - 1)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(p.shape[0])[:, None]
    return np.minimum((u >= cum).sum(axis=1), p.shape[1] - 1)


def _lognormal_days(rng, spec, n):
    low, median, sigma = spec
    return low + median * np.exp(sigma * rng.standard_normal(n))


def _to_dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    out = (_EPOCH + np.floor(days).astype(np.int64)).astype("datetime64[ns]")
    if missing is not None:
        out = out.copy()
        out[missing] = np.datetime64("NaT")
    return pd.Series(out, dtype="datetime64[ns]")


def _boolean(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    arr = pd.array(np.asarray(values, dtype=bool), dtype="boolean")
    if missing is not None:
        arr[np.asarray(missing, dtype=bool)] = pd.NA
    return pd.Series(arr)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Identifiers ``prefix`` + zero-padded 1..n (vectorised string operations)."""
    width = max(width, len(str(n)))
    strings = getattr(np, "strings", np.char)  # numpy >= 2 has the faster ufuncs
    return strings.add(prefix, strings.zfill(np.arange(1, n + 1).astype(str), width))


def _labels(codes: tuple[str, ...], index: np.ndarray) -> np.ndarray:
    return np.asarray(codes, dtype=object)[index]


def _fy_start(label: str) -> int:
    """Start year of a financial-year label such as ``"2021/22"``."""
    text = str(label).strip()
    parts = text.split("/")
    ok = len(parts) == 2 and parts[0].isdigit() and len(parts[0]) == 4 and parts[1].isdigit()
    if not ok or (int(parts[0]) + 1) % 100 != int(parts[1]) % 100:
        raise ValueError(f"financial year must look like '2021/22', got {label!r}")
    return int(parts[0])


@lru_cache(maxsize=1)
def _codelists() -> dict[str, Any]:
    root = importlib.resources.files("cohort.data_dictionary")
    return yaml.safe_load(root.joinpath("codelists.yaml").read_text(encoding="utf-8"))


def _codes(name: str, **attrs: Any) -> list[str]:
    """Codes of one code list, optionally only those with given attributes."""
    return [
        c["code"]
        for c in _codelists()[name]["codes"]
        if all(c.get(k) == v for k, v in attrs.items())
    ]


@lru_cache(maxsize=1)
def _table_fields() -> dict[str, list[str]]:
    root = importlib.resources.files("cohort.data_dictionary").joinpath("tables")
    out = {}
    for name in TABLES:
        schema = yaml.safe_load(root.joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
        out[name] = [f["name"] for f in schema["fields"]]
    return out


def _calibration_targets() -> list[dict[str, str]]:
    """The reference figures the generator is calibrated to (package data)."""
    path = importlib.resources.files("cohort.data").joinpath("calibration_targets.csv")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------


@dataclass
class _People:
    """Column arrays of the children table, appended group by group."""

    cols: dict[str, list[np.ndarray]] = field(default_factory=dict)
    n: int = 0

    def add(self, **arrays: np.ndarray) -> np.ndarray:
        size = len(next(iter(arrays.values())))
        for k, v in arrays.items():
            self.cols.setdefault(k, []).append(np.asarray(v))
        index = np.arange(self.n, self.n + size)
        self.n += size
        return index

    def get(self, name: str) -> np.ndarray:
        return np.concatenate(self.cols[name])


def _ethnicity_draw(
    rng: np.random.Generator, shares: np.ndarray, rr: np.ndarray | None = None
) -> np.ndarray:
    """Ethnic group index per row of population shares (rows, 5)."""
    w = shares if rr is None else shares * rr[None, :]
    return _choice(rng, w)


def _pop_shares(pop: np.ndarray, a: np.ndarray, yi: np.ndarray, sex: int | None = None):
    """Ethnic shares (rows, 5) for authorities ``a`` in year positions ``yi``."""
    counts = pop[a, yi].sum(axis=1)  # over age -> (rows, sex, eth)
    counts = counts.sum(axis=1) if sex is None else counts[:, sex]
    return counts / counts.sum(axis=1, keepdims=True)


def _record_ethnicity(rng: np.random.Generator, eth: np.ndarray, p_unknown: float) -> np.ndarray:
    """Recorded ethnic group: the true group, or Unknown (index 5) for a few."""
    return np.where(rng.random(len(eth)) < p_unknown, 5, eth)


def _entrant_years(y0: int, y1: int) -> np.ndarray:
    """Financial years (start years) in which careers begin."""
    return np.arange(y0 - _BURN_IN_YEARS, y1 + 1)


def _status(rng, n: int, p: list[float]) -> np.ndarray:
    return _choice(rng, p, n)

_CARE_CODES = ("Not looked after", "Looked after", "Care leaver", "Unknown")
_SEND_CODES = ("No SEN Identified", "SEN Support", "EHCP", "Unknown")


@dataclass
class _Career:
    child: np.ndarray  # index into people
    auth: np.ndarray
    birth: np.ndarray  # day number
    t0: np.ndarray  # first offence day
    male: np.ndarray
    eth: np.ndarray  # ethnic index 0..4 (true group)
    z: np.ndarray
    care: np.ndarray
    force_formal: np.ndarray
