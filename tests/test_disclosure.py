"""Tests for cohort.disclosure.

Known-answer tests copy ACRO's synthetic factorial grid (one combination
below the threshold, every other with 11 rows), so the unsafe cell and the
secondary cells are known by construction. Attack tests solve, with an
independent ``scipy.optimize.linprog`` model written here, the linear system
a reader gets from the published cells and totals, and assert the documented
protection criterion: **the feasible range [min, max] of every primary cell
(every count that breaks the policy, shown or implied) has width at least the
threshold** (``max - min >= threshold`` for ``unsafe_if="below"``, ``>
threshold`` for ``"at_or_below"``).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cohort.disclosure import (
    AUDIT_COLUMNS,
    MARKER,
    MISSING,
    Policy,
    Protected,
    available_policies,
    check,
    check_differencing,
    load_policy,
    protect,
    protect_linked,
)
from cohort.exceptions import DisclosureError

LOCAL = load_policy("publication")
RESEARCH = load_policy("research")
MOJ = load_policy({"extends": "publication", "name": "moj_style", "source": "test: mojSuppression comparison",
                   "unsafe_if": "at_or_below"})
ATTACK = settings(max_examples=40, derandomize=True, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------
# An independent attacker
# ---------------------------------------------------------------------------


def feasible_ranges(equations, known, targets):
    """Min and max of each target cell subject to ``total = sum(parts)`` for every
    equation, the known values, and non-negativity (an LP, as an intruder would solve)."""
    unknown = sorted({c for t, parts in equations for c in (t, *parts) if c not in known} | set(targets), key=str)
    pos = {c: k for k, c in enumerate(unknown)}
    rows, rhs = [], []
    for t, parts in equations:
        row, b = np.zeros(len(unknown)), 0.0
        for c, coef in [(t, 1.0)] + [(p, -1.0) for p in parts]:
            if c in known:
                b -= coef * known[c]
            else:
                row[pos[c]] += coef
        if row.any():
            rows.append(row)
            rhs.append(b)
    out = {}
    for c in targets:
        if not rows:
            out[c] = (0.0, np.inf)
            continue
        obj = np.zeros(len(unknown))
        obj[pos[c]] = 1.0
        lo = linprog(obj, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None), method="highs")
        hi = linprog(-obj, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None), method="highs")
        assert lo.status == 0, lo.message
        out[c] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def assert_protected(ranges, policy):
    for cell, (lo, hi) in ranges.items():
        width = hi - lo
        if policy.unsafe_if == "below":
            assert width >= policy.threshold - 1e-6, f"{cell} pinned to [{lo}, {hi}]"
        else:
            assert width > policy.threshold + 1e-9, f"{cell} pinned to [{lo}, {hi}]"


def is_primary(v, policy, zeros_count=True):
    return policy.unsafe(v) or (zeros_count and v == 0 and policy.zeros == "disclosive")


def with_margins(inner, rows=None, cols=None):
    inner = np.asarray(inner)
    rows = rows or [f"r{i}" for i in range(inner.shape[0])]
    cols = cols or [f"c{j}" for j in range(inner.shape[1])]
    df = pd.DataFrame(inner, index=rows, columns=cols)
    df["Total"] = df.sum(axis=1)
    df.loc["Total"] = df.sum(axis=0)
    return df


def wide_equations(df, tag=None):
    rows, cols = list(df.index), list(df.columns)
    key = (lambda r, c: (r, c)) if tag is None else (lambda r, c: (tag, r, c))
    eq = [(key(r, "Total"), [key(r, c) for c in cols[:-1]]) for r in rows]
    eq += [(key("Total", c), [key(r, c) for r in rows[:-1]]) for c in cols]
    return eq


# ---------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------


def test_shipped_policies_state_their_source_and_rules():
    assert available_policies() == ["management", "non_personal", "publication", "research"]
    assert (LOCAL.threshold, LOCAL.unsafe_if, LOCAL.zeros) == (5, "below", "attribute")
    assert (LOCAL.rate_min_numerator, LOCAL.rate_min_denominator) == (5, 10)
    assert "mojSuppression" in LOCAL.source and "METHODS.md" not in LOCAL.source
    assert (LOCAL.name, LOCAL.edition, LOCAL.mitigation) == ("publication", "publication", "suppress")
    assert (RESEARCH.threshold, RESEARCH.zeros, RESEARCH.round_base) == (10, "disclosive", 5)
    assert "ACRO" in RESEARCH.source and "safe_threshold 10" in RESEARCH.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        LOCAL.threshold = 3  # type: ignore[misc]


def test_management_edition_shows_every_figure_and_keeps_the_audit():
    """The management policy: same YAML, no cell suppression, marking for every page,
    an audit that still counts the small figures shown (here 3 and 4: by construction)."""
    m = load_policy("management")
    assert (m.edition, m.mitigation, m.marking) == ("management", "none",
                                                    "Management information: not for publication")
    assert load_policy("local_board") == load_policy("publication")  # the former name still works
    t = pd.DataFrame({"A": [3, 12], "B": [4, 11]}, index=["x", "y"])
    p = protect(t, m)
    assert p.n_suppressed == 0 and MARKER not in p.table.to_numpy()
    assert p.table.to_numpy().tolist() == [["3", "4"], ["12", "11"]]
    assert p.audit["check"].tolist() == ["threshold"] and p.status == "pass"
    assert p.audit["n_affected"].iloc[0] == 2 and "not for publication" in p.footnote()
    long = profile_table()
    shown = protect(long, m).table
    assert MARKER not in shown.to_numpy()
    assert not shown["estimate"].isin(["", MISSING]).any()
    with pytest.raises(ValueError, match="only a management edition"):
        protect(t, "publication", mitigation="none")
    with pytest.raises(ValueError, match="only a management edition"):
        protect(t, m, mitigation="suppress")
    with pytest.raises(ValueError, match="management edition has mitigation 'none'"):
        load_policy({"extends": "publication", "name": "x", "source": "y", "edition": "management"})


def test_unsafe_if_comparison_is_explicit():
    """ACRO: count < threshold unsafe; mojSuppression: count <= threshold unsafe."""
    assert [LOCAL.unsafe(v) for v in (0, 1, 4, 5, 6)] == [False, True, True, False, False]
    assert [MOJ.unsafe(v) for v in (0, 1, 4, 5, 6)] == [False, True, True, True, False]
    s = pd.Series({"a": 5, "b": 20, "c": 30})
    assert MARKER not in set(protect(s, LOCAL).table["count"])
    assert protect(s, MOJ).table["count"].tolist()[0] == MARKER


def test_load_policy_from_file_dict_and_errors(tmp_path):
    f = tmp_path / "board.yaml"
    f.write_text("extends: research\nname: board_x\nsource: Board minute 2025/07\nthreshold: 7\n")
    p = load_policy(f)
    assert (p.name, p.threshold, p.zeros, p.source) == ("board_x", 7, "disclosive", "Board minute 2025/07")
    assert load_policy(str(f)) == p
    assert load_policy(p) is p
    with pytest.raises(ValueError, match="'management', 'non_personal', 'publication', 'research'"):
        load_policy("ons")
    with pytest.raises(ValueError, match="choose one of 'below', 'at_or_below'"):
        load_policy({"extends": "publication", "name": "x", "source": "y", "unsafe_if": "under"})
    with pytest.raises(ValueError, match="source must state"):
        load_policy({"extends": "publication", "name": "x", "source": " "})
    with pytest.raises(ValueError, match="unknown keys"):
        load_policy({"extends": "publication", "name": "x", "source": "y", "safe_threshold": 10})
    with pytest.raises(ValueError, match="missing keys"):
        load_policy({"name": "x", "source": "y", "threshold": 5})


# ---------------------------------------------------------------------------
# ACRO-style known-answer tests
# ---------------------------------------------------------------------------


def acro_grid(small: int) -> pd.DataFrame:
    """Records of a 3 x 4 factorial design: (a0, b0) has ``small`` rows, every other
    combination 11 (ACRO test_initial.py design), tabulated with margins like ACRO."""
    records = []
    for a, b in itertools.product(["a0", "a1", "a2"], ["b0", "b1", "b2", "b3"]):
        records += [(a, b)] * (small if (a, b) == ("a0", "b0") else 11)
    df = pd.DataFrame(records, columns=["A", "B"])
    return pd.crosstab(df["A"], df["B"], margins=True, margins_name="Total")


@pytest.mark.parametrize(("policy", "small"), [(RESEARCH, 5), (LOCAL, 3)])
def test_acro_grid_known_answer(policy, small):
    """By construction (a0, b0) is the only unsafe cell. mojSuppression rules: row a0
    and column b0 each hold one suppressed cell, so their smallest other cell goes
    (ties broken by position: a0/b1 and a1/b0); row a1 then holds one, and a1/b1 is
    chosen because its column already has a suppression. Margins are kept."""
    grid = acro_grid(small)
    before = grid.copy()
    p = protect(grid, policy, name="grid", row_total="Total", col_total="Total")
    pd.testing.assert_frame_equal(grid, before)  # input not mutated
    pd.testing.assert_frame_equal(p.values, before)  # statistics unaltered
    expected = pd.DataFrame(False, index=grid.index, columns=grid.columns)
    for r, c in [("a0", "b0"), ("a0", "b1"), ("a1", "b0"), ("a1", "b1")]:
        expected.loc[r, c] = True
    pd.testing.assert_frame_equal(p.suppressed, expected)
    assert p.reasons.loc["a0", "b0"] == "primary"
    assert {p.reasons.loc[r, c] for r, c in [("a0", "b1"), ("a1", "b0"), ("a1", "b1")]} == {"secondary"}
    # presentation: [c] exactly where suppressed, every other cell the integer count
    assert (p.table == MARKER).equals(expected)
    assert p.table.loc["Total"].tolist() == [str(v) for v in grid.loc["Total"]]
    assert p.table.loc["a2", "b3"] == "11" and p.table.loc["a0", "Total"] == str(small + 33)
    assert not p.table.isna().any().any()
    # audit
    a = p.audit.set_index("check")
    assert list(p.audit.columns) == list(AUDIT_COLUMNS)
    assert list(a.index) == ["threshold", "zeros", "secondary", "interval_protection"]
    assert set(a["status"]) == {"pass"} and p.status == "pass"
    assert (a.loc["threshold", "affected_cells"], a.loc["threshold", "n_affected"]) == ("a0/b0", 1)
    assert a.loc["threshold", "threshold"] == policy.threshold
    assert a.loc["threshold", "mitigation"] == "suppress"
    assert a.loc["threshold", "message"] == f"1 cells below {policy.threshold} suppressed"
    assert a.loc["secondary", "affected_cells"] == "a0/b1; a1/b0; a1/b1"
    assert (a["n_cells"] == 20).all() and (a["n_suppressed"] == 4).all()
    assert (a["policy"] == policy.name).all() and (a["source"] == policy.source).all()
    # the reader's best bounds on the small cell (evidence)
    ev = p.cells.set_index("cell")
    assert (ev.loc["a0/b0", "lower_bound"], ev.loc["a0/b0", "upper_bound"]) == (0, small + 11)


def test_acro_grid_check_reports_without_changing():
    grid = acro_grid(5)
    audit = check(grid, RESEARCH, name="grid", row_total="Total", col_total="Total").set_index("check")
    assert audit.loc["threshold", "status"] == "fail"
    assert audit.loc["threshold", "affected_cells"] == "a0/b0"
    assert (audit["mitigation"] == "none").all()
    published = protect(grid, RESEARCH, row_total="Total", col_total="Total").table
    assert set(check(published, RESEARCH, row_total="Total", col_total="Total")["status"]) == {"pass"}
    # a table suppressed only at the primary cell is recoverable from its totals
    naive = published.copy()
    naive.loc["a0", "b1"] = naive.loc["a1", "b0"] = naive.loc["a1", "b1"] = "11"
    bad = check(naive, RESEARCH, row_total="Total", col_total="Total").set_index("check")
    assert bad.loc["interval_protection", "status"] == "fail"
    assert bad.loc["interval_protection", "affected_cells"] == "a0/b0"


def test_line_sum_rule_suppresses_more_when_suppressed_cells_sum_below_threshold():
    """mojSuppression: the suppressed cells 2 + 2 = 4 < 5 would bound each to [0, 4]."""
    s = pd.Series({"w": 2, "x": 2, "y": 30, "z": 31, "Total": 65}, name="n")
    p = protect(s, LOCAL, row_total="Total")
    assert p.table["n"].tolist() == [MARKER, MARKER, MARKER, "31", "65"]
    assert p.reasons["n"].tolist() == ["primary", "primary", "secondary", "", ""]


def test_secondary_choice_is_smallest_then_position():
    s = pd.Series({"a": 3, "b": 12, "c": 11, "d": 11, "Total": 37}, name="n")
    assert protect(s, LOCAL, row_total="Total").suppressed["n"].tolist() == [True, False, True, False, False]


def test_series_and_table_without_margins_assume_totals_known():
    """Without margins, the totals are assumed published elsewhere: a lone suppressed
    cell would be recoverable, so a second one goes too."""
    s = pd.Series({"Male": 30, "Female": 3}, name="children")
    assert protect(s, LOCAL).table["children"].tolist() == [MARKER, MARKER]
    assert protect(s, LOCAL, implicit_margins=False).table["children"].tolist() == ["30", MARKER]


# ---------------------------------------------------------------------------
# Zeros
# ---------------------------------------------------------------------------


def test_zero_rules():
    t = with_margins([[0, 7, 0], [6, 20, 9], [8, 0, 12]], rows=["In care", "Not", "Unknown"],
                     cols=["Custody", "Community", "OOCD"])
    local = protect(t, LOCAL, row_total="Total", col_total="Total")
    # the In care row puts every child in one category: its zeros reveal that
    assert local.reasons.loc["In care", "Custody"] == "primary"
    assert local.reasons.loc["In care", "OOCD"] == "primary"
    assert local.table.loc["In care", "Community"] == MARKER
    # an ordinary zero is published
    assert local.table.loc["Unknown", "Community"] == "0"
    zeros = local.audit.set_index("check").loc["zeros"]
    assert zeros["n_affected"] == 2 and zeros["message"] == "2 zeros revealing an attribute suppressed"
    research = protect(t, RESEARCH, row_total="Total", col_total="Total")
    assert research.reasons.loc["Unknown", "Community"] == "primary"  # zeros disclosive
    safe = dataclasses.replace(LOCAL, zeros="safe")
    assert protect(t, safe, row_total="Total", col_total="Total").table.loc["In care", "Custody"] == "0"


# ---------------------------------------------------------------------------
# Long measure tables: rates, percentages and intervals
# ---------------------------------------------------------------------------


def profile_table() -> pd.DataFrame:
    rows = [("sex", "Male", 40, 100), ("sex", "Female", 57, 100), ("sex", "Unknown", 3, 100),
            ("ethnicity", "White", 70, 100), ("ethnicity", "Black", 12, 100), ("ethnicity", "Mixed", 2, 100),
            ("ethnicity", "Asian", 9, 100), ("ethnicity", "Other", 7, 100)]
    t = pd.DataFrame(rows, columns=["group_variable", "group_value", "numerator", "denominator"])
    t.insert(0, "quarter", "2024/25 Q2")
    t.insert(0, "authority_code", "X01")
    t["estimate"] = t["numerator"] / t["denominator"]
    t["lower"] = t["estimate"] * 0.8
    t["upper"] = t["estimate"] * 1.2
    t["method"] = "wilson"
    t["confidence"] = 0.95
    return t


def test_long_table_hides_rates_percentages_and_limits_with_their_numerator():
    t = profile_table()
    before = t.copy()
    p = protect(t, LOCAL, name="profile")
    pd.testing.assert_frame_equal(t, before)
    tab = p.table.set_index(["group_variable", "group_value"])
    why = p.reasons.set_index([t["group_variable"], t["group_value"]])
    # sex: Unknown (3) primary; its only way out is a second suppression, the smallest (Male)
    assert tab.loc[("sex", "Unknown"), "numerator"] == MARKER
    assert tab.loc[("sex", "Male"), "numerator"] == MARKER
    assert why.loc[("sex", "Male"), "numerator"] == "secondary"
    for col in ("estimate", "lower", "upper"):
        assert tab.loc[("sex", "Unknown"), col] == MARKER
        assert why.loc[("sex", "Male"), col] == "numerator-suppressed"
    # shown rows: percentages to whole numbers, denominators and pass-through columns kept
    assert tab.loc[("sex", "Female")].tolist()[2:] == ["57", "100", "57%", "46%", "68%", "wilson", 0.95]
    # ethnicity: Mixed (2) primary, the sum rule needs more than 2, so Other (7) goes too
    assert tab.loc[("ethnicity", "Mixed"), "numerator"] == MARKER
    assert tab.loc[("ethnicity", "Other"), "numerator"] == MARKER
    assert tab.loc[("ethnicity", "Asian"), "numerator"] == "9"
    assert tab.loc[("ethnicity", "Asian"), "estimate"] == "9%"
    a = p.audit.set_index("check")
    assert a.loc["structure", "message"] == "long table read as denominator blocks: 2 (margin='auto')"
    assert a.loc["rates", "n_affected"] == 12
    assert "sex | Unknown / estimate" in a.loc["rates", "affected_cells"]
    assert "authority_code" not in a.loc["threshold", "affected_cells"]


def test_rate_rules_small_base_and_formatting():
    t = pd.DataFrame({
        "group_variable": ["care", "care", "care"],
        "group_value": ["Looked after", "Not looked after", "Unknown"],
        "numerator": [6, 40, 0], "denominator": [8, 400, 25],
        "estimate": [750.0, 100.0, np.nan], "lower": [300.0, 71.4, np.nan], "upper": [1500.55, 136.2, np.nan],
    })
    p = protect(t, LOCAL, estimate="rate", margin="rates")
    assert p.table["numerator"].tolist() == ["6", "40", "0"]
    # counts 6, 8 and 0 are safe to show, but a rate on a denominator below 10 or a
    # numerator below 5 is not
    assert p.reasons["denominator"].tolist() == ["", "", ""]
    assert p.reasons["estimate"].tolist() == ["small-base", "", "small-base"]
    assert p.table["upper"].tolist() == [MARKER, "136.2", MARKER]
    q = protect(t.assign(denominator=[12, 400, 25]), LOCAL, estimate="rate", margin="rates")
    assert q.table["upper"].tolist()[:2] == ["1,500.5", "136.2"]
    pct = protect(profile_table(), LOCAL, percent_decimals=1)
    assert pct.table["estimate"].iloc[1] == "57.0%"
    missing = profile_table().assign(upper=np.nan)
    assert protect(missing, LOCAL).table["upper"].iloc[1] == MISSING


def test_rates_layout_complements_and_hundred_percent():
    """Each row is numerator events out of its own denominator; the complement
    (denominator - numerator) is a count too. 100% of a group is an attribute."""
    t = pd.DataFrame({"group_variable": "ethnicity", "group_value": ["White", "Black", "Asian", "Mixed"],
                      "numerator": [30, 12, 20, 9], "denominator": [90, 12, 41, 33]})
    t["estimate"] = t["numerator"] / t["denominator"]
    p = protect(t, LOCAL)
    assert p.audit.set_index("check").loc["structure", "message"].startswith("long table read as rates blocks: 1")
    assert p.table.loc[1, "numerator"] == MARKER and p.table.loc[1, "estimate"] == MARKER
    assert p.table.loc[1, "denominator"] == "12"
    ev = p.cells.set_index("cell")
    assert ev.loc["ethnicity | Black / (denominator minus numerator, not shown)", "rule"] == "attribute"
    # research also protects small complements: 9 of 10 leaves 1 who did not
    r = protect(t.assign(numerator=[30, 9, 20, 12], denominator=[90, 10, 41, 33]), RESEARCH)
    assert r.table.loc[1, "numerator"] == MARKER


def test_partition_residual_is_protected():
    """Numerators 40 + 57 of 100: the 3 children not in a listed group are a hidden cell."""
    t = pd.DataFrame({"group_variable": "sex", "group_value": ["Male", "Female"], "numerator": [40, 57],
                      "denominator": [100, 100]})
    p = protect(t, LOCAL)
    assert p.table["numerator"].tolist() == [MARKER, "57"]
    assert p.table["denominator"].tolist() == ["100", "100"]


# ---------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------


def test_rounding_base5_margins_are_sums_of_rounded_cells():
    """ACRO convention: cells rounded (half up) to base 5, margins recomputed from the
    rounded cells and re-rounded, so the rounded table adds up."""
    t = with_margins([[2, 13, 8], [7, 22, 3]], rows=["x", "y"], cols=["p", "q", "r"])
    p = protect(t, RESEARCH, row_total="Total", col_total="Total", mitigation="round")
    shown = p.table.map(lambda s: int(s.replace(",", "")))
    assert shown.loc[["x", "y"], ["p", "q", "r"]].to_numpy().tolist() == [[0, 15, 10], [5, 20, 5]]
    assert shown["Total"].tolist() == [25, 30, 55]  # true totals 23, 32, 55
    assert shown.loc["Total"].tolist() == [5, 35, 15, 55]
    assert not p.suppressed.any().any()
    pd.testing.assert_frame_equal(p.values, t)
    assert p.reasons.loc["x", "p"] == "rounding" and p.reasons.loc["Total", "Total"] == ""
    assert p.audit.set_index("check").loc["rounding", "mitigation"] == "round"


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=2, max_size=5), min_size=2, max_size=5)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_rounded_tables_always_add_up(inner):
    t = with_margins(inner)
    p = protect(t, RESEARCH, row_total="Total", col_total="Total", mitigation="round")
    shown = p.table.map(lambda s: int(s.replace(",", ""))).to_numpy()
    assert (shown % 5 == 0).all()
    assert (shown[:-1, :-1] == 5 * np.floor(np.asarray(inner) / 5 + 0.5)).all()
    assert (shown[:, -1] == shown[:, :-1].sum(axis=1)).all()
    assert (shown[-1, :] == shown[:-1, :].sum(axis=0)).all()


def test_rounding_long_table_hides_rates_on_unsafe_numerators():
    p = protect(profile_table(), RESEARCH, mitigation="round")
    tab = p.table.set_index(["group_variable", "group_value"])
    assert tab.loc[("sex", "Unknown"), "numerator"] == "5"
    assert tab.loc[("sex", "Unknown"), "estimate"] == MARKER
    assert p.reasons.loc[2, "estimate"] == "rounding"
    assert tab.loc[("sex", "Male"), "numerator"] == "40"
    assert tab.loc[("sex", "Male"), "denominator"] == "100"  # 40 + 55 + 5 from the rounded parts


# ---------------------------------------------------------------------------
# Attack tests (property-based, deterministic)
# ---------------------------------------------------------------------------

cell_values = st.one_of(st.integers(0, 4), st.integers(1, 12), st.integers(8, 40))


@st.composite
def grids(draw, max_rows=4, max_cols=4):
    nr, nc = draw(st.integers(2, max_rows)), draw(st.integers(2, max_cols))
    return [[draw(cell_values) for _ in range(nc)] for _ in range(nr)]


@ATTACK
@given(inner=grids(), policy=st.sampled_from([LOCAL, RESEARCH, MOJ]))
def test_attack_wide_tables_with_margins(inner, policy):
    t = with_margins(inner)
    p = protect(t, policy, row_total="Total", col_total="Total")
    assert p.status == "pass"
    pd.testing.assert_frame_equal(p.values, t)
    known = {}
    for r, c in itertools.product(t.index, t.columns):
        v = int(t.loc[r, c])
        if p.suppressed.loc[r, c]:
            assert p.table.loc[r, c] == MARKER
        else:
            assert p.table.loc[r, c] == f"{v:,}"
            known[(r, c)] = v
            assert not is_primary(v, policy), f"unsafe count {v} published at {r}/{c}"
    targets = [(r, c) for r, c in itertools.product(t.index, t.columns) if p.reasons.loc[r, c] == "primary"]
    assert_protected(feasible_ranges(wide_equations(t), known, targets), policy)


@st.composite
def long_tables(draw):
    """Blocks that partition a denominator (with a remainder) and blocks of rates."""
    part_rows, rate_rows = [], []
    for b in range(draw(st.integers(1, 2))):
        n = [draw(cell_values) for _ in range(draw(st.integers(2, 4)))]
        d = sum(n) + draw(st.sampled_from([0, 0, 1, 3, 8, 20]))
        part_rows += [(f"p{b}", f"g{i}", x, d) for i, x in enumerate(n)]
    for b in range(draw(st.integers(1, 2))):
        k = draw(st.integers(2, 4))
        d = draw(st.lists(st.integers(1, 60), min_size=k, max_size=k, unique=True))
        n = [draw(st.integers(0, x)) for x in d]
        rate_rows += [(f"r{b}", f"g{i}", n[i], d[i]) for i in range(k)]
    cols = ["group_variable", "group_value", "numerator", "denominator"]

    def frame(rows):
        f = pd.DataFrame(rows, columns=cols)
        f["estimate"] = f["numerator"] / f["denominator"]
        f["lower"], f["upper"] = f["estimate"] * 0.9, f["estimate"].clip(upper=0.9) * 1.1
        return f

    return frame(part_rows), frame(rate_rows)


def _published(p, t, col, r):
    return None if p.suppressed[col].iat[r] else int(t[col].iat[r])


@ATTACK
@given(tables=long_tables(), policy=st.sampled_from([LOCAL, RESEARCH]))
def test_attack_long_tables(tables, policy):
    """Partition blocks: denominator = sum of numerators + remainder (unknown, >= 0,
    absent when zero). Rate blocks: denominator = numerator + complement per row, and
    the block's totals of numerators, denominators and complements known to the reader
    when safe (never two that give away an unsafe third): the documented assumptions."""
    part, rates = tables
    eqs, known, targets = [], {}, []
    p = protect(part, policy, margin="denominator")
    for g, rows in part.groupby("group_variable").groups.items():
        rows = list(rows)
        d = int(part["denominator"].iat[rows[0]])
        resid = d - int(part["numerator"].iloc[rows].sum())
        parts = [(g, i, "n") for i in rows] + ([(g, "resid")] if resid else [])
        eqs.append(((g, "d"), parts))
        if not p.suppressed["denominator"].iat[rows[0]]:
            known[(g, "d")] = d
        elif p.reasons["denominator"].iat[rows[0]] == "primary":
            targets.append((g, "d"))
        if resid and policy.unsafe(resid):
            targets.append((g, "resid"))
        for i in rows:
            v = _published(p, part, "numerator", i)
            if v is None:
                targets += [(g, i, "n")] if p.reasons["numerator"].iat[i] == "primary" else []
                assert (p.table.loc[i, ["estimate", "lower", "upper"]] == MARKER).all()
            else:
                known[(g, i, "n")] = v
                assert not is_primary(v, policy)
    q = protect(rates, policy, margin="rates")
    for g, rows in rates.groupby("group_variable").groups.items():
        rows = list(rows)
        n = rates["numerator"].iloc[rows].to_numpy()
        d = rates["denominator"].iloc[rows].to_numpy()
        for i in rows:
            eqs.append(((g, i, "d"), [(g, i, "n"), (g, i, "c")]))
            for col, tag in (("numerator", "n"), ("denominator", "d")):
                v = _published(q, rates, col, i)
                if v is None:
                    targets += [(g, i, tag)] if q.reasons[col].iat[i] == "primary" else []
                else:
                    known[(g, i, tag)] = v
                    assert not is_primary(v, policy)
            c = int(rates["denominator"].iat[i] - rates["numerator"].iat[i])
            hundred = c == 0 and rates["numerator"].iat[i] > 0 and policy.zeros == "attribute"
            if hundred or (policy.check_complements and is_primary(c, policy)):
                targets.append((g, i, "c"))
            if q.suppressed["numerator"].iat[i] or q.suppressed["denominator"].iat[i]:
                assert (q.table.loc[i, ["estimate", "lower", "upper"]] == MARKER).all()
        N, D, C = int(n.sum()), int(d.sum()), int((d - n).sum())
        safe = lambda v: not is_primary(v, policy)  # noqa: E731
        eqs += [((g, "N"), [(g, i, "n") for i in rows]), ((g, "D"), [(g, i, "d") for i in rows]),
                ((g, "C"), [(g, i, "c") for i in rows]), ((g, "D"), [(g, "N"), (g, "C")])]
        if safe(N) and not (policy.check_complements and not safe(C)):
            known[(g, "N")] = N
        if safe(D):
            known[(g, "D")] = D
        if safe(C) and safe(N):
            known[(g, "C")] = C
    assert p.status == "pass" and q.status == "pass"
    assert_protected(feasible_ranges(eqs, known, targets), policy)


@ATTACK
@given(a=grids(3, 3), b=grids(3, 3), policy=st.sampled_from([LOCAL, RESEARCH]))
def test_attack_linked_tables(a, b, policy):
    """An authority table W published beside its two areas A and B (W = A + B cell by
    cell, margins included): no primary cell of any table may be narrowed by differencing."""
    nr, nc = min(len(a), len(b)), min(len(a[0]), len(b[0]))
    ta = with_margins([row[:nc] for row in a[:nr]])
    tb = with_margins([row[:nc] for row in b[:nr]])
    tw = ta + tb
    tables = {"W": tw, "A": ta, "B": tb}
    opts = {k: {"row_total": "Total", "col_total": "Total"} for k in tables}
    out = protect_linked(tables, [("W", ["A", "B"])], policy, options=opts)
    eqs, known, targets = [], {}, []
    for k, t in tables.items():
        eqs += wide_equations(t, tag=k)
        for r, c in itertools.product(t.index, t.columns):
            if out[k].suppressed.loc[r, c]:
                targets += [(k, r, c)] if out[k].reasons.loc[r, c] == "primary" else []
            else:
                known[(k, r, c)] = int(t.loc[r, c])
                assert not is_primary(int(t.loc[r, c]), policy)
    eqs += [(("W", r, c), [("A", r, c), ("B", r, c)]) for r, c in itertools.product(tw.index, tw.columns)]
    assert_protected(feasible_ranges(eqs, known, targets), policy)


def test_rolling_year_with_an_unpublished_quarter_is_protected():
    """Year = Q1 + Q2 + Q3 + Q4 with Q1 never published: Q1's small cell (3) must not be
    recoverable as Year - Q2 - Q3 - Q4."""
    def q(m, f):
        return pd.Series({"Male": m, "Female": f, "Total": m + f})

    quarters = {"Q1": q(20, 3), "Q2": q(25, 9), "Q3": q(22, 12), "Q4": q(30, 8)}
    year = sum(quarters.values())
    tables = {"Year": year, **quarters}
    opts = {k: {"row_total": "Total"} for k in tables}
    out = protect_linked(tables, [("Year", list(quarters))], LOCAL, options=opts, unpublished=["Q1"])
    assert set(out) == {"Year", "Q2", "Q3", "Q4"}
    eqs = [((k, "Total"), [(k, "Male"), (k, "Female")]) for k in tables]
    eqs += [(("Year", r), [(k, r) for k in quarters]) for r in ("Male", "Female", "Total")]
    known = {(k, r): int(tables[k][r]) for k in out for r in ("Male", "Female", "Total")
             if not out[k].suppressed.loc[r].iat[0]}
    assert_protected(feasible_ranges(eqs, known, [("Q1", "Female")]), LOCAL)
    # without the link, Year - Q2 - Q3 - Q4 gives it away
    separate = {k: protect(tables[k], LOCAL, row_total="Total") for k in ("Year", "Q2", "Q3", "Q4")}
    known = {(k, r): int(tables[k][r]) for k in separate for r in ("Male", "Female", "Total")
             if not separate[k].suppressed.loc[r].iat[0]}
    lo, hi = feasible_ranges(eqs, known, [("Q1", "Female")])[("Q1", "Female")]
    assert hi - lo < LOCAL.threshold


def test_check_differencing_flags_separately_protected_tables():
    q1 = pd.Series({"Male": 9, "Female": 3, "Total": 12})
    q2 = pd.Series({"Male": 11, "Female": 8, "Total": 19})
    h1 = q1 + q2
    sep = {k: protect(t, LOCAL, name=k, row_total="Total") for k, t in (("H1", h1), ("Q1", q1), ("Q2", q2))}
    audit = check_differencing(sep, [("H1", ["Q1", "Q2"])]).set_index("table")
    assert audit.loc["Q1", "status"] == "fail" and audit.loc["Q1", "affected_cells"] == "Female"
    assert audit.loc["H1", "status"] == "pass"
    joint = protect_linked({"H1": h1, "Q1": q1, "Q2": q2}, [("H1", ["Q1", "Q2"])], LOCAL,
                           options={k: {"row_total": "Total"} for k in ("H1", "Q1", "Q2")})
    assert set(check_differencing(joint, [("H1", ["Q1", "Q2"])])["status"]) == {"pass"}


def test_linked_tables_must_add_up():
    a = pd.Series({"x": 5, "y": 6})
    with pytest.raises(ValueError, match="w cell .* is 6 but its parts sum to 5"):
        protect_linked({"w": a + 1, "a": a}, [("w", ["a"])], LOCAL)
    with pytest.raises(ValueError, match="tables not given"):
        protect_linked({"a": a}, [("w", ["a"])], LOCAL)


# ---------------------------------------------------------------------------
# Magnitude checks, failure handling, display, validation
# ---------------------------------------------------------------------------


def test_magnitude_checks_nk_and_p_ratio():
    """ACRO defaults: nk rule n=2, k=0.9; p% rule p=0.1."""
    days = pd.DataFrame({
        "authority": ["A"] * 4 + ["B"] * 4 + ["C"] * 3,
        "days": [400, 30, 10, 5, 50, 40, 45, 60, 100, 5, 3],
    })
    table = days.groupby("authority")["days"].count()
    audit = check(table, LOCAL, contributors=days, cells="authority", value="days").set_index("check")
    # A: top 2 = 430 of 445 (97%) > 90%, remainder 15/400 < 10%; C: 105/108, 3/100
    assert audit.loc["nk_dominance", "status"] == "fail"
    assert audit.loc["nk_dominance", "affected_cells"] == "A; C"
    assert audit.loc["p_ratio", "affected_cells"] == "A; C"
    with pytest.raises(ValueError, match="cells="):
        check(table, LOCAL, contributors=days)
    # a magnitude table checked without its contributors needs a human
    sums = days.groupby("authority")["days"].mean()
    review = check(sums, LOCAL).set_index("check").loc["magnitude"]
    assert review["status"] == "review" and "contributors=" in review["message"]


def test_on_fail_raise_or_audit():
    """All 20 looked-after children had the outcome (100%: an attribute). With the
    block's totals assumed published (28 of 32), the reader knows at most 4 of them
    did not, whatever is suppressed here: protection is impossible and says so."""
    t = pd.DataFrame({"group_variable": "care", "group_value": ["Not looked after", "Looked after"],
                      "numerator": [8, 20], "denominator": [12, 20]})
    with pytest.raises(DisclosureError, match="interval_protection") as exc:
        protect(t, LOCAL, margin="rates")
    assert "care | Looked after" in str(exc.value)
    assert "fail" in set(exc.value.audit["status"])
    p = protect(t, LOCAL, margin="rates", on_fail="audit")
    assert p.status == "fail" and "FAILED" in p.footnote()
    ok = protect(t, LOCAL, margin="rates", implicit_margins=False)
    assert ok.status == "pass" and ok.table["numerator"].tolist() == ["8", MARKER]


def test_repr_html_shows_the_protected_table_and_footnote_not_positions():
    p = protect(acro_grid(3), LOCAL, name="Outcomes by care status", row_total="Total", col_total="Total")
    out = p._repr_html_()
    assert "<table" in out and p.table.to_html().count(MARKER) == 4 and out.count(MARKER) == 5
    assert "4 cells suppressed; all disclosure checks passed" in out
    assert "a0/b0" not in out  # which [c] is the small one is not shown
    assert "Protected(name='Outcomes by care status'" in repr(p)
    assert list(p.public_audit().columns) == ["table", "check", "status", "threshold", "unsafe_if", "n_cells",
                                              "n_suppressed", "mitigation", "policy", "source"]
    assert isinstance(p, Protected)


def test_input_validation():
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        protect(pd.DataFrame({"a": [1.5, 2]}), LOCAL)
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        protect(pd.DataFrame({"a": [-1, 2]}), LOCAL)
    with pytest.raises(ValueError, match="row_total='All' is not a row label"):
        protect(pd.DataFrame({"a": [1, 2]}), LOCAL, row_total="All")
    with pytest.raises(ValueError, match="choose one of 'auto', 'denominator', 'rates', 'sum'"):
        protect(profile_table(), LOCAL, margin="partition")
    with pytest.raises(ValueError, match="choose one of 'proportion', 'percent', 'rate'"):
        protect(profile_table(), LOCAL, estimate="ratio")
    with pytest.raises(ValueError, match="repeats a value within a block"):
        protect(pd.concat([profile_table()] * 2), LOCAL)
    with pytest.raises(ValueError, match="not a partition"):
        protect(profile_table().assign(numerator=60), LOCAL, margin="denominator")
    with pytest.raises(TypeError):
        protect([1, 2, 3], LOCAL)  # type: ignore[arg-type]


def test_nullable_and_float_counts_are_accepted():
    t = pd.DataFrame({"a": pd.array([3, 20, 23], dtype="Int64"), "b": [11.0, 12.0, 23.0]},
                     index=["x", "y", "Total"])
    p = protect(t, LOCAL, row_total="Total")
    assert p.table["a"].tolist() == [MARKER, MARKER, "23"]
    assert p.table["b"].tolist() == [MARKER, MARKER, "23"]  # row x would give a's 3 away
    assert protect(t, LOCAL, row_total="Total", implicit_margins=False).table["b"].tolist() == ["11", "12", "23"]


def test_policy_is_a_parameter_not_a_global():
    t = acro_grid(7)
    assert protect(t, LOCAL, row_total="Total", col_total="Total").n_suppressed == 0
    assert protect(t, RESEARCH, row_total="Total", col_total="Total").n_suppressed == 4
    assert protect(t, "publication", row_total="Total", col_total="Total").n_suppressed == 0
    assert isinstance(LOCAL, Policy)
