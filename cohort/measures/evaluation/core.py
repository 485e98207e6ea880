"""The :class:`Evaluation` estimator and :func:`evaluate`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.measures.evaluation import flow as _flow
from cohort.measures.evaluation import matching as _matching
from cohort.measures.evaluation import outcomes as _outcomes
from cohort.measures.evaluation.power import power_table
from cohort.measures.evaluation.sensitivity import SENSITIVITY_COLUMNS, SENSITIVITY_SPECS, e_value
from cohort.measures.evaluation.spec import (
    DEFAULT_TARGETS,
    Comparison,
    as_comparison,
    as_covariates,
    as_match,
    as_outcomes,
    as_period,
    load_gate,
    match_label,
    months,
)


class Evaluation:
    """A matched (Justice Data Lab style) evaluation of one programme.

    Configuration goes to the constructor; :meth:`fit` reads the data and
    returns the evaluation, whose fitted tables end in ``_``. Most callers
    use :func:`cohort.evaluate`, which does both.

    Parameters
    ----------
    programme : str
        The programme as named in the ``interventions`` table (e.g.
        ``"Community Youth Connectors"``).
    authorities : sequence of str, optional
        Authorities the programme ran in; default those of its participants.
    period : str or (date, date), optional
        Window of programme start dates: a financial year ``"2023/24"``, a
        range ``"2022/23 to 2024/25"``, ``"2022-09-01 to 2024-08-31"`` or a
        pair of dates. Default every start.
    outcomes : sequence of str, optional
        Any of :data:`~cohort.measures.evaluation.OUTCOMES`; default all
        that the data allow (``attendance_change`` needs the ``attendance``
        table and is left out without it; asked for by name, it is an error).
    covariates : sequence of str, optional
        Propensity-model covariates: ``age`` (at the start),
        ``baseline_attendance`` (the year before) and any ``children``
        column; default :data:`~cohort.measures.evaluation.DEFAULT_COVARIATES`.
    comparison : Comparison or dict, optional
        Who may be compared (see :class:`Comparison`).
    follow_up : str, default "12M"
        Follow-up after the start for the offending outcomes.
    waiting : str, default "6M"
        Further time for an offence in the follow-up to be proven (MoJ
        proven reoffending convention); participants whose follow-up and
        waiting period have not ended by the end of the data are excluded.
    match : dict, optional
        ``method`` ("nearest" or "radius"), ``k``, ``replace``, ``caliper``
        (SD of the logit); default 1:3 nearest neighbour with replacement,
        caliper 0.2 (METHODS.md section 6; 1:3 rather than 1:1 because the
        pool is many times the participants, as in the JDL's one-to-many
        comparisons: see docs/evaluation.md).
    gate : str or dict, default "justice_data_lab"
        When a difference may be called significant
        (``cohort/data/evaluation_gates.yaml``).
    targets : dict, optional
        Stated effects for the power table (see
        :data:`~cohort.measures.evaluation.DEFAULT_TARGETS`).
    sensitivity : bool, default True
        Re-estimate under the other matching specifications.
    level : float, default 0.95
        Confidence level.
    power : float, default 0.8
        Power for the minimum detectable differences.

    Attributes
    ----------
    flow_ : DataFrame
        CONSORT-style flow (``step``, ``stage``, ``description``, ``n``,
        ``remaining``): submitted = analysed + each exclusion.
    pool_ : DataFrame
        The comparison pool's definition, step by step (``step``,
        ``criterion``, ``description``, ``remaining``).
    strata_ : DataFrame
        Participants, pool and matched numbers per authority and programme
        year (``stratum``, ``authority_code``, ``cohort_year``,
        ``academic_year``, ``participants``, ``pool``, ``matched``).
    propensity_ : DataFrame
        Each covariate and whether (and how) it entered the model
        (``covariate``, ``label``, ``in_model``, ``note``).
    propensity_model_ : DataFrame
        The propensity model's odds ratios of taking part
        (:func:`cohort.stats.logistic`): ``term``, ``label``, ``odds_ratio``,
        ``lower``, ``upper`` (Wald), ``method``, ``confidence``, ``p_value``,
        ``sparse`` and ``separation`` flags. Reference levels: White, no SEN,
        not looked after, where present.
    matching_ : DataFrame
        ``quantity``, ``description``, ``value``: group sizes, c statistic,
        caliper width, matched numbers, effective comparison size, reuse.
    balance_ : DataFrame
        :func:`cohort.stats.balance_table` before and after matching, with a
        readable ``label``.
    support_, overlap_ : DataFrame
        Spread of propensity scores per group, and binned logit scores
        (shares) for the overlap plot.
    outcomes_ : DataFrame
        One row per outcome: ``outcome``, ``numerator`` (participants with
        the event; proven offences; participants with attendance),
        ``denominator`` (matched participants), ``estimate``, ``lower``,
        ``upper`` (participants minus comparison; percentage points for the
        first formal outcome and attendance, offences per child, or a hazard
        ratio), ``method``, ``confidence``, then ``label``, ``measure``,
        ``unit``, ``treated_value``, ``control_value``, ``std_error``,
        ``p_value``, ``n_treated``, ``n_control``, ``ess_control``,
        ``control_events``, ``significant`` (the gate), ``gate`` (why not),
        ``verdict`` (a sentence).
    events_ : DataFrame
        Children with an offence leading to a formal outcome, and proven
        offences, per matched group (``outcome``, ``group``, then the tidy
        columns): the counts that disclosure control checks.
    naive_ : DataFrame
        The same outcomes without matching (every participant against the
        whole eligible pool), to show what matching changed.
    attendance_ : DataFrame
        Mean attendance the year before and in the programme year.
    survival_ : DataFrame
        Kaplan-Meier curves, participants and matched comparisons.
    power_ : DataFrame
        Minimum detectable differences at the group sizes and base rates at
        hand, and the participants needed for the stated effects.
    sensitivity_ : DataFrame
        The outcomes under other calipers, 1:k ratios, without replacement,
        radius matching and no matching (``specification``, ``outcome``,
        the interval columns, ``p_value``, group sizes, ``numerator`` and
        ``control_events`` as in ``outcomes_``, ``max_abs_smd``: the worst
        balance of each, ``significant``).
    e_value_ : DataFrame
        E-value of the main offending outcome's hazard ratio
        (:func:`~cohort.measures.evaluation.e_value`).
    units_ : DataFrame
        One row per participant and pool child-year with covariates,
        outcomes, propensity and weight. Holds pseudonymous identifiers:
        for analysis, never for a report.

    Notes
    -----
    Participants are followed from their programme start; a comparison
    child from the median start date of the participants of the same
    authority and academic year (its *reference date*). Matching is exact
    on authority and academic year (``comparison.within="authority"``) and
    nearest-neighbour on the logit of a logistic propensity score
    (:func:`cohort.stats.propensity_score`, :func:`cohort.stats.match`).
    Differences in proportions and means are weighted least squares with
    robust errors (:func:`cohort.stats.matched_effect`); the hazard ratio is
    a Cox model stratified by matched set on the matched sets in long form
    (a comparison used twice appears twice), and the Kaplan-Meier curves use
    the same long form. The attendance outcome is the matched difference in
    differences: each child's change from the year before to the programme
    year, participants minus comparisons. The significance gate and the
    wording follow the Justice Data Lab (METHODS.md section 6): a result is
    significant only with p <= 0.05, at least 60 matched participants and,
    for offending outcomes, n x p >= 10 and at least 30 participants who
    offended; otherwise it is *inconclusive* and its interval is given.

    Validated in ``tests/test_evaluation_recovery.py`` on synthetic data
    with a planted effect and planted selection: the attendance interval
    covers the planted effect, the hazard ratio recovers 0.5 at scale 10,
    the naive comparison is biased as the selection implies, and the
    attendance interval covers the true effect in 90-99% of 100 seeds.

    References
    ----------
    Ministry of Justice (2013). *Justice Data Lab methodology paper*.

    Austin, P. C. (2011). Optimal caliper widths for propensity-score
    matching when estimating differences in means and differences in
    proportions in observational studies. *Pharmaceutical Statistics*,
    10(2), 150-161.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=3, authorities=1, scale=0.3)
    >>> ev = Evaluation("Community Youth Connectors", outcomes=["attendance_change"]).fit(data)
    >>> ev
    <Evaluation of Community Youth Connectors: 64 of 66 participants matched to 140 comparison children; 1 participant with an offence; 1 outcome>
    >>> int(ev.flow_["n"].iloc[0]) == int(ev.flow_["n"].iloc[1:-1].sum()) + int(ev.flow_["n"].iloc[-1])
    True
    """

    def __init__(
        self,
        programme: str,
        *,
        authorities: Sequence[str] | str | None = None,
        period: object = None,
        outcomes: Sequence[str] | None = None,
        covariates: Sequence[str] | None = None,
        comparison: Comparison | Mapping[str, Any] | None = None,
        follow_up: str = "12M",
        waiting: str = "6M",
        match: Mapping[str, Any] | None = None,
        gate: str | Mapping[str, Any] = "justice_data_lab",
        targets: Mapping[str, float] | None = None,
        sensitivity: bool = True,
        level: float = 0.95,
        power: float = 0.8,
    ):
        if not isinstance(programme, str) or not programme.strip():
            raise ValueError(f"programme must be a programme name; got {programme!r}")
        self.programme = programme
        if isinstance(authorities, str):
            authorities = [a.strip() for a in authorities.split(",") if a.strip()] or None
        self.authorities = None if authorities is None else list(authorities)
        self.period = as_period(period)
        self.outcomes = as_outcomes(outcomes)
        self._outcomes_given = outcomes is not None
        self.covariates = covariates
        self.comparison = as_comparison(comparison)
        self.follow_up_months = months(follow_up, "follow_up")
        self.waiting_months = months(waiting, "waiting")
        self.match = as_match(match)
        self.gate = load_gate(gate)
        unknown = sorted(set(targets or {}) - set(DEFAULT_TARGETS))
        if unknown:
            raise ValueError(f"unknown target outcome(s) {unknown}; valid ones are {sorted(DEFAULT_TARGETS)}")
        self.targets = {**DEFAULT_TARGETS, **dict(targets or {})}
        self.sensitivity = bool(sensitivity)
        if not 0 < level < 1 or not 0 < power < 1:
            raise ValueError(f"level and power must be between 0 and 1; got {level!r}, {power!r}")
        self.level = float(level)
        self.power = float(power)
        self._fitted = False

    # ------------------------------------------------------------------ fit

    def fit(self, data: CohortData, participants: object = None) -> Evaluation:
        """Build the flow and the pool, match, and estimate every outcome.

        Parameters
        ----------
        data : CohortData
            Needs ``children``, ``interventions`` and ``offences``, and
            ``attendance`` for the attendance outcome and covariate.
        participants : DataFrame or list of str, optional
            The submitted participant list: pseudonymous ``child_id`` and,
            optionally, ``start_date`` (as :func:`cohort.read_participants`
            returns), or a list of ids. Default: everyone with an episode of
            the programme in the ``interventions`` table.

        Returns
        -------
        Evaluation
            ``self``, fitted.
        """
        outcomes = self.outcomes
        has_attendance = not data.attendance.empty
        if "attendance_change" in outcomes and not has_attendance:
            if self._outcomes_given:
                raise CohortError("the attendance outcome needs the attendance table, which is empty; "
                                  "leave 'attendance_change' out of outcomes")
            outcomes = tuple(o for o in outcomes if o != "attendance_change")
        self.outcomes_used_ = outcomes
        covariates = as_covariates(self.covariates, list(data.children.columns))
        if not has_attendance and "baseline_attendance" in covariates:
            covariates = tuple(c for c in covariates if c != "baseline_attendance")
        self.covariates_ = covariates
        u = _flow.build_units(
            data, self.programme, participants, self.authorities, self.period, self.comparison,
            self.follow_up_months, self.waiting_months, "attendance_change" in outcomes, covariates,
        )
        units = u.frame
        scores, self.propensity_, self.propensity_model_ = _matching.fit_scores(units, covariates, self.level)
        units = units.assign(propensity=scores["propensity"], logit=scores["logit"])
        m = _matching.do_match(units, scores, self.match)
        units = units.assign(weight=m.weights["weight"], matched=m.weights["matched"])
        t = units["treated"] == 1
        matched_t = int((units["matched"] & t).sum())
        if matched_t == 0:
            raise CohortError("no participant could be matched to a comparison child within the caliper")
        flow = dict(u.flow, unmatched=int(t.sum()) - matched_t)
        self.flow_ = _flow.flow_table(flow, matched_t)
        self.pool_ = u.pool
        self.as_of_ = u.as_of
        self.authorities_ = sorted(units.loc[t, "authority_code"].unique())
        strata = u.strata.copy()
        strata["matched"] = strata["stratum"].map(units[units["matched"] & t].groupby("stratum").size()) \
            .fillna(0).astype(int)
        self.strata_ = strata
        self.matching_ = _matching.summary(units, scores, m)
        self.balance_ = _matching.balance(units, covariates, units["weight"])
        self.support_ = _matching.support(units, scores, m)
        self.overlap_ = _matching.overlap(units, scores, m)
        self.outcomes_ = _outcomes.estimate_outcomes(units, m, outcomes, self.gate, self.level,
                                                     self.follow_up_months)
        self.events_ = _outcomes.event_counts(units, m, outcomes, self.level)
        self.naive_ = _outcomes.naive_outcomes(units, outcomes, self.gate, self.level, self.follow_up_months)
        self.attendance_ = _outcomes.attendance_table(units, m) if "attendance_change" in outcomes \
            else pd.DataFrame(columns=["group", "year", "n", "mean"])
        self.survival_ = _outcomes.survival_curves(units, m, self.level) \
            if "time_to_first_offence" in outcomes else pd.DataFrame()
        self.power_ = power_table(units, units["weight"], self.outcomes_, self.targets, self.level, self.power)
        self.sensitivity_ = self._sensitivity(units, scores) if self.sensitivity else \
            pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
        self.e_value_ = self._e_value()
        self.units_ = units
        self._matched = m
        self._fitted = True
        return self

    def _sensitivity(self, units: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
        frames = []
        specs = [(f"as analysed ({match_label(self.match)})", dict(self.match))]
        for name, change in SENSITIVITY_SPECS:
            spec = None if change is None else {**self.match, **change}
            if spec is not None and as_match(spec) == self.match:
                continue  # the analysis itself
            specs.append((name, spec))
        for name, spec in specs:
            if spec is None:
                res = self.naive_
                worst = float(self.balance_.loc[self.balance_["sample"] == "before", "smd"].abs().max())
            else:
                spec = as_match(spec)
                try:
                    m = _matching.do_match(units, scores, spec)
                except ValueError:  # e.g. too few comparisons without replacement
                    continue
                if not (m.weights["matched"] & (m.weights["treatment"] == 1)).any():
                    continue
                res = _outcomes.estimate_outcomes(units, m, self.outcomes_used_, self.gate, self.level,
                                                  self.follow_up_months)
                bal = _matching.balance(units, self.covariates_, m.weights["weight"])
                worst = float(bal.loc[bal["sample"] == "after", "smd"].abs().max())
            part = res[["outcome", "estimate", "lower", "upper", "method", "confidence", "p_value",
                        "n_treated", "n_control", "ess_control", "numerator", "control_events",
                        "significant"]].copy()
            part.insert(0, "specification", name)
            part["max_abs_smd"] = worst
            frames.append(part)
        return pd.concat(frames, ignore_index=True).reindex(columns=list(SENSITIVITY_COLUMNS))

    def _e_value(self) -> pd.DataFrame:
        row = self.outcomes_[self.outcomes_["outcome"] == "time_to_first_offence"]
        if row.empty or not np.isfinite(row["estimate"].iloc[0]):
            return pd.DataFrame(columns=["outcome", "measure", "estimate", "lower", "upper", "risk_ratio",
                                         "e_value", "limit", "e_value_limit"])
        r = row.iloc[0]
        ev = e_value(r["estimate"], r["lower"], r["upper"], measure="hazard_ratio", rare=True)
        ev.insert(0, "outcome", "time_to_first_offence")
        return ev

    # ------------------------------------------------------------------ display

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise CohortError("this Evaluation is not fitted yet; call .fit(data) or use cohort.evaluate")

    @property
    def summary(self) -> pd.DataFrame:
        """The outcomes in brief: label, participants, comparison, difference, interval, p, verdict."""
        self._check_fitted()
        cols = ["label", "unit", "treated_value", "control_value", "estimate", "lower", "upper", "p_value",
                "n_treated", "significant", "verdict"]
        return self.outcomes_[cols].reset_index(drop=True)

    def __repr__(self) -> str:
        if not self._fitted:
            return f"<Evaluation of {self.programme} (not fitted)>"
        n_part = int(self.flow_.loc[self.flow_["stage"] == "analysed", "n"].iloc[0])
        q = self.matching_.set_index("quantity")["value"]
        used = self.units_[self.units_["weight"] > 0]
        offended = int(used.loc[used["treated"] == 1, "first_formal_outcome"].sum())
        k = len(self.outcomes_)
        return (f"<Evaluation of {self.programme}: {n_part} of {int(q['participants'])} participants matched "
                f"to {int(q['comparisons_used'])} comparison children; {offended} participant"
                f"{'s' if offended != 1 else ''} with an offence; {k} outcome{'s' if k != 1 else ''}>")

    def _repr_html_(self) -> str:
        if not self._fitted:
            return f"<p>{html.escape(repr(self))}</p>"
        submitted = int(self.flow_["n"].iloc[0])
        analysed = int(self.flow_["n"].iloc[-1])
        worst = self.balance_.loc[self.balance_["sample"] == "after", "smd"].abs().max()
        items = "".join(f"<li><b>{html.escape(r.label)}</b>: {html.escape(r.verdict)}</li>"
                        for r in self.outcomes_.itertuples())
        return (
            f"<div><p><b>Evaluation of {html.escape(self.programme)}</b> in "
            f"{html.escape(', '.join(self.authorities_))}: {analysed} of {submitted} submitted participants "
            f"analysed against a matched comparison ({html.escape(match_label(self.match))}); largest "
            f"standardised difference after matching {worst:.1f}%.</p><ul>{items}</ul></div>"
        )


def evaluate(
    data: CohortData,
    programme: str,
    *,
    participants: object = None,
    **settings: Any,
) -> Evaluation:
    """Evaluate a programme against a matched comparison group (Justice Data Lab style).

    Parameters
    ----------
    data : CohortData
        The store's data (all authorities the programme ran in).
    programme : str
        The programme's name in the ``interventions`` table.
    participants : DataFrame or list of str, optional
        A submitted participant list (see :func:`cohort.read_participants`);
        default the programme's intervention records.
    **settings
        Any parameter of :class:`Evaluation`: ``authorities``, ``period``,
        ``outcomes``, ``covariates``, ``comparison``, ``follow_up``,
        ``waiting``, ``match``, ``gate``, ``targets``, ``sensitivity``,
        ``level``, ``power``.

    Returns
    -------
    Evaluation
        Fitted; its tables are described in :class:`Evaluation`.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=3, authorities=1, scale=0.3)
    >>> ev = cohort.evaluate(data, "Community Youth Connectors", sensitivity=False)
    >>> ev.outcomes_[["outcome", "significant"]]
                      outcome  significant
    0    first_formal_outcome        False
    1         proven_offences        False
    2   time_to_first_offence        False
    3       attendance_change         True
    """
    return Evaluation(programme, **settings).fit(data, participants=participants)
