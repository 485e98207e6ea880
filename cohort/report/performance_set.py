"""The performance protection unit: first time entrants, reoffending and custody
of every authority, as the performance reports show them.

Tables (every authority's rows):

- ``fte`` and ``custody``: rates over the 12 months ending each of the last
  eight quarters, with ``fte_quarters`` and ``custody_quarters`` (unpublished)
  holding the counts of each quarter inside those windows: a window is the sum
  of its four quarters, so consecutive windows cannot be differenced;
- ``fte_groups``: each comparison group's pooled rate for the latest window
  (the sum of its members);
- ``reoffending`` (binary rate) and ``reoffending_frequency`` (reoffences per
  child) of the last twelve 3-month cohorts, the cohorts' denominators being
  the same children; reoffenders and reoffences of a cohort are suppressed
  together (reoffences > 0 would tell that someone reoffended);
- ``reoffending_pooled``: the binary rate of the latest financial year whose
  four cohorts are complete, the sum of those cohorts (older cohorts than the
  twelve shown sit in the unpublished ``reoffending_earlier``).

Within each period the authorities' total (the all-authority figure that
benchmarks and funnel plots show) is assumed known to the reader.
"""

from __future__ import annotations

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.disclosure import CellRef, Relation, Together
from cohort.measures.benchmark import neighbours
from cohort.measures.custody import custodial_sentences, custody
from cohort.measures.fte import first_time_entrants, fte
from cohort.measures.reoffending import reoffending
from cohort.periods import financial_year_bounds, quarter, quarter_label
from cohort.report.protection import TableSet

_PERIOD = ["period", "period_start", "period_end"]
_RATE_OPTIONS = {"by": _PERIOD, "within": "authority_code", "margin": "rates", "estimate": "rate"}


def _window_quarters(end: pd.Timestamp) -> list[pd.Period]:
    last = quarter(end)
    return [last - k for k in range(3, -1, -1)]


def _quarter_counts(events: pd.DataFrame, first: pd.Period, last: pd.Period, authorities: list[str],
                    count_children_by_day: bool) -> pd.DataFrame:
    """Counts per authority and quarter of the events' outcome dates (unpublished)."""
    e = events.dropna(subset=["outcome_date"]).copy()
    e["q"] = pd.PeriodIndex(pd.to_datetime(e["outcome_date"]), freq="Q-MAR")
    e = e[(e["q"] >= first) & (e["q"] <= last)]
    if count_children_by_day:  # one sentence per child and sentence date
        e = e.drop_duplicates(["authority_code", "child_id", "outcome_date"])
    counts = e.groupby(["authority_code", "q"]).size()
    grid = pd.MultiIndex.from_product([authorities, pd.period_range(first, last, freq="Q-MAR")],
                                      names=["authority_code", "q"])
    counts = counts.reindex(grid, fill_value=0).reset_index(name="numerator")
    counts["quarter"] = counts["q"].map(quarter_label)
    return counts[["authority_code", "quarter", "numerator"]]


def _rolling(ts: TableSet, name: str, table: pd.DataFrame, events: pd.DataFrame, by_day: bool) -> None:
    """A rolling 12-month table and the unpublished quarters that make up its windows."""
    authorities = sorted(table["authority_code"].astype(str).unique())
    ends = pd.to_datetime(table["period_end"])
    first = quarter(ends.min()) - 3
    last = quarter(ends.max())
    quarters = _quarter_counts(events, first, last, authorities, by_day)
    qname = f"{name}_quarters"
    ts.tables[name] = table
    ts.options[name] = dict(_RATE_OPTIONS)
    ts.tables[qname] = quarters
    ts.options[qname] = {"by": ["authority_code", "quarter"], "within": None, "margin": "sum",
                         "implicit_margins": False}
    ts.unpublished.add(qname)
    have = {(a, qq): n for a, qq, n in quarters.itertuples(index=False)}
    skipped = 0
    for r in table.to_dict("records"):
        qs = [quarter_label(x) for x in _window_quarters(pd.Timestamp(r["period_end"]))]
        if sum(have.get((r["authority_code"], x), 0) for x in qs) != r["numerator"]:
            skipped += 1  # the window is not the sum of its quarters (a definition differs): no identity
            continue
        ts.relations.append(Relation(
            CellRef(name, {"authority_code": r["authority_code"], "period": r["period"]}),
            [CellRef(qname, {"authority_code": r["authority_code"], "quarter": x}) for x in qs]))
    if skipped:
        ts.notes.append(f"{skipped} windows of {name} are not the sum of their quarters' counts and are "
                        "protected without that identity.")


def reoffending_tables(ts: TableSet, binary: pd.DataFrame, freq: pd.DataFrame, pooled: pd.DataFrame | None,
                       shown_from: pd.Timestamp) -> None:
    """Add the reoffending tables and how they relate to a unit.

    ``binary`` and ``freq`` hold the 3-month cohorts (binary rate; reoffences
    per child) from the first cohort of the pooled year (or ``shown_from``)
    on; those before ``shown_from`` go to the unpublished
    ``reoffending_earlier``. ``pooled`` holds the pooled financial year of
    every authority (its ``period`` a financial year such as ``2023/24``).
    """
    shown = pd.to_datetime(binary["period_start"]) >= shown_from
    opts = {**_RATE_OPTIONS, "estimate": "proportion"}
    ts.tables["reoffending"] = binary[shown].reset_index(drop=True)
    ts.options["reoffending"] = opts
    ts.tables["reoffending_frequency"] = freq[shown.to_numpy()].reset_index(drop=True)
    # reoffences per child: reoffences are not a subset of the children, so no complement
    ts.options["reoffending_frequency"] = {**_RATE_OPTIONS, "complements": False}
    if (~shown).any():
        ts.tables["reoffending_earlier"] = binary[~shown].reset_index(drop=True)
        ts.options["reoffending_earlier"] = opts
        ts.unpublished.add("reoffending_earlier")
    where = {"reoffending": ts.tables["reoffending"], "reoffending_earlier": ts.tables.get("reoffending_earlier")}
    for row in ts.tables["reoffending"].to_dict("records"):
        key = {"authority_code": row["authority_code"], "period": row["period"]}
        ts.relations.append(Relation(CellRef("reoffending_frequency", key, "denominator"),
                                     [CellRef("reoffending", key, "denominator")]))
        ts.together.append(Together([CellRef("reoffending", key), CellRef("reoffending_frequency", key)]))
    if pooled is None or not len(pooled):
        return
    ts.tables["reoffending_pooled"] = pooled
    ts.options["reoffending_pooled"] = opts
    for row in pooled.to_dict("records"):
        fy_start, fy_end = financial_year_bounds(str(row["period"]))
        parts = []
        for tname, t in where.items():
            if t is None:
                continue
            starts = pd.to_datetime(t["period_start"])
            sel = t[(t["authority_code"] == row["authority_code"]) & (starts >= fy_start) & (starts <= fy_end)]
            parts += [(tname, p) for p in sel["period"]]
        for col in ("numerator", "denominator"):
            ts.relations.append(Relation(
                CellRef("reoffending_pooled", {"authority_code": row["authority_code"]}, col),
                [CellRef(tname, {"authority_code": row["authority_code"], "period": p}, col) for tname, p in parts]))


def performance_unit(data: CohortData, quarter_: str) -> TableSet:
    """Build the performance unit's tables and relations for one quarter (every authority).

    Parameters
    ----------
    data : CohortData
        The whole store (every authority).
    quarter_ : str
        Quarter label: the windows end at this quarter.

    Returns
    -------
    TableSet
    """
    q = quarter(quarter_)
    ts = TableSet("performance")
    start, end = quarter_label(q - 7), quarter_label(q)
    f = fte(data, period="rolling_12m", start=start, end=end)
    _rolling(ts, "fte", f.reset_index(drop=True), first_time_entrants(data), False)
    c = custody(data, period="rolling_12m", start=start, end=end)
    _rolling(ts, "custody", c.reset_index(drop=True), custodial_sentences(data), True)

    # comparison groups: each group's pooled rate for the latest window
    latest = f[f["period"] == f["period"].iloc[-1]]
    auth = data.authorities
    groups = []
    if "comparison_group" in auth.columns:
        for a in auth.drop_duplicates("comparison_group")["authority_code"]:
            n = neighbours(latest, a, authorities=auth, include_self=True)
            g = n[n["role"] == "group"]
            if len(g):
                members = n.loc[n["role"] != "group", "authority_code"].astype(str).tolist()
                groups.append((g.iloc[0], members))
    if groups:
        cols = ["comparison_group", "period", "numerator", "denominator", "estimate", "lower", "upper",
                "method", "confidence"]
        gt = pd.DataFrame([g[cols] for g, _ in groups]).reset_index(drop=True)
        ts.tables["fte_groups"] = gt
        ts.options["fte_groups"] = {"by": ["comparison_group", "period"], "within": None, "margin": "rates",
                                    "estimate": "rate", "implicit_margins": False}
        for (g, members) in groups:
            for col in ("numerator", "denominator"):
                ts.relations.append(Relation(
                    CellRef("fte_groups", {"comparison_group": g["comparison_group"]}, col),
                    [CellRef("fte", {"authority_code": m, "period": g["period"]}, col) for m in members]))

    # reoffending: 3-month cohorts (binary and frequency) and the latest complete pooled year
    pooled = reoffending(data, cohort_period="3M", pooled=True, pool_window="financial_year")
    pooled = pooled[(pooled["measure"] == "binary_rate") & ~pooled["incomplete"].astype(bool)]
    shown_first = q - 11
    first = shown_first
    fy = None
    if len(pooled):
        fy = str(pooled["period"].max())
        first = min(first, quarter(financial_year_bounds(fy)[0]))
        pooled = pooled[pooled["period"] == fy].drop(columns=["measure"]).reset_index(drop=True)
    r = reoffending(data, cohort_period="3M", start=quarter_label(first), end=quarter_label(q))
    binary = r[r["measure"] == "binary_rate"].drop(columns=["measure"]).reset_index(drop=True)
    freq = r[r["measure"] == "reoffences_per_offender"].drop(columns=["measure"]).reset_index(drop=True)
    reoffending_tables(ts, binary, freq, pooled if fy is not None else None, quarter(shown_first).start_time)
    return ts
