"""Victims: contact, restorative justice offers and take-up, support, and who the victims are.

KPI 10 counts victims who engage with restorative justice (RJ) among those
who consent to be contacted. This module gives the fuller picture a board
needs (inspectors asked boards to analyse their victims): the contact and
RJ cascade with rates, support provided when requested, the recorded
reasons victims did not take RJ up, and the victim profile by type, sex,
age band and ethnicity, each with Wilson intervals and the change from the
previous quarter.

The cascade is chained, as in :mod:`cohort.measures.kpi`: a victim counts
as contacted only if they consented to contact, as offered RJ only if
contacted, and as accepting only if offered, so each rate's denominator is
the previous step's numerator.
"""

from __future__ import annotations

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import TIDY_COLUMNS, quarter_window
from cohort.measures.kpi.definitions import CHANGE_COLUMNS, MeasureSpec
from cohort.measures.kpi.engine import _counts_frame, _evaluate, _tidy, _with_change
from cohort.measures.kpi.records import _victim_frame
from cohort.periods import QuarterLike, quarter_label

__all__ = ["NOT_RECORDED", "VICTIM_MEASURES", "victims"]

#: Category for a missing characteristic or reason.
NOT_RECORDED = "Not recorded"

#: Profile characteristics that describe people, so only individual victims are profiled.
_PERSON = ("sex", "age_band", "ethnicity")
_CODELISTS = {"victim_type": "victim_type", "sex": "sex", "age_band": "age_band_victim",
              "ethnicity": "ethnicity", "non_engagement_reason": "rj_non_engagement"}

#: The measures of :func:`victims`, in output order.
VICTIM_MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("restorative_justice", "cascade",
                ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                description="consented / victims; contacted / consented; offered RJ / "
                            "contacted; accepted RJ / offered"),
    MeasureSpec("engagement", "cascade", ("rj_accepted_chain",), ("accepted_rj",),
                within="consented_contact",
                description="accepted RJ / consented to contact (KPI 10 main measure)"),
    MeasureSpec("support", "cascade", ("support_provided",), ("support_provided",),
                within="support_requested", description="support provided / support requested"),
    MeasureSpec("non_engagement_reason", "categorical", ("non_engagement_reason",),
                "codelist:rj_non_engagement", within="not_engaged",
                description="each recorded reason / victims who did not accept RJ"),
    MeasureSpec("victim_type", "categorical", ("victim_type",), "codelist:victim_type",
                description="each type / victims"),
    *(
        MeasureSpec(v, "categorical", (v,), f"codelist:{_CODELISTS[v]}", within="individual",
                    description=f"each {v.replace('_', ' ')} / individual victims")
        for v in _PERSON
    ),
)


def _categories(spec: MeasureSpec) -> list[str]:
    if spec.kind != "categorical":
        return list(spec.categories)
    name = spec.categories.split(":")[1]  # type: ignore[union-attr]
    return [*load_dictionary().codes(name), NOT_RECORDED]


def _table(data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp,
           level: float) -> pd.DataFrame:
    v = _victim_frame(data, authority, start, end)
    filled = {
        c: v[c].astype(object).where(v[c].notna(), NOT_RECORDED)
        for c in ("victim_type", *_PERSON, "non_engagement_reason")
    }
    v = v.assign(
        **filled,
        individual=(filled["victim_type"] == "Individual").to_numpy(dtype=float),
        not_engaged=(v["accepted_rj"].to_numpy(dtype=float) != 1).astype(float),
    )
    counts = _counts_frame([_evaluate(v, s, _categories(s)) for s in VICTIM_MEASURES])
    return _tidy(counts.drop(columns="subgroup"), level)


def victims(
    data: CohortData,
    authority: str,
    quarter: QuarterLike,
    level: float = 0.95,
) -> pd.DataFrame:
    """Victim contact, restorative justice and support rates, and the victim profile.

    Parameters
    ----------
    data : CohortData
        Reads the ``victims`` table (one row per victim; its
        ``record_date`` places the victim in a quarter).
    authority : str
        Authority code.
    quarter : str or pandas.Period
        Financial-year quarter, e.g. ``"2023/24 Q4"``.
    level : float, default 0.95
        Confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per measure x category:

        - ``authority_code``, ``quarter``.
        - ``measure`` and ``category``:

          - ``restorative_justice``: ``consented_contact`` (of all victims),
            ``contacted`` (of those consenting), ``offered_rj`` (of those
            contacted), ``accepted_rj`` (of those offered).
          - ``engagement``: ``accepted_rj`` of those consenting (KPI 10).
          - ``support``: ``support_provided`` of those requesting support.
          - ``non_engagement_reason``: each reason (code list
            ``rj_non_engagement``, plus "Not recorded") among victims who
            did not accept RJ.
          - ``victim_type`` among all victims; ``sex``, ``age_band`` and
            ``ethnicity`` among individual victims (a business has none),
            each with "Not recorded" for missing values.
        - ``numerator``, ``denominator`` (Int64), ``estimate``, ``lower``,
          ``upper`` (Wilson), ``method``, ``confidence``.
        - The comparison with the previous quarter, as in
          :func:`cohort.measures.kpi.kpis`: ``previous_numerator``,
          ``previous_denominator``, ``previous_estimate``, ``change`` and
          its Newcombe interval ``change_lower``, ``change_upper`` (in
          percentage points), ``change_unit``, ``direction``.

    Notes
    -----
    With :math:`C` victims consenting to contact, the cascade rates are
    :math:`|contacted \\cap C| / |C|`,
    :math:`|offered \\cap contacted \\cap C| / |contacted \\cap C|` and so
    on; a victim recorded as offered RJ but never contacted is therefore
    not counted as offered (the record is inconsistent). KPI 10's wording
    (victims engaged with RJ opportunities among victims consenting to
    contact) is reconstructed [M] in METHODS.md section 3.

    Validated against the victims counts of a borough's published 2023/24
    KPI tables (victims contacted, offered and accepting RJ per quarter;
    Sefton Youth Justice Plan 2024/25) and a hand-counted profile
    (tests/measures/test_victims.py).

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> v = pd.DataFrame({"victim_id": ["v1", "v2", "v3", "v4"], "authority_code": "X01",
    ...     "offence_id": ["o1", "o2", "o3", "o4"], "record_date": pd.Timestamp("2024-05-01"),
    ...     "victim_type": ["Individual", "Individual", "Individual", "Business or organisation"],
    ...     "sex": ["Female", "Male", "Female", None], "consented_contact": [True, True, True, False],
    ...     "contacted": [True, True, False, False], "offered_rj": [True, False, False, False],
    ...     "accepted_rj": [True, False, False, False], "support_requested": [True, False, False, False],
    ...     "support_provided": [True, False, False, False]})
    >>> t = victims(CohortData({"victims": v}), "X01", "2024/25 Q1")
    >>> t.loc[t["measure"] == "restorative_justice", ["category", "numerator", "denominator"]]
                category  numerator  denominator
    0  consented_contact          3            4
    1          contacted          2            3
    2         offered_rj          1            2
    3        accepted_rj          1            1
    """
    period, start, end = quarter_window(quarter)
    current = _table(data, authority, start, end, level)
    _, ps, pe = quarter_window(period - 1)
    previous = _table(data, authority, ps, pe, level)
    out = _with_change(current, previous, ("measure", "category"), level)
    out.insert(0, "quarter", quarter_label(period))
    out.insert(0, "authority_code", authority)
    for c in ("numerator", "denominator", "previous_numerator", "previous_denominator"):
        out[c] = out[c].round().astype("Int64")
    order = ["authority_code", "quarter", "measure", "category", *TIDY_COLUMNS, *CHANGE_COLUMNS]
    return out[order]
