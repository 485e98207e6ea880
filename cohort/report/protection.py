"""Protection units: the tables of every report for one quarter, protected together.

A reader of the publication edition holds every file: the HTML reports and
the Excel packs of an authority, and those of the other authorities. Tables
that share cells or margins must therefore be protected *together*, not one
by one as each notebook draws them: KPI sub-groups with their totals, the
victims cascade with its non-engagement reasons and KPI 10, 3-month
reoffending cohorts with their pooled year and their reoffences, rolling
12-month rates with the quarters inside them, and the all-authority tables
(benchmarks, comparators, trends) that every authority's report shows.

Where it is computed
--------------------
Each *unit* (:data:`UNITS`) is a pure function of the store, the quarter and
the disclosure policy: its tables hold **every authority** in the store, its
relations say how their cells add up (:class:`cohort.disclosure.Relation`),
and :func:`cohort.disclosure.protect_linked` protects it in one pass. Every
report of every authority publishes a slice of the same protected unit
(:meth:`cohort.disclosure.Protected.rows`), so all reports show one
suppression pattern and a reader holding several authorities' reports learns
nothing the whole unit would not tell.

The batch runner computes each unit once per quarter and edition before any
report runs (:func:`prepare`) into a private temporary folder (never the
output folder: a unit holds every authority's unprotected statistics) named
to each report by ``$COHORT_SHARED_DIR``; a report reads it from there
(:func:`shared`) and a notebook run on its own, with no prepared unit,
recomputes it from the whole store, identically. A cached unit
is used only when the store fingerprint, the package version, the quarter and
the policy all match.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.disclosure import (
    Policy,
    Protected,
    Relation,
    Together,
    load_policy,
    protect,
    protect_linked,
)

log = logging.getLogger(__name__)

#: Name of the folder (inside the batch output) that holds the prepared units.
SHARED_DIR = "_shared"


@dataclass
class TableSet:
    """The raw tables of a unit and how their cells relate.

    Attributes
    ----------
    name : str
        The unit (``"kpi"``, ``"performance"``).
    tables : dict of str to DataFrame
        Long measure tables, every authority's rows.
    options : dict of str to dict
        Per-table arguments of :func:`cohort.disclosure.protect`
        (``within``, ``by``, ``margin``, ``estimate``, ...).
    relations : list of Relation
    together : list of Together
    unpublished : set of str
        Tables never shown whose cells matter (quarters inside rolling years).
    separate : dict of str to (DataFrame, dict, str, list of Relation)
        Tables protected on their own under another policy, with their
        options, that policy and their own relations (board attendance
        counts no people: ``non_personal``).
    notes : list of str
        What the unit could not relate (told in the disclosure statement).
    """

    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    together: list[Together] = field(default_factory=list)
    unpublished: set[str] = field(default_factory=set)
    separate: dict[str, tuple[pd.DataFrame, dict[str, Any], str, list[Relation]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def protect_set(tset: TableSet, policy: str | Policy) -> dict[str, Protected]:
    """Protect a unit's tables jointly under ``policy``.

    Parameters
    ----------
    tset : TableSet
    policy : str or Policy
        ``"management"`` shows every figure (each table is still audited);
        ``"publication"`` suppresses jointly (:func:`cohort.disclosure.protect_linked`
        with the unit's relations). Tables in ``tset.separate`` keep their
        own policy in a publication edition (a management edition shows them
        as it shows everything).

    Returns
    -------
    dict of str to Protected
        One entry per published table.
    """
    pol = load_policy(policy)
    out: dict[str, Protected] = {}
    tables = {k: v for k, v in tset.tables.items() if len(v)}
    if tables:
        options = {k: v for k, v in tset.options.items() if k in tables}
        management = pol.edition == "management"  # shows every figure: no relation changes anything
        out.update(protect_linked(
            tables, (), pol, options=options, unpublished=[u for u in tset.unpublished if u in tables],
            relations=[] if management else [r for r in tset.relations if _present(r, tables)],
            together=[] if management else [t for t in tset.together if all(c.table in tables for c in t.cells)],
            on_fail="audit",
        ))
    for name, (t, opts, own, rels) in tset.separate.items():
        if not len(t):
            continue
        if pol.edition == "management":
            out[name] = protect(t, pol, name=name, **opts)
        else:
            out[name] = protect_linked({name: t}, (), own, options={name: opts}, relations=rels,
                                       on_fail="audit")[name]
    return out


def _present(rel: Relation, tables: Mapping[str, pd.DataFrame]) -> bool:
    return all(c.table in tables for c in (rel.whole, *rel.parts))


# --------------------------------------------------------------------------- cache


def _policy_key(pol: Policy) -> str:
    return json.dumps({k: getattr(pol, k) for k in pol.__dataclass_fields__}, sort_keys=True, default=str)


def unit_key(unit: str, fingerprint: str, quarter: str, policy: str | Policy) -> str:
    """The cache key of a protected unit: store fingerprint, package version, quarter, policy."""
    from cohort import __version__

    pol = load_policy(policy)
    h = hashlib.sha256("|".join((unit, fingerprint, __version__, quarter, _policy_key(pol))).encode())
    return f"{unit}_{quarter.replace('/', '-').replace(' ', '')}_{pol.name}_{h.hexdigest()[:16]}"


def _builders() -> dict[str, Callable[[CohortData, str], TableSet]]:
    from cohort.report.kpi_set import kpi_unit
    from cohort.report.performance_set import performance_unit

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
