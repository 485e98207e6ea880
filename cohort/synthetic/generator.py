"""The entry point: :func:`generate` runs the stages in order."""

from __future__ import annotations

import numpy as np

from cohort.cohortdata import TABLES, CohortData
from cohort.synthetic._base import (
    _BURN_IN_YEARS,
    _calibration_targets,
    _Career,
    _day,
    _fy_start,
    _People,
    _table_fields,
)
from cohort.synthetic.careers import (
    _career_entrants,
    _offending,
)
from cohort.synthetic.outcomes import (
    _offence_rows,
)
from cohort.synthetic.planted import planted_effects
from cohort.synthetic.population import _authorities, _population_array, _population_table
from cohort.synthetic.programmes import (
    _cyc,
    _interventions,
    _prevention_children,
)
from cohort.synthetic.records import _board, _kpi_records, _victims
from cohort.synthetic.tables import (
    _child_ids,
    _children_table,
    _finish_attendance,
    _finish_board,
    _finish_interventions,
    _finish_kpi,
    _finish_offences,
    _finish_victims,
)

# ---------------------------------------------------------------------------
# The main entry point
# ---------------------------------------------------------------------------


def generate(
    seed: int = 2024,
    authorities: int = 5,
    start: str = "2021/22",
    end: str = "2025/26",
    scale: float = 1.0,
) -> CohortData:
    """Generate calibrated synthetic data for fictional authorities.

    Parameters
    ----------
    seed : int, default 2024
        Seed of the random generator; the same seed and arguments give
        identical tables (same :meth:`CohortData.fingerprint`).
    authorities : int, default 5
        Number of fictional authorities. Up to five use the fixed default
        set (X01 Ashbridge, X02 Kelmoor, X03 Northwold, X04 Stanmere,
        X05 Wexcombe; X01 is Sefton-sized); more use codes ``X001``... with
        names made from syllables and parameters drawn from the published
        ranges, and about one service in twelve covers two authorities.
        150 gives a national-scale data set.
    start, end : str, default "2021/22" and "2025/26"
        First and last financial year covered (labels as ``"2023/24"``).
        Interventions, KPI records, victims and board meetings fall in
        (or, for interventions, overlap) April of ``start`` to March of
        ``end``; offences and outcomes go back up to three years earlier so
        that every child's whole history is present; the population table
        covers mid-years ``start - 1`` to ``end``.
    scale : float, default 1.0
        Multiplier of every population and so of every caseload; 0.2 gives
        a small, fast data set.

    Returns
    -------
    CohortData
        Tables ``authorities``, ``children``, ``offences``,
        ``interventions``, ``kpi_records``, ``victims``,
        ``board_attendance``, ``attendance`` and ``population`` with exactly
        the columns of the data dictionary, an empty attrition log, and
        ``metadata`` with ``synthetic`` (True), ``source``, ``seed``,
        ``arguments``, ``period``, ``planted_effects`` (the planted facts,
        see the module docstring) and ``calibration`` (the reference
        figures, one dict per target, from
        ``cohort/data/calibration_targets.csv``).

    Raises
    ------
    ValueError
        If a financial year label is malformed, ``end`` precedes ``start``,
        ``authorities`` is below 1 or ``scale`` is not positive.

    Notes
    -----
    The generative model and every planted fact, with the reference it
    reproduces, are described in the module docstring (and in
    ``docs/synthetic.md``). Validated by ``tests/test_synthetic.py``, which
    recomputes the shares and rates independently and prints them beside
    the reference values.

    Examples
    --------
    >>> data = generate(seed=7, authorities=1, scale=0.1)
    >>> data.synthetic, data.metadata["seed"]
    (True, 7)
    >>> data.population.groupby("mid_year")["population"].sum().index.tolist()
    [2020, 2021, 2022, 2023, 2024, 2025]
    >>> generate(seed=7, authorities=1, scale=0.1).fingerprint() == data.fingerprint()
    True
    """
    y0, y1 = _fy_start(start), _fy_start(end)
    if y1 < y0:
        raise ValueError(f"end ({end!r}) precedes start ({start!r})")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    n_auth = int(authorities)
    rng = np.random.default_rng(seed)
    win_start, data_end = _day(f"{y0}-04-01"), _day(f"{y1 + 1}-03-31")

    auth_frame, ap = _authorities(n_auth, rng)
    codes = auth_frame["authority_code"].to_numpy(dtype=object)
    sim_years = np.arange(y0 - 1 - _BURN_IN_YEARS, y1 + 2)
    pop = _population_array(ap, sim_years, scale, rng)
    people = _People()

    cyc = _cyc(ap, pop, sim_years, rng, people, y0, y1, data_end, scale)
    entrants = _career_entrants(ap, pop, sim_years, rng, people, y0, y1, cyc["girls_taken"])
    career = _Career(*[
        np.concatenate([getattr(entrants, f), getattr(cyc["entrants"], f)])
        for f in _Career.__dataclass_fields__
    ])
    events = _offending(career, ap, rng, data_end)
    prevention = _prevention_children(ap, pop, sim_years, rng, people, y0, y1)
    off, ev = _offence_rows(events, career, rng, data_end)
    iv = _interventions(ev, career, prevention, cyc, rng, win_start, data_end)
    kpi = _kpi_records(iv, people, rng, win_start)
    vic = _victims(off, career, pop, sim_years, rng, win_start, data_end)
    board = _board(ap, rng, y0, y1)

    child_ids = _child_ids(people)
    offences = _finish_offences(off, career, codes, child_ids)
    interventions, int_ids = _finish_interventions(iv, codes, child_ids, offences)
    tables = {
        "authorities": auth_frame,
        "children": _children_table(people, codes, rng, child_ids),
        "offences": offences,
        "interventions": interventions,
        "kpi_records": _finish_kpi(kpi, iv, codes, child_ids, int_ids),
        "victims": _finish_victims(vic, codes, offences),
        "board_attendance": _finish_board(board, ap, codes),
        "attendance": _finish_attendance(cyc["attendance"], codes, child_ids),
        "population": _population_table(pop, sim_years, codes, y0 - 1, y1),
    }
    fields = _table_fields()
    tables = {name: tables[name][fields[name]].reset_index(drop=True) for name in TABLES}
    metadata = {
        "synthetic": True,
        "source": (
            f"cohort.synthetic.generate(seed={seed}, authorities={n_auth}, "
            f"start={start!r}, end={end!r}, scale={scale})"
        ),
        "seed": seed,
        "arguments": {
            "seed": seed, "authorities": n_auth, "start": start, "end": end, "scale": scale,
        },
        "period": {
            "start": f"{y0}-04-01", "end": f"{y1 + 1}-03-31",
            "history_from": f"{y0 - _BURN_IN_YEARS}-04-01",
        },
        "planted_effects": planted_effects(cyc["authorities"], codes),
        "calibration": _calibration_targets(),
    }
    return CohortData(tables=tables, metadata=metadata)

