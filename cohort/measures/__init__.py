"""Youth-justice measures built on :mod:`cohort.stats`. No I/O happens here."""

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
