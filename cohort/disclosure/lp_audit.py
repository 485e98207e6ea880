"""The linear-programming audit and secondary suppression.

For every protected cell, :func:`_ranges` computes the interval a reader who
solves the linear system of everything published can place it in;
:func:`_solve` applies the mojSuppression line rules and adds suppressions
until every interval is at least the threshold wide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cohort.disclosure.graph import _components, _Graph, _primaries
from cohort.disclosure.policies import Policy


def _ranges(
    g: _Graph, unknown: np.ndarray, targets: Sequence[int], comp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Feasible [min, max] of each target given everything known (LP relaxation).

    Each connected component of the graph is one block: 2K independent copies
    of its system (a min copy and a max copy per target), so each copy reaches
    its own optimum. All blocks go into one sparse block-diagonal LP, solved
    once (per-component solves, the fallback when it is infeasible, cost a
    few milliseconds of set-up each). Variables are capped at a bound far
    above any bounded optimum; a maximum at the cap means "unbounded".
    """
    n = len(g.values)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    if not len(targets):
        return lo, hi
    from scipy import sparse

    by_comp: dict[int, list[int]] = {}
    for t in targets:
        by_comp.setdefault(int(comp[t]), []).append(int(t))
    lines_by_comp: dict[int, list[tuple[int, tuple[int, ...], str]]] = {}
    for ln in g.lines:
        lines_by_comp.setdefault(int(comp[ln[0]]), []).append(ln)
    vals = g.values
    blocks = []
    for cid, tl in by_comp.items():
        lines = lines_by_comp.get(cid, [])
        var_nodes = sorted({c for t, parts, _ in lines for c in (t, *parts) if unknown[c]} | set(tl))
        pos = {c: k for k, c in enumerate(var_nodes)}
        ri, ci, data, rhs = [], [], [], []
        for t, parts, _ in lines:
            b = 0.0
            row: dict[int, float] = {}
            for c, coef in ((t, 1.0), *((p, -1.0) for p in parts)):
                if unknown[c]:
                    row[pos[c]] = row.get(pos[c], 0.0) + coef
                else:
                    b -= coef * vals[c]
            row = {k: v for k, v in row.items() if v != 0.0}
            if row:
                r = len(rhs)
                ri += [r] * len(row)
                ci += list(row)
                data += list(row.values())
                rhs.append(b)
        if not rhs:
            lo[tl], hi[tl] = 0.0, np.inf
            continue
        nv, k = len(var_nodes), len(tl)
        a_eq = sparse.csr_matrix((data, (ri, ci)), shape=(len(rhs), nv))
        finite = [abs(vals[c]) for t_, parts, _ in lines for c in (t_, *parts) if math.isfinite(vals[c])]
        cap = 10.0 * (sum(finite) + 10.0) + 1000.0
        obj = np.zeros((2 * k, nv))
        for j, t in enumerate(tl):
            obj[2 * j, pos[t]] = 1.0
            obj[2 * j + 1, pos[t]] = -1.0
        blocks.append((tl, pos, nv, k, cap, sparse.kron(sparse.identity(2 * k, format="csr"), a_eq, format="csr"),
                       np.tile(np.asarray(rhs), 2 * k), obj.ravel()))
    if not blocks:
        return lo, hi
    solved = _solve_blocks(blocks)
    if solved is None:  # one block does not add up: solve each alone, leaving that one uncertified
        solved = [x for b in blocks for x in (_solve_blocks([b]) or [None])]
    for (tl, pos, nv, k, cap, *_), x in zip(blocks, solved, strict=True):
        if x is None:
            continue  # infeasible: a published table that does not add up (NaN = cannot certify)
        x = x.reshape(2 * k, nv)
        for j, t in enumerate(tl):
            lo[t] = x[2 * j, pos[t]]
            top = x[2 * j + 1, pos[t]]
            hi[t] = np.inf if top >= cap * (1 - 1e-9) - 1e-6 else top
    return lo, hi


def _solve_blocks(blocks: list) -> list[np.ndarray] | None:
    """Solve independent LP blocks as one block-diagonal LP; None if infeasible."""
    from scipy import sparse
    from scipy.optimize import linprog

    a = sparse.block_diag([b[5] for b in blocks], format="csr")
    b_eq = np.concatenate([b[6] for b in blocks])
    c = np.concatenate([b[7] for b in blocks])
    ub = np.concatenate([np.full(len(b[7]), b[4]) for b in blocks])
    res = linprog(c, A_eq=a, b_eq=b_eq, bounds=np.column_stack([np.zeros(len(c)), ub]), method="highs")
    if res.status != 0:
        return None
    out, at = [], 0
    for b in blocks:
        m = len(b[7])
        out.append(res.x[at: at + m])
        at += m
    return out


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
    if mitigation == "none":  # management edition: nothing hidden, the primaries only counted
        return _Solution(primary, np.zeros(n, bool), np.zeros(n, bool), nan, nan.copy(), [], None)
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
            for group in g.together:
                if any(suppressed[c] for c in group):
                    for c in group:
                        if shown[c] and not suppressed[c]:
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
