"""Exception and warning classes used across ``cohort``.

Every problem the package detects in the user's data or arguments raises a
subclass of :class:`CohortError`; warnings have their own classes so that
analysts can filter them precisely (``warnings.simplefilter("ignore",
cohort.SmallCountWarning)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class CohortError(Exception):
    """Base class of every error raised by ``cohort``."""


class ValidationError(CohortError):
    """Input data broke one or more rules of the data dictionary.

    The error carries *every* problem found, not just the first, as a tidy
    table with one row per problem: ``file``, ``sheet``, ``table``, ``row``
    (1-based data row, as a spreadsheet user counts it, header excluded),
    ``column``, ``value``, ``rule`` and ``message``.

    Parameters
    ----------
    problems : pandas.DataFrame
        One row per problem, columns as above.
    """

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        super().__init__(self._render(problems))

    @staticmethod
    def _render(problems: pd.DataFrame, limit: int = 50) -> str:
        n = len(problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found in the input:"]
        for rec in problems.head(limit).itertuples(index=False):
            where = [str(rec.file)]
            if getattr(rec, "sheet", None):
                where.append(f"sheet {rec.sheet}")
            if getattr(rec, "row", None) is not None and str(rec.row) not in ("", "nan", "<NA>"):
                where.append(f"row {rec.row}")
            if getattr(rec, "column", None):
                where.append(f"column {rec.column!r}")
            value = getattr(rec, "value", None)
            shown = "" if value is None or str(value) in ("", "nan", "<NA>") else f" value {value!r}:"
            lines.append(f"  - {', '.join(where)}:{shown} {rec.message} [{rec.rule}]")
        if n > limit:
            lines.append(f"  ... and {n - limit} more (see .problems)")
        return "\n".join(lines)


class UsageError(CohortError):
    """A command or function was called wrongly: a file that does not exist, an
    argument that is not a date, an option that does not fit (exit code 2)."""


class MappingError(CohortError):
    """A column-mapping file is malformed or does not fit the extract."""


class PrivacyError(CohortError):
    """Data that must never enter the store or a report was found
    (names, addresses, full dates of birth, or identifiers in outputs)."""


class DisclosureError(CohortError):
    """A table failed disclosure control and cannot be published."""


class PeriodError(CohortError, ValueError):
    """A period label could not be read unambiguously."""


class CohortWarning(UserWarning):
    """Base class of warnings raised by ``cohort``."""


class SmallCountWarning(CohortWarning):
    """An estimate rests on very few events; read its interval, not its point."""


class SeparationWarning(CohortWarning):
    """A regression's maximum likelihood estimate does not exist: some covariate
    pattern predicts the outcome perfectly, so some estimates are infinite."""


class ApproximationWarning(CohortWarning):
    """An approximate method was used where an exact one was not possible."""


class DisclosureWarning(CohortWarning):
    """A table may not be protected as the caller meant (e.g. an undeclared total)."""


class DataQualityWarning(CohortWarning):
    """Rows were moved to the attrition log or values were recoded."""
