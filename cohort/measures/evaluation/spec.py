"""What an evaluation is asked: outcomes, covariates, the comparison pool, matching, the gate.

Everything here checks and normalises arguments; nothing reads the data.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import pandas as pd
import yaml

from cohort._validate import check_choice
from cohort.periods import financial_year_bounds

#: Outcomes :func:`cohort.evaluate` can estimate, in report order. The first
#: is the main outcome (an offence leading to a first formal outcome).
OUTCOMES: tuple[str, ...] = (
    "first_formal_outcome",
    "proven_offences",
    "time_to_first_offence",
    "attendance_change",
)

#: Readable names of the outcomes (the follow-up is added where it applies).
OUTCOME_LABELS: dict[str, str] = {
    "first_formal_outcome": "Offence leading to a first formal outcome",
    "proven_offences": "Proven offences per child",
    "time_to_first_offence": "Time to an offence leading to a first formal outcome",
    "attendance_change": "School attendance (change on the year before)",
}

#: Outcomes that count offending, to which the event gates apply.
OFFENDING_OUTCOMES: tuple[str, ...] = OUTCOMES[:3]

#: Covariates the evaluation derives itself (the others are ``children`` columns).
DERIVED_COVARIATES: tuple[str, ...] = ("age", "baseline_attendance")

#: Default propensity model: age at the start, ethnicity, SEND, care, free
#: school meals and the previous year's attendance (METHODS.md section 6,
#: adapted to children not yet known to the service).
DEFAULT_COVARIATES: tuple[str, ...] = (
    "age",
    "ethnicity",
    "send_level",
    "care_status",
    "fsm_eligible",
    "baseline_attendance",
)

#: Readable covariate names for tables and plots.
COVARIATE_LABELS: dict[str, str] = {
    "age": "Age at the start (years)",
    "ethnicity": "Ethnicity",
    "send_level": "SEND",
    "care_status": "Care status",
    "fsm_eligible": "Free school meals",
    "baseline_attendance": "Attendance the year before (%)",
    "sex": "Sex",
}

#: Default matching (METHODS.md section 6): nearest neighbour with
#: replacement, caliper 0.2 standard deviations of the logit (Austin 2011),
#: three comparisons per participant (one-to-many, as the JDL's comparison
#: groups are; 1:1 left |SMD| above 10% on 6 of 8 synthetic seeds, 1:3 on none).
DEFAULT_MATCH: dict[str, Any] = {"method": "nearest", "k": 3, "replace": True, "caliper": 0.2}

#: Stated effects for the power table: a halving of offending (relative
#: change -0.5, a hazard ratio of 0.5) and 2 percentage points of attendance.
DEFAULT_TARGETS: dict[str, float] = {
    "first_formal_outcome": -0.5,
    "proven_offences": -0.5,
    "time_to_first_offence": 0.5,
    "attendance_change": 2.0,
}

_MONTHS = re.compile(r"^\s*(\d+)\s*M\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Comparison:
    """Who may be in the comparison pool.

    Parameters
    ----------
    within : {"authority", "all"}, default "authority"
        Match within each authority and programme year (``"authority"``), or
        within programme years only, across the evaluated authorities.
    sex : sequence of str, optional
        Sexes eligible for the pool; default the sexes among the
        participants (a programme for girls is compared with girls).
    ages : (int, int), optional
        Inclusive range of ages (whole years at the start date) eligible for
        the pool; default no restriction beyond the matching.
    exclude_known : bool, default True
        Leave out children already known to the service at the start: an
        offence or a (non-programme) intervention before it. Participants
        known at their start are excluded from the analysis as well.

    Examples
    --------
    >>> Comparison(ages=(11, 15))
    Comparison(within='authority', sex=None, ages=(11, 15), exclude_known=True)
    """

    within: Literal["authority", "all"] = "authority"
    sex: tuple[str, ...] | None = None
    ages: tuple[int, int] | None = None
    exclude_known: bool = True

    def __post_init__(self) -> None:
        check_choice("comparison within", self.within, ("authority", "all"))
        if self.sex is not None:
            if isinstance(self.sex, str):
                object.__setattr__(self, "sex", (self.sex,))
            else:
                object.__setattr__(self, "sex", tuple(self.sex))
        if self.ages is not None:
            lo, hi = (int(a) for a in self.ages)
            if lo > hi:
                raise ValueError(f"comparison ages must be (youngest, oldest); got {self.ages!r}")
            object.__setattr__(self, "ages", (lo, hi))


def as_comparison(value: Comparison | Mapping[str, Any] | None) -> Comparison:
    """A :class:`Comparison` from itself, a mapping of its fields, or None."""
    if value is None:
        return Comparison()
    if isinstance(value, Comparison):
        return value
    if isinstance(value, Mapping):
        valid = [f.name for f in fields(Comparison)]
        unknown = sorted(set(value) - set(valid))
        if unknown:
            raise ValueError(f"unknown comparison setting(s) {unknown}; valid ones are {valid}")
        return Comparison(**dict(value))
    raise ValueError(f"comparison must be a Comparison or a dict of its settings; got {value!r}")


def as_match(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """Matching settings with the defaults filled in, checked."""
    spec = dict(DEFAULT_MATCH)
    if value is not None:
        if not isinstance(value, Mapping):
            raise ValueError(f"match must be a dict such as {DEFAULT_MATCH}; got {value!r}")
        unknown = sorted(set(value) - set(DEFAULT_MATCH))
        if unknown:
            raise ValueError(f"unknown match setting(s) {unknown}; valid ones are {sorted(DEFAULT_MATCH)}")
        spec.update(value)
    check_choice("match method", spec["method"], ("nearest", "radius"))
    if isinstance(spec["k"], bool) or not isinstance(spec["k"], int) or spec["k"] < 1:
        raise ValueError(f"match k must be a positive whole number; got {spec['k']!r}")
    if spec["caliper"] is not None and not float(spec["caliper"]) > 0:
        raise ValueError(f"match caliper must be positive or None; got {spec['caliper']!r}")
    if spec["method"] == "radius" and (spec["caliper"] is None or not spec["replace"]):
        raise ValueError("radius matching needs a caliper and replace=True")
    return spec


def match_label(spec: Mapping[str, Any]) -> str:
    """Short description of a matching specification, e.g. ``1:1 nearest, with replacement,
    caliper 0.2 SD``."""
    if spec["method"] == "radius":
        head = "radius"
    else:
        head = f"1:{spec['k']} nearest"
    repl = "with replacement" if spec["replace"] else "without replacement"
    cal = "no caliper" if spec["caliper"] is None else f"caliper {float(spec['caliper']):g} SD"
    return f"{head}, {repl}, {cal}"


def as_outcomes(value: Sequence[str] | None) -> tuple[str, ...]:
    """Outcome names, checked, in the order of :data:`OUTCOMES`."""
    if value is None:
        return OUTCOMES
    if isinstance(value, str):
        value = [value]
    for name in value:
        check_choice("outcome", name, OUTCOMES)
    return tuple(o for o in OUTCOMES if o in set(value))


def as_covariates(value: Sequence[str] | None, available: Sequence[str]) -> tuple[str, ...]:
    """Covariate names, checked against the derived ones and the ``children`` columns."""
    if value is None:
        return DEFAULT_COVARIATES
    if isinstance(value, str):
        raise ValueError(f"covariates must be a list of names, e.g. [{value!r}]")
    valid = tuple(DERIVED_COVARIATES) + tuple(c for c in available if c not in ("child_id",))
    for name in value:
        check_choice("covariate", name, valid)
    return tuple(value)


def months(value: str | int, name: str) -> int:
    """Whole months from ``"12M"`` or an int."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number of months like '12M'; got {value!r}")
    if isinstance(value, int):
        n = value
    else:
        m = _MONTHS.match(str(value))
        if not m:
            raise ValueError(f"{name} must be a number of months like '12M'; got {value!r}")
        n = int(m.group(1))
    if n < 0:
        raise ValueError(f"{name} must not be negative; got {value!r}")
    return n


def as_period(value: object) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Start-date window of the evaluation.

    ``None`` (every start), a financial year ``"2023/24"``, a range of them
    ``"2022/23 to 2024/25"``, dates ``"2022-09-01 to 2024-08-31"``, or a pair
    of dates.

    Examples
    --------
    >>> [t.date().isoformat() for t in as_period("2022/23 to 2023/24")]
    ['2022-04-01', '2024-03-31']
    >>> [t.date().isoformat() for t in as_period(("2022-09-01", "2023-08-31"))]
    ['2022-09-01', '2023-08-31']
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"\s+to\s+", value.strip())]
        if len(parts) == 1:
            parts = parts * 2
        if len(parts) != 2:
            raise ValueError(f"period must be like '2023/24', '2022/23 to 2024/25' or "
                             f"'2022-09-01 to 2024-08-31'; got {value!r}")
        first, last = (_bound(p, i) for i, p in enumerate(parts))
    elif isinstance(value, Sequence) and len(value) == 2:
        first, last = (_bound(v, i) for i, v in enumerate(value))
    else:
        raise ValueError(f"period must be a label or a pair of dates; got {value!r}")
    if last < first:
        raise ValueError(f"period ends before it starts: {value!r}")
    return first, last


def _bound(value: object, which: int) -> pd.Timestamp:
    if isinstance(value, str) and re.match(r"^\d{4}\s*[/-]\s*\d{2,4}$", value.strip()):
        return financial_year_bounds(value)[which]
    try:
        return pd.Timestamp(value).normalize()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot read {value!r} as a financial year ('2023/24') or a date") from exc


# --------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Gate:
    """When a result may be called significant (read from ``evaluation_gates.yaml``)."""

    name: str
    alpha: float
    min_group_size: int
    min_np: int
    min_events: int
    source: str


def load_gate(gate: str | Mapping[str, Any] | Gate = "justice_data_lab") -> Gate:
    """The significance gate, by name from ``cohort/data/evaluation_gates.yaml`` or a mapping.

    Examples
    --------
    >>> g = load_gate()
    >>> g.alpha, g.min_group_size, g.min_np, g.min_events
    (0.05, 60, 10, 30)
    """
    if isinstance(gate, Gate):
        return gate
    if isinstance(gate, str):
        text = importlib.resources.files("cohort.data").joinpath("evaluation_gates.yaml").read_text(
            encoding="utf-8")
        gates = yaml.safe_load(text)
        check_choice("gate", gate, tuple(gates))
        spec = dict(gates[gate], name=gate)
    elif isinstance(gate, Mapping):
        spec = dict(gate)
        spec.setdefault("name", "custom")
        spec.setdefault("source", "given by the caller")
    else:
        raise ValueError(f"gate must be a name or a mapping; got {gate!r}")
    keys = ("alpha", "min_group_size", "min_np", "min_events")
    missing = [k for k in keys if k not in spec]
    if missing:
        raise ValueError(f"gate {spec['name']!r} lacks {missing}")
    return Gate(name=str(spec["name"]), alpha=float(spec["alpha"]),
                min_group_size=int(spec["min_group_size"]), min_np=int(spec["min_np"]),
                min_events=int(spec["min_events"]), source=str(spec["source"]).strip())
