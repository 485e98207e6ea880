"""Disclosure-control policies: the rules, read from configuration with their source."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

#: Shown in place of a suppressed value (GSS symbol for "confidential").
MARKER = "[c]"
#: Shown in place of a value that is missing in the statistics (GSS "not available").
MISSING = "[x]"

#: Columns of every audit DataFrame, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "table",
    "check",
    "status",
    "threshold",
    "unsafe_if",
    "n_cells",
    "n_affected",
    "n_suppressed",
    "affected_cells",
    "mitigation",
    "policy",
    "source",
    "message",
)

Comparison = Literal["below", "at_or_below"]
ZeroRule = Literal["safe", "attribute", "disclosive"]
Mitigation = Literal["suppress", "round", "none"]
Edition = Literal["management", "publication"]
Margin = Literal["auto", "denominator", "rates", "sum"]
EstimateScale = Literal["proportion", "percent", "rate"]
OnFail = Literal["raise", "audit"]

_TIDY_FIXED = ("numerator", "denominator", "confidence")
_ESTIMATE_COLUMNS = ("estimate", "lower", "upper")
_OPTION_KEYS = ("row_total", "col_total", "within", "by", "margin", "implicit_margins", "descriptive",
                "complements")

#: Numeric columns of the package's measure tables that describe a row rather
#: than count or derive from its numerator: shown as given, never suppressed.
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (
    "population_year", "cohorts", "neighbours", "per", "target", "phi", "tau2",
    "alert_lower", "alert_upper", "alarm_lower", "alarm_upper", "kpi_number",
)

#: Labels that announce a total line (compared case-insensitively with a label's start).
TOTAL_WORDS: tuple[str, ...] = ("total", "all")

#: Former names of shipped policies, still accepted by :func:`load_policy`.
ALIASES: dict[str, str] = {"local_board": "publication"}


def _choice(name: str, value: Any, options: Any) -> None:
    valid = get_args(options)
    if isinstance(value, bool) or value not in valid:
        raise ValueError(
            f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, valid))}"
        )



@dataclass(frozen=True)
class Policy:
    """A disclosure-control policy: the rules and the source they come from.

    Build one with :func:`load_policy`; every numeric rule is read from
    configuration, never defaulted in code.

    Parameters
    ----------
    name : str
        Short name, shown in audits and footnotes.
    source : str
        Where the rules come from (required and non-empty).
    threshold : int
        Smallest count that may be published.
    unsafe_if : {"below", "at_or_below"}
        ``"below"``: a count ``< threshold`` is unsafe (ACRO);
        ``"at_or_below"``: ``<= threshold`` is unsafe (mojSuppression).
    zeros : {"safe", "attribute", "disclosive"}
        Whether zeros are published, suppressed only when they reveal an
        attribute (everyone in a line shares one category), or always
        suppressed (ACRO ``zeros_are_disclosive``).
    check_complements : bool
        Also apply the threshold to ``denominator - numerator`` in rate tables.
    rate_min_numerator, rate_min_denominator : int
        Rates, percentages and interval limits are hidden when the numerator
        or the denominator is below these.
    mitigation : {"suppress", "round", "none"}
        Default mitigation of :func:`protect`; ``"none"`` shows every figure
        (the management edition) and only records the audit.
    round_base : int
        Rounding base when ``mitigation="round"``.
    percent_decimals : {0, 1}
        Decimal places of percentages in the presentation table.
    rate_decimals : int
        Decimal places of rates in the presentation table.
    nk_n, nk_k, p_ratio : int, float, float
        Magnitude-table dominance rules (ACRO ``safe_nk_n``, ``safe_nk_k``,
        ``safe_pratio_p``), used by :func:`check` with contributor data.
    description : str
        What the policy is for.
    edition : {"management", "publication"}
        ``"management"``: information for the partnership that is not
        published, every figure shown (``mitigation`` must be ``"none"``);
        ``"publication"``: anything that leaves the partnership.
    marking : str
        The line printed on every page and sheet of a report made under the
        policy (e.g. "Management information: not for publication").

    Examples
    --------
    >>> p = load_policy("publication")
    >>> p.threshold, p.unsafe_if, p.unsafe(4), p.unsafe(5), p.unsafe(0)
    (5, 'below', True, False, False)
    """

    name: str
    source: str
    threshold: int
    unsafe_if: Comparison
    zeros: ZeroRule
    check_complements: bool
    rate_min_numerator: int
    rate_min_denominator: int
    mitigation: Mitigation
    round_base: int
    percent_decimals: int
    rate_decimals: int
    nk_n: int
    nk_k: float
    p_ratio: float
    description: str = ""
    edition: Edition = "publication"
    marking: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append("name must be a non-empty string")
        if not isinstance(self.source, str) or not self.source.strip():
            problems.append("source must state where the rules come from")
        for attr, options in (
            ("unsafe_if", Comparison),
            ("zeros", ZeroRule),
            ("mitigation", Mitigation),
            ("edition", Edition),
        ):
            try:
                _choice(attr, getattr(self, attr), options)
            except ValueError as err:
                problems.append(str(err))
        for attr in ("threshold", "rate_min_numerator", "rate_min_denominator", "round_base", "nk_n"):
            v = getattr(self, attr)
            low = 0 if attr == "rate_min_numerator" else 1
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                problems.append(f"{attr} must be a whole number >= {low}, got {v!r}")
        if self.percent_decimals not in (0, 1) or isinstance(self.percent_decimals, bool):
            problems.append(f"percent_decimals must be 0 or 1, got {self.percent_decimals!r}")
        if isinstance(self.rate_decimals, bool) or not isinstance(self.rate_decimals, int) or self.rate_decimals < 0:
            problems.append(f"rate_decimals must be a whole number >= 0, got {self.rate_decimals!r}")
        if not isinstance(self.check_complements, bool):
            problems.append(f"check_complements must be true or false, got {self.check_complements!r}")
        if not (isinstance(self.nk_k, (int, float)) and 0 < self.nk_k <= 1):
            problems.append(f"nk_k must be in (0, 1], got {self.nk_k!r}")
        if not (isinstance(self.p_ratio, (int, float)) and 0 <= self.p_ratio < 1):
            problems.append(f"p_ratio must be in [0, 1), got {self.p_ratio!r}")
        if (self.edition == "management") != (self.mitigation == "none"):
            problems.append("a management edition has mitigation 'none', and only a management edition does")
        if problems:
            raise ValueError(f"invalid disclosure policy {self.name!r}: " + "; ".join(problems))

    def too_small(self, value: float) -> bool:
        """Whether ``value`` falls under the threshold by the policy's comparison.

        Used for counts, for sums of suppressed cells and for the width of a
        suppressed cell's feasible range.
        """
        if self.unsafe_if == "below":
            return bool(value < self.threshold)
        return bool(value <= self.threshold)

    def unsafe(self, count: float) -> bool:
        """Whether a positive count breaks the threshold rule (zeros are separate)."""
        return bool(count > 0 and self.too_small(count))

    def describe(self) -> str:
        """One sentence for a report footnote.

        Examples
        --------
        >>> load_policy("research").describe()
        'Counts below 10 and zeros are shown as [c]; ...'
        """
        cmp = "below" if self.unsafe_if == "below" else "at or below"
        if self.edition == "management":
            return (f"Management information: every figure is shown, counts {cmp} {self.threshold} "
                    f"included; not for publication. Policy: {self.name}.")
        what = f"Counts {cmp} {self.threshold}"
        if self.zeros == "disclosive":
            what += " and zeros"
        elif self.zeros == "attribute":
            what += " (and zeros that reveal that everyone in a group shares a category)"
        return (
            f"{what} are shown as {MARKER}; further cells are suppressed so that they cannot be "
            f"worked out from totals; rates and percentages are not shown when their numerator "
            f"is suppressed or below {self.rate_min_numerator}, or their denominator is below "
            f"{self.rate_min_denominator}. Policy: {self.name}."
        )


@functools.lru_cache(maxsize=1)
def _read_packaged_policies() -> str:
    return files("cohort.data").joinpath("disclosure_policies.yaml").read_text(encoding="utf-8")


def _packaged_policies() -> dict[str, dict[str, Any]]:
    return yaml.load(_read_packaged_policies(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def available_policies() -> list[str]:
    """Names of the policies shipped with ``cohort``.

    Examples
    --------
    >>> available_policies()
    ['management', 'non_personal', 'publication', 'research']
    """
    return sorted(_packaged_policies())


def load_policy(policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "publication") -> Policy:
    """Read a disclosure-control policy.

    Parameters
    ----------
    policy : str, path, mapping or Policy
        The name of a shipped policy (:func:`available_policies`), the path of
        a YAML file holding one policy, a mapping of the policy's fields, or a
        :class:`Policy` (returned unchanged). A file or mapping may say
        ``extends: publication`` to start from a shipped policy; it must give
        ``name`` and ``source``. ``"local_board"``, the former name of
        ``"publication"``, is still accepted.

    Returns
    -------
    Policy
        A frozen dataclass.

    Raises
    ------
    ValueError
        Unknown name, unreadable file, unknown or missing keys, or a rule out
        of range (every problem is listed).

    Examples
    --------
    >>> load_policy("research").threshold
    10
    >>> load_policy("management").edition, load_policy("publication").edition
    ('management', 'publication')
    >>> p = load_policy({"extends": "publication", "name": "strict", "source": "board minute 12",
    ...                  "unsafe_if": "at_or_below"})
    >>> p.unsafe(5), p.unsafe(6)
    (True, False)
    """
    if isinstance(policy, Policy):
        return policy
    packaged = _packaged_policies()
    if isinstance(policy, str) and policy in ALIASES:
        policy = ALIASES[policy]
    if isinstance(policy, Mapping):
        spec = dict(policy)
    elif isinstance(policy, str) and policy in packaged:
        spec = {"name": policy, **packaged[policy]}
    elif isinstance(policy, (str, os.PathLike)):
        path = Path(policy)
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            raise ValueError(
                f"unknown policy {str(policy)!r}; choose one of {', '.join(map(repr, sorted(packaged)))} "
                "or give the path of an existing .yaml file"
            )
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(loaded, Mapping):
            raise ValueError(f"{path}: a policy file must hold a mapping of policy fields")
        spec = dict(loaded)
    else:
        raise ValueError(f"policy must be a name, a path, a mapping or a Policy, got {type(policy).__name__}")
    base = spec.pop("extends", None)
    base = ALIASES.get(base, base) if isinstance(base, str) else base
    if base is not None:
        if base not in packaged:
            raise ValueError(
                f"extends={base!r} is not a shipped policy; choose one of {', '.join(map(repr, sorted(packaged)))}"
            )
        spec = {**packaged[base], **spec}
    valid = [f.name for f in fields(Policy)]
    unknown = sorted(set(spec) - set(valid))
    optional = ("description", "edition", "marking")
    missing = [f.name for f in fields(Policy) if f.name not in spec and f.name not in optional]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown keys {unknown} (valid: {valid})")
        if missing:
            parts.append(f"missing keys {missing}")
        raise ValueError("invalid disclosure policy: " + "; ".join(parts))
    return Policy(**spec)
