"""How fragile a result is: other matching choices, and the E-value for unmeasured confounding."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from cohort._validate import check_choice

__all__ = ["e_value"]

Measure = Literal["risk_ratio", "hazard_ratio", "odds_ratio"]

#: Alternative matching specifications run by the sensitivity analysis.
SENSITIVITY_SPECS: tuple[tuple[str, dict[str, object] | None], ...] = (
    ("caliper 0.1 SD", {"caliper": 0.1}),
    ("caliper 0.5 SD", {"caliper": 0.5}),
    ("1:1 nearest", {"k": 1}),
    ("1:3 nearest", {"k": 3}),
    ("1:5 nearest", {"k": 5}),
    ("without replacement", {"replace": False}),
    ("radius (caliper 0.2 SD)", {"method": "radius", "k": 1, "caliper": 0.2}),
    ("no matching (all eligible non-participants)", None),
)

#: Columns of the ``sensitivity_`` table.
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "specification", "outcome", "estimate", "lower", "upper", "method", "confidence", "p_value",
    "n_treated", "n_control", "ess_control", "numerator", "control_events", "max_abs_smd", "significant",
)


def _e(rr: np.ndarray) -> np.ndarray:
    rr = np.where(rr < 1, 1 / rr, rr)
    return rr + np.sqrt(rr * (rr - 1))


def e_value(
    estimate: float,
    lower: float | None = None,
    upper: float | None = None,
    *,
    measure: Measure = "risk_ratio",
    rare: bool = True,
) -> pd.DataFrame:
    """E-value: how strong an unmeasured confounder would have to be to explain a result away.

    Parameters
    ----------
    estimate : float
        The ratio (risk, hazard or odds ratio), participants over comparison.
    lower, upper : float, optional
        Its confidence limits.
    measure : {"risk_ratio", "hazard_ratio", "odds_ratio"}, default "risk_ratio"
        What the ratio is.
    rare : bool, default True
        Whether the outcome is rare (below about 15%) for hazard and odds
        ratios, which then approximate risk ratios directly; otherwise they
        are converted first (see Notes).

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``measure``, ``estimate``, ``lower``, ``upper``: as given.
        - ``risk_ratio``: the estimate on the risk-ratio scale used.
        - ``e_value``: the E-value of the estimate.
        - ``limit``: the confidence limit closer to 1 (``NaN`` if not given).
        - ``e_value_limit``: its E-value; 1 when the interval includes 1.

    Notes
    -----
    VanderWeele & Ding (2017): for a risk ratio :math:`RR \\ge 1`,
    :math:`E = RR + \\sqrt{RR(RR - 1)}`; a ratio below 1 is inverted first.
    The E-value is the minimum strength of association, on the risk-ratio
    scale, that an unmeasured confounder would need with both the
    programme and the outcome, beyond the measured covariates, to move the
    estimate (or the confidence limit) to 1. A rare outcome's hazard or odds
    ratio is used as a risk ratio; for a common outcome a hazard ratio
    becomes :math:`(1 - 0.5^{\\sqrt{HR}})/(1 - 0.5^{\\sqrt{1/HR}})` and an
    odds ratio :math:`\\sqrt{OR}` (their Table 2). Tested by hand against
    the paper's worked example: RR 3.9 (95% CI 1.8 to 8.7) gives E-values
    7.26 and 3.0.

    References
    ----------
    VanderWeele, T. J. & Ding, P. (2017). Sensitivity analysis in
    observational research: introducing the E-value. *Annals of Internal
    Medicine*, 167(4), 268-274.

    Examples
    --------
    >>> e_value(3.9, 1.8, 8.7)[["e_value", "limit", "e_value_limit"]].round(2)
       e_value  limit  e_value_limit
    0     7.26    1.8            3.0
    >>> e_value(0.5, 0.3, 0.83, measure="hazard_ratio")["e_value"].round(2).item()
    3.41
    """
    check_choice("measure", measure, ("risk_ratio", "hazard_ratio", "odds_ratio"))
    values = np.array([estimate, np.nan if lower is None else lower, np.nan if upper is None else upper],
                      dtype=float)
    finite = values[np.isfinite(values)]
    if (finite <= 0).any():
        raise ValueError(f"ratios must be positive; got {estimate!r}, {lower!r}, {upper!r}")
    if not rare and measure == "hazard_ratio":
        rr = (1 - 0.5 ** np.sqrt(values)) / (1 - 0.5 ** np.sqrt(1 / values))
    elif not rare and measure == "odds_ratio":
        rr = np.sqrt(values)
    else:
        rr = values
    est, lo, hi = rr
    if np.isfinite(lo) and np.isfinite(hi):
        limit = float(values[1] if est >= 1 else values[2])
        e_lim = 1.0 if lo <= 1 <= hi else float(_e(np.array([lo if est > 1 else hi]))[0])
    else:
        limit, e_lim = np.nan, np.nan
    return pd.DataFrame({
        "measure": [measure], "estimate": [float(values[0])], "lower": [float(values[1])],
        "upper": [float(values[2])], "risk_ratio": [float(est)],
        "e_value": [float(_e(np.array([est]))[0]) if np.isfinite(est) else np.nan],
        "limit": [limit], "e_value_limit": [e_lim],
    })
