"""The ``cohort`` command line: demo, ingest, validate, run, dictionary.

Examples
--------
::

    cohort demo                                   # synthetic store + every report
    cohort validate extract.xlsx --mapping data_dictionary/mappings/childview.yaml
    cohort ingest extract.xlsx --mapping childview.yaml --store store/
    cohort run --store store/ --quarters "2025/26 Q4" --jobs 2 --editions management publication
    cohort dictionary                             # re-render data_dictionary/README.md
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from cohort.exceptions import CohortError

log = logging.getLogger("cohort")


def _available(names: list[str] | None) -> list[str]:
    from cohort.report.batch import REPORT_NOTEBOOKS, notebook_dir

    if names:
        return names
    folder = notebook_dir()
    return [n for n in REPORT_NOTEBOOKS if (folder / f"{n}.ipynb").exists()]


def _editions(args: argparse.Namespace, default: list[str]) -> list[str]:
    """The editions asked for with --policy (repeatable) and --editions, in order."""
    chosen: list[str] = []
    for group in (args.policy or [], args.editions or []):
        for item in group:
            chosen += [x for x in str(item).replace(",", " ").split() if x]
    return chosen or default


def _add_editions(parser: argparse.ArgumentParser, default: list[str]) -> None:
    parser.add_argument(
        "--policy", action="append", metavar="POLICY",
        help="disclosure policy of one edition; repeat for several (management: every figure, "
             "not for publication; publication: small counts suppressed; research; or a policy "
             f".yaml file). Default: {' and '.join(default)}")
    parser.add_argument("--editions", nargs="+", metavar="POLICY",
                        help="the editions at once, e.g. --editions management publication")


def _cmd_demo(args: argparse.Namespace) -> int:
    from cohort import batch, synthetic
    from cohort.privacy import identifiers_from, scan_outputs
    from cohort.store import write_store

    t0 = time.perf_counter()
    print(f"Generating synthetic data: {args.authorities} fictional authorities, seed {args.seed} ...")
    data = synthetic.generate(seed=args.seed, authorities=args.authorities, scale=args.scale)
    print(f"  {data!r} ({time.perf_counter() - t0:.1f} s)")
    write_store(data, args.store, overwrite=True)
    print(f"Store written to {args.store} (fingerprint {data.fingerprint()})")
    quarters = [args.quarter] if args.quarter else None
    editions = _editions(args, ["management", "publication"])
    print(f"Editions: {', '.join(editions)}")
    manifest = batch.run(
        _available(args.notebooks), quarters=quarters, store=args.store, output=args.output,
        jobs=args.jobs, force=args.force, policies=editions,
    )
    print(batch.summarise(manifest))
    disclosure = [r for r in manifest.get("disclosure", []) if isinstance(r, dict)] if "disclosure" in manifest else []
    print(
        f"Disclosure control: {sum(r['tables'] for r in disclosure)} tables checked, "
        f"{sum(r['cells_suppressed'] for r in disclosure)} cells suppressed, "
        f"{sum(r['checks_failed'] for r in disclosure)} checks open"
    )
    findings = scan_outputs(Path(args.output), identifiers_from(data.tables))
    print(f"Privacy scan of {args.output}: {len(findings)} identifiers found")
    print(f"Index: {Path(args.output) / 'index.html'}  ({time.perf_counter() - t0:.0f} s in all)")
    failed = manifest[manifest["status"] == "failed"]
    for rec in failed.itertuples():
        print(f"FAILED {rec.notebook} {rec.authority} {rec.quarter}: {rec.error}", file=sys.stderr)
    return 1 if len(failed) or len(findings) else 0


def _cmd_run(args: argparse.Namespace) -> int:
    from cohort import batch

    manifest = batch.run(
        _available(args.notebooks), authorities=args.authorities, quarters=args.quarters,
        store=args.store, output=args.output, jobs=args.jobs, force=args.force,
        scheduler=args.scheduler, policies=_editions(args, ["management"]),
    )
    print(batch.summarise(manifest))
    return 1 if (manifest["status"] == "failed").any() else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from cohort.loaders import validate_extract

    problems = validate_extract(args.paths, mapping=args.mapping)
    if problems.empty:
        print("No problems found.")
        return 0
    print(problems.to_string(index=False, max_colwidth=60))
    print(f"\n{len(problems)} problem(s) found; nothing was written.")
    return 1


def _cmd_ingest(args: argparse.Namespace) -> int:
    from cohort.loaders import ingest

    data = ingest(args.paths, mapping=args.mapping, store_path=args.store, strict=not args.lenient)
    print(f"{data!r}\nwritten to {args.store}")
    if len(data.attrition):
        print(f"{len(data.attrition)} row(s) went to the attrition log (see the store's attrition table)")
    return 0


def _cmd_dictionary(args: argparse.Namespace) -> int:
    from cohort.dictionary import render_readme, write_readme

    if args.check:
        path = Path(args.path) if args.path else None
        current = (path or Path("data_dictionary/README.md")).read_text(encoding="utf-8")
        if current != render_readme():
            print("data_dictionary/README.md is out of date: run `cohort dictionary`")
            return 1
        print("data_dictionary/README.md is current")
        return 0
    out = write_readme(args.path)
    print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="cohort", description=__doc__.split("\n")[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="generate synthetic data, store it and run every report")
    d.add_argument("--store", default="demo_store")
    d.add_argument("--output", default="reports")
    d.add_argument("--authorities", type=int, default=5)
    d.add_argument("--seed", type=int, default=2024)
    d.add_argument("--scale", type=float, default=1.0)
    d.add_argument("--quarter", default=None, help='e.g. "2025/26 Q4"; default the latest in the data')
    d.add_argument("--notebooks", nargs="*", default=None)
    d.add_argument("--jobs", type=int, default=2)
    d.add_argument("--force", action="store_true", help="rerun reports whose inputs have not changed")
    _add_editions(d, ["management", "publication"])
    d.set_defaults(func=_cmd_demo)

    r = sub.add_parser("run", help="run report notebooks for authorities x quarters")
    r.add_argument("--store", default=None)
    r.add_argument("--output", default="reports")
    r.add_argument("--notebooks", nargs="*", default=None)
    r.add_argument("--authorities", nargs="*", default=None)
    r.add_argument("--quarters", nargs="*", default=None)
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--force", action="store_true")
    r.add_argument("--scheduler", default=None, help="Dask scheduler address (optional)")
    _add_editions(r, ["management"])
    r.set_defaults(func=_cmd_run)

    v = sub.add_parser("validate", help="report every problem in an extract; write nothing")
    v.add_argument("paths", nargs="+")
    v.add_argument("--mapping", default=None)
    v.set_defaults(func=_cmd_validate)

    i = sub.add_parser("ingest", help="load extracts through a mapping into a store")
    i.add_argument("paths", nargs="+")
    i.add_argument("--mapping", default=None)
    i.add_argument("--store", required=True)
    i.add_argument("--lenient", action="store_true", help="move invalid rows to the attrition log instead of failing")
    i.set_defaults(func=_cmd_ingest)

    k = sub.add_parser("dictionary", help="render data_dictionary/README.md from the schemas")
    k.add_argument("--path", default=None)
    k.add_argument("--check", action="store_true", help="fail if the README is out of date")
    k.set_defaults(func=_cmd_dictionary)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cohort`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except CohortError as exc:
        print(f"cohort: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
