"""Tests for cohort.stats.matching.

Reference values: METHODS.md (project methods notes) section 6 SMD examples,
copied here with their source; brute-force searches over all treated-control
pairs; hand calculations of weights, weighted moments, Kish's effective sample
size and the HC1 sandwich; and a simulation with a known propensity model and a
planted treatment effect (fixed seed).
"""

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM

from cohort.exceptions import SmallCountWarning
from cohort.stats import (
    balance_table,
    match,
    matched_effect,
    matching_weights,
    propensity_score,
)

# --------------------------------------------------------------------------- propensity


def test_propensity_saturated_model_equals_group_proportions():
    """With one categorical covariate the logistic model is saturated, so the fitted
    propensity in each category is that category's share treated (hand count)."""
    df = pd.DataFrame(
        {
            "treated": [1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1],
            "region": ["n", "n", "n", "n", "s", "s", "s", "w", "w", "w", "w", "w"],
        }
    )
    with pytest.warns(SmallCountWarning, match="region=n: 1 events, 3 non-events"):
        ps = propensity_score(df, "treated", ["region"])
    expected = df.groupby("region")["treated"].transform("mean")
    assert ps["propensity"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-8)
    assert ps["logit"].to_numpy() == pytest.approx(np.log(expected / (1 - expected)), abs=1e-6)
    assert ps.index.equals(df.index) and list(ps.columns) == ["treatment", "propensity", "logit"]


def test_propensity_agrees_with_glm_and_recovers_coefficients():
    rng = np.random.default_rng(5)
    n = 20_000
    x = rng.normal(size=(n, 2))
    male = rng.integers(0, 2, n).astype(bool)
    lp = -1.0 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.6 * male
    df = pd.DataFrame(
        {"t": rng.binomial(1, 1 / (1 + np.exp(-lp))), "a": x[:, 0], "b": x[:, 1], "male": male}
    )
    ps = propensity_score(df, "t", ["a", "b", "male"])
    design = np.column_stack([np.ones(n), x, male.astype(float)])
    glm = GLM(df["t"].to_numpy(), design, family=Binomial()).fit()
    assert ps["logit"].to_numpy() == pytest.approx(design @ glm.params, abs=1e-6)
    assert glm.params == pytest.approx([-1.0, 0.8, -0.5, 0.6], abs=0.1)


def test_propensity_reports_its_model():
    """The propensity model's coefficients, standard errors and p-values (issue 12)
    are reported in attrs and equal an independent statsmodels GLM fit; the
    fitted-score columns are unchanged, so existing callers keep working."""
    rng = np.random.default_rng(9)
    n = 3_000
    x = rng.normal(size=n)
    region = rng.choice(["north", "south", "west"], n)
    lp = -1.2 + 0.7 * x + 0.5 * (region == "west")
    df = pd.DataFrame({"t": rng.binomial(1, 1 / (1 + np.exp(-lp))), "x": x, "region": region})
    ps = propensity_score(df, "t", ["x", "region"], reference={"region": "south"})
    assert list(ps.columns) == ["treatment", "propensity", "logit"]
    table = ps.attrs["coefficients"]
    assert list(table["term"]) == ["(Intercept)", "x", "region[north]", "region[west]"]
    design = np.column_stack(
        [np.ones(n), x, (region == "north").astype(float), (region == "west").astype(float)]
    )
    glm = GLM(df["t"].to_numpy(), design, family=Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(table["coefficient"], glm.params, atol=1e-8)
    np.testing.assert_allclose(table["std_error"], glm.bse, rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], glm.pvalues, rtol=1e-5)
    fit = ps.attrs["fit"]
    assert (fit["outcome"], fit["n"], fit["events"]) == ("t", n, int(df["t"].sum()))
    assert fit["deviance"] == pytest.approx(glm.deviance, rel=1e-9)
    assert ps["logit"].to_numpy() == pytest.approx(design @ glm.params, abs=1e-8)
    pairs = match(ps["logit"], ps["treatment"])  # the usual next step still works
    assert len(pairs) > 0


def test_propensity_rejects_missing_and_single_class():
    df = pd.DataFrame({"t": [1, 0, 1], "a": [1.0, np.nan, 2.0]})
    with pytest.raises(ValueError, match="missing values"):
        propensity_score(df, "t", ["a"])
    with pytest.raises(ValueError, match="both treated and untreated"):
        propensity_score(pd.DataFrame({"t": [1, 1], "a": [1.0, 2.0]}), "t", ["a"])


# --------------------------------------------------------------------------- matching


def _scores(seed, n_t=40, n_c=300):
    rng = np.random.default_rng(seed)
    s = np.concatenate([rng.normal(0.6, 1, n_t), rng.normal(0, 1, n_c)])
    t = np.r_[np.ones(n_t, int), np.zeros(n_c, int)]
    return pd.Series(s), pd.Series(t)


def _width(s, t, caliper):
    return caliper * math.sqrt((np.var(s[t == 1], ddof=1) + np.var(s[t == 0], ddof=1)) / 2)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("caliper", [None, 0.05])
def test_nearest_with_replacement_matches_brute_force(k, caliper):
    s, t = _scores(1)
    pairs = match(s, t, k=k, caliper=caliper)
    width = np.inf if caliper is None else _width(s.to_numpy(), t.to_numpy(), caliper)
    controls = np.flatnonzero(t == 0)
    for i in np.flatnonzero(t == 1):
        d = np.abs(s.to_numpy()[controls] - s[i])
        best = np.sort(d)[:k]
        best = best[best <= width]
        mine = pairs.loc[pairs["treated_id"] == i, "distance"].to_numpy()
        assert mine == pytest.approx(best, abs=1e-14)
        assert pairs.loc[pairs["treated_id"] == i, "weight"].to_numpy() == pytest.approx(
            np.full(best.size, 1 / best.size) if best.size else []
        )


def _greedy_brute_force(s, t, k, width):
    """Closest pair first, by repeated argmin over the full distance matrix;
    k passes, each comparison used once."""
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    dist = np.abs(s[ti][:, None] - s[ci][None, :])
    dist[dist > width] = np.inf
    used = np.zeros(ci.size, bool)
    pairs = set()
    for _ in range(k):
        d = dist.copy()
        d[:, used] = np.inf
        while np.isfinite(d).any():
            a, b = np.unravel_index(np.argmin(d), d.shape)
            pairs.add((ti[a], ci[b]))
            used[b] = True
            d[a, :] = np.inf
            d[:, b] = np.inf
    return pairs


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2])
def test_nearest_without_replacement_is_greedy_by_distance(seed, k):
    s, t = _scores(seed, n_t=25, n_c=60)
    caliper = [None, 0.1, 0.3][seed % 3]
    width = np.inf if caliper is None else _width(s.to_numpy(), t.to_numpy(), caliper)
    pairs = match(s, t, k=k, replace=False, caliper=caliper)
    assert set(zip(pairs["treated_id"], pairs["control_id"], strict=True)) == _greedy_brute_force(
        s.to_numpy(), t.to_numpy(), k, width
    )
    assert pairs["control_id"].is_unique


def test_without_replacement_runs_out_of_controls():
    s = pd.Series([0.0, 0.1, 0.2, 0.05])
    t = pd.Series([1, 1, 1, 0])
    pairs = match(s, t, replace=False, caliper=None)
    assert list(pairs["treated_id"]) == [0] and list(pairs["control_id"]) == [3]


def test_radius_matches_brute_force():
    s, t = _scores(2)
    pairs = match(s, t, method="radius", caliper=0.1)
    width = _width(s.to_numpy(), t.to_numpy(), 0.1)
    expected = {
        (i, j)
        for i in np.flatnonzero(t == 1)
        for j in np.flatnonzero(t == 0)
        if abs(s[i] - s[j]) <= width
    }
    assert set(zip(pairs["treated_id"], pairs["control_id"], strict=True)) == expected
    sizes = pairs.groupby("treated_id")["control_id"].transform("size")
    assert pairs["weight"].to_numpy() == pytest.approx(1 / sizes.to_numpy())
    with pytest.raises(ValueError, match="caliper and replace=True"):
        match(s, t, method="radius", caliper=None)


def test_exact_strata_and_labels():
    rng = np.random.default_rng(4)
    n = 400
    idx = pd.Index([f"child{i:03d}" for i in range(n)], name="child_id")
    s = pd.Series(rng.normal(size=n), index=idx)
    t = pd.Series((rng.random(n) < 0.15).astype(int), index=idx)
    sex = pd.Series(rng.choice(["F", "M"], n), index=idx)
    region = pd.Series(rng.choice(["N", "S", "W"], n), index=idx)
    exact = pd.DataFrame({"sex": sex, "region": region})
    pairs = match(s, t, exact=exact, caliper=None)
    assert pairs["treated_id"].str.startswith("child").all()
    assert (sex[pairs["treated_id"]].to_numpy() == sex[pairs["control_id"]].to_numpy()).all()
    assert (region[pairs["treated_id"]].to_numpy() == region[pairs["control_id"]].to_numpy()).all()
    # the same as matching each stratum on its own
    for (sx, rg), block in exact.groupby(["sex", "region"]):
        part = match(s[block.index], t[block.index], caliper=None)
        mine = pairs[pairs["treated_id"].isin(block.index)]
        assert set(zip(mine["treated_id"], mine["control_id"], strict=True)) == set(
            zip(part["treated_id"], part["control_id"], strict=True)
        ), (sx, rg)


def test_match_argument_errors():
    s, t = _scores(0, 5, 10)
    with pytest.raises(ValueError, match="'nearest', 'radius'"):
        match(s, t, method="kernel")
    with pytest.raises(ValueError, match="positive integer"):
        match(s, t, k=0)
    with pytest.raises(ValueError, match="finite"):
        match(s.where(s > 0), t)
    with pytest.raises(ValueError, match="0/1 or boolean"):
        match(s, t.replace(1, 2))
    with pytest.raises(ValueError, match="share one index"):
        match(s, t.set_axis(range(1, len(t) + 1)))


# --------------------------------------------------------------------------- weights


def test_matching_weights_by_hand():
    """A matched to c1, c2 (1:2); B to c2, c3. Raw comparison weights 0.5, 1.0, 0.5
    sum to 2, rescaled to the 3 distinct comparisons: 0.75, 1.5, 0.75. c2 serves two
    sets, so it has no single subclass; C is unmatched; c4 unused."""
    idx = ["A", "B", "C", "c1", "c2", "c3", "c4"]
    treatment = pd.Series([1, 1, 1, 0, 0, 0, 0], index=idx)
    pairs = pd.DataFrame(
        {
            "treated_id": ["A", "A", "B", "B"],
            "control_id": ["c1", "c2", "c2", "c3"],
            "distance": [0.1, 0.2, 0.1, 0.3],
            "weight": [0.5, 0.5, 0.5, 0.5],
        }
    )
    w = matching_weights(pairs, treatment)
    assert w["weight"].to_dict() == pytest.approx(
        {"A": 1, "B": 1, "C": 0, "c1": 0.75, "c2": 1.5, "c3": 0.75, "c4": 0}
    )
    assert w["matched"].to_dict() == {
        "A": True,
        "B": True,
        "C": False,
        "c1": True,
        "c2": True,
        "c3": True,
        "c4": False,
    }
    assert w.loc[["A", "B", "c1", "c3"], "subclass"].tolist() == ["A", "B", "A", "B"]
    assert w.loc[["C", "c2", "c4"], "subclass"].isna().all()
    with pytest.raises(ValueError, match="not in the treatment index"):
        matching_weights(pairs.assign(control_id=["c1", "c2", "c2", "zz"]), treatment)
    empty = matching_weights(pairs.iloc[:0], treatment)
    assert (empty["weight"] == 0).all() and not empty["matched"].any()


# --------------------------------------------------------------------------- balance


def _with_moments(mean, sd, n, rng):
    z = rng.normal(size=n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def test_balance_smd_methods_examples():
    """METHODS.md s6: 40% vs 34% male gives SMD 12.5% (poor); mean previous offences
    4.2 (sd 3.1) vs 3.6 (sd 2.9) gives 20%."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "treated": [1] * 100 + [0] * 500,
            "male": [1] * 40 + [0] * 60 + [1] * 170 + [0] * 330,
            "priors": np.r_[_with_moments(4.2, 3.1, 100, rng), _with_moments(3.6, 2.9, 500, rng)],
        }
    )
    table = balance_table(df, "treated", ["male", "priors"]).set_index("covariate")
    assert table.loc["male", "smd"] == pytest.approx(12.5, abs=0.05)
    assert table.loc["male", "band"] == ">10%" and table.loc["male", "type"] == "binary"
    assert table.loc["priors", "smd"] == pytest.approx(20.0, abs=0.05)
    assert table.loc["priors", "variance_ratio"] == pytest.approx(3.1**2 / 2.9**2, abs=1e-9)
    assert math.isnan(table.loc["male", "variance_ratio"])
    assert (table["sample"] == "before").all()


def test_weighted_balance_by_hand():
    df = pd.DataFrame(
        {
            "treated": [1, 1, 0, 0, 0, 0],
            "age": [15.0, 17.0, 13.0, 16.0, 14.0, 12.0],
            "looked_after": [1, 0, 0, 1, 1, 0],
        }
    )
    w = np.array([1.0, 1.0, 1.5, 0.5, 0.0, 0.0])
    table = balance_table(df, "treated", ["age", "looked_after"], weights=w)
    after = table[table["sample"] == "after"].set_index("covariate")
    # hand: comparison weighted mean (1.5*13 + 0.5*16)/2 = 13.75; reliability-weighted
    # variance sum w (x - m)^2 / (sum w - sum w^2 / sum w) = (1.5*0.5625 + 0.5*5.0625)/(2 - 2.5/2)
    m_c = (1.5 * 13 + 0.5 * 16) / 2
    v_c = (1.5 * (13 - m_c) ** 2 + 0.5 * (16 - m_c) ** 2) / (2 - (1.5**2 + 0.5**2) / 2)
    m_t, v_t = 16.0, 2.0
    assert after.loc["age", "control_mean"] == pytest.approx(m_c)
    assert after.loc["age", "control_sd"] == pytest.approx(math.sqrt(v_c))
    assert after.loc["age", "smd"] == pytest.approx(100 * (m_t - m_c) / math.sqrt((v_t + v_c) / 2))
    p_c = 0.5 / 2
    assert after.loc["looked_after", "control_mean"] == pytest.approx(p_c)
    assert after.loc["looked_after", "smd"] == pytest.approx(
        100 * (0.5 - p_c) / math.sqrt((0.25 + p_c * (1 - p_c)) / 2)
    )
    # Kish: (1.5 + 0.5)^2 / (1.5^2 + 0.5^2) = 1.6; n_control counts positive weights
    assert after.loc["age", "ess_control"] == pytest.approx(1.6)
    assert after.loc["age", "n_control"] == 2 and after.loc["age", "n_treated"] == 2
    before = table[table["sample"] == "before"].set_index("covariate")
    assert before.loc["age", "ess_control"] == pytest.approx(4.0)


def test_balance_bands_categorical_and_no_mutation():
    df = pd.DataFrame(
        {
            "treated": [1, 0] * 50,
            "ethnicity": (["Asian", "Black", "White", "Mixed"] * 25),
            "x": np.r_[np.tile([0.0, 0.08], 50)],
        }
    )
    before = df.copy()
    table = balance_table(df, "treated", ["ethnicity", "x"])
    pd.testing.assert_frame_equal(df, before)
    assert list(table["covariate"]) == [
        "ethnicity[Black]",
        "ethnicity[Mixed]",
        "ethnicity[White]",
        "x",
    ]
    assert set(table["band"].dropna()) <= {"<5%", "5-10%", ">10%"}
    with pytest.raises(ValueError, match="weights"):
        balance_table(df, "treated", ["x"], weights=np.ones(3))


# --------------------------------------------------------------------------- effects


def test_matched_effect_equals_weighted_difference_and_hand_hc1():
    rng = np.random.default_rng(9)
    n = 60
    t = np.r_[np.ones(20), np.zeros(40)]
    y = rng.normal(size=n) + t
    w = np.r_[np.ones(20), rng.choice([0.0, 0.5, 1.0, 2.0], 40)]
    df = pd.DataFrame({"t": t.astype(int), "y": y, "w": w})
    out = matched_effect(df, "y", "t", "w").iloc[0]
    keep = w > 0
    yt, wt = y[(t == 1) & keep], w[(t == 1) & keep]
    yc, wc = y[(t == 0) & keep], w[(t == 0) & keep]
    mt, mc = np.average(yt, weights=wt), np.average(yc, weights=wc)
    assert out["estimate"] == pytest.approx(mt - mc, abs=1e-12)
    assert (out["treated_mean"], out["control_mean"]) == pytest.approx((mt, mc))
    # HC1 sandwich of the treatment coefficient in y ~ 1 + t with weights:
    # sum w_i^2 e_i^2 / (sum w)^2 per group, times n / (n - 2)
    m = keep.sum()
    hc0 = (
        np.sum(wt**2 * (yt - mt) ** 2) / wt.sum() ** 2
        + np.sum(wc**2 * (yc - mc) ** 2) / wc.sum() ** 2
    )
    assert out["std_error"] == pytest.approx(math.sqrt(hc0 * m / (m - 2)), rel=1e-10)
    assert out["method"] == "wls-hc1"
    assert out["ess_control"] == pytest.approx(wc.sum() ** 2 / np.sum(wc**2))


def test_matched_effect_clusters_on_subclass():
    s, t = _scores(3, n_t=30, n_c=200)
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"t": t, "y": rng.normal(size=len(t)) + 0.5 * t})
    w = matching_weights(match(s, t, k=2, replace=False), t)
    out = matched_effect(df, "y", "t", w["weight"], cluster=w["subclass"]).iloc[0]
    assert out["method"] == "wls-cluster" and out["lower"] < out["estimate"] < out["upper"]
    reused = matching_weights(match(s, t, k=2, replace=True, caliper=None), t)
    assert reused["subclass"][reused["weight"] > 0].isna().any()  # shared comparisons
    with pytest.raises(ValueError, match="cluster"):
        matched_effect(df, "y", "t", reused["weight"], cluster=reused["subclass"])


# --------------------------------------------------------------------------- simulation


COVARIATES = ["x1", "x2", "x3", "x4"]
TRUE_EFFECT = 2.0


def _simulate(rng, n):
    """Known propensity: logit P(T) = -2 + 0.8 x1 - 0.6 x2 + 0.5 x4 (about 16% treated);
    outcome Y = 1 + 2 T + x1 + 0.5 x2 + 0.5 x3 + 0.8 x4 + N(0, 1): effect 2."""
    x1, x2, x3 = rng.normal(size=(3, n))
    x4 = rng.binomial(1, 0.4, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-2.0 + 0.8 * x1 - 0.6 * x2 + 0.5 * x4))))
    y = 1 + TRUE_EFFECT * t + x1 + 0.5 * x2 + 0.5 * x3 + 0.8 * x4 + rng.normal(size=n)
    return pd.DataFrame({"t": t, "y": y, "x1": x1, "x2": x2, "x3": x3, "x4": x4})


def _matched(df):
    ps = propensity_score(df, "t", COVARIATES)
    return matching_weights(match(ps["logit"], ps["treatment"]), ps["treatment"])


def test_matching_recovers_planted_effect_with_nominal_coverage():
    """200 replications, 1:1 nearest neighbour with replacement within 0.2 SD of the
    logit, regression-adjusted robust interval: coverage of the true effect within
    [0.90, 0.99] and mean estimate within 0.05 of the truth. Fixed seed."""
    rng = np.random.default_rng(20240601)
    covered, estimates = [], []
    for _ in range(200):
        df = _simulate(rng, 1000)
        w = _matched(df)
        eff = matched_effect(df, "y", "t", w["weight"], covariates=COVARIATES).iloc[0]
        covered.append(eff["lower"] <= TRUE_EFFECT <= eff["upper"])
        estimates.append(eff["estimate"])
    coverage = np.mean(covered)
    assert 0.90 <= coverage <= 0.99, coverage
    assert np.mean(estimates) == pytest.approx(TRUE_EFFECT, abs=0.05)


def test_matching_balances_covariates():
    """Before matching the selection model leaves |SMD| well over 10%; after, all
    |SMD| < 10%, and the naive difference is biased while the matched one is not."""
    df = _simulate(np.random.default_rng(77), 6000)
    w = _matched(df)
    table = balance_table(df, "t", COVARIATES, weights=w["weight"])
    before = table[table["sample"] == "before"]
    after = table[table["sample"] == "after"]
    assert before["smd"].abs().max() > 30
    assert after["smd"].abs().max() < 10
    naive = df.loc[df["t"] == 1, "y"].mean() - df.loc[df["t"] == 0, "y"].mean()
    matched = matched_effect(df, "y", "t", w["weight"]).iloc[0]
    assert abs(naive - TRUE_EFFECT) > 0.5
    assert matched["lower"] <= TRUE_EFFECT <= matched["upper"]
