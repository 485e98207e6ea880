"""Run the report notebooks for authorities x quarters x editions and publish HTML.

How a batch runs (see ``docs/design.md``, "Reports and the batch runner"):

1. **Checks before anything runs** (:mod:`cohort.report.checks`): quarters are
   read and canonicalised, authorities checked against the store, quarters
   outside the data's coverage refused (``allow_empty`` to override), every
   notebook parameter checked against the notebook's declared parameters
   (:mod:`cohort.report.planning`). A refusal is one
   :class:`~cohort.exceptions.UsageError`, before any report starts.
2. **Shared tables once**: the tables every authority's report shares are
   protected once per quarter and edition (:mod:`cohort.report.units`)
   into a private temporary folder, never into the output folder.
3. **Warm, isolated execution** (:mod:`cohort.report.executor`): each worker
   process imports the scientific stack once; each report runs in a child
   forked from it, through papermill with an in-process engine
   (:mod:`cohort.report.engine`), and is converted to HTML in that child. No
   state passes from one report to the next; a report that crashes or runs
   past ``timeout`` is recorded as failed and the worker goes on. With
   ``scheduler=`` the same work goes to a Dask distributed cluster.
4. **A manifest that is always true** (:mod:`cohort.report.journal`): each
   finished report is appended to ``manifest.jsonl`` at once (a killed batch
   loses nothing it finished); at the end the journal is compacted into
   ``manifest.json`` and ``index.html`` is written from it
   (:mod:`cohort.report.index`). Paths are relative to the output folder.
   A rerun skips reports whose inputs have not changed and reruns failures;
   a failed run removes the stale outputs of that report.

Only this module runs notebooks (see DESIGN.md).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.periods import latest_quarter
from cohort.report.checks import canonical_quarters, check_authorities, check_coverage, coverage
from cohort.report.html import to_html
from cohort.report.index import write_index
from cohort.report.journal import append, atomic_write, compact, load, remove_outputs
from cohort.report.planning import REPORT_NOTEBOOKS, RunSpec, notebook_dir, plan

log = logging.getLogger(__name__)

__all__ = ["REPORT_NOTEBOOKS", "RunSpec", "notebook_dir", "plan", "rebuild_index", "run", "summarise",
           "to_html", "write_index"]

#: Environment variable telling a report where the batch's prepared shared tables are.
SHARED_ENV = "COHORT_SHARED_DIR"


# ---------------------------------------------------------------- one report, in its child


def _failing_cell(original, exc) -> dict[str, Any]:
    """Where a report failed: the code cell's number in the notebook file (1-based, counting
    code cells as a reader of the notebook does), the line in that cell and its source."""
    import re

    source = str(getattr(exc, "source", "") or "")
    code = [c.source for c in original.cells if c.cell_type == "code"]
    cell = code.index(source) + 1 if source in code else None
    line, source_line = None, None
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(getattr(exc, "traceback", []) or []))
    hits = re.findall(r"Cell In\[\d+\], line (\d+)|line (\d+)", text)
    lines = source.splitlines()
    if hits and lines:
        line = int(next(a or b for a, b in hits))
        if 1 <= line <= len(lines):
            source_line = lines[line - 1].strip()[:200]
        else:
            line = None
    return {"cell": cell, "line": line, "source_line": source_line}


def _disclosure_summary(nb) -> dict[str, Any] | None:
    """The disclosure summary a report left in its outputs (see Report.finish)."""
    from cohort.report.context import AUDIT_MIME

    for cell in reversed(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if AUDIT_MIME in data:
                return dict(data[AUDIT_MIME])
    return None


def _report_job(spec: RunSpec, shared_dir: str | None) -> dict[str, Any]:
    """Execute one notebook with papermill (in-process engine) and write its HTML.

    Runs in a forked child; returns the run's record (never raises).
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from cohort.report.engine import ENGINE_NAME, register

    register()
    if shared_dir:
        os.environ[SHARED_ENV] = shared_dir
    record: dict[str, Any] = {"status": "ok", "error": None, "disclosure": None}
    nb_path = Path(spec.notebook_path)
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_nb = nb_path.with_name(f".{nb_path.name}.{os.getpid()}.tmp.ipynb")
    try:
        try:
            papermill.execute_notebook(
                spec.notebook, str(tmp_nb), parameters=spec.parameters, engine_name=ENGINE_NAME,
                progress_bar=False, request_save_on_cell_execute=False, cwd=str(Path(spec.notebook).parent),
            )
        except PapermillExecutionError as exc:
            original = nbformat.read(spec.notebook, as_version=4)
            record["status"] = "failed"
            record["error"] = {**_failing_cell(original, exc), "ename": exc.ename, "evalue": str(exc.evalue)[:500]}
        if tmp_nb.exists():
            nb = nbformat.read(tmp_nb, as_version=4)
            record["disclosure"] = _disclosure_summary(nb)
            os.replace(tmp_nb, nb_path)
            if record["status"] == "ok":
                d = record["disclosure"] or {}
                name = d.get("title") or Path(spec.notebook).stem.replace("_", " ").capitalize()
                who = d.get("authority_name") or spec.authority or spec.parameters.get("programme", "")
                title = ", ".join(x for x in (f"{name}: {who}", spec.quarter) if x)
                running = f"{title}. Produced on {datetime.now():%-d %B %Y}."
                atomic_write(Path(spec.html_path), to_html(nb, title, marking=d.get("marking", ""),
                                                           running=running))
    except Exception as exc:  # recorded, never raised: the batch goes on
        record["status"] = "failed"
        record["error"] = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]}
    finally:
        tmp_nb.unlink(missing_ok=True)
    return record


def _run_isolated(spec: RunSpec, timeout: float, shared_dir: str | None) -> dict[str, Any]:
    """In a warm worker: fork a child for the report and collect its record."""
    from cohort.report.executor import run_forked, warm_up

    started = time.perf_counter()
    try:
        warm_up()  # imports are cached: free after the first report of a worker
    except Exception as exc:  # a broken installation: every report says why
        return {"status": "failed", "duration_s": 0.0,
                "error": {"cell": None, "ename": type(exc).__name__,
                          "evalue": f"the report worker could not start: {exc}"[:500]}}
    result = run_forked(lambda: _report_job(spec, shared_dir), timeout=timeout)
    result["duration_s"] = round(time.perf_counter() - started, 2)
    return result


# ---------------------------------------------------------------- the batch


def _relative(path: str | os.PathLike[str], output: Path) -> str:
    return os.path.relpath(Path(path), output)


def _record(spec: RunSpec, result: dict[str, Any], output: Path, info: dict[str, Any]) -> dict[str, Any]:
    disclosure = result.get("disclosure") or None
    workbook = (disclosure or {}).get("workbook")
    if disclosure and workbook:
        disclosure = {**disclosure, "workbook": _relative(workbook, output)}
    rel_html = _relative(spec.html_path, output)
    return {
        "entry": rel_html,
        "notebook": Path(spec.notebook).stem,
        "authority": spec.authority,
        "authority_name": info["names"].get(spec.authority, spec.authority),
        "quarter": spec.quarter,
        "edition": spec.edition,
        "html": rel_html,
        "executed_notebook": _relative(spec.notebook_path, output),
        "workbook": (disclosure or {}).get("workbook"),
        "key": spec.key,
        "fingerprint": info["fingerprint"],
        "package_version": info["version"],
        "parameters": {k: v for k, v in spec.parameters.items() if k not in ("store", "output_dir")},
        "run_id": uuid.uuid4().hex,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": result.get("status", "failed"),
        "error": result.get("error"),
        "duration_s": result.get("duration_s"),
        "disclosure": disclosure,
    }


def _header(store: Path, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": store.name,
        "fingerprint": info["fingerprint"],
        "package_version": info["version"],
        "synthetic": info["synthetic"],
    }


def rebuild_index(output: str | os.PathLike[str]) -> Path:
    """Compact the manifest journal and write ``index.html`` again (``cohort index``).

    Raises
    ------
    cohort.UsageError
        The folder holds no manifest.
    """
    from cohort.exceptions import UsageError

    output = Path(output)
    runs = load(output)
    if not runs:
        raise UsageError(f"{output} holds no manifest.json or manifest.jsonl: run `cohort run` first")
    old = {}
    if (output / "manifest.json").is_file():
        old = {k: v for k, v in json.loads((output / "manifest.json").read_text(encoding="utf-8")).items()
               if k != "runs"}
    manifest = compact(output, old or {"created": datetime.now(UTC).isoformat(timespec="seconds")})
    return write_index(manifest, output)


def _dask_client(scheduler: Any):
    try:
        from dask.distributed import Client
    except ImportError as exc:
        from cohort.exceptions import UsageError

        raise UsageError("--scheduler needs Dask distributed: pip install 'cohort[dask]' "
                         "(or pip install 'dask[distributed]')") from exc
    return scheduler if isinstance(scheduler, Client) else Client(scheduler)


def _execute_all(todo: list[RunSpec], jobs: int, timeout: float, shared_dir: str | None,
                 scheduler: Any, done: Callable[[RunSpec, dict[str, Any]], None]) -> None:
    """Run every report, calling ``done`` as each finishes (in the order they finish)."""
    if scheduler is not None:
        from dask.distributed import as_completed as dask_completed

        client = _dask_client(scheduler)
        futures = {client.submit(_run_isolated, s, timeout, shared_dir, pure=False): s for s in todo}
        for fut in dask_completed(list(futures)):
            spec = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # a worker lost: recorded like any failure
                result = {"status": "failed", "error": {"cell": None, "ename": type(exc).__name__,
                                                        "evalue": str(exc)[:500]}}
            done(spec, result)
        return
    from cohort.report.executor import warm_up_quietly

    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=get_context("fork"),
                             initializer=warm_up_quietly) as pool:
        futures = {pool.submit(_run_isolated, s, timeout, shared_dir): s for s in todo}
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # a worker process lost
                result = {"status": "failed", "error": {"cell": None, "ename": type(exc).__name__,
                                                        "evalue": str(exc)[:500]}}
            done(spec, result)


def run(
    notebooks: Sequence[str] = REPORT_NOTEBOOKS,
    authorities: Sequence[str] | None = None,
    quarters: Sequence[str] | None = None,
    *,
    store: str | os.PathLike | None = None,
    output: str | os.PathLike = "reports",
    jobs: int = 2,
    parameters: dict[str, Any] | None = None,
    force: bool = False,
    progress: bool = True,
    scheduler: Any = None,
    timeout: float = 900,
    policies: Sequence[str] = ("management",),
    programmes: Sequence[str] | None = None,
    allow_empty: bool = False,
    log_file: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Execute notebooks x authorities x quarters x editions and write HTML reports.

    Parameters
    ----------
    notebooks : sequence of str
        Notebook names in ``notebooks/`` or paths; default every report.
    authorities : sequence of str, optional
        Authority codes; default every authority in the store.
    quarters : sequence of str, optional
        Quarters in any form :func:`cohort.quarter` reads ("2025/26 Q4",
        "Q4 2025/26", "2025-26 Q4" are one quarter); default the last quarter
        complete on the store's extract date.
    store : path, optional
        Parquet store (default: :func:`cohort.store.default_store_path`).
    output : path
        Folder for reports, ``index.html`` and ``manifest.json``.
    jobs : int
        Worker processes (two suit a two-core machine).
    parameters : dict, optional
        Extra notebook parameters applied to every run.
    force : bool
        Rerun reports whose inputs have not changed.
    progress : bool
        Show a progress bar.
    scheduler : str or dask.distributed.Client, optional
        A Dask distributed scheduler's address (or a client) to run the
        reports on instead of local processes (needs ``cohort[dask]``).
    timeout : float
        Seconds allowed per report; a report past it is stopped and recorded
        as failed.
    policies : sequence of str
        One edition of every report per disclosure policy: ``"management"``
        and/or ``"publication"``. File names and manifest records carry it.
    programmes : sequence of str, optional
        Programmes for the programme-level notebooks (see :func:`plan`).
    allow_empty : bool
        Run quarters outside the data's coverage (refused by default).
    log_file : path, optional
        Append one JSON line per finished report to this file.

    Returns
    -------
    pandas.DataFrame
        The manifest of this batch: one row per report with ``notebook``,
        ``authority``, ``quarter``, ``edition``, ``status`` (ok, failed,
        skipped), ``duration_s``, ``error`` (``cell``, ``line``,
        ``source_line``, ``ename``, ``evalue``), ``html`` (relative to
        ``output``) and the run parameters.

    Raises
    ------
    cohort.UsageError
        A quarter that cannot be read or is outside the data, an unknown
        authority, notebook or parameter: before any report starts.
    """
    from tqdm.auto import tqdm

    from cohort import __version__
    from cohort.store import default_store_path, open_store, store_info

    store = Path(store) if store is not None else default_store_path()
    manifest_info = store_info(store)
    data = open_store(store, tables=[t for t in ("authorities", "interventions") if t in manifest_info["tables"]],
                      columns={"interventions": ["programme"]} if "interventions" in manifest_info["tables"] else None)
    known = list(manifest_info.get("authorities") or [])
    authorities = known if authorities is None else check_authorities(list(authorities), known)
    if quarters is None:
        quarters = [latest_quarter(data)]
    else:
        quarters = canonical_quarters(quarters)
        if not allow_empty:
            check_coverage(quarters, coverage(store))
    auth = data.authorities
    info = {
        "fingerprint": manifest_info.get("fingerprint", ""),
        "version": __version__,
        "synthetic": bool((manifest_info.get("metadata") or {}).get("synthetic", False)),
        "names": (dict(zip(auth["authority_code"].astype(str), auth["authority_name"].astype(str), strict=True))
                  if {"authority_code", "authority_name"} <= set(auth.columns) else {}),
    }
    output = Path(output).resolve()
    specs = plan(notebooks, authorities, quarters, store=store, output=output, parameters=parameters,
                 fingerprint=info["fingerprint"], policies=policies, programmes=programmes)
    # programme-level reports only for programmes the store holds records of
    present = set(data.interventions.get("programme", pd.Series(dtype=str)).dropna().astype(str))
    specs = [s for s in specs if s.authority or s.parameters.get("programme") in present]

    previous = load(output)
    records: list[dict[str, Any]] = []
    todo: list[RunSpec] = []
    for spec in specs:
        old = previous.get(_relative(spec.html_path, output))
        if (not force and old and old.get("key") == spec.key and old.get("status") in ("ok", "skipped")
                and Path(spec.html_path).exists()):
            records.append({**old, "status": "skipped", "duration_s": 0.0})
        else:
            todo.append(spec)

    shared_dir = None
    per_quarter = [s for s in todo if s.edition and s.quarter]  # programme reports have no quarter
    if per_quarter:
        # the batch-level step: every table shared between reports, protected once per quarter
        # and edition, in a private folder (it holds every authority's unprotected statistics)
        from cohort.report.units import prepare

        shared_dir = tempfile.mkdtemp(prefix="cohort-shared-")
        prepare(store, list(dict.fromkeys(s.quarter for s in per_quarter)),
                list(dict.fromkeys(s.parameters["policy"] for s in per_quarter)), shared_dir)

    bar = tqdm(total=len(todo), desc="reports", unit="report", disable=not progress)

    def done(spec: RunSpec, result: dict[str, Any]) -> None:
        rec = _record(spec, result, output, info)
        if rec["status"] != "ok":
            # no stale HTML or workbook beside an entry that says "failed"
            remove_outputs(output, previous.get(rec["entry"]))
            Path(spec.html_path).unlink(missing_ok=True)
        append(output, rec)
        if log_file:
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({k: rec[k] for k in ("finished", "notebook", "authority", "quarter",
                                                         "edition", "status", "duration_s", "error", "html")},
                                    default=str) + "\n")
        records.append(rec)
        bar.update()

    try:
        if todo:
            _execute_all(todo, jobs, timeout, shared_dir, scheduler, done)
    finally:
        bar.close()
        if shared_dir:
            shutil.rmtree(shared_dir, ignore_errors=True)
    manifest = compact(output, _header(store, info))
    write_index(manifest, output)
    order = {_relative(s.html_path, output): i for i, s in enumerate(specs)}
    records.sort(key=lambda r: order.get(r["html"], 0))
    return pd.DataFrame(records)


def summarise(manifest: pd.DataFrame | Iterable[dict[str, Any]]) -> str:
    """One line per status, for the command line."""
    df = pd.DataFrame(manifest)
    if df.empty:
        return "no reports"
    counts = df["status"].value_counts()
    total = df.get("duration_s", pd.Series(dtype=float)).fillna(0).sum()
    return ", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({total:.0f} s of report time)"
