"""Use of custody: custodial sentences of children aged 10-17 and their population rate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.measures.fte import (
    _EVENT_COLUMNS,
    AgeBasis,
    _child_columns,
    _outcome_events,
)
from cohort.measures.rate_tables import (
    PeriodKind,
    PopulationYear,
    _as_tuple,
    _authority_universe,
    _check_by,
    _count_cells,
    _in_periods,
    _levels,
    _period_frame,
    _population_rates,
)

__all__ = ["custodial_sentences", "custody"]

CountUnit = Literal["sentences", "offences", "children"]


def custodial_sentences(
    data: CohortData,
    age_basis: AgeBasis = "outcome_date",
    ages: tuple[int, int] = (10, 17),
) -> pd.DataFrame:
    """Offence records with a custodial outcome given while aged 10-17.

    Parameters
    ----------
    data : CohortData
        Needs ``offences`` and ``children``.
    age_basis : {"outcome_date", "offence_date"}, default "outcome_date"
        Date at which the age rule applies (the sentence date by default).
    ages : (int, int), default (10, 17)
        Inclusive age range.

    Returns
    -------
    pandas.DataFrame
        One row per offence record whose outcome has ``custody: true`` in the
        ``outcome`` code list (detention and training orders, section 250
        detention), with the child's ``sex``, ``ethnicity``, ``age`` and
        ``age_band``. Several offences sentenced on one day are several rows;
        :func:`custody` counts them as one sentence by default.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({"offence_id": ["o1", "o2"], "child_id": ["a", "a"],
    ...     "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2022-01-05", "2022-03-01"]),
    ...     "outcome_date": pd.to_datetime(["2022-02-01", "2022-04-01"]),
    ...     "outcome": ["Referral order", "Detention and training order"]})
    >>> children = pd.DataFrame({"child_id": ["a"], "birth_month": ["2006-05"],
    ...     "sex": ["Male"], "ethnicity": ["White"]})
    >>> custodial_sentences(CohortData({"offences": offences, "children": children}))[
    ...     ["offence_id", "outcome", "age"]]
      offence_id                       outcome  age
    0         o2  Detention and training order   15
    """
    return _outcome_events(data, "custody", age_basis, ages)


def custody(
    data: CohortData,
    by: Sequence[str] = ("authority_code",),
    period: PeriodKind = "calendar_year",
    start: int | str | pd.Period | None = None,
    end: int | str | pd.Period | None = None,
    population: pd.DataFrame | None = None,
    population_year: PopulationYear = "previous_mid_year",
    per: float = 1_000,
    count: CountUnit = "sentences",
    age_basis: AgeBasis = "outcome_date",
    level: float = 0.95,
) -> pd.DataFrame:
    """Custodial sentences and their rate per 1,000 children aged 10-17.

    Parameters
    ----------
    data : CohortData
        Offences with outcomes, children, and (optionally) authorities and a
        population table.
    by : sequence of str, default ("authority_code",)
        Breakdowns, as in :func:`cohort.measures.fte.fte`.
    period : {"calendar_year", "financial_year", "rolling_12m"}
        Reference period.
    start, end : optional
        First and last period (see :func:`cohort.measures.fte.fte`); default
        the span of the sentence dates.
    population : pandas.DataFrame, optional
        Population table; default ``data.population``.
    population_year : {"previous_mid_year", "same_mid_year"}
        Mid-year estimate used for each period; the default (calendar 2022
        with mid-2021) reproduces published rates.
    per : float, default 1_000
        Rate multiplier. Per 1,000 is tagged [M] in METHODS.md; it reproduces
        the published local custody rates (see Notes).
    count : {"sentences", "offences", "children"}, default "sentences"
        What is counted: distinct child x sentence date with a custodial
        outcome (one sentencing occasion, however many offences), offence
        records, or distinct children per period and cell [M: the published
        unit is "custodial sentences"].
    age_basis : {"outcome_date", "offence_date"}, default "outcome_date"
        Date at which the 10-17 age rule and age breakdowns apply.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`cohort.measures.fte.fte`: grouping columns,
        ``numerator`` (custodial sentences), ``denominator`` (population
        10-17), ``estimate`` (per ``per``), ``lower``, ``upper``, ``method``,
        ``confidence``, ``population_year``, ``note``.

    Notes
    -----
    .. math:: \\text{custody rate} = \\frac{\\text{custodial sentences}}{P_{10-17}} \\times 1{,}000

    with PHE/OHID Poisson intervals (:func:`cohort.stats.rate_ci`: exact
    below 10 events, Byar from 10). Custodial outcomes are those with
    ``custody: true`` in the ``outcome`` code list, dated by the sentence
    (outcome) date.

    Source: YJB "use of custody" local indicator; METHODS.md section 2.
    Validated against METHODS.md (6 per 25,000 -> 0.24 per 1,000,
    0.088-0.522) and against the published custody rates of seven North
    West services for calendar 2022 and 2023, which the source labels "per
    100,000" but which are per 1,000 with the previous year's ONS mid-year
    population (``tests/measures/test_measures_custody.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> offences = pd.DataFrame({"offence_id": ["o1", "o2", "o3"],
    ...     "child_id": ["a", "a", "b"], "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2022-01-05", "2022-01-06", "2022-03-01"]),
    ...     "outcome_date": pd.to_datetime(["2022-04-01", "2022-04-01", "2022-05-01"]),
    ...     "outcome": ["Detention and training order"] * 3})
    >>> children = pd.DataFrame({"child_id": ["a", "b"], "authority_code": "X01",
    ...     "birth_month": ["2006-05", "2007-01"], "sex": ["Male", "Male"],
    ...     "ethnicity": ["White", "Black"]})
    >>> population = pd.DataFrame({"authority_code": "X01", "mid_year": 2021, "age": pd.NA,
    ...     "sex": "All", "ethnicity": "All", "population": [20_000]})
    >>> data = CohortData({"offences": offences, "children": children,
    ...                    "population": population})
    >>> custody(data)[["period", "numerator", "denominator", "estimate"]]
      period  numerator  denominator  estimate
    0   2022        2.0      20000.0       0.1
    """
    _check_choice("period", period, get_args(PeriodKind))
    _check_choice("population_year", population_year, get_args(PopulationYear))
    _check_choice("count", count, get_args(CountUnit))
    by = _as_tuple(by)
    ages = (10, 17)
    _check_by(by, list(_EVENT_COLUMNS))
    events = _outcome_events(data, "custody", age_basis, ages, child_columns=_child_columns(by),
                             columns=["authority_code", "outcome_date", "child_id", *by])
    population = data.population if population is None else population
    periods = _period_frame(period, start, end, events["outcome_date"])
    authorities = _authority_universe(data)
    if not authorities and "authority_code" in population.columns:
        authorities = sorted(pd.unique(population["authority_code"].astype(str)))
    unique = {"sentences": ["child_id", "outcome_date"], "offences": None, "children": ["child_id"]}
    needed = list(dict.fromkeys(["outcome_date", *by, *(unique[count] or [])]))
    tagged = _in_periods(events[needed], "outcome_date", periods)
    levels = {c: _levels(c, tagged, population, authorities, ages) for c in by}
    counts = _count_cells(tagged, by, unique=unique[count])
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
