"""The protection units of a quarter: computed, cached and prepared by the batch.

See :mod:`cohort.report.protection` for what a unit is and why the reports'
tables are protected in units.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cohort.cohortdata import CohortData
from cohort.disclosure import Policy, Protected, load_policy
from cohort.report.kpi_set import kpi_unit
from cohort.report.performance_set import performance_unit
from cohort.report.protection import TableSet, protect_set

log = logging.getLogger(__name__)


def _policy_key(pol: Policy) -> str:
    return json.dumps({k: getattr(pol, k) for k in pol.__dataclass_fields__}, sort_keys=True, default=str)


def unit_key(unit: str, fingerprint: str, quarter: str, policy: str | Policy) -> str:
    """The cache key of a protected unit: store fingerprint, package version, quarter, policy."""
    from cohort import __version__

    pol = load_policy(policy)
    h = hashlib.sha256("|".join((unit, fingerprint, __version__, quarter, _policy_key(pol))).encode())
    return f"{unit}_{quarter.replace('/', '-').replace(' ', '')}_{pol.name}_{h.hexdigest()[:16]}"


def _builders() -> dict[str, Callable[[CohortData, str], TableSet]]:
    return {"kpi": kpi_unit, "performance": performance_unit}


#: The units and what they hold.
UNITS: dict[str, str] = {
    "kpi": "the ten KPIs of every authority (quarter, previous quarter, same quarter last year, "
           "year to date) with the all-authority comparators, and the victims tables",
    "performance": "first time entrants, reoffending and custody of every authority, with the "
                   "rolling years' quarters, pooled cohorts and benchmarks",
}


def compute(unit: str, data: CohortData, quarter: str, policy: str | Policy) -> dict[str, Protected]:
    """Build and protect one unit from the whole store's data (no cache)."""
    builders = _builders()
    if unit not in builders:
        raise ValueError(f"unit={unit!r} is not valid; choose one of {', '.join(map(repr, builders))}")
    return protect_set(builders[unit](data, quarter), policy)


def shared(
    unit: str,
    quarter: str,
    policy: str | Policy,
    *,
    data: CohortData | None = None,
    store: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    fingerprint: str = "",
) -> dict[str, Protected]:
    """A protected unit: from the batch's cache when it holds this one, else computed.

    Parameters
    ----------
    unit : {"kpi", "performance"}
    quarter : str
        Quarter label.
    policy : str or Policy
    data : CohortData, optional
        The whole store's data (every authority); read from ``store`` when
        not given.
    store : path, optional
    cache_dir : path, optional
        Folder of prepared units (the batch's private folder, ``$COHORT_SHARED_DIR``).
    fingerprint : str
        The store's data fingerprint (part of the cache key).
    """
    path = None
    if cache_dir is not None and fingerprint:
        path = Path(cache_dir) / f"{unit_key(unit, fingerprint, quarter, policy)}.pkl"
        if path.is_file():
            with path.open("rb") as fh:
                return pickle.load(fh)
    if data is None:
        if store is None:
            raise ValueError("shared() needs data= (every authority) or store=")
        from cohort.store import open_store

        data = open_store(store)
    result = compute(unit, data, quarter, policy)
    if path is not None:
        _write(path, result)
    return result


def _write(path: Path, result: Mapping[str, Protected]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(dict(result), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare(
    store: str | os.PathLike,
    quarters: Sequence[str],
    policies: Sequence[str],
    cache_dir: str | os.PathLike,
    units: Sequence[str] = tuple(UNITS),
) -> list[Path]:
    """The batch-level step: compute every unit once per quarter and edition.

    Reads the whole store once, builds each unit's tables once per quarter
    (the raw tables are the same for every edition) and protects them once
    per policy, writing ``<cache_dir>/<key>.pkl`` atomically. Units already
    prepared for this store, version, quarter and policy are left alone.

    Returns
    -------
    list of pathlib.Path
        The unit files (new or kept).
    """
    from cohort.store import open_store, store_info

    fingerprint = store_info(store).get("fingerprint", "")
    cache_dir = Path(cache_dir)
    paths: list[Path] = []
    data: CohortData | None = None
    builders = _builders()
    for q in quarters:
        for unit in units:
            todo = []
            for pol in policies:
                path = cache_dir / f"{unit_key(unit, fingerprint, q, pol)}.pkl"
                paths.append(path)
                if not path.is_file():
                    todo.append((pol, path))
            if not todo:
                continue
            if data is None:
                data = open_store(store)
            tset = builders[unit](data, q)
            for pol, path in todo:
                log.info("protecting unit %s for %s (%s)", unit, q, pol)
                _write(path, protect_set(tset, pol))
    return paths
