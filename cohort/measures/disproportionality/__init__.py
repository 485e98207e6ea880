"""Disproportionality: representation against the population aged 10-17, the
relative rate index by decision point, and regression-adjusted disparity.

- :mod:`~cohort.measures.disproportionality.stages`: the decision points the
  data model holds and which children reach each in a period;
- :mod:`~cohort.measures.disproportionality.denominators`: population
  denominators by group (the data's population table, Census 2021 for
  ethnicity in real authorities);
- :mod:`~cohort.measures.disproportionality.rri`: :func:`disproportionality`;
- :mod:`~cohort.measures.disproportionality.occasions`: outcome occasions and
  the modelling frame of a decision;
- :mod:`~cohort.measures.disproportionality.adjusted`: :func:`adjusted_disparity`;
- :mod:`~cohort.measures.disproportionality.views`: the representation and
  relative rate views of the table, for reports.

Methods: METHODS.md sections 4 and 5 (``docs/methods.md``).
"""

from __future__ import annotations

from cohort.measures.disproportionality.adjusted import (
    ADJUSTED_COLUMNS,
    COVARIATES,
    DEFAULT_BLOCKS,
    adjusted_disparity,
)
from cohort.measures.disproportionality.occasions import DECISIONS, model_frame, occasions
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
from cohort.measures.disproportionality.views import (
    adjusted_table,
    relative_rate_table,
    representation_table,
)

__all__ = [
    "ADJUSTED_COLUMNS",
    "COVARIATES",
    "DECISIONS",
    "DEFAULT_BLOCKS",
    "DEFAULT_STAGES",
    "GROUP_VARIABLES",
    "RRI_COLUMNS",
    "STAGES",
    "Stage",
    "adjusted_disparity",
    "adjusted_table",
    "disproportionality",
    "model_frame",
    "occasions",
    "period_window",
    "relative_rate_table",
    "representation_table",
    "resolve_stages",
    "stage_membership",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
