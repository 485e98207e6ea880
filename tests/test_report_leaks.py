"""Regression tests for the five leaks an outside reader attack found in the
publication edition (issue 9), and for undeclared totals. Each test failed on
the code before the fix; each states what the reader could do."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import cohort
from cohort.disclosure import MARKER, protect
from cohort.exceptions import DisclosureWarning
from cohort.report import Report, compact_html


def test_leak1_excel_pack_carries_only_the_public_audit(small_data, tmp_path):
    """Leak 1: the workbook's Disclosure sheet held ``report.audit()``, whose
    ``affected_cells`` say which [c] hides a count of 1-4 and which is a
    secondary suppression: a reader narrowed 286 of 316 small cells below 5.
    Now the sheet holds :meth:`Protected.public_audit` only: no cell positions."""
    r = Report(small_data, "X01", "", title="Quarterly cohort profile", output_dir=tmp_path,
               policy="publication")
    p = r.table(cohort.profile(small_data, "X01", r.quarter), "profile")
    assert p.n_suppressed > 0
    r.finish()
    wb = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")))
    sheet = wb["Disclosure"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "affected_cells" not in header and "message" not in header and "n_affected" not in header
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert " / numerator" not in cells and "| " not in cells  # no cell label of any kind
    # and the audit file beside it is the public one too
    text = next(tmp_path.glob("*.audit.json")).read_text()
    assert "affected_cells" not in text


def test_leak5_compact_html_never_restores_a_hidden_value():
    """Leak 5: compact_html copied raw values back into numeric columns that
    protect() had hidden (any column not numerator/denominator/estimate/
    lower/upper), e.g. a p-value or last quarter's count beside a suppressed
    row. Here the row with 3 children has a derived column whose raw value
    (0.123456) must not appear."""
    t = pd.DataFrame({"group_variable": "sex", "group_value": ["Girls", "Boys"],
                      "numerator": [3, 40], "denominator": [43, 43], "estimate": [3 / 43, 40 / 43],
                      "p_value": [0.123456, 0.654321], "population_year": [2023, 2023]})
    p = protect(t, "publication", name="t")
    assert p.table["p_value"].iloc[0] == MARKER
    html = compact_html(p)
    assert "0.123" not in html and "0.12" not in html
    assert html.split("</table>")[0].count(MARKER) == p.n_suppressed
    assert "2023" in html  # descriptive columns are shown as given
    assert "2.02e+03" not in p.table.to_string()  # and never formatted as a derived number


def test_undeclared_total_row_is_refused_and_a_sum_line_warns():
    """protect() accepted a "Total" row that was not declared with row_total=,
    protecting it as an ordinary cell: a reader subtracts the others from it.
    A line labelled Total/All is now refused; a line equal to the sum of the
    others draws a warning."""
    t = pd.DataFrame({"A": [3, 12, 15], "B": [11, 11, 22]}, index=["x", "y", "Total"])
    with pytest.raises(ValueError, match="looks like a total but is not declared"):
        protect(t, "publication")
    assert protect(t, "publication", row_total="Total").table.loc["x", "A"] == MARKER
    with pytest.warns(DisclosureWarning, match="equals the sum of the others"):  # row c = a + b + d
        protect(pd.DataFrame({"u": [3, 9, 19, 7], "v": [4, 6, 18, 8]}, index=list("abcd")), "publication")
    long = pd.DataFrame({"category": ["Police", "Health", "Education", "All agencies"],
                         "numerator": [4, 3, 2, 9], "denominator": [4, 4, 4, 12]})
    with pytest.warns(DisclosureWarning, match="add up the other rows"):
        protect(long, "publication", margin="rates")


def test_management_edition_shows_every_kpi_figure(small_data):
    """The management edition of a report shows every figure: no [c] at all."""
    r = Report(small_data, "X01", "", title="t")
    assert r.edition == "management"
    p = r.table(cohort.profile(small_data, "X01", r.quarter), "profile")
    assert not p.suppressed.to_numpy().any()
    assert np.isin(MARKER, p.table.to_numpy()).sum() == 0
    assert r.summary()["cells_suppressed"] == 0


# ---------------------------------------------------------------------------
# Leaks 2-4: tables that share cells, protected one by one, against protected
# together. Each test shows the reader recovering a small count from the tables
# protected separately (as the reports did) and recovering nothing from the same
# tables protected as one unit (cohort.report.protection), with an independent LP
# reader (tests/_reader_attack.py).
# ---------------------------------------------------------------------------


def _reader(tables, knowledge, truth, lower=None):
    """Ranges a reader finds for every suppressed small count of ``tables`` (name ->
    Protected), given identities between cells named (table, row, column)."""
    from _reader_attack import Knowledge, Published, feasible_ranges

    pub = Published()
    for name, p in tables.items():
        for r in range(len(p.table)):
            for col in ("numerator", "denominator"):
                if col in p.table.columns:
                    v = p.table[col].iloc[r]
                    pub.cells[(name, r, col)] = None if v == MARKER else float(str(v).replace(",", ""))
    know = Knowledge()
    for whole, parts in knowledge:
        know.sum(whole, parts)
    know.lower.update(lower or {})
    small = [k for k, v in pub.cells.items() if v is None and 0 < truth[k] < 5]
    return small, feasible_ranges(pub, know, small)


def _narrowed(ranges):
    return {k: r for k, r in ranges.items() if r[1] - r[0] < 5 - 1e-6}


def _kpi_ete() -> pd.DataFrame:
    """KPI 2 suitability for all children, school age and post-16 (27 = 4 + 23)."""
    rows = []
    for sub, (s, u) in {"all": (27, 13), "school_age": (4, 8), "post_16": (23, 5)}.items():
        for cat, n in (("Suitable", s), ("Unsuitable", u)):
            rows.append({"authority_code": "X01", "period": "2025/26 Q4", "kpi": "ete", "kpi_number": 2,
                         "subgroup": sub, "measure": "suitability", "category": cat, "numerator": n,
                         "denominator": s + u, "estimate": n / (s + u)})
    return pd.DataFrame(rows)


def test_leak2_kpi_subgroups_are_protected_with_their_totals():
    """Leak 2: the KPI 2 school-age and post-16 blocks were protected separately from the
    all-children block, so a reader subtracted: 27 - 23 = 4."""
    from cohort.report.kpi_set import _kpi_relations, _Rows
    from cohort.report.protection import TableSet, protect_set

    t = _kpi_ete()
    truth = {("kpi", r, c): float(t[c].iloc[r]) for r in range(len(t)) for c in ("numerator", "denominator")}
    assert t.loc[(t["subgroup"] == "school_age") & (t["category"] == "Suitable"), "numerator"].item() == 4
    sub = {(x["subgroup"], x["category"]): i for i, x in enumerate(t.to_dict("records"))}
    know = [(("kpi", sub[("all", c)], col), [("kpi", sub[("school_age", c)], col), ("kpi", sub[("post_16", c)], col)])
            for c in ("Suitable", "Unsuitable") for col in ("numerator", "denominator")]
    before = {"kpi": protect(t, "publication", name="kpi", within="category")}  # as kpi_tables() did
    small, ranges = _reader(before, know, truth)
    assert small and _narrowed(ranges), "the reader recovers the school-age count from separate blocks"
    ts = TableSet("kpi", {"kpi": t}, {"kpi": {"within": "category", "implicit_margins": False}},
                  _kpi_relations(_Rows("kpi", t.to_dict("records"))))
    after = protect_set(ts, "publication")
    small, ranges = _reader(after, know, truth)
    assert small and not _narrowed(ranges), ranges


def _victims() -> pd.DataFrame:
    """One quarter's victims: 47 victims, 38 consented, 35 contacted, 16 offered RJ, 3 accepted;
    44 did not accept, with their reasons."""
    rows = [("restorative_justice", "consented_contact", 38, 47), ("restorative_justice", "contacted", 35, 38),
            ("restorative_justice", "offered_rj", 16, 35), ("restorative_justice", "accepted_rj", 3, 16),
            ("engagement", "accepted_rj", 3, 38), ("support", "support_provided", 7, 8)]
    rows += [("non_engagement_reason", c, n, 44) for c, n in (("Did not consent to contact", 9),
             ("Could not be contacted", 3), ("Declined restorative justice", 13),
             ("Not suitable for restorative justice", 18), ("Other", 1), ("Not recorded", 0))]
    rows += [("victim_type", c, n, 47) for c, n in (("Individual", 35), ("Business or organisation", 12),
                                                    ("Not recorded", 0))]
    return pd.DataFrame([{"authority_code": "X01", "quarter": "2025/26 Q4", "measure": m, "category": c,
                          "numerator": n, "denominator": d, "estimate": n / d} for m, c, n, d in rows])


def test_leak3_victims_engagement_and_reasons_are_protected_together():
    """Leak 3: accepted RJ = victims - victims who did not accept (47 - 44 = 3), the
    reasons table's base, protected separately from the cascade."""
    from cohort.report.kpi_set import _victims_relations
    from cohort.report.protection import TableSet, protect_set

    v = _victims()
    eng = v[v["measure"].isin(["restorative_justice", "engagement", "support"])]
    rea = v[v["measure"] == "non_engagement_reason"]
    typ = v[v["measure"] == "victim_type"]
    before = {"engagement": protect(eng.reset_index(drop=True), "publication", name="e",
                                    by=["authority_code", "quarter", "measure", "category"], within=None),
              "reasons": protect(rea.reset_index(drop=True), "publication", name="r"),
              "types": protect(typ.reset_index(drop=True), "publication", name="t")}
    truth = {}
    for name, part in (("engagement", eng), ("reasons", rea), ("types", typ)):
        for r in range(len(part)):
            for c in ("numerator", "denominator"):
                truth[(name, r, c)] = float(part[c].iloc[r])
    e = {x: i for i, x in enumerate(zip(eng["measure"], eng["category"], strict=True))}
    know = [(("types", 0, "denominator"), [("reasons", 0, "denominator"),
                                           ("engagement", e[("restorative_justice", "accepted_rj")], "numerator")])]
    small, ranges = _reader(before, know, truth)
    assert small and _narrowed(ranges), "47 - 44 = 3 from separately protected tables"
    ts = TableSet("kpi", {"victims": v}, {"victims": {"within": "category", "by": ["authority_code", "quarter",
                                                                                    "measure"],
                                                      "implicit_margins": False}},
                  _victims_relations("victims", v, None, None))
    after = protect_set(ts, "publication")["victims"]
    split = {"engagement": after.rows(v["measure"].isin(["restorative_justice", "engagement", "support"]).to_numpy()),
             "reasons": after.rows((v["measure"] == "non_engagement_reason").to_numpy()),
             "types": after.rows((v["measure"] == "victim_type").to_numpy())}
    small, ranges = _reader(split, know, truth)
    assert not _narrowed(ranges), ranges


def _cohorts():
    """Four 3-month cohorts of one authority and their pooled financial year."""
    periods = ["Apr-Jun 2023", "Jul-Sep 2023", "Oct-Dec 2023", "Jan-Mar 2024"]
    starts = pd.to_datetime(["2023-04-01", "2023-07-01", "2023-10-01", "2024-01-01"])
    base = pd.DataFrame({"authority_code": "X01", "period": periods, "period_start": starts,
                         "period_end": starts + pd.offsets.QuarterEnd(0), "denominator": [10, 14, 21, 13]})
    binary = base.assign(numerator=[2, 5, 11, 4])
    freq = base.assign(numerator=[7, 12, 36, 17])
    cols = ["authority_code", "period", "period_start", "period_end", "numerator", "denominator"]
    pooled = pd.DataFrame({"authority_code": ["X01"], "period": ["2023/24"],
                           "period_start": pd.to_datetime(["2023-04-01"]), "period_end": pd.to_datetime(["2024-03-31"]),
                           "numerator": [22], "denominator": [58]})
    return binary[cols], freq[cols], pooled[cols]


def test_leak4_reoffending_binary_frequency_and_pooled_year_are_protected_together():
    """Leak 4: binary, frequency and the pooled year protected separately: the pooled year
    (22) less the shown cohorts (5 + 11) leaves 6 for two hidden cohorts, and reoffences
    (7 > 0) bound the first to [1, 5]."""
    from cohort.report.performance_set import reoffending_tables
    from cohort.report.protection import TableSet, protect_set

    binary, freq, pooled = _cohorts()
    truth = {}
    for name, t in (("binary", binary), ("frequency", freq), ("pooled", pooled)):
        for r in range(len(t)):
            for c in ("numerator", "denominator"):
                truth[(name, r, c)] = float(t[c].iloc[r])
    know = [(("pooled", 0, c), [("binary", r, c) for r in range(4)]) for c in ("numerator", "denominator")]
    know += [(("frequency", r, "denominator"), [("binary", r, "denominator")]) for r in range(4)]
    opts = {"by": ["period", "period_start", "period_end"], "within": "authority_code", "margin": "rates"}
    before = {"binary": protect(binary, "publication", name="b", **opts),
              "frequency": protect(freq, "publication", name="f", estimate="rate", **opts),
              "pooled": protect(pooled, "publication", name="p", **opts)}

    def lower(tables):  # reoffences > 0 tells the reader that someone in the cohort reoffended
        out = {}
        for r in range(4):
            f = tables["frequency"].table["numerator"].iloc[r]
            if tables["binary"].table["numerator"].iloc[r] == MARKER and f != MARKER and float(f) > 0:
                out[("binary", r, "numerator")] = 1.0
        return out

    small, ranges = _reader(before, know, truth, lower(before))
    assert small and _narrowed(ranges), "hidden cohorts bound to [1, 5]"
    ts = TableSet("performance")
    reoffending_tables(ts, binary, freq, pooled, pd.Timestamp("2023-04-01"))
    after = protect_set(ts, "publication")
    tables = {"binary": after["reoffending"], "frequency": after["reoffending_frequency"],
              "pooled": after["reoffending_pooled"]}
    small, ranges = _reader(tables, know, truth, lower(tables))
    assert small and not _narrowed(ranges), ranges
    # reoffenders and reoffences of a cohort are hidden together
    assert (tables["binary"].table["numerator"].eq(MARKER) == tables["frequency"].table["numerator"].eq(MARKER)).all()
