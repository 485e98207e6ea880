"""The evaluation report: figures with data-derived text alternatives, the programme report,
disclosure control of small offending counts, and the notebook's parameters."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes

import cohort
from cohort import plots
from cohort.report import (
    evidence_text,
    flow_table,
    power_table,
    results_table,
    sensitivity_rows,
    sensitivity_table,
)

CYC = "Community Youth Connectors"
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "intervention_evaluation.ipynb"


@pytest.fixture(scope="module")
def demo():
    data = cohort.synthetic.generate()
    return data, cohort.evaluate(data, CYC)


@pytest.fixture()
def rep(demo):
    """The publication edition (small counts suppressed)."""
    data, ev = demo
    return cohort.ProgrammeReport(data, CYC, ev.authorities_, title="Intervention evaluation", policy="publication")


def test_figures_return_axes_and_describe_their_data(demo):
    _, ev = demo
    after = ev.balance_[ev.balance_["sample"] == "after"]
    worst = after.loc[after["smd"].abs().idxmax()]
    assert isinstance(plots.love_plot(ev.balance_), Axes)
    text = plots.love_plot_text(ev.balance_)
    assert f"the largest is {worst['label']} at {abs(worst['smd']):.0f}%" in text
    assert "all are below 10%" in text
    assert isinstance(plots.overlap_plot(ev.overlap_), Axes)
    assert "logit scale" in plots.overlap_plot_text(ev.overlap_)
    rows = ev.sensitivity_[ev.sensitivity_["outcome"] == "attendance_change"]
    assert isinstance(plots.forest_plot(rows), Axes)
    first = rows.iloc[0]
    assert f"{first['estimate']:.1f} (95% CI {first['lower']:.1f} to {first['upper']:.1f})" in \
        plots.forest_plot_text(rows)
    assert isinstance(plots.flow_plot(ev.flow_), Axes)
    assert plots.flow_plot_text(ev.flow_).startswith(f"Participants submitted: {int(ev.flow_['n'].iloc[0])}.")
    plt.close("all")


def test_km_plot_hides_groups_with_few_events(demo):
    _, ev = demo
    events = ev.survival_.groupby("group")["events"].sum()
    assert events["Participants"] < 5 <= events["Matched comparison"]
    ax = plots.km_plot(ev.survival_, min_events=5)
    assert [line.get_label() for line in ax.get_lines()] == ["Matched comparison"]
    text = plots.km_plot_text(ev.survival_, min_events=5)
    assert "participants (not shown: fewer than 5 with an offence)" in text
    plt.close("all")


def test_figure_html_carries_the_text_alternative(demo):
    _, ev = demo
    text = plots.love_plot_text(ev.balance_)
    out = plots.figure_html(plots.love_plot(ev.balance_), text)._repr_html_()
    assert out.startswith("<figure><img src='data:image/png;base64,")
    assert f'alt="{text}"' in out and f"<figcaption>{text}</figcaption>" in out


def test_programme_report_header(rep):
    header = rep.header()._repr_html_()
    assert f"Intervention evaluation: {CYC}" in header
    assert "Publication edition" in header and rep.min_count == 5
    assert "Northwold, Wexcombe (X03, X05)" in header
    assert "SYNTHETIC DATA" in header
    with pytest.raises(cohort.CohortError, match="not in the data"):
        cohort.ProgrammeReport(rep.data, CYC, ["X99"], title="x")


def test_small_offending_counts_are_not_published(rep, demo):
    """Two participants had an offence in the demo data: the outcome rows, the sensitivity
    rows, the power rows that use participants' events and the evidence text hide every
    figure that would reveal the 2."""
    _, ev = demo
    res = results_table(rep, ev)
    hidden = res[res["Participants"] == "[c]"]
    assert set(res.attrs["hidden"]) == {"first_formal_outcome", "proven_offences", "time_to_first_offence"}
    assert len(hidden) == 3 and hidden["Result"].str.startswith("Inconclusive: fewer than 5").all()
    att = res[res["Outcome"].str.startswith("School attendance")].iloc[0]
    assert att["Result"].startswith("Increased school attendance by between")
    text = evidence_text(rep, ev, res)
    assert "2 participants" not in text and "n x p = 2" not in text
    pw = power_table(rep, ev, res).set_index("Outcome")
    hr = ev.outcomes_.set_index("outcome").loc["time_to_first_offence", "label"]
    assert pw.loc[hr, "Smallest detectable difference"] == "[c]"
    assert (sensitivity_table(rep, ev, "first_formal_outcome", res)["Estimate (95% CI)"] == "[c]").all()
    assert sensitivity_rows(rep, ev, "first_formal_outcome", res)["estimate"].isna().all()
    assert sensitivity_rows(rep, ev, "attendance_change", res)["estimate"].notna().all()


def test_management_edition_shows_every_figure(demo):
    data, ev = demo
    rep = cohort.ProgrammeReport(data, CYC, ev.authorities_, title="Intervention evaluation")
    assert rep.edition == "management" and rep.min_count == 0
    assert "Management information: not for publication" in rep.header()._repr_html_()
    res = results_table(rep, ev)
    assert res.attrs["hidden"] == [] and (res["Participants"] != "[c]").all()
    assert "2 participants offended, fewer than 30" in evidence_text(rep, ev, res)
    assert sensitivity_rows(rep, ev, "first_formal_outcome", res)["estimate"].notna().all()
    assert rep.file_stem == "intervention_evaluation_community_youth_connectors_all_management"


def test_flow_table_protects_small_exclusions(rep, demo):
    _, ev = demo
    prot, shown = flow_table(rep, ev)
    assert shown["n"].tolist()[0] == "564" and shown["n"].tolist()[-1] == "417"
    assert plots.flow_plot_text(shown).endswith("Analysed (matched participants): 417.")


def test_notebook_parameters():
    import papermill

    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert {"programme", "authorities", "period", "participants_file", "store", "output_dir", "policy"} == \
        set(params)
    assert params["programme"]["default"] == '"Community Youth Connectors"'
    assert all(p["inferred_type_name"] == "str" for p in params.values())
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].metadata.get("tags") == ["parameters"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_published_figures_copied_with_provenance():
    from cohort.report import published_figures

    facts = published_figures().set_index("fact")["value"]
    assert facts["cyc_children_one_to_one_2023_24"] == 94
    assert facts["cyc_attendance_change_pct_points"] == 6.5
    provenance = (Path(cohort.__file__).parent / "data" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "## sefton_cohort_facts_2023_24.csv" in provenance
    pd.testing.assert_frame_equal(
        pd.read_csv(Path(__file__).parent / "data" / "sefton_cohort_facts_2023_24.csv", comment="#"),
        pd.read_csv(Path(cohort.__file__).parent / "data" / "sefton_cohort_facts_2023_24.csv"))
