"""The constraint graph: cells, additive lines (total = sum of parts) and primary rules."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cohort.disclosure.policies import Policy


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
    #: Groups of cells that are suppressed together (one hidden hides all):
    #: cells whose values bound each other without adding up, such as the
    #: reoffenders and the reoffences of one cohort.
    together: list[tuple[int, ...]] = field(default_factory=list)

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
