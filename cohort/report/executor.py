"""Warm, isolated report execution: import once per worker, fork a fresh child per report.

A report worker (a process of the batch's pool, or a Dask worker) calls
:func:`warm_up` once: it imports the notebooks' libraries (pandas, numpy,
scipy, statsmodels, matplotlib, seaborn, papermill, nbconvert, ``cohort``),
registers the in-process papermill engine (:mod:`cohort.report.engine`) and
builds the HTML exporter. Each report then runs in a child forked from that
warm worker by :func:`run_forked`: the child inherits the imports but nothing
a report does (globals, matplotlib rcParams, random states, open files,
figures) survives it, because the child exits when the report is done. A
child that crashes or runs past its time limit is killed and recorded as
failed; the worker goes on with the next report.

Examples
--------
>>> run_forked(lambda: {"status": "ok", "answer": 42}, timeout=30)["answer"]
42
>>> run_forked(lambda: 1 / 0, timeout=30)["error"]["ename"]
'ZeroDivisionError'
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["run_forked", "warm_up", "warm_up_quietly"]

_LIBRARIES = (
    "numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
    "pyarrow.dataset", "nbformat", "papermill", "nbconvert", "IPython",
    "cohort", "cohort.report", "cohort.report.engine",
)


def warm_up() -> None:
    """Import the report libraries once in this worker and register the in-process engine."""
    import importlib

    import matplotlib

    matplotlib.use("Agg")
    for name in _LIBRARIES:
        importlib.import_module(name)
    import cohort

    for name in cohort.__all__:  # the public API, which ``import cohort`` loads on first use
        getattr(cohort, name)
    from cohort.report import engine
    from cohort.report.html import exporter

    engine.register()
    exporter()  # nbconvert's exporter and its templates, built once per worker
    # one BLAS thread per report: two workers on two cores, and multithreaded BLAS made
    # the regression fits of a report tens of times slower here (and threads do not fork)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def warm_up_quietly() -> None:
    """:func:`warm_up` as a pool initializer: a failure here is reported by each report
    (which warms up again and records the error), never as a traceback on stderr."""
    try:
        warm_up()
    except Exception:  # recorded per report by _run_isolated
        pass


def _failure(ename: str, evalue: str, **extra: Any) -> dict[str, Any]:
    return {"status": "failed", "error": {"cell_index": None, "ename": ename, "evalue": evalue[:500], **extra}}


def run_forked(job: Callable[[], dict[str, Any]], timeout: float = 900.0,
               quiet: bool = True) -> dict[str, Any]:
    """Run ``job()`` in a forked child and return the dict it returns.

    Parameters
    ----------
    job : callable returning a JSON-serialisable dict
        The work of one report (run in the child only).
    timeout : float
        Seconds before the child is killed and the report recorded as failed.
    quiet : bool
        Send the child's own stdout and stderr to ``/dev/null`` (reports
        capture their outputs in the notebook; nothing else should print).

    Returns
    -------
    dict
        What ``job`` returned; or, if it raised, crashed or ran too long, a
        record with ``status`` "failed" and an ``error`` (``ename``,
        ``evalue``).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report through the pipe, exit without cleanup
        code = 0
        try:
            os.close(read_fd)
            if quiet:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
            try:
                result = job()
            except BaseException as exc:  # the child reports every failure as data
                result = _failure(type(exc).__name__, str(exc), traceback=traceback.format_exc()[-2000:])
            payload = json.dumps(result, default=str).encode("utf-8")
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                data = os.read(read_fd, 1 << 16)
                if not data:
                    break
                chunks.append(data)
    finally:
        os.close(read_fd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        return _failure("Timeout", f"the report ran for more than {timeout:g} s and was stopped")
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return _failure("Crashed", f"the report's process ended with signal {sig}")
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except ValueError:
        return _failure("Crashed", f"the report's process ended (exit status {os.waitstatus_to_exitcode(status)}) "
                                   "without a result")
