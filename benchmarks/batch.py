"""The report runner: seconds per report, three ways, in one run.

The same 30 report runs (the real report notebooks on the demo store: three
notebooks x five authorities x two editions, one quarter) are produced

1. by a naive serial loop of the ``papermill`` and ``jupyter nbconvert``
   command lines (a fresh kernel and a fresh converter per report: how a
   scheduled job is usually scripted);
2. by ``cohort run --jobs 1``;
3. by ``cohort run --jobs 2`` (warm workers, a forked child per report).

Each ``cohort run`` writes into a fresh folder with ``--force``. Prints the
seconds per report and the ratio to the naive loop. Target (issue 13) on a
2-core machine: ``--jobs 2`` at most 1.0 s per report. Not run in CI (it
takes a few minutes): ``python benchmarks/batch.py`` or ``make bench``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = ("quarterly_profile", "performance", "victims")
EDITIONS = ("management", "publication")


def _run(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = tmp / "store"
        subprocess.run([str(BIN / "cohort"), "demo", "--store", str(store), "--output", str(tmp / "warm"),
                        "--notebooks", "victims", "--editions", "management", "--quiet"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sys.path.insert(0, str(ROOT))
        import cohort

        authorities = cohort.open_store(store).authorities["authority_code"].tolist()
        quarter = cohort.latest_quarter(cohort.open_store(store, tables=["authorities"]))
        runs = [(nb, a, e) for nb in NOTEBOOKS for a in authorities for e in EDITIONS]
        n = len(runs)
        print(f"{n} report runs: {len(NOTEBOOKS)} notebooks x {len(authorities)} authorities x "
              f"{len(EDITIONS)} editions, {quarter}; {os.cpu_count()} cores")

        naive_out = tmp / "naive"
        naive_out.mkdir()
        t0 = time.perf_counter()
        for nb, a, e in runs:
            executed = naive_out / f"{nb}_{a}_{e}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{nb}.ipynb"), str(executed),
                            "-p", "authority", a, "-p", "quarter", quarter, "-p", "store", str(store),
                            "-p", "policy", e, "-k", "python3", "--no-progress-bar"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT / "notebooks")
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        naive = time.perf_counter() - t0

        results = {}
        for jobs in (1, 2):
            out = tmp / f"jobs{jobs}"
            results[jobs] = _run([str(BIN / "cohort"), "run", "--store", str(store), "--output", str(out),
                                  "--notebooks", *NOTEBOOKS, "--quarters", quarter, "--editions", *EDITIONS,
                                  "--jobs", str(jobs), "--force", "--quiet"])
        print(f"{'naive papermill + nbconvert CLI loop':<40} {naive / n:6.2f} s/report  x1.00")
        for jobs, seconds in results.items():
            print(f"{'cohort run --jobs ' + str(jobs):<40} {seconds / n:6.2f} s/report  "
                  f"x{naive / seconds:.2f} faster")
        per = results[2] / n
        print(f"target --jobs 2 <= 1.0 s/report: {'met' if per <= 1.0 else 'NOT met'} ({per:.2f})")


if __name__ == "__main__":
    main()
