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
import warnings
from pathlib import Path

from cohort.exceptions import (
    CohortError,
    MappingError,
    PeriodError,
    UsageError,
)

log = logging.getLogger("cohort")


def _available(names: list[str] | None) -> list[str]:
    from cohort.report.planning import REPORT_NOTEBOOKS, notebook_dir

    if names:
        return names
    folder = notebook_dir()
    return [n for n in REPORT_NOTEBOOKS if (folder / f"{n}.ipynb").exists()]


def _refuse_real_store(path: Path) -> None:
    """``cohort demo`` replaces only a store that ``cohort demo`` made."""
    if not path.exists():
        return
    from cohort.store import store_info

    if not (path / "manifest.json").is_file():
        if path.is_dir() and not any(path.iterdir()):
            return
        raise UsageError(f"{path} exists and is not a demo store; choose another --store for the demo")
    meta = store_info(path).get("metadata") or {}
    if not (meta.get("made_by") == "cohort demo" or (meta.get("synthetic") and not meta.get("extract_date"))):
        raise UsageError(f"{path} holds a store that cohort demo did not make (real data?); "
                         "cohort demo never replaces it: choose another --store")


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
    _refuse_real_store(Path(args.store))
    print(f"Generating synthetic data: {args.authorities} fictional authorities, seed {args.seed} ...")
    data = synthetic.generate(seed=args.seed, authorities=args.authorities, scale=args.scale)
    data.metadata["made_by"] = "cohort demo"
    print(f"  {data!r} ({time.perf_counter() - t0:.1f} s)")
    write_store(data, args.store, overwrite=True)
    print(f"Store written to {args.store} (fingerprint {data.fingerprint()})")
    quarters = [args.quarter] if args.quarter else None
    editions = _editions(args, ["management", "publication"])
    print(f"Editions: {', '.join(editions)}")
    manifest = batch.run(
        _available(args.notebooks), quarters=quarters, store=args.store, output=args.output,
        jobs=args.jobs, force=args.force, policies=editions, progress=not args.quiet,
    )
    print(batch.summarise(manifest))
    disclosure = [r for r in manifest.get("disclosure", []) if isinstance(r, dict)] if "disclosure" in manifest else []
    for edition in dict.fromkeys(r.get("edition", "") for r in disclosure):
        rs = [r for r in disclosure if r.get("edition", "") == edition]
        shown = (f"{sum(r.get('small_counts_shown', 0) for r in rs)} small counts shown (not for publication)"
                 if edition == "management" else f"{sum(r['cells_suppressed'] for r in rs)} cells suppressed")
        print(f"Disclosure control, {edition or 'reports'} edition: {sum(r['tables'] for r in rs)} tables checked, "
              f"{shown}, {sum(r['checks_failed'] for r in rs)} checks open")
    findings = scan_outputs(Path(args.output), identifiers_from(data.tables))
    print(f"Privacy scan of {args.output}: {len(findings)} identifiers found")
    print(f"Index: {Path(args.output) / 'index.html'}  ({time.perf_counter() - t0:.0f} s in all)")
    failed = manifest[manifest["status"] == "failed"]
    for rec in failed.itertuples():
        print(f"FAILED {rec.notebook} {rec.authority} {rec.quarter}: {rec.error}", file=sys.stderr)
    return 1 if len(failed) or len(findings) else 0


def _cmd_run(args: argparse.Namespace) -> int:
    from cohort import batch

    t0 = time.perf_counter()
    manifest = batch.run(
        _available(args.notebooks), authorities=args.authorities, quarters=args.quarters,
        store=args.store, output=args.output, jobs=args.jobs, force=args.force,
        scheduler=args.scheduler, policies=_editions(args, ["management"]), timeout=args.timeout,
        allow_empty=args.allow_empty, log_file=args.log, progress=not args.quiet,
        programmes=args.programmes,
    )
    failed = manifest[manifest["status"] == "failed"] if len(manifest) else manifest
    print(f"{batch.summarise(manifest)} in {time.perf_counter() - t0:.0f} s; index: "
          f"{Path(args.output) / 'index.html'}")
    if not args.quiet:
        for rec in failed.itertuples():
            from cohort.report.index import failure_text

            who = rec.authority or (rec.parameters or {}).get("programme", "")
            print(f"  {rec.notebook} {who} {rec.quarter} {rec.edition}: {failure_text(rec.error or {})}")
    return 1 if len(failed) else 0


def _cmd_index(args: argparse.Namespace) -> int:
    from cohort.report.batch import rebuild_index

    path = rebuild_index(args.output)
    print(f"wrote {path}")
    return 0


def _print_problems(problems, limit: int) -> None:
    shown = problems.head(limit)
    for rec in shown.itertuples(index=False):
        where = [str(rec.file)]
        if rec.sheet:
            where.append(f"sheet {rec.sheet}")
        if rec.row is not None and str(rec.row) not in ("", "nan", "<NA>"):
            where.append(f"row {rec.row}")
        if rec.column:
            where.append(f"column {rec.column!r}")
        value = "" if rec.value is None or str(rec.value) in ("", "nan", "<NA>") else f" value {rec.value!r}:"
        print(f"  - {', '.join(where)}:{value} {rec.message} [{rec.rule}]")
    if len(problems) > limit:
        counts = problems.iloc[limit:].groupby(["file", "rule"]).size()
        print(f"  ... and {len(problems) - limit} more:")
        for (file, rule), n in counts.items():
            print(f"      {n:>6}  {rule} in {file}")


def _print_coverage(tables_present) -> None:
    from cohort.report.requirements import missing_sections

    lacking = missing_sections(tables_present)
    if len(lacking):
        print("\nReport sections this extract cannot produce (they will be left out, saying why):")
        for rec in lacking.itertuples(index=False):
            print(f"  - {rec.report}: {rec.section} (no {rec.missing})")


def _cmd_validate(args: argparse.Namespace) -> int:
    from cohort.loaders import validate_extract

    problems = validate_extract(args.paths, mapping=args.mapping, extract_date=args.extract_date)
    meta = problems.attrs.get("metadata", {})
    print(f"Extract date {meta.get('extract_date')}; files: {', '.join(meta.get('source_files', []))}")
    for name, enc in meta.get("encodings", {}).items():
        delim = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}.get(meta.get("delimiters", {}).get(name, ","))
        print(f"  {name}: {enc}, {delim}-delimited")
    for where, renamed in meta.get("headers_matched", {}).items():
        print(f"  {where}: headers read as " + ", ".join(f"{a!r} -> {b!r}" for a, b in renamed.items()))
    for where, n in meta.get("blank_rows_skipped", {}).items():
        print(f"  {where}: {n} blank row(s) will go to the attrition log")
    from cohort.loaders import read_mapping

    mapped = set(read_mapping(args.mapping).tables) - set(meta.get("tables_absent", []))
    present = mapped | {"authorities", "population"}  # ingest fills these from the shipped ONS tables
    _print_coverage(present)
    if args.output:
        problems.to_csv(args.output, index=False)
        print(f"\nEvery problem written to {args.output}")
    if problems.empty:
        print("\nNo problems found.")
        return 0
    print(f"\n{len(problems)} problem(s) found; nothing was written:")
    _print_problems(problems, args.limit)
    return 1


def _cmd_ingest(args: argparse.Namespace) -> int:
    import warnings

    from cohort.exceptions import DataQualityWarning
    from cohort.loaders import ingest

    key = None
    if args.key_file:
        try:
            key = Path(args.key_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise UsageError(f"cannot read the key file {args.key_file}: {err.strerror}") from err
        if not key:
            raise UsageError(f"the key file {args.key_file} is empty")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        data = ingest(
            args.paths, mapping=args.mapping, store_path=args.store, strict=not args.lenient, key=key,
            extract_date=args.extract_date, population_files=args.population or (), force=args.force,
        )
    meta = data.metadata
    for w in caught:
        if issubclass(w.category, DataQualityWarning):
            print(f"note: {w.message}")
    codes = sorted(set(data.authorities["authority_code"]))
    names = dict(zip(data.authorities["authority_code"], data.authorities["authority_name"], strict=True))
    print(f"Ingested {meta['system']} extract dated {meta['extract_date']} ({meta['extract_date_source']}) "
          f"into {args.store}: " + ", ".join(f"{c} {names.get(c, '')}".strip() for c in codes))
    print(f"  {'table':<16}{'rows in':>10}{'loaded':>10}{'set aside':>11}")
    for t, n in meta["rows_in"].items():
        print(f"  {t:<16}{n:>10,}{meta['rows_out'][t]:>10,}{meta['rows_rejected'][t]:>11,}")
    for where, j in meta.get("joins", {}).items():
        print(f"  {where}: {j['rows_in']:,} rows, {j['merged']:,} joined to {j['table']}, {j['attrition']:,} set aside")
    if meta.get("reference_tables"):
        years = ", ".join(f"mid-{y}" for y in meta.get("population_years", []))
        print(f"  filled from the shipped reference data: {', '.join(meta['reference_tables'])} ({years} populations)")
    if len(data.attrition):
        print(f"{len(data.attrition):,} row(s) are in the store's attrition log with their reasons")
    _print_coverage(data.tables)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from cohort.store import verify_store

    t0 = time.perf_counter()
    result = verify_store(args.store)
    rows = sum(result["tables"].values())
    print(f"{args.store}: {result['partitions']:,} files, {rows:,} rows in {len(result['tables'])} tables "
          f"match the manifest (fingerprint {result['fingerprint']}) in {time.perf_counter() - t0:.1f} s")
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
    p.add_argument("--traceback", action="store_true", help="show the Python traceback of an error (for bug reports)")
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
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_editions(d, ["management", "publication"])
    d.set_defaults(func=_cmd_demo)

    r = sub.add_parser(
        "run", help="run report notebooks for authorities x quarters x editions",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Run every report notebook for every authority of a store (and once per programme "
                    "for programme reports), write HTML reports, Excel board packs, manifest.json and "
                    "index.html. Quarters, authorities and parameters are checked before any report starts. "
                    "Exit 0: every report ok; 1: some reports failed (the others are written); 2: nothing "
                    "ran (a bad quarter, authority, notebook or option).")
    r.add_argument("--store", default=None, help="store folder (default $COHORT_STORE or ./demo_store)")
    r.add_argument("--output", default="reports", help="folder for the reports, manifest and index")
    r.add_argument("--notebooks", nargs="*", default=None, help="report notebooks (default: all)")
    r.add_argument("--authorities", nargs="*", default=None, help="authority codes (default: all in the store)")
    r.add_argument("--quarters", nargs="*", default=None,
                   help='quarters such as "2025/26 Q4" (default: the last complete on the extract date)')
    r.add_argument("--programmes", nargs="*", default=None,
                   help="programmes for programme-level reports (default: each notebook's own)")
    r.add_argument("--jobs", type=int, default=2, help="worker processes")
    r.add_argument("--force", action="store_true", help="rerun reports whose inputs have not changed")
    r.add_argument("--timeout", type=float, default=900, help="seconds allowed per report")
    r.add_argument("--allow-empty", action="store_true", help="run quarters outside the data's coverage")
    r.add_argument("--quiet", action="store_true", help="no progress bar; one summary line")
    r.add_argument("--log", default=None, metavar="FILE", help="append one JSON line per report to FILE")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:8786) to run the reports on (needs cohort[dask])")
    _add_editions(r, ["management"])
    r.set_defaults(func=_cmd_run)

    x = sub.add_parser("index", help="rewrite index.html (and manifest.json) of a reports folder",
                       description="Compact the manifest journal of a reports folder and write its index.html "
                                   "again, e.g. after a batch was killed. Exit 0: written; 2: no manifest.")
    x.add_argument("output", nargs="?", default="reports", help="the reports folder")
    x.set_defaults(func=_cmd_index)

    extract_help = ("the day the extract was taken, yyyy-mm-dd (default: the mapping's extract_date, "
                    "else today); dates after it are errors")
    v = sub.add_parser("validate", help="report every problem in an extract; write nothing",
                       description="Check an extract against the data model and list every problem "
                                   "(file, row, column), and the report sections it cannot produce. "
                                   "Exit 0: no problems; 1: problems; 2: usage or mapping error.")
    v.add_argument("paths", nargs="+", help="extract files (CSV, XLSX, Parquet)")
    v.add_argument("--mapping", default=None,
                   help="mapping YAML file or packaged mapping name (childview, youthtrack); default identity")
    v.add_argument("--extract-date", default=None, help=extract_help)
    v.add_argument("--limit", type=int, default=50, help="problems to print (default 50); --output has all")
    v.add_argument("--output", default=None, help="write every problem to this CSV file")
    v.set_defaults(func=_cmd_validate)

    i = sub.add_parser("ingest", help="load an extract through a mapping into a store (new, or refreshed)",
                       description="Load, validate and pseudonymise an extract, complete its authorities and "
                                   "10-17 populations from the shipped ONS estimates, and write it into a "
                                   "store: a new one, or an existing one whose partitions for these "
                                   "authorities are replaced (others kept). The pseudonymisation key comes "
                                   "from --key-file or COHORT_PSEUDONYMISATION_KEY: keep it the same every "
                                   "quarter. Exit 0: ingested; 1: data problems; 2: usage or mapping error.")
    i.add_argument("paths", nargs="+", help="extract files (CSV, XLSX, Parquet)")
    i.add_argument("--mapping", default=None, help="mapping YAML file or packaged mapping name")
    i.add_argument("--store", required=True, help="store folder (created, or refreshed)")
    i.add_argument("--extract-date", default=None, help=extract_help)
    i.add_argument("--key-file", default=None, help="file holding the pseudonymisation key")
    i.add_argument("--population", action="append", default=None, metavar="FILE",
                   help="a newer ONS 10-17 population file in the published layout (repeatable)")
    i.add_argument("--force", action="store_true",
                   help="replace authorities even if the store holds a later extract of them")
    i.add_argument("--lenient", action="store_true", help="move invalid rows to the attrition log instead of failing")
    i.set_defaults(func=_cmd_ingest)

    f = sub.add_parser("verify", help="check every file of a store against its manifest",
                       description="Read every file of a store and check sizes, row counts, each partition's "
                                   "content hash and the data fingerprint against the manifest written with "
                                   "it (opening a store checks only sizes and row counts). Exit 0: all match; "
                                   "1: a file differs (named); 2: no store there.")
    f.add_argument("store", help="store folder")
    f.set_defaults(func=_cmd_verify)

    k = sub.add_parser("dictionary", help="render data_dictionary/README.md from the schemas")
    k.add_argument("--path", default=None)
    k.add_argument("--check", action="store_true", help="fail if the README is out of date")
    k.set_defaults(func=_cmd_dictionary)
    return p


#: Exit codes of every subcommand (README, "Exit codes").
EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _exit_code(exc: CohortError) -> int:
    return EXIT_USAGE if isinstance(exc, UsageError | MappingError | PeriodError) else EXIT_DATA


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cohort`` command.

    Exit codes: 0 success; 1 data problems (validation problems, an
    unreadable file, names in an extract, a stale extract, failed reports);
    2 usage or mapping errors (bad arguments, missing files, an invalid
    mapping, an unknown authority); 3 an internal error (a bug: the message
    says how to see the traceback). No traceback is printed unless
    ``--traceback`` is given.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    with warnings.catch_warnings():
        # a warning reads as a one-line note, never as a line of source code
        warnings.showwarning = _show_warning
        return _run(args)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"cohort: note: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except CohortError as exc:
        if args.traceback:
            raise
        print(f"cohort: {exc}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("cohort: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, never a traceback
        if args.traceback:
            raise
        print(f"cohort: internal error ({type(exc).__name__}: {exc}); this is a bug in cohort, "
              "please report it with the output of the same command run with --traceback", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
