"""Outcome occasions: the case-level records that adjusted disparity models.

An *occasion* is one outcome given to a child on one day: the offences dealt
with together (same child, outcome date and outcome). Its offence date is
the latest of its offences, its gravity the highest, its offence group that
of the most serious offence. The modelling unit of
:func:`~cohort.measures.disproportionality.adjusted_disparity` is the
occasion at which the decision is made (for custody, each court sentencing
occasion, as in the MoJ and YJB studies), or each child's first such
occasion in the period (``unit="child"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import age_at, age_band

__all__ = ["DECISIONS", "model_frame", "occasions"]

#: Decisions that can be modelled: outcome stage -> (feeding occasions, description).
DECISIONS: dict[str, tuple[str, str]] = {
    "custody": ("court", "custodial sentence at a court sentencing occasion"),
    "remand": ("court", "bail and remand episode during a case ending at court"),
    "court": ("any", "court outcome (versus out of court) at an occasion"),
    "formal": ("any", "formal outcome (versus diversion) at an occasion"),
}

_BREACH_GROUP = "Breach of statutory order"


def occasions(data: CohortData) -> pd.DataFrame:
    """Every outcome occasion of every child, with its history so far.

    Returns
    -------
    pandas.DataFrame
        One row per child, outcome date and outcome: ``child_id``,
        ``outcome_date``, ``outcome``, ``offence_date`` (latest of its
        offences), ``offences`` (how many), ``gravity_score`` (highest),
        ``offence_group`` (of the most serious offence), ``breach`` (every
        offence is a breach of an order), ``formal``, ``court``,
        ``custody`` (from the outcome code list), ``prior_outcomes`` (the
        child's earlier formal occasions that were not breaches, earlier
        meaning an earlier offence date), ``prior_court`` (the same for court
        occasions).
    """
    off = data.offences
    cols = ["offence_id", "child_id", "offence_date", "outcome_date", "outcome",
            "offence_group", "gravity_score", "is_breach"]
    o = off.loc[:, [c for c in cols if c in off.columns]].copy()
    if "gravity_score" not in o:
        o["gravity_score"] = np.nan
    if "offence_group" not in o:
        o["offence_group"] = "Unknown"
    if "is_breach" not in o:
        o["is_breach"] = o["offence_group"].eq(_BREACH_GROUP)
    o["offence_date"] = pd.to_datetime(o["offence_date"])
    o["outcome_date"] = pd.to_datetime(o["outcome_date"])
    o["gravity_score"] = pd.to_numeric(o["gravity_score"], errors="coerce")
    o["is_breach"] = o["is_breach"].fillna(False).astype(bool)
    key = ["child_id", "outcome_date", "outcome"]
    o = o.sort_values([*key, "gravity_score", "offence_id"], ascending=[True, True, True, False,
                                                                        True], kind="stable")
    occ = o.groupby(key, sort=False).agg(
        offence_date=("offence_date", "max"), offences=("offence_id", "size"),
        gravity_score=("gravity_score", "max"), offence_group=("offence_group", "first"),
        breach=("is_breach", "all"),
    ).reset_index()
    d = load_dictionary()
    for flag in ("formal", "court", "custody"):
        occ[flag] = occ["outcome"].isin(d.codes("outcome", **{flag: True}))
    occ = occ.sort_values(["child_id", "offence_date", "outcome_date"], kind="stable")
    counted = occ["formal"] & ~occ["breach"]
    court = occ["court"] & ~occ["breach"]
    # earlier = an earlier offence date; occasions on the same offence date do not count
    occ["prior_outcomes"] = _earlier(occ, counted)
    occ["prior_court"] = _earlier(occ, court)
    return occ.reset_index(drop=True)


def _earlier(occ: pd.DataFrame, flag: pd.Series) -> np.ndarray:
    """Per row, how many flagged rows of the same child have an earlier offence date."""
    f = occ[["child_id", "offence_date"]].assign(_f=flag.astype(int).to_numpy())
    days = f.groupby(["child_id", "offence_date"], sort=True)["_f"].sum()
    before = days.groupby(level=0).cumsum() - days
    return before.reindex(pd.MultiIndex.from_frame(f[["child_id", "offence_date"]])).to_numpy()


def model_frame(
    data: CohortData,
    outcome: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    unit: str = "occasion",
    ages: tuple[int, int] = (10, 17),
) -> pd.DataFrame:
    """The occasions in ``[start, end]`` that feed ``outcome``, one row each.

    ``unit="occasion"`` keeps every such occasion (a child may have several);
    ``unit="child"`` keeps each child's first.

    Returns
    -------
    pandas.DataFrame
        ``child_id``, ``authority_code``, ``outcome_date``, the outcome
        (0/1 column named ``outcome``'s value, e.g. ``custody``), the child's
        ``sex``, ``ethnicity``, ``send_level``, ``care_status``, ``age``
        (whole years at the outcome date), ``age_band``, and the occasion's
        ``offence_group``, ``gravity_score``, ``offences``,
        ``prior_outcomes``, ``prior_court``. Breach-only occasions are left
        out (a breach is sentenced for the order, not a new decision on an
        offence).
    """
    if outcome not in DECISIONS:
        raise ValueError(
            f"outcome must be one of {', '.join(map(repr, DECISIONS))}; got {outcome!r}"
        )
    feeder, _ = DECISIONS[outcome]
    occ = occasions(data)
    occ = occ[~occ["breach"] & occ["outcome_date"].between(start, end)]
    if feeder == "court":
        occ = occ[occ["court"]]
    if unit not in ("occasion", "child"):
        raise ValueError(f"unit must be one of 'occasion', 'child'; got {unit!r}")
    first = occ.sort_values(["child_id", "outcome_date", "offence_date"], kind="stable")
    if unit == "child":
        first = first.drop_duplicates("child_id")
    first = first.copy()
    if outcome == "remand":
        first[outcome] = _remanded_cases(first, data)
    else:
        first[outcome] = first[outcome].astype(bool)
    kids = data.children
    cols = ["child_id", "authority_code", "birth_month", "sex", "ethnicity", "send_level",
            "care_status"]
    kids = kids.loc[:, [c for c in cols if c in kids.columns]].drop_duplicates("child_id")
    frame = first.merge(kids, on="child_id", how="inner", validate="many_to_one")
    for c in ("sex", "ethnicity", "send_level", "care_status"):
        if c not in frame:
            frame[c] = "Unknown"
        frame[c] = frame[c].astype(object).where(frame[c].notna(), "Unknown").astype(str)
    frame["age"] = age_at(frame["birth_month"], frame["outcome_date"])
    frame = frame[frame["age"].between(*ages).fillna(False).astype(bool)].copy()
    frame["age"] = frame["age"].astype(int)
    frame["age_band"] = age_band(frame["age"])
    frame[outcome] = frame[outcome].astype(int)
    keep = ["child_id", "authority_code", "outcome_date", outcome, "sex", "ethnicity",
            "send_level", "care_status", "age", "age_band", "offence_group", "gravity_score",
            "offences", "prior_outcomes", "prior_court"]
    return frame[keep].reset_index(drop=True)


def _remanded_cases(cases: pd.DataFrame, data: CohortData) -> np.ndarray:
    iv = data.tables.get("interventions")
    if iv is None or iv.empty:
        return np.zeros(len(cases), dtype=bool)
    rem = iv.loc[iv["programme"] == "Bail and remand", ["child_id", "start_date", "end_date"]]
    m = cases[["child_id", "offence_date", "outcome_date"]].reset_index().merge(rem, on="child_id")
    hit = (pd.to_datetime(m["start_date"]) <= m["outcome_date"]) & (
        pd.to_datetime(m["end_date"]).isna() | (pd.to_datetime(m["end_date"]) >= m["offence_date"]))
    ids = set(m.loc[hit, "index"])
    return cases.index.isin(list(ids))
