"""First time entrants (FTE) to the youth justice system and their rate per 100,000.

A first time entrant is a child aged 10-17 who receives their *first* youth
caution, youth conditional caution or court conviction. "First" is judged
over the child's whole history in the data; informal outcomes (community
resolutions, Outcome 22) never make a child a first time entrant. The rate
divides by the ONS mid-year population aged 10-17 of the previous year
(see :mod:`cohort.population`).

This module also holds the pieces shared by the population-based measures
(:mod:`cohort.measures.custody` uses them): periods, the table grid and the
population denominators.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import (
    AGE_BANDS,
    TIDY_COLUMNS,
    age_at,
    age_band,
    first_by_min,
    lookup_first,
    match_codes,
    sort_key,
)
from cohort.periods import financial_year, period_table, quarter
from cohort.population import population_for_period
from cohort.population.for_period import _choose_mid_year, _mid_year_for
from cohort.stats import rate_ci

__all__ = ["first_time_entrants", "fte"]

PeriodKind = Literal["calendar_year", "financial_year", "rolling_12m"]
PopulationYear = Literal["previous_mid_year", "same_mid_year"]
AgeBasis = Literal["outcome_date", "offence_date"]

#: ``by`` columns that a population table can provide a denominator for.
POPULATION_DIMENSIONS: tuple[str, ...] = ("authority_code", "sex", "age", "age_band", "ethnicity")

#: Extra columns of population-based rate tables, after :data:`TIDY_COLUMNS`.
RATE_EXTRA_COLUMNS: tuple[str, ...] = ("population_year", "note")

_CHILD_COLUMNS = ("sex", "ethnicity", "birth_month")
#: Columns of the events behind FTE and custody (:func:`first_time_entrants`).
_EVENT_COLUMNS = ("offence_id", "child_id", "authority_code", "offence_date", "outcome_date", "outcome",
                  *_CHILD_COLUMNS, "age", "age_band")
_TOTAL = {"sex": "All", "ethnicity": "All"}


# --------------------------------------------------------------------------- shared helpers




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


def _with_child(events: pd.DataFrame, data: CohortData,
                columns: Sequence[str] = _CHILD_COLUMNS, *, rows: np.ndarray | None = None,
                children: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attach the child's sex, ethnicity and birth month (or ``columns`` of them; not
    their authority).

    The child's first row in ``children`` is used: the result is what
    ``events.merge(children.drop_duplicates("child_id"), how="left")`` gives,
    found by one lookup rather than a merge. ``rows``: that lookup made already
    (the position of each event's child in ``children``, -1 if none).
    """
    if children is None:
        children = data.select("children", ["child_id", *columns])
    keep = [c for c in columns if c in children.columns]
    out = events.reset_index(drop=True)
    at = lookup_first(children["child_id"], out["child_id"]) if rows is None else rows
    for c in keep:
        out[c] = pd.api.extensions.take(children[c].array, at, allow_fill=True)
    for c in columns:
        if c not in out.columns:
            out[c] = pd.NA
    return out


def _add_age(events: pd.DataFrame, when: str) -> pd.DataFrame:
    out = events.copy()
    out["age"] = age_at(out["birth_month"], out[when])
    out["age_band"] = age_band(out["age"])
    return out


def _child_columns(by: Sequence[str]) -> list[str]:
    """The children's columns a rate table by ``by`` needs: the birth month (for the
    ages) and those it is broken down by."""
    return [c for c in _CHILD_COLUMNS if c == "birth_month" or c in by]


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


# --------------------------------------------------------------------------- FTE


def first_time_entrants(
    data: CohortData,
    age_basis: AgeBasis = "outcome_date",
    ages: tuple[int, int] = (10, 17),
) -> pd.DataFrame:
    """One row per first time entrant: the child's first formal outcome.

    Parameters
    ----------
    data : CohortData
        Needs ``offences`` (child_id, authority_code, offence_date,
        outcome_date, outcome) and ``children`` (child_id, birth_month, sex,
        ethnicity).
    age_basis : {"outcome_date", "offence_date"}, default "outcome_date"
        Date at which the child's age is taken [M in METHODS.md].
    ages : (int, int), default (10, 17)
        Inclusive age range of a youth first time entrant.

    Returns
    -------
    pandas.DataFrame
        One row per child whose first formal outcome (by ``outcome_date``;
        ties broken by offence date, then ``offence_id``) came while aged
        within ``ages``: ``child_id``, ``offence_id``, ``authority_code`` (of
        that offence record), ``offence_date``, ``outcome_date``,
        ``outcome``, ``sex``, ``ethnicity``, ``birth_month``, ``age``,
        ``age_band``.

    Notes
    -----
    Formal outcomes are the codes of the ``outcome`` code list with
    ``formal: true`` (youth caution, youth conditional caution and court
    outcomes); community resolutions and Outcome 22 are ignored entirely, so
    a child with a community resolution and a later caution enters at the
    caution. The first formal outcome is taken over the child's whole
    history *in the data*: an extract that starts after a child's earlier
    caution will wrongly count a later one, so load full histories. A child
    whose first formal outcome came at 18 or over is not a youth entrant
    (and never becomes one).

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({
    ...     "offence_id": ["o1", "o2", "o3"], "child_id": ["a", "a", "b"],
    ...     "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2022-01-05", "2022-06-01", "2022-03-01"]),
    ...     "outcome_date": pd.to_datetime(["2022-02-01", "2022-07-01", "2022-04-01"]),
    ...     "outcome": ["Youth caution", "Youth caution", "Community resolution"]})
    >>> children = pd.DataFrame({"child_id": ["a", "b"], "authority_code": "X01",
    ...     "birth_month": ["2007-05", "2008-01"], "sex": ["Male", "Female"],
    ...     "ethnicity": ["White", "Asian"]})
    >>> fte_rows = first_time_entrants(CohortData({"offences": offences, "children": children}))
    >>> fte_rows[["child_id", "offence_id", "age"]]
      child_id offence_id  age
    0        a         o1   14
    """
    return _outcome_events(data, "formal", age_basis, ages, first_only=True)


def _outcome_events(
    data: CohortData,
    flag: str,
    age_basis: AgeBasis,
    ages: tuple[int, int],
    *,
    first_only: bool = False,
    child_columns: Sequence[str] = _CHILD_COLUMNS,
    columns: Sequence[str] | None = None,
    ordered: bool = True,
) -> pd.DataFrame:
    """Offence records whose outcome has ``flag`` in the outcome code list,
    optionally only each child's first, with the child's age at the event,
    kept when the age is within ``ages`` (shared by FTE and custody).

    ``columns`` (default all) are the offence columns a caller needs (with
    those the selection itself needs); ``age_band`` is then made only when
    asked for. With ``first_only``, the events are in child order unless
    ``ordered=False`` (for a caller that only counts them).
    """
    _check_choice("age_basis", age_basis, get_args(AgeBasis))
    cols = ["offence_id", "child_id", "authority_code", "offence_date", "outcome_date", "outcome"]
    needed = {"child_id", age_basis, *(("outcome_date", "offence_date", "offence_id") if first_only else ())}
    keep = [c for c in cols if columns is None or c in columns or c in needed]
    off = data.select("offences", [*keep, "outcome"])
    codes = load_dictionary().codes("outcome", **{flag: True})
    events = off.loc[off["outcome"].isin(codes), keep]
    children = data.select("children", ["child_id", *child_columns])
    child, child_row = match_codes(children["child_id"], events["child_id"])  # the ids hashed once
    if first_only:  # each child's first (by outcome date, offence date, offence id)
        ids = events["offence_id"]
        first = first_by_min(child, [sort_key(events["outcome_date"]), sort_key(events["offence_date"]),
                                     lambda rows: sort_key(ids.iloc[rows])])
        if ordered:  # in child order
            first = first[np.argsort(sort_key(events["child_id"].iloc[first]), kind="stable")]
        events, child_row = events.iloc[first], child_row[first]
    events = _with_child(events, data, child_columns, rows=child_row, children=children)
    events["age"] = age_at(events["birth_month"], events[age_basis])
    if columns is None or "age_band" in columns:
        events["age_band"] = age_band(events["age"])
    events = events[events["age"].between(*ages).fillna(False).astype(bool)]
    return events.reset_index(drop=True)


def fte(
    data: CohortData,
    by: Sequence[str] = ("authority_code",),
    period: PeriodKind = "calendar_year",
    start: int | str | pd.Period | None = None,
    end: int | str | pd.Period | None = None,
    population: pd.DataFrame | None = None,
    population_year: PopulationYear = "previous_mid_year",
    per: float = 100_000,
    age_basis: AgeBasis = "outcome_date",
    level: float = 0.95,
) -> pd.DataFrame:
    """First time entrants and their rate per 100,000 children aged 10-17.

    Parameters
    ----------
    data : CohortData
        Offences with outcomes, children, and (optionally) authorities and a
        population table.
    by : sequence of str, default ("authority_code",)
        Breakdowns: ``authority_code``, ``sex``, ``age``, ``age_band``,
        ``ethnicity`` (all with population denominators), or any other column
        of the offences or children (counts only; rate ``NaN`` with a note).
        ``()`` gives one row per period for all authorities together.
    period : {"calendar_year", "financial_year", "rolling_12m"}
        Reference period; YJB publications have used both calendar and
        financial years, so there is no silent default in reports.
    start, end : optional
        First and last period: years (``2022``) for calendar years,
        ``"2022/23"`` for financial years, quarters (``"2023/24 Q4"``, the
        last quarter of the window) for rolling 12 months. Default: the span
        of the first time entrants' outcome dates.
    population : pandas.DataFrame, optional
        A ``population`` table (``authority_code``, ``mid_year``, ``age``,
        ``sex``, ``ethnicity``, ``population``), e.g. from
        :func:`cohort.population.ons`. Default ``data.population``.
    population_year : {"previous_mid_year", "same_mid_year"}
        Which mid-year estimate a period uses (see
        :func:`cohort.population.population_for_period`). The default,
        previous year (calendar 2022 with mid-2021), is the one that
        reproduces published rates.
    per : float, default 100_000
        Rate multiplier.
    age_basis : {"outcome_date", "offence_date"}, default "outcome_date"
        Date at which the 10-17 age rule and age breakdowns apply.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (authority,) period and breakdown cell, zero counts
        included:

        - ``authority_code`` (when in ``by``), ``period`` (label),
          ``period_start``, ``period_end``, then the other ``by`` columns.
        - ``numerator``: first time entrants (outcome date in the period).
        - ``denominator``: population aged 10-17 of the cell.
        - ``estimate``: ``numerator / denominator * per``.
        - ``lower``, ``upper``: confidence limits on the same scale.
        - ``method``: ``"exact"`` (fewer than 10 events) or ``"byar"``.
        - ``confidence``: the confidence level.
        - ``population_year``: the mid-year estimate used.
        - ``note``: why a rate is missing (e.g. the population has no
          ethnicity breakdown), or that the nearest mid-year stood in for
          one not in the data ("mid-2023 population used; mid-2024 not
          available"), else missing.

    Notes
    -----
    .. math:: \\text{FTE rate} = \\frac{\\text{FTEs}}{P_{10-17}} \\times 100{,}000

    where :math:`P_{10-17}` is the ONS mid-year population aged 10-17
    summed over single years of age. Intervals follow the PHE/OHID rule via
    :func:`cohort.stats.rate_ci` (exact Poisson below 10 events, Byar's
    approximation from 10). A first time entrant is defined by
    :func:`first_time_entrants`; the event is dated by its outcome date.

    Authorities: the authority of the outcome's offence record. The table
    covers the authorities in ``data.authorities`` (else those in the
    children and offences), so authorities with no entrants get a 0 rate;
    breakdowns without authority sum the population over those
    authorities. Breakdown denominators come from the population table:
    ONS mid-year estimates have no ethnicity, so an ethnicity breakdown
    returns counts with a ``NaN`` rate and a note, never a rate over the
    wrong population. Children of unknown sex or ethnicity have no
    population cell (``NaN`` rate).

    Sources: YJB/MoJ *Youth Justice Statistics* (FTE chapter); PHE
    *Technical Guide: Confidence Intervals* (2018). Validated against
    METHODS.md section 2 (45 per 25,000 -> 180.0, 131.3-240.9; 7 -> 28.0,
    11.3-57.7; 0 -> upper 14.8) and against published rates of seven North
    West services for calendar 2022 and 2023 with ONS populations
    (``tests/measures/test_measures_fte.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({
    ...     "offence_id": ["o1", "o2"], "child_id": ["a", "b"], "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2022-01-05", "2022-03-01"]),
    ...     "outcome_date": pd.to_datetime(["2022-02-01", "2022-04-01"]),
    ...     "outcome": ["Youth caution", "Referral order"]})
    >>> children = pd.DataFrame({"child_id": ["a", "b"], "authority_code": "X01",
    ...     "birth_month": ["2007-05", "2008-01"], "sex": ["Male", "Female"],
    ...     "ethnicity": ["White", "Asian"]})
    >>> population = pd.DataFrame({"authority_code": "X01", "mid_year": 2021, "age": 14,
    ...     "sex": "All", "ethnicity": "All", "population": [10_000]})
    >>> data = CohortData({"offences": offences, "children": children,
    ...                    "population": population})
    >>> fte(data)[["authority_code", "period", "numerator", "estimate", "lower", "upper"]].round(1)
      authority_code period  numerator  estimate  lower  upper
    0            X01   2022        2.0      20.0    2.4   72.2
    """
    _check_choice("period", period, get_args(PeriodKind))
    _check_choice("population_year", population_year, get_args(PopulationYear))
    by = _as_tuple(by)
    ages = (10, 17)
    _check_by(by, list(_EVENT_COLUMNS))
    events = _outcome_events(data, "formal", age_basis, ages, first_only=True, ordered=False,
                             child_columns=_child_columns(by), columns=["authority_code", "outcome_date", *by])
    population = data.population if population is None else population
    periods = _period_frame(period, start, end, events["outcome_date"])
    authorities = _authority_universe(data)
    if not authorities and "authority_code" in population.columns:
        authorities = sorted(pd.unique(population["authority_code"].astype(str)))
    tagged = _in_periods(events[list(dict.fromkeys(["outcome_date", *by]))], "outcome_date", periods)
    levels = {c: _levels(c, tagged, population, authorities, ages) for c in by}
    counts = _count_cells(tagged, by)
    return _population_rates(
        counts,
        periods,
        period,
        by,
        levels,
        population,
        authorities,
        ages,
        population_year,
        per,
        level,
    )
