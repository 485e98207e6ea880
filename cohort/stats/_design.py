"""Design matrices and column checks shared by the regression functions (private).

Used by :mod:`cohort.stats.logistic`, :mod:`cohort.stats.survival` (Cox) and
the propensity, balance and effect functions. Nothing here is public.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _column_list(covariates: Sequence[str] | None) -> list[str]:
    """Covariate names as a list; a bare string is an error, not a list of letters."""
    if isinstance(covariates, str):
        raise ValueError(f"covariates must be a list of column names, e.g. [{covariates!r}]")
    return list(covariates or [])


def _require_complete(data: pd.DataFrame, columns: Sequence[str]) -> None:
    """The columns exist and have no missing values (nothing is dropped silently)."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"columns not found in data: {missing}")
    has_na = [c for c in columns if data[c].isna().any()]
    if has_na:
        raise ValueError(f"columns with missing values: {has_na}; drop or impute them first")


@dataclass(frozen=True)
class Term:
    """One column of a design matrix and the covariate it codes."""

    name: str
    variable: str
    category: object | None = None
    reference: object | None = None


def _is_categorical(column: pd.Series) -> bool:
    numeric = pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)
    return isinstance(column.dtype, pd.CategoricalDtype) or not numeric


def _design(
    data: pd.DataFrame,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
) -> tuple[pd.DataFrame, list[Term]]:
    """Float design matrix (no intercept) with the index of ``data``, and its terms.

    Numeric and boolean columns are used as they are. Other columns (and any
    column named in ``reference``) become indicator columns named
    ``column[category]``, one per category except the reference: the value
    given in ``reference`` or else the first category in sorted order.
    """
    reference = dict(reference or {})
    unknown = [k for k in reference if k not in covariates]
    if unknown:
        raise ValueError(
            f"reference names columns that are not covariates: {unknown}; "
            f"covariates are {list(covariates)}"
        )
    parts: dict[str, pd.Series] = {}
    terms: list[Term] = []
    for col in covariates:
        column = data[col]
        if col not in reference and not _is_categorical(column):
            parts[col] = column.astype(float)
            terms.append(Term(col, col))
            continue
        categories = sorted(column.dropna().unique().tolist(), key=str)
        if col in reference:
            base = reference[col]
            if base not in categories:
                shown = ", ".join(map(repr, categories))
                raise ValueError(
                    f"reference level {base!r} of {col!r} is not in the data; "
                    f"its values are {shown}"
                )
        else:
            base = categories[0] if categories else None
        for cat in categories:
            if cat == base:
                continue
            name = f"{col}[{cat}]"
            parts[name] = (column == cat).astype(float)
            terms.append(Term(name, col, cat, base))
    return pd.DataFrame(parts, index=data.index), terms


def _design_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """The design matrix of :func:`_design` without its term descriptions."""
    return _design(data, covariates)[0]


def _aliased_columns(X: np.ndarray, names: Sequence[str]) -> list[str]:
    """Columns that are linear combinations of earlier columns (rank deficiency)."""
    if X.shape[1] == 0:
        return []
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    if np.linalg.matrix_rank(Xs) == Xs.shape[1]:
        return []
    aliased = []
    kept: list[int] = []
    for j in range(Xs.shape[1]):
        trial = Xs[:, [*kept, j]]
        if np.linalg.matrix_rank(trial) == len(kept) + 1:
            kept.append(j)
        else:
            aliased.append(names[j])
    return aliased


def _as_treatment(
    values: Iterable[float] | np.ndarray | pd.Series, name: str = "treatment"
) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    arr = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce").to_numpy(dtype=float)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError(f"{name} must be 0/1 or boolean without missing values")
    return arr.astype(np.int8)


def _weights_array(
    data: pd.DataFrame, weights: str | Iterable[float] | np.ndarray | pd.Series
) -> np.ndarray:
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
