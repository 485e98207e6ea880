"""A papermill engine that runs a notebook's cells in this process's IPython shell.

papermill stays the engine of record (parameter injection, the executed
notebook with its metadata, :class:`papermill.exceptions.PapermillExecutionError`
naming the failing cell), but the cells run in an in-process
:class:`IPython.core.interactiveshell.InteractiveShell` instead of a new
kernel, so that a worker which has imported the scientific stack once can
run report after report without paying for a kernel start, the imports and a
shutdown each time. Isolation between reports comes from running each one in
a forked child of the worker (:mod:`cohort.report.executor`): the shell, its
namespace, matplotlib's state and every random state die with the child.

Outputs are recorded as a kernel would record them, in order: ``stream``
(stdout, stderr), ``display_data`` (rich displays, inline matplotlib figures),
``execute_result`` (a cell's last expression) and ``error``.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 40 + 2\\nprint(x)\\nx")])
>>> out = run_cells(nb)
>>> [o["output_type"] for o in out.cells[0].outputs], out.cells[0].outputs[0]["text"]
(['stream', 'execute_result'], '42\\n')
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

__all__ = ["ENGINE_NAME", "register", "run_cells"]

#: Name under which :func:`register` adds the engine to papermill.
ENGINE_NAME = "cohort-in-process"


class _Outputs:
    """The outputs of the cell being run, in the order they were produced."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def rich(self, kind: str, data: dict[str, Any], metadata: dict[str, Any] | None, count: int | None = None) -> None:
        clean = {k: (base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v) for k, v in data.items()}
        item: dict[str, Any] = {"output_type": kind, "data": clean, "metadata": dict(metadata or {})}
        if kind == "execute_result":
            item["execution_count"] = count
        self.items.append(item)


class _Stream(io.TextIOBase):
    def __init__(self, outputs: _Outputs, name: str):
        self._outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        self._outputs.stream(self.name, text)
        return len(text)

    def writable(self) -> bool:
        return True


class _Publisher(DisplayPublisher):
    """Rich displays go to the cell's outputs."""

    outputs: _Outputs | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if self.outputs is not None:
            self.outputs.rich("display_data", data, metadata)

    def clear_output(self, wait=False):
        if self.outputs is not None:
            self.outputs.items.clear()


class _Hook(DisplayHook):
    """A cell's last expression becomes its ``execute_result``."""

    outputs: _Outputs | None = None

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        if self.outputs is not None:
            self.outputs.rich("execute_result", format_dict, md_dict, self.prompt_count)

    def finish_displayhook(self):
        pass


class _Shell(InteractiveShell):
    def enable_gui(self, gui=None):  # inline figures need no event loop
        pass


def _shell() -> _Shell:
    """A fresh in-process IPython shell with inline matplotlib figures."""
    _Shell.clear_instance()
    InteractiveShell.clear_instance()
    shell = _Shell.instance()
    shell.display_pub = _Publisher(shell=shell)
    shell.displayhook = _Hook(shell=shell, cache_size=0)
    shell.display_trap.hook = shell.displayhook
    shell.enable_matplotlib("inline")
    return shell


def run_cells(nb, nb_man=None):
    """Run every code cell of ``nb`` in a fresh in-process shell, recording outputs.

    Stops at the first cell that raises, which gets an ``error`` output (as a
    kernel would record it); papermill then raises
    :class:`~papermill.exceptions.PapermillExecutionError` for it.
    """
    shell = _shell()
    count = 0
    saved = sys.stdout, sys.stderr, sys.displayhook
    try:
        for index, cell in enumerate(nb.cells):
            if nb_man is not None:
                nb_man.cell_start(cell, index)
            if cell.cell_type != "code" or not cell.source.strip():
                if nb_man is not None:
                    nb_man.cell_complete(cell, index)
                continue
            count += 1
            outputs = _Outputs()
            shell.display_pub.outputs = shell.displayhook.outputs = outputs
            shell.execution_count = count
            sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
            sys.displayhook = shell.displayhook
            try:
                result = shell.run_cell(cell.source, store_history=True, silent=False)
            finally:
                sys.stdout, sys.stderr = saved[0], saved[1]
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                etype, value = type(error), error
                tb = shell.InteractiveTB.structured_traceback(etype, value, error.__traceback__)
                outputs.items.append({"output_type": "error", "ename": etype.__name__,
                                      "evalue": str(value), "traceback": tb})
            cell.outputs = [_node(o) for o in outputs.items]
            cell.execution_count = count
            if error is not None:
                if nb_man is not None:
                    nb_man.cell_exception(cell, cell_index=index, exception=error)
                    nb_man.cell_complete(cell, index)
                break
            if nb_man is not None:
                nb_man.cell_complete(cell, index)
    finally:
        sys.stdout, sys.stderr, sys.displayhook = saved
        shell.display_pub.outputs = shell.displayhook.outputs = None
    return nb


def _node(item: dict[str, Any]):
    import nbformat

    return nbformat.from_dict(item)


def register() -> str:
    """Add the engine to papermill's registry (idempotent); return its name."""
    from papermill.engines import Engine, papermill_engines

    class InProcessEngine(Engine):
        """papermill engine: cells run in this process (see the module docstring)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            nb_man.notebook_start()
            try:
                run_cells(nb_man.nb, nb_man)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()

    papermill_engines.register(ENGINE_NAME, InProcessEngine)
    return ENGINE_NAME
