"""Logistic regression with the inference researchers report (Wald and profile intervals).

:func:`logistic` fits a binary outcome on covariates by maximum likelihood
(``statsmodels`` ``Logit``, Newton-Raphson) and returns a
:class:`LogisticResult`: one row per term with its coefficient, standard
error, z, p-value, Wald and profile-likelihood intervals and odds ratios, the
model-level fit (deviance, AIC, likelihood-ratio test), the outcome counts in
every level of each categorical covariate, and the fitted values. Separation
and sparse cells are detected and reported, never passed over silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, sparse, special, stats
from statsmodels.discrete.discrete_model import Logit

from cohort.exceptions import SeparationWarning, SmallCountWarning
from cohort.stats._common import _check_choice, _check_level, _z
from cohort.stats._design import Term, _aliased_columns, _column_list, _design

__all__ = ["LogisticResult", "logistic"]

INTERCEPT = "(Intercept)"
_TOL = 1e-10  # Newton convergence: largest change in a coefficient
_EXTREME_ETA = 13.8  # |logit| beyond which a fitted probability is within 1e-6 of 0 or 1
_MAX_DOUBLINGS = 12  # profile search: 2**12 Wald half-widths before calling a limit unbounded


@dataclass(frozen=True, repr=False)
class LogisticResult:
    """A fitted logistic regression: terms, model fit, cells and fitted values.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per term (intercept first); columns in :func:`logistic`.
    fit : dict
        Model-level values; keys in :func:`logistic`.
    cells : pandas.DataFrame
        Outcome counts in each level of every categorical or 0/1 covariate.
    fitted : pandas.DataFrame
        ``probability`` and ``linear_predictor`` of each row used, indexed
        like the data.
    model : statsmodels LogitResults
        The underlying ``statsmodels`` fit, for anything not summarised here.
    """

    coefficients: pd.DataFrame
    fit: dict[str, Any]
    cells: pd.DataFrame
    fitted: pd.DataFrame
    model: Any = field(compare=False)

    def __repr__(self) -> str:
        f = self.fit
        return (
            f"LogisticResult(outcome={f['outcome']!r}, n={f['n']}, events={f['events']}, "
            f"terms={len(self.coefficients)}, deviance={f['deviance']:.4f}, "
            f"separation={f['separation']!r})"
        )

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        f = self.fit
        caption = (
            f"Logistic regression of {f['outcome']}: n = {f['n']}, events = {f['events']}, "
            f"deviance {f['deviance']:.2f} on {f['df_residual']} df, AIC {f['aic']:.2f}"
        )
        return f"<p>{caption}</p>" + self.coefficients._repr_html_()


def _binary_outcome(values: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float)
    y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"outcome {name!r} must be 0/1 or boolean")
    return y


def _fit(y: np.ndarray, X: np.ndarray):
    """Maximum likelihood by Newton-Raphson (``statsmodels`` ``Logit``); for the
    logit link this is IRLS, i.e. R's ``glm`` algorithm. statsmodels' separation
    warnings are silenced because separation is detected and reported once by
    :func:`_separation`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # rank and separation are checked here, so statsmodels' per-iteration
        # perfect-prediction callback and rank check are skipped
        return Logit(y, X, check_rank=False).fit(
            method="newton", tol=_TOL, maxiter=100, disp=False, callback=lambda *_: None
        )


def _restricted_deviance(
    y: np.ndarray, X: np.ndarray, offset: np.ndarray, start: np.ndarray
) -> tuple[float, np.ndarray]:
    """Deviance maximised over the coefficients of ``X`` with a fixed ``offset``.

    A trust-region Newton method (``scipy.optimize.minimize``, "trust-exact",
    exact gradient and Hessian) rather than IRLS: statsmodels' IRLS takes
    full Newton steps and diverges when the offset moves far from the fit
    it starts from, which is exactly where profile limits lie.
    """
    if X.shape[1] == 0:
        return _deviance_at(y, offset), start

    def objective(g: np.ndarray) -> tuple[float, np.ndarray]:
        eta = offset + X @ g
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta)), X.T @ (special.expit(eta) - y)

    if sparse.issparse(X):
        def hessian(g: np.ndarray) -> np.ndarray:
            p = special.expit(offset + X @ g)
            return (X.T @ sparse.diags(p * (1 - p)) @ X).toarray()
    else:
        def hessian(g: np.ndarray) -> np.ndarray:
            p = special.expit(offset + X @ g)
            return (X * (p * (1 - p))[:, None]).T @ X

    res = optimize.minimize(
        objective,
        start,
        jac=True,
        hess=hessian,
        method="trust-exact",
        options={"gtol": 1e-10, "maxiter": 500},
    )
    return 2.0 * float(res.fun), res.x


def _deviance_at(y: np.ndarray, eta: np.ndarray) -> float:
    """Binomial deviance of 0/1 data at linear predictor ``eta`` (-2 log-likelihood)."""
    # log(1 + exp(-|eta|)) form: stable for any eta
    loglik = y * eta - np.logaddexp(0.0, eta)
    return float(-2.0 * loglik.sum())


def _separation(y: np.ndarray, X: np.ndarray) -> tuple[str, np.ndarray]:
    """Detect complete or quasi-complete separation by linear programming.

    Following Konis (2007): the maximum likelihood estimate is finite if and
    only if no direction ``b`` other than 0 has ``(2y_i - 1) x_i b >= 0`` for every
    row. The first LP maximises the sum of those margins over the unit box;
    a positive optimum means separation. A second LP finds whether all
    margins can be strictly positive (complete separation), and one LP per
    coefficient and sign finds which coefficients move along such directions
    (their estimates are infinite).
    """
    n, p = X.shape
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    A = (2 * y - 1)[:, None] * (X / scale)  # margins A @ b >= 0
    bounds = [(-1.0, 1.0)] * p
    first = optimize.linprog(
        -A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=bounds, method="highs"
    )
    tol = 1e-7
    if first.status != 0 or -first.fun <= tol * max(1.0, n):
        return "none", np.zeros(p, dtype=bool)
    # complete: max t subject to A b >= t, 0 <= t <= 1
    c = np.zeros(p + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-A, np.ones((n, 1))])
    strict = optimize.linprog(
        c, A_ub=A_ub, b_ub=np.zeros(n), bounds=[*bounds, (0.0, 1.0)], method="highs"
    )
    kind = "complete" if strict.status == 0 and -strict.fun > tol else "quasi-complete"
    involved = np.zeros(p, dtype=bool)
    for j in range(p):
        for sign in (1.0, -1.0):
            obj = np.zeros(p)
            obj[j] = -sign
            res = optimize.linprog(obj, A_ub=-A, b_ub=np.zeros(n), bounds=bounds, method="highs")
            if res.status == 0 and -res.fun > tol:
                involved[j] = True
                break
    return kind, involved


def _profile_limits(
    y: np.ndarray,
    X: np.ndarray,
    j: int,
    beta: np.ndarray,
    se: float,
    deviance: float,
    level: float,
) -> tuple[float, float]:
    """Profile-likelihood limits of coefficient ``j`` by root-finding.

    The limits are the two values ``b`` where the signed root of the
    likelihood-ratio statistic, ``sign(b - beta_j) sqrt(D(b) - D)``, equals
    ``-z`` and ``+z`` (``D(b)`` the deviance maximised over the other
    coefficients with ``beta_j = b``, fitted as an offset). A limit that the
    statistic never reaches is infinite (separation).
    """
    target = _z(level)
    others = np.delete(np.arange(X.shape[1]), j)
    X_rest, x_j = X[:, others], X[:, j]
    if X_rest.shape[1] > 30 and np.count_nonzero(X_rest) < 0.2 * X_rest.size:
        # many indicator columns (e.g. an authority term): the refits' Hessians are
        # sums over the few non-zero cells of each row (same numbers, a fraction of the work)
        X_rest = sparse.csr_matrix(X_rest)
    start = [beta[others].copy()]

    def signed_root(b: float) -> float:
        dev, start[0] = _restricted_deviance(y, X_rest, b * x_j, start[0])
        return float(np.sign(b - beta[j]) * np.sqrt(max(dev - deviance, 0.0)))

    width = target * se if np.isfinite(se) and 0 < se < 1e3 else 1.0
    limits = []
    for side in (-1.0, 1.0):
        start[0] = beta[others].copy()
        inner, outer = beta[j], beta[j] + side * width
        found = False
        for _ in range(_MAX_DOUBLINGS + 1):
            if side * signed_root(outer) >= target:
                found = True
                break
            inner, outer = outer, beta[j] + 2 * (outer - beta[j])
        if not found:
            limits.append(side * np.inf)
            continue
        root = optimize.brentq(
            lambda b, s=side: signed_root(b) - s * target,
            min(inner, outer),
            max(inner, outer),
            xtol=1e-12,
            rtol=1e-12,
        )
        limits.append(root)
    return limits[0], limits[1]


def _cells(
    data: pd.DataFrame, y: np.ndarray, terms: list[Term], X: pd.DataFrame, min_cell: int
) -> pd.DataFrame:
    """Outcome counts in every level of each categorical and 0/1 covariate."""
    rows = []
    seen: set[str] = set()
    for term in terms:
        if term.category is not None:
            if term.variable in seen:
                continue
            seen.add(term.variable)
            column = data[term.variable]
            levels = [term.reference, *[t.category for t in terms if t.variable == term.variable]]
            for level in levels:
                mask = (column == level).to_numpy()
                rows.append((term.variable, level, level == term.reference, mask))
        else:
            x = X[term.name].to_numpy()
            if np.isin(x, (0.0, 1.0)).all():
                for level in (0, 1):
                    rows.append((term.variable, level, level == 0, x == level))
    records = []
    for variable, level, is_ref, mask in rows:
        events = int(y[mask].sum())
        n = int(mask.sum())
        records.append(
            {
                "variable": variable,
                "level": level,
                "reference": bool(is_ref),
                "n": n,
                "events": events,
                "non_events": n - events,
                "sparse": bool(min(events, n - events) < min_cell),
            }
        )
    columns = ["variable", "level", "reference", "n", "events", "non_events", "sparse"]
    return pd.DataFrame(records, columns=columns)


def logistic(
    data: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
    level: float = 0.95,
    profile: bool | Sequence[str] = True,
    missing: Literal["raise", "drop"] = "raise",
    min_cell: int = 5,
) -> LogisticResult:
    """Logistic regression with Wald and profile-likelihood intervals and odds ratios.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person. It is not modified.
    outcome : str
        Column of the binary outcome (0/1 or boolean; 1 is the event).
    covariates : sequence of str
        Columns of the model (main effects; add interactions or splines as
        columns). Numeric and boolean columns enter as they are. Other
        columns, and any named in ``reference``, are categorical: one
        indicator term ``column[level]`` per level except the reference.
    reference : mapping of str to value, optional
        Reference level of categorical covariates, e.g.
        ``{"ethnicity": "White"}``. A numeric column named here is treated as
        categorical. Without an entry the first level in sorted order is the
        reference. A reference not present in the data raises ``ValueError``.
    level : float, default 0.95
        Confidence level of both intervals.
    profile : bool or sequence of str, default True
        Compute profile-likelihood limits (two root-findings per term, each
        step a refit). ``False`` leaves the ``profile_*`` columns ``NaN``.
        A list of covariates profiles only their terms (the others' limits
        are ``NaN``): each term's limits are found on their own, so they are
        the same as with ``True``, and a model with many adjustment terms
        (e.g. 150 authorities) is profiled only where the interval is read.
    missing : {"raise", "drop"}, default "raise"
        Rows with a missing outcome or covariate raise ``ValueError``
        (``"raise"``) or are left out (``"drop"``; their number is
        ``fit["n_dropped"]``).
    min_cell : int, default 5
        A level of a categorical or 0/1 covariate with fewer than
        ``min_cell`` events or non-events is a sparse cell: flagged in
        ``cells`` and in the ``sparse`` column, with a
        :class:`~cohort.exceptions.SmallCountWarning`.

    Returns
    -------
    LogisticResult
        With attributes:

        ``coefficients``, a DataFrame with one row per term, intercept first:

        - ``term``: ``"(Intercept)"``, the column name, or ``column[level]``.
        - ``variable``: the covariate the term codes (missing for the
          intercept).
        - ``category``: the level of a categorical term (missing otherwise).
        - ``reference``: the reference level of a categorical term.
        - ``coefficient``: the log odds ratio :math:`\\hat\\beta`.
        - ``std_error``: :math:`\\sqrt{[I(\\hat\\beta)^{-1}]_{jj}}`.
        - ``z``: :math:`\\hat\\beta / SE`.
        - ``p_value``: two-sided Wald p-value.
        - ``wald_lower``, ``wald_upper``: :math:`\\hat\\beta \\mp z_{1-\\alpha/2} SE`.
        - ``profile_lower``, ``profile_upper``: profile-likelihood limits
          (``-inf``/``inf`` where unbounded; ``NaN`` if ``profile=False``).
        - ``odds_ratio``: :math:`e^{\\hat\\beta}`.
        - ``or_wald_lower``, ``or_wald_upper``: the Wald limits exponentiated.
        - ``or_profile_lower``, ``or_profile_upper``: the profile limits
          exponentiated.
        - ``confidence``: the confidence level.
        - ``separation``: the estimate is infinite (the term moves along a
          separating direction; see Notes).
        - ``sparse``: the term's level, or its reference level, is a sparse
          cell (categorical and 0/1 terms only).

        ``fit``, a dict: ``outcome``, ``n`` (rows used), ``events``,
        ``n_dropped``, ``parameters``, ``deviance``, ``null_deviance``,
        ``df_residual``, ``df_null``, ``log_likelihood``, ``aic``, ``bic``
        (:math:`D + k\\ln n`), ``lr_statistic`` (null minus residual
        deviance), ``lr_df``, ``lr_p_value``, ``converged``, ``iterations``,
        ``separation`` (``"none"``, ``"quasi-complete"`` or ``"complete"``),
        ``confidence``.

        ``cells``, a DataFrame with one row per level of each categorical or
        0/1 covariate: ``variable``, ``level``, ``reference`` (bool), ``n``,
        ``events``, ``non_events``, ``sparse``.

        ``fitted``, a DataFrame indexed like the rows used: ``probability``
        and ``linear_predictor``.

        ``model``, the ``statsmodels`` ``Logit`` results.

    Notes
    -----
    The model is :math:`\\mathrm{logit}\\,P(Y = 1) = \\beta_0 + x^T\\beta`,
    fitted by Newton-Raphson (``statsmodels`` ``Logit``; for the canonical
    logit link this is the iteratively reweighted least squares of R's
    ``glm``) until no coefficient changes by more than 1e-10. Standard errors come from the inverse Fisher information. The
    profile-likelihood interval for :math:`\\beta_j` is
    :math:`\\{b : D_j(b) - D \\le \\chi^2_{1,1-\\alpha}\\}`, where
    :math:`D_j(b)` is the deviance maximised over the other coefficients with
    :math:`\\beta_j = b` (Venzon & Moolgavkar 1988). Each limit is found by
    Brent's method on the signed root
    :math:`\\mathrm{sign}(b - \\hat\\beta_j)\\sqrt{D_j(b) - D}` after doubling
    the Wald half-width until the root is bracketed; R's ``confint`` (MASS)
    spline-interpolates the same profile on a grid, so the two agree to
    about 1e-4. Profile intervals are not symmetric and behave better than
    Wald intervals in small samples and near the boundary.

    *Separation.* When a combination of covariates predicts the outcome
    perfectly (complete separation) or perfectly on one side with ties at
    the boundary (quasi-complete; e.g. a level with no events), the maximum
    likelihood estimate of some coefficients is infinite. This is detected
    by linear programming (Konis 2007) before any estimate is trusted: those
    terms are flagged in ``separation`` and a
    :class:`~cohort.exceptions.SeparationWarning` names them. Their reported
    coefficient is wherever IRLS stopped and their standard error and Wald
    interval are meaningless; the profile interval is unbounded on the
    infinite side and its finite limit is usable. Penalised (Firth)
    regression is the usual remedy and is not done here.

    Rows with missing values raise an error unless ``missing="drop"``. A
    design whose columns are linearly dependent raises ``ValueError`` naming
    the aliased terms (R's ``glm`` would report them as ``NA``). An outcome
    with no events or no non-events raises ``ValueError``.

    Validated against R 4.2.2 ``glm(..., family = binomial)`` and
    ``confint()`` (MASS profiling) on R's ``infert`` data set with a
    categorical covariate and a non-default reference level: coefficients
    and standard errors agree to 1e-6, profile limits to 1e-4, deviances
    and AIC to 1e-6 (tests/stats/test_stats_logistic.py, with the R call
    and its output).

    References
    ----------
    Venzon, D. J. & Moolgavkar, S. H. (1988). A method for computing
    profile-likelihood-based confidence intervals. *Applied Statistics*,
    37(1), 87-94.

    Albert, A. & Anderson, J. A. (1984). On the existence of maximum
    likelihood estimates in logistic regression models. *Biometrika*, 71(1),
    1-10.

    Konis, K. (2007). *Linear programming algorithms for detecting separated
    data in binary logistic regression models*. DPhil thesis, University of
    Oxford.

    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Wiley,
    sections 5.2 and 6.5.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.stats import logistic
    >>> df = pd.DataFrame({"custody": [0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0],
    ...                    "gravity": [2, 3, 6, 1, 5, 4, 3, 7, 2, 5, 3, 4]})
    >>> fit = logistic(df, "custody", ["gravity"])
    >>> fit.coefficients[["term", "coefficient", "std_error", "profile_lower",
    ...                   "profile_upper"]].round(3)
              term  coefficient  std_error  profile_lower  profile_upper
    0  (Intercept)       -4.613      2.567        -11.565         -0.694
    1      gravity        1.104      0.627          0.152          2.804
    >>> fit.coefficients.loc[1, ["odds_ratio", "or_profile_lower", "or_profile_upper"]].round(2)
    odds_ratio           3.01
    or_profile_lower     1.16
    or_profile_upper    16.50
    Name: 1, dtype: float64
    >>> fit
    LogisticResult(outcome='custody', n=12, events=5, terms=2, deviance=10.7520, separation='none')
    """
    _check_choice("missing", missing, ("raise", "drop"))
    level = _check_level(level)
    covariates = _column_list(covariates)
    if not isinstance(min_cell, (int, np.integer)) or min_cell < 0:
        raise ValueError(f"min_cell must be a non-negative integer; got {min_cell!r}")
    needed = [outcome, *covariates]
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise ValueError(f"columns not found in data: {absent}")
    incomplete = data[needed].isna().any(axis=1)
    if incomplete.any() and missing == "raise":
        cols = [c for c in needed if data[c].isna().any()]
        raise ValueError(
            f"columns with missing values: {cols}; drop or impute them first, "
            "or pass missing='drop'"
        )
    subset = data.loc[~incomplete, needed]
    y = _binary_outcome(subset[outcome], outcome)
    events = int(y.sum())
    if events == 0 or events == y.size:
        raise ValueError(
            f"outcome {outcome!r} has {events} events in {y.size} rows; a logistic "
            "regression needs both events and non-events"
        )
    covs, terms = _design(subset, covariates, reference)
    names = [INTERCEPT, *covs.columns]
    X = np.column_stack([np.ones(len(subset)), covs.to_numpy(dtype=float)])
    aliased = _aliased_columns(X, names)
    if aliased:
        raise ValueError(
            f"terms {aliased} are linear combinations of other terms (aliased) and "
            "cannot be estimated; drop them or merge levels"
        )

    fit = _fit(y, X)
    # Separation drives some fitted probabilities to 0 or 1 (Newton runs to its
    # iteration limit, leaving them far below 1e-6); without such extremes the
    # estimates exist and the LP is not needed.
    eta_hat = X @ np.asarray(fit.params, dtype=float)
    if np.abs(eta_hat).max() > _EXTREME_ETA:
        kind, involved = _separation(y, X)
    else:
        kind, involved = "none", np.zeros(X.shape[1], dtype=bool)
    beta = np.asarray(fit.params, dtype=float)
    se = np.asarray(fit.bse, dtype=float)
    deviance = -2.0 * float(fit.llf)
    null_deviance = -2.0 * float(fit.llnull)

    z = _z(level)
    prof = np.full((len(names), 2), np.nan)
    if profile is not False:
        wanted = None if profile is True else set(_column_list(profile))
        unknown = sorted(wanted - set(covariates)) if wanted is not None else []
        if unknown:
            raise ValueError(f"profile= names {unknown}, which are not covariates of the model")
        variables = [None, *(t.variable for t in terms)]
        for j in range(len(names)):
            if wanted is None or variables[j] in wanted:
                prof[j] = _profile_limits(y, X, j, beta, se[j], deviance, level)

    cells = _cells(subset, y, terms, covs, min_cell)
    sparse_levels = {(r.variable, r.level) for r in cells.itertuples() if r.sparse}
    term_info = [Term(INTERCEPT, None), *terms]
    sparse = []
    for term in term_info:
        if term.variable is None:
            sparse.append(False)
        elif term.category is not None:
            sparse.append(
                (term.variable, term.category) in sparse_levels
                or (term.variable, term.reference) in sparse_levels
            )
        else:
            sparse.append(any(v == term.variable for v, _ in sparse_levels))

    if kind != "none":
        flagged = [n for n, f in zip(names, involved, strict=True) if f]
        warnings.warn(
            f"{kind} separation in the logistic regression of {outcome!r}: the estimates "
            f"of {flagged} are infinite (some covariate pattern predicts the outcome "
            "perfectly). Their coefficients, standard errors and Wald intervals are "
            "meaningless; read the finite side of the profile interval, merge sparse "
            "levels, or use penalised (Firth) regression.",
            SeparationWarning,
            stacklevel=2,
        )
    if cells["sparse"].any():
        shown = "; ".join(
            f"{r.variable}={r.level!s}: {r.events} events, {r.non_events} non-events"
            for r in cells[cells["sparse"]].itertuples()
        )
        warnings.warn(
            f"sparse cells (fewer than {min_cell} events or non-events) in the logistic "
            f"regression of {outcome!r}: {shown}. Estimates for these levels are unstable.",
            SmallCountWarning,
            stacklevel=2,
        )

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        coefficients = pd.DataFrame(
            {
                "term": names,
                "variable": [t.variable for t in term_info],
                "category": [t.category for t in term_info],
                "reference": [t.reference for t in term_info],
                "coefficient": beta,
                "std_error": se,
                "z": beta / se,
                "p_value": 2 * stats.norm.sf(np.abs(beta / se)),
                "wald_lower": beta - z * se,
                "wald_upper": beta + z * se,
                "profile_lower": prof[:, 0],
                "profile_upper": prof[:, 1],
                "odds_ratio": np.exp(beta),
                "or_wald_lower": np.exp(beta - z * se),
                "or_wald_upper": np.exp(beta + z * se),
                "or_profile_lower": np.exp(prof[:, 0]),
                "or_profile_upper": np.exp(prof[:, 1]),
                "confidence": level,
                "separation": involved,
                "sparse": sparse,
            }
        )
    n, k = len(y), len(names)
    lr = null_deviance - deviance
    model_fit = {
        "outcome": outcome,
        "n": n,
        "events": events,
        "n_dropped": int(incomplete.sum()),
        "parameters": k,
        "deviance": deviance,
        "null_deviance": null_deviance,
        "df_residual": n - k,
        "df_null": n - 1,
        "log_likelihood": float(fit.llf),
        "aic": deviance + 2 * k,
        "bic": deviance + k * np.log(n),
        "lr_statistic": lr,
        "lr_df": k - 1,
        "lr_p_value": float(stats.chi2.sf(lr, k - 1)) if k > 1 else np.nan,
        "converged": bool(fit.mle_retvals["converged"]),
        "iterations": int(fit.mle_retvals["iterations"]),
        "separation": kind,
        "confidence": level,
    }
    eta = X @ beta
    fitted = pd.DataFrame(
        {"probability": special.expit(eta), "linear_predictor": eta},
        index=subset.index,
    )
    return LogisticResult(coefficients, model_fit, cells, fitted, fit)
