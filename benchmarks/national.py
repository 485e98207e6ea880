"""National scale: 150 synthetic authorities over five financial years.

Prints the time and peak memory of generating the data, writing the store,
reading one authority back, and computing FTE, reoffending and custody for
every authority, plus one authority's KPIs. Run with ``make bench``.
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import cohort


def timed(label: str, fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:<48} {seconds:7.2f} s   peak traced {peak:7.0f} MiB")
    return out


def main() -> None:
    data = timed("generate 150 authorities, 2021/22-2025/26", lambda: cohort.synthetic.generate(authorities=150))
    print(f"  {data!r}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        timed("write_store", lambda: cohort.write_store(data, path))
        one = timed("open_store, one authority", lambda: cohort.open_store(path, authorities=["X001"]))
        print(f"  {one!r}")
        timed("open_store, everything", lambda: cohort.open_store(path))
    timed("fte, calendar years, every authority", lambda: cohort.fte(data, period="calendar_year"))
    timed("reoffending, 3-month cohorts, every authority", lambda: cohort.reoffending(data, cohort_period="3M"))
    timed("custody, financial years, every authority", lambda: cohort.custody(data, period="financial_year"))
    timed("kpis, one authority and quarter", lambda: cohort.kpis(data, "X001", "2025/26 Q3"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
