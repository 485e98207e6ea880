"""Matched intervention evaluation in the style of the Justice Data Lab.

:func:`evaluate` (or :class:`Evaluation`) takes a programme's participants,
builds a comparison pool of similar children who did not take part, matches
on a propensity score, checks balance, and estimates the offending and
attendance outcomes with intervals, the Justice Data Lab significance gate,
the power of the comparison and its sensitivity (METHODS.md section 6).

Modules: :mod:`~cohort.measures.evaluation.spec` (the settings),
:mod:`~cohort.measures.evaluation.flow` (flow, pool, each person's
covariates and outcomes), :mod:`~cohort.measures.evaluation.matching`,
:mod:`~cohort.measures.evaluation.outcomes`,
:mod:`~cohort.measures.evaluation.power` and
:mod:`~cohort.measures.evaluation.sensitivity`.
"""

from cohort.measures.evaluation.core import Evaluation, evaluate
from cohort.measures.evaluation.flow import FLOW_STAGES
from cohort.measures.evaluation.power import (
    detectability,
    events_needed,
    minimum_detectable_difference,
    minimum_detectable_hazard_ratio,
    sample_size,
)
from cohort.measures.evaluation.sensitivity import e_value
from cohort.measures.evaluation.spec import (
    DEFAULT_COVARIATES,
    DEFAULT_MATCH,
    DEFAULT_TARGETS,
    OUTCOMES,
    Comparison,
    load_gate,
)

__all__ = [
    "DEFAULT_COVARIATES",
    "DEFAULT_MATCH",
    "DEFAULT_TARGETS",
    "FLOW_STAGES",
    "OUTCOMES",
    "Comparison",
    "Evaluation",
    "detectability",
    "e_value",
    "evaluate",
    "events_needed",
    "load_gate",
    "minimum_detectable_difference",
    "minimum_detectable_hazard_ratio",
    "sample_size",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
