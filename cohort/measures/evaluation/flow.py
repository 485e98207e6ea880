"""From a participant list to the analysed people: the flow, the comparison pool and each
person's covariates and outcomes.

One *unit* is a child in one programme cohort (authority x academic year of
the start): a participant at their start date, or an eligible comparison
child at the cohort's reference date (the median start date of its
participants). Every step that removes participants is counted, so that the
flow adds up: submitted = analysed + each exclusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures.evaluation.spec import Comparison

#: Flow stages, in order, with the sentence each one stands for.
FLOW_STAGES: tuple[tuple[str, str], ...] = (
    ("submitted", "Participants submitted"),
    ("duplicate", "Listed more than once"),
    ("not_found", "Not found in the service's records"),
    ("no_start_date", "No programme start date"),
    ("outside_authorities", "Started in another authority"),
    ("outside_period", "Started outside the evaluation period"),
    ("follow_up_incomplete", "Follow-up not complete by the end of the data"),
    ("already_known", "Already known to the service at the start"),
    ("missing_data", "Missing data for the comparison (characteristics or attendance)"),
    ("no_eligible_comparison", "No eligible comparison child in the same authority and year"),
    ("unmatched", "No comparison child close enough (outside the caliper)"),
    ("analysed", "Analysed (matched participants)"),
)

#: Columns of the flow table.
FLOW_COLUMNS: tuple[str, ...] = ("step", "stage", "description", "n", "remaining")


@dataclass
class Units:
    """Participants and comparison candidates with covariates and outcomes."""

    frame: pd.DataFrame
    flow: dict[str, int]
    pool: pd.DataFrame
    strata: pd.DataFrame
    as_of: pd.Timestamp
    sexes: tuple[str, ...]


def academic_year(dates: pd.Series) -> pd.Series:
    """Start year of the academic year (September to August) of each date.

    Examples
    --------
    >>> academic_year(pd.Series(pd.to_datetime(["2023-09-01", "2024-08-31"]))).tolist()
    [2023, 2023]
    """
    d = pd.to_datetime(dates)
    return (d.dt.year - (d.dt.month < 9).astype(int)).astype(int)


def _year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def _as_list(participants: object) -> pd.DataFrame:
    """A submitted list as ``child_id``, ``start_date`` (maybe missing)."""
    if isinstance(participants, pd.DataFrame):
        if "child_id" not in participants.columns:
            raise ValueError("participants must have a child_id column (see cohort.read_participants)")
        start = participants["start_date"] if "start_date" in participants.columns else pd.NaT
        out = pd.DataFrame({"child_id": participants["child_id"].astype(object).to_numpy()})
        out["start_date"] = pd.to_datetime(pd.Series(start, index=participants.index)).to_numpy()
        return out
    if isinstance(participants, pd.Series | Sequence | np.ndarray) and not isinstance(participants, str):
        return pd.DataFrame({"child_id": pd.Series(list(participants), dtype=object),
                             "start_date": pd.Series(pd.NaT, index=range(len(participants)),
                                                     dtype="datetime64[ns]")})
    raise ValueError("participants must be a DataFrame with child_id (and start_date), or a list of ids")


def _programme_starts(data: CohortData, programme: str) -> pd.DataFrame:
    iv = data.interventions
    if iv.empty or "programme" not in iv.columns:
        return pd.DataFrame(columns=["child_id", "authority_code", "start_date"])
    rows = iv.loc[iv["programme"] == programme, ["child_id", "authority_code", "start_date"]].copy()
    rows["start_date"] = pd.to_datetime(rows["start_date"])
    return rows.sort_values(["child_id", "start_date"], kind="stable")


def _choose_start(records: pd.DataFrame, authorities, period) -> pd.DataFrame:
    """Each child's programme episode: the first one in the authorities and period, else the first."""
    ok = pd.Series(True, index=records.index)
    if authorities is not None:
        ok &= records["authority_code"].isin(authorities)
    if period is not None:
        ok &= records["start_date"].between(*period)
    ranked = records.assign(_ok=~ok).sort_values(["child_id", "_ok", "start_date"], kind="stable")
    return ranked.drop_duplicates("child_id").drop(columns="_ok")


def _latest_date(data: CohortData) -> pd.Timestamp:
    """The end of the data: the latest outcome, intervention start or attendance year."""
    dates = [pd.to_datetime(data.offences.get("outcome_date", pd.Series(dtype="datetime64[ns]"))).max(),
             pd.to_datetime(data.interventions.get("start_date", pd.Series(dtype="datetime64[ns]"))).max()]
    period = data.metadata.get("period", {}) if isinstance(data.metadata, dict) else {}
    if period.get("end"):
        dates.append(pd.Timestamp(period["end"]))
    dates = [d for d in dates if pd.notna(d)]
    if not dates:
        raise ValueError("the data hold no dates to judge follow-up by")
    return max(dates).normalize()


def _known_before(data: CohortData, programme: str, units: pd.DataFrame) -> pd.Series:
    """Units with an offence, or an intervention other than the programme, before their index date."""
    idx = units[["child_id", "index_date"]].reset_index()
    idx.columns = ["unit", "child_id", "index_date"]
    known = pd.Series(False, index=units.index)
    off = data.offences
    if not off.empty:
        first_off = pd.to_datetime(off["offence_date"]).groupby(off["child_id"]).min()
        fo = pd.Series(first_off.reindex(idx["child_id"].to_numpy()).to_numpy(), index=idx.index)
        known |= pd.Series((fo <= idx["index_date"]).fillna(False).to_numpy(), index=units.index)
    iv = data.interventions
    if not iv.empty:
        other = iv[iv["programme"] != programme]
        first_iv = pd.to_datetime(other["start_date"]).groupby(other["child_id"]).min()
        fi = pd.Series(first_iv.reindex(idx["child_id"].to_numpy()).to_numpy(), index=idx.index)
        known |= pd.Series((fi < idx["index_date"]).fillna(False).to_numpy(), index=units.index)
    return known


def _attendance_years(data: CohortData) -> pd.DataFrame:
    """Attendance rate (%) per child and academic year: columns are start years."""
    att = data.attendance
    if att.empty:
        return pd.DataFrame()
    year = att["academic_year"].astype(str).str[:4].astype(int)
    sums = pd.DataFrame({"child_id": att["child_id"], "year": year,
                         "possible": pd.to_numeric(att["possible_sessions"]).astype(float),
                         "attended": pd.to_numeric(att["attended_sessions"]).astype(float)})
    g = sums.groupby(["child_id", "year"])[["possible", "attended"]].sum()
    rate = 100 * g["attended"] / g["possible"].where(g["possible"] > 0)
    return rate.unstack("year")


def _lookup(table: pd.DataFrame, child: pd.Series, year: pd.Series) -> np.ndarray:
    """``table.loc[child, year]`` for each pair, missing where absent."""
    if table.empty:
        return np.full(len(child), np.nan)
    rows = table.index.get_indexer(child)
    cols = table.columns.get_indexer(year)
    values = table.to_numpy(dtype=float)
    out = np.full(len(child), np.nan)
    ok = (rows >= 0) & (cols >= 0)
    out[ok] = values[rows[ok], cols[ok]]
    return out


def _age(birth_month: pd.Series, when: pd.Series) -> np.ndarray:
    """Age in years (with decimals) from the birth month, taking the 15th as the birthday."""
    born = pd.to_datetime(birth_month.astype(str) + "-15", format="%Y-%m-%d", errors="coerce")
    return ((pd.to_datetime(when) - born).dt.days / 365.25).to_numpy(dtype=float)


def build_units(
    data: CohortData,
    programme: str,
    participants: object,
    authorities: Sequence[str] | None,
    period: tuple[pd.Timestamp, pd.Timestamp] | None,
    comparison: Comparison,
    follow_up_months: int,
    waiting_months: int,
    needs_attendance: bool,
    covariates: Sequence[str],
) -> Units:
    """Participants and comparison candidates, with the flow counts and the pool table."""
    flow: dict[str, int] = {}
    records = _programme_starts(data, programme)
    if participants is None:
        chosen = _choose_start(records, authorities, period)
        listed = chosen[["child_id", "start_date"]].reset_index(drop=True)
        if listed.empty:
            raise ValueError(
                f"no intervention records of the programme {programme!r}; programmes in the data: "
                f"{sorted(data.interventions.get('programme', pd.Series(dtype=str)).dropna().unique())}"
            )
    else:
        listed = _as_list(participants)
    flow["submitted"] = len(listed)
    listed = listed.drop_duplicates("child_id")
    flow["duplicate"] = flow["submitted"] - len(listed)
    children = data.children.set_index("child_id")
    found = listed["child_id"].isin(children.index)
    flow["not_found"] = int((~found).sum())
    listed = listed[found].copy()
    # start dates from the list, else from the programme's records
    chosen = _choose_start(records, authorities, period).set_index("child_id")
    listed["start_date"] = pd.to_datetime(listed["start_date"]).fillna(
        listed["child_id"].map(chosen["start_date"]))
    flow["no_start_date"] = int(listed["start_date"].isna().sum())
    listed = listed[listed["start_date"].notna()].copy()
    listed["authority_code"] = listed["child_id"].map(children["authority_code"])
    if authorities is None:
        authorities = sorted(listed["authority_code"].dropna().unique())
    inside = listed["authority_code"].isin(authorities)
    flow["outside_authorities"] = int((~inside).sum())
    listed = listed[inside]
    if period is not None:
        inside = listed["start_date"].between(*period)
        flow["outside_period"] = int((~inside).sum())
        listed = listed[inside]
    else:
        flow["outside_period"] = 0
    as_of = _latest_date(data)
    complete = (listed["start_date"] + pd.DateOffset(months=follow_up_months + waiting_months)) <= as_of
    flow["follow_up_incomplete"] = int((~complete).sum())
    listed = listed[complete].copy()
    if listed.empty:
        raise ValueError(f"no participant of {programme!r} is left to evaluate: {flow}")

    listed["cohort_year"] = academic_year(listed["start_date"])
    listed["index_date"] = listed["start_date"]
    listed["treated"] = 1
    part = listed.set_index(listed["child_id"] + "|" + listed["cohort_year"].astype(str))
    part.index.name = "unit"
    ever = set(records["child_id"]) | set(listed["child_id"])

    # the comparison pool, stratum by stratum (authority x academic year, or year only)
    within = ["authority_code", "cohort_year"] if comparison.within == "authority" else ["cohort_year"]
    ref = part.groupby(within)["start_date"].median().rename("index_date").reset_index()
    sexes = comparison.sex or tuple(sorted(children.loc[part["child_id"], "sex"].dropna().unique()))
    pool_steps: list[tuple[str, str, int]] = []
    kids = data.children[data.children["authority_code"].isin(authorities)][["child_id", "authority_code"]]
    pool_steps.append(("records", f"Children in the records of {', '.join(authorities)}", len(kids)))
    kids = kids[kids["child_id"].map(children["sex"]).isin(sexes)]
    pool_steps.append(("sex", f"Sex: {', '.join(sexes)}", len(kids)))
    kids = kids[~kids["child_id"].isin(ever)]
    pool_steps.append(("not_in_programme", f"Never in {programme}", len(kids)))
    if comparison.within == "authority":
        cand = kids.merge(ref, on="authority_code", how="inner")
    else:
        cand = kids.merge(ref, how="cross")
    cand["treated"] = 0
    cand["start_date"] = pd.NaT
    cand = cand.set_index(cand["child_id"] + "|" + cand["cohort_year"].astype(str))
    cand.index.name = "unit"
    pool_steps.append(("child_years", "Child x programme year combinations", len(cand)))

    units = pd.concat([part, cand], sort=False)
    units = units[["child_id", "authority_code", "cohort_year", "index_date", "start_date", "treated"]]
    child_cols = [c for c in ("sex", "birth_month", "ethnicity", "send_level", "care_status",
                              "fsm_eligible") if c in children.columns]
    extra = [c for c in covariates if c in children.columns and c not in child_cols]
    for col in child_cols + extra:
        units[col] = units["child_id"].map(children[col]).to_numpy()
    units["age"] = _age(units["birth_month"], units["index_date"])

    # eligibility by age (pool only)
    if comparison.ages is not None:
        whole = np.floor(units["age"])
        bad = (units["treated"] == 0) & ~whole.between(*comparison.ages)
        units = units[~bad]
        pool_steps.append(("ages", f"Aged {comparison.ages[0]}-{comparison.ages[1]} at the start", int(
            (units["treated"] == 0).sum())))

    # attendance before and during the programme year
    years = _attendance_years(data)
    units["baseline_attendance"] = _lookup(years, units["child_id"], units["cohort_year"] - 1)
    units["programme_attendance"] = _lookup(years, units["child_id"], units["cohort_year"])
    units["attendance_change"] = units["programme_attendance"] - units["baseline_attendance"]

    # already known to the service at the start
    if comparison.exclude_known:
        known = _known_before(data, programme, units)
    else:
        known = pd.Series(False, index=units.index)
    flow["already_known"] = int((known & (units["treated"] == 1)).sum())
    units = units[~known]
    if comparison.exclude_known:
        pool_steps.append(("not_known", "Not known to the service at the start",
                           int((units["treated"] == 0).sum())))

    # complete data for the propensity model (and attendance, when it is an outcome)
    needed = list(covariates) + (["baseline_attendance", "programme_attendance"] if needs_attendance else [])
    complete = units[list(dict.fromkeys(needed))].notna().all(axis=1)
    flow["missing_data"] = int((~complete & (units["treated"] == 1)).sum())
    units = units[complete]
    pool_steps.append(("complete", "With complete characteristics" +
                       (" and attendance in both years" if needs_attendance else ""),
                       int((units["treated"] == 0).sum())))

    # strata without any comparison child
    units = units.copy()
    stratum = units["cohort_year"].astype(str)
    if comparison.within == "authority":
        stratum = units["authority_code"].astype(str) + " " + stratum
    units["stratum"] = stratum
    has_pool = units[units["treated"] == 0].groupby("stratum").size()
    lonely = (units["treated"] == 1) & ~units["stratum"].isin(has_pool.index)
    flow["no_eligible_comparison"] = int(lonely.sum())
    units = units[~lonely]

    units = _add_offending(data, units, follow_up_months, waiting_months)
    strata = (units.groupby(["stratum", "authority_code", "cohort_year"] if comparison.within == "authority"
                            else ["stratum", "cohort_year"])
              .agg(participants=("treated", "sum"), pool=("treated", lambda t: int((t == 0).sum())))
              .reset_index())
    strata["academic_year"] = strata["cohort_year"].map(_year_label)
    pool = pd.DataFrame(pool_steps, columns=["criterion", "description", "remaining"])
    pool.insert(0, "step", np.arange(1, len(pool) + 1))
    return Units(frame=units, flow=flow, pool=pool, strata=strata, as_of=as_of, sexes=tuple(sexes))


def _add_offending(data: CohortData, units: pd.DataFrame, follow_up_months: int,
                   waiting_months: int) -> pd.DataFrame:
    """Binary first formal outcome, proven offences and time to the first, per unit.

    A proven offence is one with a formal outcome (caution, conditional
    caution or conviction), not a breach, committed after the index date and
    within the follow-up, with its outcome by the end of the waiting period.
    """
    units = units.copy()
    end = units["index_date"] + pd.DateOffset(months=follow_up_months)
    waited = end + pd.DateOffset(months=waiting_months)
    units["follow_up_days"] = (end - units["index_date"]).dt.days.astype(float)
    off = data.offences
    formal = load_dictionary().codes("outcome", formal=True)
    units["first_formal_outcome"] = 0
    units["proven_offences"] = 0
    units["time_to_first_offence"] = units["follow_up_days"]
    if off.empty:
        return units
    breach = off["is_breach"].astype("boolean").fillna(False).astype(bool)
    proven = off.loc[off["outcome"].isin(formal) & ~breach, ["child_id", "offence_date", "outcome_date"]]
    base = pd.DataFrame({"unit": units.index, "child_id": units["child_id"].to_numpy(),
                         "index_date": units["index_date"].to_numpy(), "end": end.to_numpy(),
                         "waited": waited.to_numpy()})
    m = base.merge(proven, on="child_id", how="inner")
    od, oc = pd.to_datetime(m["offence_date"]), pd.to_datetime(m["outcome_date"])
    m = m[(od > m["index_date"]) & (od <= m["end"]) & (oc <= m["waited"])]
    if m.empty:
        return units
    days = (pd.to_datetime(m["offence_date"]) - m["index_date"]).dt.days
    per = pd.DataFrame({"n": m.groupby("unit").size(), "first": days.groupby(m["unit"]).min()})
    units.loc[per.index, "proven_offences"] = per["n"].astype(int)
    units.loc[per.index, "first_formal_outcome"] = 1
    units.loc[per.index, "time_to_first_offence"] = per["first"].astype(float)
    return units


def flow_table(flow: dict[str, int], analysed: int) -> pd.DataFrame:
    """The flow as a table; ``remaining`` after each step, ``n`` the people at that step.

    Examples
    --------
    >>> counts = dict.fromkeys([s for s, _ in FLOW_STAGES[1:-2]], 0)
    >>> t = flow_table({"submitted": 10, **counts, "unmatched": 1}, analysed=9)
    >>> t[["stage", "n", "remaining"]].iloc[[0, -2, -1]]
            stage   n  remaining
    0   submitted  10         10
    10  unmatched   1          9
    11   analysed   9          9
    """
    rows = []
    remaining = flow["submitted"]
    for step, (stage, text) in enumerate(FLOW_STAGES, start=1):
        if stage == "submitted":
            n = flow["submitted"]
        elif stage == "analysed":
            n = analysed
        else:
            n = int(flow.get(stage, 0))
            remaining -= n
        rows.append({"step": step, "stage": stage, "description": text, "n": n, "remaining": remaining})
    table = pd.DataFrame(rows, columns=list(FLOW_COLUMNS))
    if remaining != analysed:  # pragma: no cover - a bug, never a data problem
        raise AssertionError(f"flow does not add up: {remaining} left, {analysed} analysed")
    return table
