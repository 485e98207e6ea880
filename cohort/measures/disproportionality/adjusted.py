"""Regression-adjusted disparity: odds ratios as blocks of covariates are added."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice
from cohort.cohortdata import CohortData
from cohort.exceptions import SmallCountWarning
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.disproportionality.denominators import group_labels
from cohort.measures.disproportionality.occasions import DECISIONS, model_frame
from cohort.measures.disproportionality.rri import (
    _as_group,
    _recode,
    _reference_label,
    period_window,
)
from cohort.stats import logistic

__all__ = ["ADJUSTED_COLUMNS", "COVARIATES", "DEFAULT_BLOCKS", "adjusted_disparity"]

#: Covariates the model frame holds: name -> numeric (True) or categorical (False).
COVARIATES: dict[str, bool] = {
    "age": True, "age_band": False, "sex": False, "ethnicity": False, "send_level": False,
    "care_status": False, "offence_group": False, "gravity_score": True, "offences": True,
    "prior_outcomes": True, "prior_court": True, "authority_code": False,
}

#: The blocks of the MoJ (2017) custody model: demographics, the offence, history.
DEFAULT_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("age", "sex"), ("offence_group", "gravity_score"), ("prior_outcomes",),
)

#: Columns after the tidy contract, in order.
ADJUSTED_COLUMNS: tuple[str, ...] = (
    "reference_numerator", "reference_denominator", "log_odds_ratio", "std_error",
    "wald_lower", "wald_upper", "p_value", "explained_by_block", "explained_cumulative",
    "n", "events", "separation", "sparse", "warning",
)

Unit = Literal["occasion", "child"]


def _block_label(block: Sequence[str]) -> str:
    return "+ " + ", ".join(b.replace("_", " ") for b in block)


def adjusted_disparity(
    data: CohortData,
    outcome: str = "custody",
    group: str | Sequence[str] = "ethnicity",
    reference: str | Sequence[str] | None = None,
    blocks: Sequence[Sequence[str]] = DEFAULT_BLOCKS,
    period=None,
    authorities: Sequence[str] | None = None,
    unit: Unit = "occasion",
    combine: Mapping[str, Sequence[str]] | None = None,
    level: float = 0.95,
    profile: bool = True,
    min_cell: int = 5,
) -> pd.DataFrame:
    """Odds ratios of a decision by group, unadjusted and as covariate blocks are added.

    Parameters
    ----------
    data : CohortData
        ``offences`` (with ``offence_group`` and ``gravity_score``),
        ``children`` and, for remand, ``interventions``.
    outcome : {"custody", "remand", "court", "formal"}, default "custody"
        The decision: custody (or remand) at court sentencing occasions;
        court (versus out of court) or a formal outcome (versus diversion)
        at every outcome occasion.
    group, reference, combine
        As in :func:`cohort.disproportionality` (default reference: the
        group with the most occasions, White for ethnicity).
    blocks : sequence of sequences of str
        Covariates added in turn, each block to the model before it; names
        from :data:`COVARIATES` (``age`` and ``gravity_score``,
        ``prior_outcomes`` (earlier formal outcomes), ``prior_court`` and
        ``offences`` enter as numbers; the rest as categories, reference the
        most frequent level). Default: age and sex; offence group and
        gravity; earlier formal outcomes (the MoJ 2017 custody model).
    period : optional
        As in :func:`cohort.disproportionality`; occasions whose outcome date
        falls in it. Default the 12 months to the latest complete quarter.
    authorities : list of str, optional
        Only children of these authorities (default all).
    unit : {"occasion", "child"}, default "occasion"
        Every decision occasion in the period (a child with two court
        sentencing occasions is two rows, as in the MoJ and YJB studies), or
        each child's first.
    level : float, default 0.95
    profile : bool, default True
        Profile-likelihood intervals (``lower``, ``upper``); ``False`` uses
        the Wald limits there and is faster.
    min_cell : int, default 5
        Group levels (and other categories) with fewer events or non-events
        are flagged ``sparse`` (see :func:`cohort.stats.logistic`).

    Returns
    -------
    pandas.DataFrame
        One row per model (unadjusted, then each block added) and group
        value other than the reference:

        - ``model`` (0 unadjusted, 1, 2, ... blocks added), ``model_label``
          (``"unadjusted"``, ``"+ age, sex"``, ...), ``covariates`` (all
          covariates of the model besides the group);
        - ``group_variable``, ``group_value``, ``reference``;
        - ``numerator``, ``denominator``: the group's occasions with the
          outcome and all its occasions in the model; ``estimate``: the odds
          ratio against the reference; ``lower``, ``upper``: its
          profile-likelihood interval (Wald with ``profile=False``);
          ``method`` (``"profile-likelihood"`` or ``"wald"``);
          ``confidence``;
        - ``reference_numerator``, ``reference_denominator``;
        - ``log_odds_ratio``, ``std_error``, ``wald_lower``, ``wald_upper``
          (odds ratio scale), ``p_value`` (Wald);
        - ``explained_by_block``: the share of the unadjusted log-odds gap
          that this model's block removes, :math:`(\\beta_{k-1} -
          \\beta_k) / \\beta_0`; ``explained_cumulative``: :math:`(\\beta_0
          - \\beta_k) / \\beta_0` (negative when adjustment widens the gap;
          unstable when :math:`\\beta_0` is near 0);
        - ``n``, ``events``: rows and events in the model;
        - ``separation``, ``sparse``: the group term's flags from
          :func:`cohort.stats.logistic`; ``warning``: the warnings of that
          fit, as text.

    Warns
    -----
    SeparationWarning, SmallCountWarning
        Once per distinct message, when a fit has separation or sparse cells.

    Raises
    ------
    ValueError
        Unknown outcome, covariate, unit or group; a group variable in a block.

    Notes
    -----
    Each model is :math:`\\mathrm{logit}\\,P(Y=1) = \\beta_0 + \\sum_g
    \\beta_g [G = g] + x_k^T\\gamma` fitted by :func:`cohort.stats.logistic`
    (statsmodels GLM; validated against R ``glm`` and ``confint``). All
    models use the same rows: those with every covariate of the last model
    known. An odds ratio that falls towards 1 as a block is added means the
    block accounts for part of the gap (the groups differ on it and it
    predicts the outcome); one that rises means adjustment uncovers more.
    Neither proves or disproves discrimination: the models omit plea,
    aggravating and mitigating factors, pre-sentence reports and anything
    not recorded (MoJ 2017; YJB 2021). Occasions of one child are treated
    as independent, which makes intervals slightly narrow when children
    have many occasions (use ``unit="child"`` to avoid it).

    Validated against R ``glm(..., family = binomial)`` and
    ``confint`` on a stated data set (``tests/measures/test_adjusted_disparity.py``),
    and on synthetic data whose conditional odds ratios and confounder are
    planted.

    References
    ----------
    Bhamra, S. & Uhrig, N. (2017). *Associations between ethnic background
    and being sentenced to prison in the Crown Court in England and Wales in
    2015* / *Trends in the associations between ethnic background and being
    sentenced to custody for young offenders*. Ministry of Justice.

    Youth Justice Board (2021). *Ethnic disproportionality in remand and
    sentencing in the youth justice system*.

    Examples
    --------
    Custody at court, Black against White children, before and after
    gravity (the synthetic data's planted confounder):

    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=2024, authorities=5, scale=2)
    >>> t = cohort.adjusted_disparity(data, period=("2021/22", "2025/26"),
    ...                               blocks=[["gravity_score"]], profile=False)
    >>> t.loc[t["group_value"] == "Black",
    ...       ["model_label", "estimate", "lower", "upper", "explained_by_block"]].round(2)
           model_label  estimate  lower  upper  explained_by_block
    1       unadjusted      1.97   1.30   2.98                 NaN
    6  + gravity score      1.74   1.14   2.65                0.18
    >>> int(t["n"].iloc[0]), int(t["events"].iloc[0])
    (2917, 196)
    """
    check_choice("outcome", outcome, tuple(DECISIONS))
    check_choice("unit", unit, get_args(Unit))
    group = _as_group(group)
    blocks = [[block] if isinstance(block, str) else list(block) for block in blocks]
    used = [c for block in blocks for c in block]
    unknown = [c for c in used if c not in COVARIATES]
    if unknown:
        raise ValueError(
            f"unknown covariate(s) {unknown!r}; valid: {', '.join(map(repr, COVARIATES))}"
        )
    clash = [c for c in used if c in group]
    if clash:
        raise ValueError(f"{clash!r} is the group compared and cannot also be a covariate")
    if len(set(used)) != len(used):
        raise ValueError(f"a covariate appears in two blocks: {used!r}")
    start, end, label = period_window(period, data)
    frame = model_frame(data, outcome, start, end, unit=unit)
    if authorities is not None:
        frame = frame[frame["authority_code"].isin(list(authorities))]
    frame = frame.assign(group_value=group_labels(frame, group) if len(frame) else
                         pd.Series(dtype=object))
    if combine:
        frame["group_value"] = frame["group_value"].replace(_recode(combine, group))
    frame = frame.dropna(subset=used).reset_index(drop=True)
    columns = ["period", "model", "model_label", "covariates", "group_variable", "group_value",
               "reference", *TIDY_COLUMNS, *ADJUSTED_COLUMNS]
    if frame.empty or frame[outcome].nunique() < 2 or frame["group_value"].nunique() < 2:
        why = (f"no {outcome} decisions to model in {label}" if frame.empty else
               f"every one of the {len(frame)} {outcome} decisions in {label} has the same "
               "outcome" if frame[outcome].nunique() < 2 else
               f"every {outcome} decision in {label} concerns one group")
        warnings.warn(f"{why}: no model fitted", SmallCountWarning, stacklevel=2)
        return pd.DataFrame(columns=columns)
    counts = frame.groupby("group_value")[outcome].agg(["sum", "size"])
    ref = _reference_label(reference, group) or str(counts["size"].idxmax())
    if ref not in counts.index:
        raise ValueError(
            f"reference {ref!r} has no occasions; groups: {', '.join(map(repr, counts.index))}"
        )
    refs = {"group_value": ref}
    for c in used:
        if not COVARIATES[c]:
            frame[c] = frame[c].astype(str)
            refs[c] = frame[c].value_counts().idxmax()
        else:
            frame[c] = frame[c].astype(float)

    rows, seen = [], {}
    covariates: list[str] = []
    for k in range(len(blocks) + 1):
        if k:
            covariates = covariates + blocks[k - 1]
        # a covariate with one value in these data says nothing: left out, and said so
        constant = [c for c in covariates if frame[c].nunique() < 2]
        terms_in = [c for c in covariates if c not in constant]
        model_refs = {c: refs[c] for c in ("group_value", *terms_in) if c in refs}
        label_k = "unadjusted" if k == 0 else _block_label(blocks[k - 1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = logistic(frame, outcome, ["group_value", *terms_in], reference=model_refs,
                               level=level, profile=False, min_cell=min_cell)
            except ValueError as err:  # e.g. aliased terms in a small data set
                fit, failure = None, f"not fitted: {err}"
            profiled = False
            if fit is not None and profile and fit.fit["separation"] == "none":
                # profile limits only where the estimates exist (the search is slow and
                # can fail on a separated term); separated fits keep Wald limits
                fit = logistic(frame, outcome, ["group_value", *terms_in],
                               reference=model_refs, level=level, profile=["group_value"],
                               min_cell=min_cell)
                profiled = True
        messages = [f"{', '.join(constant)} left out (one value only)"] if constant else []
        for w in caught:
            seen.setdefault(str(w.message), w.category)
            messages.append(str(w.message))
        if fit is None:
            seen.setdefault(failure, SmallCountWarning)
            for value in counts.index.drop(ref):
                rows.append({"model": k, "model_label": label_k, "covariates": ", ".join(covariates),
                             "group_value": value, "separation": False, "sparse": False,
                             "n": len(frame), "events": int(frame[outcome].sum()),
                             "warning": "; ".join([*messages, failure])})
            continue
        coef = fit.coefficients
        terms = coef[coef["variable"] == "group_value"]
        for t in terms.itertuples(index=False):
            infinite = bool(t.separation)
            rows.append({
                "model": k,
                "model_label": label_k,
                "covariates": ", ".join(covariates),
                "group_value": t.category,
                # a separated term's estimate is infinite (or 0): no finite value to show
                "log_odds_ratio": np.sign(t.coefficient) * np.inf if infinite else t.coefficient,
                "std_error": np.nan if infinite else t.std_error,
                "estimate": (np.inf if t.coefficient > 0 else 0.0) if infinite else t.odds_ratio,
                "lower": (t.or_profile_lower if profiled else
                          (np.nan if infinite else t.or_wald_lower)),
                "upper": (t.or_profile_upper if profiled else
                          (np.nan if infinite else t.or_wald_upper)),
                "method": "profile-likelihood" if profiled else "wald",
                "wald_lower": np.nan if infinite else t.or_wald_lower,
                "wald_upper": np.nan if infinite else t.or_wald_upper,
                "p_value": np.nan if infinite else t.p_value,
                "separation": infinite, "sparse": bool(t.sparse),
                "n": fit.fit["n"], "events": fit.fit["events"],
                "warning": "; ".join(dict.fromkeys(messages)) or None,
            })
    for message, category in seen.items():
        warnings.warn(message, category, stacklevel=2)
    out = pd.DataFrame(rows).reindex(columns=[
        "model", "model_label", "covariates", "group_value", "log_odds_ratio", "std_error",
        "estimate", "lower", "upper", "method", "wald_lower", "wald_upper", "p_value",
        "separation", "sparse", "n", "events", "warning"])
    out["numerator"] = out["group_value"].map(counts["sum"]).astype(float)
    out["denominator"] = out["group_value"].map(counts["size"]).astype(float)
    out["reference_numerator"] = float(counts.at[ref, "sum"])
    out["reference_denominator"] = float(counts.at[ref, "size"])
    out["confidence"] = level
    base = out[out["model"] == 0].set_index("group_value")["log_odds_ratio"]
    beta0 = out["group_value"].map(base)
    previous = out.groupby("group_value")["log_odds_ratio"].shift(1)
    finite = np.isfinite(out["log_odds_ratio"]) & np.isfinite(beta0) & np.isfinite(previous)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["explained_by_block"] = ((previous - out["log_odds_ratio"]) / beta0).where(
            (out["model"] > 0) & finite)
        out["explained_cumulative"] = ((beta0 - out["log_odds_ratio"]) / beta0).where(
            (out["model"] > 0) & np.isfinite(out["log_odds_ratio"]) & np.isfinite(beta0))
    out["group_variable"] = " x ".join(group)
    out["reference"] = ref
    out["period"] = label
    return out.reindex(columns=columns).reset_index(drop=True)
