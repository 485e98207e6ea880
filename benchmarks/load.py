"""Loading a large CSV extract: time and peak memory against reading the same files with pandas.

Writes a ChildView CSV extract of about 500,000 rows across its four tables
(synthetic rows, real Merseyside authority codes), then, each in a fresh
process so that peak memory is the process's own:

- baseline: ``pandas.read_csv(dtype=str)`` of every file (what any loader
  must at least do);
- ``cohort.load_extract(..., mapping="childview", key=...)``: read, map,
  recode, derive, validate every rule, pseudonymise.

Prints seconds (median of three runs), peak resident memory (``ru_maxrss`` of
the child process), and the ratio to the baseline. Target (issue 8): under
10 s and 1 GB for 500,000 rows. Run with ``make bench`` or
``python benchmarks/load.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_ROWS = 500_000

_CHILD = r"""
import json, sys, time, warnings
paths = sys.argv[2:]
t0 = time.perf_counter()
if sys.argv[1] == "pandas":
    import pandas as pd
    t0 = time.perf_counter()
    rows = sum(len(pd.read_csv(p, dtype=str, keep_default_na=False)) for p in paths)
else:
    import cohort
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = cohort.load_extract(paths, mapping="childview", key="benchmark-key", extract_date="2026-04-06")
    rows = sum(data.metadata["rows_in"].values())
seconds = time.perf_counter() - t0
# VmHWM is this process image's own high-water mark (ru_maxrss would carry the
# launching process's peak across exec)
peak = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": rows}))
"""


def _fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", HERE.parent / "tests" / "data" / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_extract(folder: Path) -> int:
    import cohort

    fx = _fixtures()
    scale = 1.0
    while True:
        data = cohort.synthetic.generate(seed=11, authorities=8, scale=scale)
        tables = fx.childview_gss(dt.date(2026, 4, 6), data=data)
        rows = sum(len(t) for t in tables.values())
        if rows >= TARGET_ROWS:
            break
        scale *= TARGET_ROWS / rows * 1.05
    for name, frame in tables.items():
        frame.to_csv(folder / f"childview_{name}.csv", index=False)
    return rows


def run(kind: str, paths: list[Path]) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, *map(str, paths)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = write_extract(folder)
        paths = sorted(folder.glob("*.csv"))
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(f"ChildView CSV extract: {rows:,} rows in {len(paths)} files, {size:.0f} MiB")
        results = {}
        for kind in ("pandas", "cohort"):
            runs = [run(kind, paths) for _ in range(3)]
            results[kind] = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "peak_mib": max(r["peak_mib"] for r in runs),
            }
        base = results["pandas"]
        for kind, label in (("pandas", "pandas.read_csv(dtype=str), baseline"),
                            ("cohort", "cohort.load_extract(childview, key)")):
            r = results[kind]
            print(f"{label:<42} {r['seconds']:6.2f} s  peak RSS {r['peak_mib']:6.0f} MiB  "
                  f"x{r['seconds'] / base['seconds']:.1f} baseline time")
        ok = results["cohort"]["seconds"] < 10 and results["cohort"]["peak_mib"] < 1024
        print(f"target (under 10 s and 1 GiB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
