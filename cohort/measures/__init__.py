"""Youth-justice measures built on :mod:`cohort.stats`. No I/O happens here."""
