"""cohort.reoffending and cohort.fte against the DuckDB SQL versions of the benchmark
(benchmarks/_duckdb_sql.py), cell for cell: the same counts from the same Parquet files by
an independent implementation of the definitions (METHODS.md sections 1 and 2).

DuckDB is a benchmark dependency (``pip install -e ".[bench]"``); without it these tests
are skipped.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import cohort
from cohort.cohortdata import CohortData

duckdb = pytest.importorskip("duckdb", reason='DuckDB is a benchmark dependency: pip install -e ".[bench]"')

_SPEC = importlib.util.spec_from_file_location(
    "duckdb_sql", Path(__file__).resolve().parents[1] / "benchmarks" / "_duckdb_sql.py")
duckdb_sql = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(duckdb_sql)


def _reoffending_cells(store: Path) -> pd.DataFrame:
    """N, R, O per authority and 3-month cohort from cohort.reoffending."""
    table = cohort.reoffending(cohort.open_store(store), cohort_period="3M")
    wide = table.pivot_table(index=["authority_code", "period_start"], columns="measure",
                             values=["numerator", "denominator"])
    return pd.DataFrame({
        "n": wide[("denominator", "binary_rate")], "r": wide[("numerator", "binary_rate")],
        "o": wide[("numerator", "reoffences_per_offender")],
    }).astype("int64").reset_index()


def _compare_reoffending(store: Path) -> pd.DataFrame:
    ours = _reoffending_cells(store)
    sql = duckdb_sql.reoffending_counts(store)
    sql["period_start"] = pd.to_datetime(sql["period_start"]).astype(ours["period_start"].dtype)
    both = ours.merge(sql, on=["authority_code", "period_start"], how="outer", suffixes=("", "_sql"),
                      indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    for c in "nro":
        assert (both[c] == both[f"{c}_sql"]).all(), both[both[c] != both[f"{c}_sql"]]
    return both


def _compare_fte(store: Path) -> pd.DataFrame:
    ours = cohort.fte(cohort.open_store(store), period="calendar_year")
    sql = duckdb_sql.fte_counts(store)
    both = ours.assign(year=ours["period"].astype(int)).merge(
        sql, on=["authority_code", "year"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert (both["numerator"] == both["entrants"]).all()
    assert ((both["denominator"] == both["population"])
            | (both["denominator"].isna() & both["population"].isna())).all()
    return both


def test_synthetic_store_counts_match_sql(store_path):
    reoff = _compare_reoffending(store_path)
    fte = _compare_fte(store_path)
    assert reoff["n"].sum() > 100 and reoff["o"].sum() > 50 and fte["numerator"].sum() > 20


def _edge_case_store(folder: Path) -> Path:
    """Children and offences built so that each counting rule decides a cell (see the
    comments); expected counts worked out by hand in the test below."""
    children = pd.DataFrame([
        ("a", "X01", "2008-05", "Male"), ("b", "X01", "2007-01", "Female"),
        ("c", "X02", "2009-03", "Male"), ("d", "X02", "2008-08", "Female"),
        ("e", "X01", "2005-06", "Male"),  # 18 at every event: never in a youth cohort
        ("f", "X02", "2013-04", "Male"),  # 9 at the first caution, 10 at the second
        ("g", "X01", "2008-01", "Female"), ("h", "X01", "2008-02", "Male"),
        ("h", "X02", "2001-01", "Male"),  # a second row: the first one is the child's
        ("j", "X01", "2009-01", "Male"),
    ], columns=["child_id", "authority_code", "birth_month", "sex"]).assign(ethnicity="White")
    rows = [
        # a: index 29 Feb 2024; follow-up ends 28 Feb 2025, proven by 29 Aug 2025
        ("o01", "a", "X01", "2024-01-10", "2024-02-29", "Youth caution", False, None),
        ("o04", "a", "X01", "2024-02-29", "2024-03-05", "Youth caution", False, None),  # index day
        ("o02", "a", "X01", "2025-02-28", "2025-06-01", "Referral order", False, None),  # last day
        ("o03", "a", "X01", "2025-03-01", "2025-04-01", "Fine", False, None),  # a day too late
        # b: custody counts from release; still in custody (no release date): no index event
        ("o05", "b", "X01", "2022-11-01", "2023-01-10", "Detention and training order", False, "2023-07-01"),
        ("o06", "b", "X01", "2023-08-15", "2023-10-01", "Youth rehabilitation order", False, None),
        ("o07", "b", "X01", "2023-09-01", "2023-09-20", "Community resolution", False, None),
        ("o21", "b", "X01", "2024-09-01", "2024-10-01", "Section 250 detention", False, None),
        # c: a breach never counts; an offence proven after the waiting period does not count
        ("o08", "c", "X02", "2023-03-01", "2023-04-20", "Youth conditional caution", False, None),
        ("o09", "c", "X02", "2023-05-01", "2023-06-01", "Referral order", True, None),
        ("o10", "c", "X02", "2023-06-01", "2025-01-01", "Other court outcome", False, None),
        # d: two outcomes on one day: the reoffending index is the lower offence id (o11,
        # X02); the first time entry is the earlier offence (o12, X01)
        ("o12", "d", "X01", "2023-05-01", "2023-06-10", "Youth caution", False, None),
        ("o11", "d", "X02", "2023-05-02", "2023-06-10", "Fine", False, None),
        ("o13", "d", "X02", "2023-07-01", "2023-08-01", "Youth caution", False, None),
        ("o14", "e", "X01", "2023-07-01", "2023-08-01", "Youth caution", False, None),
        ("o15", "f", "X02", "2023-03-01", "2023-04-01", "Youth caution", False, None),
        ("o16", "f", "X02", "2023-04-10", "2023-05-20", "Youth caution", False, None),
        # g: an Outcome 22 before the caution is no entry
        ("o17", "g", "X01", "2023-01-05", "2023-02-01", "Outcome 22", False, None),
        ("o18", "g", "X01", "2023-02-10", "2023-03-15", "Youth caution", False, None),
        ("o19", "h", "X01", "2024-05-01", "2024-06-01", "Youth caution", False, None),
        ("o20", "i", "X02", "2024-01-01", "2024-02-01", "Youth caution", False, None),  # no child row
        # j: two offences on one day dealt with on one day: the lower offence id (o22, X01)
        # is both the first time entry and the index
        ("o23", "j", "X02", "2024-03-01", "2024-04-01", "Referral order", False, None),
        ("o22", "j", "X01", "2024-03-01", "2024-04-01", "Youth caution", False, None),
    ]
    offences = pd.DataFrame(rows, columns=["offence_id", "child_id", "authority_code", "offence_date",
                                           "outcome_date", "outcome", "is_breach", "release_date"])
    for c in ("offence_date", "outcome_date", "release_date"):
        offences[c] = pd.to_datetime(offences[c])
    offences["is_breach"] = offences["is_breach"].astype("boolean")
    detailed = pd.DataFrame([(a, y, age, s, "All", 100 + age)
                             for a in ("X01", "X02") for y in (2022, 2023)
                             for age in range(9, 19) for s in ("Male", "Female")],
                            columns=["authority_code", "mid_year", "age", "sex", "ethnicity", "population"])
    totals = pd.DataFrame({"authority_code": ["X01", "X02"], "mid_year": 2023, "age": pd.NA,
                           "sex": "All", "ethnicity": "All", "population": [5000, 7000]})
    population = pd.concat([detailed, totals], ignore_index=True).astype({"age": "Int64"})
    authorities = pd.DataFrame({"authority_code": ["X01", "X02"], "authority_name": ["One", "Two"]})
    data = CohortData({"authorities": authorities, "children": children, "offences": offences,
                       "population": population})
    return cohort.write_store(data, folder / "store")


def test_edge_cases_match_sql_and_hand_counts(tmp_path):
    store = _edge_case_store(tmp_path)
    reoff = _compare_reoffending(store).set_index(["authority_code", "period_start"])
    hand = {  # (authority, cohort start): (N, R, O), worked out from the comments above
        ("X01", "2023-01-01"): (1, 0, 0),  # g
        ("X02", "2023-04-01"): (3, 1, 1),  # c (o10 proven too late), d (o13), f (aged 10)
        ("X01", "2023-07-01"): (1, 1, 1),  # b released 1 Jul: o06
        ("X02", "2023-07-01"): (1, 0, 0),  # d
        ("X01", "2023-10-01"): (1, 1, 1),  # b: o21 (in custody, but a proven reoffence)
        ("X01", "2024-01-01"): (1, 1, 1),  # a: o02 on the last day; not o04 (index day) or o03
        ("X01", "2024-04-01"): (2, 0, 0),  # h, aged by their first children row; j (o22)
        ("X02", "2025-01-01"): (1, 0, 0),  # c
        ("X01", "2025-04-01"): (1, 0, 0),  # a
    }
    assert len(reoff) == 2 * 10  # two authorities x Jan-Mar 2023 to Apr-Jun 2025
    for (code, day), counts in hand.items():
        assert tuple(reoff.loc[(code, pd.Timestamp(day)), ["n", "r", "o"]]) == counts, (code, day)
    assert reoff["n"].sum() == sum(n for n, _, _ in hand.values())
    fte = _compare_fte(store).set_index(["authority_code", "year"])
    # 2023: b (DTO), d (o12, X01), g; c in X02. 2024: a, h and j (o22). e (18) and f (9)
    # never enter.
    assert fte["numerator"].to_dict() == {("X01", 2023): 3, ("X01", 2024): 3,
                                          ("X02", 2023): 1, ("X02", 2024): 0}
    # 2023 uses mid-2022 (single years 10-17 summed); 2024 uses mid-2023's all-ages totals
    assert fte.loc[("X01", 2023), "denominator"] == 2 * sum(100 + age for age in range(10, 18))
    assert fte.loc[("X02", 2024), "denominator"] == 7000
