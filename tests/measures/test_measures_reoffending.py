"""Proven reoffending: cohort rules, counting edge cases, measures, pooling, tracker, KM.

Datasets are built by hand so each answer is known by construction. The
edge cases are those listed in METHODS.md section 1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.reoffending import reoffending, reoffending_cohort
from cohort.measures.time_to_reoffence import time_to_reoffence

CAUTION = "Youth caution"
LATE = "2030-01-01"  # an as_of after every waiting period


def _data(rows, birth_month: str = "2008-01", authorities=None) -> CohortData:
    """Offences from dicts with child, offence, outcome (dates) and optional fields."""
    recs = []
    for i, r in enumerate(rows):
        recs.append(
            {
                "offence_id": r.get("id", f"o{i:05d}"),
                "child_id": r["child"],
                "authority_code": r.get("authority", "X01"),
                "offence_date": pd.Timestamp(r["offence"]),
                "outcome_date": pd.Timestamp(r["outcome"]),
                "outcome": r.get("kind", CAUTION),
                "is_breach": r.get("breach", False),
                "release_date": pd.Timestamp(r["release"]) if "release" in r else pd.NaT,
            }
        )
    off = pd.DataFrame(recs).astype({"is_breach": "boolean"})
    ids = sorted(off["child_id"].unique())
    children = pd.DataFrame(
        {
            "child_id": ids,
            "authority_code": "X01",
            "birth_month": [birth_month] * len(ids),
            "sex": "Male",
            "ethnicity": "White",
        }
    )
    tables = {"offences": off, "children": children}
    if authorities is not None:
        tables["authorities"] = pd.DataFrame({"authority_code": authorities})
    return CohortData(tables)


def _index(child: str, outcome: str, offence: str | None = None, **kw) -> dict:
    return {"child": child, "offence": offence or outcome, "outcome": outcome, **kw}


def _members(data, **kw) -> pd.DataFrame:
    kw.setdefault("as_of", LATE)
    return reoffending_cohort(data, **kw).set_index("child_id")


# --------------------------------------------------------------------------- counting rules


def test_reoffence_counting_edge_cases():
    """Index 15 Feb 2023 (METHODS.md section 1): follow-up to 15 Feb 2024, proven by
    15 Aug 2024. Only the offence committed on day 360 and proven in month 17 counts."""
    rows = [
        _index("a", "2023-02-15", offence="2023-01-05", id="index"),
        # committed before the index date, proven after it: not a reoffence
        {"child": "a", "offence": "2023-02-01", "outcome": "2023-04-01", "id": "before"},
        # committed on day 360 (10 Feb 2024), proven in month 17 (15 Jul 2024): counts
        {"child": "a", "offence": "2024-02-10", "outcome": "2024-07-15", "id": "day360"},
        # committed in the year, proven in month 19 (15 Sep 2024): too late
        {"child": "a", "offence": "2023-06-01", "outcome": "2024-09-15", "id": "month19"},
        # a breach is never a reoffence
        {"child": "a", "offence": "2023-05-01", "outcome": "2023-05-20", "breach": True},
        # informal outcomes are never reoffences
        {"child": "a", "offence": "2023-05-02", "outcome": "2023-05-21", "kind": "Community resolution"},
        {"child": "a", "offence": "2023-05-03", "outcome": "2023-05-22", "kind": "Outcome 22"},
    ]  # fmt: skip
    m = _members(_data(rows), start="Jan-Mar 2023", end="Jan-Mar 2023")
    assert m.loc["a", "index_offence_id"] == "index"
    assert m.loc["a", "follow_up_end"] == pd.Timestamp("2024-02-15")
    assert m.loc["a", "proven_by"] == pd.Timestamp("2024-08-15")
    assert m.loc["a", "reoffences"] == 1
    assert m.loc["a", "first_reoffence_date"] == pd.Timestamp("2024-02-10")


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_offence_ids_name_the_index_offence(dtype):
    """A record with the index offence's id is that offence, not a reoffence, even when
    dated inside the window; a missing id is always another offence (nothing says it is
    the same). By hand: a's index has no id and its later record (no id) counts; b's
    later record repeats b's index id and does not; c's later record has no id and
    counts. N = 3, R = 2, O = 2."""
    rows = [
        _index("a", "2023-02-15", offence="2023-01-05", id=None),
        {"child": "a", "offence": "2023-06-01", "outcome": "2023-08-01", "id": None},
        _index("b", "2023-02-20", offence="2023-01-06", id="b1"),
        {"child": "b", "offence": "2023-06-02", "outcome": "2023-08-02", "id": "b1"},
        _index("c", "2023-03-01", offence="2023-01-07", id="c1"),
        {"child": "c", "offence": "2023-06-03", "outcome": "2023-08-03", "id": None},
    ]  # fmt: skip
    data = _data(rows)
    data.offences["offence_id"] = data.offences["offence_id"].astype(dtype)
    m = _members(data, start="Jan-Mar 2023", end="Jan-Mar 2023")
    assert m["reoffences"].to_dict() == {"a": 1, "b": 0, "c": 1}
    table = reoffending(data, start="Jan-Mar 2023", end="Jan-Mar 2023", as_of=LATE)
    binary = table.set_index("measure").loc["binary_rate"]
    assert (binary["numerator"], binary["denominator"]) == (2, 3)
    per = table.set_index("measure").loc["reoffences_per_offender"]
    assert (per["numerator"], per["denominator"]) == (2, 3)


def test_methods_example_caution_vs_conviction_after_window():
    """METHODS.md: index 15 Feb 2023; offence 3 Jan 2024 cautioned 20 Jun 2024 counts;
    the same offence convicted 1 Sep 2024 does not."""
    counts = _data(
        [
            _index("a", "2023-02-15"),
            {"child": "a", "offence": "2024-01-03", "outcome": "2024-06-20"},
        ]
    )
    late = _data(
        [
            _index("a", "2023-02-15"),
            {"child": "a", "offence": "2024-01-03", "outcome": "2024-09-01", "kind": "Fine"},
        ]
    )
    q = {"start": "Jan-Mar 2023", "end": "Jan-Mar 2023"}
    assert _members(counts, **q).loc["a", "reoffences"] == 1
    assert _members(late, **q).loc["a", "reoffences"] == 0


def test_two_index_events_in_a_quarter_enter_once_with_the_earliest():
    rows = [
        _index("b", "2023-03-10", offence="2023-02-01"),
        _index("b", "2023-01-20", offence="2023-01-02"),
    ]
    m = reoffending_cohort(_data(rows), start="Jan-Mar 2023", end="Jan-Mar 2023", as_of=LATE)
    assert m["child_id"].tolist() == ["b"]
    assert m["index_date"].tolist() == [pd.Timestamp("2023-01-20")]
    # the later caution's offence was committed after the index date: a reoffence
    assert m["reoffences"].tolist() == [1]


def test_breach_and_informal_outcomes_are_not_index_events():
    rows = [
        {"child": "a", "offence": "2023-01-05", "outcome": "2023-01-10", "breach": True},
        {"child": "b", "offence": "2023-01-05", "outcome": "2023-01-10", "kind": "Community resolution"},
        _index("c", "2023-02-01"),
    ]  # fmt: skip
    m = reoffending_cohort(_data(rows), as_of=LATE)
    assert m["child_id"].tolist() == ["c"]


def test_29_february_index_date():
    """29 Feb 2024 + 12 months = 28 Feb 2025; + 18 months = 29 Aug 2025 (relativedelta)."""
    rows = [
        _index("a", "2024-02-29", offence="2024-01-01"),
        {"child": "a", "offence": "2025-02-28", "outcome": "2025-08-29", "id": "last_day"},
        {"child": "a", "offence": "2025-03-01", "outcome": "2025-04-01", "id": "day_after"},
        _index("b", "2024-02-29", offence="2024-01-01"),
        {"child": "b", "offence": "2025-02-01", "outcome": "2025-08-30", "id": "proven_late"},
    ]
    q = {"start": "Jan-Mar 2024", "end": "Jan-Mar 2024"}
    m = _members(_data(rows), **q)
    assert m.loc["a", "follow_up_end"] == pd.Timestamp("2025-02-28")
    assert m.loc["a", "proven_by"] == pd.Timestamp("2025-08-29")
    assert m["reoffences"].to_dict() == {"a": 1, "b": 0}
    excl = _members(_data(rows), include_end_day=False, **q)
    assert excl["reoffences"].to_dict() == {"a": 0, "b": 0}


def test_index_day_boundary_parameter():
    rows = [
        # cautioned on the day of the offence: the index offence itself never counts
        _index("a", "2023-02-15", offence="2023-02-15", id="index"),
        {"child": "a", "offence": "2023-02-15", "outcome": "2023-05-01", "id": "same_day"},
    ]
    q = {"start": "Jan-Mar 2023", "end": "Jan-Mar 2023"}
    assert _members(_data(rows), **q).loc["a", "reoffences"] == 0
    assert _members(_data(rows), include_index_day=True, **q).loc["a", "reoffences"] == 1


def test_custodial_index_is_the_release_date():
    rows = [
        {"child": "a", "offence": "2022-12-01", "outcome": "2023-01-10",
         "kind": "Detention and training order", "release": "2023-05-10"},
        # committed while in custody, proven after release: before the index date
        {"child": "a", "offence": "2023-03-01", "outcome": "2023-06-01"},
        {"child": "a", "offence": "2023-07-01", "outcome": "2023-08-01"},
        # still in custody: no index event
        {"child": "b", "offence": "2023-01-01", "outcome": "2023-02-01",
         "kind": "Section 250 detention"},
    ]  # fmt: skip
    m = _members(_data(rows), start="Jan-Mar 2023", end="Apr-Jun 2023")
    a = m.loc[["a"]]
    assert a["period"].tolist() == ["Apr-Jun 2023"]
    assert a["index_date"].tolist() == [pd.Timestamp("2023-05-10")]
    assert a["index_outcome"].tolist() == ["Detention and training order"]
    assert a["reoffences"].tolist() == [1]
    assert "b" not in m.index


def test_age_at_index():
    rows = [_index("a", "2023-02-15")]
    q = {"start": "Jan-Mar 2023", "end": "Jan-Mar 2023", "as_of": LATE}
    assert reoffending_cohort(_data(rows, birth_month="2005-01"), **q).empty  # 18
    assert len(reoffending_cohort(_data(rows, birth_month="2005-06"), **q)) == 1  # 17
    with pytest.raises(ValueError, match="pass start and end"):
        reoffending_cohort(_data(rows, birth_month="2005-01"), as_of=LATE)


def test_legacy_12_month_cohort_counts_each_child_once():
    rows = [
        _index("a", "2022-05-01", offence="2022-04-20"),
        _index("a", "2022-11-01", offence="2022-10-20"),
        _index("a", "2023-04-02", offence="2023-03-20"),  # next financial year
    ]
    m = reoffending_cohort(_data(rows), cohort_period="12M", as_of=LATE)
    assert m["period"].tolist() == ["2022/23", "2023/24"]
    assert m["index_date"].tolist()[0] == pd.Timestamp("2022-05-01")
    assert m["reoffences"].tolist() == [2, 0]


# --------------------------------------------------------------------------- measures


def _worked_example() -> CohortData:
    """200 children with index events Jan-Mar 2023; 70 reoffend, 250 reoffences
    (60 children x 3 + 10 children x 7)."""
    rows = []
    for i in range(200):
        child = f"c{i:03d}"
        rows.append(_index(child, "2023-02-15", offence="2023-01-10"))
        k = 3 if i < 60 else 7 if i < 70 else 0
        for j in range(k):
            rows.append(
                {"child": child, "offence": f"2023-06-{j + 1:02d}", "outcome": "2023-09-01"}
            )
    return _data(rows)


def test_worked_example_measures():
    """METHODS.md section 1: N = 200, R = 70, O = 250 -> 35.0% (Wilson 28.7%-41.8%),
    3.57 reoffences per reoffender, 1.25 per child."""
    out = reoffending(_worked_example(), start="Jan-Mar 2023", end="Jan-Mar 2023", as_of=LATE)
    assert list(out.columns) == [
        "authority_code", "period", "period_start", "period_end", "measure",
        *TIDY_COLUMNS, "cohorts", "incomplete",
    ]  # fmt: skip
    m = out.set_index("measure")
    assert m.loc["binary_rate", ["numerator", "denominator"]].tolist() == [70, 200]
    assert m.loc["binary_rate", ["estimate", "lower", "upper"]].tolist() == pytest.approx(
        [0.350, 0.287, 0.418], abs=5e-4
    )
    assert m.loc["binary_rate", "method"] == "wilson"
    assert m.loc["reoffences_per_reoffender", ["numerator", "denominator"]].tolist() == [250, 70]
    assert m.loc["reoffences_per_reoffender", "estimate"] == pytest.approx(3.57, abs=5e-3)
    assert m.loc["reoffences_per_offender", ["numerator", "denominator"]].tolist() == [250, 200]
    assert m.loc["reoffences_per_offender", "estimate"] == pytest.approx(1.25)
    # Poisson interval on O = 250 (Byar, count >= 10), divided by N
    lo, hi = m.loc["reoffences_per_offender", ["lower", "upper"]]
    assert m.loc["reoffences_per_offender", "method"] == "byar"
    assert lo == pytest.approx(219.96 / 200, abs=2e-3) and hi == pytest.approx(
        283.01 / 200, abs=2e-3
    )
    assert (out["cohorts"] == 1).all() and not out["incomplete"].any()


def test_empty_cohort_cells_and_breakdowns():
    data = _data([_index("a", "2023-02-15")], authorities=["X01", "X02"])
    out = reoffending(data, as_of=LATE, start="Jan-Mar 2023", end="Jan-Mar 2023")
    x02 = out[out["authority_code"] == "X02"]
    assert len(x02) == 3 and (x02["denominator"] == 0).all() and x02["estimate"].isna().all()
    by_sex = reoffending(data, by=("sex",), as_of=LATE, start="Jan-Mar 2023", end="Jan-Mar 2023")
    assert by_sex.columns[:5].tolist() == ["period", "period_start", "period_end", "sex", "measure"]
    with pytest.raises(ValueError, match="'3M', '12M'"):
        reoffending(data, cohort_period="6M")
    with pytest.raises(ValueError, match="months like '12M'"):
        reoffending(data, follow_up="one year")
    with pytest.raises(ValueError, match="cohort_period='3M'"):
        reoffending(data, cohort_period="12M", pooled=True)


def _four_quarters() -> CohortData:
    """Index events in each quarter of 2022/23; child p in Q1 and Q3."""
    rows = [
        _index("p", "2022-05-01", offence="2022-04-15"),
        _index("p", "2022-11-01", offence="2022-10-15"),  # reoffence of the Q1 index, Q3 index
        _index("q", "2022-06-01", offence="2022-05-15"),
        _index("r", "2022-08-01", offence="2022-07-15"),
        _index("s", "2023-01-15", offence="2023-01-02"),
        {"child": "s", "offence": "2023-06-01", "outcome": "2023-06-20"},  # 2023/24 Q1 index too
        _index("t", "2023-02-01", offence="2023-01-05"),
    ]
    return _data(rows)


def test_pooling_four_quarters():
    data = _four_quarters()
    kw = {"start": "2022/23 Q1", "end": "2022/23 Q4", "as_of": LATE, "by": ()}
    quarterly = reoffending(data, **kw)
    assert quarterly["period"].unique().tolist() == [
        "Apr-Jun 2022", "Jul-Sep 2022", "Oct-Dec 2022", "Jan-Mar 2023",
    ]  # fmt: skip
    pooled = reoffending(data, pooled=True, **kw)
    assert pooled["period"].unique().tolist() == ["2022/23"]
    assert pooled["period_start"].iloc[0] == pd.Timestamp("2022-04-01")
    assert pooled["period_end"].iloc[0] == pd.Timestamp("2023-03-31")
    assert (pooled["cohorts"] == 4).all()
    for measure in ("binary_rate", "reoffences_per_reoffender", "reoffences_per_offender"):
        q = quarterly[quarterly["measure"] == measure]
        p = pooled[pooled["measure"] == measure].iloc[0]
        assert p["numerator"] == q["numerator"].sum()
        assert p["denominator"] == q["denominator"].sum()
    binary = pooled.set_index("measure").loc["binary_rate"]
    # p counts twice: 6 cohort entries from 5 distinct children; p (Q1) and s reoffend
    assert binary["denominator"] == 6
    assert binary["numerator"] == 2
    assert binary["estimate"] == pytest.approx(2 / 6)


def test_rolling_pools():
    data = _four_quarters()
    out = reoffending(
        data, start="2022/23 Q1", end="2023/24 Q1", as_of=LATE, by=(), pooled=True,
        pool_window="rolling_12m",
    )  # fmt: skip
    assert out["period"].unique().tolist() == [
        "12 months to 2022/23 Q4",
        "12 months to 2023/24 Q1",
    ]
    second = out[(out["measure"] == "binary_rate")].iloc[1]
    # Jul 2022 - Jun 2023: r, p (Q3), s, t, s again (2023/24 Q1)
    assert second["denominator"] == 5
    assert second["period_start"] == pd.Timestamp("2022-07-01")


def test_incomplete_flag_and_as_of():
    """Jan-Mar 2023 cohort: its last member's waiting period ends 30 Sep 2024."""
    rows = [
        _index("a", "2023-03-31", offence="2023-03-01"),
        {"child": "a", "offence": "2023-12-01", "outcome": "2024-01-10"},
    ]
    data = _data(rows)
    q = {"start": "Jan-Mar 2023", "end": "Jan-Mar 2023"}
    live = reoffending(data, as_of="2024-09-29", **q)
    done = reoffending(data, as_of="2024-09-30", **q)
    assert live["incomplete"].all() and not done["incomplete"].any()
    # outcomes after as_of are not yet known
    early = reoffending(data, as_of="2024-01-09", **q).set_index("measure")
    assert early.loc["binary_rate", "numerator"] == 0
    assert (
        reoffending(data, as_of="2024-01-10", **q)
        .set_index("measure")
        .loc["binary_rate", "numerator"]
        == 1
    )
    # default as_of: the latest outcome date in the data (10 Jan 2024), so incomplete
    assert reoffending(data, **q)["incomplete"].all()
    m = reoffending_cohort(data, as_of="2024-09-29", **q)
    assert m["incomplete"].tolist() == [True]


# --------------------------------------------------------------------------- time to reoffence


def _km_data() -> CohortData:
    rows = [
        _index("a", "2023-01-10", offence="2023-01-01"),
        {"child": "a", "offence": "2023-01-20", "outcome": "2023-02-20"},  # day 10
        _index("b", "2023-02-01", offence="2023-01-15"),
        {"child": "b", "offence": "2023-03-03", "outcome": "2023-04-10"},  # day 30
        _index("c", "2023-03-01", offence="2023-02-15"),  # no reoffence
    ]
    return _data(rows)


def test_time_to_reoffence_kaplan_meier():
    """Hand product-limit: events at day 10 (3 at risk) and 30 (2 at risk); c censored
    at 366 days (1 Mar 2023 + 12 months spans 29 Feb 2024). S = 2/3, 1/3, 1/3."""
    q = {"start": "Jan-Mar 2023", "end": "Jan-Mar 2023"}
    km = time_to_reoffence(_km_data(), as_of=LATE, **q)
    assert km.columns[:2].tolist() == ["authority_code", "time"]
    assert km["time"].tolist() == [10, 30, 366]
    assert km["at_risk"].tolist() == [3, 2, 1]
    assert km["events"].tolist() == [1, 1, 0]
    assert km["survival"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    # live: as_of 1 Jun 2023 censors c at 92 days
    live = time_to_reoffence(_km_data(), as_of="2023-06-01", by=(), **q)
    assert live["time"].tolist() == [10, 30, 92]
    by_period = time_to_reoffence(_km_data(), as_of=LATE, by=("period", "sex"), **q)
    assert by_period[["period", "sex"]].drop_duplicates().values.tolist() == [
        ["Jan-Mar 2023", "Male"]
    ]
