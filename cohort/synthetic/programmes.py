"""Stage 4: intervention episodes, prevention referrals and the Community Youth
Connectors schools project."""

from __future__ import annotations

import numpy as np

from cohort.synthetic._base import (
    _TURNAROUND_START,
    _YEAR,
    _Career,
    _choice,
    _day,
    _entrant_years,
    _ethnicity_draw,
    _expit,
    _People,
    _pop_shares,
    _record_ethnicity,
    _status,
)
from cohort.synthetic.careers import _entrant_attributes

#: Community Youth Connectors: girls a year per authority (at scale 1), pool
#: size per participant, hazard (a year) of a first offence with a formal
#: outcome at baseline covariates, planted hazard ratio and attendance effect.
_CYC_PER_YEAR = 94
_CYC_POOL_RATIO = 12
_CYC_BASE_HAZARD = 0.003
_CYC_HAZARD_RATIO = 0.5
_CYC_ATTENDANCE_EFFECT = 0.065

_PROGRAMME_OF_OUTCOME = {
    "Outcome 22": "Outcome 22",
    "Community resolution": "Community resolution",
    "Youth caution": "Youth caution",
    "Youth conditional caution": "Youth conditional caution",
    "Referral order": "Referral order",
    "Youth rehabilitation order": "Youth rehabilitation order",
    "Detention and training order": "Detention and training order",
    "Section 250 detention": "Detention and training order",
}

def _prevention_children(ap, pop, sim_years, rng, people: _People, y0: int, y1: int):
    """Children referred for prevention (Prevention or Turnaround) without an offence."""
    n_auth = len(ap["pop"])
    fys = np.arange(y0, y1 + 1)
    yi = np.searchsorted(sim_years, fys)
    total = pop[:, yi].sum(axis=(2, 3, 4))
    counts = rng.poisson(total * 0.0016)
    auth = np.repeat(np.repeat(np.arange(n_auth), len(fys)), counts.ravel())
    fy_i = np.repeat(np.tile(np.arange(len(fys)), n_auth), counts.ravel())
    n = len(auth)
    start = np.array([_day(f"{y}-04-01") for y in fys])[fy_i] + rng.integers(0, 365, n)
    age = 10 + _choice(rng, [6, 8, 11, 13, 14, 13, 10, 6], n) + rng.random(n)
    birth = start - age * _YEAR
    att = _entrant_attributes(rng, n, 0.68)
    rr = np.array([1.0, 1.4, 0.9, 1.6, 1.2])
    eth = _ethnicity_draw(rng, _pop_shares(pop, auth, yi[fy_i]), rr)
    idx = people.add(
        auth=auth, birth=birth, male=att["male"], eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.03), care=att["care"], send=att["send"],
        fsm=att["fsm"], z=att["z"] - 0.4,
    )
    end = start + rng.uniform(90, 270, n)
    turnaround = (start >= _day(str(_TURNAROUND_START))) & (rng.random(n) < 0.6)
    return {
        "child": idx, "auth": auth, "start": start.astype(float), "end": end,
        "programme": np.where(turnaround, "Turnaround", "Prevention").astype(object),
    }


def _cyc_authorities(ap) -> list[int]:
    """The (up to) two most populous authorities run Community Youth Connectors."""
    order = np.argsort(-ap["pop"], kind="stable")
    return sorted(order[:2].tolist()) if len(order) >= 3 else [0]


def _cyc(ap, pop, sim_years, rng, people: _People, y0, y1, data_end, scale):
    """Community Youth Connectors: participants, pool, attendance, later offending.

    One cohort per academic year whose baseline year and programme year both
    lie in the data (at most the three latest). Candidates are girls aged
    11-15; participants are chosen on observed characteristics; the first
    offence with a formal outcome within 12 months of the programme start
    has a hazard halved for participants; attendance rises 6.5 points.
    """
    cyc_auth = _cyc_authorities(ap)
    years = list(range(max(y0, y1 - 3), y1))  # programme academic years starting in September
    fys = _entrant_years(y0, y1)
    girls_taken = np.zeros((len(ap["pop"]), len(fys)), dtype=np.int64)
    empty_career = _Career(*[np.zeros(0, dtype=t) for t in
                             (np.int64, np.int64, float, float, bool, np.int64, float,
                              np.int64, bool)])
    out = {"authorities": cyc_auth if years else [], "entrants": empty_career,
           "attendance": None, "interventions": None, "girls_taken": girls_taken}
    if not years:
        return out
    n_part = max(5, int(round(_CYC_PER_YEAR * scale)))
    n_cand = (1 + _CYC_POOL_RATIO) * n_part
    a_list, y_list = np.meshgrid(np.array(cyc_auth), np.array(years), indexing="ij")
    a_rep = np.repeat(a_list.ravel(), n_cand)
    y_rep = np.repeat(y_list.ravel(), n_cand)
    n = len(a_rep)
    sept = np.array([_day(f"{y}-09-01") for y in y_rep])
    age = 11 + 5 * rng.random(n)
    birth = sept - age * _YEAR
    yi = np.searchsorted(sim_years, y_rep)
    eth = _ethnicity_draw(rng, _pop_shares(pop, a_rep, yi, sex=1))
    fsm = rng.random(n) < 0.24
    send = _choice(rng, [0.82, 0.14, 0.04], n)
    lac = rng.random(n) < 0.012
    sen_sup, ehcp = send == 1, send == 2
    logit_mu = (np.log(0.93 / 0.07) - 0.35 * fsm - 0.3 * sen_sup - 0.45 * ehcp - 0.4 * lac
                - 0.08 * (age - 13) + 0.45 * rng.standard_normal(n))
    mu = _expit(logit_mu)
    # attendance rows: baseline academic year (y - 1) and programme year (y), three terms
    possible = np.stack(
        [2 * rng.integers(68, 73, (n, 2)), 2 * rng.integers(55, 61, (n, 2)),
         2 * rng.integers(60, 66, (n, 2))], axis=2
    )  # (n, year, term)
    noise = rng.normal(0, 0.05, (n, 2, 3))  # term-to-term variation
    base_rate = np.clip(mu[:, None] + noise[:, 0, :], 0.2, 1.0)
    base_att = rng.binomial(possible[:, 0, :], base_rate)
    base_obs = base_att.sum(axis=1) / possible[:, 0, :].sum(axis=1)
    eta = (1.0 * fsm + 0.6 * sen_sup + 0.9 * ehcp + 1.2 * lac + 12 * (0.9 - base_obs)
           + 0.25 * (age - 13))
    gumbel = -np.log(-np.log(rng.random(n)))
    part = np.zeros(n, dtype=bool)
    for k in range(a_list.size):  # one selection per authority and year
        block = slice(k * n_cand, (k + 1) * n_cand)
        top = np.argsort(-(eta[block] + gumbel[block]), kind="stable")[:n_part]
        part[k * n_cand + top] = True
    effect = _CYC_ATTENDANCE_EFFECT * part[:, None]
    prog_rate = np.clip(mu[:, None] - 0.01 + effect + noise[:, 1, :], 0.2, 1.0)
    prog_att = rng.binomial(possible[:, 1, :], prog_rate)
    z = 0.8 * (0.9 - mu) / 0.06 + 0.6 * rng.standard_normal(n)
    care = np.where(lac, 1, 0)
    idx = people.add(
        auth=a_rep, birth=birth, male=np.zeros(n, dtype=bool), eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.02), care=care, send=send, fsm=fsm, z=z,
    )
    # programme (and, for the pool, reference) start dates; a first offence
    # with a formal outcome within 12 months, hazard ratio 0.5 for participants
    start = sept + rng.integers(14, 75, n)
    h = _CYC_BASE_HAZARD * np.exp(0.6 * fsm + 0.5 * (send > 0) + 1.0 * lac
                                  + 8 * (0.9 - mu) + 0.15 * (age - 13))
    h = np.where(part, _CYC_HAZARD_RATIO * h, h)
    t = rng.exponential(1.0, n) / h
    event = start + t * _YEAR
    has = (t < 1.0) & (event < birth + 18 * _YEAR) & (event <= data_end)
    sel = np.flatnonzero(has)
    entrants = _Career(idx[sel], a_rep[sel], birth[sel], event[sel], np.zeros(sel.size, bool),
                       eth[sel], z[sel], care[sel], np.ones(sel.size, dtype=bool))
    ev_fy = 1970 + ((event[sel] - _day("1970-04-01")) // _YEAR).astype(np.int64)
    np.add.at(girls_taken, (a_rep[sel], np.searchsorted(fys, ev_fy)), 1)
    att_rows = {
        "child": np.repeat(idx, 6),
        "auth": np.repeat(a_rep, 6),
        "year": (y_rep[:, None] + np.array([-1, -1, -1, 0, 0, 0])[None, :]).ravel(),
        "term": np.tile(np.arange(3), 2 * n),
        "possible": possible.reshape(n, 6).ravel(),
        "attended": np.concatenate([base_att, prog_att], axis=1).ravel(),
    }
    pi = np.flatnonzero(part)
    end = start[pi] + rng.uniform(150, 250, pi.size)
    status = _choice(rng, [0.88, 0.09, 0.0, 0.03], pi.size)
    out.update(
        entrants=entrants, attendance=att_rows, girls_taken=girls_taken,
        interventions={"child": idx[pi], "auth": a_rep[pi], "start": start[pi].astype(float),
                       "end": end, "status": status},
    )
    return out


_STATUS = ("Completed", "Partially completed", "Not completed", "Refused", "Ongoing")


def _interventions(ev, career: _Career, prevention, cyc, rng, win_start: int, data_end: int):
    """Intervention episodes from outcomes, remands, prevention and the CYC project."""
    parts = []
    programme = np.array([_PROGRAMME_OF_OUTCOME.get(o, "") for o in ev["outcome"]], dtype=object)
    has = programme != ""
    i = np.flatnonzero(has)
    prog = programme[i]
    start = ev["outcome_day"][i]
    n = i.size
    dur = np.select(
        [prog == "Community resolution", prog == "Outcome 22", prog == "Youth caution",
         prog == "Youth conditional caution"],
        [rng.uniform(30, 120, n), rng.uniform(30, 120, n), rng.uniform(45, 120, n),
         rng.uniform(60, 125, n)],
        ev["order_days"][i],
    )
    oocd = np.isin(prog, ["Community resolution", "Outcome 22", "Youth caution",
                          "Youth conditional caution"])
    custody = prog == "Detention and training order"
    status = np.where(
        oocd, _status(rng, n, [0.58, 0.22, 0.13, 0.07]),
        np.where(custody, _status(rng, n, [0.80, 0.10, 0.10, 0.0]),
                 _status(rng, n, [0.72, 0.12, 0.16, 0.0])),
    )
    br = ev["breached"][i]
    status = np.where(br, np.where(rng.random(n) < 0.6, 2, 1), status)
    parts.append({"child": career.child[ev["cidx"][i]], "auth": career.auth[ev["cidx"][i]],
                  "programme": prog, "start": start, "end": start + dur, "status": status,
                  "offence_pos": ev["offence_pos"][i], "tier": ev["tier"][i]})
    # bail and remand episodes for some court cases, from charge to sentence
    court = ev["tier"] >= 3
    p_remand = 0.12 + 0.25 * (ev["tier"] >= 4) + 0.3 * (ev["tier"] == 5)
    r = np.flatnonzero(court & (rng.random(len(court)) < p_remand))
    r_start = ev["offence"][r] + rng.uniform(1, 21, r.size)
    parts.append({"child": career.child[ev["cidx"][r]], "auth": career.auth[ev["cidx"][r]],
                  "programme": np.full(r.size, "Bail and remand", dtype=object),
                  "start": r_start, "end": ev["outcome_day"][r],
                  "status": _status(rng, r.size, [0.85, 0.0, 0.15, 0.0]),
                  "offence_pos": ev["offence_pos"][r], "tier": np.full(r.size, -1)})
    # Turnaround or prevention after a first, informal outcome
    t = np.flatnonzero((ev["j"] == 0) & (ev["tier"] == 0) & (rng.random(len(court)) < 0.3))
    t_start = ev["outcome_day"][t] + rng.uniform(0, 21, t.size)
    turn = (t_start >= _day(str(_TURNAROUND_START))) & (rng.random(t.size) < 0.7)
    parts.append({"child": career.child[ev["cidx"][t]], "auth": career.auth[ev["cidx"][t]],
                  "programme": np.where(turn, "Turnaround", "Prevention").astype(object),
                  "start": t_start, "end": t_start + rng.uniform(90, 200, t.size),
                  "status": _status(rng, t.size, [0.65, 0.15, 0.10, 0.10]),
                  "offence_pos": np.full(t.size, -1), "tier": np.full(t.size, -2)})
    p = prevention
    k = len(p["child"])
    parts.append({"child": p["child"], "auth": p["auth"], "programme": p["programme"],
                  "start": p["start"], "end": p["end"],
                  "status": _status(rng, k, [0.65, 0.15, 0.10, 0.10]),
                  "offence_pos": np.full(k, -1), "tier": np.full(k, -2)})
    if cyc["interventions"] is not None:
        c = cyc["interventions"]
        k = len(c["child"])
        parts.append({"child": c["child"], "auth": c["auth"],
                      "programme": np.full(k, "Community Youth Connectors", dtype=object),
                      "start": c["start"], "end": c["end"], "status": c["status"],
                      "offence_pos": np.full(k, -1), "tier": np.full(k, -3)})
    out = {key: np.concatenate([q[key] for q in parts]) for key in parts[0]}
    out["start"] = np.floor(out["start"])
    out["end"] = np.maximum(np.floor(out["end"]), out["start"])
    open_ = out["end"] > data_end
    out["status"] = np.where(open_, 4, out["status"])
    out["end"] = np.where(open_, np.nan, out["end"])
    keep = (out["start"] <= data_end) & (open_ | (out["end"] >= win_start))
    out = {key: v[keep] for key, v in out.items()}
    order = np.lexsort((out["start"], out["child"], out["auth"]))
    return {key: v[order] for key, v in out.items()}
