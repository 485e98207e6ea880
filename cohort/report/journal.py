"""The batch manifest: an append-only journal that is always true.

Every finished report (ok or failed) is appended to ``manifest.jsonl`` in the
output folder as one JSON line, flushed to disk before the next report is
recorded, so a batch killed at any moment leaves a record of every report it
finished. :func:`compact` folds the journal into ``manifest.json`` (written
atomically) at the end of a batch and by ``cohort index``. Paths in both are
relative to the output folder, so the folder can be moved or published.

A report is identified by its ``entry`` (notebook, authority or programme,
quarter, edition); its latest record wins. A failed record stays until the
same report succeeds, and a failed run removes the outputs an earlier run of
that report left (:func:`remove_outputs`), so no stale HTML or workbook sits
beside an index entry that says "failed".

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> append(out, {"entry": "a", "status": "failed"})
>>> append(out, {"entry": "b", "status": "ok"})
>>> append(out, {"entry": "a", "status": "ok"})
>>> [(r["entry"], r["status"]) for r in load(out).values()]
[('a', 'ok'), ('b', 'ok')]
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["JOURNAL", "MANIFEST", "append", "compact", "load", "remove_outputs"]

JOURNAL = "manifest.jsonl"
MANIFEST = "manifest.json"
#: Record fields that hold paths (relative to the output folder).
PATH_FIELDS = ("html", "executed_notebook", "workbook", "audit")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append(output: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one report's record to the journal and flush it to disk."""
    path = Path(output) / JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, default=str, ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def load(output: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Every report's latest record: ``manifest.json`` with the journal applied on top.

    A line cut short by a kill (the last one) is ignored.
    """
    output = Path(output)
    runs: dict[str, dict[str, Any]] = {}
    manifest = output / MANIFEST
    if manifest.is_file():
        try:
            for r in json.loads(manifest.read_text(encoding="utf-8")).get("runs", []):
                runs[r.get("entry") or r.get("html", "")] = r
        except (ValueError, AttributeError):
            pass  # an unreadable manifest: the journal and a rerun rebuild it
    journal = output / JOURNAL
    if journal.is_file():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue
            runs[r.get("entry") or r.get("html", "")] = r
    return runs


def compact(output: str | os.PathLike[str], header: dict[str, Any]) -> dict[str, Any]:
    """Fold the journal into ``manifest.json`` (atomically) and empty the journal."""
    output = Path(output)
    runs = list(load(output).values())
    manifest = {**header, "runs": runs}
    atomic_write(output / MANIFEST, json.dumps(manifest, indent=2, default=str, ensure_ascii=False) + "\n")
    (output / JOURNAL).unlink(missing_ok=True)
    return manifest


def remove_outputs(output: str | os.PathLike[str], record: dict[str, Any] | None) -> None:
    """Delete the files a report's earlier run left (HTML, workbook, audit, executed notebook)."""
    if not record:
        return
    output = Path(output)
    for key in PATH_FIELDS:
        rel = record.get(key)
        if rel:
            (output / rel).unlink(missing_ok=True)
    for rel in (record.get("disclosure") or {}).get("files", []) or []:
        (output / rel).unlink(missing_ok=True)
