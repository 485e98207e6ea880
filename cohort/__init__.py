"""cohort: youth justice cohort research for England and Wales.

The public API is re-exported here; see README.md, section "API".
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("cohort")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from cohort._submodules import submodule_getattr
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

# The rest of the public API is imported on first use (PEP 562): ``import cohort`` is
# quick (the command line answers ``cohort --help`` without loading pandas, scipy and
# matplotlib), and ``cohort.fte`` or ``from cohort import Report`` load what they need.
_MODULES = ("batch", "disclosure", "periods", "plots", "population", "stats", "synthetic")
_WHERE = {
    "batch": "cohort.report.batch",
    "disclosure": "cohort.disclosure",
    "periods": "cohort.periods",
    "plots": "cohort.report.plots",
    "population": "cohort.population",
    "stats": "cohort.stats",
    "synthetic": "cohort.synthetic",
    "CohortData": "cohort.cohortdata",
    "load_dictionary": "cohort.dictionary",
    "ingest": "cohort.loaders",
    "load_extract": "cohort.loaders",
    "validate_extract": "cohort.loaders",
    "benchmark": "cohort.measures.benchmark",
    "funnel_data": "cohort.measures.benchmark",
    "neighbours": "cohort.measures.benchmark",
    "custody": "cohort.measures.custody",
    "adjusted_disparity": "cohort.measures.disproportionality",
    "disproportionality": "cohort.measures.disproportionality",
    "Evaluation": "cohort.measures.evaluation",
    "evaluate": "cohort.measures.evaluation",
    "fte": "cohort.measures.fte",
    "kpis": "cohort.measures.kpi",
    "kpis_year": "cohort.measures.kpi",
    "profile": "cohort.measures.profile",
    "reoffending": "cohort.measures.reoffending",
    "time_to_reoffence": "cohort.measures.time_to_reoffence",
    "victims": "cohort.measures.victims",
    "NationalTables": "cohort.national",
    "national_tables": "cohort.national",
    "read_participants": "cohort.participants",
    "latest_quarter": "cohort.periods",
    "quarter": "cohort.periods",
    "quarter_label": "cohort.periods",
    "ProgrammeReport": "cohort.report",
    "Report": "cohort.report",
    "compact_html": "cohort.report",
    "kpi_board": "cohort.report",
    "kpi_tables": "cohort.report",
    "masked": "cohort.report",
    "default_store_path": "cohort.store",
    "open_store": "cohort.store",
    "write_store": "cohort.store",
}

_submodule = submodule_getattr(__name__)

if TYPE_CHECKING:  # what a type checker and an editor see: the names, eagerly
    from cohort import disclosure, periods, population, stats, synthetic
    from cohort.cohortdata import CohortData
    from cohort.dictionary import load_dictionary
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


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:  # a subpackage or module, as after ``import cohort.store``
        return _submodule(name)
    module = importlib.import_module(where)
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
