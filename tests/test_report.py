"""The report layer: header and edition marking, sections, presented tables, the KPI
board, figures with text alternatives, the Excel board pack, sections a store cannot
produce."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.axes import Axes

import cohort
from cohort import plots
from cohort.cohortdata import CohortData
from cohort.disclosure import MARKER, protect
from cohort.exceptions import CohortError
from cohort.report import SYNTHETIC_BANNER, Report, masked, present, render_html
from cohort.report.kpi_layout import _change


@pytest.fixture(scope="module")
def reports(small_data, tmp_path_factory):
    """Both editions of one authority's quarterly profile and performance sections, run once."""
    out = {}
    for policy in ("management", "publication"):
        folder = tmp_path_factory.mktemp(policy) / "X01"
        rep = Report(small_data, "X01", "", title="Quarterly cohort profile", policy=policy, output_dir=folder)
        html = {"header": rep.header().body, "profile": rep.profile_section().body,
                "headline": rep.kpi_headline().body, "board": rep.kpi_board().body,
                "detail": rep.kpi_detail().body, "fte": rep.fte_section().body,
                "reoffending": rep.reoffending_section().body, "bench": rep.benchmark_section("fte").body,
                "victims": rep.victims_section("engagement").body}
        html["finish"] = rep.finish().body
        out[policy] = (rep, html, folder)
    return out


def test_unknown_authority_is_a_clear_error(small_data):
    with pytest.raises(CohortError, match="not in the data"):
        Report(small_data, "Z99", "", title="t")


def test_header_names_edition_period_banner_source_and_fingerprint(reports, small_data):
    rep, html, _ = reports["management"]
    head = html["header"]
    assert SYNTHETIC_BANNER in head and rep.fingerprint in head and rep.quarter in head
    assert "Management information: not for publication" in head
    assert "Produced on" in head and "synthetic demonstration data" in head
    assert "cohort.synthetic.generate(" not in head  # the data source is words, not a Python call
    pub = reports["publication"][1]["header"]
    assert "Publication edition: counts below 5 are suppressed" in pub


def test_management_edition_shows_every_kpi_figure(reports):
    """Must show: for one demo authority the management edition shows every KPI figure."""
    rep, html, _ = reports["management"]
    for part in ("board", "detail", "profile", "fte", "reoffending", "victims"):
        assert MARKER not in html[part], part
    assert rep.summary()["cells_suppressed"] == 0
    assert rep.summary()["small_counts_shown"] > 0  # the audit still counts the small figures shown
    assert "Do not publish it" in html["finish"]


def test_publication_edition_audit_has_no_open_checks(reports):
    """Must show: the publication edition's audit shows 0 open checks."""
    rep, html, _ = reports["publication"]
    s = rep.summary()
    assert s["checks_failed"] == 0 and s["cells_suppressed"] > 0
    assert (rep.audit()["status"] != "fail").all()
    assert "Every disclosure check passed." in html["finish"]
    text = re.sub(r"<[^>]+>", " ", html["finish"])
    assert ".yaml" not in text and "METHODS" not in text and "http" not in text  # plain English


def test_a_table_name_is_used_once(small_data):
    r = Report(small_data, "X01", "", title="t")
    prof = cohort.profile(small_data, "X01", r.quarter)
    r.table(prof, "profile")
    with pytest.raises(CohortError, match="already"):
        r.table(prof, "profile")


def test_masked_hides_exactly_the_suppressed_cells(small_data):
    r = Report(small_data, "X01", "", title="t", policy="publication")
    p = r.table(cohort.profile(small_data, "X01", r.quarter), "profile")
    m = masked(p)
    hidden = p.table["estimate"].eq("[c]")
    assert hidden.any()
    assert m.loc[hidden, "estimate"].isna().all()
    assert m.loc[~hidden, "estimate"].notna().all()


def test_presented_table_is_accessible_and_labelled(small_data):
    p = protect(cohort.profile(small_data, "X01", "2025/26 Q4"), "publication", name="profile")
    pres = present(p, "Children by characteristic")
    assert "Authority: X01" in pres.notes and "Interval: Wilson, 95%" in pres.notes
    assert list(pres.frame.columns[:2]) == ["Characteristic", "Group"]
    assert {"Special educational needs", "Type of intervention"} <= set(pres.frame["Characteristic"])
    assert "out_of_court" not in set(pres.frame["Group"]) and "Out-of-court disposal" in set(pres.frame["Group"])
    html = render_html(pres)
    assert "<caption>Children by characteristic</caption>" in html
    assert "<th scope='col' class='text'>Group</th>" in html and "<th scope='col' class='num'>Count</th>" in html
    assert "<th scope='row' class='text'>" in html  # the first column names the row
    assert "True" not in html and "False" not in html


def test_change_arrow_is_coloured_by_what_is_better_for_children():
    """Accommodation: suitable up is better, unsuitable up is worse; neutral measures get no verdict."""
    spec = cohort.measures.kpi.YJB_2023.kpis[0].measures[0]
    assert _change(0.95, 0.90, spec.direction("Suitable"), False) == ("\u25b2 +5.0 pts (better)", "better")
    assert _change(0.05, 0.02, spec.direction("Unsuitable"), False) == ("\u25b2 +3.0 pts (worse)", "worse")
    assert _change(0.40, 0.50, "", False) == ("\u25bc -10.0 pts", "")
    assert _change(3, 5, "lower", True) == ("\u25bc -2 (better)", "better")
    assert _change(np.nan, 0.5, "higher", False) == ("", "")


def test_kpi_board_reads_in_a_minute(reports):
    rep, html, _ = reports["management"]
    board = html["board"]
    for kpi in range(1, 11):
        assert re.search(rf"<th scope='row' class='text'>{kpi} ", board), kpi
    assert "2 Ete" not in board and "identified_need" not in board and "consented_contact" not in board
    for col in ("This quarter", "Change on last quarter", "Same quarter last year", "Year to date",
                "All authorities"):
        assert f">{col}</th>" in board
    assert re.search(r"\d+% \(\d+ of \d+\)", board)  # percentage with count and base
    assert "class='num better'" in board or "class='num worse'" in board
    assert "<ul class='cohort-headline'>" in html["headline"] or "No KPI" in html["headline"]


def test_figures_carry_a_text_alternative_from_their_data(reports):
    for policy in ("management", "publication"):
        _, html, _ = reports[policy]
        imgs = re.findall(r"<img [^>]*>", "".join(html.values()))
        assert len(imgs) >= 4
        for img in imgs:
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and len(alt.group(1)) > 30 and "No description" not in alt.group(1), img[:200]
    _, html, _ = reports["management"]
    alt = re.search(r'alt="([^"]*)"', html["bench"]).group(1)
    assert alt.startswith("Funnel plot of first time entrants") and "for all authorities" in alt


def test_a_section_the_store_cannot_produce_says_so(small_data):
    """A store made from an extract without KPI records, victims or populations: each
    section says plainly that it cannot be produced, instead of failing."""
    tables = {k: v for k, v in small_data.tables.items() if k not in ("kpi_records", "victims")}
    bare = CohortData(tables, small_data.attrition, dict(small_data.metadata))
    rep = Report(bare, "X01", "", title="t")
    assert rep.kpi_board().body == (
        "<p class='cohort-unavailable'>This section cannot be produced from this store: it holds no "
        "KPI records for this authority.</p>")
    assert "it holds no victims for this authority" in rep.victims_section("profile").body
    assert rep.profile_section().body.startswith("<div class='cohort-table'")  # this one can


def test_trend_orders_periods_by_date_and_shades_incomplete_cohorts():
    t = pd.DataFrame({"period": ["Apr-Jun 2025", "Jan-Mar 2024", "Oct-Dec 2024"],
                      "period_start": pd.to_datetime(["2025-04-01", "2024-01-01", "2024-10-01"]),
                      "estimate": [0.3, 0.2, 0.25], "lower": [0.2, 0.1, 0.15], "upper": [0.4, 0.3, 0.35],
                      "incomplete": [True, False, True]})
    ax = plots.trend(t, scale=100, shade="incomplete")
    assert [x.get_text() for x in ax.get_xticklabels()] == ["Jan-Mar 2024", "Oct-Dec 2024", "Apr-Jun 2025"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Incomplete: can still rise" in labels and "95% interval" in labels
    assert len(ax.patches) == 2  # the two incomplete cohorts are shaded
    assert plots.describe_trend(t, "Reoffending", "%", scale=100).startswith(
        "Line chart of reoffending, %, Jan-Mar 2024 to Apr-Jun 2025: 20 in Jan-Mar 2024 and 30 in Apr-Jun 2025")


def test_plots_return_axes():
    t = pd.DataFrame({"period": ["a", "b", "a", "b"], "authority_code": ["X01", "X01", "X02", "X02"],
                      "estimate": [1.0, 2.0, 1.5, None], "lower": [0.5, 1.0, 1.0, None],
                      "upper": [1.5, 3.0, 2.0, None], "group_value": ["a", "b", "c", "d"]})
    assert isinstance(plots.trend(t, hue="authority_code", highlight="X01"), Axes)
    assert isinstance(plots.forest(t), Axes)
    limits = pd.DataFrame({"denominator": [10, 100, 10, 100], "level": [0.95, 0.95, 0.998, 0.998],
                           "lower": [0.1, 0.2, 0.05, 0.15], "upper": [0.6, 0.5, 0.7, 0.55], "target": 0.35})
    pts = pd.DataFrame({"denominator": [20, 80], "estimate": [0.3, 0.4], "label": ["X01", "X02"]})
    assert isinstance(plots.funnel(pts, limits, highlight="X01"), Axes)
    km = pd.DataFrame({"group": "all", "time": [0, 10, 20], "survival": [1.0, 0.8, 0.6],
                       "lower": [1.0, 0.7, 0.5], "upper": [1.0, 0.9, 0.7]})
    assert isinstance(plots.survival(km), Axes)
    bal = pd.DataFrame({"variable": ["age", "sex"], "smd_before": [20.0, -12.0], "smd_after": [3.0, 1.0]})
    assert isinstance(plots.love(bal), Axes)


_NUMERIC_TEXT = re.compile(r"^\s*[-+]?[\d,]*\.?\d+\s*%?\s*$")


def test_excel_board_pack_a_board_secretary_can_use(reports):
    """Must show: no numeric value stored as text (every cell walked), frozen panes and
    print set-up on every sheet, the edition on every sheet, a contents sheet, the KPI
    board on one sheet, the same [c] cells as the HTML."""
    for policy in ("management", "publication"):
        rep, html, folder = reports[policy]
        wb = openpyxl.load_workbook(next(folder.glob("*.xlsx")))
        assert wb.sheetnames[:2] == ["About", "Contents"] and wb.sheetnames[-1] == "Disclosure"
        assert "kpi_board" in wb.sheetnames
        numbers = 0
        for ws in wb.worksheets:
            assert ws["A1"].value == rep.marking, ws.title
            assert ws.oddHeader.center.text == rep.marking
            assert ws.freeze_panes is not None, ws.title
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str):
                        assert not _NUMERIC_TEXT.match(c.value), (ws.title, c.coordinate, c.value)
                        assert c.data_type == "s", (ws.title, c.coordinate)  # never a formula
                    elif isinstance(c.value, (int, float)):
                        numbers += 1
                        assert c.number_format, (ws.title, c.coordinate)
            if ws.title not in ("About", "Contents"):
                assert ws.print_title_rows and ws.auto_filter.ref, ws.title
        assert numbers > 200
        board = wb["kpi_board"]
        heads = [c.value for c in board[5]]
        assert "This quarter %" in heads and "Change on last quarter (pts)" in heads
        pct = [r[heads.index("This quarter %")] for r in board.iter_rows(min_row=6, values_only=True)]
        assert any(isinstance(v, float) and 0 <= v <= 1 for v in pct)
        fmt = board.cell(6, heads.index("This quarter %") + 1).number_format
        assert fmt == "0%" or board.cell(6, heads.index("This quarter %") + 1).value == MARKER
        # the same cells are hidden in Excel as in the HTML: count [c] sheet by sheet
        shown = {p.name: int((p.frame == MARKER).to_numpy().sum()) for p in rep.sheets}
        for name, n in shown.items():
            ws = wb[name[:31]]
            in_excel = sum(1 for row in ws.iter_rows(min_row=6, values_only=True) for v in row if v == MARKER)
            assert in_excel >= n, name  # a split cell ("[c] of 12") may become two [c] cells
        if policy == "management":
            assert all(n == 0 for n in shown.values())


def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path, small_data):
    """A label starting with = + - @ (e.g. an agency named "=HYPERLINK(...)") never
    becomes a formula."""
    rep = Report(small_data, "X01", "", title="t", output_dir=tmp_path)
    t = pd.DataFrame({"group_variable": "agency", "group_value": ["=HYPERLINK(\"x\")", "+44 1234", "-x", "@sum"],
                      "numerator": [5, 6, 7, 8], "denominator": [26, 26, 26, 26]})
    rep.show(rep.table(t, "agencies", margin="denominator"))
    rep.finish()
    ws = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")))["agencies"]
    values = {c.value: c for row in ws.iter_rows(min_row=6) for c in row if isinstance(c.value, str)}
    for text in ("=HYPERLINK(\"x\")", "+44 1234", "-x", "@sum"):
        assert values[text].data_type == "s" and values[text].quotePrefix
