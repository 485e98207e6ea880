"""National scale: the 150-authority synthetic store, against DuckDB SQL over the same files.

Every step runs in a fresh Python process, timed after ``import cohort`` (with
its whole public API, which it otherwise loads on first use) and ``import
duckdb`` (so neither side pays for imports), several times with the
steps interleaved, and the median is printed with the range. No step is timed
under ``tracemalloc``: peak memory is the process's high-water mark (``VmHWM``
from ``/proc/self/status``, imports included) read after the step.

Steps:

- ``reoffending`` / ``fte``: proven reoffending (3-month cohorts by authority)
  and first time entrants (calendar years by authority) from an unopened store,
  reading included, against the DuckDB SQL versions (``_duckdb_sql.py``) over
  the same Parquet files: the counts are checked cell for cell and the ratio of
  the medians printed (target: at most 1.5x DuckDB);
- ``national``: every shared national table (:func:`cohort.national_tables`:
  FTE and custody for rolling 12 months, reoffending by quarter, pooled by
  financial year), for every authority and quarter, opening included (target
  at most 5 s and 1 GB); ``national_read``: the same tables read back from the
  batch's cache, as each report reads them;
- ``units``: the batch's performance unit (every authority's tables for the
  report's quarter, protected), computed once per batch by the runner;
- ``kpis``: one authority's quarterly KPIs from an unopened store (target 0.3 s);
- ``open``, ``read_offences``: opening the whole store, and reading every
  column of the offences of every authority;
- ``write``: ``write_store`` of the generated data (generation not timed);
- ``notebook_warm``: the performance report for one authority on the national
  store as a batch runs it: a fresh worker process imports the report
  libraries once (not timed), and the report runs in a forked child through
  the in-process papermill engine with the batch's units prepared
  (``COHORT_SHARED_DIR``); cell time from the executed notebook's metadata
  (target 1.5 s);
- ``notebook``: the same report run by papermill in a new kernel, which pays
  for importing pandas, matplotlib, scipy and cohort in its first cell (cell
  time with and without that cell).

Usage::

    python benchmarks/national.py [--store PATH] [--runs 5] [--authorities 150]
                                  [--steps reoffending,fte,...] [--batch N]

``--batch N`` also runs the batch runner (:func:`cohort.batch.run`, two workers)
for N authorities and one quarter, every report notebook or those of
``--batch-notebooks``, and prints the seconds per report.
DuckDB comes with the ``bench`` extra (``pip install -e ".[bench]"``; ``make
bench`` installs it); without it the SQL comparisons are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AUTHORITY, QUARTER = "X001", "2025/26 Q3"
STEPS = ("reoffending", "duckdb_reoffending", "fte", "duckdb_fte", "national", "national_read",
         "units", "kpis", "open", "read_offences", "write", "notebook", "notebook_warm")


# ----------------------------------------------------------------- in the child process


def _peak_mib() -> float:
    """This process's resident high-water mark (ru_maxrss would carry the parent's across exec)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def child(step: str, store: str, out: str, cache: str) -> None:
    import cohort

    for name in cohort.__all__:  # the whole public API, which ``import cohort`` loads lazily
        getattr(cohort, name)

    try:
        import duckdb  # noqa: F401 - imported before timing, as on the cohort side
    except ImportError:
        pass
    sys.path.insert(0, str(HERE))
    result = None
    if step == "notebook_warm":
        print(json.dumps(_notebook_in_worker(Path(store), Path(cache))))
        return
    if step == "write":
        data = cohort.synthetic.generate(authorities=int(store))
        folder = tempfile.mkdtemp()
        t0 = time.perf_counter()
        cohort.write_store(data, Path(folder) / "store")
        seconds = time.perf_counter() - t0
    elif step.startswith("duckdb_"):
        import _duckdb_sql

        t0 = time.perf_counter()
        result = (_duckdb_sql.reoffending_counts(store) if step == "duckdb_reoffending"
                  else _duckdb_sql.fte_counts(store))
        seconds = time.perf_counter() - t0
    else:
        t0 = time.perf_counter()
        if step == "reoffending":
            result = cohort.reoffending(cohort.open_store(store), cohort_period="3M")
        elif step == "fte":
            result = cohort.fte(cohort.open_store(store), period="calendar_year")
        elif step == "national":
            shared = cohort.national_tables(store)
            tables = {name: shared[name] for name in shared.names}
        elif step == "national_read":
            shared = cohort.national_tables(store, cache=cache)
            tables = {name: shared[name] for name in shared.names}
        elif step == "units":
            from cohort.report.units import prepare

            prepare(store, [QUARTER], ["management"], tempfile.mkdtemp(), units=["performance"])
        elif step == "kpis":
            result = cohort.kpis(cohort.open_store(store, authorities=[AUTHORITY]), AUTHORITY, QUARTER)
        elif step == "open":
            cohort.open_store(store)
        elif step == "read_offences":
            result = cohort.open_store(store).offences
        else:
            raise SystemExit(f"unknown step {step}")
        seconds = time.perf_counter() - t0
        if step.startswith("national"):
            result = None
            rows = sum(len(t) for t in tables.values())
    record = {"step": step, "seconds": seconds, "peak_mib": _peak_mib()}
    if step.startswith("national"):
        record["rows"] = rows
    if out and result is not None:
        result.to_parquet(out)
    print(json.dumps(record))


# ----------------------------------------------------------------- in the parent


def run_child(step: str, store: Path, out: Path | None, cache: Path, authorities: int) -> dict:
    arg = str(authorities) if step == "write" else str(store)
    proc = subprocess.run([sys.executable, __file__, "--child", step, arg, str(out or ""), str(cache)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"step {step} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cell_times(path: Path) -> tuple[float, float]:
    """Cell time of an executed notebook (papermill's metadata), and the same without the
    cells up to the one that imports cohort and opens the report."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    durations = [float((c.get("metadata", {}).get("papermill") or {}).get("duration") or 0) for c in cells]
    setup = next(i for i, c in enumerate(cells) if "import cohort" in "".join(c["source"]))
    return sum(durations), sum(durations[setup + 1:])


def _notebook_in_worker(store: Path, units: Path) -> dict:
    """In this (fresh) process: the performance notebook run as a batch runs it. The worker
    imports the report libraries once (:func:`cohort.report.executor.warm_up`, not timed),
    then the report runs in a forked child through the in-process papermill engine with the
    batch's prepared units; cell time from papermill's metadata."""
    import papermill

    from cohort.report.engine import ENGINE_NAME
    from cohort.report.executor import run_forked, warm_up

    warm_up()
    os.environ["COHORT_SHARED_DIR"] = str(units)  # as the batch runner sets it for its reports
    out = Path(tempfile.mkdtemp()) / "performance.ipynb"

    def job() -> dict:
        papermill.execute_notebook(str(ROOT / "notebooks" / "performance.ipynb"), str(out),
                                   parameters={"authority": AUTHORITY, "quarter": QUARTER, "store": str(store)},
                                   engine_name=ENGINE_NAME, cwd=str(ROOT / "notebooks"),
                                   progress_bar=False, log_output=False)
        seconds, rest = _cell_times(out)
        return {"step": "notebook_warm", "seconds": seconds, "without_imports": rest}

    return run_forked(job, timeout=600)


def run_notebook(store: Path, units: Path, folder: Path) -> dict:
    """The performance notebook for one authority, with the batch's prepared units
    (``$COHORT_SHARED_DIR``); cell time from papermill's metadata."""
    import papermill

    notebook = ROOT / "notebooks" / "performance.ipynb"
    params = {"authority": AUTHORITY, "quarter": QUARTER, "store": str(store)}
    out = folder / "performance.ipynb"
    os.environ["COHORT_SHARED_DIR"] = str(units)  # the kernel inherits it, as in a batch
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(notebook), str(out), parameters=params, cwd=str(ROOT / "notebooks"),
                                   progress_bar=False, log_output=False)
    finally:
        del os.environ["COHORT_SHARED_DIR"]
    wall = time.perf_counter() - t0
    seconds, rest = _cell_times(out)
    return {"step": "notebook", "seconds": seconds, "without_imports": rest, "wall": wall}


def run_batch(store: Path, authorities: int, notebooks: list[str], folder: Path) -> dict:
    """The batch runner (``cohort run --jobs 2``) for the first ``authorities`` authorities."""
    import cohort

    codes = cohort.store.store_info(store)["authorities"][:authorities]
    t0 = time.perf_counter()
    records = cohort.batch.run(notebooks, authorities=codes, quarters=[QUARTER], store=store, output=folder,
                               jobs=2, force=True, progress=False)
    seconds = time.perf_counter() - t0
    ok = int((records["status"] == "ok").sum()) if "status" in records else len(records)
    # each report's own time in its worker, by notebook (the batch's preparation is not in it)
    each = records.groupby("notebook")["duration_s"].agg(["count", "median"]).round(2)
    return {"reports": len(records), "ok": ok, "seconds": seconds, "per_report": seconds / max(len(records), 1),
            "by_notebook": {k: (int(v["count"]), float(v["median"])) for k, v in each.iterrows()}}


def same_counts(folder: Path) -> dict[str, str]:
    """Reoffending and FTE counts of cohort and DuckDB, cell by cell."""
    import pandas as pd

    verdict = {}
    ours, sql = folder / "reoffending.parquet", folder / "duckdb_reoffending.parquet"
    if ours.exists() and sql.exists():
        table, sql = pd.read_parquet(ours), pd.read_parquet(sql)
        wide = table.pivot_table(index=["authority_code", "period_start"], columns="measure",
                                 values=["numerator", "denominator"])
        cells = pd.DataFrame({"n": wide[("denominator", "binary_rate")], "r": wide[("numerator", "binary_rate")],
                              "o": wide[("numerator", "reoffences_per_offender")]}).reset_index()
        sql["period_start"] = pd.to_datetime(sql["period_start"]).astype(cells["period_start"].dtype)
        both = cells.merge(sql, on=["authority_code", "period_start"], how="outer", suffixes=("", "_sql"))
        ok = len(both) == len(cells) == len(sql) and all((both[c] == both[f"{c}_sql"]).all() for c in "nro")
        verdict["reoffending"] = (f"{'identical' if ok else 'DIFFERENT'} counts in {len(cells):,} cells "
                                  f"(N, R, O per authority and cohort)")
    ours, sql = folder / "fte.parquet", folder / "duckdb_fte.parquet"
    if ours.exists() and sql.exists():
        table, sql = pd.read_parquet(ours), pd.read_parquet(sql)
        both = table.assign(year=table["period"].astype(int)).merge(sql, on=["authority_code", "year"], how="outer")
        ok = (len(both) == len(table) == len(sql) and (both["numerator"] == both["entrants"]).all()
              and (both["denominator"] == both["population"]).all())
        verdict["fte"] = (f"{'identical' if ok else 'DIFFERENT'} counts in {len(table):,} cells "
                          "(entrants and population per authority and year)")
    return verdict


def _fmt(runs: list[dict], key: str = "seconds") -> str:
    values = [r[key] for r in runs]
    return f"{statistics.median(values):6.2f} s ({min(values):.2f}-{max(values):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: generate one)")
    parser.add_argument("--authorities", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--batch", type=int, default=0, metavar="N",
                        help="also run the batch runner for N authorities and one quarter (slow)")
    parser.add_argument("--batch-notebooks", default=",".join(
        ("quarterly_profile", "performance", "victims", "disproportionality", "intervention_evaluation")),
        help="the notebooks of the batch (default every report)")
    args = parser.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s]
    try:
        import duckdb
    except ImportError:
        duckdb = None
        steps = [s for s in steps if not s.startswith("duckdb_")]
        print('DuckDB is not installed (pip install -e ".[bench]"): SQL comparisons skipped')

    import cohort

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = args.store
        if store is None:
            t0 = time.perf_counter()
            store = cohort.write_store(cohort.synthetic.generate(authorities=args.authorities), tmp / "store")
            print(f"set-up: generated and wrote the {args.authorities}-authority store in "
                  f"{time.perf_counter() - t0:.1f} s")
        info = cohort.store.store_info(store)
        print(f"store: {len(info['authorities'])} authorities, "
              + ", ".join(f"{k} {v:,}" for k, v in info["row_counts"].items() if v))
        cache = tmp / "national"
        cohort.national_tables(store, cache=cache)  # the batch's shared tables, for the readers
        units = tmp / "units"
        if {"notebook", "notebook_warm"} & set(steps):  # the batch's prepared units, which each report reads
            from cohort.report.units import prepare

            prepare(store, [QUARTER], ["management"], units, units=["performance"])
        print(f"machine: {os.cpu_count()} cores; load average before {os.getloadavg()[0]:.2f}; "
              f"cohort {cohort.__version__}" + (f", duckdb {duckdb.__version__}" if duckdb else ""))
        results: dict[str, list[dict]] = {s: [] for s in steps}
        for i in range(args.runs):
            for step in steps:
                if step in ("write", "notebook", "notebook_warm") and i >= min(args.runs, 3):
                    continue  # the slow steps: three runs are enough
                if step == "notebook":
                    results[step].append(run_notebook(store, units, tmp))
                    continue
                if step == "notebook_warm":
                    results[step].append(run_child(step, store, None, units, args.authorities))
                    continue
                out = tmp / f"{step}.parquet" if i == 0 else None
                results[step].append(run_child(step, store, out, cache, args.authorities))
        load_after = os.getloadavg()[0]
        verdict = same_counts(tmp)
        batch = (run_batch(store, args.batch, args.batch_notebooks.split(","), tmp / "reports")
                 if args.batch else None)

    width = 66
    print(f"\n{'step':<{width}} {'median (range) of runs':>26} {'peak RSS':>9}")
    labels = {
        "reoffending": "proven reoffending, 3M cohorts x authority (cohort)",
        "duckdb_reoffending": "proven reoffending, same cells (DuckDB SQL)",
        "fte": "first time entrants, calendar years x authority (cohort)",
        "duckdb_fte": "first time entrants, same cells (DuckDB SQL)",
        "national": "all shared national tables, computed (opening included)",
        "national_read": "all shared national tables, read from the batch's cache",
        "units": "the batch's performance unit (tables and protection), one quarter",
        "kpis": f"KPIs of {AUTHORITY} for {QUARTER} from an unopened store",
        "open": "open_store, every authority (lazy)",
        "read_offences": "open_store(...).offences, every column and authority",
        "write": "write_store of the generated data",
        "notebook": f"performance notebook for {AUTHORITY}, new kernel (papermill), cell time",
        "notebook_warm": f"performance notebook for {AUTHORITY}, in a batch worker, cell time",
    }
    for step in steps:
        runs = results[step]
        if not runs:
            continue
        peak = f"{max(r.get('peak_mib', 0) for r in runs):6.0f} MiB" if "peak_mib" in runs[0] else ""
        print(f"{labels[step]:<{width}} {_fmt(runs):>26} {peak:>9}")
        if step in ("notebook", "notebook_warm"):
            label = "  the same without the first cell (import, opening)"
            print(f"{label:<{width}} {_fmt(runs, 'without_imports'):>26}")
    print()
    med = {s: statistics.median(r["seconds"] for r in results[s]) for s in steps if results[s]}
    checks = []
    for what in ("reoffending", "fte"):
        if what in med and f"duckdb_{what}" in med:
            ratio = med[what] / med[f"duckdb_{what}"]
            print(f"{what}: {ratio:.2f}x DuckDB's time in this run; {verdict.get(what, 'counts not compared')}")
            checks.append((f"{what} within 1.5x DuckDB, identical counts",
                           ratio <= 1.5 and verdict.get(what, "").startswith("identical")))
    if "national" in med:
        peak = max(r["peak_mib"] for r in results["national"])
        checks.append(("all national tables in at most 5 s and 1 GB", med["national"] <= 5 and peak <= 1024))
    if "kpis" in med:
        checks.append(("one authority's KPIs in at most 0.3 s", med["kpis"] <= 0.3))
    if "notebook_warm" in med:  # as the batch runs it: the worker has imported the libraries
        checks.append(("performance notebook in at most 1.5 s of cell time (batch worker)",
                       med["notebook_warm"] <= 1.5))
    if batch:
        print(f"batch: {batch['reports']} reports ({batch['ok']} ok; {args.batch} authorities x "
              f"{args.batch_notebooks}, one quarter, two workers) in {batch['seconds']:.0f} s: "
              f"{batch['per_report']:.2f} s per report")
        print("  each report in its worker, median seconds: " + ", ".join(
            f"{k} {m:.2f} ({n})" for k, (n, m) in batch["by_notebook"].items()))
        checks.append(("batch at most 1.2 s per report", batch["per_report"] <= 1.2))
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'NOT met'}")
    print(f"load average after: {load_after:.2f} (timings on a busy machine are slower and noisier)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    else:
        main()
