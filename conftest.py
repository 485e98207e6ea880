"""Session set-up shared by the unit tests, the doctests and the notebooks (nbval).

A small synthetic store is built once per test session in a temporary folder
and exported as ``COHORT_STORE``, so the notebooks' default parameters run on
it under nbval exactly as they do on ``make demo``'s store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: Fixture notebooks (one fails on purpose) and fixture scripts are data, not tests.
collect_ignore = ["tests/data", "benchmarks", "build", "demo_store", "reports"]

_TMP: Path | None = None
SEED = 10


def pytest_configure(config):
    global _TMP
    os.environ.setdefault("MPLBACKEND", "Agg")
    if os.environ.get("COHORT_TEST_STORE_READY"):
        return
    from cohort import synthetic
    from cohort.store import write_store

    _TMP = Path(tempfile.mkdtemp(prefix="cohort-test-store-"))
    data = synthetic.generate(seed=SEED, authorities=2, scale=0.3)
    write_store(data, _TMP / "store")
    os.environ["COHORT_STORE"] = str(_TMP / "store")
    os.environ["COHORT_TEST_STORE_READY"] = "1"


def pytest_unconfigure(config):
    if _TMP is not None:
        shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def store_path() -> Path:
    """The session's small synthetic store (2 authorities, scale 0.3)."""
    return Path(os.environ["COHORT_STORE"])


@pytest.fixture(scope="session")
def small_data(store_path):
    """The session store's data, opened once."""
    from cohort.store import open_store

    return open_store(store_path)
