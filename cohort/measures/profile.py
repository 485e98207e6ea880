"""Cohort profile: who the service worked with during a quarter."""

from __future__ import annotations

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import (
    AGE_BANDS,
    age_at,
    age_band,
    long_shares,
    open_between,
    quarter_window,
)
from cohort.periods import quarter_label

PROFILE_VARIABLES: tuple[str, ...] = (
    "age_band", "sex", "ethnicity", "send_level", "care_status", "intervention_type", "offence_group",
)


def caseload(
    data: CohortData,
    authority: str,
    quarter,
    *,
    exclude_kinds: tuple[str, ...] = ("project",),
) -> pd.DataFrame:
    """Children with an intervention open at any time during the quarter.

    One row per child x open intervention, with the child's characteristics,
    age and age band at the end of the quarter, the intervention type (the
    programme's kind) and the offence group of the child's most recent
    proven offence dealt with on or before the quarter's end ("No proven
    offence" for prevention cases).

    Parameters
    ----------
    data : CohortData
    authority : str
        Authority code.
    quarter : str or pandas.Period
        A financial-year quarter such as "2024/25 Q2".
    exclude_kinds : tuple of str
        Programme kinds that are not YJS casework (default: named school
        projects, whose participants are not known to the service).
    """
    _, start, end = quarter_window(quarter)
    dictionary = load_dictionary()
    kinds = dictionary.codelist("programme").set_index("code")["kind"]
    iv = data.interventions
    iv = iv[(iv["authority_code"] == authority) & open_between(iv, start, end)].copy()
    iv["intervention_type"] = iv["programme"].map(kinds)
    iv = iv[~iv["intervention_type"].isin(exclude_kinds)]
    children = data.children.drop(columns=["authority_code"], errors="ignore")
    out = iv[["child_id", "intervention_id", "programme", "intervention_type"]].merge(
        children, on="child_id", how="left", validate="many_to_one"
    )
    out["age"] = age_at(out["birth_month"], end)
    out["age_band"] = age_band(out["age"])
    off = data.offences
    off = off[(off["child_id"].isin(out["child_id"])) & (pd.to_datetime(off["outcome_date"]) <= end)]
    latest = (
        off.sort_values(["child_id", "outcome_date", "gravity_score"])
        .drop_duplicates("child_id", keep="last")
        .set_index("child_id")["offence_group"]
    )
    out["offence_group"] = out["child_id"].map(latest).fillna("No proven offence")
    return out.reset_index(drop=True)


def profile(
    data: CohortData,
    authority: str,
    quarter,
    *,
    variables: tuple[str, ...] = PROFILE_VARIABLES,
    level: float = 0.95,
) -> pd.DataFrame:
    """Counts and shares of children open during the quarter, by characteristic.

    The cohort is every child with an intervention open at any time in the
    quarter (not a snapshot on one day). Each child counts once per value of
    each characteristic, except ``intervention_type``, where a child with two
    kinds of intervention open counts under both (those shares can sum to more
    than 100%).

    Parameters
    ----------
    data : CohortData
    authority : str
        Authority code.
    quarter : str or pandas.Period
        Financial-year quarter, e.g. "2024/25 Q2".
    variables : tuple of str
        Characteristics to break down (default :data:`PROFILE_VARIABLES`).
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``authority_code``, ``quarter``, ``group_variable``, ``group_value``,
        ``numerator`` (children), ``denominator`` (children in the cohort),
        ``estimate`` (share), ``lower``, ``upper``, ``method``, ``confidence``.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=1, authorities=1, scale=0.2)
    >>> p = cohort.profile(data, "X01", "2024/25 Q2")
    >>> sorted(p["group_variable"].unique())[:3]
    ['age_band', 'care_status', 'ethnicity']
    """
    period, _, _ = quarter_window(quarter)
    cases = caseload(data, authority, period)
    dictionary = load_dictionary()
    categories = {
        "age_band": [name for name, _, _ in AGE_BANDS],
        "sex": dictionary.codes("sex"),
        "ethnicity": dictionary.codes("ethnicity"),
        "send_level": dictionary.codes("send_level"),
        "care_status": dictionary.codes("care_status"),
    }
    table = long_shares(cases, variables, categories=categories, level=level)
    table.insert(0, "quarter", quarter_label(period))
    table.insert(0, "authority_code", authority)
    return table
