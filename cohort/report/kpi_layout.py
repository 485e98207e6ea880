"""The KPI board: a headline a board can read in a minute, a summary of the ten
KPIs and the detail of every sub-measure.

Every figure comes from the KPI protection unit (:mod:`cohort.report.kpi_set`),
sliced to the report's authority (and, for the comparator, to the
``All authorities`` rows): in the publication edition a change or comparison
is shown only between figures that are both shown, so it cannot reveal a
hidden one. The arrow of a change is coloured by whether the change is better
or worse for children, as each sub-measure declares
(:meth:`cohort.measures.kpi.MeasureSpec.direction`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cohort.disclosure import MARKER, MISSING
from cohort.measures.kpi import YJB_2023
from cohort.report import labels
from cohort.report.kpi_set import ALL_AUTHORITIES, KPI_PERIODS
from cohort.report.tables import Presented, masked

if TYPE_CHECKING:  # pragma: no cover
    from cohort.report.context import Report

#: The main measure of each KPI: (kpi, subgroup, measure, category, words).
MAIN_MEASURES: tuple[tuple[str, str, str, str, str], ...] = (
    ("accommodation", "all", "suitability", "Suitable", "In suitable accommodation"),
    ("ete", "all", "suitability", "Suitable", "In suitable education, training or employment"),
    ("send", "all", "formal_plan", "plan_in_place", "With a plan in place, of those with an identified SEND need"),
    ("mental_health", "all", "need_identified", "Yes", "With a mental health need identified"),
    ("mental_health", "all", "cascade", "attending", "Attending a mental health intervention, of those offered one"),
    ("substance_misuse", "all", "need_identified", "Yes", "With a substance misuse need identified"),
    ("substance_misuse", "all", "cascade", "attending", "Attending substance misuse treatment, of those offered it"),
    ("oocd", "all", "outcome", "Completed", "Out-of-court disposals completed"),
    ("wider_services", "all", "open_to_service", "Total", "Open to early help or children's social care"),
    ("board_attendance", "all", "attendance", "All agencies", "Board places filled by statutory partners"),
    ("serious_violence", "all", "children_by_offence_group", "Total", "Children with a proven serious violence offence"),
    ("victims", "all", "engagement", "accepted_rj", "Victims who consented to contact and took up restorative justice"),
)

#: Sub-measure names in words (KPI, measure).
MEASURE_WORDS: dict[tuple[str, str], str] = {
    ("accommodation", "suitability"): "Accommodation",
    ("ete", "school_age"): "Age group",
    ("ete", "suitability"): "Suitability of education, training or employment",
    ("ete", "ete_type"): "Type of education, training or employment",
    ("ete", "hours_offered"): "Hours offered a week",
    ("ete", "hours_attended"): "Hours attended a week",
    ("send", "sen_level"): "Level of special educational needs",
    ("send", "formal_plan"): "Identified need and plan",
    ("send", "semh_need"): "Social, emotional and mental health need",
    ("send", "ete_suitability"): "Suitable education, training or employment (children with an identified need)",
    ("mental_health", "need_identified"): "Need identified",
    ("mental_health", "cascade"): "From need to intervention",
    ("substance_misuse", "need_identified"): "Need identified",
    ("substance_misuse", "cascade"): "From need to treatment",
    ("oocd", "outcome"): "Outcome of out-of-court disposals",
    ("oocd", "completion_by_type"): "Completed, by type of disposal",
    ("wider_services", "open_to_service"): "Open to",
    ("board_attendance", "attendance"): "Meetings attended, by agency",
    ("serious_violence", "children_by_offence_group"): "Children, by offence",
    ("victims", "restorative_justice"): "Contact and restorative justice",
    ("victims", "engagement"): "Took up restorative justice, of those who consented to contact",
    ("victims", "support"): "Support given, of those who asked for it",
}
_SUBGROUP = {"all": "", "school_age": " (school age)", "post_16": " (post-16)"}


def _specs() -> dict[tuple[str, str, str], Any]:
    return {(k.code, m.subgroup, m.measure): m for k in YJB_2023.kpis for m in k.measures}


@dataclass
class _Period:
    shown: pd.DataFrame  # presentation strings, indexed by key
    value: pd.DataFrame  # masked statistics, indexed by key


def _key(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[["kpi", "subgroup", "measure", "category"]].astype(str))


def _period(parts: list[Any]) -> _Period:
    shown, value = [], []
    for p in parts:
        t = p.table.reset_index(drop=True)
        v = masked(p).reset_index(drop=True)
        idx = _key(p.values.reset_index(drop=True))
        for c in ("denominator", "estimate", "lower", "upper"):
            if c not in t:
                t[c], v[c] = "", np.nan
        t.index = v.index = idx
        shown.append(t)
        value.append(v)
    if not shown:
        return _Period(pd.DataFrame(), pd.DataFrame())
    return _Period(pd.concat(shown), pd.concat(value))


def kpi_parts(rep: Report) -> dict[str, _Period]:
    """The authority's KPI slices for each period, and the comparator rows (``"all"``).

    The slices are registered with the report (for its audit and Excel pack).
    """
    unit = rep.unit("kpi")
    out: dict[str, _Period] = {}
    for key in KPI_PERIODS:
        parts, comparators = [], []
        for suffix in ("", "_sv", "_sv_total", "_board"):
            name = f"kpi_{key}{suffix}"
            if name not in unit:
                continue
            p = unit[name]
            mine = p.values["authority_code"].astype(str).eq(rep.authority).to_numpy()
            parts.append(rep.register(p.rows(mine, name)))
            if key == "quarter":
                alls = p.values["authority_code"].astype(str).eq(ALL_AUTHORITIES).to_numpy()
                comparators.append(rep.register(p.rows(alls, f"{name}_all_authorities")))
        out[key] = _period(parts)
        if key == "quarter":
            out["all"] = _period(comparators)
    return out


def _pct(x: float) -> str:
    return "" if pd.isna(x) else f"{x * 100:.0f}%"


def _change(cur: float, prev: float, direction: str, count: bool) -> tuple[str, str]:
    """Arrow text and verdict ("better", "worse", "no change", "") of a change."""
    if pd.isna(cur) or pd.isna(prev):
        return "", ""
    d = (cur - prev) if count else round((cur - prev) * 100, 1)
    unit = "" if count else " pts"
    if d == 0:
        return "\u25b6 no change", "no change"
    arrow = "\u25b2" if d > 0 else "\u25bc"
    verdict = ""
    if direction:
        verdict = "better" if (d > 0) == (direction == "higher") else "worse"
    amount = f"{d:+.0f}" if count else f"{d:+.1f}"
    return f"{arrow} {amount}{unit}" + (f" ({verdict})" if verdict else ""), verdict


def _figure(shown: pd.Series | None, value: pd.Series | None, count_only: bool) -> tuple[str, str, float]:
    """(full text, short text, value) of one row: "91% (48 of 53)", "91%" and 0.906;
    ``[c]`` where hidden; for a count-only measure the count."""
    if shown is None:
        return "", "", np.nan
    count = str(shown["numerator"])
    if count_only:
        v = value["numerator"] if value is not None else np.nan
        return count, count, float(v) if pd.notna(v) and count != MARKER else np.nan
    est = value["estimate"] if value is not None else np.nan
    if str(shown["estimate"]) == MARKER:
        pct = MARKER
    elif pd.isna(est):
        pct = MISSING  # no cases: nothing to show, nothing hidden
    else:
        pct = _pct(est)
    of = str(shown["denominator"])
    if count == MARKER and of == MARKER:
        full = MARKER
    elif count == MARKER:
        full = f"{pct} (of {of})"
    else:
        full = f"{pct} ({count} of {of})"
    return full, pct, float(est) if pd.notna(est) and pct not in (MARKER, MISSING) else np.nan


def _row(periods: dict[str, _Period], key: tuple, direction: str, count_only: bool) -> dict[str, str]:
    def get(p: str) -> tuple[pd.Series | None, pd.Series | None]:
        per = periods.get(p)
        if per is None or per.shown.empty or key not in per.shown.index:
            return None, None
        return per.shown.loc[key], per.value.loc[key]

    cur = _figure(*get("quarter"), count_only)
    prev = _figure(*get("previous_quarter"), count_only)
    year_ago = _figure(*get("last_year"), count_only)
    year = _figure(*get("year"), count_only)
    comp = _figure(*get("all"), count_only)
    arrow, verdict = _change(cur[2], prev[2], direction, count_only)
    return {
        "This quarter": cur[0], "Change on last quarter": arrow, "Last quarter": prev[1],
        "Same quarter last year": year_ago[1], "Year to date": year[0], "All authorities": comp[1],
        "_verdict": verdict,
    }


_KINDS = {"KPI": "text", "Measure": "text", "This quarter": "figure", "Change on last quarter": "change",
          "Last quarter": "percent", "Same quarter last year": "percent", "Year to date": "figure",
          "All authorities": "percent"}


def kpi_summary(rep: Report, periods: dict[str, _Period] | None = None) -> Presented:
    """The ten KPIs on one table: the main measure of each, as a board reads them."""
    periods = periods if periods is not None else kpi_parts(rep)
    numbers = {k.code: i + 1 for i, k in enumerate(YJB_2023.kpis)}
    specs = _specs()
    rows = []
    for kpi, sub, measure, cat, words in MAIN_MEASURES:
        spec = specs.get((kpi, sub, measure))
        count_only = spec is not None and spec.kind == "count_by"
        r = _row(periods, (kpi, sub, measure, cat), spec.direction(cat) if spec else "", count_only)
        rows.append({"KPI": f"{numbers.get(kpi, '')} {labels.value(kpi)}", "Measure": words, **r})
    frame = pd.DataFrame(rows)
    kinds = dict(_KINDS)
    return Presented(frame.drop(columns="_verdict"), kinds, "The ten KPIs this quarter", [
        "Percentages of children whose order or intervention ended in the period, except KPI 8 "
        "(board places), KPI 9 (a count of children) and KPI 10 (victims)",
        "Change in percentage points (pts); better or worse for children as each KPI defines it",
        "Year to date counts each child once",
    ], "", "kpi_board")


def kpi_detail(rep: Report, periods: dict[str, _Period] | None = None) -> list[Presented]:
    """Every sub-measure of every KPI, one table per KPI."""
    periods = periods if periods is not None else kpi_parts(rep)
    cur = periods["quarter"].shown
    if cur.empty:
        return []
    specs = _specs()
    out = []
    for k in YJB_2023.kpis:
        rows = []
        for key in cur.index:
            if key[0] != k.code:
                continue
            spec = specs.get((key[0], key[1], key[2]))
            count_only = spec is not None and spec.kind == "count_by"
            r = _row(periods, key, spec.direction(key[3]) if spec else "", count_only)
            measure = MEASURE_WORDS.get((key[0], key[2]), labels.name(key[2])) + _SUBGROUP.get(key[1], "")
            rows.append({"Measure": measure, "Category": labels.value(key[3]), **r})
        if not rows:
            continue
        frame = pd.DataFrame(rows).drop(columns="_verdict")
        kinds = {"Measure": "text", "Category": "text", **{c: v for c, v in _KINDS.items() if c in frame}}
        n = [i + 1 for i, x in enumerate(YJB_2023.kpis) if x.code == k.code][0]
        out.append(Presented(frame, kinds, f"KPI {n}: {labels.value(k.code)}", [], "", f"kpi_{n}_detail"))
    return out


def kpi_headline(rep: Report, periods: dict[str, _Period] | None = None, limit: int = 5) -> str:
    """The changes that matter, in words and numbers (HTML list).

    A change on last quarter is told when both quarters' figures are shown and
    it is either more than chance would give (the Newcombe interval of the
    difference excludes zero) or at least 10 percentage points; the largest
    first, at most ``limit``.
    """
    from cohort.stats import proportion_difference

    periods = periods if periods is not None else kpi_parts(rep)
    specs = _specs()
    found = []
    cur, prev = periods["quarter"], periods["previous_quarter"]
    for kpi, sub, measure, cat, words in MAIN_MEASURES:
        key = (kpi, sub, measure, cat)
        if cur.shown.empty or prev.shown.empty or key not in cur.value.index or key not in prev.value.index:
            continue
        a, b = cur.value.loc[key], prev.value.loc[key]
        spec = specs.get((kpi, sub, measure))
        if spec is None or spec.kind == "count_by" or pd.isna(a["estimate"]) or pd.isna(b["estimate"]):
            continue
        diff = proportion_difference(float(a["numerator"]), float(a["denominator"]),
                                     float(b["numerator"]), float(b["denominator"]))
        lo, hi = float(diff["lower"].iloc[0]), float(diff["upper"].iloc[0])
        change = (a["estimate"] - b["estimate"]) * 100
        beyond = lo > 0 or hi < 0
        if not beyond and abs(change) < 10:
            continue
        _, verdict = _change(a["estimate"], b["estimate"], spec.direction(cat), False)
        way = "rose" if change > 0 else "fell"
        chance = ("more than chance alone would explain" if beyond
                  else "though within what chance alone could give with these numbers")
        text = (f"<strong>{html.escape(words)}</strong>: {way} from {_pct(b['estimate'])} to "
                f"{_pct(a['estimate'])} ({int(a['numerator'])} of {int(a['denominator'])})"
                f"{', ' + verdict + ' for children' if verdict else ''}, {chance}.")
        found.append((beyond, abs(change), text))
    found.sort(key=lambda x: (not x[0], -x[1]))
    if not found:
        return ("<p>No KPI's main measure moved markedly on last quarter (no change of 10 points or "
                "more, none beyond chance).</p>")
    items = "".join(f"<li>{t}</li>" for *_, t in found[:limit])
    return f"<ul class='cohort-headline'>{items}</ul>"


def kpi_board(rep: Report) -> pd.DataFrame:
    """The KPI summary as a DataFrame of presentation strings (see :func:`kpi_summary`)."""
    return kpi_summary(rep).frame


def kpi_tables(rep: Report) -> pd.DataFrame:
    """Every KPI sub-measure as one DataFrame of presentation strings (see :func:`kpi_detail`)."""
    parts = kpi_detail(rep)
    return pd.concat([p.frame.assign(KPI=p.caption) for p in parts], ignore_index=True) if parts else pd.DataFrame()
