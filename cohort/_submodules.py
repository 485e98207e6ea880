"""Submodules of a package as attributes, imported on first use.

``import cohort`` loads nothing heavy (see ``cohort/__init__.py``), so a chain
such as ``cohort.measures.kpi.kpi_specs()`` no longer finds ``kpi`` already
imported by the package's own imports. Each package's ``__init__`` sets
``__getattr__ = submodule_getattr(__name__)``: an attribute the package lacks
is looked up as one of its submodules.

Examples
--------
>>> import cohort.measures
>>> cohort.measures.kpi.__name__
'cohort.measures.kpi'
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType


def submodule_getattr(package: str) -> Callable[[str], ModuleType]:
    """A module ``__getattr__`` for ``package`` that imports ``package.name`` on demand."""

    def __getattr__(name: str) -> ModuleType:
        if name.startswith("_") or importlib.util.find_spec(f"{package}.{name}") is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return importlib.import_module(f"{package}.{name}")

    return __getattr__
