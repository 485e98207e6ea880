"""The command line: validate reports problems and exits 1; dictionary --check; errors are readable."""

from pathlib import Path

from cohort.cli import main

DATA = Path(__file__).parent / "data"
MAPPING = Path(__file__).parents[1] / "data_dictionary" / "mappings" / "childview.yaml"


def test_validate_lists_every_problem_and_fails(capsys):
    rc = main(["validate", str(DATA / "childview_malformed.xlsx"), "--mapping", str(MAPPING)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "childview_malformed.xlsx" in out and "problem(s) found; nothing was written" in out


def test_validate_clean_extract_passes(capsys):
    rc = main(["validate", str(DATA / "childview_extract.xlsx"), "--mapping", str(MAPPING)])
    assert rc == 0, capsys.readouterr().out


def test_dictionary_readme_is_current(capsys):
    readme = Path(__file__).parents[1] / "data_dictionary" / "README.md"
    assert main(["dictionary", "--check", "--path", str(readme)]) == 0


def test_ingest_writes_a_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COHORT_PSEUDONYMISATION_KEY", "test-key-not-secret")
    rc = main(["ingest", str(DATA / "childview_extract.xlsx"), "--mapping", str(MAPPING),
               "--store", str(tmp_path / "store")])
    assert rc == 0
    assert (tmp_path / "store" / "manifest.json").exists()


def test_cohort_errors_are_one_line_not_a_traceback(capsys):
    rc = main(["run", "--store", "/nonexistent/store", "--notebooks", "quarterly_profile"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("cohort: ")


def test_run_and_demo_take_editions():
    """cohort run --policy (repeatable) or --editions; run defaults to the management
    edition, demo to both."""
    from cohort.cli import _editions, build_parser

    p = build_parser()
    assert _editions(p.parse_args(["run"]), ["management"]) == ["management"]
    args = p.parse_args(["run", "--policy", "management", "--policy", "publication"])
    assert _editions(args, ["management"]) == ["management", "publication"]
    assert _editions(p.parse_args(["run", "--editions", "publication", "research"]), []) == [
        "publication", "research"]
    assert _editions(p.parse_args(["demo"]), ["management", "publication"]) == ["management", "publication"]


def test_verify_checks_every_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COHORT_PSEUDONYMISATION_KEY", "test-key-not-secret")
    store = tmp_path / "store"
    assert main(["ingest", str(DATA / "childview_extract.xlsx"), "--mapping", str(MAPPING),
                 "--extract-date", "2024-06-01", "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["verify", str(store)]) == 0
    assert "match the manifest" in capsys.readouterr().out
    part = next((store / "children").glob("authority_code=*/*.parquet"))
    part.write_bytes(part.read_bytes()[:-10] + b"0123456789")  # same size, other content
    assert main(["verify", str(store)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cohort: ") and "children" in err and "Traceback" not in err
    assert main(["verify", str(tmp_path / "nowhere")]) == 2
