"""The records the KPIs are counted from: table access and the source builders
(one frame per data source, with the derived answer columns)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.exceptions import DataQualityWarning
from cohort.measures._common import open_between
from cohort.measures.kpi.definitions import Basis, KpiDefinitions, YearRecord

_REQUIRED: dict[str, tuple[str, ...]] = {
    "interventions": ("intervention_id", "child_id", "authority_code", "programme",
                      "start_date", "end_date", "status"),
    "kpi_records": ("intervention_id", "child_id", "authority_code", "record_date",
                    "accommodation", "ete_type", "school_age", "sen_level", "mh_need", "sm_need",
                    "early_help", "child_in_need", "child_protection", "cared_for"),
    "offences": ("child_id", "authority_code", "outcome_date", "offence_group", "gravity_score"),
    "board_attendance": ("authority_code", "meeting_date", "agency", "attended"),
    "victims": ("victim_id", "authority_code", "record_date", "consented_contact", "contacted",
                "offered_rj", "accepted_rj", "support_requested", "support_provided"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "kpi_records": ("record_id", "ete_suitable", "ete_hours_offered", "ete_hours_attended",
                    "send_plan_in_place", "semh_need", "mh_offered", "mh_attending",
                    "sm_offered", "sm_attending"),
    "victims": ("victim_type", "sex", "age_band", "ethnicity", "non_engagement_reason"),
}


def _table(data: CohortData, name: str, authority: str) -> pd.DataFrame:
    """One authority's rows of a table, with its required columns checked.

    An empty table without columns becomes an empty frame with the required
    columns; optional columns that are absent are added as missing values.
    """
    df = data[name]
    required = _REQUIRED[name]
    if df.empty and not set(required) <= set(df.columns):
        df = pd.DataFrame(columns=list(required))
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} lacks required column(s): {', '.join(missing)}")
    df = df[df["authority_code"] == authority]
    extra = {c: pd.NA for c in _OPTIONAL.get(name, ()) if c not in df.columns}
    return df.assign(**extra) if extra else df.copy()


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


@functools.cache
def _codes(name: str, filters: tuple[tuple[str, Any], ...] = ()) -> tuple[str, ...]:
    """Codes of a code list of the (read-only, cached) data dictionary."""
    return tuple(load_dictionary().codes(name, **dict(filters)))


@functools.cache
def _code_attribute(name: str, attribute: str) -> Mapping[str, Any]:
    frame = load_dictionary().codelist(name)
    return dict(zip(frame["code"], frame[attribute], strict=True))


# Flags are held as float arrays while counting: 1.0 (yes), 0.0 (no), NaN (not answered).


def _flag(s: pd.Series) -> np.ndarray:
    """1.0 / 0.0 / NaN from a flag column (bool, nullable boolean or object)."""
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if s.dtype != "boolean":
        s = s.astype(object).where(s.notna(), None).astype("boolean")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _label(flag: np.ndarray, yes: str = "Yes", no: str = "No") -> np.ndarray:
    """Labels for a flag array; missing stays missing (None)."""
    return np.where(np.isnan(flag), None, np.where(flag == 1, yes, no)).astype(object)


def _chain(previous: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Cascade step: set only where the previous step is set (a missing answer counts
    as no); missing where the previous step is missing."""
    return np.where(np.isnan(previous), np.nan, ((previous == 1) & (step == 1)).astype(float))


def _text(s: pd.Series) -> np.ndarray:
    """A code column as an object array with None for missing values."""
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def _hours_labels(threshold: float) -> tuple[str, str]:
    return f"{threshold:g} Hours and Over", f"Under {threshold:g} Hours"


def _band(hours: pd.Series, threshold: float) -> np.ndarray:
    h = pd.to_numeric(hours, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    over, under = _hours_labels(threshold)
    return np.where(np.isnan(h), None, np.where(h >= threshold, over, under)).astype(object)


# --------------------------------------------------------------------------- source builders


def _cohort_records(
    data: CohortData,
    authority: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    basis: Basis,
    programmes: Sequence[str],
    warn: bool = True,
) -> pd.DataFrame:
    """KPI records of the cohort: one per intervention, with its programme."""
    iv = _table(data, "interventions", authority)
    iv = iv[iv["programme"].isin(list(programmes))]
    if basis == "ended":
        ends = _dates(iv["end_date"])
        iv = iv[(ends >= start) & (ends <= end)]
    else:
        iv = iv[open_between(iv, start, end)]
    rec = _table(data, "kpi_records", authority)
    when = _dates(rec["record_date"])
    keep = rec["intervention_id"].isin(iv["intervention_id"]) & (when <= end)
    if basis == "ended":
        keep &= when >= start
    rec = rec[keep].assign(record_date=when[keep])
    order = ["intervention_id", "record_date"] + (["record_id"] if "record_id" in rec else [])
    rec = rec.sort_values(order, kind="stable").drop_duplicates("intervention_id", keep="last")
    lacking = int((~iv["intervention_id"].isin(rec["intervention_id"])).sum())
    if lacking and warn:
        warnings.warn(
            f"{lacking} KPI-cohort intervention(s) of {authority} in the period have no "
            f"kpi_records row ({basis!r} basis); they are left out of every KPI 1-5 and 7 "
            "denominator.",
            DataQualityWarning,
            stacklevel=4,
        )
    programme = iv.set_index("intervention_id")["programme"]
    return rec.assign(programme=rec["intervention_id"].map(programme)).reset_index(drop=True)


def _derive_records(rec: pd.DataFrame, defs: KpiDefinitions) -> pd.DataFrame:
    """The answer columns the KPI 1-5 and 7 specs read, one row per record.

    Flags are floats (1.0 yes, 0.0 no, NaN unanswered); codes are objects
    (None unanswered). Cascade steps are chained here, before a financial
    year keeps one row per child, so that each step comes from the same
    record as the step before it.
    """
    if defs.school_age_from == "record":
        school_age = _flag(rec["school_age"])
    else:
        school_age = _flag(rec["ete_type"].map(_code_attribute("ete_type", "school_age")))
    sen = _text(rec["sen_level"])
    known_level = pd.notna(sen) & (sen != "Unknown")
    identified = np.where(
        known_level, np.isin(sen.astype(str), list(defs.send_identified_levels)), np.nan
    ).astype(float)
    out = {
        "child_id": rec["child_id"].to_numpy(dtype=object),
        "record_date": _dates(rec["record_date"]).to_numpy(),
        "accommodation": _text(rec["accommodation"]),
        "school_age": school_age,
        "age_group": _label(school_age, "School age", "Post-16"),
        "ete_type": _text(rec["ete_type"]),
        "ete_suitability": _label(_flag(rec["ete_suitable"]), "Suitable", "Unsuitable"),
        "hours_offered_band": _band(rec["ete_hours_offered"], defs.hours_threshold),
        "hours_attended_band": _band(rec["ete_hours_attended"], defs.hours_threshold),
        "sen_level": sen,
        "send_identified": identified,
        "send_plan": _chain(identified, _flag(rec["send_plan_in_place"])),
        "semh_answer": _label(_flag(rec["semh_need"])),
    }
    for p in ("mh", "sm"):
        need = _flag(rec[f"{p}_need"])
        out[f"{p}_need"] = need
        out[f"{p}_need_answer"] = _label(need)
        out[f"{p}_offered"] = _chain(need, _flag(rec[f"{p}_offered"]))
        out[f"{p}_attending"] = _chain(out[f"{p}_offered"], _flag(rec[f"{p}_attending"]))
    for c in ("early_help", "child_in_need", "child_protection", "cared_for"):
        out[c] = _flag(rec[c])
    return pd.DataFrame(out)


def _per_child(frame: pd.DataFrame, order: Sequence[str], rule: YearRecord) -> pd.DataFrame:
    """One row per child: the latest row, or per column the latest known value."""
    frame = frame.sort_values(list(order), kind="stable")
    if rule == "latest":
        return frame.drop_duplicates("child_id", keep="last").reset_index(drop=True)
    # GroupBy.last skips missing values column by column: the latest known answer.
    return frame.groupby("child_id", sort=False, as_index=False).last()


def _oocd_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp, basis: Basis,
    defs: KpiDefinitions,
) -> pd.DataFrame:
    """Out-of-court disposal interventions of the period with their outcome at its end."""
    iv = _table(data, "interventions", authority)
    iv = iv[iv["programme"].isin(_codes("programme", (("oocd", True),)))]
    ends = _dates(iv["end_date"])
    if basis == "ended":
        iv = iv[(ends >= start) & (ends <= end)]
    else:
        iv = iv[open_between(iv, start, end)]
    ends = _dates(iv["end_date"])
    done = (ends.notna() & (ends <= end)).to_numpy(dtype=bool)
    completed = done & iv["status"].isin(list(defs.oocd_completed_statuses)).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "child_id": iv["child_id"].to_numpy(dtype=object),
            "programme": _text(iv["programme"]),
            "start_date": _dates(iv["start_date"]).to_numpy(),
            # Still open at the period's end sorts last: it is the child's current disposal.
            "sort_end": ends.where(pd.Series(done, index=iv.index), pd.Timestamp.max).to_numpy(),
            "oocd_completed": completed.astype(float),
            "oocd_outcome": np.select(
                [completed, done], ["Completed", "Not completed"], "Ongoing"
            ).astype(object),
        }
    )


def _offence_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp,
    defs: KpiDefinitions,
) -> pd.DataFrame:
    """Proven serious violence offences dealt with (outcome date) in the period."""
    groups = _codes("offence_group", (("serious_violence", True),))
    off = _table(data, "offences", authority)
    when = _dates(off["outcome_date"])
    gravity = pd.to_numeric(off["gravity_score"], errors="coerce")
    keep = (when >= start) & (when <= end) & off["offence_group"].isin(groups)
    keep &= (gravity >= defs.sv_min_gravity).fillna(False)
    # proven: a caution or conviction (informal outcomes such as community
    # resolutions and Outcome 22 are not proven offences), and not a breach
    if "outcome" in off:
        keep &= off["outcome"].isin(_codes("outcome", (("formal", True),)))
    if "is_breach" in off:
        keep &= ~off["is_breach"].fillna(False).astype(bool)
    off = off[keep]
    return pd.DataFrame(
        {"child_id": _text(off["child_id"]), "offence_group": _text(off["offence_group"])}
    )


def _board_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Board meeting x agency rows of the period."""
    b = _table(data, "board_attendance", authority)
    when = _dates(b["meeting_date"])
    b = b[(when >= start) & (when <= end)]
    return pd.DataFrame({"agency": _text(b["agency"]), "attended": _flag(b["attended"])})


def _victim_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Victims whose record date is in the period, with the restorative justice chain.

    ``contacted``, ``offered_rj`` and ``accepted_rj`` are chained: a victim
    counts as contacted only if they consented, as offered only if
    contacted, as accepting only if offered. ``rj_accepted_chain`` is the
    last step, missing for victims who did not consent. Flags are floats
    (1.0, 0.0, NaN).
    """
    v = _table(data, "victims", authority)
    when = _dates(v["record_date"])
    v = v[(when >= start) & (when <= end)].reset_index(drop=True)
    consented = _flag(v["consented_contact"])
    contacted = _chain(consented, _flag(v["contacted"]))
    offered = _chain(contacted, _flag(v["offered_rj"]))
    accepted = _chain(offered, _flag(v["accepted_rj"]))
    return v.assign(
        consented_contact=consented,
        contacted=contacted,
        offered_rj=offered,
        accepted_rj=accepted,
        rj_accepted_chain=np.where(consented == 1, accepted, np.nan),
        support_requested=_flag(v["support_requested"]),
        support_provided=_flag(v["support_provided"]),
    )
