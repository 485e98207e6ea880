"""End to end: the report notebooks through the batch runner on the session's
synthetic store, checked for privacy (no identifier or birth date in any
output), disclosure (every table audited) and the synthetic-data banner."""

import json

import pytest

from cohort import batch
from cohort.privacy import identifiers_from, scan_outputs
from cohort.report import SYNTHETIC_BANNER


@pytest.fixture(scope="module")
def built(store_path, small_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    names = [n for n in batch.REPORT_NOTEBOOKS if (batch.notebook_dir() / f"{n}.ipynb").exists()]
    manifest = batch.run(names, ["X01"], None, store=store_path, output=out, jobs=2, progress=False)
    return out, manifest


def test_every_report_runs(built):
    _, manifest = built
    assert len(manifest) >= 3
    assert set(manifest["status"]) == {"ok"}, manifest[["notebook", "error"]].to_string()


def test_no_identifier_or_birth_date_in_any_output(built, small_data):
    out, _ = built
    ids = identifiers_from(small_data.tables)
    assert len(ids) > 1000  # the scan really looks for the children's identifiers and birth months
    findings = scan_outputs(out, ids)
    assert findings.empty, findings.to_string()


def test_every_table_carries_an_audit_record(built):
    out, manifest = built
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    for run in runs:
        d = run["disclosure"]
        assert d is not None and d["tables"] >= 1, run["notebook"]
        audited = {a["table"] for a in d["audit"]}
        assert set(d["table_names"]) <= audited
        assert d["checks_failed"] == 0


def test_reports_carry_banner_provenance_and_disclosure_statement(built, small_data):
    _, manifest = built
    for path in manifest["html"]:
        text = open(path, encoding="utf-8").read()
        assert SYNTHETIC_BANNER.split(":")[0] in text
        assert small_data.fingerprint() in text
        assert "Disclosure control" in text
        assert "import cohort" not in text  # code hidden
