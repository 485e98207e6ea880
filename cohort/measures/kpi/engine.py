"""The counting engine: one generic evaluator turns a measure specification
into counts, then intervals and the change from the previous period."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.kpi.definitions import (
    _NO_INTERVAL,
    _PROVENANCE_COLUMNS,
    CHANGE_COLUMNS,
    KEY_COLUMNS,
    Basis,
    KpiDefinitions,
    MeasureSpec,
)
from cohort.measures.kpi.records import (
    _board_frame,
    _code_attribute,
    _codes,
    _cohort_records,
    _derive_records,
    _hours_labels,
    _offence_frame,
    _oocd_frame,
    _per_child,
    _victim_frame,
)
from cohort.stats import proportion_ci, proportion_difference


def _resolve_categories(spec: MeasureSpec, defs: KpiDefinitions) -> list[str]:
    cats = spec.categories
    if not isinstance(cats, str):
        return list(cats)
    if cats == "hours":
        return list(_hours_labels(defs.hours_threshold))
    if cats.startswith("codelist:"):
        parts = cats.split(":")
        filters: list[tuple[str, Any]] = []
        for item in parts[2:]:
            key, value = item.split("=", 1)
            filters.append((key, {"True": True, "False": False}.get(value, value)))
        return list(_codes(parts[1], tuple(filters)))
    raise ValueError(f"cannot resolve categories {cats!r} of measure {spec.measure!r}")


def _mask(frame: pd.DataFrame, spec: MeasureSpec) -> np.ndarray:
    keep = np.ones(len(frame), dtype=bool)
    if spec.subgroup != "all":
        sa = frame["school_age"].to_numpy(dtype=float)
        keep &= sa == (1.0 if spec.subgroup == "school_age" else 0.0)
    if spec.within is not None:
        keep &= frame[spec.within].to_numpy(dtype=float) == 1
    return keep


def _evaluate(frame: pd.DataFrame, spec: MeasureSpec, categories: list[str]) -> dict[str, list]:
    """Counts for one measure: ``subgroup, measure, category, numerator, denominator``."""
    keep = _mask(frame, spec)

    def flag(c: str) -> np.ndarray:
        return frame[c].to_numpy(dtype=float)[keep]

    def text(c: str) -> np.ndarray:
        return frame[c].to_numpy(dtype=object)[keep]

    categories = list(categories)
    if spec.kind == "categorical":
        values = text(spec.columns[0])
        num = [float(np.count_nonzero(values == c)) for c in categories]
        den = [float(sum(num))] * len(num)
    elif spec.kind == "flags":
        flags = np.column_stack([flag(c) for c in spec.columns])
        answered = ~np.isnan(flags).any(axis=1)
        is_set = flags[answered] == 1
        num = is_set.sum(axis=0).astype(float).tolist()
        den = [float(answered.sum())] * len(num)
        if spec.total:
            num.append(float(is_set.any(axis=1).sum()))
            den.append(float(answered.sum()))
            categories.append(spec.total)
    elif spec.kind == "cascade":
        first = flag(spec.columns[0])
        step = first == 1
        num, den = [float(step.sum())], [float((~np.isnan(first)).sum())]
        for c in spec.columns[1:]:
            den.append(float(step.sum()))
            step = step & (flag(c) == 1)
            num.append(float(step.sum()))
    elif spec.kind == "rate_by":
        indicator, by = flag(spec.columns[0]) == 1, text(spec.columns[1])
        in_any = np.zeros(len(by), dtype=bool)
        num, den = [], []
        for c in categories:
            m = by == c
            in_any |= m
            num.append(float((indicator & m).sum()))
            den.append(float(m.sum()))
        if spec.total:
            num.append(float((indicator & in_any).sum()))
            den.append(float(in_any.sum()))
            categories.append(spec.total)
    else:  # count_by
        ids, by = text(spec.columns[0]), text(spec.columns[1])
        in_any = np.zeros(len(by), dtype=bool)
        num = []
        for c in categories:
            m = by == c
            in_any |= m
            num.append(float(len(pd.unique(ids[m]))))
        if spec.total:
            num.append(float(len(pd.unique(ids[in_any]))))
            categories.append(spec.total)
        den = [float("nan")] * len(num)
    n = len(categories)
    return {
        "subgroup": [spec.subgroup] * n,
        "measure": [spec.measure] * n,
        "category": categories,
        "numerator": num,
        "denominator": den,
    }


def _counts_frame(blocks: Sequence[Mapping[str, list]]) -> pd.DataFrame:
    """One frame from the blocks of :func:`_evaluate` (and any extra key lists)."""
    keys = list(blocks[0])
    return pd.DataFrame({k: [v for b in blocks for v in b[k]] for k in keys})


def _tidy(counts: pd.DataFrame, level: float) -> pd.DataFrame:
    """Add Wilson intervals; rows without a denominator are counts (method "none")."""
    ci = proportion_ci(counts["numerator"].to_numpy(), counts["denominator"].to_numpy(), level=level)
    out = pd.concat([counts.drop(columns=["numerator", "denominator"]), ci], axis=1)
    counts_only = counts["denominator"].isna().to_numpy()
    out["method"] = np.where(counts_only, _NO_INTERVAL, out["method"].to_numpy(dtype=object))
    return out


def _evaluate_all(frames: Mapping[str, pd.DataFrame], defs: KpiDefinitions, level: float) -> pd.DataFrame:
    numbers = _code_attribute("kpi", "number")
    blocks = []
    for kpi in defs.kpis:
        frame = frames[kpi.source]
        for spec in kpi.measures:
            block = _evaluate(frame, spec, _resolve_categories(spec, defs))
            n = len(block["category"])
            blocks.append({"kpi": [kpi.code] * n, "kpi_number": [int(numbers[kpi.code])] * n, **block})
    return _tidy(_counts_frame(blocks), level)


def _frames(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp, basis: Basis,
    defs: KpiDefinitions, per_child: bool, warn: bool = True,
) -> dict[str, pd.DataFrame]:
    programmes = _codes("programme", (("kpi_cohort", True),))
    records = _derive_records(
        _cohort_records(data, authority, start, end, basis, programmes, warn), defs
    )
    oocd = _oocd_frame(data, authority, start, end, basis, defs)
    if per_child:
        records = _per_child(records, ["child_id", "record_date"], defs.year_record)
        oocd = _per_child(oocd, ["child_id", "sort_end", "start_date"], "latest")
    return {
        "kpi_records": records,
        "oocd": oocd,
        "offences": _offence_frame(data, authority, start, end, defs),
        "board_attendance": _board_frame(data, authority, start, end),
        "victims": _victim_frame(data, authority, start, end),
    }


def _percent_tenths(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Percentages in tenths, rounded half up from whole counts (as published).

    ``floor((2000 x + n) / 2n)`` is ``round_half_up(1000 x / n)`` in exact
    integer arithmetic, so 1/80 = 1.25% rounds to 1.3 without float error.
    """
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    out = np.full(num.shape, np.nan)
    x = num[ok].astype(np.int64)
    n = den[ok].astype(np.int64)
    out[ok] = (2000 * x + n) // (2 * n)
    return out


def _with_change(current: pd.DataFrame, previous: pd.DataFrame, keys: Sequence[str],
                 level: float) -> pd.DataFrame:
    """Join the previous period's figures and the change from them.

    Proportions: the change in percentage points with Newcombe's hybrid
    score interval; the direction compares the percentages as published
    (rounded half up to one decimal place), so an arrow never contradicts
    the printed figures. Counts: the change in the count, no interval.
    """
    prev = previous[[*keys, "numerator", "denominator", "estimate"]].rename(
        columns={
            "numerator": "previous_numerator",
            "denominator": "previous_denominator",
            "estimate": "previous_estimate",
        }
    )
    out = current.merge(prev, on=list(keys), how="left", validate="one_to_one")
    x1, n1 = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    x2, n2 = out["previous_numerator"].to_numpy(float), out["previous_denominator"].to_numpy(float)
    is_count = (out["method"] == _NO_INTERVAL).to_numpy()
    diff = proportion_difference(x1, n1, x2, n2, level=level)
    out["change"] = np.where(is_count, x1 - x2, diff["estimate"].to_numpy() * 100)
    out["change_lower"] = np.where(is_count, np.nan, diff["lower"].to_numpy() * 100)
    out["change_upper"] = np.where(is_count, np.nan, diff["upper"].to_numpy() * 100)
    out["change_unit"] = np.where(is_count, "count", "percentage_points")
    step = np.where(is_count, x1 - x2, _percent_tenths(x1, n1) - _percent_tenths(x2, n2))
    direction = np.select([step > 0, step < 0, step == 0], ["up", "down", "same"], "")
    out["direction"] = pd.Series(direction, index=out.index, dtype=object).replace("", None)
    return out


def _no_change(current: pd.DataFrame) -> pd.DataFrame:
    """The comparison columns :func:`_with_change` adds, left empty (no comparison asked for)."""
    return current.assign(previous_numerator=np.nan, previous_denominator=np.nan, previous_estimate=np.nan,
                          change=np.nan, change_lower=np.nan, change_upper=np.nan, change_unit=None,
                          direction=None)


def _finish(table: pd.DataFrame, period_cols: Mapping[str, str], basis: Basis,
            defs: KpiDefinitions) -> pd.DataFrame:
    for i, (name, value) in enumerate(period_cols.items()):
        table.insert(i, name, value)
    table["basis"] = basis
    table["definitions"] = defs.version
    for c in ("numerator", "denominator", "previous_numerator", "previous_denominator"):
        table[c] = table[c].round().astype("Int64")
    order = [*period_cols, *KEY_COLUMNS, *TIDY_COLUMNS, *CHANGE_COLUMNS, *_PROVENANCE_COLUMNS]
    return table[order].reset_index(drop=True)
