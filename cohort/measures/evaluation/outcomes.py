"""Outcome differences between matched participants and comparisons, the gate and the verdict.

Each outcome gives one row of the ``outcomes_`` table: the difference (or the
hazard ratio), its interval and p-value, whether the Justice Data Lab gate is
met, and a sentence a commissioner can read.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.evaluation.matching import Matched, expand_pairs
from cohort.measures.evaluation.spec import OFFENDING_OUTCOMES, OUTCOME_LABELS, Gate
from cohort.stats import cox, kaplan_meier, matched_effect

#: Columns of the ``outcomes_`` table.
OUTCOME_COLUMNS: tuple[str, ...] = (
    "outcome", *TIDY_COLUMNS,
    "label", "measure", "unit", "treated_value", "control_value", "std_error", "p_value",
    "n_treated", "n_control", "ess_control", "control_events", "significant", "gate", "verdict",
)

_UNITS = {
    "first_formal_outcome": ("risk_difference", "percentage points"),
    "proven_offences": ("mean_difference", "offences per child"),
    "time_to_first_offence": ("hazard_ratio", "hazard ratio"),
    "attendance_change": ("difference_in_differences", "percentage points"),
}


def _fmt(x: float, unit: str) -> str:
    if unit == "offences per child":
        return f"{abs(x):.2f}"
    if unit == "hazard ratio":
        return f"{x:.2f}"
    return f"{abs(x):.1f}"


def verdict(outcome: str, estimate: float, lower: float, upper: float, significant: bool,
            gate_note: str, follow_up_months: int) -> str:
    """The sentence for one result: a direction with its range when significant, else
    "inconclusive" with the interval (never "worked" or "no effect").

    Examples
    --------
    >>> verdict("first_formal_outcome", -10.0, -17.8, -2.2, True, "", 12)
    'Reduced offences leading to a first formal outcome within 12 months by between 2.2 and 17.8 percentage points.'
    >>> verdict("attendance_change", 1.2, -0.5, 2.9, False, "p = 0.17", 12)
    'Inconclusive: the difference in attendance runs from -0.5 to 2.9 percentage points (p = 0.17).'
    """
    measure, unit = _UNITS[outcome]
    what = {
        "first_formal_outcome": f"offences leading to a first formal outcome within {follow_up_months} months",
        "proven_offences": f"proven offences per child within {follow_up_months} months",
        "time_to_first_offence": "the rate (hazard) of offences leading to a first formal outcome",
        "attendance_change": "school attendance",
    }[outcome]
    if not np.isfinite(estimate) or not np.isfinite(lower) or not np.isfinite(upper):
        return f"Inconclusive: {what} could not be estimated ({gate_note})."
    if significant:
        if measure == "hazard_ratio":
            direction = "Reduced" if upper < 1 else "Increased"
            a, b = sorted([abs(1 - upper) * 100, abs(1 - lower) * 100])
            return f"{direction} {what} by between {a:.0f}% and {b:.0f}% (hazard ratio {estimate:.2f})."
        direction = "Reduced" if upper < 0 else "Increased"
        a, b = sorted([abs(lower), abs(upper)])
        return f"{direction} {what} by between {_fmt(a, unit)} and {_fmt(b, unit)} {unit}."
    if measure == "hazard_ratio":
        span = f"the hazard ratio runs from {lower:.2f} to {upper:.2f}"
    elif outcome == "attendance_change":
        span = f"the difference in attendance runs from {lower:.1f} to {upper:.1f} {unit}"
    else:
        span = f"the difference runs from {_signed(lower, unit)} to {_signed(upper, unit)} {unit}"
    return f"Inconclusive: {span} ({gate_note})."


def _signed(x: float, unit: str) -> str:
    return f"{x:.2f}" if unit == "offences per child" else f"{x:.1f}"


def apply_gate(outcome: str, p_value: float, n_treated: int, np_count: float, offenders: int,
               gate: Gate) -> tuple[bool, str]:
    """Whether the result may be called significant, and why not when it may not."""
    reasons = []
    if not np.isfinite(p_value):
        return False, "not estimable"
    if p_value > gate.alpha:
        reasons.append(f"p = {p_value:.2g} is above {gate.alpha:g}")
    if n_treated < gate.min_group_size:
        reasons.append(f"{n_treated} matched participants, fewer than {gate.min_group_size}")
    if outcome in OFFENDING_OUTCOMES:
        if np_count < gate.min_np:
            reasons.append(f"n x p = {np_count:.0f} is below {gate.min_np}")
        if offenders < gate.min_events:
            reasons.append(f"{offenders} participant{'s' if offenders != 1 else ''} offended, "
                           f"fewer than {gate.min_events}")
    return (not reasons), "; ".join(reasons) if reasons else "gate met"


def _row(outcome: str, numerator: float, denominator: int, est: pd.Series, method: str,
         level: float, treated_value: float, control_value: float, control_events: float,
         offenders: int, np_count: float, gate: Gate, follow_up_months: int) -> dict:
    measure, unit = _UNITS[outcome]
    significant, note = apply_gate(outcome, float(est["p_value"]), int(est["n_treated"]), np_count,
                                   offenders, gate)
    return {
        "outcome": outcome, "numerator": numerator, "denominator": denominator,
        "estimate": float(est["estimate"]), "lower": float(est["lower"]), "upper": float(est["upper"]),
        "method": method, "confidence": level,
        "label": OUTCOME_LABELS[outcome] + ("" if outcome == "attendance_change"
                                            else f" within {follow_up_months} months"),
        "measure": measure, "unit": unit,
        "treated_value": treated_value, "control_value": control_value,
        "std_error": float(est["std_error"]), "p_value": float(est["p_value"]),
        "n_treated": int(est["n_treated"]), "n_control": int(est["n_control"]),
        "ess_control": float(est["ess_control"]), "control_events": control_events,
        "significant": significant, "gate": note,
        "verdict": verdict(outcome, float(est["estimate"]), float(est["lower"]), float(est["upper"]),
                           significant, note, follow_up_months),
    }


def estimate_outcomes(units: pd.DataFrame, m: Matched, outcomes: Sequence[str], gate: Gate,
                      level: float, follow_up_months: int) -> pd.DataFrame:
    """One row per outcome for a matching (see :data:`OUTCOME_COLUMNS`)."""
    w = m.weights["weight"]
    frame = units.assign(weight=w.to_numpy())
    used = frame[frame["weight"] > 0]
    t = used["treated"] == 1
    offenders = int(used.loc[t, "first_formal_outcome"].sum())
    rows = []
    for outcome in outcomes:
        if outcome == "time_to_first_offence":
            rows.append(_hazard_row(units, m, gate, level, follow_up_months, offenders))
            continue
        y = used[outcome].astype(float)
        if outcome in OFFENDING_OUTCOMES and not (y > 0).any():
            rows.append(_no_events_row(outcome, int(t.sum()), int((~t).sum()), "wls-hc1", level, gate,
                                       follow_up_months))
            continue
        est = matched_effect(used.assign(_y=y), "_y", "treated", "weight", level=level).iloc[0]
        scale = 100.0 if outcome == "first_formal_outcome" else 1.0
        est = est.copy()
        for col in ("treated_mean", "control_mean", "estimate", "lower", "upper", "std_error"):
            est[col] = est[col] * scale
        if outcome == "attendance_change":
            numerator = float(t.sum())
            np_count = np.inf
        elif outcome == "proven_offences":
            numerator = float(used.loc[t, outcome].sum())
            np_count = numerator
        else:
            numerator = float(used.loc[t, outcome].sum())
            np_count = numerator
        control_events = float((used.loc[~t, outcome] > 0).sum()) if outcome in OFFENDING_OUTCOMES \
            else np.nan
        rows.append(_row(outcome, numerator, int(t.sum()), est, est["method"], level,
                         float(est["treated_mean"]), float(est["control_mean"]), control_events,
                         offenders, np_count, gate, follow_up_months))
    return pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))


def _no_events_row(outcome: str, n_treated: int, n_control: int, method: str, level: float,
                   gate: Gate, follow_up_months: int) -> dict:
    """An offending outcome that nobody in the analysis had: nothing to compare."""
    est = pd.Series({"estimate": np.nan, "lower": np.nan, "upper": np.nan, "std_error": np.nan,
                     "p_value": np.nan, "n_treated": n_treated, "n_control": n_control,
                     "ess_control": np.nan})
    row = _row(outcome, 0.0, n_treated, est, method, level, 0.0, 0.0, 0.0, 0, 0.0, gate, follow_up_months)
    note = "no participant and no comparison child had an offence in the follow-up"
    row.update(gate=note, significant=False,
               verdict=f"Inconclusive: {note}, so the data cannot show a difference.")
    return row


def _hazard_row(units: pd.DataFrame, m: Matched, gate: Gate, level: float, follow_up_months: int,
                offenders: int) -> dict:
    """Cox model stratified by matched set (participant and its comparisons)."""
    long = expand_pairs(units, m.pairs, ["time_to_first_offence", "first_formal_outcome"])
    t = long["treated"] == 1
    ev_t = int(long.loc[t, "first_formal_outcome"].sum())
    ev_c = int(long.loc[~t, "first_formal_outcome"].sum())
    distinct_c = units.loc[pd.unique(m.pairs["control_id"]), "first_formal_outcome"].sum()
    base = {"n_treated": int(t.sum()), "n_control": int(pd.unique(m.pairs["control_id"]).size),
            "ess_control": np.nan}
    if ev_t == 0 and ev_c == 0:
        return _no_events_row("time_to_first_offence", int(t.sum()), base["n_control"], "cox-matched-sets",
                              level, gate, follow_up_months)
    if ev_t == 0 or ev_c == 0:
        est = pd.Series({**base, "estimate": np.nan, "lower": np.nan, "upper": np.nan,
                         "std_error": np.nan, "p_value": np.nan})
        note = "no events among " + ("participants" if ev_t == 0 else "comparisons")
        row = _row("time_to_first_offence", ev_t, int(t.sum()), est, "cox-matched-sets", level,
                   np.nan, np.nan, float(distinct_c), offenders, ev_t, gate, follow_up_months)
        row.update(gate=note, significant=False,
                   verdict=verdict("time_to_first_offence", np.nan, np.nan, np.nan, False, note,
                                   follow_up_months))
        return row
    data = long.rename(columns={"time_to_first_offence": "time", "first_formal_outcome": "event"})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*converge.*")
        fit = cox(data, "time", "event", ["treated"], strata="set", level=level).iloc[0]
    est = pd.Series({**base, "estimate": fit["hazard_ratio"], "lower": fit["lower"],
                     "upper": fit["upper"], "std_error": fit["std_error"], "p_value": fit["p_value"]})
    return _row("time_to_first_offence", ev_t, int(t.sum()), est, "cox-matched-sets", level,
                100 * ev_t / t.sum(), 100 * ev_c / (~t).sum(), float(distinct_c), offenders, ev_t,
                gate, follow_up_months)


def survival_curves(units: pd.DataFrame, m: Matched, level: float) -> pd.DataFrame:
    """Kaplan-Meier curves of time to first offence: participants and matched comparisons."""
    long = expand_pairs(units, m.pairs, ["time_to_first_offence", "first_formal_outcome"])
    groups = np.where(long["treated"] == 1, "Participants", "Matched comparison")
    return kaplan_meier(long["time_to_first_offence"], long["first_formal_outcome"], groups=groups,
                        level=level)


def attendance_table(units: pd.DataFrame, m: Matched) -> pd.DataFrame:
    """Mean attendance (%) the year before and the programme year, participants and comparisons."""
    w = m.weights["weight"].to_numpy()
    t = units["treated"].to_numpy() == 1
    rows = []
    for group, mask in (("Participants", t), ("Matched comparison", ~t)):
        ww = w * mask
        for year, col in (("Year before", "baseline_attendance"), ("Programme year", "programme_attendance")):
            x = units[col].to_numpy(dtype=float)
            rows.append({"group": group, "year": year, "n": int((ww > 0).sum()),
                         "mean": float(np.sum(ww * x) / ww.sum()) if ww.sum() > 0 else np.nan})
    return pd.DataFrame(rows)


def naive_outcomes(units: pd.DataFrame, outcomes: Sequence[str], gate: Gate, level: float,
                   follow_up_months: int) -> pd.DataFrame:
    """The same outcomes without matching: every participant against the whole pool."""
    frame = units.assign(_one=1.0)
    t = frame["treated"] == 1
    offenders = int(frame.loc[t, "first_formal_outcome"].sum())
    rows = []
    for outcome in outcomes:
        if outcome == "time_to_first_offence":
            data = frame.rename(columns={"time_to_first_offence": "time", "first_formal_outcome": "event"})
            ev_t = int(data.loc[t, "event"].sum())
            if ev_t == 0 and int(data.loc[~t, "event"].sum()) == 0:
                rows.append(_no_events_row(outcome, int(t.sum()), int((~t).sum()), "cox-unmatched", level,
                                           gate, follow_up_months))
                continue
            if ev_t == 0 or int(data.loc[~t, "event"].sum()) == 0:
                est = pd.Series({"estimate": np.nan, "lower": np.nan, "upper": np.nan, "std_error": np.nan,
                                 "p_value": np.nan, "n_treated": int(t.sum()), "n_control": int((~t).sum()),
                                 "ess_control": float((~t).sum())})
            else:
                fit = cox(data, "time", "event", ["treated"], level=level).iloc[0]
                est = pd.Series({"estimate": fit["hazard_ratio"], "lower": fit["lower"], "upper": fit["upper"],
                                 "std_error": fit["std_error"], "p_value": fit["p_value"],
                                 "n_treated": int(t.sum()), "n_control": int((~t).sum()),
                                 "ess_control": float((~t).sum())})
            rows.append(_row(outcome, ev_t, int(t.sum()), est, "cox-unmatched", level,
                             100 * ev_t / t.sum(), 100 * data.loc[~t, "event"].mean(),
                             float(data.loc[~t, "event"].sum()), offenders, ev_t, gate, follow_up_months))
            continue
        if outcome in OFFENDING_OUTCOMES and not (frame[outcome] > 0).any():
            rows.append(_no_events_row(outcome, int(t.sum()), int((~t).sum()), "ols-hc1-unmatched", level,
                                       gate, follow_up_months))
            continue
        est = matched_effect(frame.assign(_y=frame[outcome].astype(float)), "_y", "treated", "_one",
                             level=level).iloc[0].copy()
        scale = 100.0 if outcome == "first_formal_outcome" else 1.0
        for col in ("treated_mean", "control_mean", "estimate", "lower", "upper", "std_error"):
            est[col] = est[col] * scale
        numerator = float(t.sum()) if outcome == "attendance_change" else float(frame.loc[t, outcome].sum())
        np_count = np.inf if outcome == "attendance_change" else numerator
        rows.append(_row(outcome, numerator, int(t.sum()), est, "ols-hc1-unmatched", level,
                         float(est["treated_mean"]), float(est["control_mean"]),
                         float((frame.loc[~t, outcome] > 0).sum()), offenders, np_count, gate,
                         follow_up_months))
    return pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))


#: Columns of the ``events_`` table.
EVENT_COLUMNS: tuple[str, ...] = ("outcome", "group", *TIDY_COLUMNS)


def event_counts(units: pd.DataFrame, m: Matched, outcomes: Sequence[str], level: float) -> pd.DataFrame:
    """Children with an offence (and proven offences) in each matched group, for disclosure control.

    Participants: counts with a Wilson interval (proven offences: a rate per
    100 children with an exact Poisson interval). Comparison: distinct matched comparison children and their
    unweighted count; ``estimate`` is the matching-weighted rate (``method``
    ``"weighted"``, no interval), the figure the outcome difference uses.
    """
    from cohort.stats import proportion_ci, rate_ci

    w = m.weights["weight"].to_numpy()
    t = units["treated"].to_numpy() == 1
    rows = []
    for outcome in [o for o in ("first_formal_outcome", "proven_offences") if o in outcomes]:
        y = units[outcome].to_numpy(dtype=float)
        for group, mask in (("Participants", t & (w > 0)), ("Matched comparison", ~t & (w > 0))):
            n = int(mask.sum())
            count = int((y[mask] > 0).sum()) if outcome == "first_formal_outcome" else int(y[mask].sum())
            if group == "Participants":
                ci = (proportion_ci(count, n, level=level) if outcome == "first_formal_outcome"
                      else rate_ci(count, n, per=100, method="exact", level=level)).iloc[0]
                est, lo, hi, method = ci["estimate"], ci["lower"], ci["upper"], ci["method"]
            else:
                ww = w[mask]
                scale = 1.0 if outcome == "first_formal_outcome" else 100.0
                est = scale * float(np.sum(ww * (y[mask] > 0 if outcome == "first_formal_outcome" else y[mask]))
                                    / ww.sum()) if n else np.nan
                lo = hi = np.nan
                method = "weighted"
            rows.append({"outcome": outcome, "group": group, "numerator": count, "denominator": n,
                         "estimate": est, "lower": lo, "upper": hi, "method": method, "confidence": level})
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
