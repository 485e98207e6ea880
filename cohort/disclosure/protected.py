"""The result of disclosure control: presentation table, mask, reasons and audit."""

from __future__ import annotations

import html
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cohort.disclosure.graph import _Graph
from cohort.disclosure.lp_audit import _Solution
from cohort.disclosure.policies import (
    _ESTIMATE_COLUMNS,
    AUDIT_COLUMNS,
    MARKER,
    MISSING,
    EstimateScale,
    Margin,
    Mitigation,
    OnFail,
    Policy,
    _choice,
)
from cohort.disclosure.tables import _isna, _Layout
from cohort.exceptions import DisclosureError


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

    def rows(self, mask: Any, name: str | None = None) -> Protected:
        """The protected result restricted to some rows of a long table.

        Use it to publish one authority's slice of a table protected for all
        authorities together: the suppression pattern is the joint one, the
        audit counts are recomputed for the rows kept and its cell positions
        (``affected_cells``) keep only theirs.

        Parameters
        ----------
        mask : boolean array-like
            One value per row of :attr:`table`.
        name : str, optional
            Name of the slice (default: this table's name).

        Returns
        -------
        Protected

        Examples
        --------
        >>> import pandas as pd
        >>> from cohort.disclosure import protect
        >>> t = pd.DataFrame({"area": ["N", "N", "S", "S"], "group_value": ["a", "b", "a", "b"],
        ...                   "numerator": [3, 9, 20, 30], "denominator": [12, 12, 50, 50]})
        >>> north = protect(t, "publication").rows(t["area"].eq("N"))
        >>> north.table["numerator"].tolist(), north.n_suppressed
        (['[c]', '[c]'], 2)
        """
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (len(self.table),):
            raise ValueError(f"mask has {keep.size} values; the table has {len(self.table)} rows")
        lay = self._layout
        labels: set[str] = set()
        if lay is not None and lay.kind == "long":
            by = [c for c in lay.options.get("by", []) if c is not None]
            for r in np.flatnonzero(keep):
                labels.add(_pos_label(lay, int(r)))
                labels.add(" | ".join(str(lay.frame[c].iat[r]) for c in by) if by else lay.name)
        else:
            labels = {str(i) for i in self.table.index[keep]}

        def mine(cell: str) -> bool:
            return cell.split(" / ")[0].split(" (")[0] in labels

        table, sup = self.table[keep], self.suppressed[keep]
        audit = self.audit.copy()
        audit["table"] = name or self.name
        audit["n_suppressed"] = int(sup.to_numpy().sum())
        if lay is not None and lay.kind == "long":
            counts = {j for (_, j) in lay.count_cells}
            audit["n_cells"] = int(keep.sum()) * len(counts)
        kept = audit["affected_cells"].map(lambda a: [c for c in a.split("; ") if c and mine(c)])
        audit["affected_cells"] = kept.map("; ".join)
        audit["n_affected"] = kept.map(len)
        values = self.values[keep] if isinstance(self.values, pd.DataFrame) else self.values[keep]
        if len(self.cells):
            # as mine(), a column at a time (a national table has thousands of cells)
            heads = pa.array(self.cells["cell"].astype(str).to_numpy(dtype=object), pa.string())
            for sep in (" / ", " ("):
                heads = pc.list_element(pc.split_pattern(heads, sep, max_splits=1), 0)
            keep_cells = pc.is_in(heads, value_set=pa.array(sorted(labels), pa.string()))
            cells = self.cells[keep_cells.to_numpy(zero_copy_only=False)]
        else:
            cells = self.cells
        return Protected(table=table, values=values, suppressed=sup, reasons=self.reasons[keep],
                         audit=audit, cells=cells, policy=self.policy, name=name or self.name,
                         mitigation=self.mitigation, _layout=lay)

    def public_audit(self) -> pd.DataFrame:
        """The audit without cell positions or messages: safe to print in a report."""
        return self.audit[["table", "check", "status", "threshold", "unsafe_if", "n_cells",
                           "n_suppressed", "mitigation", "policy", "source"]].copy()

    def footnote(self) -> str:
        """A sentence for under the table: the policy and the outcome of the checks."""
        checks = {"pass": "all disclosure checks passed", "review": "disclosure checks need review",
                  "fail": "DISCLOSURE CHECKS FAILED"}[self.status]
        if self.mitigation == "none":
            small = int(self.audit.loc[self.audit["check"] == "threshold", "n_affected"].sum())
            return f"{self.policy.describe()} {small} counts below the threshold are shown."
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
        values = col.to_numpy(dtype=object, copy=True)
        values[col.isna().to_numpy(dtype=bool)] = ""
        text[:, j] = values
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
        elif mitigation == "none":
            reason = ""
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
    if mitigation == "none":
        small = [i for i in thr if g.state[i] == "shown"]
        rec.append(_record(
            name, "threshold", "pass", policy, n_cells, 0, [g.label[i] for i in small], "none",
            f"management edition, not for publication: every figure shown, {len(small)} counts {cmp} "
            f"{policy.threshold} included"))
        return pd.DataFrame(rec, columns=list(AUDIT_COLUMNS))
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
    if lay.row_labels is not None:
        return lay.row_labels[r]
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
             by: str | Sequence[str] | None, margin: str, implicit_margins: bool,
             descriptive: Sequence[str] | None = None, complements: bool = True) -> dict[str, Any]:
    _choice("margin", margin, Margin)
    if isinstance(descriptive, str):
        descriptive = [descriptive]
    return {"row_total": row_total, "col_total": col_total, "within": within, "by": by,
            "margin": margin, "implicit_margins": bool(implicit_margins),
            "descriptive": None if descriptive is None else list(descriptive), "complements": bool(complements)}


def _presentation_args(policy: Policy, mitigation: str | None, estimate: str, percent_decimals: int | None,
                       on_fail: str) -> tuple[str, int]:
    mit = policy.mitigation if mitigation is None else mitigation
    _choice("mitigation", mit, Mitigation)
    if (mit == "none") != (policy.edition == "management"):
        raise ValueError(
            f"mitigation={mit!r} does not fit policy {policy.name!r} ({policy.edition} edition): "
            "only a management edition shows every figure (mitigation 'none'), and it never suppresses")
    _choice("estimate", estimate, EstimateScale)
    _choice("on_fail", on_fail, OnFail)
    pct = policy.percent_decimals if percent_decimals is None else percent_decimals
    if isinstance(pct, bool) or pct not in (0, 1):
        raise ValueError(f"percent_decimals={percent_decimals!r} is not valid; choose one of 0, 1")
    return mit, pct
