"""Writing the batch's HTML files: atomic writes and the one stylesheet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Folder of the nbconvert template (``cohort``) and its stylesheet.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def stylesheet() -> str:
    """The one stylesheet of reports and the index."""
    return (TEMPLATES / "cohort" / "cohort.css").read_text(encoding="utf-8")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and move it into place (no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
