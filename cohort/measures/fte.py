"""First time entrants (FTE) to the youth justice system and their rate per 100,000.

A first time entrant is a child aged 10-17 who receives their *first* youth
caution, youth conditional caution or court conviction. "First" is judged
over the child's whole history in the data; informal outcomes (community
resolutions, Outcome 22) never make a child a first time entrant. The rate
divides by the ONS mid-year population aged 10-17 of the previous year
(see :mod:`cohort.population`).

The periods, table grid and population denominators it shares with the other
population-based measures are in :mod:`cohort.measures.rate_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import (
    age_at,
    age_band,
    first_by_min,
    match_codes,
    sort_key,
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

__all__ = ["first_time_entrants", "fte"]

AgeBasis = Literal["outcome_date", "offence_date"]

_CHILD_COLUMNS = ("sex", "ethnicity", "birth_month")
#: Columns of the events behind FTE and custody (:func:`first_time_entrants`).
_EVENT_COLUMNS = ("offence_id", "child_id", "authority_code", "offence_date", "outcome_date", "outcome",
                  *_CHILD_COLUMNS, "age", "age_band")


def _with_child(events: pd.DataFrame, children: pd.DataFrame, rows: np.ndarray,
                columns: Sequence[str] = _CHILD_COLUMNS) -> pd.DataFrame:
    """Attach the child's sex, ethnicity and birth month (or ``columns`` of them; not
    their authority) from ``children``, where ``rows`` is each event's child's first
    row (-1 if none, from :func:`match_codes`): what ``events.merge(
    children.drop_duplicates("child_id"), how="left")`` gives, without a merge.
    """
    keep = [c for c in columns if c in children.columns]
    out = events.reset_index(drop=True)
    for c in keep:
        out[c] = pd.api.extensions.take(children[c].array, rows, allow_fill=True)
    for c in columns:
        if c not in out.columns:
            out[c] = pd.NA
    return out


def _child_columns(by: Sequence[str]) -> list[str]:
    """The children's columns a rate table by ``by`` needs: the birth month (for the
    ages) and those it is broken down by."""
    return [c for c in _CHILD_COLUMNS if c == "birth_month" or c in by]


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
    events = _with_child(events, children, child_row, child_columns)
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
