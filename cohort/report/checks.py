"""Checks made before any report starts: quarters, authorities, coverage.

A scheduled run should refuse a bad request in one readable line before it
starts a single report: a quarter that cannot be read ("2025/26 Q5"), one
that is ambiguous ("2025 Q4"), an authority that is not in the store
("X99"), or a quarter outside the data's coverage, which would produce
"reports" of nothing. Quarters are canonicalised, so "Q4 2025/26" and
"2025-26 Q4" are one report with one file name.

Examples
--------
>>> canonical_quarters(["Q4 2025/26", "2025-26 Q4", "2025/26 Q3"])
['2025/26 Q4', '2025/26 Q3']
>>> canonical_quarters(["2025/26 Q5"])
Traceback (most recent call last):
...
cohort.exceptions.UsageError: quarter '2025/26 Q5': ...
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.exceptions import PeriodError, UsageError
from cohort.periods import quarter, quarter_end, quarter_label

__all__ = ["canonical_quarters", "check_authorities", "check_coverage", "coverage"]


def canonical_quarters(quarters: Iterable[str]) -> list[str]:
    """Each quarter as one canonical label ("2025/26 Q4"), duplicates removed, order kept."""
    out: list[str] = []
    for q in quarters:
        try:
            label = quarter_label(quarter(q))
        except (PeriodError, ValueError) as err:
            raise UsageError(f"quarter {q!r}: {err}") from err
        if label not in out:
            out.append(label)
    return out


def check_authorities(requested: Sequence[str], known: Sequence[str]) -> list[str]:
    """The requested authority codes, all in the store (else one line naming the unknown)."""
    unknown = [a for a in requested if a not in set(known)]
    if unknown:
        hints = []
        for a in unknown:
            near = difflib.get_close_matches(a, list(known), n=3, cutoff=0.5)
            hints.append(f"{a!r}" + (f" (did you mean {', '.join(near)}?)" if near else ""))
        shown = ", ".join(list(known)[:12]) + (f" and {len(known) - 12} more" if len(known) > 12 else "")
        raise UsageError(f"authority {', '.join(hints)} not in the store; it holds {shown}")
    return list(dict.fromkeys(requested))


def coverage(store: str | Path) -> dict[str, Any]:
    """The period the store's data cover: from its first dated event to its extract date.

    Reads only the date columns it needs (column projection).
    """
    from cohort.store import open_store, store_info

    info = store_info(store)
    meta = info.get("metadata") or {}
    dates = info.get("extract_dates") or {}
    end = max(dates.values()) if dates else (meta.get("extract_date") or (meta.get("period") or {}).get("end"))
    columns = {t: c for t, c in (("offences", ["outcome_date"]), ("interventions", ["start_date"]))
               if t in info["tables"]}
    first = None
    if columns:
        data = open_store(store, tables=list(columns), columns=columns)
        found = [data.tables[t][c[0]].min() for t, c in columns.items() if len(data.tables[t])]
        found = [d for d in found if pd.notna(d)]
        first = min(found) if found else None
    return {"start": None if first is None else pd.Timestamp(first).date().isoformat(),
            "end": None if end is None else str(end)[:10]}


def check_coverage(quarters: Sequence[str], cover: dict[str, Any]) -> None:
    """Refuse quarters that end after the extract date or end before the first event."""
    start = pd.Timestamp(cover["start"]) if cover.get("start") else None
    end = pd.Timestamp(cover["end"]) if cover.get("end") else None
    first = quarter_label(quarter(start)) if start is not None else "the first event"
    if end is not None:
        last_q = quarter(end) if end.normalize() >= quarter_end(quarter(end)) else quarter(end) - 1
        last = quarter_label(last_q)
    else:
        last = "the extract date"
    bad = []
    for q in quarters:
        p = quarter(q)
        if end is not None and quarter_end(p) > end:
            bad.append(f"{q} ends after the data's extract date ({end:%d %B %Y})")
        elif start is not None and quarter_end(p) < start:
            bad.append(f"{q} ends before the data's first event ({start:%d %B %Y})")
    span = f"{first} to {last}"
    if bad:
        raise UsageError("; ".join(bad) + f". The store covers complete quarters {span}; "
                         "pass --allow-empty to run such quarters anyway")
