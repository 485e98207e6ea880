"""Propensity scores, matching, balance diagnostics and matched effect estimates.

The workflow, each step a function returning a tidy DataFrame:

1. :func:`propensity_score`: logistic regression of treatment on covariates.
2. :func:`match`: nearest-neighbour (1:k, with or without replacement) or
   radius matching on the logit score within a caliper, optionally within
   exact-match strata; one row per matched pair.
3. :func:`matching_weights`: per-unit weights of the matched sample.
4. :func:`balance_table`: standardised mean differences, variance ratios
   and effective sample sizes, before and after matching.
5. :func:`matched_effect`: difference in weighted means (or proportions)
   with a robust confidence interval and p-value.

Matching sorts the scores once per stratum and uses ``np.searchsorted``;
there is no Python loop over units, so 1,000 treated against 200,000
candidates takes well under a second (see ``benchmarks/matching.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.discrete.discrete_model import Logit
from statsmodels.regression.linear_model import WLS

from cohort.stats._common import ArrayLike, _check_choice, _check_level
from cohort.stats._design import _column_list, _design_matrix, _require_complete

__all__ = [
    "balance_table",
    "match",
    "matched_effect",
    "matching_weights",
    "propensity_score",
]


# --------------------------------------------------------------------------- helpers


def _as_treatment(values: ArrayLike, name: str = "treatment") -> np.ndarray:
    arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    arr = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce").to_numpy(dtype=float)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError(f"{name} must be 0/1 or boolean without missing values")
    return arr.astype(np.int8)


def _weights_array(data: pd.DataFrame, weights: str | ArrayLike) -> np.ndarray:
    """Weights given as a column name or one value per row; finite and non-negative."""
    w = data[weights] if isinstance(weights, str) else weights
    w = np.asarray(w.to_numpy() if isinstance(w, pd.Series) else w, dtype=float)
    if w.shape != (len(data),) or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite, non-negative and one per row of data")
    return w


def _kish(weights: np.ndarray) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2."""
    total = weights.sum()
    return float(total**2 / (weights**2).sum()) if total > 0 else 0.0


def _index_of(*values: object, length: int) -> pd.Index:
    """The index shared by the pandas inputs (they must agree), else a RangeIndex."""
    indexes = [v.index for v in values if isinstance(v, (pd.Series, pd.DataFrame))]
    for other in indexes[1:]:
        if not other.equals(indexes[0]):
            raise ValueError("score, treatment and exact must share one index; align them first")
    return indexes[0] if indexes else pd.RangeIndex(length)


# --------------------------------------------------------------------------- propensity


def propensity_score(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
) -> pd.DataFrame:
    """Propensity scores from a logistic regression of treatment on covariates.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, treated and candidate comparisons together. It
        is not modified.
    treatment : str
        Column of treatment indicators (1/True for the treated).
    covariates : sequence of str
        Columns of the propensity model (main effects; add interactions or
        splines as columns). Non-numeric columns are expanded into
        indicators, the first sorted category being the reference.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``:

        - ``treatment``: 0/1.
        - ``propensity``: the fitted probability of treatment.
        - ``logit``: the fitted linear predictor :math:`\\log(e/(1 - e))`,
          the recommended matching scale (Rosenbaum & Rubin 1985).

    Notes
    -----
    Fitted by maximum likelihood with ``statsmodels`` (``Logit``, Newton's
    method). The logit is taken from the linear predictor, so it stays exact
    where the probability rounds to 0 or 1. Missing values raise an error.
    Convergence and perfect-separation warnings from statsmodels are passed
    on: they mean some covariate predicts treatment (almost) perfectly and
    those people cannot be matched.

    Validated in the tests by recovering the coefficients of a simulated
    logistic model and by agreement with ``statsmodels`` GLM.

    References
    ----------
    Rosenbaum, P. R. & Rubin, D. B. (1983). The central role of the
    propensity score in observational studies for causal effects.
    *Biometrika*, 70(1), 41-55.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import propensity_score
    >>> df = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0, 0, 0],
    ...                    "age": [15, 16, 14, 13, 16, 12, 14, 15]})
    >>> propensity_score(df, "treated", ["age"]).round(2).head(3)
       treatment  propensity  logit
    0          1        0.45  -0.20
    1          1        0.62   0.48
    2          1        0.29  -0.87
    """
    covariates = _column_list(covariates)
    _require_complete(data, [treatment, *covariates])
    t = _as_treatment(data[treatment], treatment)
    if t.min() == t.max():
        raise ValueError("the treatment column must contain both treated and untreated rows")
    covs = _design_matrix(data, covariates).to_numpy()
    X = np.column_stack([np.ones(len(covs)), covs])
    fit = Logit(t.astype(float), X).fit(method="newton", disp=False, maxiter=100)
    eta = X @ np.asarray(fit.params)
    return pd.DataFrame(
        {"treatment": t, "propensity": 1.0 / (1.0 + np.exp(-eta)), "logit": eta},
        index=data.index,
    )


# --------------------------------------------------------------------------- matching


def _nearest_with_replacement(
    t_score: np.ndarray, c_sorted: np.ndarray, k: int, width: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k nearest controls (positions in ``c_sorted``) for each treated score.

    The k nearest values of a sorted array lie within k positions either side
    of the insertion point, so 2k candidates per treated unit suffice.
    """
    n_c = c_sorted.size
    pos = np.searchsorted(c_sorted, t_score)
    cand = pos[:, None] + np.arange(-k, k)[None, :]
    inside = (cand >= 0) & (cand < n_c)
    dist = np.where(inside, np.abs(c_sorted[np.clip(cand, 0, n_c - 1)] - t_score[:, None]), np.inf)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(cand, order, axis=1)
    dist = np.take_along_axis(dist, order, axis=1)
    keep = dist <= width
    rows = np.broadcast_to(np.arange(t_score.size)[:, None], chosen.shape)
    return rows[keep], chosen[keep], dist[keep]


def _nearest_in(sorted_values: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of the nearest sorted value for each query, and its distance.

    Ties go to the lower position (the left neighbour, and the first of equal
    values), a strict order that the mutual-nearest rule below relies on.
    """
    m = sorted_values.size
    ins = np.searchsorted(sorted_values, query, side="left")
    left = np.clip(ins - 1, 0, m - 1)
    right = np.clip(ins, 0, m - 1)
    d_left = np.where(ins > 0, query - sorted_values[left], np.inf)
    d_right = np.where(ins < m, sorted_values[right] - query, np.inf)
    take_left = d_left <= d_right
    best = np.where(take_left, left, right)
    best = np.searchsorted(sorted_values, sorted_values[best], side="left")
    return best, np.where(take_left, d_left, d_right)


def _nearest_without_replacement(
    t_score: np.ndarray, c_sorted: np.ndarray, k: int, width: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy matching without replacement, closest pairs first, in k passes.

    Each pass is 1:1 greedy matching by distance: the closest remaining pair
    is matched, then the next closest, and so on. It is computed in rounds:
    every pair of a waiting treated unit and an available control that are
    each other's nearest neighbour is matched at once (such a pair is always
    the next closest pair for both, so the result equals the sequential
    greedy one). A treated unit whose nearest available control is outside
    the caliper gets no further matches, as later ones can only be farther.
    """
    t_order = np.argsort(t_score, kind="stable")
    t_sorted = t_score[t_order]
    available = np.ones(c_sorted.size, dtype=bool)
    eligible = np.ones(t_sorted.size, dtype=bool)
    rows, cols, dists = [], [], []
    for _ in range(k):
        waiting = eligible.copy()
        while waiting.any() and available.any():
            c_pos = np.flatnonzero(available)
            c_val = c_sorted[c_pos]
            t_pos = np.flatnonzero(waiting)
            t_val = t_sorted[t_pos]
            choice, dist = _nearest_in(c_val, t_val)
            far = dist > width
            if far.any():
                eligible[t_pos[far]] = False
                waiting[t_pos[far]] = False
                continue
            back, _ = _nearest_in(t_val, c_val[choice])
            mutual = back == np.arange(t_pos.size)
            rows.append(t_order[t_pos[mutual]])
            cols.append(c_pos[choice[mutual]])
            dists.append(dist[mutual])
            available[c_pos[choice[mutual]]] = False
            waiting[t_pos[mutual]] = False
        if not available.any():
            break
    if not rows:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dists)


def _radius(
    t_score: np.ndarray, c_sorted: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All controls within ``width`` of each treated score."""
    lo = np.searchsorted(c_sorted, t_score - width, side="left")
    hi = np.searchsorted(c_sorted, t_score + width, side="right")
    counts = hi - lo
    rows = np.repeat(np.arange(t_score.size), counts)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    cols = starts + np.arange(counts.sum())
    return rows, cols, np.abs(c_sorted[cols] - t_score[rows])


def match(
    score: ArrayLike,
    treatment: ArrayLike,
    method: Literal["nearest", "radius"] = "nearest",
    k: int = 1,
    replace: bool = True,
    caliper: float | None = 0.2,
    exact: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Match treated units to comparison units on a one-dimensional score.

    Parameters
    ----------
    score : array or Series
        Matching score, normally the ``logit`` column of
        :func:`propensity_score`.
    treatment : array or Series
        0/1 or boolean, aligned with ``score``.
    method : {"nearest", "radius"}, default "nearest"
        ``"nearest"``: the ``k`` nearest comparisons within the caliper.
        ``"radius"``: every comparison within the caliper (with replacement).
    k : int, default 1
        Comparisons per treated unit for nearest-neighbour matching.
    replace : bool, default True
        Whether a comparison may serve several treated units (the Justice
        Data Lab approach, METHODS.md section 6). Radius matching requires
        ``True``.
    caliper : float or None, default 0.2
        Maximum distance in standard deviations of the score, pooled over
        the two groups as :math:`\\sqrt{(s_t^2 + s_c^2)/2}` (Austin 2011; a
        group of one unit contributes no variance).
        ``None`` for no caliper (not allowed for radius matching).
    exact : Series or DataFrame, optional
        Variables to match exactly on (aligned with ``score``): matching
        happens within each combination of their values.

    Returns
    -------
    pandas.DataFrame
        One row per matched pair, ordered by treated unit then distance:

        - ``treated_id``: index label of the treated unit.
        - ``control_id``: index label of the comparison unit.
        - ``distance``: absolute score difference.
        - ``weight``: :math:`1/m_i`, with :math:`m_i` the number of
          comparisons matched to this treated unit.

        Treated units without a comparison within the caliper do not appear;
        :func:`matching_weights` reports them as unmatched.

    Notes
    -----
    Nearest neighbours with replacement use the fact that the :math:`k`
    nearest values in a sorted array lie within :math:`k` places of the
    insertion point (``np.searchsorted``). Without replacement the matching
    is greedy by distance (closest pairs first, as MatchIt's
    ``m.order = "closest"``), in :math:`k` passes of 1:1 matching, so the
    result does not depend on row order. Ties in distance go to the lower
    score. Radius matching takes every comparison within the caliper, each
    with weight :math:`1/m_i`; in a large pool that is many pairs (about
    0.9 million for 1,000 treated among 200,000 at 0.01 SD), so keep its
    caliper narrow.

    Validated in the tests against brute-force search over all pairs and,
    by simulation, by recovering a planted treatment effect with nominal
    interval coverage.

    References
    ----------
    Austin, P. C. (2011). Optimal caliper widths for propensity-score
    matching when estimating differences in means and differences in
    proportions in observational studies. *Pharmaceutical Statistics*,
    10(2), 150-161.

    Stuart, E. A. (2010). Matching methods for causal inference: a review
    and a look forward. *Statistical Science*, 25(1), 1-21.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import match
    >>> score = pd.Series([0.1, 0.5, 0.0, 0.45, 0.9, 0.2], index=list("abcdef"))
    >>> treated = pd.Series([1, 1, 0, 0, 0, 0], index=score.index)
    >>> match(score, treated, caliper=None)
      treated_id control_id  distance  weight
    0          a          c      0.10     1.0
    1          b          d      0.05     1.0
    """
    _check_choice("method", method, ("nearest", "radius"))
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    if method == "radius" and (caliper is None or not replace):
        raise ValueError("radius matching needs a caliper and replace=True")
    if caliper is not None and not caliper > 0:
        raise ValueError(f"caliper must be positive or None; got {caliper!r}")
    s = np.asarray(score.to_numpy() if isinstance(score, pd.Series) else score, dtype=float)
    t = _as_treatment(treatment)
    if s.ndim != 1 or s.shape != t.shape:
        raise ValueError(f"score and treatment must be 1-D of equal length ({s.shape}, {t.shape})")
    if not np.isfinite(s).all():
        raise ValueError("score must be finite (no missing values)")
    index = _index_of(score, treatment, exact, length=s.size)
    if not index.is_unique:
        raise ValueError("the index of score must be unique: it identifies the matched units")
    if exact is None:
        strata = np.zeros(s.size, dtype=np.int64)
    else:
        frame = exact.to_frame() if isinstance(exact, pd.Series) else pd.DataFrame(exact)
        if len(frame) != s.size:
            raise ValueError(f"exact has {len(frame)} rows for {s.size} scores")
        if frame.isna().any().any():
            raise ValueError("exact-match variables must not contain missing values")
        strata = frame.groupby(list(frame.columns), sort=True, dropna=False).ngroup().to_numpy()
    if caliper is None:
        width = np.inf
    else:
        variances = [np.var(s[t == g], ddof=1) for g in (0, 1) if np.count_nonzero(t == g) > 1]
        if not variances:
            raise ValueError("a caliper needs at least two units in one group to measure spread")
        width = caliper * float(np.sqrt(np.mean(variances)))

    treated_all = np.flatnonzero(t == 1)
    control_all = np.flatnonzero(t == 0)
    t_parts, c_parts, d_parts = [], [], []
    # one sort of the comparisons by (stratum, score); strata are then contiguous blocks
    c_order = control_all[np.lexsort((s[control_all], strata[control_all]))]
    c_strata = strata[c_order]
    for stratum in np.unique(strata[treated_all]):
        lo, hi = np.searchsorted(c_strata, [stratum, stratum + 1])
        if hi == lo:
            continue
        tr = treated_all[strata[treated_all] == stratum]
        block = c_order[lo:hi]
        c_sorted = s[block]
        if method == "radius":
            rows, cols, dist = _radius(s[tr], c_sorted, width)
        elif replace:
            rows, cols, dist = _nearest_with_replacement(s[tr], c_sorted, k, width)
        else:
            rows, cols, dist = _nearest_without_replacement(s[tr], c_sorted, k, width)
        t_parts.append(tr[rows])
        c_parts.append(block[cols])
        d_parts.append(dist)
    if t_parts:
        t_idx, c_idx, dist = (np.concatenate(p) for p in (t_parts, c_parts, d_parts))
    else:
        t_idx = c_idx = np.array([], dtype=np.int64)
        dist = np.array([], dtype=float)
    order = np.lexsort((dist, t_idx))
    t_idx, c_idx, dist = t_idx[order], c_idx[order], dist[order]
    matches_per_treated = np.bincount(t_idx, minlength=s.size)[t_idx]
    return pd.DataFrame(
        {
            "treated_id": index[t_idx],
            "control_id": index[c_idx],
            "distance": dist,
            "weight": 1.0 / matches_per_treated,
        }
    )


def matching_weights(pairs: pd.DataFrame, treatment: pd.Series) -> pd.DataFrame:
    """Per-unit weights of the matched sample, from the pairs of :func:`match`.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Output of :func:`match`.
    treatment : pandas.Series
        0/1 or boolean treatment, indexed like the data that was matched.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``treatment``:

        - ``treatment``: 0/1.
        - ``matched``: whether the unit is in the matched sample.
        - ``weight``: 1 for matched treated units; for comparisons the sum
          of their pair weights, rescaled to add up to the number of
          distinct matched comparisons; 0 for unmatched units.
        - ``subclass``: the ``treated_id`` of the unit's matched set when it
          belongs to exactly one set (always true without replacement),
          otherwise missing. Use it to cluster standard errors.

    Notes
    -----
    These are the average-treatment-effect-on-the-treated weights of
    MatchIt (Ho et al. 2011): weighted comparison means estimate what the
    matched treated units' outcomes would have been without treatment.
    Rescaling does not change weighted means or regression estimates; it
    makes the weighted comparison total equal to the number of people used.

    Validated in the tests by recomputing the weights by hand from small
    sets of pairs.

    References
    ----------
    Ho, D. E., Imai, K., King, G. & Stuart, E. A. (2011). MatchIt:
    nonparametric preprocessing for parametric causal inference. *Journal of
    Statistical Software*, 42(8), 1-28.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import match, matching_weights
    >>> score = pd.Series([0.1, 0.12, 0.0, 0.11, 0.9])
    >>> treated = pd.Series([1, 1, 0, 0, 0])
    >>> matching_weights(match(score, treated, caliper=None), treated)
       treatment  matched  weight subclass
    0          1     True     1.0        0
    1          1     True     1.0        1
    2          0    False     0.0      NaN
    3          0     True     1.0      NaN
    4          0    False     0.0      NaN
    """
    if not isinstance(treatment, pd.Series):
        raise ValueError("treatment must be a pandas Series indexed like the matched data")
    t = _as_treatment(treatment)
    index = treatment.index
    if not index.is_unique:
        raise ValueError("treatment must have a unique index")
    t_pos = index.get_indexer(pd.Index(pairs["treated_id"]))
    c_pos = index.get_indexer(pd.Index(pairs["control_id"]))
    if (t_pos < 0).any() or (c_pos < 0).any():
        raise ValueError("pairs refer to labels that are not in the treatment index")
    if (t[t_pos] != 1).any() or (t[c_pos] != 0).any():
        raise ValueError("pairs do not fit treatment: a treated_id is untreated or vice versa")
    n = len(index)
    weight = np.zeros(n)
    weight[t_pos] = 1.0
    control_weight = np.bincount(c_pos, weights=pairs["weight"].to_numpy(float), minlength=n)
    used = control_weight > 0
    if used.any():
        weight[used] = control_weight[used] * np.count_nonzero(used) / control_weight[used].sum()
    # a comparison's matched set, when it has exactly one (pairs from match()
    # are distinct, so counting rows per comparison counts its sets)
    single = np.bincount(c_pos, minlength=n)[c_pos] == 1
    subclass = np.full(n, np.nan, dtype=object)
    subclass[t_pos] = index[t_pos]
    subclass[c_pos[single]] = index[t_pos[single]]
    return pd.DataFrame(
        {"treatment": t, "matched": weight > 0, "weight": weight, "subclass": subclass},
        index=index,
    )


# --------------------------------------------------------------------------- balance


def _weighted_stats(x: np.ndarray, w: np.ndarray, binary: bool) -> tuple[float, float]:
    """Weighted mean and variance (reliability weights; p(1-p) for binary)."""
    total = w.sum()
    if total <= 0:
        return np.nan, np.nan
    mean = float(np.sum(w * x) / total)
    if binary:
        return mean, mean * (1 - mean)
    denom = total - np.sum(w**2) / total
    var = float(np.sum(w * (x - mean) ** 2) / denom) if denom > 0 else np.nan
    return mean, var


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights: str | ArrayLike | None = None,
    bands: tuple[float, float] = (5.0, 10.0),
) -> pd.DataFrame:
    """Standardised mean differences, variance ratios and effective sizes.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person. It is not modified.
    treatment : str
        Column of 0/1 (or boolean) treatment indicators.
    covariates : sequence of str
        Columns to check; non-numeric columns are expanded into indicators
        (every category except the first is shown).
    weights : str, array or Series, optional
        Matched-sample weights (e.g. ``matching_weights(...)["weight"]``), or
        the name of a column holding them. If given, the table has rows for
        ``"before"`` (everyone, unweighted) and ``"after"`` (weighted);
        otherwise ``"before"`` only.
    bands : (float, float), default (5, 10)
        Cut-offs in percent for the ``band`` column.

    Returns
    -------
    pandas.DataFrame
        One row per covariate term and sample:

        - ``covariate``: the term.
        - ``sample``: ``"before"`` or ``"after"`` matching.
        - ``type``: ``"binary"`` (values 0/1 only) or ``"continuous"``.
        - ``treated_mean``, ``control_mean``: (weighted) means; proportions
          for binary terms.
        - ``treated_sd``, ``control_sd``: (weighted) standard deviations.
        - ``smd``: standardised mean difference in percent.
        - ``band``: ``"<5%"``, ``"5-10%"`` or ``">10%"`` of ``|smd|`` (with the
          default ``bands``; the JDL good / acceptable / poor grading).
        - ``variance_ratio``: :math:`s_t^2/s_c^2` for continuous terms (``NaN``
          for binary terms, whose variance is fixed by the mean).
        - ``n_treated``, ``n_control``: units with positive weight.
        - ``ess_treated``, ``ess_control``: Kish effective sample sizes.

    Notes
    -----
    :math:`SMD = 100(\\bar x_t - \\bar x_c)/\\sqrt{(s_t^2 + s_c^2)/2}`, with
    :math:`s^2 = p(1 - p)` for binary terms (Austin 2009; METHODS.md
    section 6). After matching, means and variances are weighted, the
    variance with reliability weights
    :math:`\\sum w(x - \\bar x_w)^2 / (\\sum w - \\sum w^2/\\sum w)`, which is
    the usual sample variance when all weights are 1. ``smd`` is ``NaN``
    when both groups have zero variance. Effective sample size (Kish 1965)
    is :math:`(\\sum w)^2/\\sum w^2`. Variance ratios between about 0.5 and 2
    are usually taken as acceptable (Rubin 2001).

    Validated against METHODS.md section 6 (40% vs 34% gives 12.5%; 4.2
    (sd 3.1) vs 3.6 (sd 2.9) gives 20%) and hand calculations of weighted
    means and variances.

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution
    of baseline covariates between treatment groups in propensity-score
    matched samples. *Statistics in Medicine*, 28(25), 3083-3107.

    Kish, L. (1965). *Survey Sampling*. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import balance_table
    >>> df = pd.DataFrame({"treated": [1, 1, 1, 1, 0, 0, 0, 0, 0],
    ...                    "male": [1, 1, 0, 1, 0, 1, 0, 0, 1],
    ...                    "priors": [4, 6, 2, 5, 1, 3, 2, 0, 4]})
    >>> balance_table(df, "treated", ["male", "priors"])[["covariate", "type", "smd", "band"]].round(1)
      covariate        type    smd  band
    0      male      binary   75.7  >10%
    1    priors  continuous  136.7  >10%
    """
    covariates = _column_list(covariates)
    low_band, high_band = bands
    if not 0 <= low_band <= high_band:
        raise ValueError(f"bands must be increasing non-negative cut-offs; got {bands!r}")
    _require_complete(data, [treatment, *covariates])
    t = _as_treatment(data[treatment], treatment)
    X = _design_matrix(data, covariates)
    samples: list[tuple[str, np.ndarray]] = [("before", np.ones(len(data)))]
    if weights is not None:
        samples.append(("after", _weights_array(data, weights)))
    rows = []
    for name in X.columns:
        x = X[name].to_numpy()
        binary = bool(np.isin(x, (0.0, 1.0)).all())
        for sample, w in samples:
            wt, wc = w * (t == 1), w * (t == 0)
            mt, vt = _weighted_stats(x, wt, binary)
            mc, vc = _weighted_stats(x, wc, binary)
            with np.errstate(invalid="ignore", divide="ignore"):
                pooled = np.sqrt((vt + vc) / 2)
                smd = 100 * (mt - mc) / pooled if pooled > 0 else np.nan
                ratio = vt / vc if (not binary and vc > 0) else np.nan
            rows.append(
                {
                    "covariate": name,
                    "sample": sample,
                    "type": "binary" if binary else "continuous",
                    "treated_mean": mt,
                    "control_mean": mc,
                    "treated_sd": np.sqrt(vt),
                    "control_sd": np.sqrt(vc),
                    "smd": smd,
                    "band": _band(smd, low_band, high_band),
                    "variance_ratio": ratio,
                    "n_treated": int(np.count_nonzero(wt > 0)),
                    "n_control": int(np.count_nonzero(wc > 0)),
                    "ess_treated": _kish(wt),
                    "ess_control": _kish(wc),
                }
            )
    return pd.DataFrame(rows)


def _band(smd: float, low: float, high: float) -> str | None:
    if not np.isfinite(smd):
        return None
    size = abs(smd)
    if size < low:
        return f"<{low:g}%"
    if size <= high:
        return f"{low:g}-{high:g}%"
    return f">{high:g}%"


# --------------------------------------------------------------------------- effect


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
