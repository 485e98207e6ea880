"""Decision points of the youth justice system as the data model holds them,
and which children reach each one in a period.

Every stage counts **children, not offences** (a child with three court
appearances in the period is one child at the court stage), because
comparing offences with a population of children overstates disparity (the
YJB's evidence to the Home Affairs Committee, 2006; METHODS.md section 4).

The stages and their feeding stages (the denominator of each stage's rate):

============================  =================================================  ===================
stage                         children who, in the period, ...                   feeding stage
============================  =================================================  ===================
``population``                (children aged 10-17 living in the area)           --
``offence``                   had a proven offence dealt with (any outcome,      ``population``
                              informal ones included)
``formal``                    had a formal outcome (caution, conditional         ``offence``
                              caution or court) -- not in the default list
``first_time_entrant``        received their first formal outcome ever           ``offence``
``court``                     had a court outcome (versus out of court)          ``offence``
``remand``                    had a bail and remand episode during a case that   ``court``
                              ended at court in the period
``custody``                   received a custodial sentence                      ``court``
============================  =================================================  ===================

What the data model cannot show: arrest, charge and the police decision to
take no further action are not in case-management data, so the first stage
the data hold is a proven offence; a child whose case ended in acquittal is
not in the offences table at all; and ``Bail and remand`` episodes do not say
whether the child was remanded to youth detention, to local authority
accommodation or bailed with support (see :data:`STAGES`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import age_at, age_band
from cohort.measures.fte import first_time_entrants

__all__ = ["DEFAULT_STAGES", "STAGES", "Stage", "resolve_stages", "stage_membership"]


@dataclass(frozen=True)
class Stage:
    """One decision point: its name, a label for reports, its feeding stage."""

    name: str
    label: str
    feeds_from: str | None
    description: str


#: The decision points the data model holds (see the module docstring).
STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage("population", "Children aged 10-17", None,
              "children aged 10-17 in the area's population (Census 2021 by ethnicity, "
              "ONS mid-year estimates by age and sex, or the data's population table)"),
        Stage("offence", "Proven offence (any outcome)", "population",
              "children with at least one offence whose outcome (informal ones included) is "
              "dated in the period"),
        Stage("formal", "Formal outcome (not diverted)", "offence",
              "children with a youth caution, youth conditional caution or court outcome "
              "dated in the period"),
        Stage("first_time_entrant", "First formal outcome (first time entrant)", "offence",
              "children whose first formal outcome in the data is dated in the period"),
        Stage("court", "Court outcome (not out of court)", "offence",
              "children with a court outcome dated in the period"),
        Stage("remand", "Bail and remand episode", "court",
              "children at the court stage with a 'Bail and remand' intervention episode that "
              "started on or before one of their court outcomes in the period and had not ended "
              "before that case's offence date (the data model does not separate remand to "
              "youth detention or local authority accommodation from bail support)"),
        Stage("custody", "Custodial sentence", "court",
              "children with a custodial sentence (detention and training order or section 250) "
              "dated in the period"),
    )
}

#: The stages used when ``stages=None``.
DEFAULT_STAGES: tuple[str, ...] = (
    "population", "offence", "first_time_entrant", "court", "remand", "custody",
)

_REMAND_PROGRAMME = "Bail and remand"


def resolve_stages(
    stages: Sequence[str] | Mapping[str, str | None] | None,
) -> list[tuple[Stage, str | None]]:
    """Stages to report, each with the stage that feeds it.

    A list takes each stage's own feeding stage when it is in the list, else
    the nearest earlier stage on its chain that is (``court`` without
    ``offence`` feeds from ``population``); a mapping names the feeding
    stage of each stage explicitly (``{"offence": None, "custody": "offence"}``;
    ``None`` is the population). The
    population is always the root and never reported as a stage of its own.

    Examples
    --------
    >>> [(s.name, f) for s, f in resolve_stages(["court", "custody"])]
    [('court', 'population'), ('custody', 'court')]
    >>> [(s.name, f) for s, f in resolve_stages({"offence": None, "custody": "offence"})]
    [('offence', 'population'), ('custody', 'offence')]
    """
    if stages is None:
        stages = DEFAULT_STAGES
    if isinstance(stages, str):
        stages = [stages]
    explicit = dict(stages) if isinstance(stages, Mapping) else None
    names = list(explicit) if explicit is not None else list(stages)
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise ValueError(
            f"unknown stage(s) {unknown!r}; valid stages are {', '.join(map(repr, STAGES))}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"stages lists a stage twice: {names!r}")
    listed = set(names) | {"population"}
    out: list[tuple[Stage, str | None]] = []
    for name in names:
        if name == "population":
            continue
        if explicit is not None:
            feeder = explicit[name] or "population"
            if feeder not in listed:
                raise ValueError(
                    f"stage {name!r} feeds from {feeder!r}, which is not among the stages "
                    f"{sorted(listed)}"
                )
        else:
            feeder = STAGES[name].feeds_from
            while feeder not in listed:
                feeder = STAGES[feeder].feeds_from  # type: ignore[index]
        out.append((STAGES[name], feeder))
    if not out:
        raise ValueError("stages lists no decision point after the population")
    return out


def _codes(**flag: bool) -> list[str]:
    return load_dictionary().codes("outcome", **flag)


def stage_membership(
    data: CohortData,
    start: pd.Timestamp,
    end: pd.Timestamp,
    ages: tuple[int, int] = (10, 17),
) -> pd.DataFrame:
    """One row per child with a proven offence dealt with in ``[start, end]``.

    Parameters
    ----------
    data : CohortData
        ``offences``, ``children`` and (for the remand stage) ``interventions``.
    start, end : pandas.Timestamp
        First and last day of the period (outcome dates).
    ages : (int, int)
        Children whose age at their first outcome in the period is outside
        this range are left out of every stage.

    Returns
    -------
    pandas.DataFrame
        ``child_id``, ``authority_code`` (the child's, from ``children``),
        ``sex``, ``ethnicity``, ``send_level``, ``care_status`` (missing
        values as ``"Unknown"``), ``age`` and ``age_band`` at the child's
        first outcome in the period, then one boolean column per stage of
        :data:`STAGES` except the population.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> off = pd.DataFrame({"offence_id": ["o1", "o2", "o3"], "child_id": ["a", "a", "b"],
    ...     "authority_code": "X01",
    ...     "offence_date": pd.to_datetime(["2023-05-01", "2023-09-01", "2023-06-01"]),
    ...     "outcome_date": pd.to_datetime(["2023-06-01", "2023-12-01", "2023-07-01"]),
    ...     "outcome": ["Community resolution", "Detention and training order", "Youth caution"]})
    >>> kids = pd.DataFrame({"child_id": ["a", "b"], "authority_code": "X01",
    ...     "birth_month": ["2008-01", "2009-03"], "sex": ["Male", "Female"],
    ...     "ethnicity": ["Black", "White"], "send_level": "EHCP", "care_status": "Unknown"})
    >>> m = stage_membership(CohortData({"offences": off, "children": kids}),
    ...                      pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))
    >>> m[["child_id", "offence", "first_time_entrant", "court", "custody"]]
      child_id  offence  first_time_entrant  court  custody
    0        a     True                True   True     True
    1        b     True                True  False    False
    """
    off = data.offences
    dates = pd.to_datetime(off["outcome_date"])
    window = off.loc[(dates >= start) & (dates <= end),
                     ["offence_id", "child_id", "offence_date", "outcome_date", "outcome"]]
    window = window.assign(outcome_date=pd.to_datetime(window["outcome_date"]),
                           offence_date=pd.to_datetime(window["offence_date"]))
    first = window.groupby("child_id")["outcome_date"].min()
    columns = ["child_id", "authority_code", "birth_month", "sex", "ethnicity", "send_level",
               "care_status"]
    children = data.children
    kids = children.loc[children["child_id"].isin(first.index),
                        [c for c in columns if c in children.columns]].drop_duplicates("child_id")
    for c in columns:
        if c not in kids.columns:
            kids[c] = pd.NA
    kids = kids.loc[:, columns].reset_index(drop=True)
    for c in ("sex", "ethnicity", "send_level", "care_status"):
        kids[c] = kids[c].astype(object).where(kids[c].notna(), "Unknown").astype(str)
    kids["age"] = age_at(kids["birth_month"], first.reindex(kids["child_id"]).reset_index(drop=True))
    kids = kids[kids["age"].between(*ages).fillna(False).astype(bool)].reset_index(drop=True)
    kids["age_band"] = age_band(kids["age"])
    window = window[window["child_id"].isin(kids["child_id"])]

    def any_of(codes: list[str]) -> np.ndarray:
        ids = window.loc[window["outcome"].isin(codes), "child_id"].unique()
        return kids["child_id"].isin(ids).to_numpy()

    kids["offence"] = True
    kids["formal"] = any_of(_codes(formal=True))
    court_codes = _codes(court=True)
    kids["court"] = any_of(court_codes)
    fte = first_time_entrants(data, ages=ages)
    fte_dates = pd.to_datetime(fte["outcome_date"])
    fte_ids = fte.loc[(fte_dates >= start) & (fte_dates <= end), "child_id"]
    kids["first_time_entrant"] = kids["child_id"].isin(fte_ids).to_numpy()
    kids["remand"] = kids["child_id"].isin(
        _remanded(window[window["outcome"].isin(court_codes)], data)).to_numpy()
    kids["custody"] = any_of(_codes(custody=True))
    return kids.drop(columns="birth_month")


def _remanded(court: pd.DataFrame, data: CohortData) -> np.ndarray:
    """Children with a bail and remand episode overlapping one of these court cases."""
    iv = data.tables.get("interventions")
    if iv is None or iv.empty or court.empty:
        return np.array([], dtype=object)
    rem = iv.loc[iv["programme"] == _REMAND_PROGRAMME, ["child_id", "start_date", "end_date"]]
    if rem.empty:
        return np.array([], dtype=object)
    cases = court.groupby(["child_id", "outcome_date"], as_index=False)["offence_date"].min()
    m = cases.merge(rem, on="child_id")
    start = pd.to_datetime(m["start_date"])
    stop = pd.to_datetime(m["end_date"])
    hit = (start <= m["outcome_date"]) & (stop.isna() | (stop >= m["offence_date"]))
    return m.loc[hit, "child_id"].unique()
