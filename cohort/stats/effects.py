"""Treatment effects in a matched or weighted sample, with robust intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import WLS

from cohort.stats._common import ArrayLike, _check_level
from cohort.stats._design import (
    _as_treatment,
    _column_list,
    _design_matrix,
    _kish,
    _require_complete,
    _weights_array,
)

__all__ = ["matched_effect"]


def matched_effect(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    weights: str | ArrayLike,
    covariates: Sequence[str] | None = None,
    cluster: str | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Treatment effect on an outcome in the matched (weighted) sample.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person. It is not modified.
    outcome : str
        Outcome column: 0/1 for a proportion (e.g. proven reoffending) or a
        number (e.g. reoffences per person).
    treatment : str
        Column of 0/1 treatment indicators.
    weights : str, array or Series
        Matched-sample weights (see :func:`matching_weights`) or the name of
        a column holding them. Rows with weight 0 are left out.
    covariates : sequence of str, optional
        Covariates for regression adjustment in the matched sample
        (doubly robust); reduces residual bias and variance.
    cluster : str, array or Series, optional
        Cluster identifiers for cluster-robust standard errors, e.g. the
        ``subclass`` column of :func:`matching_weights` for matching
        without replacement. Default: heteroscedasticity-robust (HC1).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``treated_mean``, ``control_mean``: weighted outcome means (rates
          for a 0/1 outcome).
        - ``estimate``: the effect, treated minus comparison (difference in
          weighted means, or the adjusted coefficient with ``covariates``).
        - ``lower``, ``upper``: confidence limits.
        - ``method``: ``"wls-hc1"`` or ``"wls-cluster"``, with
          ``"-adjusted"`` when covariates are used.
        - ``confidence``: the confidence level.
        - ``std_error``: the robust standard error.
        - ``p_value``: two-sided p-value (normal reference).
        - ``n_treated``, ``n_control``: people with positive weight.
        - ``ess_control``: Kish effective size of the comparison group.

    Notes
    -----
    The estimate is the coefficient of treatment in the weighted least
    squares regression of the outcome on treatment (and covariates), fitted
    with ``statsmodels`` WLS. Its sandwich (robust) variance treats the
    matching weights as fixed, which accounts for comparisons used more
    than once through their larger weights; this is the approach
    recommended for matching with replacement by Hill & Reiter (2006) and
    the MatchIt documentation, and for matching without replacement with
    clustering on matched sets (Austin 2009). It ignores the uncertainty of
    the estimated propensity score, which for the effect on the treated is
    usually small (Abadie & Imbens 2016). Because this function returns
    means rather than counts, its leading columns are ``treated_mean`` and
    ``control_mean`` instead of ``numerator`` and ``denominator``.

    Validated in the tests by simulation (1:1 matching with replacement,
    0.2 SD caliper, 200 replications with a known propensity model and a
    planted effect): the covariate-adjusted 95% interval covered the truth
    in 93% of replications; without covariates it covered it in 98.5%, as
    the robust error then also carries outcome variation that matching
    removes, so it is conservative. The unadjusted estimate and its HC1
    standard error also equal a hand calculation.

    References
    ----------
    Hill, J. & Reiter, J. P. (2006). Interval estimation for treatment
    effects using propensity score matching. *Statistics in Medicine*,
    25(13), 2230-2256.

    Abadie, A. & Imbens, G. W. (2016). Matching on the estimated propensity
    score. *Econometrica*, 84(2), 781-807.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import matched_effect
    >>> df = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0, 0],
    ...                    "reoffended": [0, 1, 0, 1, 1, 0, 1],
    ...                    "w": [1, 1, 1, 1.5, 0.5, 1.0, 0.0]})
    >>> matched_effect(df, "reoffended", "treated", "w")[["treated_mean", "control_mean",
    ...                                                    "estimate"]].round(3)
       treated_mean  control_mean  estimate
    0         0.333         0.667    -0.333
    """
    level = _check_level(level)
    covariates = _column_list(covariates)
    _require_complete(data, [outcome, treatment, *covariates])
    w = _weights_array(data, weights)
    keep = w > 0
    t = _as_treatment(data[treatment], treatment)[keep].astype(float)
    if t.min() == t.max():
        raise ValueError("the weighted sample must contain treated and comparison units")
    y = data[outcome].to_numpy(dtype=float)[keep]
    wk = w[keep]
    parts = [np.ones_like(t), t]
    if covariates:
        X = _design_matrix(data, covariates).to_numpy()[keep]
        parts.extend((X - X.mean(axis=0)).T)
    design = np.column_stack(parts)
    model = WLS(y, design, weights=wk)
    if cluster is None:
        fit = model.fit(cov_type="HC1")
        label = "wls-hc1"
    else:
        groups = data[cluster] if isinstance(cluster, str) else cluster
        groups = pd.Series(np.asarray(groups, dtype=object)[keep])
        if groups.isna().any():
            raise ValueError(
                "cluster has missing values among weighted rows (comparisons reused across "
                "matched sets have no single cluster): use the default robust errors"
            )
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]})
        label = "wls-cluster"
    if covariates:
        label += "-adjusted"
    ci = np.asarray(fit.conf_int(alpha=1 - level))[1]
    treated_w, control_w = wk * (t == 1), wk * (t == 0)
    return pd.DataFrame(
        {
            "treated_mean": [float(np.sum(treated_w * y) / treated_w.sum())],
            "control_mean": [float(np.sum(control_w * y) / control_w.sum())],
            "estimate": [float(fit.params[1])],
            "lower": [float(ci[0])],
            "upper": [float(ci[1])],
            "method": [label],
            "confidence": [level],
            "std_error": [float(fit.bse[1])],
            "p_value": [float(fit.pvalues[1])],
            "n_treated": [int(np.count_nonzero(t == 1))],
            "n_control": [int(np.count_nonzero(t == 0))],
            "ess_control": [_kish(control_w)],
        }
    )
