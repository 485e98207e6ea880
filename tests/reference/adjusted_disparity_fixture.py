"""Make ``tests/data/adjusted_disparity_occasions.csv``: 160 court sentencing occasions.

One occasion per child, simulated once (numpy seed 20251) from a logistic
custody model with an ethnic effect, a gravity confounder (Black children's
offences one point graver in 60% of cases) and earlier formal outcomes. The
CSV is committed; the test rebuilds case records from it and compares
``cohort.adjusted_disparity`` with R (``adjusted_disparity.R``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parents[1] / "data" / "adjusted_disparity_occasions.csv"


def main() -> None:
    rng = np.random.default_rng(20251)
    n = 160
    eth = rng.choice(["White", "Black", "Asian"], n, p=[0.6, 0.25, 0.15])
    sex = np.where(rng.random(n) < 0.85, "Male", "Female")
    age = rng.integers(12, 18, n)
    group = rng.choice(["Violence against the person", "Robbery", "Theft and handling stolen goods"],
                       n, p=[0.5, 0.2, 0.3])
    base = {"Violence against the person": 3, "Robbery": 5, "Theft and handling stolen goods": 2}
    grav = np.array([base[g] for g in group]) + rng.integers(0, 3, n)
    grav = grav + ((eth == "Black") & (rng.random(n) < 0.6))
    prior = rng.poisson(1.2, n)
    eta = -3.0 + 0.6 * (eth == "Black") + 0.2 * (eth == "Asian") + 0.8 * (grav - 3) \
        + 0.5 * prior + 0.15 * (age - 15) - 0.3 * (sex == "Female")
    custody = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    frame = pd.DataFrame({"child": np.arange(1, n + 1), "custody": custody, "ethnicity": eth,
                          "sex": sex, "age": age, "offence_group": group, "gravity_score": grav,
                          "prior_outcomes": prior})
    frame.to_csv(OUT, index=False)
    print(frame["custody"].sum(), "custody events of", n)


if __name__ == "__main__":
    main()
