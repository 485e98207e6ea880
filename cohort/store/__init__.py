"""The validated Parquet store: write once, read one authority fast.

A store is a folder::

    store/
      manifest.json                          fingerprint, version, schema, row counts
      attrition.parquet                      the attrition log
      authorities/authority_code=E08000014/part-0.parquet
      offences/authority_code=E08000014/part-0.parquet
      offences/authority_code=E08000015/part-0.parquet
      ...
      <table>.parquet                        tables without an authority_code column

Tables with an ``authority_code`` column are hive-partitioned by it (the
column lives in the folder name, as Hive, Spark, DuckDB and
``pyarrow.dataset`` expect), so :func:`open_store` with ``authorities=[...]``
opens only those authorities' files. Each partition file also keeps a hidden
row-number column, so rows come back in their original order and a reopened
store has the same :meth:`~cohort.cohortdata.CohortData.fingerprint` as the
data written.

``manifest.json`` records the data fingerprint, the package version, the
creation time, each table's columns and dtypes (categories included), row
counts and a content hash per partition, and the data's ``metadata``.
:func:`open_store` restores the dtypes from it and checks every file it reads
against its hash, and a full read against the fingerprint.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cohort.cohortdata import CohortData
>>> data = CohortData({"children": pd.DataFrame(
...     {"child_id": ["a", "b", "c"], "authority_code": ["X01", "X02", "X01"]})},
...     metadata={"synthetic": True})
>>> folder = tempfile.mkdtemp()
>>> path = write_store(data, folder + "/store")
>>> open_store(path, authorities=["X01"]).children["child_id"].tolist()
['a', 'c']
>>> open_store(path).fingerprint() == data.fingerprint() == store_info(path)["fingerprint"]
True
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

from cohort.store.format import STORE_FORMAT, STORE_FORMAT_VERSION, default_store_path, store_info
from cohort.store.reading import open_store, verify_store
from cohort.store.refresh import update_store
from cohort.store.writing import write_store

__all__ = [
    "STORE_FORMAT",
    "STORE_FORMAT_VERSION",
    "default_store_path",
    "open_store",
    "store_info",
    "update_store",
    "verify_store",
    "write_store",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
