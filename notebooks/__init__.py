"""The report notebooks, shipped with the package (``cohort.notebooks``): run by
``cohort run`` and readable with ``importlib.resources``."""
