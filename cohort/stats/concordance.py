"""Harrell's concordance index (C statistic) with its standard error, as R computes it.

statsmodels has no concordance index; this module counts the comparable
pairs directly (vectorised over chunks of events) and takes the standard
error from the infinitesimal jackknife, as R ``survival::concordance`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort.stats._common import ArrayLike, _prepare

__all__ = ["concordance_index"]


def concordance_index(
    durations: ArrayLike,
    risk: ArrayLike,
    events: ArrayLike,
    groups: ArrayLike | None = None,
    chunk_size: int = 2048,
    entry: ArrayLike | None = None,
) -> pd.DataFrame:
    """Harrell's concordance index (C statistic) for a risk score, with its standard error.

    Parameters
    ----------
    durations : array or Series
        Observed times.
    risk : array or Series
        Risk score: **higher means an earlier event** (e.g. a Cox linear
        predictor or a reoffending risk score).
    events : array or Series
        1 for an observed event, 0 for censored.
    groups : array or Series, optional
        Strata: only pairs within the same stratum are compared.
    chunk_size : int, default 2048
        Events compared at once; bounds memory at ``chunk_size * n`` booleans.
    entry : array or Series, optional
        Delayed entry: each row is at risk over ``(entry, duration]`` (R's
        ``Surv(start, stop, event)``). An event is then compared only with
        the rows at risk at its time.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``concordance``: :math:`(C + T/2)/P`.
        - ``std_error``: its standard error (infinitesimal jackknife, as R
          ``concordance()``; ``NaN`` when no pair is comparable).
        - ``comparable``: :math:`P`, the number of comparable pairs.
        - ``concordant``: :math:`C`, pairs where the earlier event has the
          higher risk.
        - ``discordant``: pairs where it has the lower risk.
        - ``tied_risk``: :math:`T`, comparable pairs with equal risk.

    Notes
    -----
    A pair is comparable when the shorter time is an event; a subject
    censored at the same time as another's event counts as surviving longer,
    and pairs of events at the same time are not comparable (Harrell et al.
    1996; R ``survival::concordance``). With ``entry`` the longer-lived
    member must also be at risk at the event time. ``NaN`` if no pair is
    comparable. Vectorised over chunks of events: time
    :math:`O(n_{events} \\times n)`.

    *Standard error.* With Somers' :math:`d = (C - D)/P` and, for each row
    :math:`i`, :math:`C_i`, :math:`D_i` and :math:`T_i` its comparable pairs
    that are concordant, discordant and tied on risk, the infinitesimal
    jackknife influence is :math:`(C_i - D_i)/P - d\\,(C_i + D_i + T_i)/P`;
    :math:`\\mathrm{Var}(d)` is the sum of their squares and
    :math:`SE(C) = \\sqrt{\\mathrm{Var}(d)}/2` (Therneau & Atkinson, the R
    ``survival`` vignette "The concordance statistic"; R
    ``survival:::concordancefit``).

    Validated against a brute-force double loop over all pairs and against
    R ``concordance(Surv(time, status) ~ x, reverse = TRUE)`` (survival
    3.5-3) on the veterans' lung cancer data, with and without strata, and
    with counting-process data (Stanford heart transplants): counts equal,
    concordance and standard error to 1e-9.

    References
    ----------
    Harrell, F. E., Lee, K. L. & Mark, D. B. (1996). Multivariable
    prognostic models. *Statistics in Medicine*, 15(4), 361-387.

    Therneau, T. & Atkinson, E. (2023). *The concordance statistic*.
    Vignette of the R package ``survival``, version 3.5.

    Examples
    --------
    >>> from cohort.stats import concordance_index
    >>> concordance_index([1, 2, 3, 4], [4, 3, 1, 2], [1, 1, 1, 0]).round(4)
       concordance  std_error  comparable  concordant  discordant  tied_risk
    0       0.8333     0.1667           6           5           1          0
    """
    given = {"durations": durations, "risk": risk, "events": events}
    if entry is not None:
        given["entry"] = entry
    arrays, _ = _prepare(**given)
    t, r, e = arrays["durations"], arrays["risk"], arrays["events"]
    if not (np.isfinite(t).all() and np.isfinite(r).all() and np.isin(e, (0.0, 1.0)).all()):
        raise ValueError("durations and risk must be finite and events 0 or 1")
    start = arrays["entry"] if entry is not None else np.full(t.shape, -np.inf)
    if entry is not None and not (np.isfinite(start).all() and (start < t).all()):
        raise ValueError("entry must be finite and earlier than duration in every row")
    if groups is None:
        codes = np.zeros(t.size, dtype=np.int64)
    else:
        codes = pd.factorize(pd.Series(np.asarray(groups, dtype=object)))[0]
        if codes.size != t.size:
            raise ValueError(f"groups has {codes.size} values for {t.size} durations")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}")
    event_idx = np.flatnonzero(e == 1)
    # per-row counts of comparable pairs by kind: the row as the earlier event
    # (rows of the chunk) plus the row as the longer-lived member (columns)
    per_row = np.zeros((3, t.size))
    for first in range(0, event_idx.size, chunk_size):
        i = event_idx[first : first + chunk_size]
        ti, ri, gi = t[i, None], r[i, None], codes[i, None]
        comparable = ((t > ti) | ((t == ti) & (e == 0))) & (codes == gi) & (start < ti)
        for k, kind in enumerate((ri > r, ri < r, ri == r)):
            pairs = comparable & kind
            per_row[k, i] += pairs.sum(axis=1)
            per_row[k] += pairs.sum(axis=0)
    concordant, discordant, tied = (int(round(per_row[k].sum() / 2)) for k in range(3))
    pairs = concordant + discordant + tied
    if pairs:
        c_index = (concordant + 0.5 * tied) / pairs
        somers = (concordant - discordant) / pairs
        influence = (per_row[0] - per_row[1]) / pairs - somers * per_row.sum(axis=0) / pairs
        std_error = float(np.sqrt(np.sum(influence**2)) / 2)
    else:
        c_index = std_error = np.nan
    return pd.DataFrame(
        {
            "concordance": [c_index],
            "std_error": [std_error],
            "comparable": [pairs],
            "concordant": [concordant],
            "discordant": [discordant],
            "tied_risk": [tied],
        }
    )
