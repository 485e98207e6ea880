"""What every report notebook needs around the measures: header, banner,
disclosure-controlled tables, the closing disclosure statement and exports.

A notebook makes one :class:`Report`, passes every table it shows through
:meth:`Report.table` (which applies :func:`cohort.disclosure.protect`), and
ends with :meth:`Report.finish`. Keeping this here, and not in each notebook,
means the banner, provenance and disclosure statement are the same in every
report and are tested.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.periods import latest_quarter
from cohort.report.tables import compact_html

SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: this report is built from fictional authorities and children made by "
    "cohort.synthetic for demonstration and testing. It describes no real person or place."
)


#: MIME type under which :meth:`Report.finish` leaves the public disclosure
#: audit in the executed notebook, for the batch manifest to collect.
AUDIT_MIME = "application/vnd.cohort.audit+json"


class _HTML:
    """Minimal rich-display wrapper (avoids importing IPython in the library)."""

    def __init__(self, body: str, data: dict[str, Any] | None = None):
        self.body = body
        self.data = data

    def _repr_html_(self) -> str:
        return self.body

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/html": self.body, "text/plain": repr(self)}
        if self.data is not None:
            bundle[AUDIT_MIME] = self.data
        return bundle

    def __repr__(self) -> str:  # plain-text fallback
        import re

        return re.sub(r"<[^>]+>", "", self.body)


class Report:
    """Context of one report: data, authority, period, disclosure policy.

    Parameters
    ----------
    data : CohortData
        The data (usually ``cohort.open_store(store, authorities=[authority])``).
    authority : str
        Authority code.
    quarter : str
        Financial-year quarter label; empty means the latest in the data.
    title : str
        Report title.
    policy : str
        Disclosure policy, which makes the edition: ``"management"`` (the
        default, for the partnership board: every figure shown, marked not for
        publication) or ``"publication"`` (small counts suppressed, for
        anything that leaves the partnership); see
        ``cohort/data/disclosure_policies.yaml``.
    output_dir : str, optional
        Where :meth:`finish` writes the Excel tables and the disclosure audit;
        empty writes nothing.

    Examples
    --------
    >>> import cohort
    >>> data = cohort.synthetic.generate(seed=1, authorities=1, scale=0.2)
    >>> rep = cohort.Report(data, "X01", "2024/25 Q2", title="Profile")
    >>> rep.quarter, rep.edition
    ('2024/25 Q2', 'management')
    """

    def __init__(
        self,
        data: CohortData,
        authority: str,
        quarter: str = "",
        *,
        title: str,
        policy: str = "management",
        output_dir: str | os.PathLike | None = None,
    ):
        from cohort.disclosure import load_policy
        from cohort.periods import quarter as as_quarter
        from cohort.periods import quarter_label

        codes = set(data.authorities.get("authority_code", pd.Series(dtype=str)))
        if authority not in codes:
            raise CohortError(f"authority {authority!r} is not in the data; it holds {sorted(codes)}")
        self.data = data
        self.authority = authority
        self.quarter = quarter_label(as_quarter(quarter)) if quarter else latest_quarter(data)
        self.title = title
        self.policy = load_policy(policy)
        self.output_dir = Path(output_dir) if output_dir else None
        self.protected: dict[str, Any] = {}

    @property
    def fingerprint(self) -> str:
        """The store's data fingerprint (the whole store's, when one authority was read)."""
        return str(self.data.metadata.get("store_fingerprint") or self.data.fingerprint())

    @property
    def edition(self) -> str:
        """``"management"`` or ``"publication"`` (from the policy)."""
        return self.policy.edition

    @property
    def marking(self) -> str:
        """The line shown on every page and sheet, e.g. "Management information: not for publication"."""
        return self.policy.marking or f"Disclosure policy: {self.policy.name}"

    @property
    def file_stem(self) -> str:
        """Stem of the files :meth:`finish` writes: report, authority, quarter and edition."""
        slug = self.quarter.replace("/", "-").replace(" ", "")
        title = "".join(ch if ch.isalnum() else "_" for ch in self.title.lower().split(":")[0]).strip("_")
        return f"{title}_{self.authority}_{slug}_{self.policy.name}"

    @property
    def authority_name(self) -> str:
        a = self.data.authorities
        return str(a.loc[a["authority_code"] == self.authority, "authority_name"].iloc[0])

    def header(self) -> _HTML:
        """Title, period, data provenance and, for synthetic data, the banner."""
        from cohort import __version__
        from cohort.periods import quarter, quarter_end, quarter_start

        q = quarter(self.quarter)
        banner = f"<div class='cohort-banner'>{html.escape(SYNTHETIC_BANNER)}</div>" if self.data.synthetic else ""
        banner = (f"<p class='cohort-edition cohort-edition-{html.escape(self.edition)}'>"
                  f"{html.escape(self.marking)}</p>{banner}")
        meta = self.data.metadata
        return _HTML(
            f"<h1>{html.escape(self.title)}: {html.escape(self.authority_name)}</h1>{banner}"
            f"<p><b>Period:</b> {html.escape(self.quarter)} ({quarter_start(q):%d %B %Y} to "
            f"{quarter_end(q):%d %B %Y})</p>"
            f"<p class='cohort-meta'>Data source: {html.escape(str(meta.get('source', 'unknown')))}. "
            f"Data fingerprint {html.escape(self.fingerprint)}; cohort {html.escape(__version__)}. "
            f"Tables are disclosure-controlled under the policy "
            f"\"{html.escape(self.policy.name)}\" ({html.escape(self.policy.source)}).</p>"
        )

    def table(self, table: pd.DataFrame, name: str, **kwargs: Any):
        """Protect a table for publication and remember it for the audit and Excel.

        Keyword arguments go to :func:`cohort.disclosure.protect`; ``policy=``
        overrides the report's policy for this table (used only for tables
        that count no people, such as board attendance). Returns
        the protected result, which Jupyter displays as the published table.
        """
        from cohort.disclosure import protect

        if name in self.protected:
            raise CohortError(f"a table named {name!r} is already in this report")
        policy = kwargs.pop("policy", self.policy)
        result = protect(table, policy=policy, name=name, **kwargs)
        self.protected[name] = result
        return result

    def show(self, table, caption: str | None = None) -> _HTML:
        """Display a protected table (or a presentation DataFrame) compactly.

        Columns that hold one value throughout (authority, quarter, interval
        method, confidence level) move into the caption, the interval becomes
        one ``95% CI`` column, and grouping labels lose their underscores.
        Suppressed cells keep their ``[c]`` marker.
        """
        return _HTML(compact_html(table, caption))

    def audit(self) -> pd.DataFrame:
        """Every disclosure check of every table in the report."""
        frames = [p.audit for p in self.protected.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> dict[str, Any]:
        """The publishable disclosure summary: policy, tables, cells suppressed,
        and the audit without cell positions (:meth:`Protected.public_audit`)."""
        public = [p.public_audit() for p in self.protected.values()]
        audit = pd.concat(public, ignore_index=True) if public else pd.DataFrame()
        return {
            "title": self.title,
            "authority": self.authority,
            "authority_name": self.authority_name,
            "quarter": self.quarter,
            "policy": self.policy.name,
            "edition": self.edition,
            "marking": self.marking,
            "tables": len(self.protected),
            "table_names": list(self.protected),
            "cells_suppressed": int(sum(p.n_suppressed for p in self.protected.values())),
            "checks_failed": int((audit["status"] == "fail").sum()) if len(audit) else 0,
            "audit": json.loads(audit.to_json(orient="records")) if len(audit) else [],
        }

    def finish(self) -> _HTML:
        """The closing disclosure statement; writes the audit and Excel tables.

        The returned display also carries :meth:`summary` under
        :data:`AUDIT_MIME`, which :func:`cohort.report.batch.run` copies into the
        manifest.
        """
        summary = self.summary()
        if self.output_dir is not None:
            from cohort.report.excel import write_workbook

            self.output_dir.mkdir(parents=True, exist_ok=True)
            workbook = write_workbook(self, self.output_dir / f"{self.file_stem}.xlsx")
            summary["workbook"] = str(workbook.resolve())
            (self.output_dir / f"{self.file_stem}.audit.json").write_text(
                json.dumps(summary, indent=1), encoding="utf-8")
        return _HTML(
            "<div class='cohort-disclosure'><h2>Disclosure control</h2>"
            f"<p>All {summary['tables']} tables in this report were checked under the policy "
            f"\"{html.escape(self.policy.name)}\" ({html.escape(self.policy.source)}). "
            f"{summary['cells_suppressed']} cell(s) were suppressed and are shown as [c]; rates and "
            f"percentages whose numerator is suppressed are hidden too; figures are drawn from the "
            f"protected tables. {summary['checks_failed']} check(s) remain open after mitigation.</p>"
            "<p>No child's name, identifier or date of birth appears in this report.</p></div>",
            data=summary,
        )
