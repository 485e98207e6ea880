"""The public KPI functions: :func:`kpis`, :func:`kpis_year`, :func:`kpi_cohort`, :func:`kpi_specs`."""

from __future__ import annotations

from typing import get_args

import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.measures._common import quarter_window
from cohort.measures.kpi.definitions import (
    KEY_COLUMNS,
    Basis,
    KpiDefinitions,
    _definitions,
)
from cohort.measures.kpi.engine import _evaluate_all, _finish, _frames, _no_change, _with_change
from cohort.measures.kpi.records import _codes, _cohort_records
from cohort.periods import QuarterLike, financial_year_bounds, quarter_label
from cohort.periods import financial_year as _financial_year_label


def kpis(
    data: CohortData,
    authority: str,
    quarter: QuarterLike,
    basis: Basis = "ended",
    level: float = 0.95,
    *,
    definitions: str | KpiDefinitions = "yjb_2023",
    change: bool = True,
) -> pd.DataFrame:
    """The ten YJB key performance indicators for one authority and quarter.

    Parameters
    ----------
    data : CohortData
        Reads ``interventions``, ``kpi_records``, ``offences``,
        ``board_attendance`` and ``victims`` (absent tables give empty
        measures; absent optional columns count as unanswered).
    authority : str
        Authority code.
    quarter : str or pandas.Period
        Financial-year quarter, e.g. ``"2023/24 Q1"``.
    basis : {"ended", "open"}, default "ended"
        Cohort of KPIs 1-7: interventions ending in the quarter (one record
        each, dated in the quarter), or a snapshot of the interventions
        open at any time in the quarter with their latest record on or
        before its last day. KPIs 8-10 are dated events and ignore it.
    level : float, default 0.95
        Confidence level of the intervals.
    definitions : str or KpiDefinitions, default "yjb_2023"
        Version of the KPI definitions (see :data:`DEFINITIONS`), or a
        modified copy of one (e.g. another serious violence gravity).
    change : bool, default True
        Compare with the previous quarter. ``False`` leaves the comparison
        columns empty and does half the work (for tables that show no
        change, such as every authority's quarters side by side).

    Returns
    -------
    pandas.DataFrame
        One row per KPI x subgroup x measure x category:

        - ``authority_code``, ``quarter`` (label such as ``"2023/24 Q1"``).
        - ``kpi`` (code of the ``kpi`` code list), ``kpi_number`` (1-10).
        - ``subgroup``: ``"all"``, or ``"school_age"``/``"post_16"`` for
          the ETE measures.
        - ``measure``, ``category``: see :func:`kpi_specs`.
        - ``numerator``, ``denominator`` (Int64): counts; a count-only
          measure (serious violence) has no denominator.
        - ``estimate``: ``numerator / denominator`` (a proportion).
        - ``lower``, ``upper``: Wilson interval; ``method`` ("wilson", or
          "none" for counts), ``confidence``.
        - ``previous_numerator``, ``previous_denominator``,
          ``previous_estimate``: the same row of the previous quarter.
        - ``change``: difference from the previous quarter in percentage
          points (``change_unit`` "percentage_points"), or in the count
          for counts (``"count"``); ``change_lower``, ``change_upper``:
          Newcombe hybrid score interval (percentage points).
        - ``direction``: ``"up"``, ``"down"`` or ``"same"`` for the change
          arrow, comparing percentages rounded half up to one decimal place
          as published; missing when either quarter is undefined.
        - ``basis``, ``definitions``: the settings used.

    Warns
    -----
    DataQualityWarning
        When KPI-cohort interventions of the quarter have no ``kpi_records``
        row (they cannot enter the KPI 1-5 and 7 denominators).

    Notes
    -----
    For each category :math:`c` of a measure with records :math:`R` that
    answer it, :math:`\\hat p_c = |\\{r \\in R: r = c\\}| / |R|`. Cascades
    chain: :math:`p_{offered} = |offered \\cap need| / |need|` and
    :math:`p_{attending} = |attending \\cap offered \\cap need| /
    |offered \\cap need|`. The quarter-on-quarter change is
    :math:`100(\\hat p_q - \\hat p_{q-1})` with Newcombe's (1998) method 10
    interval, treating the quarters as independent samples (a child in
    both quarters makes the interval slightly conservative).

    Definitions follow the YJB KPI guidance (April 2023 text; current
    gov.uk text for KPIs 1-5) as summarised in METHODS.md section 3;
    :func:`kpi_specs` lists each measure's numerator and denominator and
    the evidence for it. Validated by reproducing a borough's published
    2023/24 quarterly KPI tables (Sefton Youth Justice Plan 2024/25) from
    case-level records built to match them (tests/measures/test_kpi.py):
    all 108 counts and denominators, all 104 non-blank percentages to one
    decimal place (rounded half up; the other four are zero counts
    published blank), every quarter-on-quarter difference, and the
    published counts of links to wider services, serious violence by
    offence group (with its distinct total) and victims.

    References
    ----------
    Youth Justice Board (2023). *Key performance indicators for youth
    justice services*. GOV.UK guidance.

    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> iv = pd.DataFrame({"intervention_id": ["i1", "i2", "i3"], "child_id": ["a", "b", "c"],
    ...     "authority_code": "X01", "programme": "Referral order", "status": "Completed",
    ...     "start_date": pd.Timestamp("2024-01-08"),
    ...     "end_date": pd.to_datetime(["2024-04-30", "2024-05-31", "2024-06-28"])})
    >>> rec = iv[["intervention_id", "child_id", "authority_code"]].assign(
    ...     record_date=iv["end_date"], accommodation=["Suitable", "Suitable", "Unsuitable"],
    ...     ete_type="Mainstream", school_age=True, sen_level="No SEN Identified",
    ...     mh_need=[True, False, False], sm_need=False, early_help=[True, False, False],
    ...     child_in_need=False, child_protection=False, cared_for=False)
    >>> t = kpis(CohortData({"interventions": iv, "kpi_records": rec}), "X01", "2024/25 Q1")
    >>> t.loc[t["kpi"] == "accommodation", ["category", "numerator", "denominator", "estimate"]]
         category  numerator  denominator  estimate
    0    Suitable          2            3  0.666667
    1  Unsuitable          1            3  0.333333
    2     Unknown          0            3  0.000000
    """
    _check_choice("basis", basis, get_args(Basis))
    defs = _definitions(definitions)
    period, start, end = quarter_window(quarter)
    tables = []
    for p in (period, period - 1) if change else (period,):  # problems reported for the quarter asked for
        _, s, e = quarter_window(p)
        frames = _frames(data, authority, s, e, basis, defs, False, warn=p == period)
        tables.append(_evaluate_all(frames, defs, level))
    table = _with_change(tables[0], tables[1], KEY_COLUMNS, level) if change else _no_change(tables[0])
    return _finish(table, {"authority_code": authority, "quarter": quarter_label(period)}, basis, defs)


def kpis_year(
    data: CohortData,
    authority: str,
    financial_year: QuarterLike,
    basis: Basis = "ended",
    level: float = 0.95,
    *,
    definitions: str | KpiDefinitions = "yjb_2023",
    through: QuarterLike | None = None,
    change: bool = True,
) -> pd.DataFrame:
    """The ten KPIs for a whole financial year, counting distinct children.

    The year's cohort is every child with a KPI-cohort intervention ending
    in the year (``basis="ended"``) or open in it (``"open"``), counted
    **once**: the published whole-year cohort is distinct children, not the
    sum of the four quarters (a child whose interventions end in Q1 and Q3
    is in both quarterly tables but once in the year). A child with several
    records is described by, for each answer, their most recent record
    that answers it (:attr:`KpiDefinitions.year_record`); a child with
    several out-of-court disposals by their latest one (an open one counts
    as the latest). Serious violence counts distinct children over the
    year; board attendance and victims are events, counted as such.

    Parameters
    ----------
    data : CohortData
    authority : str
        Authority code.
    financial_year : str
        ``"2023/24"`` (or a quarter or date inside it).
    basis : {"ended", "open"}, default "ended"
        As for :func:`kpis`, over the whole year.
    level : float, default 0.95
        Confidence level.
    definitions : str or KpiDefinitions, default "yjb_2023"
    through : str or pandas.Period, optional
        Count the year to date: from the year's first day to the last day of
        this quarter of the year (the comparison is the same span of the
        previous year). Default: the whole year.
    change : bool, default True
        Compare with the previous financial year; ``False`` leaves the
        comparison columns empty.

    Returns
    -------
    pandas.DataFrame
        As :func:`kpis`, with ``financial_year`` in place of ``quarter``;
        the comparison columns refer to the previous financial year (to the
        same quarter, with ``through``).

    Notes
    -----
    Validated by reproducing the published whole-year figures of the same
    borough (167 distinct children; accommodation 148 / 16 / 3, 88.6%;
    SEN Support or EHCP 79, 47.3%; mental health need 63, 37.7%; substance
    misuse need 89, 53.3%; out-of-court disposals 55 of 95 completed, 57.9%,
    on the ``"open"`` basis) from the same records that reproduce its
    quarterly tables.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> iv = pd.DataFrame({"intervention_id": ["i1", "i2"], "child_id": ["a", "a"],
    ...     "authority_code": "X01", "programme": "Referral order", "status": "Completed",
    ...     "start_date": pd.Timestamp("2023-03-01"),
    ...     "end_date": pd.to_datetime(["2023-05-31", "2023-11-30"])})
    >>> rec = iv[["intervention_id", "child_id", "authority_code"]].assign(
    ...     record_date=iv["end_date"], accommodation=["Unsuitable", "Suitable"],
    ...     ete_type="Mainstream", school_age=True, sen_level="EHCP", mh_need=False,
    ...     sm_need=False, early_help=False, child_in_need=False, child_protection=False,
    ...     cared_for=False)
    >>> t = kpis_year(CohortData({"interventions": iv, "kpi_records": rec}), "X01", "2023/24")
    >>> t.loc[t["kpi"] == "accommodation", ["category", "numerator", "denominator"]]
         category  numerator  denominator
    0    Suitable          1            1
    1  Unsuitable          0            1
    2     Unknown          0            1
    """
    _check_choice("basis", basis, get_args(Basis))
    defs = _definitions(definitions)
    start, end = financial_year_bounds(financial_year)
    spans = [(start, end), financial_year_bounds(start - pd.Timedelta(days=1))]
    if through is not None:
        _, _, last = quarter_window(through)
        if not start <= last <= end:
            raise ValueError(f"through={through!r} is not a quarter of the financial year {financial_year!r}")
        spans = [(start, last), (spans[1][0], last - pd.DateOffset(years=1))]
    tables = []
    for s, e in spans if change else spans[:1]:
        frames = _frames(data, authority, s, e, basis, defs, True, warn=s == start)
        tables.append(_evaluate_all(frames, defs, level))
    table = _with_change(tables[0], tables[1], KEY_COLUMNS, level) if change else _no_change(tables[0])
    label = _financial_year_label(start)
    return _finish(table, {"authority_code": authority, "financial_year": label}, basis, defs)


def kpi_cohort(
    data: CohortData,
    authority: str,
    quarter: QuarterLike,
    basis: Basis = "ended",
) -> pd.DataFrame:
    """The KPI records a quarter's KPIs 1-5 and 7 are counted from.

    One row per KPI-cohort intervention in the quarter (see :func:`kpis`
    for ``basis``) with its ``kpi_records`` row and ``programme``: the
    drill-down behind the KPI table.

    Parameters
    ----------
    data : CohortData
    authority : str
    quarter : str or pandas.Period
    basis : {"ended", "open"}, default "ended"

    Returns
    -------
    pandas.DataFrame
        The ``kpi_records`` columns plus ``programme``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohort.cohortdata import CohortData
    >>> iv = pd.DataFrame({"intervention_id": ["i1", "i2"], "child_id": ["a", "b"],
    ...     "authority_code": "X01", "programme": ["Referral order", "Turnaround"],
    ...     "status": "Completed", "start_date": pd.Timestamp("2024-01-08"),
    ...     "end_date": pd.Timestamp("2024-05-31")})
    >>> rec = iv[["intervention_id", "child_id", "authority_code"]].assign(
    ...     record_date=iv["end_date"], accommodation="Suitable", ete_type="Mainstream",
    ...     school_age=True, sen_level="EHCP", mh_need=False, sm_need=False,
    ...     early_help=False, child_in_need=False, child_protection=False, cared_for=False)
    >>> kpi_cohort(CohortData({"interventions": iv, "kpi_records": rec}), "X01",
    ...            "2024/25 Q1")[["intervention_id", "programme"]]
      intervention_id       programme
    0              i1  Referral order
    """
    _check_choice("basis", basis, get_args(Basis))
    _, start, end = quarter_window(quarter)
    programmes = _codes("programme", (("kpi_cohort", True),))
    return _cohort_records(data, authority, start, end, basis, programmes)


def kpi_specs(definitions: str | KpiDefinitions = "yjb_2023") -> pd.DataFrame:
    """The KPI definitions as a table: one row per measure.

    Parameters
    ----------
    definitions : str or KpiDefinitions, default "yjb_2023"

    Returns
    -------
    pandas.DataFrame
        ``kpi_number``, ``kpi``, ``label``, ``status`` (V, M or P as in
        METHODS.md), ``source``, ``timing``, ``numerator``, ``denominator``
        (the main measure), ``subgroup``, ``measure``, ``kind``,
        ``description`` (the measure's numerator / denominator) and
        ``definitions`` (the version).

    Examples
    --------
    >>> s = kpi_specs()
    >>> s.drop_duplicates("kpi")["kpi"].tolist()[:3]
    ['accommodation', 'ete', 'send']
    """
    defs = _definitions(definitions)
    codes = load_dictionary().codelist("kpi").set_index("code")
    rows = [
        {
            "kpi_number": int(codes.loc[k.code, "number"]),
            "kpi": k.code,
            "label": codes.loc[k.code, "label"],
            "status": k.status,
            "source": k.source,
            "timing": k.timing,
            "numerator": k.numerator,
            "denominator": k.denominator,
            "subgroup": m.subgroup,
            "measure": m.measure,
            "kind": m.kind,
            "description": m.description,
            "definitions": defs.version,
        }
        for k in defs.kpis
        for m in k.measures
    ]
    return pd.DataFrame(rows)
