"""Which tables each report section needs, so that a store made from a real
service's extract can say up front which sections it cannot produce.

``cohort validate`` lists them before anything is written, and a report
notebook says plainly which of its sections are left out (see
:func:`missing_sections`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["REPORT_SECTIONS", "TABLE_LABELS", "missing_sections"]

#: Plain-English names of the tables, as a report says them.
TABLE_LABELS: Mapping[str, str] = {
    "authorities": "authorities",
    "children": "children",
    "offences": "offences and outcomes",
    "interventions": "interventions",
    "kpi_records": "KPI records",
    "victims": "victims",
    "board_attendance": "management board attendance",
    "attendance": "school attendance",
    "population": "10-17 population estimates",
}

#: report notebook -> section -> tables it needs (with rows).
REPORT_SECTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "quarterly_profile": {
        "Who the service worked with": ("children", "interventions"),
        "The ten YJB key performance indicators": ("kpi_records", "interventions"),
        "Management board attendance (KPI)": ("board_attendance",),
        "Victims (KPI)": ("victims",),
    },
    "performance": {
        "First time entrants": ("children", "offences", "population"),
        "Proven reoffending": ("children", "offences"),
        "Use of custody": ("offences", "population"),
        "Benchmarking": ("children", "offences", "population"),
    },
    "victims": {
        "Victims and restorative justice": ("victims", "offences"),
    },
    "disproportionality": {
        "Disproportionality by decision point": ("children", "offences", "population"),
    },
    "intervention_evaluation": {
        "Matched evaluation of a programme": ("children", "interventions", "offences"),
        "School attendance outcome": ("attendance",),
    },
}


def missing_sections(present: Iterable[str] | Mapping[str, pd.DataFrame],
                     reports: Iterable[str] | None = None) -> pd.DataFrame:
    """The report sections that cannot be produced without some tables.

    Parameters
    ----------
    present : iterable of str, or mapping of table name to DataFrame
        The tables a store (or an extract) holds; with a mapping, tables
        with no rows count as absent.
    reports : iterable of str, optional
        Report notebooks to check; default all of :data:`REPORT_SECTIONS`.

    Returns
    -------
    pandas.DataFrame
        One row per section that cannot be produced: ``report``,
        ``section``, ``missing`` (the tables it lacks, in plain English).

    Examples
    --------
    >>> m = missing_sections(["children", "offences", "interventions", "victims", "population"],
    ...                      reports=["quarterly_profile"])
    >>> m[["section", "missing"]].values.tolist()
    [['The ten YJB key performance indicators', 'KPI records'], ['Management board attendance (KPI)', 'management board attendance']]
    """
    if isinstance(present, Mapping):
        have = {k for k, v in present.items() if v is not None and len(v)}
    else:
        have = set(present)
    rows = []
    for report in (reports or REPORT_SECTIONS):
        for section, needs in REPORT_SECTIONS.get(report, {}).items():
            lacking = [TABLE_LABELS[t] for t in needs if t not in have]
            if lacking:
                rows.append({"report": report, "section": section, "missing": ", ".join(lacking)})
    return pd.DataFrame(rows, columns=["report", "section", "missing"])
