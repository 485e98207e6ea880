"""Which mid-year estimate goes with which period (see :mod:`cohort.population`)."""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd

from cohort import periods

PeriodKind = Literal["calendar_year", "financial_year", "rolling_12m", "quarter"]
Convention = Literal["previous_mid_year", "same_mid_year"]


def _mid_year_for(period_kind: str, year, convention: str) -> tuple[str, int]:
    """Label of the period and the mid-year its rate should use."""
    if period_kind == "calendar_year":
        start, end = periods.calendar_year_bounds(year)
        label = str(start.year)
    elif period_kind == "financial_year":
        start, end = periods.financial_year_bounds(year)
        label = periods.financial_year(start)
    elif period_kind == "rolling_12m":
        start, end = periods.rolling_12_months(year)
        label = f"12 months to {periods.quarter_label(year)}"
    else:
        end = periods.quarter_end(year)
        label = periods.quarter_label(year)
    return label, end.year - 1 if convention == "previous_mid_year" else end.year


def _choose_mid_year(have: list[int], mid: int, fallback: bool, what: str,
                     convention: str) -> tuple[int, str | None]:
    """The mid-year to use for a period that needs ``mid``, of the (sorted) years
    ``have``, and the note when another stood in (see :func:`population_for_period`).

    >>> _choose_mid_year([2021, 2022, 2023], 2024, True, "calendar_year 2025", "previous_mid_year")
    (2023, 'mid-2023 population used; mid-2024 not available')
    """
    if mid in have:
        return mid, None
    if fallback and have:
        earlier = [y for y in have if y < mid]
        used = earlier[-1] if earlier else have[0]
        return used, f"mid-{used} population used; mid-{mid} not available"
    raise ValueError(
        f"{what} needs the mid-{mid} estimates ({convention}), "
        f"which are not in this population table (it has {have}). "
        "Read newer estimates with load_ons_file()."
    )


def population_for_period(
    population: pd.DataFrame,
    period_kind: PeriodKind,
    year: int | str | pd.Period,
    convention: Convention = "previous_mid_year",
    *,
    fallback: bool = False,
) -> pd.DataFrame:
    """The rows of a population table to use as the denominator of a period.

    Parameters
    ----------
    population : pandas.DataFrame
        A table with a ``mid_year`` column, e.g. from :func:`ons`.
    period_kind : {"calendar_year", "financial_year", "rolling_12m", "quarter"}
        Kind of period the rate is for.
    year : int, str or pandas.Period
        The period: ``2022`` for a calendar year, ``"2021/22"`` for a
        financial year, a quarter (``"2023/24 Q2"``) for a quarter or for the
        rolling 12 months ending with it.
    convention : {"previous_mid_year", "same_mid_year"}
        ``"previous_mid_year"`` (default, the official practice): the
        estimate for the calendar year before the one in which the period
        ends -- calendar 2022 -> mid-2021; 2021/22 -> mid-2021; 12 months to
        2023/24 Q2 (Sep 2023) -> mid-2022. ``"same_mid_year"``: the year in
        which the period ends (calendar 2022 -> mid-2022; 2021/22 -> mid-2022).
    fallback : bool, default False
        When the needed mid-year is not in ``population``, use the nearest
        one it holds (the latest before it, else the earliest after it)
        instead of raising, and say so in the ``population_note`` column
        (e.g. "mid-2023 population used; mid-2024 not available").

    Returns
    -------
    pandas.DataFrame
        The rows of ``population`` for that mid-year, with a first column
        ``period`` (the period's label) and a last column
        ``population_note`` (missing unless ``fallback`` used another year).

    Raises
    ------
    ValueError
        Unknown ``period_kind`` or ``convention``, or the needed mid-year is
        not in ``population`` (the message names it).

    Notes
    -----
    Validated against published figures (``tests/test_population.py``): the
    first time entrant rates per 100,000 and custody rates per 1,000 of seven
    North West services for calendar 2022 and 2023 reproduce exactly with
    the default and not with ``"same_mid_year"``; the YJB's 2021-22 local
    table reproduces with mid-2021 for every service built from the file.

    Examples
    --------
    >>> from cohort.population import total_10_17
    >>> pop = total_10_17(areas=["Sefton"])
    >>> d = population_for_period(pop, "calendar_year", 2022)
    >>> d[["period", "mid_year", "population"]].to_numpy().tolist()
    [['2022', 2021, 24412]]
    >>> population_for_period(pop, "financial_year", "2022/23")["mid_year"].tolist()
    [2022]
    >>> d = population_for_period(pop, "calendar_year", 2025, fallback=True)
    >>> d[["mid_year", "population", "population_note"]].to_numpy().tolist()
    [[2023, 25073, 'mid-2023 population used; mid-2024 not available']]
    """
    kinds, conventions = get_args(PeriodKind), get_args(Convention)
    if period_kind not in kinds:
        raise ValueError(
            f"period_kind must be one of {', '.join(map(repr, kinds))}; got {period_kind!r}."
        )
    if convention not in conventions:
        raise ValueError(
            f"convention must be one of {', '.join(map(repr, conventions))}; got {convention!r}."
        )
    if "mid_year" not in population.columns:
        raise ValueError(
            "population has no 'mid_year' column; build it with cohort.population.ons()."
        )
    label, mid = _mid_year_for(period_kind, year, convention)
    have = sorted(int(y) for y in population["mid_year"].dropna().unique())
    used, note = _choose_mid_year(have, mid, fallback, f"{period_kind} {label}", convention)
    rows = population[population["mid_year"] == used]
    out = rows.assign(period=label, population_note=note)
    return out.loc[:, ["period", *population.columns, "population_note"]].reset_index(drop=True)
