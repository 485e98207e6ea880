"""The true attendance effect on Community Youth Connectors participants, by simulation.

The generator (cohort/synthetic.py, ``_cyc``; docs/synthetic.md) plants +6.5
percentage points on each participant's attendance *rate* before it is
clipped at 100%. Participants attend about 86% on average, so for many of
them the planted rise would pass 100% in some terms, and the effect they
actually receive is smaller. This script re-implements the documented model
independently of the package (same parameters, its own random numbers),
selects participants as the generator does, and averages, over many
authority-years, the difference between each participant's programme-year
attendance with and without the +6.5 (same term noise, sessions-weighted as
the attendance rate is): the average treatment effect on the treated that a
matched difference in differences estimates.

Run: ``.venv/bin/python tests/reference/cyc_attendance_truth.py``.
Output (400 authority-years of 94 participants chosen from 1,222 girls)::

    population ATT (pp): 6.043 (Monte Carlo SE 0.005); planted before clipping: 6.5

``tests/measures/test_evaluation_recovery.py`` uses 6.04 as the truth of its
coverage test.
"""

from __future__ import annotations

import numpy as np


def att(blocks: int = 400, n_part: int = 94, pool_ratio: int = 12, seed: int = 5) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    effects = []
    n = (1 + pool_ratio) * n_part
    for _ in range(blocks):
        age = 11 + 5 * rng.random(n)
        fsm = rng.random(n) < 0.24
        send = rng.choice(3, n, p=[0.82, 0.14, 0.04])
        lac = rng.random(n) < 0.012
        sen_sup, ehcp = send == 1, send == 2
        logit = (np.log(0.93 / 0.07) - 0.35 * fsm - 0.3 * sen_sup - 0.45 * ehcp - 0.4 * lac
                 - 0.08 * (age - 13) + 0.45 * rng.standard_normal(n))
        mu = 1 / (1 + np.exp(-logit))
        possible = np.stack([2 * rng.integers(68, 73, (n, 2)), 2 * rng.integers(55, 61, (n, 2)),
                             2 * rng.integers(60, 66, (n, 2))], axis=2)
        noise = rng.normal(0, 0.05, (n, 2, 3))
        base_rate = np.clip(mu[:, None] + noise[:, 0, :], 0.2, 1.0)
        base_obs = rng.binomial(possible[:, 0, :], base_rate).sum(1) / possible[:, 0, :].sum(1)
        eta = (1.0 * fsm + 0.6 * sen_sup + 0.9 * ehcp + 1.2 * lac + 12 * (0.9 - base_obs)
               + 0.25 * (age - 13))
        gumbel = -np.log(-np.log(rng.random(n)))
        top = np.argsort(-(eta + gumbel))[:n_part]
        with_effect = np.clip(mu[top, None] - 0.01 + 0.065 + noise[top, 1, :], 0.2, 1.0)
        without = np.clip(mu[top, None] - 0.01 + noise[top, 1, :], 0.2, 1.0)
        w = possible[top, 1, :]
        effects.append(100 * ((with_effect - without) * w).sum() / w.sum())
    return float(np.mean(effects)), float(np.std(effects) / np.sqrt(blocks))


if __name__ == "__main__":
    mean, se = att()
    print(f"population ATT (pp): {mean:.3f} (Monte Carlo SE {se:.3f}); planted before clipping: 6.5")
