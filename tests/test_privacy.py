"""Tests for cohort.privacy: identifiers planted in HTML, xlsx, ipynb and text
outputs made in tmp_path are found (with their location and kind, value
masked), clean outputs give no findings, and the scan is fast."""

from __future__ import annotations

import json
import time
import warnings

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortWarning, PrivacyError
from cohort.privacy import FINDING_COLUMNS, assert_no_identifiers, identifiers_from, scan_outputs


@pytest.fixture
def data() -> CohortData:
    children = pd.DataFrame({
        "child_id": ["C000123", "C000456", "P9f3a1c0de4"],
        "authority_code": ["X01", "X01", "X02"],
        "birth_month": ["2009-03", "2010-11", "2011-07"],
        "home_postcode": ["SW1A 1AA", "l1 8jq", None],
        "date_of_birth": pd.to_datetime(["2009-03-14", "2010-11-02", None]),
    })
    offences = pd.DataFrame({"offence_id": ["OFF-00017", "OFF-00018"], "child_id": ["C000123", "C000456"]})
    victims = pd.DataFrame({"victim_id": [90001234], "offence_id": ["OFF-00017"]})
    return CohortData({"children": children, "offences": offences, "victims": victims})


@pytest.fixture
def ids(data: CohortData) -> pd.DataFrame:
    return identifiers_from(data)


def _html(path, body: str) -> None:
    path.write_text(
        "<html><head><style>td { padding: 12px 14px; } .c03 { width: 2009px; }</style></head><body>"
        f"<table><tr><td>Children</td><td>123</td></tr>{body}</table>"
        '<img src="data:image/png;base64,QzAwMDEyMyBDMDAwNDU2IDIwMDktMDMtMTQ=" /></body></html>'
    )


def _xlsx(path, planted: dict[str, str]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(["Measure", "2024/25 Q2", "Rate"])
    ws.append(["Children in caseload", 123, 0.143])
    ws.append(["Custody", 14, "[c]"])
    for coord, value in planted.items():
        ws[coord] = value
    other = wb.create_sheet("Notes")
    other["A1"] = "Source: case management extract, 2009 definitions"
    other["B2"] = 2009
    other["B2"].comment = Comment("checked by analyst", "QA")
    wb.save(path)


def _ipynb(path, planted_source: str = "", planted_output: str = "", planted_error: str = "") -> None:
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"papermill": {"parameters": {"authority": "X01", "quarter": "2024/25 Q2"}}},
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": 1,
             "source": ["authority = 'X01'\n", f"quarter = '2024/25 Q2'  {planted_source}\n"], "outputs": []},
            {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": "cohort.profile(data)",
             "outputs": [
                 {"output_type": "execute_result", "execution_count": 2, "metadata": {},
                  "data": {"text/plain": ["   group  numerator\n", f"0  Male  12 {planted_output}"],
                           "text/html": [f"<table><tr><td>Male</td><td>12</td><td>{planted_output}</td></tr></table>"],
                           "image/png": "iVBORw0KGgo+C000123+AAAA"}},
                 {"output_type": "stream", "name": "stdout", "text": ["done\n"]},
             ]},
            {"cell_type": "code", "metadata": {}, "execution_count": 3, "source": "x",
             "outputs": ([{"output_type": "error", "ename": "KeyError", "evalue": planted_error,
                           "traceback": [f"KeyError: {planted_error}"]}] if planted_error else [])},
        ],
    }
    path.write_text(json.dumps(nb, indent=1))


def test_identifiers_from_gathers_ids_postcodes_and_birth_values(data):
    """Every identifier column, postcode-like column and birth column is read; duplicates collapse."""
    ids = identifiers_from(data)
    assert list(ids.columns) == ["value", "kind", "table", "column"]
    got = set(zip(ids["value"], ids["kind"], strict=True))
    assert {("C000123", "identifier"), ("C000456", "identifier"), ("P9f3a1c0de4", "identifier"),
            ("OFF-00017", "identifier"), ("90001234", "identifier")} <= got
    assert {("SW1A1AA", "postcode"), ("L18JQ", "postcode")} <= got
    assert {("2009-03", "birth_month"), ("2011-07", "birth_month")} <= got
    assert {("2009-03-14", "birth_date"), ("2010-11-02", "birth_date")} <= got
    assert not ids.duplicated(["value", "kind"]).any()
    assert ("X01", "identifier") not in got  # authority codes are not identifiers
    # a plain mapping works the same as CohortData
    assert len(identifiers_from(data.tables)) == len(ids)


def test_finds_planted_identifiers_in_html(tmp_path, ids):
    _html(tmp_path / "report.html",
          "<tr><td>C000123</td><td>born 14/03/2009</td></tr>\n<tr><td>sw1a&nbsp;1aa</td><td>March 2009</td></tr>")
    found = scan_outputs(tmp_path, ids)
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert sorted(found["kind"]) == ["birth_date", "birth_month", "identifier", "postcode"]
    assert set(found["location"]) == {"line 1", "line 2"}
    # masked: only the first two characters survive
    assert set(found["masked_value"]) == {"C0*****", "14********", "sw******", "Ma********"}
    assert not found["masked_value"].str.contains("000123|1AA|2009", regex=True).any()


def test_finds_planted_identifiers_in_xlsx_every_sheet_and_comments(tmp_path, ids):
    _xlsx(tmp_path / "board_pack.xlsx", {"D7": "child C000456 moved", "A9": "L1 8JQ"})
    wb_path = tmp_path / "board_pack.xlsx"
    from openpyxl import load_workbook

    wb = load_workbook(wb_path)
    wb["Notes"]["C30"] = 90001234  # a numeric identifier stored as a number
    wb["Notes"]["B2"].comment = Comment("dob 2010-11-02 confirmed", "QA")
    wb.save(wb_path)
    found = scan_outputs(wb_path, ids).sort_values("location").reset_index(drop=True)
    assert list(found["location"]) == ["KPIs!A9", "KPIs!D7", "Notes!B2 (comment)", "Notes!C30"]
    assert list(found["kind"]) == ["postcode", "identifier", "birth_date", "identifier"]


def test_finds_planted_identifiers_in_ipynb_sources_outputs_and_errors(tmp_path, ids):
    _ipynb(tmp_path / "profile.ipynb", planted_source="# P9f3a1c0de4", planted_output="OFF-00018",
           planted_error="'C000123'")
    found = scan_outputs(tmp_path / "profile.ipynb", ids)
    locs = set(found["location"])
    assert "cell 1 source line 2" in locs
    assert "cell 2 output 1 text/plain line 2" in locs
    assert "cell 2 output 1 text/html line 1" in locs
    assert "cell 3 output 1 error" in locs
    assert len(found) == 5  # the error's value and its traceback both hold it; image/png is not scanned


def test_clean_outputs_have_no_findings(tmp_path, ids):
    """Ordinary numbers, period labels, CSS and embedded images do not match."""
    _html(tmp_path / "report.html", "<tr><td>C0001234</td><td>XC000123</td><td>2009</td><td>14 in March</td></tr>")
    _xlsx(tmp_path / "pack.xlsx", {"D7": 90001235, "A9": "SW1A"})
    _ipynb(tmp_path / "nb.ipynb")
    (tmp_path / "notes.md").write_text("Quarter 2024/25 Q2: 123 children; 03/2024 refresh; OFF-000170.\n")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\nC000123")
    found = scan_outputs(tmp_path, ids)
    assert found.empty
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert_no_identifiers(tmp_path, ids)


def test_assert_no_identifiers_raises_with_masked_findings(tmp_path, ids):
    (tmp_path / "table.csv").write_text("group,count\nC000123,1\n")
    with pytest.raises(PrivacyError) as exc:
        assert_no_identifiers(tmp_path, ids)
    assert "C0*****" in str(exc.value)
    assert "C000123" not in str(exc.value)
    assert len(exc.value.findings) == 1


def test_iso_timestamp_and_case_and_whitespace_variants(tmp_path):
    (tmp_path / "a.txt").write_text("dob: 2009-03-14T00:00:00\nID c000123\nborn 14\n  March   2009\n")
    found = scan_outputs(tmp_path, {"identifier": ["C000123"], "birth_date": ["2009-03-14"]})
    assert sorted(zip(found["location"], found["kind"], strict=True)) == [
        ("line 1", "birth_date"), ("line 2", "identifier"), ("line 3", "birth_date")]


def test_short_identifiers_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "a.txt").write_text("Caseload 1234 children\n")
    with pytest.warns(CohortWarning, match="shorter than 6"):
        found = scan_outputs(tmp_path, ["1234", "C000123"])
    assert found.empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = scan_outputs(tmp_path, ["1234"], min_length=4)
    assert len(found) == 1


def test_binary_files_are_reported_as_not_scanned(tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\x00\x00C000123")
    with pytest.warns(CohortWarning, match="not scanned"):
        scan_outputs(tmp_path, ["C000123"])


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        scan_outputs(tmp_path / "missing", ["C000123"])
    with pytest.raises(ValueError, match="unknown identifier kinds"):
        scan_outputs(tmp_path, {"nhs": ["1234567890"]})
    with pytest.raises(ValueError, match="not a date"):
        scan_outputs(tmp_path, {"birth_date": ["14th of March"]})
    with pytest.raises(ValueError, match="single string"):
        scan_outputs(tmp_path, "C000123")


def test_scan_is_fast_for_thousands_of_identifiers_over_dozens_of_files(tmp_path):
    """5,000 identifiers and 1,000 birth dates over 30 files of ~100 kB: well under the 2 s target
    on an idle machine (asserted at 10 s so a loaded CI runner does not fail it)."""
    ids = {"identifier": [f"C{i:07d}" for i in range(0, 5_000_000, 1000)],
           "birth_date": [f"{2005 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(1000)],
           "postcode": [f"M{i % 40} {i % 9}AB" for i in range(500)]}
    row = "<tr><td>Children in care</td><td>123</td><td>14.3%</td><td>2024/25 Q2</td><td>03/2025</td></tr>\n"
    for k in range(30):
        (tmp_path / f"r{k}.html").write_text(row * 1200)
    (tmp_path / "r7.html").write_text(row * 1200 + "<td>C0042000</td>")
    start = time.perf_counter()
    found = scan_outputs(tmp_path, ids)
    elapsed = time.perf_counter() - start
    assert list(found["file"].str.rsplit("/", n=1).str[-1]) == ["r7.html"]
    assert elapsed < 10
