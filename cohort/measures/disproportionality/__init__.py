"""Disproportionality: representation against the population aged 10-17, the
relative rate index by decision point, and regression-adjusted disparity.

- :mod:`~cohort.measures.disproportionality.stages`: the decision points the
  data model holds and which children reach each in a period;
- :mod:`~cohort.measures.disproportionality.denominators`: population
  denominators by group (the data's population table, Census 2021 for
  ethnicity in real authorities);
- :mod:`~cohort.measures.disproportionality.rri`: :func:`disproportionality`.

Methods: METHODS.md sections 4 and 5 (``docs/methods.md``).
"""

from __future__ import annotations

from cohort.measures.disproportionality.rri import (
    GROUP_VARIABLES,
    RRI_COLUMNS,
    disproportionality,
    period_window,
)
from cohort.measures.disproportionality.stages import (
    DEFAULT_STAGES,
    STAGES,
    Stage,
    resolve_stages,
    stage_membership,
)

__all__ = [
    "DEFAULT_STAGES",
    "GROUP_VARIABLES",
    "RRI_COLUMNS",
    "STAGES",
    "Stage",
    "disproportionality",
    "period_window",
    "resolve_stages",
    "stage_membership",
]
