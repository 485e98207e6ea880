"""Planning a batch: which notebook runs for which authority, quarter, programme and
edition, with which parameters, under which file names, checked against the
notebooks' declared parameters before anything runs."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cohort.exceptions import CohortError, UsageError

__all__ = ["REPORT_NOTEBOOKS", "RunSpec", "notebook_dir", "plan"]

#: Notebooks that `cohort demo` and `cohort run` execute by default, in order.
REPORT_NOTEBOOKS: tuple[str, ...] = (
    "quarterly_profile",
    "performance",
    "victims",
    "disproportionality",
    "intervention_evaluation",
)


@dataclass(frozen=True)
class RunSpec:
    """One report to produce: a notebook for one authority and quarter."""

    notebook: str
    authority: str
    quarter: str
    parameters: dict[str, Any] = field(hash=False)
    html_path: str = ""
    notebook_path: str = ""
    key: str = ""
    edition: str = ""


def _slug(quarter: str) -> str:
    return quarter.replace("/", "-").replace(" ", "")


def notebook_dir() -> Path:
    """Folder holding the report notebooks: ``$COHORT_NOTEBOOKS``, else the
    notebooks installed with the package (``cohort.notebooks``, the repository's
    ``notebooks/`` folder)."""
    env = os.environ.get("COHORT_NOTEBOOKS")
    if env:
        return Path(env)
    from importlib.resources import files

    try:
        here = Path(str(files("cohort.notebooks")))
    except ModuleNotFoundError:  # pragma: no cover - a broken installation
        here = Path(__file__).resolve().parents[2] / "notebooks"
    if here.is_dir() and any(here.glob("*.ipynb")):
        return here
    raise CohortError(
        "cannot find the report notebooks; set COHORT_NOTEBOOKS to the folder that holds them"
    )


def _resolve_notebook(name: str) -> Path:
    path = Path(name)
    if path.suffix != ".ipynb":
        path = notebook_dir() / f"{name}.ipynb"
    if not path.is_file():
        known = sorted(p.stem for p in notebook_dir().glob("*.ipynb"))
        raise UsageError(f"notebook {name!r} not found; the report notebooks are {', '.join(known)}")
    return path


@functools.lru_cache(maxsize=64)
def _inspect(path: str, mtime: float) -> dict[str, Any]:
    import papermill

    return papermill.inspect_notebook(path)


def _declared(path: Path) -> dict[str, Any]:
    return _inspect(str(path), path.stat().st_mtime)


_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict}


def _check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """Every parameter declared by the notebook, with a value of the declared type."""
    declared = _declared(path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UsageError(
            f"{path.name} does not declare parameter(s) {unknown}; "
            f"it declares {sorted(declared)}"
        )
    for name, value in parameters.items():
        kind = str(declared[name].get("inferred_type_name") or "").split("[")[0]
        want = _TYPES.get(kind)
        if want is not None and value is not None and not isinstance(value, want):
            raise UsageError(f"{path.name}: parameter {name!r} must be {kind}, not {type(value).__name__} "
                             f"({value!r})")


def _run_key(path: Path, parameters: dict[str, Any], fingerprint: str, version: str) -> str:
    h = hashlib.sha256(path.read_bytes())
    stable = {k: v for k, v in parameters.items() if k != "output_dir"}
    h.update(json.dumps(stable, sort_keys=True, default=str).encode())
    h.update(fingerprint.encode())
    h.update(version.encode())
    return h.hexdigest()[:20]


def plan(
    notebooks: Sequence[str],
    authorities: Sequence[str],
    quarters: Sequence[str],
    *,
    store: str | os.PathLike,
    output: str | os.PathLike = "reports",
    parameters: dict[str, Any] | None = None,
    fingerprint: str = "",
    policies: Sequence[str] = ("management",),
    programmes: Sequence[str] | None = None,
) -> list[RunSpec]:
    """List the runs of a batch, checking every parameter against the notebook.

    Parameters
    ----------
    notebooks : sequence of str
        Notebook names in ``notebooks/`` (without ``.ipynb``) or paths.
    authorities, quarters : sequence of str
        Authority codes and quarter labels ("2025/26 Q4").
    store : path
        The Parquet store the notebooks read.
    output : path
        Folder for the HTML reports, executed notebooks and the manifest.
    parameters : dict, optional
        Extra parameters passed to every notebook; a name the notebook does
        not declare is an error.
    fingerprint : str
        The store's data fingerprint (part of the rerun key).
    policies : sequence of str
        Disclosure policies, one edition of every report each (e.g.
        ``("management", "publication")``). The policy name is passed as the
        notebook's ``policy`` parameter and ends every file name, so one
        edition never overwrites another. A notebook that declares no
        ``policy`` parameter runs once, whatever the editions.
    programmes : sequence of str, optional
        For programme-level notebooks (those that declare a ``programme``
        parameter, such as ``intervention_evaluation``): the programmes to
        report on, default the notebook's own default. Such a notebook runs
        once per programme (and edition) over its default period, not per
        authority and quarter; its reports go in ``programmes/``.

    Returns
    -------
    list of RunSpec
    """
    from cohort import __version__

    output = Path(output).resolve()
    policies = _policies(policies)
    specs = []
    for name in notebooks:
        path = _resolve_notebook(name)
        declared = _declared(path)
        editions = policies if "policy" in declared else [("", "")]
        if "programme" in declared:
            specs.extend(_programme_specs(path, declared, programmes, editions, store, output, parameters,
                                          fingerprint))
            continue
        for authority in authorities:
            for q in quarters:
                for policy, edition in editions:
                    params = {
                        "authority": authority,
                        "quarter": q,
                        "store": str(Path(store).resolve()),
                        "output_dir": str(output / authority),
                        **({"policy": policy} if policy else {}),
                        **(parameters or {}),
                    }
                    _check_parameters(path, params)
                    stem = "_".join(x for x in (path.stem, authority, _slug(q), edition) if x)
                    specs.append(
                        RunSpec(
                            notebook=str(path),
                            authority=authority,
                            quarter=q,
                            parameters=params,
                            html_path=str(output / authority / f"{stem}.html"),
                            notebook_path=str(output / "_executed" / f"{stem}.ipynb"),
                            key=_run_key(path, params, fingerprint, __version__),
                            edition=edition,
                        )
                    )
    return specs


def _programme_specs(path: Path, declared: dict[str, Any], programmes: Sequence[str] | None,
                     editions: list[tuple[str, str]], store, output: Path,
                     parameters: dict[str, Any] | None, fingerprint: str) -> list[RunSpec]:
    """One run per programme and edition of a programme-level notebook."""
    import ast

    from cohort import __version__

    if programmes is None:
        programmes = [ast.literal_eval(declared["programme"]["default"])]
    specs = []
    for programme in programmes:
        slug = "".join(ch if ch.isalnum() else "_" for ch in programme.lower()).strip("_")
        for policy, edition in editions:
            params = {
                "programme": programme,
                "store": str(Path(store).resolve()),
                "output_dir": str(output / "programmes"),
                **({"policy": policy} if policy else {}),
                **(parameters or {}),
            }
            _check_parameters(path, params)
            stem = "_".join(x for x in (path.stem, slug, edition) if x)
            specs.append(RunSpec(
                notebook=str(path), authority="", quarter="", parameters=params,
                html_path=str(output / "programmes" / f"{stem}.html"),
                notebook_path=str(output / "_executed" / f"{stem}.ipynb"),
                key=_run_key(path, params, fingerprint, __version__), edition=edition,
            ))
    return specs


def _policies(policies: Sequence[str] | str) -> list[tuple[str, str]]:
    """The editions asked for as (notebook parameter, edition name) pairs: a
    shipped policy name (or the path of a policy file) and the policy's name."""
    from cohort.disclosure import load_policy

    if isinstance(policies, str):
        policies = [policies]
    out: list[tuple[str, str]] = []
    for p in policies:
        try:
            pol = load_policy(p)
        except ValueError as err:
            raise UsageError(str(err)) from None
        param = str(p) if Path(str(p)).suffix.lower() in (".yaml", ".yml") else pol.name
        if pol.name not in [e for _, e in out]:
            out.append((param, pol.name))
    if not out:
        raise UsageError("at least one edition (policy) is needed, e.g. management")
    return out


