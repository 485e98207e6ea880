"""Load case-management extracts into validated tables of the data model.

An extract (CSV, Excel or Parquet files) goes through five steps, one module
each:

1. **Read** every file as text (:mod:`~cohort.loaders.reading`): CSV
   encoding (UTF-8 with or without a byte-order mark, UTF-16,
   Windows-1252) and delimiter (comma, semicolon, tab, vertical bar) are
   detected; a file that cannot be read says what was tried and found.
2. **Map** it onto the data model with a mapping file
   (:mod:`~cohort.loaders.mapping`, ``data_dictionary/mappings/*.yaml``):
   which sheet or file holds which table, column renames (matched
   forgiving case and spaces, close names suggested), code recodes, the
   date format, columns to drop, derivations, optional columns, a constant
   authority, files that add columns to a table
   (:mod:`~cohort.loaders.joins`, :mod:`~cohort.loaders.pieces`).
3. **Protect** privacy at the door (:mod:`~cohort.loaders.personal_data`):
   name- and address-like columns must be dropped by the mapping (else
   :class:`~cohort.exceptions.PrivacyError`), a full date of birth is
   reduced to ``birth_month`` and discarded, and identifiers are
   pseudonymised with a keyed hash (:func:`pseudonymise`).
4. **Validate** every row against the data dictionary
   (:mod:`~cohort.loaders.validation`, :mod:`~cohort.loaders.cross_table`):
   types, required values and columns, code lists, ranges, patterns, keys,
   foreign keys, cross-field rules and dates after the extract date; every
   problem is gathered into one report (:mod:`~cohort.loaders.problems`).
5. **Decide** (:mod:`~cohort.loaders.pipeline`): ``strict=True`` raises one
   :class:`~cohort.exceptions.ValidationError` listing all problems;
   ``strict=False`` moves each invalid row, and every row whose parent row
   was rejected, to the attrition log (:mod:`~cohort.loaders.attrition`).
   Blank rows and exact duplicate rows (one copy kept) are logged there in
   both modes, so every input row ends up in a table or in the log.

:func:`ingest` (:mod:`~cohort.loaders.ingest`) then completes the
reference tables (authorities, populations) and writes or refreshes a store.

Row numbers
-----------
Problems and the attrition log count **data rows from 1, header not
counted**: row 1 is the first row under the header, which is row 2 of the
sheet in Excel and line 2 of a CSV file. Blank rows are counted (so the
numbers stay those of the file).

Examples
--------
>>> import cohort.loaders as L
>>> L.read_mapping("childview").tables["children"].columns["YP_ID"]
'child_id'
>>> import pandas as pd
>>> L.pseudonymise(pd.Series(["YP0001", None]), key="demo-key").tolist()
['5761833b24c30e5a', nan]
"""

from __future__ import annotations

from cohort.loaders.ingest import complete_reference_tables, ingest
from cohort.loaders.mapping import ExtractMapping, JoinMapping, TableMapping, read_mapping
from cohort.loaders.personal_data import KEY_ENVIRONMENT_VARIABLE, pseudonymise
from cohort.loaders.pipeline import load_extract, validate_extract
from cohort.loaders.problems import PROBLEM_COLUMNS
from cohort.loaders.text import NA_VALUES

__all__ = [
    "KEY_ENVIRONMENT_VARIABLE",
    "NA_VALUES",
    "PROBLEM_COLUMNS",
    "ExtractMapping",
    "JoinMapping",
    "TableMapping",
    "complete_reference_tables",
    "ingest",
    "load_extract",
    "pseudonymise",
    "read_mapping",
    "validate_extract",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
