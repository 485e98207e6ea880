"""Time and peak memory of ``cohort.synthetic.generate`` at demo and national scale.

Run: ``.venv/bin/python benchmarks/synthetic_scale.py`` (prints one line per
size). Each size runs in a fresh Python process so that the peak resident
memory (``ru_maxrss``) belongs to that size alone; the resident memory after
the imports is printed too (the generator's own peak is the difference).
``tracemalloc`` is not used: it slows numpy allocation about threefold.
Optional arguments: the numbers of authorities to run (default ``5 150``).
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import json, resource, sys, time
from cohort import synthetic
def rss():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
n = int(sys.argv[1])
base = rss()
t = time.perf_counter()
data = synthetic.generate(seed=2024, authorities=n, start="2021/22", end="2025/26")
seconds = time.perf_counter() - t
print(json.dumps({
    "authorities": n, "seconds": round(seconds, 2), "base_rss_mb": base, "max_rss_mb": rss(),
    "rows": {k: len(v) for k, v in data.tables.items()},
}))
"""


def run(n: int) -> dict:
    """Generate ``n`` authorities in a fresh process and return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    for n in sizes:
        r = run(n)
        rows = r["rows"]
        print(
            f"authorities={n:>4}  time={r['seconds']:>6.2f} s  "
            f"peak RSS={r['max_rss_mb']:>5} MiB (after imports {r['base_rss_mb']} MiB)  "
            f"offences={rows['offences']:,}  children={rows['children']:,}  "
            f"interventions={rows['interventions']:,}  kpi_records={rows['kpi_records']:,}  "
            f"victims={rows['victims']:,}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [5, 150])
