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
