"""Statistical disclosure control for every table that leaves ``cohort``.

:func:`protect` suppresses (or rounds) the small counts of a frequency table,
adds the secondary suppressions that stop them being worked out from totals,
hides the rates, percentages and interval limits whose numerator is hidden,
and returns a :class:`Protected` result: the untouched statistics, the mask of
suppressed cells with a reason for each, the presentation table (suppressed
cells show ``[c]``, never a bare ``NaN``) and an audit record per check.
:func:`check` only reports on a table produced elsewhere. :func:`protect_linked`
and :func:`check_differencing` protect tables that overlap (a year and its
quarters, an authority and its areas) jointly.

Policies are configuration (``cohort/data/disclosure_policies.yaml``), each
with its stated source, chosen per report run: ``"local_board"`` (counts
below 5) and ``"research"`` (ACRO defaults, below 10, zeros disclosive).

Protection criterion
--------------------
For every cell that breaks the policy (a *primary* cell, shown or implied),
the reader who solves the linear system of everything published (the cells
shown, the totals shown, the totals assumed known, non-negativity) can only
place it in an interval ``[lo, hi]`` whose width ``hi - lo`` is not itself
below the threshold (``>= threshold`` when ``unsafe_if="below"``, ``>
threshold`` for ``"at_or_below"``). The mojSuppression line rules are applied
first and a linear-programming audit (:func:`scipy.optimize.linprog`) then
adds suppressions until the criterion holds. See ``docs/disclosure.md``.
"""

from __future__ import annotations

import functools
import html
import math
import os
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import yaml

from cohort.exceptions import DisclosureError

__all__ = [
    "AUDIT_COLUMNS",
    "MARKER",
    "MISSING",
    "Policy",
    "Protected",
    "available_policies",
    "check",
    "check_differencing",
    "load_policy",
    "protect",
    "protect_linked",
]

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
Mitigation = Literal["suppress", "round"]
Margin = Literal["auto", "denominator", "rates", "sum"]
EstimateScale = Literal["proportion", "percent", "rate"]
OnFail = Literal["raise", "audit"]

_TIDY_FIXED = ("numerator", "denominator", "confidence")
_ESTIMATE_COLUMNS = ("estimate", "lower", "upper")
_OPTION_KEYS = ("row_total", "col_total", "within", "by", "margin", "implicit_margins")


def _choice(name: str, value: Any, options: Any) -> None:
    valid = get_args(options)
    if isinstance(value, bool) or value not in valid:
        raise ValueError(
            f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, valid))}"
        )


# ---------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------


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
    mitigation : {"suppress", "round"}
        Default mitigation of :func:`protect`.
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

    Examples
    --------
    >>> p = load_policy("local_board")
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
        ):
            try:
                _choice(attr, getattr(self, attr), options)
            except ValueError as err:
                problems.append(str(err))
        for attr in ("threshold", "rate_min_numerator", "rate_min_denominator", "round_base", "nk_n"):
            v = getattr(self, attr)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                problems.append(f"{attr} must be a whole number >= 1, got {v!r}")
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
    ['local_board', 'non_personal', 'research']
    """
    return sorted(_packaged_policies())


def load_policy(policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "local_board") -> Policy:
    """Read a disclosure-control policy.

    Parameters
    ----------
    policy : str, path, mapping or Policy
        The name of a shipped policy (:func:`available_policies`), the path of
        a YAML file holding one policy, a mapping of the policy's fields, or a
        :class:`Policy` (returned unchanged). A file or mapping may say
        ``extends: local_board`` to start from a shipped policy; it must give
        ``name`` and ``source``.

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
    >>> p = load_policy({"extends": "local_board", "name": "strict", "source": "board minute 12",
    ...                  "unsafe_if": "at_or_below"})
    >>> p.unsafe(5), p.unsafe(6)
    (True, False)
    """
    if isinstance(policy, Policy):
        return policy
    packaged = _packaged_policies()
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
    if base is not None:
        if base not in packaged:
            raise ValueError(
                f"extends={base!r} is not a shipped policy; choose one of {', '.join(map(repr, sorted(packaged)))}"
            )
        spec = {**packaged[base], **spec}
    valid = [f.name for f in fields(Policy)]
    unknown = sorted(set(spec) - set(valid))
    missing = [f.name for f in fields(Policy) if f.name not in spec and f.name != "description"]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown keys {unknown} (valid: {valid})")
        if missing:
            parts.append(f"missing keys {missing}")
        raise ValueError("invalid disclosure policy: " + "; ".join(parts))
    return Policy(**spec)


# ---------------------------------------------------------------------------
# The constraint graph: cells and additive lines (total = sum of parts)
# ---------------------------------------------------------------------------


@dataclass
class _Graph:
    """Cells (nodes) and the additive relations between them.

    ``state`` is "shown" (in a presentation table), "hidden" (never shown and
    unknown to the reader: a residual, a complement, an unsafe implied total,
    an unpublished table) or "known" (not shown here but assumed published
    elsewhere: a safe implied total). ``check`` says which primary rules
    apply: "full" (threshold and zeros), "positive" (threshold only) or "none".
    """

    values: list[float] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    table: list[str] = field(default_factory=list)
    keys: dict[tuple[str, Hashable], int] = field(default_factory=dict)
    lines: list[tuple[int, tuple[int, ...], str]] = field(default_factory=list)

    def add(
        self,
        value: float,
        state: str,
        check: str,
        label: str,
        table: str,
        key: Hashable | None = None,
    ) -> int:
        self.values.append(float(value))
        self.state.append(state)
        self.check.append(check)
        self.label.append(label)
        self.table.append(table)
        i = len(self.values) - 1
        if key is not None:
            self.keys[(table, key)] = i
        return i

    def implied(self, value: float, policy: Policy, label: str, table: str, known: bool = True) -> int:
        """A total the table does not show; known to the reader only if safe (and ``known``)."""
        known = known and _safe(policy, value)
        return self.add(value, "known" if known else "hidden", "none", label, table)

    def line(self, total: int, parts: Sequence[int], mode: str = "none") -> None:
        self.lines.append((total, tuple(parts), mode))


def _safe(policy: Policy, value: float) -> bool:
    """A total that may be assumed published: finite and breaking no primary rule."""
    return math.isfinite(value) and not _primary_kind(policy, value, "full")


def _primary_kind(policy: Policy, value: float, check: str) -> str:
    if check == "none" or not math.isfinite(value):
        return ""
    if policy.unsafe(value):
        return "threshold"
    if value == 0 and check == "full" and policy.zeros == "disclosive":
        return "zero"
    return ""


def _attribute_zeros(g: _Graph, policy: Policy) -> dict[int, str]:
    """Zeros that reveal that everyone in a line shares one category."""
    out: dict[int, str] = {}
    if policy.zeros != "attribute":
        return out
    v = g.values
    # a zero in a line whose total is zero is told by that total already (published or assumed)
    told = {p for t, parts, _ in g.lines if v[t] == 0 for p in parts}
    for _total, parts, mode in g.lines:
        if mode == "none" or len(parts) < 2 or not all(math.isfinite(v[p]) for p in parts):
            continue
        positive = [p for p in parts if v[p] > 0]
        if len(positive) != 1:
            continue
        if mode == "symmetric":
            for p in parts:
                if v[p] == 0 and g.state[p] == "shown" and g.check[p] != "none" and p not in told:
                    out[p] = "attribute"
        elif mode == "complement":
            n, c = parts
            if v[c] == 0 and v[n] > 0:  # everyone in the group had the event (100%)
                out[c] = "attribute"
    return out


def _primaries(g: _Graph, policy: Policy) -> dict[int, str]:
    out = {
        i: k
        for i in range(len(g.values))
        if g.state[i] != "known" and (k := _primary_kind(policy, g.values[i], g.check[i]))
    }
    for i, k in _attribute_zeros(g, policy).items():
        out.setdefault(i, k)
    return out


def _components(n: int, lines: Sequence[tuple[int, tuple[int, ...], str]]) -> np.ndarray:
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for t, parts, _ in lines:
        ra = find(t)
        for p in parts:
            rb = find(p)
            if rb != ra:
                parent[rb] = ra
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def _ranges(
    g: _Graph, unknown: np.ndarray, targets: Sequence[int], comp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Feasible [min, max] of each target given everything known (LP relaxation)."""
    n = len(g.values)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    if not len(targets):
        return lo, hi
    from scipy import sparse
    from scipy.optimize import linprog

    by_comp: dict[int, list[int]] = {}
    for t in targets:
        by_comp.setdefault(int(comp[t]), []).append(int(t))
    lines_by_comp: dict[int, list[tuple[int, tuple[int, ...], str]]] = {}
    for ln in g.lines:
        lines_by_comp.setdefault(int(comp[ln[0]]), []).append(ln)
    vals = g.values
    for cid, tl in by_comp.items():
        lines = lines_by_comp.get(cid, [])
        var_nodes = sorted({c for t, parts, _ in lines for c in (t, *parts) if unknown[c]} | set(tl))
        pos = {c: k for k, c in enumerate(var_nodes)}
        rows, rhs = [], []
        for t, parts, _ in lines:
            row = np.zeros(len(var_nodes))
            b = 0.0
            for c, coef in ((t, 1.0), *((p, -1.0) for p in parts)):
                if unknown[c]:
                    row[pos[c]] += coef
                else:
                    b -= coef * vals[c]
            if row.any():
                rows.append(row)
                rhs.append(b)
        if not rows:
            lo[tl], hi[tl] = 0.0, np.inf
            continue
        # One LP per component: 2K independent copies of the system (a min copy and a
        # max copy per target), block-diagonal, so each copy reaches its own optimum.
        # Variables are capped at a bound far above any bounded optimum; a maximum
        # at the cap means "unbounded".
        a_eq = sparse.csr_matrix(np.vstack(rows))
        b_eq = np.asarray(rhs)
        nv, k = len(var_nodes), len(tl)
        finite = [abs(vals[c]) for t_, parts, _ in lines for c in (t_, *parts) if math.isfinite(vals[c])]
        cap = 10.0 * (sum(finite) + 10.0) + 1000.0
        obj = np.zeros((2 * k, nv))
        for j, t in enumerate(tl):
            obj[2 * j, pos[t]] = 1.0
            obj[2 * j + 1, pos[t]] = -1.0
        res = linprog(obj.ravel(), A_eq=sparse.block_diag([a_eq] * (2 * k), format="csr"),
                      b_eq=np.tile(b_eq, 2 * k), bounds=(0, cap), method="highs")
        if res.status != 0:
            continue  # infeasible: a published table that does not add up (NaN = cannot certify)
        x = res.x.reshape(2 * k, nv)
        for j, t in enumerate(tl):
            lo[t] = x[2 * j, pos[t]]
            top = x[2 * j + 1, pos[t]]
            hi[t] = np.inf if top >= cap * (1 - 1e-9) - 1e-6 else top
    return lo, hi


def _width_ok(policy: Policy, lo: float, hi: float) -> bool:
    if math.isnan(lo) or math.isnan(hi):
        return False
    if math.isinf(hi):
        return True
    return not policy.too_small(round(hi - lo, 6))


@dataclass
class _Solution:
    primary: dict[int, str]
    suppressed: np.ndarray
    secondary: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    failed: list[int]
    rounded: np.ndarray | None


def _round_graph(g: _Graph, base: int) -> np.ndarray:
    """Round leaf cells half up to ``base``; totals = sum of rounded parts, re-rounded."""
    vals = np.asarray(g.values, dtype=float)
    out = np.full(len(vals), np.nan)
    totals = {t for t, _, _ in g.lines}
    for i, v in enumerate(vals):
        if i not in totals and math.isfinite(v):
            out[i] = base * math.floor(v / base + 0.5)
    progress = True
    while progress:
        progress = False
        for t, parts, _ in g.lines:
            if math.isnan(out[t]) and all(math.isfinite(out[p]) for p in parts):
                out[t] = base * math.floor(sum(out[p] for p in parts) / base + 0.5)
                progress = True
    return out


def _solve(g: _Graph, policy: Policy, mitigation: str) -> _Solution:
    n = len(g.values)
    vals = g.values
    state = np.asarray(g.state, dtype=object)
    primary = _primaries(g, policy)
    shown = state == "shown"
    nan = np.full(n, np.nan)
    if mitigation == "round":
        return _Solution(primary, np.zeros(n, bool), np.zeros(n, bool), nan, nan.copy(), [],
                         _round_graph(g, policy.round_base))
    suppressed = np.zeros(n, bool)
    for i in primary:
        suppressed[i] = bool(shown[i])
    secondary = np.zeros(n, bool)
    unknown = (state == "hidden") | suppressed
    is_primary = np.zeros(n, bool)
    is_primary[list(primary)] = True
    is_total = np.zeros(n, bool)
    lines_of: list[list[int]] = [[] for _ in range(n)]
    for li, (t, parts, _) in enumerate(g.lines):
        is_total[t] = True
        for c in (t, *parts):
            lines_of[c].append(li)
    comp = _components(n, g.lines)

    def rank(c: int, skip_line: int = -1) -> tuple:
        cross = any(
            unknown[x] and x != c
            for li in lines_of[c]
            if li != skip_line
            for x in (g.lines[li][0], *g.lines[li][1])
        )
        return (bool(is_total[c]), vals[c] == 0, vals[c], not cross, c)

    def add(c: int) -> None:
        suppressed[c] = True
        unknown[c] = True
        secondary[c] = True

    def partner(li: int) -> int | None:
        t, parts, _ = g.lines[li]
        cands = [p for p in parts if shown[p] and not suppressed[p]]
        if not cands and shown[t] and not suppressed[t]:
            cands = [t]
        if not cands:
            return None
        return min(cands, key=lambda c: rank(c, li))

    def line_rules() -> None:
        changed = True
        while changed:
            changed = False
            for li, (t, parts, _) in enumerate(g.lines):
                cells = (t, *parts)
                u = [c for c in cells if unknown[c]]
                if not u or not any(suppressed[c] or is_primary[c] for c in u):
                    continue
                need = len(u) == 1 or (not unknown[t] and policy.too_small(sum(vals[c] for c in u)))
                if need:
                    c = partner(li)
                    if c is not None:
                        add(c)
                        changed = True

    def escalate(p: int) -> int | None:
        seen_lines: set[int] = set()
        visited = {p}
        frontier = [p]
        while frontier:
            cands, nxt = [], []
            for c in frontier:
                for li in lines_of[c]:
                    if li in seen_lines:
                        continue
                    seen_lines.add(li)
                    t, parts, _ = g.lines[li]
                    for x in (t, *parts):
                        if shown[x] and not suppressed[x]:
                            cands.append(x)
                        elif unknown[x] and x not in visited:
                            visited.add(x)
                            nxt.append(x)
            if cands:
                return min(cands, key=rank)
            frontier = nxt
        return None

    targets = sorted(primary)
    while True:
        line_rules()
        lo, hi = _ranges(g, unknown, targets, comp)
        bad = [p for p in targets if not _width_ok(policy, lo[p], hi[p])]
        if not bad:
            break
        done_comps: set[int] = set()
        for p in bad:
            if int(comp[p]) in done_comps:
                continue
            c = escalate(p)
            if c is not None:
                add(c)
                done_comps.add(int(comp[p]))
        if not done_comps:
            break
    return _Solution(primary, suppressed, secondary, lo, hi, bad, None)


# ---------------------------------------------------------------------------
# Reading tables into the graph
# ---------------------------------------------------------------------------


@dataclass
class _Layout:
    name: str
    kind: str  # "wide" | "long"
    frame: pd.DataFrame
    original: pd.DataFrame | pd.Series
    count_cells: dict[tuple[int, int], int]
    derived: dict[tuple[int, int], tuple[int, int | None]]
    shown_derived: set[tuple[int, int]]
    options: dict[str, Any]
    layouts: dict[str, int]


def _parse_numbers(s: pd.Series) -> np.ndarray:
    """Numbers from a column that may hold presentation strings ("1,234", "[c]", "12%")."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = s.astype(object).map(lambda x: x if isinstance(x, str) else ("" if pd.isna(x) else str(x)))
    text = text.str.replace(",", "", regex=False).str.replace("%", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_count(v: float) -> bool:
    return math.isfinite(v) and v >= 0 and float(v).is_integer()


def _raise_problems(what: str, problems: list[str]) -> None:
    if problems:
        shown = problems[:10]
        more = f" ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise ValueError(f"{what}: " + "; ".join(shown) + more)


def _build(g: _Graph, name: str, table: Any, opts: Mapping[str, Any], policy: Policy, mode: str) -> _Layout:
    if isinstance(table, pd.DataFrame) and "numerator" in table.columns:
        if opts.get("row_total") is not None or opts.get("col_total") is not None:
            raise ValueError("row_total and col_total are for wide tables; a long table's margins come from margin=")
        return _build_long(g, name, table, opts, policy, mode)
    if isinstance(table, (pd.DataFrame, pd.Series)):
        return _build_wide(g, name, table, opts, policy, mode)
    raise TypeError(f"table must be a pandas DataFrame or Series, got {type(table).__name__}")


def _build_wide(g: _Graph, name: str, table: pd.DataFrame | pd.Series, opts: Mapping[str, Any],
                policy: Policy, mode: str) -> _Layout:
    if isinstance(table, pd.Series):
        if opts.get("col_total") is not None:
            raise ValueError("col_total cannot be given for a Series (a 1-D table); use row_total")
        frame = table.to_frame(name=table.name if table.name is not None else "count")
    else:
        frame = table
    rows, cols = list(frame.index), list(frame.columns)
    if not frame.index.is_unique or not frame.columns.is_unique:
        raise ValueError("row and column labels of a wide table must be unique")
    ri = _label_position(rows, opts.get("row_total"), "row_total", "row")
    ci = _label_position(cols, opts.get("col_total"), "col_total", "column")
    vals = np.column_stack([_parse_numbers(frame.iloc[:, j]) for j in range(frame.shape[1])]) if cols else np.empty((len(rows), 0))
    if mode == "protect":
        bad = [f"{rows[i]}/{cols[j]} = {frame.iat[i, j]!r}" for i in range(len(rows)) for j in range(len(cols))
               if not _is_count(vals[i, j])]
        _raise_problems("a wide table must hold counts (whole numbers >= 0, no missing values)", bad)
    implicit = bool(opts.get("implicit_margins", True))
    node: dict[tuple[int, int], int] = {}
    series = isinstance(table, pd.Series)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            node[(i, j)] = g.add(vals[i, j], "shown", "full", str(r) if series else f"{r}/{c}", name,
                                 key=(r,) if series else (r, c))
    int_rows = [i for i in range(len(rows)) if i != ri]
    int_cols = [j for j in range(len(cols)) if j != ci]
    # Implied totals are assumed known only as a family: if one row total is
    # unsafe, the others (and the grand total) would reveal it, so none is known.
    row_sums = [float(np.sum(vals[i, int_cols])) for i in range(len(rows))]
    col_sums = [float(np.sum(vals[int_rows, j])) for j in range(len(cols))]
    rows_known = ci is None and all(_safe(policy, v) for v in row_sums)
    cols_known = ri is None and all(_safe(policy, v) for v in col_sums)
    row_tot: dict[int, int] = {}
    for i in range(len(rows)):
        parts = [node[(i, j)] for j in int_cols]
        mode_ = "symmetric" if i != ri else "none"
        if ci is not None:
            g.line(node[(i, ci)], parts, mode_)
        elif implicit and len(parts) >= 2:
            row_tot[i] = g.implied(row_sums[i], policy, f"{rows[i]}/(row total, not shown)", name, rows_known)
            g.line(row_tot[i], parts, mode_)
    col_tot: dict[int, int] = {}
    for j in range(len(cols)):
        parts = [node[(i, j)] for i in int_rows]
        mode_ = "symmetric" if j != ci else "none"
        if ri is not None:
            g.line(node[(ri, j)], parts, mode_)
        elif implicit and len(parts) >= 2:
            col_tot[j] = g.implied(col_sums[j], policy, f"(column total, not shown)/{cols[j]}", name,
                                   cols_known)
            g.line(col_tot[j], parts, mode_)
    # totals of the implied totals
    if ri is not None and ci is None and row_tot and ri in row_tot:
        inner = [row_tot[i] for i in int_rows if i in row_tot]
        if len(inner) == len(int_rows) and len(inner) >= 2:
            g.line(row_tot[ri], inner)
    if ci is not None and ri is None and col_tot and ci in col_tot:
        inner = [col_tot[j] for j in int_cols if j in col_tot]
        if len(inner) == len(int_cols) and len(inner) >= 2:
            g.line(col_tot[ci], inner)
    if ri is None and ci is None and row_tot and col_tot and len(row_tot) == len(rows) and len(col_tot) == len(cols):
        grand = g.implied(_fsum(vals), policy, "(grand total, not shown)", name, rows_known and cols_known)
        g.line(grand, list(row_tot.values()))
        g.line(grand, list(col_tot.values()))
    return _Layout(name, "wide", frame, table, node, {}, set(), dict(opts), {})


def _label_position(labels: list[Hashable], label: Hashable | None, arg: str, what: str) -> int | None:
    if label is None:
        return None
    if label not in labels:
        raise ValueError(f"{arg}={label!r} is not a {what} label of the table; {what} labels: {labels[:20]}")
    return labels.index(label)


def _build_long(g: _Graph, name: str, df: pd.DataFrame, opts: Mapping[str, Any], policy: Policy,
                mode: str) -> _Layout:
    cols = list(df.columns)
    if len(set(map(str, cols))) != len(cols):
        raise ValueError("column names of a long table must be unique")
    within = opts.get("within", "auto")
    if within == "auto":
        # the package's long tables name a block's categories group_value
        # (profiles) or category (KPIs, victims)
        within = next((c for c in ("group_value", "category") if c in cols), None)
    elif within is not None and within not in cols:
        raise ValueError(f"within={within!r} is not a column; columns: {cols}")
    by = opts.get("by")
    if by is None:
        by = [c for c in cols[: cols.index("numerator")] if c != within]
    else:
        by = [by] if isinstance(by, str) else list(by)
        missing = [c for c in by if c not in cols]
        if missing:
            raise ValueError(f"by={missing} are not columns; columns: {cols}")
    margin = opts.get("margin", "auto")
    _choice("margin", margin, Margin)
    has_den = "denominator" in cols
    if margin in ("denominator", "rates") and not has_den:
        raise ValueError(f"margin={margin!r} needs a 'denominator' column")
    key_cols = by + ([within] if within is not None else [])
    skip = set(key_cols) | set(_TIDY_FIXED)
    derived_cols = [
        c for c in cols
        if c not in skip and (
            (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))
            or (mode == "check" and (c in _ESTIMATE_COLUMNS or df[c].astype(object).isin([MARKER]).any()))
        )
    ]
    nr = len(df)
    num = _parse_numbers(df["numerator"])
    den = _parse_numbers(df["denominator"]) if has_den else np.full(nr, np.nan)
    if mode == "protect":
        bad = [f"row {r}: numerator {df['numerator'].iat[r]!r}" for r in range(nr) if not _is_count(num[r])]
        if has_den:
            bad += [f"row {r}: denominator {df['denominator'].iat[r]!r}" for r in range(nr)
                    if not (math.isfinite(den[r]) and den[r] >= 0)]
        _raise_problems("numerators must be counts (whole numbers >= 0) and denominators numbers >= 0", bad)
    key_values = [df[c].tolist() for c in key_cols]
    labels = [
        " | ".join(str(v[r]) for v in key_values) if key_cols else str(df.index[r]) for r in range(nr)
    ]
    blocks: dict[tuple, list[int]] = {}
    for r in range(nr):
        k = tuple("<NA>" if _isna(df[c].iat[r]) else df[c].iat[r] for c in by)
        blocks.setdefault(k, []).append(r)
    col_num = cols.index("numerator")
    col_den = cols.index("denominator") if has_den else None
    count_cells: dict[tuple[int, int], int] = {}
    num_node: dict[int, int] = {}
    den_node: dict[int, int | None] = {}
    seen_layouts: dict[str, int] = {}
    dups: list[str] = []
    for bkey, rows_ in blocks.items():
        blabel = " | ".join(map(str, bkey)) if bkey else name
        if within is not None:
            wv = [str(df[within].iat[r]) for r in rows_]
            if len(set(wv)) != len(wv):
                dups.append(blabel)
        nv, dv = num[rows_], den[rows_]
        lay = margin
        if lay == "auto":
            if not has_den:
                lay = "sum"
            else:
                dk = dv[np.isfinite(dv)]
                same = len(np.unique(dk)) <= 1 and len(dk) in (0, len(rows_))
                fits = (not len(dk)) or (not np.all(np.isfinite(nv))) or nv.sum() <= dk[0] + 1e-9
                lay = "denominator" if (len(rows_) >= 2 and same and fits) else "rates"
        seen_layouts[lay] = seen_layouts.get(lay, 0) + 1
        for r in rows_:
            num_node[r] = g.add(num[r], "shown", "full", f"{labels[r]} / numerator", name,
                                key=(_row_key(df, key_cols, r), "numerator"))
            count_cells[(r, col_num)] = num_node[r]
        if lay == "sum":
            for r in rows_:
                den_node[r] = None
                if has_den:
                    den_node[r] = g.add(den[r], "shown", "full", f"{labels[r]} / denominator", name,
                                        key=(_row_key(df, key_cols, r), "denominator"))
                    count_cells[(r, col_den)] = den_node[r]
            if len(rows_) >= 2:
                nsum = float(np.sum(nv))
                tot = g.implied(nsum, policy, f"{blabel} / (total of numerators, not shown)", name)
                g.line(tot, [num_node[r] for r in rows_], "symmetric")
        elif lay == "denominator":
            d0 = dv[np.isfinite(dv)]
            d_val = float(d0[0]) if len(d0) == len(rows_) else np.nan
            dn = g.add(d_val, "shown", "full", f"{blabel} / denominator", name, key=(bkey, "denominator"))
            for r in rows_:
                den_node[r] = dn
                count_cells[(r, col_den)] = dn
            parts = [num_node[r] for r in rows_]
            resid = d_val - float(np.sum(nv)) if math.isfinite(d_val) and np.all(np.isfinite(nv)) else np.nan
            if math.isfinite(resid) and resid < -1e-9:
                raise ValueError(
                    f"{blabel}: the numerators sum to more than the denominator, so the block is not a "
                    "partition of it; use margin='rates'"
                )
            if not math.isfinite(resid) or resid > 0:
                parts.append(g.add(resid, "hidden", "positive" if mode == "protect" else "none",
                                   f"{blabel} / (denominator minus the rows shown, not shown)", name))
            g.line(dn, parts, "symmetric")
        else:  # rates
            comps: list[int] = []
            for r in rows_:
                den_node[r] = g.add(den[r], "shown", "full", f"{labels[r]} / denominator", name,
                                    key=(_row_key(df, key_cols, r), "denominator"))
                count_cells[(r, col_den)] = den_node[r]
                n_r, d_r = num[r], den[r]
                known = math.isfinite(n_r) and math.isfinite(d_r)
                if not known or (n_r <= d_r and float(d_r).is_integer()):
                    cv = d_r - n_r if known else np.nan
                    chk = "full" if (policy.check_complements and mode == "protect") else "none"
                    c = g.add(cv, "hidden", chk, f"{labels[r]} / (denominator minus numerator, not shown)", name)
                    g.line(den_node[r], [num_node[r], c], "complement")
                    comps.append(c)
            if opts.get("implicit_margins", True) and len(rows_) >= 2:
                # D = N + C: never assume two of them known when that reveals an unsafe third
                nsum, dsum = _fsum(nv), _fsum(dv)
                csum = _fsum(np.asarray([g.values[c] for c in comps])) if len(comps) == len(rows_) else np.nan
                c_unsafe = math.isfinite(csum) and not _safe(policy, csum) and policy.check_complements
                ntot = g.implied(nsum, policy, f"{blabel} / (total of numerators, not shown)", name,
                                 not c_unsafe)
                g.line(ntot, [num_node[r] for r in rows_])
                dtot = g.implied(dsum, policy, f"{blabel} / (total of denominators, not shown)", name)
                g.line(dtot, [den_node[r] for r in rows_])  # type: ignore[misc]
                if len(comps) == len(rows_):
                    ctot = g.implied(csum, policy, f"{blabel} / (total of complements, not shown)", name,
                                     _safe(policy, nsum))
                    g.line(ctot, comps)
                    g.line(dtot, [ntot, ctot])
    if dups:
        raise ValueError(f"{within!r} repeats a value within a block: {dups[:10]}; pass by= to say what a block is")
    derived: dict[tuple[int, int], tuple[int, int | None]] = {}
    shown_derived: set[tuple[int, int]] = set()
    for c in derived_cols:
        j = cols.index(c)
        for r in range(nr):
            derived[(r, j)] = (num_node[r], den_node.get(r))
            x = df[c].iat[r]
            if not (_isna(x) or (isinstance(x, str) and (x.strip() in ("", MARKER, MISSING)))):
                shown_derived.add((r, j))
    options = {**dict(opts), "within": within, "by": by}
    return _Layout(name, "long", df, df, count_cells, derived, shown_derived, options, seen_layouts)


def _isna(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _fsum(a: np.ndarray) -> float:
    return float(np.sum(a)) if np.all(np.isfinite(a)) else np.nan


def _row_key(df: pd.DataFrame, key_cols: list[str], r: int) -> Hashable:
    if not key_cols:
        return df.index[r]
    return tuple("<NA>" if _isna(df[c].iat[r]) else df[c].iat[r] for c in key_cols)


# ---------------------------------------------------------------------------
# Presentation and audit
# ---------------------------------------------------------------------------


def _fmt_count(v: float) -> str:
    return f"{int(round(v)):,}"


def _fmt_derived(x: float, col: Hashable, scale: str, policy: Policy, pct: int) -> str:
    if col in _ESTIMATE_COLUMNS:
        if scale == "proportion":
            return f"{x * 100:.{pct}f}%"
        if scale == "percent":
            return f"{x:.{pct}f}%"
        return f"{x:,.{policy.rate_decimals}f}"
    return f"{x:.3g}"


@dataclass(frozen=True, eq=False, repr=False)
class Protected:
    """A table after disclosure control.

    Attributes
    ----------
    table : pandas.DataFrame
        The presentation table (object dtype): counts as whole numbers with
        thousands separators, proportions as percentages, rates to the
        policy's decimal places; suppressed cells show ``[c]`` and values
        missing in the statistics show ``[x]``. Show this one.
    values : pandas.DataFrame or pandas.Series
        A copy of the statistics as given, never rounded or altered.
    suppressed : pandas.DataFrame
        Boolean mask, same shape as ``table``: ``True`` where ``[c]`` is shown.
    reasons : pandas.DataFrame
        Why each cell differs from the statistics: ``"primary"`` (breaks the
        threshold or zero rule), ``"secondary"`` (suppressed so others cannot
        be worked out), ``"numerator-suppressed"`` (a rate whose numerator or
        denominator is suppressed), ``"small-base"`` (a rate on a numerator or
        denominator below the policy's minimum), ``"rounding"`` (a count
        rounded, or a rate hidden because its numerator is rounded), or ``""``.
    audit : pandas.DataFrame
        One row per check, columns :data:`AUDIT_COLUMNS`. For the output
        checker: ``affected_cells`` tells which suppressed cells are the
        small ones, so do not publish it beside the table
        (:meth:`public_audit` is safe to publish).
    cells : pandas.DataFrame
        Evidence per count cell (including implied cells the table does not
        show): ``table``, ``cell``, ``value``, ``shown``, ``suppressed``,
        ``reason``, ``rule``, ``lower_bound``, ``upper_bound`` (the feasible
        range a reader could compute, for primary cells) and ``rounded``.
        Confidential.
    policy : Policy
    name : str
    """

    table: pd.DataFrame
    values: pd.DataFrame | pd.Series
    suppressed: pd.DataFrame
    reasons: pd.DataFrame
    audit: pd.DataFrame
    cells: pd.DataFrame
    policy: Policy
    name: str
    mitigation: str = "suppress"
    _layout: Any = field(default=None, repr=False)

    @property
    def status(self) -> str:
        """``"fail"`` if any check failed, else ``"review"`` if any needs review, else ``"pass"``."""
        s = set(self.audit["status"])
        return "fail" if "fail" in s else "review" if "review" in s else "pass"

    @property
    def n_suppressed(self) -> int:
        """Number of cells shown as ``[c]``."""
        return int(self.suppressed.to_numpy().sum())

    def public_audit(self) -> pd.DataFrame:
        """The audit without cell positions or messages: safe to print in a report."""
        return self.audit[["table", "check", "status", "threshold", "unsafe_if", "n_cells",
                           "n_suppressed", "mitigation", "policy", "source"]].copy()

    def footnote(self) -> str:
        """A sentence for under the table: the policy and the outcome of the checks."""
        checks = {"pass": "all disclosure checks passed", "review": "disclosure checks need review",
                  "fail": "DISCLOSURE CHECKS FAILED"}[self.status]
        rounding = f" Counts are rounded to the nearest {self.policy.round_base}." if self.mitigation == "round" else ""
        return f"{self.policy.describe()}{rounding} {self.n_suppressed} cells suppressed; {checks}."

    def __repr__(self) -> str:
        return (f"Protected(name={self.name!r}, policy={self.policy.name!r}, shape={self.table.shape}, "
                f"suppressed={self.n_suppressed}, status={self.status!r})")

    def _repr_html_(self) -> str:
        index = self._layout is None or self._layout.kind == "wide"
        body = self.table.to_html(index=index, escape=True, na_rep=MISSING)
        return (
            f'<div class="cohort-protected"><p><strong>{html.escape(self.name)}</strong></p>{body}'
            f'<p style="font-size:smaller">{html.escape(self.footnote())}</p></div>'
        )


def _present(lay: _Layout, g: _Graph, sol: _Solution, policy: Policy, mitigation: str, scale: str,
             pct: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = lay.frame
    nr, nc = frame.shape
    text = np.empty((nr, nc), dtype=object)
    sup = np.zeros((nr, nc), dtype=bool)
    why = np.full((nr, nc), "", dtype=object)
    for j in range(nc):
        col = frame.iloc[:, j]
        for r in range(nr):
            x = col.iat[r]
            text[r, j] = "" if _isna(x) else x
    for (r, j), node in lay.count_cells.items():
        if sol.suppressed[node]:
            text[r, j], sup[r, j] = MARKER, True
            why[r, j] = "primary" if node in sol.primary else "secondary"
        elif sol.rounded is not None:
            text[r, j] = _fmt_count(sol.rounded[node])
            if sol.rounded[node] != g.values[node]:
                why[r, j] = "rounding"
        else:
            text[r, j] = _fmt_count(g.values[node])
    for (r, j), (nn, dn) in lay.derived.items():
        x = frame.iat[r, j]
        nv = g.values[nn]
        dv = g.values[dn] if dn is not None else np.nan
        reason = ""
        if sol.suppressed[nn] or (dn is not None and sol.suppressed[dn]):
            reason = "numerator-suppressed"
        elif sol.rounded is not None and policy.unsafe(nv):
            reason = "rounding"
        elif nv < policy.rate_min_numerator or (dn is not None and dv < policy.rate_min_denominator):
            reason = "small-base"
        if reason:
            text[r, j], sup[r, j], why[r, j] = MARKER, True, reason
        elif _isna(x):
            text[r, j] = MISSING
        else:
            text[r, j] = _fmt_derived(float(x), frame.columns[j], scale, policy, pct)
    mk = lambda a, dtype: pd.DataFrame(a, index=frame.index, columns=frame.columns, dtype=dtype)  # noqa: E731
    return mk(text, object), mk(sup, bool), mk(why, object)


def _record(name: str, check_: str, status: str, policy: Policy, n_cells: int, n_supp: int,
            affected: Sequence[str], mitigation: str, message: str) -> dict[str, Any]:
    return {
        "table": name, "check": check_, "status": status, "threshold": policy.threshold,
        "unsafe_if": policy.unsafe_if, "n_cells": n_cells, "n_affected": len(affected),
        "n_suppressed": n_supp, "affected_cells": "; ".join(affected), "mitigation": mitigation,
        "policy": policy.name, "source": policy.source, "message": message,
    }


def _audit_protect(lay: _Layout, g: _Graph, sol: _Solution, policy: Policy, mitigation: str,
                   sup: pd.DataFrame, why: pd.DataFrame, linked: Sequence[str] = ()) -> pd.DataFrame:
    name = lay.name
    mine = [i for i in range(len(g.values)) if g.table[i] == name]
    n_cells = len(lay.count_cells)
    n_supp = int(sup.to_numpy().sum())
    cmp = "below" if policy.unsafe_if == "below" else "at or below"
    rec = []
    thr = [i for i in mine if sol.primary.get(i) == "threshold"]
    act = "suppressed" if mitigation == "suppress" else f"rounded to base {policy.round_base}"
    rec.append(_record(
        name, "threshold", "pass", policy, n_cells, n_supp, [g.label[i] for i in thr],
        mitigation if thr else "none",
        f"{len(thr)} cells {cmp} {policy.threshold} {act}" if thr else f"no count {cmp} {policy.threshold}",
    ))
    if policy.zeros != "safe":
        zs = [i for i in mine if sol.primary.get(i) in ("zero", "attribute")]
        what = "zeros" if policy.zeros == "disclosive" else "zeros revealing an attribute"
        rec.append(_record(name, "zeros", "pass", policy, n_cells, n_supp, [g.label[i] for i in zs],
                           mitigation if zs else "none",
                           f"{len(zs)} {what} {act}" if zs else f"no {what}"))
    if mitigation == "suppress":
        sec = [i for i in mine if sol.secondary[i]]
        rec.append(_record(name, "secondary", "pass", policy, n_cells, n_supp, [g.label[i] for i in sec],
                           "suppress" if sec else "none",
                           f"{len(sec)} further cells suppressed so that no suppressed cell can be worked out "
                           "from row, column or block totals" if sec else "no further suppression needed"))
        prim = [i for i in mine if i in sol.primary]
        bad = [i for i in sol.failed if g.table[i] == name]
        joint = f" jointly with {', '.join(linked)}" if linked else ""
        rec.append(_record(
            name, "interval_protection", "fail" if bad else "pass", policy, n_cells, n_supp,
            [g.label[i] for i in bad], "suppress",
            (f"{len(bad)} protected cells can be narrowed to a range {cmp} {policy.threshold} wide from the "
             f"published cells and totals{joint}; merge categories or suppress totals")
            if bad else
            (f"each of the {len(prim)} protected cells can only be bounded to a range at least as wide as the "
             f"threshold from the published cells and totals{joint} (linear-programming audit)")
            if prim else "no cell needs protecting"))
    if lay.derived:
        hidden = [(r, j) for (r, j) in lay.derived if sup.iat[r, j]]
        labels = [f"{_pos_label(lay, r)} / {lay.frame.columns[j]}" for r, j in hidden]
        rec.append(_record(
            name, "rates", "pass", policy, n_cells, n_supp, labels, "suppress" if hidden else "none",
            f"{len(hidden)} rates, percentages or interval limits hidden (numerator or denominator "
            f"suppressed, numerator below {policy.rate_min_numerator} or denominator below "
            f"{policy.rate_min_denominator})" if hidden else "every rate rests on a safe numerator and denominator"))
    if mitigation == "round":
        changed = [f"{_pos_label(lay, r)} / {lay.frame.columns[j]}" for (r, j) in lay.count_cells if why.iat[r, j] == "rounding"]
        rec.append(_record(name, "rounding", "pass", policy, n_cells, n_supp, changed, "round",
                           f"counts rounded half up to base {policy.round_base}; totals recomputed from the "
                           "rounded cells and re-rounded, so rounded totals add up"))
    if lay.kind == "long" and lay.layouts:
        desc = ", ".join(f"{k} blocks: {v}" for k, v in sorted(lay.layouts.items()))
        rec.append(_record(name, "structure", "pass", policy, n_cells, n_supp, [], "none",
                           f"long table read as {desc} (margin={lay.options.get('margin', 'auto')!r})"))
    return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))


def _pos_label(lay: _Layout, r: int) -> str:
    if lay.kind == "wide":
        return str(lay.frame.index[r])
    keys = [c for c in (*lay.options.get("by", []), lay.options.get("within")) if c is not None]
    if not keys:
        return str(lay.frame.index[r])
    return " | ".join(str(lay.frame[c].iat[r]) for c in keys)


def _evidence(lay: _Layout, g: _Graph, sol: _Solution) -> pd.DataFrame:
    mine = [i for i in range(len(g.values)) if g.table[i] == lay.name and g.state[i] != "known"]
    return pd.DataFrame({
        "table": lay.name,
        "cell": [g.label[i] for i in mine],
        "value": [g.values[i] for i in mine],
        "shown": [g.state[i] == "shown" for i in mine],
        "suppressed": [bool(sol.suppressed[i]) for i in mine],
        "reason": ["primary" if i in sol.primary else "secondary" if sol.secondary[i] else "" for i in mine],
        "rule": [sol.primary.get(i, "") for i in mine],
        "lower_bound": [sol.lo[i] for i in mine],
        "upper_bound": [sol.hi[i] for i in mine],
        "rounded": [sol.rounded[i] if sol.rounded is not None else np.nan for i in mine],
    })


def _finish(lay: _Layout, g: _Graph, sol: _Solution, policy: Policy, mitigation: str, scale: str,
            pct: int, linked: Sequence[str] = ()) -> Protected:
    table, sup, why = _present(lay, g, sol, policy, mitigation, scale, pct)
    audit = _audit_protect(lay, g, sol, policy, mitigation, sup, why, linked)
    return Protected(table=table, values=lay.original.copy(), suppressed=sup, reasons=why, audit=audit,
                     cells=_evidence(lay, g, sol), policy=policy, name=lay.name, mitigation=mitigation,
                     _layout=lay)


def _raise_if_failed(results: Mapping[str, Protected]) -> None:
    failed = pd.concat([p.audit for p in results.values()], ignore_index=True)
    failed = failed[failed["status"] == "fail"]
    if len(failed):
        lines = [f"  - {r.table}: {r.check}: {r.message} [{r.affected_cells}]" for r in failed.itertuples()]
        err = DisclosureError("table failed disclosure control:\n" + "\n".join(lines))
        err.audit = pd.concat([p.audit for p in results.values()], ignore_index=True)  # type: ignore[attr-defined]
        raise err


def _options(row_total: Hashable | None, col_total: Hashable | None, within: str | None,
             by: str | Sequence[str] | None, margin: str, implicit_margins: bool) -> dict[str, Any]:
    _choice("margin", margin, Margin)
    return {"row_total": row_total, "col_total": col_total, "within": within, "by": by,
            "margin": margin, "implicit_margins": bool(implicit_margins)}


def _presentation_args(policy: Policy, mitigation: str | None, estimate: str, percent_decimals: int | None,
                       on_fail: str) -> tuple[str, int]:
    mit = policy.mitigation if mitigation is None else mitigation
    _choice("mitigation", mit, Mitigation)
    _choice("estimate", estimate, EstimateScale)
    _choice("on_fail", on_fail, OnFail)
    pct = policy.percent_decimals if percent_decimals is None else percent_decimals
    if isinstance(pct, bool) or pct not in (0, 1):
        raise ValueError(f"percent_decimals={percent_decimals!r} is not valid; choose one of 0, 1")
    return mit, pct


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def protect(
    table: pd.DataFrame | pd.Series,
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "local_board",
    name: str | None = None,
    *,
    row_total: Hashable | None = None,
    col_total: Hashable | None = None,
    within: str | None = "auto",
    by: str | Sequence[str] | None = None,
    margin: Margin = "auto",
    implicit_margins: bool = True,
    mitigation: Mitigation | None = None,
    estimate: EstimateScale = "proportion",
    percent_decimals: int | None = None,
    on_fail: OnFail = "raise",
) -> Protected:
    """Apply disclosure control to a frequency table or a long measure table.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        Either a *wide* table of counts (a Series is a 1-D table, a DataFrame a
        2-D one) or a *long* measure table, recognised by its ``numerator``
        column (the package's tidy contract: grouping columns, then
        ``numerator``, ``denominator``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``confidence``). Never modified.
    policy : str, path, mapping or Policy
        See :func:`load_policy`; ``"local_board"`` by default.
    name : str, optional
        Table name for the audit (the Series name, else ``"table"``).
    row_total, col_total : label, optional
        Wide tables: the label of the total row and of the total column, if
        the table has them. Totals are checked and kept.
    within : str or None
        Long tables: the column whose values are the cells of a block's 1-D
        distribution (default ``"group_value"``, else ``"category"``, when present).
    by : str or list of str, optional
        Long tables: the columns that define a block (default: every column
        before ``numerator`` except ``within``, e.g. ``authority_code``,
        ``quarter``, ``group_variable``).
    margin : {"auto", "denominator", "rates", "sum"}
        Long tables, how a block adds up. ``"denominator"``: the numerators
        partition the block's (single) denominator, any remainder being an
        unshown cell that is protected too. ``"rates"``: each row is a rate
        with its own denominator (``numerator`` events out of
        ``denominator``). ``"sum"``: the block total is the sum of the
        numerators. ``"auto"`` uses ``"denominator"`` when a block of two or
        more rows has one denominator that its numerators do not exceed,
        ``"rates"`` otherwise, and ``"sum"`` without a denominator column.
        The audit's ``structure`` record says which was used.
    implicit_margins : bool
        Treat the totals a table does not show (row and column sums, the
        totals of a rate block) as known to the reader, because they are
        usually published elsewhere in a report; only totals that are
        themselves safe are assumed known. Set ``False`` only when no total is
        published anywhere.
    mitigation : {"suppress", "round"}, optional
        Default from the policy. ``"round"`` rounds counts half up to the
        policy's base instead of suppressing them; totals are recomputed from
        the rounded cells (the ACRO convention) and rates on unsafe
        numerators are hidden.
    estimate : {"proportion", "percent", "rate"}
        Scale of ``estimate``, ``lower`` and ``upper`` in a long table:
        a proportion (shown as a percentage), a percentage, or a rate (shown
        to the policy's decimal places). Other numeric columns derived from
        the numerator (e.g. ``p_value``) are shown to 3 significant figures
        and hidden with the rate.
    percent_decimals : {0, 1}, optional
        Decimal places of percentages (default from the policy).
    on_fail : {"raise", "audit"}
        Raise :class:`~cohort.exceptions.DisclosureError` when a check fails
        (a protected cell can still be narrowed, which happens only through
        totals assumed known), or only record it in the audit.

    Returns
    -------
    Protected
        ``.table`` (presentation), ``.values`` (statistics, unaltered),
        ``.suppressed`` (mask), ``.reasons``, ``.audit`` (columns
        :data:`AUDIT_COLUMNS`; checks ``threshold``, ``zeros``,
        ``secondary``, ``interval_protection``, ``rates``, ``rounding``,
        ``structure`` as they apply) and ``.cells`` (evidence).

    Raises
    ------
    ValueError
        Counts that are not whole numbers >= 0, unknown labels or choices.
    DisclosureError
        With ``on_fail="raise"``, when protection cannot be achieved.

    Notes
    -----
    Primary suppression: a count ``c > 0`` is unsafe when ``c < threshold``
    (``c <= threshold`` with ``unsafe_if="at_or_below"``); zeros follow the
    policy's ``zeros`` rule. Secondary suppression follows mojSuppression:
    in every line (a row, a column, a block, a rate's ``numerator +
    (denominator - numerator) = denominator``), a line with exactly one
    unknown cell gets its smallest other cell suppressed (positive cells
    before zeros, inner cells before totals, then cells whose other line
    already has a suppression, then position), and a line whose suppressed
    cells sum to less than the threshold gets more, to a fixed point. A
    linear-programming audit then computes, for every primary cell, the
    range a reader can derive from the published figures, and adds
    suppressions until every range is at least the threshold wide. Validated
    against an independent ``scipy.optimize.linprog`` attack in
    ``tests/test_disclosure.py``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Custody": [3, 11, 14], "Community": [11, 11, 22],
    ...                   "Total": [14, 22, 36]}, index=["In care", "Not in care", "Total"])
    >>> p = protect(t, "local_board", name="outcomes", row_total="Total", col_total="Total")
    >>> p.table
                Custody Community Total
    In care         [c]       [c]    14
    Not in care     [c]       [c]    22
    Total            14        22    36
    >>> p.values.iat[0, 0], p.reasons.iat[0, 0], p.reasons.iat[0, 1]
    (np.int64(3), 'primary', 'secondary')
    >>> p.audit[["check", "status", "n_affected"]]
                     check status  n_affected
    0            threshold   pass           1
    1                zeros   pass           0
    2            secondary   pass           3
    3  interval_protection   pass           0
    """
    pol = load_policy(policy)
    mit, pct = _presentation_args(pol, mitigation, estimate, percent_decimals, on_fail)
    opts = _options(row_total, col_total, within, by, margin, implicit_margins)
    if name is None:
        name = str(table.name) if isinstance(table, pd.Series) and table.name is not None else "table"
    g = _Graph()
    lay = _build(g, name, table, opts, pol, "protect")
    sol = _solve(g, pol, mit)
    result = _finish(lay, g, sol, pol, mit, estimate, pct)
    if on_fail == "raise":
        _raise_if_failed({name: result})
    return result


def _link(g: _Graph, layouts: Mapping[str, _Layout], links: Sequence[tuple[str, Sequence[str]]]) -> None:
    problems: list[str] = []
    by_table: dict[str, dict[Hashable, int]] = {}
    for (t, k), i in g.keys.items():
        by_table.setdefault(t, {})[k] = i
    for link in links:
        try:
            whole, parts = link
        except (TypeError, ValueError):
            raise ValueError(f"each link must be (whole, [parts]), got {link!r}") from None
        if isinstance(parts, str):
            raise ValueError(f"the parts of link {link!r} must be a list of table names")
        unknown = [t for t in (whole, *parts) if t not in layouts]
        if unknown:
            raise ValueError(f"link {link!r} names tables not given: {unknown}; tables: {list(layouts)}")
        wk = by_table.get(whole, {})
        for p in parts:
            extra = set(by_table.get(p, {})) - set(wk)
            problems += [f"{p}: cell {k!r} has no counterpart in {whole}" for k in sorted(extra, key=str)[:5]]
        for k, w in wk.items():
            nodes = [by_table[p][k] for p in parts if k in by_table.get(p, {})]
            total = sum(g.values[i] for i in nodes)
            if all(math.isfinite(g.values[i]) for i in [w, *nodes]) and abs(total - g.values[w]) > 1e-9:
                problems.append(f"{whole} cell {k!r} is {g.values[w]:g} but its parts sum to {total:g}")
            g.line(w, nodes)
    _raise_problems(
        "linked tables must add up (whole = sum of parts, cell by cell; give linked long tables the same "
        "margin= and grouping)", problems)


def protect_linked(
    tables: Mapping[str, pd.DataFrame | pd.Series],
    links: Sequence[tuple[str, Sequence[str]]],
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "local_board",
    *,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    unpublished: Collection[str] = (),
    mitigation: Mitigation | None = None,
    estimate: EstimateScale = "proportion",
    percent_decimals: int | None = None,
    on_fail: OnFail = "raise",
) -> dict[str, Protected]:
    """Protect tables that overlap, jointly, so that differencing reveals nothing.

    Parameters
    ----------
    tables : mapping of str to DataFrame or Series
        The tables, by name. Cells correspond across tables by their row and
        column labels (wide) or by grouping values and column (long).
    links : list of (whole, [parts])
        Additive relations, cell by cell: e.g. ``("year", ["q1", "q2", "q3",
        "q4"])`` or ``("authority", ["north", "south"])``. A cell missing from
        a part counts as a published zero; every cell of a part must exist in
        the whole, and the values must add up.
    policy : str, path, mapping or Policy
        One policy for all the tables.
    options : mapping of str to mapping, optional
        Per-table structure arguments of :func:`protect` (``row_total``,
        ``col_total``, ``within``, ``by``, ``margin``, ``implicit_margins``).
    unpublished : collection of str
        Tables that are never shown but whose relation matters (e.g. the
        quarter that a rolling year and the other quarters would reveal). Their
        cells are unknown to the reader; small ones are protected like any other.
    mitigation, estimate, percent_decimals, on_fail
        As in :func:`protect`.

    Returns
    -------
    dict of str to Protected
        One result per published table; their audits' ``interval_protection``
        records are computed jointly.

    Examples
    --------
    >>> import pandas as pd
    >>> q1 = pd.Series({"Male": 9, "Female": 3, "Total": 12}, name="Q1")
    >>> q2 = pd.Series({"Male": 11, "Female": 8, "Total": 19}, name="Q2")
    >>> half = pd.Series({"Male": 20, "Female": 11, "Total": 31}, name="H1")
    >>> out = protect_linked({"H1": half, "Q1": q1, "Q2": q2}, [("H1", ["Q1", "Q2"])],
    ...                      options={k: {"row_total": "Total"} for k in ("H1", "Q1", "Q2")})
    >>> [list(out[k].table.iloc[:, 0]) for k in ("H1", "Q1", "Q2")]
    [['20', '11', '31'], ['[c]', '[c]', '12'], ['[c]', '[c]', '19']]

    Q2 is suppressed too: otherwise H1 - Q2 would give Q1's hidden cells.
    """
    pol = load_policy(policy)
    mit, pct = _presentation_args(pol, mitigation, estimate, percent_decimals, on_fail)
    options = dict(options or {})
    unknown = sorted(set(options) - set(tables)) + sorted(set(unpublished) - set(tables))
    if unknown:
        raise ValueError(f"options/unpublished name tables not given: {unknown}; tables: {list(tables)}")
    g = _Graph()
    layouts: dict[str, _Layout] = {}
    for tname, t in tables.items():
        o = dict(options.get(tname, {}))
        bad = sorted(set(o) - set(_OPTION_KEYS))
        if bad:
            raise ValueError(f"options for {tname!r}: unknown keys {bad}; valid: {list(_OPTION_KEYS)}")
        opts = _options(o.get("row_total"), o.get("col_total"), o.get("within", "auto"), o.get("by"),
                        o.get("margin", "auto"), o.get("implicit_margins", True))
        start = len(g.values)
        layouts[tname] = _build(g, tname, t, opts, pol, "protect")
        if tname in unpublished:
            for i in range(start, len(g.values)):
                if g.state[i] == "shown":
                    g.state[i], g.check[i] = "hidden", "positive"
    _link(g, layouts, links)
    sol = _solve(g, pol, mit)
    published = [k for k in tables if k not in unpublished]
    results = {
        k: _finish(layouts[k], g, sol, pol, mit, estimate, pct, [x for x in tables if x != k])
        for k in published
    }
    if on_fail == "raise":
        _raise_if_failed(results)
    return results


def check_differencing(
    protected: Mapping[str, Protected],
    links: Sequence[tuple[str, Sequence[str]]],
    *,
    unpublished: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Check that tables protected separately cannot be differenced.

    Rebuilds the linear system of every published cell of every table plus
    the declared additive links and reports, per table, whether any primary
    cell can be narrowed to a range below the threshold.

    Parameters
    ----------
    protected : mapping of str to Protected
        Results of :func:`protect` (one policy, ``mitigation="suppress"``).
    links : list of (whole, [parts])
        As in :func:`protect_linked`.
    unpublished : mapping of str to DataFrame or Series, optional
        Tables that are part of a link but never shown.
    options : mapping of str to mapping, optional
        Structure arguments for the unpublished tables.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`, check ``"differencing"``, one row per
        published table; status ``"fail"`` names the cells at risk.

    Examples
    --------
    >>> import pandas as pd
    >>> q1 = protect(pd.Series({"Male": 9, "Female": 3, "Total": 12}), row_total="Total")
    >>> q2 = protect(pd.Series({"Male": 11, "Female": 8, "Total": 19}), row_total="Total")
    >>> h1 = protect(pd.Series({"Male": 20, "Female": 11, "Total": 31}), row_total="Total")
    >>> check_differencing({"H1": h1, "Q1": q1, "Q2": q2}, [("H1", ["Q1", "Q2"])])[["table", "status"]]
      table status
    0    H1   pass
    1    Q1   fail
    2    Q2   pass
    """
    if not protected:
        raise ValueError("protected must name at least one Protected table")
    pols = {p.policy for p in protected.values()}
    if len(pols) != 1:
        raise ValueError("check_differencing needs tables protected under one policy")
    pol = next(iter(pols))
    if any(p.mitigation != "suppress" for p in protected.values()):
        raise ValueError("check_differencing applies to suppressed tables, not rounded ones")
    g = _Graph()
    layouts: dict[str, _Layout] = {}
    for tname, p in protected.items():
        layouts[tname] = _build(g, tname, p.values, p._layout.options, pol, "protect")
    for tname, t in (unpublished or {}).items():
        o = dict((options or {}).get(tname, {}))
        opts = _options(o.get("row_total"), o.get("col_total"), o.get("within", "auto"), o.get("by"),
                        o.get("margin", "auto"), o.get("implicit_margins", True))
        start = len(g.values)
        layouts[tname] = _build(g, tname, t, opts, pol, "protect")
        for i in range(start, len(g.values)):
            if g.state[i] == "shown":
                g.state[i], g.check[i] = "hidden", "positive"
    _link(g, layouts, links)
    n = len(g.values)
    suppressed = np.zeros(n, bool)
    for tname, p in protected.items():
        for (r, j), node in layouts[tname].count_cells.items():
            if p.suppressed.iat[r, j]:
                suppressed[node] = True
    unknown = (np.asarray(g.state, dtype=object) == "hidden") | suppressed
    primary = _primaries(g, pol)
    targets = sorted(primary)
    lo, hi = _ranges(g, unknown, targets, _components(n, g.lines))
    rec = []
    for tname, p in protected.items():
        bad = [i for i in targets if g.table[i] == tname and not _width_ok(pol, lo[i], hi[i])]
        shown_bad = [i for i in targets if g.table[i] == tname and g.state[i] == "shown" and not suppressed[i]]
        affected = [g.label[i] for i in bad]
        msg = (f"{len(bad)} protected cells can be narrowed below the threshold by combining this table "
               f"with {', '.join(x for x in layouts if x != tname)}; protect them jointly with protect_linked"
               if bad else "no protected cell can be narrowed below the threshold by differencing")
        if shown_bad:
            msg += f"; {len(shown_bad)} unsafe cells are shown"
        rec.append(_record(tname, "differencing", "fail" if bad else "pass", pol,
                           len(layouts[tname].count_cells), p.n_suppressed, affected, "none", msg))
    return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))


def check(
    table: pd.DataFrame | pd.Series,
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy = "local_board",
    name: str | None = None,
    *,
    row_total: Hashable | None = None,
    col_total: Hashable | None = None,
    within: str | None = "auto",
    by: str | Sequence[str] | None = None,
    margin: Margin = "auto",
    implicit_margins: bool = True,
    contributors: pd.DataFrame | None = None,
    cells: str | Sequence[str] | None = None,
    value: str | None = None,
) -> pd.DataFrame:
    """Report on a table produced elsewhere, without changing it.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        A wide or long table as in :func:`protect`, numeric or already
        formatted: ``[c]``, ``[x]``, empty strings and ``NaN`` in a count
        column are read as suppressed (unknown to the reader); ``"1,234"``
        and ``"12%"`` are read as numbers.
    policy, name, row_total, col_total, within, by, margin, implicit_margins
        As in :func:`protect`. Totals the table does not show are known to
        the checker only when every part is shown.
    contributors : pandas.DataFrame, optional
        Contributor-level data for a *magnitude* table (e.g. one row per
        child with days in custody): adds the ACRO ``nk_dominance`` and
        ``p_ratio`` checks per cell.
    cells : str or list of str, optional
        Columns of ``contributors`` that define a cell.
    value : str, optional
        Column of ``contributors`` holding the magnitude.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`, ``mitigation`` always ``"none"``.
        Checks: ``threshold`` and ``zeros`` (shown cells that break the
        rules: ``fail``), ``interval_protection`` (every suppressed cell's
        feasible range must be at least the threshold wide, since the checker
        cannot tell primary from secondary cells: ``fail`` otherwise),
        ``rates`` (rates shown on a suppressed or small numerator or
        denominator: ``fail``), ``nk_dominance`` / ``p_ratio`` with
        contributor data, and ``magnitude`` (``review``) when a wide table
        holds values that are not counts and no contributor data is given.

    Notes
    -----
    The nk rule (ACRO ``safe_nk_n``, ``safe_nk_k``): a cell is unsafe if its
    ``nk_n`` largest contributors make up more than ``nk_k`` of its total.
    The p% rule (ACRO ``safe_pratio_p``): unsafe if ``(total - largest -
    second largest) / largest < p_ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"A": [3, 12], "B": [11, 11]}, index=["x", "y"])
    >>> check(t, "local_board")[["check", "status", "affected_cells"]]
                     check status affected_cells
    0            threshold   fail            x/A
    1                zeros   pass
    2  interval_protection   pass
    >>> check(protect(t).table, "local_board")["status"].tolist()
    ['pass', 'pass', 'pass']
    """
    pol = load_policy(policy)
    opts = _options(row_total, col_total, within, by, margin, implicit_margins)
    if name is None:
        name = str(table.name) if isinstance(table, pd.Series) and table.name is not None else "table"
    g = _Graph()
    lay = _build(g, name, table, opts, pol, "check")
    n = len(g.values)
    state = np.asarray(g.state, dtype=object)
    vals = np.asarray(g.values)
    shown_known = (state == "shown") & np.isfinite(vals)
    unknown = ((state == "hidden") | ((state == "shown") & ~np.isfinite(vals)))
    n_cells = len(lay.count_cells)
    n_supp = sum(1 for (r, j), node in lay.count_cells.items() if unknown[node]) + sum(
        1 for rj in lay.derived if rj not in lay.shown_derived)
    cmp = "below" if pol.unsafe_if == "below" else "at or below"
    rec = []
    thr = [i for i in range(n) if shown_known[i] and pol.unsafe(vals[i])]
    rec.append(_record(name, "threshold", "fail" if thr else "pass", pol, n_cells, n_supp,
                       [g.label[i] for i in thr], "none",
                       f"{len(thr)} published counts {cmp} {pol.threshold}" if thr else
                       f"no published count {cmp} {pol.threshold}"))
    if pol.zeros != "safe":
        zs = [i for i in range(n) if shown_known[i] and vals[i] == 0 and g.check[i] == "full"
              and (pol.zeros == "disclosive")]
        zs += [i for i, k in _attribute_zeros(g, pol).items() if shown_known[i]]
        rec.append(_record(name, "zeros", "fail" if zs else "pass", pol, n_cells, n_supp,
                           [g.label[i] for i in sorted(set(zs))], "none",
                           f"{len(set(zs))} published zeros break the '{pol.zeros}' rule" if zs else
                           "no published zero breaks the rule"))
    targets = [i for i in range(n) if state[i] == "shown" and unknown[i]]
    lo, hi = _ranges(g, unknown, targets, _components(n, g.lines))
    bad = [i for i in targets if not _width_ok(pol, lo[i], hi[i])]
    rec.append(_record(name, "interval_protection", "fail" if bad else "pass", pol, n_cells, n_supp,
                       [g.label[i] for i in bad], "none",
                       f"{len(bad)} suppressed cells can be narrowed to a range {cmp} {pol.threshold} wide "
                       "from the published cells and totals" if bad else
                       "no suppressed cell can be narrowed below the threshold" if targets else
                       "no suppressed cells"))
    if lay.derived:
        risky = []
        for (r, j), (nn, dn) in lay.derived.items():
            if (r, j) not in lay.shown_derived:
                continue
            nv, dv = vals[nn], (vals[dn] if dn is not None else np.nan)
            if (not math.isfinite(nv) or nv < pol.rate_min_numerator
                    or (dn is not None and (not math.isfinite(dv) or dv < pol.rate_min_denominator))):
                risky.append(f"{_pos_label(lay, r)} / {lay.frame.columns[j]}")
        rec.append(_record(name, "rates", "fail" if risky else "pass", pol, n_cells, n_supp, risky, "none",
                           f"{len(risky)} rates shown on a suppressed or small numerator or denominator"
                           if risky else "no rate shown on a suppressed or small base"))
    if contributors is not None:
        rec += _magnitude(name, contributors, cells, value, pol)
    elif lay.kind == "wide":
        fractional = [g.label[i] for i in range(n) if shown_known[i] and not float(vals[i]).is_integer()]
        if fractional:
            rec.append(_record(name, "magnitude", "review", pol, n_cells, n_supp, fractional[:20], "none",
                               "values are not counts: if this is a magnitude table (sums of days, costs), "
                               "pass contributors=, cells= and value= for the nk and p% rules"))
    return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))


def _magnitude(name: str, contributors: pd.DataFrame, cells: str | Sequence[str] | None, value: str | None,
               pol: Policy) -> list[dict[str, Any]]:
    if cells is None or value is None:
        raise ValueError("magnitude checks need cells= (columns defining a cell) and value= (the magnitude column)")
    keys = [cells] if isinstance(cells, str) else list(cells)
    missing = [c for c in (*keys, value) if c not in contributors.columns]
    if missing:
        raise ValueError(f"contributors has no columns {missing}; columns: {list(contributors.columns)}")
    d = contributors[[*keys, value]].copy()
    d["_v"] = pd.to_numeric(d[value], errors="coerce").abs()
    d = d.sort_values([*keys, "_v"], ascending=[True] * len(keys) + [False], kind="mergesort")
    d["_rank"] = d.groupby(keys, sort=False, dropna=False).cumcount()
    grp = d.groupby(keys, sort=True, dropna=False)
    total = grp["_v"].sum()
    top_n = d[d["_rank"] < pol.nk_n].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    top1 = d[d["_rank"] == 0].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    top2 = d[d["_rank"] == 1].groupby(keys, sort=True, dropna=False)["_v"].sum().reindex(total.index, fill_value=0)
    nk_bad = total.index[(total > 0) & (top_n > pol.nk_k * total)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (total - top1 - top2) / top1
    p_bad = total.index[(top1 > 0) & (ratio < pol.p_ratio)]
    lab = lambda k: "/".join(map(str, k)) if isinstance(k, tuple) else str(k)  # noqa: E731
    n_cells = len(total)
    return [
        _record(name, "nk_dominance", "fail" if len(nk_bad) else "pass", pol, n_cells, 0,
                [lab(k) for k in nk_bad], "none",
                f"{len(nk_bad)} cells where the largest {pol.nk_n} contributors exceed {pol.nk_k:.0%} of the total"
                if len(nk_bad) else f"no cell dominated by its {pol.nk_n} largest contributors"),
        _record(name, "p_ratio", "fail" if len(p_bad) else "pass", pol, n_cells, 0,
                [lab(k) for k in p_bad], "none",
                f"{len(p_bad)} cells where the rest of the total is within {pol.p_ratio:.0%} of the largest "
                "contributor" if len(p_bad) else "no cell fails the p% rule"),
    ]
