"""Array handling and argument checks shared by the modules of ``cohort.stats`` (private).

Every interval function accepts scalars, arrays or pandas Series (the index of
a Series is kept) and is vectorised over its inputs; :func:`_prepare` does the
broadcasting and picks the output index.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cohort._validate import check_choice as _check_choice
from cohort.exceptions import SmallCountWarning

__all__ = ["ArrayLike", "_check_choice"]

ArrayLike = float | int | Iterable[float] | np.ndarray | pd.Series


def _check_level(level: float, name: str = "level") -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {level!r}")
    return level


def _z(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _prepare(**values: ArrayLike) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Broadcast the inputs to 1-D float arrays and pick the output index.

    The index is that of the (first) Series among the inputs; several Series
    must share one index. Nothing is aligned silently.
    """
    index: pd.Index | None = None
    raw: dict[str, np.ndarray] = {}
    for name, value in values.items():
        if isinstance(value, pd.DataFrame):
            raise ValueError(f"{name} must be a scalar, a 1-D array or a Series, not a DataFrame")
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not value.index.equals(index):
                raise ValueError(
                    f"{name} is a Series whose index differs from another argument's; "
                    "align the inputs first"
                )
            arr = value.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(value, dtype=float)
        if arr.ndim > 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
        raw[name] = arr
    try:
        shaped = np.broadcast_arrays(*[np.atleast_1d(a) for a in raw.values()])
    except ValueError as err:
        lengths = {k: np.size(v) for k, v in raw.items()}
        raise ValueError(f"inputs have incompatible lengths: {lengths}") from err
    out = {k: np.array(a, dtype=float) for k, a in zip(raw, shaped, strict=True)}
    length = len(next(iter(out.values())))
    if index is None:
        index = pd.RangeIndex(length)
    elif len(index) != length:
        raise ValueError(f"inputs have incompatible lengths: Series of {len(index)} vs {length}")
    return out, index


def _check_non_negative(**arrays: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first argument with a negative value; NaN passes."""
    for name, values in arrays.items():
        if np.any(np.nan_to_num(values, nan=0.0) < 0):
            raise ValueError(f"{name} must be non-negative")


def _check_counts(count: np.ndarray, total: np.ndarray, count_name: str, total_name: str) -> None:
    """Counts are non-negative and at most their total (proportions); NaN passes."""
    _check_non_negative(**{count_name: count, total_name: total})
    with np.errstate(invalid="ignore"):
        if np.any(count > total):
            raise ValueError(f"{count_name} must not exceed {total_name}")


def _two_sided_normal_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * stats.norm.sf(np.abs(z))


def _binomial_limits(
    count: np.ndarray, n: np.ndarray, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Limits for count/n by ``method``; exactly 0 at count 0 and 1 at count n; NaN if n is 0."""
    lower = np.full(count.shape, np.nan)
    upper = np.full(count.shape, np.nan)
    ok = np.isfinite(count) & np.isfinite(n) & (n > 0)
    x, m, alpha = count[ok], n[ok], 1.0 - level
    if method == "jeffreys":
        lo = stats.beta.ppf(alpha / 2, x + 0.5, m - x + 0.5)
        hi = stats.beta.ppf(1 - alpha / 2, x + 0.5, m - x + 0.5)
    elif x.size:
        sm_name = {"wilson": "wilson", "clopper-pearson": "beta"}[method]
        lo, hi = proportion_confint(x, m, alpha=alpha, method=sm_name)
    else:
        lo = hi = x
    lower[ok] = np.clip(lo, 0.0, 1.0)
    upper[ok] = np.clip(hi, 0.0, 1.0)
    lower[ok & (count == 0)] = 0.0
    upper[ok & (count == n)] = 1.0
    return lower, upper


def _warn_zero_cells(mask: np.ndarray, what: str) -> None:
    if mask.any():
        warnings.warn(
            f"{int(mask.sum())} row(s) have a zero count, so the log interval for the {what} "
            "is undefined (NaN); use method='exact' for those rows.",
            SmallCountWarning,
            stacklevel=3,
        )
