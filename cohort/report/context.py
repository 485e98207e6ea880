"""What every report notebook needs around the measures: header, banner,
disclosure-controlled tables and figures, the report's sections, the closing
disclosure statement and exports.

A notebook makes one :class:`Report` (usually with :meth:`Report.open`), calls
its sections (:meth:`Report.profile_section`, :meth:`Report.kpi_headline`,
...) or passes its own tables through :meth:`Report.table` and
:meth:`Report.show`, and ends with :meth:`Report.finish`. Keeping this here,
and not in each notebook, means the banner, provenance, edition marking and
disclosure statement are the same in every report and are tested.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.cohortdata import CohortData
from cohort.exceptions import CohortError
from cohort.periods import latest_quarter
from cohort.report.tables import Presented, present, render_html

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

    def __add__(self, other: _HTML) -> _HTML:
        return _HTML(self.body + other.body, self.data or other.data)


class Report:
    """Context of one report: data, authority, period, edition.

    Parameters
    ----------
    data : CohortData
        The data (usually ``cohort.open_store(store, authorities=[authority])``;
        see :meth:`open`).
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
        Where :meth:`finish` writes the Excel board pack and the disclosure
        audit; empty writes nothing. Units of tables shared by every report
        of the quarter are read from the folder named by
        ``$COHORT_SHARED_DIR`` when the batch has prepared them there.
    store : path, optional
        The store ``data`` came from: the tables shown for every authority
        are computed from the whole store (see :mod:`cohort.report.protection`).
        Without it, ``data`` itself must hold every authority.

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
        store: str | os.PathLike | None = None,
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
        self.store = Path(store) if store else None
        self.protected: dict[str, Any] = {}
        self._sheets: list[Presented] = []
        self._unit_cache: dict[str, dict[str, Any]] = {}

    #: The store the data came from (None: the data hold every authority).
    store: Path | None = None

    @property
    def sheets(self) -> list[Presented]:
        """The tables shown, as presented, in order (they go to the Excel pack)."""
        if "_sheets" not in self.__dict__:  # a subclass that sets up its own state
            self._sheets = []
        return self._sheets

    @sheets.setter
    def sheets(self, value: list[Presented]) -> None:
        self._sheets = list(value)

    @property
    def _units(self) -> dict[str, dict[str, Any]]:
        if "_unit_cache" not in self.__dict__:
            self._unit_cache = {}
        return self._unit_cache

    @_units.setter
    def _units(self, value: dict[str, dict[str, Any]]) -> None:
        self._unit_cache = dict(value)

    @classmethod
    def open(
        cls,
        store: str | os.PathLike | None,
        authority: str,
        quarter: str = "",
        *,
        title: str,
        policy: str = "management",
        output_dir: str | os.PathLike | None = None,
    ) -> Report:
        """The report of one authority, reading its data from a store.

        ``store`` empty or ``None`` means :func:`cohort.store.default_store_path`.
        """
        from cohort.store import default_store_path, open_store

        path = Path(store) if store else default_store_path()
        data = open_store(path, authorities=[authority])
        return cls(data, authority, quarter, title=title, policy=policy, output_dir=output_dir, store=path)

    # ------------------------------------------------------------------ identity

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
        if "authority_name" not in a.columns:
            return self.authority
        return str(a.loc[a["authority_code"] == self.authority, "authority_name"].iloc[0])

    def authority_names(self) -> dict[str, str]:
        """Names of the authorities in the store, by code."""
        a = self._whole().authorities if self.store is not None else self.data.authorities
        if "authority_name" not in a.columns:
            return {}
        return dict(zip(a["authority_code"].astype(str), a["authority_name"].astype(str), strict=True))

    @property
    def data_source(self) -> str:
        """The data source in words (never a file path or a Python call)."""
        meta = self.data.metadata
        if self.data.synthetic:
            return "synthetic demonstration data (fictional authorities and children)"
        system = meta.get("system")
        return f"{system} case-management records" if system else "the service's case-management records"

    # ------------------------------------------------------------------ output pieces

    def header(self) -> _HTML:
        """Title, edition marking, period, data source and, for synthetic data, the banner."""
        from cohort import __version__
        from cohort.periods import quarter, quarter_end, quarter_start

        q = quarter(self.quarter)
        banner = f"<div class='cohort-banner'>{html.escape(SYNTHETIC_BANNER)}</div>" if self.data.synthetic else ""
        edition = (f"<p class='cohort-edition cohort-edition-{html.escape(self.edition)}'>"
                   f"{html.escape(self.marking)}</p>")
        today = date.today()
        return _HTML(
            f"<header class='cohort-header'>{edition}<h1>{html.escape(self.title)}: "
            f"{html.escape(self.authority_name)}</h1>{banner}"
            f"<p><strong>Period:</strong> {html.escape(self.quarter)} ({quarter_start(q):%-d %B %Y} to "
            f"{quarter_end(q):%-d %B %Y})</p>"
            f"<p class='cohort-meta'>Source: {html.escape(self.data_source)}. Produced on "
            f"{today:%-d %B %Y} with cohort {html.escape(__version__)}; data fingerprint "
            f"{html.escape(self.fingerprint)}.</p></header>"
        )

    def register(self, protected: Any) -> Any:
        """Remember a protected table for the audit and return it."""
        self.protected[protected.name] = protected
        return protected

    def table(self, table: pd.DataFrame, name: str, **kwargs: Any):
        """Protect a table under the report's policy and remember it for the audit and Excel.

        Keyword arguments go to :func:`cohort.disclosure.protect`; ``policy=``
        overrides the report's policy for this table (used only for tables
        that count no people, such as board attendance). Returns
        the protected result, which Jupyter displays as the published table.
        A table that shares cells with another table must be protected with
        it instead (:mod:`cohort.report.protection`).
        """
        from cohort.disclosure import protect

        if name in self.protected:
            raise CohortError(f"a table named {name!r} is already in this report")
        policy = kwargs.pop("policy", self.policy)
        if self.edition == "management":
            policy = self.policy
        result = protect(table, policy=policy, name=name, **kwargs)
        self.protected[name] = result
        return result

    def disproportionality_tables(self, relative: pd.DataFrame, cumulative: pd.DataFrame) -> dict[str, Any]:
        """The disproportionality report's count tables, protected together.

        The representation table, the relative rate table and the cumulative
        table show the same children (a stage's count of a group in all three,
        the feeding stage's count as a relative rate's base): protected one by
        one, a count hidden in one would be printed in another. They are
        protected as one set (:mod:`cohort.report.disproportionality_set`)
        and remembered for the audit, as :meth:`table` does.

        Parameters
        ----------
        relative : pandas.DataFrame
            :func:`cohort.disproportionality` with each stage over the stage
            that feeds it.
        cumulative : pandas.DataFrame
            :func:`cohort.disproportionality` with ``denominator="population"``.

        Returns
        -------
        dict of str to Protected
            ``"representation"``, ``"relative_rate_index"`` and
            ``"cumulative_relative_rate"``.

        Examples
        --------
        >>> import cohort
        >>> data = cohort.synthetic.generate(seed=1, authorities=1, scale=0.2)
        >>> rep = cohort.Report(data, "X01", title="Disproportionality", policy="publication")
        >>> t = rep.disproportionality_tables(cohort.disproportionality(data),
        ...                                   cohort.disproportionality(data, denominator="population"))
        >>> list(t), rep.summary()["checks_failed"]
        (['representation', 'relative_rate_index', 'cumulative_relative_rate'], 0)
        """
        from cohort.measures.disproportionality import relative_rate_table, representation_table
        from cohort.report.disproportionality_set import NAMES, disproportionality_set
        from cohort.report.protection import protect_set

        taken = [n for n in NAMES if n in self.protected]
        if taken:
            raise CohortError(f"tables named {taken} are already in this report")
        tset = disproportionality_set(representation_table(relative), relative_rate_table(relative),
                                      relative_rate_table(cumulative))
        out = protect_set(tset, self.policy)
        for name in NAMES:
            self.protected[name] = out[name]
        return {name: out[name] for name in NAMES}

    def show(self, table: Any, caption: str | None = None, **kwargs: Any) -> _HTML:
        """Display a protected table (or a :class:`Presented` one) as an accessible table.

        Columns that hold one value throughout (authority, interval method,
        confidence level) move into a note, the interval becomes one column,
        and codes become words. Suppressed cells keep their ``[c]`` marker.
        The table also goes to the Excel pack, as shown.
        """
        p = table if isinstance(table, Presented) else present(table, caption, **kwargs)
        if caption and isinstance(table, Presented):
            p.caption = caption
        self.sheets.append(p)
        return _HTML(render_html(p))

    def figure(self, fig: Any, alt: str, caption: str | None = None) -> _HTML:
        """A matplotlib figure (or Axes) as an image with a text alternative.

        The figure is drawn to PNG, closed (so Jupyter does not show it a
        second time) and embedded with ``alt`` (a description made from the
        data it shows) and an optional caption.
        """
        import matplotlib.pyplot as plt

        figure = getattr(fig, "figure", fig)
        buf = io.BytesIO()
        # zlib level 1: a fifth faster to write than the default 6, the files about as large
        figure.savefig(buf, format="png", dpi=110, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        plt.close(figure)
        src = base64.b64encode(buf.getvalue()).decode("ascii")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        return _HTML(f"<figure class='cohort-figure'><img src='data:image/png;base64,{src}' "
                     f"alt=\"{html.escape(alt, quote=True)}\">{cap}</figure>")

    def note(self, text: str) -> _HTML:
        """A short paragraph (plain text)."""
        return _HTML(f"<p class='cohort-note'>{html.escape(text)}</p>")

    def available(self, *tables: str, whole_store: bool = False) -> _HTML | None:
        """``None`` when the store holds rows in every table named, else the note to show.

        For a store made from a service's extract that lacks tables a section
        needs: the notebook shows the note ("This section cannot be produced
        from this store: it holds no KPI records") and skips the section.
        """
        data = self._whole() if whole_store else self.data

        def absent(t: str) -> bool:
            # row counts from the store's manifest and the authority column alone: no table is read
            if data.rows(t) == 0:
                return True
            if whole_store:
                return False
            codes = data.select(t, ["authority_code"])
            return "authority_code" in codes.columns and not codes["authority_code"].astype(str).eq(
                self.authority).any()

        missing = [t for t in tables if absent(t)]
        if not missing:
            return None
        from cohort.report.requirements import TABLE_LABELS

        words = " or ".join(TABLE_LABELS.get(t, t.replace("_", " ")) for t in missing)
        return _HTML(f"<p class='cohort-unavailable'>This section cannot be produced from this store: "
                     f"it holds no {html.escape(words)}{'' if whole_store else ' for this authority'}.</p>")

    # ------------------------------------------------------------------ shared units

    def _whole(self) -> CohortData:
        if self.store is None:
            return self.data
        if "_whole" not in self._units:
            from cohort.store import open_store

            self._units["_whole"] = {"data": open_store(self.store)}
        return self._units["_whole"]["data"]

    def national(self, store: str | os.PathLike | None = None) -> Any:
        """Every authority's tables and models of the store, shared by the batch's reports.

        A report that sets its authority beside every other (e.g. the
        disproportionality report's custody model fitted on every authority)
        asks for the table here as it would ask the measure:
        ``rep.national(store).adjusted_disparity(outcome="custody", ...)``
        gives what ``cohort.adjusted_disparity(cohort.open_store(store), ...)``
        gives. In a batch the first report computes it and the others read it
        from the batch's private folder (``$COHORT_SHARED_DIR``); a report run
        on its own computes it. See :func:`cohort.national_tables`.

        Parameters
        ----------
        store : path, optional
            The store (default: the one the report was opened with).
        """
        from cohort.national import national_tables

        source = store if store is not None else self.store
        if source is None:
            raise CohortError("Report.national() needs the store: pass store= (the report's data "
                              "were not opened from one).")
        folder = os.environ.get("COHORT_SHARED_DIR")
        key = f"_national_{Path(source)}"
        if key not in self._units:
            self._units[key] = {"tables": national_tables(
                source, cache=Path(folder) / "national" if folder else None, tables=[])}
        return self._units[key]["tables"]

    def unit(self, name: str) -> dict[str, Any]:
        """A protection unit of the report's quarter and edition (every authority's rows).

        Read from the batch's prepared units when present, else computed from
        the whole store (see :mod:`cohort.report.protection`).
        """
        if name not in self._units:
            from cohort.report.units import shared

            # a batch passes its prepared units (a private folder); a report run on its own
            # computes them (identically) and keeps them nowhere
            cache = os.environ.get("COHORT_SHARED_DIR") or None
            data = None if self.store is not None else self.data
            self._units[name] = shared(name, self.quarter, self.policy, data=data, store=self.store,
                                       cache_dir=cache, fingerprint=self.fingerprint if self.store else "")
        return self._units[name]

    # ------------------------------------------------------------------ sections

    def profile_section(self) -> _HTML:
        """Children open during the quarter by characteristic: table and charts."""
        from cohort.report.sections import profile_section

        return profile_section(self)

    def kpi_headline(self) -> _HTML:
        """The KPI changes that matter this quarter, in words and numbers."""
        from cohort.report.sections import kpi_section

        return kpi_section(self, "headline")

    def kpi_board(self) -> _HTML:
        """The ten KPIs on one table (main measures), with change, last year, year to date, comparator."""
        from cohort.report.sections import kpi_section

        return kpi_section(self, "board")

    def kpi_detail(self) -> _HTML:
        """Every KPI sub-measure, one table per KPI."""
        from cohort.report.sections import kpi_section

        return kpi_section(self, "detail")

    def fte_section(self) -> _HTML:
        """First time entrants: the authority's rates over the last eight quarters, and the trend."""
        from cohort.report.sections import rate_section

        return rate_section(self, "fte")

    def custody_section(self) -> _HTML:
        """Custodial sentences per 1,000: the authority's rates and the trend."""
        from cohort.report.sections import rate_section

        return rate_section(self, "custody")

    def reoffending_section(self) -> _HTML:
        """Proven reoffending of 3-month cohorts: rate, frequency and the trend."""
        from cohort.report.sections import reoffending_section

        return reoffending_section(self)

    def benchmark_section(self, measure: str) -> _HTML:
        """``measure`` ("fte", "reoffending" or "custody") against every authority: table and funnel."""
        from cohort.report.sections import benchmark_section

        return benchmark_section(self, measure)

    def victims_section(self, part: str) -> _HTML:
        """Victims: ``part`` is "engagement", "reasons" or "profile"."""
        from cohort.report.sections import victims_section

        return victims_section(self, part)

    # ------------------------------------------------------------------ audit and finish

    def audit(self) -> pd.DataFrame:
        """Every disclosure check of every table in the report (confidential: cell positions)."""
        frames = [p.audit for p in self.protected.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def public_audit(self) -> pd.DataFrame:
        """The audit without cell positions or messages: safe to publish."""
        public = [p.public_audit() for p in self.protected.values()]
        return pd.concat(public, ignore_index=True) if public else pd.DataFrame()

    def summary(self) -> dict[str, Any]:
        """The publishable disclosure summary: edition, policy, tables, cells suppressed,
        small counts shown (management edition), and the public audit."""
        audit = self.public_audit()
        full = self.audit()
        small = 0
        if self.edition == "management" and len(full):
            small = int(full.loc[full["check"] == "threshold", "n_affected"].sum())
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
            "small_counts_shown": small,
            "checks_failed": int((audit["status"] == "fail").sum()) if len(audit) else 0,
            "audit": json.loads(audit.to_json(orient="records")) if len(audit) else [],
        }

    def statement(self, summary: dict[str, Any]) -> str:
        """The closing statement in plain English (HTML)."""
        n, small, failed = summary["cells_suppressed"], summary["small_counts_shown"], summary["checks_failed"]
        if self.edition == "management":
            body = (
                "<p>This is the <strong>management information</strong> edition, for the youth justice "
                "partnership board and its agencies. Every figure is shown, "
                f"including {small:,} count{'s' if small != 1 else ''} below {self.policy.threshold}. Do not "
                "publish it or share it outside the partnership: use the publication edition for that.</p>")
        else:
            cmp = "below" if self.policy.unsafe_if == "below" else "at or below"
            body = (
                "<p>This is the <strong>publication</strong> edition. Counts "
                f"{cmp} {self.policy.threshold}, and any other figure that would let a reader work one out "
                "(from totals, from other tables in this report, or from the reports of other authorities), "
                f"are not shown and read [c]. Percentages and rates are not shown when their count is below "
                f"{self.policy.rate_min_numerator} or their base below {self.policy.rate_min_denominator}. "
                f"{n:,} figure{'s are' if n != 1 else ' is'} suppressed in this report's "
                f"{summary['tables']} tables; charts are drawn from the protected tables. "
                f"{'Every disclosure check passed.' if not failed else f'{failed} disclosure checks remain open: do not publish.'}"
                "</p><p>The rules follow the common practice of local authorities' published tables, with "
                "secondary suppression as in the Ministry of Justice's suppression method and a check, by "
                "linear programming, that no hidden count can be narrowed to fewer than "
                f"{self.policy.threshold} possible values from everything published.</p>")
        return ("<section class='cohort-disclosure'><h2>How the figures are protected</h2>" + body +
                "<p>No child's name, identifier or date of birth appears in this report.</p></section>")

    def finish(self) -> _HTML:
        """The closing disclosure statement; writes the Excel board pack and the public audit.

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
        return _HTML(self.statement(summary), data=summary)
