"""Stage 3: offences and their outcomes (offence groups, gravity, the outcome
model, further offences dealt with at the same outcome, breaches)."""

from __future__ import annotations

import numpy as np

from cohort.synthetic._base import _YEAR, _Career, _choice, _expit, _lognormal_days

#: Latent shift of the court threshold (larger = more often to court).
_COURT_SHIFT = {"White": 0.0, "Mixed": 0.15, "Asian": 0.05, "Black": 0.25, "Other": 0.1}
#: Custody at a court outcome: conditional odds ratio by ethnic group (White = 1), given
#: gravity, earlier formal outcomes, age and authority (the planted direct effect).
_CUSTODY_ODDS_RATIO = {"White": 1.0, "Mixed": 1.4, "Asian": 1.0, "Black": 1.8, "Other": 1.2}
_CUSTODY_LOG_ODDS = {k: float(np.log(v)) for k, v in _CUSTODY_ODDS_RATIO.items()}
#: The planted confounder: probability that an offence is one gravity point more
#: serious (within its group's range), by ethnic group. Gravity raises both the
#: chance of court and of custody, so it carries part of the unadjusted disparity.
_GRAVITY_UP = {"White": 0.0, "Mixed": 0.4, "Asian": 0.35, "Black": 0.7, "Other": 0.25}
#: Custody log-odds at a court outcome: intercept (gravity 3, no earlier formal
#: outcome, age 15), per gravity point, per earlier formal outcome, per year of age.
_CUSTODY_LOGIT = (-5.0, 0.55, 0.40, 0.19)

_OFFENCE_GROUPS = (
    "Violence against the person",
    "Robbery",
    "Drugs",
    "Theft and handling stolen goods",
    "Burglary",
    "Criminal damage",
    "Public order",
    "Possession of weapons",
    "Sexual offences",
    "Motoring offences",
    "Fraud and forgery",
    "Other",
)
_BREACH_GROUP = "Breach of statutory order"
_GROUP_P_MALE = np.array([0.27, 0.05, 0.13, 0.10, 0.04, 0.08, 0.08, 0.07, 0.02, 0.09, 0.01, 0.06])
_GROUP_P_FEMALE = np.array(
    [0.42, 0.02, 0.05, 0.17, 0.02, 0.10, 0.12, 0.03, 0.005, 0.02, 0.015, 0.05]
)
#: Gravity score distribution (scores 1..8) of each offence group.
_GRAVITY_P = np.array(
    [
        [0, 0.05, 0.35, 0.25, 0.20, 0.10, 0.04, 0.01],  # violence
        [0, 0, 0, 0, 0.20, 0.55, 0.20, 0.05],  # robbery
        [0, 0.15, 0.45, 0.10, 0.05, 0.20, 0.05, 0],  # drugs
        [0, 0.25, 0.45, 0.25, 0.05, 0, 0, 0],  # theft
        [0, 0, 0.10, 0.30, 0.35, 0.25, 0, 0],  # burglary
        [0, 0.20, 0.50, 0.25, 0.05, 0, 0, 0],  # criminal damage
        [0, 0.15, 0.45, 0.30, 0.10, 0, 0, 0],  # public order
        [0, 0, 0.10, 0.30, 0.45, 0.15, 0, 0],  # weapons
        [0, 0, 0.05, 0.15, 0.25, 0.25, 0.20, 0.10],  # sexual
        [0.05, 0.35, 0.35, 0.20, 0.05, 0, 0, 0],  # motoring
        [0, 0.20, 0.40, 0.30, 0.10, 0, 0, 0],  # fraud
        [0.05, 0.30, 0.35, 0.20, 0.10, 0, 0, 0],  # other
    ]
)
_GRAVITY_MIN = np.array([np.flatnonzero(r > 0).min() + 1 for r in _GRAVITY_P])
_GRAVITY_MAX = np.array([np.flatnonzero(r > 0).max() + 1 for r in _GRAVITY_P])


# Outcome model: tiers 0 diversion, 1 youth caution, 2 YCC, 3 first-tier
# court, 4 YRO (ordinal probit), then custody (tier 5) at a court outcome by a
# logistic decision. Latent score L = b_j min(j, 4) + b_f min(formal, 3)
# + b_c prior_court - b_d [no formal yet] + b_g (gravity - 3) + b_a (age - 15)
# + u_i + N(0, 1); tier boundaries below (the court boundaries move by
# ethnicity). Custody: logit P = c0 + c_g (gravity - 3) + c_f formal
# + c_a (age - 15) + log OR(ethnicity) + 2 x authority shift.
_TIER_CUTS = np.array([0.6, 0.95, 1.15, 2.3])
_B_J, _B_FORMAL, _B_COURT, _B_GRAV, _B_AGE = 0.08, 0.30, 0.30, 0.45, 0.10

#: Diversion first: latent shift while the child has no formal outcome yet.
_B_DIVERT = 0.75
#: Mean number of further offences dealt with at the same outcome, by tier
#: (diversion, caution, conditional caution, court).
_EXTRA_OFFENCES = np.array([0.2, 0.35, 0.5, 0.9])

_OUTCOME_LAG = {  # (minimum days, median of the lognormal part, sigma)
    "Community resolution": (5, 16, 0.6),
    "Outcome 22": (7, 20, 0.6),
    "Youth caution": (14, 26, 0.5),
    "Youth conditional caution": (21, 30, 0.5),
    "court": (45, 70, 0.5),
}

def _tier(rng, j: int, n_formal, n_court, grav, age, u, court_shift, custody_offset,
          force_formal=None) -> np.ndarray:
    """Outcome tier of each offence: ordinal tiers 0-4, then custody (5) at court.

    ``force_formal`` (first offence only) lifts a diverted offence to a
    caution (Community Youth Connectors girls enter with a formal outcome).
    """
    m = len(grav)
    latent = (
        _B_J * min(j, 4)
        + _B_FORMAL * np.minimum(n_formal, 3)
        + _B_COURT * (n_court > 0)
        - _B_DIVERT * (n_formal == 0)
        + _B_GRAV * (grav - 3)
        + _B_AGE * (age - 15)
        + u
        + rng.standard_normal(m)
    )
    cuts = np.broadcast_to(_TIER_CUTS, (m, 4)).copy()
    cuts[:, 2:] -= court_shift[:, None]
    tier = (latent[:, None] > cuts).sum(axis=1)
    if force_formal is not None:
        tier = np.where(force_formal & (tier == 0), 1 + (rng.random(m) < 0.3), tier)
    c0, cg, cf, ca = _CUSTODY_LOGIT
    eta = c0 + cg * (grav - 3) + cf * n_formal + ca * (age - 15) + custody_offset
    custody = (tier >= 3) & (rng.random(m) < _expit(eta))
    return np.where(custody, 5, tier)


def _gravity(rng, group: np.ndarray) -> np.ndarray:
    return 1 + _choice(rng, _GRAVITY_P[group])


def _outcome_codes(rng, tier, grav, prior_court) -> np.ndarray:
    m = len(tier)
    out = np.empty(m, dtype=object)
    r = rng.random(m)
    out[tier == 0] = np.where(r[tier == 0] < 0.62, "Community resolution", "Outcome 22")
    out[tier == 1] = "Youth caution"
    out[tier == 2] = "Youth conditional caution"
    t3 = tier == 3
    first = np.array(
        ["Referral order", "Absolute or conditional discharge", "Fine", "Other court outcome"],
        dtype=object,
    )
    p_first = np.where(
        prior_court[t3, None], [[0.35, 0.15, 0.25, 0.25]], [[0.80, 0.07, 0.05, 0.08]]
    )
    out[t3] = first[_choice(rng, p_first)]
    out[tier == 4] = "Youth rehabilitation order"
    t5 = tier == 5
    s250 = (grav[t5] >= 7) & (r[t5] < 0.6)
    out[t5] = np.where(s250, "Section 250 detention", "Detention and training order")
    return out


def _offence_rows(ev: dict[str, np.ndarray], career: _Career, rng, data_end: int):
    """Main offences, offences dealt with alongside them, and breaches."""
    keep = ev["outcome_day"] <= data_end
    ev = {k: v[keep] for k, v in ev.items()}
    m = len(ev["cidx"])
    tier, outcome = ev["tier"], ev["outcome"]
    # order lengths of community orders (custody lengths come from the career)
    ro = outcome == "Referral order"
    yro = outcome == "Youth rehabilitation order"
    months = np.where(
        ro, rng.choice([3, 4, 6, 9, 12], m, p=[0.25, 0.2, 0.3, 0.15, 0.1]),
        rng.choice([6, 9, 12, 18, 24], m, p=[0.25, 0.2, 0.3, 0.15, 0.1]),
    )
    ev["order_days"] = np.where(ro | yro, months * _YEAR / 12, ev["order_days"])
    # offences dealt with at the same outcome
    n_extra = np.minimum(rng.poisson(_EXTRA_OFFENCES[np.minimum(tier, 3)]), 4)
    src = np.repeat(np.arange(m), n_extra)
    k = src.size
    cidx = ev["cidx"][src]
    child_male = career.male[cidx]
    e_group = _choice(rng, np.where(child_male[:, None], _GROUP_P_MALE, _GROUP_P_FEMALE))
    # never graver than the main offence (whose gravity decided the outcome): a group
    # whose least serious offence is graver than the main offence becomes the main group
    e_group = np.where(_GRAVITY_MIN[e_group] > ev["grav"][src], ev["group"][src], e_group)
    e_grav = np.minimum(_gravity(rng, e_group), ev["grav"][src])
    min_day = career.birth[cidx] + 10 * _YEAR + 1
    e_day = np.maximum(ev["offence"][src] - rng.uniform(0, 45, k), min_day)
    e_day = np.minimum(e_day, ev["offence"][src])
    # breaches of court orders, during the order
    p_breach = np.select(
        [ro, yro, outcome == "Detention and training order"], [0.05, 0.15, 0.10], 0.0
    )
    breached = rng.random(m) < p_breach
    b = np.flatnonzero(breached)
    b_day = ev["outcome_day"][b] + rng.uniform(0.15, 0.8, b.size) * ev["order_days"][b]
    b_out_day = b_day + _lognormal_days(rng, (20, 30, 0.5), b.size)
    b_outcome = np.array(
        ["Fine", "Other court outcome", "Youth rehabilitation order",
         "Detention and training order"], dtype=object
    )[_choice(rng, [0.25, 0.40, 0.30, 0.05], b.size)]
    ok = (b_day < career.birth[ev["cidx"][b]] + 18 * _YEAR) & (b_out_day <= data_end)
    b, b_day, b_out_day, b_outcome = b[ok], b_day[ok], b_out_day[ok], b_outcome[ok]
    breached = np.zeros(m, dtype=bool)
    breached[b] = True
    ev["breached"] = breached
    b_release = np.where(b_outcome == "Detention and training order", b_out_day + 61, np.nan)
    groups = np.asarray(_OFFENCE_GROUPS + (_BREACH_GROUP,), dtype=object)
    rows = {
        "cidx": np.concatenate([ev["cidx"], cidx, ev["cidx"][b]]),
        "offence": np.concatenate([ev["offence"], e_day, b_day]),
        "outcome_day": np.concatenate([ev["outcome_day"], ev["outcome_day"][src], b_out_day]),
        "outcome": np.concatenate([outcome, outcome[src], b_outcome]),
        "group": groups[np.concatenate([ev["group"], e_group, np.full(b.size, 12)])],
        "grav": np.concatenate([ev["grav"], e_grav, 3 + (rng.random(b.size) < 0.5)]),
        "is_breach": np.concatenate([np.zeros(m + k, dtype=bool), np.ones(b.size, dtype=bool)]),
        "release": np.concatenate([ev["release"], ev["release"][src], b_release]),
    }
    # order rows by authority, child and date; remember where the main rows went
    order = np.lexsort((rows["offence"], career.child[rows["cidx"]], career.auth[rows["cidx"]]))
    rows = {k2: v[order] for k2, v in rows.items()}
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    ev["offence_pos"] = position[:m]
    return rows, ev
