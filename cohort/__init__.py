"""cohort: youth justice cohort research for England and Wales.

The public API is re-exported here; see README.md, section "API".
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cohort")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from cohort import disclosure, periods, population, stats, synthetic
from cohort.cohortdata import CohortData
from cohort.dictionary import load_dictionary
from cohort.exceptions import (
    ApproximationWarning,
    CohortError,
    CohortWarning,
    DataQualityWarning,
    DisclosureError,
    MappingError,
    PeriodError,
    PrivacyError,
    SeparationWarning,
    SmallCountWarning,
    ValidationError,
)
from cohort.loaders import ingest, load_extract, validate_extract
from cohort.measures.benchmark import benchmark, funnel_data, neighbours
from cohort.measures.custody import custody
from cohort.measures.disproportionality import adjusted_disparity, disproportionality
from cohort.measures.evaluation import Evaluation, evaluate
from cohort.measures.fte import fte
from cohort.measures.kpi import kpis, kpis_year
from cohort.measures.profile import profile
from cohort.measures.reoffending import reoffending
from cohort.measures.time_to_reoffence import time_to_reoffence
from cohort.measures.victims import victims
from cohort.national import NationalTables, national_tables
from cohort.participants import read_participants
from cohort.periods import latest_quarter, quarter, quarter_label
from cohort.report import (
    ProgrammeReport,
    Report,
    compact_html,
    kpi_board,
    kpi_tables,
    masked,
    plots,
)
from cohort.report import batch as batch
from cohort.store import default_store_path, open_store, write_store

__all__ = [
    "ApproximationWarning",
    "CohortData",
    "CohortError",
    "CohortWarning",
    "DataQualityWarning",
    "DisclosureError",
    "Evaluation",
    "MappingError",
    "NationalTables",
    "PeriodError",
    "PrivacyError",
    "ProgrammeReport",
    "Report",
    "SeparationWarning",
    "SmallCountWarning",
    "ValidationError",
    "__version__",
    "adjusted_disparity",
    "batch",
    "benchmark",
    "compact_html",
    "custody",
    "default_store_path",
    "disclosure",
    "disproportionality",
    "evaluate",
    "fte",
    "funnel_data",
    "ingest",
    "kpi_board",
    "kpi_tables",
    "kpis",
    "kpis_year",
    "latest_quarter",
    "load_dictionary",
    "load_extract",
    "masked",
    "national_tables",
    "neighbours",
    "open_store",
    "periods",
    "plots",
    "population",
    "profile",
    "quarter",
    "quarter_label",
    "read_participants",
    "reoffending",
    "stats",
    "synthetic",
    "time_to_reoffence",
    "validate_extract",
    "victims",
    "write_store",
]
