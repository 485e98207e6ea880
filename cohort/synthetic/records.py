"""Stage 5: service records drawn from the children and their episodes (KPI
records, victims, management board attendance)."""

from __future__ import annotations

import numpy as np

from cohort.synthetic._base import (
    _EPOCH,
    _SEND_CODES,
    _YEAR,
    _Career,
    _choice,
    _codes,
    _day,
    _ethnicity_draw,
    _expit,
    _labels,
    _People,
    _pop_shares,
    _record_ethnicity,
)
from cohort.synthetic.outcomes import _OFFENCE_GROUPS
from cohort.synthetic.programmes import _PROGRAMME_OF_OUTCOME

#: Probability that an offence of each group has an individual victim, and
#: that it has a business victim instead.
_P_VICTIM_PERSON = np.array([0.95, 1.0, 0, 0.50, 0.75, 0.60, 0.35, 0, 1.0, 0.05, 0.30, 0.20])
_P_VICTIM_BUSINESS = np.array([0, 0, 0, 0.45, 0.25, 0.35, 0.05, 0, 0, 0, 0.60, 0.05])

def _school_age(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Of compulsory school age: before the end of June of the school year they turn 16."""
    bd = (_EPOCH + np.floor(birth).astype(np.int64)).astype("datetime64[M]").astype(np.int64)
    year, month = 1970 + bd // 12, bd % 12 + 1
    leave_year = year + 16 + (month >= 9)
    leave = (np.asarray(leave_year - 1970, dtype="datetime64[Y]").astype("datetime64[D]")
             + np.timedelta64(180, "D")).astype(np.int64)  # 30 June (29 in leap years)
    return day < leave


_SCHOOL_TYPES = ("Mainstream", "Alternative Provision", "Home Schooled", "School Refuser",
                 "Secure Unit", "SEMH and Behaviour")
_POST16_TYPES = ("Further education", "Training or apprenticeship", "Employment", "Not in ETE")


def _kpi_records(iv, people: _People, rng, win_start: int):
    """One KPI record per ended episode of a KPI-cohort programme."""
    kpi_programmes = _codes("programme", kpi_cohort=True)
    sel = np.flatnonzero(np.isin(iv["programme"], kpi_programmes) & ~np.isnan(iv["end"])
                         & (np.nan_to_num(iv["end"], nan=0) >= win_start))
    n = sel.size
    child = iv["child"][sel]
    day = iv["end"][sel]
    prog = iv["programme"][sel]
    male = people.get("male")[child]
    care = people.get("care")[child]
    send = people.get("send")[child]
    z = people.get("z")[child]
    birth = people.get("birth")[child]
    lac, leaver = care == 1, care == 2
    court = np.isin(prog, ["Referral order", "Youth rehabilitation order",
                           "Detention and training order", "Bail and remand"])
    secure = np.isin(prog, ["Detention and training order", "Bail and remand"])
    school = _school_age(birth, day)
    age = (day - birth) / _YEAR
    # accommodation
    p_uns = 0.055 * np.exp(0.6 * (lac | leaver) + 0.5 * secure + 0.2 * z)
    u = rng.random(n)
    accommodation = np.where(u < 0.015, "Unknown", np.where(u < 0.015 + p_uns, "Unsuitable",
                                                             "Suitable")).astype(object)
    # ETE type
    p_school = np.where(
        court[:, None], [[0.30, 0.45, 0.01, 0.06, 0.06, 0.12]],
        [[0.49, 0.37, 0.01, 0.05, 0.0, 0.07]],
    ).copy()
    p_school[:, 4] += 0.45 * secure
    p_school[:, 5] += 0.05 * (send == 2)
    school_type = _choice(rng, p_school)
    p_post = np.where(court[:, None], [[0.30, 0.14, 0.08, 0.48]], [[0.40, 0.18, 0.10, 0.32]])
    post_type = _choice(rng, p_post)
    ete = np.where(school, _labels(_SCHOOL_TYPES, school_type),
                   _labels(_POST16_TYPES, post_type)).astype(object)
    # hours offered and attended (25 or more is the published threshold)
    p_off = np.where(school, np.array([0.97, 0.78, 0.3, 0.45, 0.97, 0.78])[school_type],
                     np.array([0.31, 0.70, 0.92, 0.0])[post_type])
    p_att = np.where(school, np.array([0.74, 0.60, 0.6, 0.05, 0.97, 0.62])[school_type],
                     np.array([0.95, 0.95, 0.97, 0.0])[post_type])
    off25 = rng.random(n) < p_off
    att25 = off25 & (rng.random(n) < p_att)
    offered = np.where(off25, rng.uniform(25, 32.5, n), rng.uniform(2, 24.5, n))
    not_in = ete == "Not in ETE"
    offered = np.where(not_in, 0.0, offered)
    attended = np.where(att25, 25 + (offered - 25) * rng.random(n),
                        np.minimum(offered, 24.5) * rng.beta(2.5, 1.5, n))
    offered, attended = np.round(offered, 1), np.round(attended, 1)
    p_suit = np.where(school, np.array([0.90, 0.73, 0.5, 0.08, 0.95, 0.78])[school_type],
                      np.array([0.90, 0.92, 0.95, 0.0])[post_type])
    suitable = rng.random(n) < p_suit
    suitable_missing = rng.random(n) < 0.04
    # SEND and needs
    sen = send
    plan = (sen == 2) & (rng.random(n) < 0.95)
    semh = rng.random(n) < np.where((sen == 1) | (sen == 2), 0.75, 0.28)
    mh = rng.random(n) < _expit(-1.17 + 0.75 * ~male + 0.6 * lac + 0.7 * semh + 0.25 * z)
    mh_off = mh & (rng.random(n) < 0.85)
    mh_att = mh_off & (rng.random(n) < 0.7)
    sm = rng.random(n) < _expit(-0.85 + 0.35 * male + 0.25 * (age - 15.5) + 0.3 * z
                                + 0.3 * court)
    sm_off = sm & (rng.random(n) < 0.85)
    sm_att = sm_off & (rng.random(n) < 0.65)
    # links to wider services: cared-for children from their care status, else one level
    w = rng.random(n)
    cp = ~lac & (w < 0.072 + 0.03 * (z > 1))
    cin = ~lac & ~cp & (w < 0.30)
    eh = ~lac & ~cp & ~cin & (w < 0.73)
    return {
        "iv": sel, "day": day, "accommodation": accommodation, "ete_type": ete,
        "school_age": school, "ete_suitable": suitable, "ete_suitable_missing": suitable_missing,
        "ete_hours_offered": offered, "ete_hours_attended": attended,
        "sen_level": _labels(_SEND_CODES, sen), "send_plan_in_place": plan, "semh_need": semh,
        "mh_need": mh, "mh_offered": mh_off, "mh_attending": mh_att, "sm_need": sm,
        "sm_offered": sm_off, "sm_attending": sm_att, "early_help": eh, "child_in_need": cin,
        "child_protection": cp, "cared_for": lac,
    }


_AGE_BANDS = ("Under 18", "18-24", "25-64", "65 and over", "Unknown")
_NON_ENGAGEMENT = ("Did not consent to contact", "Could not be contacted",
                   "Declined restorative justice", "Not suitable for restorative justice",
                   "Other")


def _victims(off, career: _Career, pop, sim_years, rng, win_start: int, data_end: int):
    """Victims of offences dealt with by the service (out-of-court or court order)."""
    served = np.isin(off["outcome"], list(_PROGRAMME_OF_OUTCOME)) & ~off["is_breach"]
    gi = np.full(len(served), -1)
    for k, g in enumerate(_OFFENCE_GROUPS):
        gi[off["group"] == g] = k
    u = rng.random(len(served))
    p_person = np.where(gi >= 0, _P_VICTIM_PERSON[np.maximum(gi, 0)], 0)
    p_business = np.where(gi >= 0, _P_VICTIM_BUSINESS[np.maximum(gi, 0)], 0)
    person = served & (u < p_person)
    business = served & ~person & (u < p_person + p_business)
    base = np.flatnonzero(person | business)
    two = person[base] & (rng.random(base.size) < 0.10)
    rows = np.concatenate([base, base[two]])
    rows.sort(kind="stable")
    n = rows.size
    is_person = person[rows]
    day = np.floor(off["outcome_day"][rows] + rng.uniform(0, 14, n))
    keep = (day >= win_start) & (day <= data_end)
    rows, is_person, day = rows[keep], is_person[keep], day[keep]
    n = rows.size
    auth = career.auth[off["cidx"][rows]]
    female = rng.random(n) < 0.40
    age_band = _choice(rng, [0.42, 0.12, 0.38, 0.05, 0.03], n)
    yi = np.clip(np.searchsorted(sim_years, 1970 + (day / _YEAR).astype(int)), 0,
                 len(sim_years) - 1)
    eth = _ethnicity_draw(rng, _pop_shares(pop, auth, yi))
    eth = _record_ethnicity(rng, eth, 0.10)
    consent = rng.random(n) < np.where(is_person, 0.90, 0.75)
    contacted = consent & (rng.random(n) < 0.92)
    offered = contacted & (rng.random(n) < 0.5)
    accepted = offered & (rng.random(n) < 0.2)
    requested = contacted & (rng.random(n) < 0.3)
    provided = requested & (rng.random(n) < 0.9)
    reason = np.select(
        [~consent, ~contacted, contacted & ~offered & (rng.random(n) < 0.8),
         contacted & ~offered, offered & ~accepted],
        [0, 1, 3, 4, 2], -1,
    )
    return {
        "offence_row": rows, "auth": auth, "day": day, "person": is_person,
        "sex": np.where(female, "Female", "Male").astype(object), "age_band": age_band,
        "eth": eth, "consented_contact": consent, "contacted": contacted,
        "offered_rj": offered, "accepted_rj": accepted, "support_requested": requested,
        "support_provided": provided, "reason": reason,
    }


_AGENCIES = ("Police", "Probation", "Health", "Children's social care", "Education")
_P_AGENCY = np.array([0.86, 0.66, 0.68, 0.89, 0.77])


def _board(ap, rng, y0: int, y1: int):
    """One management board meeting a quarter per service, five agencies."""
    yjs = np.unique(ap["yjs_of"])
    quarters = [(y, q) for y in range(y0, y1 + 1) for q in range(4)]
    month_day = []
    for y, q in quarters:
        month = 4 + 3 * q + 1  # second month of the quarter
        yy, mm = (y, month) if month <= 12 else (y + 1, month - 12)
        month_day.append(_day(f"{yy}-{mm:02d}-01"))
    month_day = np.array(month_day)
    n_m = len(yjs) * len(quarters)
    day = np.tile(month_day, len(yjs)) + rng.integers(0, 21, n_m)
    weekday = (day + 3) % 7  # 0 = Monday
    day = day + np.where(weekday >= 5, 7 - weekday, 0)
    meeting_yjs = np.repeat(yjs, len(quarters))
    p = np.clip(_P_AGENCY[None, :] + ap["board"][meeting_yjs][:, None], 0.3, 0.99)
    attended = rng.random((n_m, 5)) < p
    senior = attended & (rng.random((n_m, 5)) < 0.7)
    return {"yjs": meeting_yjs, "day": day, "attended": attended, "senior": senior}
