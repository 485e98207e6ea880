"""Programme-level reports: an evaluation across the authorities a programme ran in.

:class:`ProgrammeReport` is a :class:`~cohort.report.context.Report` whose
scope is a programme, its authorities and a period rather than one
authority's quarter; its tables, disclosure control and closing statement are
the Report's. The functions below turn an :class:`~cohort.measures.evaluation.Evaluation`
into the disclosure-controlled tables an evaluation report shows.
"""

from __future__ import annotations

import html
import importlib.resources
import io
import os
from typing import Any

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.report.context import _HTML, SYNTHETIC_BANNER, Report

__all__ = [
    "ProgrammeReport",
    "attendance_table",
    "balance_table",
    "counts_html",
    "detectability_table",
    "evidence_text",
    "flow_table",
    "power_table",
    "propensity_table",
    "published_figures",
    "published_text",
    "results_table",
    "sensitivity_figure",
    "sensitivity_rows",
    "sensitivity_table",
]


class ProgrammeReport(Report):
    """Context of a programme-level report (e.g. an intervention evaluation).

    Parameters
    ----------
    data : CohortData
        The data (every authority the programme ran in).
    programme : str
        Programme name.
    authorities : sequence of str
        Authority codes the report covers.
    period : str
        Period label for the header (e.g. ``"2022/23 to 2024/25"``); empty
        for every start in the data.
    title, policy, output_dir
        As for :class:`~cohort.report.context.Report` (``policy`` makes the
        edition: ``"management"`` or ``"publication"``).

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=1, authorities=3, scale=0.2)
    >>> rep = ProgrammeReport(data, "Community Youth Connectors", ["X01", "X02"], title="Evaluation")
    >>> rep.authority, rep.quarter
    ('X01+X02', 'all starts')
    """

    def __init__(
        self,
        data: CohortData,
        programme: str,
        authorities,
        period: str = "",
        *,
        title: str,
        policy: str = "management",
        output_dir: str | os.PathLike | None = None,
    ):
        from pathlib import Path

        from cohort.disclosure import load_policy

        codes = set(data.authorities.get("authority_code", pd.Series(dtype=str)))
        authorities = [a for a in authorities]
        missing = sorted(set(authorities) - codes)
        if missing or not authorities:
            raise CohortError(f"authorities {missing or authorities!r} are not in the data; it holds {sorted(codes)}")
        self.data = data
        self.programme = programme
        self.authorities = sorted(authorities)
        self.authority = "+".join(self.authorities)
        self.quarter = period or "all starts"
        self.title = title
        self.policy = load_policy(policy)
        self.output_dir = Path(output_dir) if output_dir else None
        self.protected: dict[str, Any] = {}

    @property
    def _period_text(self) -> str:
        return "every start with a complete follow-up" if self.quarter == "all starts" else self.quarter

    @property
    def min_count(self) -> int:
        """Smallest count a figure may show: the policy's threshold when it suppresses, else 0."""
        return _min_count(self)

    @property
    def file_stem(self) -> str:
        """Stem of the files :meth:`finish` writes: report, programme, period and edition."""
        def slug(text: str) -> str:
            return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")

        period = "all" if self.quarter == "all starts" else slug(self.quarter)
        return f"{slug(self.title.split(':')[0])}_{slug(self.programme)}_{period}_{self.policy.name}"

    @property
    def authority_name(self) -> str:
        a = self.data.authorities.set_index("authority_code")["authority_name"]
        return ", ".join(str(a.get(c, c)) for c in self.authorities)

    def header(self) -> _HTML:
        """Title, programme, authorities, period, data provenance and, for synthetic data, the banner."""
        from cohort import __version__

        banner = f"<div class='cohort-banner'>{html.escape(SYNTHETIC_BANNER)}</div>" if self.data.synthetic else ""
        banner = (f"<p class='cohort-edition cohort-edition-{html.escape(self.edition)}'>"
                  f"{html.escape(self.marking)}</p>{banner}")
        meta = self.data.metadata
        return _HTML(
            f"<h1>{html.escape(self.title)}: {html.escape(self.programme)}</h1>{banner}"
            f"<p><b>Authorities:</b> {html.escape(self.authority_name)} ({html.escape(', '.join(self.authorities))}). "
            f"<b>Programme starts:</b> {html.escape(self._period_text)}.</p>"
            f"<p class='cohort-meta'>Data source: {html.escape(str(meta.get('source', 'unknown')))}. "
            f"Data fingerprint {html.escape(self.fingerprint)}; cohort {html.escape(__version__)}. "
            f"Tables are disclosure-controlled under the policy "
            f"\"{html.escape(self.policy.name)}\" ({html.escape(self.policy.source)}).</p>"
        )


def _min_count(report: Report) -> int:
    """The policy's threshold when it suppresses small counts (publication), else 0 (management)."""
    return 0 if getattr(report.policy, "mitigation", "suppress") == "none" else int(report.policy.threshold)


def published_figures(prefix: str = "cyc_") -> pd.DataFrame:
    """Published project figures shipped in ``cohort/data/sefton_cohort_facts_2023_24.csv``.

    Returns the rows whose ``fact`` starts with ``prefix`` (default the
    Community Youth Connectors project) with ``fact``, ``label`` (readable),
    ``value``, ``note``;
    see ``cohort/data/PROVENANCE.md`` for the source.

    Examples
    --------
    >>> published_figures().set_index("fact").loc["cyc_children_one_to_one_2023_24", "value"]
    np.float64(94.0)
    """
    text = importlib.resources.files("cohort.data").joinpath("sefton_cohort_facts_2023_24.csv").read_text(
        encoding="utf-8")
    facts = pd.read_csv(io.StringIO(text), comment=None)
    facts["value"] = pd.to_numeric(facts["value"], errors="coerce").astype(float)
    facts = facts[facts["fact"].str.startswith(prefix)].reset_index(drop=True)
    facts.insert(1, "label", facts["fact"].map(_FACT_LABELS).fillna(facts["fact"]))
    return facts


_FACT_LABELS = {
    "cyc_children_one_to_one_2023_24": "Girls given one-to-one support, 2023/24",
    "cyc_engagement_rate_pct": "Engagement rate (%)",
    "cyc_attendance_change_pct_points": "Average change in school attendance (points)",
    "cyc_became_known_to_yjs": "Participants who became known to the youth justice service",
}


def _fmt(x: float, unit: str, signed: bool = False) -> str:
    if not np.isfinite(x):
        return ""
    d = 2 if unit in ("offences per child", "hazard ratio") else 1
    return f"{x:+.{d}f}" if signed else f"{x:.{d}f}"


def results_table(report: Report, ev) -> pd.DataFrame:
    """The outcomes as a commissioner reads them, after disclosure control.

    The counts behind the offending outcomes (``ev.events_``) pass through
    :meth:`Report.table`; an outcome whose participant or comparison count is
    suppressed has its values, difference and interval hidden (they would
    reveal the count) and its result says so.

    Returns
    -------
    pandas.DataFrame
        ``Outcome``, ``Participants``, ``Matched comparison``,
        ``Difference (95% CI)``, ``p``, ``Result`` (presentation strings).
    """
    hidden: set[str] = set()
    comparison_hidden: set[str] = set()
    ev_counts = ev.events_
    for outcome, scale in (("first_formal_outcome", "proportion"), ("proven_offences", "rate")):
        part = ev_counts[ev_counts["outcome"] == outcome].reset_index(drop=True)
        if part.empty:
            continue
        prot = report.table(part, f"evaluation_{outcome}", margin="rates", estimate=scale, on_fail="audit",
                            within=None, by=["outcome", "group"])
        sup = prot.suppressed["numerator"].to_numpy()
        if bool(sup.any()):
            hidden.add(outcome)
        if bool(sup[(part["group"] != "Participants").to_numpy()].any()):
            comparison_hidden.add(outcome)
    for group in (hidden, comparison_hidden):  # the hazard ratio rests on the same events
        if "first_formal_outcome" in group:
            group.add("time_to_first_offence")
    rows = []
    threshold = report.policy.threshold
    for r in ev.outcomes_.itertuples(index=False):
        unit = r.unit
        if r.outcome in hidden:
            rows.append({"Outcome": r.label, "Participants": "[c]", "Matched comparison": "[c]",
                         "Difference (95% CI)": "[c]", "p": "[c]",
                         "Result": f"Inconclusive: fewer than {threshold} children in a group had an offence, "
                                   "so the figures are not shown."})
            continue
        if r.measure == "hazard_ratio":
            tv = f"{r.treated_value:.1f}% offended" if np.isfinite(r.treated_value) else ""
            cv = f"{r.control_value:.1f}% offended" if np.isfinite(r.control_value) else ""
            diff = (f"HR {r.estimate:.2f} ({r.lower:.2f} to {r.upper:.2f})" if np.isfinite(r.estimate) else "")
        else:
            suffix = "%" if r.measure == "risk_difference" else (" points" if r.measure ==
                                                                 "difference_in_differences" else "")
            signed = r.measure == "difference_in_differences"
            tv = _fmt(r.treated_value, unit, signed) + suffix
            cv = _fmt(r.control_value, unit, signed) + suffix
            diff = (f"{_fmt(r.estimate, unit, True)} ({_fmt(r.lower, unit, True)} to {_fmt(r.upper, unit, True)})"
                    if np.isfinite(r.estimate) else "")
        p = "" if not np.isfinite(r.p_value) else ("<0.001" if r.p_value < 0.001 else f"{r.p_value:.3f}")
        rows.append({"Outcome": r.label, "Participants": tv, "Matched comparison": cv,
                     "Difference (95% CI)": diff, "p": p, "Result": r.verdict})
    out = pd.DataFrame(rows)
    out.attrs["hidden"] = sorted(hidden)
    out.attrs["comparison_hidden"] = sorted(comparison_hidden)
    return out


def _hidden(results: pd.DataFrame | None, key: str = "hidden") -> set[str]:
    return set() if results is None else set(results.attrs.get(key, []))


def evidence_text(report: Report, ev, results: pd.DataFrame) -> str:
    """What the evidence does and does not show, in Markdown, from the protected results.

    The gate's reasons are given only for outcomes whose counts are
    published; otherwise the reader is told the counts are too small to show.
    """
    hidden = _hidden(results)
    ok = ev.outcomes_[ev.outcomes_["significant"]]
    unclear = ev.outcomes_[~ev.outcomes_["significant"]]
    text = []
    if len(ok):
        text.append("**What it shows.** " + " ".join(f"{r.label}: {r.verdict}" for r in ok.itertuples()))
    if len(unclear):
        parts = []
        for r in unclear.itertuples():
            why = (f"fewer than {report.policy.threshold} children in a group had an offence"
                   if r.outcome in hidden else r.gate)
            parts.append(f"{r.label}: inconclusive ({why}).")
        text.append("**What it cannot show.** " + " ".join(parts) + " Inconclusive is not the same as no effect: "
                    "the data cannot tell either way, and a larger or longer evaluation might find one.")
    naive = ev.naive_.set_index("outcome")
    if "attendance_change" in naive.index:
        a = ev.outcomes_.set_index("outcome").loc["attendance_change"]
        text.append(
            f"**Why matching matters.** Against every eligible non-participant, attendance would seem to have risen "
            f"{naive.loc['attendance_change', 'estimate']:.1f} points more than theirs; against the matched comparison "
            f"the difference is {a['estimate']:.1f}. Participants were chosen partly for low attendance the year "
            "before, which tends to recover by itself (regression to the mean).")
    if "time_to_first_offence" in naive.index and "time_to_first_offence" not in hidden and \
            np.isfinite(naive.loc["time_to_first_offence", "estimate"]):
        h = ev.outcomes_.set_index("outcome").loc["time_to_first_offence"]
        text.append(
            f"Unmatched, participants' hazard of offending would be {naive.loc['time_to_first_offence', 'estimate']:.2f} "
            f"times the others'; matched, it is {h['estimate']:.2f} times: the programme chose children at higher risk.")
    after = ev.balance_[ev.balance_["sample"] == "after"]
    poor = after.loc[after["smd"].abs() >= 10, "label"].tolist()
    if poor:
        text.append(f"**Balance.** After matching, {len(poor)} characteristic(s) still differ by 10% or more "
                    f"({', '.join(poor)}): the groups are not fully alike, so the differences above may partly "
                    "reflect who took part rather than the programme.")
    text.append(
        "**Limits.** Matching balances only what is recorded: if children were chosen on something the data do "
        "not hold (motivation, family support), the comparison can still be biased; the E-value below says how "
        "strong such a hidden difference would need to be. The results describe the participants who could be "
        "matched, in these authorities and years.")
    return "\n\n".join(text)


def counts_html(protected, caption: str, label: str) -> _HTML:
    """A protected one- or two-way count table with its row labels shown, and its footnote."""
    from cohort.report.tables import compact_html

    frame = protected.table.reset_index()
    frame = frame.rename(columns={frame.columns[0]: label})
    foot = protected.footnote() if hasattr(protected, "footnote") else ""
    return _HTML(compact_html(frame, caption) + (f"<p class='cohort-meta'>{html.escape(foot)}</p>" if foot else ""))


def flow_table(report: Report, ev):
    """The participant flow, protected (a partition of the submitted list), and the flow with the
    published counts (``[c]`` where suppressed) for :func:`cohort.plots.flow_plot`."""
    counts = ev.flow_.set_index("description")["n"]
    prot = report.table(counts, "flow", row_total=counts.index[0])
    shown = ev.flow_.assign(n=prot.table.iloc[:, 0].reindex(ev.flow_["description"]).to_numpy())
    return prot, shown


def propensity_table(report: Report, ev) -> pd.DataFrame:
    """Who takes part: the propensity model's odds ratios with 95% intervals.

    In an edition that suppresses small counts, terms resting on a sparse
    cell (fewer than 5 participants or non-participants with that
    characteristic) are shown as ``[c]``.
    """
    rows = []
    for r in ev.propensity_model_.itertuples(index=False):
        hide = report.min_count > 0 and bool(r.sparse)
        if hide:
            odds, p = "[c]", "[c]"
        elif r.separation:
            odds, p = "not estimable (separation)", ""
        else:
            odds = f"{r.odds_ratio:.2f} ({r.lower:.2f} to {r.upper:.2f})"
            p = "<0.001" if r.p_value < 0.001 else f"{r.p_value:.3f}"
        rows.append({"Characteristic": r.label, "Odds ratio of taking part (95% CI)": odds, "p": p})
    return pd.DataFrame(rows)


def balance_table(ev) -> pd.DataFrame:
    """Standardised differences before and after matching, with the JDL band and variance ratio.

    Means are left out: for rare characteristics they would reveal small counts.
    """
    b = ev.balance_
    wide = b.pivot_table(index="label", columns="sample", values="smd", sort=False)
    vr = b[b["sample"] == "after"].set_index("label")["variance_ratio"]
    band = b[b["sample"] == "after"].set_index("label")["band"]
    out = pd.DataFrame({
        "Characteristic": wide.index,
        "Before matching (SMD %)": wide["before"].map(lambda v: f"{v:+.1f}").to_numpy(),
        "After matching (SMD %)": wide["after"].map(lambda v: f"{v:+.1f}").to_numpy(),
        "Band after": band.reindex(wide.index).map({"<5%": "good (<5%)", "5-10%": "acceptable (5-10%)",
                                                    ">10%": "poor (>10%)"}).fillna("").to_numpy(),
        "Variance ratio after": vr.reindex(wide.index).map(lambda v: "" if pd.isna(v) else f"{v:.2f}").to_numpy(),
    })
    return out


def power_table(report: Report, ev, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the comparison could detect: minimum detectable differences and group sizes needed.

    Outcomes whose comparison count is suppressed in ``results`` show no
    base rate or detectable difference, since they would reveal the count.
    """
    hidden = _hidden(results, "comparison_hidden")
    participants_hidden = _hidden(results)
    rows = []
    for r in ev.power_.itertuples(index=False):
        label = ev.outcomes_.set_index("outcome").loc[r.outcome, "label"]
        if r.outcome == "time_to_first_offence":
            base = f"{100 * r.base:.1f}% offended" if np.isfinite(r.base) else ""
            mdd = f"HR {r.minimum_detectable:.2f}" if np.isfinite(r.minimum_detectable) else "not detectable"
            target = f"HR {r.target:.2f}" if np.isfinite(r.target) else ""
        elif r.outcome == "first_formal_outcome":
            base = f"{r.base:.1f}%" if np.isfinite(r.base) else ""
            mdd = (f"{r.minimum_detectable:+.1f} points ({r.minimum_detectable_relative:+.0%})"
                   if np.isfinite(r.minimum_detectable) else "not detectable (even a fall to zero)")
            target = f"{r.target_relative:+.0%} ({r.target:+.2f} points)" if np.isfinite(r.target) else ""
        else:
            base = f"{r.base:.2f}" if np.isfinite(r.base) else ""
            mdd = f"{r.minimum_detectable:.2f}" if np.isfinite(r.minimum_detectable) else ""
            target = f"{r.target:+.2f}" if np.isfinite(r.target) else ""
        power_for = f"{r.power_for_target:.0%}" if np.isfinite(r.power_for_target) else ""
        needed = f"{int(np.ceil(r.n_needed)):,}" if np.isfinite(r.n_needed) else ""
        if r.outcome in hidden:
            base, mdd, target = "[c]", "[c]", "[c]"
        if r.outcome in participants_hidden and r.outcome != "first_formal_outcome":
            # these use the participants' events (the first outcome uses the comparison's rate only)
            base, mdd, power_for, needed = "[c]", "[c]", "[c]", "[c]"
        rows.append({
            "Outcome": label, "Participants": f"{int(r.n_treated)}",
            "Comparison (effective)": f"{r.n_control:.0f}", "Comparison level": base,
            "Smallest detectable difference": mdd, "Stated effect": target,
            "Power for it": power_for,
            "Participants needed": needed,
        })
    return pd.DataFrame(rows)


def sensitivity_rows(report: Report, ev, outcome: str, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """One outcome's rows of ``ev.sensitivity_`` with estimates hidden (``NaN``) where a count is small.

    A row is hidden when the outcome's published counts are suppressed, or,
    in an edition that suppresses small counts, when that specification's
    participant or comparison count of children with an offence is between
    1 and the policy threshold. Use it for
    :func:`cohort.plots.forest_plot`.
    """
    s = ev.sensitivity_[ev.sensitivity_["outcome"] == outcome].reset_index(drop=True).copy()
    threshold = _min_count(report)
    small = pd.Series(False, index=s.index)
    for col in ("numerator", "control_events"):
        if outcome != "attendance_change":
            v = pd.to_numeric(s[col], errors="coerce")
            small |= (v > 0) & (v < threshold)
    if outcome in _hidden(results):
        small[:] = True
    s.loc[small, ["estimate", "lower", "upper", "p_value"]] = np.nan
    s["hidden"] = small
    return s


def sensitivity_table(report: Report, ev, outcome: str, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """One outcome under every matching specification, as presentation strings (``[c]`` where hidden)."""
    s = sensitivity_rows(report, ev, outcome, results)
    unit = ev.outcomes_.set_index("outcome").loc[outcome, "unit"]
    rows = []
    for r in s.itertuples(index=False):
        if r.hidden:
            est = "[c]"
        elif np.isfinite(r.estimate):
            est = f"{_fmt(r.estimate, unit)} ({_fmt(r.lower, unit)} to {_fmt(r.upper, unit)})"
        else:
            est = "no events"
        rows.append({"Matching": r.specification, "Estimate (95% CI)": est,
                     "Participants": f"{int(r.n_treated)}", "Largest |SMD| after": f"{r.max_abs_smd:.1f}%",
                     "Significant (gate)": "yes" if r.significant else "no"})
    return pd.DataFrame(rows)


def attendance_table(ev) -> pd.DataFrame:
    """Mean school attendance (%) the year before and in the programme year, per group
    (empty, with the same columns, when attendance was not evaluated)."""
    columns = ["Group", "Year before", "Programme year"]
    a = ev.attendance_
    if a.empty:
        return pd.DataFrame(columns=columns)
    wide = a.pivot_table(index="group", columns="year", values="mean", sort=False).round(1)
    wide = wide.reset_index().rename(columns={"group": "Group"})
    wide.columns.name = None
    return wide[columns]


def _sd_change(ev) -> float | None:
    """Standard deviation of the yearly change in attendance among the matched children."""
    if "attendance_change" not in set(ev.outcomes_["outcome"]):
        return None
    x = ev.units_.loc[ev.units_["weight"] > 0, "attendance_change"].dropna()
    return float(x.std()) if len(x) > 1 else None


def detectability_table(ev, n: int = 94, base_rates: tuple[float, ...] = (0.01, 0.02, 0.05),
                        comparison_ratios: tuple[float, ...] = (1.0, 5.0)) -> pd.DataFrame:
    """What ``n`` participants could show against a comparison group (presentation strings).

    Uses :func:`cohort.measures.evaluation.detectability`, with the spread of
    yearly attendance changes observed in this evaluation when it has one.
    """
    from cohort.measures.evaluation import detectability

    det = detectability(n, base_rates=base_rates, comparison_ratios=comparison_ratios, sd_change=_sd_change(ev))
    rows = []
    for r in det.itertuples(index=False):
        if r.outcome == "first_formal_outcome":
            change = ("not detectable (even a fall to none)" if not np.isfinite(r.minimum_detectable)
                      else f"{r.minimum_detectable:+.1%} ({r.minimum_detectable_relative:+.0%})")
            rows.append({"Outcome": "Became known (first formal outcome)", "Comparison group": f"{r.n_comparison:.0f} children",
                         "Base rate": f"{r.base:.0%}", "Smallest detectable change": change,
                         f"Chance none of {n} become known with no effect": f"{r.p_none_if_no_effect:.0%}",
                         "Participants needed to detect a halving": f"{r.n_needed_for_target:,.0f}"})
        else:
            rows.append({"Outcome": "Attendance (points)", "Comparison group": f"{r.n_comparison:.0f} children",
                         "Base rate": "", "Smallest detectable change": f"{r.minimum_detectable:+.1f} points",
                         f"Chance none of {n} become known with no effect": "",
                         "Participants needed to detect a halving": f"{r.n_needed_for_target:,.0f} (for +{r.target:g} points)"})
    out = pd.DataFrame(rows)
    out.attrs["detectability"] = det
    return out


def published_text(ev, n: int = 94, base_rate: float = 0.02, ratio: float = 5.0) -> str:
    """What a published result of ``n`` participants with no comparison group can and cannot show
    (Markdown), using this evaluation's data for the attendance spread and the matching's effect."""
    from cohort.measures.evaluation import detectability
    from cohort.stats import proportion_ci

    sd = _sd_change(ev)
    det = detectability(n, base_rates=(base_rate,), comparison_ratios=(1.0, ratio), sd_change=sd)
    zero = proportion_ci(0, n).iloc[0]
    first = det[(det["outcome"] == "first_formal_outcome") & (det["n_comparison"] == ratio * n)].iloc[0]
    text = ["**What the figures can show.** That the project reached the children it meant to reach, and how "
            "their attendance changed."]
    if sd is not None:
        att = det[(det["outcome"] == "attendance_change") & (det["n_comparison"] == n)].iloc[0]
        o = ev.outcomes_.set_index("outcome").loc["attendance_change", "estimate"]
        naive = ev.naive_.set_index("outcome").loc["attendance_change", "estimate"]
        text[0] += (f" With a year-to-year spread of attendance changes of about {sd:.1f} points, {n} children are "
                    f"enough to detect a rise of {att['minimum_detectable']:.1f} points against {n} comparable "
                    "children, so a rise of several points is large enough to measure, **if** there is a "
                    "comparison group.")
        rtm = (f" In this evaluation's data, an unmatched comparison overstates the attendance effect by "
               f"{naive - o:.1f} points.")
    else:
        rtm = ""
    text.append(
        "**What they cannot show.** Without a comparison group, a rise in attendance mixes the project's effect with "
        "regression to the mean (children chosen in a bad year tend to recover anyway) and the year's general "
        f"trend.{rtm} \"No participant became known to the service\" is what one would expect even if the project "
        f"changed nothing: at a base rate of {base_rate:.0%} a year, none of {n} children would become known "
        f"{first['p_none_if_no_effect']:.0%} of the time, and none of {n} is consistent with a true rate of up to "
        f"{zero['upper']:.1%} (95% Wilson interval). Detecting a halving of first entry at that base rate would need "
        f"about {first['n_needed_for_target']:,.0f} participants with {ratio:g} comparison children each: many years "
        "of the project, pooled, and a matched comparison like the one in this report.")
    return "\n\n".join(text)


def sensitivity_figure(report: Report, ev, results: pd.DataFrame | None = None) -> _HTML:
    """Forest plots of every shown outcome under each matching choice, with the text alternative.

    Outcomes whose counts are hidden (or that nobody had) are left out; when
    none is left, a sentence says so instead of an empty figure.
    """
    import matplotlib.pyplot as plt

    from cohort.report import plots

    shown = [o for o in ev.outcomes_["outcome"]
             if sensitivity_rows(report, ev, o, results)["estimate"].notna().iloc[0]]
    if not shown:
        return _HTML("<p>No outcome difference can be shown under the matching choices "
                     "(too few children with an offence, or none).</p>")
    fig, axes = plt.subplots(len(shown), 1, figsize=(10, 2.9 * len(shown)), layout="constrained", squeeze=False)
    texts = []
    info = ev.outcomes_.set_index("outcome")
    for ax, outcome in zip(axes[:, 0], shown, strict=True):
        rows = sensitivity_rows(report, ev, outcome, results)
        label, unit = info.loc[outcome, "label"], info.loc[outcome, "unit"]
        ratio = outcome == "time_to_first_offence"
        plots.forest_plot(rows, ax=ax, title=label.replace(" within 12 months", ""),
                          xlabel=None if ratio else f"Difference ({unit})")
        texts.append(f"{label}: " + plots.forest_plot_text(rows, unit="" if ratio else unit))
    return plots.figure_html(axes[0, 0], " ".join(texts), caption=(
        "Each outcome as analysed (blue, top) and under other matching choices and with no matching (grey), "
        "with 95% confidence intervals; the sensitivity tables below give the figures."))
