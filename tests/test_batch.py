"""The batch runner: parameter checks, failures recorded, reruns skipped, index written."""

import json
from pathlib import Path

import pytest

from cohort import batch
from cohort.exceptions import CohortError

NB = Path(__file__).parent / "data" / "notebooks"


def test_unknown_parameter_is_an_error(store_path, tmp_path):
    with pytest.raises(CohortError, match="does not declare parameter"):
        batch.plan([str(NB / "tiny.ipynb")], ["X01"], ["2024/25 Q1"], store=store_path,
                   output=tmp_path, parameters={"colour": "red"})


def test_run_records_failures_skips_unchanged_and_writes_index(store_path, tmp_path):
    notebooks = [str(NB / "tiny.ipynb"), str(NB / "broken.ipynb")]
    m = batch.run(notebooks, ["X01", "X02"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                  jobs=2, progress=False)
    assert len(m) == 4
    ok = m[m["notebook"] == "tiny"]
    bad = m[m["notebook"] == "broken"]
    assert set(ok["status"]) == {"ok"} and set(bad["status"]) == {"failed"}
    err = bad["error"].iloc[0]
    assert err["ename"] == "ValueError" and "planted failure" in err["evalue"]
    html = (tmp_path / ok["html"].iloc[0]).read_text()
    assert "report for X01 2024/25 Q1" in html
    assert "print(f" not in html  # code cells are hidden
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {r["status"] for r in manifest["runs"]} == {"ok", "failed"}
    assert manifest["fingerprint"] and manifest["package_version"]
    index = (tmp_path / "index.html").read_text()
    assert "X01" in index and "X02" in index and "ValueError" in index
    assert not list(tmp_path.rglob("*.tmp*"))  # atomic writes leave nothing behind

    again = batch.run(notebooks, ["X01", "X02"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                      jobs=1, progress=False)
    assert set(again.loc[again["notebook"] == "tiny", "status"]) == {"skipped"}
    assert set(again.loc[again["notebook"] == "broken", "status"]) == {"failed"}  # failures retried


def test_summarise_counts_statuses():
    text = batch.summarise([{"status": "ok", "duration_s": 2.0}, {"status": "failed", "duration_s": 1.0}])
    assert "1 ok" in text and "1 failed" in text and "3 s" in text


@pytest.mark.parametrize("name", [n for n in batch.REPORT_NOTEBOOKS if (batch.notebook_dir() / f"{n}.ipynb").exists()])
def test_report_notebooks_declare_typed_parameters(name):
    import papermill

    declared = papermill.inspect_notebook(str(batch.notebook_dir() / f"{name}.ipynb"))
    scope = {"programme", "authorities", "period", "participants_file"} if "programme" in declared \
        else {"authority", "quarter"}  # programme-level or authority x quarter
    assert set(declared) == scope | {"store", "output_dir", "policy"}
    assert all(p["inferred_type_name"] == "str" and p["help"] for p in declared.values())


def test_partial_rerun_keeps_earlier_reports_in_the_index(store_path, tmp_path):
    nb = [str(NB / "tiny.ipynb")]
    batch.run(nb, ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path, jobs=1, progress=False)
    batch.run(nb, ["X02"], ["2024/25 Q1"], store=store_path, output=tmp_path, jobs=1, progress=False)
    runs = json.loads((tmp_path / "manifest.json").read_text())["runs"]
    assert {r["authority"] for r in runs} == {"X01", "X02"}
    index = (tmp_path / "index.html").read_text()
    assert "tiny_X01" in index and "tiny_X02" in index


def test_two_editions_never_overwrite_each_other(store_path, tmp_path):
    """--editions management publication: each report twice, the edition in the file name,
    the manifest record and the index; a notebook without a policy parameter runs once."""
    nbs = [str(NB / "editions.ipynb"), str(NB / "tiny.ipynb")]
    specs = batch.plan(nbs, ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                       policies=["management", "publication"])
    assert [Path(s.html_path).name for s in specs] == [
        "editions_X01_2024-25Q1_management.html", "editions_X01_2024-25Q1_publication.html",
        "tiny_X01_2024-25Q1.html"]
    assert len({s.key for s in specs}) == 3
    assert batch.plan(nbs[:1], ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                      policies=["local_board"])[0].edition == "publication"  # the former name
    with pytest.raises(CohortError, match="unknown policy"):
        batch.plan(nbs, ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path, policies=["open"])
    m = batch.run(nbs, ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path, jobs=1,
                  progress=False, policies=["management", "publication"])
    assert set(m["status"]) == {"ok"}
    assert m["edition"].tolist() == ["management", "publication", ""]
    for edition in ("management", "publication"):
        html = (tmp_path / m.loc[m["edition"] == edition, "html"].iloc[0]).read_text()
        assert f"{edition} edition for X01" in html
    index = (tmp_path / "index.html").read_text()
    assert "Management information (not for publication)" in index
    assert "Publication (small counts suppressed)" in index


def test_programme_notebooks_run_once_per_programme(store_path, tmp_path):
    """A notebook that declares a programme parameter is planned once per programme and edition,
    not per authority x quarter, and only for programmes the store holds records of."""
    nbs = [str(NB / "programme.ipynb"), str(NB / "tiny.ipynb")]
    specs = batch.plan(nbs, ["X01", "X02"], ["2024/25 Q1", "2024/25 Q2"], store=store_path, output=tmp_path,
                       policies=["management", "publication"])
    prog = [s for s in specs if Path(s.notebook).stem == "programme"]
    assert [Path(s.html_path).relative_to(tmp_path).as_posix() for s in prog] == [
        "programmes/programme_community_youth_connectors_management.html",
        "programmes/programme_community_youth_connectors_publication.html"]
    assert all("authority" not in s.parameters and s.parameters["programme"] == "Community Youth Connectors"
               for s in prog)
    assert len(specs) - len(prog) == 4  # tiny: 2 authorities x 2 quarters
    two = batch.plan(nbs[:1], ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                     programmes=["Community Youth Connectors", "Turnaround"])
    assert [s.parameters["programme"] for s in two] == ["Community Youth Connectors", "Turnaround"]
    m = batch.run(nbs, ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path, jobs=1, progress=False,
                  programmes=["Community Youth Connectors", "No such programme"])
    assert m["notebook"].tolist() == ["programme", "tiny"] and set(m["status"]) == {"ok"}
    assert "management edition for the programme Community Youth Connectors" in (tmp_path / m["html"].iloc[0]).read_text()
    index = (tmp_path / "index.html").read_text()
    assert "<th scope='row'>Community Youth Connectors</th>" in index
