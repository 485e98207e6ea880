"""The ten YJB key performance indicators (KPIs) by quarter and by financial year.

The Youth Justice Board's ten KPIs (collected from April 2023; METHODS.md
section 3) are modelled as small declarative specifications, one
:class:`KpiSpec` per KPI holding :class:`MeasureSpec` entries (numerator,
denominator, timing, breakdowns), gathered in a versioned
:class:`KpiDefinitions` (``"yjb_2023"``). One generic evaluator turns a spec
into counts, so adding a sub-measure or a later revision of the guidance is a
new spec entry, not new code.

Cohorts (timing rule, ``basis``):

* ``"ended"`` (default): KPI-cohort interventions (programme code list flag
  ``kpi_cohort``: everything except Turnaround, prevention and named
  projects) whose ``end_date`` falls in the period, with the intervention's
  ``kpi_records`` row dated in the period (the latest if there are several).
* ``"open"``: a snapshot: KPI-cohort interventions open at any time in the
  period, each with its latest ``kpi_records`` row dated on or before the
  period's last day.

A quarter counts one record per intervention, as the quarterly return does;
a financial year (:func:`kpis_year`) counts **distinct children**, so a child
whose interventions ended in two quarters is counted once in the year.

Denominators are "records with an answer": a missing value (e.g. an empty
``ete_suitable``) leaves the record out of that measure's denominator, which
is why published denominators differ between measures of one quarter. The
steps of a cascade (need -> offered -> attending) chain instead: each step's
denominator is the previous step's numerator, and a missing later answer
counts as "no".

Every table follows the package's tidy contract (grouping columns, then
``numerator``, ``denominator``, ``estimate``, ``lower``, ``upper``,
``method``, ``confidence``) with the change from the previous period after
them.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice as _check_choice
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.exceptions import DataQualityWarning
from cohort.measures._common import TIDY_COLUMNS, open_between, quarter_window
from cohort.periods import QuarterLike, financial_year_bounds, quarter_label
from cohort.periods import financial_year as _financial_year_label
from cohort.stats import proportion_ci, proportion_difference

__all__ = [
    "DEFINITIONS",
    "KEY_COLUMNS",
    "CHANGE_COLUMNS",
    "YJB_2023",
    "KpiDefinitions",
    "KpiSpec",
    "MeasureSpec",
    "kpi_cohort",
    "kpi_specs",
    "kpis",
    "kpis_year",
]

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




# --------------------------------------------------------------------------- specifications


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
    """

    measure: str
    kind: MeasureKind
    columns: tuple[str, ...]
    categories: tuple[str, ...] | str = ()
    subgroup: Subgroup = "all"
    within: str | None = None
    total: str | None = None
    description: str = ""

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


def _ete_measures(subgroup: Subgroup, types: str) -> tuple[MeasureSpec, ...]:
    who = {"all": "records", "school_age": "school-age records", "post_16": "post-16 records"}[subgroup]
    return (
        MeasureSpec("suitability", "categorical", ("ete_suitability",), ("Suitable", "Unsuitable"),
                    subgroup, description=f"suitable / {who} with ete_suitable answered"),
        MeasureSpec("ete_type", "categorical", ("ete_type",), types, subgroup,
                    description=f"each ETE type / {who} whose type is one of the listed types"),
        MeasureSpec("hours_offered", "categorical", ("hours_offered_band",), "hours", subgroup,
                    description=f"weekly hours offered in each band / {who} with hours offered"),
        MeasureSpec("hours_attended", "categorical", ("hours_attended_band",), "hours", subgroup,
                    description=f"weekly hours attended in each band / {who} with hours attended"),
    )


def _need_cascade(prefix: str) -> tuple[MeasureSpec, ...]:
    return (
        MeasureSpec("need_identified", "categorical", (f"{prefix}_need_answer",), ("Yes", "No"),
                    description="screened or identified need / records with the need answered"),
        MeasureSpec("cascade", "cascade",
                    (f"{prefix}_need", f"{prefix}_offered", f"{prefix}_attending"),
                    ("need_identified", "offered", "attending"),
                    description="need -> offered (of need) -> attending (of offered)"),
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
                         description="each suitability / records with accommodation answered"),),
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
                                     "plan in place / identified need"),
             MeasureSpec("semh_need", "categorical", ("semh_answer",), ("Yes", "No"),
                         description="SEMH need / records with semh_need answered"),
             MeasureSpec("ete_suitability", "categorical", ("ete_suitability",),
                         ("Suitable", "Unsuitable"), within="send_identified",
                         description="in suitable ETE / identified need with ete_suitable answered")),
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
                                     "the period's end, basis 'open' only)"),
             MeasureSpec("completion_by_type", "rate_by", ("oocd_completed", "programme"),
                         "codelist:programme:oocd=True",
                         description="completed / OOCD interventions of each type")),
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
                         description="meetings attended / meetings, per agency and overall"),),
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
                                     "child once"),),
        ),
        KpiSpec(
            "victims", "victims", "victims engaging with restorative justice (accepting it)",
            "victims who consented to be contacted", "victim record date in the period", "M",
            (MeasureSpec("restorative_justice", "cascade",
                         ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                         ("consented_contact", "contacted", "offered_rj", "accepted_rj"),
                         description="consented / victims; contacted / consented; offered RJ / "
                                     "contacted; accepted RJ / offered"),
             MeasureSpec("engagement", "cascade", ("rj_accepted_chain",), ("accepted_rj",),
                         within="consented_contact",
                         description="accepted RJ (after contact and offer) / consented"),
             MeasureSpec("support", "cascade", ("support_provided",), ("support_provided",),
                         within="support_requested",
                         description="support provided / support requested")),
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


# --------------------------------------------------------------------------- table access

_REQUIRED: dict[str, tuple[str, ...]] = {
    "interventions": ("intervention_id", "child_id", "authority_code", "programme",
                      "start_date", "end_date", "status"),
    "kpi_records": ("intervention_id", "child_id", "authority_code", "record_date",
                    "accommodation", "ete_type", "school_age", "sen_level", "mh_need", "sm_need",
                    "early_help", "child_in_need", "child_protection", "cared_for"),
    "offences": ("child_id", "authority_code", "outcome_date", "offence_group", "gravity_score"),
    "board_attendance": ("authority_code", "meeting_date", "agency", "attended"),
    "victims": ("victim_id", "authority_code", "record_date", "consented_contact", "contacted",
                "offered_rj", "accepted_rj", "support_requested", "support_provided"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "kpi_records": ("record_id", "ete_suitable", "ete_hours_offered", "ete_hours_attended",
                    "send_plan_in_place", "semh_need", "mh_offered", "mh_attending",
                    "sm_offered", "sm_attending"),
    "victims": ("victim_type", "sex", "age_band", "ethnicity", "non_engagement_reason"),
}


def _table(data: CohortData, name: str, authority: str) -> pd.DataFrame:
    """One authority's rows of a table, with its required columns checked.

    An empty table without columns becomes an empty frame with the required
    columns; optional columns that are absent are added as missing values.
    """
    df = data[name]
    required = _REQUIRED[name]
    if df.empty and not set(required) <= set(df.columns):
        df = pd.DataFrame(columns=list(required))
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} lacks required column(s): {', '.join(missing)}")
    df = df[df["authority_code"] == authority]
    extra = {c: pd.NA for c in _OPTIONAL.get(name, ()) if c not in df.columns}
    return df.assign(**extra) if extra else df.copy()


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


@functools.cache
def _codes(name: str, filters: tuple[tuple[str, Any], ...] = ()) -> tuple[str, ...]:
    """Codes of a code list of the (read-only, cached) data dictionary."""
    return tuple(load_dictionary().codes(name, **dict(filters)))


@functools.cache
def _code_attribute(name: str, attribute: str) -> Mapping[str, Any]:
    frame = load_dictionary().codelist(name)
    return dict(zip(frame["code"], frame[attribute], strict=True))


# Flags are held as float arrays while counting: 1.0 (yes), 0.0 (no), NaN (not answered).


def _flag(s: pd.Series) -> np.ndarray:
    """1.0 / 0.0 / NaN from a flag column (bool, nullable boolean or object)."""
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if s.dtype != "boolean":
        s = s.astype(object).where(s.notna(), None).astype("boolean")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _label(flag: np.ndarray, yes: str = "Yes", no: str = "No") -> np.ndarray:
    """Labels for a flag array; missing stays missing (None)."""
    return np.where(np.isnan(flag), None, np.where(flag == 1, yes, no)).astype(object)


def _chain(previous: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Cascade step: set only where the previous step is set (a missing answer counts
    as no); missing where the previous step is missing."""
    return np.where(np.isnan(previous), np.nan, ((previous == 1) & (step == 1)).astype(float))


def _text(s: pd.Series) -> np.ndarray:
    """A code column as an object array with None for missing values."""
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def _hours_labels(threshold: float) -> tuple[str, str]:
    return f"{threshold:g} Hours and Over", f"Under {threshold:g} Hours"


def _band(hours: pd.Series, threshold: float) -> np.ndarray:
    h = pd.to_numeric(hours, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    over, under = _hours_labels(threshold)
    return np.where(np.isnan(h), None, np.where(h >= threshold, over, under)).astype(object)


# --------------------------------------------------------------------------- source builders


def _cohort_records(
    data: CohortData,
    authority: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    basis: Basis,
    programmes: Sequence[str],
    warn: bool = True,
) -> pd.DataFrame:
    """KPI records of the cohort: one per intervention, with its programme."""
    iv = _table(data, "interventions", authority)
    iv = iv[iv["programme"].isin(list(programmes))]
    if basis == "ended":
        ends = _dates(iv["end_date"])
        iv = iv[(ends >= start) & (ends <= end)]
    else:
        iv = iv[open_between(iv, start, end)]
    rec = _table(data, "kpi_records", authority)
    when = _dates(rec["record_date"])
    keep = rec["intervention_id"].isin(iv["intervention_id"]) & (when <= end)
    if basis == "ended":
        keep &= when >= start
    rec = rec[keep].assign(record_date=when[keep])
    order = ["intervention_id", "record_date"] + (["record_id"] if "record_id" in rec else [])
    rec = rec.sort_values(order, kind="stable").drop_duplicates("intervention_id", keep="last")
    lacking = int((~iv["intervention_id"].isin(rec["intervention_id"])).sum())
    if lacking and warn:
        warnings.warn(
            f"{lacking} KPI-cohort intervention(s) of {authority} in the period have no "
            f"kpi_records row ({basis!r} basis); they are left out of every KPI 1-5 and 7 "
            "denominator.",
            DataQualityWarning,
            stacklevel=4,
        )
    programme = iv.set_index("intervention_id")["programme"]
    return rec.assign(programme=rec["intervention_id"].map(programme)).reset_index(drop=True)


def _derive_records(rec: pd.DataFrame, defs: KpiDefinitions) -> pd.DataFrame:
    """The answer columns the KPI 1-5 and 7 specs read, one row per record.

    Flags are floats (1.0 yes, 0.0 no, NaN unanswered); codes are objects
    (None unanswered). Cascade steps are chained here, before a financial
    year keeps one row per child, so that each step comes from the same
    record as the step before it.
    """
    if defs.school_age_from == "record":
        school_age = _flag(rec["school_age"])
    else:
        school_age = _flag(rec["ete_type"].map(_code_attribute("ete_type", "school_age")))
    sen = _text(rec["sen_level"])
    known_level = pd.notna(sen) & (sen != "Unknown")
    identified = np.where(
        known_level, np.isin(sen.astype(str), list(defs.send_identified_levels)), np.nan
    ).astype(float)
    out = {
        "child_id": rec["child_id"].to_numpy(dtype=object),
        "record_date": _dates(rec["record_date"]).to_numpy(),
        "accommodation": _text(rec["accommodation"]),
        "school_age": school_age,
        "age_group": _label(school_age, "School age", "Post-16"),
        "ete_type": _text(rec["ete_type"]),
        "ete_suitability": _label(_flag(rec["ete_suitable"]), "Suitable", "Unsuitable"),
        "hours_offered_band": _band(rec["ete_hours_offered"], defs.hours_threshold),
        "hours_attended_band": _band(rec["ete_hours_attended"], defs.hours_threshold),
        "sen_level": sen,
        "send_identified": identified,
        "send_plan": _chain(identified, _flag(rec["send_plan_in_place"])),
        "semh_answer": _label(_flag(rec["semh_need"])),
    }
    for p in ("mh", "sm"):
        need = _flag(rec[f"{p}_need"])
        out[f"{p}_need"] = need
        out[f"{p}_need_answer"] = _label(need)
        out[f"{p}_offered"] = _chain(need, _flag(rec[f"{p}_offered"]))
        out[f"{p}_attending"] = _chain(out[f"{p}_offered"], _flag(rec[f"{p}_attending"]))
    for c in ("early_help", "child_in_need", "child_protection", "cared_for"):
        out[c] = _flag(rec[c])
    return pd.DataFrame(out)


def _per_child(frame: pd.DataFrame, order: Sequence[str], rule: YearRecord) -> pd.DataFrame:
    """One row per child: the latest row, or per column the latest known value."""
    frame = frame.sort_values(list(order), kind="stable")
    if rule == "latest":
        return frame.drop_duplicates("child_id", keep="last").reset_index(drop=True)
    # GroupBy.last skips missing values column by column: the latest known answer.
    return frame.groupby("child_id", sort=False, as_index=False).last()


def _oocd_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp, basis: Basis,
    defs: KpiDefinitions,
) -> pd.DataFrame:
    """Out-of-court disposal interventions of the period with their outcome at its end."""
    iv = _table(data, "interventions", authority)
    iv = iv[iv["programme"].isin(_codes("programme", (("oocd", True),)))]
    ends = _dates(iv["end_date"])
    if basis == "ended":
        iv = iv[(ends >= start) & (ends <= end)]
    else:
        iv = iv[open_between(iv, start, end)]
    ends = _dates(iv["end_date"])
    done = (ends.notna() & (ends <= end)).to_numpy(dtype=bool)
    completed = done & iv["status"].isin(list(defs.oocd_completed_statuses)).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "child_id": iv["child_id"].to_numpy(dtype=object),
            "programme": _text(iv["programme"]),
            "start_date": _dates(iv["start_date"]).to_numpy(),
            # Still open at the period's end sorts last: it is the child's current disposal.
            "sort_end": ends.where(pd.Series(done, index=iv.index), pd.Timestamp.max).to_numpy(),
            "oocd_completed": completed.astype(float),
            "oocd_outcome": np.select(
                [completed, done], ["Completed", "Not completed"], "Ongoing"
            ).astype(object),
        }
    )


def _offence_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp,
    defs: KpiDefinitions,
) -> pd.DataFrame:
    """Proven serious violence offences dealt with (outcome date) in the period."""
    groups = _codes("offence_group", (("serious_violence", True),))
    off = _table(data, "offences", authority)
    when = _dates(off["outcome_date"])
    gravity = pd.to_numeric(off["gravity_score"], errors="coerce")
    keep = (when >= start) & (when <= end) & off["offence_group"].isin(groups)
    keep &= (gravity >= defs.sv_min_gravity).fillna(False)
    # proven: a caution or conviction (informal outcomes such as community
    # resolutions and Outcome 22 are not proven offences), and not a breach
    if "outcome" in off:
        keep &= off["outcome"].isin(_codes("outcome", (("formal", True),)))
    if "is_breach" in off:
        keep &= ~off["is_breach"].fillna(False).astype(bool)
    off = off[keep]
    return pd.DataFrame(
        {"child_id": _text(off["child_id"]), "offence_group": _text(off["offence_group"])}
    )


def _board_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Board meeting x agency rows of the period."""
    b = _table(data, "board_attendance", authority)
    when = _dates(b["meeting_date"])
    b = b[(when >= start) & (when <= end)]
    return pd.DataFrame({"agency": _text(b["agency"]), "attended": _flag(b["attended"])})


def _victim_frame(
    data: CohortData, authority: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Victims whose record date is in the period, with the restorative justice chain.

    ``contacted``, ``offered_rj`` and ``accepted_rj`` are chained: a victim
    counts as contacted only if they consented, as offered only if
    contacted, as accepting only if offered. ``rj_accepted_chain`` is the
    last step, missing for victims who did not consent. Flags are floats
    (1.0, 0.0, NaN).
    """
    v = _table(data, "victims", authority)
    when = _dates(v["record_date"])
    v = v[(when >= start) & (when <= end)].reset_index(drop=True)
    consented = _flag(v["consented_contact"])
    contacted = _chain(consented, _flag(v["contacted"]))
    offered = _chain(contacted, _flag(v["offered_rj"]))
    accepted = _chain(offered, _flag(v["accepted_rj"]))
    return v.assign(
        consented_contact=consented,
        contacted=contacted,
        offered_rj=offered,
        accepted_rj=accepted,
        rj_accepted_chain=np.where(consented == 1, accepted, np.nan),
        support_requested=_flag(v["support_requested"]),
        support_provided=_flag(v["support_provided"]),
    )


# --------------------------------------------------------------------------- evaluation


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


# --------------------------------------------------------------------------- public API


def kpis(
    data: CohortData,
    authority: str,
    quarter: QuarterLike,
    basis: Basis = "ended",
    level: float = 0.95,
    *,
    definitions: str | KpiDefinitions = "yjb_2023",
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
    for p in (period, period - 1):  # data problems are reported for the quarter asked for
        _, s, e = quarter_window(p)
        frames = _frames(data, authority, s, e, basis, defs, False, warn=p == period)
        tables.append(_evaluate_all(frames, defs, level))
    table = _with_change(tables[0], tables[1], KEY_COLUMNS, level)
    return _finish(table, {"authority_code": authority, "quarter": quarter_label(period)}, basis, defs)


def kpis_year(
    data: CohortData,
    authority: str,
    financial_year: QuarterLike,
    basis: Basis = "ended",
    level: float = 0.95,
    *,
    definitions: str | KpiDefinitions = "yjb_2023",
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

    Returns
    -------
    pandas.DataFrame
        As :func:`kpis`, with ``financial_year`` in place of ``quarter``;
        the comparison columns refer to the previous financial year.

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
    tables = []
    for s, e in ((start, end), financial_year_bounds(start - pd.Timedelta(days=1))):
        frames = _frames(data, authority, s, e, basis, defs, True, warn=s == start)
        tables.append(_evaluate_all(frames, defs, level))
    table = _with_change(tables[0], tables[1], KEY_COLUMNS, level)
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

