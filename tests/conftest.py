"""Fixtures shared by the end-to-end report tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def published(store_path, tmp_path_factory):
    """Every report notebook for both authorities of the session store (and each
    programme-level report once), in both editions, through the batch runner (as
    ``cohort run --editions management publication``)."""
    from cohort import batch

    out = tmp_path_factory.mktemp("published")
    names = [n for n in batch.REPORT_NOTEBOOKS if (batch.notebook_dir() / f"{n}.ipynb").exists()]
    manifest = batch.run(names, ["X01", "X02"], None, store=store_path, output=out, jobs=2, progress=False,
                         policies=["management", "publication"])
    return out, manifest
