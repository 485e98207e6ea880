"""An independent count of children at each decision point, by recorded ethnic group.

Written from the stage definitions in ``docs/synthetic.md`` and the
``cohort.measures.disproportionality.stages`` docstring, with plain pandas
and hard-coded outcome lists, without importing ``cohort.measures``: used to
compute the planted stage relative rates of the synthetic generator
(``planted_stage_rates.py``) and to check the engine's counts against it
(``tests/measures/test_disproportionality_planted.py``).
"""

from __future__ import annotations

import pandas as pd

FORMAL = ["Youth caution", "Youth conditional caution", "Absolute or conditional discharge",
          "Fine", "Referral order", "Youth rehabilitation order", "Detention and training order",
          "Section 250 detention", "Other court outcome"]
COURT = FORMAL[2:]
CUSTODY = ["Detention and training order", "Section 250 detention"]
GROUPS = ["White", "Mixed", "Asian", "Black", "Other"]
STAGES = ["offence", "first_time_entrant", "court", "remand", "custody"]
FEEDER = {"offence": "population", "first_time_entrant": "offence", "court": "offence",
          "remand": "court", "custody": "court"}


def _age(birth_month: pd.Series, when: pd.Series) -> pd.Series:
    """Whole years from the 15th of the birth month to ``when``."""
    born = pd.to_datetime(birth_month + "-15")
    years = when.dt.year - born.dt.year
    before = (when.dt.month < born.dt.month) | ((when.dt.month == born.dt.month)
                                                & (when.dt.day < 15))
    return years - before.astype(int)


def stage_counts(data, start: str, end: str, mid_year: int) -> pd.DataFrame:
    """Children of each recorded group at each stage in [start, end], and the population.

    Returns a frame indexed by group (``GROUPS``) with columns ``population``
    and one per stage.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    o = data.offences
    kids = data.children.set_index("child_id")
    win = o[(o["outcome_date"] >= start) & (o["outcome_date"] <= end)]
    first = win.groupby("child_id")["outcome_date"].min()
    age = _age(kids.loc[first.index, "birth_month"], first.reset_index(drop=True).set_axis(
        first.index))
    ids = age[(age >= 10) & (age <= 17)].index
    win = win[win["child_id"].isin(ids)]
    members = {"offence": set(ids)}
    formal = o[o["outcome"].isin(FORMAL)].sort_values(["outcome_date", "offence_date",
                                                       "offence_id"])
    fte = formal.drop_duplicates("child_id")
    fte = fte[(fte["outcome_date"] >= start) & (fte["outcome_date"] <= end)]
    fte_age = _age(kids.loc[fte["child_id"], "birth_month"].reset_index(drop=True),
                   fte["outcome_date"].reset_index(drop=True))
    members["first_time_entrant"] = set(fte["child_id"][(fte_age.between(10, 17)).to_numpy()])
    members["first_time_entrant"] &= members["offence"]
    court = win[win["outcome"].isin(COURT)]
    members["court"] = set(court["child_id"])
    members["custody"] = set(win.loc[win["outcome"].isin(CUSTODY), "child_id"])
    cases = court.groupby(["child_id", "outcome_date"])["offence_date"].min().reset_index()
    iv = data.interventions
    rem = iv[iv["programme"] == "Bail and remand"]
    m = cases.merge(rem[["child_id", "start_date", "end_date"]], on="child_id")
    hit = (m["start_date"] <= m["outcome_date"]) & (m["end_date"].isna()
                                                    | (m["end_date"] >= m["offence_date"]))
    members["remand"] = set(m.loc[hit, "child_id"])
    eth = kids["ethnicity"]
    out = pd.DataFrame(index=GROUPS)
    for stage in STAGES:
        out[stage] = eth.loc[sorted(members[stage])].value_counts().reindex(GROUPS, fill_value=0)
    pop = data.population[data.population["mid_year"] == mid_year]
    out["population"] = pop.groupby("ethnicity")["population"].sum().reindex(GROUPS)
    return out.astype(float)


def relative_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Stage relative rates against White: (a_g / n_g) / (a_W / n_W) over the feeding stage."""
    rates = pd.DataFrame({s: counts[s] / counts[FEEDER[s]] for s in STAGES})
    return rates / rates.loc["White"]
