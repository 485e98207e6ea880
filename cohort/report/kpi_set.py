"""The KPI protection unit: the ten KPIs and the victims tables of every authority.

Tables (every authority's rows, plus ``All authorities`` comparator rows in
the KPI tables):

- ``kpi_quarter``, ``kpi_previous_quarter``, ``kpi_last_year`` (the same
  quarter a year earlier) and ``kpi_year`` (financial year to date, distinct
  children): the KPI measures with a denominator;
- ``kpi_<period>_sv`` and ``kpi_<period>_sv_total``: serious violence, children
  per offence group and the distinct total;
- ``kpi_<period>_board``: board attendance (counts meetings, not people:
  protected on its own under the ``non_personal`` policy);
- ``victims``: the victims tables of the quarter (cascade, engagement,
  support, non-engagement reasons, victim profile).

Relations (:class:`cohort.disclosure.Relation`) tie what a reader could
otherwise subtract: comparators are the sum of the authorities; ETE for all
children is the school-age block plus the post-16 block; a cascade step's
denominator is the step before's numerator; SEND needs are SEN Support plus
EHCP; out-of-court completions by type add up to the completions; the
distinct totals are at most the sum of their parts; KPI 10 is the victims
table's cascade; all victims are those who accepted restorative justice plus
those who did not (whose reasons are shown). Remainders (records with no
school age, children counted under two services) are assumed known to the
reader: the conservative choice, protecting as if the identities were exact.

The whole-year column counts distinct children, which are not the sum of
the quarters, so no identity ties it to them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.disclosure import CellRef, Relation
from cohort.exceptions import DataQualityWarning
from cohort.measures.kpi import CHANGE_COLUMNS, YJB_2023, kpis, kpis_year
from cohort.measures.victims import victims
from cohort.periods import financial_year, quarter, quarter_label
from cohort.report.protection import TableSet
from cohort.stats import proportion_ci

#: The KPI periods of a report, with the label a board reads.
KPI_PERIODS: dict[str, str] = {
    "quarter": "This quarter",
    "previous_quarter": "Last quarter",
    "last_year": "Same quarter last year",
    "year": "Year to date",
}

#: ``authority_code`` of the comparator rows (the sum over every authority in the store).
ALL_AUTHORITIES = "All authorities"

_KEYS = ["kpi", "kpi_number", "subgroup", "measure", "category"]
_DROP = [*CHANGE_COLUMNS, "basis", "definitions"]
_ETE_SUBGROUPED = ("suitability", "ete_type", "hours_offered", "hours_attended")


def _authorities(data: CohortData) -> list[str]:
    return sorted(map(str, data.authorities["authority_code"]))


def _period_tables(parts: Mapping[str, CohortData], q: pd.Period, authorities: Sequence[str]
                   ) -> dict[str, pd.DataFrame]:
    label = quarter_label(q)
    calls = {
        "quarter": lambda a: kpis(parts[a], a, q, change=False),
        "previous_quarter": lambda a: kpis(parts[a], a, q - 1, change=False),
        "last_year": lambda a: kpis(parts[a], a, q - 4, change=False),
        "year": lambda a: kpis_year(parts[a], a, financial_year(q), through=label, change=False),
    }
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        for key, call in calls.items():
            frames = [call(a).drop(columns=_DROP, errors="ignore") for a in authorities]
            t = pd.concat(frames, ignore_index=True)
            t = t.rename(columns={t.columns[1]: "period"})
            out[key] = _with_comparators(t)
    return out


def _with_comparators(t: pd.DataFrame) -> pd.DataFrame:
    """Add the ``All authorities`` rows: numerators and denominators summed."""
    keys = ["period", *_KEYS]
    sums = t.groupby(keys, sort=False, dropna=False)[["numerator", "denominator"]].sum(min_count=1).reset_index()
    sums.insert(0, "authority_code", ALL_AUTHORITIES)
    has_den = sums["denominator"].notna().to_numpy()
    ci = proportion_ci(sums["numerator"].to_numpy(dtype=float),
                       sums["denominator"].to_numpy(dtype=float, na_value=np.nan))
    for c in ("estimate", "lower", "upper", "method", "confidence"):
        sums[c] = ci[c].to_numpy()
    for c in ("estimate", "lower", "upper"):
        sums.loc[~has_den, c] = np.nan
    sums.loc[~has_den, "method"] = "none"
    out = pd.concat([t, sums[t.columns]], ignore_index=True)
    for c in ("numerator", "denominator"):
        out[c] = out[c].astype("Int64")
    return out


def _ref(table: str, row: pd.Series | dict, column: str = "numerator") -> CellRef:
    return CellRef(table, {k: row[k] for k in ("authority_code", *_KEYS) if k in row}, column)


class _Rows:
    """Rows of one authority's KPI table, looked up by (subgroup, measure, category)."""

    def __init__(self, table: str, records: list[dict]):
        self.table = table
        self.rows = {(r["subgroup"], r["measure"], r["category"]): r for r in records}

    def get(self, measure: str, category: str, subgroup: str = "all") -> dict | None:
        return self.rows.get((subgroup, measure, category))

    def cats(self, measure: str, subgroup: str = "all") -> list[str]:
        return [c for (s, m, c) in self.rows if s == subgroup and m == measure]

    def ref(self, measure: str, category: str, column: str = "numerator", subgroup: str = "all") -> CellRef | None:
        row = self.get(measure, category, subgroup)
        return None if row is None else _ref(self.table, row, column)


def _rel(whole: CellRef | None, parts: Iterable[CellRef | None], slack: str = "none") -> list[Relation]:
    parts = [p for p in parts if p is not None]
    if whole is None or not parts:
        return []
    if slack == "none":
        return [Relation(whole, parts)]
    return [Relation(whole, parts, slack=slack, slack_known=True)]


def _kpi_relations(rows: _Rows) -> list[Relation]:
    """Identities between the cells of one authority's KPI table (one period)."""
    out: list[Relation] = []
    # ETE: all children = school age + post-16 (records without a school age remain)
    for m in _ETE_SUBGROUPED:
        for c in rows.cats(m):
            out += _rel(rows.ref(m, c), [rows.ref(m, c, subgroup=sg) for sg in ("school_age", "post_16")], "whole")
        first = {sg: next(iter(rows.cats(m, sg)), None) for sg in ("all", "school_age", "post_16")}
        if first["all"]:
            out += _rel(rows.ref(m, first["all"], "denominator"),
                        [rows.ref(m, first[sg], "denominator", sg) for sg in ("school_age", "post_16") if first[sg]],
                        "whole")
    # cascades (mental health, substance misuse): need -> offered -> attending
    for cascade in ("cascade",):
        cats = rows.cats(cascade)
        for prev, nxt in zip(cats, cats[1:], strict=False):
            out += _rel(rows.ref(cascade, nxt, "denominator"), [rows.ref(cascade, prev)])
    if rows.get("need_identified", "Yes") is not None and rows.get("cascade", "need_identified") is not None:
        out += _rel(rows.ref("cascade", "need_identified"), [rows.ref("need_identified", "Yes")])
        out += _rel(rows.ref("cascade", "need_identified", "denominator"), [rows.ref("need_identified", "Yes", "denominator")])
    # SEND: identified need = SEN Support + EHCP; plan in place of identified need
    if rows.get("formal_plan", "identified_need") is not None:
        levels = [rows.ref("sen_level", lv) for lv in YJB_2023.send_identified_levels]
        out += _rel(rows.ref("formal_plan", "identified_need"), levels)
        out += _rel(rows.ref("sen_level", next(iter(rows.cats("sen_level")), ""), "denominator"),
                    [rows.ref("formal_plan", "identified_need", "denominator"), rows.ref("sen_level", "Unknown")])
        out += _rel(rows.ref("formal_plan", "plan_in_place", "denominator"), [rows.ref("formal_plan", "identified_need")])
        ete = next(iter(rows.cats("ete_suitability")), None)
        if ete:
            out += _rel(rows.ref("formal_plan", "identified_need"), [rows.ref("ete_suitability", ete, "denominator")], "whole")
    # out-of-court disposals: completions by type add up to the completions
    types = rows.cats("completion_by_type")
    if types and rows.get("outcome", "Completed") is not None:
        out += _rel(rows.ref("outcome", "Completed"), [rows.ref("completion_by_type", t) for t in types], "whole")
        out += _rel(rows.ref("outcome", "Completed", "denominator"),
                    [rows.ref("completion_by_type", t, "denominator") for t in types], "whole")
    # links to wider services: the distinct total is at most the sum of the services
    flags = [c for c in rows.cats("open_to_service") if c != "Total"]
    if rows.get("open_to_service", "Total") is not None:
        out += _rel(rows.ref("open_to_service", "Total"), [rows.ref("open_to_service", c) for c in flags], "parts")
    # victims (KPI 10): each cascade step's denominator is the step before's numerator
    rj = rows.cats("restorative_justice")
    for prev, nxt in zip(rj, rj[1:], strict=False):
        out += _rel(rows.ref("restorative_justice", nxt, "denominator"), [rows.ref("restorative_justice", prev)])
    if rows.get("engagement", "accepted_rj") is not None and rj:
        out += _rel(rows.ref("engagement", "accepted_rj"), [rows.ref("restorative_justice", rj[-1])])
        out += _rel(rows.ref("engagement", "accepted_rj", "denominator"), [rows.ref("restorative_justice", rj[0])])
    return out


def _board_relations(table: str, frame: pd.DataFrame) -> list[Relation]:
    """All agencies = the sum of the agencies (meetings attended and held)."""
    out: list[Relation] = []
    for _, g in frame.groupby("authority_code", sort=False):
        total = g[g["category"] == "All agencies"]
        parts = g[g["category"] != "All agencies"].to_dict("records")
        for r in total.to_dict("records"):
            for col in ("numerator", "denominator"):
                out += _rel(_ref(table, r, col), [_ref(table, x, col) for x in parts])
    return out


def _victims_relations(table: str, frame: pd.DataFrame, kpi_table: str | None,
                       kpi_frame: pd.DataFrame | None) -> list[Relation]:
    out: list[Relation] = []
    kpi_rows: dict[str, list[dict]] = {}
    if kpi_frame is not None:
        for r in kpi_frame[kpi_frame["kpi"] == "victims"].to_dict("records"):
            kpi_rows.setdefault(r["authority_code"], []).append(r)
    for a, g in frame.groupby("authority_code", sort=False):
        rows = {(r["measure"], r["category"]): r for r in g.to_dict("records")}

        def ref(m: str, c: str, col: str = "numerator", rows=rows) -> CellRef | None:
            r = rows.get((m, c))
            return None if r is None else CellRef(table, {"authority_code": r["authority_code"],
                                                         "measure": m, "category": c}, col)

        rj = [c for (m, c) in rows if m == "restorative_justice"]
        for prev, nxt in zip(rj, rj[1:], strict=False):
            out += _rel(ref("restorative_justice", nxt, "denominator"), [ref("restorative_justice", prev)])
        if rj:
            out += _rel(ref("engagement", "accepted_rj"), [ref("restorative_justice", rj[-1])])
            out += _rel(ref("engagement", "accepted_rj", "denominator"), [ref("restorative_justice", rj[0])])
        types = [c for (m, c) in rows if m == "victim_type"]
        reasons = [c for (m, c) in rows if m == "non_engagement_reason"]
        if types and reasons and rj:
            # every victim either accepted restorative justice or did not (and has a reason row)
            out += _rel(ref("victim_type", types[0], "denominator"),
                        [ref("non_engagement_reason", reasons[0], "denominator"), ref("restorative_justice", rj[-1])])
            out += _rel(ref("victim_type", types[0], "denominator"), [ref("restorative_justice", rj[0], "denominator")],
                        "whole")
        for person in ("sex", "age_band", "ethnicity"):
            cats = [c for (m, c) in rows if m == person]
            if cats:
                out += _rel(ref(person, cats[0], "denominator"), [ref("victim_type", "Individual")])
        if kpi_table is not None:
            for r in kpi_rows.get(a, []):
                for col in ("numerator", "denominator"):
                    out += _rel(_ref(kpi_table, r, col), [ref(r["measure"], r["category"], col)])
    return out


def kpi_unit(data: CohortData, quarter_: str) -> TableSet:
    """Build the KPI unit's tables and relations for one quarter (every authority).

    Parameters
    ----------
    data : CohortData
        The whole store (every authority).
    quarter_ : str
        Quarter label.

    Returns
    -------
    TableSet
    """
    q = quarter(quarter_)
    authorities = _authorities(data)
    ts = TableSet("kpi")
    # each authority's rows split off once (filtering the whole store for each of 150
    # authorities and four periods took most of a national batch's preparation)
    own = data.by_authority(authorities)
    periods = _period_tables(own, q, authorities)
    for key, t in periods.items():
        name = f"kpi_{key}"
        board = t["kpi"].eq("board_attendance")
        counts = t["denominator"].isna() & ~board
        total = counts & t["category"].eq("Total")
        rates = t[~board & ~counts].reset_index(drop=True)
        sv, sv_total = t[counts & ~total].reset_index(drop=True), t[total].reset_index(drop=True)
        rate_cols = ["denominator", "estimate", "lower", "upper", "method", "confidence"]
        # every margin these tables have is shown as a cell (denominators, comparators,
        # totals), so no other block total is assumed published (implicit_margins=False)
        ts.tables[name] = rates
        ts.options[name] = {"within": "category", "implicit_margins": False}
        ts.tables[f"{name}_sv"] = sv.drop(columns=rate_cols)
        ts.options[f"{name}_sv"] = {"within": "category", "margin": "sum", "implicit_margins": False}
        ts.tables[f"{name}_sv_total"] = sv_total.drop(columns=rate_cols)
        ts.options[f"{name}_sv_total"] = {"within": "category", "margin": "sum", "implicit_margins": False}
        meetings = t[board].reset_index(drop=True)
        ts.separate[f"{name}_board"] = (meetings, {"within": "category", "margin": "rates", "implicit_margins": False},
                                        "non_personal", _board_relations(f"{name}_board", meetings))
        # comparators: All authorities = the sum of the authorities, cell by cell
        for tname, frame in ((name, rates), (f"{name}_sv", ts.tables[f"{name}_sv"]),
                             (f"{name}_sv_total", ts.tables[f"{name}_sv_total"])):
            cols = ["numerator", "denominator"] if tname == name else ["numerator"]
            records = frame.to_dict("records")
            by_key: dict[tuple, list[dict]] = {}
            for r in records:
                if r["authority_code"] != ALL_AUTHORITIES:
                    by_key.setdefault(tuple(r[k] for k in _KEYS), []).append(r)
            for r in records:
                if r["authority_code"] == ALL_AUTHORITIES:
                    parts = by_key.get(tuple(r[k] for k in _KEYS), [])
                    for col in cols:
                        ts.relations += _rel(_ref(tname, r, col), [_ref(tname, x, col) for x in parts])
        rate_rows: dict[str, list[dict]] = {}
        for r in rates.to_dict("records"):
            rate_rows.setdefault(r["authority_code"], []).append(r)
        sv_rows: dict[str, list[dict]] = {}
        for r in sv.to_dict("records"):
            sv_rows.setdefault(r["authority_code"], []).append(r)
        for a in [*authorities, ALL_AUTHORITIES]:
            ts.relations += _kpi_relations(_Rows(name, rate_rows.get(a, [])))
            for r in sv_total[sv_total["authority_code"] == a].to_dict("records"):
                ts.relations += _rel(_ref(f"{name}_sv_total", r), [_ref(f"{name}_sv", x) for x in sv_rows.get(a, [])],
                                     "parts")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        vict = pd.concat([victims(own[a], a, q) for a in authorities], ignore_index=True)
    vict = vict.drop(columns=list(CHANGE_COLUMNS), errors="ignore")
    ts.tables["victims"] = vict
    ts.options["victims"] = {"within": "category", "by": ["authority_code", "quarter", "measure"],
                             "implicit_margins": False}
    ts.relations += _victims_relations("victims", vict, "kpi_quarter", ts.tables["kpi_quarter"])
    ts.notes.append("The whole-year KPI figures count distinct children, so they are not the sum of "
                    "the quarters and are protected without an identity tying them to the quarters.")
    return ts
