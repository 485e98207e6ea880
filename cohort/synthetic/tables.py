"""The data-model tables assembled from the simulated arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort.synthetic._base import (
    _CARE_CODES,
    _EPOCH,
    _ETHNIC,
    _SEND_CODES,
    _boolean,
    _Career,
    _choice,
    _ids,
    _labels,
    _People,
    _to_dates,
)
from cohort.synthetic.programmes import _STATUS
from cohort.synthetic.records import _AGE_BANDS, _AGENCIES, _NON_ENGAGEMENT

_DETAILED = {
    "White": (
        ("White British", "White Irish", "Gypsy or Irish Traveller", "Roma",
         "Any other White background"),
        (0.88, 0.01, 0.01, 0.005, 0.095),
    ),
    "Mixed": (
        ("White and Black Caribbean", "White and Black African", "White and Asian",
         "Any other Mixed or Multiple background"),
        (0.35, 0.15, 0.25, 0.25),
    ),
    "Asian": (
        ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Any other Asian background"),
        (0.30, 0.35, 0.12, 0.05, 0.18),
    ),
    "Black": (("African", "Caribbean", "Any other Black background"), (0.60, 0.25, 0.15)),
    "Other": (("Arab", "Any other ethnic group"), (0.35, 0.65)),
}


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _child_ids(people: _People) -> np.ndarray:
    auth = people.get("auth")
    order = np.lexsort((np.arange(people.n), auth))
    ids = np.empty(people.n, dtype=object)
    ids[order] = _ids("C", people.n, 6)
    return ids


def _children_table(people: _People, codes: np.ndarray, rng, child_ids) -> pd.DataFrame:
    eth = people.get("eth_rec")
    eth_labels = _labels(_ETHNIC + ("Unknown",), eth)
    detailed = np.full(people.n, None, dtype=object)
    for g, (names, p) in _DETAILED.items():
        sel = np.flatnonzero(eth_labels == g)
        detailed[sel] = _labels(names, _choice(rng, np.array(p), sel.size))
    birth = people.get("birth")
    months = (_EPOCH + np.floor(birth).astype(np.int64)).astype("datetime64[M]").astype(str)
    frame = pd.DataFrame(
        {
            "child_id": child_ids,
            "authority_code": codes[people.get("auth")],
            "birth_month": months.astype(object),
            "sex": np.where(people.get("male"), "Male", "Female").astype(object),
            "ethnicity": eth_labels,
            "ethnicity_detailed": detailed,
            "send_level": _labels(_SEND_CODES, people.get("send")),
            "care_status": _labels(_CARE_CODES, people.get("care")),
            "fsm_eligible": _boolean(people.get("fsm")),
        }
    )
    return frame.sort_values("child_id", kind="stable").reset_index(drop=True)


def _finish_offences(off, career: _Career, codes, child_ids) -> pd.DataFrame:
    n = len(off["cidx"])
    return pd.DataFrame(
        {
            "offence_id": _ids("O", n, 7),
            "child_id": child_ids[career.child[off["cidx"]]],
            "authority_code": codes[career.auth[off["cidx"]]],
            "offence_date": _to_dates(off["offence"]),
            "outcome_date": _to_dates(off["outcome_day"]),
            "outcome": off["outcome"],
            "offence_group": off["group"],
            "gravity_score": pd.array(off["grav"].astype(np.int64), dtype="Int64"),
            "is_breach": _boolean(off["is_breach"]),
            "release_date": _to_dates(np.nan_to_num(off["release"]), np.isnan(off["release"])),
        }
    )


def _finish_interventions(iv, codes, child_ids, offences: pd.DataFrame):
    n = len(iv["child"])
    ids = _ids("I", n, 7)
    has_offence = iv["offence_pos"] >= 0
    offence_id = np.where(
        has_offence, offences["offence_id"].to_numpy(dtype=object)[np.maximum(iv["offence_pos"], 0)],
        None,
    )
    frame = pd.DataFrame(
        {
            "intervention_id": ids,
            "child_id": child_ids[iv["child"]],
            "authority_code": codes[iv["auth"]],
            "programme": iv["programme"],
            "start_date": _to_dates(iv["start"]),
            "end_date": _to_dates(np.nan_to_num(iv["end"]), np.isnan(iv["end"])),
            "status": _labels(_STATUS, iv["status"]),
            "offence_id": offence_id,
        }
    )
    return frame, ids


def _finish_kpi(k, iv, codes, child_ids, int_ids) -> pd.DataFrame:
    sel = k["iv"]
    n = sel.size
    frame = pd.DataFrame(
        {
            "record_id": _ids("K", n, 7),
            "intervention_id": int_ids[sel],
            "child_id": child_ids[iv["child"][sel]],
            "authority_code": codes[iv["auth"][sel]],
            "record_date": _to_dates(k["day"]),
            "accommodation": k["accommodation"],
            "ete_type": k["ete_type"],
            "school_age": _boolean(k["school_age"]),
            "ete_suitable": _boolean(k["ete_suitable"], k["ete_suitable_missing"]),
            "ete_hours_offered": k["ete_hours_offered"].astype(float),
            "ete_hours_attended": k["ete_hours_attended"].astype(float),
            "sen_level": k["sen_level"],
        }
    )
    for name in ("send_plan_in_place", "semh_need", "mh_need", "mh_offered", "mh_attending",
                 "sm_need", "sm_offered", "sm_attending", "early_help", "child_in_need",
                 "child_protection", "cared_for"):
        frame[name] = _boolean(k[name])
    return frame


def _finish_victims(v, codes, offences: pd.DataFrame) -> pd.DataFrame:
    n = len(v["offence_row"])
    person = v["person"]
    return pd.DataFrame(
        {
            "victim_id": _ids("V", n, 7),
            "offence_id": offences["offence_id"].to_numpy(dtype=object)[v["offence_row"]],
            "authority_code": codes[v["auth"]],
            "record_date": _to_dates(v["day"]),
            "victim_type": np.where(person, "Individual", "Business or organisation").astype(
                object),
            "sex": np.where(person, v["sex"], None),
            "age_band": np.where(person, _labels(_AGE_BANDS, v["age_band"]), None),
            "ethnicity": np.where(person, _labels(_ETHNIC + ("Unknown",), v["eth"]), None),
            "consented_contact": _boolean(v["consented_contact"]),
            "contacted": _boolean(v["contacted"]),
            "offered_rj": _boolean(v["offered_rj"]),
            "accepted_rj": _boolean(v["accepted_rj"]),
            "support_requested": _boolean(v["support_requested"]),
            "support_provided": _boolean(v["support_provided"]),
            "non_engagement_reason": np.where(
                v["reason"] >= 0, _labels(_NON_ENGAGEMENT, np.maximum(v["reason"], 0)), None
            ),
        }
    )


def _finish_board(b, ap, codes) -> pd.DataFrame:
    # a service's meeting is recorded for every authority it covers
    per_auth = [np.flatnonzero(b["yjs"] == y) for y in ap["yjs_of"]]
    meeting = np.concatenate(per_auth)
    auth = np.repeat(np.arange(len(per_auth)), [len(m) for m in per_auth])
    n = len(meeting)
    return pd.DataFrame(
        {
            "authority_code": np.repeat(codes[auth], 5),
            "meeting_date": _to_dates(np.repeat(b["day"][meeting], 5)),
            "agency": np.tile(np.asarray(_AGENCIES, dtype=object), n),
            "attended": _boolean(b["attended"][meeting].ravel()),
            "senior_attended": _boolean(b["senior"][meeting].ravel()),
        }
    ).sort_values(["authority_code", "meeting_date"], kind="stable")


def _finish_attendance(a, codes, child_ids) -> pd.DataFrame:
    if a is None:
        a = {k: np.zeros(0, dtype=np.int64) for k in
             ("child", "auth", "year", "term", "possible", "attended")}
    years = a["year"]
    return pd.DataFrame(
        {
            "child_id": child_ids[a["child"]] if len(years) else np.zeros(0, dtype=object),
            "authority_code": codes[a["auth"]],
            "academic_year": np.array([f"{y}/{(y + 1) % 100:02d}" for y in years], dtype=object),
            "term": _labels(("Autumn", "Spring", "Summer"), a["term"]),
            "possible_sessions": pd.array(a["possible"].astype(np.int64), dtype="Int64"),
            "attended_sessions": pd.array(a["attended"].astype(np.int64), dtype="Int64"),
        }
    ).sort_values(["child_id", "academic_year"], kind="stable")
