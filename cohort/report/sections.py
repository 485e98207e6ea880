"""The sections of the report notebooks: tables and charts for one authority.

Each section checks that the store holds what it needs (and says so plainly
when it does not), takes its tables from the protection units (or protects
its own, for tables that share nothing), shows them with
:meth:`Report.show` and draws its charts from the protected figures
(:func:`cohort.report.tables.masked`), each with a text alternative made
from the data it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

from cohort.report import labels
from cohort.report.plots import core as plots
from cohort.report.tables import masked

if TYPE_CHECKING:  # pragma: no cover
    from cohort.report.context import _HTML, Report

_RATES = {
    "fte": {"what": "First time entrants", "unit": "per 100,000 children aged 10-17", "per": "per 100,000",
            "needs": ("offences", "population"), "decimals": 0,
            "caption": "First time entrants per 100,000 children aged 10-17, 12 months ending each quarter"},
    "custody": {"what": "Custodial sentences", "unit": "per 1,000 children aged 10-17", "per": "per 1,000",
                "needs": ("offences", "population"), "decimals": 2,
                "caption": "Custodial sentences per 1,000 children aged 10-17, 12 months ending each quarter"},
}


def _join(*parts: _HTML | None) -> _HTML:
    from cohort.report.context import _HTML

    out = _HTML("")
    for p in parts:
        if p is not None:
            out = out + p
    return out


def _mine(rep: Report, p: Any, name: str) -> Any:
    """The authority's rows of a unit table, registered with the report."""
    rows = p.values["authority_code"].astype(str).eq(rep.authority).to_numpy()
    return rep.register(p.rows(rows, name))


# --------------------------------------------------------------------------- profile


def profile_section(rep: Report) -> _HTML:
    """Who the service worked with this quarter: table by characteristic and charts."""
    from cohort.measures.profile import profile

    missing = rep.available("interventions", "children")
    if missing is not None:
        return missing
    prof = profile(rep.data, rep.authority, rep.quarter)
    shown = rep.table(prof, "profile")
    out = rep.show(shown, "Children open during the quarter, by characteristic")
    m = masked(shown)
    figs = []
    for group in (["age_band", "sex", "ethnicity"], ["send_level", "care_status"],
                  ["intervention_type", "offence_group"]):
        group = [g for g in group if g in set(m["group_variable"])]
        if not group:
            continue
        n = max(int((m["group_variable"] == g).sum()) for g in group)
        fig, axes = plt.subplots(1, len(group), figsize=(4.6 * len(group), max(3.6, 0.36 * n + 1.4)),
                                 layout="constrained", squeeze=False)
        for ax, var in zip(axes[0], group, strict=True):
            plots.shares(m, var, ax=ax)
        alt = " ".join(plots.describe_shares(m, v) for v in group)
        figs.append(rep.figure(fig, alt))
    return _join(out, *figs)


# --------------------------------------------------------------------------- KPIs


def kpi_section(rep: Report, part: str) -> _HTML:
    """The KPI headline, the board of the ten KPIs, or the detail of every sub-measure."""
    from cohort.report import kpi_layout as kb
    from cohort.report.context import _HTML

    missing = rep.available("kpi_records")
    if missing is not None:
        return missing
    if "_kpi_periods" not in rep._units:
        rep._units["_kpi_periods"] = {"periods": kb.kpi_parts(rep)}
    periods = rep._units["_kpi_periods"]["periods"]
    if part == "headline":
        return _HTML(kb.kpi_headline(rep, periods))
    if part == "board":
        return rep.show(kb.kpi_summary(rep, periods))
    if part == "detail":
        return _join(*(rep.show(p) for p in kb.kpi_detail(rep, periods)))
    raise ValueError(f"part={part!r} is not valid; choose one of 'headline', 'board', 'detail'")


# --------------------------------------------------------------------------- rates over time


def rate_section(rep: Report, measure: str) -> _HTML:
    """A population rate (first time entrants, custody) for the last eight 12-month windows."""
    spec = _RATES[measure]
    missing = rep.available(*spec["needs"], whole_store=True)
    if missing is not None:
        return missing
    unit = rep.unit("performance")
    if measure not in unit:
        return rep.note(f"No {spec['what'].lower()} can be counted from this store.")
    p = _mine(rep, unit[measure], measure)
    out = rep.show(p, spec["caption"])  # a "Note" column says when a later mid-year is missing
    names = rep.authority_names()
    m = masked(unit[measure])
    if masked(p)["estimate"].isna().all():
        return out + rep.note(f"No rate of {names.get(rep.authority, rep.authority)} can be shown in this "
                              "edition, so the chart is left out.")
    ax = plots.trend(m, hue="authority_code", highlight=rep.authority, hue_labels=names,
                     title=f"{spec['what']} {spec['per']} children aged 10-17, 12 months ending each quarter",
                     ylabel=spec["per"])
    mine = m[m["authority_code"].astype(str) == rep.authority]
    alt = plots.describe_trend(mine, f"{spec['what']} in {names.get(rep.authority, rep.authority)}",
                               spec["unit"], decimals=spec["decimals"])
    alt += " Other authorities are drawn in grey for comparison."
    return out + rep.figure(ax, alt)


def reoffending_section(rep: Report) -> _HTML:
    """Proven reoffending of the last twelve 3-month cohorts: rate, frequency and trend."""
    missing = rep.available("offences")
    if missing is not None:
        return missing
    unit = rep.unit("performance")
    if "reoffending" not in unit:
        return rep.note("No reoffending cohort can be formed from this store.")
    binary = _mine(rep, unit["reoffending"], "reoffending")
    freq = _mine(rep, unit["reoffending_frequency"], "reoffending_frequency")
    out = rep.show(binary, "Proven reoffending rate: children in each 3-month cohort who reoffended")
    out = out + rep.show(freq, "Proven reoffences per child in each 3-month cohort")
    m = masked(binary)
    ax = plots.trend(m, scale=100, shade="incomplete", ylabel="% reoffending",
                     title="Proven reoffending rate, 3-month cohorts (%)")
    alt = plots.describe_trend(m, "Proven reoffending rate", "per cent of each 3-month cohort", scale=100)
    inc = m.loc[m["incomplete"].astype(bool), "period"].astype(str).tolist()
    if inc:
        alt += f" Cohorts from {inc[0]} on are incomplete (shaded): their rates can still rise."
    return out + rep.figure(ax, alt)


# --------------------------------------------------------------------------- benchmarks


def _positions(values: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
    """Benchmark positions and flags of the authorities whose estimate is shown (blank otherwise)."""
    from cohort.measures.benchmark import benchmark

    b = benchmark(values.reset_index(drop=True))
    hidden = shown["estimate"].astype(str).eq("[c]").to_numpy()
    pos = b["position"].astype(object).where(~hidden, "")
    return pd.DataFrame({"authority_code": b["authority_code"].to_numpy(), "position": pos.to_numpy()})


def benchmark_section(rep: Report, measure: str) -> _HTML:
    """One measure for every authority against the pooled rate: table, funnel plot, comparison group."""
    from cohort.measures.benchmark import funnel_data
    from cohort.report.tables import Presented, present

    spec = {
        "fte": ("fte", "First time entrants per 100,000 aged 10-17, latest 12 months", 1.0,
                "per 100,000", "Children aged 10-17 (population)", 0),
        "custody": ("custody", "Custodial sentences per 1,000 aged 10-17, latest 12 months", 1.0,
                    "per 1,000", "Children aged 10-17 (population)", 2),
        "reoffending": ("reoffending_pooled", "Proven reoffending rate, latest complete financial year", 100.0,
                        "% reoffending", "Children in the year's cohorts", 0),
    }
    if measure not in spec:
        raise ValueError(f"measure={measure!r} is not valid; choose one of {', '.join(map(repr, spec))}")
    table_name, caption, scale, ylabel, xlabel, decimals = spec[measure]
    missing = rep.available("offences", whole_store=True)
    if missing is not None:
        return missing
    unit = rep.unit("performance")
    if table_name not in unit:
        return rep.note("There is no complete period to compare yet.")
    p = unit[table_name]
    vals = p.values
    last = vals["period"].astype(str).iloc[-1] if measure != "reoffending" else None
    rows = (vals["period"].astype(str) == last).to_numpy() if last else pd.Series(True, index=vals.index).to_numpy()
    latest = rep.register(p.rows(rows, f"{table_name}_benchmark"))
    shown = present(latest, caption, keep=("period",) if measure == "reoffending" else ())
    names = rep.authority_names()
    pos = _positions(latest.values, latest.table.reset_index(drop=True))
    frame = shown.frame.drop(columns=[c for c in ("Authority",) if c in shown.frame.columns])
    frame.insert(0, "Authority name", [names.get(str(a), str(a)) for a in latest.values["authority_code"]])
    frame["Against the funnel limits"] = [labels.value(x) for x in pos["position"]]
    kinds = {"Authority name": "text", **{k: v for k, v in shown.kinds.items() if k in frame.columns},
             "Against the funnel limits": "text"}
    out = rep.show(Presented(frame, kinds, shown.caption, shown.notes, shown.footnote, f"{table_name}_benchmark"))
    points, limits = funnel_data(latest.values.reset_index(drop=True))
    mask = masked(latest).reset_index(drop=True)
    points = points.merge(mask[["authority_code", "estimate"]].rename(columns={"estimate": "shown"}),
                          on="authority_code", how="left")
    points = points.assign(estimate=points["shown"], label=points["authority_code"].astype(str))
    title = caption + (f" ({latest.values['period'].iloc[0]})" if measure == "reoffending" else "")
    ax = plots.funnel(points, limits, highlight=rep.authority, title=title, ylabel=ylabel, xlabel=xlabel,
                      scale=scale, names=names)
    target = float(limits["target"].iloc[0]) if "target" in limits else float("nan")
    me = mask.assign(label=mask["authority_code"].astype(str))
    me = me.merge(pos, on="authority_code", how="left")
    alt = plots.describe_funnel(me, target, caption.split(",")[0], ylabel, highlight=rep.authority,
                                scale=scale, names=names, decimals=decimals)
    out = out + rep.figure(ax, alt)
    if measure == "fte" and "fte_groups" in unit:
        out = out + _neighbours(rep, unit, names)
    return out


def _neighbours(rep: Report, unit: dict[str, Any], names: dict[str, str]) -> _HTML:
    from cohort.report.tables import Presented, present

    auth = rep._whole().authorities
    if "comparison_group" not in auth.columns:
        return rep.note("")
    group = auth.loc[auth["authority_code"].astype(str) == rep.authority, "comparison_group"]
    if group.empty:
        return rep.note("")
    g = unit["fte_groups"]
    mine = g.values["comparison_group"].astype(str).eq(str(group.iloc[0])).to_numpy()
    grp = rep.register(g.rows(mine, "fte_comparison_group"))
    members = auth.loc[auth["comparison_group"] == group.iloc[0], "authority_code"].astype(str).tolist()
    f = unit["fte"]
    last = f.values["period"].astype(str).iloc[-1]
    rows = (f.values["authority_code"].astype(str).isin(members) & (f.values["period"].astype(str) == last)).to_numpy()
    mem = rep.register(f.rows(rows, "fte_comparison_members"))
    a = present(mem, drop=("population_year",))
    b = present(grp)
    top = a.frame.copy()
    top.insert(0, "Authority name", [names.get(str(x), str(x)) for x in mem.values["authority_code"]])
    bottom = b.frame.copy()
    bottom.insert(0, "Authority name", [f"{group.iloc[0]} (pooled)"] * len(bottom))
    frame = pd.concat([top, bottom.reindex(columns=top.columns, fill_value="")], ignore_index=True)
    frame = frame.drop(columns=[c for c in ("Authority", "Comparison group") if c in frame.columns])
    kinds = {c: a.kinds.get(c, b.kinds.get(c, "text")) for c in frame.columns}
    kinds["Authority name"] = "text"
    return rep.show(Presented(frame, kinds, f"First time entrants: {names.get(rep.authority, rep.authority)} "
                              "and its comparison group, latest 12 months", a.notes, a.footnote or b.footnote,
                              "fte_comparison_group"))


# --------------------------------------------------------------------------- victims


_VICTIM_PARTS = {
    "engagement": (("restorative_justice", "engagement", "support"),
                   "Victims: consent, contact and restorative justice; each step of those at the step before"),
    "reasons": (("non_engagement_reason",), "Why victims did not take up restorative justice"),
    "profile": (("victim_type", "sex", "age_band", "ethnicity"), "Who the victims were"),
}


def victims_section(rep: Report, part: str) -> _HTML:
    """Victims of the quarter: ``part`` "engagement", "reasons" or "profile" (with charts)."""
    if part not in _VICTIM_PARTS:
        raise ValueError(f"part={part!r} is not valid; choose one of {', '.join(map(repr, _VICTIM_PARTS))}")
    missing = rep.available("victims")
    if missing is not None:
        return missing
    unit = rep.unit("kpi")
    measures, caption = _VICTIM_PARTS[part]
    v = unit["victims"].values
    rows = (v["authority_code"].astype(str).eq(rep.authority) & v["measure"].isin(measures)).to_numpy()
    p = rep.register(unit["victims"].rows(rows, f"victims_{part}"))
    out = rep.show(p, caption)
    if part != "profile":
        return out
    m = masked(p).rename(columns={"measure": "group_variable", "category": "group_value"})
    groups = [g for g in ("victim_type", "sex", "age_band") if g in set(m["group_variable"])]
    if groups:
        fig, axes = plt.subplots(1, len(groups), figsize=(4.3 * len(groups), 3.4), layout="constrained",
                                 squeeze=False)
        for ax, var in zip(axes[0], groups, strict=True):
            plots.shares(m, var, ax=ax)
            ax.set_xlabel("Share of victims (%)")
        alt = " ".join(plots.describe_shares(m, g, "victims") for g in groups)
        out = out + rep.figure(fig, alt)
    return out
