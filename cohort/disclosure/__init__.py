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
with its stated source, chosen per report run. Two editions of every report
come from one switch: ``"management"`` (information for the partnership
board, not for publication: every figure shown, the audit still written)
and ``"publication"`` (counts below 5 suppressed with secondary suppression
and the LP audit, for anything that leaves the partnership; formerly
``"local_board"``). ``"research"`` applies the ACRO defaults (below 10, zeros
disclosive) and ``"non_personal"`` serves tables that count no people.

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

Modules (dependencies run down the list):

- :mod:`~cohort.disclosure.policies`: :class:`Policy` and :func:`load_policy`.
- :mod:`~cohort.disclosure.graph`: cells, additive lines and the primary rules.
- :mod:`~cohort.disclosure.lp_audit`: the linear-programming audit and
  secondary suppression.
- :mod:`~cohort.disclosure.tables`: reading wide and long tables into the graph.
- :mod:`~cohort.disclosure.protected`: :class:`Protected`, presentation and
  audit records.
- :mod:`~cohort.disclosure.suppression`: :func:`protect`.
- :mod:`~cohort.disclosure.relations`: :class:`Relation`, :class:`CellRef`,
  :class:`Together` (identities between single cells).
- :mod:`~cohort.disclosure.linked`: :func:`protect_linked`,
  :func:`check_differencing`.
- :mod:`~cohort.disclosure.check`: :func:`check` and the magnitude rules.
"""

from __future__ import annotations

from cohort.disclosure.check import check
from cohort.disclosure.linked import check_differencing, protect_linked
from cohort.disclosure.policies import (
    AUDIT_COLUMNS,
    MARKER,
    MISSING,
    Policy,
    available_policies,
    load_policy,
)
from cohort.disclosure.protected import Protected
from cohort.disclosure.relations import CellRef, Relation, Together
from cohort.disclosure.suppression import protect

__all__ = [
    "AUDIT_COLUMNS",
    "CellRef",
    "MARKER",
    "MISSING",
    "Policy",
    "Protected",
    "Relation",
    "Together",
    "available_policies",
    "check",
    "check_differencing",
    "load_policy",
    "protect",
    "protect_linked",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
