"""Disproportionality figures: what they draw, their text alternatives, no global style.

Each figure is checked against the rows it was given: the markers drawn,
hollow where not calculable, the parity line, and numbers in the text
alternative written out here from the same rows.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from cohort import plots
from cohort.cohortdata import CohortData
from cohort.measures.disproportionality import (
    disproportionality,
    relative_rate_table,
    representation_table,
)

RRI = pd.DataFrame({
    "stage": ["Court", "Court", "Custody", "Custody"],
    "group_value": ["Black", "Mixed", "Black", "Mixed"], "reference": "White",
    "estimate": [1.35, np.nan, 1.75, 0.8], "lower": [1.19, np.nan, 1.12, 0.4],
    "upper": [1.55, np.nan, 2.69, 1.6], "confidence": 0.95,
    "note": [None, None, "not calculable (fewer than 50 children)",
             "not calculable (fewer than 50 children)"],
})

SHARES = pd.DataFrame({
    "stage": ["Offence", "Offence", "Court", "Court"],
    "group_value": ["White", "Black", "White", "Black"],
    "estimate": [0.85, 0.15, 0.8, np.nan], "lower": [0.8, 0.1, 0.7, np.nan],
    "upper": [0.9, 0.2, 0.88, np.nan], "population_share": [0.95, 0.05, 0.95, np.nan],
})


def _markers(ax: Axes):
    return [ln for ln in ax.lines if ln.get_marker() not in (None, "None", "") and
            len(ln.get_xdata()) == 1]


def test_rri_forest_draws_each_shown_ratio():
    before = dict(mpl.rcParams)
    ax = plots.rri_forest(RRI)
    assert dict(mpl.rcParams) == before  # no global style
    assert isinstance(ax, Axes) and ax.get_xscale() == "log"
    points = _markers(ax)
    # three ratios shown (Mixed at court is suppressed); hollow = not calculable
    assert sorted(float(p.get_xdata()[0]) for p in points) == [0.8, 1.35, 1.75]
    hollow = {float(p.get_xdata()[0]) for p in points if p.get_markerfacecolor() == "white"}
    assert hollow == {0.8, 1.75}
    parity = [ln for ln in ax.lines if list(ln.get_xdata()) == [1.0, 1.0]]
    assert len(parity) == 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Court", "Custody"]


def test_rri_forest_alt_text_states_the_numbers():
    alt = plots.rri_forest_alt(RRI)
    assert alt.startswith("Relative rate index against White children by decision point")
    assert "Court: Black 1.35 (95% CI 1.19 to 1.55); Mixed not shown." in alt
    assert ("Custody: Black 1.75 (95% CI 1.12 to 2.69; not calculable (fewer than 50 children))") in alt
    findings = plots.rri_findings(RRI)
    assert "Court: Black children 1.35 times as likely as White children" in findings
    assert "read the interval, not the ratio" in findings


def test_representation_and_its_alt_text():
    ax = plots.representation(SHARES)
    bars = [p for p in ax.patches if p.get_width() > 0]
    widths = sorted(round(p.get_width(), 6) for p in bars)
    # population 95% and 5%, shares 85, 80 and 15%; Black at court suppressed ([c])
    assert widths == [5.0, 15.0, 80.0, 85.0, 95.0]
    assert any(t.get_text() == "[c]" for t in ax.texts)
    alt = plots.representation_alt(SHARES)
    assert "White: population 95.0%; Offence 85.0%, Court 80.0%." in alt
    assert "Black: population 5.0%; Offence 15.0%, Court not shown." in alt


def test_with_alt_puts_the_text_on_the_image():
    shown = plots.with_alt(plots.rri_forest(RRI), "A forest plot.")
    data, meta = shown._repr_mimebundle_()
    assert meta == {"image/png": {"alt": "A forest plot."}}
    assert data["text/plain"] == "A forest plot." and len(data["image/png"]) > 1000


@pytest.fixture(autouse=True)
def _close():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_views_of_a_table():
    kids, offs = [], []
    for i, (eth, outcome) in enumerate([("White", "Referral order")] * 60
                                       + [("Black", "Referral order")] * 20
                                       + [("Black", "Community resolution")] * 20
                                       + [("White", "Community resolution")] * 40):
        kids.append({"child_id": f"c{i}", "authority_code": "X01", "birth_month": "2008-01",
                     "sex": "Male", "ethnicity": eth, "send_level": "EHCP",
                     "care_status": "Unknown"})
        offs.append({"offence_id": f"o{i}", "child_id": f"c{i}", "authority_code": "X01",
                     "offence_date": pd.Timestamp("2023-05-01"),
                     "outcome_date": pd.Timestamp("2023-06-01"), "outcome": outcome})
    data = CohortData({"children": pd.DataFrame(kids), "offences": pd.DataFrame(offs)})
    t = disproportionality(data, period="2023/24", stages=["offence", "court"])
    rates = relative_rate_table(t)
    assert rates["stage"].tolist() == ["Court outcome (not out of court)"]
    assert rates["compared_with"].tolist() == ["Proven offence (any outcome)"]
    assert rates[["numerator", "denominator"]].iloc[0].tolist() == [20, 40]
    assert rates["estimate"].iloc[0] == pytest.approx((20 / 40) / (60 / 100))
    shares = representation_table(t)
    # 40 of 140 children at the offence stage, 20 of 80 at court
    assert shares.loc[shares["group_value"] == "Black", "estimate"].tolist() == [40 / 140, 0.25]
    assert isinstance(plots.rri_forest(rates), Axes)
    assert isinstance(plots.representation(shares), Axes)
