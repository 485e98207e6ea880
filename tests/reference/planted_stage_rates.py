"""Regenerate the planted stage relative rates of ``cohort.synthetic`` (STAGE_RELATIVE_RATES).

Run ``.venv/bin/python tests/reference/planted_stage_rates.py``: it pools
the independent counts of ``stage_counts.py`` over 24 independent draws of
the default configuration (five authorities, scale 10; 240 times the
default population), for the financial years 2022/23-2024/25 with the
mid-2024 population, and prints the relative rates to paste into
``cohort/synthetic/planted.py``. Monte Carlo standard errors of the log
rates are printed too (from the between-draw spread).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from stage_counts import GROUPS, STAGES, relative_rates, stage_counts

DRAWS = 24
SCALE = 10


def main() -> None:
    from cohort import synthetic

    parts = []
    for k in range(DRAWS):
        data = synthetic.generate(seed=900_000 + k, authorities=5, scale=SCALE)
        parts.append(stage_counts(data, "2022-04-01", "2025-03-31", 2024))
        print(f"draw {k + 1}/{DRAWS}", file=sys.stderr)
    total = sum(parts)
    rr = relative_rates(total)
    per_draw = np.log(pd.concat([relative_rates(p).stack() for p in parts], axis=1))
    se = per_draw.std(axis=1) / np.sqrt(DRAWS)
    print(total.astype(int).to_string())
    print("Monte Carlo SE of log RR:\n" + se.unstack().round(3).to_string())
    print("{")
    for stage in STAGES:
        body = ", ".join(f'"{g}": {rr.at[g, stage]:.3f}' for g in GROUPS if g != "White")
        print(f'    "{stage}": {{{body}}},')
    print("}")


if __name__ == "__main__":
    main()
