"""Human labels for what reports show: column names, characteristics, codes.

Codes stay codes in the data; reports show words. Values are looked up in
the data dictionary's code lists where they have labels; the few names the
package itself makes (measure and column names) are spelt out here, once.
"""

from __future__ import annotations

import functools
import re

#: Column headings of report tables.
COLUMNS: dict[str, str] = {
    "authority_code": "Authority",
    "authority_name": "Authority",
    "group_variable": "Characteristic",
    "group_value": "Group",
    "numerator": "Count",
    "denominator": "Of",
    "estimate": "Estimate",
    "interval": "95% interval",
    "period": "Period",
    "quarter": "Quarter",
    "measure": "Measure",
    "category": "Category",
    "kpi": "KPI",
    "comparison_group": "Comparison group",
    "position": "Against the funnel limits",
    "flag": "Flag",
    "incomplete": "Follow-up complete",
    "role": "Role",
    "cohorts": "Cohorts",
    "population_year": "Population mid-year",
    "note": "Note",
}

#: Characteristics (``group_variable`` values) and measure names.
NAMES: dict[str, str] = {
    "age_band": "Age",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "send_level": "Special educational needs",
    "care_status": "Care status",
    "intervention_type": "Type of intervention",
    "offence_group": "Offence",
    "victim_type": "Type of victim",
    "restorative_justice": "Contact and restorative justice",
    "engagement": "Engagement with restorative justice (KPI 10)",
    "support": "Support",
    "non_engagement_reason": "Why victims did not take up restorative justice",
    "binary_rate": "Proven reoffending rate",
    "reoffences_per_offender": "Reoffences per child",
    "reoffences_per_reoffender": "Reoffences per child who reoffended",
}

#: Values the package makes (cascade steps, intervention types) and their words.
VALUES: dict[str, str] = {
    "court_order": "Court order",
    "custody": "Custody",
    "out_of_court": "Out-of-court disposal",
    "prevention": "Prevention",
    "remand": "Remand",
    "consented_contact": "Consented to contact",
    "contacted": "Contacted",
    "offered_rj": "Offered restorative justice",
    "accepted_rj": "Accepted restorative justice",
    "support_provided": "Support provided when asked for",
    "identified_need": "Identified need (SEN Support or EHCP)",
    "plan_in_place": "Plan in place",
    "need_identified": "Need identified",
    "offered": "Intervention offered",
    "attending": "Attending",
    "within": "Within the limits",
    "above": "Above the upper limit",
    "below": "Below the lower limit",
    "high": "Above the upper limit",
    "low": "Below the lower limit",
    "alert": "Alert (outside the 95% limits)",
    "alarm": "Alarm (outside the 99.8% limits)",
    "none": "",
}


#: Code lists of characteristics whose names differ from the list's name.
CODELIST_OF: dict[str, str] = {"victim_age_band": "age_band_victim"}


@functools.cache
def _codelist_labels(name: str) -> dict[str, str]:
    from cohort.dictionary import load_dictionary

    d = load_dictionary()
    if name not in d.codelists:
        return {}
    frame = d.codelist(name)
    if "label" not in frame.columns:
        return {}
    return dict(zip(frame["code"].astype(str), frame["label"].astype(str), strict=True))


def column(name: str) -> str:
    """The heading of a column.

    Examples
    --------
    >>> column("group_value"), column("population_year"), column("my_extra_col")
    ('Group', 'Population mid-year', 'My extra col')
    """
    return COLUMNS.get(name, name.replace("_", " ").capitalize())


def name(code: str) -> str:
    """The words for a characteristic or measure name.

    Examples
    --------
    >>> name("send_level"), name("binary_rate")
    ('Special educational needs', 'Proven reoffending rate')
    """
    return NAMES.get(code, code.replace("_", " ").capitalize())


def value(code: object, variable: str | None = None) -> str:
    """The words for a code: the label in the code list of ``variable`` when there is one.

    Examples
    --------
    >>> value("out_of_court"), value("Other", "ethnicity"), value("Other", "offence_group")
    ('Out-of-court disposal', 'Other ethnic group', 'Other')
    >>> value("EHCP", "send_level"), value("accommodation")
    ('Education, health and care plan', 'Suitable accommodation')
    """
    text = "" if code is None else str(code)
    if variable is not None:
        found = _codelist_labels(CODELIST_OF.get(str(variable), str(variable)))
        if text in found:
            return found[text]
    if text in VALUES:
        return VALUES[text]
    kpi = _codelist_labels("kpi")
    if text in kpi:
        return kpi[text]
    if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text):
        return text.replace("_", " ").capitalize()
    return text
