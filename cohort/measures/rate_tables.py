"""Rate tables per period: the pieces shared by the population-based measures.

First time entrants (:mod:`cohort.measures.fte`) and custody
(:mod:`cohort.measures.custody`) count events per period and breakdown cell
and divide by a population; proven reoffending (:mod:`cohort.measures.reoffending`)
uses the same grid of cells. Here: the periods of a table, the events of each
period, the grid of cells (zero counts included), and the population
denominators of each mid-year with the notes that say when one is missing or
another year stood in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.measures._common import AGE_BANDS, TIDY_COLUMNS, age_band
from cohort.periods import financial_year, period_table, quarter
from cohort.population import population_for_period
from cohort.population.for_period import _choose_mid_year, _mid_year_for
from cohort.stats import rate_ci

PeriodKind = Literal["calendar_year", "financial_year", "rolling_12m"]
PopulationYear = Literal["previous_mid_year", "same_mid_year"]

#: ``by`` columns that a population table can provide a denominator for.
POPULATION_DIMENSIONS: tuple[str, ...] = ("authority_code", "sex", "age", "age_band", "ethnicity")

#: Extra columns of population-based rate tables, after :data:`TIDY_COLUMNS`.
RATE_EXTRA_COLUMNS: tuple[str, ...] = ("population_year", "note")

_TOTAL = {"sex": "All", "ethnicity": "All"}


def _as_tuple(by: str | Sequence[str] | None) -> tuple[str, ...]:
    if by is None:
        return ()
    if isinstance(by, str):
        return (by,)
    by = tuple(by)
    if len(set(by)) != len(by):
        raise ValueError(f"by lists a column twice: {by!r}")
    return by


def _youth_bands(ages: tuple[int, int]) -> list[str]:
    """Labels of :data:`AGE_BANDS` that overlap the age range."""
    lo, hi = ages
    return [name for name, a, b in AGE_BANDS if a <= hi and b >= lo]


def _period_frame(
    kind: str,
    start: object,
    end: object,
    dates: pd.Series,
) -> pd.DataFrame:
    """Periods of ``kind`` from ``start`` to ``end`` (default: span of ``dates``).

    Columns ``period``, ``period_start``, ``period_end`` and ``key`` (the
    argument :func:`cohort.population.population_for_period` expects).
    """
    dates = pd.to_datetime(dates).dropna()
    if (start is None or end is None) and dates.empty:
        raise ValueError("no events to take the default period range from; pass start and end")
    if kind == "calendar_year":
        start = int(dates.min().year) if start is None else start
        end = int(dates.max().year) if end is None else end
    elif kind == "financial_year":
        start = financial_year(dates.min()) if start is None else start
        end = financial_year(dates.max()) if end is None else end
    else:
        start = quarter(dates.min()) if start is None else start
        end = quarter(dates.max()) if end is None else end
    table = period_table(kind, start, end)  # type: ignore[arg-type]
    if kind == "calendar_year":
        key = [int(p) for p in table["period"]]
    elif kind == "financial_year":
        key = list(table["period"])
    else:
        key = [quarter(e) for e in table["end"]]
    return pd.DataFrame(
        {
            "period": table["period"].astype(object),
            "period_start": table["start"],
            "period_end": table["end"],
            "key": key,
        }
    )


def _in_periods(events: pd.DataFrame, date_col: str, periods: pd.DataFrame) -> pd.DataFrame:
    """Events tagged with every period whose ``[start, end]`` contains ``date_col``.

    Rolling windows overlap, so an event can appear in several periods. The
    loop is over periods (a handful), never over events.
    """
    if periods.empty:
        return events.iloc[0:0].assign(period=pd.Series(dtype=object))
    dates = events[date_col].to_numpy(dtype="datetime64[ns]")
    rows, labels = [], []
    for p in periods.itertuples(index=False):
        inside = np.flatnonzero((dates >= p.period_start.to_datetime64()) & (dates <= p.period_end.to_datetime64()))
        rows.append(inside)
        labels.append(np.full(len(inside), p.period, dtype=object))
    out = events.iloc[np.concatenate(rows)].reset_index(drop=True)
    out["period"] = np.concatenate(labels)
    return out


def _authority_universe(data: CohortData) -> list[str]:
    """Authorities the data covers: the authorities table, else children and offences."""
    authorities = data.select("authorities", ["authority_code"])
    if "authority_code" in authorities.columns and len(authorities):
        codes = authorities["authority_code"]
    else:
        parts = [
            t["authority_code"]
            for t in (data.select(n, ["authority_code"]) for n in ("children", "offences"))
            if "authority_code" in t.columns
        ]
        codes = pd.concat(parts) if parts else pd.Series(dtype=object)
    return sorted(pd.unique(codes.dropna().astype(str)))


def _levels(
    column: str,
    events: pd.DataFrame,
    population: pd.DataFrame | None,
    authorities: list[str],
    ages: tuple[int, int],
) -> list[object]:
    """Values a ``by`` column takes in the output grid (zero counts included)."""
    if column == "authority_code" and authorities:
        return list(authorities)
    if column == "age":
        return list(range(ages[0], ages[1] + 1))
    if column == "age_band":
        return _youth_bands(ages)
    seen = events[column].dropna().astype(str).tolist() if column in events.columns else []
    if population is not None and column in ("sex", "ethnicity") and column in population:
        seen += [v for v in population[column].dropna().astype(str) if v != _TOTAL[column]]
    return sorted(set(seen))


def _grid(
    periods: pd.DataFrame, by: tuple[str, ...], levels: dict[str, list[object]]
) -> pd.DataFrame:
    """Every period crossed with every combination of ``by`` levels."""
    combos = list(itertools.product(*(levels[c] for c in by))) if by else [()]
    cells = pd.DataFrame(combos, columns=list(by)) if by else pd.DataFrame(index=[0])
    frame = periods[["period", "period_start", "period_end"]].merge(cells, how="cross")
    for c in by:
        if c == "age":
            frame[c] = frame[c].astype("Int64")
    return frame


def _order(by: tuple[str, ...], extra: Sequence[str]) -> list[str]:
    """Output column order: authority, period columns, other by, tidy, extras."""
    lead = ["authority_code"] if "authority_code" in by else []
    rest = [c for c in by if c != "authority_code"]
    return [*lead, "period", "period_start", "period_end", *rest, *TIDY_COLUMNS, *extra]


def _population_by(
    population: pd.DataFrame,
    years: Sequence[int],
    by: tuple[str, ...],
    authorities: list[str],
    ages: tuple[int, int],
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Each mid-year's population summed to the ``by`` cells (column ``_mid`` for the
    year), and the years whose population cannot serve, with the reason.

    For each breakdown dimension (sex, age, ethnicity): if it is in ``by``,
    the rows that carry it are used (``"All"`` / missing rows dropped); if it
    is not, the total rows are used when there are any, else the detailed
    rows are summed. Ages are restricted to ``ages``. Every choice is made
    for each mid-year on its own rows, over the whole table at once.
    """
    reasons: dict[int, str] = {}

    def fail(failing: Iterable[object], reason: str) -> None:
        for y in failing:  # the first reason a year meets is its reason
            reasons.setdefault(int(y), reason)

    years = [int(y) for y in years]
    other = [c for c in by if c not in POPULATION_DIMENSIONS]
    if other:
        fail(years, f"no population denominator for a breakdown by {', '.join(other)}")
        return pd.DataFrame(columns=["_mid", *by, "denominator"]), reasons
    pop = population[population["mid_year"].isin(years)]

    def each_year(flag: pd.Series, how: str) -> pd.Series:
        """any/all of ``flag`` over each year's rows (a year with none: all True, any False)."""
        agg = flag.groupby(pop["mid_year"].to_numpy()).agg(how)
        return agg.reindex(years, fill_value=how == "all").astype(bool)

    def of_row(per_year: pd.Series) -> np.ndarray:
        return per_year.reindex(pop["mid_year"].to_numpy()).to_numpy(dtype=bool)

    wants_age = "age" in by or "age_band" in by
    if "age" in pop.columns:
        age = pd.to_numeric(pop["age"], errors="coerce")
        detailed = age.notna()
        in_ages = age.between(*ages).to_numpy(dtype=bool, na_value=False)
        if wants_age:
            has = each_year(detailed, "any")
            fail(has.index[~has.to_numpy()], "population has no breakdown by single year of age")
            pop = pop[detailed.to_numpy(dtype=bool) & in_ages]
        else:
            totals = of_row(each_year(~detailed, "any"))
            pop = pop[np.where(totals, ~detailed.to_numpy(dtype=bool), in_ages)]
    elif wants_age:
        fail(years, "population has no breakdown by single year of age")
    for dim in ("sex", "ethnicity"):
        if dim not in pop.columns:
            if dim in by:
                fail(years, f"population has no {dim} breakdown")
            continue
        total = pop[dim].astype(str) == _TOTAL[dim]
        if dim in by:
            reason = f"population has no {dim} breakdown"
            if dim == "ethnicity":
                reason += " (ONS mid-year estimates have none; supply Census 2021 denominators by ethnicity)"
            only_totals = each_year(total, "all")
            fail(only_totals.index[only_totals.to_numpy()], reason)
            pop = pop[(~total).to_numpy(dtype=bool, na_value=False)]
        else:
            pop = pop[np.where(of_row(each_year(total, "any")), total.to_numpy(dtype=bool, na_value=False), True)]
    pop = pop.assign(authority_code=pop["authority_code"].astype(str))
    if authorities:
        if "authority_code" not in by:
            present = pop.groupby(pop["mid_year"].to_numpy())["authority_code"].unique()
            for y in years:
                missing = sorted(set(authorities) - set(present.get(y, [])))
                if missing:
                    fail([y], "population lacks authorities " + ", ".join(missing))
        pop = pop[pop["authority_code"].isin(authorities)]
    served = [y for y in years if y not in reasons]
    pop = pop[pop["mid_year"].isin(served)]
    if "age_band" in by:
        pop = pop.assign(age_band=age_band(pd.to_numeric(pop["age"]).astype("Int64")))
    keys = list(by)
    if not keys:
        sums = pop.groupby(pop["mid_year"].to_numpy())["population"].sum().reindex(served, fill_value=0)
        return pd.DataFrame({"_mid": served, "denominator": sums.to_numpy(dtype=float)}), reasons
    cells = pop.assign(_mid=pop["mid_year"]).groupby(["_mid", *keys], observed=True, dropna=False)["population"].sum()
    out = cells.rename("denominator").astype(float).reset_index()
    for c in keys:
        if c == "age":
            out[c] = out[c].astype("Int64")
        else:
            out[c] = out[c].astype(str)
    return out, reasons


def _population_rates(
    counts: pd.DataFrame,
    periods: pd.DataFrame,
    period_kind: str,
    by: tuple[str, ...],
    levels: dict[str, list[object]],
    population: pd.DataFrame,
    authorities: list[str],
    ages: tuple[int, int],
    convention: str,
    per: float,
    level: float,
) -> pd.DataFrame:
    """Counts per period and ``by`` cell divided by the population, with PHE intervals."""
    frame = _grid(periods, by, levels)
    keys = ["period", *by]
    if len(counts):
        counts = counts.copy()
        for c in by:
            counts[c] = counts[c].astype("Int64") if c == "age" else counts[c].astype(str)
        frame = frame.merge(counts, on=keys, how="left", validate="one_to_one")
    else:
        frame["numerator"] = 0
    frame["numerator"] = frame["numerator"].fillna(0).astype(float)
    frame["denominator"] = np.nan
    frame["population_year"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["note"] = pd.Series([None] * len(frame), dtype=object)

    # Which mid-year each period uses, and the note when another stood in: the rule of
    # population_for_period, on the table's mid-years alone. Each population used is summed
    # to the cells once, and the denominators joined to every period by one merge.
    have = (sorted(int(y) for y in population["mid_year"].dropna().unique())
            if "mid_year" in population.columns else None)
    used: dict[object, tuple[int, str | None]] = {}  # period -> (mid-year, fallback note)
    errors: dict[object, str] = {}  # period -> why no population
    for p in periods.itertuples(index=False):
        label, year = _mid_year_for(period_kind, p.key, convention)
        try:
            if have is None:  # its message: the table has no mid_year column
                population_for_period(population, period_kind, p.key, convention)
            used[p.period] = _choose_mid_year(have, year, True, f"{period_kind} {label}", convention)
        except ValueError as err:
            errors[p.period] = str(err)
    period = frame["period"]
    mid = period.map({k: v[0] for k, v in used.items()}).astype("Int64")
    fallback = period.map({k: v[1] for k, v in used.items()})
    frame["population_year"] = mid
    needed = sorted({v[0] for v in used.values()})
    cells, reasons = _population_by(population, needed, by, authorities, ages) if needed else (None, {})
    if cells is not None and len(cells):
        joined = frame[list(by)].assign(_mid=mid).merge(
            cells.astype({"_mid": "Int64"}), on=["_mid", *by], how="left", validate="many_to_one")
        frame["denominator"] = joined["denominator"].to_numpy()
    note = frame["note"].copy()
    errored = period.isin(list(errors))
    note[errored] = period[errored].map(errors)
    unsummed = mid.isin(list(reasons)).fillna(False).astype(bool)
    note[unsummed] = mid[unsummed].map(reasons)
    summed_rows = mid.notna().to_numpy() & ~unsummed.to_numpy()
    no_pop = summed_rows & frame["denominator"].isna().to_numpy()
    note[no_pop] = "no mid-" + mid[no_pop].astype(str) + " population for this cell"
    stood_in = summed_rows & ~no_pop & fallback.notna().to_numpy()
    note[stood_in] = fallback[stood_in]
    frame["note"] = note

    ci = rate_ci(
        frame["numerator"].to_numpy(), frame["denominator"].to_numpy(), per=per, level=level
    )
    for c in TIDY_COLUMNS:
        frame[c] = ci[c].to_numpy()
    return frame[_order(by, RATE_EXTRA_COLUMNS)].reset_index(drop=True)


def _check_by(by: tuple[str, ...], available: Sequence[str]) -> None:
    unknown = [c for c in by if c not in available]
    if unknown:
        raise ValueError(
            f"by contains {unknown!r}, which are not columns of the events; "
            f"available: {', '.join(sorted(available))}"
        )


def _count_cells(
    events: pd.DataFrame, by: tuple[str, ...], unique: Sequence[str] | None = None
) -> pd.DataFrame:
    """Events per period and ``by`` cell (distinct ``unique`` combinations if given)."""
    keys = ["period", *by]
    if events.empty:
        return pd.DataFrame(columns=[*keys, "numerator"])
    if unique is not None:
        events = events.drop_duplicates([*keys, *unique])
    out = events.groupby(keys, observed=True, dropna=False).size().rename("numerator")
    return out.reset_index()
