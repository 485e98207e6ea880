"""cohort: youth justice cohort research for England and Wales.

The public API is re-exported here; see README.md, section "API".
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from cohort import stats
from cohort.exceptions import (
    ApproximationWarning,
    CohortError,
    CohortWarning,
    DataQualityWarning,
    DisclosureError,
    MappingError,
    PeriodError,
    PrivacyError,
    SmallCountWarning,
    ValidationError,
)

try:
    __version__ = version("cohort")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "ApproximationWarning",
    "CohortError",
    "CohortWarning",
    "DataQualityWarning",
    "DisclosureError",
    "MappingError",
    "PeriodError",
    "PrivacyError",
    "SmallCountWarning",
    "ValidationError",
    "__version__",
    "stats",
]
