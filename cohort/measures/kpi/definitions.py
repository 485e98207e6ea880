"""The KPI definitions: measure and KPI specifications, versioned (``yjb_2023``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from cohort._validate import check_choice as _check_choice

Basis = Literal["ended", "open"]
MeasureKind = Literal["categorical", "flags", "cascade", "rate_by", "count_by"]
Source = Literal["kpi_records", "oocd", "offences", "board_attendance", "victims"]
Subgroup = Literal["all", "school_age", "post_16"]
SchoolAgeFrom = Literal["record", "ete_type"]
YearRecord = Literal["latest_known", "latest"]

#: Columns that identify a row of a KPI table (after the period columns).
KEY_COLUMNS: tuple[str, ...] = ("kpi", "kpi_number", "subgroup", "measure", "category")

#: Columns after :data:`TIDY_COLUMNS`: the comparison with the previous period.
CHANGE_COLUMNS: tuple[str, ...] = (
    "previous_numerator",
    "previous_denominator",
    "previous_estimate",
    "change",
    "change_lower",
    "change_upper",
    "change_unit",
    "direction",
)

_PROVENANCE_COLUMNS: tuple[str, ...] = ("basis", "definitions")
_NO_INTERVAL = "none"





@dataclass(frozen=True)
class MeasureSpec:
    """One measure of a KPI: which derived columns it counts and how.

    Parameters
    ----------
    measure : str
        Name of the measure (the ``measure`` column).
    kind : {"categorical", "flags", "cascade", "rate_by", "count_by"}
        How rows are counted:

        - ``categorical``: one column; each category's numerator is the rows
          with that value; the denominator is the rows whose value is one of
          the categories (missing values are not answers).
        - ``flags``: several boolean columns, one per category (not
          exclusive); the denominator is the rows with every flag answered;
          ``total`` adds a category counting rows with any flag set.
        - ``cascade``: boolean columns in order; step 1's denominator is the
          rows answering it, each later step's denominator is the previous
          step's numerator (a missing answer counts as no).
        - ``rate_by``: ``(indicator, by)``; for each value of ``by`` the
          numerator is the rows with the indicator set, the denominator all
          its rows; ``total`` adds all rows.
        - ``count_by``: ``(id, by)``; distinct ids per value of ``by`` (no
          denominator, no interval); ``total`` counts distinct ids overall,
          which is less than the sum when ids appear under several values.
    columns : tuple of str
        Derived columns read (see the module's source builders).
    categories : tuple of str or str
        Category labels in output order. A string is resolved at run time:
        ``"codelist:NAME"`` or ``"codelist:NAME:attribute=value"`` (codes of
        a code list of the data dictionary), ``"hours"`` (the two hours
        bands of :attr:`KpiDefinitions.hours_threshold`).
    subgroup : {"all", "school_age", "post_16"}
        Rows the measure is restricted to (the ``subgroup`` column).
    within : str, optional
        A boolean derived column restricting the rows (e.g. victims who
        consented to contact).
    total : str, optional
        Label of the total category (``flags``, ``rate_by``, ``count_by``).
    description : str
        Numerator / denominator in words, shown by :func:`kpi_specs`.
    better : tuple of (category, "higher" or "lower")
        Which way is better for children, per category (``"*"`` for every
        category): a rise in suitable accommodation is better, a rise in
        unsuitable accommodation worse. Categories not listed are neutral
        (e.g. the share of school-age children). Reports colour the change
        arrow by it.
    """

    measure: str
    kind: MeasureKind
    columns: tuple[str, ...]
    categories: tuple[str, ...] | str = ()
    subgroup: Subgroup = "all"
    within: str | None = None
    total: str | None = None
    description: str = ""
    better: tuple[tuple[str, str], ...] = ()

    def direction(self, category: str) -> str:
        """``"higher"``, ``"lower"`` or ``""`` (neutral): which way is better for ``category``.

        Examples
        --------
        >>> m = YJB_2023.kpis[0].measures[0]
        >>> m.direction("Suitable"), m.direction("Unsuitable")
        ('higher', 'lower')
        """
        found = dict(self.better)
        return found.get(category, found.get("*", ""))

    def __post_init__(self) -> None:
        _check_choice("kind", self.kind, get_args(MeasureKind))
        _check_choice("subgroup", self.subgroup, get_args(Subgroup))
        wanted = {"categorical": 1, "rate_by": 2, "count_by": 2}
        if self.kind in wanted and len(self.columns) != wanted[self.kind]:
            raise ValueError(
                f"a {self.kind} measure reads {wanted[self.kind]} column(s); "
                f"{self.measure!r} lists {self.columns!r}"
            )
        if self.kind in ("flags", "cascade") and len(self.columns) != len(self.categories):
            raise ValueError(f"{self.measure!r}: one category label per column is needed")
        bad = [d for _, d in self.better if d not in ("higher", "lower")]
        if bad:
            raise ValueError(f"{self.measure!r}: better directions must be 'higher' or 'lower', got {bad}")


@dataclass(frozen=True)
class KpiSpec:
    """One KPI: its code (``kpi`` code list), data source and measures.

    Parameters
    ----------
    code : str
        Code of the KPI in the ``kpi`` code list (its number comes from there).
    source : {"kpi_records", "oocd", "offences", "board_attendance", "victims"}
        The table the measures are counted from, with its timing rule.
    numerator, denominator, timing : str
        The main measure in words.
    status : str
        Evidence for the definition, as METHODS.md marks it: ``"V"``
        (verified against the guidance text), ``"M"`` (method choice or
        partly reconstructed), ``"P"`` (plausible, unverified).
    measures : tuple of MeasureSpec
    """

    code: str
    source: Source
    numerator: str
    denominator: str
    timing: str
    status: str
    measures: tuple[MeasureSpec, ...]

    def __post_init__(self) -> None:
        _check_choice("source", self.source, get_args(Source))


@dataclass(frozen=True)
class KpiDefinitions:
    """A versioned set of KPI specifications and the settings they depend on.

    The settings are the definitions METHODS.md marks as uncertain ([M] or
    [P]); change one with :func:`dataclasses.replace`, e.g.
    ``replace(YJB_2023, sv_min_gravity=6)``.

    Parameters
    ----------
    version : str
        Name of the definitions (``"yjb_2023"``).
    kpis : tuple of KpiSpec
    hours_threshold : float, default 25
        Weekly ETE hours splitting "25 Hours and Over" from "Under 25 Hours"
        (a value equal to the threshold is "and over") [M].
    school_age_from : {"record", "ete_type"}, default "record"
        Whether statutory school age is read from ``kpi_records.school_age``
        or derived from the ETE type's ``school_age`` flag in the code list.
    send_identified_levels : tuple of str
        SEN levels that count as an identified SEND need (KPI 3 denominator).
    sv_min_gravity : int, default 5
        Minimum YJB gravity score for a serious violence offence [M: the
        YJB's serious violence definition is drugs, robbery or violence
        against the person with gravity 5 or more].
    oocd_completed_statuses : tuple of str, default ("Completed",)
        Intervention statuses that count as completing an out-of-court
        disposal [M]; "Partially completed" is not completion by default.
    year_record : {"latest_known", "latest"}, default "latest_known"
        How a child with several records in a financial year is described:
        per answer, the most recent record that answers it
        (``"latest_known"``), or the child's most recent record as a whole.
    source : str
        Where the definitions come from.
    """

    version: str
    kpis: tuple[KpiSpec, ...]
    hours_threshold: float = 25.0
    school_age_from: SchoolAgeFrom = "record"
    send_identified_levels: tuple[str, ...] = ("SEN Support", "EHCP")
    sv_min_gravity: int = 5
    oocd_completed_statuses: tuple[str, ...] = ("Completed",)
    year_record: YearRecord = "latest_known"
    source: str = ""

    def __post_init__(self) -> None:
        _check_choice("school_age_from", self.school_age_from, get_args(SchoolAgeFrom))
        _check_choice("year_record", self.year_record, get_args(YearRecord))
        if not np.isfinite(self.hours_threshold) or self.hours_threshold <= 0:
            raise ValueError(f"hours_threshold must be positive; got {self.hours_threshold!r}")
        if not 1 <= int(self.sv_min_gravity) <= 8:
            raise ValueError(f"sv_min_gravity must be a gravity score 1-8; got {self.sv_min_gravity!r}")


_SUITABLE = (("Suitable", "higher"), ("Unsuitable", "lower"))
_HOURS = (("25 Hours and Over", "higher"), ("Under 25 Hours", "lower"))


def _ete_measures(subgroup: Subgroup, types: str) -> tuple[MeasureSpec, ...]:
    who = {"all": "records", "school_age": "school-age records", "post_16": "post-16 records"}[subgroup]
    return (
        MeasureSpec("suitability", "categorical", ("ete_suitability",), ("Suitable", "Unsuitable"),
                    subgroup, description=f"suitable / {who} with ete_suitable answered",
                    better=_SUITABLE),
        MeasureSpec("ete_type", "categorical", ("ete_type",), types, subgroup,
                    description=f"each ETE type / {who} whose type is one of the listed types",
                    better=(("Not in ETE", "lower"),)),
        MeasureSpec("hours_offered", "categorical", ("hours_offered_band",), "hours", subgroup,
                    description=f"weekly hours offered in each band / {who} with hours offered",
                    better=_HOURS),
        MeasureSpec("hours_attended", "categorical", ("hours_attended_band",), "hours", subgroup,
                    description=f"weekly hours attended in each band / {who} with hours attended",
                    better=_HOURS),
    )


def _need_cascade(prefix: str) -> tuple[MeasureSpec, ...]:
    return (
        MeasureSpec("need_identified", "categorical", (f"{prefix}_need_answer",), ("Yes", "No"),
                    description="screened or identified need / records with the need answered"),
        MeasureSpec("cascade", "cascade",
                    (f"{prefix}_need", f"{prefix}_offered", f"{prefix}_attending"),
                    ("need_identified", "offered", "attending"),
                    description="need -> offered (of need) -> attending (of offered)",
                    better=(("offered", "higher"), ("attending", "higher"))),
    )


_COHORT = "children whose KPI-cohort intervention ended in the period (one record each)"

#: The YJB KPI definitions as worded in April 2023, with the current gov.uk
#: main measures where they were visible (METHODS.md section 3).
YJB_2023 = KpiDefinitions(
    version="yjb_2023",
    source=(
        "YJB, Key performance indicators for youth justice services (gov.uk guidance, "
        "April 2023 text and current text); MoJ/YJB QMI for the new KPIs (June 2025)"
    ),
    kpis=(
        KpiSpec(
            "accommodation", "kpi_records", "children in suitable accommodation", _COHORT,
            "end of intervention", "V",
            (MeasureSpec("suitability", "categorical", ("accommodation",),
                         "codelist:accommodation",
                         description="each suitability / records with accommodation answered",
                         better=(*_SUITABLE, ("Unknown", "lower"))),),
        ),
        KpiSpec(
            "ete", "kpi_records", "children in suitable education, training or employment",
            _COHORT, "end of intervention", "V",
            (MeasureSpec("school_age", "categorical", ("age_group",), ("School age", "Post-16"),
                         description="statutory school age or post-16 / records"),
             *_ete_measures("all", "codelist:ete_type"),
             *_ete_measures("school_age", "codelist:ete_type:school_age=True"),
             *_ete_measures("post_16", "codelist:ete_type:school_age=False")),
        ),
        KpiSpec(
            "send", "kpi_records", "children with a formal plan (EHCP) in place",
            "children with an identified SEND need", "end of intervention [P]", "V",
            (MeasureSpec("sen_level", "categorical", ("sen_level",), "codelist:send_level",
                         description="each SEN level / records with a SEN level"),
             MeasureSpec("formal_plan", "cascade", ("send_identified", "send_plan"),
                         ("identified_need", "plan_in_place"),
                         description="identified need (SEN Support or EHCP) / records; "
                                     "plan in place / identified need",
                         better=(("plan_in_place", "higher"),)),
             MeasureSpec("semh_need", "categorical", ("semh_answer",), ("Yes", "No"),
                         description="SEMH need / records with semh_need answered"),
             MeasureSpec("ete_suitability", "categorical", ("ete_suitability",),
                         ("Suitable", "Unsuitable"), within="send_identified",
                         description="in suitable ETE / identified need with ete_suitable answered",
                         better=_SUITABLE)),
        ),
        KpiSpec(
            "mental_health", "kpi_records",
            "children with a screened or identified need for an intervention", _COHORT,
            "end of intervention", "V", _need_cascade("mh"),
        ),
        KpiSpec(
            "substance_misuse", "kpi_records",
            "children with a screened or identified need for specialist treatment", _COHORT,
            "end of intervention", "V", _need_cascade("sm"),
        ),
        KpiSpec(
            "oocd", "oocd", "out-of-court disposal interventions completed",
            "out-of-court disposal interventions ending in the period (open: open in it)",
            "end of intervention", "P",
            (MeasureSpec("outcome", "categorical", ("oocd_outcome",),
                         ("Completed", "Not completed", "Ongoing"),
                         description="each outcome / OOCD interventions (ongoing: open at "
                                     "the period's end, basis 'open' only)",
                         better=(("Completed", "higher"), ("Not completed", "lower"))),
             MeasureSpec("completion_by_type", "rate_by", ("oocd_completed", "programme"),
                         "codelist:programme:oocd=True",
                         description="completed / OOCD interventions of each type",
                         better=(("*", "higher"),))),
        ),
        KpiSpec(
            "wider_services", "kpi_records",
            "children open to early help, child in need, child protection or cared for", _COHORT,
            "end of intervention", "M",
            (MeasureSpec("open_to_service", "flags",
                         ("early_help", "child_in_need", "child_protection", "cared_for"),
                         ("Early Help", "Child in Need", "Child Protection", "Cared for Child"),
                         total="Total",
                         description="open to each service (and to any: Total, distinct) / "
                                     "records with every link answered"),),
        ),
        KpiSpec(
            "board_attendance", "board_attendance",
            "board meetings a statutory partner (or delegate) attended",
            "board meetings held in the period, per agency", "meeting date in the period", "M",
            (MeasureSpec("attendance", "rate_by", ("attended", "agency"), "codelist:agency",
                         total="All agencies",
                         description="meetings attended / meetings, per agency and overall",
                         better=(("*", "higher"),)),),
        ),
        KpiSpec(
            "serious_violence", "offences",
            "children with a proven serious violence offence (drugs, robbery, violence against "
            "the person; gravity 5+) dealt with in the period",
            "none published (caseload or 10-17 population unverified): counts only",
            "outcome date in the period", "M",
            (MeasureSpec("children_by_offence_group", "count_by", ("child_id", "offence_group"),
                         "codelist:offence_group:serious_violence=True", total="Total",
                         description="distinct children per offence group; Total counts each "
                                     "child once",
                         better=(("*", "lower"),)),),
        ),
        KpiSpec(
            "victims", "victims", "victims engaging with restorative justice (accepting it)",
            "victims who consented to be contacted", "victim record date in the period", "M",
            (MeasureSpec("restorative_justice", "cascade",
                         ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                         ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                         description="consented / victims; contacted / consented; offered RJ / "
                                     "contacted; accepted RJ / offered",
                         better=(("*", "higher"),)),
             MeasureSpec("engagement", "cascade", ("rj_accepted_chain",), ("accepted_rj",),
                         within="consented_contact",
                         description="accepted RJ (after contact and offer) / consented",
                         better=(("*", "higher"),)),
             MeasureSpec("support", "cascade", ("support_provided",), ("support_provided",),
                         within="support_requested",
                         description="support provided / support requested",
                         better=(("*", "higher"),))),
        ),
    ),
)

#: Available definition versions, by name.
DEFINITIONS: Mapping[str, KpiDefinitions] = {"yjb_2023": YJB_2023}


def _definitions(definitions: str | KpiDefinitions) -> KpiDefinitions:
    if isinstance(definitions, KpiDefinitions):
        return definitions
    _check_choice("definitions", definitions, tuple(DEFINITIONS))
    return DEFINITIONS[definitions]
