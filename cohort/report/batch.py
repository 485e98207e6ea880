"""Run the report notebooks for authorities x quarters and publish HTML.

The batch runner executes each parameterised notebook with papermill (a fresh
kernel per report, so no state leaks between authorities), converts the result
to HTML with code hidden through one in-process nbconvert exporter per worker,
writes every file atomically, and records a manifest. One failing run never
stops the batch; a rerun skips reports whose inputs (notebook, parameters,
data fingerprint, package version) have not changed and retries failures.

Only this module runs notebooks (see DESIGN.md).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cohort.exceptions import CohortError
from cohort.periods import latest_quarter
from cohort.report.html_io import TEMPLATES as _TEMPLATES
from cohort.report.html_io import atomic_write as _atomic_write
from cohort.report.html_io import stylesheet as _css
from cohort.report.index import write_index

log = logging.getLogger(__name__)

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
    """Folder holding the report notebooks (the repository's ``notebooks/``)."""
    env = os.environ.get("COHORT_NOTEBOOKS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "notebooks"
    if here.is_dir():
        return here
    raise CohortError(
        "cannot find the report notebooks; set COHORT_NOTEBOOKS to the folder that holds them"
    )


def _resolve_notebook(name: str) -> Path:
    path = Path(name)
    if path.suffix != ".ipynb":
        path = notebook_dir() / f"{name}.ipynb"
    if not path.is_file():
        raise CohortError(f"notebook not found: {path}")
    return path


def _declared(path: Path) -> dict[str, Any]:
    import papermill

    return papermill.inspect_notebook(str(path))


def _check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    declared = _declared(path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise CohortError(
            f"{path.name} does not declare parameter(s) {unknown}; "
            f"it declares {sorted(declared)}"
        )


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
            raise CohortError(str(err)) from None
        param = str(p) if Path(str(p)).suffix.lower() in (".yaml", ".yml") else pol.name
        if pol.name not in [e for _, e in out]:
            out.append((param, pol.name))
    if not out:
        raise CohortError("at least one edition (policy) is needed, e.g. management")
    return out


_EXPORTER = None


def _exporter():
    """One HTML exporter per worker process (building one costs ~2 s)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name="cohort",
            extra_template_basedirs=[str(_TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
        )
    return _EXPORTER


_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.S)


def _contents(body: str) -> str:
    """Give every section heading an id and put a contents list after the report's header."""
    items: list[tuple[str, str]] = []

    def named(m: re.Match) -> str:
        attrs, text = m.group("attrs"), m.group("text")
        plain = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        found = re.search(r"id=[\"']([^\"']+)[\"']", attrs)
        ident = found.group(1) if found else "section-" + re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
        if not found:
            attrs += f" id='{ident}'"
        items.append((ident, plain))
        return f"<h2{attrs}>{text}</h2>"

    body = _H2.sub(named, body)
    if not items:
        return body
    nav = ("<nav class='cohort-contents' aria-label='Contents'><h2>Contents</h2><ol>"
           + "".join(f"<li><a href='#{html.escape(i)}'>{html.escape(t)}</a></li>" for i, t in items)
           + "</ol></nav>")
    at = body.find("</header>")
    return body[: at + 9] + nav + body[at + 9:] if at >= 0 else nav + body


def to_html(nb, title: str, *, marking: str = "", running: str = "") -> str:
    """Render an executed notebook as a standalone, accessible HTML page, code hidden.

    The page uses the ``cohort`` nbconvert template (extending ``basic``) with
    one stylesheet, a contents list of the report's sections, and print rules
    that repeat table headers, number the pages and print ``marking`` (the
    edition) at the top and ``running`` (report, authority, period, produced-on
    date) at the foot of every page.
    """
    resources = {"cohort": {"title": title, "css": _css(), "marking": marking, "running": running}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return _contents(body)


def _execute(spec: RunSpec, timeout: int = 900) -> dict[str, Any]:
    """Run one notebook and write its HTML; never raises (errors go in the record)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    record: dict[str, Any] = {
        "run_id": uuid.uuid4().hex,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": "ok",
        "error": None,
        "disclosure": None,
    }
    nb_path = Path(spec.notebook_path)
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_nb = nb_path.with_name(f".{nb_path.name}.{os.getpid()}.tmp.ipynb")
    try:
        try:
            papermill.execute_notebook(
                spec.notebook,
                str(tmp_nb),
                parameters=spec.parameters,
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=False,
                cwd=str(Path(spec.notebook).parent),
                execution_timeout=timeout,
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            record["status"] = "failed"
            record["error"] = {
                "cell_index": exc.exec_count,
                "ename": exc.ename,
                "evalue": str(exc.evalue)[:500],
            }
        if tmp_nb.exists():
            nb = nbformat.read(tmp_nb, as_version=4)
            record["disclosure"] = _disclosure_summary(nb)
            os.replace(tmp_nb, nb_path)
            if record["status"] == "ok":
                d = record["disclosure"] or {}
                name = d.get("title") or Path(spec.notebook).stem.replace("_", " ").capitalize()
                who = d.get("authority_name") or spec.authority
                title = f"{name}: {who}, {spec.quarter}"
                running = f"{title}. Produced on {datetime.now():%-d %B %Y}."
                _atomic_write(Path(spec.html_path), to_html(nb, title, marking=d.get("marking", ""),
                                                            running=running))
    except Exception as exc:
        record["status"] = "failed"
        record["error"] = {"cell_index": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]}
    finally:
        tmp_nb.unlink(missing_ok=True)
    record["duration_s"] = round(time.perf_counter() - started, 2)
    return record


def _disclosure_summary(nb) -> dict[str, Any] | None:
    """The disclosure summary a report left in its outputs (see Report.finish)."""
    from cohort.report.context import AUDIT_MIME

    for cell in reversed(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if AUDIT_MIME in data:
                return dict(data[AUDIT_MIME])
    return None


def _load_manifest(output: Path) -> dict[str, dict[str, Any]]:
    path = output / "manifest.json"
    if not path.exists():
        return {}
    runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    return {r["html"]: r for r in runs}


def run(
    notebooks: Sequence[str] = REPORT_NOTEBOOKS,
    authorities: Sequence[str] | None = None,
    quarters: Sequence[str] | None = None,
    *,
    store: str | os.PathLike | None = None,
    output: str | os.PathLike = "reports",
    jobs: int = 2,
    parameters: dict[str, Any] | None = None,
    force: bool = False,
    progress: bool = True,
    scheduler: str | None = None,
    timeout: int = 900,
    policies: Sequence[str] = ("management",),
    programmes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Execute notebooks x authorities x quarters x editions and write HTML reports.

    Parameters
    ----------
    notebooks : sequence of str
        Notebook names in ``notebooks/`` or paths; default every report.
    authorities : sequence of str, optional
        Authority codes; default every authority in the store.
    quarters : sequence of str, optional
        Quarter labels; default the latest quarter in the store.
    store : path, optional
        Parquet store (default: :func:`cohort.store.default_store_path`).
    output : path
        Folder for reports, ``index.html`` and ``manifest.json``.
    jobs : int
        Worker processes (two suit a two-core machine; a third gains nothing).
    parameters : dict, optional
        Extra notebook parameters applied to every run.
    force : bool
        Rerun reports whose inputs have not changed.
    progress : bool
        Show a progress bar.
    scheduler : str, optional
        Address of a Dask distributed scheduler to run on instead of local
        processes (needs ``dask[distributed]``).
    timeout : int
        Seconds allowed per notebook cell.
    policies : sequence of str
        One edition of every report per disclosure policy: ``"management"``
        (the default: the board pack, every figure shown, marked not for
        publication) and/or ``"publication"`` (small counts suppressed).
        File names and manifest records carry the edition.
    programmes : sequence of str, optional
        Programmes for the programme-level notebooks (see :func:`plan`);
        default each notebook's default programme. Programmes without
        intervention records in the store are not run.

    Returns
    -------
    pandas.DataFrame
        The manifest: one row per report with ``notebook``, ``authority``,
        ``quarter``, ``status`` (ok, failed, skipped), ``duration_s``,
        ``error``, ``html`` and the run parameters.
    """
    from tqdm.auto import tqdm

    from cohort import __version__
    from cohort.store import default_store_path, open_store, store_info

    store = Path(store) if store is not None else default_store_path()
    info = store_info(store)
    fingerprint = info.get("fingerprint", "")
    data = open_store(store, tables=["authorities", "interventions"])
    if authorities is None:
        authorities = list(data.authorities["authority_code"])
    if quarters is None:
        quarters = [latest_quarter(data)]
    auth = data.authorities
    names: dict[str, str] = {}
    if {"authority_code", "authority_name"} <= set(auth.columns):
        names = dict(zip(auth["authority_code"].astype(str), auth["authority_name"].astype(str), strict=True))
    output = Path(output).resolve()
    specs = plan(
        notebooks, authorities, quarters, store=store, output=output,
        parameters=parameters, fingerprint=fingerprint, policies=policies, programmes=programmes,
    )
    # programme-level reports only for programmes the store holds records of
    present = set(data.interventions.get("programme", pd.Series(dtype=str)).dropna().astype(str))
    specs = [s for s in specs if s.authority or s.parameters.get("programme") in present]
    previous = _load_manifest(output)
    records: list[dict[str, Any]] = []
    todo: list[RunSpec] = []
    for spec in specs:
        old = previous.get(spec.html_path)
        if (not force and old and old.get("key") == spec.key and old.get("status") in ("ok", "skipped")
                and Path(spec.html_path).exists()):
            records.append({**old, "status": "skipped", "duration_s": 0.0})
        else:
            todo.append(spec)

    def _record(spec: RunSpec, result: dict[str, Any]) -> dict[str, Any]:
        return {
            "notebook": Path(spec.notebook).stem,
            "authority": spec.authority,
            "authority_name": names.get(spec.authority, spec.authority),
            "quarter": spec.quarter,
            "edition": spec.edition,
            "html": spec.html_path,
            "executed_notebook": spec.notebook_path,
            "key": spec.key,
            "fingerprint": fingerprint,
            "package_version": __version__,
            "parameters": spec.parameters,
            **result,
        }

    if todo:
        # the batch-level step: every table shared between reports, protected once per
        # quarter and edition before any report runs (cohort.report.protection)
        from cohort.report.units import SHARED_DIR, prepare

        per_quarter = [s for s in todo if s.edition and s.quarter]  # programme-level reports need none
        editions = list(dict.fromkeys(s.parameters["policy"] for s in per_quarter))
        if editions:
            quarters_todo = list(dict.fromkeys(s.quarter for s in per_quarter))
            prepare(store, quarters_todo, editions, output / SHARED_DIR)
    bar = tqdm(total=len(todo), desc="reports", unit="report", disable=not progress)
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise ImportError("scheduler= needs dask[distributed]: pip install 'dask[distributed]'") from exc
        client = Client(scheduler)  # pragma: no cover
        futures = [client.submit(_execute, s, timeout, pure=False) for s in todo]  # pragma: no cover
        for spec, result in zip(todo, client.gather(futures), strict=True):  # pragma: no cover
            records.append(_record(spec, result))
            bar.update()
    elif jobs <= 1 or len(todo) <= 1:
        for spec in todo:
            records.append(_record(spec, _execute(spec, timeout)))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_execute, s, timeout): s for s in todo}
            for fut in as_completed(futures):
                records.append(_record(futures[fut], fut.result()))
                bar.update()
    bar.close()
    # the prepared units hold every authority's unprotected statistics: never leave them
    # beside the published files (a notebook run later recomputes what it needs)
    import shutil

    shutil.rmtree(output / "_shared", ignore_errors=True)

    order = {s.html_path: i for i, s in enumerate(specs)}
    records.sort(key=lambda r: order.get(r["html"], 0))
    # keep the reports of earlier runs that this run did not touch, so a partial
    # rerun (one authority, one new quarter) leaves the index complete
    ours = {r["html"] for r in records}
    kept = [r for h, r in previous.items() if h not in ours and Path(h).exists()]
    records = kept + records
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": str(store),
        "fingerprint": fingerprint,
        "package_version": __version__,
        "synthetic": bool(info.get("metadata", {}).get("synthetic", False)),
        "runs": records,
    }
    _atomic_write(output / "manifest.json", json.dumps(manifest, indent=2, default=str))
    write_index(manifest, output)
    return pd.DataFrame(records)


def summarise(manifest: pd.DataFrame | Iterable[dict[str, Any]]) -> str:
    """One line per status, for the command line."""
    df = pd.DataFrame(manifest)
    if df.empty:
        return "no reports"
    counts = df["status"].value_counts()
    total = df.get("duration_s", pd.Series(dtype=float)).sum()
    return ", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({total:.0f} s of notebook time)"


__all__ = ["REPORT_NOTEBOOKS", "RunSpec", "plan", "run", "summarise", "to_html", "write_index"]
