"""The report scaffolding: header, compact tables, KPI board, Excel board pack, plots."""

import openpyxl
import pandas as pd
import pytest
from matplotlib.axes import Axes

import cohort
from cohort import plots
from cohort.exceptions import CohortError
from cohort.report import SYNTHETIC_BANNER, Report, compact_html, kpi_tables, masked


@pytest.fixture(scope="module")
def rep(small_data):
    return Report(small_data, "X01", "", title="Quarterly cohort profile")


def test_unknown_authority_is_a_clear_error(small_data):
    with pytest.raises(CohortError, match="not in the data"):
        Report(small_data, "Z99", "", title="t")


def test_header_names_period_banner_and_fingerprint(rep, small_data):
    html = rep.header()._repr_html_()
    assert SYNTHETIC_BANNER in html
    assert rep.fingerprint == small_data.metadata["store_fingerprint"]
    assert rep.fingerprint in html and rep.quarter in html


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


def test_compact_html_moves_constants_to_caption_and_joins_the_interval(small_data):
    r = Report(small_data, "X01", "", title="t", policy="publication")
    p = r.table(cohort.profile(small_data, "X01", r.quarter), "profile")
    html = compact_html(p, "Profile")
    assert "authority code: X01" in html and "confidence: 95%" in html
    assert "<th>Interval</th>" in html and "<th>lower</th>" not in html
    assert "[c]" in html and p.footnote() in html


def test_kpi_board_shows_change_only_when_both_quarters_are_shown(small_data):
    r = Report(small_data, "X01", "", title="t", policy="publication")
    board = kpi_tables(r)
    assert list(board.columns) == ["KPI", "Measure", "Category", "Count", "%", "Last quarter %",
                                   "Change", "Year count", "Year %"]
    both = ~board["%"].isin(["", "[c]"]) & ~board["Last quarter %"].isin(["", "[c]"])
    assert board.loc[board["%"].eq("[c]") | board["Last quarter %"].eq("[c]"), "Change"].eq("").all()
    arrows = board.loc[both, "Change"]
    assert len(arrows) > 10
    assert arrows.str.match(r"^[\u25b2\u25bc\u25b6] [+-]\d+\.\d pp$").all()
    assert set(board["KPI"].str.split(" ").str[0].astype(int)) == set(range(1, 11))


def test_excel_board_pack(small_data, tmp_path):
    r = Report(small_data, "X01", "", title="Quarterly cohort profile", output_dir=tmp_path,
               policy="publication")
    r.table(cohort.profile(small_data, "X01", r.quarter), "profile")
    statement = r.finish()._repr_html_()
    assert "Disclosure control" in statement
    xlsx = next(tmp_path.glob("*.xlsx"))
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["About", "profile", "Disclosure"]
    about = {row[0]: row[1] for row in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Note"] == SYNTHETIC_BANNER
    cells = [c for row in wb["profile"].iter_rows(values_only=True) for c in row]
    assert "[c]" in cells
    assert next(tmp_path.glob("*.audit.json")).exists()


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
