"""The planted facts of the synthetic data, recorded in ``metadata["planted_effects"]``.

Two kinds of truth are recorded for the ethnic disproportionality:

* **Model parameters**, which say how the data are made: the relative risk
  of entering the service, the latent shift of the court boundary of the
  outcome model, the conditional odds ratio of custody at a court outcome
  (given gravity, earlier formal outcomes, age and authority: the
  coefficients of the logistic custody decision) and the planted
  confounder (the probability that an offence is one gravity point more
  serious).
* **Stage relative rates** (:data:`STAGE_RELATIVE_RATES`), which are what
  :func:`cohort.disproportionality` estimates: the marginal rate ratio of
  each decision point against White children, children counted once per
  stage, computed on a large independent draw from the same generator (24
  draws of the five default authorities at scale 10, pooled) by the
  independent implementation in ``tests/reference/stage_counts.py``
  (regenerate with ``tests/reference/planted_stage_rates.py``). They are
  not the threshold shifts: a shift of the court boundary, more serious
  offences and who reaches court all feed into them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cohort.synthetic._base import _AGES
from cohort.synthetic.careers import _ENTRY_RR, _FIRST_AGE_W, _P_MALE_ENTRANT
from cohort.synthetic.outcomes import (
    _COURT_SHIFT,
    _CUSTODY_LOGIT,
    _CUSTODY_ODDS_RATIO,
    _GRAVITY_UP,
)
from cohort.synthetic.programmes import (
    _CYC_ATTENDANCE_EFFECT,
    _CYC_HAZARD_RATIO,
    _CYC_PER_YEAR,
    _CYC_POOL_RATIO,
)

#: Where the stage relative rates apply: the estimand of
#: ``cohort.disproportionality(data, by=(), period=("2022/23", "2024/25"))``
#: on ``generate(authorities=5, ...)`` at any scale and seed.
STAGE_SCOPE: dict[str, Any] = {
    "authorities": "the five default authorities (X01-X05) together",
    "period": ["2022/23", "2024/25"],
    "population_mid_year": 2024,
    "denominator": "stage",
    "reference": "White",
    "counting": "children, once per stage over the period; recorded ethnicity",
}

#: Marginal stage relative rates against White children (see the module docstring),
#: printed by ``tests/reference/planted_stage_rates.py``: 24 draws (seeds
#: 900000-900023) of the five default authorities at scale 10, pooled; Monte
#: Carlo standard errors of the log rates 0.005-0.013 at the first three stages,
#: 0.010-0.022 for remand and 0.021-0.044 for custody.
STAGE_RELATIVE_RATES: dict[str, dict[str, float]] = {
    "offence": {"Mixed": 1.943, "Asian": 0.860, "Black": 2.697, "Other": 1.457},
    "first_time_entrant": {"Mixed": 1.101, "Asian": 1.115, "Black": 1.203, "Other": 1.064},
    "court": {"Mixed": 1.252, "Asian": 1.135, "Black": 1.431, "Other": 1.153},
    "remand": {"Mixed": 1.058, "Asian": 1.013, "Black": 1.125, "Other": 1.025},
    "custody": {"Mixed": 1.352, "Asian": 1.058, "Black": 1.782, "Other": 1.175},
}


def planted_effects(cyc_auth: list[int], codes: np.ndarray) -> dict[str, Any]:
    """The dictionary stored as ``metadata["planted_effects"]``."""
    c0, cg, cf, ca = _CUSTODY_LOGIT
    return {
        "cyc_programme": "Community Youth Connectors",
        "cyc_authorities": [str(codes[a]) for a in cyc_auth],
        "cyc_first_formal_hazard_ratio": _CYC_HAZARD_RATIO,
        "cyc_effect_window_months": 12,
        "cyc_attendance_change_pp": round(100 * _CYC_ATTENDANCE_EFFECT, 1),
        "cyc_participants_per_year": _CYC_PER_YEAR,
        "cyc_pool_per_participant": _CYC_POOL_RATIO,
        "cyc_selection": (
            "observed only: lower baseline attendance, SEN Support/EHCP, free school meals, "
            "looked after, older age"
        ),
        "ethnicity": {
            "reference": "White",
            "entry_relative_risk": dict(_ENTRY_RR),
            "court_threshold_shift": dict(_COURT_SHIFT),
            "custody_conditional_odds_ratio": dict(_CUSTODY_ODDS_RATIO),
            "custody_model": {
                "unit": "court sentencing occasion",
                "log_odds": {
                    "intercept (gravity 3, no earlier formal outcome, age 15)": c0,
                    "gravity_score (per point)": cg,
                    "prior_outcomes (per earlier formal outcome)": cf,
                    "age (per year)": ca,
                },
                "authority": "authority-specific shift of the log-odds",
            },
            "confounder": {
                "variable": "gravity_score",
                "one_point_graver_probability": dict(_GRAVITY_UP),
                "note": "gravity raises the chance of court and of custody, so part of the "
                        "unadjusted custody disparity is explained by gravity",
            },
            "stage_relative_rates": {k: dict(v) for k, v in STAGE_RELATIVE_RATES.items()},
            "stage_scope": dict(STAGE_SCOPE),
        },
        "boys_share_of_entrants": _P_MALE_ENTRANT,
        "first_offence_age_weights": dict(zip(_AGES.tolist(), _FIRST_AGE_W.tolist(), strict=True)),
    }
