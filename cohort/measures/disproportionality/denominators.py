"""Population denominators by group for the disproportionality measures.

For each authority the population comes, in this order, from

1. the population table passed in (or ``data.population``) when it holds the
   breakdown the group needs (synthetic authorities carry populations by
   single year of age, sex and ethnicity; a real store carries ONS mid-year
   estimates by age and sex);
2. for an ethnic breakdown of a real authority (a GSS code such as
   ``E08000015``, or codes joined with ``+`` for a service), Census 2021
   (:func:`cohort.population.census_ethnicity`);
3. otherwise none: the population stage is not calculable and says why.

Characteristics without a population count (SEND level, care status) have
no population denominator at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from cohort.measures.rate_tables import _population_by
from cohort.population import census_ethnicity

#: Children's characteristics and the population column that counts them.
POPULATION_COLUMN = {"ethnicity": "ethnicity", "sex": "sex", "age_band": "age"}

_GSS = re.compile(r"^[EW]\d{8}(\+[EW]\d{8})*$")
_TOTAL = {"sex": "All", "ethnicity": "All"}

GROUP_SEPARATOR = ", "


def group_labels(frame: pd.DataFrame, group: Sequence[str]) -> pd.Series:
    """The group value of each row: one column's value, or several joined by ", "."""
    values = frame[group[0]].astype(str)
    for g in group[1:]:
        values = values + GROUP_SEPARATOR + frame[g].astype(str)
    return values


def _has_breakdown(pop: pd.DataFrame, dims: Sequence[str]) -> pd.Series:
    """Mid-years (index) of ``pop`` that carry every needed breakdown."""
    ok = pd.Series(True, index=pop.index)
    for d in dims:
        if d not in pop.columns:
            return pd.Series(dtype=bool)
        if d == "age":
            ok &= pd.to_numeric(pop["age"], errors="coerce").notna()
        else:
            ok &= pop[d].notna() & (pop[d].astype(str) != _TOTAL[d])
    return ok.groupby(pop["mid_year"].astype(int)).any()


def _pick_year(years: list[int], target: int) -> int:
    before = [y for y in years if y <= target]
    return max(before) if before else min(years)


def group_population(
    population: pd.DataFrame | None,
    authorities: list[str],
    group: Sequence[str],
    target_year: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population aged 10-17 of each authority by group value.

    Returns
    -------
    (cells, sources)
        ``cells``: ``authority_code``, ``group_value``, ``population`` (float;
        missing where the source has no figure). ``sources``: one row per
        authority with ``population_year`` (Int64), ``population_source``
        (text) and ``note`` (why there is no population, else missing).
    """
    dims = [POPULATION_COLUMN.get(g) for g in group]
    cells, sources = [], []
    if any(d is None for d in dims):
        missing = [g for g, d in zip(group, dims, strict=True) if d is None]
        note = f"no population count of children by {', '.join(missing)}"
        return (
            pd.DataFrame(columns=["authority_code", "group_value", "population"]),
            pd.DataFrame({"authority_code": authorities, "population_year": pd.NA,
                          "population_source": None, "note": note}),
        )
    for code in authorities:
        got = _from_table(population, code, group, dims, target_year)
        if got is None and _GSS.match(code) and set(dims) <= {"ethnicity", "sex"}:
            got = _from_census(code, group, dims)
        if got is None:
            sources.append({"authority_code": code, "population_year": pd.NA,
                            "population_source": None,
                            "note": f"no population of {code} by {', '.join(group)}"})
            continue
        frame, year, source = got
        cells.append(frame.assign(authority_code=code))
        sources.append({"authority_code": code, "population_year": year,
                        "population_source": source, "note": None})
    out = (pd.concat(cells, ignore_index=True) if cells
           else pd.DataFrame(columns=["authority_code", "group_value", "population"]))
    src = pd.DataFrame(sources, columns=["authority_code", "population_year",
                                         "population_source", "note"])
    src["population_year"] = src["population_year"].astype("Int64")
    return out[["authority_code", "group_value", "population"]], src


def _from_table(population, code, group, dims, target_year):
    if population is None or population.empty or "authority_code" not in population:
        return None
    pop = population[population["authority_code"].astype(str) == code]
    if pop.empty or "mid_year" not in pop:
        return None
    has = _has_breakdown(pop, dims)
    years = [int(y) for y, ok in has.items() if ok]
    if not years:
        return None
    year = _pick_year(years, target_year)
    rows = pop[pop["mid_year"].astype(int) == year]
    by = tuple("age_band" if d == "age" else d for d in dims)
    cells, reasons = _population_by(rows, [year], by, [code], (10, 17))
    if reasons:
        return None
    frame = pd.DataFrame({
        "group_value": group_labels(cells, by).to_numpy(),
        "population": cells["denominator"].astype(float).to_numpy(),
    })
    return frame, year, f"population table, mid-{year}"


def _from_census(code, group, dims):
    members = code.split("+")
    pop = census_ethnicity({code: members}, by=tuple(dict.fromkeys(dims)))
    frame = pd.DataFrame({
        "group_value": group_labels(pop, dims).to_numpy(),
        "population": pop["population"].astype("Float64").astype(float).to_numpy(),
    })
    return frame, 2021, "Census 2021 (21 March 2021)"
