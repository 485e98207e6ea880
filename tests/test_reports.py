"""End to end: the report notebooks through the batch runner on the session's
synthetic store, in both editions, checked for privacy (no identifier or birth
date in any output), disclosure (every table audited, no open check), the edition
marking and the synthetic-data banner, and the page itself (contents, captions,
print rules, text alternatives)."""

import json
import re

from cohort.privacy import identifiers_from, scan_outputs
from cohort.report import SYNTHETIC_BANNER


def test_every_report_runs_in_both_editions(published):
    out, manifest = published
    assert set(manifest["status"]) == {"ok"}, manifest[["notebook", "error"]].to_string()
    mine = manifest[manifest["notebook"].isin(["quarterly_profile", "performance", "victims"])]
    assert len(mine) == 12
    assert sorted(set(manifest["edition"])) == ["management", "publication"]
    names = sorted(p.name for p in out.glob("X01/*.html"))
    assert "quarterly_profile_X01_2025-26Q4_management.html" in names
    assert "quarterly_profile_X01_2025-26Q4_publication.html" in names
    assert not (out / "_shared").exists()  # the units' raw statistics never stay beside the reports
    index = (out / "index.html").read_text()
    assert "Ashbridge (X01)" in index and "Management information (not for publication)" in index
    assert index.count(">Excel</a>") == len(manifest)


def test_no_identifier_or_birth_date_in_any_output(published, small_data):
    out, _ = published
    ids = identifiers_from(small_data.tables)
    assert len(ids) > 1000  # the scan really looks for the children's identifiers and birth months
    findings = scan_outputs(out, ids)
    assert findings.empty, findings.to_string()


def test_every_table_carries_an_audit_record_and_no_check_is_open(published):
    out, manifest = published
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    for run in runs:
        d = run["disclosure"]
        assert d is not None and d["tables"] >= 1, run["notebook"]
        audited = {a["table"] for a in d["audit"]}
        assert set(d["table_names"]) <= audited
        assert d["checks_failed"] == 0, (run["notebook"], run["edition"])
        assert "affected_cells" not in json.dumps(d)  # the public audit only
        if run["edition"] == "management":
            assert d["cells_suppressed"] == 0
        assert run["edition"] == d["policy"]


def test_reports_carry_marking_banner_provenance_and_statement(published, small_data):
    out, manifest = published
    mine = manifest[manifest["notebook"].isin(["quarterly_profile", "performance", "victims"])]
    for path, edition in zip(mine["html"], mine["edition"], strict=True):
        text = (out / path).read_text(encoding="utf-8")  # paths relative to the output folder
        assert SYNTHETIC_BANNER.split(":")[0] in text
        assert small_data.fingerprint() in text
        assert "How the figures are protected" in text
        assert "import cohort" not in text  # code hidden
        marking = ("Management information: not for publication" if edition == "management"
                   else "Publication edition: counts below 5 are suppressed")
        assert text.count(marking) >= 2  # on the page and in the print header of every page
        assert "@top-center" in text and "counter(pages)" in text and "table-header-group" in text
        assert "<nav class='cohort-contents'" in text
        assert "No description has been provided" not in text
        for img in re.findall(r"<img [^>]*>", text):
            assert re.search(r'alt="[^"]{30,}"', img), img[:120]
        assert "<caption>" in text
        assert "Traceback" not in text and "Warning" not in text
