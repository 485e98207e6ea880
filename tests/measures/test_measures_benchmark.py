"""Benchmarking: funnel classification, overdispersion, comparison groups, neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.benchmark import benchmark, funnel_data, neighbours
from cohort.measures.fte import fte
from cohort.stats import funnel_limits, proportion_ci, rate_ci

POPS = [5_000, 8_000, 10_000, 12_000, 15_000, 18_000, 20_000, 22_000, 25_000, 28_000,
        30_000, 35_000, 40_000, 45_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000]  # fmt: skip
CODES = [f"X{i:02d}" for i in range(1, 21)]
OUTLIER = "X11"  # population 30,000


def _planted_counts() -> list[int]:
    """Every authority exactly at 200 per 100,000, except X11 at three times that."""
    counts = [round(p * 200 / 100_000) for p in POPS]
    counts[CODES.index(OUTLIER)] *= 3
    return counts


def _fte_data(counts: list[int]) -> CohortData:
    """Children with a first youth caution in June 2022, and mid-2021 populations."""
    off, kids = [], []
    for code, n in zip(CODES, counts, strict=True):
        for k in range(n):
            cid = f"{code}-{k}"
            off.append((f"o-{cid}", cid, code, "2022-05-01", "2022-06-01", "Youth caution"))
            kids.append((cid, code, "2008-01", "Male", "White"))
    offences = pd.DataFrame(
        off,
        columns=[
            "offence_id",
            "child_id",
            "authority_code",
            "offence_date",
            "outcome_date",
            "outcome",
        ],
    ).astype({"offence_date": "datetime64[ns]", "outcome_date": "datetime64[ns]"})
    children = pd.DataFrame(
        kids, columns=["child_id", "authority_code", "birth_month", "sex", "ethnicity"]
    )
    population = pd.DataFrame(
        {
            "authority_code": CODES,
            "mid_year": 2021,
            "age": pd.array([pd.NA] * 20, dtype="Int64"),
            "sex": "All",
            "ethnicity": "All",
            "population": POPS,
        }
    )
    authorities = pd.DataFrame(
        {
            "authority_code": CODES,
            "region": ["North"] * 10 + ["South"] * 10,
            "comparison_group": ["Metro A"] * 5 + ["Metro B"] * 5 + ["Shire"] * 10,
        }
    )
    return CohortData(
        {"offences": offences, "children": children, "population": population,
         "authorities": authorities}
    )  # fmt: skip


def _rate_table(counts, pops=POPS, codes=CODES, per=100_000) -> pd.DataFrame:
    t = rate_ci(np.asarray(counts, dtype=float), np.asarray(pops, dtype=float), per=per)
    t.insert(0, "authority_code", list(codes))
    return t


def test_planted_outlier_is_the_only_alarm():
    """20 authorities exactly at 200 per 100,000 and one at 600: winsorising keeps the
    outlier from masking itself, so no overdispersion adjustment and only it alarms."""
    table = fte(_fte_data(_planted_counts()))
    out = benchmark(table)
    assert out["authority_code"].tolist() == CODES  # input order, never ranked
    assert list(out.columns[:5]) == ["authority_code", "period", "period_start", "period_end",
                                     "comparison_group"]  # fmt: skip
    assert list(out.columns[5:12]) == list(TIDY_COLUMNS)
    flagged = out[out["flag"] != "none"]
    assert flagged["authority_code"].tolist() == [OUTLIER]
    assert flagged[["position", "flag"]].values.tolist() == [["above", "alarm"]]
    assert (out.loc[out["authority_code"] != OUTLIER, "position"] == "within").all()
    assert (out["adjustment"] == "none").all() and (out["limit_method"] == "exact").all()
    pooled = table["numerator"].sum() / table["denominator"].sum() * 100_000
    assert out["target"].unique().tolist() == pytest.approx([pooled])
    assert (out["kind"] == "rate").all() and (out["per"] == 100_000).all()
    assert out["phi"].notna().all()  # tested, not applied
    # limits at each denominator are the exact Poisson limits around the target
    lim = funnel_limits(out["denominator"], pooled, kind="rate", per=100_000)
    assert out["alert_lower"].to_numpy() == pytest.approx(lim["lower"].to_numpy()[:20])
    assert out["alarm_upper"].to_numpy() == pytest.approx(lim["upper"].to_numpy()[20:])


def test_fixed_target_and_no_adjustment():
    table = _rate_table(_planted_counts())
    out = benchmark(table, target=600, overdispersion="none")
    assert (out["target"] == 600).all()
    assert out.loc[out["authority_code"] == OUTLIER, "flag"].item() == "none"
    assert (out.loc[out["authority_code"] != OUTLIER, "position"] == "below").all()
    assert out["phi"].isna().all()
    with pytest.raises(ValueError, match="'auto', 'none', 'multiplicative', 'additive'"):
        benchmark(table, overdispersion="yes")
    with pytest.raises(ValueError, match="'pooled' or a number"):
        benchmark(table, target="national")
    with pytest.raises(ValueError, match="authority_code"):
        benchmark(table.drop(columns="authority_code"))


def _overdispersed() -> pd.DataFrame:
    """Rates alternating 100 and 300 per 100,000: far more spread than Poisson."""
    counts = [round(p * (100 if i % 2 else 300) / 100_000) for i, p in enumerate(POPS)]
    return _rate_table(counts)


def test_overdispersion_adjustment_widens_limits():
    table = _overdispersed()
    none = benchmark(table, overdispersion="none")
    auto = benchmark(table)
    mult = benchmark(table, overdispersion="multiplicative")
    assert (auto["adjustment"] == "additive").all()
    assert (mult["adjustment"] == "multiplicative").all()
    assert auto["phi"].iloc[0] > 1 and auto["tau2"].iloc[0] > 0
    assert (auto["limit_method"] == "normal-sqrt").all()
    width = lambda t: (t["alarm_upper"] - t["alarm_lower"]).to_numpy()  # noqa: E731
    assert (width(auto) > width(none)).all() and (width(mult) > width(none)).all()
    assert (none["flag"] != "none").sum() > (auto["flag"] != "none").sum()


def test_comparison_groups_have_their_own_targets():
    counts = [round(p * (100 if i < 10 else 300) / 100_000) for i, p in enumerate(POPS)]
    table = _rate_table(counts)
    national = benchmark(table, overdispersion="none")
    assert (national["flag"] != "none").sum() >= 10
    region = {c: ("North" if i < 10 else "South") for i, c in enumerate(CODES)}
    by_region = benchmark(table, comparison=region, overdispersion="none")
    assert by_region["comparison_group"].unique().tolist() == ["North", "South"]
    assert sorted(by_region["target"].round(6).unique()) == pytest.approx(
        [sum(counts[:10]) / sum(POPS[:10]) * 1e5, sum(counts[10:]) / sum(POPS[10:]) * 1e5]
    )
    assert (by_region["flag"] == "none").all()
    as_column = benchmark(table.assign(region=table["authority_code"].map(region)),
                          comparison="region", overdispersion="none")  # fmt: skip
    assert as_column["flag"].tolist() == by_region["flag"].tolist()
    with pytest.raises(ValueError, match="no group for authorities"):
        benchmark(table, comparison={"X01": "North"})


def test_reoffending_style_table_is_benchmarked_per_measure():
    """Long tables: each measure (and period) is its own funnel; the binary rate is a
    proportion, the frequency a Poisson rate per 1."""
    n = np.array([40, 60, 80, 100, 120, 150, 200, 50, 70, 90])
    r = np.round(n * 0.35).astype(int)
    r[3] = 75  # 75% of 100: planted
    o = r * 3
    binary = proportion_ci(r, n).assign(measure="binary_rate")
    freq = rate_ci(o, n, per=1).assign(measure="reoffences_per_offender")
    table = pd.concat([binary, freq], ignore_index=True)
    table.insert(0, "measure", table.pop("measure"))
    table.insert(0, "period", "2022/23")
    table.insert(0, "authority_code", [f"X{i:02d}" for i in range(10)] * 2)
    out = benchmark(table, overdispersion="none")
    b = out[out["measure"] == "binary_rate"]
    assert (b["kind"] == "proportion").all() and (b["per"] == 1).all()
    assert b["target"].iloc[0] == pytest.approx(r.sum() / n.sum())
    assert b.loc[b["authority_code"] == "X03", "flag"].item() == "alarm"
    f = out[out["measure"] == "reoffences_per_offender"]
    assert (f["kind"] == "rate").all()
    assert f["target"].iloc[0] == pytest.approx(o.sum() / n.sum())
    pct = benchmark(table[table["measure"] == "binary_rate"], per=100, overdispersion="none")
    assert pct["estimate"].to_numpy() == pytest.approx(r / n * 100)
    assert pct["upper"].to_numpy() == pytest.approx(binary["upper"].to_numpy() * 100)


def test_missing_denominators_are_not_classified():
    table = _rate_table([10, 20, 30, 5], pops=[10_000, 20_000, 30_000, np.nan], codes="ABCD")
    out = benchmark(table, overdispersion="none")
    assert out["position"].isna().tolist() == [False, False, False, True]
    assert out["target"].iloc[0] == pytest.approx(60 / 60_000 * 100_000)


def test_funnel_data_feeds_the_plot():
    table = fte(_fte_data(_planted_counts()))
    points, limits = funnel_data(table, points=50)
    assert {"denominator", "estimate", "label"} <= set(points.columns)
    assert {"denominator", "level", "lower", "upper", "target"} <= set(limits.columns)
    assert points["label"].tolist() == CODES
    assert points.loc[points["label"] == OUTLIER, "flag"].item() == "alarm"
    assert sorted(limits["level"].unique()) == [0.95, 0.998]
    assert limits["denominator"].min() == pytest.approx(5_000)
    assert limits["denominator"].max() == pytest.approx(100_000)
    assert limits["target"].unique() == pytest.approx(benchmark(table)["target"].unique())
    # overdispersed: the curves carry the same adjustment as benchmark()
    _, adjusted = funnel_data(_overdispersed(), points=10)
    assert (adjusted["adjustment"] == "additive").all()
    two = pd.concat([table, table.assign(period="2023")])
    with pytest.raises(ValueError, match="filter it first"):
        funnel_data(two)
    import matplotlib

    matplotlib.use("Agg")
    from cohort.report.plots import funnel

    ax = funnel(points, limits, highlight=OUTLIER)
    assert ax is not None


def test_neighbours_table():
    data = _fte_data(_planted_counts())
    table = fte(data)
    nb = neighbours(table, OUTLIER, authorities=data.authorities)
    members = ["X11", "X12", "X13", "X14", "X15", "X16", "X17", "X18", "X19", "X20"]  # Shire
    assert nb["role"].tolist() == ["authority"] + ["neighbour"] * 9 + ["group"]
    assert nb["authority_code"].tolist()[:10] == members
    assert (nb["comparison_group"] == "Shire").all() and (nb["neighbours"] == 9).all()
    group = nb[nb["role"] == "group"].iloc[0]
    t = table.set_index("authority_code")
    assert group["numerator"] == t.loc[members[1:], "numerator"].sum()
    assert group["denominator"] == t.loc[members[1:], "denominator"].sum()
    assert group["estimate"] == pytest.approx(group["numerator"] / group["denominator"] * 1e5)
    assert group["lower"] < group["estimate"] < group["upper"]
    assert nb.iloc[0]["position"] == "above"
    assert (nb.iloc[1:10]["position"] == "within").all()
    assert list(nb.columns[:7]) == ["period", "period_start", "period_end", "comparison_group",
                                    "role", "authority_code", "numerator"]  # fmt: skip
    with_self = neighbours(table, OUTLIER, authorities=data.authorities, include_self=True)
    assert with_self["neighbours"].iloc[0] == 10
    assert with_self.iloc[-1]["numerator"] == t.loc[members, "numerator"].sum()
    named = neighbours(table, "X01", group="Metro B", authorities=data.authorities)
    assert named["authority_code"].tolist()[:6] == ["X01", "X06", "X07", "X08", "X09", "X10"]
    listed = neighbours(table, "X01", group=["X02", "X03"])
    assert listed["comparison_group"].iloc[0] == "custom"
    assert listed.iloc[-1]["numerator"] == t.loc[["X02", "X03"], "numerator"].sum()
    with pytest.raises(ValueError, match="groups:"):
        neighbours(table, "X01", group="Nowhere", authorities=data.authorities)
    with pytest.raises(ValueError, match="not in the table"):
        neighbours(table, "Z99", authorities=data.authorities)
    with pytest.raises(ValueError, match="authorities table"):
        neighbours(table, "X01")
