"""Tests for cohort.stats.survival.

The reference data set is the Freireich et al. (1963) 6-MP leukaemia trial as
tabulated by Gehan (1965): weeks in remission for 21 children on 6-MP (12
censored, tied event times) and 21 on placebo (no censoring, many ties). It is
printed in many textbooks, e.g. Kleinbaum & Klein, *Survival Analysis: A
Self-Learning Text*, chapter 1.

Reference values:
- Kaplan-Meier and Greenwood by hand (product-limit loop below);
- R ``summary(survfit(Surv(weeks, relapse) ~ group, data))`` output for the 6-MP
  group as printed in the survival-analysis literature (log-scale intervals);
- Cox placebo vs 6-MP: Breslow ties beta = 1.509 (SE 0.410), Efron ties
  beta = 1.572 (SE 0.412), the coxph values quoted in Kleinbaum & Klein and
  elsewhere; and a Newton-Raphson on the Breslow partial likelihood written here;
- Harrell's C by a brute-force double loop over pairs.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cohort.exceptions import SmallCountWarning
from cohort.stats import concordance_index, cox, kaplan_meier, survival_median

DATA = Path(__file__).parent / "data"
MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_WEEKS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


@pytest.fixture
def leukaemia():
    return pd.DataFrame(
        {
            "weeks": MP_WEEKS + PLACEBO_WEEKS,
            "relapse": MP_RELAPSE + [1] * 21,
            "group": ["6-MP"] * 21 + ["placebo"] * 21,
            "placebo": [0] * 21 + [1] * 21,
        }
    )


def _hand_km(times, events):
    """Product-limit estimate and Greenwood's sum at each distinct time."""
    rows, surv, green = [], 1.0, 0.0
    for t in sorted(set(times)):
        at_risk = sum(1 for u in times if u >= t)
        d = sum(1 for u, e in zip(times, events, strict=True) if u == t and e == 1)
        c = sum(1 for u, e in zip(times, events, strict=True) if u == t and e == 0)
        if d:
            surv *= 1 - d / at_risk
            if at_risk > d:
                green += d / (at_risk * (at_risk - d))
        rows.append((t, at_risk, d, c, surv, green))
    return rows


def test_kaplan_meier_matches_hand_product_limit(leukaemia):
    km = kaplan_meier(leukaemia["weeks"], leukaemia["relapse"], leukaemia["group"])
    for group, frame in leukaemia.groupby("group"):
        mine = km[km["group"] == group].reset_index(drop=True)
        hand = _hand_km(list(frame["weeks"]), list(frame["relapse"]))
        assert len(mine) == len(hand)
        for row, (t, n, d, c, s, g) in zip(mine.itertuples(), hand, strict=True):
            assert (row.time, row.at_risk, row.events, row.censored) == (t, n, d, c)
            assert row.survival == pytest.approx(s, abs=1e-12)
            if 0 < s < 1:
                assert row.std_error == pytest.approx(s * math.sqrt(g), abs=1e-12)
                assert row.lower < row.survival < row.upper


def test_kaplan_meier_log_log_limits_equal_r_survfit():
    """Defect 1 of issue 12: the log-log limits were swapped (lower 0.9853,
    upper 0.4730 at t = 1). R 4.2.2, survival 3.5-3::

        t <- c(1, 2, 2, 3, 5, 6, 8, 9, 10, 12); e <- c(1, 1, 0, 1, 0, 1, 1, 0, 1, 0)
        summary(survfit(Surv(t, e) ~ 1, conf.type = "log-log"), censored = TRUE)
         time n.risk n.event survival   std.err lower 95% CI upper 95% CI
            1     10       1 0.900000 0.0948683     0.473009     0.985281
            2      9       1 0.800000 0.1264911     0.408691     0.945873
            3      7       1 0.685714 0.1514940     0.304585     0.887148
            5      6       0 0.685714 0.1514940     0.304585     0.887148
            6      5       1 0.548571 0.1724378     0.187256     0.806377
            8      4       1 0.411429 0.1755903     0.102511     0.707313
            9      3       0 0.411429 0.1755903     0.102511     0.707313
           10      2       1 0.205714 0.1699034     0.012259     0.566612
           12      1       0 0.205714 0.1699034     0.012259     0.566612
    """
    r = [
        (1, 10, 1, 0.900000, 0.0948683, 0.473009, 0.985281),
        (2, 9, 1, 0.800000, 0.1264911, 0.408691, 0.945873),
        (3, 7, 1, 0.685714, 0.1514940, 0.304585, 0.887148),
        (5, 6, 0, 0.685714, 0.1514940, 0.304585, 0.887148),
        (6, 5, 1, 0.548571, 0.1724378, 0.187256, 0.806377),
        (8, 4, 1, 0.411429, 0.1755903, 0.102511, 0.707313),
        (9, 3, 0, 0.411429, 0.1755903, 0.102511, 0.707313),
        (10, 2, 1, 0.205714, 0.1699034, 0.012259, 0.566612),
        (12, 1, 0, 0.205714, 0.1699034, 0.012259, 0.566612),
    ]
    km = kaplan_meier([1, 2, 2, 3, 5, 6, 8, 9, 10, 12], [1, 1, 0, 1, 0, 1, 1, 0, 1, 0])
    assert (km["method"] == "km-log-log").all()
    for row, (t, n, d, s, se, lo, hi) in zip(km.itertuples(), r, strict=True):
        assert (row.time, row.at_risk, row.events) == (t, n, d)
        assert (row.survival, row.std_error) == pytest.approx((s, se), abs=1e-6)
        assert (row.lower, row.upper) == pytest.approx((lo, hi), abs=1e-6)


def test_kaplan_meier_6mp_log_log_limits_equal_r_survfit(leukaemia):
    """R: ``summary(survfit(Surv(weeks, relapse) ~ 1, conf.type = "log-log"))``
    on the 6-MP arm (reference/survival_km.R)::

         time n.risk n.event survival   std.err lower 95% CI upper 95% CI
            6     21       3 0.857143 0.0763604     0.619718     0.951552
            7     17       1 0.806723 0.0869353     0.563147     0.922809
           10     15       1 0.752941 0.0963497     0.503200     0.889362
           13     12       1 0.690196 0.1068147     0.431610     0.849066
           16     11       1 0.627451 0.1140539     0.367511     0.804912
           22      7       1 0.537815 0.1282338     0.267779     0.746791
           23      6       1 0.448179 0.1345915     0.188052     0.680143
    """
    r = [
        (6, 0.619718, 0.951552),
        (7, 0.563147, 0.922809),
        (10, 0.503200, 0.889362),
        (13, 0.431610, 0.849066),
        (16, 0.367511, 0.804912),
        (22, 0.267779, 0.746791),
        (23, 0.188052, 0.680143),
    ]
    mp = leukaemia[leukaemia["group"] == "6-MP"]
    km = kaplan_meier(mp["weeks"], mp["relapse"])
    events = km[km["events"] > 0].reset_index(drop=True)
    for row, (t, lo, hi) in zip(events.itertuples(), r, strict=True):
        assert row.time == t
        assert (row.lower, row.upper) == pytest.approx((lo, hi), abs=1e-6)


def test_kaplan_meier_6mp_matches_published_survfit_output(leukaemia):
    """R survfit (conf.type = "log") for the 6-MP arm, event times only:
    time n.risk n.event survival std.err lower95 upper95."""
    published = [
        (6, 21, 3, 0.857, 0.0764, 0.720, 1.000),
        (7, 17, 1, 0.807, 0.0869, 0.653, 0.996),
        (10, 15, 1, 0.753, 0.0963, 0.586, 0.968),
        (13, 12, 1, 0.690, 0.1068, 0.510, 0.935),
        (16, 11, 1, 0.627, 0.1141, 0.439, 0.896),
        (22, 7, 1, 0.538, 0.1282, 0.337, 0.858),
        (23, 6, 1, 0.448, 0.1346, 0.249, 0.807),
    ]
    mp = leukaemia[leukaemia["group"] == "6-MP"]
    km = kaplan_meier(mp["weeks"], mp["relapse"], ci_transform="log")
    events = km[km["events"] > 0].reset_index(drop=True)
    for row, ref in zip(events.itertuples(), published, strict=True):
        t, n, d, s, se, lo, hi = ref
        assert (row.time, row.at_risk, row.events) == (t, n, d)
        assert (row.survival, row.std_error) == pytest.approx((s, se), abs=5e-4)
        assert (row.lower, row.upper) == pytest.approx((lo, hi), abs=5e-4)


def test_kaplan_meier_contract_and_edges():
    km = kaplan_meier([2, 3, 3, 5], [0, 1, 1, 1])
    assert list(km.columns) == [
        "group",
        "time",
        "at_risk",
        "events",
        "censored",
        "survival",
        "lower",
        "upper",
        "method",
        "confidence",
        "std_error",
    ]
    assert (km["group"] == "all").all()
    first, last = km.iloc[0], km.iloc[-1]
    assert (first["survival"], first["lower"], first["upper"]) == (1.0, 1.0, 1.0)
    assert last["survival"] == 0.0 and np.isnan(last["lower"]) and np.isnan(last["upper"])
    plain = kaplan_meier([2, 3, 3, 5, 6], [0, 1, 1, 1, 0], ci_transform="plain")
    assert plain["lower"].between(0, 1).all() and plain["upper"].between(0, 1).all()
    with pytest.raises(ValueError, match="0 \\(censored\\) or 1"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match="share the index"):
        kaplan_meier(pd.Series([1, 2]), pd.Series([1, 1]), pd.Series(["a", "b"], index=[5, 6]))
    with pytest.raises(ValueError, match="'log-log', 'log', 'plain'"):
        kaplan_meier([1, 2], [1, 1], ci_transform="arcsine")


def _hand_median_ci(times, events, level=0.95):
    """Brookmeyer-Crowley on the cloglog scale: event times where
    |log(-log S) - log(-log 0.5)| <= z sqrt(g) / |log S|; the upper limit is the
    next event time after the last such time (NaN if there is none)."""
    z = stats.norm.ppf(0.5 + level / 2)
    rows = [r for r in _hand_km(times, events) if r[2] > 0]
    inside = []
    for t, _, _, _, s, g in rows:
        if 0 < s < 1:
            stat = abs(math.log(-math.log(s)) - math.log(-math.log(0.5)))
            if stat <= z * math.sqrt(g) / abs(math.log(s)):
                inside.append(t)
    event_times = [r[0] for r in rows]
    last = event_times.index(inside[-1])
    upper = event_times[last + 1] if last + 1 < len(event_times) else math.nan
    median = next(t for t, *_, s, _g in rows if s <= 0.5)
    return median, inside[0], upper


def test_survival_median_freireich(leukaemia):
    """Medians 23 weeks (6-MP) and 8 weeks (placebo), as in the textbooks; limits
    by the hand Brookmeyer-Crowley calculation above and R (reference/survival_km.R)::

        print(survfit(Surv(w, r) ~ g, conf.type = "log-log"))
                   n events median 0.95LCL 0.95UCL
        g=6-MP    21      9     23      13      NA
        g=placebo 21     21      8       4      11
        print(survfit(Surv(w, r) ~ g, conf.type = "log"))
        g=6-MP    21      9     23      16      NA
        g=placebo 21     21      8       4      12
    """
    out = survival_median(leukaemia["weeks"], leukaemia["relapse"], leukaemia["group"])
    for group, frame in leukaemia.groupby("group"):
        row = out[out["group"] == group].iloc[0]
        median, lower, upper = _hand_median_ci(list(frame["weeks"]), list(frame["relapse"]))
        assert row["estimate"] == median == {"6-MP": 23, "placebo": 8}[group]
        assert row["lower"] == lower
        assert (math.isnan(upper) and math.isnan(row["upper"])) or row["upper"] == upper
    r_loglog = {"6-MP": (23, 13, math.nan), "placebo": (8, 4, 11)}
    r_log = {"6-MP": (23, 16, math.nan), "placebo": (8, 4, 12)}
    for transform, r in (("log-log", r_loglog), ("log", r_log)):
        res = survival_median(
            leukaemia["weeks"], leukaemia["relapse"], leukaemia["group"], ci_transform=transform
        ).set_index("group")
        for group, values in r.items():
            mine = tuple(res.loc[group, ["estimate", "lower", "upper"]])
            np.testing.assert_equal(mine, values)


@pytest.mark.parametrize(
    ("durations", "events", "r_median", "r_lower"),
    [
        ([1, 2], [1, 1], 1.5, 1),  # S = 0.5 on [1, 2): midpoint
        ([1, 2, 3, 4], [1, 1, 0, 1], 3, 1),  # 0.5 on [2, 4): midpoint of event times
        ([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1], 4, 1),
        ([1, 2], [1, 0], 1, 1),  # ends flat at 0.5: print(survfit) shows 1
        ([3, 3, 5, 8], [1, 1, 1, 1], 4, 3),  # tied first events reach 0.5
    ],
)
def test_survival_median_follows_r_convention_at_exactly_one_half(
    durations, events, r_median, r_lower
):
    """Defect 3 of issue 12: the median was 2 for events at 1 and 2. R 4.2.2,
    survival 3.5-3, ``print(survfit(Surv(d, e) ~ 1, conf.type = "log-log"))``
    (reference/survival_km.R) gives, for the five cases in order, median
    1.5, 3, 4, 1, 4; 0.95LCL 1, 1, 1, 1, 3; 0.95UCL NA throughout."""
    row = survival_median(durations, events).iloc[0]
    assert row["estimate"] == r_median
    assert row["lower"] == r_lower
    assert math.isnan(row["upper"])


def test_survival_median_recovers_exponential_median():
    """Exponential times with rate 0.01 (median ln 2 / 0.01 = 69.3), uniform censoring."""
    rng = np.random.default_rng(7)
    t = rng.exponential(100, size=4000)
    c = rng.uniform(0, 400, size=4000)
    out = survival_median(np.minimum(t, c), (t <= c).astype(int)).iloc[0]
    truth = math.log(2) * 100
    assert out["lower"] <= truth <= out["upper"]
    assert out["estimate"] == pytest.approx(truth, rel=0.08)


def _breslow_newton(times, events, x):
    """Newton-Raphson on the Breslow partial likelihood for one covariate."""
    beta = 0.0
    for _ in range(50):
        score, info = 0.0, 0.0
        for t in sorted({u for u, e in zip(times, events, strict=True) if e}):
            d = [xi for u, e, xi in zip(times, events, x, strict=True) if u == t and e]
            risk = [xi for u, xi in zip(times, x, strict=True) if u >= t]
            s0 = sum(math.exp(beta * r) for r in risk)
            s1 = sum(r * math.exp(beta * r) for r in risk)
            s2 = sum(r * r * math.exp(beta * r) for r in risk)
            score += sum(d) - len(d) * s1 / s0
            info += len(d) * (s2 / s0 - (s1 / s0) ** 2)
        step = score / info
        beta += step
        if abs(step) < 1e-12:
            break
    return beta, 1 / math.sqrt(info)


def test_cox_breslow_matches_published_and_newton_raphson(leukaemia):
    out = cox(leukaemia, "weeks", "relapse", ["placebo"], ties="breslow").iloc[0]
    beta, se = _breslow_newton(
        list(leukaemia["weeks"]), list(leukaemia["relapse"]), list(leukaemia["placebo"])
    )
    assert out["coefficient"] == pytest.approx(1.509, abs=5e-4)  # published
    assert out["std_error"] == pytest.approx(0.410, abs=5e-4)  # published
    assert out["coefficient"] == pytest.approx(beta, abs=1e-6)
    assert out["std_error"] == pytest.approx(se, abs=1e-6)
    z = stats.norm.ppf(0.975)
    assert out["hazard_ratio"] == pytest.approx(math.exp(beta), rel=1e-6)
    assert (out["lower"], out["upper"]) == pytest.approx(
        (math.exp(beta - z * se), math.exp(beta + z * se)), rel=1e-6
    )
    assert out["p_value"] == pytest.approx(2 * stats.norm.sf(beta / se), rel=1e-5)
    assert (out["n"], out["events"]) == (42, 30)


def test_cox_efron_matches_published(leukaemia):
    out = cox(leukaemia, "weeks", "relapse", ["placebo"], ties="efron").iloc[0]
    assert (out["coefficient"], out["std_error"]) == pytest.approx((1.572, 0.412), abs=5e-4)


def _brute_concordance(t, r, e):
    conc = disc = tied = 0
    for i in range(len(t)):
        for j in range(len(t)):
            if i == j or not e[i]:
                continue
            if t[i] < t[j] or (t[i] == t[j] and not e[j]):
                if r[i] > r[j]:
                    conc += 1
                elif r[i] < r[j]:
                    disc += 1
                else:
                    tied += 1
    return conc, disc, tied


def test_concordance_matches_brute_force():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 30, size=120).astype(float)  # ties in time
    e = rng.integers(0, 2, size=120)
    r = rng.integers(0, 6, size=120).astype(float)  # ties in risk
    out = concordance_index(t, r, e, chunk_size=7).iloc[0]
    conc, disc, tied = _brute_concordance(t, r, e)
    assert (out["concordant"], out["discordant"], out["tied_risk"]) == (conc, disc, tied)
    assert out["concordance"] == pytest.approx((conc + tied / 2) / (conc + disc + tied))


def test_concordance_within_strata_and_in_cox(leukaemia):
    t, e = leukaemia["weeks"].to_numpy(), leukaemia["relapse"].to_numpy()
    r = leukaemia["placebo"].to_numpy().astype(float)
    g = np.array(["a", "b"] * 21)
    both = concordance_index(t, r, e, groups=g).iloc[0]
    parts = [_brute_concordance(t[g == k], r[g == k], e[g == k]) for k in ("a", "b")]
    conc, disc, tied = (sum(p[i] for p in parts) for i in range(3))
    assert both["concordance"] == pytest.approx((conc + tied / 2) / (conc + disc + tied))
    fitted = cox(leukaemia, "weeks", "relapse", ["placebo"]).iloc[0]
    whole = _brute_concordance(t, r, e)
    assert fitted["concordance"] == pytest.approx((whole[0] + whole[2] / 2) / sum(whole), abs=1e-12)


def test_cox_recovers_planted_hazard_ratio_with_categorical_covariate():
    """Exponential hazards: log HR 0.7 for 'treated' and 0.4 for region 'north' vs
    'east'; categorical covariates enter as indicators named column[category]."""
    rng = np.random.default_rng(11)
    n = 3000
    treated = rng.integers(0, 2, n)
    region = rng.choice(["east", "north"], n)
    rate = 0.05 * np.exp(0.7 * treated + 0.4 * (region == "north"))
    t = rng.exponential(1 / rate)
    c = rng.uniform(0, 40, n)
    df = pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "treated": treated,
            "region": region,
        }
    )
    out = cox(df, "time", "event", ["treated", "region"]).set_index("term")
    assert list(out.index) == ["treated", "region[north]"]
    assert out.loc["treated", "lower"] < math.exp(0.7) < out.loc["treated", "upper"]
    assert out.loc["region[north]", "lower"] < math.exp(0.4) < out.loc["region[north]", "upper"]
    assert 0.5 < out["concordance"].iloc[0] < 1


def test_cox_rejects_missing_values_and_columns(leukaemia):
    bad = leukaemia.assign(placebo=leukaemia["placebo"].astype(float))
    bad.loc[3, "placebo"] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        cox(bad, "weeks", "relapse", ["placebo"])
    with pytest.raises(ValueError, match="not found"):
        cox(leukaemia, "weeks", "relapse", ["age"])
    before = leukaemia.copy()
    cox(leukaemia, "weeks", "relapse", ["placebo"])
    pd.testing.assert_frame_equal(leukaemia, before)


def test_cox_with_no_events_gives_nan_not_an_index_error():
    """Defect 4 of issue 12: cox raised IndexError with no events. R 4.2.2,
    survival 3.5-3::

        coxph(Surv(t, e) ~ x, data = data.frame(t = 1:4, e = 0, x = c(0, 1, 0, 1)))
          coef exp(coef) se(coef)  z  p
        x   NA        NA        0 NA NA
        Likelihood ratio test=0  on 0 df, p=1
        n= 4, number of events= 0
    """
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0, 0, 0, 0], "x": [0, 1, 0, 1]})
    with pytest.warns(SmallCountWarning, match="no events"):
        out = cox(df, "t", "e", ["x"]).iloc[0]
    assert (out["n"], out["events"]) == (4, 0)
    for column in ("coefficient", "std_error", "hazard_ratio", "lower", "upper", "p_value"):
        assert np.isnan(out[column])


def test_delayed_entry_kaplan_meier_equals_r_survfit():
    """Counting-process (start, stop] rows of the Stanford heart transplant data.
    R 4.2.2, survival 3.5-3 (tests/stats/reference/survival_cox.R writes every
    row to data/heart_survfit.csv)::

        km <- survfit(Surv(start, stop, event) ~ 1, data = hrt)
        kmll <- survfit(Surv(start, stop, event) ~ 1, data = hrt, conf.type = "log-log")
          time n.risk n.event n.censor           surv          std.err      lower.log      upper.log   lower.loglog
        1  1.0    103       1        2 0.990291262136 0.00975621363797 0.971534982269 1.000000000000 0.933083747406
        2  2.0    102       3        3 0.961165048544 0.01980586370074 0.924568702632 0.999209953692 0.899836970589
        3  3.0     99       3        3 0.932038834951 0.02660693147638 0.884679873568 0.981933031159 0.862729769797
        4  4.0     96       0        2 0.932038834951 0.02660693147638 0.884679873568 0.981933031159 0.862729769797
        5  4.5     96       0        1 0.932038834951 0.02660693147638 0.884679873568 0.981933031159 0.862729769797
        ...

    (R's ``std.err`` is the standard error of log S; cohort's ``std_error`` is
    that of S.) Without entry the risk set at day 1 would be all 172 rows.
    """
    heart = pd.read_csv(DATA / "heart.csv")
    r = pd.read_csv(DATA / "heart_survfit.csv")
    log = kaplan_meier(heart["stop"], heart["event"], entry=heart["start"], ci_transform="log")
    loglog = kaplan_meier(heart["stop"], heart["event"], entry=heart["start"])
    assert len(log) == len(r) == 111
    np.testing.assert_array_equal(log["time"], r["time"])
    np.testing.assert_array_equal(log["at_risk"], r["n.risk"])
    np.testing.assert_array_equal(log["events"], r["n.event"])
    np.testing.assert_array_equal(log["censored"], r["n.censor"])
    np.testing.assert_allclose(log["survival"], r["surv"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(log["std_error"] / log["survival"], r["std.err"], atol=1e-9)
    np.testing.assert_allclose(log["lower"], r["lower.log"], atol=1e-9)
    np.testing.assert_allclose(log["upper"], r["upper.log"], atol=1e-9)
    np.testing.assert_allclose(loglog["lower"], r["lower.loglog"], atol=1e-9)
    np.testing.assert_allclose(loglog["upper"], r["upper.loglog"], atol=1e-9)


def test_delayed_entry_median_equals_r():
    """R: ``print(survfit(Surv(start, stop, event) ~ 1, data = hrt,
    conf.type = "log-log"))``::

             records   n events median 0.95LCL 0.95UCL
        [1,]     172 103     75    100      69     219
    """
    heart = pd.read_csv(DATA / "heart.csv")
    row = survival_median(heart["stop"], heart["event"], entry=heart["start"]).iloc[0]
    assert (row["n"], row["events"]) == (172, 75)
    assert (row["estimate"], row["lower"], row["upper"]) == (100, 69, 219)


def test_entry_must_precede_duration():
    with pytest.raises(ValueError, match="entry must be earlier than duration"):
        kaplan_meier([2, 3], [1, 0], entry=[0, 3])
    with pytest.raises(ValueError, match="entry must not contain missing"):
        kaplan_meier([2, 3], [1, 0], entry=[0, np.nan])
