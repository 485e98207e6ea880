"""Representation and the relative rate index (RRI) by decision point."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort._validate import check_choice
from cohort.cohortdata import CohortData
from cohort.measures._common import TIDY_COLUMNS
from cohort.measures.disproportionality.denominators import (
    GROUP_SEPARATOR,
    group_labels,
    group_population,
)
from cohort.measures.disproportionality.stages import resolve_stages, stage_membership
from cohort.periods import (
    calendar_year_bounds,
    financial_year,
    financial_year_bounds,
    latest_quarter,
    quarter,
    quarter_label,
    rolling_12_months,
)
from cohort.stats import proportion_ci, rate_ci, rate_ratio

__all__ = ["GROUP_VARIABLES", "RRI_COLUMNS", "disproportionality", "period_window"]

#: Characteristics of children the engine can compare (alone or crossed).
GROUP_VARIABLES: tuple[str, ...] = ("ethnicity", "sex", "age_band", "send_level", "care_status")

Denominator = Literal["stage", "population"]
Method = Literal["auto", "katz", "exact"]

#: Columns after the tidy contract, in order.
RRI_COLUMNS: tuple[str, ...] = (
    "reference_numerator", "reference_denominator", "reference_estimate",
    "relative_rate", "relative_lower", "relative_upper", "relative_method", "p_value",
    "significant", "stage_total", "share", "share_lower", "share_upper", "population",
    "population_share", "representation_ratio", "representation_lower", "representation_upper",
    "population_year", "population_source", "calculable", "reason",
)

PeriodLike = str | int | pd.Period | tuple


def period_window(period: PeriodLike | None, data: CohortData | None = None):
    """First day, last day and label of a period argument.

    ``"2024/25"`` is a financial year, ``2024`` a calendar year, a quarter
    (``"2025/26 Q4"`` or a ``Q-MAR`` Period) the 12 months ending with it, a
    pair ``(first, last)`` of any of these the span from the first's start
    to the last's end, and ``None`` the 12 months ending with the data's
    latest complete quarter.

    Examples
    --------
    >>> s, e, label = period_window("2024/25")
    >>> s.date().isoformat(), e.date().isoformat(), label
    ('2024-04-01', '2025-03-31', '2024/25')
    >>> period_window(("2022/23", "2024/25"))[2]
    '2022/23 to 2024/25'
    >>> period_window("2025/26 Q2")[2]
    '12 months to 2025/26 Q2'
    >>> period_window(("2023/24 Q4", "2025/26 Q4"))[2]
    'April 2023 to March 2026'
    """
    if period is None:
        if data is None:
            raise ValueError("period=None needs data to take its latest quarter from")
        period = latest_quarter(data)
    if isinstance(period, tuple | list):
        if len(period) != 2:
            raise ValueError(f"a period span is a pair (first, last); got {period!r}")
        a, b = period_window(period[0]), period_window(period[1])
        if b[1] < a[0]:
            raise ValueError(f"period span {period!r} ends before it starts")
        if all(re.fullmatch(r"\d{4}/\d{2}|\d{4}", x) for x in (a[2], b[2])):
            return a[0], b[1], f"{a[2]} to {b[2]}"
        return a[0], b[1], f"{a[0]:%B %Y} to {b[1]:%B %Y}"
    if isinstance(period, bool):
        raise ValueError(f"not a period: {period!r}")
    if isinstance(period, int | np.integer):
        s, e = calendar_year_bounds(int(period))
        return s, e, str(int(period))
    if isinstance(period, str) and re.fullmatch(r"\s*(FY\s*)?\d{4}\s*[/\-\u2013]\s*\d{2,4}\s*",
                                                period):
        s, e = financial_year_bounds(period)
        return s, e, financial_year(period)
    if isinstance(period, str) and re.fullmatch(r"\s*\d{4}\s*", period):
        s, e = calendar_year_bounds(period)
        return s, e, period.strip()
    q = quarter(period)
    s, e = rolling_12_months(q)
    return s, e, f"12 months to {quarter_label(q)}"


def _as_group(group: str | Sequence[str]) -> tuple[str, ...]:
    g = (group,) if isinstance(group, str) else tuple(group)
    bad = [x for x in g if x not in GROUP_VARIABLES]
    if not g or bad:
        raise ValueError(
            f"group must be one of {', '.join(map(repr, GROUP_VARIABLES))} or a tuple of them "
            f"(an intersection such as ('ethnicity', 'sex')); got {group!r}"
        )
    if len(set(g)) != len(g):
        raise ValueError(f"group lists a characteristic twice: {group!r}")
    return g


def _reference_label(reference, group: tuple[str, ...]) -> str | None:
    if reference is None:
        return None
    ref = (reference,) if isinstance(reference, str) else tuple(reference)
    if len(ref) != len(group):
        raise ValueError(
            f"reference {reference!r} must name one value of each of {group!r}, e.g. "
            f"{('White', 'Male')[:len(group)]!r}"
        )
    return GROUP_SEPARATOR.join(map(str, ref))


def disproportionality(
    data: CohortData,
    group: str | Sequence[str] = "ethnicity",
    reference: str | Sequence[str] | None = None,
    stages: Sequence[str] | Mapping[str, str | None] | None = None,
    by: Sequence[str] = ("authority_code",),
    period: PeriodLike | None = None,
    denominator: Denominator = "stage",
    population: pd.DataFrame | None = None,
    combine: Mapping[str, Sequence[str]] | None = None,
    min_count: int = 50,
    min_population_share: float = 0.01,
    method: Method = "auto",
    level: float = 0.95,
) -> pd.DataFrame:
    """Representation and relative rate index (RRI) of groups of children by decision point.

    Parameters
    ----------
    data : CohortData
        ``children``, ``offences``, ``interventions`` (remand) and, for the
        population stage, ``population`` (or pass ``population``).
    group : str or tuple of str, default "ethnicity"
        ``"ethnicity"``, ``"sex"``, ``"age_band"``, ``"send_level"``,
        ``"care_status"``, or a tuple of them for an intersection
        (``("ethnicity", "sex")``: group values such as ``"Black, Male"``).
    reference : str or tuple of str, optional
        The comparison group (a tuple for an intersection). Default: the
        largest group in the population (White for ethnicity), or at the
        first case stage when the characteristic has no population count.
    stages : list of str or dict, optional
        Decision points from
        :data:`~cohort.measures.disproportionality.stages.STAGES`; default
        ``population -> offence -> first_time_entrant, court; court ->
        remand, custody``. A list feeds each stage from its own feeding
        stage, or the nearest earlier one listed; a dict names each stage's
        feeding stage (see
        :func:`~cohort.measures.disproportionality.stages.resolve_stages`).
    by : sequence of str, default ("authority_code",)
        ``("authority_code",)`` for one block per authority, ``()`` for all
        authorities in the data together (populations summed).
    period : str, int, Period or pair, optional
        ``"2024/25"`` (financial year), ``2024`` (calendar year), a quarter
        (the 12 months ending with it), or ``(first, last)`` for a longer
        span; default the 12 months to the data's latest complete quarter.
        Children are counted once per stage over the whole period.
    denominator : {"stage", "population"}, default "stage"
        ``"stage"``: each stage's rate is over the children at its feeding
        stage, so each RRI isolates that decision (OJJDP). ``"population"``:
        every stage over the population aged 10-17, so the RRI is the
        cumulative disparity up to that point (Burns Institute).
    population : pandas.DataFrame, optional
        A ``population`` table to use instead of ``data.population`` (e.g.
        :func:`cohort.population.census_ethnicity`).
    combine : dict, optional
        Groups to report together, e.g. ``{"Black, Asian and minority ethnic":
        ["Asian", "Black", "Mixed", "Other"]}``: applied to the children and
        the population alike (one characteristic only).
    min_count : int, default 50
        A relative rate is calculable only when the group and the reference
        each have at least this many children at the stage.
    min_population_share : float, default 0.01
        ... and when the group is at least this share of the population
        aged 10-17 (groups under 1% are not analysed separately: OJJDP DMC
        guidance).
    method : {"auto", "katz", "exact"}, default "auto"
        Interval and test of the relative rate. ``"katz"``: log intervals
        (Katz for stage rates, Poisson-log for population rates) with a Wald
        p-value. ``"exact"``: Fisher's exact test with the
        Miettinen-Nurminen interval for stage rates; the conditional
        binomial test and exact interval for population rates. ``"auto"``:
        log intervals where the rate is calculable, exact otherwise.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (authority,) stage and group value (the reference
        included), in stage order:

        - ``authority_code`` (when in ``by``), ``period``, ``period_start``,
          ``period_end``;
        - ``stage``, ``stage_label``, ``denominator_stage`` (the feeding
          stage, or ``"population"``);
        - ``group_variable`` (e.g. ``"ethnicity"`` or ``"ethnicity x sex"``),
          ``group_value``, ``reference``;
        - ``numerator``: children of the group at the stage;
          ``denominator``: children of the group at the feeding stage (or
          in the population); ``estimate``: ``numerator / denominator``;
          ``lower``, ``upper``: its interval; ``method``: ``"wilson"`` for
          stage rates, ``"exact"`` or ``"byar"`` (PHE rule) for population
          rates; ``confidence``;
        - ``reference_numerator``, ``reference_denominator``,
          ``reference_estimate``: the same for the reference group;
        - ``relative_rate`` (the RRI: ``estimate / reference_estimate``),
          ``relative_lower``, ``relative_upper``, ``relative_method``
          (``"katz"``, ``"poisson-log"``, ``"miettinen-nurminen"`` or
          ``"conditional-binomial"``), ``p_value`` (two-sided, for
          ``relative_rate = 1``: Wald, Fisher's exact or the conditional
          binomial test, as the method), ``significant`` (``p_value <
          1 - level``; ``<NA>`` where there is no test);
        - ``stage_total``: children at the stage in every group (Unknown
          included); ``share``: ``numerator / stage_total`` with its Wilson
          interval ``share_lower``, ``share_upper``;
        - ``population``, ``population_share``: the group's population aged
          10-17 and its share of the population of known groups;
          ``representation_ratio``: the group's share of the children at
          the stage whose value is known, divided by ``population_share``,
          with ``representation_lower``, ``representation_upper``;
        - ``population_year``, ``population_source``: which population;
        - ``calculable``: False when the group or the reference has fewer
          than ``min_count`` children at the stage, when the group is under
          ``min_population_share`` of the population, or when there is no
          denominator; ``reason`` says which (else missing). The estimate
          and its (exact) interval are returned all the same: read them, do
          not hide them.

    Raises
    ------
    ValueError
        Unknown group, stage, ``by``, ``denominator`` or ``method``; a
        reference that is not a value of the group; a malformed period.

    Notes
    -----
    For group :math:`g` and reference :math:`r` at a stage with feeding
    stage :math:`f`, :math:`RRI = (a_g / n_g) / (a_r / n_r)` where
    :math:`a` counts children at the stage and :math:`n` children at the
    feeding stage (OJJDP relative rate index). The interval is
    :math:`\\exp(\\ln RRI \\pm z\\,SE)` with :math:`SE = \\sqrt{1/a_g -
    1/n_g + 1/a_r - 1/n_r}` (Katz et al. 1978) for stage rates and
    :math:`\\sqrt{1/a_g + 1/a_r}` for rates over the population (METHODS.md
    section 4); exact methods are those of :func:`cohort.stats.rate_ratio`.
    Population stages use rates (Poisson) because the population is a count
    of children at risk over the whole period.

    Representation compares the share :math:`s = a_g / A_{known}` of the
    children at a stage whose value is known with the group's share of the
    population :math:`\\pi_g = P_g / P`: ratio :math:`s / \\pi_g`, interval
    the Wilson interval of :math:`s` divided by :math:`\\pi_g`. Census and
    ONS counts are treated as fixed (they are full counts, not samples).
    Children whose value is Unknown are reported on their own line (share of
    all children at the stage); they have no population or representation
    ratio, and their relative rate is calculable only at case stages.

    The population of a period is the mid-year estimate of the calendar year
    before the period ends, or the nearest earlier one in the table (Census
    2021 for ethnicity in real authorities); ``population_year`` records
    it. Over a span of several years, children are counted once, so
    population-stage rates are per child over the span, not per year.

    Validated against METHODS.md section 4 (custody given conviction 12/60
    vs 20/200: RRI 2.00, Katz 1.04-3.85, Fisher p = 0.046; first time
    entrants 30/2,000 vs 100/20,000: 3.00, Poisson-log 1.99-4.51, exact
    1.93-4.55; the three-stage matrix), the Census 2021 Wirral figures, and
    the planted rates of the synthetic data (``tests/test_disproportionality.py``).

    References
    ----------
    Office of Juvenile Justice and Delinquency Prevention. *Disproportionate
    Minority Contact Technical Assistance Manual*, 4th ed. (2009), ch. 1.

    Katz, D., Baptista, J., Azen, S. P. & Pike, M. C. (1978). Obtaining
    confidence intervals for the risk ratio in cohort studies.
    *Biometrics*, 34(3), 469-474.

    Youth Justice Board (2021). *Ethnic disproportionality in remand and
    sentencing in the youth justice system*.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=2025, authorities=5, scale=3)
    >>> t = cohort.disproportionality(data, by=(), period=("2022/23", "2024/25"))
    >>> black = t[t["group_value"] == "Black"]
    >>> black[["stage", "numerator", "denominator", "relative_rate", "calculable"]].round(2)
                     stage  numerator  denominator  relative_rate  calculable
    2              offence      455.0      13577.0           2.77        True
    8   first_time_entrant      173.0        455.0           1.16        True
    14               court      164.0        455.0           1.35        True
    20              remand       69.0        164.0           1.23        True
    26             custody       22.0        164.0           1.75       False
    >>> black["reason"].iloc[-1]
    'fewer than 50 children'
    """
    check_choice("denominator", denominator, get_args(Denominator))
    check_choice("method", method, get_args(Method))
    group = _as_group(group)
    ref_label = _reference_label(reference, group)
    by = tuple(by) if not isinstance(by, str) else (by,)
    if by not in ((), ("authority_code",)):
        raise ValueError(
            f"by must be ('authority_code',) or (); got {by!r}. Cross characteristics with "
            "group=('ethnicity', 'sex') instead."
        )
    if min_count < 0:
        raise ValueError(f"min_count must be at least 0; got {min_count!r}")
    start, end, label = period_window(period, data)
    chain = resolve_stages(stages)
    kids = stage_membership(data, start, end)
    kids = kids.assign(group_value=group_labels(kids, group) if len(kids) else pd.Series(
        dtype=object))
    authorities = _authorities(data, kids)
    pop_table = data.population if population is None else population
    pop_cells, sources = group_population(pop_table, authorities, group, end.year - 1)
    if combine:
        recode = _recode(combine, group)
        kids["group_value"] = kids["group_value"].replace(recode)
        pop_cells = pop_cells.assign(group_value=pop_cells["group_value"].replace(recode))

    block = "authority_code" if by else None
    kids = kids.assign(block=kids["authority_code"] if block else "all")
    pop_cells = pop_cells.assign(block=pop_cells["authority_code"] if block else "all")
    if not block:
        # pooled: a population only when every authority has one
        ok = sources["note"].isna().all()
        years = sources["population_year"].dropna().unique()
        sources = pd.DataFrame({
            "block": ["all"],
            "population_year": [int(years.max()) if len(years) else pd.NA],
            "population_source": ["; ".join(sorted(set(sources["population_source"].dropna())))
                                  or None],
            "note": [None if ok else "; ".join(sorted(set(sources["note"].dropna())))],
        })
        if not ok:
            pop_cells = pop_cells.iloc[0:0]
    else:
        sources = sources.rename(columns={"authority_code": "block"})
    sources["population_year"] = sources["population_year"].astype("Int64")
    pop = pop_cells.groupby(["block", "group_value"])["population"].sum(min_count=1)

    stage_names = [s.name for s, _ in chain]
    counts = kids.groupby(["block", "group_value"])[
        list(dict.fromkeys(["offence", *stage_names]))].sum() if len(kids) else None
    blocks = authorities if block else ["all"]
    values = sorted(set(kids["group_value"]) | set(pop_cells["group_value"]))
    if not values:
        values = [ref_label] if ref_label else []

    grid = pd.MultiIndex.from_product([blocks, values], names=["block", "group_value"])
    frames = []
    for stage, feeder in chain:
        f = pd.DataFrame(index=grid).reset_index()
        f["stage"] = stage.name
        f["stage_label"] = stage.label
        feeder_name = "population" if denominator == "population" else feeder
        f["denominator_stage"] = feeder_name
        at = counts[stage.name] if counts is not None else pd.Series(dtype=float)
        f["numerator"] = at.reindex(grid).fillna(0).to_numpy(dtype=float)
        f["population"] = pop.reindex(grid).to_numpy(dtype=float)
        if feeder_name == "population":
            f["denominator"] = f["population"]
        else:
            fed = counts[feeder_name] if counts is not None else pd.Series(dtype=float)
            f["denominator"] = fed.reindex(grid).fillna(0).to_numpy(dtype=float)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out = out.merge(sources, on="block", how="left")
    ref_label = ref_label or _default_reference(out, values)
    if ref_label not in values and len(out):
        raise ValueError(
            f"reference {ref_label!r} is not a value of {' x '.join(group)} in these data; "
            f"values: {', '.join(map(repr, values))}"
        )
    out = _add_statistics(out, ref_label, min_count, min_population_share, method, level)
    out["group_variable"] = " x ".join(group)
    out["reference"] = ref_label
    out["period"] = label
    out["period_start"] = start
    out["period_end"] = end
    if block:
        out["authority_code"] = out["block"]
    lead = ["authority_code"] if block else []
    columns = [*lead, "period", "period_start", "period_end", "stage", "stage_label",
               "denominator_stage", "group_variable", "group_value", "reference",
               *TIDY_COLUMNS, *RRI_COLUMNS]
    order = {n: i for i, n in enumerate(stage_names)}
    out = out.assign(_s=out["stage"].map(order), _g=out["group_value"].map(
        {v: i for i, v in enumerate(_value_order(values, ref_label, group))}))
    keys = ["block", "_s", "_g"]
    return out.sort_values(keys, kind="stable")[columns].reset_index(drop=True)


def _recode(combine: Mapping[str, Sequence[str]], group: tuple[str, ...]) -> dict[str, str]:
    if len(group) != 1:
        raise ValueError("combine applies to one characteristic, not to an intersection")
    recode: dict[str, str] = {}
    for label, members in combine.items():
        if isinstance(members, str):
            raise ValueError(f"combine[{label!r}] must be a list of values, not {members!r}")
        for m in members:
            if m in recode:
                raise ValueError(f"combine puts {m!r} in two groups")
            recode[str(m)] = str(label)
    return recode


def _authorities(data: CohortData, kids: pd.DataFrame) -> list[str]:
    a = data.authorities
    if "authority_code" in a.columns and len(a):
        return sorted(pd.unique(a["authority_code"].astype(str)))
    return sorted(pd.unique(kids["authority_code"].astype(str)))


def _default_reference(out: pd.DataFrame, values: list[str]) -> str:
    pop = out.groupby("group_value")["population"].first()
    if pop.notna().any():
        return str(pop.idxmax())
    first = out[out["stage"] == out["stage"].iloc[0]]
    return str(first.groupby("group_value")["numerator"].sum().idxmax())


def _value_order(values: list[str], ref: str, group: tuple[str, ...]) -> list[str]:
    """Reference first, Unknown(s) last, the rest in a stable readable order."""
    rest = [v for v in values if v != ref]
    return [ref, *sorted(rest, key=lambda v: ("Unknown" in v.split(GROUP_SEPARATOR), v))]


def _add_statistics(out, ref, min_count, min_share, method, level) -> pd.DataFrame:
    out = out.copy()
    key = ["block", "stage"]
    ref_rows = out[out["group_value"] == ref].set_index(key)
    idx = pd.MultiIndex.from_frame(out[key])
    out["reference_numerator"] = ref_rows["numerator"].reindex(idx).to_numpy()
    out["reference_denominator"] = ref_rows["denominator"].reindex(idx).to_numpy()
    is_pop = (out["denominator_stage"] == "population").to_numpy()

    # each group's own rate
    a, n = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    est = np.full(len(out), np.nan)
    lo, hi = est.copy(), est.copy()
    meth = np.full(len(out), None, dtype=object)
    if (~is_pop).any():
        ci = proportion_ci(a[~is_pop], n[~is_pop], level=level)
        est[~is_pop], lo[~is_pop], hi[~is_pop] = (ci[c].to_numpy() for c in
                                                   ("estimate", "lower", "upper"))
        meth[~is_pop] = ci["method"].to_numpy()
    if is_pop.any():
        ci = rate_ci(a[is_pop], n[is_pop], per=1, level=level)
        est[is_pop], lo[is_pop], hi[is_pop] = (ci[c].to_numpy() for c in
                                               ("estimate", "lower", "upper"))
        meth[is_pop] = ci["method"].to_numpy()
    out["estimate"], out["lower"], out["upper"], out["method"] = est, lo, hi, meth
    out["confidence"] = level
    with np.errstate(invalid="ignore", divide="ignore"):
        out["reference_estimate"] = out["reference_numerator"] / out["reference_denominator"]

    # shares of the stage and of the population
    total = out.groupby(key)["numerator"].transform("sum")
    unknown = out["group_value"].str.split(GROUP_SEPARATOR).map(lambda p: "Unknown" in p)
    known_total = out["numerator"].where(~unknown, 0).groupby([out[k] for k in key]).transform(
        "sum")
    out["stage_total"] = total
    share = proportion_ci(out["numerator"].to_numpy(float), total.to_numpy(float), level=level)
    out["share"], out["share_lower"], out["share_upper"] = (share[c].to_numpy() for c in
                                                            ("estimate", "lower", "upper"))
    pop_total = out["population"].where(~unknown).groupby([out[k] for k in key]).transform(
        lambda s: s.sum(min_count=1))
    out["population_share"] = out["population"] / pop_total
    known = proportion_ci(out["numerator"].to_numpy(float),
                          np.where(unknown, np.nan, known_total.to_numpy(float)), level=level)
    ps = out["population_share"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["representation_ratio"] = known["estimate"].to_numpy() / ps
        out["representation_lower"] = known["lower"].to_numpy() / ps
        out["representation_upper"] = known["upper"].to_numpy() / ps

    # calculability
    reasons = pd.DataFrame(index=out.index)
    no_denominator = ~(out["denominator"] > 0)
    reasons["denominator"] = np.where(
        no_denominator & is_pop,
        out["note"].fillna("no population count for this group"), None)
    reasons.loc[no_denominator & ~is_pop, "denominator"] = "no children at the feeding stage"
    reasons["ref_denominator"] = np.where(
        ~(out["reference_denominator"] > 0) & ~no_denominator,
        "no denominator for the reference group", None)
    reasons["count"] = np.where(out["numerator"] < min_count,
                                f"fewer than {min_count} children", None)
    reasons["ref_count"] = np.where(
        (out["reference_numerator"] < min_count) & (out["group_value"] != ref),
        f"fewer than {min_count} {ref} children", None)
    joined = reasons.apply(lambda r: "; ".join(x for x in r if isinstance(x, str)), axis=1)
    out["calculable"] = joined == ""
    out["reason"] = joined.where(joined != "", None)
    # the population share rule applies at every stage of a small group
    small = out.groupby("group_value")["population_share"].transform("max") < min_share
    msg = f"under {min_share:.0%} of the population"
    add = small & ~out["reason"].fillna("").str.contains(re.escape(msg))
    out.loc[add, "reason"] = out.loc[add, "reason"].map(
        lambda r: msg if not isinstance(r, str) else f"{r}; {msg}")
    out.loc[add, "calculable"] = False

    # relative rates
    out = _relative_rates(out, ref, is_pop, method, level)
    return out


def _relative_rates(out, ref, is_pop, method, level) -> pd.DataFrame:
    n = len(out)
    cols = {c: np.full(n, np.nan) for c in ("relative_rate", "relative_lower", "relative_upper",
                                               "p_value")}
    rmeth = np.full(n, None, dtype=object)
    is_ref = (out["group_value"] == ref).to_numpy()
    usable = ((out["denominator"] > 0) & (out["reference_denominator"] > 0)).to_numpy()
    a = out["numerator"].to_numpy(float)
    c = out["reference_numerator"].to_numpy(float)
    n1 = out["denominator"].to_numpy(float)
    n2 = out["reference_denominator"].to_numpy(float)
    # log intervals need events in both groups and not everyone in both
    positive = (a > 0) & (c > 0) & ~((a == n1) & (c == n2))
    calc = out["calculable"].to_numpy(bool)
    if method == "katz":
        exact = np.zeros(n, dtype=bool)
    elif method == "exact":
        exact = np.ones(n, dtype=bool)
    else:
        exact = ~(calc & positive)
    for pop_stage in (False, True):
        for use_exact in (False, True):
            rows = usable & ~is_ref & (is_pop == pop_stage) & (exact == use_exact)
            if not rows.any():
                continue
            rr = rate_ratio(
                a[rows], out["denominator"].to_numpy(float)[rows], c[rows],
                out["reference_denominator"].to_numpy(float)[rows],
                kind="rate" if pop_stage else "risk",
                method="exact" if use_exact else "katz", level=level,
            )
            cols["relative_rate"][rows] = rr["estimate"].to_numpy()
            cols["relative_lower"][rows] = rr["lower"].to_numpy()
            cols["relative_upper"][rows] = rr["upper"].to_numpy()
            cols["p_value"][rows] = rr["p_value"].to_numpy()
            rmeth[rows] = rr["method"].to_numpy()
    ref_rows = is_ref & usable & (out["reference_numerator"].to_numpy(float) > 0)
    cols["relative_rate"][ref_rows] = 1.0
    for k, v in cols.items():
        out[k] = v
    out["relative_method"] = rmeth
    alpha = 1 - level
    sig = pd.array(out["p_value"] < alpha, dtype="boolean")
    sig[np.isnan(out["p_value"].to_numpy())] = pd.NA
    out["significant"] = sig
    return out
