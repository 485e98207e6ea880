"""Stage 2: children who enter the service and their offending careers."""

from __future__ import annotations

import numpy as np

from cohort.synthetic._base import (
    _ETHNIC,
    _YEAR,
    MAX_EVENTS,
    _Career,
    _choice,
    _day,
    _entrant_years,
    _ethnicity_draw,
    _expit,
    _lognormal_days,
    _People,
    _pop_shares,
    _record_ethnicity,
)
from cohort.synthetic.outcomes import (
    _COURT_SHIFT,
    _CUSTODY_LOG_ODDS,
    _GRAVITY_MAX,
    _GRAVITY_UP,
    _GROUP_P_FEMALE,
    _GROUP_P_MALE,
    _OUTCOME_LAG,
    _gravity,
    _outcome_codes,
    _tier,
)

#: Relative risk of entering the service, by ethnic group (White = 1).
_ENTRY_RR = {"White": 1.0, "Mixed": 2.2, "Asian": 1.0, "Black": 3.0, "Other": 1.6}

#: Age at first proven offence, weights for ages 10..17.
_FIRST_AGE_W = np.array([0.5, 1.2, 3.0, 6.0, 11.0, 16.0, 19.0, 18.0])
#: Entrants (first outcome of any kind) per first time entrant.
_ENTRANTS_PER_FTE = 2.5
#: Probability that an entrant is a boy.
_P_MALE_ENTRANT = 0.85

#: Offending rate (a year) = L0 exp(L1 z + 0.15 male) Gamma(L2, 1/L2), and the
#: probability of offending again after each offence = expit(C0 + C1 z + ...).
_LAMBDA = (1.25, 0.35, 2.0)
_CONT = (0.15, 0.55)

# ---------------------------------------------------------------------------
# Children who enter the service
# ---------------------------------------------------------------------------


def _entrant_attributes(
    rng: np.random.Generator, n: int, male: np.ndarray | float
) -> dict[str, np.ndarray]:
    """Risk and characteristics of children known to the service.

    ``male`` is either the sex of each child or the probability of a boy.
    """
    z = rng.standard_normal(n)
    if np.ndim(male) == 0:
        male = rng.random(n) < male
    care_u = rng.random(n)
    p_lac = _expit(-1.85 + 0.7 * z)
    care = np.where(care_u < p_lac, 1, np.where(care_u < p_lac + 0.03, 2, 0))
    care = np.where(rng.random(n) < 0.01, 3, care)  # Unknown
    s = 0.45 * z + rng.standard_normal(n) + 0.25 * male
    send = np.digitize(s, [0.42, 1.05])  # 0 none, 1 SEN Support, 2 EHCP
    send = np.where(rng.random(n) < 0.015, 3, send)  # Unknown
    fsm = rng.random(n) < _expit(-0.3 + 0.5 * z)
    return {"z": z, "male": male, "care": care, "send": send, "fsm": fsm}




# ---------------------------------------------------------------------------
# Careers: offences and outcomes
def _offending(
    c: _Career, ap: dict[str, np.ndarray], rng: np.random.Generator, data_end: int
) -> dict[str, np.ndarray]:
    """Simulate careers event by event (vectorised over children)."""
    n = len(c.child)
    male = c.male.astype(float)
    lam = _LAMBDA[0] * np.exp(_LAMBDA[1] * c.z + 0.15 * male) * rng.gamma(
        _LAMBDA[2], 1 / _LAMBDA[2], n
    )  # offences a year
    cont = _expit(_CONT[0] + _CONT[1] * c.z + 0.35 * male + 0.35 * (c.care == 1)
                  + ap["reoff"][c.auth])
    u = 0.35 * c.z + 0.35 * rng.standard_normal(n)
    court_shift = np.array([_COURT_SHIFT[e] for e in _ETHNIC])[c.eth]
    # the authority's custody practice enters the custody log-odds (x2: probit -> logit scale)
    cust_offset = np.array([_CUSTODY_LOG_ODDS[e] for e in _ETHNIC])[c.eth] + 2 * ap["cust"][c.auth]
    grav_up = np.array([_GRAVITY_UP[e] for e in _ETHNIC])[c.eth]
    age18 = c.birth + 18 * _YEAR

    active = np.ones(n, dtype=bool)
    last = c.t0.astype(float).copy()
    free = c.t0.astype(float).copy()
    n_formal = np.zeros(n, dtype=np.int64)
    n_court = np.zeros(n, dtype=np.int64)
    out: dict[str, list[np.ndarray]] = {}

    def keep(**arrays):
        for k, v in arrays.items():
            out.setdefault(k, []).append(v)

    for j in range(MAX_EVENTS):
        if j == 0:
            date = c.t0.astype(float)
        else:
            active &= rng.random(n) < cont
            gap = 7 + rng.exponential(1.0, n) / lam * _YEAR
            date = np.maximum(last + gap, free + rng.uniform(7, 60, n))
        active &= (date < age18) & (date <= data_end)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        m = idx.size
        d = date[idx]
        age = (d - c.birth[idx]) / _YEAR
        sex_p = np.where(c.male[idx, None], _GROUP_P_MALE[None, :], _GROUP_P_FEMALE[None, :])
        group = _choice(rng, sex_p)
        grav = _gravity(rng, group)
        # repeat offences are a little more serious, within the group's range; the
        # planted confounder: offences of some groups are more often one point graver
        up = (rng.random(m) < 0.05 * min(j, 4)) | (rng.random(m) < grav_up[idx])
        grav = np.minimum(_GRAVITY_MAX[group], grav + up)
        tier = _tier(rng, j, n_formal[idx], n_court[idx], grav, age, u[idx],
                     court_shift[idx], cust_offset[idx],
                     c.force_formal[idx] if j == 0 else None)
        outcome = _outcome_codes(rng, tier, grav, n_court[idx] > 0)
        lag = np.empty(m)
        for name in ("Community resolution", "Outcome 22", "Youth caution",
                     "Youth conditional caution"):
            sel = outcome == name
            lag[sel] = _lognormal_days(rng, _OUTCOME_LAG[name], sel.sum())
        sel = tier >= 3
        lag[sel] = _lognormal_days(rng, _OUTCOME_LAG["court"], sel.sum())
        lag = np.minimum(lag, 300)
        odate = d + lag
        custody = tier == 5
        months = np.where(
            outcome == "Section 250 detention",
            rng.choice([24, 30, 36, 48, 60], m),
            rng.choice([4, 6, 8, 10, 12, 18, 24], m, p=[0.25, 0.2, 0.15, 0.1, 0.15, 0.1, 0.05]),
        )
        order_days = months * _YEAR / 12
        release = np.where(custody, odate + order_days / 2, np.nan)
        keep(
            cidx=idx, j=np.full(m, j), offence=d, outcome_day=odate, group=group, grav=grav,
            outcome=outcome, tier=tier, order_days=np.where(custody, order_days, np.nan),
            release=release, age=age,
        )
        last[idx] = d
        free[idx] = np.where(custody, release, np.maximum(free[idx], d))
        n_formal[idx] += tier >= 1
        n_court[idx] += tier >= 3
    return {k: np.concatenate(v) for k, v in out.items()}


def _career_entrants(
    ap, pop, sim_years, rng, people: _People, y0: int, y1: int, girls_taken: np.ndarray
) -> _Career:
    """Children whose first proven offence (any outcome) falls in each year.

    ``girls_taken`` (authority x entry year) counts girls whose career the
    Community Youth Connectors simulation has already started (each with a
    formal outcome); twice as many regular girls are removed here, so that
    the project changes who offends, not how many first time entrants there
    are.
    """
    n_auth = len(ap["pop"])
    fys = _entrant_years(y0, y1)
    yi = np.searchsorted(sim_years, fys)
    total = pop[:, yi].sum(axis=(2, 3, 4))  # (A, fy)
    rate = ap["fte"][:, None] * (1 + ap["trend"][:, None]) ** (fys[None, :] - 2021)
    expected = rate * total / 1e5 * _ENTRANTS_PER_FTE
    boys = rng.poisson(expected * _P_MALE_ENTRANT)
    # each project girl with a formal outcome replaces two regular girls
    # (about the number of entrants per formal entrant among girls)
    girls = np.maximum(rng.poisson(expected * (1 - _P_MALE_ENTRANT)) - 2 * girls_taken, 0)
    counts = np.stack([boys, girls], axis=-1)  # (A, fy, sex)
    auth = np.repeat(np.repeat(np.arange(n_auth), 2 * len(fys)), counts.ravel())
    fy_i = np.repeat(np.tile(np.repeat(np.arange(len(fys)), 2), n_auth), counts.ravel())
    male = np.repeat(np.tile([True, False], n_auth * len(fys)), counts.ravel())
    n = len(auth)
    t0 = np.array([_day(f"{y}-04-01") for y in fys])[fy_i] + rng.integers(0, 365, n)
    age = 10 + _choice(rng, _FIRST_AGE_W, n) + rng.random(n)
    birth = t0 - age * _YEAR
    att = _entrant_attributes(rng, n, male)
    rr = np.array([_ENTRY_RR[e] for e in _ETHNIC])
    shares = _pop_shares(pop, auth, yi[fy_i])
    eth = _ethnicity_draw(rng, shares, rr)
    idx = people.add(
        auth=auth, birth=birth, male=att["male"], eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.02), care=att["care"], send=att["send"],
        fsm=att["fsm"], z=att["z"],
    )
    return _Career(idx, auth, birth, t0.astype(float), att["male"], eth, att["z"], att["care"],
                   np.zeros(n, dtype=bool))
