"""Two views of the :func:`~cohort.measures.disproportionality.disproportionality`
table, each in the tidy contract, for reports and disclosure control.

- :func:`representation_table`: the share of children at each stage from
  each group, with the population share and the representation ratio.
- :func:`relative_rate_table`: the relative rate index itself as the
  estimate, with the group's and the reference's rates beside it and a note
  that says "not calculable (...)" where the volume rules are not met.

Both keep the counts beside the estimates (so disclosure control can
protect them) and add nothing that the full table does not hold.
"""

from __future__ import annotations

import pandas as pd

from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.disproportionality.stages import STAGES

__all__ = ["adjusted_table", "relative_rate_table", "representation_table"]

def _lead(table: pd.DataFrame, compared: bool = False) -> pd.DataFrame:
    """Authority, the stage by its label (and what it is compared with), group, reference."""
    out = pd.DataFrame(index=table.index)
    if "authority_code" in table:
        out["authority_code"] = table["authority_code"]
    labels = table["stage_label"] if "stage_label" in table else table["stage"]
    out["stage"] = labels
    if compared:
        names = {name: stage.label for name, stage in STAGES.items()}
        names.update(zip(table["stage"], labels, strict=False))
        out["compared_with"] = table["denominator_stage"].map(names)
    out["group_value"] = table["group_value"]
    if "reference" in table:
        out["reference"] = table["reference"]
    return out


def representation_table(table: pd.DataFrame) -> pd.DataFrame:
    """Shares of children at each stage by group, against the population.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`cohort.disproportionality`.

    Returns
    -------
    pandas.DataFrame
        ``authority_code`` (when present), ``stage`` (its label, e.g.
        "Court outcome (not out of court)"), ``group_value``, ``reference``,
        then ``numerator`` (children of the group at the stage), ``denominator``
        (all children at the stage), ``estimate`` (the share), ``lower``,
        ``upper`` (Wilson), ``method`` (``"wilson"``), ``confidence``, then
        ``population_share``, ``representation_ratio``,
        ``representation_lower``, ``representation_upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["court"], "group_value": ["Black"], "numerator": [30.0],
    ...     "stage_total": [200.0], "share": [0.15], "share_lower": [0.107],
    ...     "share_upper": [0.206], "confidence": [0.95], "population_share": [0.085],
    ...     "representation_ratio": [1.76], "representation_lower": [1.26],
    ...     "representation_upper": [2.42]})
    >>> representation_table(t)[["numerator", "denominator", "estimate"]]
       numerator  denominator  estimate
    0       30.0        200.0      0.15
    """
    out = _lead(table)
    out["numerator"] = table["numerator"]
    out["denominator"] = table["stage_total"]
    out["estimate"] = table["share"]
    out["lower"] = table["share_lower"]
    out["upper"] = table["share_upper"]
    out["method"] = "wilson"
    out["confidence"] = table["confidence"]
    for c in ("population_share", "representation_ratio", "representation_lower",
              "representation_upper"):
        out[c] = table[c]
    return out.reset_index(drop=True)


def relative_rate_table(table: pd.DataFrame, *, include_reference: bool = False) -> pd.DataFrame:
    """The relative rate index by stage as the estimate, with its note.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`cohort.disproportionality`.
    include_reference : bool, default False
        Keep the reference group's rows (relative rate 1 by definition).

    Returns
    -------
    pandas.DataFrame
        ``authority_code`` (when present), ``stage`` (its label),
        ``compared_with`` (the feeding stage's label, or "Children aged
        10-17"), ``group_value``, ``reference``, then ``numerator`` and ``denominator`` (the
        group's children at the stage and at its feeding stage or in the
        population), ``estimate`` (the relative rate), ``lower``, ``upper``,
        ``method`` (the interval's method), ``confidence``, then
        ``p_value`` and ``note``: ``"not calculable (<reason>)"`` where
        the minimum-volume or population rules are not met (the estimate and
        its interval are still given), else missing. Rows without any
        denominator (a group with no population count at a population
        stage, such as Unknown ethnicity) have no rate to compare and are
        left out; :func:`representation_table` still shows their share.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["custody"], "group_value": ["Black"],
    ...     "reference": ["White"], "numerator": [12.0], "denominator": [60.0],
    ...     "stage_label": ["Custodial sentence"], "denominator_stage": ["court"],
    ...     "estimate": [0.2], "reference_estimate": [0.1], "relative_rate": [2.0],
    ...     "relative_lower": [1.04], "relative_upper": [3.85], "relative_method": ["katz"],
    ...     "confidence": [0.95], "p_value": [0.038], "calculable": [False],
    ...     "reason": ["fewer than 50 children"]})
    >>> r = relative_rate_table(t).iloc[0]
    >>> float(r["estimate"]), r["note"]
    (2.0, 'not calculable (fewer than 50 children)')
    """
    d = table if include_reference else table[table["group_value"] != table["reference"]]
    d = d[d["denominator"].notna()]
    out = _lead(d, compared=True)
    out["numerator"] = d["numerator"]
    out["denominator"] = d["denominator"]
    out["estimate"] = d["relative_rate"]
    out["lower"] = d["relative_lower"]
    out["upper"] = d["relative_upper"]
    out["method"] = d["relative_method"]
    out["confidence"] = d["confidence"]
    out["p_value"] = d["p_value"]
    out["note"] = d["reason"].map(lambda r: f"not calculable ({r})" if isinstance(r, str) else None)
    lead = [c for c in ("authority_code", "stage", "compared_with", "group_value", "reference")
            if c in out]
    out = out[[*lead, *TIDY_COLUMNS, "p_value", "note"]]
    return out.reset_index(drop=True)


def adjusted_table(table: pd.DataFrame) -> pd.DataFrame:
    """The odds ratios of :func:`cohort.adjusted_disparity` with what a reader needs.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``model_label``, ``group_value``, ``reference``, then the
        tidy columns (``numerator`` and ``denominator``: the group's
        occasions with the outcome and in all; ``estimate``: the odds ratio
        with its interval), ``p_value``, ``explained_by_block``,
        ``separation``, ``sparse``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"period": "2024/25", "model": [0], "model_label": ["unadjusted"],
    ...     "group_value": ["Black"], "reference": ["White"], "numerator": [15.0],
    ...     "denominator": [46.0], "estimate": [1.94], "lower": [0.87], "upper": [4.29],
    ...     "method": ["profile-likelihood"], "confidence": [0.95], "p_value": [0.10],
    ...     "explained_by_block": [None], "separation": [False], "sparse": [False]})
    >>> list(adjusted_table(t).columns)[:5]
    ['model', 'model_label', 'group_value', 'reference', 'numerator']
    """
    lead = ["model", "model_label", "group_value", "reference"]
    extra = ["p_value", "explained_by_block", "separation", "sparse"]
    return table[[*lead, *TIDY_COLUMNS, *extra]].reset_index(drop=True)
