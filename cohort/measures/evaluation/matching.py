"""Propensity model, matching, balance and common support of an evaluation.

The statistics are :mod:`cohort.stats.matching`'s; this module prepares the
model's columns (dropping constant covariates, merging category levels that
only one group has), labels the balance table for readers, and summarises the
overlap of the two groups' scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from cohort.exceptions import CohortWarning
from cohort.measures.evaluation.spec import COVARIATE_LABELS
from cohort.stats import balance_table, logistic, match, matching_weights, propensity_score

#: Columns of the ``propensity_`` table.
PROPENSITY_COLUMNS: tuple[str, ...] = ("covariate", "label", "in_model", "note")


@dataclass
class Matched:
    """One matching of the units: pairs, per-unit weights and a summary."""

    spec: dict[str, Any]
    pairs: pd.DataFrame
    weights: pd.DataFrame
    width: float


def model_frame(units: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The propensity model's columns and a table saying what was done to each covariate.

    Numeric and boolean covariates enter as they are; text covariates as
    categories, where levels that only participants or only comparison
    children have are counted as the commonest shared level (otherwise the
    logistic model separates them perfectly and does not converge).
    Covariates with a single value among the units are left out.
    """
    cols: dict[str, pd.Series] = {}
    notes = []
    treated = units["treated"].to_numpy() == 1
    for cov in covariates:
        s = units[cov]
        label = COVARIATE_LABELS.get(cov, cov.replace("_", " ").capitalize())
        if s.nunique(dropna=True) < 2:
            notes.append((cov, label, False, f"left out: every child has the same value ({s.iloc[0]})"))
            continue
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols[cov] = s.astype(float)
            notes.append((cov, label, True, ""))
            continue
        s = s.astype(str)
        t_levels = set(s[treated])
        c_levels = set(s[~treated])
        lonely = sorted(t_levels ^ c_levels)
        shared = s[~s.isin(lonely)]
        modal = str(shared.value_counts().index[0]) if len(shared) else ""
        if lonely and modal:
            s = s.where(~s.isin(lonely), modal)
        if s.nunique() < 2:
            notes.append((cov, label, False, "left out: a single level after merging"))
            continue
        cols[cov] = s
        notes.append((cov, label, True, f"levels held by one group only ({', '.join(lonely)}) counted as {modal}"
                      if lonely else ""))
    frame = pd.DataFrame(cols, index=units.index)
    return frame, pd.DataFrame(notes, columns=list(PROPENSITY_COLUMNS))


#: Reference levels of the propensity model's categorical covariates, when present.
_REFERENCE = {"ethnicity": "White", "send_level": "No SEN Identified", "care_status": "Not looked after",
              "sex": "Female"}

#: Columns of the ``propensity_model_`` table.
MODEL_COLUMNS: tuple[str, ...] = (
    "term", "label", "odds_ratio", "lower", "upper", "method", "confidence", "p_value", "sparse", "separation",
)


def fit_scores(units: pd.DataFrame, covariates: Sequence[str],
               level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Propensity scores (``treatment``, ``propensity``, ``logit``), the covariate table and the
    model's odds ratios (:func:`cohort.stats.logistic`, Wald intervals)."""
    frame, notes = model_frame(units, covariates)
    used = notes.loc[notes["in_model"], "covariate"].tolist()
    frame["treated"] = units["treated"].to_numpy()
    reference = {c: r for c, r in _REFERENCE.items() if c in used and (frame[c] == r).any()}
    with warnings.catch_warnings():
        # sparse cells and separation are flagged in the model table; the scores still match
        warnings.simplefilter("ignore", CohortWarning)
        warnings.filterwarnings("ignore", message=".*separation.*")
        warnings.filterwarnings("ignore", message=".*converge.*")
        scores = propensity_score(frame, "treated", used, reference=reference)
        fit = logistic(frame, "treated", used, reference=reference, level=level, profile=False)
    c = fit.coefficients
    c = c[c["term"] != "(Intercept)"]
    model = pd.DataFrame({
        "term": c["term"].to_numpy(), "label": c["term"].map(_term_label).to_numpy(),
        "odds_ratio": c["odds_ratio"].to_numpy(), "lower": c["or_wald_lower"].to_numpy(),
        "upper": c["or_wald_upper"].to_numpy(), "method": "logistic-wald", "confidence": level,
        "p_value": c["p_value"].to_numpy(), "sparse": c["sparse"].to_numpy(),
        "separation": c["separation"].to_numpy(),
    }, columns=list(MODEL_COLUMNS))
    return scores, notes, model


def do_match(units: pd.DataFrame, scores: pd.DataFrame, spec: Mapping[str, Any]) -> Matched:
    """Match within strata on the logit of the propensity score."""
    pairs = match(scores["logit"], units["treated"], method=spec["method"], k=spec["k"],
                  replace=spec["replace"], caliper=spec["caliper"], exact=units["stratum"])
    weights = matching_weights(pairs, units["treated"])
    s, t = scores["logit"].to_numpy(), units["treated"].to_numpy()
    sd = np.sqrt(np.mean([np.var(s[t == g], ddof=1) for g in (0, 1)]))
    width = float(spec["caliper"]) * sd if spec["caliper"] is not None else np.inf
    return Matched(spec=dict(spec), pairs=pairs, weights=weights, width=width)


def balance(units: pd.DataFrame, covariates: Sequence[str], weights: pd.Series) -> pd.DataFrame:
    """:func:`cohort.stats.balance_table` before and after, with readable labels."""
    keep = [c for c in covariates if units[c].nunique(dropna=True) > 1]
    frame = units[["treated", *keep]].copy()
    for c in keep:
        if pd.api.types.is_bool_dtype(frame[c]):
            frame[c] = frame[c].astype(float)
    table = balance_table(frame, "treated", keep, weights=weights.to_numpy())
    table.insert(1, "label", table["covariate"].map(_term_label))
    return table


def _term_label(term: str) -> str:
    if "[" in term:
        cov, level = term[:-1].split("[", 1)
        return f"{COVARIATE_LABELS.get(cov, cov)}: {level}"
    return COVARIATE_LABELS.get(term, term.replace("_", " ").capitalize())


def summary(units: pd.DataFrame, scores: pd.DataFrame, m: Matched) -> pd.DataFrame:
    """Matching in one table: group sizes, c statistic, caliper and reuse of comparisons."""
    t = units["treated"].to_numpy() == 1
    p = scores["propensity"].to_numpy()
    auc = sps.mannwhitneyu(p[t], p[~t]).statistic / (t.sum() * (~t).sum())
    w = m.weights
    matched_t = int((w["matched"] & (w["treatment"] == 1)).sum())
    comp = w[(w["treatment"] == 0) & w["matched"]]
    reuse = m.pairs.groupby("control_id").size()
    ess = float(comp["weight"].sum() ** 2 / (comp["weight"] ** 2).sum()) if len(comp) else 0.0
    rows = [
        ("participants", "Participants eligible for matching", int(t.sum())),
        ("pool", "Comparison pool (child x programme year)", int((~t).sum())),
        ("c_statistic", "Propensity model c statistic (0.5 = no separation, 1 = complete)", float(auc)),
        ("caliper_width", "Caliper on the logit scale", float(m.width)),
        ("matched_participants", "Participants matched", matched_t),
        ("comparisons_used", "Distinct comparison children used", int(len(comp))),
        ("comparison_ess", "Effective size of the comparison group (Kish)", ess),
        ("max_reuse", "Most participants one comparison child is matched to",
         int(reuse.max()) if len(reuse) else 0),
    ]
    return pd.DataFrame(rows, columns=["quantity", "description", "value"])


def support(units: pd.DataFrame, scores: pd.DataFrame, m: Matched) -> pd.DataFrame:
    """Common support: the spread of propensity scores in each group, before and after matching."""
    t = units["treated"].to_numpy() == 1
    p = scores["propensity"].to_numpy()
    used = m.weights["matched"].to_numpy()
    rows = []
    lo, hi = p[~t].min(), p[~t].max()
    for sample, mask_t, mask_c in (("before", t, ~t), ("after", t & used, ~t & used)):
        for group, mask in (("Participants", mask_t), ("Comparison", mask_c)):
            v = p[mask]
            q = np.quantile(v, [0, 0.05, 0.5, 0.95, 1]) if len(v) else [np.nan] * 5
            rows.append({"sample": sample, "group": group, "n": int(mask.sum()),
                         "minimum": q[0], "p05": q[1], "median": q[2], "p95": q[3], "maximum": q[4],
                         "outside_pool_range": int(((v < lo) | (v > hi)).sum()) if group == "Participants"
                         else 0})
    return pd.DataFrame(rows)


def overlap(units: pd.DataFrame, scores: pd.DataFrame, m: Matched, bins: int = 30) -> pd.DataFrame:
    """Binned logit propensity scores per group (shares), before and after matching (weighted)."""
    t = units["treated"].to_numpy() == 1
    s = scores["logit"].to_numpy()
    w = m.weights["weight"].to_numpy()
    edges = np.linspace(s.min(), s.max(), bins + 1)
    rows = []
    for sample, weight in (("before", np.ones_like(s)), ("after", w)):
        for group, mask in (("Participants", t), ("Comparison", ~t)):
            wt = weight * mask
            counts, _ = np.histogram(s, bins=edges, weights=(wt > 0).astype(float))
            mass, _ = np.histogram(s, bins=edges, weights=wt)
            total = mass.sum()
            for i in range(bins):
                rows.append({"sample": sample, "group": group, "bin_lower": edges[i],
                             "bin_upper": edges[i + 1], "n": int(counts[i]),
                             "share": mass[i] / total if total > 0 else np.nan})
    return pd.DataFrame(rows)


def expand_pairs(units: pd.DataFrame, pairs: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Matched sets in long form: each participant once, each comparison once per set it is in.

    ``set`` is the participant's unit; a comparison matched to several
    participants appears in each of their sets (its weight, for 1:1 matching).
    """
    cols = list(columns)
    treated_ids = pd.unique(pairs["treated_id"])
    tr = units.loc[treated_ids, cols].assign(set=treated_ids, treated=1)
    co = units.loc[pairs["control_id"], cols].assign(set=pairs["treated_id"].to_numpy(), treated=0)
    return pd.concat([tr, co], ignore_index=True)
