"""Rules across tables and against the extract date: foreign keys, age at
offence, and dates after the extract was taken.

Each problem names the table and row that holds the wrong value: a child
born after their offence is the child's row (the birth month is wrong); a
child aged under 10 at an offence is the offence's row, naming the child's
row in the message; a key that matches no parent row is the child row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cohort.loaders.pieces import ROW
from cohort.loaders.text import as_text
from cohort.loaders.validation import Table, problems

#: Age of criminal responsibility in England and Wales (Children and Young Persons Act 1933 s.50).
AGE_OF_CRIMINAL_RESPONSIBILITY = 10


def isin(child: pd.DataFrame, parent: pd.DataFrame) -> np.ndarray:
    """Row-wise: is each key of ``child`` among the (non-missing) keys of ``parent``?"""
    parent = parent.dropna()
    if child.shape[1] == 1:
        # an Index lookup hashes once; Series.isin on arrow strings loops in Python
        return pd.Index(parent.iloc[:, 0].drop_duplicates()).get_indexer(child.iloc[:, 0]) >= 0
    return pd.MultiIndex.from_frame(child).isin(pd.MultiIndex.from_frame(parent))


def _where(t: Table, idx: np.ndarray) -> np.ndarray:
    return (t.raw["__file"].to_numpy()[idx] + " row " + t.raw[ROW].astype(str).to_numpy()[idx])


def fk_problems(tables: dict[str, Table], meta: dict[str, Any]) -> list[pd.DataFrame]:
    """Keys that match no row of the table they refer to.

    A parent table whose key column is missing altogether is not checked
    against (its own problem says so once), so one header typo does not
    turn into a problem for every child row.
    """
    out = []
    for t in tables.values():
        for fk in t.schema.foreign_keys:
            if fk.resource not in tables:
                meta["foreign_keys_unchecked"].append(f"{t.name}.{','.join(fk.fields)} -> {fk.resource}")
                continue
            parent = tables[fk.resource]
            lost = set(fk.reference_fields) & parent.missing_fields
            if lost or set(fk.fields) & t.missing_fields:
                meta["foreign_keys_unchecked"].append(
                    f"{t.name}.{','.join(fk.fields)} -> {fk.resource} (key column missing)"
                )
                continue
            child = t.typed
            present = child[list(fk.fields)].notna().all(axis=1).to_numpy()
            bad = present & ~isin(child[list(fk.fields)], parent.typed[list(fk.reference_fields)])
            if bad.any():
                out.append(
                    problems(t.name, np.flatnonzero(bad), fk.fields[0], "foreign_key",
                             f"{' + '.join(fk.fields)} has no row in {fk.resource}")
                )
    return out


def age_problems(tables: dict[str, Table]) -> list[pd.DataFrame]:
    """Children under 10 at an offence (the offence row) or born after it (the child's row)."""
    if "offences" not in tables or "children" not in tables:
        return []
    off_t, ch_t = tables["offences"], tables["children"]
    off, ch = off_t.typed, ch_t.typed
    known = ch.dropna(subset=["child_id", "birth_month"]).drop_duplicates("child_id")
    pos = pd.Index(known["child_id"]).get_indexer(off["child_id"])
    months_known = np.append(known["birth_month"].to_numpy(dtype=object), np.nan)
    child_idx = np.append(known.index.to_numpy(), -1)[pos]
    month = as_text(pd.Series(months_known[pos], index=off.index))
    ok = month.notna() & off["offence_date"].notna()
    if not ok.any():
        return []
    by = pd.to_numeric(month.str[:4], errors="coerce")
    bm = pd.to_numeric(month.str[5:7], errors="coerce")
    od = off["offence_date"]
    # born on the 1st of the month is the most favourable day: full months of age
    months = (od.dt.year - by) * 12 + (od.dt.month - bm)
    out = []
    before_birth = (ok & (months < 0)).to_numpy()
    if before_birth.any():
        oi = np.flatnonzero(before_birth)
        msg = ("born " + month.to_numpy()[oi].astype(str) + ", after the offence on "
               + od.dt.strftime("%d/%m/%Y").to_numpy()[oi].astype(str) + " ("
               + _where(off_t, oi) + "): the birth month or the offence date is wrong")
        out.append(problems("children", child_idx[oi], "birth_month", "born_after_offence", msg))
    young = (ok & (months >= 0) & (months < 12 * AGE_OF_CRIMINAL_RESPONSIBILITY)).to_numpy()
    if young.any():
        oi = np.flatnonzero(young)
        msg = ("the child (born " + month.to_numpy()[oi].astype(str) + ", "
               + _where(ch_t, child_idx[oi]) + f") was under {AGE_OF_CRIMINAL_RESPONSIBILITY} "
               "at offence_date, below the age of criminal responsibility")
        out.append(problems("offences", oi, "offence_date", "age_at_offence_10_to_17", msg))
    return out


def future_problems(tables: dict[str, Table], extract_date: pd.Timestamp) -> list[pd.DataFrame]:
    """Dates (and birth months) after the extract date: typing errors such as 2031 for 2021."""
    out = []
    label = extract_date.strftime("%d/%m/%Y")
    month = extract_date.strftime("%Y-%m")
    for t in tables.values():
        for f in t.schema.fields:
            s = t.typed[f.name]
            if f.type == "date":
                bad = (s > extract_date).to_numpy()
            elif f.type == "yearmonth":
                bad = (s.notna() & (s > month)).to_numpy()
            else:
                continue
            if bad.any():
                out.append(problems(t.name, np.flatnonzero(bad), f.name, "after_extract_date",
                                    f"after the extract date {label}: a typing error, or give the "
                                    "extract's real date with --extract-date"))
    return out
